/*
 * jsonw.h: a streaming JSON writer for the views.
 *
 * It writes straight to a stream as it is called and keeps only where it
 * is: how deep, and whether the current object or array has a member yet,
 * so that commas and nesting are never written by hand.  Keys are the
 * views' own ASCII names, written as they are; strings are escaped, and
 * bytes that are not UTF-8 become U+FFFD, so every line is valid JSON
 * whatever the input.
 */
#ifndef TLSDUMP_OUTPUT_JSONW_H
#define TLSDUMP_OUTPUT_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deeper nesting than this still writes, but may get its commas wrong:
 * the views' objects and the decoders' field trees stay far shallower. */
#define OUT_JW_MAX_DEPTH 64

struct out_jw {
    FILE *out;
    int depth;
    int after_key; /* a key was written: its value takes no comma */
    uint8_t has_member[OUT_JW_MAX_DEPTH];
};

void out_jw_init(struct out_jw *w, FILE *out);

void out_jw_begin_object(struct out_jw *w);
void out_jw_end_object(struct out_jw *w);
void out_jw_begin_array(struct out_jw *w);
void out_jw_end_array(struct out_jw *w);
/* Ends a line of JSON Lines, after its top-level value. */
void out_jw_newline(struct out_jw *w);

void out_jw_key(struct out_jw *w, const char *key);
void out_jw_string(struct out_jw *w, const char *s);
void out_jw_string_n(struct out_jw *w, const uint8_t *p, size_t n);
void out_jw_uint(struct out_jw *w, uint64_t v);
void out_jw_int(struct out_jw *w, int64_t v);
void out_jw_bool(struct out_jw *w, int v);
void out_jw_null(struct out_jw *w);
/* Bytes as a string of lowercase hex digits. */
void out_jw_hex(struct out_jw *w, const uint8_t *p, size_t n);
/* Bytes as base64 (RFC 4648 4, with padding). */
void out_jw_base64(struct out_jw *w, const uint8_t *p, size_t n);
/* 1 when the bytes are valid UTF-8 without control characters other than
 * tab, CR and LF: what -j -d writes as text rather than base64. */
int out_jw_is_text(const uint8_t *p, size_t n);
/* Microseconds as a number of seconds with six decimals (1.000250). */
void out_jw_seconds(struct out_jw *w, int64_t us);

/* A member of an object, key and value at once. */
static inline void out_jw_kstring(struct out_jw *w, const char *key, const char *s)
{
    out_jw_key(w, key);
    out_jw_string(w, s);
}

static inline void out_jw_kuint(struct out_jw *w, const char *key, uint64_t v)
{
    out_jw_key(w, key);
    out_jw_uint(w, v);
}

static inline void out_jw_kbool(struct out_jw *w, const char *key, int v)
{
    out_jw_key(w, key);
    out_jw_bool(w, v);
}

#endif
