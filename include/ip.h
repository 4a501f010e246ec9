/*
 * ip.h: IPv4, IPv6 and TCP header decoders of the tcp stage.
 *
 * Each decoder reads one header through a cursor, checks every length
 * against what was captured, and fills a struct that borrows the packet's
 * bytes.  They allocate nothing and keep no state; fragment reassembly is
 * the one stateful part (ipfrag_*).
 */
#ifndef TLSDUMP_IP_H
#define TLSDUMP_IP_H

#include <stddef.h>
#include <stdint.h>

enum ip_result {
    IP_OK = 0,
    IP_TRUNCATED, /* the header itself was not captured whole */
    IP_MALFORMED, /* a field is impossible (version, lengths) */
    IP_FRAGMENT,  /* a fragment: hand it to ipfrag_add() */
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
enum ip_result ip_decode(const uint8_t *p, size_t caplen, struct ip_datagram *out);

/* TCP flags as on the wire. */
enum {
    TCP_FIN = 0x01,
    TCP_SYN = 0x02,
    TCP_RST = 0x04,
    TCP_PSH = 0x08,
    TCP_ACK = 0x10,
    TCP_URG = 0x20,
    TCP_ECE = 0x40,
    TCP_CWR = 0x80,
};

struct tcp_options {
    uint16_t mss;   /* 0: absent */
    int16_t wscale; /* -1: absent */
    uint8_t sack_ok;
    uint8_t nsack; /* SACK blocks (up to 4 kept) */
    uint32_t sack[4][2];
    uint8_t has_ts;
    uint32_t ts_val, ts_ecr;
};

struct tcp_header {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    struct tcp_options opt;
    const uint8_t *payload;
    size_t caplen; /* payload bytes captured */
    size_t len;    /* payload bytes sent */
};

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
struct ipfrag;

struct ipfrag *ipfrag_new(unsigned max_pending, int64_t timeout_us);
void ipfrag_free(struct ipfrag *f);

/* Adds a fragment (from ip_decode's IP_FRAGMENT).  Returns 1 and sets *out
 * to the whole datagram when this fragment completes it; out->payload is
 * valid until the next ipfrag_add() call.  Returns 0 otherwise. */
int ipfrag_add(struct ipfrag *f, const struct ip_datagram *frag, int64_t now_us,
               struct ip_datagram *out);

struct ipfrag_stats {
    uint64_t fragments;
    uint64_t reassembled;
    uint64_t expired; /* datagrams incomplete, timed out */
    uint64_t evicted; /* datagrams incomplete, dropped for a new one
                       * because max_pending were in progress */
    uint64_t pending; /* datagrams incomplete now */
    uint64_t bad;     /* fragments with inconsistent offsets or lengths */
    uint64_t dropped; /* fragments not (yet) part of a whole datagram:
                       * those of the datagrams above, the bad ones, and
                       * those memory was lacking for */
};

void ipfrag_get_stats(const struct ipfrag *f, struct ipfrag_stats *st);

#endif
