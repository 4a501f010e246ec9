/* The text view's dumps of bytes (src/output/hexdump.c) against naive
 * references written a byte at a time: every length from 0 to 100 and
 * some past a block or past 64 KiB (where the offset's 4 digits wrap),
 * every alignment of the data, with and without the ASCII column, through
 * both the SIMD lines (where the CPU has them) and the portable ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/output/hexdump.h"
#include "base/direct.h"
#include "unit.h"

/* The dump as ssldump prints it, one byte at a time. */
static void naive_hex(FILE *f, const uint8_t *p, size_t n, int ascii)
{
    for (size_t i = 0; i < n; i += 16) {
        size_t k = n - i < 16 ? n - i : 16;
        fprintf(f, "    %04zx ", i & 0xffff);
        for (size_t j = 0; j < k; j++)
            fprintf(f, " %02x", p[i + j]);
        if (ascii) {
            for (size_t j = k; j < 16; j++)
                fputs("   ", f);
            fputs("  ", f);
            for (size_t j = 0; j < k; j++)
                fputc(p[i + j] >= 0x20 && p[i + j] < 0x7f ? p[i + j] : '.', f);
        }
        fputc('\n', f);
    }
}

/* Each line indented by four spaces, CRs left out, a line end after;
 * nothing for nothing (ssldump's two rules meet). */
static void naive_text(FILE *f, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    fputs("    ", f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\r')
            fputc(p[i], f);
        if (p[i] == '\n' && i + 1 < n)
            fputs("    ", f);
    }
    if (n && p[n - 1] != '\n')
        fputc('\n', f);
}

static int naive_is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
            return 0;
    return 1;
}

struct dump {
    char *buf;
    size_t len;
    FILE *f;
};

static void dump_open(struct dump *d)
{
    d->buf = NULL;
    d->len = 0;
    d->f = open_memstream(&d->buf, &d->len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d->f);
}

static void dump_close(struct dump *d)
{
    fclose(d->f);
}

/* The first dump that differs from the reference, or 0 if none does. */
static int hex_differs(const uint8_t *p, size_t n, int ascii)
{
    struct dump got, want;
    dump_open(&got);
    dump_open(&want);
    out_hex_dump(got.f, p, n, ascii);
    naive_hex(want.f, p, n, ascii);
    dump_close(&got);
    dump_close(&want);
    int differs = got.len != want.len || memcmp(got.buf, want.buf, got.len) != 0;
    if (differs)
        fprintf(stderr, "\nhex dump of %zu bytes (ascii %d) differs:\n%s\nwanted:\n%s\n", n, ascii,
                got.buf, want.buf);
    free(got.buf);
    free(want.buf);
    return differs;
}

/* Random bytes, then every value once somewhere, so that each of the 256
 * table entries and both sides of the ASCII test are exercised. */
static uint8_t *test_bytes(size_t n)
{
    uint8_t *p = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    srand(15);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rand();
    for (size_t i = 0; i < 256 && i < n; i++)
        p[i * 7 % n] = (uint8_t)i;
    return p;
}

static void check_level(int level)
{
    static const size_t big[] = {4095, 16384, 16384 + 7, 32768 - 5, 65536 + 33, 70000};
    uint8_t *p = test_bytes(70000 + 16);
    int bad = 0;

    CU_ASSERT_EQUAL_FATAL(out_hex_simd(level), level);
    for (int ascii = 0; ascii < 2; ascii++) {
        for (size_t a = 0; a < 16 && bad < 3; a++)
            for (size_t n = 0; n <= 100 && bad < 3; n++)
                bad += hex_differs(p + a, n, ascii);
        for (size_t i = 0; i < sizeof(big) / sizeof(big[0]) && bad < 3; i++)
            bad += hex_differs(p + i, big[i], ascii);
    }
    CU_ASSERT_EQUAL(bad, 0);
    out_hex_simd(2);
    free(p);
}

static void hex_portable(void)
{
    out_hex_init();
    check_level(0);
}

/* On x86-64 the SIMD lines must be the ones in use (else this test would
 * pass without running them); elsewhere there is only the portable code. */
static void hex_simd(void)
{
    out_hex_init();
#if !defined(TLSDUMP_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("ssse3")) {
        check_level(1);
        return;
    }
#endif
    CU_ASSERT_EQUAL(out_hex_simd(1), 0);
}

/* A line of the reference is what a broken dump would have to match: make
 * sure the comparison can fail, on a dump that differs in one character. */
static void hex_reference_catches(void)
{
    uint8_t p[20] = {0x41, 0x00, 0xff, 0x7f, 0x20, 0x1f, 0x80, 0x7e};
    struct dump d;
    dump_open(&d);
    out_hex_dump(d.f, p, sizeof(p), 1);
    dump_close(&d);
    CU_ASSERT_STRING_EQUAL(d.buf, "    0000  41 00 ff 7f 20 1f 80 7e 00 00 00 00 00 00 00 00  "
                                  "A... ..~........\n"
                                  "    0010  00 00 00 00                                      "
                                  "....\n");
    free(d.buf);
    dump_open(&d);
    out_hex_dump(d.f, p, 3, 0);
    dump_close(&d);
    CU_ASSERT_STRING_EQUAL(d.buf, "    0000  41 00 ff\n");
    free(d.buf);
}

static void is_text(void)
{
    static const uint8_t odd[] = {0x00, 0x08, 0x0b, 0x0c, 0x1f, 0x7f, 0x80, 0xc3, 0xff};
    static const uint8_t fine[] = {'\t', '\n', '\r', ' ', '~', 'a'};
    uint8_t p[101];
    int bad = 0;

    for (size_t n = 0; n <= 100; n++) {
        memset(p, 'x', sizeof(p));
        bad += out_is_text(p, n) != 1;
        for (size_t at = 0; at < n; at++) {
            for (size_t k = 0; k < sizeof(odd); k++) {
                p[at] = odd[k];
                bad += out_is_text(p, n) != naive_is_text(p, n) || out_is_text(p, n) != 0;
            }
            for (size_t k = 0; k < sizeof(fine); k++) {
                p[at] = fine[k];
                bad += out_is_text(p, n) != 1;
            }
            p[at] = 'x';
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Whether out_text_lines differs from the reference on n bytes of p: the
 * reference's text, or 0 and nothing written when p is not all text. */
static int text_differs(const uint8_t *p, size_t n)
{
    struct dump got, want;
    dump_open(&got);
    dump_open(&want);
    int text = out_text_lines(got.f, p, n);
    if (naive_is_text(p, n))
        naive_text(want.f, p, n);
    dump_close(&got);
    dump_close(&want);
    int bad = text != naive_is_text(p, n) || got.len != want.len ||
              memcmp(got.buf, want.buf, got.len) != 0;
    free(got.buf);
    free(want.buf);
    return bad;
}

/* Text of n bytes: letters with LF and CR about every `every` bytes. */
static void text_bytes(uint8_t *p, size_t n, unsigned every)
{
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand();
        p[i] = r % every == 0 ? '\n' : r % every == 1 ? '\r' : (uint8_t)('a' + r % 26);
    }
}

/* Short cases, then every length to 300 at every alignment and long runs,
 * with line ends dense and sparse, through the level's steps. */
static int text_level(int level)
{
    static const char *cases[] = {
        "",       "a",      "\n",  "\r\n",     "ab\r\ncd\r\n",
        "ab\ncd", "\n\n\n", "x\r", "\r\r\n\r", "GET / HTTP/1.0\r\n\r\n",
    };
    static const unsigned every[] = {2, 5, 17, 77, 100000};
    uint8_t *p = malloc(70000 + 16);
    int bad = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    out_hex_simd(level);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        bad += text_differs((const uint8_t *)cases[i], strlen(cases[i]));
    srand(15);
    for (size_t e = 0; e < sizeof(every) / sizeof(every[0]); e++) {
        text_bytes(p, 70000 + 16, every[e]);
        for (size_t a = 0; a < 16; a++)
            for (size_t n = 0; n <= 300; n++)
                bad += text_differs(p + a, n);
        bad += text_differs(p + 3, 16383) + text_differs(p, 70000);
        /* one byte that is not text, anywhere: the first, the last, past
         * a block */
        static const uint8_t odd[] = {0x00, 0x1f, 0x7f, 0x80, 0xff};
        for (size_t n = 1; n <= 300; n++) {
            size_t at = (n * 7 + 3) % n;
            uint8_t keep = p[at];
            p[at] = odd[n % sizeof(odd)];
            bad += text_differs(p, n);
            p[at] = keep;
        }
        for (size_t at = 0; at < 70000; at += 16381) {
            uint8_t keep = p[at];
            p[at] = 0x01;
            bad += text_differs(p, 70000);
            p[at] = keep;
        }
    }
    out_hex_simd(2);
    free(p);
    return bad;
}

static void text_lines(void)
{
    out_hex_init();
    CU_ASSERT_EQUAL(text_level(0), 0);
    CU_ASSERT_EQUAL(text_level(1), 0);
#if !defined(TLSDUMP_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    /* where the CPU has AVX2, its steps must be the ones tested at 2 */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("ssse3"))
        CU_ASSERT_EQUAL(out_hex_simd(2), 2);
#endif
    CU_ASSERT_EQUAL(text_level(2), 0);
}

/* A lender (base/direct.h) that gives little room, and once none: the
 * dumps go on where the last piece ended, or through stdio. */
struct stingy {
    FILE *f;
    char room[200];
    unsigned calls;
};

static char *stingy_reserve(void *arg, size_t min, size_t *room)
{
    struct stingy *s = arg;
    if (++s->calls == 40) /* the text's own stdio from here */
        return NULL;
    *room = min + s->calls % 37;
    return s->room;
}

static void stingy_commit(void *arg, size_t n)
{
    struct stingy *s = arg;
    fwrite(s->room, 1, n, s->f);
}

static void lent_memory(void)
{
    uint8_t *p = malloc(5000);
    struct dump got, want;
    struct stingy s = {0};

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    out_hex_init();
    srand(15);
    text_bytes(p, 5000, 40);
    dump_open(&got);
    dump_open(&want);
    s.f = got.f;
    base_direct_set(&(struct base_direct){got.f, stingy_reserve, stingy_commit, &s});
    CU_ASSERT_EQUAL(out_text_lines(got.f, p, 5000), 1);
    out_hex_dump(got.f, p, 5000, 1);
    naive_text(want.f, p, 5000);
    naive_hex(want.f, p, 5000, 1);
    p[4000] = 0x80; /* past many pieces: found before any is kept */
    CU_ASSERT_EQUAL(out_text_lines(got.f, p, 5000), 0);
    base_direct_set(NULL);
    dump_close(&got);
    dump_close(&want);
    CU_ASSERT(s.calls > 60);
    CU_ASSERT(got.len == want.len && memcmp(got.buf, want.buf, got.len) == 0);
    free(got.buf);
    free(want.buf);
    free(p);
}

void suite_hexdump(void)
{
    static const CU_TestInfo tests[] = {
        {"hex dump: the portable lines match a byte-at-a-time dump", hex_portable},
        {"hex dump: the SIMD lines match a byte-at-a-time dump", hex_simd},
        {"hex dump: a known dump, with and without the ASCII column", hex_reference_catches},
        {"text check: every odd byte at every place, lengths 0..100", is_text},
        {"text lines: indented, CRs left out, a line end after (both steps)", text_lines},
        {"text and hex through a lender's small pieces and stdio", lent_memory},
        CU_TEST_INFO_NULL,
    };
    add_suite("hexdump", tests);
}
