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
#include "base/budget.h"

void crypto_conn_reason(struct crypto_conn *c, const char *why)
{
    if (!c->res.reason[0])
        snprintf(c->res.reason, sizeof(c->res.reason), "%s", why);
}

struct crypto_conn *crypto_conn_new(struct crypto_keys *k)
{
    struct crypto_conn *c = calloc(1, sizeof(*c));
    if (c) {
        budget_charge(sizeof(*c));
        c->k = k;
        c->rsa_key = -1;
    }
    return c;
}

static void dir_clear(struct dir_crypt *d)
{
    crypto_rc_free(d->cur);
    crypto_rc_free(d->pending);
    crypto_rc_free(d->early);
    crypto_rc_free(d->hs);
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
    crypto_transcript_free(&c->transcript);
    if (c->plain)
        OPENSSL_cleanse(c->plain, CRYPTO_MAX_RECORD + 256);
    if (c->inflated)
        OPENSSL_cleanse(c->inflated, CRYPTO_MAX_INFLATED);
    budget_credit(sizeof(*c) + (c->plain ? CRYPTO_MAX_RECORD + 256 : 0) +
                  (c->inflated ? CRYPTO_MAX_INFLATED : 0));
    free(c->plain);
    free(c->inflated);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

void crypto_rc_replace(struct rc **slot, struct rc *r)
{
    crypto_rc_free(*slot);
    *slot = r;
}

static size_t find_secret(struct crypto_conn *c, enum kl_label label, uint8_t *out)
{
    return crypto_keys_find(c->k, c->cr, label, out);
}

/* RFC 8446 7.3: the record keys of a traffic secret. */
struct rc *crypto_tls13_keys(struct crypto_conn *c, const struct suite *s, const uint8_t *secret,
                             size_t len)
{
    uint8_t key[32], iv[12];
    const char *why;
    struct rc_params p = {.s = s, .version = TLS_V_1_3, .key = key, .iv = iv};
    struct rc *r = NULL;
    if (crypto_expand_label(s->prf, secret, len, "key", NULL, 0, key, (size_t)s->key_len) &&
        crypto_expand_label(s->prf, secret, len, "iv", NULL, 0, iv, sizeof(iv)))
        r = crypto_rc_new(&p, &why);
    else
        why = "key derivation failed";
    if (!r)
        crypto_conn_reason(c, why);
    OPENSSL_cleanse(key, sizeof(key));
    return r;
}

static void set_traffic(struct crypto_conn *c, enum dir dir, enum kl_label label)
{
    struct dir_crypt *d = &c->d[dir];
    uint8_t secret[64];
    size_t n = find_secret(c, label, secret);
    d->wanted = 0;
    if (!n) {
        crypto_conn_reason(c, "the key log has no TLS 1.3 traffic secret for this client random");
        crypto_rc_replace(&d->cur, NULL);
        /* Live, the peer writes its key log as it goes, and the records
         * may be on the wire before the line is in the file: the next
         * records look again (crypto_conn_retry_traffic). */
        d->wanted = (int)label + 1;
        d->retries = CRYPTO_TRAFFIC_RETRIES;
        d->missed = 0;
        return;
    }
    memcpy(d->secret, secret, n);
    d->secret_len = n;
    crypto_keys_note_used(c->k, c->cr, label, secret, n);
    crypto_rc_replace(&d->cur, crypto_tls13_keys(c, &c->suite, secret, n));
    d->seq = 0;
    OPENSSL_cleanse(secret, sizeof(secret));
}

void crypto_conn_retry_traffic(struct crypto_conn *c, enum dir dir)
{
    struct dir_crypt *d = &c->d[dir];
    int retries = d->retries - 1;
    uint64_t missed = d->missed;
    enum kl_label label = (enum kl_label)(d->wanted - 1);

    if (!d->wanted || d->retries <= 0)
        return;
    set_traffic(c, dir, label);
    if (d->wanted) {
        d->retries = retries;
        d->missed = missed;
    } else if (label == KL_CHTS && c->early_offered) {
        /* The client's handshake keys wait for the end of its early data,
         * as in server_hello_tls13(). */
        crypto_rc_replace(&d->hs, d->cur);
        d->cur = NULL;
    } else {
        d->seq = missed; /* the records that went by without keys had their numbers */
    }
}

static void key_update(struct crypto_conn *c, enum dir dir)
{
    struct dir_crypt *d = &c->d[dir];
    uint8_t next[64];
    if (!d->secret_len)
        return;
    if (!crypto_expand_label(c->suite.prf, d->secret, d->secret_len, "traffic upd", NULL, 0, next,
                             d->secret_len)) {
        crypto_rc_replace(&d->cur, NULL);
        return;
    }
    memcpy(d->secret, next, d->secret_len);
    crypto_rc_replace(&d->cur, crypto_tls13_keys(c, &c->suite, next, d->secret_len));
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
    crypto_keys_note_used(c->k, c->cr, KL_MASTER, c->master, 48);
    if (!crypto_keyblock_derive(&in, r, &why)) {
        crypto_conn_reason(
            c, crypto_rc_why(why, c->suite.cipher, c->k->legacy != NULL, msg, sizeof(msg)));
        return;
    }
    crypto_rc_replace(&c->d[DIR_C2S].pending, r[0]);
    crypto_rc_replace(&c->d[DIR_S2C].pending, r[1]);
}

/* The session a resumption needs: if the ClientHello's lookup missed,
 * looked for again once every thread is as far (--threads: it may be
 * another thread's connection that made it). */
static int resumed_session(struct crypto_conn *c)
{
    if (!c->have_resume && c->noffers) {
        c->have_resume = crypto_keys_session_get(c->k, c->offers, c->noffers, c->resume, 1);
        c->noffers = 0;
    }
    return c->have_resume;
}

static void client_hello(struct crypto_conn *c, const struct crypto_client_hello *ch)
{
    memcpy(c->cr, ch->random, 32);
    c->have_suite = c->have_master = c->derived = c->have_resume = 0;
    c->version = 0;
    c->sid_len = 0;
    c->cert_seen = 0;
    c->rsa_key = -1;
    /* A session the capture has seen may be resumed (RFC 5077 3.4). */
    c->noffers = 0;
    if (ch->ticket)
        crypto_sessions_key(ch->ticket, ch->ticket_len, c->offers[c->noffers++]);
    if (ch->session_id_len)
        crypto_sessions_key(ch->session_id, ch->session_id_len, c->offers[c->noffers++]);
    c->have_resume = crypto_keys_session_get(c->k, c->offers, c->noffers, c->resume, 0);
    c->early_offered = ch->early_data;
    c->early_len = ch->early_data ? find_secret(c, KL_EARLY, c->early) : 0;
    if (c->early_len)
        crypto_keys_note_used(c->k, c->cr, KL_EARLY, c->early, c->early_len);
    crypto_transcript_start(&c->transcript, crypto_rsa_count(c->k->rsa) > 0);
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
        crypto_rc_replace(&cl->hs, cl->cur);
        cl->cur = NULL;
    }
}

static void server_hello(struct crypto_conn *c, const struct crypto_server_hello *s)
{
    const char *why;
    memcpy(c->sr, s->random, 32);
    c->version = s->version;
    c->etm = s->etm;
    c->ems = s->ems;
    c->resumed = s->resumed;
    if (s->session_id_len) /* the interface allows NULL for none */
        memcpy(c->sid, s->session_id, s->session_id_len);
    c->sid_len = s->session_id_len;
    /* A ServerHello that did not decode as far as its cipher suite (a
     * session ID over 32 bytes, say) leaves the suite unknown. */
    if (s->suite > 0xffff) {
        crypto_conn_reason(c, "the ServerHello is malformed: its cipher suite was not read");
        return;
    }
    if (!crypto_suite_find((uint16_t)s->suite, &c->suite, &why)) {
        crypto_conn_reason(c, why);
        return;
    }
    c->have_suite = 1;
    if (c->version == TLS_V_1_3) {
        server_hello_tls13(c);
        return;
    }
    c->compression = s->compression;
    if (c->version < TLS_V_SSL_3) {
        crypto_conn_reason(c, "SSLv2 decryption is not supported");
        c->have_suite = 0;
        return;
    }
    if (find_secret(c, KL_MASTER, c->master) == 48)
        c->have_master = 1;
    else if (c->resumed && resumed_session(c))
        memcpy(c->master, c->resume, 48), c->have_master = 1;
}

/* RFC 5246 8.1, RFC 7627 4: the master secret from an RSA premaster. */
static void rsa_premaster(struct crypto_conn *c, const uint8_t *enc, size_t len)
{
    struct rsa_keys *rk = c->k->rsa;
    uint8_t pms[48], hash[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    int ok = 0;
    const char *prf = c->version >= TLS_V_1_2 ? c->suite.prf : "MD5-SHA1";
    int ems = c->ems && c->version >= TLS_V_1_0;

    for (int i = 0; i < crypto_rsa_count(rk) && !ok; i++)
        if (c->rsa_key == i || (!c->cert_seen && c->rsa_key < 0))
            ok = crypto_rsa_decrypt(rk, i, enc, len, pms);
    if (!ok) {
        crypto_conn_reason(c, c->cert_seen ? "no RSA key given matches the server certificate"
                                           : "no RSA key given decrypts the premaster secret");
        return;
    }
    if (ems && !crypto_transcript_hash(&c->transcript, prf, hash, &hlen))
        crypto_conn_reason(c, "the handshake needed for the extended master secret was not seen");
    else
        c->have_master = crypto_keyblock_master(&c->suite, c->version, pms, c->cr, c->sr,
                                                ems ? hash : NULL, hlen, c->master);
    OPENSSL_cleanse(pms, sizeof(pms));
}

static void certificate(struct crypto_conn *c, const uint8_t *der, size_t len)
{
    if (!der || !crypto_rsa_count(c->k->rsa) || c->version == TLS_V_1_3)
        return;
    c->cert_seen = 1;
    c->rsa_key = crypto_rsa_match(c->k->rsa, der, len);
}

/* Without a key-log line, an RSA key exchange can be undone with the
 * server's key; why not otherwise is said at ChangeCipherSpec.  RFC 7627
 * 3: the session hash ends with the ClientKeyExchange. */
static void client_key_exchange(struct crypto_conn *c, const uint8_t *enc, size_t len)
{
    if (!c->have_master && c->have_suite && c->suite.rsa_kx && enc && crypto_rsa_count(c->k->rsa))
        rsa_premaster(c, enc, len);
    c->transcript.on = 0;
}

static void finished(struct crypto_conn *c, enum dir dir)
{
    if (c->version == TLS_V_1_3) {
        set_traffic(c, dir, dir == DIR_S2C ? KL_STS0 : KL_CTS0);
        return;
    }
    if (c->have_master && c->sid_len) /* RFC 5246 7.4.1.3: resumable by ID */
        crypto_keys_session_put(c->k, c->sid, c->sid_len, c->master);
}

static void end_of_early_data(struct crypto_conn *c)
{
    struct dir_crypt *cl = &c->d[DIR_C2S];
    if (cl->hs) {
        crypto_rc_replace(&cl->cur, cl->hs);
        cl->hs = NULL;
        cl->seq = 0;
    }
}

static void change_cipher_spec(struct crypto_conn *c, enum dir dir)
{
    struct dir_crypt *d = &c->d[dir];
    if (c->version == TLS_V_1_3 || !c->have_suite)
        return; /* RFC 8446 D.4: only for middleboxes */
    if (!c->have_master && c->resumed && resumed_session(c))
        memcpy(c->master, c->resume, 48), c->have_master = 1;
    /* Live, the client may have written the line after the ServerHello
     * went by: it must have by its ChangeCipherSpec. */
    if (!c->have_master && find_secret(c, KL_MASTER, c->master) == 48)
        c->have_master = 1;
    if (!c->have_master)
        crypto_conn_reason(
            c, crypto_rsa_count(c->k->rsa) && !c->suite.rsa_kx
                   ? "the key exchange is (EC)DHE, which an RSA key cannot decrypt: a key "
                     "log is needed"
                   : "the key log has no CLIENT_RANDOM line for this client random");
    else if (!c->derived)
        derive_key_block(c);
    crypto_rc_replace(&d->cur, d->pending);
    d->pending = NULL;
    d->seq = 0;
    /* RFC 3749 2: the compression state is part of the connection state. */
    crypto_inflate_free(d->z);
    d->z = c->compression == 1 ? crypto_inflate_new() : NULL;
    if (c->compression > 1)
        crypto_conn_reason(c, "the ServerHello chose a compression method tlsdump cannot undo");
    else if (c->compression == 1 && !d->z)
        crypto_conn_reason(c, "out of memory for DEFLATE");
}

void crypto_conn_update(struct crypto_conn *c, enum dir dir, const struct crypto_update *u)
{
    if (u->kind == CRYPTO_CLIENT_HELLO)
        client_hello(c, u->ch);
    if (u->message)
        crypto_transcript_add(&c->transcript, u->message, u->message_len);
    switch (u->kind) {
    case CRYPTO_HANDSHAKE:
    case CRYPTO_CLIENT_HELLO:
        break;
    case CRYPTO_SERVER_HELLO:
        server_hello(c, u->sh);
        break;
    case CRYPTO_SERVER_CERTIFICATE:
        certificate(c, u->bytes, u->nbytes);
        break;
    case CRYPTO_CLIENT_KEY_EXCHANGE:
        client_key_exchange(c, u->bytes, u->nbytes);
        break;
    case CRYPTO_SESSION_TICKET:
        if (c->version < TLS_V_1_3 && c->have_master && u->bytes)
            crypto_keys_session_put(c->k, u->bytes, u->nbytes, c->master);
        break;
    case CRYPTO_END_OF_EARLY_DATA:
        end_of_early_data(c);
        break;
    case CRYPTO_FINISHED:
        if (c->have_suite)
            finished(c, dir);
        break;
    case CRYPTO_KEY_UPDATE:
        if (c->have_suite)
            key_update(c, dir);
        break;
    case CRYPTO_CHANGE_CIPHER_SPEC:
        change_cipher_spec(c, dir);
        break;
    case CRYPTO_GAP:
        c->d[dir].lost = 1;
        break;
    }
}
