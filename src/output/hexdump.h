/*
 * hexdump.h: the text view's dumps of bytes, in a file of their own.
 */
#ifndef TLSDUMP_OUTPUT_HEXDUMP_H
#define TLSDUMP_OUTPUT_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Fills the dumps' tables; called once before any dump (out_text_new). */
void out_hex_init(void);

/* How full lines are built: with SSSE3 from 1 (x86-64, when the CPU has
 * it), else portably; -d's text is copied 32 bytes a step at 2 (AVX2, when
 * the CPU has it), 16 at 1 (SSE2), else 8.  out_hex_init asks for the
 * best; 0 forces the portable code, so that the tests can compare them.
 * Returns the level now in use (at most the one asked for). */
int out_hex_simd(int level);

/* Lines of "    0010  xx xx ...  ascii" (ascii 0: without that column, as
 * ssldump's -X), n bytes of p, to out. */
void out_hex_dump(FILE *out, const uint8_t *p, size_t n, int ascii);

/* Whether n bytes of p are text: printable ASCII, tab, CR and LF. */
int out_is_text(const uint8_t *p, size_t n);

/* Text as ssldump's -d shows it: each line indented by four spaces,
 * carriage returns left out, a line end after the last; returns 0,
 * writing nothing, when the n bytes of p are not all text (out_is_text). */
int out_text_lines(FILE *out, const uint8_t *p, size_t n);

#endif
