/*
 * A connection's observations: what each side sent and when, in the
 * order the pipeline reports it, kept small and copied only where a view
 * of the bytes is needed later (the first bytes of each stream, and the
 * bytes where TLS framing broke).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_int.h"
#include "fingerprint.h"
#include "base/budget.h"
#include "base/registry.h"

struct an_analyzer *an_analyzer_new(const struct x509_verifier *verifier)
{
    struct an_analyzer *a = calloc(1, sizeof(struct an_analyzer));
    if (a)
        a->verifier = verifier;
    return a;
}

void an_analyzer_free(struct an_analyzer *a)
{
    free(a);
}

struct an_conn *an_conn_new(struct an_analyzer *a)
{
    struct an_conn *ca = calloc(1, sizeof(*ca));
    if (!ca)
        return NULL;
    budget_charge(sizeof(*ca));
    ca->an = a;
    ca->last.type = NO_MSG;
    ca->ssl2_error_after.type = NO_MSG;
    return ca;
}

void an_conn_free(struct an_conn *ca)
{
    if (!ca)
        return;
    free(ca->f.ja3_string);
    free(ca->f.ja3s_string);
    free(ca->f.ja4_r);
    free(ca->f.ja4s_r);
    budget_credit(sizeof(*ca));
    free(ca);
}

const char *an_verdict_name(enum an_verdict v)
{
    switch (v) {
    case VERDICT_ESTABLISHED:
        return "established";
    case VERDICT_FAILED:
        return "failed";
    case VERDICT_INCOMPLETE:
        return "incomplete";
    case VERDICT_NOT_TLS:
        return "not_tls";
    case VERDICT_UNDECRYPTABLE:
        return "undecryptable";
    }
    return "unknown";
}

const char *an_hs_name(int type, char *buf, size_t len)
{
    const char *n = type >= 0x100 ? reg_name(REG_SSL2_MSG, (uint32_t)type - 0x100)
                    : type >= 0   ? reg_name(REG_HANDSHAKE, (uint32_t)type)
                                  : NULL;
    if (type == TLS_HS_HELLO_RETRY_REQUEST)
        return "HelloRetryRequest";
    if (n)
        return n;
    snprintf(buf, len, "message %d", type);
    return buf;
}

/* Zeek's ssl_history: a letter per event, upper case when the client
 * sent it (scripts/base/protocols/ssl/main.zeek). */
static void history(struct an_conn *ca, enum dir dir, char c)
{
    if (ca->nhist == HISTORY_MAX)
        return;
    ca->f.history[ca->nhist++] = dir == DIR_C2S ? (char)(c - 'a' + 'A') : c;
    ca->f.history[ca->nhist] = 0;
}

static char hs_letter(int type)
{
    static const char letters[] = {
        [TLS_HS_HELLO_REQUEST] = 'h',
        [TLS_HS_CLIENT_HELLO] = 'c',
        [TLS_HS_SERVER_HELLO] = 's',
        [TLS_HS_HELLO_VERIFY_REQUEST] = 'v',
        [TLS_HS_NEW_SESSION_TICKET] = 't',
        [TLS_HS_END_OF_EARLY_DATA] = 'e',
        [TLS_HS_HELLO_RETRY_REQUEST] = 'j',
        [TLS_HS_ENCRYPTED_EXTENSIONS] = 'o',
        [TLS_HS_CERTIFICATE] = 'x',
        [TLS_HS_SERVER_KEY_EXCHANGE] = 'k',
        [TLS_HS_CERTIFICATE_REQUEST] = 'r',
        [TLS_HS_SERVER_HELLO_DONE] = 'n',
        [TLS_HS_CERTIFICATE_VERIFY] = 'y',
        [TLS_HS_CLIENT_KEY_EXCHANGE] = 'g',
        [TLS_HS_FINISHED] = 'f',
        [TLS_HS_CERTIFICATE_URL] = 'w',
        [TLS_HS_CERTIFICATE_STATUS] = 'u',
        [TLS_HS_SUPPLEMENTAL_DATA] = 'a',
        [TLS_HS_KEY_UPDATE] = 'p',
    };
    if (type == TLS_HS_MESSAGE_HASH)
        return 'm';
    if (type >= 0 && (size_t)type < sizeof(letters) && letters[type])
        return letters[type];
    return 'z';
}

void an_conn_stream(struct an_conn *ca, enum dir dir, uint64_t offset, const uint8_t *p, size_t len)
{
    struct side *sd = &ca->side[dir];
    if (offset < FIRST_BYTES) {
        size_t n = len < FIRST_BYTES - offset ? len : FIRST_BYTES - offset;
        memcpy(sd->first + offset, p, n);
        if (offset + n > sd->nfirst)
            sd->nfirst = offset + n;
    }
}

void an_conn_gap(struct an_conn *ca, enum dir dir)
{
    ca->side[dir].gap = 1;
}

void an_conn_end(struct an_conn *ca, enum dir dir, int reset)
{
    struct side *sd = &ca->side[dir];
    if (reset && !sd->rst_order)
        sd->rst_order = ++ca->ends, sd->rst_after = ca->last;
    else if (!reset && !sd->fin_order)
        sd->fin_order = ++ca->ends, sd->fin_after = ca->last;
}

void an_conn_record(struct an_conn *ca, enum dir dir, const struct tls_rec_info *r)
{
    struct side *sd = &ca->side[dir];
    unsigned type = r->rec->type;

    if (!r->encrypted) {
        if (type == TLS_CT_CHANGE_CIPHER_SPEC)
            sd->ccs = 1, history(ca, dir, 'i');
        else if (type == TLS_CT_HEARTBEAT)
            history(ca, dir, 'b');
        else if (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_HEARTBEAT)
            if (type != TLS_CT_SSL2_HELLO && type != TLS_CT_SSL2)
                history(ca, dir, 'q');
        return;
    }
    sd->protected_records++;
    if (ca->side[!dir].protected_records && !sd->after_peer++) {
        sd->after_peer_len = r->rec->length;
        sd->after_peer_closed = ca->side[!dir].fin_order || ca->side[!dir].rst_order;
    }
    sd->last_protected_len = r->rec->length;
    sd->last_protected_after = ca->last;
    if (type == TLS_CT_HANDSHAKE)
        sd->enc_hs_records++;
    if (r->open == TLS_OPEN_OK ? r->plain.type == TLS_CT_APPLICATION_DATA
                               : type == TLS_CT_APPLICATION_DATA)
        sd->app_records++;
}

/* The first chain each side sends, verified while its bytes are at hand,
 * at the time it was sent, against the SNI for the server's. */
static void validate(struct an_conn *ca, enum dir dir, const struct tls_msg *m,
                     const struct tls_summary *sum, int64_t ts_us)
{
    if (!ca->an->verifier || ca->f.checked[dir] || !m->keying.nchain)
        return;
    x509_verifier_check(ca->an->verifier, m->keying.chain, m->keying.chain_len, m->keying.nchain,
                        ts_us, dir == DIR_S2C ? sum->sni : "", dir == DIR_S2C,
                        &ca->f.validation[dir]);
    ca->f.checked[dir] = 1;
}

/* An SSL 2.0 message in clear: where the handshake stands, the
 * server's certificate (in its SERVER-HELLO).  Zeek's history has a
 * letter only for the SERVER-HELLO (its ssl_server_hello event). */
static void ssl2_message(struct an_conn *ca, enum dir dir, const struct tls_msg *m,
                         const struct tls_summary *sum, int64_t ts_us)
{
    if (m->type == 0 && ca->ssl2_error_after.type == NO_MSG)
        ca->ssl2_error_after = ca->last;
    ca->last = (struct hs_point){0x100 + m->type, dir};
    if (m->type != 4 || dir != DIR_S2C)
        return;
    history(ca, dir, 's');
    ca->hellos[DIR_S2C]++;
    if (m->keying.nchain) {
        ca->side[dir].cert_sent = 1;
        if (!ca->cert_ts_us)
            ca->cert_ts_us = ts_us;
        validate(ca, dir, m, sum, ts_us);
    }
}

void an_conn_message(struct an_conn *ca, enum dir dir, const struct tls_msg *m,
                     const struct tls_summary *sum, int64_t ts_us)
{
    struct side *sd = &ca->side[dir];
    if (m->ssl2) {
        ssl2_message(ca, dir, m, sum, ts_us);
        return;
    }
    history(ca, dir, hs_letter(m->type));
    ca->last = (struct hs_point){m->type, dir};
    switch (m->type) {
    case TLS_HS_CLIENT_HELLO:
        ca->hellos[DIR_C2S]++;
        break;
    case TLS_HS_SERVER_HELLO:
    case TLS_HS_HELLO_RETRY_REQUEST:
        ca->hellos[DIR_S2C]++;
        break;
    case TLS_HS_CERTIFICATE_REQUEST:
        ca->cert_request |= dir == DIR_S2C;
        break;
    case TLS_HS_CERTIFICATE:
        sd->cert_sent = 1;
        sd->cert_empty = !m->malformed && !m->keying.cert;
        if (dir == DIR_S2C && !ca->cert_ts_us)
            ca->cert_ts_us = ts_us;
        validate(ca, dir, m, sum, ts_us);
        break;
    case TLS_HS_FINISHED:
        sd->finished = 1;
        break;
    default:
        break;
    }
}

void an_conn_alert(struct an_conn *ca, enum dir dir, const struct tls_alert *a)
{
    history(ca, dir, 'l');
    int known = !a->encrypted || a->decrypted;
    struct alert_seen *seen = known ? &ca->alert : &ca->enc_alert;
    ca->fatal_seen |= known && a->level == TLS_ALERT_LEVEL_FATAL;
    if (seen->seen || (seen == &ca->alert && a->desc == TLS_ALERT_CLOSE_NOTIFY))
        return;
    seen->seen = 1;
    seen->a = *a;
    seen->a.from = dir;
    seen->after = ca->last;
    seen->ends_before = ca->ends;
}

void an_conn_problem(struct an_conn *ca, enum dir dir, enum tls_problem_kind what, uint64_t offset,
                     const uint8_t *bytes, size_t n)
{
    struct side *sd = &ca->side[dir];
    switch (what) {
    case TLS_NOT_TLS:
        sd->not_tls = 1;
        return;
    case TLS_BAD_LENGTH:
    case TLS_BAD_HEADER:
        if (sd->bad_framing)
            return;
        sd->bad_framing = 1;
        sd->bad_offset = offset;
        sd->nbad = bytes ? (n < FIRST_BYTES ? n : FIRST_BYTES) : 0;
        if (sd->nbad)
            memcpy(sd->bad, bytes, sd->nbad);
        return;
    case TLS_LOST_SYNC:
    case TLS_RESYNC:
    case TLS_GAP:
    case TLS_MIDSTREAM:
    case TLS_BAD_ALERT:
    case TLS_BAD_MESSAGE:
        return;
    }
}

static void fingerprints(struct an_findings *f, const struct tls_summary *s)
{
    f->ja3_string = fp_ja3(&s->ch, 1, f->ja3);
    f->ja3s_string = fp_ja3(&s->sh, 0, f->ja3s);
    /* An SSLv2-compatible ClientHello (RFC 5246 E.2) fills ch too.  JA4
     * reads the hello's own version without supported_versions: there it
     * is the client's highest ("s2" only from an SSL 2.0 client's 0x0002);
     * its suites are the cipher specs that name a TLS suite; without
     * extensions it reads "i", 00 and 000000000000. */
    fp_ja4(&s->ch, f->ja4, &f->ja4_r);
    fp_ja4s(&s->sh, f->ja4s, &f->ja4s_r);
}

const struct an_findings *an_conn_finish(struct an_conn *ca, const struct tls_summary *sum,
                                         const struct crypto_result *crypto)
{
    fingerprints(&ca->f, sum);
    an_diagnose(ca, sum, crypto);
    return &ca->f;
}
