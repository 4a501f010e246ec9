/*
 * The JSON Lines view (-j): one object per event, and a summary object per
 * connection when it closes.  Every object is described by
 * man/tlsdump.schema.json (its version is each line's "schema") and in
 * man/tlsdump.1.  Every line is written through the JSON writer (jsonw.h),
 * which escapes strings and keeps the commas.
 */
#include <stdlib.h>

#include "base/util.h"
#include "json_int.h"

struct json_view {
    struct view v;
    struct out_jw w;
    struct out_json_opts opts;
};

/* Opens an event's object: {"type":...,"schema":1,"id":...,"dir":...,"ts":...
 * (with --shard, "order" after the id: json_int.h); returns the writer. */
static struct out_jw *head(struct json_view *jv, const char *type, const struct vm_event *ev)
{
    struct out_jw *w = &jv->w;
    out_json_begin_conn(w, type, ev, jv->opts.order);
    out_jw_kstring(w, "dir", side(ev->dir));
    out_jw_key(w, "ts");
    out_jw_seconds(w, ev->ts_us);
    return w;
}

static void tail(struct out_jw *w)
{
    out_jw_end_object(w);
    out_jw_newline(w);
}

static void jfields(struct out_jw *w, const struct ftree *t, const struct field *parent,
                    int in_list, int der);

static void jfield(struct out_jw *w, const struct ftree *t, const struct field *f, int der)
{
    char b[BASE_ISO_TIME_LEN];
    switch ((enum field_kind)f->kind) {
    case F_GROUP:
        out_jw_begin_object(w);
        jfields(w, t, f, 0, der);
        out_jw_end_object(w);
        break;
    case F_LIST:
        out_jw_begin_array(w);
        jfields(w, t, f, 1, der);
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
        out_jw_hex(w, f->p, f->n);
        break;
    case F_DER:
        out_jw_base64(w, f->p, f->n);
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

/* der: a certificate's DER as base64 (--certs); without it, left out:
 * the summary fields beside it say what it holds. */
static void jfields(struct out_jw *w, const struct ftree *t, const struct field *parent,
                    int in_list, int der)
{
    for (const struct field *f = ft_first(t, parent); f; f = ft_next(t, f)) {
        if (f->kind == F_DER && !der)
            continue;
        if (!in_list)
            out_jw_key(w, f->key ? f->key : "?");
        jfield(w, t, f, der);
    }
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

static void open_event(struct json_view *jv, const struct vm_event *ev)
{
    struct out_jw *w = head(jv, "open", ev);
    endpoint(w, "client", &ev->conn->client);
    endpoint(w, "server", &ev->conn->server);
    if (ev->conn->community_id[0])
        out_jw_kstring(w, "community_id", ev->conn->community_id);
    out_jw_kbool(w, "midstream", ev->conn->midstream);
    if (ev->conn->reopened)
        out_jw_kbool(w, "reopened", 1);
    tail(w);
}

static void gap(struct json_view *jv, const struct vm_event *ev)
{
    struct out_jw *w = head(jv, "anomaly", ev);
    out_jw_kstring(w, "kind", "gap");
    out_jw_kuint(w, "offset", ev->offset);
    out_jw_kuint(w, "bytes", ev->nbytes);
    out_jw_kstring(w, "reason", gap_reason(ev->reason));
    tail(w);
}

static void resumed(struct json_view *jv, const struct vm_event *ev)
{
    struct out_jw *w = head(jv, "resumed", ev);
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

static void record(struct json_view *jv, const struct vm_event *ev)
{
    const struct vm_record *r = ev->rec;
    struct out_jw *w = head(jv, "record", ev);
    out_jw_kuint(w, "record", ev->record_no);
    if (r->type == VM_CT_SSL2)
        out_jw_kstring(w, "content_type", "ssl2");
    else
        kname(w, "content_type", REG_CONTENT,
              r->type == VM_CT_SSL2_HELLO ? TLS_CT_HANDSHAKE : r->type);
    kname(w, "version", REG_VERSION, r->version);
    out_jw_kuint(w, "length", r->length);
    out_jw_kbool(w, "encrypted", r->protection != VM_CLEAR);
    record_plaintext(w, r);
    tail(w);
}

/* -j -d: bytes of application data (or of the plaintext before TLS) as
 * "data", with "encoding": "text" when they are UTF-8 without control
 * characters other than tab, CR and LF, else "base64". */
static void data_fields(struct out_jw *w, const uint8_t *p, size_t n)
{
    int text = out_jw_is_text(p, n);
    out_jw_kstring(w, "encoding", text ? "text" : "base64");
    out_jw_key(w, "data");
    if (text)
        out_jw_string_n(w, p, n);
    else
        out_jw_base64(w, p, n);
}

/* -j -d: a decrypted record's application data, as a line of its own
 * after the record's. */
static void data_event(struct json_view *jv, const struct vm_event *ev)
{
    const struct vm_record *r = ev->rec;
    if (r->protection != VM_OPENED || r->plain.type != TLS_CT_APPLICATION_DATA || !r->plain.n)
        return;
    struct out_jw *w = head(jv, "data", ev);
    out_jw_kuint(w, "record", ev->record_no);
    out_jw_kuint(w, "length", r->plain.n);
    if (r->plain.early)
        out_jw_kbool(w, "early_data", 1);
    data_fields(w, r->plain.p, r->plain.n);
    tail(w);
}

static void message(struct json_view *jv, const struct vm_event *ev)
{
    const struct vm_message *m = ev->msg;
    struct out_jw *w = head(jv, "handshake", ev);
    kname(w, "message", m->ssl2 ? REG_SSL2_MSG : REG_HANDSHAKE, m->type);
    out_jw_kuint(w, "length", m->length);
    out_jw_key(w, "fields");
    out_jw_begin_object(w);
    jfields(w, m->tree, m->fields, 0, jv->opts.certs);
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
    case VM_PROB_GAP:
    case VM_PROB_MIDSTREAM:
    case VM_PROB_BAD_ALERT:
    case VM_PROB_BAD_MESSAGE:
        break; /* not told as events */
    }
    return "?";
}

/* An event that says where in the stream: type, and offset (and length). */
static void at_offset(struct json_view *jv, const struct vm_event *ev, const char *type,
                      const char *kind, int length, int data)
{
    struct out_jw *w = head(jv, type, ev);
    if (kind)
        out_jw_kstring(w, "kind", kind);
    out_jw_kuint(w, "offset", ev->offset);
    if (length)
        out_jw_kuint(w, "length", ev->nbytes);
    if (data && ev->bytes)
        data_fields(w, ev->bytes, ev->nbytes);
    tail(w);
}

static void json_event(struct view *v, const struct vm_event *ev)
{
    struct json_view *jv = (struct json_view *)v;

    switch (ev->kind) {
    case VM_OPEN:
        open_event(jv, ev);
        return;
    case VM_GAP:
        gap(jv, ev);
        return;
    case VM_FIN:
    case VM_RST:
        tail(head(jv, ev->kind == VM_FIN ? "fin" : "rst", ev));
        return;
    case VM_CLOSE:
        out_json_connection(&jv->w, ev, jv->opts.order);
        return;
    case VM_RESUMED:
        resumed(jv, ev);
        return;
    case VM_SEGMENT:
    case VM_DATA:
        return;
    case VM_RECORD:
        record(jv, ev);
        if (jv->opts.data)
            data_event(jv, ev);
        return;
    case VM_MESSAGE:
        message(jv, ev);
        return;
    case VM_ALERT:
        alert_fields(head(jv, "alert", ev), ev->alert);
        tail(&jv->w);
        return;
    case VM_PROBLEM:
        at_offset(jv, ev, "anomaly", problem_name(ev->problem), 0, 0);
        return;
    case VM_PLAINTEXT:
        at_offset(jv, ev, "plaintext", NULL, 1, jv->opts.data);
        return;
    case VM_TLS_BEGINS:
    case VM_TLS_ENDS:
        at_offset(jv, ev, ev->kind == VM_TLS_BEGINS ? "tls_begins" : "tls_ends", NULL, 0, 0);
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

struct view *out_json_new(FILE *out, const struct out_json_opts *opts)
{
    struct json_view *jv = calloc(1, sizeof(*jv));
    if (!jv)
        return NULL;
    if (opts)
        jv->opts = *opts;
    jv->v.event = json_event;
    jv->v.close = json_close;
    out_jw_init(&jv->w, out);
    return &jv->v;
}
