/*
 * JA3 and JA3S (Salesforce's definition): the decimal values of the
 * ClientHello's version, cipher suites, extensions, supported groups and
 * point formats (ServerHello: version, cipher, extensions), GREASE left
 * out, fields joined by ',' and values by '-', and the string's MD5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/util.h"
#include "fingerprint.h"

/* Longest string: 5 lists of TLS_HELLO_MAX values of up to 5 digits and a dash. */
#define JA3_STR_MAX (8 + 5 * TLS_HELLO_MAX * 6)

static size_t put_list(char *s, size_t at, const uint16_t *v, int n, int comma)
{
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, JA3_STR_MAX - at, "%s%u", i ? "-" : "", v[i]);
    if (comma)
        at += (size_t)snprintf(s + at, JA3_STR_MAX - at, ",");
    return at;
}

static void md5_hex(const char *s, size_t n, char out[33])
{
    unsigned char md[16];
    unsigned len = 0;
    out[0] = 0;
    if (!EVP_Digest(s, n, md, &len, EVP_md5(), NULL))
        return;
    base_hex(out, md, len);
}

char *fp_ja3(const struct tls_hello *h, int client, char md5[33])
{
    uint16_t formats[TLS_HELLO_MAX];
    char *s;
    md5[0] = 0;
    if (!h->seen || !(s = malloc(JA3_STR_MAX)))
        return NULL;
    size_t at = (size_t)snprintf(s, JA3_STR_MAX, "%u,", h->version);
    at = put_list(s, at, h->ciphers, h->nciphers, 1);
    at = put_list(s, at, h->exts, h->nexts, client);
    if (client) {
        for (int i = 0; i < h->nformats; i++)
            formats[i] = h->formats[i];
        at = put_list(s, at, h->groups, h->ngroups, 1);
        put_list(s, at, formats, h->nformats, 0);
    }
    md5_hex(s, strlen(s), md5);
    return s;
}
