/*
 * A stream that lends its memory, one per thread (direct.h).
 */
#include "base/direct.h"

static _Thread_local const struct base_direct *lender;

void base_direct_set(const struct base_direct *d)
{
    lender = d;
}

const struct base_direct *base_direct_of(FILE *f)
{
    return lender && lender->f == f ? lender : NULL;
}

/* A glibc stream's put area: the bytes between _IO_write_ptr and
 * _IO_write_end, where putc_unlocked writes (its inline form in glibc's
 * headers uses these fields, so they are part of the ABI).  Only a fully
 * buffered stream has one between flushes; a line-buffered or unbuffered
 * one, or one not yet written to, has none and lends nothing. */
#ifdef __GLIBC__
static char *put_area(void *arg, size_t min, size_t *room)
{
    FILE *f = arg;
    if ((size_t)(f->_IO_write_end - f->_IO_write_ptr) < min)
        fflush(f);
    if (!f->_IO_write_ptr || (size_t)(f->_IO_write_end - f->_IO_write_ptr) < min)
        return NULL;
    *room = (size_t)(f->_IO_write_end - f->_IO_write_ptr);
    return f->_IO_write_ptr;
}

static void put_area_used(void *arg, size_t n)
{
    FILE *f = arg;
    f->_IO_write_ptr += n;
}
#endif

void base_direct_stdio(FILE *f)
{
#ifdef __GLIBC__
    static _Thread_local struct base_direct own;
    own = (struct base_direct){f, put_area, put_area_used, f};
    base_direct_set(&own);
#else
    (void)f;
#endif
}
