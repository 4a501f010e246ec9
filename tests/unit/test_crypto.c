/* The crypto stage against published vectors, then through its public
 * interface: key logs, RSA keys, and TLS 1.3 records opened by
 * crypto_conn_open after the keying updates of a handshake.
 *
 * Where the vectors come from (each was also recomputed with Python's hmac
 * and hashlib modules, a second implementation, before it was written here):
 * - RFC 8448 section 3, "Simple 1-RTT Handshake": the key schedule, and the
 *   client's application_data record with its payload.
 * - The TLS 1.2 PRF vectors posted to the IETF TLS list,
 *   https://www.ietf.org/mail-archive/web/tls/current/msg03416.html
 *   (P_SHA256 and P_SHA384, label "test label").
 * - The TLS 1.0/1.1 PRF: NIST CAVP's SP 800-135 TLS KDF vectors, as OpenSSL
 *   keeps them in test/recipes/30-test_evp_data/evpkdf_tls11_prf.txt. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../src/crypto/crypto_int.h"
#include "../../src/tls/tls_int.h"
#include "unit.h"

#define DATA "tests/unit/data"

/* Hex with spaces, as the RFCs print it; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        unsigned v;
        CU_ASSERT_FATAL(n < cap && sscanf(s, "%2x", &v) == 1);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static int equal_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[256];
    return unhex(want, w, sizeof(w)) == n && memcmp(got, w, n) == 0;
}

/* RFC 8448 section 3, the values this file uses. */
#define EMPTY_HASH                                                                                 \
    "e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24 27 ae 41 e4 64 9b 93 4c a4 95 99 1b 78 52 "   \
    "b8 55"
#define EARLY                                                                                      \
    "33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 "   \
    "f9 2a"
#define DERIVED_HS                                                                                 \
    "6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 "   \
    "11 ba"
#define ECDHE                                                                                      \
    "8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 "   \
    "49 2d"
#define HS_SECRET                                                                                  \
    "1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f "   \
    "be ac"
#define DERIVED_MASTER                                                                             \
    "43 de 77 e0 c7 77 13 85 9a 94 4d b9 db 25 90 b5 31 90 a6 5b 3e e2 e4 f1 2d d7 a0 bb 7c e2 "   \
    "54 b4"
#define MASTER                                                                                     \
    "18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 "   \
    "29 19"
#define HASH_CH_SH                                                                                 \
    "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 "   \
    "ca d8"
#define HASH_CH_SFIN                                                                               \
    "96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 "   \
    "df 13"
#define HASH_CH_CFIN                                                                               \
    "20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad "   \
    "14 3d"
#define C_HS                                                                                       \
    "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 "   \
    "5a 21"
#define S_HS                                                                                       \
    "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 "   \
    "ad 38"
#define C_AP                                                                                       \
    "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 "   \
    "04 a5"
#define S_AP                                                                                       \
    "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 "   \
    "16 43"
#define EXP_MASTER                                                                                 \
    "fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 "   \
    "cf 50"
#define RES_MASTER                                                                                 \
    "7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec "   \
    "19 6c"
#define S_HS_KEY "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc"
#define S_HS_IV "5d 31 3e b2 67 12 76 ee 13 00 0b 30"
#define C_HS_KEY "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01"
#define C_HS_IV "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"
#define S_AP_KEY "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56"
#define S_AP_IV "cf 78 2b 88 dd 83 54 9a ad f1 e9 84"
#define C_AP_KEY "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51"
#define C_AP_IV "5b 78 92 3d ee 08 57 90 33 e5 23 d9"

static void check_extract(const char *salt_hex, const char *ikm_hex, const char *want)
{
    uint8_t salt[64], ikm[64], out[64];
    size_t sl = unhex(salt_hex, salt, sizeof(salt)), il = unhex(ikm_hex, ikm, sizeof(ikm));
    size_t n = 0;
    CU_ASSERT_FATAL(crypto_hkdf_extract("SHA256", salt, sl, ikm, il, out, &n));
    CU_ASSERT(equal_hex(out, n, want));
}

/* RFC 8448 3: {server} extract secret "early", "handshake", "master". */
static void hkdf_extract_rfc8448(void)
{
    static const char zeros[] = "00000000000000000000000000000000"
                                "00000000000000000000000000000000";
    check_extract(zeros, zeros, EARLY);
    check_extract("", zeros, EARLY); /* RFC 5869 2.2: an empty salt is HashLen zeros */
    check_extract(DERIVED_HS, ECDHE, HS_SECRET);
    check_extract(DERIVED_MASTER, zeros, MASTER);
}

/* Derive-Secret (RFC 8446 7.1) is HKDF-Expand-Label with a transcript hash. */
static void check_derive(const char *secret_hex, const char *label, const char *hash_hex,
                         const char *want)
{
    uint8_t secret[64], hash[64], out[64];
    size_t sl = unhex(secret_hex, secret, sizeof(secret)), hl = unhex(hash_hex, hash, sizeof(hash));
    CU_ASSERT_FATAL(crypto_expand_label("SHA256", secret, sl, label, hash, hl, out, 32));
    CU_ASSERT(equal_hex(out, 32, want));
}

static void derive_secret_rfc8448(void)
{
    check_derive(EARLY, "derived", EMPTY_HASH, DERIVED_HS);
    check_derive(HS_SECRET, "derived", EMPTY_HASH, DERIVED_MASTER);
    check_derive(HS_SECRET, "c hs traffic", HASH_CH_SH, C_HS);
    check_derive(HS_SECRET, "s hs traffic", HASH_CH_SH, S_HS);
    check_derive(MASTER, "c ap traffic", HASH_CH_SFIN, C_AP);
    check_derive(MASTER, "s ap traffic", HASH_CH_SFIN, S_AP);
    check_derive(MASTER, "exp master", HASH_CH_SFIN, EXP_MASTER);
    check_derive(MASTER, "res master", HASH_CH_CFIN, RES_MASTER);
}

/* RFC 8448 3: "derive write traffic keys", with no context, as the record
 * keys are derived (RFC 8446 7.3). */
static void check_keys(const char *secret_hex, const char *key_hex, const char *iv_hex)
{
    uint8_t secret[64], key[16], iv[12];
    size_t sl = unhex(secret_hex, secret, sizeof(secret));
    CU_ASSERT_FATAL(crypto_expand_label("SHA256", secret, sl, "key", NULL, 0, key, sizeof(key)));
    CU_ASSERT_FATAL(crypto_expand_label("SHA256", secret, sl, "iv", NULL, 0, iv, sizeof(iv)));
    CU_ASSERT(equal_hex(key, sizeof(key), key_hex));
    CU_ASSERT(equal_hex(iv, sizeof(iv), iv_hex));
}

static void traffic_keys_rfc8448(void)
{
    check_keys(S_HS, S_HS_KEY, S_HS_IV);
    check_keys(C_HS, C_HS_KEY, C_HS_IV);
    check_keys(S_AP, S_AP_KEY, S_AP_IV);
    check_keys(C_AP, C_AP_KEY, C_AP_IV);
}

static void kdf_bad_digest(void)
{
    uint8_t s[32] = {0}, out[64];
    size_t n = 0;
    CU_ASSERT_FALSE(crypto_hkdf_extract("NO-SUCH-MD", s, 32, s, 32, out, &n));
    CU_ASSERT_FALSE(crypto_expand_label("NO-SUCH-MD", s, 32, "key", NULL, 0, out, 16));
    CU_ASSERT_FALSE(crypto_tls_prf("NO-SUCH-MD", s, 32, "test label", s, 16, NULL, 0, out, 16));
}

static void check_prf(const char *md, const char *secret_hex, const char *label,
                      const char *seed_hex, const char *seed2_hex, const char *want)
{
    uint8_t secret[64], seed[64], seed2[64], out[256], w[256];
    size_t sl = unhex(secret_hex, secret, sizeof(secret)), dl = unhex(seed_hex, seed, sizeof(seed));
    size_t d2 = unhex(seed2_hex, seed2, sizeof(seed2)), n = unhex(want, w, sizeof(w));
    CU_ASSERT_FATAL(crypto_tls_prf(md, secret, sl, label, seed, dl, seed2, d2, out, n));
    CU_ASSERT(memcmp(out, w, n) == 0);
    /* The seed may come in one part or two (client and server random). */
    if (!d2 && dl > 5) {
        memset(out, 0, sizeof(out));
        CU_ASSERT_FATAL(crypto_tls_prf(md, secret, sl, label, seed, 5, seed + 5, dl - 5, out, n));
        CU_ASSERT(memcmp(out, w, n) == 0);
    }
}

/* The IETF TLS list's P_SHA256 and P_SHA384 vectors (msg03416). */
static void tls12_prf(void)
{
    check_prf("SHA256", "9bbe436ba940f017b17652849a71db35", "test label",
              "a0ba9f936cda311827a6f796ffd5198c", "",
              "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
              "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
              "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
              "87347b66");
    check_prf("SHA384", "b80b733d6ceefcdc71566ea48e5567df", "test label",
              "cd665cf6a8447dd6ff8b27555edb7465", "",
              "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
              "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
              "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
              "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
              "91c8f3a26854308d5eaa3be85e0990703d73e56f");
}

/* NIST CAVP (SP 800-135) TLS 1.0/1.1 KDF: a master secret from the
 * premaster and the randoms, then a key block from the master secret (RFC
 * 2246 5, 6.3: P_MD5 XOR P_SHA1). */
static void tls10_prf(void)
{
    check_prf("MD5-SHA1",
              "bded7fa5c1699c010be23dd06ada3a48349f21e5f86263d512c0c5cc379f0e78"
              "0ec55d9844b2f1db02a96453513568d0",
              "master secret", "e5acaf549cd25c22d964c0d930fa4b5261d2507fad84c33715b7b9a864020693",
              "135e4d557fdf3aa6406d82975d5c606a9734c9334b42136e96990fbd5358cdb2",
              "2f6962dfbc744c4b2138bb6b3d33054c5ecc14f24851d9896395a44ab3964efc"
              "2090c5bf51a0891209f46c1e1e998f62");
    check_prf("MD5-SHA1",
              "2f6962dfbc744c4b2138bb6b3d33054c5ecc14f24851d9896395a44ab3964efc"
              "2090c5bf51a0891209f46c1e1e998f62",
              "key expansion", "67267e650eb32444119d222a368c191af3082888dc35afe8368e638c828874be",
              "d58a7b1cd4fedaa232159df652ce188f9d997e061b9bf48e83b62990440931f6",
              "3088825988e77fce68d19f756e18e43eb7fe672433504feaf99b3c503d9091b1"
              "64f166db301d70c9fc0870b4a94563907bee1a61fb786cb717576890bcc51cb9"
              "ead97e01d0a2fea99c953377b195205ff07b369589178796edc963fd80fdbe51"
              "8a2fc1c35c18ae8d");
}

/* Key logs are written to a temporary directory, removed by rm_tmp. */
static char tmpdir[64];
static char tmppath[128];

static const char *tmp_file(const char *name, const char *contents)
{
    strcpy(tmpdir, "/tmp/tlsdump-unit-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
    snprintf(tmppath, sizeof(tmppath), "%s/%s", tmpdir, name);
    FILE *f = fopen(tmppath, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(contents, f);
    fclose(f);
    return tmppath;
}

static void rm_tmp(void)
{
    unlink(tmppath);
    rmdir(tmpdir);
}

#define CR "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER_CR "ff23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SECRET32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define MASTER48 SECRET32 "202122232425262728292a2b2c2d2e2f"

static void keylog_lines(void)
{
    static const char log[] =
        "# written by a test\n"
        "\n"
        "CLIENT_RANDOM " CR " " MASTER48 "\r\n"
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR "\n"                /* no secret */
        "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " zz" SECRET32 "\n" /* not hex */
        "SOME_FUTURE_SECRET " CR " " SECRET32 "\n"                /* unknown label */
        "CLIENT_TRAFFIC_SECRET_0 " CR "ab " SECRET32 "\n"         /* client random too long */
        "CLIENT_TRAFFIC_SECRET_0 0123456789abcdef " SECRET32 "\n" /* too short */
        "CLIENT_RANDOM " CR " " SECRET32 "\n"                     /* a master secret is 48 bytes */
        "RSA 0102030405060708 " MASTER48 "\n"                     /* known, not used */
        "SERVER_TRAFFIC_SECRET_1 " CR " " SECRET32 "\n"           /* derived, not needed */
        "  \t# indented comment\r\n"
        "EXPORTER_SECRET " CR " " SECRET32; /* no newline at the end */
    struct crypto_keys *k = crypto_keys_new();
    char err[200] = "";
    size_t lines = 0, bad = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT(crypto_keys_empty(k));
    CU_ASSERT_FALSE(crypto_keys_add_keylog(k, "/nonexistent/tlsdump.keys", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot read key log"));
    CU_ASSERT(crypto_keys_empty(k));
    CU_ASSERT(crypto_keys_add_keylog(k, tmp_file("lines.keys", log), err, sizeof(err)));
    crypto_keys_stats(k, &lines, &bad);
    CU_ASSERT_EQUAL(lines, 13);
    CU_ASSERT_EQUAL(bad, 6);
    CU_ASSERT_FALSE(crypto_keys_empty(k));
    rm_tmp();
    crypto_keys_free(k);
}

static void rsa_keys(void)
{
    struct crypto_keys *k = crypto_keys_new();
    char err[300] = "";

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_FALSE(crypto_keys_add_rsa(k, DATA "/no-such.key", NULL, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot read"));
    CU_ASSERT_FALSE(crypto_keys_add_rsa(k, "pcaps/keys/server.pem", NULL, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an RSA private key"));
    CU_ASSERT_FALSE(crypto_keys_add_rsa(k, DATA "/rsa-pkcs8-enc.pem", NULL, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "-p PASSWORD"));
    CU_ASSERT_FALSE(crypto_keys_add_rsa(k, DATA "/rsa-pkcs8-enc.pem", "wrong", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "password is wrong"));
    CU_ASSERT(crypto_keys_empty(k));
    CU_ASSERT(crypto_keys_add_rsa(k, DATA "/rsa-pkcs8-enc.pem", "tlsdump-test", err, sizeof(err)));
    CU_ASSERT_FALSE(crypto_keys_empty(k));
    CU_ASSERT(crypto_keys_add_rsa(k, "pcaps/keys/server.key", NULL, err, sizeof(err)));
    CU_ASSERT(crypto_keys_add_rsa(k, DATA "/rsa-pkcs1.pem", NULL, err, sizeof(err)));
    CU_ASSERT(crypto_keys_add_rsa(k, DATA "/rsa-pkcs8.der", NULL, err, sizeof(err)));
    crypto_keys_free(k);
}

/* A TLS 1.3 record sealed here with EVP directly (RFC 8446 5.2, 5.3): the
 * nonce is the IV XOR the sequence number, the AAD the record header, the
 * plaintext the content, its type and `pad` zeros.  Returns its length. */
static size_t seal(const char *key_hex, const char *iv_hex, uint64_t seq, const uint8_t *p,
                   size_t n, int type, size_t pad, uint8_t *rec)
{
    uint8_t key[16], nonce[12], in[512] = {0};
    size_t len = n + (type ? 1 : 0) + pad + 16;
    int l, l2;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    unhex(key_hex, key, sizeof(key));
    unhex(iv_hex, nonce, sizeof(nonce));
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
    if (n)
        memcpy(in, p, n);
    if (type)
        in[n] = (uint8_t)type;
    rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(len >> 8), rec[4] = (uint8_t)len;
    CU_ASSERT_FATAL(ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, nonce) &&
                    EVP_EncryptUpdate(ctx, NULL, &l, rec, 5) &&
                    EVP_EncryptUpdate(ctx, rec + 5, &l, in, (int)(len - 16)) &&
                    EVP_EncryptFinal_ex(ctx, rec + 5 + l, &l2) &&
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + len - 16));
    EVP_CIPHER_CTX_free(ctx);
    return 5 + len;
}

static struct crypto_plaintext pt;

/* Opens a whole record (header included) as the tls stage would. */
static enum crypto_open_status open_rec(struct crypto_conn *c, enum dir dir, const uint8_t *rec,
                                        size_t n)
{
    struct crypto_record r = {.type = rec[0],
                              .version = (uint16_t)(rec[1] << 8 | rec[2]),
                              .length = n - 5,
                              .fragment = rec + 5};
    uint64_t skipped = 1;
    memset(&pt, 0, sizeof(pt));
    enum crypto_open_status st = crypto_conn_open(c, dir, &r, &pt, &skipped);
    CU_ASSERT_EQUAL(skipped, 0);
    return st;
}

/* The connection's hellos: the client's random, a TLS 1.3 server that
 * chose suite (0x1301 below). */
static void hellos(struct crypto_conn *c, const uint8_t cr[32], uint32_t suite)
{
    static const uint8_t sr[32] = {0x5a};
    struct crypto_client_hello ch = {.random = cr};
    struct crypto_server_hello sh = {.version = 0x0304, .suite = suite, .random = sr};
    crypto_conn_update(c, DIR_C2S, &(struct crypto_update){.kind = CRYPTO_CLIENT_HELLO, .ch = &ch});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_SERVER_HELLO, .sh = &sh});
}

static void update(struct crypto_conn *c, enum dir dir, enum crypto_update_kind kind)
{
    crypto_conn_update(c, dir, &(struct crypto_update){.kind = kind});
}

/* The key log for the records below: RFC 8448's traffic secrets under a
 * made-up client random, with a comment and CRLF line ends. */
static const char tls13_log[] =
    "# RFC 8448 section 3\r\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR
    " b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\r\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR
    " b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\r\n"
    "SERVER_TRAFFIC_SECRET_0 " CR
    " a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\r\n"
    "CLIENT_TRAFFIC_SECRET_0 " CR
    " 9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5\r\n";

/* RFC 8448 3: {client} send application_data record (under the client's
 * first application keys, sequence number 0). */
#define RFC8448_CLIENT_APP_RECORD                                                                  \
    "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc "   \
    "ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd "   \
    "1e 3d ea e6 3a ee bb 21 69 49 15 e4"

/* The server application secret after one KeyUpdate (RFC 8446 7.2,
 * "traffic upd"), and its key and IV: not in RFC 8448, so computed from
 * S_AP with Python's hmac module. */
#define S_AP1_KEY "2e 63 be 99 d6 7b 39 09 7f eb 97 86 cf 7a 15 a0"
#define S_AP1_IV "62 8a 0a 82 98 ac 95 3b ae f4 25 5a"

static struct crypto_conn *tls13_conn(struct crypto_keys *k, const char *cr_hex)
{
    uint8_t cr[32];
    struct crypto_conn *c = crypto_conn_new(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    unhex(cr_hex, cr, sizeof(cr));
    hellos(c, cr, 0x1301);
    return c;
}

static void server_records(struct crypto_conn *c)
{
    static const uint8_t ee[] = {8, 0, 0, 2, 0, 0}, fin[] = {20, 0, 0, 1, 0xaa};
    uint8_t rec[600];
    size_t n;

    n = seal(S_HS_KEY, S_HS_IV, 0, ee, sizeof(ee), 22, 3, rec);
    CU_ASSERT_EQUAL_FATAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_OK);
    CU_ASSERT(pt.type == 22 && pt.n == sizeof(ee) && memcmp(pt.p, ee, sizeof(ee)) == 0);
    n = seal(S_HS_KEY, S_HS_IV, 1, fin, sizeof(fin), 22, 0, rec);
    rec[n - 1] ^= 1; /* the tag */
    CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_FAILED);
    rec[n - 1] ^= 1;
    CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_OK);
    CU_ASSERT(pt.type == 22 && pt.n == sizeof(fin));
    /* The server's Finished: its application keys from now on. */
    update(c, DIR_S2C, CRYPTO_FINISHED);
    n = seal(S_AP_KEY, S_AP_IV, 0, (const uint8_t *)"hello", 5, 23, 7, rec);
    CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_OK);
    CU_ASSERT(pt.type == 23 && pt.n == 5 && memcmp(pt.p, "hello", 5) == 0);
    /* RFC 8446 4.6.3: a KeyUpdate moves the direction to the next secret. */
    update(c, DIR_S2C, CRYPTO_KEY_UPDATE);
    n = seal(S_AP1_KEY, S_AP1_IV, 0, (const uint8_t *)"again", 5, 23, 0, rec);
    CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_OK);
    CU_ASSERT(pt.type == 23 && pt.n == 5 && memcmp(pt.p, "again", 5) == 0);
    /* RFC 8446 5.4: a plaintext of zeros only has no content type. */
    n = seal(S_AP1_KEY, S_AP1_IV, 1, NULL, 0, 0, 4, rec);
    CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_FAILED);
}

static void client_records(struct crypto_conn *c)
{
    static const uint8_t fin[] = {20, 0, 0, 1, 0xbb};
    uint8_t rec[600];
    size_t n = seal(C_HS_KEY, C_HS_IV, 0, fin, sizeof(fin), 22, 0, rec);

    CU_ASSERT_EQUAL(open_rec(c, DIR_C2S, rec, n), CRYPTO_OPEN_OK);
    CU_ASSERT(pt.type == 22 && pt.n == sizeof(fin));
    update(c, DIR_C2S, CRYPTO_FINISHED);
    n = unhex(RFC8448_CLIENT_APP_RECORD, rec, sizeof(rec));
    CU_ASSERT_EQUAL(open_rec(c, DIR_C2S, rec, n), CRYPTO_OPEN_OK);
    CU_ASSERT_EQUAL_FATAL(pt.n, 50);
    CU_ASSERT_EQUAL(pt.type, 23);
    for (size_t i = 0; i < 50; i++) /* RFC 8448's payload is 00 01 ... 31 */
        CU_ASSERT_EQUAL(pt.p[i], i);
}

static void tls13_records(void)
{
    struct crypto_keys *k = crypto_keys_new();
    char err[200];

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_FATAL(crypto_keys_add_keylog(k, tmp_file("tls13.keys", tls13_log), err, sizeof(err)));
    struct crypto_conn *c = tls13_conn(k, CR);
    server_records(c);
    client_records(c);
    const struct crypto_result *r = crypto_conn_result(c);
    CU_ASSERT(r->protected_seen);
    CU_ASSERT_EQUAL(r->ok_records, 6);
    CU_ASSERT_EQUAL(r->failed_records, 2);
    CU_ASSERT_EQUAL(r->nokey_records, 0);
    CU_ASSERT_EQUAL(r->app_bytes[DIR_S2C], 10);
    CU_ASSERT_EQUAL(r->app_bytes[DIR_C2S], 50);
    CU_ASSERT_FALSE(r->decrypted); /* two records failed */
    crypto_conn_free(c);

    /* Another client random: the key log has nothing for it. */
    uint8_t rec[600];
    size_t n = seal(S_HS_KEY, S_HS_IV, 0, (const uint8_t *)"x", 1, 22, 0, rec);
    c = tls13_conn(k, OTHER_CR);
    CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n), CRYPTO_OPEN_NO_KEYS);
    r = crypto_conn_result(c);
    CU_ASSERT_EQUAL(r->nokey_records, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "no TLS 1.3 traffic secret"));
    crypto_conn_free(c);
    rm_tmp();
    crypto_keys_free(k);
}

/* A ServerHello whose session ID is longer than 32 bytes stops decoding
 * before its cipher suite: the connection says why it is not decrypted
 * (the reason was once read from an uninitialised pointer). */
static void server_hello_long_session_id(void)
{
    uint8_t body[2 + 32 + 1 + 33 + 3] = {3, 3};
    struct tls_summary s = {.cipher = 0xffffffff};
    struct ftree t;
    struct crypto_keys *k = crypto_keys_new();
    char err[200];

    body[34] = 33;
    ft_init(&t);
    CU_ASSERT_FALSE(
        tls_decode_message(TLS_HS_SERVER_HELLO, body, sizeof(body), &t, ft_reset(&t), &s, DIR_S2C));
    CU_ASSERT_EQUAL(s.cipher, 0xffffffff);
    CU_ASSERT_FATAL(k &&
                    crypto_keys_add_keylog(k, tmp_file("tls13.keys", tls13_log), err, sizeof(err)));
    struct crypto_conn *c = crypto_conn_new(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hellos(c, body + 2, s.cipher); /* the suite as the tls stage read it */
    CU_ASSERT_STRING_EQUAL(crypto_conn_result(c)->reason,
                           "the ServerHello is malformed: its cipher suite was not read");
    crypto_conn_free(c);
    ft_release(&t);
    rm_tmp();
    crypto_keys_free(k);
}

/* Two sources hold a secret for one connection: the first added is used
 * (-l files, then the capture file's secrets, then SSLKEYLOGFILE). */
static void first_source_wins(void)
{
    static const char wrong[] = "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " SECRET32 "\n";
    uint8_t rec[600];
    size_t n = seal(S_HS_KEY, S_HS_IV, 0, (const uint8_t *)"x", 1, 22, 0, rec);

    for (int right_first = 1; right_first >= 0; right_first--) {
        struct crypto_keys *k = crypto_keys_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        if (right_first)
            CU_ASSERT_EQUAL(crypto_keys_add_keylog_text(k, tls13_log, strlen(tls13_log)), 4);
        CU_ASSERT_EQUAL(crypto_keys_add_keylog_text(k, wrong, strlen(wrong)), 1);
        if (!right_first)
            CU_ASSERT_EQUAL(crypto_keys_add_keylog_text(k, tls13_log, strlen(tls13_log)), 4);
        struct crypto_conn *c = tls13_conn(k, CR);
        CU_ASSERT_EQUAL(open_rec(c, DIR_S2C, rec, n),
                        right_first ? CRYPTO_OPEN_OK : CRYPTO_OPEN_FAILED);
        crypto_conn_free(c);
        crypto_keys_free(k);
    }
}

void suite_crypto(void)
{
    static const CU_TestInfo kdf[] = {
        {"HKDF-Extract: RFC 8448 early, handshake, master secrets", hkdf_extract_rfc8448},
        {"Derive-Secret: RFC 8448 traffic, exporter, resumption secrets", derive_secret_rfc8448},
        {"HKDF-Expand-Label: RFC 8448 traffic keys and IVs", traffic_keys_rfc8448},
        {"an unknown digest is refused", kdf_bad_digest},
        {"TLS 1.2 PRF: P_SHA256 and P_SHA384 vectors", tls12_prf},
        {"TLS 1.0 PRF: NIST CAVP MD5-SHA1 vectors", tls10_prf},
        CU_TEST_INFO_NULL,
    };
    static const CU_TestInfo keys[] = {
        {"key log: good lines kept, bad ones counted", keylog_lines},
        {"RSA keys: PEM, DER, PKCS#1, PKCS#8, encrypted", rsa_keys},
        {"TLS 1.3 records opened after the keying updates", tls13_records},
        {"a ServerHello with a 33-byte session ID", server_hello_long_session_id},
        {"the first source of a secret wins", first_source_wins},
        CU_TEST_INFO_NULL,
    };
    add_suite("crypto kdf", kdf);
    add_suite("crypto keys and records", keys);
}
