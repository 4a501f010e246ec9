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

#include "fingerprint.h"

/* Longest string: 5 lists of JA3_MAX values of up to 5 digits and a dash. */
#define JA3_STR_MAX (8 + 5 * JA3_MAX * 6)

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
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static char *fingerprint(const struct ja3_input *in, int client)
{
    char *s = malloc(JA3_STR_MAX);
    uint16_t formats[JA3_MAX];
    if (!s)
        return NULL;
    size_t at = (size_t)snprintf(s, JA3_STR_MAX, "%u,", in->version);
    at = put_list(s, at, in->ciphers, in->nciphers, 1);
    at = put_list(s, at, in->exts, in->nexts, client);
    if (client) {
        for (int i = 0; i < in->nformats; i++)
            formats[i] = in->formats[i];
        at = put_list(s, at, in->groups, in->ngroups, 1);
        put_list(s, at, formats, in->nformats, 0);
    }
    return s;
}

void ja3_client(struct tls_summary *sum, const struct ja3_input *in)
{
    free(sum->ja3_full);
    sum->ja3_full = fingerprint(in, 1);
    if (sum->ja3_full)
        md5_hex(sum->ja3_full, strlen(sum->ja3_full), sum->ja3);
}

void ja3_server(struct tls_summary *sum, const struct ja3_input *in)
{
    free(sum->ja3s_full);
    sum->ja3s_full = fingerprint(in, 0);
    if (sum->ja3s_full)
        md5_hex(sum->ja3s_full, strlen(sum->ja3s_full), sum->ja3s);
}
