/*
 * The verdict and the diagnosis of a connection, decided from what was on
 * the wire: alerts (in clear or decrypted), the order of messages, who
 * closed or reset the connection and when, the hellos' offers, the
 * certificate and the framing.  Without keys a TLS 1.3 alert is only a
 * record of the size of one: such a diagnosis is marked likely, and says
 * that a key log would confirm it.
 */
#include <stdio.h>
#include <string.h>

#include "analysis_int.h"
#include "base/registry.h"

enum { ALERT_FATAL = 2 };

/* RFC 8446 5.2: a protected alert is 2 bytes, the inner type and a
 * 16-byte tag (8 with CCM_8). */
static int alert_sized(size_t len)
{
    return len == 2 + 1 + 16 || len == 2 + 1 + 8;
}

static int midstream(const struct tls_summary *s)
{
    for (int i = 0; i < s->nproblems; i++)
        if (s->problems[i].kind == TLS_MIDSTREAM)
            return 1;
    return 0;
}

static int tls13(const struct tls_summary *s)
{
    return tls_is_tls13(s->version);
}

/* Each side sent its Finished: seen in clear or decrypted, or else
 * inferred from the records (TLS <= 1.2: a protected handshake record
 * after ChangeCipherSpec; TLS 1.3: protected records from both sides,
 * the client's being more than one alert). */
static int handshake_done(const struct an_conn *ca, const struct tls_summary *s)
{
    const struct side *c = &ca->side[DIR_C2S], *v = &ca->side[DIR_S2C];
    if (!s->sh.seen)
        return 0;
    if (c->finished && v->finished)
        return 1;
    if (tls13(s))
        return v->protected_records && c->protected_records &&
               !(c->protected_records == 1 && alert_sized(c->last_protected_len));
    return c->ccs && v->ccs && c->enc_hs_records && v->enc_hs_records;
}

/* A diagnosis code outlives the call (the views print it at close): the
 * alert's name from the table, or one fixed code for unnamed alerts. */
static const char *alert_code(uint8_t desc)
{
    const char *name = reg_name(REG_ALERT, desc);
    return name ? name : "unknown_alert";
}

static void handshake_failure(struct an_conn *ca, const struct tls_summary *s,
                              const struct alert_seen *al, const char *alert)
{
    struct an_diagnosis *d = &ca->f.diag;
    const struct side *cl = &ca->side[DIR_C2S];
    if (al->a.from == DIR_S2C && ca->cert_request && (!cl->cert_sent || cl->cert_empty)) {
        an_say(d, "client_certificate_required", 0,
               "The server requires a client certificate, and the client %s.",
               cl->cert_sent ? "sent an empty Certificate" : "sent none");
        an_evidence(d, "CertificateRequest from the server; the client's Certificate: %s",
                    cl->cert_sent ? "empty" : "not sent");
    } else if (al->a.from == DIR_S2C && !ca->hellos[DIR_S2C]) {
        an_say(d, "no_shared_cipher", 0,
               "The server accepts nothing the client offered (%s in reply to the ClientHello): "
               "most often no cipher suite in common, else no common group or signature "
               "algorithm.",
               alert);
        an_hello_evidence(d, s);
        an_offer_groups(d, &s->ch);
        an_missing_common(d, &s->ch);
    } else {
        an_say(d, alert_code(al->a.desc), 0, "The %s aborted the handshake with %s.",
               an_who(al->a.from), alert);
    }
}

static void protocol_version(struct an_conn *ca, const struct tls_summary *s,
                             const struct alert_seen *al)
{
    struct an_diagnosis *d = &ca->f.diag;
    char range[80], v[32];
    an_client_range(&s->ch, range, sizeof(range));
    if (al->a.desc == TLS_ALERT_INAPPROPRIATE_FALLBACK)
        an_say(d, "protocol_version", 0,
               "The server refused a fallback (inappropriate_fallback): the client retried with "
               "%s and TLS_FALLBACK_SCSV, but the server supports a higher version, so an earlier "
               "attempt must have failed or been blocked on the way.",
               range);
    else if (al->a.from == DIR_S2C && !s->sh.seen)
        an_say(d, "protocol_version", 0,
               "The server accepts none of the versions the client offers (%s).", range);
    else
        an_say(d, "protocol_version", 0,
               "The client refused the server's version %s; it offers %s.",
               an_version_name(s->version, v, sizeof(v)), range);
    an_hello_evidence(d, s);
    if (an_offered(&s->ch, 0x5600))
        an_evidence(d, "the ClientHello carries TLS_FALLBACK_SCSV (RFC 7507): it is a retry");
}

static void alert_named(struct an_conn *ca, const struct tls_summary *s,
                        const struct alert_seen *al, const char *alert)
{
    struct an_diagnosis *d = &ca->f.diag;
    const char *by = an_who(al->a.from), *to = an_who(!al->a.from);
    char where[96];
    an_after(al->after, where, sizeof(where));
    switch (al->a.desc) {
    case TLS_ALERT_UNRECOGNIZED_NAME:
        an_say(d, "unrecognized_name", 0,
               "The server does not serve the name the client asked "
               "for (SNI %s).",
               s->sni[0] ? s->sni : "none");
        return;
    case TLS_ALERT_NO_APPLICATION_PROTOCOL:
        an_say(d, "no_application_protocol", 0,
               "No application protocol in common: the client "
               "offered %s (ALPN), and the server supports none of them.",
               s->ch.alpn[0] ? s->ch.alpn : "none");
        return;
    case TLS_ALERT_UNSUPPORTED_EXTENSION:
        an_say(d, "unsupported_extension", 0,
               "The %s received an extension it did not offer or "
               "that is not allowed in that message (%s).",
               by, where);
        return;
    case TLS_ALERT_ILLEGAL_PARAMETER:
        an_say(d, "illegal_parameter", 0,
               "The %s found a field with an illegal value in what the "
               "%s sent (%s).",
               by, to, where);
        return;
    case TLS_ALERT_DECODE_ERROR:
        an_say(d, "decode_error", 0,
               "The %s could not parse a message from the %s (%s): it is "
               "malformed or truncated.",
               by, to, where);
        for (int i = 0; i < s->nproblems; i++)
            if (s->problems[i].kind == TLS_BAD_MESSAGE && s->problems[i].dir != al->a.from) {
                an_evidence(d, "tlsdump also finds a malformed message from the %s", to);
                break;
            }
        return;
    case TLS_ALERT_NO_RENEGOTIATION:
        an_say(d, "renegotiation_refused", 0, "The %s refused to renegotiate (no_renegotiation).",
               by);
        return;
    default:
        an_say(d, alert_code(al->a.desc), 0, "The %s aborted the connection with %s (%s).", by,
               alert, where);
        return;
    }
}

static int downgrade_marked(const struct tls_summary *s);
static void downgrade(struct an_conn *ca, const struct tls_summary *s);

/* "Alert from the client: fatal unknown_ca, after the server's ...". */
static void alert_evidence(struct an_conn *ca, const char *when)
{
    const struct alert_seen *al = &ca->alert;
    char where[96], b[32];
    an_evidence(&ca->f.diag, "%s%sAlert from the %s: %s %s, %s%s", when, *when ? ": " : "",
                an_who(al->a.from), al->a.level == ALERT_FATAL ? "fatal" : "warning",
                reg_name_or_unknown(REG_ALERT, al->a.desc, b, sizeof(b)),
                an_after(al->after, where, sizeof(where)), al->a.decrypted ? " (decrypted)" : "");
}

/* The first alert that is not close_notify names the cause. */
static void from_alert(struct an_conn *ca, const struct tls_summary *s)
{
    const struct alert_seen *al = &ca->alert;
    struct an_diagnosis *d = &ca->f.diag;
    char b[32];
    const char *alert = reg_name_or_unknown(REG_ALERT, al->a.desc, b, sizeof(b));

    if (s->hrr && !s->sh.seen) {
        an_say(d, "hrr_failed", 0,
               "The handshake failed after the server's HelloRetryRequest: "
               "the %s sent %s.",
               an_who(al->a.from), alert);
    } else if (al->a.from == DIR_C2S &&
               (al->a.desc == TLS_ALERT_UNKNOWN_CA || al->a.desc == TLS_ALERT_BAD_CERTIFICATE ||
                al->a.desc == TLS_ALERT_UNSUPPORTED_CERTIFICATE ||
                al->a.desc == TLS_ALERT_CERTIFICATE_EXPIRED ||
                al->a.desc == TLS_ALERT_CERTIFICATE_UNKNOWN)) {
        an_certificate_problem(ca, s, alert);
    } else if (al->a.desc == TLS_ALERT_UNKNOWN_CA) {
        an_say(d, "unknown_ca", 0,
               "The server does not trust the issuer of the client's "
               "certificate.");
    } else if (al->a.desc == TLS_ALERT_HANDSHAKE_FAILURE ||
               al->a.desc == TLS_ALERT_INSUFFICIENT_SECURITY) {
        handshake_failure(ca, s, al, alert);
    } else if (al->a.desc == TLS_ALERT_ILLEGAL_PARAMETER && downgrade_marked(s)) {
        downgrade(ca, s);
    } else if (al->a.desc == TLS_ALERT_PROTOCOL_VERSION ||
               al->a.desc == TLS_ALERT_INAPPROPRIATE_FALLBACK) {
        protocol_version(ca, s, al);
    } else if (al->a.desc == TLS_ALERT_CERTIFICATE_REQUIRED) {
        an_say(d, "client_certificate_required", 0,
               "The server requires a client certificate, "
               "and the client sent none (certificate_required).");
    } else {
        alert_named(ca, s, al, alert);
    }
    alert_evidence(ca, "");
}

/* TLS 1.3 without keys: an alert-sized record where the peer expected
 * more.  TLS <= 1.2: an alert record after ChangeCipherSpec. */
static int encrypted_abort(struct an_conn *ca, const struct tls_summary *s, int done)
{
    struct an_diagnosis *d = &ca->f.diag;
    const struct side *cl = &ca->side[DIR_C2S], *sv = &ca->side[DIR_S2C];
    const char *confirm = "a key log would show the alert";

    if (tls13(s) && !done && cl->protected_records == 1 && alert_sized(cl->last_protected_len)) {
        an_say(d, "bad_certificate", 1,
               "The client aborted after the server's handshake flight "
               "with an encrypted alert: most likely it rejected the server's certificate; %s.",
               confirm);
        an_evidence(d,
                    "the client's only protected record is %zu bytes, the size of an encrypted "
                    "alert",
                    cl->last_protected_len);
        return 1;
    }
    /* ... unless the client had closed first: then it is the server's
     * close_notify (a browser's unused preconnection). */
    if (tls13(s) && done && sv->after_peer == 1 && alert_sized(sv->after_peer_len) &&
        !cl->finished && (sv->fin_order || sv->rst_order) && !sv->after_peer_closed) {
        an_say(d, "client_certificate_required", 1,
               "The server closed the connection right after "
               "the client's handshake flight with an encrypted alert: most likely it requires a "
               "client certificate (certificate_required) or rejected the one sent; %s.",
               confirm);
        an_evidence(d,
                    "the server's only record after the client's flight is %zu bytes, the size "
                    "of an encrypted alert, and then it closed",
                    sv->after_peer_len);
        return 1;
    }
    if (ca->enc_alert.seen && ca->enc_alert.a.from == DIR_S2C && cl->enc_hs_records >= 2 &&
        sv->enc_hs_records <= 1) {
        an_say(d, "renegotiation_refused", 1,
               "The client started a renegotiation (a second "
               "handshake inside the session) and the server answered with an encrypted alert: "
               "most likely it refuses renegotiation; %s.",
               confirm);
        an_evidence(d, "the client sent %d protected handshake records; its Finished is the first",
                    cl->enc_hs_records);
        return 1;
    }
    if (ca->enc_alert.seen && !done) {
        char where[96];
        an_say(d, "encrypted_alert", 1,
               "The %s aborted the handshake with an encrypted alert "
               "%s; %s.",
               an_who(ca->enc_alert.a.from), an_after(ca->enc_alert.after, where, sizeof(where)),
               confirm);
        return 1;
    }
    return 0;
}

/* Bytes that are not TLS in the middle of a TLS stream, with no loss
 * before them: someone on the path wrote into the connection. */
static int injection(struct an_conn *ca)
{
    for (int dir = 0; dir < 2; dir++) {
        const struct side *sd = &ca->side[dir];
        if (!sd->bad_framing || sd->gap)
            continue;
        char text[FIRST_BYTES * 4 + 1];
        size_t at = 0;
        for (size_t i = 0; i < sd->nbad; i++) {
            uint8_t c = sd->bad[i];
            at += (size_t)snprintf(text + at, sizeof(text) - at,
                                   c >= 0x20 && c < 0x7f ? "%c"
                                   : c == '\r'           ? "\\r"
                                   : c == '\n'           ? "\\n"
                                                         : "\\x%02x",
                                   c);
        }
        an_say(&ca->f.diag, "middlebox_injection", 0,
               "The %s's stream holds bytes that are not "
               "TLS in the middle of the session, at offset %llu: something on the path (a proxy, "
               "firewall or captive portal) wrote into the connection.",
               an_who((enum dir)dir), (unsigned long long)sd->bad_offset);
        if (at)
            an_evidence(&ca->f.diag, "the bytes: \"%s\"", text);
        return 1;
    }
    return 0;
}

static void not_tls_response(struct an_conn *ca, const struct tls_opening *op)
{
    const struct side *sv = &ca->side[DIR_S2C];
    struct an_diagnosis *d = &ca->f.diag;
    char text[FIRST_BYTES + 1];
    size_t n = 0;
    for (size_t i = 0; i < sv->nfirst && sv->first[i] != '\r' && sv->first[i] != '\n'; i++)
        text[n++] = sv->first[i] >= 0x20 && sv->first[i] < 0x7f ? (char)sv->first[i] : '.';
    text[n] = 0;
    if (!strncmp(text, "HTTP/", 5))
        an_say(d, "not_tls_response", 0,
               "The server answered the ClientHello in plain HTTP "
               "(\"%s\"): this port speaks HTTP, not HTTPS.",
               text);
    else if (op->app && !op->how)
        an_say(d, "not_tls_response", 0,
               "The server answered the ClientHello in plain %s "
               "(\"%s\"): this port expects plaintext and STARTTLS, not TLS from the first byte.",
               op->app, text);
    else
        an_say(d, "not_tls_response", 0,
               "The server answered the ClientHello with bytes that "
               "are not TLS: this port speaks another protocol.");
    an_evidence(d, "the server's first bytes: \"%s\"", text);
}

/* A plaintext opening that never reached TLS: the server refused the
 * client's request, or never answered it. */
static void opening_failed(struct an_conn *ca, const struct tls_opening *op)
{
    struct an_diagnosis *d = &ca->f.diag;
    const char *app = op->app ? op->app : "an unknown protocol";
    int proxy = op->how && !strcmp(op->how, "proxy");

    if (op->upgrade == TLS_UPGRADE_REFUSED) {
        if (proxy)
            an_say(d, "proxy_refused", 0,
                   "The %s proxy refused the client's request to connect "
                   "through it, so no TLS followed.",
                   app);
        else
            an_say(d, "starttls_refused", 0,
                   "The server refused to switch to TLS (%s STARTTLS): "
                   "the connection went on in plaintext, or ended.",
                   app);
        an_evidence(d, "the server's answer: \"%s\"", op->answer);
    } else if (op->upgrade == TLS_UPGRADE_ACCEPTED && !proxy) {
        an_say(d, "starttls_abandoned", 0,
               "The server agreed to switch to TLS (%s STARTTLS), but "
               "the client never sent a ClientHello.",
               app);
        an_evidence(d, "the server's answer: \"%s\"", op->answer);
    } else if (op->upgrade == TLS_UPGRADE_ASKED) {
        if (proxy)
            an_say(d, "proxy_no_answer", 0,
                   "The client asked the %s proxy to connect it, and the "
                   "proxy never answered.",
                   app);
        else
            an_say(d, "starttls_no_answer", 0,
                   "The client asked to switch to TLS (%s STARTTLS), "
                   "and the server never answered.",
                   app);
    } else {
        return;
    }
    an_evidence(d, "plaintext: %llu bytes from the client, %llu from the server",
                (unsigned long long)op->plain[DIR_C2S], (unsigned long long)op->plain[DIR_S2C]);
}

/* Which side ended the connection first: 0 none, 1 by reset, 2 by FIN. */
static int first_end(const struct an_conn *ca, enum dir *dir)
{
    int best = 0, how = 0;
    for (int d = 0; d < 2; d++) {
        const struct side *sd = &ca->side[d];
        if (sd->rst_order && (!best || sd->rst_order < best))
            best = sd->rst_order, how = 1, *dir = (enum dir)d;
        if (sd->fin_order && (!best || sd->fin_order < best))
            best = sd->fin_order, how = 2, *dir = (enum dir)d;
    }
    return how;
}

/* No alert: the TCP connection's end tells what happened. */
static void not_done(struct an_conn *ca, const struct tls_summary *s)
{
    struct an_findings *f = &ca->f;
    const struct side *cl = &ca->side[DIR_C2S], *sv = &ca->side[DIR_S2C];
    enum dir dir = DIR_C2S;
    char where[96];
    int how = first_end(ca, &dir);
    if (cl->gap || sv->gap) {
        f->verdict = VERDICT_INCOMPLETE;
        an_say(&f->diag, "incomplete", 0,
               "Bytes of the handshake are missing from the capture, "
               "so it cannot be followed to its end.");
        return;
    }
    if (how == 1)
        an_say(&f->diag, "reset_during_handshake", 0,
               "The %s reset the TCP connection %s, before "
               "the handshake finished.",
               an_who(dir), an_after(ca->side[dir].rst_after, where, sizeof(where)));
    else if (how == 2)
        an_say(&f->diag, "closed_during_handshake", 0,
               "The %s closed the TCP connection %s "
               "without an alert, before the handshake finished.",
               an_who(dir), an_after(ca->side[dir].fin_after, where, sizeof(where)));
    if (!how) {
        f->verdict = VERDICT_INCOMPLETE;
        return;
    }
    an_evidence(&f->diag, "TCP %s from the %s, %s", how == 1 ? "RST" : "FIN", an_who(dir),
                an_after(how == 1 ? ca->side[dir].rst_after : ca->side[dir].fin_after, where,
                         sizeof(where)));
    an_hello_evidence(&f->diag, s);
}

static void crypto_checks(struct an_conn *ca, const struct crypto_result *cr)
{
    if (!cr || !cr->protected_seen)
        return;
    if (cr->failed_records) {
        an_say(&ca->f.diag, "decrypt_failed", 0,
               "%llu records did not decrypt: the MAC or tag "
               "does not verify, so the key log (or RSA key) most likely belongs to another "
               "session.",
               (unsigned long long)cr->failed_records);
        an_evidence(&ca->f.diag, "records decrypted: %llu, failed: %llu",
                    (unsigned long long)cr->ok_records, (unsigned long long)cr->failed_records);
    }
    if (!cr->decrypted)
        ca->f.verdict = VERDICT_UNDECRYPTABLE;
}

/* RFC 8446 4.1.3: a TLS 1.3 server that negotiates less marks the end of
 * its random, and a client that offered 1.3 must then abort. */
static int downgrade_marked(const struct tls_summary *s)
{
    static const uint8_t sentinel[7] = {'D', 'O', 'W', 'N', 'G', 'R', 'D'};
    if (tls13(s) || !s->sh.seen || memcmp(s->server_random + 24, sentinel, 7) ||
        s->server_random[31] > 1)
        return 0;
    for (int i = 0; i < s->ch.nversions; i++)
        if (s->ch.versions[i] == TLS_V_1_3)
            return 1;
    return 0;
}

/* A downgraded connection: something on the path rewrote the hellos (or
 * the client ignores the rule, if it went on). */
static void downgrade(struct an_conn *ca, const struct tls_summary *s)
{
    char v[32];
    an_say(&ca->f.diag, "protocol_version", 0,
           "The server is TLS 1.3-capable but chose %s although "
           "the client offered TLS 1.3: its random carries the downgrade sentinel, which a client "
           "must refuse; something on the path rewrote the hellos.",
           an_version_name(s->version, v, sizeof(v)));
    an_evidence(&ca->f.diag, "ServerHello random ends in \"DOWNGRD\" and %02x",
                s->server_random[31]);
    an_hello_evidence(&ca->f.diag, s);
}

/* An SSL 2.0 ERROR in clear: what its code says went wrong. */
static void ssl2_error(struct an_conn *ca, const struct tls_summary *s)
{
    const struct tls_ssl2 *v2 = &s->ssl2;
    struct an_diagnosis *d = &ca->f.diag;
    const char *by = an_who(v2->error_from), *to = an_who(!v2->error_from);
    char b[32], where[96];
    const char *name = reg_name_or_unknown(REG_SSL2_ERROR, v2->error, b, sizeof(b));

    switch (v2->error) {
    case 1:
        an_say(d, "no_shared_cipher", 0,
               "The %s accepts none of the cipher specs the %s offered "
               "(SSL 2.0 %s).",
               by, to, name);
        break;
    case 2:
        an_say(d, "client_certificate_required", 0,
               "The %s requires a client certificate, and "
               "the client has none (SSL 2.0 %s).",
               by, name);
        break;
    default:
        an_say(d, "bad_certificate", 0, "The %s rejected the %s's certificate (SSL 2.0 %s).", by,
               to, name);
        break;
    }
    an_evidence(d, "ERROR from the %s: %s, %s", by, name,
                an_after(ca->ssl2_error_after, where, sizeof(where)));
    an_hello_evidence(d, s);
}

/* SSL 2.0 (draft-hickman-netscape-ssl-00 2.6): the handshake is done
 * when, after the key exchange (CLIENT-MASTER-KEY, or a resumed session),
 * the client sent its CLIENT-FINISHED and the server its SERVER-VERIFY
 * and SERVER-FINISHED, all encrypted: a record from the client and two
 * from the server at least.  An ERROR in clear ends it. */
static void ssl2_verdict(struct an_conn *ca, const struct tls_summary *s)
{
    const struct tls_ssl2 *v2 = &s->ssl2;
    const struct side *cl = &ca->side[DIR_C2S], *sv = &ca->side[DIR_S2C];
    struct an_findings *f = &ca->f;

    f->verdict = VERDICT_FAILED;
    if (v2->error_seen) {
        ssl2_error(ca, s);
        return;
    }
    if ((v2->master_key || v2->session_id_hit) && cl->protected_records >= 1 &&
        sv->protected_records >= 2) {
        f->verdict = VERDICT_ESTABLISHED;
        an_accepted_bad_certificate(ca);
        return;
    }
    not_done(ca, s);
}

void an_diagnose(struct an_conn *ca, const struct tls_summary *s, const struct crypto_result *cr)
{
    struct an_findings *f = &ca->f;
    const struct side *cl = &ca->side[DIR_C2S], *sv = &ca->side[DIR_S2C];
    int done = handshake_done(ca, s);

    const struct tls_opening *op = &s->opening;
    /* A direction that sent only plaintext, or midstream bytes the
     * framer refused.  A server that answers in TLS shows that the client
     * spoke it, though its ClientHello may be lost. */
    int cl_plain = cl->not_tls || (!op->tls[DIR_C2S] && op->plain[DIR_C2S] && !op->tls[DIR_S2C]);
    int sv_plain = sv->not_tls || (!op->tls[DIR_S2C] && op->plain[DIR_S2C]);

    f->verdict = VERDICT_FAILED;
    if (cl_plain) {
        f->verdict = VERDICT_NOT_TLS;
        opening_failed(ca, op);
        return;
    }
    if (midstream(s) && !s->ch.seen) {
        f->verdict = VERDICT_INCOMPLETE;
        an_say(&f->diag, "midstream", 0,
               "The capture starts in the middle of the connection, "
               "after its handshake: what was negotiated is not in it.");
        an_evidence(&f->diag,
                    "no SYN and no ClientHello; protected records: %llu from the client, "
                    "%llu from the server",
                    (unsigned long long)cl->protected_records,
                    (unsigned long long)sv->protected_records);
        return;
    }
    if (s->ssl2.server_hello || s->ssl2.error_seen) {
        ssl2_verdict(ca, s);
        return;
    }
    if (sv_plain && ca->hellos[DIR_C2S]) {
        not_tls_response(ca, op);
        return;
    }
    if (injection(ca)) {
        if (ca->alert.seen)
            alert_evidence(ca, "then");
        return;
    }
    if (ca->alert.seen && !done && ca->alert.ends_before) {
        /* The connection was closed first: the alert answers the close. */
        not_done(ca, s);
        alert_evidence(ca, "then");
        return;
    }
    if (ca->alert.seen && (ca->fatal_seen || !done)) {
        from_alert(ca, s);
        return;
    }
    if (encrypted_abort(ca, s, done))
        return;
    if (!done) {
        not_done(ca, s);
        return;
    }
    f->verdict = VERDICT_ESTABLISHED;
    crypto_checks(ca, cr);
    if (!f->diag.code && downgrade_marked(s))
        downgrade(ca, s);
    if (!f->diag.code)
        an_accepted_bad_certificate(ca);
}
