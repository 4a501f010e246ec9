/* Fragment reassembly: order, overlaps, limits. */
#include <string.h>

#include "../../src/tcp/ip_int.h"
#include "unit.h"

static uint8_t payload[1000];

static struct ip_datagram frag(uint32_t id, uint32_t off, size_t len, int more)
{
    struct ip_datagram d;
    memset(&d, 0, sizeof(d));
    d.family = 4;
    d.proto = 6;
    d.src[0] = 10, d.dst[0] = 11;
    d.frag_id = id;
    d.frag_offset = off;
    d.frag_more = more;
    d.payload = payload + off;
    d.caplen = d.wirelen = len;
    return d;
}

static void fill(void)
{
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 3);
}

static void in_order_and_reversed(void)
{
    struct tcp_ipfrag *f = tcp_ipfrag_new(4, 1000000);
    struct ip_datagram out, d;
    fill();
    d = frag(1, 0, 400, 1);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(1, 400, 400, 1);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(1, 800, 200, 0);
    CU_ASSERT_FATAL(tcp_ipfrag_add(f, &d, 0, &out));
    CU_ASSERT_EQUAL(out.wirelen, 1000);
    CU_ASSERT(memcmp(out.payload, payload, 1000) == 0);

    d = frag(2, 800, 200, 0);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(2, 400, 400, 1);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(2, 0, 400, 1);
    CU_ASSERT_FATAL(tcp_ipfrag_add(f, &d, 0, &out));
    CU_ASSERT(memcmp(out.payload, payload, 1000) == 0);
    tcp_ipfrag_free(f);
}

static void overlap_keeps_first(void)
{
    static uint8_t evil[1000];
    struct tcp_ipfrag *f = tcp_ipfrag_new(4, 1000000);
    struct ip_datagram out, d;
    fill();
    memset(evil, 0xee, sizeof(evil));
    d = frag(3, 0, 512, 1);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(3, 256, 512, 1); /* overlaps 256..511 with other bytes */
    d.payload = evil;
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(3, 768, 232, 0);
    CU_ASSERT_FATAL(tcp_ipfrag_add(f, &d, 0, &out));
    CU_ASSERT(memcmp(out.payload, payload, 512) == 0);
    CU_ASSERT_EQUAL(out.payload[600], 0xee);
    tcp_ipfrag_free(f);
}

static void limits(void)
{
    struct tcp_ipfrag *f = tcp_ipfrag_new(2, 1000);
    struct ip_datagram out, d;
    struct tcp_ipfrag_stats st;
    fill();
    d = frag(10, 0, 8, 1);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(11, 0, 8, 1);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(12, 0, 8, 1); /* a third at once: the first (10) gives way */
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 1, &out));
    tcp_ipfrag_get_stats(f, &st);
    CU_ASSERT_EQUAL(st.evicted, 1);
    CU_ASSERT_EQUAL(st.pending, 2);
    d = frag(13, 0, 8, 1); /* later than the timeout: 11 and 12 expire */
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 5000, &out));
    d = frag(10, 8, 8, 0);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 5000, &out)); /* its start is gone */
    tcp_ipfrag_get_stats(f, &st);
    CU_ASSERT_EQUAL(st.expired, 2);
    CU_ASSERT_EQUAL(st.pending, 2);
    CU_ASSERT_EQUAL(st.dropped, 5); /* 10, 11, 12 given up; 13, 10's end pending */
    tcp_ipfrag_free(f);

    f = tcp_ipfrag_new(4, 1000);
    d = frag(14, 8, 7, 1); /* not a multiple of 8 and not last */
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(15, 0, 16, 0);
    d.frag_offset = 65528; /* ends past 65535 */
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    d = frag(16, 0, 16, 0);
    d.caplen = 8; /* cut by the snap length: cannot be rebuilt */
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 0, &out));
    tcp_ipfrag_get_stats(f, &st);
    CU_ASSERT_EQUAL(st.bad, 3);
    tcp_ipfrag_free(f);
}

/* A flood of first fragments that never complete, then a real datagram:
 * the flood gives way, the real one is rebuilt. */
static void flood_gives_way(void)
{
    struct tcp_ipfrag *f = tcp_ipfrag_new(4, 30000000);
    struct ip_datagram out, d;
    struct tcp_ipfrag_stats st;
    fill();
    for (uint32_t id = 100; id < 1100; id++) {
        d = frag(id, 0, 8, 1);
        CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, id, &out));
    }
    d = frag(7, 504, 496, 0);
    CU_ASSERT_FALSE(tcp_ipfrag_add(f, &d, 2000, &out));
    d = frag(7, 0, 504, 1);
    CU_ASSERT_FATAL(tcp_ipfrag_add(f, &d, 2001, &out));
    CU_ASSERT_EQUAL(out.wirelen, 1000);
    CU_ASSERT(memcmp(out.payload, payload, 1000) == 0);
    tcp_ipfrag_get_stats(f, &st);
    CU_ASSERT_EQUAL(st.evicted, 997);
    CU_ASSERT_EQUAL(st.reassembled, 1);
    CU_ASSERT_EQUAL(st.pending, 3);
    CU_ASSERT_EQUAL(st.dropped, 1000);
    tcp_ipfrag_free(f);
}

void suite_ipfrag(void)
{
    static const CU_TestInfo tests[] = {
        {"in order and reversed", in_order_and_reversed},
        {"an overlap keeps the first copy", overlap_keeps_first},
        {"bounded in count, time and size", limits},
        {"a flood gives way to a real datagram", flood_gives_way},
        CU_TEST_INFO_NULL,
    };
    add_suite("ipfrag", tests);
}
