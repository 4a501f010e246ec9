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
/* The handshake type of a message: a ServerHello with that random is a
 * HelloRetryRequest (6). */
uint8_t tls_message_type(uint8_t type, const uint8_t *body, size_t len);

/*
 * What one message says, as its decoder read it (hello.c, extensions.c,
 * messages.c, ssl2.c).  The decoders fill it and write nothing else but
 * the field tree; the connection folds it, in one place (facts.c), into
 * its summary and into the keying update for the crypto stage.  What lies
 * past the point where decoding stopped keeps its zero; `reached` says
 * how far the fixed part of a message was read.
 */
enum tls_reached {
    TLS_READ_NOTHING,
    TLS_READ_VERSION, /* a hello's version */
    TLS_READ_FIXED,   /* ... and its random, session ID (ServerHello: suite, compression) */
};

/* What a message's extensions say. */
struct tls_ext_said {
    char sni[256];             /* the first host name of server_name */
    char alpn[64];             /* outside a ClientHello: the first protocol, the one selected */
    uint16_t max_version;      /* ClientHello supported_versions: the highest, not GREASE */
    int version_selected;      /* elsewhere: supported_versions selected ... */
    uint16_t selected_version; /* ... this one */
    int psk_selected;          /* pre_shared_key outside a ClientHello: a PSK was accepted */
    int ems, etm;              /* extended_master_secret, encrypt_then_mac present */
    int early_data;            /* early_data present */
};

struct tls_parsed {
    enum tls_reached reached;
    uint16_t version;   /* a hello's (legacy_)version; SSL 2.0 SERVER-HELLO: server_version */
    uint8_t random[32]; /* a hello's (SSL 2.0 CLIENT-HELLO: the challenge, right-aligned) */
    uint8_t sid[32];    /* a hello's session ID */
    uint8_t sid_len;
    uint16_t suite;         /* ServerHello: cipher_suite (0xffff: an early draft's HRR has none) */
    uint8_t compression;    /* ServerHello: compression_method */
    uint16_t group;         /* ServerHello key_share, ServerKeyExchange named curve (0 none) */
    struct tls_hello hello; /* a hello's lists for the fingerprints, once begun */
    int hello_begun;
    struct tls_ext_said ext;
    /* Certificate, SSL 2.0 SERVER-HELLO: the list was read, and these
     * certificates of it parsed (certs is lent by the connection, room
     * for TLS_MAX_CERTS; NULL: none kept). */
    int chain_read;
    struct x509_cert *certs;
    int ncerts;
    /* SSL 2.0 */
    int ssl2_hit;                        /* SERVER-HELLO: session_id_hit */
    uint32_t ssl2_specs[TLS_MAX_LISTED]; /* SERVER-HELLO: the cipher specs */
    int ssl2_nspecs;
    uint32_t ssl2_kind;  /* CLIENT-MASTER-KEY: the cipher kind chosen */
    int ssl2_error_read; /* ERROR: its code was read */
    uint16_t ssl2_error;
};

/* One message being decoded. */
struct tls_dec {
    struct ftree *t;
    enum dir dir;
    uint8_t msg;      /* the handshake type (extensions depend on it) */
    uint16_t version; /* negotiated before this message: layouts that depend on it */
    uint32_t cipher;  /* ... and the suite (key exchange messages) */
    struct tls_parsed *out;
    struct tls_hello *hello;       /* set while decoding a hello's lists */
    struct tls_msg_keying *keying; /* slices for key derivation; may be NULL */
};

/* SSL 2.0 message types in clear (the names table's SSL2_MSG rows). */
enum tls_ssl2_msg {
    SSL2_ERROR = 0,
    SSL2_CLIENT_HELLO = 1,
    SSL2_CLIENT_MASTER_KEY = 2,
    SSL2_SERVER_HELLO = 4,
};

/* Records why decoding stopped, in the tree; returns 0. */
int tls_dec_fail(struct tls_dec *d, int node, const char *why);

int tls_dec_extensions(struct tls_dec *d, struct cursor *c, int node);
int tls_dec_dn_list(struct tls_dec *d, struct cursor *c, int node, const char *key);
int tls_dec_client_hello(struct tls_dec *d, struct cursor *c, int node);
int tls_dec_server_hello(struct tls_dec *d, struct cursor *c, int node);
/* ssl2.c: SSL 2.0 messages (draft-hickman-netscape-ssl-00).  The
 * CLIENT-HELLO from its msg_type on; any other message after its
 * msg_type, which the caller read. */
int tls_dec_ssl2_client_hello(struct tls_dec *d, struct cursor *c, int node);
int tls_dec_ssl2_message(struct tls_dec *d, uint8_t type, struct cursor *c, int node);
/* A certificate's DER as a group of the list l, its fields from OpenSSL;
 * kept in the result's certs and the chain slices.  Returns the group. */
int tls_dec_cert_der(struct tls_dec *d, const struct cursor *der, int l);
int tls_dec_message(struct tls_dec *d, uint8_t type, struct cursor *c, int node);

/* facts.c: what a message of type (HelloRetryRequest: 6; SSL 2.0: ssl2)
 * from dir adds to the summary. */
void tls_fold(struct tls_summary *s, enum dir dir, uint8_t type, int ssl2,
              const struct tls_parsed *p);
/* What it means for the keys, from the summary it was folded into. */
void tls_keying_update(const struct tls_summary *s, enum dir dir, const struct tls_msg *m,
                       struct crypto_update *u, struct crypto_client_hello *ch,
                       struct crypto_server_hello *sh);

/* opening.c: what the plaintext before TLS is (SMTP, a SOCKS proxy, ...)
 * and how its request to upgrade was answered. */
struct tls_opener;
struct tls_opener *tls_opener_new(void);
void tls_opener_free(struct tls_opener *o);
/* The plaintext bytes of dir, in stream order; updates *out. */
void tls_opener_feed(struct tls_opener *o, enum dir dir, const uint8_t *p, size_t n,
                     struct tls_opening *out);
/* Bytes of dir's plaintext were lost. */
void tls_opener_gap(struct tls_opener *o, enum dir dir);
/* dir switched to TLS after its plaintext. */
void tls_opener_tls(struct tls_opener *o, enum dir dir, struct tls_opening *out);

/*
 * conn.c and start.c: one connection, and each of its directions.
 */
/* Where a direction stands: at its first byte, in a plaintext opening,
 * or in TLS (everything from there goes to the framer). */
enum tls_phase { PH_START, PH_PLAIN, PH_TLS };

struct tls_dir {
    struct tls_conn *conn;
    enum dir dir;
    enum tls_phase phase;
    /* PH_START, PH_PLAIN: the last bytes, when they may begin a record
     * that the next bytes would confirm. */
    uint8_t carry[TLS_START_NEED];
    size_t ncarry;
    uint64_t carry_offset;
    int gap;      /* bytes of its plaintext were lost */
    int alerted;  /* it sent an alert: its TLS may end there */
    int finished; /* it finished its handshake (sent Finished) ... */
    int app_sent; /* ... and sent application data records */
    int ended;    /* ... and bytes that are not TLS follow, from ended_at */
    uint64_t ended_at;
    struct tls_framer *framer;
    int encrypted;  /* records after this point are ciphertext */
    int broken;     /* handshake decoding stopped in this direction */
    int decrypting; /* the bytes being decoded came out of a protected record */
    uint8_t *hs;    /* a handshake message not yet complete */
    size_t hs_len, hs_cap;
};

/* The stream bytes being read (tls_conn_data's), for the problems that
 * arise in them. */
struct piece {
    const uint8_t *p; /* NULL: none */
    size_t n;
    uint64_t offset;
    enum dir dir;
};

struct tls_conn {
    const struct tls_ops *ops;
    void *arg;
    struct ftree tree; /* the message being decoded; its arena is reused */
    struct tls_dir d[2];
    struct tls_summary sum;
    struct crypto_conn *crypto; /* NULL without keys */
    struct x509_cert *chain;    /* the server's certificates of the message being decoded */
    struct tls_opener *opening; /* while a direction is plaintext: its classifier */
    int midstream;              /* the capture lacks the connection's start */
    struct piece piece;
};

/* start.c: a direction not yet in TLS.  Its bytes are plaintext up to
 * where a record starts (the rest goes to the framer); tls_plain_out
 * tells plaintext to the opening classifier and the consumer. */
void tls_plain_data(struct tls_dir *ds, const uint8_t *p, size_t n, uint64_t offset);
void tls_plain_out(struct tls_dir *ds, const uint8_t *p, size_t n, uint64_t offset);

/* The test entry points (tests/unit, tests/fuzz): facts.c. */
/* Decodes one handshake message body of the given type into the tree
 * under root, for tests and fuzzing; returns 0 if it is malformed.  A
 * ServerHello (2) with the HelloRetryRequest random is decoded as one, as
 * on a connection. */
int tls_decode_message(uint8_t type, const uint8_t *body, size_t len, struct ftree *tree, int root,
                       struct tls_summary *sum, enum dir dir);

/* Decodes an SSL 2.0 record's body in clear (msg_type, then the
 * message) into the tree under root, for tests and fuzzing; returns 0 if
 * it is malformed. */
int tls_decode_ssl2_message(const uint8_t *p, size_t len, struct ftree *tree, int root,
                            struct tls_summary *sum, enum dir dir);

/* Decodes an extension block (its 2-byte length, then the extensions, and
 * nothing after them) as it appears in a handshake message of type
 * `context`: 1 ClientHello, 2 ServerHello, 6 HelloRetryRequest, 8
 * EncryptedExtensions, 11 a TLS 1.3 CertificateEntry, 4 NewSessionTicket,
 * 13 CertificateRequest.  For tests and fuzzing; returns 0 if it is
 * malformed.  Adds an "extensions" list under root. */
int tls_decode_extensions(uint8_t context, const uint8_t *p, size_t len, struct ftree *tree,
                          int root, struct tls_summary *sum, enum dir dir);

/* Adds a vector of 16-bit values named from table as a list. */
int tls_dec_u16_list(struct tls_dec *d, struct cursor *v, int node, const char *key,
                     enum reg_table table, uint16_t *keep, int *nkeep);
/* Appends x to a hello list unless it is GREASE. */
void tls_hello_add(uint16_t *list, int *n, uint16_t x);

/* 1 for a draft before 22 (0x7f00-0x7f15), whose ServerHello has no
 * legacy_session_id_echo and no compression method, and whose
 * HelloRetryRequest is a message of its own (type 6). */
int tls_is_early_draft(uint16_t v);

/* 1 for the kinds the record framer reports, whose value is the stream
 * offset where they arose. */
int tls_problem_is_framing(enum tls_problem_kind kind);

#endif
