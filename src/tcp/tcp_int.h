/*
 * tcp_int.h: what the files of the tcp stage share and nobody else sees.
 */
#ifndef TLSDUMP_TCP_INT_H
#define TLSDUMP_TCP_INT_H

#include <string.h>

#include "ip_int.h"
#include "tcp.h"

/* Sequence-space comparisons, modulo 2^32 (RFC 9293 section 3.4). */
static inline int seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline int seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

/* A piece of stream that arrived ahead of the bytes before it.  A piece
 * with lost set stands for bytes known to be missing (cut by the snap
 * length) and has no data.  Pieces form a skip list (Pugh, 1990): next[0]
 * is the following piece, next[i] the following piece of height > i, so
 * finding a place among n pieces takes O(log n) steps whatever order the
 * segments come in.  The data follows next[height]. */
#define SKIP_LEVELS 12 /* p = 1/4: enough for 4^12 pieces */

struct seg {
    uint32_t seq;
    uint32_t len;
    uint8_t lost;
    uint8_t height;
    struct seg *next[];
};

/* The head of a direction's pieces; allocated only while it buffers. */
struct seg_list {
    struct seg *next[SKIP_LEVELS];
};

/* What a buffered piece costs against the caps. */
#define SEG_COST(height, len) (sizeof(struct seg) + (size_t)(height) * sizeof(struct seg *) + (len))

/* One direction of a connection: where its stream stands, and the pieces
 * that arrived before the bytes ahead of them. */
struct tcp_half {
    int started;        /* next_seq is known */
    uint32_t first_seq; /* where its stream starts (after the SYN) */
    uint32_t next_seq;  /* first byte not yet delivered */
    uint64_t offset;    /* its position in the stream */
    uint32_t isn;       /* from the SYN, if seen */
    int syn_seen;
    int fin_seen;
    uint32_t fin_seq;     /* sequence number of the FIN */
    int fin_done;         /* TCP_EV_FIN was emitted */
    int fin_acked;        /* the peer acknowledged the FIN */
    struct seg_list *ooo; /* sorted, never overlapping, all after next_seq;
                           * NULL when there are none */
    size_t ooo_cost;
};

/* A live connection as the stage keeps it: what the events show (pub), its
 * places in the hash table, the LRU list and the list of those buffering,
 * and its two directions.  (struct tcp_closed is one that ended.) */
struct tcp_flow {
    struct tcp_conn pub;
    struct tcp_flow *hnext; /* hash chain */
    struct tcp_flow *lru_prev, *lru_next;
    struct tcp_flow *ooo_prev, *ooo_next; /* on the list of those with buffered data */
    int on_ooo_list;
    uint64_t hash;
    int64_t last_ts;
    struct tcp_half half[2];
};

/* A connection that ended (or was forgotten), remembered with where each
 * direction's sequence space ends: closed.c. */
struct tcp_closed {
    struct tcp_closed *hnext;       /* hash chain */
    struct tcp_closed *prev, *next; /* oldest first */
    uint64_t hash;
    struct tcp_endpoint client, server;
    uint64_t id;
    int64_t first_ts;
    int64_t last_ts;         /* its last packet, late ones included */
    int forgotten;           /* idle or evicted: it may resume */
    int last_ack_seen[2];    /* each direction's ACK of the other's FIN */
    struct tcp_half half[2]; /* no buffered pieces */
};

/* How a segment fits a connection's sequence spaces. */
enum tcp_fit {
    FIT_NONE, /* not this connection's */
    FIT_OLD,  /* nothing new: a retransmission, an ACK, a keep-alive */
    FIT_NEW,  /* new bytes (or a FIN, a SYN-ACK) where the space goes on */
};

struct tcp_stage {
    struct tcp_config cfg;
    tcp_event_fn fn;
    void *arg;
    struct tcp_flow **buckets;
    size_t nbuckets; /* a power of two */
    uint64_t seed;
    uint64_t rng;                         /* skip-list heights: secret, as the seed */
    struct tcp_flow *lru_head, *lru_tail; /* least recently used first */
    struct tcp_flow *ooo_head, *ooo_tail; /* oldest buffering first */
    size_t ooo_total;
    uint64_t next_id;
    uint64_t frame;               /* of the packet being handled */
    int finishing;                /* in tcp_finish: places are PLACE_END's */
    struct tcp_closed **cbuckets; /* CLOSED_BUCKETS of them */
    struct tcp_closed *chead, *ctail;
    size_t nclosed;
    struct tcp_ipfrag *frag;
    struct tcp_stats st;
};

/* Hands ev, placed, to the stage's callback. */
void tcp_call(struct tcp_stage *t, struct tcp_event *ev);
void tcp_emit(struct tcp_stage *t, struct tcp_flow *c, enum tcp_event_kind kind, enum dir dir,
              int64_t ts);
void tcp_emit_gap(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts, size_t n,
                  enum tcp_gap_reason why);

/* reasm.c: one direction's stream. */
void tcp_half_start(struct tcp_half *h, uint32_t next_seq);
void tcp_half_segment(struct tcp_stage *t, struct tcp_flow *c, enum dir dir,
                      const struct tcp_header *seg, int64_t ts);
void tcp_half_acked(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, uint32_t ack,
                    int64_t ts);
/* Gives up every hole and hands out all that is buffered. */
void tcp_half_flush(struct tcp_stage *t, struct tcp_flow *c, enum dir dir, int64_t ts);
void tcp_half_free(struct tcp_stage *t, struct tcp_flow *c, struct tcp_half *h);

/* Whether the segment th from dir belongs to the connection whose two
 * directions are h (RFC 9293 section 3.10.7.4: acceptable segments, with
 * what was seen standing in for the window). */
enum tcp_fit tcp_fit(const struct tcp_half h[2], enum dir dir, const struct tcp_header *th);

/* closed.c: the connections that ended, for their late packets. */
int tcp_closed_init(struct tcp_stage *t);
void tcp_closed_free_all(struct tcp_stage *t);
void tcp_closed_add(struct tcp_stage *t, const struct tcp_flow *c, int forgotten);
struct tcp_closed *tcp_closed_find(struct tcp_stage *t, uint64_t hash, const struct ip_datagram *d,
                                   const struct tcp_header *th, enum dir *dir, int64_t now);
void tcp_closed_touch(struct tcp_stage *t, struct tcp_closed *e, int64_t ts);
void tcp_closed_remove(struct tcp_stage *t, struct tcp_closed *e);
void tcp_closed_expire(struct tcp_stage *t, int64_t now);

static inline int tcp_endpoint_is(const struct tcp_endpoint *e, uint8_t family, const uint8_t *addr,
                                  uint16_t port)
{
    return e->port == port && e->family == family && memcmp(e->addr, addr, 16) == 0;
}

/* Which direction a datagram goes between client and server; 0 if it is
 * not between them. */
static inline int flow_dir(const struct tcp_endpoint *client, const struct tcp_endpoint *server,
                           const struct ip_datagram *d, const struct tcp_header *th, enum dir *dir)
{
    if (tcp_endpoint_is(client, d->family, d->src, th->sport) &&
        tcp_endpoint_is(server, d->family, d->dst, th->dport)) {
        *dir = DIR_C2S;
        return 1;
    }
    if (tcp_endpoint_is(server, d->family, d->src, th->sport) &&
        tcp_endpoint_is(client, d->family, d->dst, th->dport)) {
        *dir = DIR_S2C;
        return 1;
    }
    return 0;
}

/* flow.c: the list of connections holding buffered data, for the caps. */
void tcp_ooo_changed(struct tcp_stage *t, struct tcp_flow *c);

#endif
