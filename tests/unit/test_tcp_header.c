/* TCP header and options. */
#include <stdlib.h>
#include <string.h>

#include "../../src/tcp/ip_int.h"
#include "unit.h"

/* SYN with MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const uint8_t syn[] = {
    0xa1, 0xb2, 0x11, 0x51, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xff, 0xd7, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void syn_options(void)
{
    struct tcp_header h;
    CU_ASSERT_EQUAL_FATAL(tcp_decode(syn, sizeof(syn), sizeof(syn), &h), IP_OK);
    CU_ASSERT_EQUAL(h.sport, 0xa1b2);
    CU_ASSERT_EQUAL(h.dport, 4433);
    CU_ASSERT_EQUAL(h.seq, 0x01020304);
    CU_ASSERT_EQUAL(h.flags, TCP_SYN);
    CU_ASSERT_EQUAL(h.window, 0xffd7);
    CU_ASSERT_EQUAL(h.opt.mss, 1460);
    CU_ASSERT(h.opt.sack_ok);
    CU_ASSERT(h.opt.has_ts);
    CU_ASSERT_EQUAL(h.opt.ts_val, 42);
    CU_ASSERT_EQUAL(h.opt.wscale, 7);
    CU_ASSERT_EQUAL(h.len, 0);
}

static void cut_everywhere(void)
{
    for (size_t cut = 0; cut < sizeof(syn); cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        struct tcp_header h;
        memcpy(b, syn, cut);
        CU_ASSERT_EQUAL(tcp_decode(b, cut, sizeof(syn), &h), IP_TRUNCATED);
        free(b);
    }
}

static void payload_and_garbage(void)
{
    uint8_t b[sizeof(syn) + 6];
    struct tcp_header h;
    memcpy(b, syn, sizeof(syn));
    memcpy(b + sizeof(syn), "hello!", 6);
    /* The IP layer says 3 payload bytes were sent: the rest is not data. */
    CU_ASSERT_EQUAL_FATAL(tcp_decode(b, sizeof(b), sizeof(syn) + 3, &h), IP_OK);
    CU_ASSERT_EQUAL(h.len, 3);
    CU_ASSERT_EQUAL(h.caplen, 3);
    /* Sent 6, captured 2 (a snap length). */
    CU_ASSERT_EQUAL_FATAL(tcp_decode(b, sizeof(syn) + 2, sizeof(b), &h), IP_OK);
    CU_ASSERT_EQUAL(h.len, 6);
    CU_ASSERT_EQUAL(h.caplen, 2);
}

static void bad_offsets(void)
{
    uint8_t b[sizeof(syn)];
    struct tcp_header h;
    memcpy(b, syn, sizeof(b));
    b[12] = 0x40; /* data offset 16 bytes */
    CU_ASSERT_EQUAL(tcp_decode(b, sizeof(b), sizeof(b), &h), IP_MALFORMED);
    b[12] = 0xf0; /* 60 bytes, more than the segment */
    CU_ASSERT_EQUAL(tcp_decode(b, sizeof(b), sizeof(b), &h), IP_MALFORMED);
}

static void option_lengths(void)
{
    struct tcp_options o;
    static const uint8_t sack[] = {1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 1, 0, 0, 0, 2, 0};
    CU_ASSERT(tcp_options_decode(sack, sizeof(sack), &o));
    CU_ASSERT_EQUAL(o.nsack, 2);
    CU_ASSERT_EQUAL(o.sack[0][0], 1);
    CU_ASSERT_EQUAL(o.sack[1][1], 0x200);
    static const uint8_t runs_past[] = {2, 4, 5};
    CU_ASSERT_FALSE(tcp_options_decode(runs_past, sizeof(runs_past), &o));
    static const uint8_t zero_len[] = {8, 0, 1, 1};
    CU_ASSERT_FALSE(tcp_options_decode(zero_len, sizeof(zero_len), &o));
    static const uint8_t bad_mss[] = {2, 3, 5};
    CU_ASSERT_FALSE(tcp_options_decode(bad_mss, sizeof(bad_mss), &o));
    static const uint8_t eol[] = {0, 99, 99};
    CU_ASSERT(tcp_options_decode(eol, sizeof(eol), &o));
    static const uint8_t unknown[] = {30, 4, 1, 2, 2, 4, 1, 0};
    CU_ASSERT(tcp_options_decode(unknown, sizeof(unknown), &o));
    CU_ASSERT_EQUAL(o.mss, 256);
    for (size_t cut = 0; cut < sizeof(sack); cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        memcpy(b, sack, cut);
        (void)tcp_options_decode(b, cut, &o); /* must not read past cut */
        CU_ASSERT(o.nsack <= 4);
        free(b);
    }
}

void suite_tcp_header(void)
{
    static const CU_TestInfo tests[] = {
        {"SYN with options", syn_options},
        {"cut at every offset", cut_everywhere},
        {"payload bounded by IP length and capture", payload_and_garbage},
        {"impossible data offsets", bad_offsets},
        {"option lengths", option_lengths},
        CU_TEST_INFO_NULL,
    };
    add_suite("tcp header", tests);
}
