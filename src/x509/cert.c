/*
 * Certificate summaries with OpenSSL's X.509 parser: subject, issuer,
 * serial, validity, subjectAltNames, key, signature algorithm, SHA-256
 * fingerprint, CA flag.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/util.h"
#include "x509_int.h"

/* A Name as "C=x, O=y, CN=z", in the certificate's order; UTF-8 kept. */
static void name_text(const X509_NAME *n, char *buf, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int got = 0;
    if (b &&
        X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) >= 0)
        got = BIO_read(b, buf, (int)len - 1);
    buf[got > 0 ? got : 0] = 0;
    BIO_free(b);
}

int x509_name_text(const uint8_t *der, size_t len, char *buf, size_t buflen)
{
    const unsigned char *p = der;
    X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
    if (!n || p != der + len) {
        X509_NAME_free(n);
        return 0;
    }
    name_text(n, buf, buflen);
    X509_NAME_free(n);
    return 1;
}

/* Days from 1970-01-01 to the date (proleptic Gregorian; Howard
 * Hinnant's days_from_civil): timegm() without the C library's time_t
 * limits or locale. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ASN1_TIME as seconds since the epoch. */
static int64_t time_value(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return X509_NO_TIME;
    return days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static void serial_text(const X509 *x, char *buf, size_t len)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(buf, len, "%s", hex ? hex : "?");
    OPENSSL_free(hex);
    BN_free(bn);
}

/* Keeps one name, when it fits (names after one that does not are
 * dropped: the list keeps the certificate's order). */
static void san_add(struct x509_cert *o, enum x509_san_type type, const char *p, size_t n)
{
    size_t used = 0;
    if (o->nsan)
        used = o->san[o->nsan - 1].text + strlen(x509_san_value(o, o->nsan - 1)) + 1;
    if (o->san_dropped || o->nsan == X509_MAX_SAN || memchr(p, 0, n) ||
        used + n + 1 > sizeof(o->san_text)) {
        o->san_dropped++;
        return;
    }
    memcpy(o->san_text + used, p, n);
    o->san_text[used + n] = 0;
    o->san[o->nsan].type = (uint8_t)type;
    o->san[o->nsan++].text = (uint16_t)used;
}

/* RFC 5280 4.2.1.6: the names OpenSSL's host and address checks use. */
static void san_list(X509 *x, struct x509_cert *o)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char ip[INET6_ADDRSTRLEN];
        if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
            enum x509_san_type t = g->type == GEN_DNS     ? X509_SAN_DNS
                                   : g->type == GEN_EMAIL ? X509_SAN_EMAIL
                                                          : X509_SAN_URI;
            san_add(o, t, (const char *)g->d.ia5->data, (size_t)g->d.ia5->length);
        } else if (g->type == GEN_IPADD && (g->d.ip->length == 4 || g->d.ip->length == 16) &&
                   inet_ntop(g->d.ip->length == 4 ? AF_INET : AF_INET6, g->d.ip->data, ip,
                             sizeof(ip))) {
            san_add(o, X509_SAN_IP, ip, strlen(ip));
        }
    }
    GENERAL_NAMES_free(names);
}

void x509_san_join(const struct x509_cert *c, char *buf, size_t len)
{
    size_t used = 0;
    for (int i = 0; i < c->nsan && used + 1 < len; i++) {
        if (i)
            buf[used++] = ',';
        /* The list is comma-separated: a comma, a control character or a
         * byte above 0x7f in a name is shown as '?'. */
        for (const char *p = x509_san_value(c, i); *p && used + 1 < len; p++)
            buf[used++] = *p == ',' || (signed char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    }
    buf[used] = 0;
}

static void key_text(X509 *x, char *buf, size_t len)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    char group[64];
    size_t glen;
    if (!k) {
        snprintf(buf, len, "?");
        return;
    }
    if (EVP_PKEY_get_group_name(k, group, sizeof(group), &glen))
        snprintf(buf, len, "%s %s", EVP_PKEY_get0_type_name(k), group);
    else
        snprintf(buf, len, "%s %d", EVP_PKEY_get0_type_name(k), EVP_PKEY_get_bits(k));
}

int x509_summarize(const uint8_t *der, size_t len, struct x509_cert *o)
{
    X509 *x = x509_parse_cached(der, len);
    unsigned char md[32];
    unsigned mdlen = 0;

    if (!x)
        return 0;
    memset(o, 0, sizeof(*o));
    name_text(X509_get_subject_name(x), o->subject, sizeof(o->subject));
    name_text(X509_get_issuer_name(x), o->issuer, sizeof(o->issuer));
    serial_text(x, o->serial, sizeof(o->serial));
    o->not_before = time_value(X509_get0_notBefore(x));
    o->not_after = time_value(X509_get0_notAfter(x));
    san_list(x, o);
    key_text(x, o->key, sizeof(o->key));
    snprintf(o->sig, sizeof(o->sig), "%s", OBJ_nid2ln(X509_get_signature_nid(x)));
    if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL))
        base_hex(o->sha256, md, mdlen);
    o->is_ca = X509_check_ca(x) > 0;
    X509_free(x);
    return 1;
}

int x509_fields(struct ftree *t, int node, const uint8_t *der, size_t len, struct x509_cert *keep)
{
    struct x509_cert info;
    char san[X509_SAN_TEXT];
    if (!x509_summarize(der, len, &info))
        return 0;
    ft_str(t, node, "subject", info.subject);
    ft_str(t, node, "issuer", info.issuer);
    ft_str(t, node, "serial", info.serial);
    ft_time(t, node, "not_before", info.not_before);
    ft_time(t, node, "not_after", info.not_after);
    /* The message's fields keep the names as one string, as they always
     * had; the list is in the summary (keep). */
    x509_san_join(&info, san, sizeof(san));
    if (san[0])
        ft_str(t, node, "san", san);
    ft_str(t, node, "key", info.key);
    ft_str(t, node, "signature_algorithm", info.sig);
    ft_str(t, node, "sha256", info.sha256);
    ft_bool(t, node, "ca", info.is_ca);
    ft_der(t, node, "der", der, len);
    if (keep)
        *keep = info;
    return 1;
}

char *x509_text(const uint8_t *der, size_t len, size_t *n)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *b = x ? BIO_new(BIO_s_mem()) : NULL;
    char *text = NULL, *mem;
    long got;
    /* The names as openssl x509 -text prints them ("CN = server.test").
     * What was written before a failure is kept, as a stream would have
     * shown it. */
    if (b) {
        X509_print_ex(b, x, XN_FLAG_ONELINE, X509_FLAG_COMPAT);
        got = BIO_get_mem_data(b, &mem);
        if (got >= 0 && (text = malloc(got ? (size_t)got : 1))) {
            memcpy(text, mem, (size_t)got);
            *n = (size_t)got;
        }
    }
    BIO_free(b);
    X509_free(x);
    return text;
}
