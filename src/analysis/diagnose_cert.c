/*
 * The diagnosis of a certificate: one the client rejected (the alert it
 * sent names the reason; the verifier, run at the capture's own time,
 * says which problems the chain has), and one a client accepted although
 * it is out of date or does not name the server.
 */
#include <stdio.h>
#include <string.h>

#include "analysis_int.h"
#include "base/registry.h"

/* The chain of dir was verified and showed st (host names are OpenSSL's
 * X509_check_host's to judge, through the verifier). */
static int has_problem(const struct an_findings *f, enum dir dir, enum cert_status st)
{
    for (int i = 0; f->checked[dir] && i < f->validation[dir].nproblems; i++)
        if (f->validation[dir].problems[i] == st)
            return 1;
    return 0;
}

/* What the trust store says of the chain, when it was checked. */
static void validation_evidence(struct an_diagnosis *d, const struct an_findings *f, enum dir dir)
{
    const struct cert_check *v = &f->validation[dir];
    if (!f->checked[dir])
        return;
    if (v->status == CERT_OK)
        an_evidence(d, "the %s's chain verifies against tlsdump's trust store", an_who(dir));
    else
        an_evidence(d, "the %s's chain against tlsdump's trust store: %s (%s)", an_who(dir),
                    x509_status_name(v->status), v->detail);
}

/* A certificate's date as the evidence shows it; "?" when unreadable. */
static const char *cert_time(int64_t secs, char buf[BASE_ISO_TIME_LEN])
{
    base_iso_time(secs, buf);
    if (!buf[0] || secs == X509_NO_TIME)
        snprintf(buf, BASE_ISO_TIME_LEN, "?");
    return buf;
}

static void cert_evidence(struct an_diagnosis *d, const struct tls_summary *s)
{
    if (!s->ncerts) {
        an_evidence(d, "the server's certificate is not visible%s",
                    tls_is_tls13(s->version) ? " (TLS 1.3 encrypts it; a key log shows it)" : "");
        return;
    }
    const struct x509_cert *c = &s->certs[0];
    char from[BASE_ISO_TIME_LEN], to[BASE_ISO_TIME_LEN], names[X509_SAN_TEXT];
    an_evidence(d, "Certificate from the server: %s, issued by %s, valid %s to %s", c->subject,
                c->issuer, cert_time(c->not_before, from), cert_time(c->not_after, to));
    x509_san_join(c, names, sizeof(names));
    if (names[0])
        an_evidence(d, "its names (subjectAltName): %s", names);
    if (s->ncerts > 1)
        an_evidence(d, "chain sent: %d certificates, the last issued by %s", s->ncerts,
                    s->certs[s->ncerts - 1].issuer);
}

/* The certificate's problems at the capture's own time, as the verifier
 * judged them (dates and host name alike: without a verifier, none). */
enum { CP_EXPIRED = 1, CP_NOT_YET_VALID = 2, CP_HOSTNAME = 4 };

static int cert_problems(const struct an_conn *ca)
{
    int p = 0;
    if (has_problem(&ca->f, DIR_S2C, CERT_EXPIRED))
        p |= CP_EXPIRED;
    if (has_problem(&ca->f, DIR_S2C, CERT_NOT_YET_VALID))
        p |= CP_NOT_YET_VALID;
    if (has_problem(&ca->f, DIR_S2C, CERT_HOSTNAME_MISMATCH))
        p |= CP_HOSTNAME;
    return p;
}

/* Problems of the certificate other than the one diagnosed: the client
 * named another in its alert, or did not check for them (openssl
 * s_client checks no host name without -verify_hostname). */
static void further_problems(struct an_diagnosis *d, const struct tls_summary *s, int problems)
{
    const struct x509_cert *c = s->ncerts ? &s->certs[0] : NULL;
    char t[BASE_ISO_TIME_LEN];
    if (problems & CP_EXPIRED)
        an_evidence(d,
                    "a further problem, which the client's alert does not name: the "
                    "certificate expired on %s",
                    cert_time(c ? c->not_after : X509_NO_TIME, t));
    if (problems & CP_NOT_YET_VALID)
        an_evidence(d,
                    "a further problem, which the client's alert does not name: the "
                    "certificate is valid only from %s",
                    cert_time(c ? c->not_before : X509_NO_TIME, t));
    if (problems & CP_HOSTNAME)
        an_evidence(d,
                    "a further problem, which the client's alert does not name: %s is not "
                    "among the certificate's names",
                    s->sni[0] ? s->sni : "the host name");
}

/* A rejected server certificate.  The alert the client sent names its
 * reason where it is specific (unknown_ca, certificate_expired); a
 * generic one (bad_certificate, certificate_unknown) is explained by
 * what is wrong with the certificate at the capture's own time. */
void an_certificate_problem(struct an_conn *ca, const struct tls_summary *s, const char *alert)
{
    struct an_diagnosis *d = &ca->f.diag;
    char now[24], t[BASE_ISO_TIME_LEN];
    const struct x509_cert *c = s->ncerts ? &s->certs[0] : NULL;
    int problems = cert_problems(ca), named;

    base_iso_time(ca->cert_ts_us / 1000000, now);
    if (!strcmp(alert, "unknown_ca")) {
        named = 0;
        if (ca->f.checked[DIR_S2C] && ca->f.validation[DIR_S2C].status == CERT_INCOMPLETE_CHAIN)
            an_say(d, "unknown_ca", 0,
                   "The client cannot build a chain to a CA it trusts: the server did not send "
                   "the intermediate certificate that issued its own (%s); configure the server "
                   "to send its full chain.",
                   c ? c->issuer : "?");
        else
            an_say(d, "unknown_ca", 0,
                   "The client does not trust the issuer of the server's certificate%s%s: "
                   "install that CA on the client, or have the server send a chain ending at a "
                   "CA it trusts.",
                   c ? " " : "", c ? c->issuer : "");
    } else if (problems & CP_EXPIRED) {
        named = CP_EXPIRED;
        an_say(d, "certificate_expired", 0,
               "The client rejected the server's certificate (%s): it expired on %s, before the "
               "capture (%s).",
               alert, cert_time(c ? c->not_after : X509_NO_TIME, t), now);
    } else if (problems & CP_NOT_YET_VALID) {
        named = CP_NOT_YET_VALID;
        an_say(d, "certificate_not_yet_valid", 0,
               "The client rejected the server's certificate (%s): it is valid only from %s, after "
               "the capture (%s); check the server's clock or the certificate's dates.",
               alert, cert_time(c ? c->not_before : X509_NO_TIME, t), now);
    } else if (problems & CP_HOSTNAME) {
        named = CP_HOSTNAME;
        an_say(d, "hostname_mismatch", 0,
               "The client rejected the server's certificate (%s): it asked for %s, which is not "
               "among the certificate's names.",
               alert, s->sni);
    } else {
        named = 0;
        an_say(d, "bad_certificate", 0, "The client rejected the server's certificate (%s).",
               alert);
    }
    cert_evidence(d, s);
    validation_evidence(d, &ca->f, DIR_S2C);
    further_problems(d, s, problems & ~named);
}

/* An established connection whose server certificate is out of date or
 * for another name: the client does not check, or was told to accept it. */
void an_accepted_bad_certificate(struct an_conn *ca)
{
    static const struct {
        enum cert_status st;
        const char *code, *what;
    } bad[] = {
        {CERT_EXPIRED, "certificate_expired", "has expired"},
        {CERT_NOT_YET_VALID, "certificate_not_yet_valid", "is not valid yet"},
        {CERT_HOSTNAME_MISMATCH, "hostname_mismatch", "is for another name"},
    };
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
        if (has_problem(&ca->f, DIR_S2C, bad[j].st)) {
            an_say(&ca->f.diag, bad[j].code, 0,
                   "The handshake completed although the server's "
                   "certificate %s: the client does not check certificates, or was told to accept "
                   "this one.",
                   bad[j].what);
            an_evidence(&ca->f.diag, "validation: %s", ca->f.validation[DIR_S2C].detail);
            return;
        }
}
