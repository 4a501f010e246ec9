/*
 * Opening one protected record with the keys its direction has now:
 * after a gap, the sequence numbers that may have been lost are tried;
 * TLS 1.3 early data is tried under the early secret before the
 * handshake keys; compressed records are inflated; what was opened is
 * counted (and, with digests on, hashed) for the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"
#include "base/budget.h"

/* After a gap, how many lost records are tried for. */
#define MAX_SKIP 512

/* TLS 1.3 early data is sent before the ServerHello names the suite: the
 * suites whose hash fits the secret's length are tried (RFC 8446 4.2.10). */
static struct rc *early_keys(struct crypto_conn *c, const struct crypto_record *rec, uint8_t *out,
                             size_t *outlen)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305};
    const char *why;
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        struct suite s;
        if (!crypto_suite_find(suites[i], &s, &why) ||
            (size_t)EVP_MD_get_size(EVP_get_digestbyname(s.prf)) != c->early_len)
            continue;
        struct rc *r = crypto_tls13_keys(c, &s, c->early, c->early_len);
        if (r && crypto_rc_open(r, 0, rec, out, outlen))
            return r;
        crypto_rc_free(r);
    }
    return NULL;
}

/* Opens with the direction's keys, searching forward from the expected
 * sequence number when bytes were lost.  TLS 1.2 GCM and CCM carry a
 * nonce that is, in practice, the sequence number: tried first. */
static int open_seq(struct dir_crypt *d, const struct suite *s, const struct crypto_record *rec,
                    uint8_t *out, size_t *outlen, uint64_t *skipped)
{
    if (crypto_rc_open(d->cur, d->seq, rec, out, outlen))
        return 1;
    if (!d->lost)
        return 0;
    if (s->explicit_nonce && rec->length >= 8) {
        uint64_t n = 0;
        for (int i = 0; i < 8; i++)
            n = n << 8 | rec->fragment[i];
        if (n > d->seq && n - d->seq <= MAX_SKIP && crypto_rc_open(d->cur, n, rec, out, outlen)) {
            *skipped = n - d->seq;
            d->seq = n;
            return 1;
        }
    }
    for (uint64_t k = 1; k <= MAX_SKIP; k++) {
        if (crypto_rc_open(d->cur, d->seq + k, rec, out, outlen)) {
            *skipped = k;
            d->seq += k;
            return 1;
        }
    }
    return 0;
}

/* The client's records while early data may be in flight; *early_data
 * tells whether the record was opened with the early secret. */
static enum crypto_open_status open_early(struct crypto_conn *c, struct dir_crypt *d,
                                          const struct crypto_record *rec, uint8_t *out,
                                          size_t *outlen, int *early_data)
{
    if (!d->early && c->early_len && !d->early_seq)
        d->early = early_keys(c, rec, out, outlen);
    else if (d->early && !crypto_rc_open(d->early, d->early_seq, rec, out, outlen))
        goto handshake;
    if (d->early) {
        d->early_seq++;
        *early_data = 1;
        return CRYPTO_OPEN_OK;
    }
handshake:
    /* The server has rejected the early data, or there was none. */
    if (d->hs && crypto_rc_open(d->hs, 0, rec, out, outlen)) {
        crypto_rc_replace(&d->cur, d->hs);
        d->hs = NULL;
        crypto_rc_replace(&d->early, NULL);
        d->seq = 1;
        return CRYPTO_OPEN_OK;
    }
    return c->early_len && d->early ? CRYPTO_OPEN_FAILED : CRYPTO_OPEN_NO_KEYS;
}

static void account(struct crypto_conn *c, enum dir dir, const struct crypto_plaintext *pt)
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
static int inflate_record(struct crypto_conn *c, struct dir_crypt *d, struct crypto_plaintext *pt)
{
    const char *why;
    size_t n;
    if (!c->inflated && (c->inflated = malloc(CRYPTO_MAX_INFLATED)))
        budget_charge(CRYPTO_MAX_INFLATED);
    if (!c->inflated)
        why = "out of memory for DEFLATE";
    else if (crypto_inflate_record(d->z, pt->p, pt->n, c->inflated, CRYPTO_MAX_INFLATED, &n, &why))
        why = NULL;
    if (why) {
        c->res.failed_records++;
        crypto_conn_reason(c, why);
        return 0;
    }
    pt->p = c->inflated;
    pt->n = n;
    return 1;
}

enum crypto_open_status crypto_conn_open(struct crypto_conn *c, enum dir dir,
                                         const struct crypto_record *rec,
                                         struct crypto_plaintext *pt, uint64_t *skipped)
{
    struct dir_crypt *d = &c->d[dir];
    if (!c->plain && (c->plain = malloc(CRYPTO_MAX_RECORD + 256)))
        budget_charge(CRYPTO_MAX_RECORD + 256);
    uint8_t *out = c->plain;
    size_t n = 0;
    enum crypto_open_status st;
    int early_phase;

    *skipped = 0;
    pt->early = 0;
    c->res.protected_seen = 1;
    if (!d->cur && d->wanted)
        crypto_conn_retry_traffic(c, dir);
    early_phase = dir == DIR_C2S && !d->cur && (d->early || d->hs || c->early_len);
    if (!out)
        st = CRYPTO_OPEN_NO_KEYS;
    else if (early_phase)
        st = open_early(c, d, rec, out, &n, &pt->early);
    else if (!d->cur)
        st = CRYPTO_OPEN_NO_KEYS;
    else if (open_seq(d, &c->suite, rec, out, &n, skipped))
        st = CRYPTO_OPEN_OK, d->seq++, d->lost = 0;
    else
        st = CRYPTO_OPEN_FAILED;
    if (st == CRYPTO_OPEN_NO_KEYS) {
        c->res.nokey_records++;
        d->missed += d->wanted != 0;
        crypto_conn_reason(c, "no keys for this connection");
        return st;
    }
    if (st == CRYPTO_OPEN_FAILED) {
        c->res.failed_records++;
        return st;
    }
    c->res.skipped_records += *skipped;
    pt->p = out;
    pt->n = n;
    pt->type = rec->type;
    if (d->z && !inflate_record(c, d, pt))
        return CRYPTO_OPEN_FAILED;
    if ((early_phase || c->version == TLS_V_1_3) && !inner_type(out, &pt->n, &pt->type)) {
        c->res.failed_records++; /* RFC 8446 5.4: all zeros is unexpected_message */
        return CRYPTO_OPEN_FAILED;
    }
    account(c, dir, pt);
    return CRYPTO_OPEN_OK;
}

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
        crypto_conn_reason(c, "nothing was encrypted");
    else if (r->failed_records && !r->reason[0])
        snprintf(r->reason, sizeof(r->reason),
                 "%llu records failed to decrypt: wrong key, or a key log for another capture?",
                 (unsigned long long)r->failed_records);
    return r;
}
