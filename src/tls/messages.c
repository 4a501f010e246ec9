/*
 * Handshake messages other than the hellos (RFC 8446 section 4, RFC 5246
 * section 7.4, RFC 4492 section 5, RFC 4279, RFC 5077, RFC 6066, RFC 8879).
 * Messages whose layout depends on the negotiated version or key exchange
 * are told it (tls_dec.version, .cipher).
 */
#include <string.h>

#include "tls_int.h"

enum kx { KX_UNKNOWN, KX_RSA, KX_DHE, KX_ECDHE, KX_PSK, KX_RSA_PSK, KX_DHE_PSK, KX_ECDHE_PSK };

/* The key exchange as the messages' layout depends on it (RFC 5246 7.4.3,
 * RFC 4279 2, RFC 8422 5.4); anon: no signature over the server's
 * parameters. */
static enum kx kx_of(uint32_t cipher, int *anon)
{
    const struct reg_suite *s = cipher <= 0xffff ? reg_suite((uint16_t)cipher) : NULL;

    *anon = 0;
    if (!s)
        return KX_UNKNOWN;
    /* RFC 4279: the PSK suites' ServerKeyExchange is not signed */
    *anon = s->auth == REG_AUTH_ANON || s->kx == REG_KX_PSK || s->kx == REG_KX_RSA_PSK ||
            s->kx == REG_KX_DHE_PSK || s->kx == REG_KX_ECDHE_PSK;
    switch (s->kx) {
    case REG_KX_RSA:
        return KX_RSA;
    case REG_KX_DHE:
        return KX_DHE;
    case REG_KX_ECDHE:
        return KX_ECDHE;
    case REG_KX_PSK:
        return KX_PSK;
    case REG_KX_RSA_PSK:
        return KX_RSA_PSK;
    case REG_KX_DHE_PSK:
        return KX_DHE_PSK;
    case REG_KX_ECDHE_PSK:
        return KX_ECDHE_PSK;
    case REG_KX_NONE:
    case REG_KX_DH:
    case REG_KX_ECDH:
    case REG_KX_KRB5:
    case REG_KX_SRP:
    case REG_KX_ECCPWD:
    case REG_KX_GOST:
    case REG_KX_ANY:
    case REG_KX_SCSV:
        break;
    }
    return KX_UNKNOWN;
}

static int tls13(const struct tls_dec *d)
{
    return tls_is_tls13(d->version);
}

static int vec_len(struct tls_dec *d, struct cursor *c, int node, const char *key, int prefix)
{
    struct cursor v;
    int ok = prefix == 1 ? cur_vec8(c, &v) : prefix == 2 ? cur_vec16(c, &v) : cur_vec24(c, &v);
    if (!ok)
        return tls_dec_fail(d, node, "bad length");
    ft_uint(d->t, node, key, cur_left(&v));
    return 1;
}

/* Notes where the 16-bit vector at c lies, without reading it. */
static void keep_vec16(const struct cursor *c, const uint8_t **p, size_t *n)
{
    struct cursor peek = *c, v;
    if (p && cur_vec16(&peek, &v)) {
        *p = cur_ptr(&v);
        *n = cur_left(&v);
    }
}

static int signature(struct tls_dec *d, struct cursor *c, int node)
{
    uint16_t scheme;
    /* TLS 1.2 names the scheme; earlier versions imply it (RFC 5246 4.7). */
    if (d->version >= TLS_V_1_2) {
        if (!cur_u16(c, &scheme))
            return tls_dec_fail(d, node, "truncated signature scheme");
        ft_named(d->t, node, "signature_scheme", REG_SIGSCHEME, scheme);
    }
    return vec_len(d, c, node, "signature_length", 2);
}

static int server_key_exchange(struct tls_dec *d, struct cursor *c, int node)
{
    int anon;
    enum kx kx = kx_of(d->cipher, &anon);
    uint8_t curve_type;
    uint16_t group;

    if (kx == KX_PSK || kx == KX_RSA_PSK || kx == KX_DHE_PSK || kx == KX_ECDHE_PSK)
        if (!vec_len(d, c, node, "psk_identity_hint_length", 2))
            return 0;
    if (kx == KX_ECDHE || kx == KX_ECDHE_PSK) {
        if (!cur_u8(c, &curve_type) || curve_type != 3 || !cur_u16(c, &group))
            return tls_dec_fail(d, node, "not a named_curve");
        ft_named(d->t, node, "group", REG_GROUP, group);
        d->out->group = group;
        if (!vec_len(d, c, node, "public_key_length", 1))
            return 0;
    } else if (kx == KX_DHE || kx == KX_DHE_PSK) {
        if (!vec_len(d, c, node, "dh_p_length", 2) || !vec_len(d, c, node, "dh_g_length", 2) ||
            !vec_len(d, c, node, "dh_Ys_length", 2))
            return 0;
    } else if (kx != KX_PSK && kx != KX_RSA_PSK) {
        ft_uint(d->t, node, "length", cur_left(c)); /* unknown or export RSA */
        return cur_skip(c, cur_left(c));
    }
    return anon ? 1 : signature(d, c, node);
}

static int client_key_exchange(struct tls_dec *d, struct cursor *c, int node)
{
    int anon;
    enum kx kx = kx_of(d->cipher, &anon);

    if (kx == KX_PSK || kx == KX_RSA_PSK || kx == KX_DHE_PSK || kx == KX_ECDHE_PSK)
        if (!vec_len(d, c, node, "psk_identity_length", 2))
            return 0;
    switch (kx) {
    case KX_RSA:
        if (d->version == TLS_V_SSL_3) { /* no length prefix */
            ft_uint(d->t, node, "encrypted_premaster_length", cur_left(c));
            if (d->keying)
                d->keying->pms = cur_ptr(c), d->keying->pms_len = cur_left(c);
            return cur_skip(c, cur_left(c));
        }
        keep_vec16(c, d->keying ? &d->keying->pms : NULL, d->keying ? &d->keying->pms_len : NULL);
        /* fall through */
    case KX_RSA_PSK:
        return vec_len(d, c, node, "encrypted_premaster_length", 2);
    case KX_DHE:
    case KX_DHE_PSK:
        return vec_len(d, c, node, "dh_Yc_length", 2);
    case KX_ECDHE:
    case KX_ECDHE_PSK:
        return vec_len(d, c, node, "public_key_length", 1);
    case KX_PSK:
        return 1;
    case KX_UNKNOWN:
        break;
    }
    ft_uint(d->t, node, "length", cur_left(c));
    return cur_skip(c, cur_left(c));
}

static struct x509_cert *cert_slot(struct tls_dec *d)
{
    struct tls_parsed *p = d->out;
    if (!p->certs || p->ncerts == TLS_MAX_CERTS)
        return NULL;
    return &p->certs[p->ncerts];
}

/* The entry's cert_data as a slice of the chain; the first is also the
 * leaf that RSA key exchange matches a private key against. */
static void keep_chain(struct tls_msg_keying *k, const struct cursor *der)
{
    if (!k)
        return;
    if (k->nchain == TLS_MAX_CHAIN) {
        k->chain_dropped++;
        return;
    }
    k->chain[k->nchain] = cur_ptr(der);
    k->chain_len[k->nchain] = cur_left(der);
    if (k->nchain++ == 0) {
        k->cert = cur_ptr(der);
        k->cert_len = cur_left(der);
    }
}

int tls_dec_cert_der(struct tls_dec *d, const struct cursor *der, int l)
{
    int g = ft_group(d->t, l, NULL);
    struct x509_cert *keep = cert_slot(d);
    keep_chain(d->keying, der);
    if (x509_fields(d->t, g, cur_ptr(der), cur_left(der), keep)) {
        if (keep)
            d->out->ncerts++;
    } else {
        ft_str(d->t, g, "error", "not a parsable X.509 certificate");
        ft_uint(d->t, g, "length", cur_left(der));
    }
    return g;
}

static int one_certificate(struct tls_dec *d, struct cursor *list, int l)
{
    struct cursor der;
    if (!cur_vec24(list, &der))
        return tls_dec_fail(d, l, "truncated certificate");
    int g = tls_dec_cert_der(d, &der, l);
    if (tls13(d)) /* RFC 8446 4.4.2: each entry has extensions */
        return tls_dec_extensions(d, list, g);
    return 1;
}

static int certificate(struct tls_dec *d, struct cursor *c, int node)
{
    struct cursor ctx, list;

    if (tls13(d)) {
        if (!cur_vec8(c, &ctx))
            return tls_dec_fail(d, node, "bad certificate_request_context");
        ft_hex(d->t, node, "request_context", cur_ptr(&ctx), cur_left(&ctx));
    }
    if (!cur_vec24(c, &list))
        return tls_dec_fail(d, node, "bad certificate_list length");
    d->out->chain_read = 1;
    int l = ft_list(d->t, node, "certificates");
    while (!cur_at_end(&list))
        if (!one_certificate(d, &list, l))
            return 0;
    return 1;
}

static int certificate_request(struct tls_dec *d, struct cursor *c, int node)
{
    struct cursor v, types;
    uint8_t t;

    if (tls13(d)) {
        if (!cur_vec8(c, &v))
            return tls_dec_fail(d, node, "bad certificate_request_context");
        ft_hex(d->t, node, "request_context", cur_ptr(&v), cur_left(&v));
        return tls_dec_extensions(d, c, node);
    }
    if (!cur_vec8(c, &types))
        return tls_dec_fail(d, node, "bad certificate_types length");
    int l = ft_list(d->t, node, "certificate_types");
    while (cur_u8(&types, &t))
        ft_named(d->t, l, NULL, REG_CERT_TYPE, t);
    if (d->version >= TLS_V_1_2) {
        if (!cur_vec16(c, &v) ||
            !tls_dec_u16_list(d, &v, node, "signature_algorithms", REG_SIGSCHEME, NULL, NULL))
            return tls_dec_fail(d, node, "bad supported_signature_algorithms");
    }
    return tls_dec_dn_list(d, c, node, "certificate_authorities");
}

static int new_session_ticket(struct tls_dec *d, struct cursor *c, int node)
{
    uint32_t lifetime, age_add;
    struct cursor nonce;

    if (!cur_u32(c, &lifetime))
        return tls_dec_fail(d, node, "truncated lifetime");
    ft_uint(d->t, node, "lifetime", lifetime);
    if (!tls13(d)) {
        keep_vec16(c, d->keying ? &d->keying->ticket : NULL,
                   d->keying ? &d->keying->ticket_len : NULL);
        return vec_len(d, c, node, "ticket_length", 2);
    }
    if (!cur_u32(c, &age_add) || !cur_vec8(c, &nonce))
        return tls_dec_fail(d, node, "truncated ticket_age_add or nonce");
    ft_uint(d->t, node, "age_add", age_add);
    ft_hex(d->t, node, "nonce", cur_ptr(&nonce), cur_left(&nonce));
    return vec_len(d, c, node, "ticket_length", 2) && tls_dec_extensions(d, c, node);
}

static int compressed_certificate(struct tls_dec *d, struct cursor *c, int node)
{
    uint16_t alg;
    uint32_t len;
    if (!cur_u16(c, &alg) || !cur_u24(c, &len))
        return tls_dec_fail(d, node, "truncated algorithm or length");
    ft_named(d->t, node, "algorithm", REG_CERT_COMPRESSION, alg);
    ft_uint(d->t, node, "uncompressed_length", len);
    return vec_len(d, c, node, "compressed_length", 3);
}

static int small_message(struct tls_dec *d, uint8_t type, struct cursor *c, int node)
{
    uint8_t v;
    switch (type) {
    case TLS_HS_CERTIFICATE_STATUS: /* RFC 6066 8 */
        if (!cur_u8(c, &v))
            return tls_dec_fail(d, node, "truncated status_type");
        ft_named(d->t, node, "status_type", REG_CERT_STATUS_TYPE, v);
        return vec_len(d, c, node, "response_length", 3);
    case TLS_HS_KEY_UPDATE:
        if (!cur_u8(c, &v))
            return tls_dec_fail(d, node, "truncated request_update");
        ft_named(d->t, node, "request_update", REG_KEY_UPDATE, v);
        return 1;
    case TLS_HS_CERTIFICATE_VERIFY:
        return signature(d, c, node);
    case TLS_HS_FINISHED:
        ft_hex(d->t, node, "verify_data", cur_ptr(c), cur_left(c));
        return cur_skip(c, cur_left(c));
    case TLS_HS_MESSAGE_HASH: /* RFC 8446 4.4.1 */
        ft_hex(d->t, node, "hash", cur_ptr(c), cur_left(c));
        return cur_skip(c, cur_left(c));
    case TLS_HS_HELLO_REQUEST:
    case TLS_HS_END_OF_EARLY_DATA:
    case TLS_HS_SERVER_HELLO_DONE:
        return 1; /* empty: trailing bytes are reported by the caller */
    default:
        ft_uint(d->t, node, "length", cur_left(c));
        return cur_skip(c, cur_left(c));
    }
}

int tls_dec_message(struct tls_dec *d, uint8_t type, struct cursor *c, int node)
{
    int ok;
    d->msg = type;
    switch (type) {
    case TLS_HS_CLIENT_HELLO:
        ok = tls_dec_client_hello(d, c, node);
        break;
    case TLS_HS_SERVER_HELLO:
    case TLS_HS_HELLO_RETRY_REQUEST:
        ok = tls_dec_server_hello(d, c, node);
        break;
    case TLS_HS_NEW_SESSION_TICKET:
        ok = new_session_ticket(d, c, node);
        break;
    case TLS_HS_ENCRYPTED_EXTENSIONS:
        ok = tls_dec_extensions(d, c, node);
        break;
    case TLS_HS_CERTIFICATE:
        ok = certificate(d, c, node);
        break;
    case TLS_HS_SERVER_KEY_EXCHANGE:
        ok = server_key_exchange(d, c, node);
        break;
    case TLS_HS_CERTIFICATE_REQUEST:
        ok = certificate_request(d, c, node);
        break;
    case TLS_HS_CLIENT_KEY_EXCHANGE:
        ok = client_key_exchange(d, c, node);
        break;
    case TLS_HS_COMPRESSED_CERTIFICATE:
        ok = compressed_certificate(d, c, node);
        break;
    default:
        ok = small_message(d, type, c, node);
        break;
    }
    if (ok && !cur_at_end(c))
        return tls_dec_fail(d, node, "trailing bytes after the message");
    return ok;
}
