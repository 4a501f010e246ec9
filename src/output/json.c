/*
 * The JSON Lines view (-j): one object per event, and a summary object per
 * connection when it closes.  The schema is in man/tlsdump.1.  Strings
 * from the wire are escaped; bytes that are not UTF-8 become U+FFFD, so
 * every line is valid JSON whatever the input.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

struct json_view {
    struct view v;
    FILE *out;
};

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (p[0] >= 0xf8 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((len == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (len == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
        (len == 4 && p[0] == 0xf4 && p[1] >= 0x90) || (len == 3 && p[0] == 0xed && p[1] >= 0xa0))
        return 0; /* overlong, beyond U+10FFFF, or a surrogate */
    return len;
}

static void jstr_n(FILE *o, const uint8_t *p, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            fprintf(o, "\\%c", c);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(o, "\\u%04x", c);
        } else if (c < 0x80) {
            fputc(c, o);
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len) {
                fwrite(p + i, 1, len, o);
                i += len;
                continue;
            }
            fputs("\\ufffd", o);
        }
        i++;
    }
    fputc('"', o);
}

static void jstr(FILE *o, const char *s)
{
    jstr_n(o, (const uint8_t *)s, strlen(s));
}

static void jkey(FILE *o, const char *k)
{
    fprintf(o, ",\"%s\":", k);
}

static void jhex(FILE *o, const uint8_t *p, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%02x", p[i]);
    fputc('"', o);
}

static void jname(FILE *o, enum reg_table t, uint32_t v)
{
    char buf[32];
    jstr(o, reg_name_or_unknown(t, v, buf, sizeof(buf)));
}

static void jendpoint(FILE *o, const struct tcp_endpoint *e)
{
    char a[64];
    fprintf(o, "{\"ip\":\"%s\",\"port\":%u}", tcp_addr_text(e, a, sizeof(a)), e->port);
}

static void jtime(FILE *o, int64_t us)
{
    uint64_t a = us < 0 ? (uint64_t)-us : (uint64_t)us;
    fprintf(o, "%s%" PRIu64 ".%06d", us < 0 ? "-" : "", a / 1000000, (int)(a % 1000000));
}

/* {"type":...,"id":...,"dir":...,"ts":... ; the caller closes it. */
static void head(FILE *o, const char *type, const struct event *ev)
{
    fprintf(o, "{\"type\":\"%s\",\"id\":%" PRIu64 ",\"dir\":\"%s\",\"ts\":", type, ev->conn->id,
            ev->dir == DIR_C2S ? "client" : "server");
    jtime(o, ev->ts_us);
}

static void jfields(FILE *o, const struct ftree *t, int parent, int in_list);

static void jfield(FILE *o, const struct ftree *t, const struct field *f)
{
    switch ((enum field_kind)f->kind) {
    case F_GROUP:
        fputc('{', o);
        jfields(o, t, (int)(f - t->f), 0);
        fputc('}', o);
        break;
    case F_LIST:
        fputc('[', o);
        jfields(o, t, (int)(f - t->f), 1);
        fputc(']', o);
        break;
    case F_UINT:
        fprintf(o, "%llu", (unsigned long long)f->u);
        break;
    case F_NAMED:
        jname(o, f->table, (uint32_t)f->u);
        break;
    case F_BOOL:
        fputs(f->u ? "true" : "false", o);
        break;
    case F_HEX:
    case F_DER:
        jhex(o, f->p, f->n);
        break;
    case F_TEXT:
        jstr_n(o, f->p, f->n);
        break;
    case F_STR:
        jstr(o, ft_string(t, f));
        break;
    }
}

static void jfields(FILE *o, const struct ftree *t, int parent, int in_list)
{
    int first = 1;
    for (const struct field *f = ft_at(t, ft_at(t, parent)->child); f; f = ft_at(t, f->next)) {
        if (f->kind == F_DER)
            continue; /* the summary fields say what the DER holds */
        if (!first)
            fputc(',', o);
        first = 0;
        if (!in_list)
            fprintf(o, "\"%s\":", f->key ? f->key : "?");
        jfield(o, t, f);
    }
}

/* The summary's names: a record that is not TLS, whatever is wrong with
 * it, is a bad_record there (the event says which). */
static const char *anomaly_name(enum tls_problem_kind k)
{
    switch (k) {
    case TLS_GAP:
        return "gap";
    case TLS_MIDSTREAM:
        return "midstream";
    case TLS_NOT_TLS:
        return "not_tls";
    case TLS_BAD_LENGTH:
    case TLS_BAD_HEADER:
    case TLS_BAD_ALERT:
        return "bad_record";
    case TLS_BAD_MESSAGE:
        return "bad_message";
    case TLS_LOST_SYNC:
        return "lost_sync";
    case TLS_RESYNC:
        return "resync";
    }
    return "?";
}

static void handshake_lists(FILE *o, const struct tls_summary *s)
{
    fputs(",\"handshake\":{", o);
    for (int d = 0; d < 2; d++) {
        fprintf(o, "%s\"%s\":[", d ? "," : "", d ? "server" : "client");
        for (int i = 0; i < s->nhs[d]; i++) {
            if (i)
                fputc(',', o);
            if (s->hs[d][i] >= 0x100) /* SSL 2.0 */
                jname(o, REG_SSL2_MSG, s->hs[d][i] - 0x100u);
            else
                jname(o, REG_HANDSHAKE, s->hs[d][i]);
        }
        fputc(']', o);
    }
    fputc('}', o);
}

static void alerts(FILE *o, const struct tls_summary *s)
{
    fputs(",\"alerts\":[", o);
    for (int i = 0; i < s->nalerts; i++) {
        const struct tls_alert *a = &s->alerts[i];
        fprintf(o, "%s{\"from\":\"%s\"", i ? "," : "", a->from == DIR_C2S ? "client" : "server");
        if (!a->encrypted || a->decrypted) {
            jkey(o, "level");
            jname(o, REG_ALERT_LEVEL, a->level);
            jkey(o, "description");
            jname(o, REG_ALERT, a->desc);
        }
        fprintf(o, ",\"encrypted\":%s", a->encrypted ? "true" : "false");
        fprintf(o, a->decrypted ? ",\"decrypted\":true}" : "}");
    }
    fputc(']', o);
}

static void certificates(FILE *o, const struct tls_summary *s)
{
    fputs(",\"certificates\":[", o);
    for (int i = 0; i < s->ncerts; i++) {
        const struct tls_cert_info *c = &s->certs[i];
        fputs(i ? ",{\"subject\":" : "{\"subject\":", o);
        jstr(o, c->subject);
        jkey(o, "issuer"), jstr(o, c->issuer);
        jkey(o, "serial"), jstr(o, c->serial);
        jkey(o, "not_before"), jstr(o, c->not_before);
        jkey(o, "not_after"), jstr(o, c->not_after);
        fputs(",\"san\":[", o);
        for (const char *p = c->san, *e; *p; p = *e ? e + 1 : e) {
            e = strchr(p, ',');
            e = e ? e : p + strlen(p);
            if (p != c->san)
                fputc(',', o);
            jstr_n(o, (const uint8_t *)p, (size_t)(e - p));
        }
        fputc(']', o);
        jkey(o, "key"), jstr(o, c->key);
        jkey(o, "signature_algorithm"), jstr(o, c->sig);
        jkey(o, "sha256"), jstr(o, c->sha256);
        fprintf(o, ",\"ca\":%s}", c->is_ca ? "true" : "false");
    }
    fputc(']', o);
}

/* "decrypted", and the application data or the reason why not. */
static void decryption(FILE *o, const struct crypto_result *r)
{
    if (!r) {
        fputs(",\"decrypted\":false,\"reason\":\"no keys given\"", o);
        return;
    }
    fprintf(o, ",\"decrypted\":%s", r->decrypted ? "true" : "false");
    if (r->ok_records) {
        fputs(",\"app_data\":{", o);
        for (int d = 0; d < 2; d++)
            fprintf(o, "%s\"%s\":{\"bytes\":%" PRIu64 ",\"sha256\":\"%s\"}", d ? "," : "",
                    d ? "server" : "client", r->app_bytes[d], r->app_sha256[d]);
        fputc('}', o);
    }
    if (r->failed_records || r->skipped_records)
        fprintf(o, ",\"failed_records\":%" PRIu64 ",\"skipped_records\":%" PRIu64,
                r->failed_records, r->skipped_records);
    if (!r->decrypted && r->reason[0])
        jkey(o, "reason"), jstr(o, r->reason);
}

static void jvalidation(FILE *o, const struct cert_check *v)
{
    fputs("{\"status\":", o), jstr(o, cert_status_name(v->status));
    fputs(",\"problems\":[", o);
    for (int i = 0; i < v->nproblems; i++)
        fputs(i ? "," : "", o), jstr(o, cert_status_name(v->problems[i]));
    fputc(']', o);
    if (v->status != CERT_OK)
        fprintf(o, ",\"depth\":%d", v->depth), jkey(o, "detail"), jstr(o, v->detail);
    jkey(o, "host"), jstr(o, v->host);
    fputs(",\"chain\":[", o);
    for (int i = 0; i < v->nbuilt; i++) {
        fputs(i ? ",{\"subject\":" : "{\"subject\":", o), jstr(o, v->built[i]);
        fprintf(o, ",\"from_store\":%s}", v->from_store[i] ? "true" : "false");
    }
    fputs("]}", o);
}

/* The verdict, Zeek's history, the validation of each chain and the
 * diagnosis with its evidence. */
static void findings(FILE *o, const struct findings *f)
{
    jkey(o, "verdict"), jstr(o, verdict_name(f->verdict));
    jkey(o, "history"), jstr(o, f->history);
    if (f->checked[DIR_S2C] || f->checked[DIR_C2S]) {
        fputs(",\"validation\":{", o);
        if (f->checked[DIR_S2C])
            fputs("\"server\":", o), jvalidation(o, &f->validation[DIR_S2C]);
        if (f->checked[DIR_C2S])
            fputs(f->checked[DIR_S2C] ? ",\"client\":" : "\"client\":", o),
                jvalidation(o, &f->validation[DIR_C2S]);
        fputc('}', o);
    }
    if (!f->diag.code)
        return;
    fputs(",\"diagnosis\":{", o);
    fputs("\"code\":", o), jstr(o, f->diag.code);
    jkey(o, "message"), jstr(o, f->diag.message);
    fprintf(o, ",\"likely\":%s,\"evidence\":[", f->diag.likely ? "true" : "false");
    for (int i = 0; i < f->diag.nevidence; i++)
        fputs(i ? "," : "", o), jstr(o, f->diag.evidence[i]);
    fputs("]}", o);
}

/* JA4 and JA4S with their raw forms, each when its hello was seen. */
static void ja4(FILE *o, const struct findings *f)
{
    if (f->ja4[0])
        jkey(o, "ja4"), jstr(o, f->ja4);
    if (f->ja4_r)
        jkey(o, "ja4_r"), jstr(o, f->ja4_r);
    if (f->ja4s[0])
        jkey(o, "ja4s"), jstr(o, f->ja4s);
    if (f->ja4s_r)
        jkey(o, "ja4s_r"), jstr(o, f->ja4s_r);
}

static const char *upgrade_name(enum tls_upgrade u)
{
    switch (u) {
    case TLS_UPGRADE_NONE:
        return "none";
    case TLS_UPGRADE_ASKED:
        return "no_answer";
    case TLS_UPGRADE_ACCEPTED:
        return "accepted";
    case TLS_UPGRADE_REFUSED:
        return "refused";
    }
    return "?";
}

/* The plaintext before TLS: "starttls":"smtp" (or "proxy":"socks5") and
 * an "opening" object. */
static void opening(FILE *o, const struct tls_opening *op)
{
    if (!op->plain[DIR_C2S] && !op->plain[DIR_S2C])
        return;
    if (op->how)
        jkey(o, op->how), jstr(o, op->app ? op->app : "unknown");
    fputs(",\"opening\":{\"app\":", o);
    op->app ? jstr(o, op->app) : (void)fputs("null", o);
    jkey(o, "upgrade"), jstr(o, upgrade_name(op->upgrade));
    if (op->answer[0])
        jkey(o, "answer"), jstr(o, op->answer);
    fprintf(o, ",\"plaintext_bytes\":{\"client\":%" PRIu64 ",\"server\":%" PRIu64 "}",
            op->plain[DIR_C2S], op->plain[DIR_S2C]);
    fprintf(o, ",\"tls\":{\"client\":%s,\"server\":%s}}", op->tls[DIR_C2S] ? "true" : "false",
            op->tls[DIR_S2C] ? "true" : "false");
}

/* SSL 2.0: the cipher specs of the server's SERVER-HELLO. */
static void ssl2_specs(FILE *o, const struct tls_ssl2 *v2)
{
    if (!v2->server_hello)
        return;
    fputs(",\"ssl2_cipher_specs\":[", o);
    for (int i = 0; i < v2->nspecs; i++)
        fputs(i ? "," : "", o), jname(o, REG_CIPHER, v2->specs[i]);
    fputc(']', o);
}

/* The protocols the first ClientHello offered, when it had ALPN. */
static void client_alpn(FILE *o, const struct tls_hello *ch)
{
    if (!ch->nalpn)
        return;
    fputs(",\"client_alpn\":[", o);
    for (int i = 0; i < ch->nalpn && i < TLS_HELLO_MAX_ALPN; i++)
        fputs(i ? "," : "", o), jstr(o, ch->alpn_names[i]);
    fputc(']', o);
}

static void summary(FILE *o, const struct event *ev)
{
    const struct tcp_conn *c = ev->conn;
    const struct tls_summary *s = ev->summary;
    const struct findings *f = ev->findings;

    fprintf(o, "{\"type\":\"connection\",\"id\":%" PRIu64 ",\"client\":", c->id);
    jendpoint(o, &c->client);
    fputs(",\"server\":", o);
    jendpoint(o, &c->server);
    jkey(o, "start"), jtime(o, c->first_ts_us);
    jkey(o, "end"), jtime(o, ev->ts_us);
    if (s->version)
        jkey(o, "version"), jname(o, REG_VERSION, s->version);
    if (s->cipher <= 0xffffff) /* SSL 2.0 cipher kinds have 3 bytes */
        jkey(o, "cipher"), jname(o, REG_CIPHER, s->cipher);
    if (s->compression) /* only when not null (RFC 3749) */
        jkey(o, "compression"), jname(o, REG_COMPRESSION, s->compression);
    ssl2_specs(o, &s->ssl2);
    if (s->sni[0])
        jkey(o, "sni"), jstr(o, s->sni);
    if (s->alpn[0])
        jkey(o, "alpn"), jstr(o, s->alpn);
    client_alpn(o, &s->ch);
    fprintf(o, ",\"resumed\":%s,\"established\":%s", s->resumed ? "true" : "false",
            f->verdict == VERDICT_ESTABLISHED || f->verdict == VERDICT_UNDECRYPTABLE ? "true"
                                                                                     : "false");
    if (c->resumes)
        fprintf(o, ",\"idle_resumes\":%u", c->resumes);
    if (c->reopened)
        fputs(",\"reopened\":true", o);
    opening(o, &s->opening);
    findings(o, f);
    handshake_lists(o, s);
    alerts(o, s);
    certificates(o, s);
    if (f->ja3_string)
        jkey(o, "ja3"), jstr(o, f->ja3), jkey(o, "ja3_string"), jstr(o, f->ja3_string);
    if (f->ja3s_string)
        jkey(o, "ja3s"), jstr(o, f->ja3s), jkey(o, "ja3s_string"), jstr(o, f->ja3s_string);
    ja4(o, f);
    fputs(",\"anomalies\":[", o);
    for (int i = 0; i < s->nproblems; i++)
        fprintf(o, "%s{\"kind\":\"%s\",\"dir\":\"%s\",\"%s\":%" PRIu64 "}", i ? "," : "",
                anomaly_name(s->problems[i].kind),
                s->problems[i].dir == DIR_C2S ? "client" : "server",
                s->problems[i].kind == TLS_LOST_SYNC || s->problems[i].kind == TLS_RESYNC ? "offset"
                                                                                          : "bytes",
                s->problems[i].value);
    fputc(']', o);
    decryption(o, ev->crypto);
    fputs("}\n", o);
}

static const char *gap_reason(int r)
{
    switch ((enum tcp_gap_reason)r) {
    case TCP_GAP_ACKED:
        return "acked_not_captured";
    case TCP_GAP_SNAPLEN:
        return "snaplen";
    case TCP_GAP_CAPACITY:
        return "buffer_cap";
    case TCP_GAP_CLOSED:
        return "closed";
    }
    return "?";
}

static void tcp(FILE *o, const struct event *ev)
{
    const struct tcp_event *t = ev->tcp;
    switch (t->kind) {
    case TCP_EV_OPEN:
        head(o, "open", ev);
        fputs(",\"client\":", o);
        jendpoint(o, &ev->conn->client);
        fputs(",\"server\":", o);
        jendpoint(o, &ev->conn->server);
        fprintf(o, ",\"midstream\":%s%s}\n", ev->conn->midstream ? "true" : "false",
                ev->conn->reopened ? ",\"reopened\":true" : "");
        return;
    case TCP_EV_GAP:
        head(o, "anomaly", ev);
        fprintf(o, ",\"kind\":\"gap\",\"offset\":%" PRIu64 ",\"bytes\":%zu,\"reason\":\"%s\"}\n",
                t->offset, t->len, gap_reason(t->reason));
        return;
    case TCP_EV_FIN:
    case TCP_EV_RST:
        head(o, t->kind == TCP_EV_FIN ? "fin" : "rst", ev);
        fputs("}\n", o);
        return;
    case TCP_EV_CLOSE:
        summary(o, ev);
        return;
    case TCP_EV_RESUMED:
        head(o, "resumed", ev);
        jkey(o, "after_s"), jtime(o, ev->conn->resumed_after_us);
        fputs("}\n", o);
        return;
    case TCP_EV_SEGMENT:
        return;
    case TCP_EV_DATA:
        return;
    }
}

/* A protected record: whether it was opened, and as what. */
static void record_plaintext(FILE *o, const struct tls_rec_info *ri)
{
    if (!ri->encrypted || ri->open == TLS_OPEN_NO_KEYS)
        return;
    if (ri->open == TLS_OPEN_FAILED) {
        fputs(",\"decrypted\":false,\"error\":\"decrypt_failed\"", o);
        return;
    }
    fputs(",\"decrypted\":true,\"inner_type\":", o);
    jname(o, REG_CONTENT, ri->plain.type);
    fprintf(o, ",\"plaintext_length\":%zu", ri->plain.n);
    if (ri->plain.early)
        fputs(",\"early_data\":true", o);
    if (ri->skipped)
        fprintf(o, ",\"skipped_records\":%" PRIu64, ri->skipped);
}

static const char *problem_name(enum tls_problem_kind p)
{
    switch (p) {
    case TLS_NOT_TLS:
        return "not_tls";
    case TLS_BAD_LENGTH:
        return "bad_record_length";
    case TLS_BAD_HEADER:
        return "bad_record_header";
    case TLS_LOST_SYNC:
        return "lost_sync";
    case TLS_RESYNC:
        return "resync";
    case TLS_GAP:
    case TLS_MIDSTREAM:
    case TLS_BAD_ALERT:
    case TLS_BAD_MESSAGE:
        break; /* not told as events */
    }
    return "?";
}

static void json_event(struct view *v, const struct event *ev)
{
    FILE *o = ((struct json_view *)v)->out;
    const struct tls_record *r;

    switch (ev->kind) {
    case EV_TCP:
        tcp(o, ev);
        return;
    case EV_RECORD:
        r = ev->rec->rec;
        head(o, "record", ev);
        fprintf(o, ",\"record\":%" PRIu64 ",\"content_type\":", ev->record_no);
        if (r->type == TLS_CT_SSL2)
            jstr(o, "ssl2");
        else
            jname(o, REG_CONTENT, r->type == TLS_CT_SSL2_HELLO ? TLS_CT_HANDSHAKE : r->type);
        jkey(o, "version"), jname(o, REG_VERSION, r->version);
        fprintf(o, ",\"length\":%zu,\"encrypted\":%s", r->length,
                ev->rec->encrypted ? "true" : "false");
        record_plaintext(o, ev->rec);
        fputs("}\n", o);
        return;
    case EV_MESSAGE:
        head(o, "handshake", ev);
        jkey(o, "message"), jname(o, ev->msg->ssl2 ? REG_SSL2_MSG : REG_HANDSHAKE, ev->msg->type);
        fprintf(o, ",\"length\":%" PRIu32 ",\"fields\":{", ev->msg->length);
        jfields(o, ev->msg->tree, ev->msg->root, 0);
        fprintf(o, "}%s%s}\n", ev->msg->malformed ? ",\"malformed\":true" : "",
                ev->msg->decrypted ? ",\"decrypted\":true" : "");
        return;
    case EV_ALERT:
        head(o, "alert", ev);
        if (!ev->alert->encrypted || ev->alert->decrypted) {
            jkey(o, "level"), jname(o, REG_ALERT_LEVEL, ev->alert->level);
            jkey(o, "description"), jname(o, REG_ALERT, ev->alert->desc);
        }
        fprintf(o, ",\"encrypted\":%s%s}\n", ev->alert->encrypted ? "true" : "false",
                ev->alert->decrypted ? ",\"decrypted\":true" : "");
        return;
    case EV_TLS_PROBLEM:
        head(o, "anomaly", ev);
        fprintf(o, ",\"kind\":\"%s\",\"offset\":%" PRIu64 "}\n", problem_name(ev->problem),
                ev->offset);
        return;
    case EV_PLAINTEXT:
        head(o, "plaintext", ev);
        fprintf(o, ",\"offset\":%" PRIu64 ",\"length\":%zu}\n", ev->offset, ev->nbytes);
        return;
    case EV_TLS_BEGINS:
    case EV_TLS_ENDS:
        head(o, ev->kind == EV_TLS_BEGINS ? "tls_begins" : "tls_ends", ev);
        fprintf(o, ",\"offset\":%" PRIu64 "}\n", ev->offset);
        return;
    }
}

static int json_close(struct view *v)
{
    struct json_view *jv = (struct json_view *)v;
    int ok = fflush(jv->out) == 0 && !ferror(jv->out);
    free(jv);
    return ok;
}

struct view *json_view_new(FILE *out)
{
    struct json_view *jv = calloc(1, sizeof(*jv));
    if (!jv)
        return NULL;
    jv->v.event = json_event;
    jv->v.close = json_close;
    jv->out = out;
    return &jv->v;
}
