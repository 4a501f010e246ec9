/*
 * IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200 section 4.5).
 *
 * A fixed number of datagrams may be in progress; each keeps a 64 KiB
 * buffer and a bitmap of the 8-byte blocks received.  A block that arrives
 * twice keeps its first copy.  Fragments are rare in TLS traffic, so the
 * pending datagrams are a small array searched in full.  When it is full,
 * the datagram that started longest ago gives way to the new one: a flood
 * of fragments that never complete (each holds its slot for the whole
 * timeout) then costs the flood its own datagrams, not the real ones that
 * come after it.
 */
#include <stdlib.h>
#include <string.h>

#include "ip_int.h"

#define MAX_DATAGRAM 65535
#define NBLOCKS ((MAX_DATAGRAM + 7) / 8)

struct pending {
    int used;
    uint8_t family, proto;
    uint8_t src[16], dst[16];
    uint32_t id;
    int64_t first_us;
    uint64_t nfrags; /* fragments kept in it */
    size_t total;    /* 0 until the last fragment is seen */
    uint8_t *buf;
    uint64_t have[(NBLOCKS + 63) / 64];
};

struct tcp_ipfrag {
    unsigned max;
    int64_t timeout_us;
    struct pending *slots;
    uint8_t *done; /* the datagram last handed out */
    struct tcp_ipfrag_stats st;
};

struct tcp_ipfrag *tcp_ipfrag_new(unsigned max_pending, int64_t timeout_us)
{
    struct tcp_ipfrag *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->max = max_pending ? max_pending : 1;
    f->timeout_us = timeout_us;
    f->slots = calloc(f->max, sizeof(*f->slots));
    if (!f->slots) {
        free(f);
        return NULL;
    }
    return f;
}

/* Gives up an incomplete datagram: its fragments are dropped. */
static void drop(struct tcp_ipfrag *f, struct pending *p)
{
    f->st.dropped += p->nfrags;
    free(p->buf);
    memset(p, 0, sizeof(*p));
}

static void release(struct pending *p)
{
    free(p->buf);
    memset(p, 0, sizeof(*p));
}

void tcp_ipfrag_free(struct tcp_ipfrag *f)
{
    if (!f)
        return;
    for (unsigned i = 0; i < f->max; i++)
        release(&f->slots[i]);
    free(f->slots);
    free(f->done);
    free(f);
}

static int same(const struct pending *p, const struct ip_datagram *d)
{
    return p->used && p->id == d->frag_id && p->family == d->family && p->proto == d->proto &&
           memcmp(p->src, d->src, 16) == 0 && memcmp(p->dst, d->dst, 16) == 0;
}

/* Finds the datagram this fragment belongs to, or a slot for it; expired
 * datagrams are dropped on the way. */
static struct pending *lookup(struct tcp_ipfrag *f, const struct ip_datagram *d, int64_t now)
{
    struct pending *free_slot = NULL, *oldest = NULL;

    for (unsigned i = 0; i < f->max; i++) {
        struct pending *p = &f->slots[i];
        if (p->used && now - p->first_us > f->timeout_us) {
            f->st.expired++;
            drop(f, p);
        }
        if (same(p, d))
            return p;
        if (!p->used && !free_slot)
            free_slot = p;
        if (p->used && (!oldest || p->first_us < oldest->first_us))
            oldest = p;
    }
    if (!free_slot) {
        f->st.evicted++;
        drop(f, oldest);
        free_slot = oldest;
    }
    free_slot->buf = malloc(MAX_DATAGRAM);
    if (!free_slot->buf)
        return NULL;
    free_slot->used = 1;
    free_slot->family = d->family;
    free_slot->proto = d->proto;
    memcpy(free_slot->src, d->src, 16);
    memcpy(free_slot->dst, d->dst, 16);
    free_slot->id = d->frag_id;
    free_slot->first_us = now;
    return free_slot;
}

static int has_block(const struct pending *p, size_t b)
{
    return (p->have[b / 64] >> (b % 64)) & 1;
}

static int complete(const struct pending *p)
{
    if (!p->total)
        return 0;
    for (size_t b = 0; b < (p->total + 7) / 8; b++)
        if (!has_block(p, b))
            return 0;
    return 1;
}

/* Whether the fragment could be part of any datagram: checked before it
 * takes a slot. */
static int plausible(const struct ip_datagram *d)
{
    size_t end = (size_t)d->frag_offset + d->wirelen;

    if (d->caplen < d->wirelen || end > MAX_DATAGRAM)
        return 0;
    return !d->frag_more || (d->wirelen % 8 == 0 && d->wirelen > 0);
}

/* Checks the fragment's place against the datagram's known end. */
static int fits(const struct pending *p, const struct ip_datagram *d)
{
    size_t end = (size_t)d->frag_offset + d->wirelen;

    if (!d->frag_more && p->total && p->total != end)
        return 0;
    if (d->frag_more && p->total && end > p->total)
        return 0;
    return 1;
}

int tcp_ipfrag_add(struct tcp_ipfrag *f, const struct ip_datagram *d, int64_t now,
                   struct ip_datagram *out)
{
    free(f->done);
    f->done = NULL;
    f->st.fragments++;

    if (!plausible(d)) {
        f->st.bad++;
        f->st.dropped++;
        return 0;
    }
    struct pending *p = lookup(f, d, now);
    if (!p) {
        f->st.dropped++; /* out of memory */
        return 0;
    }
    if (!fits(p, d)) {
        f->st.bad++;
        f->st.dropped++;
        return 0;
    }
    p->nfrags++;
    if (!d->frag_more)
        p->total = (size_t)d->frag_offset + d->wirelen;
    for (size_t at = 0; at < d->wirelen; at += 8) {
        size_t b = (d->frag_offset + at) / 8;
        size_t n = d->wirelen - at < 8 ? d->wirelen - at : 8;
        if (has_block(p, b))
            continue;
        memcpy(p->buf + d->frag_offset + at, d->payload + at, n);
        p->have[b / 64] |= (uint64_t)1 << (b % 64);
    }
    if (!complete(p))
        return 0;

    *out = *d;
    out->frag_offset = 0;
    out->frag_more = 0;
    out->payload = p->buf;
    out->caplen = out->wirelen = p->total;
    f->done = p->buf;
    p->buf = NULL;
    release(p);
    f->st.reassembled++;
    return 1;
}

void tcp_ipfrag_get_stats(const struct tcp_ipfrag *f, struct tcp_ipfrag_stats *st)
{
    *st = f->st;
    for (unsigned i = 0; i < f->max; i++) {
        if (f->slots[i].used) {
            st->pending++;
            st->dropped += f->slots[i].nfrags;
        }
    }
}
