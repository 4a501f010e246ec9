/*
 * x509_int.h: what the x509 stage's files share, and what its tests call
 * beside the stage's interface (include/x509.h).
 */
#ifndef TLSDUMP_X509_INT_H
#define TLSDUMP_X509_INT_H

#include <openssl/x509.h>

#include "x509.h"

/* cache.c: the certificate der is exactly, parsed once for every caller
 * (a reference for the caller to X509_free); NULL if it is not exactly
 * one DER certificate. */
X509 *x509_parse_cached(const uint8_t *der, size_t len);

/* bundle.c: OpenSSL's default CA file as a lookup of store's, read at
 * the first issuer looked up and parsed a subject at a time; 0 when out
 * of memory. */
int x509_add_default_file(X509_STORE *store);

/* Fills out from a DER certificate; returns 0 if it is not one. */
int x509_summarize(const uint8_t *der, size_t len, struct x509_cert *out);

#endif
