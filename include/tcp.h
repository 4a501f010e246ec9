/*
 * tcp.h: stage 2, from IP datagrams to the two byte streams of each TCP
 * connection.
 *
 * tcp_input() takes datagrams from the capture stage; the stage keeps a
 * flow table and a reassembler per direction, and reports what happens
 * through one callback, in order: a connection opens, bytes arrive in
 * stream order, a hole is given up as a gap, a side finishes or resets, the
 * connection closes.  Data is passed without copying whenever it arrives in
 * order; only segments that arrive early are copied, into buffers that are
 * capped per connection and in total.
 */
#ifndef TLSDUMP_TCP_H
#define TLSDUMP_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "base/dir.h"
#include "base/place.h"
#include "capture.h"

/* A TCP header as the stage decoded it, which a TCP_EV_SEGMENT event
 * shows.  Its flags as on the wire: */
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

/* What IP fragment reassembly did, in tcp_stats. */
struct tcp_ipfrag_stats {
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

struct tcp_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
};

/* What the stage shows of a connection; valid from TCP_EV_OPEN until the
 * TCP_EV_CLOSE callback returns. */
struct tcp_conn {
    uint64_t id; /* 1, 2, ... in order of first packet */
    struct tcp_endpoint client, server;
    int64_t first_ts_us;
    uint64_t last_frame;      /* capture frame number of its latest packet */
    int midstream;            /* its start (the SYN) was not seen, or it is
                               * reopened after some of its bytes */
    int reopened;             /* it was forgotten (idle timeout, full table)
                               * and resumed: the same id goes on, the
                               * stream offsets continue */
    unsigned resumes;         /* silences longer than the idle timeout
                               * that it resumed after */
    int64_t resumed_after_us; /* the last such silence */
    uint64_t bytes[2];        /* stream bytes delivered per direction */
    uint64_t lost[2];         /* stream bytes given up as gaps */
    void *user;               /* owned by the consumer of the events */
};

enum tcp_event_kind {
    TCP_EV_OPEN,    /* a new connection */
    TCP_EV_SEGMENT, /* a segment as it arrived (only if cfg.segments) */
    TCP_EV_RESUMED, /* the connection goes on after a silence longer than
                     * the idle timeout (conn->resumed_after_us) */
    TCP_EV_DATA,    /* in-order stream bytes */
    TCP_EV_GAP,     /* bytes of the stream that will never be seen */
    TCP_EV_FIN,     /* this direction ended normally */
    TCP_EV_RST,     /* this direction sent a reset */
    TCP_EV_CLOSE,   /* the connection is gone; free conn->user now */
};

enum tcp_gap_reason {
    TCP_GAP_ACKED,    /* the receiver acknowledged bytes the capture lacks */
    TCP_GAP_SNAPLEN,  /* the frame was cut by the snap length */
    TCP_GAP_CAPACITY, /* the out-of-order buffer cap was reached */
    TCP_GAP_CLOSED,   /* the connection ended with the hole unfilled */
};

enum tcp_close_reason {
    TCP_CLOSE_FIN,     /* both sides finished */
    TCP_CLOSE_RST,     /* a reset */
    TCP_CLOSE_IDLE,    /* no packet for the idle timeout */
    TCP_CLOSE_EVICTED, /* the connection table was full */
    TCP_CLOSE_MEMORY,  /* the memory budget (base/budget.h) was spent: idle longest */
    TCP_CLOSE_END,     /* the input ended */
};

struct tcp_event {
    enum tcp_event_kind kind;
    struct tcp_conn *conn;
    enum dir dir;
    int64_t ts_us;                /* time of the packet that caused the event */
    uint64_t offset;              /* DATA/GAP: position in this direction's stream */
    const uint8_t *data;          /* DATA: valid only during the callback */
    size_t len;                   /* DATA: bytes; GAP: bytes missing */
    int reason;                   /* GAP: tcp_gap_reason; CLOSE: tcp_close_reason */
    const struct tcp_header *seg; /* SEGMENT */
    struct place place;           /* where it falls in the stage's order (base/place.h) */
};

typedef void (*tcp_event_fn)(void *arg, const struct tcp_event *ev);

struct tcp_config {
    unsigned idle_timeout_s; /* evict connections idle this long; 0: never */
    unsigned max_conns;      /* live connections at most */
    /* Connections that ended are remembered (as TCP's TIME-WAIT does,
     * RFC 9293 section 3.6) so that their late packets open nothing:
     * closed_max at most, each for time_wait_s after its last packet, or
     * forgotten_s when it was forgotten (idle, table full) and may
     * resume. */
    unsigned closed_max;
    unsigned time_wait_s;
    unsigned forgotten_s;
    size_t max_ooo_conn;  /* buffered out-of-order bytes per connection */
    size_t max_ooo_total; /* and in all */
    int segments;         /* emit TCP_EV_SEGMENT */
    /* --shard K/N: only the connections whose flow hash (symmetric, over
     * the addresses and ports, without the stage's secret seed so that
     * every process agrees) falls in shard shard_k (0 .. shard_n - 1).
     * shard_n 0 or 1: all of them.  With keep, the segments of shard s
     * (0 .. shard_n - 1) that keep(keep_arg, s) says (--threads: which
     * thread has which part of the process's shard). */
    unsigned shard_k, shard_n;
    int (*keep)(void *arg, unsigned shard);
    void *keep_arg;
    /* The id of each new connection; NULL: 1, 2, ... in order.  With
     * --threads the stages of each thread ask one shared numbering. */
    uint64_t (*next_id)(void *arg);
    void *next_id_arg;
    /* Role hint for connections whose SYN was not seen: returns 1 when the
     * bytes look like the start of a client's first message.  May be NULL. */
    int (*is_client_start)(const uint8_t *p, size_t n);
};

void tcp_config_defaults(struct tcp_config *cfg);

struct tcp_stats {
    uint64_t datagrams;
    uint64_t truncated; /* IP or TCP header cut short */
    uint64_t malformed; /* impossible header fields */
    uint64_t not_tcp;
    uint64_t other_shard; /* TCP segments left to the other shards */
    uint64_t snapped;     /* TCP payload cut by the snap length */
    uint64_t connections; /* opened in all */
    uint64_t live;        /* open now */
    uint64_t live_peak;
    uint64_t evicted;        /* for the connection cap */
    uint64_t evicted_memory; /* for the memory budget */
    uint64_t late;           /* packets of connections that had ended */
    uint64_t resumed;        /* connections resumed after the idle timeout */
    uint64_t closed_peak;    /* most ended connections remembered at once */
    uint64_t ooo_peak;       /* most buffered out-of-order bytes at once */
    uint64_t cap_gaps;       /* gaps forced by buffer caps */
    struct tcp_ipfrag_stats frag;
};

struct tcp_stage;

struct tcp_stage *tcp_new(const struct tcp_config *cfg, tcp_event_fn fn, void *arg);
/* Closes every open connection (TCP_CLOSE_END events) and frees the stage. */
void tcp_free(struct tcp_stage *t);

/* Feeds one datagram from the capture stage. */
void tcp_input(struct tcp_stage *t, const struct cap_packet *pkt);

/* tcp_input, returning the shard (0 .. n - 1) of n the packet's segment
 * is in; -1 when the packet alone does not say (an IP fragment: every
 * shard's stage must put it together) or it is no segment (not TCP,
 * malformed).  With several stages (--threads), a packet known to be
 * another shard's is given to tcp_pass instead, which counts it as
 * tcp_input would and lets time pass, without decoding it again. */
int tcp_input_shard(struct tcp_stage *t, const struct cap_packet *pkt, unsigned n);
void tcp_pass(struct tcp_stage *t, const struct cap_packet *pkt);

/* Closes every open connection, as at the end of the input. */
void tcp_finish(struct tcp_stage *t, int64_t now_us);

void tcp_get_stats(const struct tcp_stage *t, struct tcp_stats *st);
/* Adds the connection counters of one shard's stage to sum; the packet
 * counters (datagrams, truncated, malformed, not_tcp, frag), the same in
 * every stage that saw every packet, are sum's own.  Peaks add up: a
 * bound on the peak of them all. */
void tcp_stats_add(struct tcp_stats *sum, const struct tcp_stats *part);

/* The shard (0 .. n - 1) of the connection between a and b, the same for
 * both directions and in every process; n >= 1. */
unsigned tcp_shard_of(const struct tcp_endpoint *a, const struct tcp_endpoint *b, unsigned n);

/* The endpoint's address as text ("192.0.2.1", "2001:db8::1"; "?" if it
 * cannot be written); returns buf. */
const char *tcp_addr_text(const struct tcp_endpoint *e, char *buf, size_t len);

#endif
