/*
 * What the messages of a connection add up to: each decoder's result
 * (struct tls_parsed) folded, here and nowhere else, into the summary that
 * analysis and the views read, and into the keying update that the crypto
 * stage is told.  The order of a message's effects is written out here
 * once, where each decoder used to write the summary as it read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

static void raise_client_version(struct tls_summary *s, uint16_t v)
{
    if (v > s->client_version && !reg_is_grease(v))
        s->client_version = v;
}

static void client_hello(struct tls_summary *s, const struct tls_parsed *p)
{
    if (p->hello_begun && !s->ch.seen) /* the fingerprints are the first hello's */
        s->ch = p->hello;
    if (p->reached >= TLS_READ_VERSION)
        raise_client_version(s, p->version);
    raise_client_version(s, p->ext.max_version);
    if (p->reached < TLS_READ_FIXED)
        return;
    memcpy(s->client_sid, p->sid, p->sid_len);
    s->client_sid_len = p->sid_len;
    memcpy(s->client_random, p->random, 32);
    s->early_data_offered = p->ext.early_data;
}

/* A ServerHello (type 2) or HelloRetryRequest (6). */
static void server_hello(struct tls_summary *s, uint8_t type, const struct tls_parsed *p)
{
    int echo = p->sid_len && p->sid_len == s->client_sid_len &&
               memcmp(p->sid, s->client_sid, p->sid_len) == 0;
    if (type == TLS_HS_HELLO_RETRY_REQUEST) {
        s->hrr |= p->reached == TLS_READ_FIXED;
        return;
    }
    if (p->hello_begun && !s->sh.seen)
        s->sh = p->hello;
    if (p->reached == TLS_READ_FIXED) {
        s->version = p->version;
        s->cipher = p->suite;
        memcpy(s->server_random, p->random, 32);
        memcpy(s->server_sid, p->sid, p->sid_len);
        s->server_sid_len = p->sid_len;
        s->ems = p->ext.ems;
        s->etm = p->ext.etm;
        s->compression = p->compression;
    }
    if (p->group)
        s->group = p->group;
    if (p->ext.version_selected) /* RFC 8446 4.2.1: it overrides legacy_version */
        s->version = p->ext.selected_version;
    /* TLS 1.3 echoes the session ID for middleboxes (RFC 8446 D.4): there,
     * only an accepted PSK means resumption.  Before 1.3 the echo of the
     * offered ID (or of a ticket's) is the sign. */
    if (p->reached == TLS_READ_FIXED)
        s->resumed = tls_is_tls13(s->version) ? s->psk_selected : echo;
}

/* A side's chain, as its latest Certificate (or SERVER-HELLO) sent it:
 * a renegotiation sends it again.  Kept only for a side that sent one
 * (the client's, in mutual TLS). */
static void chain(struct x509_cert **certs, int *ncerts, const struct tls_parsed *p)
{
    *ncerts = 0;
    if (!p->ncerts || (!*certs && !(*certs = calloc(TLS_MAX_CERTS, sizeof(**certs)))))
        return;
    memcpy(*certs, p->certs, (size_t)p->ncerts * sizeof(**certs));
    *ncerts = p->ncerts;
}

static void server_chain(struct tls_summary *s, const struct tls_parsed *p)
{
    chain(&s->certs, &s->ncerts, p);
}

static void ssl2_message(struct tls_summary *s, enum dir dir, uint8_t type,
                         const struct tls_parsed *p)
{
    struct tls_ssl2 *v2 = &s->ssl2;
    switch (type) {
    case SSL2_ERROR: /* the first one is the one that tells */
        if (p->ssl2_error_read && !v2->error_seen)
            v2->error_seen = 1, v2->error = p->ssl2_error, v2->error_from = dir;
        return;
    case SSL2_CLIENT_MASTER_KEY:
        if (p->reached == TLS_READ_FIXED)
            s->cipher = p->ssl2_kind, v2->master_key = 1;
        return;
    case SSL2_SERVER_HELLO:
        if (p->reached < TLS_READ_FIXED)
            return;
        v2->server_hello = 1;
        v2->session_id_hit = p->ssl2_hit;
        s->version = p->version;
        s->resumed = p->ssl2_hit;
        if (p->chain_read && dir == DIR_S2C)
            server_chain(s, p);
        v2->nspecs = p->ssl2_nspecs;
        memcpy(v2->specs, p->ssl2_specs, sizeof(v2->specs));
        return;
    default:
        return;
    }
}

/* Printable text the first message that had it gave. */
static void first_text(char *dst, size_t cap, const char *src)
{
    if (!dst[0] && src[0])
        snprintf(dst, cap, "%s", src);
}

void tls_fold(struct tls_summary *s, enum dir dir, uint8_t type, int ssl2,
              const struct tls_parsed *p)
{
    if (ssl2) {
        ssl2_message(s, dir, type, p);
        return;
    }
    first_text(s->sni, sizeof(s->sni), p->ext.sni);
    first_text(s->alpn, sizeof(s->alpn), p->ext.alpn);
    if (p->ext.psk_selected)
        s->psk_selected = 1;
    switch (type) {
    case TLS_HS_CLIENT_HELLO:
        client_hello(s, p);
        break;
    case TLS_HS_SERVER_HELLO:
    case TLS_HS_HELLO_RETRY_REQUEST:
        server_hello(s, type, p);
        break;
    case TLS_HS_ENCRYPTED_EXTENSIONS:
        if (p->ext.early_data)
            s->early_data_accepted = 1;
        break;
    case TLS_HS_CERTIFICATE:
        if (p->chain_read && dir == DIR_S2C)
            server_chain(s, p);
        else if (p->chain_read)
            chain(&s->client_certs, &s->nclient_certs, p);
        break;
    case TLS_HS_SERVER_KEY_EXCHANGE:
        if (p->group)
            s->group = p->group;
        break;
    default:
        break;
    }
}

/* What a message means for the keys: the tls stage's reading of the
 * handshake, in the crypto stage's terms.  ch and sh are the update's
 * storage. */
void tls_keying_update(const struct tls_summary *s, enum dir dir, const struct tls_msg *m,
                       struct crypto_update *u, struct crypto_client_hello *ch,
                       struct crypto_server_hello *sh)
{
    const struct tls_msg_keying *k = &m->keying;
    *u = (struct crypto_update){
        .kind = CRYPTO_HANDSHAKE, .message = m->raw, .message_len = m->raw_len};
    switch (m->type) {
    case TLS_HS_CLIENT_HELLO:
        if (dir != DIR_C2S)
            break;
        *ch = (struct crypto_client_hello){.random = s->client_random,
                                           .session_id = s->client_sid,
                                           .session_id_len = s->client_sid_len,
                                           .ticket = k->ticket,
                                           .ticket_len = k->ticket_len,
                                           .early_data = s->early_data_offered};
        u->kind = CRYPTO_CLIENT_HELLO, u->ch = ch;
        break;
    case TLS_HS_SERVER_HELLO:
        *sh = (struct crypto_server_hello){.version = s->version,
                                           .suite = s->cipher,
                                           .random = s->server_random,
                                           .session_id = s->server_sid,
                                           .session_id_len = s->server_sid_len,
                                           .resumed = s->resumed,
                                           .ems = s->ems,
                                           .etm = s->etm,
                                           .compression = s->compression};
        u->kind = CRYPTO_SERVER_HELLO, u->sh = sh;
        break;
    case TLS_HS_CERTIFICATE:
        if (dir == DIR_S2C && k->cert)
            u->kind = CRYPTO_SERVER_CERTIFICATE, u->bytes = k->cert, u->nbytes = k->cert_len;
        break;
    case TLS_HS_CLIENT_KEY_EXCHANGE:
        u->kind = CRYPTO_CLIENT_KEY_EXCHANGE, u->bytes = k->pms, u->nbytes = k->pms_len;
        break;
    case TLS_HS_NEW_SESSION_TICKET:
        if (k->ticket)
            u->kind = CRYPTO_SESSION_TICKET, u->bytes = k->ticket, u->nbytes = k->ticket_len;
        break;
    case TLS_HS_END_OF_EARLY_DATA:
        if (dir == DIR_C2S)
            u->kind = CRYPTO_END_OF_EARLY_DATA;
        break;
    case TLS_HS_FINISHED:
        u->kind = CRYPTO_FINISHED;
        break;
    case TLS_HS_KEY_UPDATE:
        u->kind = CRYPTO_KEY_UPDATE;
        break;
    default:
        break;
    }
}

/* The test entry points: a message decoded as on a connection whose
 * summary is sum. */
static int decode(uint8_t type, int ssl2, const uint8_t *body, size_t len, struct ftree *tree,
                  int root, struct tls_summary *sum, enum dir dir)
{
    struct tls_parsed p = {0};
    struct tls_dec d = {.t = tree,
                        .dir = dir,
                        .msg = type,
                        .version = sum->version,
                        .cipher = sum->cipher,
                        .out = &p};
    struct cursor c = cur_make(body, len);
    int ok;

    if (dir == DIR_S2C)
        p.certs = calloc(TLS_MAX_CERTS, sizeof(*p.certs));
    if (ssl2 && type == SSL2_CLIENT_HELLO)
        ok = tls_dec_ssl2_client_hello(&d, &c, root) &&
             (cur_at_end(&c) || tls_dec_fail(&d, root, "trailing bytes after the message"));
    else if (ssl2)
        ok = cur_skip(&c, 1) && tls_dec_ssl2_message(&d, type, &c, root);
    else
        ok = tls_dec_message(&d, type, &c, root);
    tls_fold(sum, dir, type, ssl2 && type != SSL2_CLIENT_HELLO, &p);
    free(p.certs);
    return ok;
}

int tls_decode_message(uint8_t type, const uint8_t *body, size_t len, struct ftree *tree, int root,
                       struct tls_summary *sum, enum dir dir)
{
    return decode(tls_message_type(type, body, len), 0, body, len, tree, root, sum, dir);
}

int tls_decode_ssl2_message(const uint8_t *p, size_t len, struct ftree *tree, int root,
                            struct tls_summary *sum, enum dir dir)
{
    struct tls_dec d = {.t = tree, .dir = dir};
    if (len < 1)
        return tls_dec_fail(&d, root, "empty SSL 2.0 record");
    return decode(p[0], 1, p, len, tree, root, sum, dir);
}

int tls_decode_extensions(uint8_t context, const uint8_t *p, size_t len, struct ftree *tree,
                          int root, struct tls_summary *sum, enum dir dir)
{
    struct tls_parsed parsed = {0};
    struct tls_dec d = {.t = tree,
                        .dir = dir,
                        .msg = context,
                        .version = sum->version,
                        .cipher = sum->cipher,
                        .out = &parsed};
    struct cursor c = cur_make(p, len);
    int ok = tls_dec_extensions(&d, &c, root) &&
             (cur_at_end(&c) || tls_dec_fail(&d, root, "trailing bytes after extensions"));
    tls_fold(sum, dir, context, 0, &parsed);
    return ok;
}
