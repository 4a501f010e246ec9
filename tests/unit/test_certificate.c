/* The Certificate message in its TLS 1.2 form (RFC 5246 7.4.2) and its
 * TLS 1.3 form (RFC 8446 4.4.2: a request context, then entries that each
 * carry extensions), from the servers' real chains in the fuzz seeds
 * (tests/fuzz/make-corpus.py; TLS 1.3's decrypted with the key log): each
 * decoded whole, cut at every offset, with trailing garbage and with
 * wrong inner lengths. */
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "unit.h"

#define SEEDS "tests/fuzz/corpus/certificate/"

/* Seeds start with the fuzz target's selector byte. */
static uint8_t *seed(const char *name, size_t *n)
{
    size_t len;
    uint8_t *buf = read_seed(name, &len);
    CU_ASSERT_FATAL(len > 1);
    memmove(buf, buf + 1, len - 1);
    *n = len - 1;
    return buf;
}

static int decode(uint16_t version, const uint8_t *p, size_t n, struct ftree *t,
                  struct tls_summary *sum)
{
    *sum = (struct tls_summary){.version = version, .cipher = 0xffffffff};
    return tls_decode_message(11, p, n, t, ft_reset(t), sum, TCP_S2C);
}

static int decode12(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum;
    int ok = decode(0x0303, p, n, t, &sum);
    free(sum.certs);
    return ok;
}

static int decode13(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum;
    int ok = decode(0x0304, p, n, t, &sum);
    free(sum.certs);
    return ok;
}

/* What openssl x509 -noout -text -in pcaps/keys/server.pem says. */
static void is_server_pem(const struct tls_cert_info *c)
{
    CU_ASSERT_STRING_EQUAL(c->subject, "CN=server.test");
    CU_ASSERT_STRING_EQUAL(c->issuer, "CN=tlsdump test CA");
    CU_ASSERT_STRING_EQUAL(c->serial, "1001"); /* Serial Number: 4097 (0x1001) */
    CU_ASSERT_STRING_EQUAL(c->key, "RSA 2048");
    CU_ASSERT_PTR_NOT_NULL(strstr(c->san, "server.test"));
    CU_ASSERT_FALSE(c->is_ca);
}

static void certificate_tls12(void)
{
    struct ftree t;
    struct tls_summary sum;
    size_t n;
    uint8_t *b = seed(SEEDS "tls12-openssl-server", &n);
    ft_init(&t);
    CU_ASSERT_FATAL(decode(0x0303, b, n, &t, &sum));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL_FATAL(sum.ncerts, 1);
    is_server_pem(&sum.certs[0]);
    const struct field *l = tree_child(&t, 0, "certificates");
    CU_ASSERT_EQUAL(tree_count(&t, l), 1);
    const struct field *der = tree_child(&t, tree_idx(&t, tree_nth(&t, l, 0)), "der");
    CU_ASSERT(der && der->n == n - 6 && der->p == b + 6);
    CU_ASSERT_PTR_NULL(tree_find(&t, "extensions")); /* none in TLS 1.2 */
    free(sum.certs);

    CU_ASSERT_EQUAL(clean_cuts(decode12, b, n, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode12, b, n, &t));
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 2, 1, &t));  /* certificate_list */
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 2, -1, &t));
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 5, 1, &t));  /* the certificate's */
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 5, -1, &t));
    /* The TLS 1.3 form of the same bytes is malformed too. */
    CU_ASSERT_FALSE(decode13(b, n, &t));
    free(b);
    ft_release(&t);
}

static void certificate_tls13(void)
{
    struct ftree t;
    struct tls_summary sum;
    size_t n;
    uint8_t *b = seed(SEEDS "tls13-openssl-server", &n);
    ft_init(&t);
    CU_ASSERT_FATAL(decode(0x0304, b, n, &t, &sum));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL_FATAL(sum.ncerts, 1);
    is_server_pem(&sum.certs[0]);
    CU_ASSERT_EQUAL(tree_child(&t, 0, "request_context")->n, 0);
    const struct field *l = tree_child(&t, 0, "certificates");
    int entry = tree_idx(&t, tree_nth(&t, l, 0));
    CU_ASSERT_EQUAL(tree_count(&t, tree_child(&t, entry, "extensions")), 0);
    free(sum.certs);

    CU_ASSERT_EQUAL(clean_cuts(decode13, b, n, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode13, b, n, &t));
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 0, 1, &t));      /* request context */
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 3, 1, &t));      /* certificate_list */
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 3, -1, &t));
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 6, -1, &t));     /* cert_data */
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, n - 1, 1, &t));  /* the entry's extensions */
    CU_ASSERT_FALSE(decode12(b, n, &t));
    free(b);
    ft_release(&t);
}

/* A chain of two entries (the server's certificate twice): every entry
 * is read, not only the first.  Regression: the first entry's extension
 * block was taken to be the end of the message. */
static void certificate_tls13_chain(void)
{
    struct ftree t;
    struct tls_summary sum;
    size_t n;
    uint8_t *b = seed(SEEDS "tls13-openssl-server", &n);
    size_t entry = n - 4, m = 4 + 2 * entry;
    uint8_t *two = malloc(m);
    two[0] = 0;
    two[1] = (uint8_t)(2 * entry >> 16), two[2] = (uint8_t)(2 * entry >> 8);
    two[3] = (uint8_t)(2 * entry);
    memcpy(two + 4, b + 4, entry);
    memcpy(two + 4 + entry, b + 4, entry);
    ft_init(&t);
    CU_ASSERT(decode(0x0304, two, m, &t, &sum));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL(sum.ncerts, 2);
    CU_ASSERT_EQUAL(tree_count(&t, tree_child(&t, 0, "certificates")), 2);
    free(sum.certs);
    CU_ASSERT_EQUAL(clean_cuts(decode13, two, m, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode13, two, m, &t));
    CU_ASSERT_FALSE(decode_changed(decode13, two, m, 4 + entry - 1, 1, &t)); /* 1st extensions */
    free(two);
    free(b);
    ft_release(&t);
}

void suite_certificate(void)
{
    static const CU_TestInfo tests[] = {
        {"TLS 1.2 Certificate: fields, cuts, trailing bytes, wrong inner lengths",
         certificate_tls12},
        {"TLS 1.3 Certificate: fields, cuts, trailing bytes, wrong inner lengths",
         certificate_tls13},
        {"TLS 1.3 Certificate: a chain of two entries", certificate_tls13_chain},
        CU_TEST_INFO_NULL,
    };
    add_suite("certificate", tests);
}
