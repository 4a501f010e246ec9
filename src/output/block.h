/*
 * block.h: output gathered into a block that is written at once.  A
 * stdio call per line or per escape of a large transfer costs more than
 * building the text (issue 15): the dumps and the JSON strings are built
 * here and handed to stdio a block at a time.
 */
#ifndef TLSDUMP_OUTPUT_BLOCK_H
#define TLSDUMP_OUTPUT_BLOCK_H

#include <stdio.h>
#include <string.h>

struct out_block {
    FILE *out;
    size_t len;
    char b[16384];
};

/* Not zeroed: the block is on the stack of every call that writes a
 * string, and clearing 16 KiB for a short one cost more than writing it. */
static inline void out_block_init(struct out_block *bk, FILE *out)
{
    bk->out = out;
    bk->len = 0;
}

static inline void out_block_flush(struct out_block *bk)
{
    fwrite(bk->b, 1, bk->len, bk->out);
    bk->len = 0;
}

/* n bytes of p appended; what does not fit in a block goes out directly. */
static inline void out_block_put(struct out_block *bk, const void *p, size_t n)
{
    if (n > sizeof(bk->b) - bk->len) {
        out_block_flush(bk);
        if (n > sizeof(bk->b)) {
            fwrite(p, 1, n, bk->out);
            return;
        }
    }
    memcpy(bk->b + bk->len, p, n);
    bk->len += n;
}

#endif
