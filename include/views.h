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
/* One thread's share of whole (--threads): its connections' lines to out;
 * its totals are added to whole's when it is closed, before whole is,
 * with the place (the event's) where each key was first counted. */
struct view *out_summary_part_new(FILE *out, struct view *whole);

struct out_json_opts {
    int data;  /* -d: decrypted application data, as "data" lines */
    int certs; /* --certs: each certificate's DER, base64, in the handshake lines */
    int order; /* --shard: each line's place (base/place.h), "order":[frame,sub] */
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

/* --curses: an interactive screen on standard output (a terminal). */
struct out_curses_opts {
    const char *source;               /* the file or interface, for the status line */
    int live;                         /* -i: the drop count matters */
    size_t memory;                    /* bytes of detail (timelines, plaintext) kept at most */
    const char *save_dir;             /* where `s` saves plaintext ("." when NULL) */
    const struct out_text_opts *text; /* how the timeline is printed */
};

/* What the reading loop has done, for the status line. */
struct out_curses_counts {
    uint64_t packets, bytes_done, bytes_total; /* bytes_total 0: unknown */
    uint64_t drops;                            /* live: dropped by the kernel */
    size_t secrets;                            /* key log lines and keys loaded */
};

/* Takes over the terminal (restored by out_curses_end() or the view's
 * close, and on SIGINT, SIGTERM or a crash).  Returns NULL with a reason
 * in err. */
struct view *out_curses_new(const struct out_curses_opts *opts, char *err, size_t errlen);
/* The ncurses library's name and version ("ncurses 6.4.20221231"). */
const char *out_curses_lib_version(void);
/* 1 when the reading loop should call out_curses_step(): cheap per packet. */
int out_curses_due(struct view *v);
/* Reads the keys waiting, redraws; returns 1 when the user quit. */
int out_curses_step(struct view *v, const struct out_curses_counts *c);
/* The input ended: the user looks until q, then the terminal is restored;
 * what was said on standard error meanwhile is said then. */
void out_curses_end(struct view *v, const struct out_curses_counts *c, int browse);

#endif
