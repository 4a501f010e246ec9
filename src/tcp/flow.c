/*
 * The flow table: datagrams to connections, connection life, and the caps
 * that keep memory bounded.
 *
 * Connections live in a hash table keyed by both endpoints (either order
 * finds the same connection), on a list ordered by last activity (for the
 * idle timeout and for eviction when the table is full), and, while they
 * buffer out-of-order bytes, on a list the global buffer cap drains from.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "tcp_int.h"
#include "base/budget.h"

#define INITIAL_BUCKETS 1024
#define FRAG_PENDING 64
#define FRAG_TIMEOUT_US (30 * 1000000LL)

void tcp_config_defaults(struct tcp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->idle_timeout_s = 100; /* ssldump's default for -t */
    cfg->max_conns = 100000;
    cfg->max_ooo_conn = 1 << 20;
    cfg->max_ooo_total = 64 << 20;
    cfg->closed_max = 4096;
    cfg->time_wait_s = 240; /* 2 MSL (RFC 9293 section 3.4.2) */
    cfg->forgotten_s = 3600;
}

void tcp_emit(struct tcp_stage *t, struct tcp_flow *c, enum tcp_event_kind kind, enum dir dir,
              int64_t ts)
{
    struct tcp_event ev = {.kind = kind, .conn = &c->pub, .dir = dir, .ts_us = ts};
    tcp_call(t, &ev);
}

/* Every event goes out here, placed by base/place.h's rule.  An idle
 * close comes before the packet's own events (find_conn expires them
 * first), and its connection's last frame is still the one before. */
void tcp_call(struct tcp_stage *t, struct tcp_event *ev)
{
    if (t->finishing)
        ev->place = (struct place){PLACE_END, ev->conn->id};
    else if (ev->kind == TCP_EV_CLOSE && ev->reason == TCP_CLOSE_IDLE)
        ev->place = (struct place){t->frame, ev->conn->last_frame};
    else
        ev->place = (struct place){t->frame, t->frame};
    t->fn(t->arg, ev);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_endpoint(uint64_t seed, const uint8_t *addr, uint16_t port)
{
    uint64_t a, b;
    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return mix(seed ^ mix(a ^ mix(b + port)));
}

unsigned tcp_shard_of(const struct tcp_endpoint *a, const struct tcp_endpoint *b, unsigned n)
{
    uint64_t h = mix(hash_endpoint(0, a->addr, a->port) + hash_endpoint(0, b->addr, b->port));
    return (unsigned)((h >> 32) % n);
}

/* The segment's shard of n: the addresses as the flow table keeps them
 * (16 bytes, an IPv4 one zero-padded). */
static unsigned segment_shard(const struct ip_datagram *d, const struct tcp_header *th, unsigned n)
{
    struct tcp_endpoint a = {.port = th->sport}, b = {.port = th->dport};
    memcpy(a.addr, d->src, sizeof(a.addr));
    memcpy(b.addr, d->dst, sizeof(b.addr));
    return tcp_shard_of(&a, &b, n);
}

/* Whether the segment's connection is another shard's. */
static int other_shard(const struct tcp_stage *t, const struct ip_datagram *d,
                       const struct tcp_header *th)
{
    if (t->cfg.shard_n < 2)
        return 0;
    unsigned s = segment_shard(d, th, t->cfg.shard_n);
    return t->cfg.keep ? !t->cfg.keep(t->cfg.keep_arg, s) : s != t->cfg.shard_k;
}

/* The same for both directions: the two endpoint hashes are added. */
static uint64_t hash_flow(const struct tcp_stage *t, const struct ip_datagram *d,
                          const struct tcp_header *th)
{
    return mix(hash_endpoint(t->seed, d->src, th->sport) +
               hash_endpoint(t->seed, d->dst, th->dport));
}

static struct tcp_flow *lookup(struct tcp_stage *t, uint64_t hash, const struct ip_datagram *d,
                               const struct tcp_header *th, enum dir *dir)
{
    for (struct tcp_flow *c = t->buckets[hash & (t->nbuckets - 1)]; c; c = c->hnext)
        if (c->hash == hash && flow_dir(&c->pub.client, &c->pub.server, d, th, dir))
            return c;
    return NULL;
}

static void grow(struct tcp_stage *t)
{
    size_t n = t->nbuckets * 2;
    struct tcp_flow **b = calloc(n, sizeof(*b));
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct tcp_flow *c = t->buckets[i], *next;
        for (; c; c = next) {
            next = c->hnext;
            c->hnext = b[c->hash & (n - 1)];
            b[c->hash & (n - 1)] = c;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void lru_unlink(struct tcp_stage *t, struct tcp_flow *c)
{
    *(c->lru_prev ? &c->lru_prev->lru_next : &t->lru_head) = c->lru_next;
    *(c->lru_next ? &c->lru_next->lru_prev : &t->lru_tail) = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

static void lru_append(struct tcp_stage *t, struct tcp_flow *c)
{
    c->lru_prev = t->lru_tail;
    c->lru_next = NULL;
    *(t->lru_tail ? &t->lru_tail->lru_next : &t->lru_head) = c;
    t->lru_tail = c;
}

void tcp_ooo_changed(struct tcp_stage *t, struct tcp_flow *c)
{
    int buffering = c->half[0].ooo || c->half[1].ooo;

    if (buffering == c->on_ooo_list)
        return;
    if (buffering) {
        c->ooo_prev = t->ooo_tail;
        c->ooo_next = NULL;
        *(t->ooo_tail ? &t->ooo_tail->ooo_next : &t->ooo_head) = c;
        t->ooo_tail = c;
    } else {
        *(c->ooo_prev ? &c->ooo_prev->ooo_next : &t->ooo_head) = c->ooo_next;
        *(c->ooo_next ? &c->ooo_next->ooo_prev : &t->ooo_tail) = c->ooo_prev;
        c->ooo_prev = c->ooo_next = NULL;
    }
    c->on_ooo_list = buffering;
}

static void unhash(struct tcp_stage *t, struct tcp_flow *c)
{
    struct tcp_flow **pp = &t->buckets[c->hash & (t->nbuckets - 1)];
    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
}

static void close_conn(struct tcp_stage *t, struct tcp_flow *c, enum tcp_close_reason why,
                       int64_t ts)
{
    tcp_half_flush(t, c, DIR_C2S, ts);
    tcp_half_flush(t, c, DIR_S2C, ts);
    struct tcp_event ev = {.kind = TCP_EV_CLOSE, .conn = &c->pub, .ts_us = ts, .reason = why};
    tcp_call(t, &ev);
    unhash(t, c);
    lru_unlink(t, c);
    tcp_half_free(t, c, &c->half[DIR_C2S]);
    tcp_half_free(t, c, &c->half[DIR_S2C]);
    t->st.live--;
    switch (why) {
    case TCP_CLOSE_FIN:
    case TCP_CLOSE_RST:
        tcp_closed_add(t, c, 0);
        break;
    case TCP_CLOSE_IDLE:
    case TCP_CLOSE_EVICTED:
    case TCP_CLOSE_MEMORY:
        tcp_closed_add(t, c, 1);
        break;
    case TCP_CLOSE_END:
        break;
    }
    budget_credit(sizeof(*c));
    free(c);
}

static void set_endpoint(struct tcp_endpoint *e, uint8_t family, const uint8_t *addr, uint16_t port)
{
    e->family = family;
    memcpy(e->addr, addr, 16);
    e->port = port;
}

/* Which side the sender of this first segment is. */
static int sender_is_client(const struct tcp_stage *t, const struct tcp_header *th)
{
    if (th->flags & TCP_SYN)
        return !(th->flags & TCP_ACK);
    if (t->cfg.is_client_start && th->caplen && t->cfg.is_client_start(th->payload, th->caplen))
        return 1;
    return th->sport >= th->dport; /* else the lower port is the server */
}

/* A connection in the table and on the LRU list, not yet announced. */
static struct tcp_flow *conn_alloc(struct tcp_stage *t, uint64_t hash, int64_t ts)
{
    if (t->st.live >= t->cfg.max_conns && t->lru_head) {
        t->st.evicted++;
        close_conn(t, t->lru_head, TCP_CLOSE_EVICTED, ts);
    }
    struct tcp_flow *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    budget_charge(sizeof(*c));
    c->hash = hash;
    c->last_ts = ts;
    if (t->st.live >= t->nbuckets)
        grow(t);
    c->hnext = t->buckets[hash & (t->nbuckets - 1)];
    t->buckets[hash & (t->nbuckets - 1)] = c;
    lru_append(t, c);
    if (++t->st.live > t->st.live_peak)
        t->st.live_peak = t->st.live;
    return c;
}

static struct tcp_flow *create(struct tcp_stage *t, uint64_t hash, const struct ip_datagram *d,
                               const struct tcp_header *th, int64_t ts, enum dir *dir)
{
    struct tcp_flow *c = conn_alloc(t, hash, ts);
    if (!c)
        return NULL;
    int client = sender_is_client(t, th);
    *dir = client ? DIR_C2S : DIR_S2C;
    set_endpoint(client ? &c->pub.client : &c->pub.server, d->family, d->src, th->sport);
    set_endpoint(client ? &c->pub.server : &c->pub.client, d->family, d->dst, th->dport);
    c->pub.id = t->cfg.next_id ? t->cfg.next_id(t->cfg.next_id_arg) : ++t->next_id;
    c->pub.last_frame = t->frame;
    c->pub.first_ts_us = ts;
    c->pub.midstream = !(th->flags & TCP_SYN);
    t->st.connections++;
    tcp_emit(t, c, TCP_EV_OPEN, *dir, ts);
    return c;
}

/* A forgotten connection that goes on: the same id, its two directions
 * where they stopped.  Its TLS is picked up mid-stream if bytes went by. */
static struct tcp_flow *reopen(struct tcp_stage *t, struct tcp_closed *e, enum dir dir, int64_t ts)
{
    struct tcp_flow *c = conn_alloc(t, e->hash, ts);
    if (!c)
        return NULL;
    c->pub.id = e->id;
    c->pub.client = e->client;
    c->pub.server = e->server;
    c->pub.first_ts_us = e->first_ts;
    c->pub.reopened = 1;
    c->pub.midstream = e->half[DIR_C2S].offset || e->half[DIR_S2C].offset;
    c->half[DIR_C2S] = e->half[DIR_C2S];
    c->half[DIR_S2C] = e->half[DIR_S2C];
    tcp_closed_remove(t, e);
    tcp_emit(t, c, TCP_EV_OPEN, dir, ts);
    return c;
}

/* The ACK of the peer's FIN that completes a close (RFC 9293 section 3.6,
 * figures 12 and 13: one, or one each way when both closed at once) is
 * expected, not late; copies of it are. */
static int is_last_ack(const struct tcp_closed *e, enum dir dir, const struct tcp_header *th)
{
    const struct tcp_half *peer = &e->half[!dir];
    return !e->forgotten && !e->last_ack_seen[dir] &&
           (th->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) == TCP_ACK && th->len == 0 &&
           peer->fin_seen && th->ack == peer->fin_seq + 1;
}

/* A packet for endpoints with no live connection, against the one that
 * ended there: late (counted, *late set), the resumption of a forgotten
 * one (returned, with the silence it ends), or neither (NULL). */
static struct tcp_flow *after_close(struct tcp_stage *t, uint64_t hash, const struct ip_datagram *d,
                                    const struct tcp_header *th, int64_t ts, enum dir *dir,
                                    int64_t *silence, int *late)
{
    struct tcp_closed *e = tcp_closed_find(t, hash, d, th, dir, ts);
    if (!e)
        return NULL;
    enum tcp_fit fit = tcp_fit(e->half, *dir, th);
    if (fit == FIT_NONE) {
        tcp_closed_remove(t, e);
        return NULL;
    }
    if (fit == FIT_OLD || !e->forgotten) {
        if (is_last_ack(e, *dir, th))
            e->last_ack_seen[*dir] = 1;
        else
            t->st.late++;
        tcp_closed_touch(t, e, ts);
        *late = 1;
        return NULL;
    }
    *silence = ts - e->last_ts;
    return reopen(t, e, *dir, ts);
}

static int idle_too_long(const struct tcp_stage *t, const struct tcp_flow *c, int64_t now)
{
    return t->cfg.idle_timeout_s && now - c->last_ts > (int64_t)t->cfg.idle_timeout_s * 1000000;
}

static void expire_idle(struct tcp_stage *t, int64_t now)
{
    int64_t limit = (int64_t)t->cfg.idle_timeout_s * 1000000;
    if (!t->cfg.idle_timeout_s)
        return; /* -t 0: never */
    while (t->lru_head && now - t->lru_head->last_ts > limit)
        close_conn(t, t->lru_head, TCP_CLOSE_IDLE, now);
}

/* A SYN for a connection we hold, with a new initial sequence number: the
 * port pair is being reused. */
static int is_reuse(const struct tcp_flow *c, enum dir dir, const struct tcp_header *th)
{
    const struct tcp_half *h = &c->half[dir];
    return (th->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
           (dir != DIR_C2S || !h->syn_seen || h->isn != th->seq);
}

/* A client that tries again before the server answered anything (a new
 * connect() on the same port, TCP Fast Open falling back, RFC 7413
 * section 4.2.2) may send its SYN with a new initial sequence number: the
 * same attempt, so the stream goes on where the first SYN's data left it,
 * and data sent again on the new numbering is a retransmission. */
static int syn_retry(struct tcp_stage *t, struct tcp_flow *c, enum dir dir,
                     const struct tcp_header *th)
{
    struct tcp_half *h = &c->half[DIR_C2S];
    const struct tcp_half *srv = &c->half[DIR_S2C];

    if (dir != DIR_C2S || !h->syn_seen || h->fin_seen || srv->started || srv->syn_seen)
        return 0;
    tcp_half_free(t, c, h); /* pieces numbered from the old ISN */
    h->isn = th->seq;
    h->first_seq = th->seq + 1;
    h->next_seq = h->first_seq + (uint32_t)h->offset;
    return 1;
}

static void syn(struct tcp_flow *c, enum dir dir, const struct tcp_header *th)
{
    struct tcp_half *h = &c->half[dir];
    if (h->syn_seen) {
        /* A SYN-ACK with a new initial sequence number before the server
         * sent a byte answers the client's latest SYN (see syn_retry). */
        if (dir == DIR_S2C && (th->flags & TCP_ACK) && th->seq != h->isn && h->offset == 0 &&
            !h->ooo && !h->fin_seen) {
            h->isn = th->seq;
            h->first_seq = h->next_seq = th->seq + 1;
        }
        return;
    }
    h->syn_seen = 1;
    h->isn = th->seq;
    if (!h->started)
        tcp_half_start(h, th->seq + 1);
    /* A SYN-ACK tells where the client's stream starts even if its SYN
     * was missed. */
    if ((th->flags & TCP_ACK) && !c->half[!dir].started)
        tcp_half_start(&c->half[!dir], th->ack);
}

static void touch(struct tcp_stage *t, struct tcp_flow *c, int64_t ts)
{
    c->last_ts = ts;
    c->pub.last_frame = t->frame;
    lru_unlink(t, c);
    lru_append(t, c);
}

/* The connection the segment belongs to, live, resumed or new; NULL when
 * it opens none (stray, or late for one that ended). */
static struct tcp_flow *find_conn(struct tcp_stage *t, const struct ip_datagram *d,
                                  const struct tcp_header *th, int64_t ts, enum dir *dir,
                                  int64_t *silence)
{
    uint64_t hash = hash_flow(t, d, th);
    struct tcp_flow *c = lookup(t, hash, d, th, dir);
    int late = 0;

    /* Idle longer than the timeout but not yet forgotten: its own next
     * packet resumes it. */
    if (c && idle_too_long(t, c, ts)) {
        if (tcp_fit(c->half, *dir, th) != FIT_NONE) {
            *silence = ts - c->last_ts;
        } else {
            close_conn(t, c, TCP_CLOSE_IDLE, ts);
            c = NULL;
        }
    }
    if (c)
        touch(t, c, ts);
    expire_idle(t, ts);
    tcp_closed_expire(t, ts);
    if (c && is_reuse(c, *dir, th) && !syn_retry(t, c, *dir, th)) {
        close_conn(t, c, TCP_CLOSE_END, ts);
        c = NULL;
    }
    if (c || (c = after_close(t, hash, d, th, ts, dir, silence, &late)) || late)
        return c;
    /* Stray ACKs, FINs and resets of connections not seen must not open
     * a new one. */
    if ((th->flags & TCP_RST) || (!(th->flags & TCP_SYN) && th->len == 0))
        return NULL;
    return create(t, hash, d, th, ts, dir);
}

static void segment(struct tcp_stage *t, const struct ip_datagram *d, const struct tcp_header *th,
                    int64_t ts)
{
    enum dir dir;
    int64_t silence = 0;
    struct tcp_flow *c = find_conn(t, d, th, ts, &dir, &silence);

    if (!c)
        return;
    if (silence > 0) {
        c->pub.resumes++;
        c->pub.resumed_after_us = silence;
        t->st.resumed++;
    }
    if (silence > 0)
        tcp_emit(t, c, TCP_EV_RESUMED, dir, ts);
    if (t->cfg.segments) {
        struct tcp_event ev = {
            .kind = TCP_EV_SEGMENT, .conn = &c->pub, .dir = dir, .ts_us = ts, .seg = th};
        tcp_call(t, &ev);
    }
    if (th->flags & TCP_SYN)
        syn(c, dir, th);
    if (th->flags & TCP_RST) {
        tcp_emit(t, c, TCP_EV_RST, dir, ts);
        close_conn(t, c, TCP_CLOSE_RST, ts);
        return;
    }
    if (th->flags & TCP_ACK)
        tcp_half_acked(t, c, !dir, th->ack, ts);
    tcp_half_segment(t, c, dir, th, ts);
    if (c->half[0].fin_done && c->half[1].fin_done)
        close_conn(t, c, TCP_CLOSE_FIN, ts);
}

static int ip_to_tcp(struct tcp_stage *t, const struct cap_packet *pkt, struct ip_datagram *d)
{
    switch (tcp_ip_decode(pkt->l3, pkt->l3_caplen, d)) {
    case IP_OK:
        break;
    case IP_FRAGMENT:
        if (!tcp_ipfrag_add(t->frag, d, pkt->ts_us, d))
            return 0;
        if (d->proto != 6) {
            t->st.not_tcp++;
            return 0;
        }
        return 1;
    case IP_TRUNCATED:
        t->st.truncated++;
        return 0;
    case IP_MALFORMED:
        t->st.malformed++;
        return 0;
    case IP_NOT_TCP:
        t->st.not_tcp++;
        return 0;
    }
    /* An IP length beyond what the link carried is a lie, not a snap. */
    if ((size_t)(d->payload - pkt->l3) + d->wirelen > pkt->l3_wirelen) {
        t->st.malformed++;
        return 0;
    }
    return 1;
}

/* The stated rule: past the memory budget, the connections idle longest
 * are forgotten (they may resume) until it holds again. */
static void keep_budget(struct tcp_stage *t, int64_t now)
{
    while (budget_over() && t->lru_head) {
        t->st.evicted_memory++;
        close_conn(t, t->lru_head, TCP_CLOSE_MEMORY, now);
    }
}

/* Time passes for this shard's connections too: they expire at the
 * packet they would have in one process. */
static void other_shard_packet(struct tcp_stage *t, int64_t now)
{
    t->st.other_shard++;
    expire_idle(t, now);
    tcp_closed_expire(t, now);
}

/* tcp_input; with n, the shard of n its segment is in when the packet
 * alone says (see tcp_input_shard), else -1. */
static int input(struct tcp_stage *t, const struct cap_packet *pkt, unsigned n)
{
    struct ip_datagram d;
    struct tcp_header th;
    int shard = -1;

    t->st.datagrams++;
    t->frame = pkt->frame;
    if (!ip_to_tcp(t, pkt, &d))
        return -1;
    switch (tcp_decode(d.payload, d.caplen, d.wirelen, &th)) {
    case IP_OK:
        /* a datagram put together from fragments is in the stage's buffer */
        if (n && d.payload >= pkt->l3 && d.payload < pkt->l3 + pkt->l3_caplen)
            shard = (int)segment_shard(&d, &th, n);
        if (other_shard(t, &d, &th))
            other_shard_packet(t, pkt->ts_us);
        else
            segment(t, &d, &th, pkt->ts_us);
        break;
    case IP_TRUNCATED:
        t->st.truncated++;
        return -1;
    default:
        t->st.malformed++;
        return -1;
    }
    keep_budget(t, pkt->ts_us);
    return shard;
}

void tcp_input(struct tcp_stage *t, const struct cap_packet *pkt)
{
    input(t, pkt, 0);
}

int tcp_input_shard(struct tcp_stage *t, const struct cap_packet *pkt, unsigned n)
{
    return input(t, pkt, n);
}

void tcp_pass(struct tcp_stage *t, const struct cap_packet *pkt)
{
    t->st.datagrams++;
    t->frame = pkt->frame;
    other_shard_packet(t, pkt->ts_us);
    keep_budget(t, pkt->ts_us);
}

struct tcp_stage *tcp_new(const struct tcp_config *cfg, tcp_event_fn fn, void *arg)
{
    struct tcp_stage *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.max_conns == 0)
        t->cfg.max_conns = 1;
    t->fn = fn;
    t->arg = arg;
    t->nbuckets = INITIAL_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    t->frag = tcp_ipfrag_new(FRAG_PENDING, FRAG_TIMEOUT_US);
    if (!t->buckets || !t->frag || !tcp_closed_init(t)) {
        tcp_closed_free_all(t);
        free(t->buckets);
        tcp_ipfrag_free(t->frag);
        free(t);
        return NULL;
    }
    /* A secret seed keeps crafted traffic from piling into one bucket. */
    if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
        t->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
    t->rng = mix(t->seed ^ 0x5bd1e9955bd1e995ULL) | 1;
    return t;
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = (*(struct tcp_flow *const *)a)->pub.id, y = (*(struct tcp_flow *const *)b)->pub.id;
    return x < y ? -1 : x > y;
}

void tcp_finish(struct tcp_stage *t, int64_t now)
{
    size_t n = t->st.live, i = 0;
    struct tcp_flow **all = n ? malloc(n * sizeof(*all)) : NULL;

    t->finishing = 1;
    if (!all) {
        while (t->lru_head)
            close_conn(t, t->lru_head, TCP_CLOSE_END, now);
        return;
    }
    for (struct tcp_flow *c = t->lru_head; c && i < n; c = c->lru_next)
        all[i++] = c;
    qsort(all, i, sizeof(*all), by_id);
    for (size_t k = 0; k < i; k++)
        close_conn(t, all[k], TCP_CLOSE_END, now);
    free(all);
}

void tcp_free(struct tcp_stage *t)
{
    if (!t)
        return;
    tcp_finish(t, 0);
    tcp_closed_free_all(t);
    tcp_ipfrag_free(t->frag);
    free(t->buckets);
    free(t);
}

void tcp_get_stats(const struct tcp_stage *t, struct tcp_stats *st)
{
    *st = t->st;
    tcp_ipfrag_get_stats(t->frag, &st->frag);
}

void tcp_stats_add(struct tcp_stats *sum, const struct tcp_stats *part)
{
    sum->snapped += part->snapped;
    sum->connections += part->connections;
    sum->live += part->live;
    sum->live_peak += part->live_peak;
    sum->evicted += part->evicted;
    sum->evicted_memory += part->evicted_memory;
    sum->late += part->late;
    sum->resumed += part->resumed;
    sum->closed_peak += part->closed_peak;
    sum->ooo_peak += part->ooo_peak;
    sum->cap_gaps += part->cap_gaps;
}

const char *tcp_addr_text(const struct tcp_endpoint *e, char *buf, size_t len)
{
    if (!inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}
