/*
 * hexdump.h: the text view's hex dumps, in a file of their own.
 */
#ifndef TLSDUMP_OUTPUT_HEXDUMP_H
#define TLSDUMP_OUTPUT_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Lines of "    0010  xx xx ...  ascii" (ascii 0: without that column, as
 * ssldump's -X), n bytes of p, to out. */
void out_hex_dump(FILE *out, const uint8_t *p, size_t n, int ascii);

#endif
