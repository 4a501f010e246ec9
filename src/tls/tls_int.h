/*
 * tls_int.h: what the files of the tls stage share.
 */
#ifndef TLSDUMP_TLS_INT_H
#define TLSDUMP_TLS_INT_H

#include "base/cursor.h"
#include "tls.h"
#include "x509.h"

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
