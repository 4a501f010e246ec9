/*
 * One connection's keys through its life: which secret protects each
 * direction's records now, and which comes next.
 *
 * TLS 1.2 and earlier (RFC 5246 6.3, 8.1, RFC 7627): the master secret
 * comes from the key log, from the RSA-encrypted premaster secret, or from
 * an earlier session of the capture (resumption by ID or ticket); the key
 * block is derived at the first ChangeCipherSpec, and each direction
 * switches at its own.  Renegotiation repeats this under the old keys.
 * SSLv3 (RFC 6101) and the export suites derive their keys their own way
 * (keyblock.c).  With DEFLATE compression (RFC 3749), each direction's
 * records are inflated after their MAC is checked, in one stream that
 * starts afresh at each ChangeCipherSpec.
 *
 * TLS 1.3 (RFC 8446 7): the key log gives each traffic secret; the client
 * sends early data under the early secret, both sides switch to handshake
 * secrets after the ServerHello, and to application secrets after their
 * Finished; KeyUpdate moves one direction to the next generation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* After a gap, how many lost records are tried for. */
#define MAX_SKIP 512

struct dir_crypt {
    struct rc *cur;     /* protects this direction's records now */
    struct rc *pending; /* TLS <= 1.2: after the next ChangeCipherSpec */
    struct rc *early;   /* TLS 1.3 client: early data */
    struct rc *hs;      /* TLS 1.3 client: handshake keys, once early data ends */
    uint64_t seq, early_seq;
    uint8_t secret[64]; /* TLS 1.3: the current traffic secret */
    size_t secret_len;
    int lost;                 /* bytes were lost: the sequence number is uncertain */
    struct crypto_inflate *z; /* DEFLATE: the stream of this connection state */
    EVP_MD_CTX *md;           /* SHA-256 of the application data */
};

struct crypto_conn {
    struct crypto_keys *k;
    struct dir_crypt d[2];
    struct suite suite;
    int have_suite;
    uint16_t version;
    uint8_t cr[32], sr[32];
    uint8_t master[48];
    int have_master, derived;
    int etm, ems;
    uint8_t compression; /* the ServerHello's, in force after ChangeCipherSpec */
    uint8_t sid[32];
    size_t sid_len;
    uint8_t resume[48]; /* the master secret of the session the client offered */
    int have_resume;
    uint8_t early[64]; /* CLIENT_EARLY_TRAFFIC_SECRET */
    size_t early_len;
    int early_offered;
    int rsa_key; /* the key matching the server certificate, or -1 */
    int cert_seen;
    struct transcript transcript; /* for the extended master secret */
    struct crypto_result res;
};

static void set_reason(struct crypto_conn *c, const char *why)
{
    if (!c->res.reason[0])
        snprintf(c->res.reason, sizeof(c->res.reason), "%s", why);
}

struct crypto_conn *crypto_conn_new(struct crypto_keys *k)
{
    struct crypto_conn *c = calloc(1, sizeof(*c));
    if (c) {
        c->k = k;
        c->rsa_key = -1;
    }
    return c;
}

static void dir_clear(struct dir_crypt *d)
{
    rc_free(d->cur);
    rc_free(d->pending);
    rc_free(d->early);
    rc_free(d->hs);
    EVP_MD_CTX_free(d->md);
    crypto_inflate_free(d->z);
    OPENSSL_cleanse(d->secret, sizeof(d->secret));
}

void crypto_conn_free(struct crypto_conn *c)
{
    if (!c)
        return;
    dir_clear(&c->d[0]);
    dir_clear(&c->d[1]);
    transcript_free(&c->transcript);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

static void replace(struct rc **slot, struct rc *r)
{
    rc_free(*slot);
    *slot = r;
}

/* Looks a secret up, reading the key logs again once if it is missing
 * (a live capture's key log grows as the clients connect). */
static size_t find_secret(struct crypto_conn *c, enum kl_label label, uint8_t *out)
{
    size_t n = keylog_find(c->k->keylog, c->cr, label, out);
    if (!n && c->k->nkeylogs) {
        keylog_refresh(c->k->keylog);
        n = keylog_find(c->k->keylog, c->cr, label, out);
    }
    return n;
}

/* RFC 8446 7.3: the record keys of a traffic secret. */
static struct rc *tls13_keys(struct crypto_conn *c, const struct suite *s, const uint8_t *secret,
                             size_t len)
{
    uint8_t key[32], iv[12];
    const char *why;
    struct rc_params p = {.s = s, .version = TLS_V_1_3, .key = key, .iv = iv};
    struct rc *r = NULL;
    if (crypto_expand_label(s->prf, secret, len, "key", NULL, 0, key, (size_t)s->key_len) &&
        crypto_expand_label(s->prf, secret, len, "iv", NULL, 0, iv, sizeof(iv)))
        r = rc_new(&p, &why);
    else
        why = "key derivation failed";
    if (!r)
        set_reason(c, why);
    OPENSSL_cleanse(key, sizeof(key));
    return r;
}

static void set_traffic(struct crypto_conn *c, enum dir dir, enum kl_label label)
{
    struct dir_crypt *d = &c->d[dir];
    uint8_t secret[64];
    size_t n = find_secret(c, label, secret);
    if (!n) {
        set_reason(c, "the key log has no TLS 1.3 traffic secret for this client random");
        replace(&d->cur, NULL);
        return;
    }
    memcpy(d->secret, secret, n);
    d->secret_len = n;
    keylog_put(c->k->used, c->cr, label, secret, n);
    replace(&d->cur, tls13_keys(c, &c->suite, secret, n));
    d->seq = 0;
    OPENSSL_cleanse(secret, sizeof(secret));
}

static void key_update(struct crypto_conn *c, enum dir dir)
{
    struct dir_crypt *d = &c->d[dir];
    uint8_t next[64];
    if (!d->secret_len)
        return;
    if (!crypto_expand_label(c->suite.prf, d->secret, d->secret_len, "traffic upd", NULL, 0, next,
                             d->secret_len)) {
        replace(&d->cur, NULL);
        return;
    }
    memcpy(d->secret, next, d->secret_len);
    replace(&d->cur, tls13_keys(c, &c->suite, next, d->secret_len));
    d->seq = 0;
    OPENSSL_cleanse(next, sizeof(next));
}

/* RFC 5246 6.3 (RFC 6101 6.2.2): each direction's keys, for its next
 * ChangeCipherSpec. */
static void derive_key_block(struct crypto_conn *c)
{
    struct keyblock_in in = {.s = &c->suite,
                             .version = c->version,
                             .etm = c->etm,
                             .master = c->master,
                             .cr = c->cr,
                             .sr = c->sr};
    struct rc *r[2];
    const char *why;
    char msg[200];

    c->derived = 1;
    keylog_put(c->k->used, c->cr, KL_MASTER, c->master, 48);
    if (!keyblock_derive(&in, r, &why)) {
        set_reason(c, rc_why(why, c->suite.cipher, c->k->legacy != NULL, msg, sizeof(msg)));
        return;
    }
    replace(&c->d[DIR_C2S].pending, r[0]);
    replace(&c->d[DIR_S2C].pending, r[1]);
}

static void client_hello(struct crypto_conn *c, const struct tls_msg *m,
                         const struct tls_summary *s)
{
    memcpy(c->cr, s->client_random, 32);
    c->have_suite = c->have_master = c->derived = c->have_resume = 0;
    c->version = 0;
    c->sid_len = 0;
    c->cert_seen = 0;
    c->rsa_key = -1;
    /* A session the capture has seen may be resumed (RFC 5077 3.4). */
    if (m->keying.ticket)
        c->have_resume =
            session_cache_get(c->k->sessions, m->keying.ticket, m->keying.ticket_len, c->resume);
    if (!c->have_resume && s->client_sid_len)
        c->have_resume =
            session_cache_get(c->k->sessions, s->client_sid, s->client_sid_len, c->resume);
    c->early_offered = s->early_data_offered;
    c->early_len = s->early_data_offered ? find_secret(c, KL_EARLY, c->early) : 0;
    if (c->early_len)
        keylog_put(c->k->used, c->cr, KL_EARLY, c->early, c->early_len);
    transcript_start(&c->transcript, rsa_keys_count(c->k->rsa) > 0);
}

static void server_hello_tls13(struct crypto_conn *c)
{
    struct dir_crypt *cl = &c->d[DIR_C2S];
    set_traffic(c, DIR_S2C, KL_SHTS);
    set_traffic(c, DIR_C2S, KL_CHTS);
    /* The client may still be sending early data: its handshake keys wait
     * for EndOfEarlyData, or for the first record the early keys fail on
     * (the server rejected it). */
    if (c->early_offered) {
        replace(&cl->hs, cl->cur);
        cl->cur = NULL;
    }
}

static void server_hello(struct crypto_conn *c, const struct tls_summary *s)
{
    const char *why;
    memcpy(c->sr, s->server_random, 32);
    c->version = s->version;
    c->etm = s->etm;
    c->ems = s->ems;
    memcpy(c->sid, s->server_sid, s->server_sid_len);
    c->sid_len = s->server_sid_len;
    /* A ServerHello that did not decode as far as its cipher suite (a
     * session ID over 32 bytes, say) leaves the suite unknown. */
    if (s->cipher > 0xffff) {
        set_reason(c, "the ServerHello is malformed: its cipher suite was not read");
        return;
    }
    if (!suite_find((uint16_t)s->cipher, &c->suite, &why)) {
        set_reason(c, why);
        return;
    }
    c->have_suite = 1;
    if (c->version == TLS_V_1_3) {
        server_hello_tls13(c);
        return;
    }
    c->compression = s->compression;
    if (c->version < TLS_V_SSL_3) {
        set_reason(c, "SSLv2 decryption is not supported");
        c->have_suite = 0;
        return;
    }
    if (find_secret(c, KL_MASTER, c->master) == 48)
        c->have_master = 1;
    else if (s->resumed && c->have_resume)
        memcpy(c->master, c->resume, 48), c->have_master = 1;
}

/* RFC 5246 8.1, RFC 7627 4: the master secret from an RSA premaster. */
static void rsa_premaster(struct crypto_conn *c, const struct tls_msg *m)
{
    struct rsa_keys *rk = c->k->rsa;
    uint8_t pms[48], hash[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    int ok = 0;
    const char *prf = c->version >= TLS_V_1_2 ? c->suite.prf : "MD5-SHA1";
    int ems = c->ems && c->version >= TLS_V_1_0;

    for (int i = 0; i < rsa_keys_count(rk) && !ok; i++)
        if (c->rsa_key == i || (!c->cert_seen && c->rsa_key < 0))
            ok = rsa_keys_decrypt(rk, i, m->keying.pms, m->keying.pms_len, pms);
    if (!ok) {
        set_reason(c, c->cert_seen ? "no RSA key given matches the server certificate"
                                   : "no RSA key given decrypts the premaster secret");
        return;
    }
    if (ems && !transcript_hash(&c->transcript, prf, hash, &hlen))
        set_reason(c, "the handshake needed for the extended master secret was not seen");
    else
        c->have_master = keyblock_master(&c->suite, c->version, pms, c->cr, c->sr,
                                         ems ? hash : NULL, hlen, c->master);
    OPENSSL_cleanse(pms, sizeof(pms));
}

static void certificate(struct crypto_conn *c, const struct tls_msg *m)
{
    if (!m->keying.cert || !rsa_keys_count(c->k->rsa) || c->version == TLS_V_1_3)
        return;
    c->cert_seen = 1;
    c->rsa_key = rsa_keys_match(c->k->rsa, m->keying.cert, m->keying.cert_len);
}

/* Without a key-log line, an RSA key exchange can be undone with the
 * server's key; why not otherwise is said at ChangeCipherSpec. */
static void client_key_exchange(struct crypto_conn *c, const struct tls_msg *m)
{
    if (!c->have_master && c->have_suite && c->suite.rsa_kx && m->keying.pms &&
        rsa_keys_count(c->k->rsa))
        rsa_premaster(c, m);
}

static void finished(struct crypto_conn *c, enum dir dir)
{
    if (c->version == TLS_V_1_3) {
        set_traffic(c, dir, dir == DIR_S2C ? KL_STS0 : KL_CTS0);
        return;
    }
    if (c->have_master && c->sid_len) /* RFC 5246 7.4.1.3: resumable by ID */
        session_cache_put(c->k->sessions, c->sid, c->sid_len, c->master);
}

static void on_message(void *arg, enum dir dir, const struct tls_msg *m,
                       const struct tls_summary *s)
{
    struct crypto_conn *c = arg;
    struct dir_crypt *cl = &c->d[DIR_C2S];

    if (m->type == TLS_HS_CLIENT_HELLO && dir == DIR_C2S)
        client_hello(c, m, s);
    if (m->raw)
        transcript_add(&c->transcript, m->raw, m->raw_len);
    switch (m->type) {
    case TLS_HS_SERVER_HELLO:
        server_hello(c, s);
        break;
    case TLS_HS_CERTIFICATE:
        if (dir == DIR_S2C)
            certificate(c, m);
        break;
    case TLS_HS_CLIENT_KEY_EXCHANGE:
        client_key_exchange(c, m);
        c->transcript.on = 0;
        break;
    case TLS_HS_NEW_SESSION_TICKET:
        if (c->version < TLS_V_1_3 && c->have_master && m->keying.ticket)
            session_cache_put(c->k->sessions, m->keying.ticket, m->keying.ticket_len, c->master);
        break;
    case TLS_HS_END_OF_EARLY_DATA:
        if (dir == DIR_C2S && cl->hs) {
            replace(&cl->cur, cl->hs);
            cl->hs = NULL;
            cl->seq = 0;
        }
        break;
    case TLS_HS_FINISHED:
        if (c->have_suite)
            finished(c, dir);
        break;
    case TLS_HS_KEY_UPDATE:
        if (c->have_suite)
            key_update(c, dir);
        break;
    default:
        break;
    }
}

static void on_ccs(void *arg, enum dir dir, const struct tls_summary *s)
{
    struct crypto_conn *c = arg;
    struct dir_crypt *d = &c->d[dir];
    if (c->version == TLS_V_1_3 || !c->have_suite)
        return; /* RFC 8446 D.4: only for middleboxes */
    if (!c->have_master && c->have_resume && s->resumed)
        memcpy(c->master, c->resume, 48), c->have_master = 1;
    if (!c->have_master)
        set_reason(c, rsa_keys_count(c->k->rsa) && !c->suite.rsa_kx
                          ? "the key exchange is (EC)DHE, which an RSA key cannot decrypt: a key "
                            "log is needed"
                          : "the key log has no CLIENT_RANDOM line for this client random");
    else if (!c->derived)
        derive_key_block(c);
    replace(&d->cur, d->pending);
    d->pending = NULL;
    d->seq = 0;
    /* RFC 3749 2: the compression state is part of the connection state. */
    crypto_inflate_free(d->z);
    d->z = c->compression == 1 ? crypto_inflate_new() : NULL;
    if (c->compression > 1)
        set_reason(c, "the ServerHello chose a compression method tlsdump cannot undo");
    else if (c->compression == 1 && !d->z)
        set_reason(c, "out of memory for DEFLATE");
}

static void on_gap(void *arg, enum dir dir)
{
    struct crypto_conn *c = arg;
    c->d[dir].lost = 1;
}

/* TLS 1.3 early data is sent before the ServerHello names the suite: the
 * suites whose hash fits the secret's length are tried (RFC 8446 4.2.10). */
static struct rc *early_keys(struct crypto_conn *c, const struct tls_record *rec, uint8_t *out,
                             size_t *outlen)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305};
    const char *why;
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        struct suite s;
        if (!suite_find(suites[i], &s, &why) ||
            (size_t)EVP_MD_get_size(EVP_get_digestbyname(s.prf)) != c->early_len)
            continue;
        struct rc *r = tls13_keys(c, &s, c->early, c->early_len);
        if (r && rc_open(r, 0, rec, out, outlen))
            return r;
        rc_free(r);
    }
    return NULL;
}

/* Opens with the direction's keys, searching forward from the expected
 * sequence number when bytes were lost.  TLS 1.2 GCM and CCM carry a
 * nonce that is, in practice, the sequence number: tried first. */
static int open_seq(struct dir_crypt *d, const struct suite *s, const struct tls_record *rec,
                    uint8_t *out, size_t *outlen, uint64_t *skipped)
{
    if (rc_open(d->cur, d->seq, rec, out, outlen))
        return 1;
    if (!d->lost)
        return 0;
    if (s->explicit_nonce && rec->length >= 8) {
        uint64_t n = 0;
        for (int i = 0; i < 8; i++)
            n = n << 8 | rec->body[i];
        if (n > d->seq && n - d->seq <= MAX_SKIP && rc_open(d->cur, n, rec, out, outlen)) {
            *skipped = n - d->seq;
            d->seq = n;
            return 1;
        }
    }
    for (uint64_t k = 1; k <= MAX_SKIP; k++) {
        if (rc_open(d->cur, d->seq + k, rec, out, outlen)) {
            *skipped = k;
            d->seq += k;
            return 1;
        }
    }
    return 0;
}

/* The client's records while early data may be in flight; *early_data
 * tells whether the record was opened with the early secret. */
static enum tls_open_status open_early(struct crypto_conn *c, struct dir_crypt *d,
                                       const struct tls_record *rec, uint8_t *out, size_t *outlen,
                                       int *early_data)
{
    if (!d->early && c->early_len && !d->early_seq)
        d->early = early_keys(c, rec, out, outlen);
    else if (d->early && !rc_open(d->early, d->early_seq, rec, out, outlen))
        goto handshake;
    if (d->early) {
        d->early_seq++;
        *early_data = 1;
        return TLS_OPEN_OK;
    }
handshake:
    /* The server has rejected the early data, or there was none. */
    if (d->hs && rc_open(d->hs, 0, rec, out, outlen)) {
        replace(&d->cur, d->hs);
        d->hs = NULL;
        replace(&d->early, NULL);
        d->seq = 1;
        return TLS_OPEN_OK;
    }
    return c->early_len && d->early ? TLS_OPEN_FAILED : TLS_OPEN_NO_KEYS;
}

static void account(struct crypto_conn *c, enum dir dir, const struct tls_plaintext *pt)
{
    struct dir_crypt *d = &c->d[dir];
    c->res.ok_records++;
    if (pt->type != TLS_CT_APPLICATION_DATA)
        return;
    c->res.app_bytes[dir] += pt->n;
    if (c->k->digest &&
        (d->md || ((d->md = EVP_MD_CTX_new()) && EVP_DigestInit_ex(d->md, EVP_sha256(), NULL))))
        EVP_DigestUpdate(d->md, pt->p, pt->n);
}

/* RFC 8446 5.4: the content type is the last non-zero byte. */
static int inner_type(uint8_t *p, size_t *n, unsigned *type)
{
    while (*n > 0 && p[*n - 1] == 0)
        (*n)--;
    if (*n == 0)
        return 0;
    *type = p[--*n];
    return 1;
}

/* RFC 3749: the record's plaintext is its fragment inflated. */
static int inflate_record(struct crypto_conn *c, struct dir_crypt *d, struct tls_plaintext *pt)
{
    const char *why;
    size_t n;
    if (!crypto_inflate_record(d->z, pt->p, pt->n, c->k->inflated, sizeof(c->k->inflated), &n,
                               &why)) {
        c->res.failed_records++;
        set_reason(c, why);
        return 0;
    }
    pt->p = c->k->inflated;
    pt->n = n;
    return 1;
}

static enum tls_open_status on_open(void *arg, enum dir dir, const struct tls_record *rec,
                                    struct tls_plaintext *pt, uint64_t *skipped)
{
    struct crypto_conn *c = arg;
    struct dir_crypt *d = &c->d[dir];
    uint8_t *out = c->k->plain;
    size_t n = 0;
    enum tls_open_status st;
    int early_phase = dir == DIR_C2S && !d->cur && (d->early || d->hs || c->early_len);

    *skipped = 0;
    pt->early = 0;
    c->res.protected_seen = 1;
    if (early_phase)
        st = open_early(c, d, rec, out, &n, &pt->early);
    else if (!d->cur)
        st = TLS_OPEN_NO_KEYS;
    else if (open_seq(d, &c->suite, rec, out, &n, skipped))
        st = TLS_OPEN_OK, d->seq++, d->lost = 0;
    else
        st = TLS_OPEN_FAILED;
    if (st == TLS_OPEN_NO_KEYS) {
        c->res.nokey_records++;
        set_reason(c, "no keys for this connection");
        return st;
    }
    if (st == TLS_OPEN_FAILED) {
        c->res.failed_records++;
        return st;
    }
    c->res.skipped_records += *skipped;
    pt->p = out;
    pt->n = n;
    pt->type = rec->type;
    if (d->z && !inflate_record(c, d, pt))
        return TLS_OPEN_FAILED;
    if ((early_phase || c->version == TLS_V_1_3) && !inner_type(out, &pt->n, &pt->type)) {
        c->res.failed_records++; /* RFC 8446 5.4: all zeros is unexpected_message */
        return TLS_OPEN_FAILED;
    }
    account(c, dir, pt);
    return TLS_OPEN_OK;
}

const struct tls_protect_ops crypto_protect_ops = {on_message, on_ccs, on_gap, on_open};

const struct crypto_result *crypto_conn_result(struct crypto_conn *c)
{
    struct crypto_result *r = &c->res;
    for (int dir = 0; dir < 2; dir++) {
        uint8_t md[32];
        unsigned int n = 0;
        EVP_MD_CTX *copy = EVP_MD_CTX_new();
        r->app_sha256[dir][0] = 0;
        if (!c->k->digest || !copy)
            goto next;
        if (c->d[dir].md
                ? EVP_MD_CTX_copy_ex(copy, c->d[dir].md) && EVP_DigestFinal_ex(copy, md, &n)
                : EVP_Digest("", 0, md, &n, EVP_sha256(), NULL))
            base_hex(r->app_sha256[dir], md, n);
    next:
        EVP_MD_CTX_free(copy);
    }
    r->decrypted = r->ok_records > 0 && r->failed_records == 0 && r->nokey_records == 0;
    if (!r->protected_seen)
        set_reason(c, "nothing was encrypted");
    else if (r->failed_records && !r->reason[0])
        snprintf(r->reason, sizeof(r->reason),
                 "%llu records failed to decrypt: wrong key, or a key log for another capture?",
                 (unsigned long long)r->failed_records);
    return r;
}
