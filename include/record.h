/*
 * record.h: stage 3 (first part), TLS records from one direction's stream:
 * what a record is, and how a stream's first bytes tell TLS.  The framer
 * that cuts a stream into records is the tls stage's own (tls_int.h).
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

/* 1 when the bytes look like the start of a client's first TLS message (a
 * ClientHello record, or an SSLv2-compatible one): the tcp stage's hint
 * for which side is the client when the handshake was not captured. */
int tls_looks_like_client_hello(const uint8_t *p, size_t n);

#endif
