/*
 * util.h: small helpers every stage may use.
 */
#ifndef TLSDUMP_BASE_UTIL_H
#define TLSDUMP_BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Writes n bytes as 2n lowercase hex digits and a NUL into out, which
 * holds at least 2n + 1 bytes; returns the NUL's address, where more may
 * be written. */
char *base_hex(char *out, const uint8_t *p, size_t n);

/* A time in seconds since the epoch as ISO 8601 UTC
 * ("2026-11-30T12:00:00Z"); an empty string when it cannot be shown. */
#define BASE_ISO_TIME_LEN 24
void base_iso_time(int64_t secs, char out[BASE_ISO_TIME_LEN]);

#endif
