/* Chain verification (src/x509/verify.c) with the real test PKI of
 * pcaps/keys/ and what tests/unit/data/verify/make.sh adds to it: each
 * status from a chain that has that problem and no other, the same chain
 * or time that is fine beside it, and unreadable input of every kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "unit.h"
#include "verify.h"

#define KEYS "pcaps/keys/"
#define DATA "tests/unit/data/verify/"

/* Inside the validity of ca.pem (from 2026-11-24) and of every test
 * certificate but expired.pem and notyet.pem. */
#define T2026 1796083200000000LL /* 2026-12-01T00:00:00Z */
#define T2020 1590969600000000LL /* 2020-06-01T00:00:00Z */
#define T2035 2064441600000000LL /* 2035-06-01T00:00:00Z */

#define MAX_SENT (CERT_MAX_CHAIN + 8)

struct chain {
    uint8_t *der[MAX_SENT];
    size_t len[MAX_SENT];
    int n;
};

/* Appends the certificates of a PEM file to c. */
static void add(struct chain *c, const char *path)
{
    int got = read_pem_certs(path, c->der + c->n, c->len + c->n, MAX_SENT - c->n);
    CU_ASSERT_FATAL(got > 0);
    c->n += got;
}

static void drop(struct chain *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->der[i]);
    c->n = 0;
}

/* Verifies c with the CA file ca as the only trust anchor. */
static void check(const char *ca, const struct chain *c, int64_t at, const char *host,
                  int peer_is_server, struct cert_check *out)
{
    char err[256] = "";
    struct x509_verifier *v = x509_verifier_new(ca, NULL, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(err, "");
    x509_verifier_check(v, (const uint8_t *const *)c->der, c->len, c->n, at, host, peer_is_server,
                        out);
    x509_verifier_free(v);
}

/* One problem, status, at depth, with words of detail in it. */
static void only(const struct cert_check *r, enum cert_status s, int depth, const char *words)
{
    CU_ASSERT_EQUAL(r->status, s);
    CU_ASSERT_EQUAL(r->nproblems, 1);
    CU_ASSERT_EQUAL(r->problems[0], s);
    CU_ASSERT_EQUAL(r->depth, depth);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->detail, words));
}

static void ok(const struct cert_check *r)
{
    CU_ASSERT_EQUAL(r->status, CERT_OK);
    CU_ASSERT_EQUAL(r->nproblems, 0);
    CU_ASSERT_EQUAL(r->depth, -1);
    CU_ASSERT_STRING_EQUAL(r->detail, "");
}

/* A file's chain checked against ca.pem at 2026-12-01 for server.test. */
static void server_check(const char *path, const char *path2, struct cert_check *r)
{
    struct chain c = {.n = 0};
    add(&c, path);
    if (path2)
        add(&c, path2);
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, r);
    drop(&c);
}

static void verify_ok(void)
{
    struct cert_check r;
    server_check(KEYS "server.pem", NULL, &r);
    ok(&r);
    CU_ASSERT_STRING_EQUAL(r.host, "server.test");
    CU_ASSERT_EQUAL_FATAL(r.nbuilt, 2);
    CU_ASSERT_STRING_EQUAL(r.built[0], "CN=server.test");
    CU_ASSERT_STRING_EQUAL(r.built[1], "CN=tlsdump test CA");
    CU_ASSERT(r.from_store[0] == 0 && r.from_store[1] == 1);
}

static void verify_hostname(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, KEYS "server.pem");
    check(KEYS "ca.pem", &c, T2026, "wrong.test", 1, &r);
    only(&r, CERT_HOSTNAME_MISMATCH, 0, "hostname mismatch: CN=server.test");
    CU_ASSERT_STRING_EQUAL(r.host, "wrong.test");
    CU_ASSERT_EQUAL(r.nbuilt, 2); /* the chain itself is fine */
    /* No SNI, no host check: the same certificate passes. */
    check(KEYS "ca.pem", &c, T2026, "", 1, &r);
    ok(&r);
    CU_ASSERT_STRING_EQUAL(r.host, "");
    check(KEYS "ca.pem", &c, T2026, NULL, 1, &r);
    ok(&r);
    /* An address is matched against IP subjectAltNames (127.0.0.1). */
    check(KEYS "ca.pem", &c, T2026, "127.0.0.1", 1, &r);
    ok(&r);
    check(KEYS "ca.pem", &c, T2026, "127.0.0.2", 1, &r);
    only(&r, CERT_HOSTNAME_MISMATCH, 0, "IP address mismatch");
    check(KEYS "ca.pem", &c, T2026, "localhost", 1, &r);
    ok(&r);
    drop(&c);
}

/* expired.pem: 2020-01-01 .. 2021-01-01.  In 2020 it was fine, but its
 * CA, ca.pem, did not exist yet (made in 2026): OpenSSL checks the trust
 * anchor's dates too.  era-leaf.pem has the same dates under a CA valid
 * since 2019: fine in 2020, expired in 2026. */
static void verify_expired(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, KEYS "expired.pem");
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_EXPIRED, 0, "certificate has expired: CN=server.test");
    check(KEYS "ca.pem", &c, T2020, "server.test", 1, &r);
    only(&r, CERT_NOT_YET_VALID, 1, "not yet valid: CN=tlsdump test CA");
    drop(&c);

    add(&c, DATA "era-leaf.pem");
    check(DATA "era-ca.pem", &c, T2020, "server.test", 1, &r);
    ok(&r);
    CU_ASSERT_EQUAL(r.nbuilt, 2);
    check(DATA "era-ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_EXPIRED, 0, "expired");
    drop(&c);
}

/* notyet.pem: 2035-01-01 .. 2036-01-01. */
static void verify_not_yet_valid(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, DATA "notyet.pem");
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_NOT_YET_VALID, 0, "certificate is not yet valid: CN=server.test");
    check(KEYS "ca.pem", &c, T2035, "server.test", 1, &r);
    ok(&r);
    drop(&c);
}

static void verify_unknown_issuer(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, KEYS "server.pem");
    check(KEYS "other-ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_UNKNOWN_ISSUER, 0, "unable to get local issuer certificate: CN=server.test");
    CU_ASSERT_EQUAL(r.nbuilt, 1);
    /* The root sent along, but not trusted. */
    add(&c, KEYS "ca.pem");
    check(KEYS "other-ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_UNKNOWN_ISSUER, 1,
         "self-signed certificate in certificate chain: "
         "CN=tlsdump test CA");
    CU_ASSERT_EQUAL_FATAL(r.nbuilt, 2);
    CU_ASSERT(r.from_store[0] == 0 && r.from_store[1] == 0);
    /* ... and trusted: the store's copy is the anchor. */
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    ok(&r);
    drop(&c);
}

/* Only the issuer problem is listed: OpenSSL's "unable to verify the
 * first certificate" that follows it says the same again. */
static void verify_self_signed(void)
{
    struct cert_check r;
    server_check(DATA "selfsigned.pem", NULL, &r);
    only(&r, CERT_SELF_SIGNED, 0, "self-signed certificate: CN=server.test");
    CU_ASSERT_EQUAL(r.nbuilt, 1);
    /* Trusted as itself, it is fine. */
    struct chain c = {.n = 0};
    add(&c, DATA "selfsigned.pem");
    check(DATA "selfsigned.pem", &c, T2026, "server.test", 1, &r);
    ok(&r);
    drop(&c);
}

/* aia-leaf.pem names its issuer's URI: the server should have sent it. */
static void verify_incomplete_chain(void)
{
    struct cert_check r;
    server_check(DATA "aia-leaf.pem", NULL, &r);
    only(&r, CERT_INCOMPLETE_CHAIN, 0, "CN=server.test; caIssuers http://aia.test/aia-int.der");
    server_check(DATA "aia-leaf.pem", DATA "aia-int.pem", &r);
    ok(&r);
    CU_ASSERT_EQUAL_FATAL(r.nbuilt, 3);
    CU_ASSERT_STRING_EQUAL(r.built[1], "CN=tlsdump AIA intermediate CA");
    CU_ASSERT(!r.from_store[0] && !r.from_store[1] && r.from_store[2]);
    /* Without a caIssuers URI, the missing issuer is just unknown. */
    server_check(KEYS "chain-leaf.pem", NULL, &r);
    only(&r, CERT_UNKNOWN_ISSUER, 0, "unable to get local issuer certificate");
    /* A store that has the intermediate (with its URI) but not the root:
     * the store's gap, not the peer's. */
    struct chain c = {.n = 0};
    add(&c, DATA "aia-leaf.pem");
    check(DATA "aia-int.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_UNKNOWN_ISSUER, 1,
         "unable to get issuer certificate: "
         "CN=tlsdump AIA intermediate CA");
    CU_ASSERT(r.nbuilt == 2 && r.from_store[1]);
    drop(&c);
}

/* long-chain.pcap's chain: leaf, 12 intermediates, ca.pem from the store. */
static void verify_long_chain(void)
{
    struct cert_check r;
    server_check(KEYS "chain-leaf.pem", KEYS "chain-intermediates.pem", &r);
    ok(&r);
    CU_ASSERT_EQUAL_FATAL(r.nbuilt, 14);
    CU_ASSERT_STRING_EQUAL(r.built[1], "CN=tlsdump intermediate CA 12");
    CU_ASSERT_STRING_EQUAL(r.built[12], "CN=tlsdump intermediate CA 1");
    CU_ASSERT_STRING_EQUAL(r.built[13], "CN=tlsdump test CA");
    for (int i = 0; i < 14; i++)
        CU_ASSERT_EQUAL(r.from_store[i], i == 13);
    /* More than CERT_MAX_CHAIN sent: the rest is not read. */
    struct chain c = {.n = 0};
    add(&c, KEYS "chain-leaf.pem");
    add(&c, KEYS "chain-intermediates.pem");
    while (c.n < MAX_SENT)
        add(&c, KEYS "other-ca.pem");
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    ok(&r);
    CU_ASSERT_EQUAL(r.nbuilt, 14);
    drop(&c);
}

/* Auth level 2: RSA below 2048 bits, SHA-1 signatures. */
static void verify_weak(void)
{
    struct cert_check r;
    server_check(DATA "weak-1024-sha1.pem", NULL, &r);
    only(&r, CERT_WEAK_KEY_OR_SIGNATURE, 0, "EE certificate key too weak: CN=server.test");
    server_check(DATA "weak-key.pem", NULL, &r);
    only(&r, CERT_WEAK_KEY_OR_SIGNATURE, 0, "EE certificate key too weak");
    /* The leaf's own signature, named after the CA that made it. */
    server_check(DATA "weak-sig.pem", NULL, &r);
    only(&r, CERT_WEAK_KEY_OR_SIGNATURE, 0, "CA signature digest algorithm too weak");
    server_check(DATA "weak-int-leaf.pem", DATA "weak-int.pem", &r);
    only(&r, CERT_WEAK_KEY_OR_SIGNATURE, 1,
         "CA certificate key too weak: "
         "CN=tlsdump weak intermediate CA");
}

/* An expired certificate from an unknown CA: both, issuer first. */
static void verify_two_problems(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, KEYS "expired.pem");
    check(KEYS "other-ca.pem", &c, T2026, "wrong.test", 1, &r);
    CU_ASSERT_EQUAL(r.status, CERT_UNKNOWN_ISSUER);
    CU_ASSERT_EQUAL_FATAL(r.nproblems, 3);
    CU_ASSERT_EQUAL(r.problems[0], CERT_UNKNOWN_ISSUER);
    CU_ASSERT_EQUAL(r.problems[1], CERT_EXPIRED);
    CU_ASSERT_EQUAL(r.problems[2], CERT_HOSTNAME_MISMATCH);
    CU_ASSERT_EQUAL(r.depth, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.detail, "unable to get local issuer certificate"));
    check(KEYS "other-ca.pem", &c, T2026, "server.test", 1, &r);
    CU_ASSERT_EQUAL(r.nproblems, 2);
    drop(&c);
}

/* Not DER X.509: garbage, nothing, every cut of a real certificate, a
 * real one with a byte after it.  Nothing is verified without a leaf. */
static void verify_unreadable(void)
{
    static const uint8_t garbage[] = {0x30, 0x03, 'a', 'b', 'c'};
    static const uint8_t huge[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30};
    const uint8_t *der[1] = {garbage};
    size_t len[1] = {sizeof(garbage)};
    struct cert_check r;
    char err[256];
    struct x509_verifier *v = x509_verifier_new(KEYS "ca.pem", NULL, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);

    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 0, "not a DER X.509 certificate (5 bytes");
    CU_ASSERT_EQUAL(r.nbuilt, 0);
    der[0] = huge, len[0] = sizeof(huge);
    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 0, "not a DER");
    der[0] = NULL, len[0] = 100;
    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 0, "(100 bytes");
    der[0] = garbage, len[0] = 0;
    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 0, "(0 bytes");
    /* An unreadable leaf: the next certificate is not taken for it. */
    struct chain c = {.n = 0};
    add(&c, KEYS "server.pem");
    const uint8_t *two[2] = {garbage, c.der[0]};
    size_t two_len[2] = {sizeof(garbage), c.len[0]};
    x509_verifier_check(v, two, two_len, 2, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 0, "not a DER");
    CU_ASSERT_EQUAL(r.nbuilt, 0);

    int cuts_unreadable = 0, cuts_said = 0;
    for (size_t n = 0; n < c.len[0]; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees a read past them */
        memcpy(cut, c.der[0], n);
        der[0] = cut, len[0] = n;
        x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
        cuts_unreadable += r.status == CERT_UNREADABLE && r.nproblems == 1 && r.depth == 0;
        /* Past the 4-byte header, it says what is missing. */
        cuts_said += n > 4 && strstr(r.detail, "cut short") != NULL;
        free(cut);
    }
    CU_ASSERT_EQUAL(cuts_unreadable, (int)c.len[0]);
    CU_ASSERT_EQUAL(cuts_said, (int)c.len[0] - 5);
    uint8_t *longer = malloc(c.len[0] + 1);
    memcpy(longer, c.der[0], c.len[0]);
    longer[c.len[0]] = 0;
    der[0] = longer, len[0] = c.len[0] + 1;
    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 0, "1 bytes after it");
    len[0] = c.len[0];
    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    ok(&r);
    free(longer);
    drop(&c);
    x509_verifier_free(v);
}

/* An unreadable certificate among readable ones is left out and listed;
 * the rest is still verified. */
static void verify_unreadable_intermediate(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, DATA "aia-leaf.pem");
    add(&c, KEYS "server.pem");
    add(&c, DATA "aia-int.pem");
    c.len[1] /= 2;
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_UNREADABLE, 1, "not a DER");
    CU_ASSERT_EQUAL(r.nbuilt, 3);
    c.len[2] -= 1; /* now the issuer is missing too */
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    CU_ASSERT_EQUAL(r.status, CERT_INCOMPLETE_CHAIN);
    CU_ASSERT_EQUAL(r.depth, 0);
    CU_ASSERT_EQUAL_FATAL(r.nproblems, 2);
    CU_ASSERT_EQUAL(r.problems[1], CERT_UNREADABLE);
    drop(&c);
}

static void verify_none(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_NONE, -1, "no certificate");
    CU_ASSERT_EQUAL(r.nbuilt, 0);
    char err[64];
    struct x509_verifier *v = x509_verifier_new(KEYS "ca.pem", NULL, err, sizeof(err));
    x509_verifier_check(v, NULL, NULL, 3, T2026, NULL, 1, &r);
    only(&r, CERT_NONE, -1, "no certificate");
    x509_verifier_free(v);
}

/* sslserver for a server's chain, sslclient for a client's (mutual TLS). */
static void verify_purpose(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, KEYS "client.pem");
    check(KEYS "ca.pem", &c, T2026, "", 0, &r);
    ok(&r);
    CU_ASSERT_STRING_EQUAL(r.built[0], "CN=client.test");
    check(KEYS "ca.pem", &c, T2026, "", 1, &r);
    only(&r, CERT_INVALID, 0, "unsuitable certificate purpose: CN=client.test");
    drop(&c);
    add(&c, KEYS "server.pem");
    check(KEYS "ca.pem", &c, T2026, "", 0, &r);
    only(&r, CERT_INVALID, 0, "unsuitable certificate purpose: CN=server.test");
    drop(&c);
}

/* A verification error with no status of its own: OpenSSL's words. */
static void verify_bad_signature(void)
{
    struct chain c = {.n = 0};
    struct cert_check r;
    add(&c, KEYS "server.pem");
    c.der[0][c.len[0] - 1] ^= 1; /* the signature's last byte */
    check(KEYS "ca.pem", &c, T2026, "server.test", 1, &r);
    only(&r, CERT_INVALID, 0, "certificate signature failure: CN=server.test");
    drop(&c);
}

/* A trust store that cannot be loaded is an error that says why. */
static void verify_store_errors(void)
{
    char err[256] = "";
    CU_ASSERT_PTR_NULL(x509_verifier_new(KEYS "no-such-ca.pem", NULL, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-ca.pem"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    err[0] = 0;
    CU_ASSERT_PTR_NULL(x509_verifier_new("tests/unit/data/README.md", NULL, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "README.md"));
    err[0] = 0;
    CU_ASSERT_PTR_NULL(
        x509_verifier_new(KEYS "ca.pem", "tests/unit/no-such-dir", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-dir"));
    err[0] = 0;
    CU_ASSERT_PTR_NULL(x509_verifier_new(NULL, KEYS "ca.pem", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a directory"));
    x509_verifier_free(NULL);
}

/* The default store (the system's CAs) does not know the test CA. */
static void verify_default_store(void)
{
    char err[256] = "";
    struct chain c = {.n = 0};
    struct cert_check r;
    struct x509_verifier *v = x509_verifier_new(NULL, NULL, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    add(&c, KEYS "server.pem");
    x509_verifier_check(v, (const uint8_t *const *)c.der, c.len, c.n, T2026, "server.test", 1, &r);
    only(&r, CERT_UNKNOWN_ISSUER, 0, "CN=server.test");
    x509_verifier_free(v);
    drop(&c);
}

/* A hashed directory, as `openssl rehash` makes it, holding ca.pem. */
static void verify_ca_path(void)
{
    char dir[] = "/tmp/tlsdump-verify-XXXXXX", file[64], err[256] = "";
    struct chain c = {.n = 0};
    struct cert_check r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    FILE *in = fopen(KEYS "ca.pem", "r");
    X509 *ca = in ? PEM_read_X509(in, NULL, NULL, NULL) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
    fclose(in);
    snprintf(file, sizeof(file), "%s/%08lx.0", dir, X509_subject_name_hash(ca));

    add(&c, KEYS "server.pem");
    struct x509_verifier *v = x509_verifier_new(NULL, dir, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    x509_verifier_check(v, (const uint8_t *const *)c.der, c.len, c.n, T2026, "server.test", 1, &r);
    only(&r, CERT_UNKNOWN_ISSUER, 0, "CN=server.test"); /* still empty */
    x509_verifier_free(v);
    FILE *out = fopen(file, "w");
    CU_ASSERT_FATAL(out && PEM_write_X509(out, ca));
    fclose(out);
    v = x509_verifier_new(NULL, dir, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    x509_verifier_check(v, (const uint8_t *const *)c.der, c.len, c.n, T2026, "server.test", 1, &r);
    ok(&r);
    CU_ASSERT(r.nbuilt == 2 && r.from_store[1]);
    x509_verifier_free(v);
    /* A file and a directory: either may hold the anchor. */
    v = x509_verifier_new(KEYS "other-ca.pem", dir, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    x509_verifier_check(v, (const uint8_t *const *)c.der, c.len, c.n, T2026, "server.test", 1, &r);
    ok(&r);
    x509_verifier_free(v);
    X509_free(ca);
    unlink(file);
    rmdir(dir);
    drop(&c);
}

static void verify_names(void)
{
    static const char *const names[] = {
        "ok",
        "unknown_issuer",
        "self_signed",
        "incomplete_chain",
        "expired",
        "not_yet_valid",
        "hostname_mismatch",
        "weak_key_or_signature",
        "invalid",
        "unreadable",
        "none",
    };
    for (int s = CERT_OK; s <= CERT_NONE; s++)
        CU_ASSERT_STRING_EQUAL(x509_status_name((enum cert_status)s), names[s]);
    CU_ASSERT_PTR_NULL(x509_status_name((enum cert_status)(CERT_NONE + 1)));
}

/* What OpenSSL queued during a check is not left for the next caller. */
static void verify_error_queue(void)
{
    static const uint8_t garbage[] = {0x30, 0x03, 'a', 'b', 'c'};
    const uint8_t *der[1] = {garbage};
    size_t len[1] = {sizeof(garbage)};
    struct cert_check r;
    char err[64];
    struct x509_verifier *v = x509_verifier_new(KEYS "ca.pem", NULL, err, sizeof(err));
    ERR_clear_error();
    x509_verifier_check(v, der, len, 1, T2026, "server.test", 1, &r);
    CU_ASSERT_EQUAL(ERR_peek_error(), 0);
    x509_verifier_free(v);
    CU_ASSERT_PTR_NULL(x509_verifier_new(KEYS "no-such-ca.pem", NULL, err, sizeof(err)));
    CU_ASSERT_PTR_NULL(x509_verifier_new("tests/unit/data/README.md", NULL, err, sizeof(err)));
    CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

void suite_verify(void)
{
    static const CU_TestInfo tests[] = {
        {"ok: server.pem under ca.pem for server.test", verify_ok},
        {"hostname_mismatch; no host check without SNI; IP addresses", verify_hostname},
        {"expired in 2026; in 2020 ca.pem is not yet valid; era-leaf fine in 2020", verify_expired},
        {"not_yet_valid in 2026, fine in 2035", verify_not_yet_valid},
        {"unknown_issuer: another CA; an untrusted root sent", verify_unknown_issuer},
        {"self_signed, and only that", verify_self_signed},
        {"incomplete_chain (AIA) vs ok with the intermediate; no AIA: unknown_issuer",
         verify_incomplete_chain},
        {"long chain: 12 intermediates; more than CERT_MAX_CHAIN sent", verify_long_chain},
        {"weak_key_or_signature: RSA 1024, SHA-1, a weak intermediate", verify_weak},
        {"an expired certificate from an unknown CA, wrong host: all listed", verify_two_problems},
        {"unreadable: garbage, empty, NULL, every cut, a byte too many", verify_unreadable},
        {"unreadable intermediate: left out, listed", verify_unreadable_intermediate},
        {"none: no certificate", verify_none},
        {"purpose: sslclient for client.pem, sslserver for server.pem", verify_purpose},
        {"invalid: a bad signature, with OpenSSL's words", verify_bad_signature},
        {"x509_verifier_new: missing file, not PEM, missing directory, a file as directory",
         verify_store_errors},
        {"default store does not trust the test CA", verify_default_store},
        {"ca_path: a hashed directory", verify_ca_path},
        {"x509_status_name", verify_names},
        {"the OpenSSL error queue is left as it was", verify_error_queue},
        CU_TEST_INFO_NULL,
    };
    add_suite("verify", tests);
}
