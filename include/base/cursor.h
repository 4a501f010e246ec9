/*
 * cursor.h: the one way tlsdump reads untrusted bytes.
 *
 * A cursor is a read position over borrowed bytes.  Every read checks that
 * the bytes are there; a read that fails returns 0 and leaves the cursor
 * unchanged, so a caller can report where a field was cut short.  Sub-cursors
 * point into the parent's bytes without copying; they are valid as long as
 * the bytes they borrow.  This header is the only place that does pointer
 * arithmetic on packet data.
 */
#ifndef TLSDUMP_CURSOR_H
#define TLSDUMP_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CUR_WUR __attribute__((warn_unused_result))

struct cursor {
    const uint8_t *p;
    size_t n;
};

static inline struct cursor cur_make(const uint8_t *p, size_t n)
{
    struct cursor c = {p, n};
    return c;
}

static inline size_t cur_left(const struct cursor *c)
{
    return c->n;
}

static inline const uint8_t *cur_ptr(const struct cursor *c)
{
    return c->p;
}

static inline CUR_WUR int cur_skip(struct cursor *c, size_t n)
{
    if (c->n < n)
        return 0;
    c->p += n;
    c->n -= n;
    return 1;
}

static inline CUR_WUR int cur_u8(struct cursor *c, uint8_t *v)
{
    if (c->n < 1)
        return 0;
    *v = c->p[0];
    return cur_skip(c, 1);
}

static inline CUR_WUR int cur_u16(struct cursor *c, uint16_t *v)
{
    if (c->n < 2)
        return 0;
    *v = (uint16_t)(c->p[0] << 8 | c->p[1]);
    return cur_skip(c, 2);
}

static inline CUR_WUR int cur_u24(struct cursor *c, uint32_t *v)
{
    if (c->n < 3)
        return 0;
    *v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
    return cur_skip(c, 3);
}

static inline CUR_WUR int cur_u32(struct cursor *c, uint32_t *v)
{
    if (c->n < 4)
        return 0;
    *v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
    return cur_skip(c, 4);
}

/* Little-endian 32-bit read, for the few host-order link headers. */
static inline CUR_WUR int cur_u32le(struct cursor *c, uint32_t *v)
{
    if (c->n < 4)
        return 0;
    *v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
    return cur_skip(c, 4);
}

/* Borrows the next n bytes as a slice. */
static inline CUR_WUR int cur_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
    if (c->n < n)
        return 0;
    *out = c->p;
    return cur_skip(c, n);
}

/* Copies the next n bytes out. */
static inline CUR_WUR int cur_copy(struct cursor *c, void *dst, size_t n)
{
    if (c->n < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = c->p[i];
    return cur_skip(c, n);
}

/* Splits off the next n bytes as a sub-cursor. */
static inline CUR_WUR int cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
    if (c->n < n)
        return 0;
    *sub = cur_make(c->p, n);
    return cur_skip(c, n);
}

/* Opens a block prefixed by a 1-, 2- or 3-byte length (TLS vectors). */
static inline CUR_WUR int cur_vec8(struct cursor *c, struct cursor *sub)
{
    struct cursor save = *c;
    uint8_t len;
    if (!cur_u8(c, &len) || !cur_sub(c, len, sub)) {
        *c = save;
        return 0;
    }
    return 1;
}

static inline CUR_WUR int cur_vec16(struct cursor *c, struct cursor *sub)
{
    struct cursor save = *c;
    uint16_t len;
    if (!cur_u16(c, &len) || !cur_sub(c, len, sub)) {
        *c = save;
        return 0;
    }
    return 1;
}

static inline CUR_WUR int cur_vec24(struct cursor *c, struct cursor *sub)
{
    struct cursor save = *c;
    uint32_t len;
    if (!cur_u24(c, &len) || !cur_sub(c, len, sub)) {
        *c = save;
        return 0;
    }
    return 1;
}

/* Reads ahead without consuming. */
static inline CUR_WUR int cur_peek_u8(const struct cursor *c, size_t at, uint8_t *v)
{
    if (c->n <= at)
        return 0;
    *v = c->p[at];
    return 1;
}

static inline int cur_at_end(const struct cursor *c)
{
    return c->n == 0;
}

/* Keeps only the first n bytes (n <= left), e.g. to drop link-layer padding. */
static inline void cur_truncate(struct cursor *c, size_t n)
{
    if (n < c->n)
        c->n = n;
}

#endif
