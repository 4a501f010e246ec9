/*
 * One direction of a TCP connection: from segments in any order to the
 * stream in order.
 *
 * Bytes at the expected position are handed on straight from the packet.
 * Bytes ahead of it are copied into a sorted skip list of pieces; where pieces
 * overlap, the copy that arrived first is kept (so a retransmission can
 * never change bytes already seen).  A hole is given up as a gap when the
 * receiver acknowledges past it, when the connection ends, or when the
 * buffer caps are reached; the stream then goes on after it.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp_int.h"
#include "base/budget.h"

/* An acknowledgment or a segment this far past what we expect is not
 * believed: TCP's window is at most 2^30 bytes (RFC 7323 section 2.3). */
#define MAX_AHEAD (1u << 30)

void tcp_half_start(struct tcp_half *h, uint32_t next_seq)
{
    h->started = 1;
    h->first_seq = next_seq;
    h->next_seq = next_seq;
}

static void deliver(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, const uint8_t *p,
                    size_t n, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];
    struct tcp_event ev = {.kind = TCP_EV_DATA,
                           .conn = &c->pub,
                           .dir = dir,
                           .ts_us = ts,
                           .offset = h->offset,
                           .data = p,
                           .len = n};
    h->next_seq += (uint32_t)n;
    h->offset += n;
    c->pub.bytes[dir] += n;
    tcp_call(t, &ev);
}

void tcp_emit_gap(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts, size_t n,
                  enum tcp_gap_reason why)
{
    struct tcp_half *h = &c->half[dir];
    struct tcp_event ev = {.kind = TCP_EV_GAP,
                           .conn = &c->pub,
                           .dir = dir,
                           .ts_us = ts,
                           .offset = h->offset,
                           .len = n,
                           .reason = why};
    h->next_seq += (uint32_t)n;
    h->offset += n;
    c->pub.lost[dir] += n;
    tcp_call(t, &ev);
}

static void check_fin(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];
    if (h->fin_seen && !h->fin_done && h->next_seq == h->fin_seq) {
        h->fin_done = 1;
        tcp_emit(t, c, TCP_EV_FIN, dir, ts);
    }
}

/* The first buffered piece, or NULL. */
static struct seg *first(const struct tcp_half *h)
{
    return h->ooo ? h->ooo->next[0] : NULL;
}

static uint8_t *seg_data(struct seg *s)
{
    return (uint8_t *)&s->next[s->height];
}

static void charge(struct tcp_stage *t, struct tcp_half *h, size_t cost)
{
    h->ooo_cost += cost;
    t->ooo_total += cost;
    budget_charge(cost);
    if (t->ooo_total > t->st.ooo_peak)
        t->st.ooo_peak = t->ooo_total;
}

static void refund(struct tcp_stage *t, struct tcp_half *h, size_t cost)
{
    h->ooo_cost -= cost;
    t->ooo_total -= cost;
    budget_credit(cost);
}

static void unlink_head(struct tcp_stage *t, struct tcp_half *h)
{
    struct seg *s = h->ooo->next[0];
    for (unsigned i = 0; i < s->height; i++)
        h->ooo->next[i] = s->next[i];
    refund(t, h, SEG_COST(s->height, s->lost ? 0 : s->len));
    free(s);
    if (!h->ooo->next[0]) {
        refund(t, h, sizeof(*h->ooo));
        free(h->ooo);
        h->ooo = NULL;
    }
}

/* Hands on the buffered pieces that now continue the stream. */
static void drain(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];
    struct seg *s;

    while ((s = first(h)) && seq_le(s->seq, h->next_seq)) {
        uint32_t skip = h->next_seq - s->seq;
        if (skip < s->len) {
            if (s->lost)
                tcp_emit_gap(t, c, dir, ts, s->len - skip, TCP_GAP_SNAPLEN);
            else
                deliver(t, c, dir, seg_data(s) + skip, s->len - skip, ts);
        }
        unlink_head(t, h);
    }
    tcp_ooo_changed(t, c);
    check_fin(t, c, dir, ts);
}

/* A height for a new piece: 1, 2, ... with probability 3/4, 3/16, ...,
 * from a generator the capture cannot predict (xorshift64). */
static unsigned skip_height(struct tcp_stage *t)
{
    uint64_t x = t->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    t->rng = x;
    unsigned n = 1;
    for (; n < SKIP_LEVELS && (x & 3) == 0; x >>= 2)
        n++;
    return n;
}

/* Points at[i] at the level-i link after which a piece starting at seq
 * goes: after every piece that ends at or before seq. */
static void locate(struct tcp_half *h, uint32_t seq, struct seg **at[SKIP_LEVELS])
{
    struct seg **fwd = h->ooo->next, *x;

    for (int i = SKIP_LEVELS - 1; i >= 0; i--) {
        while ((x = fwd[i]) && seq_le(x->seq + x->len, seq))
            fwd = x->next;
        at[i] = &fwd[i];
    }
}

static void add_piece(struct tcp_stage *t, struct tcp_half *h, struct seg **at[SKIP_LEVELS],
                      uint32_t seq, const uint8_t *p, uint32_t len)
{
    unsigned height = skip_height(t);
    size_t cost = SEG_COST(height, p ? len : 0);
    struct seg *s = malloc(cost);
    if (!s)
        return; /* the hole stays and becomes a gap later */
    s->seq = seq;
    s->len = len;
    s->lost = p == NULL;
    s->height = (uint8_t)height;
    if (p)
        memcpy(seg_data(s), p, len);
    for (unsigned i = 0; i < height; i++) {
        s->next[i] = *at[i];
        *at[i] = s;
    }
    charge(t, h, cost);
}

/* Buffers [seq, seq+len) ahead of the stream, keeping only the parts no
 * earlier piece covers.  p == NULL marks the range as known lost. */
static void buffer(struct tcp_stage *t, struct tcp_half *h, uint32_t seq, const uint8_t *p,
                   uint32_t len)
{
    uint32_t s = seq, e = seq + len;
    struct seg **at[SKIP_LEVELS];

    if (seq_lt(s, h->next_seq))
        s = h->next_seq;
    if (!seq_lt(s, e))
        return;
    if (!h->ooo) {
        if (!(h->ooo = calloc(1, sizeof(*h->ooo))))
            return;
        charge(t, h, sizeof(*h->ooo));
    }
    while (seq_lt(s, e)) {
        locate(h, s, at);
        struct seg *o = *at[0];
        if (o && !seq_lt(s, o->seq)) { /* o covers s: its copy wins */
            s = o->seq + o->len;
            continue;
        }
        uint32_t pe = o && seq_lt(o->seq, e) ? o->seq : e;
        add_piece(t, h, at, s, p ? p + (s - seq) : NULL, pe - s);
        s = pe;
    }
    if (!h->ooo->next[0]) { /* nothing could be kept */
        refund(t, h, sizeof(*h->ooo));
        free(h->ooo);
        h->ooo = NULL;
    }
}

/* Gives up the hole before the first buffered piece of this direction. */
static void force_past_hole(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts,
                            enum tcp_gap_reason why)
{
    struct tcp_half *h = &c->half[dir];
    struct seg *s = first(h);
    if (s && seq_lt(h->next_seq, s->seq))
        tcp_emit_gap(t, c, dir, ts, s->seq - h->next_seq, why);
    drain(t, c, dir, ts);
}

static void enforce_caps(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts)
{
    while (c->half[0].ooo_cost + c->half[1].ooo_cost > t->cfg.max_ooo_conn) {
        enum dir d = c->half[dir].ooo ? dir : !dir;
        t->st.cap_gaps++;
        force_past_hole(t, c, d, ts, TCP_GAP_CAPACITY);
    }
    while (t->ooo_total > t->cfg.max_ooo_total && t->ooo_head) {
        struct tcp_flow *o = t->ooo_head;
        t->st.cap_gaps++;
        force_past_hole(t, o, o->half[DIR_C2S].ooo ? DIR_C2S : DIR_S2C, ts, TCP_GAP_CAPACITY);
    }
}

/* A segment that starts at or before the expected byte. */
static void in_order(struct tcp_stage *t, struct tcp_flow *c, enum dir dir,
                     const struct tcp_header *seg, uint32_t seq, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];
    uint32_t end = seq + (uint32_t)seg->len;
    uint32_t cap_end = seq + (uint32_t)seg->caplen;
    uint32_t stop = end;

    /* Bytes buffered earlier win over this copy of them. */
    struct seg *s = first(h);
    if (s && seq_lt(s->seq, end))
        stop = s->seq;
    uint32_t dend = seq_lt(cap_end, stop) ? cap_end : stop;
    if (seq_lt(h->next_seq, dend))
        deliver(t, c, dir, seg->payload + (h->next_seq - seq), dend - h->next_seq, ts);
    if (seq_lt(h->next_seq, stop))
        tcp_emit_gap(t, c, dir, ts, stop - h->next_seq, TCP_GAP_SNAPLEN);
    if (seq_lt(stop, end)) {
        if (seq_lt(stop, cap_end))
            buffer(t, h, stop, seg->payload + (stop - seq), cap_end - stop);
        uint32_t lost_from = seq_lt(stop, cap_end) ? cap_end : stop;
        if (seq_lt(lost_from, end))
            buffer(t, h, lost_from, NULL, end - lost_from);
    }
}

void tcp_half_segment(struct tcp_stage *t, struct tcp_flow *c, enum dir dir,
                      const struct tcp_header *seg, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];
    uint32_t seq = seg->seq + ((seg->flags & TCP_SYN) ? 1 : 0);

    if (!h->started) {
        if (seg->len == 0 && !(seg->flags & TCP_FIN))
            return;
        tcp_half_start(h, seq);
    }
    /* Far outside any window: not part of this stream. */
    if (seq - h->next_seq > MAX_AHEAD && h->next_seq - seq > MAX_AHEAD)
        return;
    if (seg->caplen < seg->len)
        t->st.snapped++;
    if (seg->len > 0) {
        if (seq_le(seq, h->next_seq)) {
            if (seq_lt(h->next_seq, seq + (uint32_t)seg->len))
                in_order(t, c, dir, seg, seq, ts);
        } else {
            buffer(t, h, seq, seg->payload, (uint32_t)seg->caplen);
            if (seg->caplen < seg->len)
                buffer(t, h, seq + (uint32_t)seg->caplen, NULL, (uint32_t)(seg->len - seg->caplen));
        }
    }
    if ((seg->flags & TCP_FIN) && !h->fin_seen) {
        h->fin_seen = 1;
        h->fin_seq = seq + (uint32_t)seg->len;
    }
    drain(t, c, dir, ts);
    enforce_caps(t, c, dir, ts);
}

void tcp_half_acked(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, uint32_t ack, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];
    uint32_t limit = ack;

    if (!h->started)
        return;
    if (h->fin_seen && ack == h->fin_seq + 1)
        h->fin_acked = 1;
    if (h->fin_seen && seq_lt(h->fin_seq, limit))
        limit = h->fin_seq;
    if (!seq_lt(h->next_seq, limit) || limit - h->next_seq > MAX_AHEAD)
        return;
    while (seq_lt(h->next_seq, limit)) {
        struct seg *s = first(h);
        uint32_t upto = (s && seq_lt(s->seq, limit)) ? s->seq : limit;
        if (seq_lt(h->next_seq, upto))
            tcp_emit_gap(t, c, dir, ts, upto - h->next_seq, TCP_GAP_ACKED);
        drain(t, c, dir, ts);
    }
}

void tcp_half_flush(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts)
{
    struct tcp_half *h = &c->half[dir];

    while (h->ooo)
        force_past_hole(t, c, dir, ts, TCP_GAP_CLOSED);
    if (h->fin_seen && seq_lt(h->next_seq, h->fin_seq))
        tcp_emit_gap(t, c, dir, ts, h->fin_seq - h->next_seq, TCP_GAP_CLOSED);
    check_fin(t, c, dir, ts);
}

void tcp_half_free(struct tcp_stage *t, struct tcp_flow *c, struct tcp_half *h)
{
    while (h->ooo)
        unlink_head(t, h);
    tcp_ooo_changed(t, c);
}
