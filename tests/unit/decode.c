/* What the decoder suites share: finding fields in a decoded tree, reading
 * a seed of the fuzz corpora, and the checks every decoder gets (cut at
 * every offset, trailing bytes, a wrong inner length).  Each check decodes
 * a heap copy of exactly the bytes given, so that ASan sees a read past
 * them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

const struct field *tree_child(const struct ftree *t, int parent, const char *key)
{
    for (const struct field *f = ft_at(t, ft_at(t, parent)->child); f; f = ft_at(t, f->next))
        if (f->key && strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

int tree_idx(const struct ftree *t, const struct field *f)
{
    return f ? (int)(f - t->f) : FT_NONE;
}

const struct field *tree_nth(const struct ftree *t, const struct field *list, int n)
{
    const struct field *f = list ? ft_at(t, list->child) : NULL;
    while (f && n-- > 0)
        f = ft_at(t, f->next);
    return f;
}

int tree_count(const struct ftree *t, const struct field *list)
{
    int n = 0;
    for (const struct field *f = list ? ft_at(t, list->child) : NULL; f; f = ft_at(t, f->next))
        n++;
    return n;
}

int tree_extension(const struct ftree *t, int parent, unsigned ext)
{
    const struct field *l = tree_child(t, parent, "extensions");
    for (const struct field *g = l ? ft_at(t, l->child) : NULL; g; g = ft_at(t, g->next))
        if (ft_at(t, g->child)->u == ext)
            return tree_idx(t, g);
    return FT_NONE;
}

uint8_t *read_seed(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(1 << 20);
    *n = f && buf ? fread(buf, 1, (1 << 20) - 8, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

int decode_copy(decode_fn fn, const uint8_t *p, size_t n, struct ftree *t)
{
    uint8_t *b = malloc(n ? n : 1);
    memcpy(b, p, n);
    int ok = fn(b, n, t);
    free(b);
    return ok;
}

int clean_cuts(decode_fn fn, const uint8_t *p, size_t n, size_t from, struct ftree *t, size_t *last)
{
    int clean = 0;
    for (size_t cut = from; cut < n; cut++) {
        if (decode_copy(fn, p, cut, t)) {
            clean++;
            if (last)
                *last = cut;
        } else {
            CU_ASSERT_PTR_NOT_NULL(tree_find(t, "error")); /* it says why */
        }
    }
    return clean;
}

int decode_padded(decode_fn fn, const uint8_t *p, size_t n, struct ftree *t)
{
    uint8_t *b = malloc(n + 3);
    memcpy(b, p, n);
    memcpy(b + n, "\x00\x01\x02", 3);
    int ok = fn(b, n + 3, t);
    free(b);
    return ok;
}

int decode_changed(decode_fn fn, const uint8_t *p, size_t n, size_t at, int delta, struct ftree *t)
{
    uint8_t *b = malloc(n);
    memcpy(b, p, n);
    b[at] = (uint8_t)(b[at] + delta);
    int ok = fn(b, n, t);
    free(b);
    return ok;
}

const struct field *tree_find(const struct ftree *t, const char *key)
{
    for (int i = 0; i < t->n; i++)
        if (t->f[i].key && strcmp(t->f[i].key, key) == 0)
            return &t->f[i];
    return NULL;
}
