/*
 * From the premaster secret to the master secret, and from the master
 * secret to each direction's record keys, for SSLv3 to TLS 1.2: RFC 6101
 * 6.1-6.2.2 (SSLv3), RFC 2246 6.3 (TLS 1.0, with the export suites' final
 * keys), RFC 5246 6.3 and 8.1, RFC 7627 4 (extended master secret).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* The TLS PRF's digest: TLS 1.2 names it per suite, earlier versions use
 * MD5 and SHA-1 together (RFC 2246 5). */
static const char *prf_md(const struct suite *s, uint16_t version)
{
    return version >= TLS_V_1_2 ? s->prf : "MD5-SHA1";
}

int crypto_keyblock_master(const struct suite *s, uint16_t version, const uint8_t pms[48],
                           const uint8_t cr[32], const uint8_t sr[32], const uint8_t *session_hash,
                           size_t hlen, uint8_t master[48])
{
    const char *prf = prf_md(s, version);
    if (version == TLS_V_SSL_3)
        return crypto_ssl3_prf(pms, 48, cr, sr, master, 48);
    if (session_hash)
        return crypto_tls_prf(prf, pms, 48, "extended master secret", session_hash, hlen, NULL, 0,
                              master, 48);
    return crypto_tls_prf(prf, pms, 48, "master secret", cr, 32, sr, 32, master, 48);
}

/* The key block: the SSLv3 construction over server random then client
 * random (RFC 6101 6.2.2), or PRF(master, "key expansion", server_random +
 * client_random). */
static int key_block(const struct keyblock_in *in, uint8_t *kb, size_t len)
{
    if (in->version == TLS_V_SSL_3)
        return crypto_ssl3_prf(in->master, 48, in->sr, in->cr, kb, len);
    return crypto_tls_prf(prf_md(in->s, in->version), in->master, 48, "key expansion", in->sr, 32,
                          in->cr, 32, kb, len);
}

/* An export suite's final write keys and IVs replace what the key block
 * gave (RFC 6101 6.2.2.1, RFC 2246 6.3). */
static int export_keys(const struct keyblock_in *in, const uint8_t *kb, size_t ml, size_t kl,
                       uint8_t key[2][32], uint8_t iv[2][16])
{
    const struct suite *s = in->s;
    const char *prf = prf_md(s, in->version);
    size_t ivl = s->cls == RC_CBC ? (size_t)s->block : 0;
    for (int dir = 0; dir < 2; dir++)
        if (!crypto_export_key(in->version, prf, dir, kb + 2 * ml + dir * kl, kl, in->cr, in->sr,
                               key[dir], (size_t)s->key_len))
            return 0;
    return !ivl || crypto_export_ivs(in->version, prf, in->cr, in->sr, iv[0], iv[1], ivl);
}

int crypto_keyblock_derive(const struct keyblock_in *in, struct rc *out[2], const char **why)
{
    const struct suite *s = in->s;
    size_t ivl = s->cls == RC_AEAD ? (size_t)s->fixed_iv : s->cls == RC_CBC ? (size_t)s->block : 0;
    size_t ml = s->cls == RC_AEAD ? 0 : (size_t)s->mac_len;
    size_t kl = s->export_material ? (size_t)s->export_material : (size_t)s->key_len;
    uint8_t kb[2 * (48 + 32 + 16)], key[2][32], iv[2][16];
    int ok = 0;

    out[0] = out[1] = NULL;
    *why = "key derivation failed";
    if (!key_block(in, kb, 2 * (ml + kl + ivl)))
        goto out;
    for (int dir = 0; dir < 2; dir++) { /* the client's part comes first */
        memcpy(key[dir], kb + 2 * ml + dir * kl, kl);
        memcpy(iv[dir], kb + 2 * ml + 2 * kl + dir * ivl, ivl);
    }
    if (s->export_material && !export_keys(in, kb, ml, kl, key, iv))
        goto out;
    for (int dir = 0; dir < 2; dir++) {
        struct rc_params p = {.s = s, .version = in->version, .etm = in->etm};
        p.mac_key = kb + dir * ml;
        p.key = key[dir];
        p.iv = iv[dir];
        out[dir] = crypto_rc_new(&p, why);
    }
    ok = out[0] && out[1];
out:
    if (!ok) {
        crypto_rc_free(out[0]);
        crypto_rc_free(out[1]);
        out[0] = out[1] = NULL;
    }
    OPENSSL_cleanse(kb, sizeof(kb));
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(iv, sizeof(iv));
    return ok;
}

/* A ClientHello to ClientKeyExchange is a few KB; more is not a handshake
 * worth keeping. */
#define MAX_TRANSCRIPT (1 << 20)

void crypto_transcript_start(struct transcript *t, int on)
{
    t->len = 0;
    t->on = on;
}

void crypto_transcript_add(struct transcript *t, const uint8_t *p, size_t n)
{
    if (!t->on)
        return;
    if (t->len + n > MAX_TRANSCRIPT) {
        t->on = 0;
        return;
    }
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 8192;
        while (cap < t->len + n)
            cap *= 2;
        uint8_t *q = realloc(t->p, cap);
        if (!q) {
            t->on = 0;
            return;
        }
        t->p = q;
        t->cap = cap;
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
}

int crypto_transcript_hash(const struct transcript *t, const char *md, uint8_t *out,
                           unsigned *outlen)
{
    const EVP_MD *d = EVP_get_digestbyname(md);
    return t->on && d && EVP_Digest(t->p, t->len, out, outlen, d, NULL);
}

void crypto_transcript_free(struct transcript *t)
{
    free(t->p);
    t->p = NULL;
    t->len = t->cap = 0;
}
