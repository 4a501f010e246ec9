/*
 * The streaming JSON writer (jsonw.h).  Strings are written a run at a
 * time: everything up to the next byte that needs an escape goes out in
 * one fwrite.
 */
#include <string.h>

#include "base/util.h"
#include "block.h"
#include "jsonw.h"

void out_jw_init(struct out_jw *w, FILE *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

static uint8_t *level(struct out_jw *w)
{
    return &w->has_member[w->depth < OUT_JW_MAX_DEPTH ? w->depth : OUT_JW_MAX_DEPTH - 1];
}

/* Before a value or a key: the comma that separates it from the member
 * before it. */
static void before(struct out_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0 && *level(w))
        fputc(',', w->out);
    *level(w) = 1;
}

static void begin(struct out_jw *w, char c)
{
    before(w);
    fputc(c, w->out);
    w->depth++;
    *level(w) = 0;
}

static void end(struct out_jw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    fputc(c, w->out);
}

void out_jw_begin_object(struct out_jw *w)
{
    begin(w, '{');
}

void out_jw_end_object(struct out_jw *w)
{
    end(w, '}');
}

void out_jw_begin_array(struct out_jw *w)
{
    begin(w, '[');
}

void out_jw_end_array(struct out_jw *w)
{
    end(w, ']');
}

void out_jw_newline(struct out_jw *w)
{
    fputc('\n', w->out);
    w->depth = 0;
    w->after_key = 0;
    w->has_member[0] = 0;
}

/* Keys and numbers are written without printf: a record's line has a
 * dozen of them, and parsing a format for each was a tenth of -j's own
 * time.  A key is one of ours and needs no escape. */
void out_jw_key(struct out_jw *w, const char *key)
{
    char b[64];
    size_t n = strlen(key);
    before(w);
    w->after_key = 1;
    if (n > sizeof(b) - 3) {
        fprintf(w->out, "\"%s\":", key);
        return;
    }
    b[0] = '"';
    memcpy(b + 1, key, n);
    memcpy(b + 1 + n, "\":", 2);
    fwrite(b, 1, n + 3, w->out);
}

/* The decimal digits of v, ending at end; returns where they start. */
static char *decimal(char *end, uint64_t v)
{
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (p[0] >= 0xf8 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((len == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (len == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
        (len == 4 && p[0] == 0xf4 && p[1] >= 0x90) || (len == 3 && p[0] == 0xed && p[1] >= 0xa0))
        return 0; /* overlong, beyond U+10FFFF, or a surrogate */
    return len;
}

/* Whether the 8 bytes at p are all printable ASCII (0x20-0x7e): tested a
 * word at a time, so that text goes through the checks below at several
 * bytes a cycle rather than one (-j -d on a text download). */
static int ascii8(const uint8_t *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
    uint64_t x;
    memcpy(&x, p, 8);
    /* a byte below 0x20, or one from 0x7f on (0x7f + 1 sets its top bit) */
    return (((x - ones * 0x20) & ~x) | x | (x + ones)) & highs ? 0 : 1;
}

/* Whether the 8 bytes at p hold the byte c. */
static int has8(const uint8_t *p, uint8_t c)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t x;
    memcpy(&x, p, 8);
    x ^= ones * c;
    return ((x - ones) & ~x & ones * 0x80) != 0;
}

/* How many bytes from p on go out as they are. */
static size_t plain_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8 && ascii8(p + i) && !has8(p + i, '"') && !has8(p + i, '\\')) {
            i += 8;
            continue;
        }
        uint8_t c = p[i];
        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f)
            break;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_len(p + i, n - i);
        if (!len)
            break;
        i += len;
    }
    return i;
}

/* Runs and escapes gathered into a block: text has an escape per line
 * (its line ends), and a stdio call for each was most of -j -d's time. */
void out_jw_string_n(struct out_jw *w, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    struct out_block bk;
    out_block_init(&bk, w->out);
    before(w);
    out_block_put(&bk, "\"", 1);
    for (size_t i = 0; i < n;) {
        size_t run = plain_run(p + i, n - i);
        out_block_put(&bk, p + i, run);
        if ((i += run) == n)
            break;
        uint8_t c = p[i++];
        char e[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            out_block_put(&bk, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            e[1] = 'u';
            out_block_put(&bk, e, 6);
        } else {
            out_block_put(&bk, "\\ufffd", 6); /* not UTF-8 */
        }
    }
    out_block_put(&bk, "\"", 1);
    out_block_flush(&bk);
}

void out_jw_string(struct out_jw *w, const char *s)
{
    out_jw_string_n(w, (const uint8_t *)s, strlen(s));
}

void out_jw_uint(struct out_jw *w, uint64_t v)
{
    char b[20], *end = b + sizeof(b), *s = decimal(end, v);
    before(w);
    fwrite(s, 1, (size_t)(end - s), w->out);
}

void out_jw_int(struct out_jw *w, int64_t v)
{
    char b[21], *end = b + sizeof(b), *s = decimal(end, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--s = '-';
    before(w);
    fwrite(s, 1, (size_t)(end - s), w->out);
}

void out_jw_bool(struct out_jw *w, int v)
{
    before(w);
    fputs(v ? "true" : "false", w->out);
}

void out_jw_null(struct out_jw *w)
{
    before(w);
    fputs("null", w->out);
}

void out_jw_hex(struct out_jw *w, const uint8_t *p, size_t n)
{
    char chunk[2 * 256 + 1];
    before(w);
    fputc('"', w->out);
    for (size_t i = 0; i < n; i += 256) {
        size_t k = n - i < 256 ? n - i : 256;
        fwrite(chunk, 1, (size_t)(base_hex(chunk, p + i, k) - chunk), w->out);
    }
    fputc('"', w->out);
}

int out_jw_is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (n - i >= 8 && ascii8(p + i)) {
            i += 8;
            continue;
        }
        size_t len = p[i] < 0x80 ? 1 : utf8_len(p + i, n - i);
        if (!len || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') || p[i] == 0x7f ||
            (p[i] == 0xc2 && p[i + 1] < 0xa0)) /* C0, DEL, C1 (U+0080-9F) */
            return 0;
        i += len;
    }
    return 1;
}

/* Base64 of n bytes at p (n a multiple of 3, or the input's end) into q;
 * returns the end of what was written. */
static char *base64_block(char *q, const uint8_t *p, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3, q += 4) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        q[0] = b64[v >> 18];
        q[1] = b64[(v >> 12) & 63];
        q[2] = b64[(v >> 6) & 63];
        q[3] = b64[v & 63];
    }
    if (i < n) { /* RFC 4648 4: one or two bytes left, padded with '=' */
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        q[0] = b64[v >> 18];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = '=';
        q += 4;
    }
    return q;
}

/* Built in blocks written at once: -j -d encodes every byte of a binary
 * transfer, and an fwrite per 4 characters made it ten times slower than
 * the decryption. */
void out_jw_base64(struct out_jw *w, const uint8_t *p, size_t n)
{
    char block[4 * 4096];
    before(w);
    fputc('"', w->out);
    for (size_t i = 0; i < n; i += 3 * 4096) {
        size_t k = n - i < 3 * 4096 ? n - i : 3 * 4096;
        fwrite(block, 1, (size_t)(base64_block(block, p + i, k) - block), w->out);
    }
    fputc('"', w->out);
}

void out_jw_seconds(struct out_jw *w, int64_t us)
{
    uint64_t a = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
    char b[28], *end = b + sizeof(b), *s = end - 7;
    uint64_t frac = a % 1000000;
    s[0] = '.';
    for (int i = 6; i > 0; i--, frac /= 10)
        s[i] = (char)('0' + frac % 10);
    s = decimal(s, a / 1000000);
    if (us < 0)
        *--s = '-';
    before(w);
    fwrite(s, 1, (size_t)(end - s), w->out);
}
