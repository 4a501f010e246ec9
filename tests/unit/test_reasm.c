/* The tcp stage driven with hand-made segments: order, overlaps, gaps,
 * wrap-around, roles, caps. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tcp.h"
#include "unit.h"

#define CLIENT 0x0a000001u
#define SERVER 0x0a000002u
#define CPORT 50000
#define SPORT 443

/* What the stage reported, per direction. */
struct log {
    uint8_t data[2][1 << 16];
    size_t len[2];
    size_t gaps[2], gap_bytes[2];
    int last_gap_reason;
    int opens, fins[2], rsts, closes, close_reason;
    int midstream;
    uint16_t client_port;
    int offsets_ok;
};

static struct log L;

static void on_event(void *arg, const struct tcp_event *ev)
{
    (void)arg;
    int d = ev->dir;
    switch (ev->kind) {
    case TCP_EV_OPEN:
        L.opens++;
        L.midstream = ev->conn->midstream;
        L.client_port = ev->conn->client.port;
        break;
    case TCP_EV_DATA:
        if (ev->offset != L.len[d] + L.gap_bytes[d])
            L.offsets_ok = 0;
        if (L.len[d] + ev->len <= sizeof(L.data[d])) {
            memcpy(L.data[d] + L.len[d], ev->data, ev->len);
            L.len[d] += ev->len;
        }
        break;
    case TCP_EV_GAP:
        L.gaps[d]++;
        L.gap_bytes[d] += ev->len;
        L.last_gap_reason = ev->reason;
        break;
    case TCP_EV_FIN:
        L.fins[d]++;
        break;
    case TCP_EV_RST:
        L.rsts++;
        break;
    case TCP_EV_CLOSE:
        L.closes++;
        L.close_reason = ev->reason;
        break;
    case TCP_EV_SEGMENT:
    case TCP_EV_RESUMED:
        break;
    }
}

static struct tcp_stage *stage(const struct tcp_config *cfg)
{
    struct tcp_config def;
    memset(&L, 0, sizeof(L));
    L.offsets_ok = 1;
    if (!cfg) {
        tcp_config_defaults(&def);
        cfg = &def;
    }
    return tcp_new(cfg, on_event, NULL);
}

/* Sends a segment; from_client picks the direction.  snap (if nonzero)
 * cuts the datagram to that many bytes, as a snap length would. */
static void send_seg(struct tcp_stage *t, int from_client, uint32_t seq, uint32_t ack,
                     uint8_t flags, const void *data, size_t len, size_t snap, int64_t ts)
{
    static uint8_t buf[70000];
    size_t n = build_ipv4_tcp(buf, sizeof(buf), from_client ? CLIENT : SERVER,
                              from_client ? SERVER : CLIENT, from_client ? CPORT : SPORT,
                              from_client ? SPORT : CPORT, seq, ack, flags, data, len);
    struct cap_packet p = {.ts_us = ts,
                           .ethertype = 0x0800,
                           .l3 = buf,
                           .l3_caplen = snap && snap < n ? snap : n,
                           .l3_wirelen = n};
    tcp_input(t, &p);
}

#define C 1
#define S 0
#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04

static uint8_t msg[4096];

static void fill(void)
{
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 131 + i / 251);
}

/* SYN, SYN-ACK, ACK with the given initial sequence numbers. */
static void handshake(struct tcp_stage *t, uint32_t cisn, uint32_t sisn)
{
    send_seg(t, C, cisn, 0, SYN, NULL, 0, 0, 0);
    send_seg(t, S, sisn, cisn + 1, SYN | ACK, NULL, 0, 0, 1);
    send_seg(t, C, cisn + 1, sisn + 1, ACK, NULL, 0, 0, 2);
}

static void in_order(void)
{
    struct tcp_stage *t = stage(NULL);
    fill();
    handshake(t, 1000, 5000);
    send_seg(t, C, 1001, 5001, ACK, msg, 300, 0, 3);
    send_seg(t, S, 5001, 1301, ACK, msg + 300, 1000, 0, 4);
    send_seg(t, S, 6001, 1301, ACK, msg + 1300, 500, 0, 5);
    send_seg(t, C, 1301, 6501, ACK | FIN, NULL, 0, 0, 6);
    send_seg(t, S, 6501, 1302, ACK | FIN, NULL, 0, 0, 7);
    CU_ASSERT_EQUAL(L.opens, 1);
    CU_ASSERT_EQUAL(L.client_port, CPORT);
    CU_ASSERT_FALSE(L.midstream);
    CU_ASSERT_EQUAL(L.len[0], 300);
    CU_ASSERT_EQUAL(L.len[1], 1500);
    CU_ASSERT(memcmp(L.data[0], msg, 300) == 0);
    CU_ASSERT(memcmp(L.data[1], msg + 300, 1500) == 0);
    CU_ASSERT_EQUAL(L.fins[0] + L.fins[1], 2);
    CU_ASSERT_EQUAL(L.closes, 1);
    CU_ASSERT_EQUAL(L.close_reason, TCP_CLOSE_FIN);
    /* The last ACK after both FINs opens nothing. */
    send_seg(t, C, 1302, 6502, ACK, NULL, 0, 0, 8);
    CU_ASSERT_EQUAL(L.opens, 1);
    tcp_free(t);
}

/* Sends msg[0..n) from the server as the given pieces, in the given order. */
static void pieces(struct tcp_stage *t, uint32_t isn, const size_t (*p)[2], const int *order,
                   int count)
{
    for (int i = 0; i < count; i++) {
        size_t off = p[order[i]][0], len = p[order[i]][1];
        send_seg(t, S, isn + 1 + (uint32_t)off, 1001, ACK, msg + off, len, 0, 10 + i);
    }
}

static void reordered_and_retransmitted(void)
{
    static const size_t p[][2] = {{0, 100}, {100, 100}, {200, 100}, {300, 100}, {400, 100}};
    static const int order[] = {3, 1, 4, 1, 0, 2, 3, 0};
    struct tcp_stage *t = stage(NULL);
    fill();
    handshake(t, 1000, 7000);
    pieces(t, 7000, p, order, 8);
    CU_ASSERT_EQUAL(L.len[1], 500);
    CU_ASSERT(memcmp(L.data[1], msg, 500) == 0);
    CU_ASSERT_EQUAL(L.gaps[1], 0);
    CU_ASSERT(L.offsets_ok);
    tcp_free(t);
}

static void overlap_first_copy_wins(void)
{
    static uint8_t evil[600];
    struct tcp_stage *t = stage(NULL);
    fill();
    memset(evil, 0xee, sizeof(evil));
    handshake(t, 1000, 7000);
    /* Early piece [200,300), then a wide later copy [100,400) of other
     * bytes, then the start [0,250) which overlaps both. */
    send_seg(t, S, 7201, 1001, ACK, msg + 200, 100, 0, 3);
    send_seg(t, S, 7101, 1001, ACK, evil, 300, 0, 4);
    send_seg(t, S, 7001, 1001, ACK, msg, 250, 0, 5);
    CU_ASSERT_EQUAL(L.len[1], 400);
    CU_ASSERT(memcmp(L.data[1], msg, 100) == 0);
    CU_ASSERT(memcmp(L.data[1] + 100, evil, 100) == 0);      /* [100,200): 2nd copy came first */
    CU_ASSERT(memcmp(L.data[1] + 200, msg + 200, 100) == 0); /* [200,300): first copy */
    CU_ASSERT_EQUAL(L.data[1][350], 0xee);
    /* A retransmission of delivered bytes with other contents changes nothing. */
    send_seg(t, S, 7001, 1001, ACK, evil + 300, 300, 0, 6);
    CU_ASSERT_EQUAL(L.len[1], 400);
    tcp_free(t);
}

static void one_byte_segments_across_wrap(void)
{
    struct tcp_stage *t = stage(NULL);
    fill();
    uint32_t isn = 0xffffff00u; /* the stream wraps past 2^32 after 255 bytes */
    handshake(t, 1000, isn);
    for (int i = 599; i >= 300; i--) /* the second half, backwards */
        send_seg(t, S, isn + 1 + (uint32_t)i, 1001, ACK, msg + i, 1, 0, 10);
    for (int i = 0; i < 300; i++)
        send_seg(t, S, isn + 1 + (uint32_t)i, 1001, ACK, msg + i, 1, 0, 11);
    CU_ASSERT_EQUAL(L.len[1], 600);
    CU_ASSERT(memcmp(L.data[1], msg, 600) == 0);
    CU_ASSERT(L.offsets_ok);
    tcp_free(t);
}

static void gap_when_acked(void)
{
    struct tcp_stage *t = stage(NULL);
    fill();
    handshake(t, 1000, 7000);
    send_seg(t, S, 7001, 1001, ACK, msg, 100, 0, 3);
    /* [100,200) is never captured */
    send_seg(t, S, 7201, 1001, ACK, msg + 200, 100, 0, 4);
    CU_ASSERT_EQUAL(L.len[1], 100);
    CU_ASSERT_EQUAL(L.gaps[1], 0); /* still waiting: it may come */
    send_seg(t, C, 1001, 7301, ACK, NULL, 0, 0, 5);
    CU_ASSERT_EQUAL(L.gaps[1], 1);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 100);
    CU_ASSERT_EQUAL(L.last_gap_reason, TCP_GAP_ACKED);
    CU_ASSERT_EQUAL(L.len[1], 200);
    CU_ASSERT(memcmp(L.data[1] + 100, msg + 200, 100) == 0);
    /* An ACK past everything captured: the tail was lost too. */
    send_seg(t, C, 1001, 7401, ACK, NULL, 0, 0, 6);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 200);
    /* Stream goes on after the gaps. */
    send_seg(t, S, 7401, 1001, ACK, msg + 400, 50, 0, 7);
    CU_ASSERT_EQUAL(L.len[1], 250);
    CU_ASSERT(L.offsets_ok);
    tcp_free(t);
}

static void gap_at_close_and_fin_after_hole(void)
{
    struct tcp_stage *t = stage(NULL);
    fill();
    handshake(t, 1000, 7000);
    send_seg(t, S, 7101, 1001, ACK | FIN, msg + 100, 100, 0, 3);
    CU_ASSERT_EQUAL(L.fins[1], 0);
    tcp_finish(t, 10);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 100);
    CU_ASSERT_EQUAL(L.last_gap_reason, TCP_GAP_CLOSED);
    CU_ASSERT_EQUAL(L.len[1], 100);
    CU_ASSERT_EQUAL(L.fins[1], 1);
    CU_ASSERT_EQUAL(L.close_reason, TCP_CLOSE_END);
    tcp_free(t);
}

static void snap_length_is_a_gap(void)
{
    struct tcp_stage *t = stage(NULL);
    fill();
    handshake(t, 1000, 7000);
    /* 40 header bytes + 60 of 500 payload bytes captured */
    send_seg(t, S, 7001, 1001, ACK, msg, 500, 100, 3);
    CU_ASSERT_EQUAL(L.len[1], 60);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 440);
    CU_ASSERT_EQUAL(L.last_gap_reason, TCP_GAP_SNAPLEN);
    /* the same, out of order: held until the hole before it fills */
    send_seg(t, S, 8001, 1001, ACK, msg, 500, 100, 4);
    send_seg(t, S, 7501, 1001, ACK, msg + 500, 500, 0, 5);
    CU_ASSERT_EQUAL(L.len[1], 60 + 500 + 60);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 880);
    CU_ASSERT(L.offsets_ok);
    tcp_free(t);
}

static void midstream_roles(void)
{
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 1, 0};
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);

    /* Without a hint, the lower port is the server. */
    struct tcp_stage *t = stage(&cfg);
    send_seg(t, S, 100, 200, ACK, "data", 4, 0, 1);
    CU_ASSERT_EQUAL(L.opens, 1);
    CU_ASSERT(L.midstream);
    CU_ASSERT_EQUAL(L.client_port, CPORT);
    CU_ASSERT_EQUAL(L.len[1], 4);
    tcp_free(t);

    /* A ClientHello's sender is the client, whatever the ports. */
    cfg.is_client_start = tls_looks_like_client_hello;
    t = stage(&cfg);
    send_seg(t, S, 100, 200, ACK, hello, sizeof(hello), 0, 1);
    CU_ASSERT_EQUAL(L.client_port, SPORT);
    tcp_free(t);

    /* A pure ACK or a reset opens nothing. */
    t = stage(&cfg);
    send_seg(t, S, 100, 200, ACK, NULL, 0, 0, 1);
    send_seg(t, S, 100, 200, RST, NULL, 0, 0, 1);
    CU_ASSERT_EQUAL(L.opens, 0);
    tcp_free(t);
}

static void reset_and_reuse(void)
{
    struct tcp_stage *t = stage(NULL);
    handshake(t, 1000, 7000);
    send_seg(t, C, 1001, 7001, RST, NULL, 0, 0, 3);
    CU_ASSERT_EQUAL(L.rsts, 1);
    CU_ASSERT_EQUAL(L.closes, 1);
    CU_ASSERT_EQUAL(L.close_reason, TCP_CLOSE_RST);
    handshake(t, 90000, 7000);
    CU_ASSERT_EQUAL(L.opens, 2);
    /* A retransmitted SYN is not a new connection; a new ISN is. */
    send_seg(t, C, 90000, 0, SYN, NULL, 0, 0, 4);
    CU_ASSERT_EQUAL(L.opens, 2);
    send_seg(t, C, 123456, 0, SYN, NULL, 0, 0, 5);
    CU_ASSERT_EQUAL(L.opens, 3);
    tcp_free(t);
}

static void caps_force_gaps(void)
{
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.max_ooo_conn = 1000;
    struct tcp_stage *t = stage(&cfg);
    fill();
    handshake(t, 1000, 7000);
    /* Everything after a lost first segment: the cap gives up the hole. */
    for (int i = 1; i < 30; i++)
        send_seg(t, S, 7001 + 100 * (uint32_t)i, 1001, ACK, msg + 100 * i, 100, 0, 3);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 100);
    CU_ASSERT_EQUAL(L.last_gap_reason, TCP_GAP_CAPACITY);
    CU_ASSERT_EQUAL(L.len[1], 2900);
    CU_ASSERT(memcmp(L.data[1], msg + 100, 2900) == 0);
    struct tcp_stats st;
    tcp_get_stats(t, &st);
    CU_ASSERT(st.ooo_peak <= 1000 + 200);
    tcp_free(t);
}

static void connection_cap_and_idle(void)
{
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.max_conns = 3;
    cfg.idle_timeout_s = 10;
    struct tcp_stage *t = stage(&cfg);
    static uint8_t buf[100];
    for (int i = 0; i < 5; i++) {
        size_t n = build_ipv4_tcp(buf, sizeof(buf), CLIENT, SERVER, (uint16_t)(40000 + i), SPORT, 1,
                                  0, SYN, NULL, 0);
        struct cap_packet p = {.ts_us = i, .l3 = buf, .l3_caplen = n, .l3_wirelen = n};
        tcp_input(t, &p);
    }
    struct tcp_stats st;
    tcp_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.live, 3);
    CU_ASSERT_EQUAL(st.evicted, 2);
    CU_ASSERT_EQUAL(L.close_reason, TCP_CLOSE_EVICTED);
    send_seg(t, C, 1, 0, SYN, NULL, 0, 0, 20 * 1000000LL);
    tcp_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.live, 1); /* the three idle ones expired */
    CU_ASSERT_EQUAL(L.closes, 5);
    tcp_free(t);
}

static void hostile_segments(void)
{
    struct tcp_stage *t = stage(NULL);
    fill();
    handshake(t, 1000, 7000);
    /* An absurd ACK and data 2^31 ahead must neither hang nor allocate
     * without bound. */
    send_seg(t, C, 1001, 7001 + 0x7fffffffu, ACK, NULL, 0, 0, 3);
    send_seg(t, S, 7001 + 0x70000000u, 1001, ACK, msg, 1000, 0, 4);
    send_seg(t, S, 7001, 1001, ACK, msg, 10, 0, 5);
    CU_ASSERT_EQUAL(L.len[1], 10);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 0);
    tcp_free(t);
    CU_ASSERT_EQUAL(L.closes, 1);
    CU_ASSERT_EQUAL(L.gap_bytes[1], 0); /* the far segment was not believed */
}

/* Many overlapping pieces in a shuffled order, across the sequence wrap:
 * the stream comes out whole, and where a later copy of a byte differs the
 * first one is kept (what the skip list must keep from the sorted list). */
static void shuffled_overlapping_pieces(void)
{
    enum { N = 600 };
    static uint8_t other[4096];
    uint32_t start[N], len[N], isn = 0xffffff00u;
    uint32_t r = 12345;
    struct tcp_stage *t = stage(NULL);
    fill();
    for (size_t i = 0; i < sizeof(other); i++)
        other[i] = (uint8_t)~msg[i];
    handshake(t, isn, 5000);
    for (int i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        start[i] = 1 + (r >> 8) % 3000;
        len[i] = 1 + (r >> 20) % 40;
    }
    for (int i = 0; i < N; i++) { /* first copies: msg; later ones: other */
        r = r * 1103515245u + 12345u;
        int j = (int)((r >> 8) % N);
        send_seg(t, C, isn + 1 + start[j], 5001, ACK, msg + start[j], len[j], 0, 3);
        send_seg(t, C, isn + 1 + start[j], 5001, ACK, other + start[j], len[j], 0, 3);
    }
    send_seg(t, C, isn + 1, 5001, ACK, msg, 3100, 0, 4);
    send_seg(t, C, isn + 1, 5001, ACK, other, 3100, 0, 5);
    CU_ASSERT_EQUAL(L.len[0], 3100);
    CU_ASSERT_EQUAL(L.gap_bytes[0], 0);
    CU_ASSERT(memcmp(L.data[0], msg, 3100) == 0);
    CU_ASSERT(L.offsets_ok);
    tcp_free(t);
}

void suite_reasm(void)
{
    static const CU_TestInfo tests[] = {
        {"in order, FIN both ways", in_order},
        {"reordered and retransmitted", reordered_and_retransmitted},
        {"overlaps: the first copy wins", overlap_first_copy_wins},
        {"1-byte segments across sequence wrap", one_byte_segments_across_wrap},
        {"a hole acked past is a gap", gap_when_acked},
        {"a hole at close is a gap; FIN after it", gap_at_close_and_fin_after_hole},
        {"snap length cut is a gap", snap_length_is_a_gap},
        {"roles without a SYN", midstream_roles},
        {"reset, and port reuse", reset_and_reuse},
        {"buffer cap forces a gap", caps_force_gaps},
        {"connection cap and idle timeout", connection_cap_and_idle},
        {"hostile sequence numbers", hostile_segments},
        {"shuffled overlapping pieces", shuffled_overlapping_pieces},
        CU_TEST_INFO_NULL,
    };
    add_suite("reassembly", tests);
}
