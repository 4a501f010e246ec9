/* IPv4 and IPv6 headers: fields, options, extension headers, truncation. */
#include <stdlib.h>
#include <string.h>

#include "../../src/tcp/ip_int.h"
#include "unit.h"

/* IPv4 with a 4-byte Router Alert option (IHL 6), TCP, 4 payload bytes. */
static const uint8_t v4opts[] = {
    0x46, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    192,  0,    2,    1,    198,  51,   100,  7,    0x94, 0x04, 0x00, 0x00, /* router alert */
    0xde, 0xad, 0xbe, 0xef,
};

static void ipv4_with_options(void)
{
    struct ip_datagram d;
    CU_ASSERT_EQUAL_FATAL(tcp_ip_decode(v4opts, sizeof(v4opts), &d), IP_OK);
    CU_ASSERT_EQUAL(d.family, 4);
    CU_ASSERT_EQUAL(d.proto, 6);
    CU_ASSERT(memcmp(d.src, (uint8_t[]){192, 0, 2, 1}, 4) == 0);
    CU_ASSERT(memcmp(d.dst, (uint8_t[]){198, 51, 100, 7}, 4) == 0);
    CU_ASSERT_EQUAL(d.wirelen, 4);
    CU_ASSERT_EQUAL(d.caplen, 4);
    CU_ASSERT_PTR_EQUAL(d.payload, v4opts + 24);
}

/* Every cut of a datagram decodes as truncated, or as a datagram whose
 * captured payload is shorter than its length says, never more. */
static void each_cut(const uint8_t *pkt, size_t n, size_t hdr)
{
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        struct ip_datagram d;
        memcpy(b, pkt, cut);
        enum ip_result r = tcp_ip_decode(b, cut, &d);
        if (cut < hdr)
            CU_ASSERT_EQUAL(r, IP_TRUNCATED);
        if (r == IP_OK)
            CU_ASSERT(d.caplen == cut - hdr && d.caplen < d.wirelen);
        free(b);
    }
}

static void ipv4_truncated_everywhere(void)
{
    each_cut(v4opts, sizeof(v4opts), 24);
}

static void ipv4_padding_dropped(void)
{
    uint8_t b[sizeof(v4opts) + 10];
    struct ip_datagram d;
    memcpy(b, v4opts, sizeof(v4opts));
    memset(b + sizeof(v4opts), 0xee, 10); /* Ethernet padding or garbage */
    CU_ASSERT_EQUAL_FATAL(tcp_ip_decode(b, sizeof(b), &d), IP_OK);
    CU_ASSERT_EQUAL(d.caplen, 4);
    CU_ASSERT_EQUAL(d.wirelen, 4);
}

static void ipv4_bad_fields(void)
{
    uint8_t b[sizeof(v4opts)];
    struct ip_datagram d;
    memcpy(b, v4opts, sizeof(b));
    b[0] = 0x44; /* IHL 16 bytes */
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_MALFORMED);
    memcpy(b, v4opts, sizeof(b));
    b[3] = 10; /* total length shorter than the header */
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_MALFORMED);
    memcpy(b, v4opts, sizeof(b));
    b[0] = 0x55;
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_MALFORMED);
    memcpy(b, v4opts, sizeof(b));
    b[9] = 17;
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_NOT_TCP);
    memcpy(b, v4opts, sizeof(b));
    b[6] = 0x20; /* more fragments */
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_FRAGMENT);
    CU_ASSERT_EQUAL(d.frag_id, 0x1234);
    CU_ASSERT(d.frag_more);
}

/* IPv6, Hop-by-Hop (8 bytes), Destination Options (8 bytes), TCP, 3 bytes. */
static const uint8_t v6ext[] = {
    0x60, 0,   0,   0, 0x00, 19, 0,  64,   0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
    0,    0,   0,   0, 0,    0,  1,  0x20, 0x01, 0x0d, 0xb8, 0,    0, 0, 0, 0, 0,
    0,    0,   0,   0, 0,    2,  60, 0,    1,    4,    0,    0,    0, 0, /* hop-by-hop: next
                                                                            dst-opts, PadN */
    6,    0,   1,   4, 0,    0,  0,  0,                                  /* dst-opts: next TCP */
    'a',  'b', 'c',
};

static void ipv6_extension_headers(void)
{
    struct ip_datagram d;
    CU_ASSERT_EQUAL_FATAL(tcp_ip_decode(v6ext, sizeof(v6ext), &d), IP_OK);
    CU_ASSERT_EQUAL(d.family, 6);
    CU_ASSERT_EQUAL(d.proto, 6);
    CU_ASSERT_EQUAL(d.src[15], 1);
    CU_ASSERT_EQUAL(d.dst[15], 2);
    CU_ASSERT_EQUAL(d.wirelen, 3);
    CU_ASSERT_EQUAL(d.caplen, 3);
    CU_ASSERT(memcmp(d.payload, "abc", 3) == 0);
}

static void ipv6_truncated_everywhere(void)
{
    each_cut(v6ext, sizeof(v6ext), sizeof(v6ext) - 3);
}

static void ipv6_bad_extension(void)
{
    uint8_t b[sizeof(v6ext)];
    struct ip_datagram d;
    memcpy(b, v6ext, sizeof(b));
    b[41] = 9; /* hop-by-hop claims 80 bytes, payload is 19 */
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_MALFORMED);
    memcpy(b, v6ext, sizeof(b));
    b[48] = 17; /* UDP after the options */
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_NOT_TCP);
    memcpy(b, v6ext, sizeof(b));
    b[6] = 44;            /* a fragment header where the hop-by-hop was */
    b[42] = 0, b[43] = 9; /* offset 8, more fragments */
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_FRAGMENT);
    CU_ASSERT_EQUAL(d.frag_offset, 8);
    CU_ASSERT(d.frag_more);
}

static void ipv6_header_loop_is_bounded(void)
{
    /* 20 destination-options headers chained: more than the walk allows. */
    uint8_t b[40 + 20 * 8];
    struct ip_datagram d;
    memset(b, 0, sizeof(b));
    b[0] = 0x60;
    b[4] = 0, b[5] = 160;
    b[6] = 60;
    for (int i = 0; i < 20; i++)
        b[40 + 8 * i] = 60;
    CU_ASSERT_EQUAL(tcp_ip_decode(b, sizeof(b), &d), IP_MALFORMED);
}

void suite_ip(void)
{
    static const CU_TestInfo tests[] = {
        {"IPv4 with options", ipv4_with_options},
        {"IPv4 cut at every offset", ipv4_truncated_everywhere},
        {"IPv4 trailing bytes are not payload", ipv4_padding_dropped},
        {"IPv4 impossible fields", ipv4_bad_fields},
        {"IPv6 extension headers", ipv6_extension_headers},
        {"IPv6 cut at every offset", ipv6_truncated_everywhere},
        {"IPv6 bad extension headers", ipv6_bad_extension},
        {"IPv6 extension walk is bounded", ipv6_header_loop_is_bounded},
        CU_TEST_INFO_NULL,
    };
    add_suite("ip", tests);
}
