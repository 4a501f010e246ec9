/*
 * --threads N: the capture read once, the connections spread over N
 * worker threads by flow hash, their output merged in one thread's order.
 *
 * The ring: the main thread copies each packet once into a ring of slots
 * and bytes that every worker reads in order.  Worker k's tcp stage keeps
 * shard k of N; for the other packets it only lets time pass (idle
 * connections expire at the same packet as in one thread).
 *
 * The order rule: a view on a worker writes into the worker's own stream,
 * and every byte carries a key (frame, sub): the frame number of the
 * packet being handled, and sub = that frame again, or for a connection
 * closed as idle the frame of its last packet (one tcp stage closes them
 * in that order, least recently used first), or at the end of the input
 * frame = max and sub = the connection's id (tcp_finish closes them in id
 * order).  The merger writes chunks in key order, and a chunk only once
 * every other worker has published everything up to its frame.  Where one
 * thread would decide by its whole table (a full table, --max-memory), the
 * workers decide by their own and the order may differ.
 *
 * Connection ids are taken in frame order: a worker that opens a
 * connection first waits until every other worker has handled every
 * earlier packet; so does a crypto session-cache miss (crypto_keys_set_settle),
 * since the session may be another worker's.
 *
 * Waiting: whoever waits says so in a counter and sleeps on a condition;
 * whoever makes progress publishes it with an atomic store, then wakes the
 * condition only if its counter says someone sleeps.  Nobody waits holding
 * output or progress the others may need: everything is published first.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "workers.h"

#define RING_SLOTS 4096
#define RING_BYTES ((size_t)8 << 20)
#define OUT_BLOCK ((size_t)128 << 10)
#define OUT_BLOCKS_MAX 32     /* per worker while packets flow: 4 MiB */
#define PUBLISH_EVERY 256     /* packets */
#define MAX_FRAME UINT64_MAX  /* the end of the input */
#define MERGE_POLL_NS 2000000 /* 2 ms */

struct key {
    uint64_t frame, sub;
};

struct chunk {
    struct key key;
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
    struct key key;                         /* of the bytes being written */
    struct oblock *cur;                     /* the block being written */
    struct oblock *read;                    /* the merger's: the block it reads */
    size_t read_at;                         /* ... and where */
    struct oblock *free_list;               /* blocks the merger gave back (under w->lock) */
    int nblocks;                            /* allocated (under w->lock) */
    int failed;                             /* out of memory for output */
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
};

struct workers {
    unsigned n;
    int fd; /* the output's */
    int write_errno;
    struct worker *wk;
    pthread_t merger;
    int merger_started;
    unsigned nstarted; /* worker threads running */
    struct crypto_keys *keys;
    pthread_mutex_t lock;
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
    atomic_uint_fast64_t next_id;
    int64_t end_ts;
    unsigned shard_k, shard_n; /* --shard's (0 of 1 without) */
};

static _Thread_local struct worker *self;

static void wake(struct workers *w, struct wait *c)
{
    if (atomic_load(&c->waiters)) {
        pthread_mutex_lock(&w->lock);
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&w->lock);
    }
}

/* Sleeps on c until ready(arg) holds; ready is tested under the lock
 * after the waiter is counted, so that a wake() cannot be missed. */
static void wait_until(struct workers *w, struct wait *c, int (*ready)(void *), void *arg)
{
    atomic_fetch_add(&c->waiters, 1);
    pthread_mutex_lock(&w->lock);
    while (!ready(arg))
        pthread_cond_wait(&c->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
    atomic_fetch_sub(&c->waiters, 1);
}

/* The same for at most MERGE_POLL_NS. */
static void wait_a_while(struct workers *w, struct wait *c, int (*ready)(void *), void *arg)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += MERGE_POLL_NS;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    atomic_fetch_add(&c->waiters, 1);
    pthread_mutex_lock(&w->lock);
    while (!ready(arg) && pthread_cond_timedwait(&c->cond, &w->lock, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&w->lock);
    atomic_fetch_sub(&c->waiters, 1);
}

static int key_less(struct key a, struct key b)
{
    return a.frame < b.frame || (a.frame == b.frame && a.sub < b.sub);
}

/* ---- a worker's output: chunks in blocks ---- */

/* Frames whose output is all written: while a packet is handled, those
 * before it; at the end, all of them. */
static uint64_t frames_done(const struct worker *wk)
{
    return wk->finishing ? wk->frame : wk->frame - 1;
}

/* The merger looks every MERGE_POLL_NS on its own; a worker wakes it
 * only when it must wait for it (no free block) or ends. */
static void publish(struct worker *wk, uint64_t out_frame)
{
    struct tcp_stats st;
    if (wk->cur) {
        atomic_store_explicit(&wk->cur->published, wk->cur->used, memory_order_release);
        wk->cur->open = SIZE_MAX;
    }
    tcp_get_stats(wk->tcp, &st);
    atomic_store_explicit(&wk->conns, st.connections, memory_order_relaxed);
    atomic_store(&wk->out_frame, out_frame);
    atomic_fetch_add(&wk->w->out_gen, 1);
}

static int block_available(void *arg)
{
    struct worker *wk = arg;
    return wk->free_list || wk->nblocks < OUT_BLOCKS_MAX;
}

/* A new block after cur; NULL when out of memory.  While packets flow a
 * worker keeps at most OUT_BLOCKS_MAX and waits for the merger; at the
 * end it may take more (every worker's last words wait for every
 * other's, see workers.c's head). */
static struct oblock *next_block(struct worker *wk)
{
    struct workers *w = wk->w;
    struct oblock *b = NULL;

    pthread_mutex_lock(&w->lock);
    int full = !wk->finishing && !block_available(wk);
    pthread_mutex_unlock(&w->lock);
    if (full) {
        publish(wk, frames_done(wk));
        wake(w, &w->drain);
        wait_until(w, &w->data, block_available, wk);
    }
    pthread_mutex_lock(&w->lock);
    if ((b = wk->free_list))
        wk->free_list = atomic_load_explicit(&b->next, memory_order_relaxed);
    else
        wk->nblocks++;
    pthread_mutex_unlock(&w->lock);
    if (!b && !(b = malloc(sizeof(*b))))
        return NULL;
    atomic_store_explicit(&b->next, NULL, memory_order_relaxed);
    atomic_store_explicit(&b->published, 0, memory_order_relaxed);
    b->used = 0;
    b->open = SIZE_MAX;
    if (wk->cur) {
        atomic_store_explicit(&wk->cur->published, wk->cur->used, memory_order_release);
        atomic_store_explicit(&wk->cur->next, b, memory_order_release);
    } else {
        wk->read = b; /* before the threads start */
    }
    wk->cur = b;
    return b;
}

/* The worker's stream (fopencookie): bytes under the current key. */
static ssize_t out_write(void *cookie, const char *p, size_t n)
{
    struct worker *wk = cookie;
    size_t left = n;

    while (left) {
        struct oblock *b = wk->cur;
        struct chunk c;
        if (b && b->open != SIZE_MAX) { /* the last chunk, unpublished: grow it */
            memcpy(&c, b->data + b->open, sizeof(c));
            if (c.key.frame != wk->key.frame || c.key.sub != wk->key.sub)
                b->open = SIZE_MAX;
        }
        if (!b || (b->open == SIZE_MAX && OUT_BLOCK - b->used < sizeof(c) + 256) ||
            b->used == OUT_BLOCK) {
            if (!(b = next_block(wk))) {
                wk->failed = 1;
                return (ssize_t)(n - left) ? (ssize_t)(n - left) : -1;
            }
        }
        if (b->open == SIZE_MAX) {
            c = (struct chunk){.key = wk->key, .len = 0};
            b->open = b->used;
            b->used += sizeof(c);
        } else {
            memcpy(&c, b->data + b->open, sizeof(c));
        }
        size_t take = OUT_BLOCK - b->used < left ? OUT_BLOCK - b->used : left;
        memcpy(b->data + b->used, p, take);
        b->used += take;
        c.len += take;
        memcpy(b->data + b->open, &c, sizeof(c));
        p += take;
        left -= take;
    }
    return (ssize_t)n;
}

/* Bytes written from now on carry k (never less than what went before:
 * the merger reads each worker's chunks in order). */
static void set_key(struct worker *wk, struct key k)
{
    if (key_less(wk->key, k))
        wk->key = k;
}

/* ---- the order of connection ids and of resumed sessions ---- */

struct others {
    struct worker *wk;
    uint64_t seq;
};

static int others_done(void *arg)
{
    struct others *o = arg;
    for (unsigned i = 0; i < o->wk->w->n; i++) {
        struct worker *v = &o->wk->w->wk[i];
        if (v != o->wk && atomic_load(&v->done) < o->seq)
            return 0;
    }
    return 1;
}

/* Wakes the workers settling for what this one has now done, only them:
 * a worker far behind would otherwise wake them at every packet. */
static void wake_settled(struct worker *wk)
{
    if (!atomic_load(&wk->w->peers.waiters))
        return;
    for (unsigned i = 0; i < wk->w->n; i++)
        if (atomic_load(&wk->w->wk[i].want) <= wk->seq) {
            wake(wk->w, &wk->w->peers);
            return;
        }
}

/* Returns once every other worker has handled every packet before the
 * one this worker handles. */
static void settle_worker(struct worker *wk)
{
    struct others o = {wk, wk->seq};
    if (others_done(&o))
        return;
    publish(wk, frames_done(wk));
    atomic_store(&wk->want, wk->seq);
    wait_until(wk->w, &wk->w->peers, others_done, &o);
    atomic_store(&wk->want, UINT64_MAX);
}

static void settle(void)
{
    if (self)
        settle_worker(self);
}

static uint64_t next_id(void *arg)
{
    struct worker *wk = arg;
    settle_worker(wk);
    return atomic_fetch_add(&wk->w->next_id, 1) + 1;
}

/* Closes keep one tcp stage's order (see the head of the file). */
static void on_tcp_event(void *arg, const struct tcp_event *ev)
{
    struct worker *wk = arg;

    if (wk->finishing)
        set_key(wk, (struct key){MAX_FRAME, ev->conn->id});
    else if (ev->kind == TCP_EV_CLOSE && ev->reason == TCP_CLOSE_IDLE)
        set_key(wk, (struct key){wk->frame, ev->conn->last_frame});
    else
        set_key(wk, (struct key){wk->frame, wk->frame});
    pipeline_tcp_event(wk->pipe, ev);
}

/* ---- the workers ---- */

static int packet_ready(void *arg)
{
    struct worker *wk = arg;
    return atomic_load(&wk->w->head) > wk->seq || atomic_load(&wk->w->ended);
}

/* The main thread, waiting for room, wants the ring half empty: woken
 * before that it would only copy a packet or two and wait again. */
static void free_space(struct worker *wk)
{
    if (wk->seq >= atomic_load(&wk->w->space_at))
        wake(wk->w, &wk->w->space);
}

static void handle(struct worker *wk, const struct slot *s)
{
    wk->frame = s->pkt.frame;
    wk->key = (struct key){s->pkt.frame, 0};
    if (s->owner == (int)wk->k || s->owner == OWNER_ALL)
        tcp_input(wk->tcp, &s->pkt);
    else
        tcp_pass(wk->tcp, &s->pkt);
    wk->last_ts = s->pkt.ts_us;
}

static void *worker_main(void *arg)
{
    struct worker *wk = arg;
    struct workers *w = wk->w;

    self = wk;
    for (;;) {
        if (atomic_load(&w->head) <= wk->seq) {
            publish(wk, wk->frame);
            free_space(wk);
            wait_until(w, &w->data, packet_ready, wk);
            if (atomic_load(&w->head) <= wk->seq)
                break; /* ended */
        }
        handle(wk, &w->slot[wk->seq % RING_SLOTS]);
        atomic_store(&wk->done, ++wk->seq);
        wake_settled(wk);
        if (wk->seq % PUBLISH_EVERY == 0) {
            publish(wk, wk->frame);
            free_space(wk);
        }
    }
    wk->finishing = 1;
    tcp_finish(wk->tcp, w->end_ts);
    tcp_get_stats(wk->tcp, &wk->stats);
    publish(wk, MAX_FRAME);
    wake(w, &w->drain);
    return NULL;
}

/* ---- the merger ---- */

static void give_back(struct worker *wk, struct oblock *b)
{
    struct workers *w = wk->w;
    pthread_mutex_lock(&w->lock);
    atomic_store_explicit(&b->next, wk->free_list, memory_order_relaxed);
    wk->free_list = b;
    pthread_mutex_unlock(&w->lock);
    wake(w, &w->data);
}

/* What the merger has taken but not yet written: chunks to writev, and
 * the blocks they came from, given back once written. */
#define OUT_IOV 256

struct pending {
    struct iovec iov[OUT_IOV];
    int niov;
    struct {
        struct worker *wk;
        struct oblock *b;
    } done[OUT_IOV];
    int ndone;
};

static void write_pending(struct workers *w, struct pending *p)
{
    struct iovec *iov = p->iov;
    int n = p->niov;

    while (n && !w->write_errno) {
        ssize_t k = writev(w->fd, iov, n > IOV_MAX ? IOV_MAX : n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            w->write_errno = errno; /* the rest is not written */
            break;
        }
        for (; n && (size_t)k >= iov->iov_len; iov++, n--)
            k -= (ssize_t)iov->iov_len;
        if (n) {
            iov->iov_base = (char *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    p->niov = 0;
    for (int i = 0; i < p->ndone; i++)
        give_back(p->done[i].wk, p->done[i].b);
    p->ndone = 0;
}

/* The worker's next published chunk, if any; a block read to its end is
 * left for write_pending to give back. */
static int peek(struct worker *wk, struct chunk *c, struct pending *p)
{
    for (;;) {
        struct oblock *b = wk->read;
        if (wk->read_at < atomic_load_explicit(&b->published, memory_order_acquire)) {
            memcpy(c, b->data + wk->read_at, sizeof(*c));
            return 1;
        }
        struct oblock *next = atomic_load_explicit(&b->next, memory_order_acquire);
        if (!next)
            return 0;
        if (wk->read_at < atomic_load_explicit(&b->published, memory_order_acquire))
            continue; /* its last bytes came with next */
        wk->read = next;
        wk->read_at = 0;
        p->done[p->ndone].wk = wk;
        p->done[p->ndone++].b = b;
    }
}

/* Takes the chunk with the least key if no worker can still write one
 * below it.  Returns 1 when it took one, 0 when it must wait, -1 at the
 * end. */
static int merge_step(struct workers *w, struct pending *p)
{
    uint64_t of[w->n];
    struct chunk c[w->n];
    int have[w->n], best = -1, finished = 1;

    if (p->niov == OUT_IOV || p->ndone >= OUT_IOV - (int)w->n)
        write_pending(w, p);
    for (unsigned i = 0; i < w->n; i++) {
        of[i] = atomic_load(&w->wk[i].out_frame); /* before peek: see the file's head */
        have[i] = peek(&w->wk[i], &c[i], p);
        finished &= of[i] == MAX_FRAME;
        if (have[i] && (best < 0 || key_less(c[i].key, c[best].key)))
            best = (int)i;
    }
    if (best < 0)
        return finished ? -1 : 0;
    for (unsigned i = 0; i < w->n; i++)
        if (!have[i] &&
            (of[i] < c[best].key.frame || (c[best].key.frame == MAX_FRAME && of[i] != MAX_FRAME)))
            return 0;
    struct worker *wk = &w->wk[best];
    if (c[best].len) {
        p->iov[p->niov].iov_base = wk->read->data + wk->read_at + sizeof(c[best]);
        p->iov[p->niov++].iov_len = c[best].len;
    }
    wk->read_at += sizeof(c[best]) + c[best].len;
    return 1;
}

struct gen_wait {
    struct workers *w;
    uint64_t gen;
};

static int published_more(void *arg)
{
    struct gen_wait *g = arg;
    return atomic_load(&g->w->out_gen) != g->gen;
}

/* Writes straight to the output's descriptor, a writev per batch of
 * chunks: no copy into a stdio buffer. */
static void *merger_main(void *arg)
{
    struct workers *w = arg;
    struct pending *p = calloc(1, sizeof(*p));

    if (!p) {
        w->write_errno = ENOMEM;
        return NULL;
    }
    for (;;) {
        struct gen_wait g = {w, atomic_load(&w->out_gen)};
        int r = merge_step(w, p);
        if (r < 0)
            break;
        if (r)
            continue;
        write_pending(w, p);
        wait_a_while(w, &w->drain, published_more, &g);
    }
    write_pending(w, p);
    free(p);
    return NULL;
}

/* ---- the main thread's side ---- */

static uint64_t min_done(struct workers *w)
{
    uint64_t m = UINT64_MAX;
    for (unsigned i = 0; i < w->n; i++) {
        uint64_t d = atomic_load(&w->wk[i].done);
        m = d < m ? d : m;
    }
    return m;
}

struct room {
    struct workers *w;
    uint64_t at, len;
    int waited;
};

/* A slot free, and the bytes [at, at + len) no longer read by anyone;
 * after a wait, half the slots. */
static int has_room(void *arg)
{
    struct room *r = arg;
    struct workers *w = r->w;
    uint64_t oldest = min_done(w);
    if (w->head_local - oldest >= (r->waited ? RING_SLOTS / 2 : RING_SLOTS))
        return 0;
    uint64_t from = oldest < w->head_local ? w->slot[oldest % RING_SLOTS].at : r->at;
    return r->at + r->len - from <= RING_BYTES;
}

static void publish_head(struct workers *w)
{
    w->published_head = w->head_local;
    atomic_store(&w->head, w->head_local);
    wake(w, &w->data);
}

/* The packet's worker, found once here rather than by every worker: a
 * worker's shard is its index's within --shard's (worker_init). */
static int owner_of(const struct workers *w, const struct cap_packet *pkt)
{
    int sh = tcp_packet_shard(pkt, w->shard_n * w->n);
    if (sh < 0)
        return OWNER_ALL;
    if ((unsigned)sh % w->shard_n != w->shard_k)
        return OWNER_NONE;
    return (int)((unsigned)sh / w->shard_n);
}

void workers_feed(struct workers *w, const struct cap_packet *pkt)
{
    /* no frame is that long (libpcap's snap lengths stop at 256 KiB) */
    struct room r = {w, w->wpos, pkt->l3_caplen < RING_BYTES / 4 ? pkt->l3_caplen : RING_BYTES / 4,
                     0};
    if (r.at % RING_BYTES + r.len > RING_BYTES) /* no wrapping inside a packet */
        r.at += RING_BYTES - r.at % RING_BYTES;
    if (!has_room(&r)) {
        publish_head(w);
        r.waited = 1;
        atomic_store(&w->space_at, w->head_local - RING_SLOTS / 2);
        wait_until(w, &w->space, has_room, &r);
    }
    struct slot *s = &w->slot[w->head_local % RING_SLOTS];
    s->pkt = *pkt;
    s->pkt.l3 = w->bytes + r.at % RING_BYTES;
    s->pkt.l3_caplen = r.len;
    s->at = r.at;
    memcpy(w->bytes + r.at % RING_BYTES, pkt->l3, r.len);
    s->owner = owner_of(w, &s->pkt);
    w->wpos = r.at + r.len;
    w->head_local++;
    if (w->head_local - w->published_head >= PUBLISH_EVERY)
        publish_head(w);
}

void workers_idle(struct workers *w)
{
    if (w->head_local != w->published_head)
        publish_head(w);
}

/* ---- start and end ---- */

static int worker_init(struct workers *w, struct worker *wk, const struct workers_setup *s)
{
    static const cookie_io_functions_t io = {.write = out_write};
    struct tcp_config cfg = *s->tcp;
    unsigned base_k = w->shard_k, base_n = w->shard_n;

    wk->w = w;
    wk->k = (unsigned)(wk - w->wk);
    atomic_store(&wk->want, UINT64_MAX);
    /* shard k of the worker within the user's --shard K/N: the hash mod
     * N*n is K + N*k exactly when it is K mod N and k of n above it */
    cfg.shard_k = base_k + base_n * wk->k;
    cfg.shard_n = base_n * w->n;
    cfg.next_id = next_id;
    cfg.next_id_arg = wk;
    if (!next_block(wk) || !(wk->out = fopencookie(wk, "w", io)))
        return 0;
    /* Unbuffered: each write reaches out_write under the key of its
     * moment, copied once, into a block (a buffer would copy it twice). */
    setvbuf(wk->out, NULL, _IONBF, 0);
    return (wk->pipe = pipeline_new(s->keys, s->analyzer)) &&
           s->add_views(wk->pipe, wk->out, s->arg) && (wk->tcp = tcp_new(&cfg, on_tcp_event, wk));
}

struct workers *workers_start(const struct workers_setup *s, char *err, size_t errlen)
{
    struct workers *w = calloc(1, sizeof(*w));
    unsigned started = 0;

    if (!w || !(w->wk = calloc(s->n, sizeof(*w->wk))) || !(w->bytes = malloc(RING_BYTES))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    w->n = s->n;
    w->shard_n = s->tcp->shard_n > 1 ? s->tcp->shard_n : 1;
    w->shard_k = s->tcp->shard_n > 1 ? s->tcp->shard_k : 0;
    fflush(s->out); /* what it holds comes first */
    w->fd = fileno(s->out);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->space.cond, NULL);
    pthread_cond_init(&w->data.cond, NULL);
    pthread_cond_init(&w->peers.cond, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&w->drain.cond, &monotonic);
    pthread_condattr_destroy(&monotonic);
    for (unsigned i = 0; i < w->n; i++)
        if (!worker_init(w, &w->wk[i], s)) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    if (s->keys)
        crypto_keys_set_settle(s->keys, settle);
    w->keys = s->keys;
    for (; started < w->n; started++)
        if ((errno = pthread_create(&w->wk[started].thread, NULL, worker_main, &w->wk[started])))
            break;
    w->nstarted = started;
    if (started == w->n && !(errno = pthread_create(&w->merger, NULL, merger_main, w))) {
        w->merger_started = 1;
        return w;
    }
    snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
    for (unsigned i = started; i < w->n; i++) { /* as if done: nobody waits for them */
        atomic_store(&w->wk[i].done, UINT64_MAX);
        atomic_store(&w->wk[i].out_frame, MAX_FRAME);
    }
    w->nstarted = started;
    workers_finish(w, 0);
fail:
    workers_free(w);
    return NULL;
}

void workers_finish(struct workers *w, int64_t now_us)
{
    if (atomic_load(&w->ended))
        return;
    w->end_ts = now_us;
    publish_head(w);
    atomic_store(&w->ended, 1);
    wake(w, &w->data);
    wake(w, &w->peers);
    for (unsigned i = 0; i < w->nstarted; i++)
        pthread_join(w->wk[i].thread, NULL);
    if (w->merger_started)
        pthread_join(w->merger, NULL);
}

uint64_t workers_connections(struct workers *w)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < w->n; i++)
        n += atomic_load_explicit(&w->wk[i].conns, memory_order_relaxed);
    return n;
}

void workers_stats(struct workers *w, struct tcp_stats *st)
{
    *st = w->wk[0].stats;
    for (unsigned i = 1; i < w->n; i++)
        tcp_stats_add(st, &w->wk[i].stats);
}

static void free_blocks(struct oblock *b)
{
    while (b) {
        struct oblock *next = atomic_load_explicit(&b->next, memory_order_relaxed);
        free(b);
        b = next;
    }
}

int workers_free(struct workers *w)
{
    int ok = 1;
    if (!w)
        return 1;
    if (w->keys)
        crypto_keys_set_settle(w->keys, NULL);
    for (unsigned i = 0; w->wk && i < w->n; i++) {
        struct worker *wk = &w->wk[i];
        tcp_free(wk->tcp);
        if (wk->pipe)
            ok &= pipeline_free(wk->pipe);
        if (wk->out)
            fclose(wk->out);
        ok &= !wk->failed;
        free_blocks(wk->read);
        free_blocks(wk->free_list);
    }
    if (w->write_errno && w->write_errno != EPIPE)
        fprintf(stderr, "tlsdump: writing output: %s\n", strerror(w->write_errno));
    ok &= !w->write_errno;
    free(w->wk);
    free(w->bytes);
    free(w);
    return ok;
}
