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

int tls_dec_fail(struct tls_dec *d, int node, const char *why)
{
    ft_str(d->t, node, "error", why);
    return 0;
}

int tls_dec_u16_list(struct tls_dec *d, struct cursor *v, int node, const char *key,
                     enum reg_table table, uint16_t *keep, int *nkeep)
{
    int list = ft_list(d->t, node, key);
    uint16_t x;

    if (cur_left(v) % 2)
        return tls_dec_fail(d, node, "odd length in a list of 16-bit values");
    while (cur_u16(v, &x)) {
        ft_named(d->t, list, NULL, table, x);
        if (keep)
            tls_hello_add(keep, nkeep, x);
    }
    return 1;
}

void tls_hello_add(uint16_t *list, int *n, uint16_t x)
{
    if (!reg_is_grease(x) && *n < TLS_HELLO_MAX)
        list[(*n)++] = x;
}

/* A hello's random and session ID, into the result. */
static int random_and_session(struct tls_dec *d, struct cursor *c, int node)
{
    struct cursor sid;
    const uint8_t *random;

    if (!cur_bytes(c, 32, &random))
        return tls_dec_fail(d, node, "truncated random");
    ft_verbose(d->t, ft_hex(d->t, node, "random", random, 32));
    if (!cur_vec8(c, &sid) || cur_left(&sid) > 32)
        return tls_dec_fail(d, node, "bad session_id");
    ft_verbose(d->t, ft_hex(d->t, node, "session_id", cur_ptr(&sid), cur_left(&sid)));
    memcpy(d->out->random, random, 32);
    memcpy(d->out->sid, cur_ptr(&sid), cur_left(&sid));
    d->out->sid_len = (uint8_t)cur_left(&sid);
    return 1;
}

/* A hello's version; its lists begin. */
static int hello_version(struct tls_dec *d, struct cursor *c, int node)
{
    uint16_t version;
    if (!cur_u16(c, &version))
        return tls_dec_fail(d, node, "truncated version");
    ft_named(d->t, node, "version", REG_VERSION, version);
    d->out->version = d->out->hello.version = version;
    d->out->hello_begun = 1;
    d->out->reached = TLS_READ_VERSION;
    return 1;
}

/* The hello's extensions, with its lists kept. */
static int hello_extensions(struct tls_dec *d, struct cursor *c, int node)
{
    d->out->hello.seen = 1;
    d->hello = &d->out->hello;
    int ok = cur_at_end(c) || tls_dec_extensions(d, c, node);
    d->hello = NULL;
    return ok;
}

int tls_dec_client_hello(struct tls_dec *d, struct cursor *c, int node)
{
    struct tls_hello *h = &d->out->hello;
    struct cursor suites, comp;
    uint8_t m;

    if (!hello_version(d, c, node) || !random_and_session(d, c, node))
        return 0;
    d->out->reached = TLS_READ_FIXED;
    if (!cur_vec16(c, &suites))
        return tls_dec_fail(d, node, "bad cipher_suites length");
    if (!tls_dec_u16_list(d, &suites, node, "cipher_suites", REG_CIPHER, h->ciphers, &h->nciphers))
        return 0;
    if (!cur_vec8(c, &comp))
        return tls_dec_fail(d, node, "bad compression_methods length");
    int list = ft_list(d->t, node, "compression_methods");
    while (cur_u8(&comp, &m))
        ft_named(d->t, list, NULL, REG_COMPRESSION, m);
    return hello_extensions(d, c, node);
}

/* A TLS 1.3 draft before 22: the ServerHello is version, random,
 * cipher_suite and extensions (draft-ietf-tls-tls13-21 4.1.3), and the
 * HelloRetryRequest a message of its own, server_version, cipher_suite
 * (from draft 19 on) and extensions (draft-18 and -19 4.1.4).  The
 * version field names the draft. */
static int early_draft_hello(struct tls_dec *d, struct cursor *c, int node)
{
    const uint8_t *random;
    d->out->suite = 0xffff;
    if (d->msg != TLS_HS_HELLO_RETRY_REQUEST) {
        if (!cur_bytes(c, 32, &random))
            return tls_dec_fail(d, node, "truncated random");
        ft_verbose(d->t, ft_hex(d->t, node, "random", random, 32));
        memcpy(d->out->random, random, 32);
    } else if (d->out->version < TLS_V_1_3_DRAFT19) {
        return 1;
    }
    if (!cur_u16(c, &d->out->suite))
        return tls_dec_fail(d, node, "truncated cipher_suite");
    ft_named(d->t, node, "cipher_suite", REG_CIPHER, d->out->suite);
    return 1;
}

/* RFC 5246 7.4.1.3 and RFC 8446 4.1.3: random, the session ID (echoed
 * in TLS 1.3), cipher suite, compression method. */
static int tls_server_hello(struct tls_dec *d, struct cursor *c, int node)
{
    if (!random_and_session(d, c, node))
        return 0;
    if (!cur_u16(c, &d->out->suite) || !cur_u8(c, &d->out->compression))
        return tls_dec_fail(d, node, "truncated cipher_suite");
    ft_named(d->t, node, "cipher_suite", REG_CIPHER, d->out->suite);
    ft_named(d->t, node, "compression_method", REG_COMPRESSION, d->out->compression);
    return 1;
}

int tls_dec_server_hello(struct tls_dec *d, struct cursor *c, int node)
{
    if (!hello_version(d, c, node))
        return 0;
    /* RFC 8446 4.1.3 fixes legacy_version at 0x0303: a ServerHello that
     * says 0x0304 is from a draft that sent the final number (NSS's
     * draft-14 servers did), laid out as the early drafts. */
    uint16_t version = d->out->version;
    int draft = tls_is_early_draft(version) || version == TLS_V_1_3;
    if (draft ? !early_draft_hello(d, c, node) : !tls_server_hello(d, c, node))
        return 0;
    d->out->reached = TLS_READ_FIXED;
    if (d->out->suite != 0xffff)
        tls_hello_add(d->out->hello.ciphers, &d->out->hello.nciphers, d->out->suite);
    return hello_extensions(d, c, node);
}
