/*
 * views.h: stage 5, the outputs.  Each constructor returns a view to hand
 * to pipeline_add_view(); the pipeline closes it.
 */
#ifndef TLSDUMP_VIEWS_H
#define TLSDUMP_VIEWS_H

#include <stdio.h>

#include "event.h"

struct text_opts {
    int absolute_time;  /* -e: timestamps since the epoch */
    int segments;       /* -T: a line per TCP segment */
    int all_fields;     /* -A: record versions and lengths, randoms, session IDs */
    int hex;            /* -x: each record's bytes (decrypted: plaintext) in hex and ASCII */
    int hex_only;       /* -X: ... in hex only */
    int data;           /* -d: decrypted application data */
    int cert_text;      /* -N: certificates in full */
    int quiet;          /* -q: one line per record, no decoded messages */
};

/* ssldump's text layout, written to out. */
struct view *text_view_new(FILE *out, const struct text_opts *opts);

/* --summary: a line per connection as it ends, then totals. */
struct view *summary_view_new(FILE *out);

/* JSON Lines (-j): an object per event and a summary per connection. */
struct view *json_view_new(FILE *out);

/* --streams DIR: each connection's reassembled bytes per direction, as
 * DIR/stream-<id>-client.bin and DIR/stream-<id>-server.bin; with
 * plaintext (--extract DIR), its decrypted application data instead, as
 * DIR/conn-<id>-client.bin and DIR/conn-<id>-server.bin.  Returns NULL
 * with a reason in err when DIR is not a writable directory. */
struct view *streams_view_new(const char *dir, int plaintext, char *err, size_t errlen);

#endif
