/*
 * ip_int.h: the tcp stage's IPv4, IPv6 and TCP header decoders and its
 * fragment reassembly, which nobody outside the stage calls (the unit
 * tests include this header by its path).
 *
 * Each decoder reads one header through a cursor, checks every length
 * against what was captured, and fills a struct that borrows the packet's
 * bytes.  They allocate nothing and keep no state; fragment reassembly is
 * the one stateful part (tcp_ipfrag_*).
 */
#ifndef TLSDUMP_IP_INT_H
#define TLSDUMP_IP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tcp.h"

enum ip_result {
    IP_OK = 0,
    IP_TRUNCATED, /* the header itself was not captured whole */
    IP_MALFORMED, /* a field is impossible (version, lengths) */
    IP_FRAGMENT,  /* a fragment: hand it to tcp_ipfrag_add() */
    IP_NOT_TCP,   /* a good datagram that does not carry TCP */
};

struct ip_datagram {
    uint8_t family;           /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 uses the first 4 bytes */
    uint8_t proto;            /* upper-layer protocol after extension headers */
    const uint8_t *payload;   /* upper-layer bytes */
    size_t caplen;            /* of them captured */
    size_t wirelen;           /* of them sent, per the IP length fields */
    /* Set when IP_FRAGMENT: */
    uint32_t frag_id;
    uint32_t frag_offset; /* in bytes */
    int frag_more;
};

/* Decodes an IPv4 or IPv6 header.  caplen is what was captured of the
 * datagram, wirelen what was on the wire after the link header (it may
 * include link-layer padding, which the IP length fields cut off). */
enum ip_result tcp_ip_decode(const uint8_t *p, size_t caplen, struct ip_datagram *out);

/* Decodes a TCP header from the IP payload (caplen captured of wirelen). */
enum ip_result tcp_decode(const uint8_t *p, size_t caplen, size_t wirelen, struct tcp_header *out);

/* Decodes TCP options (the bytes between the fixed header and the data).
 * Returns 0 when an option's length runs past the end; what was read
 * before stays in *out. */
int tcp_options_decode(const uint8_t *p, size_t n, struct tcp_options *out);

/*
 * Fragment reassembly, bounded: at most max_pending datagrams at once (when
 * full, the one that started first is dropped for a new one), each dropped
 * when incomplete after timeout_us.  Overlaps keep the first copy.
 */
struct tcp_ipfrag;

struct tcp_ipfrag *tcp_ipfrag_new(unsigned max_pending, int64_t timeout_us);
void tcp_ipfrag_free(struct tcp_ipfrag *f);

/* Adds a fragment (from tcp_ip_decode's IP_FRAGMENT).  Returns 1 and sets *out
 * to the whole datagram when this fragment completes it; out->payload is
 * valid until the next tcp_ipfrag_add() call.  Returns 0 otherwise. */
int tcp_ipfrag_add(struct tcp_ipfrag *f, const struct ip_datagram *frag, int64_t now_us,
                   struct ip_datagram *out);

void tcp_ipfrag_get_stats(const struct tcp_ipfrag *f, struct tcp_ipfrag_stats *st);

#endif
