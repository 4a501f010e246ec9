/*
 * ClientHello and ServerHello (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1), and
 * the ServerHello and HelloRetryRequest of the TLS 1.3 drafts.
 */
#include <stdio.h>
#include <string.h>

#include "tls_int.h"

int tls_is_tls13(uint16_t v)
{
    return v == TLS_V_1_3 || (v >= TLS_V_1_3_DRAFT14 && v <= TLS_V_1_3_DRAFT28) ||
           v == TLS_V_1_3_EXPERIMENT || v == TLS_V_1_3_EXPERIMENT2;
}

int tls_is_early_draft(uint16_t v)
{
    return (v & 0xff00) == 0x7f00 && v <= TLS_V_1_3_DRAFT21;
}

const uint8_t tls_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

int dec_fail(struct dec *d, int node, const char *why)
{
    ft_str(d->t, node, "error", why);
    return 0;
}

int dec_u16_list(struct dec *d, struct cursor *v, int node, const char *key, enum reg_table table,
                 uint16_t *keep, int *nkeep)
{
    int list = ft_list(d->t, node, key);
    uint16_t x;

    if (cur_left(v) % 2)
        return dec_fail(d, node, "odd length in a list of 16-bit values");
    while (cur_u16(v, &x)) {
        ft_named(d->t, list, NULL, table, x);
        if (keep)
            dec_keep(keep, nkeep, x);
    }
    return 1;
}

void dec_keep(uint16_t *list, int *n, uint16_t x)
{
    if (!reg_is_grease(x) && *n < TLS_HELLO_MAX)
        list[(*n)++] = x;
}

static int random_and_session(struct dec *d, struct cursor *c, int node, const uint8_t **random)
{
    struct cursor sid;

    if (!cur_bytes(c, 32, random))
        return dec_fail(d, node, "truncated random");
    ft_verbose(d->t, ft_hex(d->t, node, "random", *random, 32));
    if (!cur_vec8(c, &sid) || cur_left(&sid) > 32)
        return dec_fail(d, node, "bad session_id");
    ft_verbose(d->t, ft_hex(d->t, node, "session_id", cur_ptr(&sid), cur_left(&sid)));
    d->session_id = cur_ptr(&sid);
    d->session_id_len = cur_left(&sid);
    return 1;
}

void dec_client_version(struct tls_summary *s, uint16_t v)
{
    if (v > s->client_version && !reg_is_grease(v))
        s->client_version = v;
}

int dec_client_hello(struct dec *d, struct cursor *c, int node)
{
    struct tls_hello scratch, *h = d->sum->ch.seen ? &scratch : &d->sum->ch;
    struct cursor suites, comp;
    const uint8_t *random;
    uint16_t version;
    uint8_t m;

    if (!cur_u16(c, &version))
        return dec_fail(d, node, "truncated version");
    ft_named(d->t, node, "version", REG_VERSION, version);
    memset(h, 0, sizeof(*h));
    h->version = version;
    dec_client_version(d->sum, version);
    if (!random_and_session(d, c, node, &random))
        return 0;
    memcpy(d->sum->client_sid, d->session_id, d->session_id_len);
    memcpy(d->sum->client_random, random, 32);
    d->sum->early_data_offered = 0;
    d->sum->client_sid_len = (uint8_t)d->session_id_len;
    if (!cur_vec16(c, &suites))
        return dec_fail(d, node, "bad cipher_suites length");
    if (!dec_u16_list(d, &suites, node, "cipher_suites", REG_CIPHER, h->ciphers, &h->nciphers))
        return 0;
    if (!cur_vec8(c, &comp))
        return dec_fail(d, node, "bad compression_methods length");
    int list = ft_list(d->t, node, "compression_methods");
    while (cur_u8(&comp, &m))
        ft_named(d->t, list, NULL, REG_COMPRESSION, m);
    h->seen = 1;
    d->hello = h;
    int ok = cur_at_end(c) || dec_extensions(d, c, node);
    d->hello = NULL;
    return ok;
}

/* A TLS 1.3 draft before 22: the ServerHello is version, random,
 * cipher_suite and extensions (draft-ietf-tls-tls13-21 4.1.3), and the
 * HelloRetryRequest a message of its own, server_version, cipher_suite
 * (from draft 19 on) and extensions (draft-18 and -19 4.1.4).  The
 * version field names the draft. */
static int early_draft_hello(struct dec *d, struct cursor *c, int node, uint16_t version,
                             const uint8_t **random, uint16_t *suite)
{
    static const uint8_t none[32];
    d->session_id = none; /* empty, and never NULL (memcpy) */
    d->session_id_len = 0;
    *random = none;
    *suite = 0xffff;
    if (d->msg != TLS_HS_HELLO_RETRY_REQUEST) {
        if (!cur_bytes(c, 32, random))
            return dec_fail(d, node, "truncated random");
        ft_verbose(d->t, ft_hex(d->t, node, "random", *random, 32));
    } else if (version < TLS_V_1_3_DRAFT19) {
        return 1;
    }
    if (!cur_u16(c, suite))
        return dec_fail(d, node, "truncated cipher_suite");
    ft_named(d->t, node, "cipher_suite", REG_CIPHER, *suite);
    return 1;
}

/* RFC 5246 7.4.1.3 and RFC 8446 4.1.3: random, the session ID (echoed
 * in TLS 1.3), cipher suite, compression method. */
static int tls_server_hello(struct dec *d, struct cursor *c, int node, const uint8_t **random,
                            uint16_t *suite, uint8_t *comp)
{
    if (!random_and_session(d, c, node, random))
        return 0;
    if (!cur_u16(c, suite) || !cur_u8(c, comp))
        return dec_fail(d, node, "truncated cipher_suite");
    ft_named(d->t, node, "cipher_suite", REG_CIPHER, *suite);
    ft_named(d->t, node, "compression_method", REG_COMPRESSION, *comp);
    return 1;
}

int dec_server_hello(struct dec *d, struct cursor *c, int node)
{
    struct tls_summary *s = d->sum;
    struct tls_hello scratch,
        *h = s->sh.seen || d->msg == TLS_HS_HELLO_RETRY_REQUEST ? &scratch : &s->sh;
    const uint8_t *random;
    uint16_t version, suite;
    uint8_t comp = 0; /* the early drafts have none */

    if (!cur_u16(c, &version))
        return dec_fail(d, node, "truncated version");
    ft_named(d->t, node, "version", REG_VERSION, version);
    memset(h, 0, sizeof(*h));
    h->version = version;
    /* RFC 8446 4.1.3 fixes legacy_version at 0x0303: a ServerHello that
     * says 0x0304 is from a draft that sent the final number (NSS's
     * draft-14 servers did), laid out as the early drafts. */
    int draft = tls_is_early_draft(version) || version == TLS_V_1_3;
    if (draft ? !early_draft_hello(d, c, node, version, &random, &suite)
              : !tls_server_hello(d, c, node, &random, &suite, &comp))
        return 0;
    if (suite != 0xffff)
        dec_keep(h->ciphers, &h->nciphers, suite);
    int echo = d->session_id_len && d->session_id_len == s->client_sid_len &&
               memcmp(d->session_id, s->client_sid, d->session_id_len) == 0;
    if (d->msg == TLS_HS_HELLO_RETRY_REQUEST) {
        s->hrr = 1;
    } else {
        s->version = version, s->cipher = suite; /* supported_versions may override */
        memcpy(s->server_random, random, 32);
        memcpy(s->server_sid, d->session_id, d->session_id_len);
        s->server_sid_len = (uint8_t)d->session_id_len;
        s->ems = s->etm = 0;
        s->compression = comp;
    }
    h->seen = 1;
    d->hello = h;
    int ok = cur_at_end(c) || dec_extensions(d, c, node);
    d->hello = NULL;
    if (d->msg != TLS_HS_HELLO_RETRY_REQUEST) {
        /* TLS 1.3 echoes the session ID for middleboxes (RFC 8446 D.4):
         * there, only an accepted PSK means resumption.  Before 1.3 the
         * echo of the offered ID (or of a ticket's) is the sign. */
        s->resumed = tls_is_tls13(s->version) ? s->psk_selected : echo;
    }
    return ok;
}
