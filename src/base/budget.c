/*
 * The memory budget's counters (budget.h).
 */
#include <stdatomic.h>

#include "base/budget.h"

static atomic_size_t limit_bytes = BUDGET_DEFAULT;
static atomic_size_t used, peak;

void budget_set_limit(size_t limit)
{
    atomic_store(&limit_bytes, limit);
}

size_t budget_limit(void)
{
    return atomic_load(&limit_bytes);
}

void budget_charge(size_t n)
{
    size_t now = atomic_fetch_add(&used, n) + n;
    size_t p = atomic_load(&peak);
    while (now > p && !atomic_compare_exchange_weak(&peak, &p, now))
        ;
}

void budget_credit(size_t n)
{
    atomic_fetch_sub(&used, n);
}

size_t budget_used(void)
{
    return atomic_load(&used);
}

size_t budget_peak(void)
{
    return atomic_load(&peak);
}

int budget_over(void)
{
    size_t l = atomic_load(&limit_bytes);
    return l && atomic_load(&used) > l;
}
