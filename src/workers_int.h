/*
 * workers_int.h: what workers.c (the ring, the workers, start and end)
 * and workers_out.c (each worker's output and the merger) share.  The
 * design and the order rule are at the head of workers.c.
 */
#ifndef TLSDUMP_WORKERS_INT_H
#define TLSDUMP_WORKERS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "base/direct.h"
#include "base/place.h"
#include "workers.h"

#define RING_SLOTS 4096
#define RING_BYTES ((size_t)8 << 20)
#define OUT_BLOCK ((size_t)128 << 10)
#define OUT_BLOCKS_MAX 32 /* per worker while packets flow: 4 MiB */
#define PUBLISH_EVERY 256 /* packets */
#define DONE_EVERY 32     /* packets */
#define PARTS_PER_WORKER 64
#define MAX_WORKERS 64        /* --threads' limit */
#define MERGE_POLL_NS 2000000 /* 2 ms */

struct chunk {
    struct place key;
    size_t len; /* bytes that follow */
};

struct oblock {
    struct oblock *_Atomic next; /* set once this block is full */
    _Atomic size_t published;    /* bytes the merger may read */
    size_t used;
    size_t open; /* offset of the last chunk, while it may still grow */
    uint8_t data[OUT_BLOCK];
};

/* A sleeping place: its waiters counter, its condition. */
struct wait {
    atomic_int waiters;
    pthread_cond_t cond;
};

struct worker {
    struct workers *w;
    unsigned k;
    pthread_t thread;
    struct tcp_stage *tcp;
    struct pipeline *pipe;
    FILE *out;      /* the views' stream: into blocks */
    uint64_t seq;   /* the ring index of the packet being handled */
    uint64_t frame; /* its frame number */
    int64_t last_ts;
    int finishing;
    struct place key;                       /* of the bytes being written */
    struct oblock *cur;                     /* the block being written */
    struct oblock *read;                    /* the merger's: the block it reads */
    size_t read_at;                         /* ... and where */
    struct oblock *free_list;               /* blocks the merger gave back (under w->lock) */
    int nblocks;                            /* allocated (under w->lock) */
    int failed;                             /* out of memory for output */
    int writing;                            /* in wk_out_write or lend: no fflush */
    struct base_direct lender;              /* out's memory, lent to the views */
    struct pending *pend;                   /* for the merger's work done here */
    _Alignas(64) atomic_uint_fast64_t done; /* ring indexes < done are handled */
    atomic_uint_fast64_t out_frame;         /* chunks with key.frame <= this are published */
    atomic_uint_fast64_t conns;             /* connections opened, for the progress line */
    atomic_uint_fast64_t want;              /* settling: the others' done it waits for */
    struct tcp_stats stats;                 /* at the end */
};

/* A slot's owner when no one worker owns it: every worker's stage must
 * see the packet (a fragment, not TCP), or none keeps it (another
 * --shard's). */
#define OWNER_ALL (-1)
#define OWNER_NONE (-2)

struct slot {
    struct cap_packet pkt; /* l3 in the ring's bytes */
    uint64_t at;           /* where its bytes begin (a position, not an offset) */
    int owner;             /* the worker whose shard it is, or OWNER_ALL, _NONE */
    uint64_t new_id;       /* the connection it opens, numbered by the main thread's stage */
};

struct workers {
    unsigned n;
    int fd; /* the output's */
    int write_errno;
    struct worker *wk;
    pthread_t merger;
    int merger_started;
    unsigned nstarted; /* workers 1 .. nstarted-1 have threads running */
    struct crypto_keys *keys;
    pthread_mutex_t lock;
    pthread_mutex_t write_lock;    /* held by whoever writes to fd (the merger, or a worker
                                    * writing its own block) and reads another's blocks */
    struct wait space;             /* the main thread, for room in the ring ... */
    atomic_uint_fast64_t space_at; /* ... once every worker is done with the slots below */
    struct wait data;              /* workers: packets, output blocks */
    struct wait peers;             /* workers: another's progress (settle) */
    struct wait drain;             /* the merger */
    struct slot slot[RING_SLOTS];
    uint8_t *bytes;
    uint64_t head_local, wpos; /* the main thread's */
    uint64_t published_head;
    _Alignas(64) atomic_uint_fast64_t head; /* slots < head are filled */
    atomic_int ended;
    atomic_uint_fast64_t out_gen; /* publications so far, for the merger to wait on */
    struct tcp_stage *ids;        /* the main thread's: numbers the connections */
    uint64_t opened;              /* ... the one the packet being fed opened */
    atomic_uint_fast64_t next_id; /* ids no packet was given (see next_id()) */
    int64_t end_ts;
    unsigned shard_k, shard_n; /* --shard's (0 of 1 without) */
    /* Each part's worker (-1: none yet), and the ring index from which it
     * is: written by the main thread only. */
    _Atomic int part_owner[PARTS_PER_WORKER * MAX_WORKERS];
    atomic_uint_fast64_t part_since[PARTS_PER_WORKER * MAX_WORKERS];
    uint64_t load[MAX_WORKERS]; /* the main thread's count of each worker's bytes */
    uint64_t open[MAX_WORKERS]; /* ... and open connections */
    unsigned read_percent;      /* workers_setup's */
};

/* workers.c */
void wk_wake(struct workers *w, struct wait *c);
void wk_publish_head(struct workers *w);
void wk_mark_done(struct worker *wk);
void wk_wait_until(struct workers *w, struct wait *c, int (*ready)(void *), void *arg);

/* workers_out.c: a worker's output, */
uint64_t wk_frames_done(const struct worker *wk);
void wk_publish(struct worker *wk, uint64_t out_frame);
struct oblock *wk_next_block(struct worker *wk);
ssize_t wk_out_write(void *cookie, const char *p, size_t n);
void wk_lend(struct worker *wk); /* on the worker's thread */
struct pending *wk_pending_new(void);
void wk_set_key(struct worker *wk, struct place k);
void wk_publish_frames(struct worker *wk, uint64_t out_frame);
void wk_free_blocks(struct oblock *b);
/* ... and the merger's thread. */
void *wk_merger_main(void *arg);

#endif
