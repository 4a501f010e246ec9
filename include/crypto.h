/*
 * crypto.h: stage 4, record protection removed.
 *
 * A crypto_keys holds the keying material given on the command line (key
 * logs, RSA private keys) and what the capture itself teaches (TLS 1.2
 * sessions that later connections resume).  A crypto_conn follows one
 * connection's handshakes through keying updates (crypto_update: what a
 * hello, a key exchange, a Finished ... means for the keys, in this
 * stage's own terms), derives the record keys with OpenSSL's KDFs, and
 * opens each protected record with OpenSSL's ciphers and MACs, verifying
 * its MAC or tag.  The record layer (the tls stage) decides which message
 * means which update; this stage knows no message layout.  All EVP calls of
 * tlsdump live in this stage.
 */
#ifndef TLSDUMP_CRYPTO_H
#define TLSDUMP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/dir.h"

struct crypto_keys;

struct crypto_keys *crypto_keys_new(void);
void crypto_keys_free(struct crypto_keys *k);

/* Adds an NSS key log file (SSLKEYLOGFILE format).  Returns 0 with a
 * reason in err when it cannot be read.  Lines it does not know are
 * counted, not fatal. */
int crypto_keys_add_keylog(struct crypto_keys *k, const char *path, char *err, size_t errlen);

/* The same for a live capture: a file that does not exist yet is no error
 * (the client creates it when it starts); *waiting says so, and the file
 * is read once it appears, as the key logs are read again whenever a
 * secret is missing. */
int crypto_keys_follow_keylog(struct crypto_keys *k, const char *path, int *waiting, char *err,
                              size_t errlen);

/* Adds key log text held in memory (the secrets a capture file carries),
 * read line by line as a file is.  Returns how many lines gave a secret.
 * When several sources hold a secret for the same connection, the one
 * added first is used. */
size_t crypto_keys_add_keylog_text(struct crypto_keys *k, const char *text, size_t len);

/* Adds a server's RSA private key (PEM or DER, PKCS#1 or PKCS#8; password
 * may be NULL).  Returns 0 with a reason in err. */
int crypto_keys_add_rsa(struct crypto_keys *k, const char *path, const char *password, char *err,
                        size_t errlen);

/* Key log lines read so far, and lines that were not understood. */
void crypto_keys_stats(const struct crypto_keys *k, size_t *lines, size_t *bad);

/* Whether anything was given: without keys there is nothing to do. */
int crypto_keys_empty(const struct crypto_keys *k);

/* Asks every crypto_conn to keep a SHA-256 of its application data. */
void crypto_keys_digest_app_data(struct crypto_keys *k, int on);

/* With --threads, connections run on several threads that share these
 * keys; a session a connection resumes may come from one another thread
 * has not reached yet.  settle() is called on such a miss, before the
 * cache is looked at once more: it returns when every thread has handled
 * every packet before the caller's.  NULL (the default): one thread. */
void crypto_keys_set_settle(struct crypto_keys *k, void (*settle)(void));

/* --keys-out: calls fn with each secret a connection's records were
 * decrypted with so far, as a line of the NSS key log format without its
 * newline: CLIENT_RANDOM (TLS <= 1.2, a master secret from a key log, an
 * RSA key or a resumed session) and the TLS 1.3 traffic secrets.  The line
 * is wiped after the call.  Returns how many lines. */
size_t crypto_keys_each_used(const struct crypto_keys *k, void (*fn)(void *arg, const char *line),
                             void *arg);

/* What became of a connection's protected records. */
struct crypto_result {
    int protected_seen; /* it had protected records */
    int decrypted;      /* ... and they were opened */
    char reason[200];   /* why not, when not */
    uint64_t ok_records, failed_records, nokey_records, skipped_records;
    uint64_t app_bytes[2];  /* decrypted application data per direction */
    char app_sha256[2][65]; /* when digests are on */
};

/* RFC 5246 6.2.3: a protected record's fragment is at most 2^14 + 2048 bytes. */
#define CRYPTO_MAX_RECORD (16384 + 2048)

/* What a handshake message means for one connection's keys. */
enum crypto_update_kind {
    CRYPTO_HANDSHAKE,           /* any other handshake message: the transcript only */
    CRYPTO_CLIENT_HELLO,        /* the client starts a handshake: ch */
    CRYPTO_SERVER_HELLO,        /* the server chose version, suite, session: sh */
    CRYPTO_SERVER_CERTIFICATE,  /* bytes: the server's leaf certificate (DER) */
    CRYPTO_CLIENT_KEY_EXCHANGE, /* bytes: the RSA-encrypted premaster secret, or none */
    CRYPTO_SESSION_TICKET,      /* bytes: a TLS <= 1.2 session ticket the server issued */
    CRYPTO_FINISHED,            /* the direction finished its handshake */
    CRYPTO_KEY_UPDATE,          /* TLS 1.3: the direction moves to its next secret */
    CRYPTO_END_OF_EARLY_DATA,   /* TLS 1.3: the client's early data ends */
    CRYPTO_CHANGE_CIPHER_SPEC,  /* TLS <= 1.2: the direction's next records use the new keys */
    CRYPTO_GAP,                 /* bytes were lost: record sequence numbers are uncertain */
};

struct crypto_client_hello {
    const uint8_t *random; /* 32 bytes */
    const uint8_t *session_id;
    size_t session_id_len;
    const uint8_t *ticket; /* the session_ticket offered (RFC 5077 3.4); NULL: none */
    size_t ticket_len;
    int early_data; /* TLS 1.3 early data offered */
};

struct crypto_server_hello {
    uint16_t version; /* negotiated */
    uint32_t suite;   /* the cipher suite; above 0xffff: it was not read */
    const uint8_t *random;
    const uint8_t *session_id;
    size_t session_id_len;
    int resumed;         /* the session offered is resumed (TLS 1.3: a PSK was accepted) */
    int ems;             /* extended master secret (RFC 7627) */
    int etm;             /* encrypt-then-MAC (RFC 7366) */
    uint8_t compression; /* 1: DEFLATE (RFC 3749) */
};

/* A keying update.  Pointers are borrowed for the call; one whose length
 * is 0 may be NULL. */
struct crypto_update {
    enum crypto_update_kind kind;
    /* A handshake message as sent, header included (what the extended
     * master secret hashes); NULL for ChangeCipherSpec and gaps. */
    const uint8_t *message;
    size_t message_len;
    const struct crypto_client_hello *ch;
    const struct crypto_server_hello *sh;
    const uint8_t *bytes; /* see the kinds; may be NULL */
    size_t nbytes;
};

/* A protected record: its header's content type and version, and the
 * fragment.  Borrowed for the call. */
struct crypto_record {
    unsigned type;
    uint16_t version;
    const uint8_t *fragment;
    size_t length;
};

enum crypto_open_status {
    CRYPTO_OPEN_NO_KEYS, /* no keys for it */
    CRYPTO_OPEN_OK,
    CRYPTO_OPEN_FAILED, /* keys present but the MAC or tag did not verify */
};

/* An opened record.  p points into the crypto_conn: valid until its next
 * crypto_conn_open(). */
struct crypto_plaintext {
    unsigned type; /* the content type (TLS 1.3: the inner type) */
    const uint8_t *p;
    size_t n;
    int early; /* TLS 1.3 early data (0-RTT), under the early secret */
};

struct crypto_conn;

struct crypto_conn *crypto_conn_new(struct crypto_keys *k);
void crypto_conn_free(struct crypto_conn *c);

/* Tells the connection what a message of dir means for its keys. */
void crypto_conn_update(struct crypto_conn *c, enum dir dir, const struct crypto_update *u);

/* Opens a protected record of dir into *out; *skipped says how many
 * records were lost before it (after a gap). */
enum crypto_open_status crypto_conn_open(struct crypto_conn *c, enum dir dir,
                                         const struct crypto_record *rec,
                                         struct crypto_plaintext *out, uint64_t *skipped);

/* Valid until the crypto_conn is freed or used again. */
const struct crypto_result *crypto_conn_result(struct crypto_conn *c);

/* OpenSSL's name and version as it says it ("OpenSSL 3.0.19 27 Jan 2026"). */
const char *crypto_lib_version(void);

#endif
