/*
 * A peer's chain verified with X509_verify_cert, as a TLS peer would have
 * at the time of the capture (RFC 5280 6; RFC 6125 for the host name).
 * The verify callback records every error and lets verification go on,
 * so that an expired certificate from an unknown CA shows both problems.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "verify.h"
#include "x509.h"
#include "x509_int.h"

/* Debian's default security level, which libssl applies to a peer's
 * chain with X509_VERIFY_PARAM_set_auth_level. */
#define AUTH_LEVEL 2

#define BIT(s) (1u << (s))
#define ISSUER_PROBLEMS                                                                            \
    (BIT(CERT_UNKNOWN_ISSUER) | BIT(CERT_SELF_SIGNED) | BIT(CERT_INCOMPLETE_CHAIN))

struct x509_verifier {
    X509_STORE *store;
};

/* One check in progress, shared with the verify callback. */
struct run {
    struct cert_check *out;
    unsigned seen;              /* a BIT() per cert_status met */
    X509 *sent[CERT_MAX_CHAIN]; /* the peer's certificates that could be read */
    int nsent;
};

const char *x509_status_name(enum cert_status s)
{
    switch (s) {
    case CERT_OK:
        return "ok";
    case CERT_UNKNOWN_ISSUER:
        return "unknown_issuer";
    case CERT_SELF_SIGNED:
        return "self_signed";
    case CERT_INCOMPLETE_CHAIN:
        return "incomplete_chain";
    case CERT_EXPIRED:
        return "expired";
    case CERT_NOT_YET_VALID:
        return "not_yet_valid";
    case CERT_HOSTNAME_MISMATCH:
        return "hostname_mismatch";
    case CERT_WEAK_KEY_OR_SIGNATURE:
        return "weak_key_or_signature";
    case CERT_INVALID:
        return "invalid";
    case CERT_UNREADABLE:
        return "unreadable";
    case CERT_NONE:
        return "none";
    }
    return NULL;
}

static int load_file(X509_STORE *s, const char *file, char *err, size_t errlen)
{
    /* OpenSSL reports a missing file as "system lib": say which error. */
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read CA file %s: %s", file, strerror(errno));
        return 0;
    }
    fclose(f);
    if (X509_STORE_load_file(s, file) == 1)
        return 1;
    unsigned long e = ERR_peek_last_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    snprintf(err, errlen, "cannot load CA file %s: %s", file, why ? why : "no certificate in it");
    return 0;
}

static int load_dir(X509_STORE *s, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    /* The directory is only searched when an issuer is looked up, and a
     * missing one then finds nothing: check now that there is one. */
    int exists = stat(dir, &st) == 0;
    if (!exists || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot use CA directory %s: %s", dir,
                 exists ? "not a directory" : strerror(errno));
        return 0;
    }
    if (X509_STORE_load_path(s, dir) != 1) {
        snprintf(err, errlen, "cannot use CA directory %s", dir);
        return 0;
    }
    return 1;
}

/* X509_STORE_set_default_paths, but the default file is looked up a
 * subject at a time (bundle.c), and without its third lookup: OpenSSL 3
 * adds an OSSL_STORE over the default directory, which lists the whole
 * directory on every issuer lookup (it accepts only the same <hash>.<n>
 * names as the hashed-directory lookup added before it, so it finds
 * nothing more); an unknown issuer cost a scan of /etc/ssl/certs per
 * connection.  The default file and directory, and their SSL_CERT_FILE
 * and SSL_CERT_DIR overrides, are as OpenSSL's. */
static int default_paths(struct x509_verifier *v)
{
    X509_LOOKUP *dir;
    if (!x509_add_default_file(v->store) ||
        !(dir = X509_STORE_add_lookup(v->store, X509_LOOKUP_hash_dir())))
        return 0;
    /* As OpenSSL's: a missing default file or directory is no error. */
    X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT);
    ERR_clear_error();
    return 1;
}

struct x509_verifier *x509_verifier_new(const char *ca_file, const char *ca_path, char *err,
                                        size_t errlen)
{
    struct x509_verifier *v = calloc(1, sizeof(*v));
    int ok = 0;

    ERR_set_mark();
    if (!v || !(v->store = X509_STORE_new())) {
        snprintf(err, errlen, "out of memory");
    } else if (!ca_file && !ca_path) {
        ok = default_paths(v);
        if (!ok)
            snprintf(err, errlen, "cannot use the default trust store");
    } else {
        ok = (!ca_file || load_file(v->store, ca_file, err, errlen)) &&
             (!ca_path || load_dir(v->store, ca_path, err, errlen));
    }
    ERR_pop_to_mark();
    if (!ok) {
        x509_verifier_free(v);
        return NULL;
    }
    return v;
}

void x509_verifier_free(struct x509_verifier *v)
{
    if (!v)
        return;
    X509_STORE_free(v->store);
    free(v);
}

/* A certificate's subject, as the certificate views write names. */
static void subject_text(X509 *x, char *buf, size_t len)
{
    unsigned char *der = NULL;
    int n = x ? i2d_X509_NAME(X509_get_subject_name(x), &der) : -1;
    if (n <= 0 || !x509_name_text(der, (size_t)n, buf, len))
        snprintf(buf, len, "?");
    OPENSSL_free(der);
}

/* The caIssuers URI of the certificate's Authority Information Access
 * (RFC 5280 4.2.2.1): where its issuer can be fetched from. */
static int ca_issuers_uri(X509 *x, char *buf, size_t len)
{
    AUTHORITY_INFO_ACCESS *aia = x ? X509_get_ext_d2i(x, NID_info_access, NULL, NULL) : NULL;
    int found = 0;
    for (int i = 0; aia && !found && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
            const ASN1_IA5STRING *u = ad->location->d.uniformResourceIdentifier;
            snprintf(buf, len, "%.*s", u->length, (const char *)u->data);
            found = 1;
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    return found;
}

static int was_sent(const struct run *r, const X509 *x)
{
    for (int i = 0; i < r->nsent; i++)
        if (r->sent[i] == x)
            return 1;
    return 0;
}

/* A problem met at depth: listed, and described when it is the worst so
 * far (the first one of the worst kind is kept). */
static void note(struct run *r, enum cert_status s, int depth, const char *what, X509 *x,
                 const char *more)
{
    struct cert_check *o = r->out;
    char subject[128];
    r->seen |= BIT(s);
    if (o->status != CERT_OK && o->status <= s)
        return;
    o->status = s;
    o->depth = depth;
    snprintf(o->detail, sizeof(o->detail), "%s", what);
    if (x) {
        subject_text(x, subject, sizeof(subject));
        size_t used = strlen(o->detail);
        snprintf(o->detail + used, sizeof(o->detail) - used, ": %s", subject);
    }
    if (more) {
        size_t used = strlen(o->detail);
        snprintf(o->detail + used, sizeof(o->detail) - used, "; %s", more);
    }
}

/* What an X509_V_ERR means here.  A missing issuer is the peer's fault
 * (incomplete_chain) when the certificate it sent names where that issuer
 * is published: a server is expected to send its intermediates (RFC 8446
 * 4.4.2). */
static enum cert_status status_of(const struct run *r, int err, X509 *x, char *uri, size_t len)
{
    switch (err) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return CERT_SELF_SIGNED;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: /* a root the store does not trust */
        return CERT_UNKNOWN_ISSUER;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        return was_sent(r, x) && ca_issuers_uri(x, uri, len) ? CERT_INCOMPLETE_CHAIN
                                                             : CERT_UNKNOWN_ISSUER;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return CERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return CERT_NOT_YET_VALID;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return CERT_HOSTNAME_MISMATCH;
    /* Auth level checks (OpenSSL 3 reports a weak digest in any
     * certificate's signature, the leaf's included, as CA_MD_TOO_WEAK). */
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
        return CERT_WEAK_KEY_OR_SIGNATURE;
    default:
        return CERT_INVALID;
    }
}

static int on_verify(int ok, X509_STORE_CTX *ctx)
{
    struct run *r = X509_STORE_CTX_get_app_data(ctx);
    if (ok || !r)
        return ok;
    int err = X509_STORE_CTX_get_error(ctx);
    X509 *x = X509_STORE_CTX_get_current_cert(ctx);
    char uri[160];
    /* Without an issuer, the top certificate's signature cannot be
     * checked either: the same problem, said twice. */
    if (err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE && (r->seen & ISSUER_PROBLEMS))
        return 1;
    enum cert_status s = status_of(r, err, x, uri, sizeof(uri));
    char more[sizeof(uri) + 16];
    if (s == CERT_INCOMPLETE_CHAIN)
        snprintf(more, sizeof(more), "caIssuers %s", uri);
    note(r, s, X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(err), x,
         s == CERT_INCOMPLETE_CHAIN ? more : NULL);
    return 1; /* go on, to find the other problems */
}

/* Why d2i_X509 refused der: cut short (a record or a capture that ended
 * early), or OpenSSL's reason. */
static void why_not(const uint8_t *der, size_t len, char *why, size_t whylen)
{
    const unsigned char *p = der;
    long body;
    int tag, cls;
    /* 0x80 alone: no header; with other bits: a header announcing more. */
    int got = ASN1_get_object(&p, &body, &tag, &cls, (long)len);
    if ((got & 0x80) && got != 0x80) {
        snprintf(why, whylen, "cut short, %ld announced", (long)(p - der) + body);
        return;
    }
    const char *reason = ERR_reason_error_string(ERR_peek_last_error());
    snprintf(why, whylen, "%s", reason ? reason : "not DER");
}

/* One certificate as sent; NULL with OpenSSL's reason in why when it is
 * not exactly one DER X.509 certificate. */
static X509 *parse(const uint8_t *der, size_t len, char *why, size_t whylen)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    snprintf(why, whylen, "empty");
    if (!der || !len || len > LONG_MAX)
        return NULL;
    if ((x = x509_parse_cached(der, len)))
        return x;
    if (!(x = d2i_X509(NULL, &p, (long)len))) {
        why_not(der, len, why, whylen);
    } else if (p != der + len) {
        snprintf(why, whylen, "%zu bytes after it", len - (size_t)(p - der));
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* Parses the peer's certificates; returns 0 when the leaf is unreadable
 * (nothing to verify).  An unreadable intermediate is left out. */
static int read_chain(struct run *r, const uint8_t *const der[], const size_t len[], int n)
{
    char why[80], what[160];
    for (int i = 0; i < n; i++) {
        X509 *x = parse(der[i], len[i], why, sizeof(why));
        if (x) {
            r->sent[r->nsent++] = x;
            continue;
        }
        snprintf(what, sizeof(what), "not a DER X.509 certificate (%zu bytes: %s)", len[i], why);
        note(r, CERT_UNREADABLE, i, what, NULL, NULL);
        if (i == 0)
            return 0;
    }
    return 1;
}

/* The check a TLS peer makes (libssl's ssl_verify_cert_chain): its
 * named parameters, then ours. */
static int set_params(X509_STORE_CTX *ctx, int64_t at_us, const char *host, int peer_is_server)
{
    X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
    if (!X509_STORE_CTX_set_default(ctx, peer_is_server ? "ssl_server" : "ssl_client"))
        return 0;
    X509_VERIFY_PARAM_set_time(p, (time_t)(at_us / 1000000));
    X509_VERIFY_PARAM_set_auth_level(p, AUTH_LEVEL);
    if (!host || !*host)
        return 1;
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip(p, ip->data, (size_t)ip->length)
                : X509_VERIFY_PARAM_set1_host(p, host, 0);
    ASN1_OCTET_STRING_free(ip);
    return ok;
}

static void keep_built(X509_STORE_CTX *ctx, const struct run *r)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    struct cert_check *o = r->out;
    for (int i = 0; chain && i < sk_X509_num(chain) && o->nbuilt < CERT_MAX_BUILT; i++) {
        X509 *x = sk_X509_value(chain, i);
        subject_text(x, o->built[o->nbuilt], sizeof(o->built[0]));
        o->from_store[o->nbuilt++] = !was_sent(r, x);
    }
}

/* Verifies the readable chain in r; returns 0 when OpenSSL could not be
 * set up for it. */
static int verify(const struct x509_verifier *v, struct run *r, int64_t at_us, const char *host,
                  int peer_is_server)
{
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = untrusted && ctx;

    for (int i = 1; ok && i < r->nsent; i++)
        ok = sk_X509_push(untrusted, r->sent[i]) > 0;
    ok = ok && X509_STORE_CTX_init(ctx, v->store, r->sent[0], untrusted) &&
         set_params(ctx, at_us, host, peer_is_server);
    if (ok) {
        X509_STORE_CTX_set_app_data(ctx, r);
        X509_STORE_CTX_set_verify_cb(ctx, on_verify);
        /* With a callback that accepts everything, failure is OpenSSL's
         * own (memory, an internal error), not the chain's. */
        if (X509_verify_cert(ctx) <= 0 && !r->seen)
            note(r, CERT_INVALID, X509_STORE_CTX_get_error_depth(ctx),
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)), NULL, NULL);
        keep_built(ctx, r);
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    return ok;
}

/* Every problem met, in priority order. */
static void list_problems(struct run *r)
{
    struct cert_check *o = r->out;
    for (int s = CERT_UNKNOWN_ISSUER; s <= CERT_NONE && o->nproblems < CERT_MAX_PROBLEMS; s++)
        if (r->seen & BIT(s))
            o->problems[o->nproblems++] = (enum cert_status)s;
}

void x509_verifier_check(const struct x509_verifier *v, const uint8_t *const der[],
                         const size_t len[], int n, int64_t at_us, const char *host,
                         int peer_is_server, struct cert_check *out)
{
    struct run r = {.out = out};

    memset(out, 0, sizeof(*out));
    out->depth = -1;
    snprintf(out->host, sizeof(out->host), "%s", host ? host : "");
    ERR_set_mark();
    if (n > CERT_MAX_CHAIN)
        n = CERT_MAX_CHAIN;
    if (n <= 0 || !der || !len)
        note(&r, CERT_NONE, -1, "no certificate", NULL, NULL);
    else if (read_chain(&r, der, len, n) && !verify(v, &r, at_us, host, peer_is_server))
        note(&r, CERT_INVALID, -1, "cannot set up the verification", NULL, NULL);
    list_problems(&r);
    for (int i = 0; i < r.nsent; i++)
        X509_free(r.sent[i]);
    ERR_pop_to_mark();
}
