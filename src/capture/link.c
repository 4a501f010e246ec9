/*
 * Link layers: the header in front of the IP datagram, per DLT_ value.
 * Each decoder leaves a cursor on the network-layer bytes and names their
 * ethertype.
 */
#include <pcap/dlt.h>

#include "capture_int.h"
#include "base/cursor.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100 /* IEEE 802.1Q */
#define ETHERTYPE_QINQ 0x88a8 /* IEEE 802.1ad */
#define ETHERTYPE_QINQ_OLD 0x9100

/* Bounds the tag walk: a frame cannot hold more tags than this anyway. */
#define MAX_VLAN_TAGS 8

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static enum link_result ethernet(struct cursor *c, uint16_t *type)
{
    if (!cur_skip(c, 12) || !cur_u16(c, type))
        return LINK_MALFORMED;
    for (int tags = 0;
         *type == ETHERTYPE_VLAN || *type == ETHERTYPE_QINQ || *type == ETHERTYPE_QINQ_OLD;
         tags++) {
        if (tags == MAX_VLAN_TAGS || !cur_skip(c, 2) || !cur_u16(c, type))
            return LINK_MALFORMED;
    }
    return LINK_OK;
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes,
 * protocol. */
static enum link_result linux_sll(struct cursor *c, uint16_t *type)
{
    if (!cur_skip(c, 14) || !cur_u16(c, type))
        return LINK_MALFORMED;
    return LINK_OK;
}

/* Linux cooked v2: protocol first, then 18 bytes we do not need. */
static enum link_result linux_sll2(struct cursor *c, uint16_t *type)
{
    if (!cur_u16(c, type) || !cur_skip(c, 18))
        return LINK_MALFORMED;
    return LINK_OK;
}

/* No link header: the IP version nibble says which. */
static enum link_result raw_ip(struct cursor *c, uint16_t *type)
{
    uint8_t b;
    if (!cur_peek_u8(c, 0, &b))
        return LINK_MALFORMED;
    if (b >> 4 == 4)
        *type = ETHERTYPE_IPV4;
    else if (b >> 4 == 6)
        *type = ETHERTYPE_IPV6;
    else
        return LINK_OTHER;
    return LINK_OK;
}

/* BSD loopback: a 4-byte address family, in the capturing host's byte
 * order for DLT_NULL and in network order for DLT_LOOP.  IPv6's AF_INET6
 * differs between the BSDs (24, 28, 30) and Linux (10). */
static enum link_result bsd_loopback(struct cursor *c, int network_order, uint16_t *type)
{
    uint32_t af;
    if (!(network_order ? cur_u32(c, &af) : cur_u32le(c, &af)))
        return LINK_MALFORMED;
    if (!network_order && af > 0xffff) /* written on a big-endian host */
        af = (af >> 24) | ((af >> 8) & 0xff00);
    if (af == 2)
        *type = ETHERTYPE_IPV4;
    else if (af == 10 || af == 24 || af == 28 || af == 30)
        *type = ETHERTYPE_IPV6;
    else
        return LINK_OTHER;
    return LINK_OK;
}

int cap_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
        return 1;
    default:
        return 0;
    }
}

enum link_result cap_link_decode(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
                                 struct cap_packet *pkt)
{
    struct cursor c = cur_make(frame, caplen);
    uint16_t type = 0;
    enum link_result r;

    switch (dlt) {
    case DLT_EN10MB:
        r = ethernet(&c, &type);
        break;
    case DLT_LINUX_SLL:
        r = linux_sll(&c, &type);
        break;
    case DLT_LINUX_SLL2:
        r = linux_sll2(&c, &type);
        break;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        r = raw_ip(&c, &type);
        break;
    case DLT_NULL:
        r = bsd_loopback(&c, 0, &type);
        break;
    case DLT_LOOP:
        r = bsd_loopback(&c, 1, &type);
        break;
    default:
        return LINK_OTHER;
    }
    if (r != LINK_OK)
        return r;
    if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
        return LINK_OTHER;

    size_t hdr = caplen - cur_left(&c);
    pkt->ethertype = type;
    pkt->l3 = cur_ptr(&c);
    pkt->l3_caplen = cur_left(&c);
    pkt->l3_wirelen = wirelen > hdr ? wirelen - hdr : 0;
    if (pkt->l3_wirelen < pkt->l3_caplen)
        pkt->l3_wirelen = pkt->l3_caplen;
    return LINK_OK;
}
