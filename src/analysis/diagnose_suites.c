/*
 * What a ClientHello offered, by family of cipher suites, for a server
 * that accepted none of them: the families come from the names table's
 * suite properties, never from a suite's name.
 */
#include <stdio.h>
#include <string.h>

#include "analysis_int.h"
#include "base/registry.h"

/* A suite's family for offer_groups, -1 for none (a signalling value or an
 * unknown one).  GREASE values have always counted as TLS 1.3 here. */
static int suite_family(uint16_t id)
{
    const struct reg_suite *s = reg_suite(id);
    int weak_bulk, eph, aead;

    if (!s)
        return reg_is_grease(id) ? 0 : -1;
    if (s->kx == REG_KX_SCSV)
        return -1;
    weak_bulk = s->bulk == REG_BULK_NULL || s->mode == REG_MODE_STREAM ||
                s->bulk == REG_BULK_DES_CBC || s->bulk == REG_BULK_DES40_CBC ||
                s->bulk == REG_BULK_DES_EDE3_CBC;
    if (weak_bulk || s->export_bits || s->auth == REG_AUTH_ANON || s->hash == REG_HASH_MD5)
        return 4;
    if (s->tls13)
        return 0;
    if (s->kx == REG_KX_RSA || s->kx == REG_KX_RSA_PSK)
        return 3;
    eph = s->kx == REG_KX_DHE || s->kx == REG_KX_ECDHE || s->kx == REG_KX_DHE_PSK ||
          s->kx == REG_KX_ECDHE_PSK;
    aead = s->mode == REG_MODE_GCM || s->mode == REG_MODE_CCM || s->mode == REG_MODE_CCM_8 ||
           s->mode == REG_MODE_POLY1305;
    if (eph && aead)
        return 1;
    return s->mode == REG_MODE_CBC ? 2 : 5;
}

/* Suites by family, for a server that found none it accepts. */
void an_offer_groups(struct an_diagnosis *d, const struct tls_hello *ch)
{
    static const char *const family[] = {"TLS 1.3",    "ECDHE/DHE with AEAD", "CBC",
                                         "static RSA", "weak or legacy",      "other"};
    int count[6] = {0};
    for (int i = 0; i < ch->nciphers; i++) {
        int f = suite_family(ch->ciphers[i]);
        if (f >= 0)
            count[f]++;
    }
    char line[DIAG_EVIDENCE_LEN] = "offered by family:";
    for (int f = 0; f < 6; f++) {
        size_t at = strlen(line);
        snprintf(line + at, sizeof(line) - at, "%s %s %d", f ? ";" : "", family[f], count[f]);
    }
    an_evidence(d, "%s", line);
    if (ch->nciphers <= 4) {
        char b[48];
        line[0] = 0;
        for (int i = 0; i < ch->nciphers; i++) {
            size_t at = strlen(line);
            snprintf(line + at, sizeof(line) - at, "%s%s", i ? ", " : "",
                     reg_name_or_unknown(REG_CIPHER, ch->ciphers[i], b, sizeof(b)));
        }
        an_evidence(d, "offered: %s", line);
    }
}

/* Suites that most servers accept (Mozilla's intermediate profile). */
void an_missing_common(struct an_diagnosis *d, const struct tls_hello *ch)
{
    static const uint16_t common[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                      0xc02c, 0xc030, 0xcca9, 0xcca8};
    char line[DIAG_EVIDENCE_LEN] = "";
    int n = 0;
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        if (an_offered(ch, common[i]))
            continue;
        size_t at = strlen(line);
        snprintf(line + at, sizeof(line) - at, "%s%s", n++ ? ", " : "",
                 reg_name(REG_CIPHER, common[i]));
    }
    if (n)
        an_evidence(d, "widely deployed suites not offered: %s", line);
}
