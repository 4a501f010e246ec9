/*
 * Certificate summaries with OpenSSL's X.509 parser: subject, issuer,
 * serial, validity, subjectAltNames, key, signature algorithm, SHA-256
 * fingerprint, CA flag.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/util.h"
#include "x509.h"

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

/* ASN1_TIME as ISO 8601 UTC. */
static void time_text(const ASN1_TIME *t, char *buf, size_t len)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) {
        snprintf(buf, len, "?");
        return;
    }
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void serial_text(const X509 *x, char *buf, size_t len)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(buf, len, "%s", hex ? hex : "?");
    OPENSSL_free(hex);
    BN_free(bn);
}

static void san_text(X509 *x, char *buf, size_t len)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char one[256] = "";
        if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
            const ASN1_IA5STRING *s = g->d.ia5;
            snprintf(one, sizeof(one), "%.*s", s->length, (const char *)s->data);
        } else if (g->type == GEN_IPADD && g->d.ip->length == 4) {
            const unsigned char *a = g->d.ip->data;
            snprintf(one, sizeof(one), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        } else {
            continue;
        }
        for (char *c = one; *c; c++) /* the list is comma-separated */
            if (*c == ',' || *c < 0x20 || *c == 0x7f)
                *c = '?';
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", one);
        if (used >= len)
            break;
    }
    GENERAL_NAMES_free(names);
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

int x509_summarize(const uint8_t *der, size_t len, struct tls_cert_info *o)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    unsigned char md[32];
    unsigned mdlen = 0;

    if (!x || p != der + len) {
        X509_free(x);
        return 0;
    }
    memset(o, 0, sizeof(*o));
    name_text(X509_get_subject_name(x), o->subject, sizeof(o->subject));
    name_text(X509_get_issuer_name(x), o->issuer, sizeof(o->issuer));
    serial_text(x, o->serial, sizeof(o->serial));
    time_text(X509_get0_notBefore(x), o->not_before, sizeof(o->not_before));
    time_text(X509_get0_notAfter(x), o->not_after, sizeof(o->not_after));
    san_text(x, o->san, sizeof(o->san));
    key_text(x, o->key, sizeof(o->key));
    snprintf(o->sig, sizeof(o->sig), "%s", OBJ_nid2ln(X509_get_signature_nid(x)));
    if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL))
        base_hex(o->sha256, md, mdlen);
    o->is_ca = X509_check_ca(x) > 0;
    X509_free(x);
    return 1;
}

int x509_fields(struct ftree *t, int node, const uint8_t *der, size_t len,
                struct tls_cert_info *keep)
{
    struct tls_cert_info info;
    if (!x509_summarize(der, len, &info))
        return 0;
    ft_str(t, node, "subject", info.subject);
    ft_str(t, node, "issuer", info.issuer);
    ft_verbose(t, ft_str(t, node, "serial", info.serial));
    ft_str(t, node, "not_before", info.not_before);
    ft_str(t, node, "not_after", info.not_after);
    if (info.san[0])
        ft_str(t, node, "san", info.san);
    ft_str(t, node, "key", info.key);
    ft_verbose(t, ft_str(t, node, "signature_algorithm", info.sig));
    ft_verbose(t, ft_str(t, node, "sha256", info.sha256));
    ft_bool(t, node, "ca", info.is_ca);
    ft_der(t, node, "der", der, len);
    if (keep)
        *keep = info;
    return 1;
}

int x509_print_text(FILE *out, const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *b = x ? BIO_new_fp(out, BIO_NOCLOSE) : NULL;
    /* The names as openssl x509 -text prints them ("CN = server.test"). */
    int ok = b && X509_print_ex(b, x, XN_FLAG_ONELINE, X509_FLAG_COMPAT) == 1;
    BIO_free(b);
    X509_free(x);
    return ok;
}
