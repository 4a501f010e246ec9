/* The Certificate message in its TLS 1.2 form (RFC 5246 7.4.2) and its
 * TLS 1.3 form (RFC 8446 4.4.2: a request context, then entries that each
 * carry extensions), from the servers' real chains in the fuzz seeds
 * (tests/fuzz/make-corpus.py; TLS 1.3's decrypted with the key log): each
 * decoded whole, cut at every offset, with trailing garbage and with
 * wrong inner lengths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "../../src/tls/tls_int.h"
#include "unit.h"

#define SEEDS "tests/fuzz/corpus/certificate/"

/* Seeds start with the fuzz target's selector byte. */
static uint8_t *seed(const char *name, size_t *n)
{
    size_t len;
    uint8_t *buf = read_seed(name, &len);
    CU_ASSERT_FATAL(len > 1);
    memmove(buf, buf + 1, len - 1);
    *n = len - 1;
    return buf;
}

static int decode(uint16_t version, const uint8_t *p, size_t n, struct ftree *t,
                  struct tls_summary *sum)
{
    *sum = (struct tls_summary){.version = version, .cipher = 0xffffffff};
    return tls_decode_message(11, p, n, t, ft_reset(t), sum, DIR_S2C);
}

static int decode12(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum;
    int ok = decode(0x0303, p, n, t, &sum);
    free(sum.certs);
    return ok;
}

static int decode13(const uint8_t *p, size_t n, struct ftree *t)
{
    struct tls_summary sum;
    int ok = decode(0x0304, p, n, t, &sum);
    free(sum.certs);
    return ok;
}

/* What openssl x509 -noout -text -in pcaps/keys/server.pem says. */
static void is_server_pem(const struct tls_cert_info *c)
{
    CU_ASSERT_STRING_EQUAL(c->subject, "CN=server.test");
    CU_ASSERT_STRING_EQUAL(c->issuer, "CN=tlsdump test CA");
    CU_ASSERT_STRING_EQUAL(c->serial, "1001"); /* Serial Number: 4097 (0x1001) */
    CU_ASSERT_STRING_EQUAL(c->key, "RSA 2048");
    CU_ASSERT_PTR_NOT_NULL(strstr(c->san, "server.test"));
    CU_ASSERT_FALSE(c->is_ca);
}

static void certificate_tls12(void)
{
    struct ftree t;
    struct tls_summary sum;
    size_t n;
    uint8_t *b = seed(SEEDS "tls12-openssl-server", &n);
    ft_init(&t);
    CU_ASSERT_FATAL(decode(0x0303, b, n, &t, &sum));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL_FATAL(sum.ncerts, 1);
    is_server_pem(&sum.certs[0]);
    const struct field *l = tree_child(&t, 0, "certificates");
    CU_ASSERT_EQUAL(tree_count(&t, l), 1);
    const struct field *der = tree_child(&t, tree_idx(&t, tree_nth(&t, l, 0)), "der");
    CU_ASSERT(der && der->n == n - 6 && der->p == b + 6);
    CU_ASSERT_PTR_NULL(tree_find(&t, "extensions")); /* none in TLS 1.2 */
    free(sum.certs);

    CU_ASSERT_EQUAL(clean_cuts(decode12, b, n, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode12, b, n, &t));
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 2, 1, &t)); /* certificate_list */
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 2, -1, &t));
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 5, 1, &t)); /* the certificate's */
    CU_ASSERT_FALSE(decode_changed(decode12, b, n, 5, -1, &t));
    /* The TLS 1.3 form of the same bytes is malformed too. */
    CU_ASSERT_FALSE(decode13(b, n, &t));
    free(b);
    ft_release(&t);
}

static void certificate_tls13(void)
{
    struct ftree t;
    struct tls_summary sum;
    size_t n;
    uint8_t *b = seed(SEEDS "tls13-openssl-server", &n);
    ft_init(&t);
    CU_ASSERT_FATAL(decode(0x0304, b, n, &t, &sum));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL_FATAL(sum.ncerts, 1);
    is_server_pem(&sum.certs[0]);
    CU_ASSERT_EQUAL(tree_child(&t, 0, "request_context")->n, 0);
    const struct field *l = tree_child(&t, 0, "certificates");
    int entry = tree_idx(&t, tree_nth(&t, l, 0));
    CU_ASSERT_EQUAL(tree_count(&t, tree_child(&t, entry, "extensions")), 0);
    free(sum.certs);

    CU_ASSERT_EQUAL(clean_cuts(decode13, b, n, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode13, b, n, &t));
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 0, 1, &t)); /* request context */
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 3, 1, &t)); /* certificate_list */
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 3, -1, &t));
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, 6, -1, &t));    /* cert_data */
    CU_ASSERT_FALSE(decode_changed(decode13, b, n, n - 1, 1, &t)); /* the entry's extensions */
    CU_ASSERT_FALSE(decode12(b, n, &t));
    free(b);
    ft_release(&t);
}

/* A chain of two entries (the server's certificate twice): every entry
 * is read, not only the first.  Regression: the first entry's extension
 * block was taken to be the end of the message. */
static void certificate_tls13_chain(void)
{
    struct ftree t;
    struct tls_summary sum;
    size_t n;
    uint8_t *b = seed(SEEDS "tls13-openssl-server", &n);
    size_t entry = n - 4, m = 4 + 2 * entry;
    uint8_t *two = malloc(m);
    two[0] = 0;
    two[1] = (uint8_t)(2 * entry >> 16), two[2] = (uint8_t)(2 * entry >> 8);
    two[3] = (uint8_t)(2 * entry);
    memcpy(two + 4, b + 4, entry);
    memcpy(two + 4 + entry, b + 4, entry);
    ft_init(&t);
    CU_ASSERT(decode(0x0304, two, m, &t, &sum));
    CU_ASSERT_PTR_NULL(tree_find(&t, "error"));
    CU_ASSERT_EQUAL(sum.ncerts, 2);
    CU_ASSERT_EQUAL(tree_count(&t, tree_child(&t, 0, "certificates")), 2);
    free(sum.certs);
    CU_ASSERT_EQUAL(clean_cuts(decode13, two, m, 0, &t, NULL), 0);
    CU_ASSERT_FALSE(decode_padded(decode13, two, m, &t));
    CU_ASSERT_FALSE(decode_changed(decode13, two, m, 4 + entry - 1, 1, &t)); /* 1st extensions */
    free(two);
    free(b);
    ft_release(&t);
}

int read_pem_certs(const char *path, uint8_t *der[], size_t len[], int max)
{
    FILE *f = fopen(path, "r");
    char *name, *header;
    unsigned char *data;
    long n;
    int got = 0;
    while (f && got < max && PEM_read(f, &name, &header, &data, &n)) {
        if (strcmp(name, "CERTIFICATE") == 0 && (der[got] = malloc((size_t)n))) {
            memcpy(der[got], data, (size_t)n);
            len[got++] = (size_t)n;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
    }
    ERR_clear_error(); /* PEM_read says "no start line" at the end */
    if (f)
        fclose(f);
    return got;
}

/*
 * The chain as a connection hands it on (tls_msg_keying): Certificate
 * messages fed to a tls_conn in records, spanning records as the 16769
 * bytes of long-chain.pcap do, so that the slices may point into the
 * stage's gathering buffer rather than into a record.
 */
struct chain_probe {
    uint8_t *der[TLS_MAX_CHAIN + 4]; /* what the message carries */
    size_t len[TLS_MAX_CHAIN + 4];
    int n;
    enum dir dir;
    int certificates; /* Certificate messages delivered */
};

static void probe_record(void *arg, enum dir dir, const struct tls_rec_info *r)
{
    (void)arg, (void)dir, (void)r;
}

static void probe_alert(void *arg, enum dir dir, const struct tls_alert *a)
{
    (void)arg, (void)dir, (void)a;
}

static void probe_problem(void *arg, enum dir dir, const struct tls_problem *p)
{
    (void)arg, (void)dir, (void)p;
    CU_FAIL("framing problem");
}

/* Slices are valid during the callback only: checked here. */
static void probe_message(void *arg, enum dir dir, const struct tls_msg *m)
{
    struct chain_probe *p = arg;
    const struct tls_msg_keying *k = &m->keying;
    int kept = p->n < TLS_MAX_CHAIN ? p->n : TLS_MAX_CHAIN;
    uintptr_t lo = (uintptr_t)m->body, hi = lo + m->length;

    if (m->type != TLS_HS_CERTIFICATE) {
        CU_ASSERT_EQUAL(k->nchain, 0);
        return;
    }
    p->certificates++;
    CU_ASSERT_FALSE(m->malformed);
    CU_ASSERT_EQUAL(dir, p->dir);
    CU_ASSERT_EQUAL_FATAL(k->nchain, kept);
    CU_ASSERT_EQUAL(k->chain_dropped, p->n - kept);
    for (int i = 0; i < kept; i++) {
        uintptr_t at = (uintptr_t)k->chain[i];
        CU_ASSERT(k->chain_len[i] == p->len[i] && memcmp(k->chain[i], p->der[i], p->len[i]) == 0);
        CU_ASSERT(at > lo && at + k->chain_len[i] <= hi); /* borrowed from the body */
    }
    CU_ASSERT(k->cert == k->chain[0] && k->cert_len == k->chain_len[0]);
}

static const struct tls_ops probe_ops = {.record = probe_record,
                                         .message = probe_message,
                                         .alert = probe_alert,
                                         .problem = probe_problem};

static void put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16), p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)v;
}

/* A Certificate message, header included, carrying the probe's
 * certificates; in the TLS 1.3 form the first entry has an extension (of
 * an unassigned type) that must not be taken for certificate bytes. */
static uint8_t *certificate_message(const struct chain_probe *p, int tls13, size_t *n)
{
    static const uint8_t ext[] = {0x00, 0x07, 0x12, 0x34, 0x00, 0x03, 0xaa, 0xbb, 0xcc};
    size_t list = 0;
    for (int i = 0; i < p->n; i++)
        list += 3 + p->len[i] + (tls13 ? (i == 0 ? sizeof(ext) : 2) : 0);
    size_t body = (tls13 ? 1 : 0) + 3 + list, at = 4;
    uint8_t *m = calloc(1, 4 + body);
    m[0] = TLS_HS_CERTIFICATE;
    put24(m + 1, body);
    if (tls13)
        m[at++] = 0; /* certificate_request_context */
    put24(m + at, list);
    at += 3;
    for (int i = 0; i < p->n; i++) {
        put24(m + at, p->len[i]);
        memcpy(m + at + 3, p->der[i], p->len[i]);
        at += 3 + p->len[i];
        if (tls13 && i == 0)
            memcpy(m + at, ext, sizeof(ext)), at += sizeof(ext);
        else if (tls13)
            at += 2; /* no extensions */
    }
    *n = at;
    return m;
}

/* msg as records of content type `type`: a first one of 100 bytes (the
 * message spans records), then records of at most 2^14 bytes. */
static void feed(struct tls_conn *c, enum dir dir, unsigned type, const uint8_t *msg, size_t n,
                 uint64_t *off)
{
    uint8_t *rec = malloc(5 + 16384);
    for (size_t at = 0, chunk; at < n; at += chunk) {
        chunk = at == 0 && n > 100 ? 100 : n - at < 16384 ? n - at : 16384;
        rec[0] = (uint8_t)type, rec[1] = 3, rec[2] = 3;
        rec[3] = (uint8_t)(chunk >> 8), rec[4] = (uint8_t)chunk;
        memcpy(rec + 5, msg + at, chunk);
        tls_conn_data(c, dir, rec, 5 + chunk, *off);
        *off += 5 + chunk;
    }
    free(rec);
}

static void free_probe(struct chain_probe *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->der[i]);
}

/* One Certificate message in its TLS 1.2 form, in dir. */
static void chain_tls12(struct chain_probe *p)
{
    uint64_t off = 0;
    size_t n;
    uint8_t *m = certificate_message(p, 0, &n);
    struct tls_conn *c = tls_conn_new(&probe_ops, p, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    feed(c, p->dir, TLS_CT_HANDSHAKE, m, n, &off);
    CU_ASSERT_EQUAL(p->certificates, 1);
    tls_conn_free(c);
    free(m);
}

/* The server's leaf and the 12 intermediates of long-chain.pcap, as that
 * capture sends them: 13 slices, in order. */
static void chain_long_tls12(void)
{
    struct chain_probe p = {.dir = DIR_S2C};
    p.n = read_pem_certs("pcaps/keys/chain-leaf.pem", p.der, p.len, 1);
    p.n += read_pem_certs("pcaps/keys/chain-intermediates.pem", p.der + 1, p.len + 1, 12);
    CU_ASSERT_EQUAL_FATAL(p.n, 13);
    chain_tls12(&p);
    free_probe(&p);
}

/* The server's handshake traffic secret of the TLS 1.3 connection below
 * (made up), in the key log under its client random. */
#define CHAIN_CR "1111111111111111111111111111111111111111111111111111111111111111"
#define CHAIN_SHTS                                                                                 \
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" \
    "5a5a"

/* msg as TLS 1.3 records (AES-256-GCM, the ServerHello's suite) under
 * CHAIN_SHTS, cut as feed() cuts. */
static void feed_sealed(struct tls_conn *c, const uint8_t *msg, size_t n, uint64_t *off)
{
    uint8_t secret[48], *rec = malloc(5 + 16384 + 17);
    for (int i = 0; i < 48; i++)
        secret[i] = 0x5a;
    for (size_t at = 0, chunk, seq = 0; at < n; at += chunk, seq++) {
        chunk = at == 0 && n > 100 ? 100 : n - at < 16384 ? n - at : 16384;
        size_t len = seal13("AES-256-GCM", "SHA384", secret, sizeof(secret), seq, TLS_CT_HANDSHAKE,
                            msg + at, chunk, rec);
        tls_conn_data(c, DIR_S2C, rec, len, *off);
        *off += len;
    }
    free(rec);
}

/* The same chain in the TLS 1.3 form: a ClientHello, a real TLS 1.3
 * ServerHello, then the Certificate decrypted with the key log's secret. */
static void chain_long_tls13(void)
{
    static const char log[] = "SERVER_HANDSHAKE_TRAFFIC_SECRET " CHAIN_CR " " CHAIN_SHTS "\n";
    uint8_t ch[4 + 2 + 32 + 1 + 4 + 2] = {TLS_HS_CLIENT_HELLO, 0, 0, sizeof(ch) - 4, 3, 3};
    struct chain_probe p = {.dir = DIR_S2C};
    struct crypto_keys *k = crypto_keys_new();
    uint64_t off = 0, coff = 0;
    size_t n, shn;
    memset(ch + 6, 0x11, 32);                   /* the random: CHAIN_CR */
    memcpy(ch + 39, "\x00\x02\x13\x02\x01", 5); /* no session ID, one suite, no compression */
    CU_ASSERT_FATAL(k && crypto_keys_add_keylog_text(k, log, strlen(log)) == 1);
    p.n = read_pem_certs("pcaps/keys/chain-leaf.pem", p.der, p.len, 1);
    p.n += read_pem_certs("pcaps/keys/chain-intermediates.pem", p.der + 1, p.len + 1, 12);
    CU_ASSERT_EQUAL_FATAL(p.n, 13);
    uint8_t *sh = read_seed("tests/fuzz/corpus/message/tls13-openssl-s0-2", &shn);
    CU_ASSERT_FATAL(shn > 3);
    memmove(sh + 4, sh + 3, shn - 3); /* 3 selector bytes, then the body */
    sh[0] = TLS_HS_SERVER_HELLO;
    put24(sh + 1, shn - 3);
    uint8_t *m = certificate_message(&p, 1, &n);
    struct tls_conn *c = tls_conn_new(&probe_ops, &p, k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    feed(c, DIR_C2S, TLS_CT_HANDSHAKE, ch, sizeof(ch), &coff);
    feed(c, DIR_S2C, TLS_CT_HANDSHAKE, sh, shn + 1, &off);
    CU_ASSERT_EQUAL(tls_conn_summary(c)->version, 0x0304);
    feed_sealed(c, m, n, &off);
    CU_ASSERT_EQUAL(p.certificates, 1);
    CU_ASSERT_EQUAL(tls_conn_crypto_result(c)->failed_records, 0);
    tls_conn_free(c);
    crypto_keys_free(k);
    free(m);
    free(sh);
    free_probe(&p);
}

/* Mutual TLS: the client's chain is kept too. */
static void chain_client(void)
{
    struct chain_probe p = {.dir = DIR_C2S};
    p.n = read_pem_certs("pcaps/keys/client.pem", p.der, p.len, 1);
    CU_ASSERT_EQUAL_FATAL(p.n, 1);
    chain_tls12(&p);
    free_probe(&p);
}

/* More entries than TLS_MAX_CHAIN, one of them not a certificate: the
 * first TLS_MAX_CHAIN are kept whatever they hold, the rest counted. */
static void chain_too_long(void)
{
    struct chain_probe p = {.dir = DIR_S2C};
    p.n = read_pem_certs("pcaps/keys/server.pem", p.der, p.len, 1);
    CU_ASSERT_EQUAL_FATAL(p.n, 1);
    for (; p.n < TLS_MAX_CHAIN + 2; p.n++) {
        p.der[p.n] = malloc(p.len[0]);
        memcpy(p.der[p.n], p.der[0], p.len[0]);
        p.len[p.n] = p.n == 3 ? 5 : p.len[0]; /* a cut copy, not X.509 */
    }
    chain_tls12(&p);
    free_probe(&p);
}

void suite_certificate(void)
{
    static const CU_TestInfo tests[] = {
        {"TLS 1.2 Certificate: fields, cuts, trailing bytes, wrong inner lengths",
         certificate_tls12},
        {"TLS 1.3 Certificate: fields, cuts, trailing bytes, wrong inner lengths",
         certificate_tls13},
        {"TLS 1.3 Certificate: a chain of two entries", certificate_tls13_chain},
        {"chain slices: leaf and 12 intermediates, TLS 1.2, across records", chain_long_tls12},
        {"chain slices: leaf and 12 intermediates, TLS 1.3 entries with extensions",
         chain_long_tls13},
        {"chain slices: the client's certificate (mutual TLS)", chain_client},
        {"chain slices: more than TLS_MAX_CHAIN entries", chain_too_long},
        CU_TEST_INFO_NULL,
    };
    add_suite("certificate", tests);
}
