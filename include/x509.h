/*
 * x509.h: certificates through OpenSSL's X.509 parser.
 */
#ifndef TLSDUMP_X509_H
#define TLSDUMP_X509_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/fields.h"
#include "tls.h"

/* Fills out from a DER certificate; returns 0 if it is not one. */
int x509_summarize(const uint8_t *der, size_t len, struct tls_cert_info *out);
/* Adds the certificate's summary fields under node (and copies the
 * summary into keep when not NULL); returns 0 if it is not X.509. */
int x509_fields(struct ftree *t, int node, const uint8_t *der, size_t len,
                struct tls_cert_info *keep);
/* A DER Name as text ("CN=..., O=..."); returns 0 if it is not one. */
int x509_name_text(const uint8_t *der, size_t len, char *buf, size_t buflen);
/* Prints the certificate as `openssl x509 -text` does. */
int x509_print_text(FILE *out, const uint8_t *der, size_t len);

#endif
