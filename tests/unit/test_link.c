/* Link layers: each header stripped, every truncation refused. */
#include <string.h>
#include <stdlib.h>

#include <pcap/dlt.h>

#include "../../src/capture/capture_int.h"
#include "unit.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* A minimal IPv4 header's first bytes, to follow each link header. */
static const uint8_t ip4[] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};

static size_t frame(uint8_t *buf, const uint8_t *hdr, size_t hlen)
{
    memcpy(buf, hdr, hlen);
    memcpy(buf + hlen, ip4, sizeof(ip4));
    return hlen + sizeof(ip4);
}

/* Decodes the frame whole, then cut at every length shorter than its
 * link header: never OK, never reading past the end (ASan checks). */
static void check(int dlt, const uint8_t *hdr, size_t hlen, uint16_t want_type)
{
    uint8_t buf[128];
    size_t n = frame(buf, hdr, hlen);
    struct cap_packet pkt;

    CU_ASSERT_EQUAL_FATAL(cap_link_decode(dlt, buf, n, n + 4, &pkt), LINK_OK);
    CU_ASSERT_EQUAL(pkt.ethertype, want_type);
    CU_ASSERT_PTR_EQUAL(pkt.l3, buf + hlen);
    CU_ASSERT_EQUAL(pkt.l3_caplen, sizeof(ip4));
    CU_ASSERT_EQUAL(pkt.l3_wirelen, sizeof(ip4) + 4);
    for (size_t cut = 0; cut < hlen; cut++) {
        uint8_t *exact = malloc(cut ? cut : 1);
        memcpy(exact, buf, cut);
        CU_ASSERT_NOT_EQUAL(cap_link_decode(dlt, exact, cut, cut, &pkt), LINK_OK);
        free(exact);
    }
}

static void ethernet(void)
{
    uint8_t h[14] = {0};
    h[12] = 0x08;
    check(DLT_EN10MB, h, sizeof(h), 0x0800);
}

static void vlan_and_qinq(void)
{
    uint8_t q[18] = {0};
    q[12] = 0x81, q[14] = 0x00, q[15] = 100, q[16] = 0x86, q[17] = 0xdd;
    check(DLT_EN10MB, q, sizeof(q), 0x86dd);
    uint8_t qq[22] = {0};
    qq[12] = 0x88, qq[13] = 0xa8, qq[15] = 200, qq[16] = 0x81, qq[19] = 100, qq[20] = 0x08;
    check(DLT_EN10MB, qq, sizeof(qq), 0x0800);
}

static void too_many_tags(void)
{
    uint8_t buf[200] = {0};
    struct cap_packet pkt;
    for (int i = 0; i < 40; i++)
        buf[12 + 4 * i] = 0x81;
    CU_ASSERT_EQUAL(cap_link_decode(DLT_EN10MB, buf, sizeof(buf), sizeof(buf), &pkt),
                    LINK_MALFORMED);
}

static void non_ip_is_other(void)
{
    uint8_t arp[60] = {0};
    struct cap_packet pkt;
    arp[12] = 0x08, arp[13] = 0x06;
    CU_ASSERT_EQUAL(cap_link_decode(DLT_EN10MB, arp, sizeof(arp), sizeof(arp), &pkt), LINK_OTHER);
    CU_ASSERT_EQUAL(cap_link_decode(147 /* DLT_USER0 */, arp, sizeof(arp), sizeof(arp), &pkt),
                    LINK_OTHER);
    CU_ASSERT_FALSE(cap_link_supported(147));
}

static void linux_cooked(void)
{
    uint8_t sll[16] = {0};
    sll[14] = 0x08;
    check(DLT_LINUX_SLL, sll, sizeof(sll), 0x0800);
    uint8_t sll2[20] = {0};
    sll2[0] = 0x86, sll2[1] = 0xdd;
    check(DLT_LINUX_SLL2, sll2, sizeof(sll2), 0x86dd);
}

static void raw_and_loopback(void)
{
    uint8_t none[1] = {0};
    check(DLT_RAW, none, 0, 0x0800);
    uint8_t null_le[4] = {2, 0, 0, 0};
    check(DLT_NULL, null_le, 4, 0x0800);
    uint8_t null_be[4] = {0, 0, 0, 2}; /* written on a big-endian host */
    check(DLT_NULL, null_be, 4, 0x0800);
    uint8_t loop6[4] = {0, 0, 0, 30};
    check(DLT_LOOP, loop6, 4, 0x86dd);
    uint8_t linux6[4] = {10, 0, 0, 0};
    check(DLT_NULL, linux6, 4, 0x86dd);
}

void suite_link(void)
{
    static const CU_TestInfo tests[] = {
        {"Ethernet", ethernet},
        {"802.1Q and 802.1ad tags", vlan_and_qinq},
        {"a tag flood is malformed", too_many_tags},
        {"non-IP frames and link types", non_ip_is_other},
        {"Linux cooked SLL and SLL2", linux_cooked},
        {"raw IP and BSD loopback", raw_and_loopback},
        CU_TEST_INFO_NULL,
    };
    add_suite("link", tests);
}
