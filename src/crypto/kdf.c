/*
 * Key derivation through OpenSSL 3's KDFs: TLS1-PRF (RFC 5246 5, RFC 2246
 * 5 with the "MD5-SHA1" digest), and TLS13-KDF for HKDF-Expand-Label and
 * HKDF-Extract (RFC 8446 7.1).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto_int.h"

static int derive(const char *kdf, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
    EVP_KDF *k = EVP_KDF_fetch(NULL, kdf, NULL);
    EVP_KDF_CTX *ctx = k ? EVP_KDF_CTX_new(k) : NULL;
    int ok = ctx && EVP_KDF_derive(ctx, out, outlen, params) > 0;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(k);
    return ok;
}

int crypto_tls_prf(const char *md, const uint8_t *secret, size_t slen, const char *label,
                   const uint8_t *seed, size_t seedlen, const uint8_t *seed2, size_t seed2len,
                   uint8_t *out, size_t outlen)
{
    /* The label is the first part of the PRF's seed. */
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedlen),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2, seed2len),
        OSSL_PARAM_END,
    };
    if (!seed2len)
        params[4] = (OSSL_PARAM)OSSL_PARAM_END;
    return derive("TLS1-PRF", params, out, outlen);
}

int crypto_expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label,
                        const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen)
{
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    static const char prefix[] = "tls13 ";
    static const uint8_t empty[1];
    if (!ctx) /* OpenSSL refuses a NULL octet string, even an empty one */
        ctx = empty, ctxlen = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)prefix, sizeof(prefix) - 1),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label, strlen(label)),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_DATA, (void *)ctx, ctxlen),
        OSSL_PARAM_END,
    };
    return derive("TLS13-KDF", params, out, outlen);
}

int crypto_hkdf_extract(const char *md, const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                        size_t ikmlen, uint8_t *out, size_t *outlen)
{
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    const EVP_MD *d = EVP_get_digestbyname(md);
    static const uint8_t empty[1];
    if (!salt) /* RFC 5869 2.2: no salt is a string of zeros; OpenSSL wants a pointer */
        salt = empty, saltlen = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
        OSSL_PARAM_END,
    };
    if (!d)
        return 0;
    *outlen = (size_t)EVP_MD_get_size(d);
    return derive("HKDF", params, out, *outlen);
}
