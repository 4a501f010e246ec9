/*
 * tls.h: stage 3, TLS over a connection's two byte streams.
 *
 * A tls_conn is fed each direction's stream bytes (and gaps).  It frames
 * records, has the crypto stage open the protected ones (telling it what
 * each handshake message means for the keys), gathers handshake messages
 * that span records or share one, decodes each message into a field tree,
 * and folds what it says into the connection summary: versions, cipher,
 * SNI, ALPN, messages, alerts, certificates, fingerprints, problems.  It
 * tells its consumer about each record, message, alert and problem as it
 * happens, through tls_ops.
 */
#ifndef TLSDUMP_TLS_H
#define TLSDUMP_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "base/dir.h"
#include "base/fields.h"
#include "crypto.h"
#include "record.h"
#include "x509.h"

/* Handshake types are registry.h's enum tls_hs_type.  TLS 1.3 drafts sent
 * HelloRetryRequest as type 6; RFC 8446 sends a ServerHello with the HRR
 * random, to which the tls stage gives TLS_HS_HELLO_RETRY_REQUEST too. */

/* Certificates of one Certificate message kept as slices: more than the
 * 12 intermediates of pcaps/long-chain.pcap, far more than real chains. */
#define TLS_MAX_CHAIN 16

/* Slices of a message that key derivation and certificate verification
 * need; NULL (0) when absent. */
struct tls_msg_keying {
    const uint8_t *ticket; /* ClientHello session_ticket, NewSessionTicket ticket */
    size_t ticket_len;
    const uint8_t *pms; /* ClientKeyExchange: RSA-encrypted premaster secret */
    size_t pms_len;
    const uint8_t *cert; /* Certificate: the first (leaf) certificate, DER: chain[0] */
    size_t cert_len;
    /* Certificate (either direction): each cert_data as sent, leaf first,
     * whether or not it parses, so that the chain can be verified as the
     * peer presented it.  A malformed message keeps the entries read
     * before the fault. */
    const uint8_t *chain[TLS_MAX_CHAIN];
    size_t chain_len[TLS_MAX_CHAIN];
    int nchain;
    int chain_dropped; /* entries after the first TLS_MAX_CHAIN, not kept */
};

/* A handshake message, decoded.  Valid during the callback only. */
struct tls_msg {
    uint8_t type;    /* handshake type; HelloRetryRequest is reported as 6 */
    uint32_t length; /* body length */
    const uint8_t *body;
    const uint8_t *raw; /* header and body, as hashed into the transcript */
    size_t raw_len;
    const struct ftree *tree; /* the decoded fields, under root */
    int root;
    int malformed; /* decoding stopped early; the tree says where */
    int decrypted; /* it came out of a protected record */
    int ssl2;      /* an SSL 2.0 message: type is its msg_type (REG_SSL2_MSG) */
    struct tls_msg_keying keying;
};

struct tls_alert {
    enum dir from;
    int encrypted; /* it was sent protected */
    int decrypted; /* ... and was decrypted: level and desc are known */
    uint8_t level, desc;
};

/* Outcome of opening a protected record. */
enum tls_open_status {
    TLS_OPEN_NO_KEYS, /* no keys for it: shown as ciphertext */
    TLS_OPEN_OK,
    TLS_OPEN_FAILED, /* keys present but the MAC or tag did not verify */
};

/* A record's plaintext.  Valid during the callback only. */
struct tls_plaintext {
    unsigned type; /* content type (TLS 1.3: the inner type) */
    const uint8_t *p;
    size_t n;
    int early; /* TLS 1.3 early data (0-RTT), under the early secret */
};

/* A record, with what the stage knows of its protection. */
struct tls_rec_info {
    const struct tls_record *rec;
    int encrypted;              /* its contents are ciphertext */
    enum tls_open_status open;  /* when encrypted */
    struct tls_plaintext plain; /* when open == TLS_OPEN_OK */
    uint64_t skipped;           /* records skipped before it because of a gap */
};

/* What went wrong on a connection.  The framing problems (not_tls to
 * resync) are told as they happen (tls_ops.problem); all are listed in
 * the summary. */
enum tls_problem_kind {
    TLS_GAP,         /* bytes were lost; value: how many */
    TLS_MIDSTREAM,   /* the capture lacks the connection's start */
    TLS_NOT_TLS,     /* the stream does not start like TLS */
    TLS_BAD_LENGTH,  /* a record longer than the protocol allows */
    TLS_BAD_HEADER,  /* a record header that is not TLS mid-stream */
    TLS_LOST_SYNC,   /* bytes were lost: record boundaries are unknown */
    TLS_RESYNC,      /* ... and found again: a record starts at the offset */
    TLS_BAD_ALERT,   /* an alert record that does not hold whole alerts; value: its length */
    TLS_BAD_MESSAGE, /* a handshake message that did not decode or is too long; value: its length */
};

#define TLS_MAX_LISTED 32
#define TLS_MAX_CERTS 10
#define TLS_MAX_ALERTS 8
#define TLS_MAX_PROBLEMS 16

/* A hello's values in wire order, GREASE left out (RFC 8701): what the
 * fingerprints and the diagnosis read.  Lists keep their first
 * TLS_HELLO_MAX values (JA4 counts at most 99). */
#define TLS_HELLO_MAX 128
#define TLS_HELLO_MAX_ALPN 16
#define TLS_ALPN_NAME_MAX 64
struct tls_hello {
    int seen;
    uint16_t version; /* legacy_version */
    uint16_t ciphers[TLS_HELLO_MAX];
    uint16_t exts[TLS_HELLO_MAX];
    uint16_t groups[TLS_HELLO_MAX];
    uint16_t sigalgs[TLS_HELLO_MAX];  /* signature_algorithms (13) */
    uint16_t versions[TLS_HELLO_MAX]; /* supported_versions (ServerHello: the one selected) */
    uint8_t formats[TLS_HELLO_MAX];
    int nciphers, nexts, ngroups, nsigalgs, nversions, nformats;
    char alpn[256];        /* protocols, comma-separated, printable */
    uint8_t alpn_first[2]; /* first and last byte of the first protocol */
    int nalpn;             /* protocols in the extension */
    /* The first TLS_HELLO_MAX_ALPN protocols one by one, printable
     * (a name may hold a comma). */
    char alpn_names[TLS_HELLO_MAX_ALPN][TLS_ALPN_NAME_MAX];
};

struct tls_problem {
    enum tls_problem_kind kind;
    enum dir dir;
    uint64_t value; /* framing kinds: the stream offset; else as the kind says */
    /* The direction's stream bytes from the offset on, as far as the piece
     * being read holds them (a header the framer gathered across pieces is
     * not at hand); NULL when none.  Told problems only: valid during the
     * callback. */
    const uint8_t *bytes;
    size_t nbytes;
};

/* How TLS began on a connection whose streams did not start with it: a
 * plaintext opening (STARTTLS and its kin, a proxy's CONNECT or SOCKS
 * exchange, a database's SSL request) that hands over to TLS. */
enum tls_upgrade {
    TLS_UPGRADE_NONE,     /* no request to upgrade seen */
    TLS_UPGRADE_ASKED,    /* the client asked; the server has not answered */
    TLS_UPGRADE_ACCEPTED, /* the server agreed, or TLS followed */
    TLS_UPGRADE_REFUSED,  /* the server refused: the connection stays plaintext */
};

struct tls_opening {
    const char *app; /* "smtp", "imap", "postgres", "socks5", ...; NULL unknown */
    const char *how; /* "starttls" or "proxy"; NULL: no upgrade request seen */
    enum tls_upgrade upgrade;
    char answer[96];   /* the server's answer to the request, printable */
    uint64_t plain[2]; /* bytes each direction sent before its TLS (or in all) */
    int tls[2];        /* the direction switched to TLS, after plain[dir] bytes */
};

/* An SSL 2.0 connection (draft-hickman-netscape-ssl-00): the server
 * answered in SSL 2.0.  Its messages after the key exchange are
 * encrypted: the client's once it sent CLIENT-MASTER-KEY, the server's
 * once it received it (at once when the session is resumed). */
struct tls_ssl2 {
    int server_hello;   /* the SERVER-HELLO was seen */
    int session_id_hit; /* ... and resumes a session: no CLIENT-MASTER-KEY */
    int master_key;     /* the client sent CLIENT-MASTER-KEY */
    int keyed[2];       /* the direction's records are encrypted from here */
    int error_seen;     /* an ERROR message in clear */
    enum dir error_from;
    uint16_t error;                 /* its error code (REG_SSL2_ERROR) */
    uint32_t specs[TLS_MAX_LISTED]; /* the server's cipher specs (REG_CIPHER, 24-bit) */
    int nspecs;
};

/* What the connection summary shows: each decoded message is folded into
 * it in one place (src/tls/facts.c), in the order the messages came. */
struct tls_summary {
    uint16_t client_version; /* highest the client offered */
    uint16_t version;        /* negotiated; 0 unknown */
    uint32_t cipher;         /* negotiated (SSL 2.0: a 24-bit cipher kind); 0xffffffff unknown */
    char sni[256];
    char alpn[64]; /* selected: ServerHello, or decrypted EncryptedExtensions */
    int resumed, hrr;
    uint8_t client_sid[32]; /* the ClientHello's session ID */
    uint8_t client_sid_len;
    uint8_t server_sid[32]; /* the ServerHello's */
    uint8_t server_sid_len;
    int psk_selected;               /* TLS 1.3: the server accepted a PSK */
    uint16_t hs[2][TLS_MAX_LISTED]; /* handshake types; SSL 2.0 messages as 0x100 + msg_type */
    int nhs[2];
    struct tls_alert alerts[TLS_MAX_ALERTS];
    int nalerts;
    struct x509_cert *certs; /* the server's chain, as sent */
    int ncerts;
    struct x509_cert *client_certs; /* the client's (mutual TLS), as sent */
    int nclient_certs;
    uint16_t group;      /* the key exchange's group (REG_GROUP): key_share, or the
                          * ServerKeyExchange's named curve; 0 unknown */
    struct tls_hello ch; /* the first ClientHello */
    struct tls_hello sh; /* the first ServerHello (not a HelloRetryRequest) */
    struct tls_problem problems[TLS_MAX_PROBLEMS]; /* the first ones, bytes NULL */
    int nproblems;
    int tls_seen;               /* at least one record */
    struct tls_opening opening; /* the plaintext before TLS, if any */
    struct tls_ssl2 ssl2;       /* SSL 2.0: what the SSL 2.0 rules need */
    /* What key derivation needs, for the handshake in progress. */
    uint8_t client_random[32], server_random[32];
    int ems;                 /* the ServerHello has extended_master_secret */
    int etm;                 /* the ServerHello has encrypt_then_mac */
    uint8_t compression;     /* the ServerHello's compression_method (1 DEFLATE, RFC 3749) */
    int early_data_offered;  /* the ClientHello has early_data */
    int early_data_accepted; /* the EncryptedExtensions have early_data */
};

struct tls_ops {
    void (*record)(void *arg, enum dir dir, const struct tls_rec_info *r);
    void (*message)(void *arg, enum dir dir, const struct tls_msg *m);
    void (*alert)(void *arg, enum dir dir, const struct tls_alert *a);
    void (*problem)(void *arg, enum dir dir, const struct tls_problem *p);
    /* Stream bytes before the direction's TLS (a STARTTLS dialogue, a
     * proxy request) or of a direction that never speaks TLS. */
    void (*plaintext)(void *arg, enum dir dir, const uint8_t *p, size_t n, uint64_t offset);
    /* The direction's TLS begins at offset, after plaintext. */
    void (*tls_begins)(void *arg, enum dir dir, uint64_t offset);
    /* ... or ends there, after the direction's alert: plaintext follows. */
    void (*tls_ends)(void *arg, enum dir dir, uint64_t offset);
};

struct tls_conn;

/* keys NULL: protected records stay ciphertext.  The connection borrows
 * the keys and follows its keys with a crypto_conn of its own. */
struct tls_conn *tls_conn_new(const struct tls_ops *ops, void *arg, struct crypto_keys *keys);
void tls_conn_free(struct tls_conn *c);

void tls_conn_data(struct tls_conn *c, enum dir dir, const uint8_t *p, size_t n, uint64_t offset);
void tls_conn_gap(struct tls_conn *c, enum dir dir, uint64_t offset, uint64_t bytes);
void tls_conn_midstream(struct tls_conn *c);

const struct tls_summary *tls_conn_summary(struct tls_conn *c);
/* What became of the protected records; NULL without keys.  Valid until
 * the connection is freed or fed again. */
const struct crypto_result *tls_conn_crypto_result(struct tls_conn *c);

/* 1 for TLS 1.3 and for its drafts and experiments (0x7f0e-0x7f1c,
 * 0x7e01, 0x7e02), whose record layer and handshake flow are TLS 1.3's:
 * everything after the ServerHello is encrypted. */
int tls_is_tls13(uint16_t v);

#endif
