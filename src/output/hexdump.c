/*
 * The text view's dumps of bytes: in hex (-x, and -d's binary data), and
 * -d's text as ssldump shows it.  Both build their lines into blocks that
 * are written at once: a large transfer is printed at memory speed rather
 * than at the speed of a stdio call per byte or per line (issue 15).
 */
#include <string.h>

#include "hexdump.h"

/* " xx" for each byte value, and the ASCII column's character: filled
 * once, by out_hex_init() from out_text_new() (before any thread could
 * share them), so a line of the dump costs 16 table loads, not 16 calls. */
static char hex3[256][4];
static char shown[256];

void out_hex_init(void)
{
    static const char hex[] = "0123456789abcdef";
    if (hex3[0][0])
        return;
    for (int c = 0; c < 256; c++) {
        hex3[c][0] = ' ';
        hex3[c][1] = hex[c >> 4];
        hex3[c][2] = hex[c & 15];
        shown[c] = c >= 0x20 && c < 0x7f ? (char)c : '.';
    }
}

/* One line of the dump at line: "    0010  xx xx ...  ascii\n" for the
 * up to 16 bytes at p, offset off; returns its length (at most 76). */
static inline size_t hex_line(char *line, size_t off, const uint8_t *p, size_t k, int ascii)
{
    static const char hex[] = "0123456789abcdef";
    char *o = line;
    memcpy(o, "    ", 4);
    o[4] = hex[(off >> 12) & 15];
    o[5] = hex[(off >> 8) & 15];
    o[6] = hex[(off >> 4) & 15];
    o[7] = hex[off & 15];
    o[8] = ' ';
    o += 9;
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

/* Lines of "    0010  xx xx ...  ascii", built into a block that is written
 * at once: -d and -x on a large transfer print a line per 16 bytes, and
 * stdio calls per byte or per line would make output the bottleneck. */
void out_hex_dump(FILE *out, const uint8_t *p, size_t n, int ascii)
{
    char block[32768];
    size_t len = 0;

    for (size_t i = 0; i < n; i += 16) {
        /* whole lines through a constant count, which the compiler unrolls */
        if (n - i >= 16)
            len += ascii ? hex_line(block + len, i, p + i, 16, 1)
                         : hex_line(block + len, i, p + i, 16, 0);
        else
            len += hex_line(block + len, i, p + i, n - i, ascii);
        if (len > sizeof(block) - 80) { /* room for a line and a spare byte */
            fwrite(block, 1, len, out);
            len = 0;
        }
    }
    fwrite(block, 1, len, out);
}

static int text_byte(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
}

/* Eight bytes at a time: a word with no byte below 0x20, none of 0x7f and
 * none from 0x80 is text; only the others are looked at byte by byte. */
int out_is_text(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t below = (x - ones * 0x20) & ~x,
                 del = ((x ^ (ones * 0x7f)) - ones) & ~(x ^ (ones * 0x7f));
        if (((x | below | del) & highs) == 0)
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

/* Output gathered into a block written at once: a stdio call per line of
 * a large transfer costs more than building the line. */
struct block {
    FILE *out;
    size_t len;
    char b[32768];
};

static void block_put(struct block *bk, const void *p, size_t n)
{
    if (n > sizeof(bk->b) - bk->len) {
        fwrite(bk->b, 1, bk->len, bk->out);
        bk->len = 0;
        if (n > sizeof(bk->b)) {
            fwrite(p, 1, n, bk->out);
            return;
        }
    }
    memcpy(bk->b + bk->len, p, n);
    bk->len += n;
}

/* Text as ssldump shows it: each line indented by four spaces, carriage
 * returns left out.  Whole runs are copied (memchr finds the ends): a
 * call per byte made -d on a text download slower than tshark. */
static void put_skipping_cr(struct block *bk, const uint8_t *p, size_t n)
{
    const uint8_t *cr;
    while (n && (cr = memchr(p, '\r', n))) {
        block_put(bk, p, (size_t)(cr - p));
        n -= (size_t)(cr - p) + 1;
        p = cr + 1;
    }
    block_put(bk, p, n);
}

void out_text_lines(FILE *out, const uint8_t *p, size_t n)
{
    struct block bk = {.out = out};
    const uint8_t *end = p + n;
    block_put(&bk, "    ", 4);
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl + 1 : end;
        put_skipping_cr(&bk, p, (size_t)(stop - p));
        if (nl && stop < end)
            block_put(&bk, "    ", 4);
        p = stop;
    }
    if (n && end[-1] != '\n')
        block_put(&bk, "\n", 1);
    fwrite(bk.b, 1, bk.len, out);
}
