/*
 * Cipher suite parameters for the crypto stage, from the suite's row of
 * the names table (registry.h's reg_suite), so that no second table of
 * suites can drift from it.  RFC 2246 appendix C, RFC 5246 appendix C,
 * RFC 5288, RFC 6655, RFC 7905, RFC 8446 B.4.
 */
#include <string.h>

#include "crypto_int.h"
#include "base/registry.h"

static int rec_class(enum reg_rec_class c, enum rec_class *out)
{
    switch (c) {
    case REG_REC_NONE:
        return 0;
    case REG_REC_NULL:
        *out = RC_NULL;
        return 1;
    case REG_REC_STREAM:
        *out = RC_STREAM;
        return 1;
    case REG_REC_CBC:
        *out = RC_CBC;
        return 1;
    case REG_REC_AEAD:
        *out = RC_AEAD;
        return 1;
    }
    return 0;
}

static void copy_params(const struct reg_suite *r, struct suite *s)
{
    s->cipher = r->evp;
    s->key_len = r->key_len;
    s->block = r->block;
    s->tag_len = r->tag_len;
    s->ccm = r->mode == REG_MODE_CCM || r->mode == REG_MODE_CCM_8;
    s->rsa_kx = r->kx == REG_KX_RSA;
    s->tls13 = r->tls13;
    s->export_material = r->export_material;
    s->effective_bits = r->bits;
    s->prf = r->prf_md;
    s->fixed_iv = r->fixed_iv;
    s->explicit_nonce = r->explicit_nonce;
    s->mac = r->mac_md;
    s->mac_len = r->mac_len;
}

int crypto_suite_find(uint16_t id, struct suite *s, const char **why)
{
    const struct reg_suite *r = reg_suite(id);

    memset(s, 0, sizeof(*s));
    s->id = id;
    if (!r) {
        *why = "the cipher suite is not one tlsdump can decrypt";
        return 0;
    }
    if (!rec_class(r->cls, &s->cls)) {
        *why = "the cipher suite's cipher is not one tlsdump can decrypt";
        return 0;
    }
    copy_params(r, s);
    if (r->export_bits && !r->export_material) {
        *why = "the export cipher suite's key sizes are not in tlsdump's table";
        return 0;
    }
    if (!s->prf) {
        *why = "the cipher suite's hash is not one tlsdump knows";
        return 0;
    }
    if (s->cls != RC_AEAD && !s->mac) {
        *why = "the cipher suite's MAC is not one tlsdump knows";
        return 0;
    }
    return 1;
}
