/*
 * Extensions (RFC 8446 4.2 and the RFCs each registry row names).  Each
 * decoder reads one extension's body, whose length the caller checked;
 * what it does not consume is reported as trailing bytes.
 */
#include <stdio.h>
#include <string.h>

#include "tls_int.h"

/* Copies a wire string into a result's text, keeping it printable. */
static void keep_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    dst[i] = 0;
}

static int ext_server_name(struct tls_dec *d, struct cursor *b, int node)
{
    struct cursor list, name;
    uint8_t type;

    if (cur_at_end(b)) /* the server's acknowledgment */
        return 1;
    if (!cur_vec16(b, &list))
        return tls_dec_fail(d, node, "bad server_name_list length");
    int l = ft_list(d->t, node, "names");
    while (!cur_at_end(&list)) {
        if (!cur_u8(&list, &type) || !cur_vec16(&list, &name))
            return tls_dec_fail(d, node, "truncated server name");
        if (type != 0) {
            ft_named(d->t, l, NULL, REG_NAME_TYPE, type);
            continue;
        }
        ft_text(d->t, l, NULL, cur_ptr(&name), cur_left(&name));
        if (!d->out->ext.sni[0])
            keep_text(d->out->ext.sni, sizeof(d->out->ext.sni), cur_ptr(&name), cur_left(&name));
    }
    return 1;
}

static int ext_u16_vec(struct tls_dec *d, struct cursor *b, int node, const char *key,
                       enum reg_table table, uint16_t *keep, int *nkeep)
{
    struct cursor v;
    if (!cur_vec16(b, &v))
        return tls_dec_fail(d, node, "bad list length");
    return tls_dec_u16_list(d, &v, node, key, table, keep, nkeep);
}

static int ext_u8_vec(struct tls_dec *d, struct cursor *b, int node, const char *key,
                      enum reg_table table, uint8_t *keep, int *nkeep)
{
    struct cursor v;
    uint8_t x;
    if (!cur_vec8(b, &v))
        return tls_dec_fail(d, node, "bad list length");
    int l = ft_list(d->t, node, key);
    while (cur_u8(&v, &x)) {
        ft_named(d->t, l, NULL, table, x);
        if (keep && *nkeep < TLS_HELLO_MAX)
            keep[(*nkeep)++] = x;
    }
    return 1;
}

/* The hello's protocols as a list, and the ends of the first (JA4). */
static void keep_alpn(struct tls_hello *h, const struct cursor *proto)
{
    const uint8_t *p = cur_ptr(proto);
    size_t n = cur_left(proto), at = strlen(h->alpn);
    if (n && !h->nalpn)
        h->alpn_first[0] = p[0], h->alpn_first[1] = p[n - 1];
    if (h->nalpn < TLS_HELLO_MAX_ALPN)
        keep_text(h->alpn_names[h->nalpn], sizeof(h->alpn_names[0]), p, n);
    h->nalpn++;
    if (at + 1 + n + 1 > sizeof(h->alpn))
        return;
    if (at)
        h->alpn[at++] = ',';
    keep_text(h->alpn + at, sizeof(h->alpn) - at, p, n);
}

static int ext_alpn(struct tls_dec *d, struct cursor *b, int node)
{
    struct cursor list, proto;
    if (!cur_vec16(b, &list))
        return tls_dec_fail(d, node, "bad protocol_name_list length");
    int l = ft_list(d->t, node, "protocols");
    while (!cur_at_end(&list)) {
        if (!cur_vec8(&list, &proto))
            return tls_dec_fail(d, node, "truncated protocol name");
        ft_text(d->t, l, NULL, cur_ptr(&proto), cur_left(&proto));
        if (d->msg != TLS_HS_CLIENT_HELLO && !d->out->ext.alpn[0])
            keep_text(d->out->ext.alpn, sizeof(d->out->ext.alpn), cur_ptr(&proto),
                      cur_left(&proto));
        if (d->hello)
            keep_alpn(d->hello, &proto);
    }
    return 1;
}

static int ext_supported_versions(struct tls_dec *d, struct cursor *b, int node)
{
    uint16_t v;
    if (d->msg == TLS_HS_CLIENT_HELLO) {
        struct cursor list;
        if (!cur_vec8(b, &list))
            return tls_dec_fail(d, node, "bad versions length");
        int l = ft_list(d->t, node, "versions");
        while (cur_u16(&list, &v)) {
            ft_named(d->t, l, NULL, REG_VERSION, v);
            if (v > d->out->ext.max_version && !reg_is_grease(v))
                d->out->ext.max_version = v;
            if (d->hello)
                tls_hello_add(d->hello->versions, &d->hello->nversions, v);
        }
        return 1;
    }
    if (!cur_u16(b, &v))
        return tls_dec_fail(d, node, "truncated selected_version");
    ft_named(d->t, node, "selected_version", REG_VERSION, v);
    d->out->ext.version_selected = 1;
    d->out->ext.selected_version = v;
    if (d->hello)
        tls_hello_add(d->hello->versions, &d->hello->nversions, v);
    return 1;
}

static int key_share_entry(struct tls_dec *d, struct cursor *b, int node)
{
    uint16_t group;
    struct cursor key;
    if (!cur_u16(b, &group) || !cur_vec16(b, &key))
        return tls_dec_fail(d, node, "truncated key share");
    ft_named(d->t, node, "group", REG_GROUP, group);
    ft_uint(d->t, node, "key_length", cur_left(&key));
    if (d->msg == TLS_HS_SERVER_HELLO) /* the one share the server chose (RFC 8446 4.2.8) */
        d->out->group = group;
    return 1;
}

static int ext_key_share(struct tls_dec *d, struct cursor *b, int node)
{
    uint16_t group;
    if (d->msg == TLS_HS_HELLO_RETRY_REQUEST) {
        if (!cur_u16(b, &group))
            return tls_dec_fail(d, node, "truncated selected_group");
        ft_named(d->t, node, "selected_group", REG_GROUP, group);
        return 1;
    }
    if (d->msg != TLS_HS_CLIENT_HELLO)
        return key_share_entry(d, b, ft_group(d->t, node, "share"));
    struct cursor list;
    if (!cur_vec16(b, &list))
        return tls_dec_fail(d, node, "bad client_shares length");
    int l = ft_list(d->t, node, "shares");
    while (!cur_at_end(&list))
        if (!key_share_entry(d, &list, ft_group(d->t, l, NULL)))
            return 0;
    return 1;
}

static int ext_pre_shared_key(struct tls_dec *d, struct cursor *b, int node)
{
    struct cursor ids, binders, id, binder;
    uint32_t age;
    uint16_t selected;

    if (d->msg != TLS_HS_CLIENT_HELLO) {
        if (!cur_u16(b, &selected))
            return tls_dec_fail(d, node, "truncated selected_identity");
        ft_uint(d->t, node, "selected_identity", selected);
        d->out->ext.psk_selected = 1;
        return 1;
    }
    if (!cur_vec16(b, &ids) || !cur_vec16(b, &binders))
        return tls_dec_fail(d, node, "bad identities or binders length");
    int l = ft_list(d->t, node, "identities");
    while (!cur_at_end(&ids)) {
        if (!cur_vec16(&ids, &id) || !cur_u32(&ids, &age))
            return tls_dec_fail(d, node, "truncated identity");
        int g = ft_group(d->t, l, NULL);
        ft_uint(d->t, g, "identity_length", cur_left(&id));
        ft_uint(d->t, g, "obfuscated_ticket_age", age);
    }
    int n = 0;
    while (!cur_at_end(&binders)) {
        if (!cur_vec8(&binders, &binder))
            return tls_dec_fail(d, node, "truncated binder");
        n++;
    }
    ft_uint(d->t, node, "binders", (uint64_t)n);
    return 1;
}

/* A vector of DER distinguished names (RFC 8446 4.2.4, RFC 5246 7.4.4),
 * shown as text where OpenSSL can read them.  Shared with
 * CertificateRequest. */
int tls_dec_dn_list(struct tls_dec *d, struct cursor *c, int node, const char *key)
{
    struct cursor list, dn;
    char name[512];
    if (!cur_vec16(c, &list))
        return tls_dec_fail(d, node, "bad distinguished names length");
    int l = ft_list(d->t, node, key);
    while (!cur_at_end(&list)) {
        if (!cur_vec16(&list, &dn))
            return tls_dec_fail(d, node, "truncated distinguished name");
        if (x509_name_text(cur_ptr(&dn), cur_left(&dn), name, sizeof(name)))
            ft_str(d->t, l, NULL, name);
        else
            ft_hex(d->t, l, NULL, cur_ptr(&dn), cur_left(&dn));
    }
    return 1;
}

static int ext_status_request(struct tls_dec *d, struct cursor *b, int node)
{
    uint8_t type;
    struct cursor v;
    if (cur_at_end(b))
        return 1;
    if (!cur_u8(b, &type))
        return tls_dec_fail(d, node, "truncated status_type");
    ft_named(d->t, node, "status_type", REG_CERT_STATUS_TYPE, type);
    if (d->msg == TLS_HS_CERTIFICATE) { /* RFC 8446 4.4.2.1: a CertificateStatus */
        if (!cur_vec24(b, &v))
            return tls_dec_fail(d, node, "bad OCSP response length");
        ft_uint(d->t, node, "response_length", cur_left(&v));
        return 1;
    }
    struct cursor ids, exts;
    if (type != 1) /* another status type: its request is opaque here */
        return cur_skip(b, cur_left(b));
    if (!cur_vec16(b, &ids) || !cur_vec16(b, &exts))
        return tls_dec_fail(d, node, "bad OCSP request lengths");
    return 1;
}

static int ext_ech(struct tls_dec *d, struct cursor *b, int node)
{
    uint8_t type, config_id;
    uint16_t kdf, aead;
    struct cursor enc, payload;

    if (d->msg != TLS_HS_CLIENT_HELLO) {
        ft_uint(d->t, node, "length", cur_left(b)); /* retry configs or confirmation */
        return cur_skip(b, cur_left(b));
    }
    if (!cur_u8(b, &type))
        return tls_dec_fail(d, node, "truncated ECH type");
    ft_named(d->t, node, "type", REG_ECH_CONFIG, type);
    if (type != 0)
        return 1;
    if (!cur_u16(b, &kdf) || !cur_u16(b, &aead) || !cur_u8(b, &config_id) || !cur_vec16(b, &enc) ||
        !cur_vec16(b, &payload))
        return tls_dec_fail(d, node, "truncated outer ECH");
    ft_uint(d->t, node, "kdf_id", kdf);
    ft_uint(d->t, node, "aead_id", aead);
    ft_uint(d->t, node, "config_id", config_id);
    ft_uint(d->t, node, "enc_length", cur_left(&enc));
    ft_uint(d->t, node, "payload_length", cur_left(&payload));
    return 1;
}

/* RFC 6520 2: the body is one HeartbeatMode, not a list. */
static int ext_heartbeat(struct tls_dec *d, struct cursor *b, int node)
{
    uint8_t mode;
    if (!cur_u8(b, &mode))
        return tls_dec_fail(d, node, "truncated heartbeat mode");
    ft_named(d->t, node, "mode", REG_HEARTBEAT_MODE, mode);
    return 1;
}

static int ext_u16_value(struct tls_dec *d, struct cursor *b, int node, const char *key)
{
    uint16_t v;
    if (!cur_u16(b, &v))
        return tls_dec_fail(d, node, "truncated value");
    ft_uint(d->t, node, key, v);
    return 1;
}

static int ext_opaque(struct tls_dec *d, struct cursor *b, int node, int prefix)
{
    struct cursor v;
    if (prefix == 1 ? !cur_vec8(b, &v) : !cur_vec16(b, &v))
        return tls_dec_fail(d, node, "bad length");
    ft_uint(d->t, node, "length", cur_left(&v));
    return 1;
}

/* What key derivation needs to know of an extension, whatever its body
 * says (RFC 7366, RFC 7627, RFC 5077, RFC 8446 4.2.10). */
static void note_keying(struct tls_dec *d, uint16_t type, const struct cursor *b)
{
    struct tls_ext_said *e = &d->out->ext;
    if (type == TLS_EXT_ENCRYPT_THEN_MAC)
        e->etm = 1;
    else if (type == TLS_EXT_EXTENDED_MASTER_SECRET)
        e->ems = 1;
    else if (type == TLS_EXT_EARLY_DATA)
        e->early_data = 1;
    else if (d->msg == TLS_HS_CLIENT_HELLO && type == TLS_EXT_SESSION_TICKET && d->keying &&
             !cur_at_end(b)) {
        d->keying->ticket = cur_ptr(b);
        d->keying->ticket_len = cur_left(b);
    }
}

static int ext_body(struct tls_dec *d, uint16_t type, struct cursor *b, int node)
{
    struct tls_hello *h = d->hello;
    int ch = d->msg == TLS_HS_CLIENT_HELLO;
    uint32_t max_early;

    switch (type) {
    case TLS_EXT_SERVER_NAME:
        return ext_server_name(d, b, node);
    case TLS_EXT_STATUS_REQUEST:
        return ext_status_request(d, b, node);
    case TLS_EXT_SUPPORTED_GROUPS:
        return ext_u16_vec(d, b, node, "groups", REG_GROUP, h ? h->groups : NULL,
                           h ? &h->ngroups : NULL);
    case TLS_EXT_EC_POINT_FORMATS:
        return ext_u8_vec(d, b, node, "formats", REG_EC_POINT_FORMAT, h ? h->formats : NULL,
                          h ? &h->nformats : NULL);
    case TLS_EXT_SIGNATURE_ALGORITHMS:
        /* NSS's draft-16 servers put an empty one in the ServerHello */
        if (d->msg == TLS_HS_SERVER_HELLO && cur_at_end(b))
            return 1;
        return ext_u16_vec(d, b, node, "schemes", REG_SIGSCHEME, h ? h->sigalgs : NULL,
                           h ? &h->nsigalgs : NULL);
    case TLS_EXT_SIGNATURE_ALGORITHMS_CERT:
        return ext_u16_vec(d, b, node, "schemes", REG_SIGSCHEME, NULL, NULL);
    case TLS_EXT_HEARTBEAT:
        return ext_heartbeat(d, b, node);
    case TLS_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION:
        return ext_alpn(d, b, node);
    case TLS_EXT_CLIENT_CERTIFICATE_TYPE:
    case TLS_EXT_SERVER_CERTIFICATE_TYPE:
        if (ch)
            return ext_u8_vec(d, b, node, "types", REG_CERT_ENTRY_TYPE, NULL, NULL);
        uint8_t ct;
        if (!cur_u8(b, &ct))
            return tls_dec_fail(d, node, "truncated certificate type");
        ft_named(d->t, node, "type", REG_CERT_ENTRY_TYPE, ct);
        return 1;
    case TLS_EXT_COMPRESS_CERTIFICATE: { /* RFC 8879: 16-bit algorithms under a one-byte length */
        struct cursor v;
        if (!cur_vec8(b, &v))
            return tls_dec_fail(d, node, "bad algorithms length");
        return tls_dec_u16_list(d, &v, node, "algorithms", REG_CERT_COMPRESSION, NULL, NULL);
    }
    case TLS_EXT_RECORD_SIZE_LIMIT:
        return ext_u16_value(d, b, node, "limit");
    case TLS_EXT_PRE_SHARED_KEY:
        return ext_pre_shared_key(d, b, node);
    case TLS_EXT_EARLY_DATA:
        if (d->msg == TLS_HS_NEW_SESSION_TICKET) {
            if (!cur_u32(b, &max_early))
                return tls_dec_fail(d, node, "truncated max_early_data_size");
            ft_uint(d->t, node, "max_early_data_size", max_early);
        }
        return 1;
    case TLS_EXT_SUPPORTED_VERSIONS:
        return ext_supported_versions(d, b, node);
    case TLS_EXT_COOKIE:
        return ext_opaque(d, b, node, 2);
    case TLS_EXT_PSK_KEY_EXCHANGE_MODES:
        return ext_u8_vec(d, b, node, "modes", REG_PSK_MODE, NULL, NULL);
    case TLS_EXT_CERTIFICATE_AUTHORITIES:
        return tls_dec_dn_list(d, b, node, "authorities");
    case TLS_EXT_KEY_SHARE_OLD: /* key_share in the TLS 1.3 drafts before 23 */
    case TLS_EXT_KEY_SHARE:
        return ext_key_share(d, b, node);
    case TLS_EXT_ENCRYPTED_CLIENT_HELLO:
        return ext_ech(d, b, node);
    case TLS_EXT_RENEGOTIATION_INFO:
        return ext_opaque(d, b, node, 1);
    default:
        /* padding, session_ticket, SCTs, cookies of unknown shape: length */
        if (!cur_at_end(b))
            ft_uint(d->t, node, "length", cur_left(b));
        return cur_skip(b, cur_left(b));
    }
}

/* Reads one extension block; what follows it is the caller's (in TLS 1.3
 * Certificate, the next CertificateEntry). */
int tls_dec_extensions(struct tls_dec *d, struct cursor *c, int node)
{
    struct cursor all, body;
    uint16_t type;

    if (!cur_vec16(c, &all))
        return tls_dec_fail(d, node, "bad extensions length");
    int list = ft_list(d->t, node, "extensions");
    while (!cur_at_end(&all)) {
        if (!cur_u16(&all, &type) || !cur_vec16(&all, &body))
            return tls_dec_fail(d, list, "truncated extension");
        int e = ft_group(d->t, list, NULL);
        ft_named(d->t, e, "type", REG_EXT, type);
        if (d->hello)
            tls_hello_add(d->hello->exts, &d->hello->nexts, type);
        note_keying(d, type, &body);
        if (!ext_body(d, type, &body, e))
            return 0;
        if (!cur_at_end(&body))
            return tls_dec_fail(d, e, "trailing bytes in extension");
    }
    return 1;
}
