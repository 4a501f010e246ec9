/*
 * The TLS 1.3 drafts: a ServerHello before draft 22 is version, random,
 * cipher_suite and extensions (no session ID, no compression), its
 * key_share is extension 40, and its HelloRetryRequest is a message of its
 * own (with a cipher suite from draft 19 on).  Each decoded with its
 * fields checked, cut at every offset, padded and with a length off; and
 * on a connection, everything after a draft ServerHello is encrypted.
 */
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "unit.h"

/* Draft 18: version 0x7f12, random, TLS_AES_128_GCM_SHA256, key_share
 * (40) with an x25519 share. */
static const uint8_t sh18[78] = {
    0x7f,        0x12,        [2] = 0xaa,  [34] = 0x13, [35] = 0x01, [36] = 0x00,
    [37] = 0x28, [38] = 0x00, [39] = 0x28, [40] = 0x00, [41] = 0x24, [42] = 0x00,
    [43] = 0x1d, [44] = 0x00, [45] = 0x20, [46] = 0xbb};
/* HelloRetryRequests of drafts 19 (with a cipher suite) and 18 (without),
 * asking for secp256r1. */
static const uint8_t hrr19[12] = {0x7f, 0x13, 0x13, 0x01, 0x00, 0x06,
                                  0x00, 0x28, 0x00, 0x02, 0x00, 0x17};
static const uint8_t hrr18[10] = {0x7f, 0x12, 0x00, 0x06, 0x00, 0x28, 0x00, 0x02, 0x00, 0x17};

static uint8_t msg_type;

static int decode(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum = {.cipher = 0xffffffff};
    return tls_decode_message(msg_type, p, n, t, ft_reset(t), &sum, DIR_S2C);
}

/* Only the cut right before the (optional) extensions decodes clean. */
static void malformed(const uint8_t *b, size_t n, size_t ext_at, struct ftree *t)
{
    size_t last = 0;
    CU_ASSERT_EQUAL(clean_cuts(decode, b, n, 0, t, &last), 1);
    CU_ASSERT_EQUAL(last, ext_at);
    CU_ASSERT_FALSE(decode_padded(decode, b, n, t));
    for (int delta = -1; delta <= 1; delta += 2)
        CU_ASSERT_FALSE(decode_changed(decode, b, n, ext_at + 1, delta, t));
}

static void early_server_hellos(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    CU_ASSERT_FATAL(tls_decode_message(2, sh18, sizeof(sh18), &t, ft_reset(&t), &sum, DIR_S2C));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL(tree_child(&t, 0, "version")->u, 0x7f12);
    CU_ASSERT_STRING_EQUAL(reg_name(REG_VERSION, 0x7f12), "TLSv1.3-draft18");
    CU_ASSERT_EQUAL(tree_child(&t, 0, "cipher_suite")->u, 0x1301);
    CU_ASSERT_PTR_NULL(tree_child(&t, 0, "compression_method"));
    CU_ASSERT_PTR_NULL(tree_child(&t, 0, "session_id"));
    int share = tree_idx(&t, tree_child(&t, tree_extension(&t, 0, 40), "share"));
    CU_ASSERT_EQUAL(tree_child(&t, share, "group")->u, 0x001d);
    CU_ASSERT_EQUAL(tree_child(&t, share, "key_length")->u, 32);
    CU_ASSERT(sum.version == 0x7f12 && sum.cipher == 0x1301 && sum.sh.seen);
    CU_ASSERT(tls_is_tls13(sum.version) && tls_is_early_draft(sum.version));
    CU_ASSERT_EQUAL(sum.server_random[0], 0xaa);
    msg_type = 2;
    malformed(sh18, sizeof(sh18), 36, &t);

    /* The same layout under 0x0304, which RFC 8446 forbids in a ServerHello
     * (NSS's draft-14 servers sent it). */
    uint8_t nss[sizeof(sh18)];
    memcpy(nss, sh18, sizeof(nss));
    nss[0] = 0x03, nss[1] = 0x04;
    CU_ASSERT(decode(nss, sizeof(nss), &t));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));

    memset(&sum, 0, sizeof(sum));
    CU_ASSERT_FATAL(tls_decode_message(6, hrr19, sizeof(hrr19), &t, ft_reset(&t), &sum, DIR_S2C));
    CU_ASSERT_EQUAL(tree_child(&t, 0, "cipher_suite")->u, 0x1301);
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 40), "selected_group")->u, 0x0017);
    CU_ASSERT(sum.hrr && !sum.sh.seen);
    msg_type = 6;
    malformed(hrr19, sizeof(hrr19), 4, &t);
    CU_ASSERT_FATAL(tls_decode_message(6, hrr18, sizeof(hrr18), &t, ft_reset(&t), &sum, DIR_S2C));
    CU_ASSERT_PTR_NULL(tree_child(&t, 0, "cipher_suite"));
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, 0, 40), "selected_group")->u, 0x0017);
    malformed(hrr18, sizeof(hrr18), 2, &t);
    ft_release(&t);
}

static int encrypted[8], nrec;
static void on_record(void *a, enum dir d, const struct tls_rec_info *r)
{
    (void)a, (void)d;
    if (nrec < 8)
        encrypted[nrec] = r->encrypted;
    nrec++;
}
static void on_message(void *a, enum dir d, const struct tls_msg *m)
{
    (void)a, (void)d;
    CU_ASSERT_FALSE(m->malformed);
}
static void on_alert(void *a, enum dir d, const struct tls_alert *al)
{
    (void)a, (void)d, (void)al;
}
static void on_problem(void *a, enum dir d, const struct tls_problem *p)
{
    (void)a, (void)d, (void)p;
    CU_FAIL("a framing problem");
}
static const struct tls_ops ops = {
    .record = on_record, .message = on_message, .alert = on_alert, .problem = on_problem};

static void flight_encrypted(void)
{
    static const uint8_t ch[50] = {0x16,        0x03,        0x01,        0x00,        0x2d,
                                   0x01,        0x00,        0x00,        0x29,        0x03,
                                   0x03,        [43] = 0x00, [44] = 0x00, [45] = 0x02, [46] = 0x13,
                                   [47] = 0x01, [48] = 0x01, [49] = 0x00};
    uint8_t sh[5 + 4 + sizeof(sh18)] = {0x16, 0x03, 0x03, 0x00,        4 + sizeof(sh18),
                                        0x02, 0x00, 0x00, sizeof(sh18)};
    memcpy(sh + 9, sh18, sizeof(sh18));
    static const uint8_t app[5 + 40] = {0x17, 0x03, 0x03, 0x00, 40};
    static const uint8_t alert[5 + 19] = {0x15, 0x03, 0x03, 0x00, 19}; /* not 2 bytes */
    nrec = 0;
    struct tls_conn *c = tls_conn_new(&ops, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    tls_conn_data(c, DIR_C2S, ch, sizeof(ch), 0);
    tls_conn_data(c, DIR_S2C, sh, sizeof(sh), 0);
    tls_conn_data(c, DIR_S2C, app, sizeof(app), sizeof(sh));
    tls_conn_data(c, DIR_C2S, app, sizeof(app), sizeof(ch));
    tls_conn_data(c, DIR_C2S, alert, sizeof(alert), sizeof(ch) + sizeof(app));
    CU_ASSERT_EQUAL(nrec, 5);
    CU_ASSERT(!encrypted[0] && !encrypted[1] && encrypted[2] && encrypted[3] && encrypted[4]);
    CU_ASSERT_EQUAL(tls_conn_summary(c)->version, 0x7f12);
    tls_conn_free(c);
}

void suite_drafts(void)
{
    static const CU_TestInfo tests[] = {
        {"draft ServerHello and HelloRetryRequest before draft 22", early_server_hellos},
        {"after a draft ServerHello everything is encrypted", flight_encrypted},
        CU_TEST_INFO_NULL,
    };
    add_suite("drafts", tests);
}
