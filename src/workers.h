/*
 * workers.h: --threads N, the stages run on N threads.
 *
 * The main thread reads the capture and hands every packet to
 * workers_feed(), which keeps the packets of some connections for the main
 * thread's own stages and copies the others' once into a ring that the
 * other N-1 threads read.  Each connection lives on one thread with all of
 * its state: a tcp stage, a pipeline and views of its own.  The output
 * comes in the order one thread would have written it (workers.c says
 * how).
 */
#ifndef TLSDUMP_WORKERS_H
#define TLSDUMP_WORKERS_H

#include <stdio.h>

#include "capture.h"
#include "crypto.h"
#include "pipeline.h"
#include "tcp.h"

struct workers;

struct workers_setup {
    unsigned n;                   /* threads, 2 or more */
    const struct tcp_config *tcp; /* each worker's, with its shard of the user's */
    struct crypto_keys *keys;     /* shared; may be NULL */
    struct an_analyzer *analyzer; /* shared: it only reads */
    FILE *out;                    /* where the merged output goes: flushed, then
                                   * written through its descriptor */
    /* The main thread's reading, as a share of the bytes it reads, beside
     * the bytes of the workers' packets (their work), in percent: the less
     * work each byte brings, the more reading weighs (0: 60). */
    unsigned read_percent;
    /* Adds one worker's views to p, writing to out (the worker's own
     * stream); returns 0 when it cannot. */
    int (*add_views)(struct pipeline *p, FILE *out, void *arg);
    void *arg;
};

/* Starts the threads; NULL (with a reason in err) when it cannot. */
struct workers *workers_start(const struct workers_setup *s, char *err, size_t errlen);

/* Copies one packet in; waits while the ring is full. */
void workers_feed(struct workers *w, const struct cap_packet *pkt);

/* A live capture is quiet: the packets copied in so far go to the
 * workers now rather than with the next batch. */
void workers_idle(struct workers *w);

/* The input ended: every worker closes its connections (as tcp_finish),
 * the merger writes the rest, the threads end. */
void workers_finish(struct workers *w, int64_t now_us);

/* Connections opened so far, for a progress line. */
uint64_t workers_connections(struct workers *w);

/* The workers' tcp counters added up (tcp_stats_add), after
 * workers_finish. */
void workers_stats(struct workers *w, struct tcp_stats *st);

/* Closes every worker's views and frees all; returns 0 if any view's
 * output failed. */
int workers_free(struct workers *w);

#endif
