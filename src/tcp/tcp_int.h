/*
 * tcp_int.h: what the files of the tcp stage share and nobody else sees.
 */
#ifndef TLSDUMP_TCP_INT_H
#define TLSDUMP_TCP_INT_H

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
 * length) and has no data. */
struct seg {
    struct seg *next;
    uint32_t seq;
    uint32_t len;
    int lost;
    uint8_t data[];
};

/* What a buffered piece costs against the caps. */
#define SEG_COST(len) (sizeof(struct seg) + (len))

/* One direction of a connection. */
struct half {
    int started;        /* next_seq is known */
    uint32_t next_seq;  /* first byte not yet delivered */
    uint64_t offset;    /* its position in the stream */
    uint32_t isn;       /* from the SYN, if seen */
    int syn_seen;
    int fin_seen;
    uint32_t fin_seq;   /* sequence number of the FIN */
    int fin_done;       /* TCP_EV_FIN was emitted */
    struct seg *ooo;    /* sorted, never overlapping, all after next_seq */
    size_t ooo_cost;
};

struct conn {
    struct tcp_conn pub;
    struct conn *hnext;              /* hash chain */
    struct conn *lru_prev, *lru_next;
    struct conn *ooo_prev, *ooo_next; /* on the list of those with buffered data */
    int on_ooo_list;
    uint64_t hash;
    int64_t last_ts;
    struct half half[2];
};

struct tcp_stage {
    struct tcp_config cfg;
    tcp_event_fn fn;
    void *arg;
    struct conn **buckets;
    size_t nbuckets;           /* a power of two */
    uint64_t seed;
    struct conn *lru_head, *lru_tail; /* least recently used first */
    struct conn *ooo_head, *ooo_tail; /* oldest buffering first */
    size_t ooo_total;
    uint64_t next_id;
    struct ipfrag *frag;
    struct tcp_stats st;
};

void tcp_emit(struct tcp_stage *t, struct conn *c, enum tcp_event_kind kind, enum tcp_dir dir,
              int64_t ts);
void tcp_emit_gap(struct tcp_stage *t, struct conn *c, enum tcp_dir dir, int64_t ts, size_t n,
                  enum tcp_gap_reason why);

/* reasm.c: one direction's stream. */
void half_start(struct half *h, uint32_t next_seq);
void half_segment(struct tcp_stage *t, struct conn *c, enum tcp_dir dir,
                  const struct tcp_header *seg, int64_t ts);
void half_acked(struct tcp_stage *t, struct conn *c, enum tcp_dir dir, uint32_t ack, int64_t ts);
/* Gives up every hole and hands out all that is buffered. */
void half_flush(struct tcp_stage *t, struct conn *c, enum tcp_dir dir, int64_t ts);
void half_free(struct tcp_stage *t, struct conn *c, struct half *h);

/* flow.c: the list of connections holding buffered data, for the caps. */
void tcp_ooo_changed(struct tcp_stage *t, struct conn *c);

#endif
