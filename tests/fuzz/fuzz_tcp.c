/* Fuzz target: the tcp stage alone, with segments the input describes and
 * an invariant checked on everything it reports.
 *
 * Input: records of 8 bytes, each followed by its payload length's worth
 * of nothing (payload bytes are made, not read: see below):
 *   [0] bits 0-1: which of 4 port pairs; bit 2: from the higher port;
 *       bit 3: sent as two IPv4 fragments; bit 4: drop the second fragment;
 *       bits 5-7: the time step before it (0, 1 ms, 1 s, 31 s: past the
 *       fragment timeout, 101 s: past the idle timeout, 250 s: past
 *       TIME-WAIT, 3601 s: past the forgotten entries, -5 s: backwards)
 *   [1] TCP flags
 *   [2..3] sequence number, relative to a base near 2^32 (so streams wrap)
 *   [4..5] acknowledgment number, relative to the same base
 *   [6] payload bytes sent; [7] of them captured (the rest cut by a snap
 *       length), if smaller
 *
 * Every payload byte is a function of its sequence number: 7 * seq mod 256.
 * Whatever the order, overlaps and losses, what a direction delivers must
 * then follow that function from byte to byte, also across the gaps it
 * reports: the bytes delivered plus the gaps reported are exactly the
 * stream's sequence span, nothing repeated, nothing skipped silently, and
 * the span stays within what the input's sequence numbers can reach.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tcp.h"

#define BASE 0xffff8000u
#define MAX_IDS 4096
/* The farthest a stream can get: sequence and acknowledgment numbers are
 * BASE plus 16 bits, and a payload adds at most 255. */
#define MAX_SPAN (65536u + 256u)

struct account {
    uint64_t next_offset[2]; /* delivered + gaps so far, per direction */
    int have_expect[2];
    uint8_t expect[2]; /* the byte due at next_offset */
    uint64_t bytes[2], lost[2];
    uint16_t port; /* the client-side port of its pair (not 443) */
};

static struct account acc[MAX_IDS + 1];

static void on_event(void *arg, const struct tcp_event *ev)
{
    (void)arg;
    uint64_t id = ev->conn->id;
    assert(id >= 1 && id <= MAX_IDS);
    struct account *a = &acc[id];
    int d = ev->dir;

    switch (ev->kind) {
    case TCP_EV_OPEN:
        /* A new connection starts at 0; a reopened one where it stopped. */
        a->bytes[0] = a->bytes[1] = a->lost[0] = a->lost[1] = 0;
        if (!ev->conn->reopened)
            memset(a, 0, sizeof(*a));
        a->port = ev->conn->client.port > ev->conn->server.port ? ev->conn->client.port
                                                                : ev->conn->server.port;
        break;
    case TCP_EV_DATA:
        assert(ev->len > 0 && ev->offset == a->next_offset[d]);
        for (size_t i = 0; i < ev->len; i++) {
            assert(!a->have_expect[d] || ev->data[i] == a->expect[d]);
            a->expect[d] = (uint8_t)(ev->data[i] + 7);
            a->have_expect[d] = 1;
        }
        a->next_offset[d] += ev->len;
        a->bytes[d] += ev->len;
        assert(a->bytes[d] == ev->conn->bytes[d]);
        break;
    case TCP_EV_GAP:
        assert(ev->len > 0 && ev->offset == a->next_offset[d]);
        a->next_offset[d] += ev->len;
        a->expect[d] = (uint8_t)(a->expect[d] + 7 * ev->len);
        a->lost[d] += ev->len;
        assert(a->lost[d] == ev->conn->lost[d]);
        break;
    case TCP_EV_CLOSE:
        for (int k = 0; k < 2; k++) {
            assert(a->bytes[k] == ev->conn->bytes[k] && a->lost[k] == ev->conn->lost[k]);
            assert(a->next_offset[k] <= MAX_SPAN);
        }
        break;
    case TCP_EV_SEGMENT:
    case TCP_EV_RESUMED:
    case TCP_EV_FIN:
    case TCP_EV_RST:
        break;
    }
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static size_t ipv4(uint8_t *b, int from_high, uint16_t id, uint16_t frag, const uint8_t *l4,
                   size_t n)
{
    static const uint8_t lo[4] = {10, 0, 0, 1}, hi[4] = {10, 0, 0, 2};
    memset(b, 0, 20);
    b[0] = 0x45;
    b[2] = (uint8_t)((20 + n) >> 8), b[3] = (uint8_t)(20 + n);
    b[4] = (uint8_t)(id >> 8), b[5] = (uint8_t)id;
    b[6] = (uint8_t)(frag >> 8), b[7] = (uint8_t)frag;
    b[8] = 64, b[9] = 6;
    memcpy(b + 12, from_high ? hi : lo, 4);
    memcpy(b + 16, from_high ? lo : hi, 4);
    uint16_t c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8), b[11] = (uint8_t)c;
    memcpy(b + 20, l4, n);
    return 20 + n;
}

static void put(struct tcp_stage *t, const uint8_t *l3, size_t caplen, size_t wirelen, int64_t ts)
{
    struct cap_packet p = {
        .ts_us = ts, .ethertype = 0x0800, .l3 = l3, .l3_caplen = caplen, .l3_wirelen = wirelen};
    tcp_input(t, &p);
}

static void segment(struct tcp_stage *t, const uint8_t r[8], uint16_t ip_id, int64_t ts)
{
    uint8_t l4[20 + 255], l3[20 + sizeof(l4)];
    int pair = r[0] & 3, high = (r[0] >> 2) & 1;
    uint16_t lport = (uint16_t)(40000 + pair), hport = 443;
    uint32_t seq = BASE + (uint32_t)(r[2] << 8 | r[3]);
    uint32_t ack = BASE + (uint32_t)(r[4] << 8 | r[5]);
    size_t len = r[6], cap = r[7] < r[6] ? r[7] : r[6];
    uint16_t sp = high ? hport : lport, dp = high ? lport : hport;
    uint32_t s = seq + ((r[1] & 0x02) ? 1 : 0); /* a SYN's data starts after it */

    /* A client's SYN with a new initial sequence number may renumber the
     * rest of its stream (flow.c, syn_retry): the byte function starts
     * again. */
    if ((r[1] & 0x12) == 0x02)
        for (int i = 1; i <= MAX_IDS; i++)
            if (acc[i].port == lport)
                acc[i].have_expect[0] = acc[i].have_expect[1] = 0;
    memset(l4, 0, 20);
    l4[0] = (uint8_t)(sp >> 8), l4[1] = (uint8_t)sp, l4[2] = (uint8_t)(dp >> 8),
    l4[3] = (uint8_t)dp;
    for (int i = 0; i < 4; i++) {
        l4[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        l4[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    l4[12] = 5 << 4, l4[13] = r[1], l4[14] = 0xff, l4[15] = 0xff;
    for (size_t i = 0; i < len; i++)
        l4[20 + i] = (uint8_t)(7 * (s + (uint32_t)i));
    size_t n = 20 + len;
    if (!(r[0] & 0x08) || n < 24) {
        size_t whole = ipv4(l3, high, ip_id, 0x4000, l4, n);
        put(t, l3, whole - (len - cap), whole, ts);
        return;
    }
    /* Two fragments, the second (from an 8-byte boundary) first. */
    size_t cut = (n / 2) & ~(size_t)7;
    if (!(r[0] & 0x10)) {
        size_t m = ipv4(l3, high, ip_id, (uint16_t)(cut / 8), l4 + cut, n - cut);
        put(t, l3, m, m, ts);
    }
    size_t m = ipv4(l3, high, ip_id, (uint16_t)(0x2000 | 0), l4, cut);
    put(t, l3, m, m, ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t steps[8] = {0,         1000,      1000000,    31000000,
                                     101000000, 250000000, 3601000000, -5000000};
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.max_conns = 3;
    cfg.closed_max = 4;
    cfg.max_ooo_conn = 2048;
    cfg.max_ooo_total = 4096;
    struct tcp_stage *t = tcp_new(&cfg, on_event, NULL);
    int64_t ts = 1700000000000000;
    uint16_t ip_id = 1;

    memset(acc, 0, sizeof(acc));
    assert(t);
    for (size_t at = 0; at + 8 <= size && ip_id < MAX_IDS / 2; at += 8) {
        ts += steps[data[at] >> 5];
        segment(t, data + at, ip_id++, ts);
    }
    tcp_free(t);
    return 0;
}
