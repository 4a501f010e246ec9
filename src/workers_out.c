/*
 * --threads: each worker's output, in chunks of blocks under the keys of
 * the order rule (workers.c), written in that order by the worker itself
 * when nothing else comes first (write_own), else by the merger thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "workers_int.h"

/* ---- a worker's output: chunks in blocks ---- */

/* What stdio holds of the worker's stream, into its block. */
static void flush(struct worker *wk)
{
    if (__fpending(wk->out))
        fflush(wk->out);
}

struct pending;
static int write_own(struct worker *wk);
static void write_iov(struct workers *w, struct iovec *iov, int n);
static int merge_step(struct workers *w, struct pending *p);
static void write_pending(struct workers *w, struct pending *p);

/* Frames whose output is all written: while a packet is handled, those
 * before it; at the end, all of them. */
uint64_t wk_frames_done(const struct worker *wk)
{
    return wk->finishing ? wk->frame : wk->frame - 1;
}

/* The merger looks every MERGE_POLL_NS on its own; a worker wakes it
 * only when it must wait for it (no free block) or ends.  Worker 0, the
 * main thread's, publishes the ring's head too: it may be about to wait,
 * and the others for packets it has copied. */
void wk_publish(struct worker *wk, uint64_t out_frame)
{
    struct tcp_stats st;
    if (!wk->writing)
        flush(wk);
    if (wk->k == 0 && !wk->finishing)
        wk_publish_head(wk->w); /* the main thread's: the others may wait for packets */
    wk_mark_done(wk);
    if (wk->cur) {
        atomic_store_explicit(&wk->cur->published, wk->cur->used, memory_order_release);
        wk->cur->open = SIZE_MAX;
    }
    tcp_get_stats(wk->tcp, &st);
    atomic_store_explicit(&wk->conns, st.connections, memory_order_relaxed);
    atomic_store(&wk->out_frame, out_frame);
    write_own(wk);
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
struct oblock *wk_next_block(struct worker *wk)
{
    struct workers *w = wk->w;
    struct oblock *b = NULL;

    pthread_mutex_lock(&w->lock);
    int full = !wk->finishing && !block_available(wk);
    pthread_mutex_unlock(&w->lock);
    if (full) {
        wk_publish(wk, wk_frames_done(wk));
        wk_wake(w, &w->drain);
        wk_wait_until(w, &w->data, block_available, wk);
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

/* ---- a worker at the head of the order writes its own block ---- */

/* Nothing of worker v waits to be written: the merger has read all it
 * published, and v will publish nothing at or below frame f. */
static int behind_nothing(struct worker *v, uint64_t f)
{
    struct oblock *b = v->read;
    return atomic_load(&v->out_frame) >= f &&
           !atomic_load_explicit(&b->next, memory_order_acquire) &&
           v->read_at >= atomic_load_explicit(&b->published, memory_order_acquire);
}

/* When every byte before the unwritten chunks of wk's current block is
 * written (the merger has read up to them, no other worker has anything
 * left at or below their last frame, and the merger is not writing), the
 * worker writes them itself and starts the block again: the block stays
 * in its cache and the merger has nothing to do.  One connection's -d
 * output costs no more than with one thread.  Returns 1 when written. */
static int write_own(struct worker *wk)
{
    struct workers *w = wk->w;
    struct oblock *b = wk->cur;
    int ok = 0;

    if (!b || !wk->pend || pthread_mutex_trylock(&w->write_lock))
        return 0;
    while (merge_step(w, wk->pend) > 0) /* the merger's work, while here */
        ;
    write_pending(w, wk->pend);
    if (wk->read != b) { /* not all read up to it */
        pthread_mutex_unlock(&w->write_lock);
        return 0;
    }
    struct iovec iov[64];
    struct chunk c;
    size_t at = wk->read_at;
    uint64_t last_frame = 0;
    for (size_t i = at; i < b->used; i += sizeof(c) + c.len) {
        memcpy(&c, b->data + i, sizeof(c));
        last_frame = c.key.frame;
    }
    ok = 1;
    for (unsigned i = 0; ok && i < w->n; i++)
        if (&w->wk[i] != wk)
            ok = behind_nothing(&w->wk[i], last_frame);
    if (ok) {
        int n = 0;
        for (; at < b->used; at += sizeof(c) + c.len) {
            memcpy(&c, b->data + at, sizeof(c));
            if (n == 64)
                write_iov(w, iov, n), n = 0;
            if (c.len)
                iov[n++] = (struct iovec){b->data + at + sizeof(c), c.len};
        }
        write_iov(w, iov, n);
        atomic_store_explicit(&b->published, 0, memory_order_relaxed);
        b->used = 0;
        b->open = SIZE_MAX;
        wk->read_at = 0;
    }
    pthread_mutex_unlock(&w->write_lock);
    return ok;
}

/* The current block, with a chunk under the current key open at its end
 * and room for at least min bytes after it; NULL when out of memory. */
static struct oblock *open_chunk(struct worker *wk, size_t min)
{
    struct oblock *b = wk->cur;
    struct chunk c;

    if (b && b->open != SIZE_MAX) { /* the last chunk, unpublished: grow it */
        memcpy(&c, b->data + b->open, sizeof(c));
        if (c.key.frame != wk->key.frame || c.key.sub != wk->key.sub)
            b->open = SIZE_MAX;
    }
    size_t need = b && b->open == SIZE_MAX ? sizeof(c) + (min > 256 ? min : 256) : min;
    if (!b || OUT_BLOCK - b->used < need) {
        if (b)
            b->open = SIZE_MAX; /* its last chunk ends here */
        if ((!b || !write_own(wk)) && !(b = wk_next_block(wk))) {
            wk->failed = 1;
            return NULL;
        }
    }
    if (b->open == SIZE_MAX) {
        c = (struct chunk){.key = wk->key, .len = 0};
        b->open = b->used;
        b->used += sizeof(c);
        memcpy(b->data + b->open, &c, sizeof(c));
    }
    return b;
}

/* n bytes written at the end of the open chunk. */
static void grow_chunk(struct oblock *b, size_t n)
{
    struct chunk c;
    memcpy(&c, b->data + b->open, sizeof(c));
    c.len += n;
    b->used += n;
    memcpy(b->data + b->open, &c, sizeof(c));
}

/* The worker's stream (fopencookie): bytes under the current key. */
ssize_t wk_out_write(void *cookie, const char *p, size_t n)
{
    struct worker *wk = cookie;
    size_t left = n;

    wk->writing = 1;
    while (left) {
        struct oblock *b = open_chunk(wk, 1);
        if (!b)
            break;
        size_t take = OUT_BLOCK - b->used < left ? OUT_BLOCK - b->used : left;
        memcpy(b->data + b->used, p, take);
        grow_chunk(b, take);
        p += take;
        left -= take;
    }
    wk->writing = 0;
    return left == n ? -1 : (ssize_t)(n - left);
}

/* The same stream's memory lent (base/direct.h): the hex dump formats
 * straight into the block. */
static char *lend(void *arg, size_t min, size_t *room)
{
    struct worker *wk = arg;
    flush(wk); /* what stdio holds comes first */
    wk->writing = 1;
    struct oblock *b = open_chunk(wk, min);
    wk->writing = 0;
    if (!b)
        return NULL;
    *room = OUT_BLOCK - b->used;
    return (char *)b->data + b->used;
}

static void lent(void *arg, size_t n)
{
    struct worker *wk = arg;
    grow_chunk(wk->cur, n);
}

void wk_lend(struct worker *wk)
{
    wk->lender = (struct base_direct){wk->out, lend, lent, wk};
    base_direct_set(&wk->lender);
}

/* Bytes written from now on carry k (never less than what went before:
 * the merger reads each worker's chunks in order). */
void wk_set_key(struct worker *wk, struct place k)
{
    if (place_less(wk->key, k)) {
        flush(wk); /* what stdio holds was written under the old key */
        wk->key = k;
    }
}

/* At each packet: the frames before it are done, and what they wrote is
 * in the block (the key's change flushed it).  Two stores, so that a
 * worker writing its own block (write_own) seldom finds another behind. */
void wk_publish_frames(struct worker *wk, uint64_t out_frame)
{
    struct oblock *b = wk->cur;
    if (b && b->used != atomic_load_explicit(&b->published, memory_order_relaxed)) {
        atomic_store_explicit(&b->published, b->used, memory_order_release);
        b->open = SIZE_MAX;
    }
    atomic_store_explicit(&wk->out_frame, out_frame, memory_order_release);
}

/* The merger's wk_wait_until, for at most MERGE_POLL_NS. */
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

/* ---- the merger ---- */

static void give_back(struct worker *wk, struct oblock *b)
{
    struct workers *w = wk->w;
    pthread_mutex_lock(&w->lock);
    atomic_store_explicit(&b->next, wk->free_list, memory_order_relaxed);
    wk->free_list = b;
    pthread_mutex_unlock(&w->lock);
    wk_wake(w, &w->data);
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

/* Writes n iovecs (changing them); a failure is kept in w->write_errno,
 * and nothing more is written after it. */
static void write_iov(struct workers *w, struct iovec *iov, int n)
{
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
}

static void write_pending(struct workers *w, struct pending *p)
{
    write_iov(w, p->iov, p->niov);
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
        finished &= of[i] == PLACE_END;
        if (have[i] && (best < 0 || place_less(c[i].key, c[best].key)))
            best = (int)i;
    }
    if (best < 0)
        return finished ? -1 : 0;
    for (unsigned i = 0; i < w->n; i++)
        if (!have[i] &&
            (of[i] < c[best].key.frame || (c[best].key.frame == PLACE_END && of[i] != PLACE_END)))
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

struct pending *wk_pending_new(void)
{
    return calloc(1, sizeof(struct pending));
}

/* Writes straight to the output's descriptor, a writev per batch of
 * chunks: no copy into a stdio buffer. */
void *wk_merger_main(void *arg)
{
    struct workers *w = arg;
    struct pending *p = calloc(1, sizeof(*p));

    if (!p) {
        w->write_errno = ENOMEM;
        return NULL;
    }
    for (;;) {
        struct gen_wait g = {w, atomic_load(&w->out_gen)};
        int r;
        pthread_mutex_lock(&w->write_lock);
        while ((r = merge_step(w, p)) > 0)
            ;
        write_pending(w, p);
        pthread_mutex_unlock(&w->write_lock);
        if (r < 0)
            break;
        wait_a_while(w, &w->drain, published_more, &g);
    }
    free(p);
    return NULL;
}

void wk_free_blocks(struct oblock *b)
{
    while (b) {
        struct oblock *next = atomic_load_explicit(&b->next, memory_order_relaxed);
        free(b);
        b = next;
    }
}
