/*
 * Servers' RSA private keys, for the RSA key exchange of TLS 1.2 and
 * earlier (RFC 5246 7.4.7.1): the premaster secret is recovered by
 * decrypting the ClientKeyExchange.  A key is used only for the server
 * whose certificate carries its public half.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto_int.h"

#define MAX_KEYS 16

struct rsa_keys {
    EVP_PKEY *key[MAX_KEYS];
    int n;
};

struct rsa_keys *crypto_rsa_new(void)
{
    return calloc(1, sizeof(struct rsa_keys));
}

void crypto_rsa_free(struct rsa_keys *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        EVP_PKEY_free(r->key[i]);
    free(r);
}

int crypto_rsa_count(const struct rsa_keys *r)
{
    return r->n;
}

/* PEM or DER, PKCS#1 or PKCS#8, encrypted or not: OpenSSL's decoders try
 * each form. */
static EVP_PKEY *load(const char *path, const char *password)
{
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx =
        OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, "RSA", EVP_PKEY_KEYPAIR, NULL, NULL);
    FILE *in = fopen(path, "rb");
    if (dctx && in) {
        if (password)
            OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)password,
                                            strlen(password));
        if (!OSSL_DECODER_from_fp(dctx, in)) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
    }
    if (in)
        fclose(in);
    OSSL_DECODER_CTX_free(dctx);
    ERR_clear_error();
    return pkey;
}

int crypto_rsa_add(struct rsa_keys *r, const char *path, const char *password, char *err,
                   size_t errlen)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        snprintf(err, errlen, "cannot read key file %s", path);
        return 0;
    }
    fclose(in);
    if (r->n == MAX_KEYS) {
        snprintf(err, errlen, "at most %d RSA keys", MAX_KEYS);
        return 0;
    }
    EVP_PKEY *k = load(path, password);
    if (!k) {
        snprintf(err, errlen, "%s is not an RSA private key%s", path,
                 password ? " (or the password is wrong)" : " (encrypted? give -p PASSWORD)");
        return 0;
    }
    r->key[r->n++] = k;
    return 1;
}

int crypto_rsa_match(struct rsa_keys *r, const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    EVP_PKEY *pub = x ? X509_get0_pubkey(x) : NULL;
    int found = -1;
    for (int i = 0; pub && i < r->n && found < 0; i++)
        if (EVP_PKEY_eq(pub, r->key[i]) == 1)
            found = i;
    X509_free(x);
    ERR_clear_error();
    return found;
}

int crypto_rsa_decrypt(struct rsa_keys *r, int i, const uint8_t *enc, size_t len, uint8_t pms[48])
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(r->key[i], NULL);
    uint8_t out[1024];
    size_t outlen = sizeof(out);
    int ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_decrypt(ctx, out, &outlen, enc, len) > 0 && outlen == 48;
    if (ok)
        memcpy(pms, out, 48);
    OPENSSL_cleanse(out, sizeof(out));
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* The session cache: a small ring of (ID or ticket digest -> master secret). */
#define CACHE_SIZE 4096

struct cached {
    uint8_t id[32];
    uint8_t master[48];
    int used;
};

struct session_cache {
    struct cached e[CACHE_SIZE];
    size_t next;
};

struct session_cache *crypto_sessions_new(void)
{
    return calloc(1, sizeof(struct session_cache));
}

void crypto_sessions_free(struct session_cache *sc)
{
    if (!sc)
        return;
    OPENSSL_cleanse(sc, sizeof(*sc));
    free(sc);
}

/* Session IDs are at most 32 bytes; tickets are longer and digested. */
void crypto_sessions_key(const uint8_t *id, size_t idlen, uint8_t out[32])
{
    memset(out, 0, 32);
    if (idlen <= 31) {
        out[0] = (uint8_t)idlen;
        memcpy(out + 1, id, idlen);
    } else {
        unsigned int n = 32;
        EVP_Digest(id, idlen, out, &n, EVP_sha256(), NULL);
        out[0] ^= 0x80; /* never equal to a short ID's form */
    }
}

void crypto_sessions_put(struct session_cache *sc, const uint8_t *id, size_t idlen,
                         const uint8_t master[48])
{
    struct cached *c = &sc->e[sc->next];
    sc->next = (sc->next + 1) % CACHE_SIZE;
    crypto_sessions_key(id, idlen, c->id);
    memcpy(c->master, master, 48);
    c->used = 1;
}

int crypto_sessions_get(struct session_cache *sc, const uint8_t k[32], uint8_t master[48])
{
    /* Newest first: a session ID can be reused by a later full handshake. */
    for (size_t i = 0; i < CACHE_SIZE; i++) {
        struct cached *c = &sc->e[(sc->next + CACHE_SIZE - 1 - i) % CACHE_SIZE];
        if (c->used && memcmp(c->id, k, 32) == 0) {
            memcpy(master, c->master, 48);
            return 1;
        }
    }
    return 0;
}
