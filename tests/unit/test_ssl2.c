/*
 * SSL 2.0 (draft-hickman-netscape-ssl-00): the messages in clear as the
 * specification lays them out, each decoded with its fields checked, cut
 * at every offset, with trailing bytes and with wrong lengths; the
 * framer's 2- and 3-byte record headers, whole and a byte at a time; and
 * a whole exchange through a tls_conn: which records are encrypted, and
 * an SSLv2-compatible ClientHello answered in SSL 2.0.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "tls.h"
#include "unit.h"

/* SERVER-HELLO: no session hit, X509, version 2, a 5-byte certificate
 * (not X.509: shown as such), two cipher specs, a 16-byte connection ID. */
static const uint8_t server_hello[38] = {0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x05, 0x00, 0x06, 0x00,
                                         0x10, 0x30, 0x03, 0x02, 0x01, 0x00, 0x01, 0x00, 0x80, 0x07,
                                         0x00, 0xc0, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                         0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
/* CLIENT-MASTER-KEY: RC4_128_WITH_MD5, no clear key, 8 encrypted bytes. */
static const uint8_t master_key[18] = {0x02, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x08, 0x00,
                                       0x00, 1,    2,    3,    4,    5,    6,    7,    8};
/* CLIENT-HELLO of version 2: two cipher specs, a 16-byte challenge. */
static const uint8_t client_hello[31] = {0x01, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,
                                         0x10, 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0, [15] = 0x22};
static const uint8_t error_no_cipher[3] = {0x00, 0x00, 0x01};

static int decode(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum = {.cipher = 0xffffffff};
    int ok = tls_decode_ssl2_message(p, n, t, ft_reset(t), &sum,
                                     n && (p[0] == 1 || p[0] == 2) ? DIR_C2S : DIR_S2C);
    free(sum.certs);
    return ok;
}

/* Cut anywhere, padded, or with a length field one off: malformed. */
static void malformed(const uint8_t *b, size_t n, const size_t *len_at, int nlen, struct ftree *t)
{
    CU_ASSERT_EQUAL(clean_cuts(decode, b, n, 0, t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode, b, n, t));
    for (int i = 0; i < nlen; i++)
        for (int delta = -1; delta <= 1; delta += 2)
            CU_ASSERT_FALSE(decode_changed(decode, b, n, len_at[i], delta, t));
}

static void messages(void)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&t);

    CU_ASSERT_FATAL(tls_decode_ssl2_message(server_hello, sizeof(server_hello), &t, ft_reset(&t),
                                            &sum, DIR_S2C));
    CU_ASSERT_EQUAL(tree_child(&t, 0, "version")->u, 0x0002);
    CU_ASSERT_EQUAL(tree_child(&t, 0, "session_id_hit")->u, 0);
    const struct field *specs = tree_child(&t, 0, "cipher_specs");
    CU_ASSERT_EQUAL(tree_count(&t, specs), 2);
    CU_ASSERT_EQUAL(tree_nth(&t, specs, 1)->u, 0x0700c0);
    CU_ASSERT_STRING_EQUAL(reg_name(REG_CIPHER, 0x0700c0), "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
    CU_ASSERT_EQUAL(tree_count(&t, tree_child(&t, 0, "certificates")), 1);
    CU_ASSERT(sum.ssl2.server_hello && !sum.ssl2.session_id_hit && sum.version == 0x0002);
    CU_ASSERT(sum.ssl2.nspecs == 2 && sum.ssl2.specs[0] == 0x010080);
    static const size_t sh_lens[] = {6, 8, 10};
    malformed(server_hello, sizeof(server_hello), sh_lens, 3, &t);

    CU_ASSERT_FATAL(
        tls_decode_ssl2_message(master_key, sizeof(master_key), &t, ft_reset(&t), &sum, DIR_C2S));
    CU_ASSERT_EQUAL(tree_child(&t, 0, "cipher_kind")->u, 0x010080);
    CU_ASSERT_EQUAL(tree_child(&t, 0, "encrypted_key_length")->u, 8);
    CU_ASSERT(sum.cipher == 0x010080 && sum.ssl2.master_key);
    static const size_t mk_lens[] = {5, 7, 9};
    malformed(master_key, sizeof(master_key), mk_lens, 3, &t);

    CU_ASSERT_FATAL(tls_decode_ssl2_message(error_no_cipher, sizeof(error_no_cipher), &t,
                                            ft_reset(&t), &sum, DIR_S2C));
    const struct field *code = tree_child(&t, 0, "error_code");
    CU_ASSERT(code && code->u == 1 && code->table == REG_SSL2_ERROR);
    CU_ASSERT(sum.ssl2.error_seen && sum.ssl2.error == 1 && sum.ssl2.error_from == DIR_S2C);
    CU_ASSERT_STRING_EQUAL(reg_name(REG_SSL2_ERROR, 1), "NO-CIPHER-ERROR");
    malformed(error_no_cipher, sizeof(error_no_cipher), NULL, 0, &t);

    CU_ASSERT_FATAL(tls_decode_ssl2_message(client_hello, sizeof(client_hello), &t, ft_reset(&t),
                                            &sum, DIR_C2S));
    specs = tree_child(&t, 0, "cipher_specs");
    CU_ASSERT_EQUAL(tree_nth(&t, specs, 0)->u, 0x010080);
    CU_ASSERT_EQUAL(sum.client_random[31 - 15], 0x22); /* the challenge, right-aligned */
    static const size_t ch_lens[] = {4, 6, 8};
    malformed(client_hello, sizeof(client_hello), ch_lens, 3, &t);
    /* Cipher specs not a multiple of 3 bytes. */
    uint8_t odd[sizeof(client_hello)];
    memcpy(odd, client_hello, sizeof(odd));
    odd[4] = 5, odd[8] = 0x11;
    CU_ASSERT_FALSE(decode(odd, sizeof(odd), &t));
    free(sum.certs);
    ft_release(&t);
}

/* ---------------------------------------------------------------- framer */

struct framed {
    unsigned type[8];
    size_t len[8];
    uint8_t first[8];
    uint8_t padding[8];
    int n, problems;
};

static void on_frame(void *arg, const struct tls_record *r)
{
    struct framed *f = arg;
    if (f->n < 8) {
        f->type[f->n] = r->type;
        f->len[f->n] = r->length;
        f->first[f->n] = r->length ? r->body[0] : 0;
        f->padding[f->n] = r->padding;
    }
    f->n++;
}

static void on_frame_problem(void *arg, enum tls_problem_kind p, uint64_t o)
{
    (void)p, (void)o;
    ((struct framed *)arg)->problems++;
}

static const struct tls_framer_ops frame_ops = {on_frame, on_frame_problem};

static void feed(const uint8_t *p, size_t n, size_t step, struct framed *out)
{
    struct tls_framer *f = tls_framer_new(&frame_ops, out);
    memset(out, 0, sizeof(*out));
    for (size_t at = 0; at < n; at += step)
        tls_framer_feed(f, p + at, n - at < step ? n - at : step, at);
    tls_framer_free(f);
}

static void framing(void)
{
    /* A server's stream: SERVER-HELLO, an encrypted record with a 3-byte
     * header (4 bytes of padding), one with a 2-byte header, an ERROR. */
    uint8_t s[2 + sizeof(server_hello) + 3 + 20 + 2 + 32 + 5];
    size_t at = 0;
    s[at++] = 0x80, s[at++] = sizeof(server_hello);
    memcpy(s + at, server_hello, sizeof(server_hello)), at += sizeof(server_hello);
    s[at++] = 0x00, s[at++] = 20, s[at++] = 4;
    memset(s + at, 0xaa, 20), at += 20;
    s[at++] = 0x80, s[at++] = 32;
    memset(s + at, 0xbb, 32), at += 32;
    memcpy(s + at, "\x80\x03\x00\x00\x01", 5), at += 5;
    for (size_t step = 1; step <= sizeof(s); step += step < 8 ? 1 : 37) {
        struct framed f;
        feed(s, sizeof(s), step, &f);
        CU_ASSERT_EQUAL_FATAL(f.n, 4);
        CU_ASSERT_EQUAL(f.problems, 0);
        for (int i = 0; i < 4; i++)
            CU_ASSERT_EQUAL(f.type[i], TLS_CT_SSL2);
        CU_ASSERT(f.len[0] == sizeof(server_hello) && f.first[0] == 4);
        CU_ASSERT(f.len[1] == 20 && f.first[1] == 0xaa && f.padding[1] == 4);
        CU_ASSERT(f.len[2] == 32 && f.first[2] == 0xbb && f.padding[2] == 0);
        CU_ASSERT(f.len[3] == 3 && f.first[3] == 0);
    }
    CU_ASSERT_EQUAL(tls_record_starts(s, sizeof(s), TLS_AT_STREAM_START), TLS_START_YES);
    for (size_t n = 0; n < 5; n++)
        CU_ASSERT_EQUAL(tls_record_starts(s, n, TLS_AT_STREAM_START), TLS_START_MORE);
    /* An ERROR alone answers a CLIENT-HELLO: the whole stream. */
    struct framed f;
    feed((const uint8_t *)"\x80\x03\x00\x00\x01", 5, 5, &f);
    CU_ASSERT(f.n == 1 && f.len[0] == 3 && f.problems == 0);
    /* Not SSL 2.0: a message type that no server sends first. */
    feed((const uint8_t *)"\x80\x03\x05\x00\x01", 5, 5, &f);
    CU_ASSERT(f.n == 0 && f.problems == 1);
    /* A padding length beyond the record. */
    uint8_t bad[sizeof(s)];
    memcpy(bad, s, sizeof(bad));
    bad[2 + sizeof(server_hello) + 2] = 21;
    feed(bad, sizeof(bad), sizeof(bad), &f);
    CU_ASSERT(f.n == 1 && f.problems == 1);
}

/* ---------------------------------------------------------------- conn */

struct seen {
    unsigned msg[16];
    int ssl2[16], malformed, nmsg;
    int encrypted[16], nrec;
};

static void on_record(void *a, enum dir d, const struct tls_rec_info *r)
{
    struct seen *s = a;
    (void)d;
    if (s->nrec < 16)
        s->encrypted[s->nrec] = r->encrypted;
    s->nrec++;
}
static void on_message(void *a, enum dir d, const struct tls_msg *m)
{
    struct seen *s = a;
    (void)d;
    if (s->nmsg < 16)
        s->msg[s->nmsg] = m->type, s->ssl2[s->nmsg] = m->ssl2;
    s->nmsg++;
    s->malformed += m->malformed;
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

/* The client's hello (SSL 2.0, or SSLv2-compatible with version 3.1),
 * the SERVER-HELLO, CLIENT-MASTER-KEY, then CLIENT-FINISHED,
 * SERVER-VERIFY and SERVER-FINISHED, encrypted. */
static void exchange(void)
{
    for (int compat = 0; compat < 2; compat++) {
        struct seen s = {0};
        uint64_t off[2] = {0, 0};
        uint8_t ch[2 + sizeof(client_hello)] = {0x80, sizeof(client_hello)};
        memcpy(ch + 2, client_hello, sizeof(client_hello));
        if (compat)
            ch[3] = 3, ch[4] = 1;
        uint8_t sh[2 + sizeof(server_hello)] = {0x80, sizeof(server_hello)};
        memcpy(sh + 2, server_hello, sizeof(server_hello));
        uint8_t mk[2 + sizeof(master_key)] = {0x80, sizeof(master_key)};
        memcpy(mk + 2, master_key, sizeof(master_key));
        static const uint8_t enc[2 + 33] = {0x80, 33, 0x5a};
        struct tls_conn *c = tls_conn_new(&ops, &s, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
#define SEND(d, b) (tls_conn_data(c, d, b, sizeof(b), off[d]), off[d] += sizeof(b))
        SEND(DIR_C2S, ch);
        SEND(DIR_S2C, sh);
        SEND(DIR_C2S, mk);
        SEND(DIR_S2C, enc);
        SEND(DIR_C2S, enc);
        SEND(DIR_S2C, enc);
#undef SEND
        const struct tls_summary *sum = tls_conn_summary(c);
        CU_ASSERT_EQUAL(s.nmsg, 3);
        CU_ASSERT(s.msg[0] == 1 && !s.ssl2[0]); /* the hello, as ever a ClientHello */
        CU_ASSERT(s.msg[1] == 4 && s.ssl2[1]);
        CU_ASSERT(s.msg[2] == 2 && s.ssl2[2]);
        CU_ASSERT_EQUAL(s.malformed, 0);
        CU_ASSERT_EQUAL(s.nrec, 6);
        for (int i = 0; i < 6; i++)
            CU_ASSERT_EQUAL(s.encrypted[i], i >= 3);
        CU_ASSERT(sum->version == 0x0002 && sum->cipher == 0x010080);
        CU_ASSERT(sum->ssl2.server_hello && sum->ssl2.master_key);
        CU_ASSERT(sum->nhs[DIR_S2C] == 1 && sum->hs[DIR_S2C][0] == 0x104);
        tls_conn_free(c);
    }
}

void suite_ssl2(void)
{
    static const CU_TestInfo tests[] = {
        {"SERVER-HELLO, CLIENT-MASTER-KEY, ERROR, CLIENT-HELLO", messages},
        {"SSL 2.0 records: 2- and 3-byte headers, any piece size", framing},
        {"an SSL 2.0 exchange; an SSLv2-compatible hello answered in SSL 2.0", exchange},
        CU_TEST_INFO_NULL,
    };
    add_suite("ssl2", tests);
}
