/*
 * The JSON view's summary line per connection (type "connection"), when
 * it closes: endpoints, times, what was negotiated, the findings, the
 * handshake, alerts, certificates, fingerprints, anomalies and what
 * became of the protected records.
 */
#include "base/util.h"
#include "json_int.h"

/* The summary's names: a record that is not TLS, whatever is wrong with
 * it, is a bad_record there (the event says which). */
static const char *anomaly_name(enum vm_problem k)
{
    switch (k) {
    case VM_PROB_GAP:
        return "gap";
    case VM_PROB_MIDSTREAM:
        return "midstream";
    case VM_PROB_NOT_TLS:
        return "not_tls";
    case VM_PROB_BAD_LENGTH:
    case VM_PROB_BAD_HEADER:
    case VM_PROB_BAD_ALERT:
        return "bad_record";
    case VM_PROB_BAD_MESSAGE:
        return "bad_message";
    case VM_PROB_LOST_SYNC:
        return "lost_sync";
    case VM_PROB_RESYNC:
        return "resync";
    }
    return "?";
}

static void anomalies(struct out_jw *w, const struct vm_summary *s)
{
    out_jw_key(w, "anomalies");
    out_jw_begin_array(w);
    for (int i = 0; i < s->nproblems; i++) {
        const struct vm_problem_seen *p = &s->problems[i];
        out_jw_begin_object(w);
        out_jw_kstring(w, "kind", anomaly_name(p->kind));
        out_jw_kstring(w, "dir", side(p->dir));
        out_jw_kuint(w,
                     p->kind == VM_PROB_LOST_SYNC || p->kind == VM_PROB_RESYNC ? "offset" : "bytes",
                     p->value);
        out_jw_end_object(w);
    }
    out_jw_end_array(w);
}

static void handshake_lists(struct out_jw *w, const struct vm_summary *s)
{
    out_jw_key(w, "handshake");
    out_jw_begin_object(w);
    for (int d = 0; d < 2; d++) {
        out_jw_key(w, side((enum dir)d));
        out_jw_begin_array(w);
        for (int i = 0; i < s->nhs[d]; i++) {
            if (s->hs[d][i] >= VM_HS_SSL2)
                jname(w, REG_SSL2_MSG, s->hs[d][i] - (unsigned)VM_HS_SSL2);
            else
                jname(w, REG_HANDSHAKE, s->hs[d][i]);
        }
        out_jw_end_array(w);
    }
    out_jw_end_object(w);
}

/* Zeek's last_alert: the last alert's description, when it was read. */
static void last_alert(struct out_jw *w, const struct vm_summary *s)
{
    const struct vm_alert *a = s->nalerts ? &s->alerts[s->nalerts - 1] : NULL;
    if (a && (!a->encrypted || a->decrypted))
        kname(w, "last_alert", REG_ALERT, a->desc);
}

static void alerts(struct out_jw *w, const struct vm_summary *s)
{
    out_jw_key(w, "alerts");
    out_jw_begin_array(w);
    for (int i = 0; i < s->nalerts; i++) {
        out_jw_begin_object(w);
        out_jw_kstring(w, "from", side(s->alerts[i].from));
        alert_fields(w, &s->alerts[i]);
        out_jw_end_object(w);
    }
    out_jw_end_array(w);
}

static void ktime(struct out_jw *w, const char *key, int64_t secs)
{
    char b[BASE_ISO_TIME_LEN];
    base_iso_time(secs, b);
    out_jw_kstring(w, key, b[0] && secs != VM_NO_TIME ? b : "?");
}

static void certificates(struct out_jw *w, const char *key, const struct vm_cert *certs, int n)
{
    out_jw_key(w, key);
    out_jw_begin_array(w);
    for (int i = 0; i < n; i++) {
        const struct vm_cert *c = &certs[i];
        out_jw_begin_object(w);
        out_jw_kstring(w, "subject", c->subject);
        out_jw_kstring(w, "issuer", c->issuer);
        out_jw_kstring(w, "serial", c->serial);
        ktime(w, "not_before", c->not_before);
        ktime(w, "not_after", c->not_after);
        out_jw_key(w, "san");
        out_jw_begin_array(w);
        for (int k = 0; k < c->nsan; k++)
            out_jw_string(w, c->san[k].value);
        out_jw_end_array(w);
        out_jw_kstring(w, "key", c->key);
        out_jw_kstring(w, "signature_algorithm", c->sig);
        out_jw_kstring(w, "sha256", c->sha256);
        out_jw_kbool(w, "ca", c->is_ca);
        out_jw_end_object(w);
    }
    out_jw_end_array(w);
}

/* "decrypted", and the application data or the reason why not. */
static void decryption(struct out_jw *w, const struct vm_decryption *r)
{
    if (!r->keys) {
        out_jw_kbool(w, "decrypted", 0);
        out_jw_kstring(w, "reason", "no keys given");
        return;
    }
    out_jw_kbool(w, "decrypted", r->decrypted);
    if (r->ok_records) {
        out_jw_key(w, "app_data");
        out_jw_begin_object(w);
        for (int d = 0; d < 2; d++) {
            out_jw_key(w, side((enum dir)d));
            out_jw_begin_object(w);
            out_jw_kuint(w, "bytes", r->app_bytes[d]);
            if (r->app_sha256[d][0]) /* --data-sha256 */
                out_jw_kstring(w, "sha256", r->app_sha256[d]);
            out_jw_end_object(w);
        }
        out_jw_end_object(w);
    }
    if (r->failed_records || r->skipped_records) {
        out_jw_kuint(w, "failed_records", r->failed_records);
        out_jw_kuint(w, "skipped_records", r->skipped_records);
    }
    if (!r->decrypted && r->reason[0])
        out_jw_kstring(w, "reason", r->reason);
}

static void validation(struct out_jw *w, const char *key, const struct vm_validation *v)
{
    out_jw_key(w, key);
    out_jw_begin_object(w);
    out_jw_kstring(w, "status", v->status);
    out_jw_key(w, "problems");
    out_jw_begin_array(w);
    for (int i = 0; i < v->nproblems; i++)
        out_jw_string(w, v->problems[i]);
    out_jw_end_array(w);
    if (!v->ok) {
        out_jw_key(w, "depth");
        out_jw_int(w, v->depth);
        out_jw_kstring(w, "detail", v->detail);
    }
    out_jw_kstring(w, "host", v->host);
    out_jw_key(w, "chain");
    out_jw_begin_array(w);
    for (int i = 0; i < v->nbuilt; i++) {
        out_jw_begin_object(w);
        out_jw_kstring(w, "subject", v->built[i]);
        out_jw_kbool(w, "from_store", v->from_store[i]);
        out_jw_end_object(w);
    }
    out_jw_end_array(w);
    out_jw_end_object(w);
}

/* The verdict, Zeek's history, the validation of each chain and the
 * diagnosis with its evidence. */
static void findings(struct out_jw *w, const struct vm_summary *s)
{
    out_jw_kstring(w, "verdict", vm_verdict_name(s->verdict));
    out_jw_kstring(w, "history", s->history);
    if (s->checked[DIR_S2C] || s->checked[DIR_C2S]) {
        out_jw_key(w, "validation");
        out_jw_begin_object(w);
        if (s->checked[DIR_S2C])
            validation(w, "server", &s->validation[DIR_S2C]);
        if (s->checked[DIR_C2S])
            validation(w, "client", &s->validation[DIR_C2S]);
        out_jw_end_object(w);
    }
    if (!s->diag.code)
        return;
    out_jw_key(w, "diagnosis");
    out_jw_begin_object(w);
    out_jw_kstring(w, "code", s->diag.code);
    out_jw_kstring(w, "message", s->diag.message);
    out_jw_kbool(w, "likely", s->diag.likely);
    out_jw_key(w, "evidence");
    out_jw_begin_array(w);
    for (int i = 0; i < s->diag.nevidence; i++)
        out_jw_string(w, s->diag.evidence[i]);
    out_jw_end_array(w);
    out_jw_end_object(w);
}

/* Fingerprints, each when its hello was seen: JA3 and JA3S with their
 * strings, JA4 and JA4S with their raw forms. */
static void fingerprints(struct out_jw *w, const struct vm_summary *s)
{
    if (s->ja3_string) {
        out_jw_kstring(w, "ja3", s->ja3);
        out_jw_kstring(w, "ja3_string", s->ja3_string);
    }
    if (s->ja3s_string) {
        out_jw_kstring(w, "ja3s", s->ja3s);
        out_jw_kstring(w, "ja3s_string", s->ja3s_string);
    }
    if (s->ja4)
        out_jw_kstring(w, "ja4", s->ja4);
    if (s->ja4_r)
        out_jw_kstring(w, "ja4_r", s->ja4_r);
    if (s->ja4s)
        out_jw_kstring(w, "ja4s", s->ja4s);
    if (s->ja4s_r)
        out_jw_kstring(w, "ja4s_r", s->ja4s_r);
}

static const char *upgrade_name(enum vm_upgrade u)
{
    switch (u) {
    case VM_UPGRADE_NONE:
        return "none";
    case VM_UPGRADE_ASKED:
        return "no_answer";
    case VM_UPGRADE_ACCEPTED:
        return "accepted";
    case VM_UPGRADE_REFUSED:
        return "refused";
    }
    return "?";
}

/* The plaintext before TLS: "starttls":"smtp" (or "proxy":"socks5") and
 * an "opening" object. */
static void opening(struct out_jw *w, const struct vm_opening *op)
{
    if (!op->plain[DIR_C2S] && !op->plain[DIR_S2C])
        return;
    if (op->how)
        out_jw_kstring(w, op->how, op->app ? op->app : "unknown");
    out_jw_key(w, "opening");
    out_jw_begin_object(w);
    out_jw_key(w, "app");
    op->app ? out_jw_string(w, op->app) : out_jw_null(w);
    out_jw_kstring(w, "upgrade", upgrade_name(op->upgrade));
    if (op->answer[0])
        out_jw_kstring(w, "answer", op->answer);
    out_jw_key(w, "plaintext_bytes");
    out_jw_begin_object(w);
    out_jw_kuint(w, "client", op->plain[DIR_C2S]);
    out_jw_kuint(w, "server", op->plain[DIR_S2C]);
    out_jw_end_object(w);
    out_jw_key(w, "tls");
    out_jw_begin_object(w);
    out_jw_kbool(w, "client", op->tls[DIR_C2S]);
    out_jw_kbool(w, "server", op->tls[DIR_S2C]);
    out_jw_end_object(w);
    out_jw_end_object(w);
}

/* The negotiated parameters: version, cipher, compression, SSL 2.0's
 * cipher specs, SNI, ALPN (selected and offered). */
static void parameters(struct out_jw *w, const struct vm_summary *s)
{
    if (s->version)
        kname(w, "version", REG_VERSION, s->version);
    if (s->cipher <= 0xffffff) /* SSL 2.0 cipher kinds have 3 bytes */
        kname(w, "cipher", REG_CIPHER, s->cipher);
    if (s->compression) /* only when not null (RFC 3749) */
        kname(w, "compression", REG_COMPRESSION, s->compression);
    if (s->ssl2_server_hello) {
        out_jw_key(w, "ssl2_cipher_specs");
        out_jw_begin_array(w);
        for (int i = 0; i < s->nssl2_specs; i++)
            jname(w, REG_CIPHER, s->ssl2_specs[i]);
        out_jw_end_array(w);
    }
    if (s->sni)
        out_jw_kstring(w, "sni", s->sni);
    if (s->group)
        kname(w, "curve", REG_GROUP, s->group);
    if (s->alpn)
        out_jw_kstring(w, "alpn", s->alpn);
    if (s->nclient_alpn) {
        out_jw_key(w, "client_alpn");
        out_jw_begin_array(w);
        for (int i = 0; i < s->nclient_alpn; i++)
            out_jw_string(w, s->client_alpn[i]);
        out_jw_end_array(w);
    }
}

void out_json_connection(struct out_jw *w, const struct vm_event *ev, int order)
{
    const struct vm_conn *c = ev->conn;
    const struct vm_summary *s = ev->summary;

    out_json_begin_conn(w, "connection", ev, order);
    out_jw_key(w, "ts");
    out_jw_seconds(w, ev->ts_us);
    endpoint(w, "client", &c->client);
    endpoint(w, "server", &c->server);
    if (c->community_id[0])
        out_jw_kstring(w, "community_id", c->community_id);
    out_jw_key(w, "start");
    out_jw_seconds(w, c->first_ts_us);
    out_jw_key(w, "end");
    out_jw_seconds(w, ev->ts_us);
    parameters(w, s);
    out_jw_kbool(w, "resumed", s->resumed);
    out_jw_kbool(w, "established", s->verdict == VM_ESTABLISHED || s->verdict == VM_UNDECRYPTABLE);
    if (c->resumes)
        out_jw_kuint(w, "idle_resumes", c->resumes);
    if (c->reopened)
        out_jw_kbool(w, "reopened", 1);
    if (ev->reason == VM_CLOSE_MEMORY)
        out_jw_kbool(w, "evicted_for_memory", 1);
    opening(w, &s->opening);
    findings(w, s);
    handshake_lists(w, s);
    alerts(w, s);
    last_alert(w, s);
    certificates(w, "certificates", s->certs, s->ncerts);
    if (s->nclient_certs)
        certificates(w, "client_certificates", s->client_certs, s->nclient_certs);
    fingerprints(w, s);
    anomalies(w, s);
    decryption(w, &s->decryption);
    out_jw_end_object(w);
    out_jw_newline(w);
}
