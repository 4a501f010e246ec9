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
