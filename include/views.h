/*
 * views.h: stage 5, the outputs.  Each constructor returns a view to hand
 * to pipeline_add_view(); the pipeline closes it.  Views see only the
 * view model's events (model.h).
 */
#ifndef TLSDUMP_VIEWS_H
#define TLSDUMP_VIEWS_H

#include <stdio.h>

#include "model.h"

struct out_text_opts {
    int absolute_time; /* -e: timestamps since the epoch */
    int segments;      /* -T: a line per TCP segment */
    int all_fields;    /* -A: record versions and lengths, randoms, session IDs */
    int hex;           /* -x: each record's bytes (decrypted: plaintext) in hex and ASCII */
    int no_ascii;      /* -X: no ASCII column in -d's and -x's hex dumps (ssldump's -X) */
    int data;          /* -d: decrypted application data */
    int cert_text;     /* -N: certificates in full */
    int quiet;         /* -q: one line per record, no decoded messages */
    int color;         /* --color: ANSI colours for directions, failures, decrypted data */
};

/* ssldump's text layout, written to out. */
struct view *out_text_new(FILE *out, const struct out_text_opts *opts);

/* --summary: a line per connection as it ends, then totals. */
struct view *out_summary_new(FILE *out);

struct out_json_opts {
    int data;  /* -d: decrypted application data, as "data" lines */
    int certs; /* --certs: each certificate's DER, base64, in the handshake lines */
};

/* JSON Lines (-j): an object per event and a summary per connection;
 * opts may be NULL (neither). */
struct view *out_json_new(FILE *out, const struct out_json_opts *opts);

/* --streams DIR: each connection's reassembled bytes per direction, as
 * DIR/stream-<id>-client.bin and DIR/stream-<id>-server.bin; with
 * plaintext (--extract DIR), its decrypted application data instead, as
 * DIR/conn-<id>-client.bin and DIR/conn-<id>-server.bin.  Returns NULL
 * with a reason in err when DIR is not a writable directory. */
struct view *out_streams_new(const char *dir, int plaintext, char *err, size_t errlen);

/* Creates an output file named on the command line ("-": a stream of
 * standard output's descriptor, to fclose as any other): 0600, never
 * through a symbolic link, never over a file already there.  Returns NULL
 * with a reason in err. */
FILE *out_create(const char *path, char *err, size_t errlen);

/* -w FILE: the decrypted application data as TCP/IP packets in a pcap
 * written to out (which it closes); name is for messages.  Returns NULL
 * with a reason in err (out is then the caller's to close). */
struct view *out_pcap_new(FILE *out, const char *name, char *err, size_t errlen);

#endif
