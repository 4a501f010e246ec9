/* Records sealed here with EVP directly, from known keys, for the tests
 * that open them through the tls or the crypto stage: a second
 * implementation of RFC 8446 5.2 beside the one under test. */
#include <string.h>

#include <openssl/evp.h>

#include "../../src/crypto/crypto_int.h"
#include "unit.h"

size_t seal13(const char *cipher, const char *md, const uint8_t *secret, size_t slen, uint64_t seq,
              uint8_t type, const uint8_t *p, size_t n, uint8_t *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t key[32], iv[12];
    size_t len = n + 1 + 16;
    int l, l2, ok;

    CU_ASSERT_FATAL(c && ctx && len <= CRYPTO_MAX_RECORD);
    size_t klen = (size_t)EVP_CIPHER_get_key_length(c);
    CU_ASSERT_FATAL(crypto_expand_label(md, secret, slen, "key", NULL, 0, key, klen) &&
                    crypto_expand_label(md, secret, slen, "iv", NULL, 0, iv, sizeof(iv)));
    for (int i = 0; i < 8; i++) /* RFC 8446 5.3: the IV XOR the sequence number */
        iv[11 - i] ^= (uint8_t)(seq >> (8 * i));
    out[0] = 23, out[1] = 3, out[2] = 3, out[3] = (uint8_t)(len >> 8), out[4] = (uint8_t)len;
    memmove(out + 5, p, n);
    out[5 + n] = type;
    ok = EVP_EncryptInit_ex(ctx, c, NULL, key, iv) && EVP_EncryptUpdate(ctx, NULL, &l, out, 5) &&
         EVP_EncryptUpdate(ctx, out + 5, &l, out + 5, (int)(n + 1)) &&
         EVP_EncryptFinal_ex(ctx, out + 5 + l, &l2) &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + 5 + n + 1);
    CU_ASSERT_FATAL(ok);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return 5 + len;
}
