/*
 * The text view's dumps of bytes: in hex (-x, and -d's binary data), and
 * -d's text as ssldump shows it.  Both build their lines into blocks that
 * are written at once: a large transfer is printed at memory speed rather
 * than at the speed of a stdio call per byte or per line (issue 15).
 */
#include <string.h>

#include "base/direct.h"
#include "hexdump.h"

/* " xx" and "xx" for each byte value, and the ASCII column's character:
 * filled once, by out_hex_init() from out_text_new() (before any thread
 * could share them), so a line of the dump costs table loads, not calls. */
static char hex3[256][4];
static char hex2[256][2];
static char shown[256];

/* Full lines of the dump, nlines of them from p (offset off) into dst;
 * returns the bytes written (76 or 58 a line, no spare byte). */
typedef size_t hex_lines_fn(char *dst, size_t off, const uint8_t *p, size_t nlines, int ascii);
static hex_lines_fn lines_portable;
static hex_lines_fn *full_lines = lines_portable;
static int text_simd; /* -d's text lines 32 bytes a step at 2 (AVX2), 16 at 1 (SSE2), else 8 */

#define LINE_ASCII 76 /* "    0010  " + 16 " xx" + "  " + 16 characters + "\n" */
#define LINE_HEX 58   /* the same without the ASCII column (-X) */

/* The line's first 9 bytes: "    0010 " (the offset's last 4 digits). */
static inline void line_start(char *o, size_t off)
{
    memcpy(o, "    ", 4);
    memcpy(o + 4, hex2[(off >> 8) & 255], 2);
    memcpy(o + 6, hex2[off & 255], 2);
    o[8] = ' ';
}

/* One line of the dump at line for the up to 16 bytes at p, offset off;
 * returns its length (at most 76).  It may write one spare byte after. */
static inline size_t hex_line(char *line, size_t off, const uint8_t *p, size_t k, int ascii)
{
    char *o = line + 9;
    line_start(line, off);
    /* 4-byte copies, each overlapping the next by one: the spare byte is
     * overwritten by the next entry or by what follows the last. */
#pragma GCC unroll 16
    for (size_t j = 0; j < k; j++, o += 3)
        memcpy(o, hex3[p[j]], 4);
    if (ascii) {
        for (size_t j = k; j < 16; j++, o += 3)
            memcpy(o, "    ", 4);
        o[0] = ' ';
        o[1] = ' ';
        o += 2;
#pragma GCC unroll 16
        for (size_t j = 0; j < k; j++)
            o[j] = shown[p[j]];
        o += k;
    }
    *o++ = '\n';
    return (size_t)(o - line);
}

/* Whole lines through a constant count, which the compiler unrolls.  The
 * last line's spare byte is written over by its own line end. */
static size_t lines_portable(char *dst, size_t off, const uint8_t *p, size_t nlines, int ascii)
{
    char *o = dst;
    for (size_t i = 0; i < nlines; i++, off += 16, p += 16)
        o += ascii ? hex_line(o, off, p, 16, 1) : hex_line(o, off, p, 16, 0);
    return (size_t)(o - dst);
}

/* TLSDUMP_NO_SIMD: build the portable lines only. */
#if !defined(TLSDUMP_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HEX_SIMD 1

/* The 48 bytes of " xx" for a line's 16 bytes as three vectors: for each
 * output byte, which hex digit (of 32: the first 16 in one register, the
 * last 16 in another) goes there, or 0x80 for none; and the spaces. */
static uint8_t pick_a[3][16], pick_b[3][16], spaces[3][16];

static void simd_tables(void)
{
    for (int g = 0; g < 48; g++) {
        int v = g / 16, j = g % 16, c = 2 * (g / 3) + g % 3 - 1;
        pick_a[v][j] = g % 3 && c < 16 ? (uint8_t)c : 0x80;
        pick_b[v][j] = g % 3 && c >= 16 ? (uint8_t)(c - 16) : 0x80;
        spaces[v][j] = g % 3 ? 0 : ' ';
    }
}

static inline __m128i vec(const uint8_t t[16])
{
    return _mm_loadu_si128((const __m128i *)t);
}

/* A line's 16 bytes to hex digits with two table lookups (pshufb), placed
 * with four more shuffles; the ASCII column by compare and select: a line
 * is ten stores instead of 16 table copies and 16 byte stores.  (Fewer,
 * wider stores and AVX2's two lines at a time measured no faster: the
 * shuffles are the limit.) */
__attribute__((target("ssse3"))) static size_t lines_ssse3(char *dst, size_t off, const uint8_t *p,
                                                           size_t nlines, int ascii)
{
    const __m128i digits = _mm_loadu_si128((const __m128i *)"0123456789abcdef");
    const __m128i low = _mm_set1_epi8(0x0f), dots = _mm_set1_epi8('.');
    const __m128i a0 = vec(pick_a[0]), a1 = vec(pick_a[1]), b1 = vec(pick_b[1]),
                  b2 = vec(pick_b[2]);
    const __m128i s0 = vec(spaces[0]), s1 = vec(spaces[1]), s2 = vec(spaces[2]);
    char *o = dst;

    for (size_t i = 0; i < nlines; i++, off += 16, p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)p);
        __m128i h = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(x, 4), low));
        __m128i l = _mm_shuffle_epi8(digits, _mm_and_si128(x, low));
        __m128i a = _mm_unpacklo_epi8(h, l), b = _mm_unpackhi_epi8(h, l);
        line_start(o, off);
        _mm_storeu_si128((__m128i *)(o + 9), _mm_or_si128(_mm_shuffle_epi8(a, a0), s0));
        _mm_storeu_si128(
            (__m128i *)(o + 25),
            _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, a1), _mm_shuffle_epi8(b, b1)), s1));
        _mm_storeu_si128((__m128i *)(o + 41), _mm_or_si128(_mm_shuffle_epi8(b, b2), s2));
        if (!ascii) {
            o[57] = '\n';
            o += LINE_HEX;
            continue;
        }
        /* signed compares: 0x80..0xff are below 0x20 */
        __m128i shown_ = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1f)),
                                       _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));
        memcpy(o + 57, "  ", 2);
        _mm_storeu_si128((__m128i *)(o + 59),
                         _mm_or_si128(_mm_and_si128(shown_, x), _mm_andnot_si128(shown_, dots)));
        o[75] = '\n';
        o += LINE_ASCII;
    }
    return (size_t)(o - dst);
}
#endif

int out_hex_simd(int level)
{
#ifdef HEX_SIMD
    __builtin_cpu_init();
    /* SSE2: every x86-64 */
    text_simd = level >= 2 && __builtin_cpu_supports("avx2") ? 2 : level >= 1;
    if (level >= 1 && __builtin_cpu_supports("ssse3")) {
        full_lines = lines_ssse3;
        return text_simd;
    }
#endif
    (void)level;
    full_lines = lines_portable;
    return 0;
}

void out_hex_init(void)
{
    static const char hex[] = "0123456789abcdef";
    if (hex3[0][0])
        return;
    for (int c = 0; c < 256; c++) {
        hex3[c][0] = ' ';
        hex3[c][1] = hex2[c][0] = hex[c >> 4];
        hex3[c][2] = hex2[c][1] = hex[c & 15];
        shown[c] = c >= 0x20 && c < 0x7f ? (char)c : '.';
    }
#ifdef HEX_SIMD
    simd_tables();
#endif
    out_hex_simd(2);
}

/* Lines of "    0010  xx xx ...  ascii", built into a block that is written
 * at once: -d and -x on a large transfer print a line per 16 bytes, and
 * stdio calls per byte or per line would make output the bottleneck. */
/* As many of the dump's lines from byte *i of p on as fit in the room
 * bytes at o (at least two lines and a spare byte); returns their length. */
static size_t fill(char *o, size_t room, const uint8_t *p, size_t n, size_t *i, int ascii)
{
    size_t width = ascii ? LINE_ASCII : LINE_HEX, per = (room - 1) / width - 1, len = 0;
    size_t k = (n - *i) / 16 < per ? (n - *i) / 16 : per;

    if (k) {
        len = full_lines(o, *i, p + *i, k, ascii);
        *i += 16 * k;
    }
    if (*i < n && n - *i < 16) { /* the last line, with room for it and its spare byte */
        len += hex_line(o + len, *i, p + *i, n - *i, ascii);
        *i = n;
    }
    return len;
}

/* Into a block on the stack written at once, or into the memory the
 * stream lends (base/direct.h: --threads' worker streams). */
void out_hex_dump(FILE *out, const uint8_t *p, size_t n, int ascii)
{
    const struct base_direct *d = base_direct_of(out);
    char block[32768], *o;
    size_t i = 0, room;

    while (i < n) {
        if (!d || !(o = d->reserve(d->arg, 2 * LINE_ASCII + 1, &room))) {
            o = block;
            room = sizeof(block);
            d = NULL;
        }
        size_t len = fill(o, room, p, n, &i, ascii);
        if (d)
            d->commit(d->arg, len);
        else
            fwrite(block, 1, len, out);
    }
}

static int text_byte(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
}

/* Eight bytes at a time: a word with no byte below 0x20, none of 0x7f and
 * none from 0x80 is text; only the others are looked at byte by byte. */
static inline int plain_word(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
    uint64_t below = (x - ones * 0x20) & ~x,
             del = ((x ^ (ones * 0x7f)) - ones) & ~(x ^ (ones * 0x7f));
    return ((x | below | del) & highs) == 0;
}

#ifdef HEX_SIMD
/* For 16 bytes, with SSE2 (every x86-64 has it), a bit for each that stops
 * -d's copy of text: LF, CR and every byte that is not text.  Compared as
 * signed, the bytes from 0x80 are below 0x20 too; of those below 0x20,
 * only tab is text. */
static inline unsigned stops16(__m128i x)
{
    __m128i odd = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                               _mm_cmpgt_epi8(x, _mm_set1_epi8(0x7e)));
    return (unsigned)_mm_movemask_epi8(
        _mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), odd));
}

/* Sixteen bytes at a time: 0 when one is not text, else 1 with *done the
 * bytes it looked at (a multiple of 16). */
static int text_sse2(const uint8_t *p, size_t n, size_t *done)
{
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        unsigned ends =
            (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)));
        if (stops16(x) & ~ends)
            return 0;
    }
    *done = i;
    return 1;
}
#endif

int out_is_text(const uint8_t *p, size_t n)
{
    size_t i = 0;
#ifdef HEX_SIMD
    if (!text_sse2(p, n, &i))
        return 0;
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        if (plain_word(x))
            continue;
        for (size_t k = i; k < i + 8; k++)
            if (!text_byte(p[k]))
                return 0;
    }
    for (; i < n; i++)
        if (!text_byte(p[i]))
            return 0;
    return 1;
}

/* Text as ssldump shows it: each line indented by four spaces, carriage
 * returns left out.  One pass checks the bytes and copies them, sixteen
 * at a time (eight portably), stopping at line ends and CRs: a call per
 * byte made -d on a text download slower than tshark, and a check, then
 * memchr per line and a copy per run, still took a quarter of the time. */
#define TEXT_STEP 37 /* the most one step writes: an indent and 32 bytes, 1 spare */

/* A byte the copy stops at: LF, CR, or one that is not text. */
static inline int text_stop(uint8_t c)
{
    return c == '\n' || c == '\r' || !text_byte(c);
}

/* The 8 bytes at p copied to o; returns how many come before the first
 * that the copy stops at, 8 when none does (a plain word has none). */
static inline size_t text_run8(char *o, const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    memcpy(o, &x, 8);
    if (plain_word(x))
        return 8;
    size_t k = 0;
    while (k < 8 && !text_stop(p[k]))
        k++;
    return k;
}

#ifdef HEX_SIMD
/* The same for 16 bytes. */
static inline size_t text_run16(char *o, const uint8_t *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)p);
    _mm_storeu_si128((__m128i *)o, x);
    unsigned m = stops16(x);
    return m ? (size_t)__builtin_ctz(m) : 16;
}
/* ... and for 32, with AVX2: a line of 77 bytes in three steps, not five.
 * stops32 is stops16's classification on 32 bytes. */
__attribute__((target("avx2"))) static inline unsigned stops32(__m256i x)
{
    __m256i odd = _mm256_or_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), x),
                                  _mm256_cmpgt_epi8(x, _mm256_set1_epi8(0x7e)));
    return (unsigned)_mm256_movemask_epi8(
        _mm256_andnot_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t')), odd));
}

__attribute__((target("avx2"))) static inline size_t text_run32(char *o, const uint8_t *p)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)p);
    _mm256_storeu_si256((__m256i *)o, x);
    unsigned m = stops32(x);
    return m ? (size_t)__builtin_ctz(m) : 32;
}
#else
#define text_run16 text_run8 /* not used: text_simd stays 0 */
#define text_run32 text_run8
#endif

/* The text from byte *i of p on, as much as fits in room bytes at o (at
 * least TEXT_STEP), w bytes looked at a step (32, 16 or 8: a constant in each
 * caller, so that the compiler builds one loop for each); *indent says a
 * line has begun whose four spaces are still to come.  Returns the length
 * written, which leaves a byte of the room free at least, and *i past
 * what it took; NOT_TEXT at a byte that is not text. */
#define NOT_TEXT ((size_t)-1)
static inline size_t text_fill(char *o, size_t room, const uint8_t *p, size_t n, size_t *i,
                               int *indent, size_t w)
{
    char *start = o, *last = o + room - TEXT_STEP;
    size_t at = *i;

    while (at < n && o <= last) {
        if (*indent) {
            memcpy(o, "    ", 4);
            o += 4;
            *indent = 0;
        }
        size_t k;
        if (n - at >= w) {
            k = w == 32   ? text_run32(o, p + at)
                : w == 16 ? text_run16(o, p + at)
                          : text_run8(o, p + at);
            if (k == w) {
                at += k;
                o += k;
                continue;
            }
        } else {
            for (k = 0; at + k < n && !text_stop(p[at + k]); k++)
                o[k] = (char)p[at + k];
            if (at + k == n) {
                at = n;
                o += k;
                break;
            }
        }
        o += k;
        at += k;
        if (p[at] != '\n' && p[at] != '\r')
            return NOT_TEXT;
        if (p[at++] == '\n') {
            *o++ = '\n';
            *indent = at < n;
        }
    }
    *i = at;
    return (size_t)(o - start);
}

#ifdef HEX_SIMD
__attribute__((target("avx2"))) static size_t text_fill32(char *o, size_t room, const uint8_t *p,
                                                          size_t n, size_t *i, int *indent)
{
    return text_fill(o, room, p, n, i, indent, 32);
}
#else
#define text_fill32 text_fill16 /* not used: text_simd stays 0 */
#endif

static size_t text_fill16(char *o, size_t room, const uint8_t *p, size_t n, size_t *i, int *indent)
{
    return text_fill(o, room, p, n, i, indent, 16);
}

static size_t text_fill8(char *o, size_t room, const uint8_t *p, size_t n, size_t *i, int *indent)
{
    return text_fill(o, room, p, n, i, indent, 8);
}

/* Into the memory the stream lends (base/direct.h), else into a block on
 * the stack written at once.  Nothing of it is kept until every byte is
 * known to be text: where the room ends first, the rest is checked.  An
 * empty record prints nothing, as in ssldump (its two rules meet). */
int out_text_lines(FILE *out, const uint8_t *p, size_t n)
{
    const struct base_direct *d = base_direct_of(out);
    char block[16384], *o;
    size_t i = 0, room, len;
    int indent = 1, checked = 0;

    while (i < n) {
        if (!d || !(o = d->reserve(d->arg, TEXT_STEP + 1, &room))) {
            o = block;
            room = sizeof(block);
            d = NULL;
        }
        len = text_simd == 2 ? text_fill32(o, room, p, n, &i, &indent)
              : text_simd    ? text_fill16(o, room, p, n, &i, &indent)
                             : text_fill8(o, room, p, n, &i, &indent);
        /* Before anything is kept: what the room left out is checked too. */
        if (len == NOT_TEXT || (i < n && !checked && !(checked = out_is_text(p + i, n - i))))
            return 0;
        if (i == n && p[n - 1] != '\n')
            o[len++] = '\n'; /* text_fill leaves a byte free at least */
        if (d)
            d->commit(d->arg, len);
        else
            fwrite(block, 1, len, out);
    }
    return 1;
}
