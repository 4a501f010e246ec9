/* invariants.h: what every decoder's output must satisfy, whatever the
 * input; the fuzz targets abort() when it does not, so that a fuzzer finds
 * wrong answers as well as crashes.  Header-only: `make fuzz` builds each
 * target from its one file. */
#ifndef TLSDUMP_FUZZ_INVARIANTS_H
#define TLSDUMP_FUZZ_INVARIANTS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fields.h"

#define FZ_ASSERT(cond) ((cond) ? (void)0 : fz_fail(#cond, __FILE__, __LINE__))

static inline void fz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
    abort();
}

/* p[0, n) lies inside [base, base + len). */
static inline int fz_inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    if (n == 0)
        return 1;
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return p && base && a >= b && a - b <= len && n <= len - (a - b);
}

static inline int fz_index_ok(const struct ftree *t, int32_t i)
{
    return i == FT_NONE || (i >= 0 && i < t->n);
}

/*
 * The tree under root is a tree: every index in range; a field's children
 * and next sibling come after it in the arena (fields are appended), so no
 * chain can loop; a parent's `last` ends its chain of children; every field
 * added after root hangs under it; strings end inside the string arena;
 * byte fields borrow from [in, in + n) (the bytes decoded), when in is
 * given.
 */
static inline void fz_check_tree(const struct ftree *t, int root, const uint8_t *in, size_t n)
{
    FZ_ASSERT(t->n >= 0 && t->n <= t->cap && t->str_used <= t->str_cap);
    if (t->n == 0)
        return;
    FZ_ASSERT(root >= 0 && root < t->n);
    uint8_t *seen = calloc((size_t)t->n, 1);
    FZ_ASSERT(seen != NULL);
    for (int32_t i = root; i < t->n; i++) {
        const struct field *f = &t->f[i];
        FZ_ASSERT(fz_index_ok(t, f->child) && fz_index_ok(t, f->last) && fz_index_ok(t, f->next));
        FZ_ASSERT(f->next == FT_NONE || f->next > i);
        FZ_ASSERT((f->child == FT_NONE) == (f->last == FT_NONE));
        int32_t c = f->child, prev = FT_NONE;
        for (; c != FT_NONE; prev = c, c = t->f[c].next) {
            FZ_ASSERT(c > i && !seen[c]); /* one parent each */
            seen[c] = 1;
        }
        FZ_ASSERT(prev == f->last);
        switch ((enum field_kind)f->kind) {
        case F_HEX:
        case F_TEXT:
        case F_DER:
            FZ_ASSERT(!in || fz_inside(f->p, f->n, in, n));
            break;
        case F_STR:
            FZ_ASSERT(f->u < t->str_used && memchr(t->str + f->u, 0, t->str_used - f->u));
            break;
        case F_GROUP:
        case F_LIST:
        case F_UINT:
        case F_NAMED:
        case F_BOOL:
        case F_TIME:
            break;
        }
    }
    for (int32_t i = root + 1; i < t->n; i++)
        FZ_ASSERT(seen[i]); /* every field hangs under root */
    free(seen);
}

/* The child of parent with this key, or NULL. */
static inline const struct field *fz_child(const struct ftree *t, int parent, const char *key)
{
    const struct field *p = ft_at(t, parent);
    for (const struct field *f = p ? ft_at(t, p->child) : NULL; f; f = ft_at(t, f->next))
        if (f->key && strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

/* Writes n big-endian bytes of v at *at, if they fit in out[0, cap). */
static inline void fz_put(uint8_t *out, size_t cap, size_t *at, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, (*at)++)
        if (*at < cap)
            out[*at] = (uint8_t)(v >> (8 * i));
}

/* A field's bytes with their length prefix of lenlen bytes. */
static inline void fz_put_vec(uint8_t *out, size_t cap, size_t *at, const struct field *f,
                              int lenlen)
{
    FZ_ASSERT(f && (f->kind == F_HEX || f->kind == F_TEXT));
    fz_put(out, cap, at, f->n, lenlen);
    for (size_t i = 0; i < f->n; i++, (*at)++)
        if (*at < cap)
            out[*at] = f->p[i];
}

/* A list of numbers, each of width bytes, with its length prefix. */
static inline void fz_put_list(uint8_t *out, size_t cap, size_t *at, const struct ftree *t,
                               const struct field *list, int width, int lenlen)
{
    size_t count = 0;
    FZ_ASSERT(list && list->kind == F_LIST);
    for (const struct field *f = ft_at(t, list->child); f; f = ft_at(t, f->next))
        count++;
    fz_put(out, cap, at, count * (size_t)width, lenlen);
    for (const struct field *f = ft_at(t, list->child); f; f = ft_at(t, f->next))
        fz_put(out, cap, at, f->u, width);
}

/* The extension types of a block (2-byte length, then type, length, body
 * each) read straight from the bytes, compared with the decoded list's
 * "type" fields, in order. */
static inline void fz_check_extension_types(const struct ftree *t, const struct field *list,
                                            const uint8_t *p, size_t n)
{
    FZ_ASSERT(list && list->kind == F_LIST && n >= 2 && (size_t)(p[0] << 8 | p[1]) == n - 2);
    const struct field *e = ft_at(t, list->child);
    for (size_t at = 2; at < n; e = ft_at(t, e->next)) {
        FZ_ASSERT(e && at + 4 <= n);
        const struct field *type = ft_at(t, e->child);
        FZ_ASSERT(type && strcmp(type->key, "type") == 0 &&
                  type->u == (unsigned)(p[at] << 8 | p[at + 1]));
        at += 4 + (size_t)(p[at + 2] << 8 | p[at + 3]);
        FZ_ASSERT(at <= n);
    }
    FZ_ASSERT(e == NULL);
}

#endif
