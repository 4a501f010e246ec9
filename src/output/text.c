/*
 * The text view: ssldump's layout.
 *
 *   New TCP connection #1: 127.0.0.1(41234) <-> 127.0.0.1(4433)
 *   1 1  0.0004 (0.0004)  C>S  Handshake
 *   1    0.0310 (0.0002)  S>C  TCP FIN
 *
 * Times are seconds since the connection's first packet (-e: since the
 * epoch) and, in brackets, since the connection's previous line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/registry.h"
#include "base/util.h"
#include "hexdump.h"
#include "textend.h"
#include "views.h"

struct text_view {
    struct view v;
    FILE *out;
    struct out_text_opts opts;
    int bullet; /* the line was started with "- " */
};

static void print_seconds(FILE *out, int64_t us)
{
    if (us < 0) /* captures are not always in time order */
        us = 0;
    fprintf(out, "%" PRId64 ".%04d", us / 1000000, (int)(us % 1000000 / 100));
}

/* --color: an SGR sequence (ECMA-48 8.3.117) before a part of a line, and
 * NULL to end it: directions in cyan and magenta, failures in red,
 * decrypted data in green. */
#define SGR_C2S "36"
#define SGR_S2C "35"
#define SGR_FAIL "1;31"
#define SGR_DATA "32"
static void paint(struct text_view *tv, const char *sgr)
{
    if (tv->opts.color)
        fprintf(tv->out, "\033[%sm", sgr ? sgr : "0");
}

/* The start of a line: connection, record number if any, times, direction. */
static void prefix(struct text_view *tv, const struct vm_event *ev)
{
    if (ev->kind == VM_RECORD)
        fprintf(tv->out, "%" PRIu64 " %" PRIu64 "  ", ev->conn->id, ev->record_no);
    else
        fprintf(tv->out, "%" PRIu64 "    ", ev->conn->id);
    print_seconds(tv->out, tv->opts.absolute_time ? ev->ts_us : ev->ts_us - ev->conn->first_ts_us);
    fputs(" (", tv->out);
    print_seconds(tv->out, ev->since_prev_us);
    fputs(")  ", tv->out);
    paint(tv, ev->dir == DIR_C2S ? SGR_C2S : SGR_S2C);
    fputs(ev->dir == DIR_C2S ? "C>S" : "S>C", tv->out);
    paint(tv, NULL);
    fputs("  ", tv->out);
}

static void new_connection(struct text_view *tv, const struct vm_conn *c)
{
    const char *a = c->client.text, *b = c->server.text;
    if (c->reopened) {
        fprintf(tv->out, "TCP connection #%" PRIu64 " goes on: %s(%u) <-> %s(%u)\n", c->id, a,
                c->client.port, b, c->server.port);
        return;
    }
    fprintf(tv->out, "New TCP connection #%" PRIu64 ": %s(%u) <-> %s(%u)\n", c->id, a,
            c->client.port, b, c->server.port);
    if (c->midstream)
        fprintf(tv->out, "%" PRIu64 "    mid-stream: the capture lacks this connection's start\n",
                c->id);
}

static const char *gap_reason(int why)
{
    switch ((enum vm_gap_reason)why) {
    case VM_GAP_ACKED:
        return "acknowledged by the peer but not captured";
    case VM_GAP_SNAPLEN:
        return "cut off by the snap length";
    case VM_GAP_CAPACITY:
        return "out-of-order buffer full";
    case VM_GAP_CLOSED:
        return "never captured before the connection ended";
    }
    return "?";
}

static void segment(struct text_view *tv, const struct vm_segment *s)
{
    static const char names[][4] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    const char *sep = "";

    fputs("TCP [", tv->out);
    for (int i = 0; i < 8; i++) {
        if (s->flags & (1 << i)) {
            fprintf(tv->out, "%s%s", sep, names[i]);
            sep = ",";
        }
    }
    fprintf(tv->out, "] seq=%" PRIu32 " ack=%" PRIu32 " win=%u len=%zu", s->seq, s->ack, s->window,
            s->len);
    if (s->caplen < s->len)
        fprintf(tv->out, " (%zu captured)", s->caplen);
    fputc('\n', tv->out);
}

/* A chain as verified: the status, every problem, OpenSSL's words, and
 * the chain it built (leaf first). */
static void validation(struct text_view *tv, uint64_t id, const struct vm_validation *v,
                       const char *side)
{
    fprintf(tv->out, "%" PRIu64 "    validation (%s%s%s): %s", id, side,
            v->host[0] ? ", host " : "", v->host, v->status);
    for (int i = 1; i < v->nproblems; i++)
        fprintf(tv->out, ", %s", v->problems[i]);
    if (!v->ok && v->detail[0])
        fprintf(tv->out, ": %s", v->detail);
    fputc('\n', tv->out);
    if (!v->nbuilt)
        return;
    fprintf(tv->out, "%" PRIu64 "      chain:", id);
    for (int i = 0; i < v->nbuilt; i++)
        fprintf(tv->out, "%s %s%s", i ? " <-" : "", v->built[i],
                v->from_store[i] ? " (trust store)" : "");
    fputc('\n', tv->out);
}

/* "smtp starttls", "socks5 proxy", "unknown protocol". */
static const char *opening_name(const struct vm_opening *o, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", o->app ? o->app : "unknown protocol", o->how ? " " : "",
             o->how ? o->how : "");
    return buf;
}

static const char *upgrade_name(enum vm_upgrade u)
{
    switch (u) {
    case VM_UPGRADE_NONE:
        return "no request to switch to TLS";
    case VM_UPGRADE_ASKED:
        return "asked, no answer";
    case VM_UPGRADE_ACCEPTED:
        return "accepted";
    case VM_UPGRADE_REFUSED:
        return "refused";
    }
    return "?";
}

/* The plaintext before TLS, when there was some: what it was, and how
 * the request to switch was answered. */
static void opening(struct text_view *tv, uint64_t id, const struct vm_opening *o)
{
    char b[64];
    if (!o->plain[DIR_C2S] && !o->plain[DIR_S2C])
        return;
    fprintf(tv->out, "%" PRIu64 "    plaintext: %s, %s", id, opening_name(o, b, sizeof(b)),
            upgrade_name(o->upgrade));
    if (o->answer[0])
        fprintf(tv->out, " (\"%s\")", o->answer);
    fprintf(tv->out,
            "; %" PRIu64 " bytes of plaintext from the client, %" PRIu64 " from the server\n",
            o->plain[DIR_C2S], o->plain[DIR_S2C]);
}

/* After the connection: its verdict and Zeek history, the certificate
 * validation, and the diagnosis with the evidence it rests on. */
static void findings(struct text_view *tv, const struct vm_event *ev)
{
    const struct vm_summary *f = ev->summary;
    uint64_t id = ev->conn->id;
    char b[32];
    opening(tv, id, &f->opening);
    fprintf(tv->out, "%" PRIu64 "    ", id);
    paint(tv, f->verdict != VM_ESTABLISHED ? SGR_FAIL : NULL);
    fprintf(tv->out, "verdict: %s", vm_verdict_name(f->verdict));
    paint(tv, NULL);
    fprintf(tv->out, " (history %s)\n", f->history[0] ? f->history : "empty");
    if (f->compression) /* RFC 3749: rare, and worth saying (CRIME) */
        fprintf(tv->out, "%" PRIu64 "    compression: %s\n", id,
                reg_name_or_unknown(REG_COMPRESSION, f->compression, b, sizeof(b)));
    if (f->checked[DIR_S2C])
        validation(tv, id, &f->validation[DIR_S2C], "server");
    if (f->checked[DIR_C2S])
        validation(tv, id, &f->validation[DIR_C2S], "client");
    if (!f->diag.code)
        return;
    fprintf(tv->out, "%" PRIu64 "    ", id);
    paint(tv, SGR_FAIL);
    fprintf(tv->out, "diagnosis: %s%s", f->diag.code, f->diag.likely ? " (likely)" : "");
    paint(tv, NULL);
    fprintf(tv->out, ": %s\n", f->diag.message);
    for (int i = 0; i < f->diag.nevidence; i++)
        fprintf(tv->out, "%" PRIu64 "      - %s\n", id, f->diag.evidence[i]);
}

static void resumed(struct text_view *tv, const struct vm_event *ev)
{
    prefix(tv, ev);
    fputs("TCP resumed after ", tv->out);
    print_seconds(tv->out, ev->conn->resumed_after_us);
    fprintf(tv->out, " seconds without a packet (longer than -t)%s\n",
            ev->conn->reopened && ev->conn->resumes == 1
                ? "; its sequence numbers go on: the same connection"
                : "");
}

static void close_conn(struct text_view *tv, const struct vm_event *ev)
{
    const struct vm_decryption *d = &ev->summary->decryption;
    findings(tv, ev);
    out_text_anomalies(tv->out, ev);
    if (d->keys && !d->decrypted && d->protected_seen) {
        fprintf(tv->out, "%" PRIu64 "    ", ev->conn->id);
        paint(tv, SGR_FAIL);
        fputs("not decrypted", tv->out);
        paint(tv, NULL);
        fprintf(tv->out, ": %s\n", d->reason);
    }
    out_text_forgotten(tv->out, ev);
}

static void gap(struct text_view *tv, const struct vm_event *ev)
{
    prefix(tv, ev);
    paint(tv, SGR_FAIL);
    fputs("TCP gap", tv->out);
    paint(tv, NULL);
    fprintf(tv->out, ": %zu bytes missing at stream offset %" PRIu64 " (%s)\n", ev->nbytes,
            ev->offset, gap_reason(ev->reason));
}

/* A framing problem's words, without the end of the line. */
static void problem_line(struct text_view *tv, const struct vm_event *ev)
{
    switch (ev->problem) {
    case VM_PROB_NOT_TLS:
        fputs("not TLS: the stream does not start with a TLS record", tv->out);
        return;
    case VM_PROB_BAD_LENGTH:
    case VM_PROB_BAD_HEADER:
        fprintf(tv->out,
                "bad record at stream offset %" PRIu64
                ": %s; this direction is not decoded further",
                ev->offset,
                ev->problem == VM_PROB_BAD_LENGTH ? "longer than TLS allows"
                                                  : "not a TLS record header");
        return;
    case VM_PROB_LOST_SYNC:
        fputs("record boundaries lost in the gap; looking for the next record", tv->out);
        return;
    case VM_PROB_RESYNC:
        fprintf(tv->out, "records found again at stream offset %" PRIu64, ev->offset);
        return;
    case VM_PROB_GAP:
    case VM_PROB_MIDSTREAM:
    case VM_PROB_BAD_ALERT:
    case VM_PROB_BAD_MESSAGE:
        return; /* not told as events */
    }
}

static void problem(struct text_view *tv, const struct vm_event *ev)
{
    prefix(tv, ev);
    paint(tv, SGR_FAIL);
    problem_line(tv, ev);
    paint(tv, NULL);
    fputc('\n', tv->out);
}

/* -d: application data as ssldump shows it, between rules; text as text,
 * anything else in hex. */
static void app_data(struct text_view *tv, const uint8_t *p, size_t n)
{
    static const char rule[] =
        "    ---------------------------------------------------------------\n";
    fputs(rule, tv->out);
    paint(tv, SGR_DATA);
    if (!out_text_lines(tv->out, p, n))
        out_hex_dump(tv->out, p, n, !tv->opts.no_ascii);
    paint(tv, NULL);
    fputs(rule, tv->out);
}

/* Stream bytes before TLS (or of a stream that never speaks it): a line
 * where they start; with -d or -x a line for each piece, and the bytes
 * as application data is shown. */
static void plaintext(struct text_view *tv, const struct vm_event *ev)
{
    int bytes = tv->opts.data || tv->opts.hex;
    if (ev->offset != 0 && !bytes)
        return;
    prefix(tv, ev);
    fprintf(tv->out, "plaintext, %zu bytes\n", ev->nbytes);
    if (tv->opts.hex)
        out_hex_dump(tv->out, ev->bytes, ev->nbytes, !tv->opts.no_ascii);
    if (tv->opts.data)
        app_data(tv, ev->bytes, ev->nbytes);
}

static void tls_begins(struct text_view *tv, const struct vm_event *ev)
{
    char b[64];
    prefix(tv, ev);
    fprintf(tv->out, "TLS begins at stream offset %" PRIu64 " (%s)\n", ev->offset,
            opening_name(ev->opening, b, sizeof(b)));
}

static void record(struct text_view *tv, const struct vm_event *ev)
{
    const struct vm_record *r = ev->rec;
    int opened = r->protection == VM_OPENED;
    unsigned type = opened ? r->plain.type : r->type;
    const char *name = reg_name(REG_CONTENT_LABEL, type); /* ssldump's labels */

    prefix(tv, ev);
    if (name)
        fprintf(tv->out, "%s%s\n", name, opened && r->plain.early ? " (early data)" : "");
    else
        fprintf(tv->out, "unknown content type (%u)\n", type);
    if (tv->opts.all_fields) {
        char buf[32];
        fprintf(tv->out, "      record: %s, %zu bytes\n",
                reg_name_or_unknown(REG_VERSION, r->version, buf, sizeof(buf)), r->length);
    }
    if (r->skipped)
        fprintf(tv->out, "      (%" PRIu64 " records lost in the gap before this one)\n",
                r->skipped);
    if (r->protection == VM_OPEN_FAILED) {
        paint(tv, SGR_FAIL);
        fputs("      (decryption failed: MAC or tag does not verify; wrong key?)", tv->out);
        paint(tv, NULL);
        fputc('\n', tv->out);
    } else if (r->protection != VM_CLEAR && !opened && r->type != TLS_CT_APPLICATION_DATA &&
               !tv->opts.quiet)
        fputs("      (encrypted)\n", tv->out);
    if (tv->opts.hex)
        opened ? out_hex_dump(tv->out, r->plain.p, r->plain.n, !tv->opts.no_ascii)
               : out_hex_dump(tv->out, r->body, r->length, !tv->opts.no_ascii);
    if (tv->opts.data && opened && type == TLS_CT_APPLICATION_DATA)
        app_data(tv, r->plain.p, r->plain.n);
}

static void indent(FILE *out, int n)
{
    fprintf(out, "%*s", n, "");
}

static void value(FILE *out, const struct ftree *t, const struct field *f)
{
    char buf[32], when[BASE_ISO_TIME_LEN];
    switch ((enum field_kind)f->kind) {
    case F_UINT:
        fprintf(out, "%llu", (unsigned long long)f->u);
        break;
    case F_NAMED:
        fputs(reg_name_or_unknown(f->table, (uint32_t)f->u, buf, sizeof(buf)), out);
        break;
    case F_BOOL:
        fputs(f->u ? "yes" : "no", out);
        break;
    case F_HEX:
    case F_DER:
        for (size_t i = 0; i < f->n; i++)
            fprintf(out, "%02x", f->p[i]);
        break;
    case F_TEXT:
        for (size_t i = 0; i < f->n; i++)
            f->p[i] >= 0x20 && f->p[i] < 0x7f && f->p[i] != '\\'
                ? (void)fputc(f->p[i], out)
                : (void)fprintf(out, "\\x%02x", f->p[i]);
        break;
    case F_STR:
        fputs(ft_string(t, f), out);
        break;
    case F_TIME:
        base_iso_time(ft_time_value(f), when);
        fputs(when[0] && ft_time_value(f) != FT_NO_TIME ? when : "?", out);
        break;
    case F_GROUP:
    case F_LIST:
        break;
    }
}

/* The fields -A adds: values that tell one connection from another
 * rather than describe it (randoms, session IDs, nonces, SSL 2.0's
 * challenge and keys' arguments), and a certificate's details beyond
 * whom it names and for how long. */
static int all_fields_only(const char *key)
{
    static const char *const keys[] = {
        "random", "session_id",          "request_context", "age_add",
        "nonce",  "challenge",           "connection_id",   "key_arg", /* SSL 2.0 */
        "serial", "signature_algorithm", "sha256",                     /* certificates */
    };
    for (size_t i = 0; key && i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(key, keys[i]))
            return 1;
    return 0;
}

/* -N: the certificate as openssl x509 -text shows it. */
static void cert_text(struct text_view *tv, const struct field *f)
{
    size_t n = 0;
    char *text = vm_cert_text(f->p, f->n, &n);
    if (text)
        fwrite(text, 1, n, tv->out);
    free(text);
}

static void fields(struct text_view *tv, const struct ftree *t, const struct field *first,
                   int depth);

/* A group inside a list: titled by its "type" if it has one, else shown
 * as a bulleted block. */
static void list_item(struct text_view *tv, const struct ftree *t, const struct field *g, int depth)
{
    const struct field *first = ft_first(t, g);
    if (first && first->key && strcmp(first->key, "type") == 0) {
        indent(tv->out, depth);
        value(tv->out, t, first);
        fputc('\n', tv->out);
        fields(tv, t, ft_next(t, first), depth + 2);
        return;
    }
    indent(tv->out, depth);
    fputs("- ", tv->out);
    tv->bullet = 1;
    fields(tv, t, first, depth + 2);
}

static void field(struct text_view *tv, const struct ftree *t, const struct field *f, int depth)
{
    if (!tv->opts.all_fields && all_fields_only(f->key))
        return;
    if (f->kind == F_DER) {
        if (tv->opts.cert_text)
            cert_text(tv, f);
        return;
    }
    if (!f->key && f->kind == F_GROUP) {
        list_item(tv, t, f, depth);
        return;
    }
    if (!tv->bullet)
        indent(tv->out, depth);
    tv->bullet = 0;
    if (f->key)
        fprintf(tv->out, f->kind == F_GROUP || f->kind == F_LIST ? "%s" : "%s: ", f->key);
    value(tv->out, t, f);
    fputc('\n', tv->out);
    if (f->kind == F_GROUP || f->kind == F_LIST)
        fields(tv, t, ft_first(t, f), depth + 2);
}

/* first and the fields after it, at depth. */
static void fields(struct text_view *tv, const struct ftree *t, const struct field *first,
                   int depth)
{
    for (const struct field *f = first; f; f = ft_next(t, f))
        field(tv, t, f, depth);
}

static void message(struct text_view *tv, const struct vm_event *ev)
{
    const struct vm_message *m = ev->msg;
    char buf[32];
    if (tv->opts.quiet)
        return;
    fprintf(tv->out, "      %s%s\n",
            reg_name_or_unknown(m->ssl2 ? REG_SSL2_MSG : REG_HANDSHAKE, m->type, buf, sizeof(buf)),
            m->decrypted ? " (decrypted)" : "");
    fields(tv, m->tree, ft_first(m->tree, m->fields), 8);
    if (m->tree->full)
        fputs("        (too many fields: the rest is not shown)\n", tv->out);
}

static void alert(struct text_view *tv, const struct vm_event *ev)
{
    const struct vm_alert *a = ev->alert;
    char b1[32], b2[32];
    if (tv->opts.quiet || (a->encrypted && !a->decrypted))
        return;
    fprintf(tv->out, "      %s %s%s\n",
            reg_name_or_unknown(REG_ALERT_LEVEL, a->level, b1, sizeof(b1)),
            reg_name_or_unknown(REG_ALERT, a->desc, b2, sizeof(b2)),
            a->decrypted ? " (decrypted)" : "");
}

static void text_event(struct view *v, const struct vm_event *ev)
{
    struct text_view *tv = (struct text_view *)v;

    switch (ev->kind) {
    case VM_OPEN:
        new_connection(tv, ev->conn);
        return;
    case VM_RESUMED:
        resumed(tv, ev);
        return;
    case VM_SEGMENT:
        if (tv->opts.segments) {
            prefix(tv, ev);
            segment(tv, ev->seg);
        }
        return;
    case VM_DATA:
        return;
    case VM_GAP:
        gap(tv, ev);
        return;
    case VM_FIN:
    case VM_RST:
        prefix(tv, ev);
        fputs(ev->kind == VM_FIN ? "TCP FIN\n" : "TCP RST\n", tv->out);
        return;
    case VM_CLOSE:
        close_conn(tv, ev);
        return;
    case VM_RECORD:
        record(tv, ev);
        return;
    case VM_MESSAGE:
        message(tv, ev);
        return;
    case VM_ALERT:
        alert(tv, ev);
        return;
    case VM_PROBLEM:
        problem(tv, ev);
        return;
    case VM_PLAINTEXT:
        plaintext(tv, ev);
        return;
    case VM_TLS_BEGINS:
        tls_begins(tv, ev);
        return;
    case VM_TLS_ENDS:
        prefix(tv, ev);
        fprintf(tv->out, "TLS ends at stream offset %" PRIu64 "; plaintext follows\n", ev->offset);
        return;
    }
}

static int text_close(struct view *v)
{
    struct text_view *tv = (struct text_view *)v;
    int ok = fflush(tv->out) == 0 && !ferror(tv->out);
    free(tv);
    return ok;
}

struct view *out_text_new(FILE *out, const struct out_text_opts *opts)
{
    struct text_view *tv = calloc(1, sizeof(*tv));
    if (!tv)
        return NULL;
    out_hex_init();
    tv->v.event = text_event;
    tv->v.close = text_close;
    tv->out = out;
    tv->opts = *opts;
    return &tv->v;
}
