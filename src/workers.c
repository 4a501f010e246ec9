/*
 * --threads N: the capture read once, the connections spread over N
 * workers, their output merged in one thread's order.
 *
 * Worker 0 is the main thread: it reads the capture, hands each packet to
 * the ring and handles its own connections' packets as it goes.  Workers
 * 1 to N-1 are threads that read the ring in order.  Only a packet another
 * worker keeps is copied into the ring's bytes; the others get its slot
 * and only let time pass (idle connections expire at the same packet as
 * in one thread).
 *
 * Which worker keeps a connection: the flow hash cuts the process's shard
 * in parts, and a part goes, when the main thread first sees it, to the
 * worker with the least work so far (assign()).  A part stays with its
 * worker, so every packet of a connection, early or late, goes to one.
 *
 * The order rule: a view on a worker writes into the worker's own stream,
 * and every byte carries a key, the place (base/place.h) of the tcp event
 * it came with, or (frame, 0) before the packet's first event.  Chunks
 * are written in key order, and a chunk only once every other worker has
 * published everything up to its frame: by the worker itself when nothing
 * of another comes before it (workers_out.c), else by the merger thread.
 * Where one thread would decide by its whole table (a full table,
 * --max-memory), the workers decide by their own and the order may
 * differ.
 *
 * Connection ids are one thread's: the main thread runs a tcp stage of
 * its own over every packet, without payload consumers, and gives each
 * slot the id of the connection it opens.  A crypto session-cache miss
 * (crypto_keys_set_settle) waits until every other worker has handled
 * every earlier packet, since the session may be another worker's.
 *
 * Waiting: whoever waits says so in a counter and sleeps on a condition;
 * whoever makes progress publishes it with an atomic store, then wakes the
 * condition only if its counter says someone sleeps.  Nobody waits holding
 * output or progress the others may need: everything is published first
 * (the main thread publishes the ring's head too).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "workers_int.h"

static _Thread_local struct worker *self;

void wk_wake(struct workers *w, struct wait *c)
{
    if (atomic_load(&c->waiters)) {
        pthread_mutex_lock(&w->lock);
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&w->lock);
    }
}

/* Sleeps on c until ready(arg) holds; ready is tested under the lock
 * after the waiter is counted, so that a wk_wake() cannot be missed. */
void wk_wait_until(struct workers *w, struct wait *c, int (*ready)(void *), void *arg)
{
    atomic_fetch_add(&c->waiters, 1);
    pthread_mutex_lock(&w->lock);
    while (!ready(arg))
        pthread_cond_wait(&c->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
    atomic_fetch_sub(&c->waiters, 1);
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

/* Stores what this worker has done and wakes the workers settling for
 * it, only them: a worker far behind would otherwise wake them at every
 * packet. */
void wk_mark_done(struct worker *wk)
{
    atomic_store(&wk->done, wk->seq);
    if (!atomic_load(&wk->w->peers.waiters))
        return;
    for (unsigned i = 0; i < wk->w->n; i++)
        if (atomic_load(&wk->w->wk[i].want) <= wk->seq) {
            wk_wake(wk->w, &wk->w->peers);
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
    wk_publish(wk, wk_frames_done(wk));
    atomic_store(&wk->want, wk->seq);
    wk_wait_until(wk->w, &wk->w->peers, others_done, &o);
    atomic_store(&wk->want, UINT64_MAX);
}

static void settle(void)
{
    if (self)
        settle_worker(self);
}

/* The id the main thread's stage gave the connection this packet opens.
 * That stage sees every packet and decides as one thread's would; only
 * where the workers' stages decide otherwise (--max-memory forgot the
 * connection on one side) does a connection open here without one: it
 * is numbered past 2^32, once the others are as far. */
static uint64_t next_id(void *arg)
{
    struct worker *wk = arg;
    uint64_t id = wk->w->slot[wk->seq % RING_SLOTS].new_id;
    if (id)
        return id;
    settle_worker(wk);
    return ((uint64_t)1 << 32) + atomic_fetch_add(&wk->w->next_id, 1);
}

/* The event's bytes carry its place (see the head of the file). */
static void on_tcp_event(void *arg, const struct tcp_event *ev)
{
    struct worker *wk = arg;

    wk_set_key(wk, ev->place);
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
    if (wk->k && wk->seq >= atomic_load(&wk->w->space_at))
        wk_wake(wk->w, &wk->w->space);
}

/* The packet of slot wk->seq, whose bytes are pkt's (the ring's, or for
 * worker 0 libpcap's). */
static void handle(struct worker *wk, const struct slot *s, const struct cap_packet *pkt)
{
    uint64_t before = wk->frame;
    wk->frame = pkt->frame;
    wk_set_key(wk, (struct place){pkt->frame, 0});
    wk_publish_frames(wk, before);
    if (s->owner == (int)wk->k || s->owner == OWNER_ALL)
        tcp_input(wk->tcp, pkt);
    else
        tcp_pass(wk->tcp, pkt);
    wk->last_ts = pkt->ts_us;
    /* done is stored every DONE_EVERY packets and before any wait (in
     * wk_publish): a store that others see at once waits for the ring's
     * copy to leave the store buffer, 6% of the main thread. */
    if (++wk->seq % DONE_EVERY == 0)
        wk_mark_done(wk);
    if (wk->seq % PUBLISH_EVERY == 0) {
        wk_publish(wk, wk->frame);
        free_space(wk);
    }
}

static void finish(struct worker *wk)
{
    wk->finishing = 1;
    tcp_finish(wk->tcp, wk->w->end_ts);
    tcp_get_stats(wk->tcp, &wk->stats);
    wk_publish(wk, PLACE_END);
    wk_wake(wk->w, &wk->w->drain);
}

/* Workers 1 to n-1; worker 0 is the main thread's (workers_feed). */
static void *worker_main(void *arg)
{
    struct worker *wk = arg;
    struct workers *w = wk->w;

    self = wk;
    wk_lend(wk);
    for (;;) {
        if (atomic_load(&w->head) <= wk->seq) {
            wk_publish(wk, wk->frame);
            free_space(wk);
            wk_wait_until(w, &w->data, packet_ready, wk);
            if (atomic_load(&w->head) <= wk->seq)
                break; /* ended */
        }
        const struct slot *s = &w->slot[wk->seq % RING_SLOTS];
        handle(wk, s, &s->pkt);
    }
    finish(wk);
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

void wk_publish_head(struct workers *w)
{
    w->published_head = w->head_local;
    atomic_store(&w->head, w->head_local);
    wk_wake(w, &w->data);
}

/* The process's shard is cut in PARTS_PER_WORKER * n parts by flow hash.
 * A part goes to a worker the first time the main thread sees a packet or
 * a connection of it, and stays there: to the worker with the least work
 * so far, counted in bytes of its packets, the main thread's reading
 * counted as a share of the bytes read (workers_setup's read_percent).
 * (Parts fixed in advance left the benchmark's 64 connections 25 to 39
 * between two threads.) */
static unsigned nparts(const struct workers *w)
{
    return PARTS_PER_WORKER * w->n;
}

/* A worker's work: the bytes of its packets so far, and a guess at what
 * its open connections will bring (parts are given as connections open,
 * and several often open at once: a download and its neighbours). */
#define OPEN_CONN_BYTES ((uint64_t)1 << 20)

static uint64_t score(const struct workers *w, unsigned k)
{
    return w->load[k] + w->open[k] * OPEN_CONN_BYTES;
}

static int assign(struct workers *w, unsigned part)
{
    int o = atomic_load_explicit(&w->part_owner[part], memory_order_relaxed);
    if (o >= 0)
        return o;
    unsigned best = 0;
    for (unsigned k = 1; k < w->n; k++)
        if (score(w, k) < score(w, best))
            best = k;
    /* since, then owner: a worker that sees the owner sees since too */
    atomic_store_explicit(&w->part_since[part], w->head_local, memory_order_relaxed);
    atomic_store_explicit(&w->part_owner[part], (int)best, memory_order_release);
    return (int)best;
}

/* The part of shard sh (of shard_n * nparts), or -1 when it is another
 * --shard's. */
static int part_of(const struct workers *w, unsigned sh)
{
    return sh % w->shard_n == w->shard_k ? (int)(sh / w->shard_n) : -1;
}

/* The main thread's stage sees a connection open (from a packet alone, or
 * put together from fragments: its part is given now) or close. */
static void count_conn(struct workers *w, const struct tcp_conn *c, int opens)
{
    int part = part_of(w, tcp_shard_of(&c->client, &c->server, w->shard_n * nparts(w)));
    if (part < 0)
        return;
    int k = assign(w, (unsigned)part);
    if (opens)
        w->open[k]++;
    else if (w->open[k])
        w->open[k]--;
}

/* The packet's worker, found once here rather than by every worker. */
static int owner_of(struct workers *w, int sh)
{
    if (sh < 0)
        return OWNER_ALL;
    int part = part_of(w, (unsigned)sh);
    return part < 0 ? OWNER_NONE : assign(w, (unsigned)part);
}

/* A worker's stage, for a segment put together from fragments (the
 * others come to it by owner): whether the part is the worker's as of the
 * packet it handles.  A part no connection has given to anyone yet is
 * worker 0's, so that one stage alone sees the segment. */
static int keep_part(void *arg, unsigned sh)
{
    struct worker *wk = arg;
    struct workers *w = wk->w;
    int part = part_of(w, sh);
    if (part < 0)
        return 0;
    int o = atomic_load_explicit(&w->part_owner[part], memory_order_acquire);
    if (o < 0 || atomic_load_explicit(&w->part_since[part], memory_order_relaxed) > wk->seq)
        o = 0;
    return o == (int)wk->k;
}

/* The main thread's stage: which connection a packet opens. */
static void on_id_event(void *arg, const struct tcp_event *ev)
{
    struct workers *w = arg;
    if (ev->kind == TCP_EV_OPEN && !ev->conn->reopened)
        w->opened = ev->conn->id;
    if (ev->kind == TCP_EV_OPEN || ev->kind == TCP_EV_CLOSE)
        count_conn(w, ev->conn, ev->kind == TCP_EV_OPEN);
}

void workers_feed(struct workers *w, const struct cap_packet *pkt)
{
    w->opened = 0;
    w->load[0] += pkt->l3_caplen * w->read_percent / 100;
    int owner = owner_of(w, tcp_input_shard(w->ids, pkt, w->shard_n * nparts(w)));
    if (owner >= 0)
        w->load[owner] += pkt->l3_caplen;
    /* Only another worker's packet is copied: worker 0 handles its own
     * now, and the others only let time pass for it.  No frame is too
     * long (libpcap's snap lengths stop at 256 KiB). */
    size_t len = owner > 0 || owner == OWNER_ALL ? pkt->l3_caplen : 0;
    struct room r = {w, w->wpos, len < RING_BYTES / 4 ? len : RING_BYTES / 4, 0};
    if (r.at % RING_BYTES + r.len > RING_BYTES) /* no wrapping inside a packet */
        r.at += RING_BYTES - r.at % RING_BYTES;
    if (!has_room(&r)) {
        wk_publish(&w->wk[0], w->wk[0].frame); /* and the head */
        r.waited = 1;
        atomic_store(&w->space_at, w->head_local - RING_SLOTS / 2);
        wk_wait_until(w, &w->space, has_room, &r);
    }
    struct slot *s = &w->slot[w->head_local % RING_SLOTS];
    s->pkt = *pkt;
    s->pkt.l3 = r.len ? w->bytes + r.at % RING_BYTES : NULL;
    s->pkt.l3_caplen = r.len;
    s->at = r.at;
    memcpy(w->bytes + r.at % RING_BYTES, pkt->l3, r.len);
    s->owner = owner;
    s->new_id = w->opened;
    w->wpos = r.at + r.len;
    w->head_local++;
    if (w->head_local - w->published_head >= PUBLISH_EVERY)
        wk_publish_head(w);
    handle(&w->wk[0], s, pkt);
}

void workers_idle(struct workers *w)
{
    wk_publish(&w->wk[0], w->wk[0].frame);
}

/* ---- start and end ---- */

static int worker_init(struct workers *w, struct worker *wk, const struct workers_setup *s)
{
    static const cookie_io_functions_t io = {.write = wk_out_write};
    struct tcp_config cfg = *s->tcp;

    wk->w = w;
    wk->k = (unsigned)(wk - w->wk);
    atomic_store(&wk->want, UINT64_MAX);
    /* the parts of the user's --shard K/N that are the worker's (nparts) */
    cfg.shard_n = w->shard_n * nparts(w);
    cfg.keep = keep_part;
    cfg.keep_arg = wk;
    cfg.next_id = next_id;
    cfg.next_id_arg = wk;
    if (!wk_next_block(wk) || !(wk->pend = wk_pending_new()) ||
        !(wk->out = fopencookie(wk, "w", io)))
        return 0;
    /* Buffered, and flushed whenever the key changes (wk_set_key): a
     * write per fputc would cost more than the second copy. */
    setvbuf(wk->out, NULL, _IOFBF, 16384);
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
    w->read_percent = s->read_percent ? s->read_percent : 60;
    for (unsigned i = 0; i < PARTS_PER_WORKER * MAX_WORKERS; i++)
        atomic_init(&w->part_owner[i], -1);
    w->shard_n = s->tcp->shard_n > 1 ? s->tcp->shard_n : 1;
    w->shard_k = s->tcp->shard_n > 1 ? s->tcp->shard_k : 0;
    fflush(s->out); /* what it holds comes first */
    w->fd = fileno(s->out);
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->write_lock, NULL);
    pthread_cond_init(&w->space.cond, NULL);
    pthread_cond_init(&w->data.cond, NULL);
    pthread_cond_init(&w->peers.cond, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&w->drain.cond, &monotonic);
    pthread_condattr_destroy(&monotonic);
    struct tcp_config ids = *s->tcp;
    ids.segments = 0;
    if (!(w->ids = tcp_new(&ids, on_id_event, w))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < w->n; i++)
        if (!worker_init(w, &w->wk[i], s)) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    if (s->keys)
        crypto_keys_set_settle(s->keys, settle);
    w->keys = s->keys;
    for (started = 1; started < w->n; started++)
        if ((errno = pthread_create(&w->wk[started].thread, NULL, worker_main, &w->wk[started])))
            break;
    w->nstarted = started;
    if (started == w->n && !(errno = pthread_create(&w->merger, NULL, wk_merger_main, w))) {
        w->merger_started = 1;
        self = &w->wk[0];
        wk_lend(self);
        return w;
    }
    snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
    for (unsigned i = 0; i < w->n; i++) /* as if done: nobody waits for them */
        if (i == 0 || i >= started) {
            atomic_store(&w->wk[i].done, UINT64_MAX);
            atomic_store(&w->wk[i].out_frame, PLACE_END);
        }
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
    wk_publish_head(w);
    atomic_store(&w->ended, 1);
    wk_wake(w, &w->data);
    wk_wake(w, &w->peers);
    if (w->merger_started)
        finish(&w->wk[0]);
    for (unsigned i = 1; i < w->nstarted; i++)
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

int workers_free(struct workers *w)
{
    int ok = 1;
    if (!w)
        return 1;
    if (w->keys)
        crypto_keys_set_settle(w->keys, NULL);
    self = NULL;
    base_direct_set(NULL);
    for (unsigned i = 0; w->wk && i < w->n; i++) {
        struct worker *wk = &w->wk[i];
        tcp_free(wk->tcp);
        if (wk->pipe)
            ok &= pipeline_free(wk->pipe);
        if (wk->out)
            fclose(wk->out);
        ok &= !wk->failed;
        free(wk->pend);
        wk_free_blocks(wk->read);
        wk_free_blocks(wk->free_list);
    }
    if (w->write_errno && w->write_errno != EPIPE)
        fprintf(stderr, "tlsdump: writing output: %s\n", strerror(w->write_errno));
    ok &= !w->write_errno;
    tcp_free(w->ids);
    free(w->wk);
    free(w->bytes);
    free(w);
    return ok;
}
