/* unit.h: what the unit test files share. */
#ifndef TLSDUMP_UNIT_H
#define TLSDUMP_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

/* Each file registers its suite. */
void suite_cursor(void);
void suite_link(void);
void suite_ip(void);
void suite_tcp_header(void);
void suite_ipfrag(void);
void suite_reasm(void);
void suite_record(void);
void suite_hello(void);
void suite_messages(void);
void suite_crypto(void);

/* Adds a suite with the given tests (NULL-terminated name/function pairs). */
void add_suite(const char *name, const CU_TestInfo *tests);

/* Builds an IPv4+TCP packet (no link header) into buf; returns its length. */
size_t build_ipv4_tcp(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
                      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                      const void *payload, size_t len);

#endif
