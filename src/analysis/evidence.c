/*
 * The words of a diagnosis: its sentence, its evidence, and the small
 * judgements they rest on (the client's version range, a host name
 * against a certificate's names, a timestamp as certificates write it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analysis_int.h"
#include "base/registry.h"

const char *an_who(enum dir d)
{
    return d == DIR_C2S ? "client" : "server";
}

void an_say(struct an_diagnosis *d, const char *code, int likely, const char *fmt, ...)
{
    va_list ap;
    d->code = code;
    d->likely = likely;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
    va_end(ap);
}

void an_evidence(struct an_diagnosis *d, const char *fmt, ...)
{
    va_list ap;
    if (d->nevidence == DIAG_MAX_EVIDENCE)
        return;
    va_start(ap, fmt);
    vsnprintf(d->evidence[d->nevidence++], DIAG_EVIDENCE_LEN, fmt, ap);
    va_end(ap);
}

/* "after the server's ServerHelloDone", or "before any handshake message". */
const char *an_after(struct hs_point p, char *buf, size_t len)
{
    char tmp[32];
    if (p.type == NO_MSG)
        snprintf(buf, len, "before any handshake message");
    else
        snprintf(buf, len, "after the %s's %s", an_who(p.dir),
                 an_hs_name(p.type, tmp, sizeof(tmp)));
    return buf;
}

const char *an_version_name(uint16_t v, char *buf, size_t len)
{
    return reg_name_or_unknown(REG_VERSION, v, buf, len);
}

/* The versions the client offered: supported_versions, else up to the
 * hello's version. */
void an_client_range(const struct tls_hello *ch, char *buf, size_t len)
{
    char a[32], b[32];
    uint16_t lo = 0xffff, hi = 0;
    for (int i = 0; i < ch->nversions; i++) {
        lo = ch->versions[i] < lo ? ch->versions[i] : lo;
        hi = ch->versions[i] > hi ? ch->versions[i] : hi;
    }
    if (!ch->nversions)
        snprintf(buf, len, "up to %s", an_version_name(ch->version, a, sizeof(a)));
    else if (lo == hi)
        snprintf(buf, len, "%s only", an_version_name(lo, a, sizeof(a)));
    else
        snprintf(buf, len, "%s to %s", an_version_name(lo, a, sizeof(a)),
                 an_version_name(hi, b, sizeof(b)));
}

int an_offered(const struct tls_hello *h, uint16_t suite)
{
    for (int i = 0; i < h->nciphers; i++)
        if (h->ciphers[i] == suite)
            return 1;
    return 0;
}

void an_hello_evidence(struct an_diagnosis *d, const struct tls_summary *s)
{
    char range[80];
    if (!s->ch.seen)
        return;
    an_client_range(&s->ch, range, sizeof(range));
    an_evidence(d, "ClientHello: %s, %d cipher suites, SNI %s, ALPN %s", range, s->ch.nciphers,
                s->sni[0] ? s->sni : "(none)", s->ch.alpn[0] ? s->ch.alpn : "(none)");
}
