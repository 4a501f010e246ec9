/*
 * Where each direction's TLS begins: a stream's first byte may start any
 * record; after a plaintext opening (STARTTLS, a proxy's request, a
 * database's SSL request) a client's TLS starts with a ClientHello and a
 * server's answers it.  A record that may start in the last few bytes of
 * a piece waits for the next one.
 */
#include <string.h>

#include "tls_int.h"

/* Bytes of a plaintext phase: told to the classifier and the consumer. */
void tls_plain_out(struct tls_dir *ds, const uint8_t *p, size_t n, uint64_t offset)
{
    struct tls_conn *c = ds->conn;
    if (!n)
        return;
    ds->phase = PH_PLAIN;
    c->sum.opening.plain[ds->dir] += n;
    if (!c->opening)
        c->opening = tls_opener_new();
    if (c->opening)
        tls_opener_feed(c->opening, ds->dir, p, n, &c->sum.opening);
    if (c->ops->plaintext)
        c->ops->plaintext(c->arg, ds->dir, p, n, offset);
}

/* The direction's TLS begins at offset: all its bytes go to the framer. */
static void begin_tls(struct tls_dir *ds, uint64_t offset)
{
    struct tls_conn *c = ds->conn;
    ds->phase = PH_TLS;
    c->sum.opening.tls[ds->dir] = 1;
    if (!c->sum.opening.plain[ds->dir])
        return;
    if (c->opening)
        tls_opener_tls(c->opening, ds->dir, &c->sum.opening);
    if (c->ops->tls_begins)
        c->ops->tls_begins(c->arg, ds->dir, offset);
}

/* A direction's first byte may start any record; after plaintext, a
 * client's TLS starts with a ClientHello, and a server's answers one.  A
 * client whose ClientHello may have been lost in a gap, when the server
 * answered it, goes on with whatever record comes next. */
static enum tls_start_rule start_rule(const struct tls_dir *ds, int at_first_byte)
{
    if (at_first_byte || (ds->dir == DIR_C2S && ds->gap && ds->conn->d[DIR_S2C].phase == PH_TLS))
        return TLS_AT_STREAM_START;
    return ds->dir == DIR_C2S ? TLS_CLIENT_HELLO : TLS_SERVER_ANSWER;
}

/* Where byte b is next in p from `from` on, or n. */
static size_t next_byte(const uint8_t *p, size_t n, size_t from, uint8_t b)
{
    const uint8_t *q = memchr(p + from, b, n - from);
    return q ? (size_t)(q - p) : n;
}

/* Looks for TLS in p; returns where it starts, n when nowhere, and sets
 * *more when bytes from *more on may start it. */
static size_t find_tls(const struct tls_dir *ds, const uint8_t *p, size_t n, int first_byte_at_0,
                       size_t *more)
{
    /* The next 22 and 21 at or after i (n: none; SIZE_MAX: not looked for). */
    size_t hs = SIZE_MAX, al = SIZE_MAX;
    *more = n;
    for (size_t i = 0; i < n; i++) {
        enum tls_start_rule rule = start_rule(ds, first_byte_at_0 && !i);
        /* A ClientHello or ServerHello starts with 22, an alert with 21:
         * skip to the next candidate (plaintext may be long). */
        if (rule != TLS_AT_STREAM_START) {
            if (hs == SIZE_MAX || hs < i)
                hs = next_byte(p, n, i, TLS_CT_HANDSHAKE);
            if (rule == TLS_SERVER_ANSWER && (al == SIZE_MAX || al < i))
                al = next_byte(p, n, i, TLS_CT_ALERT);
            i = rule == TLS_SERVER_ANSWER && al < hs ? al : hs;
            if (i >= n)
                return n;
        }
        enum tls_start st = tls_record_starts(p + i, n - i, rule);
        if (st == TLS_START_YES)
            return i;
        if (st == TLS_START_MORE) {
            *more = i;
            return n;
        }
    }
    return n;
}

/* Bytes of a direction not yet in TLS: plaintext up to where a record
 * starts, the rest to the framer.  A record that may start in the last
 * few bytes waits in carry for the next piece. */
void tls_plain_data(struct tls_dir *ds, const uint8_t *p, size_t n, uint64_t offset)
{
    size_t at, more;

    if (ds->ncarry) {
        /* The held bytes and the first of p: only a start inside the
         * held bytes is decided here (p's own are searched below). */
        uint8_t w[2 * TLS_START_NEED];
        size_t k = n < TLS_START_NEED ? n : TLS_START_NEED, held = ds->ncarry;
        memcpy(w, ds->carry, held);
        memcpy(w + held, p, k);
        ds->ncarry = 0;
        at = find_tls(ds, w, held + k, ds->phase == PH_START, &more);
        if (at < held) {
            tls_plain_out(ds, w, at, ds->carry_offset);
            begin_tls(ds, ds->carry_offset + at);
            tls_framer_feed(ds->framer, w + at, held - at, ds->carry_offset + at);
            tls_framer_feed(ds->framer, p, n, offset);
            return;
        }
        if (more < held) { /* p was too short to decide: hold on (k == n) */
            tls_plain_out(ds, w, more, ds->carry_offset);
            memcpy(ds->carry, w + more, held + k - more);
            ds->ncarry = held + k - more;
            ds->carry_offset += more;
            return;
        }
        tls_plain_out(ds, w, held, ds->carry_offset);
    }
    at = find_tls(ds, p, n, ds->phase == PH_START, &more);
    if (at < n) {
        tls_plain_out(ds, p, at, offset);
        begin_tls(ds, offset + at);
        tls_framer_feed(ds->framer, p + at, n - at, offset + at);
        return;
    }
    tls_plain_out(ds, p, more, offset);
    if (more < n) {
        memcpy(ds->carry, p + more, n - more);
        ds->ncarry = n - more;
        ds->carry_offset = offset + more;
    }
}
