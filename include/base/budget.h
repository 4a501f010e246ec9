/*
 * budget.h: one memory budget (--max-memory) that every buffer a capture
 * can grow draws from: connection state in each stage, TCP reassembly,
 * handshake messages and records being gathered, the key-log table.
 *
 * Stages charge what they allocate and credit what they free; the tcp
 * stage, after each packet, forgets the connections idle longest until
 * the budget holds again (tcp.h: TCP_CLOSE_MEMORY).  Between two checks
 * one packet can add at most a packet's worth of buffers, so the budget
 * is exceeded by no more than a small constant.  A process-wide counter:
 * atomic, as stages may run in several threads.
 */
#ifndef TLSDUMP_BASE_BUDGET_H
#define TLSDUMP_BASE_BUDGET_H

#include <stddef.h>

#define BUDGET_DEFAULT ((size_t)256 << 20)

/* The limit in bytes (0: none). */
void budget_set_limit(size_t limit);
size_t budget_limit(void);

void budget_charge(size_t n);
void budget_credit(size_t n);

/* Bytes charged now, and at most. */
size_t budget_used(void);
size_t budget_peak(void);

/* More charged than the limit. */
int budget_over(void);

#endif
