/*
 * The TLS record layer (RFC 5246 section 6.2, RFC 8446 section 5.1) over
 * one direction's byte stream.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "record.h"

enum framer_state {
    FR_HEADER,   /* collecting a record header */
    FR_BODY,     /* collecting a record body into buf */
    FR_STOPPED,  /* not TLS, or lost: bytes are ignored */
};

struct tls_framer {
    const struct tls_framer_ops *ops;
    void *arg;
    enum framer_state state;
    int started;             /* a first record was recognised */
    uint8_t hdr[TLS_HEADER_LEN];
    size_t hdr_have;
    struct tls_record rec;   /* the record being collected */
    uint8_t *buf;            /* its body, when it spans pieces */
    size_t have;
};

struct tls_framer *tls_framer_new(const struct tls_framer_ops *ops, void *arg)
{
    struct tls_framer *f = calloc(1, sizeof(*f));
    if (f) {
        f->ops = ops;
        f->arg = arg;
    }
    return f;
}

void tls_framer_free(struct tls_framer *f)
{
    if (!f)
        return;
    free(f->buf);
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

int tls_looks_like_client_hello(const uint8_t *p, size_t n)
{
    if (n >= 6 && p[0] == TLS_CT_HANDSHAKE && is_tls_version(p[1], p[2]) && p[5] == 1)
        return 1;
    return is_ssl2_client_hello(p, n);
}

const char *tls_content_type_name(unsigned type)
{
    switch (type) {
    case TLS_CT_CHANGE_CIPHER_SPEC:
        return "ChangeCipherSpec";
    case TLS_CT_ALERT:
        return "Alert";
    case TLS_CT_HANDSHAKE:
        return "Handshake";
    case TLS_CT_APPLICATION_DATA:
        return "application_data";
    case TLS_CT_HEARTBEAT:
        return "Heartbeat";
    case TLS_CT_SSL2_HELLO:
        return "SSLv2 ClientHello";
    default:
        return NULL;
    }
}

static void stop(struct tls_framer *f, enum tls_framer_problem why, uint64_t offset)
{
    f->state = FR_STOPPED;
    if (f->ops->problem)
        f->ops->problem(f->arg, why, offset);
}

/* Reads a complete header; returns 0 (and stops) when it is not TLS. */
static int parse_header(struct tls_framer *f)
{
    struct cursor c = cur_make(f->hdr, TLS_HEADER_LEN);
    uint8_t type;
    uint16_t version, len;

    if (!f->started && is_ssl2_client_hello(f->hdr, TLS_HEADER_LEN)) {
        f->rec.type = TLS_CT_SSL2_HELLO;
        f->rec.version = (uint16_t)(f->hdr[3] << 8 | f->hdr[4]);
        f->rec.length = (size_t)(f->hdr[0] & 0x7f) << 8 | f->hdr[1];
        if (f->rec.length < 3) {
            stop(f, TLS_NOT_TLS, f->rec.offset);
            return 0;
        }
        return 1;
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
 * The SSLv2 hello's length counts the three bytes already in hdr. */
static size_t begin_body(struct tls_framer *f, const uint8_t *p, size_t n)
{
    size_t in_hdr = f->rec.type == TLS_CT_SSL2_HELLO ? 3 : 0;

    if (!in_hdr && n >= f->rec.length) {
        emit(f, p);
        return f->rec.length;
    }
    if (!f->buf && !(f->buf = malloc(TLS_MAX_RECORD))) {
        stop(f, TLS_BAD_LENGTH, f->rec.offset);
        return n;
    }
    memcpy(f->buf, f->hdr + 2, in_hdr);
    f->have = in_hdr;
    f->state = FR_BODY;
    return 0;
}

void tls_framer_feed(struct tls_framer *f, const uint8_t *p, size_t n, uint64_t offset)
{
    while (n > 0 && f->state != FR_STOPPED) {
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

void tls_framer_gap(struct tls_framer *f, uint64_t offset)
{
    if (f->state != FR_STOPPED)
        stop(f, TLS_LOST_SYNC, offset);
}
