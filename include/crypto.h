/*
 * crypto.h: stage 4, record protection removed.
 *
 * A crypto_keys holds the keying material given on the command line (key
 * logs, RSA private keys) and what the capture itself teaches (TLS 1.2
 * sessions that later connections resume).  A crypto_conn follows one
 * connection's handshakes through the tls stage's tls_protect_ops, derives
 * the record keys with OpenSSL's KDFs, and opens each protected record with
 * OpenSSL's ciphers and MACs, verifying its MAC or tag.  All EVP calls of
 * tlsdump live in this stage.
 */
#ifndef TLSDUMP_CRYPTO_H
#define TLSDUMP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "tls.h"

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

struct crypto_conn;

struct crypto_conn *crypto_conn_new(struct crypto_keys *k);
void crypto_conn_free(struct crypto_conn *c);

/* The tls_protect_ops to plug into a tls_conn, with the crypto_conn as arg. */
extern const struct tls_protect_ops crypto_protect_ops;

/* Valid until the crypto_conn is freed or used again. */
const struct crypto_result *crypto_conn_result(struct crypto_conn *c);

/* The building blocks, exposed for tests (RFC 5246 5, RFC 8446 7.1). */
int crypto_tls_prf(const char *md, const uint8_t *secret, size_t slen, const char *label,
                   const uint8_t *seed, size_t seedlen, const uint8_t *seed2, size_t seed2len,
                   uint8_t *out, size_t outlen);
int crypto_expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label,
                        const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen);
int crypto_hkdf_extract(const char *md, const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                        size_t ikmlen, uint8_t *out, size_t *outlen);

/* OpenSSL's name and version as it says it ("OpenSSL 3.0.19 27 Jan 2026"). */
const char *crypto_lib_version(void);

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
