/*
 * fingerprint.h: client and server fingerprints from the hellos' values.
 */
#ifndef TLSDUMP_FINGERPRINT_H
#define TLSDUMP_FINGERPRINT_H

#include "tls.h"

/* JA3 of a ClientHello (client 1) or JA3S of a ServerHello (client 0):
 * writes the MD5 as hex into md5 and returns the string hashed, which the
 * caller frees; NULL when the hello was not seen or memory ran out. */
char *fp_ja3(const struct tls_hello *h, int client, char md5[33]);

#endif
