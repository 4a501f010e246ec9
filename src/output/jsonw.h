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
#define JW_MAX_DEPTH 64

struct jw {
    FILE *out;
    int depth;
    int after_key; /* a key was written: its value takes no comma */
    uint8_t has_member[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, FILE *out);

void jw_begin_object(struct jw *w);
void jw_end_object(struct jw *w);
void jw_begin_array(struct jw *w);
void jw_end_array(struct jw *w);
/* Ends a line of JSON Lines, after its top-level value. */
void jw_newline(struct jw *w);

void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s);
void jw_string_n(struct jw *w, const uint8_t *p, size_t n);
void jw_uint(struct jw *w, uint64_t v);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* Bytes as a string of lowercase hex digits. */
void jw_hex(struct jw *w, const uint8_t *p, size_t n);
/* Microseconds as a number of seconds with six decimals (1.000250). */
void jw_seconds(struct jw *w, int64_t us);

/* A member of an object, key and value at once. */
static inline void jw_kstring(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_string(w, s);
}

static inline void jw_kuint(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

static inline void jw_kbool(struct jw *w, const char *key, int v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

#endif
