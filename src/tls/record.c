/*
 * The TLS record layer (RFC 5246 section 6.2, RFC 8446 section 5.1) over
 * one direction's byte stream.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"
#include "base/budget.h"

enum framer_state {
    FR_HEADER,  /* collecting a record header */
    FR_BODY,    /* collecting a record body into buf */
    FR_RESYNC,  /* after a gap: looking for record boundaries */
    FR_STOPPED, /* not TLS, or lost: bytes are ignored */
};

/* Enough for a whole record and the next header. */
#define RESYNC_BUF (TLS_HEADER_LEN + TLS_MAX_RECORD + TLS_HEADER_LEN)

struct tls_framer {
    const struct tls_framer_ops *ops;
    void *arg;
    enum framer_state state;
    int started; /* a first record was recognised */
    int ssl2;    /* the stream is SSL 2.0 records */
    uint8_t hdr[TLS_HEADER_LEN];
    size_t hdr_have;
    struct tls_record rec; /* the record being collected */
    uint8_t *buf;          /* its body, when it spans pieces */
    size_t have;
    uint8_t *rs;             /* FR_RESYNC: bytes after the gap */
    size_t rs_have, rs_scan; /* held, and where the search stands */
    uint64_t rs_offset;      /* stream offset of rs[0] */
};

struct tls_framer *tls_framer_new(const struct tls_framer_ops *ops, void *arg)
{
    struct tls_framer *f = calloc(1, sizeof(*f));
    if (f) {
        budget_charge(sizeof(*f));
        f->ops = ops;
        f->arg = arg;
    }
    return f;
}

void tls_framer_free(struct tls_framer *f)
{
    if (!f)
        return;
    budget_credit(sizeof(*f) + (f->buf ? TLS_MAX_RECORD : 0) + (f->rs ? RESYNC_BUF : 0));
    free(f->buf);
    free(f->rs);
    free(f);
}

static int is_tls_version(uint8_t major, uint8_t minor)
{
    return major == 3 && minor <= 4;
}

/* RFC 5246 appendix E.2: a two-byte length with the top bit set, then
 * msg_type 1 (CLIENT-HELLO) and a version. */
static int is_ssl2_client_hello(const uint8_t *h, size_t n)
{
    return n >= 5 && (h[0] & 0x80) && h[2] == 1 && (h[3] == 0 || h[3] == 3);
}

/* SSL 2.0 (draft-hickman-netscape-ssl-00): a server's first record is a
 * SERVER-HELLO (msg 4: session_id_hit 0 or 1, certificate_type, version
 * 0x0002) or an ERROR (msg 0) of 3 bytes, under a 2-byte header. */
static int is_ssl2_server_record(const uint8_t *h, size_t n)
{
    size_t len = n >= 2 ? (size_t)(h[0] & 0x7f) << 8 | h[1] : 0;
    if (n < 5 || !(h[0] & 0x80))
        return 0;
    if (h[2] == 4)
        return len >= 11 && h[3] <= 1;
    return h[2] == 0 && len == 3 && h[3] == 0 && h[4] >= 1 && h[4] <= 6;
}

int tls_looks_like_client_hello(const uint8_t *p, size_t n)
{
    if (n >= 6 && p[0] == TLS_CT_HANDSHAKE && is_tls_version(p[1], p[2]) &&
        p[5] == TLS_HS_CLIENT_HELLO)
        return 1;
    return is_ssl2_client_hello(p, n);
}

/* Checks byte conditions in order on the bytes at hand: a condition on
 * bytes not yet seen is left for later (TLS_START_MORE). */
#define NEED(i, cond)                                                                              \
    do {                                                                                           \
        if (n <= (i))                                                                              \
            return TLS_START_MORE;                                                                 \
        if (!(cond))                                                                               \
            return TLS_START_NO;                                                                   \
    } while (0)

/* RFC 5246 7.4: a handshake record whose first message is of type
 * `type` (ClientHello or ServerHello) with a body at least as long as
 * the fixed part of a hello (version, random, session ID length, ...)
 * and a hello version 3.x.  The record may hold more messages after it,
 * or only its start. */
static enum tls_start hello_record(const uint8_t *p, size_t n, uint8_t type)
{
    NEED(0, p[0] == TLS_CT_HANDSHAKE);
    NEED(1, p[1] == 3);
    NEED(2, p[2] <= 4);
    NEED(4, ((size_t)p[3] << 8 | p[4]) >= 4 + 2 && ((size_t)p[3] << 8 | p[4]) <= TLS_MAX_RECORD);
    NEED(5, p[5] == type);
    NEED(6, p[6] == 0);
    NEED(8, ((size_t)p[7] << 8 | p[8]) >= 38);
    NEED(9, p[9] == 3);
    NEED(10, p[10] <= 4);
    return TLS_START_YES;
}

/* An alert in clear: two bytes, warning or fatal. */
static enum tls_start alert_record(const uint8_t *p, size_t n)
{
    NEED(0, p[0] == TLS_CT_ALERT);
    NEED(1, p[1] == 3);
    NEED(2, p[2] <= 4);
    NEED(4, p[3] == 0 && p[4] == 2);
    NEED(5, p[5] == TLS_ALERT_LEVEL_WARNING || p[5] == TLS_ALERT_LEVEL_FATAL);
    return TLS_START_YES;
}

static enum tls_start any_record(const uint8_t *p, size_t n)
{
    if (n >= 1 && (p[0] & 0x80)) {
        NEED(TLS_HEADER_LEN - 1, is_ssl2_client_hello(p, n) || is_ssl2_server_record(p, n));
        return TLS_START_YES;
    }
    NEED(0, p[0] >= TLS_CT_CHANGE_CIPHER_SPEC && p[0] <= TLS_CT_HEARTBEAT);
    NEED(2, is_tls_version(p[1], p[2]));
    NEED(4, ((size_t)p[3] << 8 | p[4]) <= TLS_MAX_RECORD);
    return TLS_START_YES;
}

#undef NEED

enum tls_start tls_record_starts(const uint8_t *p, size_t n, enum tls_start_rule rule)
{
    enum tls_start sh, al;
    switch (rule) {
    case TLS_AT_STREAM_START:
        return any_record(p, n);
    case TLS_CLIENT_HELLO:
        return hello_record(p, n, TLS_HS_CLIENT_HELLO);
    case TLS_SERVER_ANSWER:
        sh = hello_record(p, n, TLS_HS_SERVER_HELLO);
        al = alert_record(p, n);
        return sh == TLS_START_YES || al == TLS_START_YES     ? TLS_START_YES
               : sh == TLS_START_MORE || al == TLS_START_MORE ? TLS_START_MORE
                                                              : TLS_START_NO;
    }
    return TLS_START_NO;
}

static void stop(struct tls_framer *f, enum tls_problem_kind why, uint64_t offset)
{
    f->state = FR_STOPPED;
    if (f->ops->problem)
        f->ops->problem(f->arg, why, offset);
}

/* An SSL 2.0 record header: 2 bytes with the top bit set, or 3 with the
 * padding length last.  The body's first bytes are already in hdr (see
 * begin_body); a body shorter than those is not SSL 2.0. */
static int ssl2_header(struct tls_framer *f, unsigned type)
{
    const uint8_t *h = f->hdr;
    int two = (h[0] & 0x80) != 0;
    f->rec.type = type;
    f->rec.version = 0x0002; /* an SSL 2.0 record; a hello inside names its version */
    f->rec.length = (size_t)(h[0] & (two ? 0x7f : 0x3f)) << 8 | h[1];
    f->rec.padding = two ? 0 : h[2];
    if (f->rec.length < (size_t)(two ? 3 : 2) || f->rec.padding > f->rec.length ||
        f->rec.length > TLS_MAX_RECORD) {
        stop(f, f->started ? TLS_BAD_LENGTH : TLS_NOT_TLS, f->rec.offset);
        return 0;
    }
    return 1;
}

/* Reads a complete header; returns 0 (and stops) when it is not TLS. */
static int parse_header(struct tls_framer *f)
{
    struct cursor c = cur_make(f->hdr, TLS_HEADER_LEN);
    uint8_t type;
    uint16_t version, len;

    f->rec.padding = 0;
    if (f->ssl2)
        return ssl2_header(f, TLS_CT_SSL2);
    if (!f->started && is_ssl2_client_hello(f->hdr, TLS_HEADER_LEN)) {
        /* A CLIENT-HELLO of version 2 is an SSL 2.0 client's: the rest
         * of its stream is SSL 2.0 too. */
        f->ssl2 = f->hdr[3] == 0 && f->hdr[4] == 2;
        return ssl2_header(f, TLS_CT_SSL2_HELLO);
    }
    if (!f->started && is_ssl2_server_record(f->hdr, TLS_HEADER_LEN)) {
        f->ssl2 = 1;
        return ssl2_header(f, TLS_CT_SSL2);
    }
    if (!cur_u8(&c, &type) || !cur_u16(&c, &version) || !cur_u16(&c, &len))
        return 0;
    if (!is_tls_version(version >> 8, version & 0xff) ||
        (!f->started && (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_HEARTBEAT))) {
        stop(f, f->started ? TLS_BAD_HEADER : TLS_NOT_TLS, f->rec.offset);
        return 0;
    }
    if (len > TLS_MAX_RECORD) {
        stop(f, TLS_BAD_LENGTH, f->rec.offset);
        return 0;
    }
    f->rec.type = type;
    f->rec.version = version;
    f->rec.length = len;
    return 1;
}

static void emit(struct tls_framer *f, const uint8_t *body)
{
    f->rec.body = body;
    f->started = 1;
    f->ops->record(f->arg, &f->rec);
    f->state = FR_HEADER;
    f->hdr_have = 0;
    f->have = 0;
}

/* After the header: hand on the body in place, or start collecting it.
 * An SSL 2.0 record's header is shorter than TLS's: its length counts the
 * bytes of hdr after the 2 or 3 header bytes. */
static size_t begin_body(struct tls_framer *f, const uint8_t *p, size_t n)
{
    size_t in_hdr = 0;
    if (f->rec.type == TLS_CT_SSL2_HELLO || f->rec.type == TLS_CT_SSL2)
        in_hdr = TLS_HEADER_LEN - (f->hdr[0] & 0x80 ? 2 : 3);

    if (!in_hdr && n >= f->rec.length) {
        emit(f, p);
        return f->rec.length;
    }
    if (!f->buf) {
        if (!(f->buf = malloc(TLS_MAX_RECORD))) {
            stop(f, TLS_BAD_LENGTH, f->rec.offset);
            return n;
        }
        budget_charge(TLS_MAX_RECORD);
    }
    memcpy(f->buf, f->hdr + TLS_HEADER_LEN - in_hdr, in_hdr);
    f->have = in_hdr;
    f->state = FR_BODY;
    if (f->have == f->rec.length) /* a 3-byte SSL 2.0 ERROR is all in hdr */
        emit(f, f->buf);
    return 0;
}

static int plausible_header(const uint8_t *h)
{
    size_t len = (size_t)h[3] << 8 | h[4];
    return h[0] >= TLS_CT_CHANGE_CIPHER_SPEC && h[0] <= TLS_CT_HEARTBEAT && h[1] == 3 &&
           h[2] >= 1 && h[2] <= 4 && len > 0 && len <= TLS_MAX_RECORD;
}

/* Searches rs for a header whose record is followed by another header.
 * Returns the position, or rs_have when it needs more bytes; positions
 * that cannot start a record are dropped. */
static size_t resync_search(struct tls_framer *f)
{
    for (; f->rs_scan + TLS_HEADER_LEN <= f->rs_have; f->rs_scan++) {
        const uint8_t *h = f->rs + f->rs_scan;
        if (!plausible_header(h))
            continue;
        size_t next = f->rs_scan + TLS_HEADER_LEN + ((size_t)h[3] << 8 | h[4]);
        if (next + TLS_HEADER_LEN > f->rs_have)
            return f->rs_have; /* wait for the rest of it */
        if (plausible_header(f->rs + next))
            return f->rs_scan;
    }
    return f->rs_have;
}

void tls_framer_feed(struct tls_framer *f, const uint8_t *p, size_t n, uint64_t offset);

static void resync_feed(struct tls_framer *f, const uint8_t *p, size_t n)
{
    while (n > 0 && f->state == FR_RESYNC) {
        size_t room = RESYNC_BUF - f->rs_have, take = n < room ? n : room;
        memcpy(f->rs + f->rs_have, p, take);
        f->rs_have += take;
        p += take;
        n -= take;
        size_t at = resync_search(f);
        if (at < f->rs_have) { /* found: go on from there with what is held */
            uint64_t off = f->rs_offset + at;
            size_t held = f->rs_have - at;
            f->state = FR_HEADER;
            f->hdr_have = 0;
            f->rs_have = f->rs_scan = 0;
            if (f->ops->problem)
                f->ops->problem(f->arg, TLS_RESYNC, off);
            tls_framer_feed(f, f->rs + at, held, off);
            tls_framer_feed(f, p, n, off + held);
            return;
        }
        if (f->rs_have == RESYNC_BUF) { /* keep the tail that may hold a header */
            size_t keep = f->rs_have - f->rs_scan;
            memmove(f->rs, f->rs + f->rs_scan, keep);
            f->rs_offset += f->rs_scan;
            f->rs_have = keep;
            f->rs_scan = 0; /* keep < RESYNC_BUF: a record and a header always fit */
        }
    }
}

void tls_framer_feed(struct tls_framer *f, const uint8_t *p, size_t n, uint64_t offset)
{
    if (f->state == FR_RESYNC) {
        if (f->rs_have == 0)
            f->rs_offset = offset;
        resync_feed(f, p, n);
        return;
    }
    while (n > 0 && f->state != FR_STOPPED && f->state != FR_RESYNC) {
        size_t used;
        if (f->state == FR_HEADER) {
            if (f->hdr_have == 0)
                f->rec.offset = offset;
            used = TLS_HEADER_LEN - f->hdr_have < n ? TLS_HEADER_LEN - f->hdr_have : n;
            memcpy(f->hdr + f->hdr_have, p, used);
            f->hdr_have += used;
            if (f->hdr_have == TLS_HEADER_LEN) {
                if (!parse_header(f))
                    return;
                used += begin_body(f, p + used, n - used);
            }
        } else {
            used = f->rec.length - f->have < n ? f->rec.length - f->have : n;
            memcpy(f->buf + f->have, p, used);
            f->have += used;
            if (f->have == f->rec.length)
                emit(f, f->buf);
        }
        p += used;
        n -= used;
        offset += used;
    }
}

void tls_framer_ssl2(struct tls_framer *f)
{
    f->ssl2 = 1;
}

const uint8_t *tls_framer_header(const struct tls_framer *f)
{
    return f->hdr;
}

void tls_framer_gap(struct tls_framer *f, uint64_t offset)
{
    if (f->state == FR_STOPPED)
        return;
    if (f->started && !f->rs && (f->rs = malloc(RESYNC_BUF)))
        budget_charge(RESYNC_BUF);
    if (!f->started || !f->rs) {
        stop(f, TLS_LOST_SYNC, offset);
        return;
    }
    /* Bytes held from before the gap are not contiguous with what follows. */
    if (f->ops->problem)
        f->ops->problem(f->arg, TLS_LOST_SYNC, offset);
    f->state = FR_RESYNC;
    f->rs_have = f->rs_scan = 0;
    f->hdr_have = 0;
    f->have = 0;
}
