/* The hellos: a ClientHello built field by field, and real ClientHello,
 * ServerHello and HelloRetryRequest bodies from the captures; each decoded
 * whole, cut at every offset, with trailing garbage and with wrong inner
 * lengths. */
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "../../src/tls/tls_int.h"
#include "unit.h"

/* pcaps/tls13-openssl.pcap: openssl s_client's ClientHello body. */
static const uint8_t real_ch[236] = {
    0x03, 0x03, 0x05, 0x2b, 0x8f, 0x0d, 0xd3, 0x13, 0x8d, 0x5c, 0x5a, 0xdc, 0x67, 0x09, 0xe5, 0x62,
    0xf5, 0x75, 0xbe, 0x45, 0x59, 0x5a, 0x61, 0x35, 0xe5, 0x55, 0xc0, 0xa0, 0x96, 0xb9, 0x0b, 0x18,
    0xea, 0x40, 0x20, 0xa8, 0x73, 0xd4, 0x72, 0xf2, 0x72, 0x4b, 0x7a, 0x4d, 0x99, 0x1d, 0xbb, 0x69,
    0x96, 0xa8, 0x97, 0xd1, 0x17, 0xa9, 0x75, 0xb5, 0xb8, 0x11, 0xc8, 0xd6, 0x20, 0x46, 0xe3, 0xb1,
    0x34, 0x62, 0xf1, 0x00, 0x08, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00,
    0x9b, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x2e, 0x74, 0x65, 0x73, 0x74, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00,
    0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01,
    0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00,
    0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x1e, 0x00, 0x1c, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08,
    0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04,
    0x01, 0x05, 0x01, 0x06, 0x01, 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x2d, 0x00, 0x02,
    0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x8b, 0x82, 0x91, 0xae,
    0x23, 0xf0, 0xe2, 0x66, 0x40, 0x9a, 0x8d, 0xcf, 0x15, 0x52, 0x63, 0x4f, 0x5d, 0xf4, 0x50, 0x6c,
    0x2f, 0xc7, 0xff, 0x28, 0x91, 0x9e, 0xc4, 0x4e, 0x41, 0x43, 0x1f, 0x23,
};

/* pcaps/tls13-openssl.pcap: the server's ServerHello body. */
static const uint8_t real_sh[118] = {
    0x03, 0x03, 0x35, 0x46, 0xe5, 0x40, 0x14, 0x46, 0x26, 0x55, 0x84, 0x8a, 0x41, 0xf8, 0xb4,
    0xd3, 0xe8, 0x20, 0xf9, 0x55, 0xee, 0xca, 0xbf, 0x43, 0xdc, 0x37, 0x83, 0x5d, 0x93, 0x01,
    0x89, 0x9a, 0x3d, 0x1c, 0x20, 0xa8, 0x73, 0xd4, 0x72, 0xf2, 0x72, 0x4b, 0x7a, 0x4d, 0x99,
    0x1d, 0xbb, 0x69, 0x96, 0xa8, 0x97, 0xd1, 0x17, 0xa9, 0x75, 0xb5, 0xb8, 0x11, 0xc8, 0xd6,
    0x20, 0x46, 0xe3, 0xb1, 0x34, 0x62, 0xf1, 0x13, 0x02, 0x00, 0x00, 0x2e, 0x00, 0x2b, 0x00,
    0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x17, 0xff, 0xec, 0x1d,
    0x05, 0x5b, 0xe5, 0x9d, 0x06, 0x67, 0x54, 0xcb, 0xe9, 0x8d, 0xe4, 0x0e, 0xcf, 0x37, 0x31,
    0x64, 0xc8, 0x9d, 0x84, 0x3c, 0xa0, 0xf2, 0x62, 0x7d, 0x09, 0xd5, 0xea, 0x6a,
};

/* pcaps/hrr-tls13.pcap: the server's HelloRetryRequest body. */
static const uint8_t real_hrr[84] = {
    0x03, 0x03, 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
    0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e,
    0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c, 0x20, 0x34, 0x90, 0x7f, 0x24, 0x57, 0x29, 0xee,
    0xb7, 0xd4, 0x03, 0x52, 0xbd, 0x76, 0x1f, 0x70, 0xc8, 0xcd, 0x7f, 0x82, 0x67, 0x94,
    0x7a, 0x8f, 0x54, 0x2b, 0x4d, 0x51, 0x19, 0xb8, 0x4e, 0x22, 0x70, 0x13, 0x02, 0x00,
    0x00, 0x0c, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17,
};

static uint8_t ch[512];
static size_t ch_len;

static void put(const void *p, size_t n)
{
    memcpy(ch + ch_len, p, n);
    ch_len += n;
}
static void u8(unsigned v)
{
    ch[ch_len++] = (uint8_t)v;
}
static void u16(unsigned v)
{
    u8(v >> 8);
    u8(v & 0xff);
}
/* Patches a 16-bit length at `at` to cover everything after it. */
static void len16_from(size_t at)
{
    size_t n = ch_len - at - 2;
    ch[at] = (uint8_t)(n >> 8);
    ch[at + 1] = (uint8_t)n;
}

static void build(void)
{
    uint8_t r[32], key[32], binder[32];
    memset(r, 0x11, 32);
    memset(key, 0x33, 32);
    memset(binder, 0x44, 32);
    ch_len = 0;
    u16(0x0303);
    put(r, 32);
    u8(32);
    memset(r, 0x22, 32);
    put(r, 32);
    u16(6), u16(0x1301), u16(0x0a0a), u16(0xc02f); /* GREASE in the middle */
    u8(1), u8(0);
    size_t exts = ch_len;
    u16(0);
    u16(0), u16(16), u16(14), u8(0), u16(11), put("example.com", 11); /* server_name */
    u16(10), u16(6), u16(4), u16(0x001d), u16(0x0017);                /* supported_groups */
    u16(11), u16(2), u8(1), u8(0);                                    /* ec_point_formats */
    u16(16), u16(14), u16(12), u8(2), put("h2", 2), u8(8), put("http/1.1", 8); /* ALPN */
    u16(0x2a2a), u16(0);                                           /* GREASE extension */
    u16(43), u16(5), u8(4), u16(0x0304), u16(0x0303);              /* supported_versions */
    u16(51), u16(38), u16(36), u16(0x001d), u16(32), put(key, 32); /* key_share */
    u16(13), u16(6), u16(4), u16(0x0403), u16(0x0804);             /* signature_algorithms */
    u16(45), u16(2), u8(1), u8(1);                                 /* psk_key_exchange_modes */
    u16(41), u16(48), u16(11), u16(5), put("tkt01", 5), u16(0x0102), u16(0x0304), /* identity */
        u16(33), u8(32), put(binder, 32); /* pre_shared_key */
    len16_from(exts);
}

/* The JA3 string of a decoded hello is want, and its MD5 is hex. */
static void assert_ja3(const struct tls_hello *h, int client, const char *want)
{
    char md5[33];
    char *s = fp_ja3(h, client, md5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, want);
    CU_ASSERT_EQUAL(strlen(md5), 32);
    free(s);
}

static void client_hello_fields(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    build();
    int root = ft_reset(&t);
    CU_ASSERT_FATAL(tls_decode_message(1, ch, ch_len, &t, root, &sum, DIR_C2S));

    CU_ASSERT_EQUAL(tree_child(&t, root, "version")->u, 0x0303);
    const struct field *rnd = tree_child(&t, root, "random");
    CU_ASSERT(rnd && rnd->n == 32 && rnd->p[0] == 0x11 && rnd->verbose);
    const struct field *sid = tree_child(&t, root, "session_id");
    CU_ASSERT(sid && sid->n == 32 && sid->p[31] == 0x22);
    const struct field *cs = tree_child(&t, root, "cipher_suites");
    const struct field *c1 = ft_at(&t, cs->child), *c2 = ft_at(&t, c1->next);
    CU_ASSERT(c1->u == 0x1301 && c2->u == 0x0a0a && ft_at(&t, c2->next)->u == 0xc02f);

    int sn = tree_extension(&t, root, 0);
    const struct field *names = tree_child(&t, sn, "names");
    CU_ASSERT(names && ft_at(&t, names->child)->n == 11);
    CU_ASSERT(memcmp(ft_at(&t, names->child)->p, "example.com", 11) == 0);
    CU_ASSERT_STRING_EQUAL(sum.sni, "example.com");

    const struct field *protos = tree_child(&t, tree_extension(&t, root, 16), "protocols");
    CU_ASSERT(protos && ft_at(&t, ft_at(&t, protos->child)->next)->n == 8);
    CU_ASSERT_EQUAL(sum.alpn[0], 0); /* offered, not selected */

    const struct field *shares = tree_child(&t, tree_extension(&t, root, 51), "shares");
    int share = tree_idx(&t, ft_at(&t, shares->child));
    CU_ASSERT_EQUAL(tree_child(&t, share, "group")->u, 0x001d);
    CU_ASSERT_EQUAL(tree_child(&t, share, "key_length")->u, 32);

    int psk = tree_extension(&t, root, 41);
    const struct field *ids = tree_child(&t, psk, "identities");
    int id0 = tree_idx(&t, ft_at(&t, ids->child));
    CU_ASSERT_EQUAL(tree_child(&t, id0, "identity_length")->u, 5);
    CU_ASSERT_EQUAL(tree_child(&t, id0, "obfuscated_ticket_age")->u, 0x01020304);
    CU_ASSERT_EQUAL(tree_child(&t, psk, "binders")->u, 1);
    CU_ASSERT_NOT_EQUAL(tree_extension(&t, root, 0x2a2a), FT_NONE); /* GREASE shown */

    CU_ASSERT_EQUAL(sum.client_version, 0x0304);
    assert_ja3(&sum.ch, 1, "771,4865-49199,0-10-11-16-43-51-13-45-41,29-23,0");
    ft_release(&t);
}

static int ch_decode(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum = {.cipher = 0xffffffff};
    int ok = tls_decode_message(1, p, n, t, ft_reset(t), &sum, DIR_C2S);
    return ok;
}

static int sh_decode(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum = {.cipher = 0xffffffff};
    int ok = tls_decode_message(2, p, n, t, ft_reset(t), &sum, DIR_S2C);
    return ok;
}

static void client_hello_cut_and_padded(void)
{
    struct ftree t;
    size_t last = 0;
    ft_init(&t);
    build();
    /* A cut that ends right after the compression methods is a valid
     * ClientHello without extensions. */
    CU_ASSERT_EQUAL(clean_cuts(ch_decode, ch, ch_len, 0, &t, &last), 1);
    CU_ASSERT_EQUAL(last, 2 + 32 + 33 + 8 + 2);
    CU_ASSERT_FALSE(decode_padded(ch_decode, ch, ch_len, &t));
    /* An extension whose inner length disagrees with its outer one. */
    CU_ASSERT_FALSE(
        decode_changed(ch_decode, ch, ch_len, 2 + 32 + 33 + 8 + 2 + 2 + 4 + 1, 0x40, &t));
    ft_release(&t);
}

static void server_hello_psk(void)
{
    /* TLS 1.3 ServerHello: legacy 1.2, selected 1.3, x25519 share, PSK 0. */
    static uint8_t sh[2 + 32 + 1 + 2 + 1 + 2 + 6 + 40 + 6];
    size_t n = 0;
    sh[n++] = 3, sh[n++] = 3;
    memset(sh + n, 0x55, 32), n += 32;
    sh[n++] = 0;
    sh[n++] = 0x13, sh[n++] = 0x02, sh[n++] = 0;
    sh[n++] = 0, sh[n++] = 52;
    memcpy(sh + n, "\x00\x2b\x00\x02\x03\x04", 6), n += 6;
    memcpy(sh + n, "\x00\x33\x00\x24\x00\x1d\x00\x20", 8), n += 8;
    memset(sh + n, 0x66, 32), n += 32;
    memcpy(sh + n, "\x00\x29\x00\x02\x00\x00", 6), n += 6;
    CU_ASSERT_EQUAL_FATAL(n, sizeof(sh));

    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    int root = ft_reset(&t);
    CU_ASSERT(tls_decode_message(2, sh, n, &t, root, &sum, DIR_S2C));
    CU_ASSERT_EQUAL(sum.version, 0x0304);
    CU_ASSERT_EQUAL(sum.cipher, 0x1302);
    CU_ASSERT(sum.resumed);
    assert_ja3(&sum.sh, 0, "771,4866,43-51-41");
    ft_release(&t);
}

/* Offsets in real_ch, real_sh and real_hrr. */
#define REAL_SID 34         /* session_id length (32) */
#define REAL_CH_SUITES 67   /* cipher_suites length (8) */
#define REAL_CH_EXTS 79     /* extensions length (155) */
#define REAL_CH_SNI_LIST 85 /* server_name_list length (14) */
#define REAL_CH_SNI_NAME 88 /* host_name length (11) */
#define REAL_CH_FORMATS 105 /* ec_point_formats length (3) */
#define REAL_SH_EXTS 70     /* extensions length (46) */
#define REAL_SH_SV_LEN 75   /* supported_versions extension length (2) */
#define REAL_SH_KEY_LEN 85  /* key_exchange length (32) */
#define REAL_HRR_SV_LEN 75  /* supported_versions extension length (2) */
#define REAL_HRR_KS_LEN 81  /* key_share extension length (2) */

static void real_client_hello(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    int root = ft_reset(&t);
    CU_ASSERT_FATAL(tls_decode_message(1, real_ch, sizeof(real_ch), &t, root, &sum, DIR_C2S));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL(tree_child(&t, root, "version")->u, 0x0303);
    CU_ASSERT_EQUAL(tree_child(&t, root, "random")->p[0], 0x05);
    CU_ASSERT_EQUAL(tree_child(&t, root, "session_id")->n, 32);
    const struct field *cs = tree_child(&t, root, "cipher_suites");
    CU_ASSERT_EQUAL(tree_count(&t, cs), 4);
    CU_ASSERT(tree_nth(&t, cs, 0)->u == 0x1302 && tree_nth(&t, cs, 3)->u == 0x00ff);
    static const unsigned exts[] = {0, 11, 10, 35, 22, 23, 13, 43, 45, 51};
    const struct field *el = tree_child(&t, root, "extensions");
    CU_ASSERT_EQUAL(tree_count(&t, el), 10);
    for (int i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(ft_at(&t, tree_nth(&t, el, i)->child)->u, exts[i]);
    const struct field *groups = tree_child(&t, tree_extension(&t, root, 10), "groups");
    CU_ASSERT(tree_count(&t, groups) == 10 && tree_nth(&t, groups, 0)->u == 0x001d);
    const struct field *versions = tree_child(&t, tree_extension(&t, root, 43), "versions");
    CU_ASSERT(tree_count(&t, versions) == 1 && tree_nth(&t, versions, 0)->u == 0x0304);
    const struct field *shares = tree_child(&t, tree_extension(&t, root, 51), "shares");
    int share = tree_idx(&t, tree_nth(&t, shares, 0));
    CU_ASSERT_EQUAL(tree_child(&t, share, "group")->u, 0x001d);
    CU_ASSERT_EQUAL(tree_child(&t, share, "key_length")->u, 32);
    CU_ASSERT_STRING_EQUAL(sum.sni, "server.test");
    CU_ASSERT_EQUAL(sum.client_version, 0x0304);
    CU_ASSERT_EQUAL(sum.client_sid_len, 32);
    assert_ja3(&sum.ch, 1,
               "771,4866-4867-4865-255,0-11-10-35-22-23-13-43-45-51,"
               "29-23-30-25-24-256-257-258-259-260,0-1-2");
    ft_release(&t);
}

static void real_client_hello_malformed(void)
{
    struct ftree t;
    size_t last = 0;
    ft_init(&t);
    CU_ASSERT_EQUAL(clean_cuts(ch_decode, real_ch, sizeof(real_ch), 0, &t, &last), 1);
    CU_ASSERT_EQUAL(last, REAL_CH_EXTS); /* no extensions at all */
    CU_ASSERT_FALSE(decode_padded(ch_decode, real_ch, sizeof(real_ch), &t));
    static const struct {
        size_t at;
        int delta;
    } wrong[] = {
        {REAL_SID, 1},
        {REAL_CH_SUITES + 1, 1},
        {REAL_CH_SUITES + 1, -2},
        {REAL_CH_EXTS + 1, 1},
        {REAL_CH_EXTS + 1, -1},
        {REAL_CH_SNI_LIST + 1, 1},
        {REAL_CH_SNI_LIST + 1, -1},
        {REAL_CH_SNI_NAME + 1, -1},
        {REAL_CH_SNI_NAME + 1, 1},
        {REAL_CH_FORMATS, -1},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
        CU_ASSERT_FALSE(
            decode_changed(ch_decode, real_ch, sizeof(real_ch), wrong[i].at, wrong[i].delta, &t));
    ft_release(&t);
}

static void real_server_hello(void)
{
    struct ftree t;
    /* The client offered this session ID: TLS 1.3 echoes it (RFC 8446
     * D.4) without meaning a resumption. */
    struct tls_summary sum = {.cipher = 0xffffffff, .client_sid_len = 32};
    memcpy(sum.client_sid, real_sh + REAL_SID + 1, 32);
    ft_init(&t);
    int root = ft_reset(&t);
    CU_ASSERT_FATAL(tls_decode_message(2, real_sh, sizeof(real_sh), &t, root, &sum, DIR_S2C));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL(tree_child(&t, root, "version")->u, 0x0303);
    CU_ASSERT_EQUAL(tree_child(&t, root, "cipher_suite")->u, 0x1302);
    CU_ASSERT_EQUAL(tree_child(&t, root, "compression_method")->u, 0);
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, root, 43), "selected_version")->u, 0x0304);
    const struct field *share = tree_child(&t, tree_extension(&t, root, 51), "share");
    CU_ASSERT_EQUAL(tree_child(&t, tree_idx(&t, share), "group")->u, 0x001d);
    CU_ASSERT_EQUAL(tree_child(&t, tree_idx(&t, share), "key_length")->u, 32);
    CU_ASSERT_EQUAL(sum.version, 0x0304);
    CU_ASSERT_EQUAL(sum.cipher, 0x1302);
    CU_ASSERT(!sum.resumed && !sum.hrr);
    assert_ja3(&sum.sh, 0, "771,4866,43-51");

    size_t last = 0;
    CU_ASSERT_EQUAL(clean_cuts(sh_decode, real_sh, sizeof(real_sh), 0, &t, &last), 1);
    CU_ASSERT_EQUAL(last, REAL_SH_EXTS);
    CU_ASSERT_FALSE(decode_padded(sh_decode, real_sh, sizeof(real_sh), &t));
    static const struct {
        size_t at;
        int delta;
    } wrong[] = {
        {REAL_SID, 1},        {REAL_SH_EXTS + 1, 1}, {REAL_SH_EXTS + 1, -1}, {REAL_SH_SV_LEN, 1},
        {REAL_SH_SV_LEN, -1}, {REAL_SH_KEY_LEN, 1},  {REAL_SH_KEY_LEN, -1},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
        CU_ASSERT_FALSE(
            decode_changed(sh_decode, real_sh, sizeof(real_sh), wrong[i].at, wrong[i].delta, &t));
    ft_release(&t);
}

static void real_hello_retry_request(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    int root = ft_reset(&t);
    /* Sent as a ServerHello; its random makes it a HelloRetryRequest. */
    CU_ASSERT_FATAL(tls_decode_message(2, real_hrr, sizeof(real_hrr), &t, root, &sum, DIR_S2C));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL(tree_child(&t, root, "cipher_suite")->u, 0x1302);
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, root, 43), "selected_version")->u, 0x0304);
    CU_ASSERT_EQUAL(tree_child(&t, tree_extension(&t, root, 51), "selected_group")->u, 0x0017);
    CU_ASSERT(sum.hrr);
    CU_ASSERT_EQUAL(sum.cipher, 0xffffffff); /* negotiated by the ServerHello to come */
    CU_ASSERT_FALSE(sum.sh.seen);            /* a HelloRetryRequest has no JA3S */

    size_t last = 0;
    CU_ASSERT_EQUAL(clean_cuts(sh_decode, real_hrr, sizeof(real_hrr), 0, &t, &last), 1);
    CU_ASSERT_EQUAL(last, REAL_SH_EXTS);
    CU_ASSERT_FALSE(decode_padded(sh_decode, real_hrr, sizeof(real_hrr), &t));
    static const struct {
        size_t at;
        int delta;
    } wrong[] = {
        {REAL_SID, 1},         {REAL_SH_EXTS + 1, 1}, {REAL_SH_EXTS + 1, -1},
        {REAL_HRR_SV_LEN, -1}, {REAL_HRR_KS_LEN, 1},  {REAL_HRR_KS_LEN, -1},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
        CU_ASSERT_FALSE(
            decode_changed(sh_decode, real_hrr, sizeof(real_hrr), wrong[i].at, wrong[i].delta, &t));
    ft_release(&t);
}

void suite_hello(void)
{
    static const CU_TestInfo tests[] = {
        {"ClientHello: every field as built", client_hello_fields},
        {"ClientHello: cut at every offset, trailing bytes, bad inner length",
         client_hello_cut_and_padded},
        {"ServerHello (TLS 1.3, PSK)", server_hello_psk},
        {"real ClientHello: every field", real_client_hello},
        {"real ClientHello: cut at every offset, trailing bytes, wrong inner lengths",
         real_client_hello_malformed},
        {"real ServerHello: fields, cuts, trailing bytes, wrong inner lengths", real_server_hello},
        {"real HelloRetryRequest: fields, cuts, trailing bytes, wrong inner lengths",
         real_hello_retry_request},
        CU_TEST_INFO_NULL,
    };
    add_suite("hello", tests);
}
