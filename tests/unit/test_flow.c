/* The flow table's corner cases (issue 12): packets after a connection
 * ended (the table of closed connections, bounded and aged), connections
 * resumed after the idle timeout, and TCP Fast Open. */
#include <stdlib.h>
#include <string.h>

#include "tcp.h"
#include "unit.h"

#define CLIENT 0x0a000001u
#define SERVER 0x0a000002u
#define SPORT 443
#define MAXID 16
#define SEC 1000000LL
#define PINNED_SHARD 525u /* tcp_shard_of(10.0.0.1:50000, 10.0.0.2:443, 1000) */

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04

/* What the stage reported, per connection id. */
struct flog {
    int opens, closes, last_close_reason;
    int opened[MAXID], reopened[MAXID], midstream[MAXID], closed[MAXID], resumed_events[MAXID];
    uint8_t data[MAXID][2][2048];
    size_t len[MAXID][2];
    int offsets_ok;
    uint64_t frame; /* the last packet's (seg() numbers them from 1) */
    struct placed {
        enum tcp_event_kind kind;
        uint64_t id;
        struct place at;
    } placed[64];
    int nplaced;
};

static struct flog F;

static void on_event(void *arg, const struct tcp_event *ev)
{
    (void)arg;
    uint64_t id = ev->conn->id < MAXID ? ev->conn->id : 0;
    int d = ev->dir;
    if (F.nplaced < 64)
        F.placed[F.nplaced++] = (struct placed){ev->kind, ev->conn->id, ev->place};
    switch (ev->kind) {
    case TCP_EV_OPEN:
        F.opens++;
        F.opened[id]++;
        F.reopened[id] = ev->conn->reopened;
        F.midstream[id] = ev->conn->midstream;
        break;
    case TCP_EV_RESUMED:
        F.resumed_events[id]++;
        break;
    case TCP_EV_SEGMENT:
        break;
    case TCP_EV_DATA:
        if (ev->offset != F.len[id][d])
            F.offsets_ok = 0;
        if (F.len[id][d] + ev->len <= sizeof(F.data[id][d])) {
            memcpy(F.data[id][d] + F.len[id][d], ev->data, ev->len);
            F.len[id][d] += ev->len;
        }
        break;
    case TCP_EV_CLOSE:
        F.closes++;
        F.closed[id]++;
        F.last_close_reason = ev->reason;
        break;
    case TCP_EV_GAP:
    case TCP_EV_FIN:
    case TCP_EV_RST:
        break;
    }
}

static struct tcp_stage *stage(struct tcp_config *cfg)
{
    struct tcp_config def;
    memset(&F, 0, sizeof(F));
    F.offsets_ok = 1;
    if (!cfg) {
        tcp_config_defaults(&def);
        cfg = &def;
    }
    return tcp_new(cfg, on_event, NULL);
}

/* Payload bytes: only their count matters here. */
static const uint8_t pay[512] = {0x17};

static uint16_t cport = 50000;

static void seg(struct tcp_stage *t, int from_client, uint32_t seq, uint32_t ack, uint8_t flags,
                const void *data, size_t len, int64_t ts)
{
    static uint8_t buf[4096];
    size_t n = build_ipv4_tcp(buf, sizeof(buf), from_client ? CLIENT : SERVER,
                              from_client ? SERVER : CLIENT, from_client ? cport : SPORT,
                              from_client ? SPORT : cport, seq, ack, flags, data, len);
    struct cap_packet p = {.ts_us = ts,
                           .frame = ++F.frame,
                           .ethertype = 0x0800,
                           .l3 = buf,
                           .l3_caplen = n,
                           .l3_wirelen = n};
    tcp_input(t, &p);
}

#define C 1
#define S 0

static uint64_t late(struct tcp_stage *t)
{
    struct tcp_stats st;
    tcp_get_stats(t, &st);
    return st.late;
}

/* Handshake, 100 bytes each way, FIN both ways and the last ACK, from
 * time ts on. */
static void whole(struct tcp_stage *t, uint32_t cisn, uint32_t sisn, int64_t ts)
{
    seg(t, C, cisn, 0, SYN, NULL, 0, ts);
    seg(t, S, sisn, cisn + 1, SYN | ACK, NULL, 0, ts + 1);
    seg(t, C, cisn + 1, sisn + 1, ACK, pay, 100, ts + 2);
    seg(t, S, sisn + 1, cisn + 101, ACK, pay, 100, ts + 3);
    seg(t, C, cisn + 101, sisn + 101, ACK | FIN, NULL, 0, ts + 4);
    seg(t, S, sisn + 101, cisn + 102, ACK | FIN, NULL, 0, ts + 5);
    seg(t, C, cisn + 102, sisn + 102, ACK, NULL, 0, ts + 6);
}

static void late_after_fin(void)
{
    struct tcp_stage *t = stage(NULL);
    whole(t, 1000, 5000, 0);
    CU_ASSERT_EQUAL(F.closes, 1);
    CU_ASSERT_EQUAL(late(t), 0);                   /* the last ACK of the close is not late */
    seg(t, S, 5001, 1101, ACK, pay, 100, 10);      /* the last data again */
    seg(t, S, 5101, 1102, ACK | FIN, NULL, 0, 11); /* the FIN again */
    seg(t, C, 1102, 5102, ACK, NULL, 0, 12);       /* its ACK again */
    seg(t, C, 1102, 0, RST, NULL, 0, 13);
    seg(t, S, 5102, 1102, ACK, NULL, 0, 14); /* an ACK after the reset */
    seg(t, C, 1000, 0, SYN, NULL, 0, 15);    /* the first SYN again */
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(late(t), 6);
    /* Data far outside the old space: another connection, seen mid-stream. */
    seg(t, S, 5101 + 0x40000000u, 1102, ACK, pay, 10, 16);
    CU_ASSERT_EQUAL(F.opens, 2);
    CU_ASSERT(F.midstream[2]);
    tcp_free(t);
}

static void new_syn_after_fin(void)
{
    struct tcp_stage *t = stage(NULL);
    whole(t, 1000, 5000, 0);
    whole(t, 777777, 9000, 10); /* the port pair again, a new ISN */
    CU_ASSERT_EQUAL(F.opens, 2);
    CU_ASSERT_EQUAL(F.len[2][0], 100);
    CU_ASSERT_EQUAL(late(t), 0);
    tcp_free(t);
}

static void late_after_rst(void)
{
    struct tcp_stage *t = stage(NULL);
    seg(t, C, 1000, 0, SYN, NULL, 0, 0);
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1);
    seg(t, C, 1001, 5001, ACK, pay, 100, 2);
    seg(t, C, 1101, 5001, RST, NULL, 0, 3);
    /* The server's answer was in flight: data, then its ACK. */
    seg(t, S, 5001, 1101, ACK, pay, 300, 4);
    seg(t, S, 5301, 1101, ACK, NULL, 0, 5);
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(late(t), 2);
    tcp_free(t);
}

static void closed_table_bounded_and_aged(void)
{
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.closed_max = 3;
    cfg.time_wait_s = 10;
    struct tcp_stage *t = stage(&cfg);
    for (int i = 0; i < 5; i++) {
        cport = (uint16_t)(50000 + i);
        whole(t, 1000, 5000, i * 10);
    }
    struct tcp_stats st;
    tcp_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.closed_peak, 3);
    /* The newest three are remembered: their late data opens nothing. */
    cport = 50004;
    seg(t, S, 5001, 1101, ACK, pay, 100, 100);
    CU_ASSERT_EQUAL(F.opens, 5);
    /* The oldest was dropped for the count: its late data opens one. */
    cport = 50000;
    seg(t, S, 5001, 1101, ACK, pay, 100, 101);
    CU_ASSERT_EQUAL(F.opens, 6);
    /* Ten seconds after its last packet, one is dropped for its age. */
    cport = 50003;
    seg(t, S, 5001, 1101, ACK, pay, 100, 11 * SEC);
    CU_ASSERT_EQUAL(F.opens, 7);
    CU_ASSERT_EQUAL(late(t), 1);
    tcp_free(t);
    cport = 50000;
}

static void resumed_in_place(void)
{
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.idle_timeout_s = 10;
    struct tcp_stage *t = stage(&cfg);
    seg(t, C, 1000, 0, SYN, NULL, 0, 0);
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1);
    seg(t, C, 1001, 5001, ACK, pay, 100, 2);
    seg(t, C, 1101, 5001, ACK, pay, 100, 50 * SEC); /* 50 s later */
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(F.closes, 0);
    CU_ASSERT_EQUAL(F.resumed_events[1], 1);
    CU_ASSERT_EQUAL(F.len[1][0], 200);
    tcp_free(t);

    /* -t 0: never forgotten, never "resumed". */
    cfg.idle_timeout_s = 0;
    t = stage(&cfg);
    seg(t, C, 1000, 0, SYN, NULL, 0, 0);
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1);
    cport = 50001;
    seg(t, C, 1, 0, SYN, NULL, 0, 1000000 * SEC); /* another connection, much later */
    cport = 50000;
    seg(t, C, 1001, 5001, ACK, pay, 100, 1000000 * SEC);
    CU_ASSERT_EQUAL(F.opens, 2);
    CU_ASSERT_EQUAL(F.closes, 0);
    CU_ASSERT_EQUAL(F.resumed_events[1], 0);
    tcp_free(t);
}

static void forgotten_then_resumed(void)
{
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.idle_timeout_s = 10;
    struct tcp_stage *t = stage(&cfg);
    seg(t, C, 1000, 0, SYN, NULL, 0, 0);
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1);
    seg(t, C, 1001, 5001, ACK, pay, 100, 2);
    seg(t, S, 5001, 1101, ACK, pay, 50, 3);
    /* Another connection's packet 30 s later: the first is forgotten. */
    cport = 50001;
    seg(t, C, 1, 0, SYN, NULL, 0, 30 * SEC);
    cport = 50000;
    CU_ASSERT_EQUAL(F.closed[1], 1);
    CU_ASSERT_EQUAL(F.last_close_reason, TCP_CLOSE_IDLE);
    /* A keep-alive (RFC 9293 section 3.8.4: one old byte) and an ACK are late. */
    seg(t, C, 1100, 5051, ACK, "k", 1, 40 * SEC);
    seg(t, S, 5051, 1101, ACK, NULL, 0, 40 * SEC + 1);
    CU_ASSERT_EQUAL(F.opens, 2);
    CU_ASSERT_EQUAL(late(t), 2);
    /* New bytes where the client's stream stopped: the same connection goes on. */
    seg(t, C, 1101, 5051, ACK, pay, 100, 45 * SEC);
    CU_ASSERT_EQUAL(F.opens, 3);
    CU_ASSERT_EQUAL(F.opened[1], 2);
    CU_ASSERT(F.reopened[1]);
    CU_ASSERT(F.midstream[1]); /* its TLS is picked up mid-stream */
    CU_ASSERT_EQUAL(F.resumed_events[1], 1);
    CU_ASSERT_EQUAL(F.len[1][0], 200);
    CU_ASSERT(F.offsets_ok); /* stream offsets go on from 100 */
    seg(t, S, 5051, 1201, ACK, pay, 50, 46 * SEC);
    CU_ASSERT_EQUAL(F.len[1][1], 100);
    tcp_free(t);
}

/* Every event's place (base/place.h): its packet's frame; connections
 * closed as idle before the packet's own events, least recently used
 * first, at the frame of their last packet; at the end, in id order. */
static void places_follow_the_rule(void)
{
    struct tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.idle_timeout_s = 10;
    struct tcp_stage *t = stage(&cfg);
    seg(t, C, 1000, 0, SYN, NULL, 0, 0);          /* frame 1: id 1 */
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1); /* 2 */
    cport = 50001;                                /* id 2 */
    seg(t, C, 7000, 0, SYN, NULL, 0, 2 * SEC);    /* 3 */
    cport = 50000;
    seg(t, C, 1001, 5001, ACK, pay, 100, 3 * SEC); /* 4: id 1's last */
    cport = 50001;
    seg(t, S, 9000, 7001, SYN | ACK, NULL, 0, 4 * SEC); /* 5: id 2's last */
    cport = 50002;                                      /* id 3, 30 s later */
    seg(t, C, 1, 0, SYN, NULL, 0, 30 * SEC);            /* 6 */
    cport = 50000;
    tcp_finish(t, 31 * SEC);
    static const struct placed want[] = {
        {TCP_EV_OPEN, 1, {1, 1}},          {TCP_EV_OPEN, 2, {3, 3}},  {TCP_EV_DATA, 1, {4, 4}},
        {TCP_EV_CLOSE, 1, {6, 4}},         {TCP_EV_CLOSE, 2, {6, 5}}, {TCP_EV_OPEN, 3, {6, 6}},
        {TCP_EV_CLOSE, 3, {PLACE_END, 3}},
    };
    CU_ASSERT_EQUAL_FATAL(F.nplaced, (int)(sizeof(want) / sizeof(want[0])));
    for (int i = 0; i < F.nplaced; i++) {
        CU_ASSERT_EQUAL(F.placed[i].kind, want[i].kind);
        CU_ASSERT_EQUAL(F.placed[i].id, want[i].id);
        CU_ASSERT_EQUAL(F.placed[i].at.frame, want[i].at.frame);
        CU_ASSERT_EQUAL(F.placed[i].at.sub, want[i].at.sub);
        if (i)
            CU_ASSERT(!place_less(F.placed[i].at, F.placed[i - 1].at));
    }
    tcp_free(t);
}

/* A SYN-ACK that answers a SYN sent long before (timestamps jump in
 * captures): the connection resumes, it does not split. */
static void syn_ack_after_a_long_silence(void)
{
    struct tcp_stage *t = stage(NULL);
    seg(t, C, 1000, 0, SYN, NULL, 0, 0);
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1500000000 * SEC);
    seg(t, C, 1001, 5001, ACK, pay, 100, 1);
    seg(t, S, 5001, 1101, ACK, pay, 100, 2);
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(F.closes, 0);
    CU_ASSERT_EQUAL(F.resumed_events[1], 1);
    CU_ASSERT_EQUAL(F.len[1][0], 100);
    CU_ASSERT_EQUAL(F.len[1][1], 100);
    tcp_free(t);
}

static const char hello[] = "\x16\x03\x01\x00\x20 a ClientHello on the SYN ......";
static const char after[] = "and the bytes after it";

static void fast_open(void)
{
    size_t n = sizeof(hello) - 1, m = sizeof(after) - 1;

    /* RFC 7413: data on the SYN, acknowledged by the SYN-ACK. */
    struct tcp_stage *t = stage(NULL);
    seg(t, C, 1000, 0, SYN, hello, n, 0);
    seg(t, S, 5000, 1001 + (uint32_t)n, SYN | ACK, NULL, 0, 1);
    seg(t, C, 1001 + (uint32_t)n, 5001, ACK, after, m, 2);
    seg(t, S, 5001, 1001 + (uint32_t)(n + m), ACK, pay, 100, 3);
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(F.len[1][0], n + m);
    CU_ASSERT(memcmp(F.data[1][0], hello, n) == 0);
    CU_ASSERT(memcmp(F.data[1][0] + n, after, m) == 0);
    tcp_free(t);

    /* No answer; the client tries again with a new ISN and the same data
     * on its SYN: one connection, the data once. */
    t = stage(NULL);
    seg(t, C, 1000, 0, SYN, hello, n, 0);
    seg(t, C, 90000, 0, SYN, hello, n, 1 * SEC);
    seg(t, S, 5000, 90001 + (uint32_t)n, SYN | ACK, NULL, 0, 1 * SEC + 1);
    seg(t, C, 90001 + (uint32_t)n, 5001, ACK, after, m, 1 * SEC + 2);
    seg(t, S, 5001, 90001 + (uint32_t)(n + m), ACK, pay, 100, 1 * SEC + 3);
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(F.len[1][0], n + m);
    CU_ASSERT(memcmp(F.data[1][0], hello, n) == 0);
    CU_ASSERT(memcmp(F.data[1][0] + n, after, m) == 0);
    CU_ASSERT_EQUAL(F.len[1][1], 100);
    tcp_free(t);

    /* ... with a SYN without data: the data sent again after the handshake
     * is a retransmission. */
    t = stage(NULL);
    seg(t, C, 1000, 0, SYN, hello, n, 0);
    seg(t, C, 90000, 0, SYN, NULL, 0, 1 * SEC);
    seg(t, S, 5000, 90001, SYN | ACK, NULL, 0, 1 * SEC + 1);
    seg(t, C, 90001, 5001, ACK, hello, n, 1 * SEC + 2);
    seg(t, C, 90001 + (uint32_t)n, 5001, ACK, after, m, 1 * SEC + 3);
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(F.len[1][0], n + m);
    CU_ASSERT(memcmp(F.data[1][0] + n, after, m) == 0);
    tcp_free(t);

    /* A second SYN-ACK with a new ISN before the server sent a byte: the
     * server's stream is numbered from it. */
    t = stage(NULL);
    seg(t, C, 1000, 0, SYN, hello, n, 0);
    seg(t, S, 5000, 1001, SYN | ACK, NULL, 0, 1);
    seg(t, S, 70000, 1001 + (uint32_t)n, SYN | ACK, NULL, 0, 2);
    seg(t, S, 70001, 1001 + (uint32_t)n, ACK, pay, 100, 3);
    CU_ASSERT_EQUAL(F.opens, 1);
    CU_ASSERT_EQUAL(F.len[1][1], 100);
    tcp_free(t);

    /* Once the server has answered, a new ISN is a new connection. */
    t = stage(NULL);
    seg(t, C, 1000, 0, SYN, hello, n, 0);
    seg(t, S, 5000, 1001 + (uint32_t)n, SYN | ACK, NULL, 0, 1);
    seg(t, C, 90000, 0, SYN, NULL, 0, 2);
    CU_ASSERT_EQUAL(F.opens, 2);
    tcp_free(t);
}

/* --shard: the shard of a connection is the same from either side, is
 * pinned (processes on other machines must agree), and covers 0..n-1. */
static void shard_of_is_symmetric_and_pinned(void)
{
    struct tcp_endpoint a = {.family = 4, .addr = {10, 0, 0, 1}, .port = 50000};
    struct tcp_endpoint b = {.family = 4, .addr = {10, 0, 0, 2}, .port = 443};
    unsigned seen = 0;
    CU_ASSERT_EQUAL(tcp_shard_of(&a, &b, 7), tcp_shard_of(&b, &a, 7));
    CU_ASSERT_EQUAL(tcp_shard_of(&a, &b, 1), 0);
    /* the value this hash gave when --shard was made: changing the hash
     * would split a capture differently on hosts running other versions */
    CU_ASSERT_EQUAL(tcp_shard_of(&a, &b, 1000), PINNED_SHARD);
    for (a.port = 1; a.port <= 64; a.port++) {
        unsigned k = tcp_shard_of(&a, &b, 4);
        CU_ASSERT(k < 4);
        CU_ASSERT_EQUAL(k, tcp_shard_of(&b, &a, 4));
        seen |= 1u << k;
    }
    CU_ASSERT_EQUAL(seen, 0xf);
}

/* The stage keeps only its shard's connections, both directions, and
 * counts the other shards' segments; the N stages together see each once. */
static void shard_keeps_its_connections(void)
{
    struct tcp_config cfg;
    int opens = 0, kept[4] = {0};
    tcp_config_defaults(&cfg);
    cfg.shard_n = 3;
    for (cfg.shard_k = 0; cfg.shard_k < 3; cfg.shard_k++) {
        struct tcp_stage *t = stage(&cfg);
        for (cport = 40000; cport < 40012; cport++)
            whole(t, 1000, 5000, cport * SEC);
        struct tcp_stats st;
        tcp_get_stats(t, &st);
        CU_ASSERT_EQUAL(st.other_shard, (uint64_t)(12 - F.opens) * 7);
        CU_ASSERT_EQUAL(F.closes, F.opens); /* both directions seen: closed by FINs */
        for (cport = 40000; cport < 40012; cport++) {
            struct tcp_endpoint c = {.family = 4, .addr = {10, 0, 0, 1}, .port = cport};
            struct tcp_endpoint sv = {.family = 4, .addr = {10, 0, 0, 2}, .port = SPORT};
            kept[cfg.shard_k] += tcp_shard_of(&c, &sv, 3) == cfg.shard_k;
        }
        CU_ASSERT_EQUAL(F.opens, kept[cfg.shard_k]);
        opens += F.opens;
        tcp_free(t);
    }
    CU_ASSERT_EQUAL(opens, 12);
    cport = 50000;
}

void suite_flow(void)
{
    static const CU_TestInfo tests[] = {
        {"after FIN: late copies counted, far data is another connection", late_after_fin},
        {"after FIN: a new SYN is a new connection", new_syn_after_fin},
        {"after RST: data in flight and ACKs counted", late_after_rst},
        {"closed table: bounded by count and by age", closed_table_bounded_and_aged},
        {"idle longer than -t, not forgotten: resumed in place; -t 0", resumed_in_place},
        {"places: the packet's frame; idle closes first, by last frame; the end by id",
         places_follow_the_rule},
        {"forgotten, then resumed under the same id", forgotten_then_resumed},
        {"SYN-ACK after a long silence", syn_ack_after_a_long_silence},
        {"TCP Fast Open: data on the SYN, SYN retried with a new ISN", fast_open},
        {"--shard: symmetric, pinned, every shard used", shard_of_is_symmetric_and_pinned},
        {"--shard: a stage keeps its shard's connections, N stages all",
         shard_keeps_its_connections},
        CU_TEST_INFO_NULL,
    };
    add_suite("flow", tests);
}
