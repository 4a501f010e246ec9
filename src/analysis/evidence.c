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

const char *who(enum dir d)
{
    return d == DIR_C2S ? "client" : "server";
}

void say(struct diagnosis *d, const char *code, int likely, const char *fmt, ...)
{
    va_list ap;
    d->code = code;
    d->likely = likely;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
    va_end(ap);
}

void evidence(struct diagnosis *d, const char *fmt, ...)
{
    va_list ap;
    if (d->nevidence == DIAG_MAX_EVIDENCE)
        return;
    va_start(ap, fmt);
    vsnprintf(d->evidence[d->nevidence++], DIAG_EVIDENCE_LEN, fmt, ap);
    va_end(ap);
}

/* "after the server's ServerHelloDone", or "before any handshake message". */
const char *after(struct hs_point p, char *buf, size_t len)
{
    char tmp[32];
    if (p.type == NO_MSG)
        snprintf(buf, len, "before any handshake message");
    else
        snprintf(buf, len, "after the %s's %s", who(p.dir), hs_name(p.type, tmp, sizeof(tmp)));
    return buf;
}

const char *version_name(uint16_t v, char *buf, size_t len)
{
    return reg_name_or_unknown(REG_VERSION, v, buf, len);
}

/* The versions the client offered: supported_versions, else up to the
 * hello's version. */
void client_range(const struct tls_hello *ch, char *buf, size_t len)
{
    char a[32], b[32];
    uint16_t lo = 0xffff, hi = 0;
    for (int i = 0; i < ch->nversions; i++) {
        lo = ch->versions[i] < lo ? ch->versions[i] : lo;
        hi = ch->versions[i] > hi ? ch->versions[i] : hi;
    }
    if (!ch->nversions)
        snprintf(buf, len, "up to %s", version_name(ch->version, a, sizeof(a)));
    else if (lo == hi)
        snprintf(buf, len, "%s only", version_name(lo, a, sizeof(a)));
    else
        snprintf(buf, len, "%s to %s", version_name(lo, a, sizeof(a)),
                 version_name(hi, b, sizeof(b)));
}

int offered(const struct tls_hello *h, uint16_t suite)
{
    for (int i = 0; i < h->nciphers; i++)
        if (h->ciphers[i] == suite)
            return 1;
    return 0;
}

void hello_evidence(struct diagnosis *d, const struct tls_summary *s)
{
    char range[80];
    if (!s->ch.seen)
        return;
    client_range(&s->ch, range, sizeof(range));
    evidence(d, "ClientHello: %s, %d cipher suites, SNI %s, ALPN %s", range, s->ch.nciphers,
             s->sni[0] ? s->sni : "(none)", s->ch.alpn[0] ? s->ch.alpn : "(none)");
}
