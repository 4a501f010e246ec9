/*
 * The JSON Lines view (-j): one object per event, and a summary object per
 * connection when it closes.  The schema is in man/tlsdump.1.  Every
 * line is written through the JSON writer (jsonw.h), which escapes
 * strings and keeps the commas.
 */
#include <stdlib.h>

#include "base/registry.h"
#include "base/util.h"
#include "jsonw.h"
#include "views.h"

struct json_view {
    struct view v;
    struct out_jw w;
};

static const char *side(enum dir d)
{
    return d == DIR_C2S ? "client" : "server";
}

static void jname(struct out_jw *w, enum reg_table t, uint32_t v)
{
    char buf[32];
    out_jw_string(w, reg_name_or_unknown(t, v, buf, sizeof(buf)));
}

static void kname(struct out_jw *w, const char *key, enum reg_table t, uint32_t v)
{
    out_jw_key(w, key);
    jname(w, t, v);
}

static void endpoint(struct out_jw *w, const char *key, const struct vm_endpoint *e)
{
    out_jw_key(w, key);
    out_jw_begin_object(w);
    out_jw_kstring(w, "ip", e->text);
    out_jw_kuint(w, "port", e->port);
    out_jw_end_object(w);
}

/* Opens an event's object: {"type":...,"id":...,"dir":...,"ts":... */
static void head(struct out_jw *w, const char *type, const struct vm_event *ev)
{
    out_jw_begin_object(w);
    out_jw_kstring(w, "type", type);
    out_jw_kuint(w, "id", ev->conn->id);
    out_jw_kstring(w, "dir", side(ev->dir));
    out_jw_key(w, "ts");
    out_jw_seconds(w, ev->ts_us);
}

static void tail(struct out_jw *w)
{
    out_jw_end_object(w);
    out_jw_newline(w);
}

static void jfields(struct out_jw *w, const struct ftree *t, const struct field *parent,
                    int in_list);

static void jfield(struct out_jw *w, const struct ftree *t, const struct field *f)
{
    char b[BASE_ISO_TIME_LEN];
    switch ((enum field_kind)f->kind) {
    case F_GROUP:
        out_jw_begin_object(w);
        jfields(w, t, f, 0);
        out_jw_end_object(w);
        break;
    case F_LIST:
        out_jw_begin_array(w);
        jfields(w, t, f, 1);
        out_jw_end_array(w);
        break;
    case F_UINT:
        out_jw_uint(w, f->u);
        break;
    case F_NAMED:
        jname(w, f->table, (uint32_t)f->u);
        break;
    case F_BOOL:
        out_jw_bool(w, (int)f->u);
        break;
    case F_HEX:
    case F_DER:
        out_jw_hex(w, f->p, f->n);
        break;
    case F_TEXT:
        out_jw_string_n(w, f->p, f->n);
        break;
    case F_STR:
        out_jw_string(w, ft_string(t, f));
        break;
    case F_TIME:
        base_iso_time(ft_time_value(f), b);
        out_jw_string(w, b[0] && ft_time_value(f) != FT_NO_TIME ? b : "?");
        break;
    }
}

static void jfields(struct out_jw *w, const struct ftree *t, const struct field *parent,
                    int in_list)
{
    for (const struct field *f = ft_first(t, parent); f; f = ft_next(t, f)) {
        if (f->kind == F_DER)
            continue; /* the summary fields say what the DER holds */
        if (!in_list)
            out_jw_key(w, f->key ? f->key : "?");
        jfield(w, t, f);
    }
}

static const char *anomaly_name(enum vm_anomaly_kind k)
{
    switch (k) {
    case VM_ANOM_GAP:
        return "gap";
    case VM_ANOM_MIDSTREAM:
        return "midstream";
    case VM_ANOM_NOT_TLS:
        return "not_tls";
    case VM_ANOM_BAD_RECORD:
        return "bad_record";
    case VM_ANOM_BAD_MESSAGE:
        return "bad_message";
    case VM_ANOM_LOST_SYNC:
        return "lost_sync";
    case VM_ANOM_RESYNC:
        return "resync";
    }
    return "?";
}

static void anomalies(struct out_jw *w, const struct vm_summary *s)
{
    out_jw_key(w, "anomalies");
    out_jw_begin_array(w);
    for (int i = 0; i < s->nanomalies; i++) {
        const struct vm_anomaly *a = &s->anomalies[i];
        out_jw_begin_object(w);
        out_jw_kstring(w, "kind", anomaly_name(a->kind));
        out_jw_kstring(w, "dir", side(a->dir));
        out_jw_kuint(w,
                     a->kind == VM_ANOM_LOST_SYNC || a->kind == VM_ANOM_RESYNC ? "offset" : "bytes",
                     a->bytes);
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

/* An alert's level and description, when they are known. */
static void alert_fields(struct out_jw *w, const struct vm_alert *a)
{
    if (!a->encrypted || a->decrypted) {
        kname(w, "level", REG_ALERT_LEVEL, a->level);
        kname(w, "description", REG_ALERT, a->desc);
    }
    out_jw_kbool(w, "encrypted", a->encrypted);
    if (a->decrypted)
        out_jw_kbool(w, "decrypted", 1);
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

static void certificates(struct out_jw *w, const struct vm_summary *s)
{
    out_jw_key(w, "certificates");
    out_jw_begin_array(w);
    for (int i = 0; i < s->ncerts; i++) {
        const struct vm_cert *c = &s->certs[i];
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

static void summary(struct out_jw *w, const struct vm_event *ev)
{
    const struct vm_conn *c = ev->conn;
    const struct vm_summary *s = ev->summary;

    out_jw_begin_object(w);
    out_jw_kstring(w, "type", "connection");
    out_jw_kuint(w, "id", c->id);
    endpoint(w, "client", &c->client);
    endpoint(w, "server", &c->server);
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
    opening(w, &s->opening);
    findings(w, s);
    handshake_lists(w, s);
    alerts(w, s);
    certificates(w, s);
    fingerprints(w, s);
    anomalies(w, s);
    decryption(w, &s->decryption);
    tail(w);
}

static const char *gap_reason(int r)
{
    switch ((enum vm_gap_reason)r) {
    case VM_GAP_ACKED:
        return "acked_not_captured";
    case VM_GAP_SNAPLEN:
        return "snaplen";
    case VM_GAP_CAPACITY:
        return "buffer_cap";
    case VM_GAP_CLOSED:
        return "closed";
    }
    return "?";
}

static void open_event(struct out_jw *w, const struct vm_event *ev)
{
    head(w, "open", ev);
    endpoint(w, "client", &ev->conn->client);
    endpoint(w, "server", &ev->conn->server);
    out_jw_kbool(w, "midstream", ev->conn->midstream);
    if (ev->conn->reopened)
        out_jw_kbool(w, "reopened", 1);
    tail(w);
}

static void gap(struct out_jw *w, const struct vm_event *ev)
{
    head(w, "anomaly", ev);
    out_jw_kstring(w, "kind", "gap");
    out_jw_kuint(w, "offset", ev->offset);
    out_jw_kuint(w, "bytes", ev->nbytes);
    out_jw_kstring(w, "reason", gap_reason(ev->reason));
    tail(w);
}

static void resumed(struct out_jw *w, const struct vm_event *ev)
{
    head(w, "resumed", ev);
    out_jw_key(w, "after_s");
    out_jw_seconds(w, ev->conn->resumed_after_us);
    tail(w);
}

/* A protected record: whether it was opened, and as what. */
static void record_plaintext(struct out_jw *w, const struct vm_record *r)
{
    if (r->protection == VM_CLEAR || r->protection == VM_NO_KEYS)
        return;
    if (r->protection == VM_OPEN_FAILED) {
        out_jw_kbool(w, "decrypted", 0);
        out_jw_kstring(w, "error", "decrypt_failed");
        return;
    }
    out_jw_kbool(w, "decrypted", 1);
    kname(w, "inner_type", REG_CONTENT, r->plain.type);
    out_jw_kuint(w, "plaintext_length", r->plain.n);
    if (r->plain.early)
        out_jw_kbool(w, "early_data", 1);
    if (r->skipped)
        out_jw_kuint(w, "skipped_records", r->skipped);
}

static void record(struct out_jw *w, const struct vm_event *ev)
{
    const struct vm_record *r = ev->rec;
    head(w, "record", ev);
    out_jw_kuint(w, "record", ev->record_no);
    if (r->type == VM_CT_SSL2)
        out_jw_kstring(w, "content_type", "ssl2");
    else
        kname(w, "content_type", REG_CONTENT, r->type == VM_CT_SSL2_HELLO ? 22 : r->type);
    kname(w, "version", REG_VERSION, r->version);
    out_jw_kuint(w, "length", r->length);
    out_jw_kbool(w, "encrypted", r->protection != VM_CLEAR);
    record_plaintext(w, r);
    tail(w);
}

static void message(struct out_jw *w, const struct vm_event *ev)
{
    const struct vm_message *m = ev->msg;
    head(w, "handshake", ev);
    kname(w, "message", m->ssl2 ? REG_SSL2_MSG : REG_HANDSHAKE, m->type);
    out_jw_kuint(w, "length", m->length);
    out_jw_key(w, "fields");
    out_jw_begin_object(w);
    jfields(w, m->tree, ft_at(m->tree, m->root), 0);
    out_jw_end_object(w);
    if (m->malformed)
        out_jw_kbool(w, "malformed", 1);
    if (m->decrypted)
        out_jw_kbool(w, "decrypted", 1);
    tail(w);
}

static const char *problem_name(enum vm_problem p)
{
    switch (p) {
    case VM_PROB_NOT_TLS:
        return "not_tls";
    case VM_PROB_BAD_LENGTH:
        return "bad_record_length";
    case VM_PROB_BAD_HEADER:
        return "bad_record_header";
    case VM_PROB_LOST_SYNC:
        return "lost_sync";
    case VM_PROB_RESYNC:
        return "resync";
    }
    return "?";
}

/* An event that says where in the stream: type, and offset (and length). */
static void at_offset(struct out_jw *w, const struct vm_event *ev, const char *type,
                      const char *kind, int length)
{
    head(w, type, ev);
    if (kind)
        out_jw_kstring(w, "kind", kind);
    out_jw_kuint(w, "offset", ev->offset);
    if (length)
        out_jw_kuint(w, "length", ev->nbytes);
    tail(w);
}

static void json_event(struct view *v, const struct vm_event *ev)
{
    struct out_jw *w = &((struct json_view *)v)->w;

    switch (ev->kind) {
    case VM_OPEN:
        open_event(w, ev);
        return;
    case VM_GAP:
        gap(w, ev);
        return;
    case VM_FIN:
    case VM_RST:
        head(w, ev->kind == VM_FIN ? "fin" : "rst", ev);
        tail(w);
        return;
    case VM_CLOSE:
        summary(w, ev);
        return;
    case VM_RESUMED:
        resumed(w, ev);
        return;
    case VM_SEGMENT:
    case VM_DATA:
        return;
    case VM_RECORD:
        record(w, ev);
        return;
    case VM_MESSAGE:
        message(w, ev);
        return;
    case VM_ALERT:
        head(w, "alert", ev);
        alert_fields(w, ev->alert);
        tail(w);
        return;
    case VM_PROBLEM:
        at_offset(w, ev, "anomaly", problem_name(ev->problem), 0);
        return;
    case VM_PLAINTEXT:
        at_offset(w, ev, "plaintext", NULL, 1);
        return;
    case VM_TLS_BEGINS:
    case VM_TLS_ENDS:
        at_offset(w, ev, ev->kind == VM_TLS_BEGINS ? "tls_begins" : "tls_ends", NULL, 0);
        return;
    }
}

static int json_close(struct view *v)
{
    struct json_view *jv = (struct json_view *)v;
    int ok = fflush(jv->w.out) == 0 && !ferror(jv->w.out);
    free(jv);
    return ok;
}

struct view *out_json_new(FILE *out)
{
    struct json_view *jv = calloc(1, sizeof(*jv));
    if (!jv)
        return NULL;
    jv->v.event = json_event;
    jv->v.close = json_close;
    out_jw_init(&jv->w, out);
    return &jv->v;
}
