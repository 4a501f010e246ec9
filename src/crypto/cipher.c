/*
 * Record classes: opening a protected record with OpenSSL's ciphers and
 * MACs, verifying its MAC or tag.  RFC 5246 6.2.3 (stream, CBC with
 * MAC-then-encrypt, AEAD), RFC 2246 6.2.3.2 (TLS 1.0 chained IVs), RFC 7366
 * (encrypt-then-MAC), RFC 5288 / RFC 6655 / RFC 7905 (AEAD nonces), RFC
 * 8446 5.2-5.3 (TLS 1.3), RFC 6101 5.2.3 (SSLv3: its own MAC, and CBC
 * padding whose bytes are not checked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "crypto_int.h"

struct rc {
    struct suite s;
    uint16_t version;
    int etm;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac;
    uint8_t iv[16];      /* AEAD: fixed nonce part; TLS 1.0 CBC: the chained IV */
    int ssl3;            /* SSLv3: the MAC is not HMAC (ssl3.c) */
    uint8_t mac_key[48]; /* ... so its key is kept here */
};

void crypto_rc_free(struct rc *r)
{
    if (!r)
        return;
    EVP_CIPHER_CTX_free(r->ctx);
    EVP_CIPHER_free(r->cipher);
    EVP_MAC_CTX_free(r->mac);
    EVP_MAC_free(r->hmac);
    OPENSSL_cleanse(r->iv, sizeof(r->iv));
    OPENSSL_cleanse(r->mac_key, sizeof(r->mac_key));
    free(r);
}

static int init_mac(struct rc *r, const uint8_t *key)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)r->s.mac, 0),
        OSSL_PARAM_END,
    };
    return (r->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) && (r->mac = EVP_MAC_CTX_new(r->hmac)) &&
           EVP_MAC_init(r->mac, key, (size_t)r->s.mac_len, params);
}

static int init_cipher(struct rc *r, const uint8_t *key)
{
    int ccm = r->s.ccm;

    if (!(r->ctx = EVP_CIPHER_CTX_new()) ||
        !EVP_DecryptInit_ex(r->ctx, r->cipher, NULL, NULL, NULL))
        return 0;
    if (r->s.cls == RC_AEAD &&
        (!EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) ||
         (ccm && !EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_TAG, r->s.tag_len, NULL))))
        return 0;
    if (!EVP_DecryptInit_ex(r->ctx, NULL, NULL, key, NULL))
        return 0;
    return EVP_CIPHER_CTX_set_padding(r->ctx, 0);
}

struct rc *crypto_rc_new(const struct rc_params *p, const char **why)
{
    struct rc *r = calloc(1, sizeof(*r));
    if (!r) {
        *why = "out of memory";
        return NULL;
    }
    r->s = *p->s;
    r->version = p->version;
    r->etm = p->etm && r->s.cls == RC_CBC;
    r->ssl3 = p->version == TLS_V_SSL_3;
    if (p->iv)
        memcpy(r->iv, p->iv, r->s.cls == RC_AEAD ? (size_t)r->s.fixed_iv : (size_t)r->s.block);
    *why = RC_CANNOT_RUN;
    if (r->s.cipher && !(r->cipher = EVP_CIPHER_fetch(NULL, r->s.cipher, NULL)))
        goto fail;
    *why = "OpenSSL refused the cipher's key";
    if (r->s.cipher && !init_cipher(r, p->key))
        goto fail;
    *why = "OpenSSL cannot run the suite's MAC here";
    if (r->ssl3 && r->s.mac)
        memcpy(r->mac_key, p->mac_key, (size_t)r->s.mac_len);
    else if (r->s.mac && !init_mac(r, p->mac_key))
        goto fail;
    return r;
fail:
    crypto_rc_free(r);
    return NULL;
}

const char *crypto_rc_why(const char *why, const char *cipher, int legacy, char *buf, size_t len)
{
    if (strcmp(why, RC_CANNOT_RUN) != 0 || !cipher)
        return why;
    snprintf(buf, len, "%s: %s is in neither its default nor its legacy provider%s", why, cipher,
             legacy ? "" : " (the legacy provider, with RC4, RC2, DES and SEED, did not load)");
    return buf;
}

static void put_u64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

/* RFC 5246 6.2.3.1: seq_num + type + version + length, the MAC's (and the
 * TLS 1.2 AEAD's) additional data. */
static void pseudo_header(uint8_t h[13], uint64_t seq, const struct crypto_record *rec, size_t len)
{
    put_u64(h, seq);
    h[8] = (uint8_t)rec->type;
    h[9] = (uint8_t)(rec->version >> 8);
    h[10] = (uint8_t)rec->version;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
}

static int mac_ok(struct rc *r, uint64_t seq, const struct crypto_record *rec, const uint8_t *data,
                  size_t len, const uint8_t *expect)
{
    uint8_t h[13], md[EVP_MAX_MD_SIZE];
    size_t mdlen;
    if (r->ssl3)
        return crypto_ssl3_mac(r->s.mac, r->mac_key, (size_t)r->s.mac_len, seq, (uint8_t)rec->type,
                               data, len, md, &mdlen) &&
               mdlen == (size_t)r->s.mac_len && CRYPTO_memcmp(md, expect, mdlen) == 0;
    pseudo_header(h, seq, rec, len);
    if (!EVP_MAC_init(r->mac, NULL, 0, NULL) || !EVP_MAC_update(r->mac, h, sizeof(h)) ||
        !EVP_MAC_update(r->mac, data, len) || !EVP_MAC_final(r->mac, md, &mdlen, sizeof(md)))
        return 0;
    return mdlen == (size_t)r->s.mac_len && CRYPTO_memcmp(md, expect, mdlen) == 0;
}

static int open_aead(struct rc *r, uint64_t seq, const struct crypto_record *rec, uint8_t *out,
                     size_t *outlen)
{
    const uint8_t *p = rec->fragment;
    size_t n = rec->length, tag = (size_t)r->s.tag_len, ex = (size_t)r->s.explicit_nonce;
    uint8_t nonce[12], aad[13], s[8];
    int l, ccm = r->s.ccm, ok;

    if (n < ex + tag)
        return 0;
    size_t ct = n - ex - tag;
    if (ex) { /* RFC 5288 3: 4 derived bytes, 8 from the record */
        memcpy(nonce, r->iv, 4);
        memcpy(nonce + 4, p, 8);
    } else { /* RFC 8446 5.3 and RFC 7905 2: the IV XOR the sequence number */
        memcpy(nonce, r->iv, 12);
        put_u64(s, seq);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= s[i];
    }
    size_t aadlen = 13;
    if (r->s.tls13) { /* RFC 8446 5.2: the record header is the AAD */
        aad[0] = (uint8_t)rec->type, aad[1] = (uint8_t)(rec->version >> 8);
        aad[2] = (uint8_t)rec->version, aad[3] = (uint8_t)(n >> 8), aad[4] = (uint8_t)n;
        aadlen = 5;
    } else {
        pseudo_header(aad, seq, rec, ct);
    }
    if ((ccm &&
         !EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag, (void *)(p + n - tag))) ||
        !EVP_DecryptInit_ex(r->ctx, NULL, NULL, NULL, nonce) ||
        (ccm && !EVP_DecryptUpdate(r->ctx, NULL, &l, NULL, (int)ct)) ||
        !EVP_DecryptUpdate(r->ctx, NULL, &l, aad, (int)aadlen))
        return 0;
    ok = EVP_DecryptUpdate(r->ctx, out, &l, p + ex, (int)ct) > 0;
    if (ok && !ccm) {
        int l2;
        ok = EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag, (void *)(p + n - tag)) &&
             EVP_DecryptFinal_ex(r->ctx, out + l, &l2) > 0;
    }
    *outlen = ct;
    return ok;
}

/* Decrypts CBC ciphertext with iv and strips the padding (RFC 5246
 * 6.2.3.2); returns the plaintext length or -1. */
static long cbc_decrypt(struct rc *r, const uint8_t *iv, const uint8_t *ct, size_t n, uint8_t *out)
{
    int l;
    if (n == 0 || n % (size_t)r->s.block || !EVP_DecryptInit_ex(r->ctx, NULL, NULL, NULL, iv) ||
        !EVP_DecryptUpdate(r->ctx, out, &l, ct, (int)n))
        return -1;
    size_t pad = out[n - 1];
    if (pad + 1 > n)
        return -1;
    if (r->ssl3) /* RFC 6101 5.2.3.2: less than a block, of any bytes */
        return pad < (size_t)r->s.block ? (long)(n - 1 - pad) : -1;
    for (size_t i = n - 1 - pad; i < n - 1; i++)
        if (out[i] != pad)
            return -1;
    return (long)(n - 1 - pad);
}

static int open_cbc(struct rc *r, uint64_t seq, const struct crypto_record *rec, uint8_t *out,
                    size_t *outlen)
{
    const uint8_t *p = rec->fragment;
    size_t n = rec->length, ml = (size_t)r->s.mac_len, bl = (size_t)r->s.block;
    int explicit_iv = r->version >= TLS_V_1_1;
    const uint8_t *iv = explicit_iv ? p : r->iv;
    size_t ivl = explicit_iv ? bl : 0;
    long pl;

    if (r->etm) { /* RFC 7366 3: the MAC covers IV and ciphertext */
        if (n < ml + ivl || !mac_ok(r, seq, rec, p, n - ml, p + n - ml))
            return 0;
        if ((pl = cbc_decrypt(r, iv, p + ivl, n - ml - ivl, out)) < 0)
            return 0;
        *outlen = (size_t)pl;
    } else {
        if (n < ivl || (pl = cbc_decrypt(r, iv, p + ivl, n - ivl, out)) < 0 || (size_t)pl < ml)
            return 0;
        *outlen = (size_t)pl - ml;
        if (!mac_ok(r, seq, rec, out, *outlen, out + *outlen))
            return 0;
    }
    if (!explicit_iv) /* RFC 2246 6.2.3.2: the next IV is this last block */
        memcpy(r->iv, p + (r->etm ? n - ml : n) - bl, bl);
    return 1;
}

static int open_stream(struct rc *r, uint64_t seq, const struct crypto_record *rec, uint8_t *out,
                       size_t *outlen)
{
    size_t n = rec->length, ml = (size_t)r->s.mac_len;
    int l;
    if (n < ml)
        return 0;
    if (r->ctx) {
        if (!EVP_DecryptUpdate(r->ctx, out, &l, rec->fragment, (int)n))
            return 0;
    } else {
        memcpy(out, rec->fragment, n);
    }
    *outlen = n - ml;
    return mac_ok(r, seq, rec, out, *outlen, out + *outlen);
}

int crypto_rc_open(struct rc *r, uint64_t seq, const struct crypto_record *rec, uint8_t *out,
                   size_t *outlen)
{
    switch (r->s.cls) {
    case RC_AEAD:
        return open_aead(r, seq, rec, out, outlen);
    case RC_CBC:
        return open_cbc(r, seq, rec, out, outlen);
    case RC_STREAM:
    case RC_NULL:
        return open_stream(r, seq, rec, out, outlen);
    }
    return 0;
}
