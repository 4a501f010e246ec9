/* The views through the view model: the JSON writer's punctuation and
 * escaping, what -A adds to the text view (the view's policy, not the
 * decoders'), times and subjectAltName lists as the views write them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/output/jsonw.h"
#include "unit.h"
#include "views.h"

/* What fn wrote to a memory stream, as a string to free. */
static char *written(void (*fn)(FILE *f, void *arg), void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fn(f, arg);
    fclose(f);
    return buf;
}

static void nested(FILE *f, void *arg)
{
    struct out_jw w;
    (void)arg;
    out_jw_init(&w, f);
    out_jw_begin_object(&w);
    out_jw_kstring(&w, "a", "x\"y\\z\n\x7f");
    out_jw_key(&w, "list");
    out_jw_begin_array(&w);
    out_jw_uint(&w, 1);
    out_jw_begin_object(&w);
    out_jw_end_object(&w);
    out_jw_begin_array(&w);
    out_jw_end_array(&w);
    out_jw_null(&w);
    out_jw_int(&w, -5);
    out_jw_end_array(&w);
    out_jw_key(&w, "hex");
    out_jw_hex(&w, (const uint8_t *)"\x00\xff", 2);
    out_jw_key(&w, "t");
    out_jw_seconds(&w, -1500000);
    out_jw_kbool(&w, "b", 0);
    out_jw_end_object(&w);
    out_jw_newline(&w);
    out_jw_begin_array(&w); /* a second line starts afresh */
    out_jw_bool(&w, 1);
    out_jw_end_array(&w);
    out_jw_newline(&w);
}

static void json_writer_punctuation(void)
{
    char *s = written(nested, NULL);
    CU_ASSERT_STRING_EQUAL(s, "{\"a\":\"x\\\"y\\\\z\\u000a\\u007f\",\"list\":[1,{},[],null,-5],"
                              "\"hex\":\"00ff\",\"t\":-1.500000,\"b\":false}\n[true]\n");
    free(s);
}

static void utf8(FILE *f, void *arg)
{
    struct out_jw w;
    (void)arg;
    out_jw_init(&w, f);
    /* é (valid), a lone continuation byte, an overlong '/', a surrogate,
     * a 4-byte sequence cut short. */
    static const uint8_t in[] = {'a', 0xc3, 0xa9, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf0, 0x9f};
    out_jw_string_n(&w, in, sizeof(in));
}

static void json_writer_utf8(void)
{
    char *s = written(utf8, NULL);
    CU_ASSERT_STRING_EQUAL(s,
                           "\"a\xc3\xa9\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
    free(s);
}

/* Numbers as printf would write them: the writer formats them itself. */
static const uint64_t uints[] = {0, 9, 10, 99, 1000000, 4294967296ULL, UINT64_MAX};
static const int64_t ints[] = {0, -1, 7, -1000000, INT64_MAX, INT64_MIN};
static const int64_t times[] = {0, 1, 999999, 1000000, -1, -999999, 1795554446871574, INT64_MIN};

static void numbers(FILE *f, void *arg)
{
    struct out_jw w;
    (void)arg;
    out_jw_init(&w, f);
    out_jw_begin_array(&w);
    for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
        out_jw_uint(&w, uints[i]);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        out_jw_int(&w, ints[i]);
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
        out_jw_seconds(&w, times[i]);
    out_jw_end_array(&w);
    out_jw_begin_object(&w);
    out_jw_kuint(&w, "a_key_longer_than_the_writer_s_own_buffer_of_sixty_four_bytes_xyz", 1);
    out_jw_kuint(&w, "", 2);
    out_jw_end_object(&w);
}

static void json_writer_numbers(void)
{
    char want[1024], *s = written(numbers, NULL);
    size_t n = 0;
    n += (size_t)snprintf(want + n, sizeof(want) - n, "[");
    for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%" PRIu64, i ? "," : "", uints[i]);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, ",%" PRId64, ints[i]);
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        uint64_t a = times[i] < 0 ? 0 - (uint64_t)times[i] : (uint64_t)times[i];
        n += (size_t)snprintf(want + n, sizeof(want) - n, ",%s%" PRIu64 ".%06d",
                              times[i] < 0 ? "-" : "", a / 1000000, (int)(a % 1000000));
    }
    snprintf(want + n, sizeof(want) - n,
             "]{\"a_key_longer_than_the_writer_s_own_buffer_of_sixty_four_bytes_xyz\":1,\"\":2}");
    CU_ASSERT_STRING_EQUAL(s, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "-9223372036854.775808"));
    free(s);
}

/* Base64 a byte at a time (RFC 4648 4), to compare with the writer's. */
static void naive_base64(FILE *f, const uint8_t *p, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fputc('"', f);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v =
            (unsigned)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        fputc(b64[v >> 18], f);
        fputc(b64[(v >> 12) & 63], f);
        fputc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? b64[v & 63] : '=', f);
    }
    fputc('"', f);
}

struct b64_case {
    const uint8_t *p;
    size_t n;
    int naive;
};

static void base64_of(FILE *f, void *arg)
{
    struct b64_case *c = arg;
    struct out_jw w;
    if (c->naive) {
        naive_base64(f, c->p, c->n);
        return;
    }
    out_jw_init(&w, f);
    out_jw_base64(&w, c->p, c->n);
}

static void json_writer_base64(void)
{
    static const char *rfc[][2] = {{"", ""},
                                   {"f", "Zg=="},
                                   {"fo", "Zm8="},
                                   {"foo", "Zm9v"},
                                   {"foob", "Zm9vYg=="},
                                   {"fooba", "Zm9vYmE="},
                                   {"foobar", "Zm9vYmFy"}};
    static const size_t big[] = {12287, 12288, 12289, 12290, 24578, 40000};
    uint8_t *p = malloc(40000 + 8); /* room for the offsets below */
    int bad = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        struct b64_case c = {(const uint8_t *)rfc[i][0], strlen(rfc[i][0]), 0};
        char *s = written(base64_of, &c);
        bad +=
            strlen(s) != strlen(rfc[i][1]) + 2 || strncmp(s + 1, rfc[i][1], strlen(rfc[i][1])) != 0;
        free(s);
    }
    for (size_t i = 0; i < 40000 + 8; i++)
        p[i] = (uint8_t)(i * 131 + (i >> 8));
    for (size_t k = 0; k <= 100 + sizeof(big) / sizeof(big[0]); k++) {
        size_t n = k <= 100 ? k : big[k - 101];
        struct b64_case mine = {p + k % 7, n, 0}, ref = {p + k % 7, n, 1};
        char *a = written(base64_of, &mine), *b = written(base64_of, &ref);
        bad += strcmp(a, b) != 0;
        free(a);
        free(b);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(p);
}

/* The JSON string escape a character at a time (the writer skips runs
 * of plain ASCII a word at a time): runs of printable ASCII and valid
 * UTF-8 as they are, '"' and '\\' escaped, controls as \u00xx, other
 * bytes as U+FFFD. */
static size_t ref_utf8_len(const uint8_t *p, size_t n)
{
    /* By the code point it decodes to (RFC 3629 section 3), not by the
     * byte ranges the writer checks: the shortest form, at most
     * U+10FFFF, no surrogate. */
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = 0;
    uint32_t cp;

    while (len < 8 && (p[0] << len & 0x80))
        len++;
    if (len < 2 || len > 4 || len > n)
        return 0;
    cp = p[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if (p[i] >> 6 != 2)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    return cp >= least[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? len : 0;
}

static void ref_string(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t len = c >= 0x80 ? ref_utf8_len(p + i, n - i) : 0;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else if (c < 0x80 || len)
            fwrite(p + i, 1, c < 0x80 ? 1 : len, f);
        else
            fputs("\\ufffd", f);
        i += c < 0x80 || !len ? 1 : len;
    }
    fputc('"', f);
}

static int ref_is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : ref_utf8_len(p + i, n - i);
        if (!len || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') || p[i] == 0x7f ||
            (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0))
            return 0;
        i += len;
    }
    return 1;
}

struct str_case {
    const uint8_t *p;
    size_t n;
    int ref;
};

static void string_of(FILE *f, void *arg)
{
    struct str_case *c = arg;
    struct out_jw w;
    if (c->ref) {
        ref_string(f, c->p, c->n);
        return;
    }
    out_jw_init(&w, f);
    out_jw_string_n(&w, c->p, c->n);
}

/* Each odd byte (and a UTF-8 sequence) at each place of text of each
 * length 0..40: the word-at-a-time skips must stop for every one. */
static void json_writer_text_runs(void)
{
    static const char *odd[] = {"\"",       "\\",       "\x01",         "\x1f", "\x7f", "\x80",
                                "\xc3\xa9", "\xc2\x85", "\xe2\x82\xac", "\xff", "\t",   "\n",
                                "~",        " "};
    uint8_t p[48];
    int bad = 0;
    for (size_t n = 0; n <= 40; n++)
        for (size_t at = 0; at <= n; at++)
            for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
                size_t m = strlen(odd[k]), len = at + m <= n ? n : at + m;
                memset(p, 'a', sizeof(p));
                memcpy(p + at, odd[k], m);
                struct str_case mine = {p, len, 0}, ref = {p, len, 1};
                char *a = written(string_of, &mine), *b = written(string_of, &ref);
                bad += strcmp(a, b) != 0;
                bad += out_jw_is_text(p, len) != ref_is_text(p, len);
                free(a);
                free(b);
            }
    CU_ASSERT_EQUAL(bad, 0);
}

struct send {
    struct view *v;
    const struct vm_event *ev;
};

static void send_and_close(FILE *f, void *arg)
{
    struct send *s = arg;
    (void)f;
    s->v->event(s->v, s->ev);
    s->v->close(s->v);
}

char *view_text(const struct ftree *t, int root, int all_fields)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct out_text_opts o = {.all_fields = all_fields};
    struct vm_conn conn = {.id = 1};
    struct vm_message m = {.type = 1, .tree = t, .fields = ft_at(t, root)};
    void *slot = NULL;
    struct vm_event ev = {.kind = VM_MESSAGE, .conn = &conn, .msg = &m, .slot = &slot};
    struct send s = {out_text_new(f, &o), &ev};
    CU_ASSERT_PTR_NOT_NULL_FATAL(s.v);
    send_and_close(f, &s);
    fclose(f);
    return buf;
}

/* -A adds randoms, session IDs and a certificate's serial, signature
 * algorithm and fingerprint; the decoders put every field in the tree. */
static void text_all_fields(void)
{
    static const uint8_t rnd[32] = {0x11};
    struct ftree t;
    ft_init(&t);
    int root = ft_reset(&t);
    ft_hex(&t, root, "random", rnd, sizeof(rnd));
    ft_hex(&t, root, "session_id", rnd, 2);
    int l = ft_list(&t, root, "certificates");
    int c = ft_group(&t, l, NULL);
    ft_str(&t, c, "subject", "CN=a");
    ft_str(&t, c, "serial", "1001");
    ft_time(&t, c, "not_before", 0);
    ft_time(&t, c, "not_after", FT_NO_TIME);
    ft_str(&t, c, "sha256", "ab");

    char *plain = view_text(&t, root, 0), *all = view_text(&t, root, 1);
    CU_ASSERT_STRING_EQUAL(plain, "      ClientHello\n"
                                  "        certificates\n"
                                  "          - subject: CN=a\n"
                                  "            not_before: 1970-01-01T00:00:00Z\n"
                                  "            not_after: ?\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "        random: 1100"));
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "        session_id: 1100\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "            serial: 1001\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "            sha256: ab\n"));
    free(plain);
    free(all);
    ft_release(&t);
}

/* The summary's subjectAltNames are a list: a name with a comma stays
 * whole, an IPv6 address is there. */
static void json_san_list(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct vm_conn conn = {.id = 7};
    struct vm_summary sum = {.cipher = VM_NO_CIPHER, .history = "", .ncerts = 1};
    struct vm_cert *c = &sum.certs[0];
    *c = (struct vm_cert){.subject = "CN=x",
                          .issuer = "CN=y",
                          .serial = "01",
                          .not_before = 86400,
                          .not_after = VM_NO_TIME,
                          .nsan = 2,
                          .key = "EC",
                          .sig = "s",
                          .sha256 = "00"};
    c->san[0] = (struct vm_san){VM_SAN_DNS, "a,b.test"};
    c->san[1] = (struct vm_san){VM_SAN_IP, "2001:db8::1"};
    void *slot = NULL;
    struct vm_event ev = {.kind = VM_CLOSE, .conn = &conn, .summary = &sum, .slot = &slot};
    struct send s = {out_json_new(f, NULL), &ev};
    CU_ASSERT_PTR_NOT_NULL_FATAL(s.v);
    send_and_close(f, &s);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf,
                                  "\"not_before\":\"1970-01-02T00:00:00Z\",\"not_after\":\"?\","
                                  "\"san\":[\"a,b.test\",\"2001:db8::1\"]"));
    free(buf);
}

/* --summary with --threads: two parts' totals, joined, are one view's,
 * also past the 48 distinct keys one view keeps (the rest is "other"). */
struct summary_feed {
    struct view *part[2], *one;
};

/* Connection id closes at place (id, id). */
static void summary_close_event(struct view *v, uint64_t id, uint32_t cipher, uint16_t version)
{
    struct vm_conn conn = {.id = id};
    struct vm_summary sum = {.version = version, .cipher = cipher, .history = ""};
    void *slot = NULL;
    struct vm_event ev = {
        .kind = VM_CLOSE, .conn = &conn, .summary = &sum, .slot = &slot, .place = {id, id}};
    v->event(v, &ev);
}

/* The totals: what follows the blank line. */
static const char *totals(const char *out)
{
    const char *t = strstr(out, "\n\n");
    return t ? t : "";
}

static void summary_parts_join(void)
{
    char *one_buf = NULL, *whole_buf = NULL, *parts_buf = NULL;
    size_t n1 = 0, n2 = 0, n3 = 0;
    FILE *one = open_memstream(&one_buf, &n1), *whole = open_memstream(&whole_buf, &n2),
         *parts = open_memstream(&parts_buf, &n3);
    struct summary_feed f = {.one = out_summary_new(one)};
    struct view *w = out_summary_new(whole);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.one);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int k = 0; k < 2; k++) {
        f.part[k] = out_summary_part_new(parts, w);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f.part[k]);
    }
    /* 400 connections over 90 ciphers and 3 versions; the parts take
     * them unevenly (a part sees most of the first keys) */
    uint32_t x = 12345;
    for (uint64_t i = 1; i <= 400; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t cipher = 0xc000 + (x >> 16) % 90;
        uint16_t version = (uint16_t)(0x0301 + (x >> 8) % 3);
        summary_close_event(f.one, i, cipher, version);
        summary_close_event(f.part[(x >> 4) % 5 == 0], i, cipher, version);
    }
    CU_ASSERT(f.one->close(f.one) && f.part[0]->close(f.part[0]) && f.part[1]->close(f.part[1]) &&
              w->close(w));
    fclose(one);
    fclose(whole);
    fclose(parts);
    CU_ASSERT_PTR_NOT_NULL(strstr(totals(one_buf), ", other "));
    CU_ASSERT_STRING_EQUAL(totals(whole_buf), totals(one_buf));
    free(one_buf);
    free(whole_buf);
    free(parts_buf);
}

void suite_views(void)
{
    static const CU_TestInfo tests[] = {
        {"JSON writer: commas, nesting, escapes, numbers, lines", json_writer_punctuation},
        {"JSON writer: bytes that are not UTF-8 become U+FFFD", json_writer_utf8},
        {"JSON writer: numbers and keys as printf would write them", json_writer_numbers},
        {"JSON writer: base64 as RFC 4648 and a byte-at-a-time encoder", json_writer_base64},
        {"JSON writer: text skipped a word at a time, stopping at every odd byte",
         json_writer_text_runs},
        {"text view: -A adds randoms, session IDs, certificate details; times", text_all_fields},
        {"JSON view: subjectAltNames as a list, commas and IPv6 kept", json_san_list},
        {"summary: parts' totals joined are one view's, past 48 keys too", summary_parts_join},
        CU_TEST_INFO_NULL,
    };
    add_suite("views", tests);
}
