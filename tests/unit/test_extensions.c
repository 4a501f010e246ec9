/* Extension blocks (RFC 8446 4.2) as each handshake message carries
 * them, from the real blocks in the fuzz seeds (tests/fuzz/make-corpus.py):
 * ClientHello, ServerHello, HelloRetryRequest, a TLS 1.3 CertificateEntry
 * and CertificateRequest.  Each decoded whole with its fields checked, cut
 * at every offset, with trailing garbage and with wrong inner lengths; and
 * in the wrong message, where the layout of an extension differs. */
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "../../src/tls/tls_int.h"
#include "unit.h"

#define SEEDS "tests/fuzz/corpus/extensions/"

static uint8_t context; /* the handshake type the block is decoded in */

static int decode(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum = {.version = 0x0304, .cipher = 0xffffffff};
    return tls_decode_extensions(context, p, n, t, ft_reset(t), &sum,
                                 context == 1 ? DIR_C2S : DIR_S2C);
}

/* A seed without the fuzz target's selector byte. */
static uint8_t *seed(const char *name, size_t *n)
{
    size_t len;
    uint8_t *buf = read_seed(name, &len);
    CU_ASSERT_FATAL(len > 1);
    memmove(buf, buf + 1, len - 1);
    *n = len - 1;
    return buf;
}

/* Cut anywhere, padded, or with the block's length or the first
 * extension's length one off: malformed. */
static void malformed(const uint8_t *b, size_t n, struct ftree *t)
{
    CU_ASSERT_EQUAL(clean_cuts(decode, b, n, 0, t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode, b, n, t));
    for (int delta = -1; delta <= 1; delta += 2) {
        CU_ASSERT_FALSE(decode_changed(decode, b, n, 1, delta, t));
        CU_ASSERT_FALSE(decode_changed(decode, b, n, 5, delta, t));
    }
}

/* The type of each extension of the block, in order. */
static int types(const struct ftree *t, unsigned *out, int max)
{
    const struct field *l = tree_child(t, 0, "extensions");
    int n = 0;
    for (const struct field *g = l ? ft_at(t, l->child) : NULL; g && n < max; g = ft_at(t, g->next))
        out[n++] = (unsigned)ft_at(t, g->child)->u;
    return n;
}

static void client_hello_block(void)
{
    static const unsigned want[] = {0, 11, 10, 35, 22, 23, 13, 43, 45, 51};
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    unsigned got[16];
    size_t n;
    uint8_t *b = seed(SEEDS "client_hello", &n);
    ft_init(&t);
    CU_ASSERT_FATAL(tls_decode_extensions(1, b, n, &t, ft_reset(&t), &sum, DIR_C2S));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL_FATAL(types(&t, got, 16), 10);
    CU_ASSERT(memcmp(got, want, sizeof(want)) == 0);
    const struct field *names = tree_child(&t, tree_extension(&t, 0, 0), "names");
    CU_ASSERT(names && tree_nth(&t, names, 0)->n == 11);
    CU_ASSERT_STRING_EQUAL(sum.sni, "server.test");
    CU_ASSERT_EQUAL(sum.client_version, 0x0304);
    const struct field *modes = tree_child(&t, tree_extension(&t, 0, 45), "modes");
    CU_ASSERT(tree_count(&t, modes) == 1 && tree_nth(&t, modes, 0)->u == 1); /* psk_dhe_ke */
    context = 1;
    malformed(b, n, &t);
    free(b);
    ft_release(&t);
}

static void server_hello_block(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    unsigned got[4];
    size_t n;
    uint8_t *b = seed(SEEDS "server_hello", &n);
    ft_init(&t);
    CU_ASSERT_FATAL(tls_decode_extensions(2, b, n, &t, ft_reset(&t), &sum, DIR_S2C));
    CU_ASSERT(types(&t, got, 4) == 2 && got[0] == 43 && got[1] == 51);
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 43), "selected_version")->u, 0x0304);
    CU_ASSERT_EQUAL(sum.version, 0x0304);
    int share = tree_idx(&t, tree_child(&t, tree_extension(&t, 0, 51), "share"));
    CU_ASSERT_EQUAL(tree_child(&t, share, "group")->u, 0x001d);
    CU_ASSERT_EQUAL(tree_child(&t, share, "key_length")->u, 32);
    context = 2;
    malformed(b, n, &t);
    /* A HelloRetryRequest's key_share is a bare group, a ClientHello's
     * supported_versions a list: the same bytes are malformed there. */
    context = 6;
    CU_ASSERT_FALSE(decode(b, n, &t));
    context = 1;
    CU_ASSERT_FALSE(decode(b, n, &t));
    free(b);
    ft_release(&t);
}

static void hello_retry_request_block(void)
{
    struct ftree t;
    size_t n;
    uint8_t *b = seed(SEEDS "hello_retry_request", &n);
    ft_init(&t);
    context = 6;
    CU_ASSERT_FATAL(decode(b, n, &t));
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 51), "selected_group")->u, 0x0017);
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 43), "selected_version")->u, 0x0304);
    malformed(b, n, &t);
    context = 2; /* a ServerHello's key_share has a key */
    CU_ASSERT_FALSE(decode(b, n, &t));
    free(b);
    ft_release(&t);
}

static void certificate_request_block(void)
{
    struct ftree t;
    size_t n;
    uint8_t *b = seed(SEEDS "certificate_request", &n);
    ft_init(&t);
    context = 13;
    CU_ASSERT_FATAL(decode(b, n, &t));
    const struct field *schemes = tree_child(&t, tree_extension(&t, 0, 13), "schemes");
    CU_ASSERT_EQUAL(tree_count(&t, schemes), 16);
    CU_ASSERT_EQUAL(tree_nth(&t, schemes, 0)->u, 0x0403);
    const struct field *cas = tree_child(&t, tree_extension(&t, 0, 47), "authorities");
    CU_ASSERT_EQUAL(tree_count(&t, cas), 1);
    CU_ASSERT_STRING_EQUAL(ft_string(&t, tree_nth(&t, cas, 0)), "CN=tlsdump test CA");
    malformed(b, n, &t);
    free(b);
    ft_release(&t);
}

static void certificate_entry_block(void)
{
    struct ftree t;
    size_t n;
    uint8_t *b = seed(SEEDS "certificate_entry", &n);
    ft_init(&t);
    context = 11;
    CU_ASSERT_EQUAL_FATAL(n, 2); /* openssl sends none */
    CU_ASSERT(decode(b, n, &t));
    CU_ASSERT_EQUAL(tree_count(&t, tree_child(&t, 0, "extensions")), 0);
    CU_ASSERT_EQUAL(clean_cuts(decode, b, n, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode, b, n, &t));
    CU_ASSERT_FALSE(decode_changed(decode, b, n, 1, 1, &t));
    /* An OCSP response in the entry (RFC 8446 4.4.2.1). */
    static const uint8_t ocsp[] = {0x00, 0x0a, 0x00, 0x05, 0x00, 0x06,
                                   0x01, 0x00, 0x00, 0x02, 0x30, 0x00};
    CU_ASSERT(decode(ocsp, sizeof(ocsp), &t));
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 5), "response_length")->u, 2);
    malformed(ocsp, sizeof(ocsp), &t);
    free(b);
    ft_release(&t);
}

/* RFC 6520 2: heartbeat's body is one HeartbeatMode byte.  Old OpenSSL
 * clients send it before padding (RFC 7685), which JA3 lists too. */
static void heartbeat_and_padding(void)
{
    static const uint8_t block[] = {0x00, 0x0d, 0x00, 0x0f, 0x00, 0x01, 0x01, 0x00,
                                    0x15, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    CU_ASSERT_FATAL(
        tls_decode_extensions(1, block, sizeof(block), &t, ft_reset(&t), &sum, DIR_C2S));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    const struct field *mode = tree_child(&t, tree_extension(&t, 0, 15), "mode");
    CU_ASSERT(mode && mode->kind == F_NAMED && mode->u == 1); /* peer_allowed_to_send */
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 21), "length")->u, 4);
    context = 1;
    malformed(block, sizeof(block), &t);
    /* The former reading, a list under a length byte, is malformed. */
    static const uint8_t as_list[] = {0x00, 0x06, 0x00, 0x0f, 0x00, 0x02, 0x01, 0x01};
    CU_ASSERT_FALSE(decode(as_list, sizeof(as_list), &t));

    /* In a whole ClientHello: clean, and JA3 lists both (Salesforce's
     * ja3.py and tshark's ja3_full keep padding). */
    uint8_t hello[2 + 32 + 1 + 4 + 2 + sizeof(block)] = {0x03, 0x03};
    static const uint8_t tail[] = {0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00};
    memcpy(hello + 34, tail, sizeof(tail));
    memcpy(hello + 34 + sizeof(tail), block, sizeof(block));
    char md5[33];
    memset(&sum, 0, sizeof(sum));
    CU_ASSERT_FATAL(tls_decode_message(1, hello, sizeof(hello), &t, ft_reset(&t), &sum, DIR_C2S));
    char *ja3 = fp_ja3(&sum.ch, 1, md5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ja3);
    CU_ASSERT_STRING_EQUAL(ja3, "771,47,15-21,,");
    free(ja3);
    ft_release(&t);
}

/* ALPN (RFC 7301 3.1): the client's list one name at a time, and the
 * server's choice, which TLS 1.3 sends in EncryptedExtensions. */
static void alpn_offered_and_selected(void)
{
    static const uint8_t offer[] = {0x00, 0x13, 0x00, 0x10, 0x00, 0x0f, 0x00, 0x0d, 0x02, 'h', '2',
                                    0x08, 'h',  't',  't',  'p',  '/',  '1',  ',',  '1',  0x00};
    static const uint8_t chosen[] = {0x00, 0x09, 0x00, 0x10, 0x00, 0x05,
                                     0x00, 0x03, 0x02, 'h',  '2'};
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    /* In a ClientHello: the hello's names, a comma kept inside one. */
    uint8_t hello[2 + 32 + 1 + 4 + 2 + sizeof(offer)] = {0x03, 0x03};
    static const uint8_t tail[] = {0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00};
    memcpy(hello + 34, tail, sizeof(tail));
    memcpy(hello + 34 + sizeof(tail), offer, sizeof(offer));
    CU_ASSERT_FATAL(tls_decode_message(1, hello, sizeof(hello), &t, ft_reset(&t), &sum, DIR_C2S));
    CU_ASSERT_EQUAL(sum.ch.nalpn, 3);
    CU_ASSERT_STRING_EQUAL(sum.ch.alpn_names[0], "h2");
    CU_ASSERT_STRING_EQUAL(sum.ch.alpn_names[1], "http/1,1");
    CU_ASSERT_STRING_EQUAL(sum.ch.alpn_names[2], "");
    CU_ASSERT_EQUAL(sum.alpn[0], 0); /* offered, not selected */
    context = 1;
    malformed(offer, sizeof(offer), &t);
    /* A TLS 1.3 server's EncryptedExtensions: the selection. */
    sum.version = 0x0304;
    CU_ASSERT_FATAL(tls_decode_message(8, chosen, sizeof(chosen), &t, ft_reset(&t), &sum, DIR_S2C));
    CU_ASSERT_STRING_EQUAL(sum.alpn, "h2");
    context = 8;
    malformed(chosen, sizeof(chosen), &t);
    ft_release(&t);
}

void suite_extensions(void)
{
    static const CU_TestInfo tests[] = {
        {"ClientHello's extensions", client_hello_block},
        {"ServerHello's extensions, and the same bytes in the wrong message", server_hello_block},
        {"HelloRetryRequest's extensions", hello_retry_request_block},
        {"CertificateRequest's extensions (TLS 1.3)", certificate_request_block},
        {"a CertificateEntry's extensions (TLS 1.3)", certificate_entry_block},
        {"heartbeat's one-byte mode, then padding", heartbeat_and_padding},
        {"ALPN offered one by one, selected in EncryptedExtensions", alpn_offered_and_selected},
        CU_TEST_INFO_NULL,
    };
    add_suite("extensions", tests);
}
