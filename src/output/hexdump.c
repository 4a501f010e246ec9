/*
 * The hex dumps of the text view (-x, and -d's binary data).
 */
#include <string.h>

#include "hexdump.h"

/* Lines of "    0010  xx xx ...  ascii", built by hand into a block that is
 * written at once: -d and -x on a large transfer print a line per 16 bytes,
 * and stdio calls per byte or per line would make output the bottleneck. */
void out_hex_dump(FILE *out, const uint8_t *p, size_t n, int ascii)
{
    static const char hex[] = "0123456789abcdef";
    char block[8192];
    size_t len = 0;

    for (size_t i = 0; i < n; i += 16) {
        char *line = block + len;
        size_t l = 0;
        memcpy(line, "    ", 4);
        l = 4;
        for (int shift = 12; shift >= 0; shift -= 4)
            line[l++] = hex[(i >> shift) & 15];
        line[l++] = ' ';
        for (size_t k = i; k < i + 16; k++) {
            if (k < n) {
                line[l++] = ' ';
                line[l++] = hex[p[k] >> 4];
                line[l++] = hex[p[k] & 15];
            } else if (ascii) {
                memcpy(line + l, "   ", 3);
                l += 3;
            }
        }
        if (ascii) {
            line[l++] = ' ';
            line[l++] = ' ';
            for (size_t k = i; k < i + 16 && k < n; k++)
                line[l++] = p[k] >= 0x20 && p[k] < 0x7f ? (char)p[k] : '.';
        }
        line[l++] = '\n';
        len += l;
        if (len > sizeof(block) - 128) { /* a line is at most 76 bytes */
            fwrite(block, 1, len, out);
            len = 0;
        }
    }
    fwrite(block, 1, len, out);
}
