/*
 * IPv4 (RFC 791), IPv6 (RFC 8200) and TCP (RFC 9293) header decoders.
 */
#include <string.h>

#include "base/cursor.h"
#include "ip_int.h"

#define PROTO_HOPOPTS 0
#define PROTO_TCP 6
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_DSTOPTS 60
#define PROTO_MOBILITY 135

/* Bounds the extension header walk; RFC 8200 expects few. */
#define MAX_EXT_HEADERS 16

static enum ip_result ipv4(struct cursor *c, struct ip_datagram *d)
{
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag, csum;
    const uint8_t *src, *dst;

    if (!cur_u8(c, &vihl) || !cur_u8(c, &tos) || !cur_u16(c, &total) || !cur_u16(c, &id) ||
        !cur_u16(c, &frag) || !cur_u8(c, &ttl) || !cur_u8(c, &proto) || !cur_u16(c, &csum) ||
        !cur_bytes(c, 4, &src) || !cur_bytes(c, 4, &dst))
        return IP_TRUNCATED;
    size_t ihl = (size_t)(vihl & 0x0f) * 4;
    if (ihl < 20 || total < ihl)
        return IP_MALFORMED;
    if (!cur_skip(c, ihl - 20)) /* options */
        return IP_TRUNCATED;

    d->family = 4;
    memset(d->src, 0, sizeof(d->src));
    memset(d->dst, 0, sizeof(d->dst));
    memcpy(d->src, src, 4);
    memcpy(d->dst, dst, 4);
    d->proto = proto;
    d->wirelen = total - ihl;
    /* Link-layer padding beyond the IP length is not part of the datagram;
     * a datagram cut by the snap length has less than it claims. */
    cur_truncate(c, d->wirelen);
    d->payload = cur_ptr(c);
    d->caplen = cur_left(c);

    d->frag_id = id;
    d->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
    d->frag_more = (frag & 0x2000) != 0;
    if (d->frag_offset || d->frag_more)
        return IP_FRAGMENT;
    return proto == PROTO_TCP ? IP_OK : IP_NOT_TCP;
}

/* Walks IPv6 extension headers up to the upper-layer protocol. */
static enum ip_result ipv6_ext(struct cursor *c, uint8_t next, struct ip_datagram *d,
                               size_t *wirelen)
{
    for (int i = 0; i < MAX_EXT_HEADERS; i++) {
        uint8_t nh, len8;
        size_t hlen;

        switch (next) {
        case PROTO_HOPOPTS:
        case PROTO_ROUTING:
        case PROTO_DSTOPTS:
        case PROTO_MOBILITY:
            if (!cur_u8(c, &nh) || !cur_u8(c, &len8))
                return IP_TRUNCATED;
            hlen = ((size_t)len8 + 1) * 8;
            break;
        case PROTO_AH: /* RFC 4302: length in 4-byte units, minus 2 */
            if (!cur_u8(c, &nh) || !cur_u8(c, &len8))
                return IP_TRUNCATED;
            hlen = ((size_t)len8 + 2) * 4;
            break;
        case PROTO_FRAGMENT: {
            uint8_t resv;
            uint16_t off;
            uint32_t id;
            if (!cur_u8(c, &nh) || !cur_u8(c, &resv) || !cur_u16(c, &off) || !cur_u32(c, &id))
                return IP_TRUNCATED;
            if (*wirelen < 8)
                return IP_MALFORMED;
            *wirelen -= 8;
            d->frag_id = id;
            d->frag_offset = off & 0xfff8;
            d->frag_more = off & 1;
            next = nh;
            if (d->frag_offset || d->frag_more) {
                d->proto = next;
                return IP_FRAGMENT;
            }
            continue; /* an atomic fragment (RFC 6946) */
        }
        default:
            d->proto = next;
            return next == PROTO_TCP ? IP_OK : IP_NOT_TCP;
        }
        if (hlen > *wirelen)
            return IP_MALFORMED;
        if (!cur_skip(c, hlen - 2))
            return IP_TRUNCATED;
        *wirelen -= hlen;
        next = nh;
    }
    return IP_MALFORMED;
}

static enum ip_result ipv6(struct cursor *c, struct ip_datagram *d)
{
    uint32_t vtcfl;
    uint16_t plen;
    uint8_t next, hlim;
    const uint8_t *src, *dst;

    if (!cur_u32(c, &vtcfl) || !cur_u16(c, &plen) || !cur_u8(c, &next) || !cur_u8(c, &hlim) ||
        !cur_bytes(c, 16, &src) || !cur_bytes(c, 16, &dst))
        return IP_TRUNCATED;
    d->family = 6;
    memcpy(d->src, src, 16);
    memcpy(d->dst, dst, 16);
    /* A zero payload length means a jumbogram (RFC 2675), which TCP over
     * Ethernet never sees; we treat it as malformed. */
    if (plen == 0 && next != 59)
        return IP_MALFORMED;
    cur_truncate(c, plen);
    size_t wirelen = plen;
    d->frag_offset = 0;
    d->frag_more = 0;
    enum ip_result r = ipv6_ext(c, next, d, &wirelen);
    d->payload = cur_ptr(c);
    d->caplen = cur_left(c);
    d->wirelen = wirelen;
    if (d->caplen > d->wirelen)
        d->caplen = d->wirelen;
    return r;
}

enum ip_result tcp_ip_decode(const uint8_t *p, size_t caplen, struct ip_datagram *out)
{
    struct cursor c = cur_make(p, caplen);
    uint8_t v;

    if (!cur_peek_u8(&c, 0, &v))
        return IP_TRUNCATED;
    memset(out, 0, sizeof(*out));
    switch (v >> 4) {
    case 4:
        return ipv4(&c, out);
    case 6:
        return ipv6(&c, out);
    default:
        return IP_MALFORMED;
    }
}

static int sack_blocks(struct cursor *o, size_t len, struct tcp_options *out)
{
    if (len % 8)
        return 0;
    for (size_t i = 0; i < len / 8; i++) {
        uint32_t l, r;
        if (!cur_u32(o, &l) || !cur_u32(o, &r))
            return 0;
        if (out->nsack < 4) {
            out->sack[out->nsack][0] = l;
            out->sack[out->nsack][1] = r;
            out->nsack++;
        }
    }
    return 1;
}

/* One option of kind, whose body (len bytes) is in *o. */
static int tcp_option(uint8_t kind, struct cursor *o, size_t len, struct tcp_options *out)
{
    uint8_t b;
    switch (kind) {
    case 2: /* MSS */
        return len == 2 && cur_u16(o, &out->mss);
    case 3: /* window scale */
        if (len != 1 || !cur_u8(o, &b))
            return 0;
        out->wscale = b;
        return 1;
    case 4: /* SACK permitted */
        out->sack_ok = 1;
        return len == 0;
    case 5:
        return sack_blocks(o, len, out);
    case 8: /* timestamps */
        out->has_ts = 1;
        return len == 8 && cur_u32(o, &out->ts_val) && cur_u32(o, &out->ts_ecr);
    default:
        return 1;
    }
}

int tcp_options_decode(const uint8_t *p, size_t n, struct tcp_options *out)
{
    struct cursor c = cur_make(p, n);

    memset(out, 0, sizeof(*out));
    out->wscale = -1;
    while (!cur_at_end(&c)) {
        uint8_t kind, len;
        struct cursor body;

        if (!cur_u8(&c, &kind))
            return 0;
        if (kind == 0) /* end of option list */
            return 1;
        if (kind == 1) /* no-operation */
            continue;
        if (!cur_u8(&c, &len) || len < 2 || !cur_sub(&c, (size_t)len - 2, &body))
            return 0;
        if (!tcp_option(kind, &body, (size_t)len - 2, out))
            return 0;
    }
    return 1;
}

enum ip_result tcp_decode(const uint8_t *p, size_t caplen, size_t wirelen, struct tcp_header *out)
{
    struct cursor c = cur_make(p, caplen);
    uint8_t off, flags;
    uint16_t csum, urg;
    const uint8_t *opts;

    memset(out, 0, sizeof(*out));
    if (!cur_u16(&c, &out->sport) || !cur_u16(&c, &out->dport) || !cur_u32(&c, &out->seq) ||
        !cur_u32(&c, &out->ack) || !cur_u8(&c, &off) || !cur_u8(&c, &flags) ||
        !cur_u16(&c, &out->window) || !cur_u16(&c, &csum) || !cur_u16(&c, &urg))
        return IP_TRUNCATED;
    size_t hlen = (size_t)(off >> 4) * 4;
    if (hlen < 20 || hlen > wirelen)
        return IP_MALFORMED;
    if (!cur_bytes(&c, hlen - 20, &opts))
        return IP_TRUNCATED;
    out->flags = flags;
    /* A bad option list does not make the segment unusable; its data and
     * sequence numbers still stand. */
    (void)tcp_options_decode(opts, hlen - 20, &out->opt);
    out->payload = cur_ptr(&c);
    out->caplen = cur_left(&c);
    out->len = wirelen - hlen;
    if (out->caplen > out->len)
        out->caplen = out->len;
    return IP_OK;
}
