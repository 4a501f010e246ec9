/*
 * options.h: tlsdump's command line, as the wiring in main.c uses it.
 */
#ifndef TLSDUMP_OPTIONS_H
#define TLSDUMP_OPTIONS_H

#include "capture.h"
#include "tcp.h"
#include "views.h"

#define EXIT_BAD 2
#define MAX_KEY_FILES 16

struct options {
    struct capture_opts cap;
    struct tcp_config tcp;
    struct out_text_opts text;
    const char *streams_dir;
    const char *extract_dir;
    const char *write_file;   /* -w: the decrypted conversation as a pcap */
    const char *keys_out;     /* --keys-out: the secrets used, as a key log */
    const char *filter_file;  /* -F */
    unsigned long long count; /* -c: stop after this many packets (0: never) */
    int list_ifaces;          /* -D */
    const char *keylogs[MAX_KEY_FILES], *rsa_keys[MAX_KEY_FILES];
    int nkeylogs, nrsa;
    const char *password;
    char password_buf[1024]; /* -p -: read from standard input */
    const char *ca_file, *ca_path;
    int json, summary;
    int no_progress;               /* --no-progress */
    int certs;                     /* --certs: certificates' DER in the JSON */
    int data_sha256;               /* --data-sha256: app_data's SHA-256 in the JSON */
    const char *color;             /* --color: auto, always, never */
    int curses;                    /* -C */
    unsigned long long curses_mib; /* --curses-memory */
    unsigned threads;              /* --threads: 0 or 1, one */
    const char *user;
    char *filter;
};

/* Parses argv into o (zeroed by the caller).  Returns -1 to go on, else
 * the exit status: 0 after --help, --version or -D, EXIT_BAD with one
 * line on stderr for options that are wrong. */
int options_parse(int argc, char **argv, struct options *o);

/* --help's text (usage.c). */
void options_usage(FILE *out);

#endif
