/* What the x509 stage hands over: validity as times, subjectAltNames as a
 * typed list (IPv6 included, a comma inside a name kept), and the joined
 * one-line form the text output keeps.  The certificate is made here with
 * OpenSSL, so that its names can be what no test CA would issue. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "unit.h"
#include "../../src/x509/x509_int.h"

static void add_name(GENERAL_NAMES *names, int type, const void *p, int n)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_STRING *s =
        ASN1_STRING_type_new(type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
    CU_ASSERT_FATAL(g && s && ASN1_STRING_set(s, p, n));
    GENERAL_NAME_set0_value(g, type, s);
    sk_GENERAL_NAME_push(names, g);
}

/* A self-signed EC certificate valid from not_before to not_after
 * (seconds since the epoch) naming names; its DER in *der (to free). */
static int make_cert(int64_t not_before, int64_t not_after, GENERAL_NAMES *names, uint8_t **der)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *subject = X509_NAME_new();
    int n = -1;
    if (key && x && subject &&
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1,
                                   0) &&
        X509_set_subject_name(x, subject) && X509_set_issuer_name(x, subject) &&
        ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) &&
        ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) && X509_set_pubkey(x, key) &&
        X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, 0) == 1 &&
        X509_sign(x, key, EVP_sha256()))
        n = i2d_X509(x, der);
    X509_NAME_free(subject);
    X509_free(x);
    EVP_PKEY_free(key);
    return n;
}

static void san_list_and_times(void)
{
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t v4[4] = {192, 0, 2, 7};
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    add_name(names, GEN_DNS, "a,b.test", 8);
    add_name(names, GEN_IPADD, v6, 16);
    add_name(names, GEN_IPADD, v4, 4);
    add_name(names, GEN_EMAIL, "x@y.test", 8);
    add_name(names, GEN_URI, "https://u.test/", 15);
    uint8_t *der = NULL;
    /* 2000-03-01T00:00:00Z (after a leap day) to 2100-01-01T12:34:56Z. */
    int n = make_cert(951868800, 4102490096, names, &der);
    GENERAL_NAMES_free(names);
    CU_ASSERT_FATAL(n > 0);

    struct x509_cert c;
    CU_ASSERT_FATAL(x509_summarize(der, (size_t)n, &c));
    CU_ASSERT_EQUAL(c.not_before, 951868800);
    CU_ASSERT_EQUAL(c.not_after, 4102490096);
    CU_ASSERT_EQUAL_FATAL(c.nsan, 5);
    static const struct {
        enum x509_san_type type;
        const char *value;
    } want[] = {{X509_SAN_DNS, "a,b.test"},
                {X509_SAN_IP, "2001:db8::1"},
                {X509_SAN_IP, "192.0.2.7"},
                {X509_SAN_EMAIL, "x@y.test"},
                {X509_SAN_URI, "https://u.test/"}};
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(c.san[i].type, want[i].type);
        CU_ASSERT_STRING_EQUAL(x509_san_value(&c, i), want[i].value);
    }
    char joined[X509_SAN_TEXT], cut[12];
    x509_san_join(&c, joined, sizeof(joined));
    CU_ASSERT_STRING_EQUAL(joined, "a?b.test,2001:db8::1,192.0.2.7,x@y.test,https://u.test/");
    x509_san_join(&c, cut, sizeof(cut));
    CU_ASSERT_STRING_EQUAL(cut, "a?b.test,20");
    size_t len = 0;
    char *text = x509_text(der, (size_t)n, &len);
    CU_ASSERT(text && len > 12 && !memcmp(text, "Certificate:", 12));
    free(text);
    OPENSSL_free(der);
}

/* More names than fit: those that do are kept in order, the rest
 * counted. */
static void san_overflow(void)
{
    char name[200];
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    for (int i = 0; i < 5; i++) {
        memset(name, 'a' + i, sizeof(name));
        add_name(names, GEN_DNS, name, sizeof(name));
    }
    uint8_t *der = NULL;
    int n = make_cert(0, 86400, names, &der);
    GENERAL_NAMES_free(names);
    CU_ASSERT_FATAL(n > 0);
    struct x509_cert c;
    CU_ASSERT_FATAL(x509_summarize(der, (size_t)n, &c));
    CU_ASSERT_EQUAL(c.nsan, 2); /* 2 x 201 bytes of the 512 */
    CU_ASSERT_EQUAL(c.san_dropped, 3);
    CU_ASSERT_EQUAL(x509_san_value(&c, 1)[0], 'b');
    CU_ASSERT_EQUAL(strlen(x509_san_value(&c, 1)), 200);
    OPENSSL_free(der);
}

static void not_a_certificate(void)
{
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    struct x509_cert c;
    size_t n = 0;
    CU_ASSERT_FALSE(x509_summarize(junk, sizeof(junk), &c));
    CU_ASSERT_PTR_NULL(x509_text(junk, sizeof(junk), &n));
}

void suite_x509(void)
{
    static const CU_TestInfo tests[] = {
        {"subjectAltNames as a typed list (IPv6, a comma kept); times", san_list_and_times},
        {"subjectAltNames beyond the buffer: kept in order, the rest counted", san_overflow},
        {"not a certificate: no summary, no text", not_a_certificate},
        CU_TEST_INFO_NULL,
    };
    add_suite("x509", tests);
}
