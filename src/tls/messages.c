/*
 * Handshake messages other than the hellos (RFC 8446 section 4, RFC 5246
 * section 7.4, RFC 4492 section 5, RFC 4279, RFC 5077, RFC 6066, RFC 8879).
 * Messages whose layout depends on the negotiated version or key exchange
 * are told it (tls_dec.version, .cipher).
 */
#include <string.h>

#include "tls_int.h"

enum kx { KX_UNKNOWN, KX_RSA, KX_DHE, KX_ECDHE, KX_PSK, KX_RSA_PSK, KX_DHE_PSK, KX_ECDHE_PSK };

/* The key exchange, from the suite's IANA name ("TLS_<kx>_WITH_..."), so
 * that it needs no second table. */
static enum kx kx_of(uint32_t cipher, int *anon)
{
    static const struct {
        const char *prefix;
        enum kx kx;
        int anon;
    } map[] = {
        {"TLS_ECDHE_PSK_", KX_ECDHE_PSK, 1},
        {"TLS_DHE_PSK_", KX_DHE_PSK, 1},
        {"TLS_RSA_PSK_", KX_RSA_PSK, 1},
        {"TLS_PSK_", KX_PSK, 1},
        {"TLS_ECDHE_", KX_ECDHE, 0},
        {"TLS_ECDH_anon_", KX_ECDHE, 1},
        {"TLS_DHE_", KX_DHE, 0},
        {"TLS_DH_anon_", KX_DHE, 1},
        {"TLS_RSA_", KX_RSA, 0},
    };
    const char *name = cipher <= 0xffff ? reg_name(REG_CIPHER, cipher) : NULL;
    *anon = 0;
    for (size_t i = 0; name && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strncmp(name, map[i].prefix, strlen(map[i].prefix)) == 0) {
            *anon = map[i].anon;
            return map[i].kx;
        }
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
    if (d->version >= 0x0303) {
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
        if (d->version == 0x0300) { /* SSLv3: no length prefix */
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

static struct tls_cert_info *cert_slot(struct tls_dec *d)
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
    struct tls_cert_info *keep = cert_slot(d);
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
        ft_verbose(d->t, ft_hex(d->t, node, "request_context", cur_ptr(&ctx), cur_left(&ctx)));
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
        ft_verbose(d->t, ft_hex(d->t, node, "request_context", cur_ptr(&v), cur_left(&v)));
        return tls_dec_extensions(d, c, node);
    }
    if (!cur_vec8(c, &types))
        return tls_dec_fail(d, node, "bad certificate_types length");
    int l = ft_list(d->t, node, "certificate_types");
    while (cur_u8(&types, &t))
        ft_named(d->t, l, NULL, REG_CERT_TYPE, t);
    if (d->version >= 0x0303) {
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
    ft_verbose(d->t, ft_uint(d->t, node, "age_add", age_add));
    ft_verbose(d->t, ft_hex(d->t, node, "nonce", cur_ptr(&nonce), cur_left(&nonce)));
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
    case 22: /* CertificateStatus (RFC 6066 8) */
        if (!cur_u8(c, &v))
            return tls_dec_fail(d, node, "truncated status_type");
        ft_named(d->t, node, "status_type", REG_CERT_STATUS_TYPE, v);
        return vec_len(d, c, node, "response_length", 3);
    case 24: /* KeyUpdate */
        if (!cur_u8(c, &v))
            return tls_dec_fail(d, node, "truncated request_update");
        ft_named(d->t, node, "request_update", REG_KEY_UPDATE, v);
        return 1;
    case 15: /* CertificateVerify */
        return signature(d, c, node);
    case 20: /* Finished */
        ft_hex(d->t, node, "verify_data", cur_ptr(c), cur_left(c));
        return cur_skip(c, cur_left(c));
    case 254: /* message_hash (RFC 8446 4.4.1) */
        ft_hex(d->t, node, "hash", cur_ptr(c), cur_left(c));
        return cur_skip(c, cur_left(c));
    case 0:       /* HelloRequest */
    case 5:       /* EndOfEarlyData */
    case 14:      /* ServerHelloDone */
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
    case 1:
        ok = tls_dec_client_hello(d, c, node);
        break;
    case 2:
    case TLS_HS_HELLO_RETRY_REQUEST:
        ok = tls_dec_server_hello(d, c, node);
        break;
    case 4:
        ok = new_session_ticket(d, c, node);
        break;
    case 8:
        ok = tls_dec_extensions(d, c, node);
        break;
    case 11:
        ok = certificate(d, c, node);
        break;
    case 12:
        ok = server_key_exchange(d, c, node);
        break;
    case 13:
        ok = certificate_request(d, c, node);
        break;
    case 16:
        ok = client_key_exchange(d, c, node);
        break;
    case 25:
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
