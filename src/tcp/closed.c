/*
 * Connections that ended, remembered for a while with where each
 * direction's sequence space ends, as TCP's TIME-WAIT state does (RFC 9293
 * section 3.6): a late retransmission, an ACK after a reset or a
 * keep-alive is then counted on the connection it belongs to instead of
 * opening a new one.  Only a new SYN, or data outside the old sequence
 * space, starts a new connection.  A connection that was forgotten (idle
 * timeout, full table) rather than ended may resume with new data: flow.c
 * reopens it under its old id.
 *
 * Memory is bounded: at most cfg.closed_max entries, oldest dropped first,
 * each kept cfg.time_wait_s after its last packet (cfg.forgotten_s for a
 * forgotten one).
 */
#include <stdlib.h>
#include <string.h>

#include "tcp_int.h"
#include "base/budget.h"

#define CLOSED_BUCKETS 1024 /* a power of two */

/* Sequence numbers up to this far past the end of what a direction sent
 * are still its own (sent after the capture lost track of it, or in flight
 * when it ended); a new connection's random initial sequence number lands
 * there once in 256 times. */
#define FIT_AHEAD (1u << 24)

/* How much of a long stream's past is compared against: sequence numbers
 * compare only within 2^31 of each other. */
#define FIT_SPAN (1u << 30)

/* Where this direction's sequence space ends: after its FIN, if it sent
 * one, else after the last byte delivered. */
static uint32_t space_end(const struct tcp_half *h)
{
    uint32_t end = h->next_seq;
    if (h->fin_seen && seq_lt(end, h->fin_seq + 1))
        end = h->fin_seq + 1;
    return end;
}

/* [seq, seq + n) against the direction's space [start, end). */
static enum tcp_fit fits_space(const struct tcp_half *h, uint32_t seq, uint32_t n)
{
    uint32_t end = space_end(h);
    uint32_t start = h->syn_seen ? h->isn : h->first_seq;

    if (end - start > FIT_SPAN)
        start = end - FIT_SPAN;
    if (seq_lt(seq, start))
        return FIT_NONE;
    if (seq_le(seq + n, end))
        return FIT_OLD;
    if (seq_le(seq, end) || seq - end <= FIT_AHEAD)
        return FIT_NEW;
    return FIT_NONE;
}

enum tcp_fit tcp_fit(const struct tcp_half h[2], enum dir dir, const struct tcp_header *th)
{
    const struct tcp_half *me = &h[dir], *peer = &h[!dir];
    uint32_t n =
        (uint32_t)th->len + ((th->flags & TCP_SYN) ? 1 : 0) + ((th->flags & TCP_FIN) ? 1 : 0);

    /* A SYN is this connection's only if it is a copy of its own. */
    if (th->flags & TCP_SYN) {
        if (me->syn_seen)
            return th->seq == me->isn ? FIT_OLD : FIT_NONE;
        if (me->started)
            return FIT_NONE;
    }
    if (me->started)
        return fits_space(me, th->seq, n);
    /* A direction that sent nothing yet is known by what it acknowledges. */
    if (!(th->flags & TCP_ACK) || !peer->started || fits_space(peer, th->ack, 0) != FIT_OLD)
        return FIT_NONE;
    return n ? FIT_NEW : FIT_OLD;
}

int tcp_closed_init(struct tcp_stage *t)
{
    t->cbuckets = calloc(CLOSED_BUCKETS, sizeof(*t->cbuckets));
    return t->cbuckets != NULL;
}

void tcp_closed_remove(struct tcp_stage *t, struct tcp_closed *e)
{
    struct tcp_closed **pp = &t->cbuckets[e->hash & (CLOSED_BUCKETS - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    *(e->prev ? &e->prev->next : &t->chead) = e->next;
    *(e->next ? &e->next->prev : &t->ctail) = e->prev;
    t->nclosed--;
    budget_credit(sizeof(*e));
    free(e);
}

void tcp_closed_free_all(struct tcp_stage *t)
{
    if (!t->cbuckets)
        return;
    while (t->chead)
        tcp_closed_remove(t, t->chead);
    free(t->cbuckets);
    t->cbuckets = NULL;
}

static void append(struct tcp_stage *t, struct tcp_closed *e)
{
    e->prev = t->ctail;
    e->next = NULL;
    *(t->ctail ? &t->ctail->next : &t->chead) = e;
    t->ctail = e;
}

void tcp_closed_add(struct tcp_stage *t, const struct tcp_flow *c, int forgotten)
{
    struct tcp_closed **bucket = &t->cbuckets[c->hash & (CLOSED_BUCKETS - 1)];

    if (!t->cfg.closed_max)
        return;
    /* One entry per pair of endpoints: the latest connection's. */
    for (struct tcp_closed *e = *bucket; e; e = e->hnext) {
        if (e->hash == c->hash && !memcmp(&e->client, &c->pub.client, sizeof(e->client)) &&
            !memcmp(&e->server, &c->pub.server, sizeof(e->server))) {
            tcp_closed_remove(t, e);
            break;
        }
    }
    if (t->nclosed >= t->cfg.closed_max)
        tcp_closed_remove(t, t->chead);
    struct tcp_closed *e = calloc(1, sizeof(*e));
    if (!e)
        return; /* its late packets may open a connection, as without the table */
    budget_charge(sizeof(*e));
    e->hash = c->hash;
    e->client = c->pub.client;
    e->server = c->pub.server;
    e->id = c->pub.id;
    e->first_ts = c->pub.first_ts_us;
    e->last_ts = c->last_ts;
    e->forgotten = forgotten;
    for (int d = 0; d < 2; d++) {
        e->half[d] = c->half[d];
        e->half[d].ooo = NULL;
        e->half[d].ooo_cost = 0;
        e->last_ack_seen[d] = c->half[!d].fin_acked;
    }
    e->hnext = *bucket;
    *bucket = e;
    append(t, e);
    if (++t->nclosed > t->st.closed_peak)
        t->st.closed_peak = t->nclosed;
}

static int expired(const struct tcp_stage *t, const struct tcp_closed *e, int64_t now)
{
    int64_t keep = (int64_t)(e->forgotten ? t->cfg.forgotten_s : t->cfg.time_wait_s) * 1000000;
    return now - e->last_ts > keep;
}

struct tcp_closed *tcp_closed_find(struct tcp_stage *t, uint64_t hash, const struct ip_datagram *d,
                                   const struct tcp_header *th, enum dir *dir, int64_t now)
{
    for (struct tcp_closed *e = t->cbuckets[hash & (CLOSED_BUCKETS - 1)]; e; e = e->hnext) {
        if (e->hash != hash || !flow_dir(&e->client, &e->server, d, th, dir))
            continue;
        if (expired(t, e, now)) {
            tcp_closed_remove(t, e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

/* A late packet keeps the entry, as a retransmitted FIN restarts the
 * TIME-WAIT timer (RFC 9293 section 3.10.7.4). */
void tcp_closed_touch(struct tcp_stage *t, struct tcp_closed *e, int64_t ts)
{
    if (ts > e->last_ts)
        e->last_ts = ts;
    *(e->prev ? &e->prev->next : &t->chead) = e->next;
    *(e->next ? &e->next->prev : &t->ctail) = e->prev;
    append(t, e);
}

/* Entries are in the order of their last packet, so the walk stops at the
 * first one still kept; a forgotten one, kept longer, may hold back ended
 * ones behind it until tcp_closed_find or the count drops them. */
void tcp_closed_expire(struct tcp_stage *t, int64_t now)
{
    while (t->chead && expired(t, t->chead, now))
        tcp_closed_remove(t, t->chead);
}
