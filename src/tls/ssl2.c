/*
 * SSL 2.0 messages in clear (draft-hickman-netscape-ssl-00, "The SSL
 * Protocol", 1995): CLIENT-HELLO (also the SSLv2-compatible ClientHello of
 * RFC 5246 appendix E.2), SERVER-HELLO, CLIENT-MASTER-KEY and ERROR.  The
 * other messages (CLIENT-FINISHED, SERVER-VERIFY, SERVER-FINISHED,
 * REQUEST-CERTIFICATE, CLIENT-CERTIFICATE) are sent after the key
 * exchange, encrypted; should one come in clear, its length is shown.
 */
#include <string.h>

#include "tls_int.h"

/* A cipher kind: 3 bytes (C.4); a TLS suite in an SSLv2-compatible
 * hello is 0x00XXXX. */
static int cipher_kind(struct cursor *c, uint32_t *kind)
{
    uint8_t hi;
    uint16_t lo;
    if (!cur_u8(c, &hi) || !cur_u16(c, &lo))
        return 0;
    *kind = (uint32_t)hi << 16 | lo;
    return 1;
}

/* A list of cipher specs, named; *keep (may be NULL) gets them. */
static int cipher_specs(struct tls_dec *d, struct cursor *specs, int node, uint32_t *keep,
                        int *nkeep)
{
    uint32_t k;
    if (cur_left(specs) % 3)
        return tls_dec_fail(d, node, "cipher_specs not a multiple of 3 bytes");
    int list = ft_list(d->t, node, "cipher_specs");
    while (cipher_kind(specs, &k)) {
        ft_named(d->t, list, NULL, REG_CIPHER, k);
        if (keep && *nkeep < TLS_MAX_LISTED)
            keep[(*nkeep)++] = k;
    }
    return 1;
}

/* msg_type (1) is read here: the record's body is the message. */
int tls_dec_ssl2_client_hello(struct tls_dec *d, struct cursor *c, int node)
{
    uint16_t version, spec_len, sid_len, chal_len;
    struct cursor specs, check;
    const uint8_t *sid, *chal;
    uint8_t type;

    if (!cur_u8(c, &type) || !cur_u16(c, &version) || !cur_u16(c, &spec_len) ||
        !cur_u16(c, &sid_len) || !cur_u16(c, &chal_len))
        return tls_dec_fail(d, node, "truncated SSLv2 ClientHello");
    ft_named(d->t, node, "version", REG_VERSION, version);
    d->out->version = version;
    d->out->reached = TLS_READ_VERSION;
    if (spec_len % 3 || !cur_sub(c, spec_len, &specs) || !cur_bytes(c, sid_len, &sid) ||
        !cur_bytes(c, chal_len, &chal))
        return tls_dec_fail(d, node, "bad SSLv2 ClientHello lengths");
    struct tls_hello *h = &d->out->hello;
    d->out->hello_begun = 1;
    h->seen = 1;
    h->version = version;
    check = specs;
    if (!cipher_specs(d, &check, node, NULL, NULL))
        return 0;
    uint32_t k;
    while (cipher_kind(&specs, &k))
        if (k <= 0xffff) /* the TLS suites, for the fingerprints */
            tls_hello_add(h->ciphers, &h->nciphers, (uint16_t)k);
    ft_verbose(d->t, ft_hex(d->t, node, "session_id", sid, sid_len));
    ft_verbose(d->t, ft_hex(d->t, node, "challenge", chal, chal_len));
    /* E.2: the challenge, left-padded with zeros, is the client random;
     * the session ID is not one a TLS server could resume. */
    if (chal_len <= 32)
        memcpy(d->out->random + 32 - chal_len, chal, chal_len);
    d->out->reached = TLS_READ_FIXED;
    return 1;
}

/* SERVER-HELLO: session_id_hit, certificate_type, server_version, the
 * lengths of the certificate, the cipher specs and the connection ID,
 * then those. */
static int server_hello(struct tls_dec *d, struct cursor *c, int node)
{
    uint8_t hit, cert_type;
    uint16_t version, cert_len, specs_len, id_len;
    struct cursor cert, specs;
    const uint8_t *id;

    if (!cur_u8(c, &hit) || !cur_u8(c, &cert_type) || !cur_u16(c, &version) ||
        !cur_u16(c, &cert_len) || !cur_u16(c, &specs_len) || !cur_u16(c, &id_len))
        return tls_dec_fail(d, node, "truncated SERVER-HELLO");
    ft_bool(d->t, node, "session_id_hit", hit != 0);
    ft_uint(d->t, node, "certificate_type", cert_type); /* 1: X509_CERTIFICATE */
    ft_named(d->t, node, "version", REG_VERSION, version);
    if (!cur_sub(c, cert_len, &cert) || !cur_sub(c, specs_len, &specs) ||
        !cur_bytes(c, id_len, &id))
        return tls_dec_fail(d, node, "bad SERVER-HELLO lengths");
    d->out->reached = TLS_READ_FIXED;
    d->out->ssl2_hit = hit != 0;
    d->out->version = version;
    if (cert_len) {
        d->out->chain_read = 1;
        tls_dec_cert_der(d, &cert, ft_list(d->t, node, "certificates"));
    }
    if (!cipher_specs(d, &specs, node, d->out->ssl2_specs, &d->out->ssl2_nspecs))
        return 0;
    ft_verbose(d->t, ft_hex(d->t, node, "connection_id", id, id_len));
    return 1;
}

/* CLIENT-MASTER-KEY: the cipher kind chosen, the lengths of the clear and
 * the encrypted part of the master key and of the key argument (an IV),
 * then those. */
static int client_master_key(struct tls_dec *d, struct cursor *c, int node)
{
    uint32_t kind;
    uint16_t clear_len, enc_len, arg_len;
    const uint8_t *clear, *enc, *arg;

    if (!cipher_kind(c, &kind) || !cur_u16(c, &clear_len) || !cur_u16(c, &enc_len) ||
        !cur_u16(c, &arg_len))
        return tls_dec_fail(d, node, "truncated CLIENT-MASTER-KEY");
    ft_named(d->t, node, "cipher_kind", REG_CIPHER, kind);
    if (!cur_bytes(c, clear_len, &clear) || !cur_bytes(c, enc_len, &enc) ||
        !cur_bytes(c, arg_len, &arg))
        return tls_dec_fail(d, node, "bad CLIENT-MASTER-KEY lengths");
    ft_uint(d->t, node, "clear_key_length", clear_len);
    ft_uint(d->t, node, "encrypted_key_length", enc_len);
    ft_verbose(d->t, ft_hex(d->t, node, "key_arg", arg, arg_len));
    d->out->ssl2_kind = kind;
    d->out->reached = TLS_READ_FIXED;
    return 1;
}

static int error(struct tls_dec *d, struct cursor *c, int node)
{
    uint16_t code;
    if (!cur_u16(c, &code))
        return tls_dec_fail(d, node, "truncated ERROR");
    ft_named(d->t, node, "error_code", REG_SSL2_ERROR, code);
    d->out->ssl2_error_read = 1;
    d->out->ssl2_error = code;
    return 1;
}

int tls_dec_ssl2_message(struct tls_dec *d, uint8_t type, struct cursor *c, int node)
{
    int ok;
    switch (type) {
    case SSL2_ERROR:
        ok = error(d, c, node);
        break;
    case SSL2_CLIENT_MASTER_KEY:
        ok = client_master_key(d, c, node);
        break;
    case SSL2_SERVER_HELLO:
        ok = server_hello(d, c, node);
        break;
    case SSL2_CLIENT_HELLO: /* a second one: the first is the record's own */
    default:
        ft_uint(d->t, node, "length", cur_left(c));
        ok = cur_skip(c, cur_left(c));
        break;
    }
    if (ok && !cur_at_end(c))
        return tls_dec_fail(d, node, "trailing bytes after the message");
    return ok;
}
