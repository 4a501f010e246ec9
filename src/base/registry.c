/*
 * Name lookup over include/base/registry.def.  The rows are gathered into one
 * array, sorted once, and searched by (table, value).
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/registry.h"

struct row {
    unsigned table;
    uint32_t value;
    const char *name;
};

static struct row rows[] = {
#define REG(t, v, n) {REG_##t, v, n},
#include "base/registry.def"
#undef REG
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static int cmp_row(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* Sorted on first use; tlsdump looks names up from one thread only. */
static void sort_once(void)
{
    static int sorted;
    if (!sorted) {
        qsort(rows, NROWS, sizeof(rows[0]), cmp_row);
        sorted = 1;
    }
}

int reg_is_grease(uint32_t v)
{
    return v <= 0xffff && (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int is_16bit(enum reg_table t)
{
    return t == REG_VERSION || t == REG_CIPHER || t == REG_EXT || t == REG_GROUP ||
           t == REG_SIGSCHEME || t == REG_CERT_COMPRESSION;
}

const char *reg_name(enum reg_table t, uint32_t value)
{
    struct row key = {t, value, NULL}, *r;

    sort_once();
    r = bsearch(&key, rows, NROWS, sizeof(rows[0]), cmp_row);
    if (r)
        return r->name;
    if (is_16bit(t) && reg_is_grease(value))
        return "GREASE";
    return NULL;
}

const char *reg_name_or_unknown(enum reg_table t, uint32_t value, char *buf, size_t len)
{
    const char *n = reg_name(t, value);
    if (n)
        return n;
    snprintf(buf, len, is_16bit(t) ? "unknown (0x%04x)" : "unknown (0x%02x)", (unsigned)value);
    return buf;
}
