/*
 * Cipher suite parameters, read off the suite's IANA name in the one
 * registry ("TLS_<kx>_WITH_<bulk>_<mac>", or TLS 1.3's
 * "TLS_<bulk>_<hash>"), so that no second table of suites can drift from
 * it; what a name does not say plainly (an export suite's key material
 * and strength) comes from the registry's EXPORT_SUITE rows.  RFC 2246
 * appendix C, RFC 5246 appendix C, RFC 5288, RFC 6655, RFC 7905, RFC 8446
 * B.4.
 */
#include <string.h>

#include "crypto_int.h"
#include "base/registry.h"

struct bulk {
    const char *name; /* as in the IANA name */
    const char *evp;  /* OpenSSL's name; NULL for NULL */
    enum rec_class cls;
    int key_len, block, tag_len;
};

/* Longer names first where one is a prefix of another (CCM_8, CCM). */
static const struct bulk bulks[] = {
    {"AES_128_CBC", "AES-128-CBC", RC_CBC, 16, 16, 0},
    {"AES_256_CBC", "AES-256-CBC", RC_CBC, 32, 16, 0},
    {"AES_128_GCM", "AES-128-GCM", RC_AEAD, 16, 0, 16},
    {"AES_256_GCM", "AES-256-GCM", RC_AEAD, 32, 0, 16},
    {"AES_128_CCM_8", "AES-128-CCM", RC_AEAD, 16, 0, 8},
    {"AES_256_CCM_8", "AES-256-CCM", RC_AEAD, 32, 0, 8},
    {"AES_128_CCM", "AES-128-CCM", RC_AEAD, 16, 0, 16},
    {"AES_256_CCM", "AES-256-CCM", RC_AEAD, 32, 0, 16},
    {"CHACHA20_POLY1305", "ChaCha20-Poly1305", RC_AEAD, 32, 0, 16},
    {"CAMELLIA_128_CBC", "CAMELLIA-128-CBC", RC_CBC, 16, 16, 0},
    {"CAMELLIA_256_CBC", "CAMELLIA-256-CBC", RC_CBC, 32, 16, 0},
    {"CAMELLIA_128_GCM", "CAMELLIA-128-GCM", RC_AEAD, 16, 0, 16},
    {"CAMELLIA_256_GCM", "CAMELLIA-256-GCM", RC_AEAD, 32, 0, 16},
    {"ARIA_128_CBC", "ARIA-128-CBC", RC_CBC, 16, 16, 0},
    {"ARIA_256_CBC", "ARIA-256-CBC", RC_CBC, 32, 16, 0},
    {"ARIA_128_GCM", "ARIA-128-GCM", RC_AEAD, 16, 0, 16},
    {"ARIA_256_GCM", "ARIA-256-GCM", RC_AEAD, 32, 0, 16},
    {"3DES_EDE_CBC", "DES-EDE3-CBC", RC_CBC, 24, 8, 0},
    {"DES_CBC", "DES-CBC", RC_CBC, 8, 8, 0},
    {"SEED_CBC", "SEED-CBC", RC_CBC, 16, 16, 0},
    {"IDEA_CBC", "IDEA-CBC", RC_CBC, 16, 8, 0},
    {"RC4_128", "RC4", RC_STREAM, 16, 0, 0},
    /* Export ciphers: the final (expanded) write key's length, RFC 2246
     * appendix C; RC2 runs with a 128-bit key, its effective bits too, as
     * OpenSSL's SSL library and Wireshark ran it. */
    {"RC4_40", "RC4", RC_STREAM, 16, 0, 0},
    {"RC4_56", "RC4", RC_STREAM, 16, 0, 0},
    {"RC2_CBC_40", "RC2-CBC", RC_CBC, 16, 8, 0},
    {"RC2_CBC_56", "RC2-CBC", RC_CBC, 16, 8, 0},
    {"DES40_CBC", "DES-CBC", RC_CBC, 8, 8, 0},
    {"NULL", NULL, RC_NULL, 0, 0, 0},
};

struct mac {
    const char *suffix;
    const char *md;
    int len;
};

static const struct mac macs[] = {
    {"_SHA", "SHA1", 20},
    {"_SHA256", "SHA256", 32},
    {"_SHA384", "SHA384", 48},
    {"_MD5", "MD5", 16},
};

struct export_row {
    uint16_t id;
    int material, bits;
};

static const struct export_row exports[] = {
#define REG(t, v, n)
#define EXPORT_SUITE(id, material, bits) {id, material, bits},
#include "base/registry.def"
#undef EXPORT_SUITE
#undef REG
};

static void export_params(struct suite *s)
{
    s->effective_bits = s->key_len * 8;
    if (s->cipher && strcmp(s->cipher, "DES-CBC") == 0)
        s->effective_bits = 56; /* DES keys carry 8 parity bits */
    else if (s->cipher && strcmp(s->cipher, "DES-EDE3-CBC") == 0)
        s->effective_bits = 168;
    for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++) {
        if (exports[i].id == s->id) {
            s->export_material = exports[i].material;
            s->effective_bits = exports[i].bits;
        }
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The bulk part starts at p; what follows it is the MAC or PRF hash. */
static int parse_bulk(const char *p, struct suite *s, const char **rest)
{
    for (size_t i = 0; i < sizeof(bulks) / sizeof(bulks[0]); i++) {
        size_t n = strlen(bulks[i].name);
        if (strncmp(p, bulks[i].name, n) == 0 && (p[n] == '_' || p[n] == 0)) {
            s->cipher = bulks[i].evp;
            s->cls = bulks[i].cls;
            s->key_len = bulks[i].key_len;
            s->block = bulks[i].block;
            s->tag_len = bulks[i].tag_len;
            s->ccm = strstr(bulks[i].name, "CCM") != NULL;
            *rest = p + n;
            return 1;
        }
    }
    return 0;
}

static void aead_nonce(struct suite *s)
{
    /* RFC 7905 and RFC 8446 5.3: the whole 12-byte nonce is derived and
     * XORed with the sequence number; GCM and CCM in TLS 1.2 (RFC 5288,
     * RFC 6655) derive 4 bytes and send the other 8 with each record. */
    int xor = s->tls13 || strcmp(s->cipher, "ChaCha20-Poly1305") == 0;
    s->fixed_iv = xor? 12 : 4;
    s->explicit_nonce = xor? 0 : 8;
}

int crypto_suite_find(uint16_t id, struct suite *s, const char **why)
{
    const char *name = reg_name(REG_CIPHER, id), *p, *rest;

    memset(s, 0, sizeof(*s));
    s->id = id;
    s->prf = "SHA256";
    if (!name || strncmp(name, "TLS_", 4) != 0) {
        *why = "the cipher suite is not one tlsdump can decrypt";
        return 0;
    }
    p = strstr(name, "_WITH_");
    s->tls13 = p == NULL;
    s->rsa_kx = strncmp(name, "TLS_RSA_WITH_", 13) == 0 || strncmp(name, "TLS_RSA_EXPORT", 14) == 0;
    if (!parse_bulk(s->tls13 ? name + 4 : p + 6, s, &rest)) {
        *why = "the cipher suite's cipher is not one tlsdump can decrypt";
        return 0;
    }
    if (ends_with(name, "_SHA384"))
        s->prf = "SHA384";
    export_params(s);
    if (strstr(name, "EXPORT") && !s->export_material) {
        *why = "the export cipher suite's key sizes are not in tlsdump's table";
        return 0;
    }
    if (s->cls == RC_AEAD) {
        aead_nonce(s);
        return 1;
    }
    for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
        if (strcmp(rest, macs[i].suffix) == 0) {
            s->mac = macs[i].md;
            s->mac_len = macs[i].len;
            return 1;
        }
    }
    *why = "the cipher suite's MAC is not one tlsdump knows";
    return 0;
}
