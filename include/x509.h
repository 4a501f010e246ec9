/*
 * x509.h: certificates through OpenSSL's X.509 parser.
 *
 * The stage hands over what a certificate says as data: names as text,
 * validity as times, subjectAltNames as a list.  How to show them is the
 * views' business.
 */
#ifndef TLSDUMP_X509_H
#define TLSDUMP_X509_H

#include <stddef.h>
#include <stdint.h>

#include "base/fields.h"

/* A time that could not be read (seconds since the epoch otherwise). */
#define X509_NO_TIME INT64_MIN

enum x509_san_type {
    X509_SAN_DNS,   /* dNSName */
    X509_SAN_IP,    /* iPAddress, as text: "192.0.2.1", "2001:db8::1" */
    X509_SAN_EMAIL, /* rfc822Name */
    X509_SAN_URI,   /* uniformResourceIdentifier */
};

/* subjectAltNames kept per certificate: their text shares one buffer, so
 * that a certificate stays small whatever it names. */
#define X509_MAX_SAN 32
#define X509_SAN_TEXT 512

struct x509_san {
    uint8_t type;  /* enum x509_san_type */
    uint16_t text; /* offset of its NUL-terminated value in san_text */
};

struct x509_cert {
    char subject[256], issuer[256], serial[96];
    int64_t not_before, not_after; /* seconds since the epoch, or X509_NO_TIME */
    struct x509_san san[X509_MAX_SAN];
    int nsan;
    int san_dropped; /* names that did not fit */
    char san_text[X509_SAN_TEXT];
    char key[96]; /* "RSA 2048", "EC prime256v1", ... */
    char sig[48]; /* signature algorithm */
    char sha256[65];
    int is_ca;
};

static inline const char *x509_san_value(const struct x509_cert *c, int i)
{
    return c->san_text + c->san[i].text;
}

/* The subjectAltNames joined by commas into buf ("" for none), commas and
 * control characters in a name shown as '?': the one-line form the text
 * output and the diagnosis have always used. */
void x509_san_join(const struct x509_cert *c, char *buf, size_t len);

/* Adds the certificate's summary fields under node (and copies the
 * summary into keep when not NULL); returns 0 if it is not X.509. */
int x509_fields(struct ftree *t, int node, const uint8_t *der, size_t len, struct x509_cert *keep);
/* A DER Name as text ("CN=..., O=..."); returns 0 if it is not one. */
int x509_name_text(const uint8_t *der, size_t len, char *buf, size_t buflen);
/* The certificate as `openssl x509 -text` prints it, in memory (malloc'd,
 * *n bytes, not NUL-terminated; the caller frees it); NULL if it is not
 * X.509. */
char *x509_text(const uint8_t *der, size_t len, size_t *n);

#endif
