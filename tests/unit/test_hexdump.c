/* The text view's dumps of bytes (src/output/hexdump.c) against naive
 * references written a byte at a time: every length from 0 to 100 and
 * some past a block or past 64 KiB (where the offset's 4 digits wrap),
 * every alignment of the data, with and without the ASCII column, through
 * both the SIMD lines (where the CPU has them) and the portable ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/output/hexdump.h"
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

/* Each line indented by four spaces, CRs left out, a line end after. */
static void naive_text(FILE *f, const uint8_t *p, size_t n)
{
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
    out_hex_simd(1);
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

static void text_lines(void)
{
    static const char *cases[] = {
        "",       "a",      "\n",  "\r\n",     "ab\r\ncd\r\n",
        "ab\ncd", "\n\n\n", "x\r", "\r\r\n\r", "GET / HTTP/1.0\r\n\r\n",
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const uint8_t *p = (const uint8_t *)cases[i];
        size_t n = strlen(cases[i]);
        struct dump got, want;
        dump_open(&got);
        dump_open(&want);
        out_text_lines(got.f, p, n);
        naive_text(want.f, p, n);
        dump_close(&got);
        dump_close(&want);
        bad += got.len != want.len || memcmp(got.buf, want.buf, got.len) != 0;
        free(got.buf);
        free(want.buf);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

void suite_hexdump(void)
{
    static const CU_TestInfo tests[] = {
        {"hex dump: the portable lines match a byte-at-a-time dump", hex_portable},
        {"hex dump: the SIMD lines match a byte-at-a-time dump", hex_simd},
        {"hex dump: a known dump, with and without the ASCII column", hex_reference_catches},
        {"text check: every odd byte at every place, lengths 0..100", is_text},
        {"text lines: indented, CRs left out, a line end after", text_lines},
        CU_TEST_INFO_NULL,
    };
    add_suite("hexdump", tests);
}
