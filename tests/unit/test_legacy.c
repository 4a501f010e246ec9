/* The crypto stage's pieces for older sessions: SSLv3's key derivation and
 * MAC, the export suites' final keys and IVs, and DEFLATE record
 * compression.
 *
 * The vectors are printed by tests/unit/data/sslv3_vectors.py, which
 * computes them from the RFC text with Python's hashlib and hmac, sharing
 * no code with tlsdump. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "../../src/crypto/crypto_int.h"
#include "unit.h"

#define SSL3_MASTER                                                                                \
    "497608d1bb0f3f82fe73ff6145c9f0773c6a3eb2c4b6fc6b31a596c59e6ccf67d760685b0a841c7cdb8e74e58b87" \
    "834a"
#define SSL3_KEY_BLOCK                                                                             \
    "873900f125d5d8fb1fe0b77abda9d994a00a3afa33ad0e10c7c35ce2c74a34491a05d2f93e7b16bcc85474cde950" \
    "4d6e8e8f24008d2b71a518fca9876a5ee00d"
#define SSL3_MAC_MD5 "25fb07e7b4a5f688ae3ca17db6c532b7"
#define SSL3_MAC_SHA "39e5b6cce904c6a52b3a1cf4426b48e080027fd1"
#define SSL3_EXPORT_CKEY "565a433f1ff40f2cc23da57d75b5858b"
#define SSL3_EXPORT_SKEY "5de2ce7f2d05cbaafea848de270d890f"
#define SSL3_EXPORT_CIV "08c908303d461d1a"
#define SSL3_EXPORT_SIV "9c8df770b34ffd65"
#define TLS10_EXPORT_CKEY "0ab883ac090394a7c3b46ce864ac88b4"
#define TLS10_EXPORT_SKEY "6290a02c041c47a56e298b6c204f26a1"
#define TLS10_EXPORT_CIV "8b20a109f408f1f4"
#define TLS10_EXPORT_SIV "530e4f2032a2ee8c"
#define TLS12_EXPORT_CKEY "d0351c3e39428327"

static uint8_t pms[48], cr[32], sr[32];

/* The inputs sslv3_vectors.py uses. */
static void inputs(void)
{
    pms[0] = 3, pms[1] = 0;
    for (int i = 2; i < 48; i++)
        pms[i] = (uint8_t)i;
    for (int i = 0; i < 32; i++)
        cr[i] = (uint8_t)(0x10 + i), sr[i] = (uint8_t)(0x40 + i);
}

static int equal_hex(const uint8_t *got, size_t n, const char *want)
{
    char buf[512];
    CU_ASSERT_FATAL(2 * n < sizeof(buf));
    for (size_t i = 0; i < n; i++)
        snprintf(buf + 2 * i, 3, "%02x", got[i]);
    if (strcmp(buf, want) != 0)
        printf("\n  got  %s\n  want %s\n", buf, want);
    return strcmp(buf, want) == 0;
}

static void ssl3_key_derivation(void)
{
    uint8_t master[48], block[64], cut[20];
    inputs();
    CU_ASSERT_FATAL(crypto_ssl3_prf(pms, 48, cr, sr, master, 48));
    CU_ASSERT(equal_hex(master, 48, SSL3_MASTER));
    CU_ASSERT_FATAL(crypto_ssl3_prf(master, 48, sr, cr, block, 64));
    CU_ASSERT(equal_hex(block, 64, SSL3_KEY_BLOCK));
    /* A shorter output is a prefix: blocks are cut, not recomputed. */
    CU_ASSERT_FATAL(crypto_ssl3_prf(master, 48, sr, cr, cut, 20));
    CU_ASSERT(memcmp(cut, block, 20) == 0);
    /* The labels run out after 'Z': 26 blocks of 16 bytes. */
    uint8_t big[26 * 16 + 1];
    CU_ASSERT(crypto_ssl3_prf(master, 48, sr, cr, big, 26 * 16));
    CU_ASSERT_FALSE(crypto_ssl3_prf(master, 48, sr, cr, big, sizeof(big)));
}

static void ssl3_record_mac(void)
{
    static const uint8_t data[] = "GET / HTTP/1.0\r\n\r\n";
    uint8_t block[64], sha_key[20], mac[64];
    size_t n = 0;
    inputs();
    CU_ASSERT_FATAL(crypto_ssl3_prf(pms, 48, cr, sr, mac, 48)); /* the master secret */
    CU_ASSERT_FATAL(crypto_ssl3_prf(mac, 48, sr, cr, block, 64));
    CU_ASSERT(crypto_ssl3_mac("MD5", block, 16, 1, 23, data, sizeof(data) - 1, mac, &n));
    CU_ASSERT(n == 16 && equal_hex(mac, n, SSL3_MAC_MD5));
    for (int i = 0; i < 20; i++)
        sha_key[i] = (uint8_t)(0xa0 + i);
    CU_ASSERT(crypto_ssl3_mac("SHA1", sha_key, 20, 0x0102030405060708ULL, 22, data,
                              sizeof(data) - 1, mac, &n));
    CU_ASSERT(n == 20 && equal_hex(mac, n, SSL3_MAC_SHA));
    /* One bit of the sequence number, type or data changes it. */
    uint8_t other[64];
    size_t m;
    CU_ASSERT(crypto_ssl3_mac("SHA1", sha_key, 20, 0x0102030405060709ULL, 22, data,
                              sizeof(data) - 1, other, &m));
    CU_ASSERT(memcmp(other, mac, 20) != 0);
    CU_ASSERT(crypto_ssl3_mac("SHA1", sha_key, 20, 0x0102030405060708ULL, 23, data,
                              sizeof(data) - 1, other, &m));
    CU_ASSERT(memcmp(other, mac, 20) != 0);
    /* SSLv3 has MD5 and SHA-1 MACs only. */
    CU_ASSERT_FALSE(crypto_ssl3_mac("SHA256", sha_key, 20, 0, 23, data, 4, mac, &n));
    CU_ASSERT_FALSE(crypto_ssl3_mac("NO-SUCH-MD", sha_key, 20, 0, 23, data, 4, mac, &n));
}

static void export_keys(void)
{
    static const uint8_t ck[5] = {1, 2, 3, 4, 5}, sk[5] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5};
    uint8_t key[16], civ[8], siv[8];
    inputs();
    CU_ASSERT(crypto_export_key(0x0300, NULL, 0, ck, 5, cr, sr, key, 16));
    CU_ASSERT(equal_hex(key, 16, SSL3_EXPORT_CKEY));
    CU_ASSERT(crypto_export_key(0x0300, NULL, 1, sk, 5, cr, sr, key, 16));
    CU_ASSERT(equal_hex(key, 16, SSL3_EXPORT_SKEY));
    CU_ASSERT(crypto_export_ivs(0x0300, NULL, cr, sr, civ, siv, 8));
    CU_ASSERT(equal_hex(civ, 8, SSL3_EXPORT_CIV) && equal_hex(siv, 8, SSL3_EXPORT_SIV));
    CU_ASSERT(crypto_export_key(0x0301, "MD5-SHA1", 0, ck, 5, cr, sr, key, 16));
    CU_ASSERT(equal_hex(key, 16, TLS10_EXPORT_CKEY));
    CU_ASSERT(crypto_export_key(0x0301, "MD5-SHA1", 1, sk, 5, cr, sr, key, 16));
    CU_ASSERT(equal_hex(key, 16, TLS10_EXPORT_SKEY));
    CU_ASSERT(crypto_export_ivs(0x0301, "MD5-SHA1", cr, sr, civ, siv, 8));
    CU_ASSERT(equal_hex(civ, 8, TLS10_EXPORT_CIV) && equal_hex(siv, 8, TLS10_EXPORT_SIV));
    /* OpenSSL 1.0 ran export suites in TLS 1.2 too, with its PRF. */
    CU_ASSERT(crypto_export_key(0x0303, "SHA256", 0, ck, 5, cr, sr, key, 8));
    CU_ASSERT(equal_hex(key, 8, TLS12_EXPORT_CKEY));
    /* MD5 gives 16 bytes at most. */
    uint8_t big[17];
    CU_ASSERT_FALSE(crypto_export_key(0x0300, NULL, 0, ck, 5, cr, sr, big, 17));
    CU_ASSERT_FALSE(crypto_export_ivs(0x0300, NULL, cr, sr, big, big, 17));
}

/* Compresses the records of one direction as RFC 3749's sender does: one
 * stream, a sync flush at the end of each record.  Returns the length. */
static size_t deflate_record(z_stream *zs, const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    zs->next_in = (Bytef *)p;
    zs->avail_in = (uInt)n;
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    CU_ASSERT_FATAL(deflate(zs, Z_SYNC_FLUSH) == Z_OK && zs->avail_in == 0);
    return cap - zs->avail_out;
}

static uint8_t plain[3][CRYPTO_MAX_INFLATED + 1], packed[3][20000], got[CRYPTO_MAX_INFLATED];

static void deflate_across_records(void)
{
    z_stream zs = {0};
    size_t n[3], len, out;
    const char *why = NULL;
    CU_ASSERT_FATAL(deflateInit(&zs, Z_DEFAULT_COMPRESSION) == Z_OK);
    for (int r = 0; r < 3; r++) {
        /* The same text each time: the later records refer back to the
         * first, so they inflate only in one stream. */
        for (size_t i = 0; i < 3000; i++)
            plain[r][i] = (uint8_t)("line of text, again and again\n"[i % 30]);
        n[r] = deflate_record(&zs, plain[r], 3000, packed[r], sizeof(packed[r]));
    }
    deflateEnd(&zs);
    CU_ASSERT(n[1] < 100 && n[2] < 100);

    struct crypto_inflate *z = crypto_inflate_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    for (int r = 0; r < 3; r++) {
        CU_ASSERT(crypto_inflate_record(z, packed[r], n[r], got, sizeof(got), &out, &why));
        CU_ASSERT(out == 3000 && memcmp(got, plain[r], 3000) == 0);
    }
    crypto_inflate_free(z);

    /* The second record alone, in a fresh stream (a ChangeCipherSpec
     * between them, or a record lost), does not inflate to the text. */
    z = crypto_inflate_new();
    len = 0;
    int ok = crypto_inflate_record(z, packed[1], n[1], got, sizeof(got), &len, &why);
    CU_ASSERT(!ok || len != 3000 || memcmp(got, plain[1], 3000) != 0);
    crypto_inflate_free(z);
    crypto_inflate_free(NULL);
}

/* A record may inflate to 2^14 + 1024 bytes, not one more; corrupt data
 * fails, and the stream stays failed. */
static void deflate_bounds(void)
{
    z_stream zs = {0};
    size_t n, out;
    const char *why = NULL;
    struct crypto_inflate *z;

    for (size_t limit = CRYPTO_MAX_INFLATED; limit <= CRYPTO_MAX_INFLATED + 1; limit++) {
        CU_ASSERT_FATAL(deflateInit(&zs, Z_DEFAULT_COMPRESSION) == Z_OK);
        memset(plain[0], 'z', limit);
        n = deflate_record(&zs, plain[0], limit, packed[0], sizeof(packed[0]));
        deflateEnd(&zs);
        z = crypto_inflate_new();
        why = NULL;
        int ok = crypto_inflate_record(z, packed[0], n, got, sizeof(got), &out, &why);
        if (limit == CRYPTO_MAX_INFLATED) {
            CU_ASSERT(ok && out == limit);
        } else {
            CU_ASSERT(!ok && out == 0 && why && strstr(why, "2^14 + 1024"));
        }
        crypto_inflate_free(z);
    }

    /* Not DEFLATE at all; then even good data fails on that stream. */
    CU_ASSERT_FATAL(deflateInit(&zs, Z_DEFAULT_COMPRESSION) == Z_OK);
    n = deflate_record(&zs, (const uint8_t *)"hello", 5, packed[0], sizeof(packed[0]));
    deflateEnd(&zs);
    z = crypto_inflate_new();
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CU_ASSERT_FALSE(crypto_inflate_record(z, junk, sizeof(junk), got, sizeof(got), &out, &why));
    CU_ASSERT(why && strstr(why, "not valid DEFLATE"));
    CU_ASSERT_FALSE(crypto_inflate_record(z, packed[0], n, got, sizeof(got), &out, &why));
    CU_ASSERT(why && strstr(why, "history is lost"));
    crypto_inflate_free(z);

    /* Good data cut at every length never overruns and never crashes; an
     * empty fragment inflates to nothing. */
    for (size_t cut = 0; cut <= n; cut++) {
        z = crypto_inflate_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(z);
        int ok = crypto_inflate_record(z, packed[0], cut, got, sizeof(got), &out, &why);
        CU_ASSERT(out <= 5);
        if (cut == 0)
            CU_ASSERT(ok && out == 0);
        if (cut == n)
            CU_ASSERT(ok && out == 5 && memcmp(got, "hello", 5) == 0);
        crypto_inflate_free(z);
    }
}

void suite_legacy(void)
{
    static const CU_TestInfo tests[] = {
        {"SSLv3 master secret and key block (RFC 6101 6.1, 6.2.2)", ssl3_key_derivation},
        {"SSLv3 record MAC, MD5 and SHA-1 (RFC 6101 5.2.3.1)", ssl3_record_mac},
        {"export write keys and IVs: SSLv3, TLS 1.0, TLS 1.2", export_keys},
        {"DEFLATE: one stream across records (RFC 3749)", deflate_across_records},
        {"DEFLATE: 2^14 + 1024 bytes at most, corrupt data, cuts", deflate_bounds},
        CU_TEST_INFO_NULL,
    };
    add_suite("crypto legacy", tests);
}
