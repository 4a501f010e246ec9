/* Handshake decoding: a ClientHello built field by field, decoded back,
 * then cut at every offset and given trailing garbage. */
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "unit.h"

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
    u16(0), u16(16), u16(14), u8(0), u16(11), put("example.com", 11);   /* server_name */
    u16(10), u16(6), u16(4), u16(0x001d), u16(0x0017);                 /* supported_groups */
    u16(11), u16(2), u8(1), u8(0);                                     /* ec_point_formats */
    u16(16), u16(14), u16(12), u8(2), put("h2", 2), u8(8), put("http/1.1", 8); /* ALPN */
    u16(0x2a2a), u16(0);                                               /* GREASE extension */
    u16(43), u16(5), u8(4), u16(0x0304), u16(0x0303);                  /* supported_versions */
    u16(51), u16(38), u16(36), u16(0x001d), u16(32), put(key, 32);     /* key_share */
    u16(13), u16(6), u16(4), u16(0x0403), u16(0x0804);                 /* signature_algorithms */
    u16(45), u16(2), u8(1), u8(1);                                     /* psk_key_exchange_modes */
    u16(41), u16(48), u16(11), u16(5), put("tkt01", 5), u16(0x0102), u16(0x0304), /* identity */
        u16(33), u8(32), put(binder, 32);                              /* pre_shared_key */
    len16_from(exts);
}

static const struct field *child(const struct ftree *t, int parent, const char *key)
{
    for (const struct field *f = ft_at(t, ft_at(t, parent)->child); f; f = ft_at(t, f->next))
        if (f->key && strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

static int idx(const struct ftree *t, const struct field *f)
{
    return f ? (int)(f - t->f) : FT_NONE;
}

/* The extension group whose "type" is ext. */
static int extension(const struct ftree *t, int root, unsigned ext)
{
    const struct field *l = child(t, root, "extensions");
    for (const struct field *g = l ? ft_at(t, l->child) : NULL; g; g = ft_at(t, g->next))
        if (ft_at(t, g->child)->u == ext)
            return idx(t, g);
    return FT_NONE;
}

static void client_hello_fields(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);
    build();
    int root = ft_reset(&t);
    CU_ASSERT_FATAL(tls_decode_message(1, ch, ch_len, &t, root, &sum, TCP_C2S));

    CU_ASSERT_EQUAL(child(&t, root, "version")->u, 0x0303);
    const struct field *rnd = child(&t, root, "random");
    CU_ASSERT(rnd && rnd->n == 32 && rnd->p[0] == 0x11 && rnd->verbose);
    const struct field *sid = child(&t, root, "session_id");
    CU_ASSERT(sid && sid->n == 32 && sid->p[31] == 0x22);
    const struct field *cs = child(&t, root, "cipher_suites");
    const struct field *c1 = ft_at(&t, cs->child), *c2 = ft_at(&t, c1->next);
    CU_ASSERT(c1->u == 0x1301 && c2->u == 0x0a0a && ft_at(&t, c2->next)->u == 0xc02f);

    int sn = extension(&t, root, 0);
    const struct field *names = child(&t, sn, "names");
    CU_ASSERT(names && ft_at(&t, names->child)->n == 11);
    CU_ASSERT(memcmp(ft_at(&t, names->child)->p, "example.com", 11) == 0);
    CU_ASSERT_STRING_EQUAL(sum.sni, "example.com");

    const struct field *protos = child(&t, extension(&t, root, 16), "protocols");
    CU_ASSERT(protos && ft_at(&t, ft_at(&t, protos->child)->next)->n == 8);
    CU_ASSERT_EQUAL(sum.alpn[0], 0); /* offered, not selected */

    const struct field *shares = child(&t, extension(&t, root, 51), "shares");
    int share = idx(&t, ft_at(&t, shares->child));
    CU_ASSERT_EQUAL(child(&t, share, "group")->u, 0x001d);
    CU_ASSERT_EQUAL(child(&t, share, "key_length")->u, 32);

    int psk = extension(&t, root, 41);
    const struct field *ids = child(&t, psk, "identities");
    int id0 = idx(&t, ft_at(&t, ids->child));
    CU_ASSERT_EQUAL(child(&t, id0, "identity_length")->u, 5);
    CU_ASSERT_EQUAL(child(&t, id0, "obfuscated_ticket_age")->u, 0x01020304);
    CU_ASSERT_EQUAL(child(&t, psk, "binders")->u, 1);
    CU_ASSERT_NOT_EQUAL(extension(&t, root, 0x2a2a), FT_NONE); /* GREASE shown */

    CU_ASSERT_EQUAL(sum.client_version, 0x0304);
    CU_ASSERT_STRING_EQUAL(sum.ja3_full, "771,4865-49199,0-10-11-16-43-51-13-45-41,29-23,0");
    CU_ASSERT_EQUAL(strlen(sum.ja3), 32);
    free(sum.ja3_full);
    ft_release(&t);
}

static void client_hello_cut_and_padded(void)
{
    struct ftree t;
    ft_init(&t);
    build();
    for (size_t cut = 0; cut < ch_len; cut++) {
        struct tls_summary sum = {.cipher = 0xffffffff};
        uint8_t *b = malloc(cut ? cut : 1);
        memcpy(b, ch, cut);
        int root = ft_reset(&t);
        /* A cut that ends right after the compression methods is a valid
         * ClientHello without extensions. */
        int ok = tls_decode_message(1, b, cut, &t, root, &sum, TCP_C2S);
        CU_ASSERT(!ok || cut == 2 + 32 + 33 + 8 + 2);
        CU_ASSERT(!ok || child(&t, root, "error") == NULL);
        free(b);
        free(sum.ja3_full);
    }
    uint8_t *b = malloc(ch_len + 3);
    memcpy(b, ch, ch_len);
    memcpy(b + ch_len, "\x01\x02\x03", 3);
    struct tls_summary sum = {.cipher = 0xffffffff};
    int root = ft_reset(&t);
    CU_ASSERT_FALSE(tls_decode_message(1, b, ch_len + 3, &t, root, &sum, TCP_C2S));
    CU_ASSERT_PTR_NOT_NULL(child(&t, root, "error"));
    free(sum.ja3_full);
    /* An extension whose inner length disagrees with its outer one. */
    memcpy(b, ch, ch_len);
    b[2 + 32 + 33 + 8 + 2 + 2 + 4 + 1] ^= 0x40; /* server_name list length */
    root = ft_reset(&t);
    sum = (struct tls_summary){.cipher = 0xffffffff};
    CU_ASSERT_FALSE(tls_decode_message(1, b, ch_len, &t, root, &sum, TCP_C2S));
    free(sum.ja3_full);
    free(b);
    ft_release(&t);
}

static void server_hello_and_hrr(void)
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
    CU_ASSERT(tls_decode_message(2, sh, n, &t, root, &sum, TCP_S2C));
    CU_ASSERT_EQUAL(sum.version, 0x0304);
    CU_ASSERT_EQUAL(sum.cipher, 0x1302);
    CU_ASSERT(sum.resumed);
    CU_ASSERT_STRING_EQUAL(sum.ja3s_full, "771,4866,43-51-41");
    free(sum.ja3s_full);
    ft_release(&t);
}

void suite_hello(void)
{
    static const CU_TestInfo tests[] = {
        {"ClientHello: every field as built", client_hello_fields},
        {"ClientHello: cut at every offset, trailing bytes, bad inner length",
         client_hello_cut_and_padded},
        {"ServerHello (TLS 1.3, PSK)", server_hello_and_hrr},
        CU_TEST_INFO_NULL,
    };
    add_suite("hello", tests);
}
