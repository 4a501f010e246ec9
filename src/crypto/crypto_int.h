/*
 * crypto_int.h: what the files of the crypto stage share.
 */
#ifndef TLSDUMP_CRYPTO_INT_H
#define TLSDUMP_CRYPTO_INT_H

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/types.h>

#include "base/registry.h"
#include "base/util.h"
#include "crypto.h"

/* How records of a suite are protected (RFC 5246 6.2.3, RFC 8446 5.2). */
enum rec_class {
    RC_NULL,   /* MAC only */
    RC_STREAM, /* RC4, then MAC */
    RC_CBC,    /* MAC-then-encrypt, or encrypt-then-MAC (RFC 7366) */
    RC_AEAD,   /* GCM, CCM, CCM_8, ChaCha20-Poly1305 */
};

/* A cipher suite's parameters, as crypto uses them, from its row of the
 * names table (reg_suite). */
struct suite {
    uint16_t id;
    enum rec_class cls;
    const char *cipher; /* EVP cipher name; NULL for NULL suites */
    const char *mac;    /* HMAC digest; NULL for AEAD */
    const char *prf;    /* TLS 1.2 PRF / TLS 1.3 HKDF digest */
    int key_len, block, mac_len, tag_len;
    int fixed_iv;       /* AEAD: implicit nonce part (4), or whole nonce (12) */
    int explicit_nonce; /* AEAD in TLS 1.2: 8 nonce bytes precede the ciphertext */
    int ccm;            /* CCM's EVP calling sequence differs from GCM's */
    int rsa_kx;         /* the RSA key exchange: a server key can decrypt it */
    int tls13;
    int export_material; /* export: key block bytes per write key (else 0) */
    int effective_bits;  /* the write key's strength in bits */
};

/* Fills s with the suite's parameters; returns 0 (with why) when tlsdump
 * cannot decrypt it. */
int crypto_suite_find(uint16_t id, struct suite *s, const char **why);

/* One direction's record protection: the "record class" instance. */
struct rc;

struct rc_params {
    const struct suite *s;
    uint16_t version; /* negotiated */
    int etm;
    const uint8_t *key, *mac_key, *iv;
};

/* crypto_rc_new's reason when OpenSSL has no implementation of the cipher. */
#define RC_CANNOT_RUN "OpenSSL cannot run this cipher here"

struct rc *crypto_rc_new(const struct rc_params *p, const char **why);
/* crypto_rc_new's why as a sentence for the user: a missing cipher by name. */
const char *crypto_rc_why(const char *why, const char *cipher, int legacy, char *buf, size_t len);
void crypto_rc_free(struct rc *r);
/* Opens a record with sequence number seq into out (room for
 * CRYPTO_MAX_RECORD bytes); returns 0 when the MAC or tag fails. */
int crypto_rc_open(struct rc *r, uint64_t seq, const struct crypto_record *rec, uint8_t *out,
                   size_t *outlen);

/* The handshake messages so far, for the extended master secret. */
struct transcript {
    uint8_t *p;
    size_t len, cap;
    int on; /* recording; off past a bound or when not needed */
};

void crypto_transcript_start(struct transcript *t, int on);
void crypto_transcript_add(struct transcript *t, const uint8_t *p, size_t n);
/* RFC 7627 3: the session hash; 0 when the messages were not all kept. */
int crypto_transcript_hash(const struct transcript *t, const char *md, uint8_t *out,
                           unsigned *outlen);
void crypto_transcript_free(struct transcript *t);

/* Master secret and record keys of SSLv3 to TLS 1.2 (keyblock.c). */
struct keyblock_in {
    const struct suite *s;
    uint16_t version;
    int etm;
    const uint8_t *master, *cr, *sr; /* 48, 32 and 32 bytes */
};

/* The master secret from an RSA premaster secret; session_hash NULL
 * unless the extended master secret (RFC 7627) was negotiated. */
int crypto_keyblock_master(const struct suite *s, uint16_t version, const uint8_t pms[48],
                           const uint8_t cr[32], const uint8_t sr[32], const uint8_t *session_hash,
                           size_t hlen, uint8_t master[48]);
/* Each direction's record protection, the client's in out[0]; returns 0
 * with both NULL and why set when it cannot. */
int crypto_keyblock_derive(const struct keyblock_in *in, struct rc *out[2], const char **why);

/* The key log. */
enum kl_label {
    KL_EARLY,    /* CLIENT_EARLY_TRAFFIC_SECRET */
    KL_CHTS,     /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    KL_SHTS,     /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    KL_CTS0,     /* CLIENT_TRAFFIC_SECRET_0 */
    KL_STS0,     /* SERVER_TRAFFIC_SECRET_0 */
    KL_EXPORTER, /* EXPORTER_SECRET */
    KL_MASTER,   /* CLIENT_RANDOM: the TLS 1.2 master secret */
    KL_NLABELS
};

struct keylog;

struct keylog *crypto_keylog_new(void);
void crypto_keylog_free(struct keylog *kl);
/* Adds a key log file and reads it.  With may_wait, a file that does not
 * exist yet is no error: *waiting is set and it is read once it appears. */
int crypto_keylog_add_file(struct keylog *kl, const char *path, int may_wait, int *waiting,
                           char *err, size_t errlen);
/* Adds key log lines held in memory; returns how many gave a secret. */
size_t crypto_keylog_add_text(struct keylog *kl, const uint8_t *text, size_t len);
/* Reads what was appended to the files since (a live capture), and files
 * that have appeared since. */
void crypto_keylog_refresh(struct keylog *kl);
/* Copies a secret for this client random into out; returns its length or 0. */
size_t crypto_keylog_find(struct keylog *kl, const uint8_t cr[32], enum kl_label label,
                          uint8_t *out);
void crypto_keylog_stats(const struct keylog *kl, size_t *lines, size_t *bad);
/* Adds a secret (len at most 64) unless the label has one for this client
 * random already; returns 0 when out of memory. */
int crypto_keylog_put(struct keylog *kl, const uint8_t cr[32], enum kl_label label,
                      const uint8_t *secret, size_t len);
/* Calls fn with each secret as a key log line ("LABEL cr secret", hex, no
 * newline; wiped after the call); returns how many. */
size_t crypto_keylog_each(const struct keylog *kl, void (*fn)(void *arg, const char *line),
                          void *arg);

/* RSA private keys. */
struct rsa_keys;

struct rsa_keys *crypto_rsa_new(void);
void crypto_rsa_free(struct rsa_keys *r);
int crypto_rsa_add(struct rsa_keys *r, const char *path, const char *password, char *err,
                   size_t errlen);
int crypto_rsa_count(const struct rsa_keys *r);
/* The index of the key that belongs to this certificate, or -1. */
int crypto_rsa_match(struct rsa_keys *r, const uint8_t *der, size_t len);
/* Decrypts an encrypted premaster secret with key i; returns 1 when it
 * yields 48 bytes. */
int crypto_rsa_decrypt(struct rsa_keys *r, int i, const uint8_t *enc, size_t len, uint8_t pms[48]);

/* TLS 1.2 sessions seen in the capture, for resumption by ID or ticket. */
struct session_cache;

struct session_cache *crypto_sessions_new(void);
void crypto_sessions_free(struct session_cache *sc);
void crypto_sessions_put(struct session_cache *sc, const uint8_t *id, size_t idlen,
                         const uint8_t master[48]);
/* The cache's key for a session ID or a ticket. */
void crypto_sessions_key(const uint8_t *id, size_t idlen, uint8_t out[32]);
int crypto_sessions_get(struct session_cache *sc, const uint8_t key[32], uint8_t master[48]);

/* Shared by every connection, on every thread (--threads): what changes
 * after the start (the key logs read again, the secrets used, the session
 * cache) is read and written under lock, through the calls below. */
struct crypto_keys {
    pthread_mutex_t lock;
    void (*settle)(void);  /* crypto_keys_set_settle: may be NULL */
    OSSL_PROVIDER *legacy; /* may be NULL */
    struct keylog *keylog;
    struct keylog *used; /* the secrets connections were decrypted with (--keys-out) */
    struct rsa_keys *rsa;
    struct session_cache *sessions;
    int nkeylogs;        /* key log files */
    size_t text_secrets; /* secrets from key log text (a capture file's own) */
    int digest;
};

/* keys.c: the shared store, under its lock.  Sessions are looked up by
 * their cache keys (crypto_sessions_key), the first found of n;
 * settled: after settle(), when a resumption needs one the cache lacks. */
size_t crypto_keys_find(struct crypto_keys *k, const uint8_t cr[32], enum kl_label label,
                        uint8_t *out);
void crypto_keys_note_used(struct crypto_keys *k, const uint8_t cr[32], enum kl_label label,
                           const uint8_t *secret, size_t n);
int crypto_keys_session_get(struct crypto_keys *k, const uint8_t (*keys)[32], int n,
                            uint8_t master[48], int settled);
void crypto_keys_session_put(struct crypto_keys *k, const uint8_t *id, size_t idlen,
                             const uint8_t master[48]);

/* session.c and open.c: one connection's keys, per direction. */
struct dir_crypt {
    struct rc *cur;     /* protects this direction's records now */
    struct rc *pending; /* TLS <= 1.2: after the next ChangeCipherSpec */
    struct rc *early;   /* TLS 1.3 client: early data */
    struct rc *hs;      /* TLS 1.3 client: handshake keys, once early data ends */
    uint64_t seq, early_seq;
    uint8_t secret[64]; /* TLS 1.3: the current traffic secret */
    size_t secret_len;
    int wanted;      /* TLS 1.3: 1 + the kl_label of a traffic secret not found yet; 0 none */
    int retries;     /* ... looked for again by this many more records */
    uint64_t missed; /* ... records that went by without it */
    int lost;        /* bytes were lost: the sequence number is uncertain */
    struct crypto_inflate *z; /* DEFLATE: the stream of this connection state */
    EVP_MD_CTX *md;           /* SHA-256 of the application data */
};

struct crypto_conn {
    struct crypto_keys *k;
    struct dir_crypt d[2];
    struct suite suite;
    int have_suite;
    uint16_t version;
    uint8_t cr[32], sr[32];
    uint8_t master[48];
    int have_master, derived;
    int etm, ems;
    int resumed;         /* the ServerHello resumed the session offered */
    uint8_t compression; /* the ServerHello's, in force after ChangeCipherSpec */
    uint8_t sid[32];
    size_t sid_len;
    uint8_t resume[48]; /* the master secret of the session the client offered */
    int have_resume;
    uint8_t offers[2][32]; /* the ClientHello's ticket and session ID, as cache keys */
    int noffers;
    uint8_t early[64]; /* CLIENT_EARLY_TRAFFIC_SECRET */
    size_t early_len;
    int early_offered;
    int rsa_key; /* the key matching the server certificate, or -1 */
    int cert_seen;
    struct transcript transcript; /* for the extended master secret */
    struct crypto_result res;
    /* One record's plaintext at a time, and when compressed, inflated:
     * allocated at the first record that needs them, then reused. */
    uint8_t *plain, *inflated;
};

/* Keeps the first reason why records are not decrypted. */
void crypto_conn_reason(struct crypto_conn *c, const char *why);
/* TLS 1.3: looks again for a traffic secret the key log lacked when the
 * keys changed, while the direction has retries left. */
#define CRYPTO_TRAFFIC_RETRIES 16
void crypto_conn_retry_traffic(struct crypto_conn *c, enum dir dir);
/* Frees what *slot holds and puts r there. */
void crypto_rc_replace(struct rc **slot, struct rc *r);
/* RFC 8446 7.3: the record protection of a TLS 1.3 traffic secret. */
struct rc *crypto_tls13_keys(struct crypto_conn *c, const struct suite *s, const uint8_t *secret,
                             size_t len);

/* The building blocks (RFC 5246 5, RFC 8446 7.1), tested on their own. */
int crypto_tls_prf(const char *md, const uint8_t *secret, size_t slen, const char *label,
                   const uint8_t *seed, size_t seedlen, const uint8_t *seed2, size_t seed2len,
                   uint8_t *out, size_t outlen);
int crypto_expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label,
                        const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen);
int crypto_hkdf_extract(const char *md, const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                        size_t ikmlen, uint8_t *out, size_t *outlen);

/* SSLv3 (RFC 6101 6.1, 6.2.2): the MD5/SHA-1 construction that makes the
 * master secret from the premaster (r1 the client random, r2 the
 * server's) and the key block from the master secret (r1 the server
 * random, r2 the client's).  At most 416 bytes. */
int crypto_ssl3_prf(const uint8_t *secret, size_t slen, const uint8_t r1[32], const uint8_t r2[32],
                    uint8_t *out, size_t outlen);
/* SSLv3's record MAC (RFC 6101 5.2.3.1) with md "MD5" or "SHA1". */
int crypto_ssl3_mac(const char *md, const uint8_t *secret, size_t slen, uint64_t seq, uint8_t type,
                    const uint8_t *data, size_t len, uint8_t *out, size_t *outlen);
/* An export suite's final write key of the client (server 0) or the
 * server (1) from the key block's key material (RFC 6101 6.2.2.1 for
 * version 0x0300, else RFC 2246 6.3 with the PRF digest prf); at most 16
 * bytes for SSLv3. */
int crypto_export_key(uint16_t version, const char *prf, int server, const uint8_t *key,
                      size_t klen, const uint8_t cr[32], const uint8_t sr[32], uint8_t *out,
                      size_t outlen);
/* ... and its IVs, from the randoms alone (at most 16 bytes each). */
int crypto_export_ivs(uint16_t version, const char *prf, const uint8_t cr[32], const uint8_t sr[32],
                      uint8_t *civ, uint8_t *siv, size_t ivlen);

/* Record compression, DEFLATE (RFC 3749): one direction's stream. */
#define CRYPTO_MAX_INFLATED (16384 + 1024)
struct crypto_inflate;
struct crypto_inflate *crypto_inflate_new(void);
void crypto_inflate_free(struct crypto_inflate *z);
/* Inflates one record's fragment, after the records before it, into out
 * (cap bytes); returns 0 with why when the data is corrupt or would
 * inflate past cap.  After a failure the stream stays failed. */
int crypto_inflate_record(struct crypto_inflate *z, const uint8_t *in, size_t n, uint8_t *out,
                          size_t cap, size_t *outlen, const char **why);

#endif
