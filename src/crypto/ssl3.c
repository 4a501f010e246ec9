/*
 * SSLv3's own key derivation and record MAC (RFC 6101 5.2.3.1, 6.1,
 * 6.2.2), and the export suites' final write keys and IVs (RFC 6101
 * 6.2.2.1 for SSLv3, RFC 2246 6.3 for TLS).
 *
 * These are built here on OpenSSL's MD5 and SHA-1 digests rather than
 * called from it: OpenSSL 3 has no EVP_KDF for the SSLv3 key derivation
 * (its "SSKDF" and "TLS1-PRF" are other constructions) and no EVP_MAC for
 * the SSLv3 MAC, which is not HMAC (the pads are concatenated, not XORed
 * into the key).  libssl's own copies are internal and refuse SSLv3.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* Hashes up to four parts with the named digest into out; returns the
 * digest length or 0. */
static unsigned digest4(const char *md, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                        const uint8_t *c, size_t cn, const uint8_t *d, size_t dn, uint8_t *out)
{
    EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned n = 0;
    int ok = m && ctx && EVP_DigestInit_ex(ctx, m, NULL) && EVP_DigestUpdate(ctx, a, an) &&
             EVP_DigestUpdate(ctx, b, bn) && EVP_DigestUpdate(ctx, c, cn) &&
             EVP_DigestUpdate(ctx, d, dn) && EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(m);
    return ok ? n : 0;
}

/* RFC 6101 6.1 and 6.2.2: block i is MD5(secret + SHA(label + secret +
 * r1 + r2)), label being 'A', 'BB', 'CCC', ... */
int crypto_ssl3_prf(const uint8_t *secret, size_t slen, const uint8_t r1[32], const uint8_t r2[32],
                    uint8_t *out, size_t outlen)
{
    uint8_t label[26], sha[20], md5[16];
    uint8_t seed[64];
    size_t done = 0;
    int ok = 1;

    if (outlen > 26 * 16)
        return 0; /* the labels run out at 'Z' */
    memcpy(seed, r1, 32);
    memcpy(seed + 32, r2, 32);
    for (size_t i = 0; ok && done < outlen; i++) {
        memset(label, 'A' + (int)i, i + 1);
        ok = digest4("SHA1", label, i + 1, secret, slen, seed, 64, NULL, 0, sha) == 20 &&
             digest4("MD5", secret, slen, sha, 20, NULL, 0, NULL, 0, md5) == 16;
        size_t n = outlen - done < 16 ? outlen - done : 16;
        memcpy(out + done, md5, n);
        done += n;
    }
    OPENSSL_cleanse(sha, sizeof(sha));
    OPENSSL_cleanse(md5, sizeof(md5));
    return ok;
}

/* RFC 6101 5.2.3.1: hash(MAC_write_secret + pad_2 +
 *     hash(MAC_write_secret + pad_1 + seq_num + type + length + content)),
 * pad_1 0x36 and pad_2 0x5c repeated 48 times for MD5, 40 for SHA. */
int crypto_ssl3_mac(const char *md, const uint8_t *secret, size_t slen, uint64_t seq, uint8_t type,
                    const uint8_t *data, size_t len, uint8_t *out, size_t *outlen)
{
    uint8_t pad1[48], pad2[48], hdr[11], inner[EVP_MAX_MD_SIZE];
    int is_md5 = strcmp(md, "MD5") == 0;
    size_t npad = is_md5 ? 48 : 40;
    unsigned n;

    if (!is_md5 && strcmp(md, "SHA1") != 0)
        return 0;
    memset(pad1, 0x36, sizeof(pad1));
    memset(pad2, 0x5c, sizeof(pad2));
    for (int i = 7; i >= 0; i--, seq >>= 8)
        hdr[i] = (uint8_t)seq;
    hdr[8] = type;
    hdr[9] = (uint8_t)(len >> 8);
    hdr[10] = (uint8_t)len;
    n = digest4(md, secret, slen, pad1, npad, hdr, sizeof(hdr), data, len, inner);
    if (n)
        n = digest4(md, secret, slen, pad2, npad, inner, n, NULL, 0, out);
    *outlen = n;
    return n > 0;
}

/* RFC 6101 6.2.2.1: final_client_write_key = MD5(client_write_key +
 * client_random + server_random), the server's with the randoms swapped;
 * RFC 2246 6.3: PRF(write_key, "client write key" or "server write key",
 * client_random + server_random). */
int crypto_export_key(uint16_t version, const char *prf, int server, const uint8_t *key,
                      size_t klen, const uint8_t cr[32], const uint8_t sr[32], uint8_t *out,
                      size_t outlen)
{
    uint8_t md5[16];
    if (version == TLS_V_SSL_3) {
        if (outlen > 16 || digest4("MD5", key, klen, server ? sr : cr, 32, server ? cr : sr, 32,
                                   NULL, 0, md5) != 16)
            return 0;
        memcpy(out, md5, outlen);
        OPENSSL_cleanse(md5, sizeof(md5));
        return 1;
    }
    return crypto_tls_prf(prf, key, klen, server ? "server write key" : "client write key", cr, 32,
                          sr, 32, out, outlen);
}

/* The IVs of an export suite come from the randoms alone: SSLv3
 * MD5(client_random + server_random) for the client, MD5(server_random +
 * client_random) for the server; TLS PRF("", "IV block", client_random +
 * server_random), the client's IV first. */
int crypto_export_ivs(uint16_t version, const char *prf, const uint8_t cr[32], const uint8_t sr[32],
                      uint8_t *civ, uint8_t *siv, size_t ivlen)
{
    uint8_t block[32];
    static const uint8_t none[1];
    if (ivlen > 16)
        return 0;
    if (version == TLS_V_SSL_3) {
        if (digest4("MD5", cr, 32, sr, 32, NULL, 0, NULL, 0, block) != 16 ||
            digest4("MD5", sr, 32, cr, 32, NULL, 0, NULL, 0, block + 16) != 16)
            return 0;
    } else if (!crypto_tls_prf(prf, none, 0, "IV block", cr, 32, sr, 32, block, 2 * ivlen)) {
        return 0;
    }
    memcpy(civ, block, ivlen);
    memcpy(siv, version == TLS_V_SSL_3 ? block + 16 : block + ivlen, ivlen);
    return 1;
}
