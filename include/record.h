/*
 * record.h: stage 3 (first part), TLS records from one direction's stream.
 *
 * A framer is fed the stream's bytes in order, in pieces of any size, and
 * calls back once per whole record.  A record that lies in one piece is
 * handed on in place; one that spans pieces is assembled in the framer's
 * buffer (at most one record long).  The framer recognises TLS by content:
 * a stream that does not start like TLS is reported and not decoded.
 */
#ifndef TLSDUMP_RECORD_H
#define TLSDUMP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/registry.h"

/* Record types beside the wire's content types (registry.h's
 * enum tls_content_type, TLS_CT_HANDSHAKE ...). */
enum {
    /* Not on the wire: the SSLv2-compatible ClientHello (RFC 5246 E.2). */
    TLS_CT_SSL2_HELLO = 0x100,
    /* Not on the wire: any other SSL 2.0 record (a message in clear, or
     * ciphertext after the key exchange).  body starts after the 2- or
     * 3-byte header; padding (3-byte headers) is in rec->padding. */
    TLS_CT_SSL2 = 0x101,
};

/* RFC 5246 6.2.3: ciphertext is at most 2^14 + 2048 bytes. */
#define TLS_MAX_RECORD (16384 + 2048)
#define TLS_HEADER_LEN 5

struct tls_record {
    unsigned type;       /* a TLS_CT_ value, or an unknown number */
    uint16_t version;    /* record-layer version */
    size_t length;       /* body length */
    const uint8_t *body; /* valid only during the callback */
    uint64_t offset;     /* stream offset of the record's first byte */
    uint8_t padding;     /* SSL 2.0 with a 3-byte header: padding bytes at the end */
};

enum tls_framer_problem {
    TLS_NOT_TLS,    /* the stream does not start like TLS */
    TLS_BAD_LENGTH, /* a record longer than the protocol allows */
    TLS_BAD_HEADER, /* a record header that is not TLS mid-stream */
    TLS_LOST_SYNC,  /* bytes were lost: record boundaries are unknown */
    TLS_RESYNC,     /* ... and found again: a record starts at offset */
};

struct tls_framer_ops {
    void (*record)(void *arg, const struct tls_record *rec);
    void (*problem)(void *arg, enum tls_framer_problem what, uint64_t offset);
};

struct tls_framer;

struct tls_framer *tls_framer_new(const struct tls_framer_ops *ops, void *arg);
void tls_framer_free(struct tls_framer *f);

/* Feeds stream bytes at stream offset `offset`. */
void tls_framer_feed(struct tls_framer *f, const uint8_t *p, size_t n, uint64_t offset);

/* Tells the framer that the stream has a hole at `offset`.  It then looks
 * for two consecutive plausible record headers in what follows and goes on
 * from the first (RFC 5246 6.2.1 gives no marker: this is a heuristic,
 * which decryption confirms or refutes with the MAC or tag). */
void tls_framer_gap(struct tls_framer *f, uint64_t offset);

/* From the next record on, the stream is SSL 2.0 records (the peer's
 * SERVER-HELLO answered an SSLv2-compatible ClientHello).  A framer
 * whose first record is an SSL 2.0 server record, or a CLIENT-HELLO of
 * version 2, switches by itself. */
void tls_framer_ssl2(struct tls_framer *f);

/* The record header bytes the framer holds: after TLS_BAD_HEADER, the
 * TLS_HEADER_LEN bytes that were not a header. */
const uint8_t *tls_framer_header(const struct tls_framer *f);

/* 1 when the bytes look like the start of a client's first TLS message (a
 * ClientHello record, or an SSLv2-compatible one). */
int tls_looks_like_client_hello(const uint8_t *p, size_t n);

/* Where TLS may begin in a stream (tls_record_starts). */
enum tls_start_rule {
    TLS_AT_STREAM_START, /* a stream's first byte: any record header the framer takes */
    TLS_CLIENT_HELLO,    /* after a client's plaintext: a ClientHello record */
    TLS_SERVER_ANSWER,   /* after a server's plaintext: a ServerHello or an alert */
};

enum tls_start {
    TLS_START_NO,
    TLS_START_YES,
    TLS_START_MORE, /* the n bytes agree so far: more are needed to tell */
};

/* Whether a TLS record that fits rule starts at p (n bytes at hand; at
 * most TLS_START_NEED are ever needed). */
#define TLS_START_NEED 11
enum tls_start tls_record_starts(const uint8_t *p, size_t n, enum tls_start_rule rule);

/* The record-layer content type's label, as ssldump printed it (the names
 * table's CONTENT_LABEL rows), or NULL. */
const char *tls_content_type_name(unsigned type);

#endif
