/*
 * tls_int.h: what the files of the tls stage share.
 */
#ifndef TLSDUMP_TLS_INT_H
#define TLSDUMP_TLS_INT_H

#include "base/cursor.h"
#include "tls.h"
#include "x509.h"

/*
 * record.c: the framer.  It is fed a direction's stream bytes in order,
 * in pieces of any size, and calls back once per whole record.  A record
 * that lies in one piece is handed on in place; one that spans pieces is
 * assembled in the framer's buffer (at most one record long).  The framer
 * recognises TLS by content: a stream that does not start like TLS is
 * reported (one of the framing kinds of tls_problem_kind) and not decoded.
 */
struct tls_framer_ops {
    void (*record)(void *arg, const struct tls_record *rec);
    void (*problem)(void *arg, enum tls_problem_kind what, uint64_t offset);
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

/* RFC 8446 4.1.3: the random of a HelloRetryRequest. */
extern const uint8_t tls_hrr_random[32];

/* One message being decoded. */
struct dec {
    struct ftree *t;
    struct tls_summary *sum;
    enum dir dir;
    uint8_t msg;               /* the handshake type (extensions depend on it) */
    struct tls_hello *hello;   /* set while decoding the first ClientHello or ServerHello */
    const uint8_t *session_id; /* ClientHello's, to tell a resumption */
    size_t session_id_len;
    struct tls_msg_keying *keying; /* slices for key derivation; may be NULL */
};

/* Records why decoding stopped, in the tree; returns 0. */
int dec_fail(struct dec *d, int node, const char *why);

int dec_extensions(struct dec *d, struct cursor *c, int node);
int dec_dn_list(struct dec *d, struct cursor *c, int node, const char *key);
int dec_client_hello(struct dec *d, struct cursor *c, int node);
int dec_server_hello(struct dec *d, struct cursor *c, int node);
/* ssl2.c: SSL 2.0 messages (draft-hickman-netscape-ssl-00).  The
 * CLIENT-HELLO from its msg_type on; any other message after its
 * msg_type, which the caller read. */
int dec_ssl2_client_hello(struct dec *d, struct cursor *c, int node);
int dec_ssl2_message(struct dec *d, uint8_t type, struct cursor *c, int node);
/* A certificate's DER as a group of the list l, its fields from OpenSSL;
 * kept for the summary (the server's) and the chain slices.  Returns the
 * group. */
int dec_cert_der(struct dec *d, const struct cursor *der, int l);
int dec_message(struct dec *d, uint8_t type, struct cursor *c, int node);

/* opening.c: what the plaintext before TLS is (SMTP, a SOCKS proxy, ...)
 * and how its request to upgrade was answered. */
struct opening;
struct opening *opening_new(void);
void opening_free(struct opening *o);
/* The plaintext bytes of dir, in stream order; updates *out. */
void opening_feed(struct opening *o, enum dir dir, const uint8_t *p, size_t n,
                  struct tls_opening *out);
/* Bytes of dir's plaintext were lost. */
void opening_gap(struct opening *o, enum dir dir);
/* dir switched to TLS after its plaintext. */
void opening_tls(struct opening *o, enum dir dir, struct tls_opening *out);

/* Adds a vector of 16-bit values named from table as a list. */
int dec_u16_list(struct dec *d, struct cursor *v, int node, const char *key, enum reg_table table,
                 uint16_t *keep, int *nkeep);
/* Raises the summary's client_version to v (not GREASE). */
void dec_client_version(struct tls_summary *s, uint16_t v);
/* Appends x to a hello list unless it is GREASE. */
void dec_keep(uint16_t *list, int *n, uint16_t x);

#endif
