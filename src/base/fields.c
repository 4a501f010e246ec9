/*
 * The field tree's arena.  Caps keep a hostile message from growing it
 * without bound: past them fields are dropped and the tree says so.  Every
 * connection has a tree, so what the arenas hold is charged to the memory
 * budget (base/budget.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/budget.h"
#include "base/fields.h"

#define MAX_FIELDS 65536
#define MAX_STR (1 << 20)

void ft_init(struct ftree *t)
{
    memset(t, 0, sizeof(*t));
}

void ft_release(struct ftree *t)
{
    budget_credit((size_t)t->cap * sizeof(*t->f) + t->str_cap);
    free(t->f);
    free(t->str);
    ft_init(t);
}

static int add(struct ftree *t, int parent, const char *key, enum field_kind kind)
{
    if (parent == FT_NONE && t->n > 0)
        return FT_NONE; /* the parent itself was dropped */
    if (t->n == t->cap) {
        int32_t cap = t->cap ? t->cap * 2 : 256;
        struct field *f;
        if (cap > MAX_FIELDS || !(f = realloc(t->f, (size_t)cap * sizeof(*f)))) {
            t->full = 1;
            return FT_NONE;
        }
        budget_charge((size_t)(cap - t->cap) * sizeof(*f));
        t->f = f;
        t->cap = cap;
    }
    int idx = t->n++;
    struct field *f = &t->f[idx];
    memset(f, 0, sizeof(*f));
    f->key = key;
    f->kind = (uint8_t)kind;
    f->child = f->last = f->next = FT_NONE;
    if (parent != FT_NONE) {
        struct field *p = &t->f[parent];
        if (p->last == FT_NONE)
            p->child = idx;
        else
            t->f[p->last].next = idx;
        p->last = idx;
    }
    return idx;
}

int ft_reset(struct ftree *t)
{
    t->n = 0;
    t->str_used = 0;
    t->full = 0;
    return add(t, FT_NONE, NULL, F_GROUP);
}

int ft_group(struct ftree *t, int parent, const char *key)
{
    return add(t, parent, key, F_GROUP);
}

int ft_list(struct ftree *t, int parent, const char *key)
{
    return add(t, parent, key, F_LIST);
}

int ft_uint(struct ftree *t, int parent, const char *key, uint64_t u)
{
    int i = add(t, parent, key, F_UINT);
    if (i != FT_NONE)
        t->f[i].u = u;
    return i;
}

int ft_bool(struct ftree *t, int parent, const char *key, int v)
{
    int i = add(t, parent, key, F_BOOL);
    if (i != FT_NONE)
        t->f[i].u = v != 0;
    return i;
}

int ft_named(struct ftree *t, int parent, const char *key, enum reg_table table, uint32_t v)
{
    int i = add(t, parent, key, F_NAMED);
    if (i != FT_NONE) {
        t->f[i].u = v;
        t->f[i].table = (uint8_t)table;
    }
    return i;
}

static int bytes(struct ftree *t, int parent, const char *key, enum field_kind kind,
                 const uint8_t *p, size_t n)
{
    int i = add(t, parent, key, kind);
    if (i != FT_NONE) {
        t->f[i].p = p;
        t->f[i].n = n;
    }
    return i;
}

int ft_hex(struct ftree *t, int parent, const char *key, const uint8_t *p, size_t n)
{
    return bytes(t, parent, key, F_HEX, p, n);
}

int ft_text(struct ftree *t, int parent, const char *key, const uint8_t *p, size_t n)
{
    return bytes(t, parent, key, F_TEXT, p, n);
}

int ft_der(struct ftree *t, int parent, const char *key, const uint8_t *p, size_t n)
{
    return bytes(t, parent, key, F_DER, p, n);
}

int ft_time(struct ftree *t, int parent, const char *key, int64_t secs)
{
    int i = add(t, parent, key, F_TIME);
    if (i != FT_NONE)
        t->f[i].u = (uint64_t)secs;
    return i;
}

/* A string is kept as its offset in the arena (f->u), which may move. */
int ft_str(struct ftree *t, int parent, const char *key, const char *s)
{
    size_t len = strlen(s) + 1;
    if (t->str_used + len > t->str_cap) {
        size_t cap = t->str_cap ? t->str_cap : 4096;
        char *str;
        while (cap < t->str_used + len)
            cap *= 2;
        if (cap > MAX_STR || !(str = realloc(t->str, cap))) {
            t->full = 1;
            return FT_NONE;
        }
        budget_charge(cap - t->str_cap);
        t->str = str;
        t->str_cap = cap;
    }
    int i = add(t, parent, key, F_STR);
    if (i == FT_NONE)
        return i;
    memcpy(t->str + t->str_used, s, len);
    t->f[i].u = t->str_used;
    t->str_used += len;
    return i;
}
