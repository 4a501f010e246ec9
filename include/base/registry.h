/*
 * registry.h: the names of protocol values, from one table
 * (include/base/registry.def) that every view uses.
 */
#ifndef TLSDUMP_REGISTRY_H
#define TLSDUMP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
enum reg_table {
#define REG_TABLE(t) REG_##t,
    REG_TABLE(VERSION) REG_TABLE(CONTENT) REG_TABLE(CONTENT_LABEL) REG_TABLE(HANDSHAKE)
    REG_TABLE(CIPHER) REG_TABLE(EXT) REG_TABLE(GROUP) REG_TABLE(SIGSCHEME) REG_TABLE(ALERT)
    REG_TABLE(ALERT_LEVEL) REG_TABLE(CERT_TYPE) REG_TABLE(COMPRESSION)
    REG_TABLE(EC_POINT_FORMAT) REG_TABLE(PSK_MODE) REG_TABLE(CERT_STATUS_TYPE)
    REG_TABLE(CERT_COMPRESSION) REG_TABLE(KEY_UPDATE) REG_TABLE(NAME_TYPE)
    REG_TABLE(HEARTBEAT_MODE) REG_TABLE(HEARTBEAT_MSG) REG_TABLE(CERT_ENTRY_TYPE)
    REG_TABLE(ECH_CONFIG) REG_TABLE(SSL2_MSG) REG_TABLE(SSL2_ERROR)
#undef REG_TABLE
    REG_NTABLES
};
/* clang-format on */

/*
 * The protocol values of the REGE rows, by name: one enum per table, each
 * member its table's prefix and the row's IDENT (TLS_HS_CLIENT_HELLO = 1).
 * REG_PICK_<table> keeps one table's rows; the others expand to nothing.
 */
#define REG(t, v, n)
#define REGE(t, v, id, n) REG_PICK_##t(v, id)
#define REG_PICK_VERSION(v, id)
#define REG_PICK_CONTENT(v, id)
#define REG_PICK_HANDSHAKE(v, id)
#define REG_PICK_ALERT(v, id)
#define REG_PICK_ALERT_LEVEL(v, id)
#define REG_PICK_EXT(v, id)
#define REG_PICK_GROUP(v, id)

/* ProtocolVersion: TLS_V_1_2 = 0x0303, TLS_V_SSL_3, TLS_V_DTLS_1_2, ... */
#undef REG_PICK_VERSION
#define REG_PICK_VERSION(v, id) TLS_V_##id = v,
enum tls_version {
#include "base/registry.def"
};
#undef REG_PICK_VERSION
#define REG_PICK_VERSION(v, id)

/* ContentType: TLS_CT_HANDSHAKE = 22, ... */
#undef REG_PICK_CONTENT
#define REG_PICK_CONTENT(v, id) TLS_CT_##id = v,
enum tls_content_type {
#include "base/registry.def"
};
#undef REG_PICK_CONTENT
#define REG_PICK_CONTENT(v, id)

/* HandshakeType: TLS_HS_CLIENT_HELLO = 1, ... */
#undef REG_PICK_HANDSHAKE
#define REG_PICK_HANDSHAKE(v, id) TLS_HS_##id = v,
enum tls_hs_type {
#include "base/registry.def"
};
#undef REG_PICK_HANDSHAKE
#define REG_PICK_HANDSHAKE(v, id)

/* AlertDescription: TLS_ALERT_HANDSHAKE_FAILURE = 40, ... */
#undef REG_PICK_ALERT
#define REG_PICK_ALERT(v, id) TLS_ALERT_##id = v,
enum tls_alert_desc {
#include "base/registry.def"
};
#undef REG_PICK_ALERT
#define REG_PICK_ALERT(v, id)

/* AlertLevel: TLS_ALERT_LEVEL_WARNING = 1, TLS_ALERT_LEVEL_FATAL = 2 */
#undef REG_PICK_ALERT_LEVEL
#define REG_PICK_ALERT_LEVEL(v, id) TLS_ALERT_LEVEL_##id = v,
enum tls_alert_level {
#include "base/registry.def"
};
#undef REG_PICK_ALERT_LEVEL
#define REG_PICK_ALERT_LEVEL(v, id)

/* ExtensionType: TLS_EXT_SERVER_NAME = 0, ... */
#undef REG_PICK_EXT
#define REG_PICK_EXT(v, id) TLS_EXT_##id = v,
enum tls_ext {
#include "base/registry.def"
};
#undef REG_PICK_EXT
#define REG_PICK_EXT(v, id)

/* NamedGroup: TLS_GROUP_X25519 = 0x001d, ... */
#undef REG_PICK_GROUP
#define REG_PICK_GROUP(v, id) TLS_GROUP_##id = v,
enum tls_group {
#include "base/registry.def"
};

#undef REG_PICK_VERSION
#undef REG_PICK_CONTENT
#undef REG_PICK_HANDSHAKE
#undef REG_PICK_ALERT
#undef REG_PICK_ALERT_LEVEL
#undef REG_PICK_EXT
#undef REG_PICK_GROUP
#undef REGE
#undef REG

/* A cipher suite's key exchange (registry.def's SUITE rows explain). */
enum reg_kx {
    REG_KX_NONE, /* TLS_NULL_WITH_NULL_NULL */
    REG_KX_RSA,
    REG_KX_DH, /* static: DH_DSS, DH_RSA */
    REG_KX_DHE,
    REG_KX_ECDH, /* static: ECDH_ECDSA, ECDH_RSA */
    REG_KX_ECDHE,
    REG_KX_PSK,
    REG_KX_DHE_PSK,
    REG_KX_RSA_PSK,
    REG_KX_ECDHE_PSK,
    REG_KX_KRB5,
    REG_KX_SRP,
    REG_KX_ECCPWD,
    REG_KX_GOST,
    REG_KX_ANY,  /* TLS 1.3: the key exchange is not the suite's */
    REG_KX_SCSV, /* a signalling value, not a suite */
};

/* How the server is authenticated. */
enum reg_auth {
    REG_AUTH_NONE,
    REG_AUTH_RSA,
    REG_AUTH_DSS,
    REG_AUTH_ECDSA,
    REG_AUTH_ANON,
    REG_AUTH_PSK,
    REG_AUTH_KRB5,
    REG_AUTH_SRP,
    REG_AUTH_ECCPWD,
    REG_AUTH_GOST,
    REG_AUTH_ANY, /* TLS 1.3 */
};

/* The hash a suite's name ends with. */
enum reg_hash {
    REG_HASH_NONE,
    REG_HASH_MD5,
    REG_HASH_SHA1,
    REG_HASH_SHA256,
    REG_HASH_SHA384,
    REG_HASH_SHA512,
    REG_HASH_SM3,
    REG_HASH_ASCONHASH256,
    REG_HASH_STREEBOG256,
};

enum reg_mode {
    REG_MODE_NULL,
    REG_MODE_STREAM,
    REG_MODE_CBC,
    REG_MODE_GCM,
    REG_MODE_CCM,
    REG_MODE_CCM_8,
    REG_MODE_POLY1305,
    REG_MODE_CTR,
    REG_MODE_MGM,
    REG_MODE_OTHER,
};

/* How records of a suite are protected (RFC 5246 6.2.3, RFC 8446 5.2). */
enum reg_rec_class {
    REG_REC_NONE,   /* none that tlsdump implements */
    REG_REC_NULL,   /* MAC only */
    REG_REC_STREAM, /* RC4, then MAC */
    REG_REC_CBC,    /* MAC-then-encrypt, or encrypt-then-MAC (RFC 7366) */
    REG_REC_AEAD,   /* GCM, CCM, CCM_8, ChaCha20-Poly1305 */
};

/* The bulk ciphers of registry.def's BULK rows: REG_BULK_AES_128_GCM, ... */
enum reg_bulk {
#define BULK(id, evp, mode, cls, key, block, tag, bits, legacy) REG_BULK_##id,
#define REG(t, v, n)
#include "base/registry.def"
#undef REG
#undef BULK
    REG_NBULKS
};

/* One cipher suite's properties, from its SUITE row and its bulk
 * cipher's BULK row. */
struct reg_suite {
    uint16_t id;
    const char *name;
    enum reg_kx kx;
    enum reg_auth auth;
    enum reg_bulk bulk;
    enum reg_mode mode;
    enum reg_rec_class cls;
    const char *evp;    /* OpenSSL's cipher name; NULL for none */
    int key_len;        /* write key bytes (export: the final, expanded key) */
    int block;          /* CBC: block and explicit IV size; else 0 */
    int iv_len;         /* key block IV bytes: CBC block, AEAD fixed_iv */
    int fixed_iv;       /* AEAD: implicit nonce part (4), or whole nonce (12) */
    int explicit_nonce; /* AEAD in TLS 1.2: 8 nonce bytes precede the ciphertext */
    int tag_len;
    enum reg_hash hash;
    const char *mac_md; /* HMAC digest of stream, CBC, NULL records; NULL for AEAD */
    int mac_len;
    const char *prf_md;  /* TLS 1.2 PRF / TLS 1.3 HKDF digest; NULL if none known */
    int export_material; /* export: key block bytes per write key (0: unknown) */
    int export_bits;     /* export: effective key bits; 0 for other suites */
    int bits;            /* the write key's strength in bits */
    int legacy;          /* OpenSSL 3 has the cipher in its legacy provider */
    int tls13;
};

/* The properties of cipher suite id, or NULL when the table has no SUITE
 * row for it (unknown values, GREASE). */
const struct reg_suite *reg_suite(uint16_t id);

/* The registered name of value in table t, or NULL.  GREASE values
 * (RFC 8701) of the tables that have them are named "GREASE". */
const char *reg_name(enum reg_table t, uint32_t value);

/* The name, or "unknown (0x....)" written into buf. */
const char *reg_name_or_unknown(enum reg_table t, uint32_t value, char *buf, size_t len);

/* 1 for the RFC 8701 GREASE values 0x0a0a, 0x1a1a, ... 0xfafa. */
int reg_is_grease(uint32_t value);

#endif
