/*
 * fields.h: the decoded form of a message, as a tree of named fields.
 *
 * Decoders add fields as they read them; views render the tree (the text
 * view as indented lines, the JSON view as nested objects).  A tree is an
 * arena reused message after message: adding a field never allocates once
 * the arena has grown to its size.  Byte fields borrow the message's bytes
 * and are valid as long as the message; strings are copied into the tree.
 */
#ifndef TLSDUMP_FIELDS_H
#define TLSDUMP_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/registry.h"

enum field_kind {
    F_GROUP, /* children with keys: an object */
    F_LIST,  /* children without keys: an array */
    F_UINT,  /* u */
    F_NAMED, /* u, named by registry table `table` */
    F_HEX,   /* p, n: bytes shown as hex */
    F_TEXT,  /* p, n: bytes shown as text, escaped */
    F_STR,   /* a string owned by the tree: ft_string() */
    F_BOOL,  /* u: 0 or 1 */
    F_DER,   /* p, n: a DER certificate (shown with -N) */
    F_TIME,  /* u: seconds since the epoch, an int64_t; FT_NO_TIME when unknown */
};

struct field {
    const char *key; /* static; NULL inside a list */
    uint8_t kind;
    uint8_t table; /* F_NAMED */
    int32_t child, last, next;
    uint64_t u;
    const uint8_t *p;
    size_t n;
};

struct ftree {
    struct field *f;
    int32_t n, cap;
    char *str; /* string arena */
    size_t str_used, str_cap;
    int full; /* a field was dropped: the tree hit its cap */
};

#define FT_NONE (-1)
#define FT_NO_TIME INT64_MIN

void ft_init(struct ftree *t);
void ft_release(struct ftree *t);
/* Empties the tree; returns the root (an F_GROUP). */
int ft_reset(struct ftree *t);

int ft_group(struct ftree *t, int parent, const char *key);
int ft_list(struct ftree *t, int parent, const char *key);
int ft_uint(struct ftree *t, int parent, const char *key, uint64_t u);
int ft_named(struct ftree *t, int parent, const char *key, enum reg_table table, uint32_t v);
int ft_hex(struct ftree *t, int parent, const char *key, const uint8_t *p, size_t n);
int ft_text(struct ftree *t, int parent, const char *key, const uint8_t *p, size_t n);
int ft_str(struct ftree *t, int parent, const char *key, const char *s);
int ft_bool(struct ftree *t, int parent, const char *key, int v);
int ft_der(struct ftree *t, int parent, const char *key, const uint8_t *p, size_t n);
int ft_time(struct ftree *t, int parent, const char *key, int64_t secs);

static inline const char *ft_string(const struct ftree *t, const struct field *f)
{
    return t->str + f->u;
}

static inline const struct field *ft_at(const struct ftree *t, int idx)
{
    return idx >= 0 && idx < t->n ? &t->f[idx] : NULL;
}

/* Walking a tree without its indices: the first child of a group or a
 * list, and the field after f under the same parent (NULL: none). */
static inline const struct field *ft_first(const struct ftree *t, const struct field *f)
{
    return ft_at(t, f->child);
}

static inline const struct field *ft_next(const struct ftree *t, const struct field *f)
{
    return ft_at(t, f->next);
}

static inline int64_t ft_time_value(const struct field *f)
{
    return (int64_t)f->u;
}

#endif
