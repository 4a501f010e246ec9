/* The names table (include/base/registry.def): names of known values,
 * "unknown (0x..)" for the others, GREASE, the generated enums against
 * the wire values, and the cipher suites' properties (reg_suite) for a
 * sample of suites of each family, checked against RFC 5246 appendix C,
 * RFC 5288, RFC 6655, RFC 7905 and RFC 8446 B.4. */
#include <stdio.h>
#include <string.h>

#include "base/registry.h"
#include "record.h"
#include "unit.h"

static void assert_name(enum reg_table t, uint32_t v, const char *want)
{
    const char *n = reg_name(t, v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_STRING_EQUAL(n, want);
}

static void test_names(void)
{
    assert_name(REG_CIPHER, 0x1301, "TLS_AES_128_GCM_SHA256");
    assert_name(REG_CIPHER, 0x0000, "TLS_NULL_WITH_NULL_NULL");
    assert_name(REG_CIPHER, 0x010080, "SSL_CK_RC4_128_WITH_MD5");
    assert_name(REG_HANDSHAKE, 1, "ClientHello");
    assert_name(REG_HANDSHAKE, 254, "MessageHash");
    assert_name(REG_CONTENT, 23, "application_data");
    assert_name(REG_CONTENT_LABEL, 20, "ChangeCipherSpec");
    assert_name(REG_CONTENT_LABEL, TLS_CT_SSL2_HELLO, "SSLv2 ClientHello");
    assert_name(REG_EXT, 0xff01, "renegotiation_info");
    assert_name(REG_ALERT, 0, "close_notify");
    assert_name(REG_ALERT_LEVEL, 2, "fatal");
    assert_name(REG_VERSION, 0x7f1c, "TLSv1.3-draft28");
    assert_name(REG_GROUP, 0x11ec, "X25519MLKEM768");
    assert_name(REG_SIGSCHEME, 0x0804, "rsa_pss_rsae_sha256");
    assert_name(REG_SSL2_ERROR, 0x0001, "NO-CIPHER-ERROR");
}

static void test_unknown(void)
{
    char b[32];
    CU_ASSERT_PTR_NULL(reg_name(REG_CIPHER, 0x1234));
    CU_ASSERT_PTR_NULL(reg_name(REG_HANDSHAKE, 7));
    CU_ASSERT_PTR_NULL(reg_name(REG_CONTENT_LABEL, 25)); /* named in CONTENT only */
    CU_ASSERT_STRING_EQUAL(reg_name_or_unknown(REG_CIPHER, 0x1234, b, sizeof(b)),
                           "unknown (0x1234)");
    CU_ASSERT_STRING_EQUAL(reg_name_or_unknown(REG_EXT, 0x0000 + 0x4469, b, sizeof(b)),
                           "unknown (0x4469)");
    CU_ASSERT_STRING_EQUAL(reg_name_or_unknown(REG_ALERT, 200, b, sizeof(b)), "unknown (0xc8)");
    CU_ASSERT_STRING_EQUAL(reg_name_or_unknown(REG_HANDSHAKE, 7, b, sizeof(b)), "unknown (0x07)");
    /* a name is returned as it is, not copied into buf */
    CU_ASSERT_STRING_EQUAL(reg_name_or_unknown(REG_ALERT, 40, b, sizeof(b)), "handshake_failure");
    /* a short buffer truncates, and stays a string */
    char s[8];
    CU_ASSERT_STRING_EQUAL(reg_name_or_unknown(REG_CIPHER, 0x1234, s, sizeof(s)), "unknown");
}

static void test_grease(void)
{
    for (unsigned i = 0; i < 16; i++) {
        uint32_t v = 0x0a0a + 0x1010 * i;
        CU_ASSERT_TRUE(reg_is_grease(v));
        assert_name(REG_CIPHER, v, "GREASE");
        assert_name(REG_EXT, v, "GREASE");
        assert_name(REG_GROUP, v, "GREASE");
        assert_name(REG_VERSION, v, "GREASE");
        assert_name(REG_SIGSCHEME, v, "GREASE");
        CU_ASSERT_PTR_NULL(reg_suite((uint16_t)v)); /* no suite, whatever its name */
    }
    CU_ASSERT_FALSE(reg_is_grease(0x0a1a));
    CU_ASSERT_FALSE(reg_is_grease(0x1a0a));
    CU_ASSERT_FALSE(reg_is_grease(0x0b0b));
    CU_ASSERT_FALSE(reg_is_grease(0x0a0a0a));
    CU_ASSERT_FALSE(reg_is_grease(0x0a));
    /* 8-bit tables have no GREASE */
    CU_ASSERT_PTR_NULL(reg_name(REG_ALERT, 0x0a0a));
    CU_ASSERT_PTR_NULL(reg_name(REG_HANDSHAKE, 0x0a0a));
}

/* The enums say the wire values that the RFCs give them. */
static void test_enum_values(void)
{
    CU_ASSERT_EQUAL(TLS_CT_CHANGE_CIPHER_SPEC, 20);
    CU_ASSERT_EQUAL(TLS_CT_ALERT, 21);
    CU_ASSERT_EQUAL(TLS_CT_HANDSHAKE, 22);
    CU_ASSERT_EQUAL(TLS_CT_APPLICATION_DATA, 23);
    CU_ASSERT_EQUAL(TLS_CT_HEARTBEAT, 24);
    CU_ASSERT_EQUAL(TLS_CT_SSL2_HELLO, 0x100); /* record.h's, beside the wire's */
    CU_ASSERT_EQUAL(TLS_HS_HELLO_REQUEST, 0);
    CU_ASSERT_EQUAL(TLS_HS_CLIENT_HELLO, 1);
    CU_ASSERT_EQUAL(TLS_HS_SERVER_HELLO, 2);
    CU_ASSERT_EQUAL(TLS_HS_NEW_SESSION_TICKET, 4);
    CU_ASSERT_EQUAL(TLS_HS_END_OF_EARLY_DATA, 5);
    CU_ASSERT_EQUAL(TLS_HS_HELLO_RETRY_REQUEST, 6);
    CU_ASSERT_EQUAL(TLS_HS_ENCRYPTED_EXTENSIONS, 8);
    CU_ASSERT_EQUAL(TLS_HS_CERTIFICATE, 11);
    CU_ASSERT_EQUAL(TLS_HS_SERVER_KEY_EXCHANGE, 12);
    CU_ASSERT_EQUAL(TLS_HS_CERTIFICATE_REQUEST, 13);
    CU_ASSERT_EQUAL(TLS_HS_SERVER_HELLO_DONE, 14);
    CU_ASSERT_EQUAL(TLS_HS_CERTIFICATE_VERIFY, 15);
    CU_ASSERT_EQUAL(TLS_HS_CLIENT_KEY_EXCHANGE, 16);
    CU_ASSERT_EQUAL(TLS_HS_FINISHED, 20);
    CU_ASSERT_EQUAL(TLS_HS_KEY_UPDATE, 24);
    CU_ASSERT_EQUAL(TLS_HS_COMPRESSED_CERTIFICATE, 25);
    CU_ASSERT_EQUAL(TLS_HS_MESSAGE_HASH, 254);
    CU_ASSERT_EQUAL(TLS_ALERT_CLOSE_NOTIFY, 0);
    CU_ASSERT_EQUAL(TLS_ALERT_HANDSHAKE_FAILURE, 40);
    CU_ASSERT_EQUAL(TLS_ALERT_UNKNOWN_CA, 48);
    CU_ASSERT_EQUAL(TLS_ALERT_PROTOCOL_VERSION, 70);
    CU_ASSERT_EQUAL(TLS_ALERT_INAPPROPRIATE_FALLBACK, 86);
    CU_ASSERT_EQUAL(TLS_ALERT_CERTIFICATE_REQUIRED, 116);
    CU_ASSERT_EQUAL(TLS_ALERT_LEVEL_WARNING, 1);
    CU_ASSERT_EQUAL(TLS_ALERT_LEVEL_FATAL, 2);
    CU_ASSERT_EQUAL(TLS_V_SSL_2, 0x0002);
    CU_ASSERT_EQUAL(TLS_V_SSL_3, 0x0300);
    CU_ASSERT_EQUAL(TLS_V_1_0, 0x0301);
    CU_ASSERT_EQUAL(TLS_V_1_1, 0x0302);
    CU_ASSERT_EQUAL(TLS_V_1_2, 0x0303);
    CU_ASSERT_EQUAL(TLS_V_1_3, 0x0304);
    CU_ASSERT_EQUAL(TLS_V_1_3_DRAFT14, 0x7f0e);
    CU_ASSERT_EQUAL(TLS_V_1_3_DRAFT28, 0x7f1c);
    CU_ASSERT_EQUAL(TLS_V_DTLS_1_2, 0xfefd);
    CU_ASSERT_EQUAL(TLS_EXT_SERVER_NAME, 0);
    CU_ASSERT_EQUAL(TLS_EXT_STATUS_REQUEST, 5);
    CU_ASSERT_EQUAL(TLS_EXT_SUPPORTED_GROUPS, 10);
    CU_ASSERT_EQUAL(TLS_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION, 16);
    CU_ASSERT_EQUAL(TLS_EXT_ENCRYPT_THEN_MAC, 22);
    CU_ASSERT_EQUAL(TLS_EXT_EXTENDED_MASTER_SECRET, 23);
    CU_ASSERT_EQUAL(TLS_EXT_SESSION_TICKET, 35);
    CU_ASSERT_EQUAL(TLS_EXT_KEY_SHARE_OLD, 40);
    CU_ASSERT_EQUAL(TLS_EXT_EARLY_DATA, 42);
    CU_ASSERT_EQUAL(TLS_EXT_SUPPORTED_VERSIONS, 43);
    CU_ASSERT_EQUAL(TLS_EXT_KEY_SHARE, 51);
    CU_ASSERT_EQUAL(TLS_EXT_ENCRYPTED_CLIENT_HELLO, 0xfe0d);
    CU_ASSERT_EQUAL(TLS_EXT_RENEGOTIATION_INFO, 0xff01);
    CU_ASSERT_EQUAL(TLS_GROUP_SECP256R1, 0x0017);
    CU_ASSERT_EQUAL(TLS_GROUP_X25519, 0x001d);
    CU_ASSERT_EQUAL(TLS_GROUP_FFDHE2048, 0x0100);
    CU_ASSERT_EQUAL(TLS_GROUP_X25519MLKEM768, 0x11ec);
}

/* Every REGE and SUITE row is found under its value, with its name. */
static const struct {
    enum reg_table t;
    uint32_t v;
    const char *name;
} rows[] = {
#define REG(t, v, n)
#define REGE(t, v, id, n) {REG_##t, v, n},
#define SUITE(v, n, kx, auth, bulk, hash, exp) {REG_CIPHER, v, n},
#include "base/registry.def"
#undef SUITE
#undef REGE
#undef REG
};

static void test_rows_found(void)
{
    int suites = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *n = reg_name(rows[i].t, rows[i].v);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        CU_ASSERT_STRING_EQUAL(n, rows[i].name);
        if (rows[i].t != REG_CIPHER)
            continue;
        const struct reg_suite *s = reg_suite((uint16_t)rows[i].v);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_EQUAL(s->id, rows[i].v);
        CU_ASSERT_STRING_EQUAL(s->name, rows[i].name);
        suites++;
    }
    CU_ASSERT(suites > 350);
}

/* Properties every suite row must have, whatever its family. */
static void test_suite_invariants(void)
{
    for (uint32_t id = 0; id <= 0xffff; id++) {
        const struct reg_suite *s = reg_suite((uint16_t)id);
        if (!s)
            continue;
        CU_ASSERT_EQUAL(s->tls13, s->kx == REG_KX_ANY);
        if (s->export_bits)
            CU_ASSERT_EQUAL(s->bits, s->export_bits);
        if (s->cls == REG_REC_AEAD) {
            CU_ASSERT(s->tag_len == 16 || s->tag_len == 8);
            CU_ASSERT_PTR_NULL(s->mac_md);
            CU_ASSERT_EQUAL(s->fixed_iv + s->explicit_nonce, 12);
            CU_ASSERT_EQUAL(s->iv_len, s->fixed_iv);
            CU_ASSERT_PTR_NOT_NULL(s->evp);
        } else if (s->cls == REG_REC_CBC) {
            CU_ASSERT(s->block == 8 || s->block == 16);
            CU_ASSERT_EQUAL(s->iv_len, s->block);
            CU_ASSERT_PTR_NOT_NULL(s->evp);
        } else if (s->cls == REG_REC_STREAM) {
            CU_ASSERT_STRING_EQUAL(s->evp, "RC4");
            CU_ASSERT_TRUE(s->legacy);
        } else if (s->cls == REG_REC_NULL) {
            CU_ASSERT_PTR_NULL(s->evp);
            CU_ASSERT_EQUAL(s->key_len, 0);
        }
        if (s->cls != REG_REC_AEAD && s->mac_md)
            CU_ASSERT(s->mac_len >= 16);
        if (s->kx == REG_KX_SCSV)
            CU_ASSERT_EQUAL(s->cls, REG_REC_NONE);
    }
}

/* What a suite's row must give: the crypto stage's parameters as they were
 * read off the suite's name before the table had them. */
struct want {
    uint16_t id;
    enum reg_kx kx;
    enum reg_auth auth;
    enum reg_bulk bulk;
    enum reg_mode mode;
    enum reg_rec_class cls;
    const char *evp;
    int key_len, block, fixed_iv, explicit_nonce, tag_len;
    const char *mac_md;
    int mac_len;
    const char *prf_md;
    int export_material, export_bits, bits, legacy, tls13;
};

static const struct want wants[] = {
    {0x1301,
     REG_KX_ANY,
     REG_AUTH_ANY,
     REG_BULK_AES_128_GCM,
     REG_MODE_GCM,
     REG_REC_AEAD,
     "AES-128-GCM",
     16,
     0,
     12,
     0,
     16,
     NULL,
     0,
     "SHA256",
     0,
     0,
     128,
     0,
     1},
    {0x1302,
     REG_KX_ANY,
     REG_AUTH_ANY,
     REG_BULK_AES_256_GCM,
     REG_MODE_GCM,
     REG_REC_AEAD,
     "AES-256-GCM",
     32,
     0,
     12,
     0,
     16,
     NULL,
     0,
     "SHA384",
     0,
     0,
     256,
     0,
     1},
    {0x1305,
     REG_KX_ANY,
     REG_AUTH_ANY,
     REG_BULK_AES_128_CCM_8,
     REG_MODE_CCM_8,
     REG_REC_AEAD,
     "AES-128-CCM",
     16,
     0,
     12,
     0,
     8,
     NULL,
     0,
     "SHA256",
     0,
     0,
     128,
     0,
     1},
    {0xc027,
     REG_KX_ECDHE,
     REG_AUTH_RSA,
     REG_BULK_AES_128_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "AES-128-CBC",
     16,
     16,
     0,
     0,
     0,
     "SHA256",
     32,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
    {0x0004,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_RC4_128,
     REG_MODE_STREAM,
     REG_REC_STREAM,
     "RC4",
     16,
     0,
     0,
     0,
     0,
     "MD5",
     16,
     "SHA256",
     0,
     0,
     128,
     1,
     0},
    /* RFC 2246 appendix C: 5 bytes of key material, 16-byte final key */
    {0x0003,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_RC4_40,
     REG_MODE_STREAM,
     REG_REC_STREAM,
     "RC4",
     16,
     0,
     0,
     0,
     0,
     "MD5",
     16,
     "SHA256",
     5,
     40,
     40,
     1,
     0},
    {0x0062,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_DES_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "DES-CBC",
     8,
     8,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     8,
     56,
     56,
     1,
     0},
    /* RFC 7905: the whole 12-byte nonce is derived, as in TLS 1.3 */
    {0xcca9,
     REG_KX_ECDHE,
     REG_AUTH_ECDSA,
     REG_BULK_CHACHA20_POLY1305,
     REG_MODE_POLY1305,
     REG_REC_AEAD,
     "ChaCha20-Poly1305",
     32,
     0,
     12,
     0,
     16,
     NULL,
     0,
     "SHA256",
     0,
     0,
     256,
     0,
     0},
    /* RFC 6655: 4 bytes derived, 8 sent; no hash in the name: SHA-256 */
    {0xc0a8,
     REG_KX_PSK,
     REG_AUTH_PSK,
     REG_BULK_AES_128_CCM_8,
     REG_MODE_CCM_8,
     REG_REC_AEAD,
     "AES-128-CCM",
     16,
     0,
     4,
     8,
     8,
     NULL,
     0,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
    {0xc09c,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_AES_128_CCM,
     REG_MODE_CCM,
     REG_REC_AEAD,
     "AES-128-CCM",
     16,
     0,
     4,
     8,
     16,
     NULL,
     0,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
    /* RFC 5288 */
    {0x009f,
     REG_KX_DHE,
     REG_AUTH_RSA,
     REG_BULK_AES_256_GCM,
     REG_MODE_GCM,
     REG_REC_AEAD,
     "AES-256-GCM",
     32,
     0,
     4,
     8,
     16,
     NULL,
     0,
     "SHA384",
     0,
     0,
     256,
     0,
     0},
    {0x0033,
     REG_KX_DHE,
     REG_AUTH_RSA,
     REG_BULK_AES_128_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "AES-128-CBC",
     16,
     16,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
    {0x0084,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_CAMELLIA_256_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "CAMELLIA-256-CBC",
     32,
     16,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     0,
     0,
     256,
     0,
     0},
    {0xc07c,
     REG_KX_DHE,
     REG_AUTH_RSA,
     REG_BULK_CAMELLIA_128_GCM,
     REG_MODE_GCM,
     REG_REC_AEAD,
     "CAMELLIA-128-GCM",
     16,
     0,
     4,
     8,
     16,
     NULL,
     0,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
    {0x000a,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_DES_EDE3_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "DES-EDE3-CBC",
     24,
     8,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     0,
     0,
     168,
     0,
     0},
    {0x0096,
     REG_KX_RSA,
     REG_AUTH_RSA,
     REG_BULK_SEED_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "SEED-CBC",
     16,
     16,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     0,
     0,
     128,
     1,
     0},
    /* DH_anon is ephemeral, unauthenticated */
    {0x0034,
     REG_KX_DHE,
     REG_AUTH_ANON,
     REG_BULK_AES_128_CBC,
     REG_MODE_CBC,
     REG_REC_CBC,
     "AES-128-CBC",
     16,
     16,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
    {0x002c,
     REG_KX_PSK,
     REG_AUTH_PSK,
     REG_BULK_NULL,
     REG_MODE_NULL,
     REG_REC_NULL,
     NULL,
     0,
     0,
     0,
     0,
     0,
     "SHA1",
     20,
     "SHA256",
     0,
     0,
     0,
     0,
     0},
    /* RFC 6655 names it TLS_PSK_DHE_...: a DHE_PSK suite */
    {0xc0aa,
     REG_KX_DHE_PSK,
     REG_AUTH_PSK,
     REG_BULK_AES_128_CCM_8,
     REG_MODE_CCM_8,
     REG_REC_AEAD,
     "AES-128-CCM",
     16,
     0,
     4,
     8,
     8,
     NULL,
     0,
     "SHA256",
     0,
     0,
     128,
     0,
     0},
};

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static void test_suite_rows(void)
{
    for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
        const struct want *w = &wants[i];
        const struct reg_suite *s = reg_suite(w->id);
        unsigned before = CU_get_number_of_failures();
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_EQUAL(s->kx, w->kx);
        CU_ASSERT_EQUAL(s->auth, w->auth);
        CU_ASSERT_EQUAL(s->bulk, w->bulk);
        CU_ASSERT_EQUAL(s->mode, w->mode);
        CU_ASSERT_EQUAL(s->cls, w->cls);
        CU_ASSERT_TRUE(same(s->evp, w->evp));
        CU_ASSERT_EQUAL(s->key_len, w->key_len);
        CU_ASSERT_EQUAL(s->block, w->block);
        CU_ASSERT_EQUAL(s->fixed_iv, w->fixed_iv);
        CU_ASSERT_EQUAL(s->explicit_nonce, w->explicit_nonce);
        CU_ASSERT_EQUAL(s->tag_len, w->tag_len);
        CU_ASSERT_TRUE(same(s->mac_md, w->mac_md));
        CU_ASSERT_EQUAL(s->mac_len, w->mac_len);
        CU_ASSERT_TRUE(same(s->prf_md, w->prf_md));
        CU_ASSERT_EQUAL(s->export_material, w->export_material);
        CU_ASSERT_EQUAL(s->export_bits, w->export_bits);
        CU_ASSERT_EQUAL(s->bits, w->bits);
        CU_ASSERT_EQUAL(s->legacy, w->legacy);
        CU_ASSERT_EQUAL(s->tls13, w->tls13);
        if (CU_get_number_of_failures() != before)
            fprintf(stderr, "(suite 0x%04x)\n", w->id);
    }
}

/* Values the table has no suite for, and rows that are no suites or that
 * tlsdump cannot decrypt. */
static void test_suite_others(void)
{
    const struct reg_suite *s;
    CU_ASSERT_PTR_NULL(reg_suite(0x1234));
    CU_ASSERT_PTR_NULL(reg_suite(0x0080)); /* 0x010080 is SSL 2.0's, not a suite */
    s = reg_suite(0x00ff);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->kx, REG_KX_SCSV);
    s = reg_suite(0x0000); /* TLS_NULL_WITH_NULL_NULL: no MAC */
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->cls, REG_REC_NULL);
    CU_ASSERT_PTR_NULL(s->mac_md);
    s = reg_suite(0x0028); /* Kerberos export: key material unknown */
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->export_bits, 40);
    CU_ASSERT_EQUAL(s->export_material, 0);
    s = reg_suite(0xc100); /* GOST: no record class in tlsdump */
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->kx, REG_KX_GOST);
    CU_ASSERT_EQUAL(s->cls, REG_REC_NONE);
    CU_ASSERT_PTR_NULL(s->evp);
    s = reg_suite(0x0070); /* TLS_AES_128_GCM_ASCONHASH256: no HKDF hash known */
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->hash, REG_HASH_ASCONHASH256);
    CU_ASSERT_PTR_NULL(s->prf_md);
}

void suite_registry(void)
{
    static const CU_TestInfo tests[] = {
        {"names found", test_names},
        {"unknown values", test_unknown},
        {"GREASE", test_grease},
        {"enums are the wire values", test_enum_values},
        {"every REGE and SUITE row found", test_rows_found},
        {"suite invariants", test_suite_invariants},
        {"suite rows", test_suite_rows},
        {"values without a suite row", test_suite_others},
        CU_TEST_INFO_NULL,
    };
    add_suite("registry", tests);
}
