/*
 * direct.h: a stream that lends its memory.  The views write through
 * stdio; a view that formats much at once (the hex dump) may instead ask
 * for room in the stream's own memory and format there, saving the copy
 * fwrite would make.  --threads' worker streams lend their output blocks
 * this way (workers_out.c), standard output its stdio buffer.
 */
#ifndef TLSDUMP_BASE_DIRECT_H
#define TLSDUMP_BASE_DIRECT_H

#include <stddef.h>
#include <stdio.h>

struct base_direct {
    FILE *f; /* the stream */
    /* Room for at least min bytes (min at most BASE_DIRECT_MIN_MAX), after
     * what f holds: returns where to write them, *room how many may be;
     * NULL when it cannot lend now (out of memory, or nothing to lend):
     * the caller writes through stdio instead. */
    char *(*reserve)(void *arg, size_t min, size_t *room);
    /* The first n bytes of the room are written. */
    void (*commit)(void *arg, size_t n);
    void *arg;
};

#define BASE_DIRECT_MIN_MAX 4096

/* The calling thread's lender from now on (NULL: none). */
void base_direct_set(const struct base_direct *d);

/* The calling thread's lender from now on: f's own stdio buffer, written
 * as putc_unlocked writes it (only f's thread may write f).  With C
 * libraries other than glibc, none. */
void base_direct_stdio(FILE *f);

/* The calling thread's lender for f, or NULL. */
const struct base_direct *base_direct_of(FILE *f);

#endif
