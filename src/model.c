/*
 * The view model filled from the stages: each pipeline event becomes a
 * vm_event (model.h) on the stack, pointing into the stages' data, and is
 * handed to every view.  Only the summary at a connection's close is
 * assembled field by field.  Where the model has an enum of its own, it
 * has the values of the stage's, checked here at compile time.
 */
#include <string.h>

#include "fingerprint.h"
#include "pipeline_int.h"

#define SAME(a, b) _Static_assert((int)(a) == (int)(b), #a " is " #b)

SAME(VM_GAP_ACKED, TCP_GAP_ACKED);
SAME(VM_GAP_SNAPLEN, TCP_GAP_SNAPLEN);
SAME(VM_GAP_CAPACITY, TCP_GAP_CAPACITY);
SAME(VM_GAP_CLOSED, TCP_GAP_CLOSED);
SAME(VM_CLOSE_FIN, TCP_CLOSE_FIN);
SAME(VM_CLOSE_RST, TCP_CLOSE_RST);
SAME(VM_CLOSE_IDLE, TCP_CLOSE_IDLE);
SAME(VM_CLOSE_EVICTED, TCP_CLOSE_EVICTED);
SAME(VM_CLOSE_MEMORY, TCP_CLOSE_MEMORY);
SAME(VM_CLOSE_END, TCP_CLOSE_END);
SAME(VM_CT_SSL2_HELLO, TLS_CT_SSL2_HELLO);
SAME(VM_CT_SSL2, TLS_CT_SSL2);
SAME(VM_PROB_GAP, TLS_GAP);
SAME(VM_PROB_MIDSTREAM, TLS_MIDSTREAM);
SAME(VM_PROB_NOT_TLS, TLS_NOT_TLS);
SAME(VM_PROB_BAD_LENGTH, TLS_BAD_LENGTH);
SAME(VM_PROB_BAD_HEADER, TLS_BAD_HEADER);
SAME(VM_PROB_LOST_SYNC, TLS_LOST_SYNC);
SAME(VM_PROB_RESYNC, TLS_RESYNC);
SAME(VM_PROB_BAD_ALERT, TLS_BAD_ALERT);
SAME(VM_PROB_BAD_MESSAGE, TLS_BAD_MESSAGE);
SAME(VM_UPGRADE_NONE, TLS_UPGRADE_NONE);
SAME(VM_UPGRADE_ASKED, TLS_UPGRADE_ASKED);
SAME(VM_UPGRADE_ACCEPTED, TLS_UPGRADE_ACCEPTED);
SAME(VM_UPGRADE_REFUSED, TLS_UPGRADE_REFUSED);
SAME(VM_ESTABLISHED, VERDICT_ESTABLISHED);
SAME(VM_FAILED, VERDICT_FAILED);
SAME(VM_INCOMPLETE, VERDICT_INCOMPLETE);
SAME(VM_NOT_TLS, VERDICT_NOT_TLS);
SAME(VM_UNDECRYPTABLE, VERDICT_UNDECRYPTABLE);
SAME(VM_SAN_DNS, X509_SAN_DNS);
SAME(VM_SAN_IP, X509_SAN_IP);
SAME(VM_SAN_EMAIL, X509_SAN_EMAIL);
SAME(VM_SAN_URI, X509_SAN_URI);
SAME(VM_HS_SSL2, 0x100); /* tls_summary.hs */
SAME(VM_NO_CIPHER, 0xffffffffu);
_Static_assert(VM_COMMUNITY_ID_LEN >= FP_COMMUNITY_ID_LEN, "room for a Community ID");
_Static_assert(VM_MAX_SAN >= X509_MAX_SAN, "every name a certificate keeps");
_Static_assert(VM_MAX_CERTS >= TLS_MAX_CERTS, "every certificate the tls stage keeps");
_Static_assert(VM_MAX_ALERTS >= TLS_MAX_ALERTS, "every alert the tls stage keeps");
_Static_assert(VM_MAX_PROBLEMS_SEEN >= TLS_MAX_PROBLEMS, "every problem the tls stage lists");
_Static_assert(VM_MAX_ALPN >= TLS_HELLO_MAX_ALPN, "every protocol the tls stage keeps");
_Static_assert(VM_MAX_PROBLEMS >= CERT_MAX_PROBLEMS, "every problem the verifier lists");
_Static_assert(VM_MAX_BUILT >= CERT_MAX_BUILT, "the whole chain the verifier builds");
_Static_assert(VM_MAX_EVIDENCE >= DIAG_MAX_EVIDENCE, "every piece of evidence");

const char *vm_verdict_name(enum vm_verdict v)
{
    return an_verdict_name((enum an_verdict)v);
}

char *vm_cert_text(const uint8_t *der, size_t len, size_t *n)
{
    return x509_text(der, len, n);
}

static void endpoint(struct vm_endpoint *out, const struct tcp_endpoint *e)
{
    out->family = e->family;
    memcpy(out->addr, e->addr, sizeof(out->addr));
    out->port = e->port;
    tcp_addr_text(e, out->text, sizeof(out->text));
}

/* The endpoints once, when the connection opens; what may change since
 * at every event. */
static void conn_update(struct vm_conn *vc, const struct tcp_conn *c, int opened)
{
    if (opened) {
        vc->id = c->id;
        endpoint(&vc->client, &c->client);
        endpoint(&vc->server, &c->server);
        vc->first_ts_us = c->first_ts_us;
        fp_community_id(c->client.addr, c->client.port, c->server.addr, c->server.port,
                        c->client.family == 6 ? 16 : 4, 6, 0, vc->community_id);
    }
    vc->midstream = c->midstream;
    vc->reopened = c->reopened;
    vc->resumes = c->resumes;
    vc->resumed_after_us = c->resumed_after_us;
}

static void send(struct vm_event *out, struct view *const views[], int n, void *slots[])
{
    for (int i = 0; i < n; i++) {
        out->slot = &slots[views[i]->slot];
        views[i]->event(views[i], out);
    }
}

static void cert(struct vm_cert *o, const struct x509_cert *c)
{
    *o = (struct vm_cert){.subject = c->subject,
                          .issuer = c->issuer,
                          .serial = c->serial,
                          .not_before = c->not_before,
                          .not_after = c->not_after,
                          .nsan = c->nsan,
                          .key = c->key,
                          .sig = c->sig,
                          .sha256 = c->sha256,
                          .is_ca = c->is_ca};
    for (int i = 0; i < c->nsan; i++)
        o->san[i] = (struct vm_san){(enum vm_san_type)c->san[i].type, x509_san_value(c, i)};
}

static void validation(struct vm_validation *o, const struct cert_check *v)
{
    *o = (struct vm_validation){.ok = v->status == CERT_OK,
                                .status = x509_status_name(v->status),
                                .nproblems = v->nproblems,
                                .depth = v->depth,
                                .detail = v->detail,
                                .host = v->host,
                                .nbuilt = v->nbuilt};
    for (int i = 0; i < v->nproblems; i++)
        o->problems[i] = x509_status_name(v->problems[i]);
    for (int i = 0; i < v->nbuilt; i++) {
        o->built[i] = v->built[i];
        o->from_store[i] = v->from_store[i];
    }
}

static void opening(struct vm_opening *o, const struct tls_opening *op)
{
    *o = (struct vm_opening){.app = op->app,
                             .how = op->how,
                             .upgrade = (enum vm_upgrade)op->upgrade,
                             .answer = op->answer,
                             .plain = {op->plain[0], op->plain[1]},
                             .tls = {op->tls[0], op->tls[1]}};
}

static void findings(struct vm_summary *o, const struct an_findings *f)
{
    o->verdict = (enum vm_verdict)f->verdict;
    o->history = f->history;
    o->diag = (struct vm_diagnosis){.code = f->diag.code,
                                    .likely = f->diag.likely,
                                    .message = f->diag.message,
                                    .nevidence = f->diag.nevidence};
    for (int i = 0; i < f->diag.nevidence; i++)
        o->diag.evidence[i] = f->diag.evidence[i];
    for (int d = 0; d < 2; d++)
        if ((o->checked[d] = f->checked[d]))
            validation(&o->validation[d], &f->validation[d]);
    o->ja3 = f->ja3_string ? f->ja3 : NULL;
    o->ja3_string = f->ja3_string;
    o->ja3s = f->ja3s_string ? f->ja3s : NULL;
    o->ja3s_string = f->ja3s_string;
    o->ja4 = f->ja4[0] ? f->ja4 : NULL;
    o->ja4_r = f->ja4_r;
    o->ja4s = f->ja4s[0] ? f->ja4s : NULL;
    o->ja4s_r = f->ja4s_r;
}

static void decryption(struct vm_decryption *o, const struct crypto_result *r)
{
    if (!r)
        return;
    *o = (struct vm_decryption){.keys = 1,
                                .protected_seen = r->protected_seen,
                                .decrypted = r->decrypted,
                                .reason = r->reason,
                                .ok_records = r->ok_records,
                                .failed_records = r->failed_records,
                                .skipped_records = r->skipped_records,
                                .app_bytes = {r->app_bytes[0], r->app_bytes[1]},
                                .app_sha256 = {r->app_sha256[0], r->app_sha256[1]}};
}

/* The tls stage's facts about the connection. */
static void facts(struct vm_summary *o, const struct tls_summary *s)
{
    o->version = s->version;
    o->cipher = s->cipher;
    o->compression = s->compression;
    o->sni = s->sni[0] ? s->sni : NULL;
    o->alpn = s->alpn[0] ? s->alpn : NULL;
    o->resumed = s->resumed;
    for (int i = 0; i < s->ch.nalpn && i < TLS_HELLO_MAX_ALPN; i++)
        o->client_alpn[o->nclient_alpn++] = s->ch.alpn_names[i];
    o->ssl2_server_hello = s->ssl2.server_hello;
    o->ssl2_specs = s->ssl2.specs;
    o->nssl2_specs = s->ssl2.nspecs;
    for (int d = 0; d < 2; d++) {
        o->hs[d] = s->hs[d];
        o->nhs[d] = s->nhs[d];
    }
    for (int i = 0; i < s->nalerts; i++, o->nalerts++) {
        const struct tls_alert *a = &s->alerts[i];
        o->alerts[i] = (struct vm_alert){a->from, a->encrypted, a->decrypted, a->level, a->desc};
    }
    for (int i = 0; i < s->ncerts; i++, o->ncerts++)
        cert(&o->certs[i], &s->certs[i]);
    for (int i = 0; i < s->nclient_certs; i++, o->nclient_certs++)
        cert(&o->client_certs[i], &s->client_certs[i]);
    o->group = s->group;
    for (int i = 0; i < s->nproblems; i++, o->nproblems++) {
        const struct tls_problem *p = &s->problems[i];
        o->problems[i] = (struct vm_problem_seen){(enum vm_problem)p->kind, p->dir, p->value};
    }
    opening(&o->opening, &s->opening);
}

/* The connection's summary: assembled once, when it closes. */
static void deliver_close(struct vm_event out, const struct event *ev, struct view *const views[],
                          int n, void *slots[])
{
    struct vm_summary sum = {0};
    facts(&sum, ev->summary);
    findings(&sum, ev->findings);
    decryption(&sum.decryption, ev->crypto);
    out.kind = VM_CLOSE;
    out.reason = ev->tcp->reason;
    out.summary = &sum;
    send(&out, views, n, slots);
}

static void deliver_tcp(struct vm_event out, const struct event *ev, struct vm_conn *vc,
                        struct view *const views[], int n, void *slots[])
{
    const struct tcp_event *t = ev->tcp;
    struct vm_segment seg;
    conn_update(vc, ev->conn, t->kind == TCP_EV_OPEN);
    switch (t->kind) {
    case TCP_EV_OPEN:
        out.kind = VM_OPEN;
        break;
    case TCP_EV_SEGMENT:
        seg = (struct vm_segment){t->seg->flags,  t->seg->seq, t->seg->ack,
                                  t->seg->window, t->seg->len, t->seg->caplen};
        out.kind = VM_SEGMENT;
        out.seg = &seg;
        break;
    case TCP_EV_RESUMED:
        out.kind = VM_RESUMED;
        break;
    case TCP_EV_DATA:
    case TCP_EV_GAP:
        out.kind = t->kind == TCP_EV_DATA ? VM_DATA : VM_GAP;
        out.offset = t->offset;
        out.bytes = t->data;
        out.nbytes = t->len;
        out.reason = t->reason;
        break;
    case TCP_EV_FIN:
        out.kind = VM_FIN;
        break;
    case TCP_EV_RST:
        out.kind = VM_RST;
        break;
    case TCP_EV_CLOSE:
        deliver_close(out, ev, views, n, slots);
        return;
    }
    send(&out, views, n, slots);
}

static void record(struct vm_record *o, const struct tls_rec_info *ri)
{
    const struct tls_record *r = ri->rec;
    *o = (struct vm_record){.type = r->type,
                            .version = r->version,
                            .length = r->length,
                            .body = r->body,
                            .protection = !ri->encrypted                ? VM_CLEAR
                                          : ri->open == TLS_OPEN_OK     ? VM_OPENED
                                          : ri->open == TLS_OPEN_FAILED ? VM_OPEN_FAILED
                                                                        : VM_NO_KEYS,
                            .skipped = ri->skipped};
    if (o->protection == VM_OPENED) {
        o->plain.type = ri->plain.type;
        o->plain.p = ri->plain.p;
        o->plain.n = ri->plain.n;
        o->plain.early = ri->plain.early;
    }
}

void vm_deliver(const struct event *ev, struct vm_conn *vc, struct view *const views[], int n,
                void *slots[])
{
    struct vm_event out = {.conn = vc,
                           .dir = ev->dir,
                           .ts_us = ev->ts_us,
                           .since_prev_us = ev->since_prev_us,
                           .place = ev->place,
                           .record_no = ev->record_no,
                           .offset = ev->offset,
                           .bytes = ev->bytes,
                           .nbytes = ev->nbytes};
    struct vm_record rec;
    struct vm_message msg;
    struct vm_alert alert;
    struct vm_opening op;

    switch (ev->kind) {
    case EV_TCP:
        deliver_tcp(out, ev, vc, views, n, slots);
        return;
    case EV_RECORD:
        record(&rec, ev->rec);
        out.kind = VM_RECORD;
        out.rec = &rec;
        break;
    case EV_MESSAGE:
        msg = (struct vm_message){ev->msg->type,
                                  ev->msg->ssl2,
                                  ev->msg->length,
                                  ev->msg->tree,
                                  ft_at(ev->msg->tree, ev->msg->root),
                                  ev->msg->malformed,
                                  ev->msg->decrypted};
        out.kind = VM_MESSAGE;
        out.msg = &msg;
        break;
    case EV_ALERT:
        alert = (struct vm_alert){ev->alert->from, ev->alert->encrypted, ev->alert->decrypted,
                                  ev->alert->level, ev->alert->desc};
        out.kind = VM_ALERT;
        out.alert = &alert;
        break;
    case EV_TLS_PROBLEM:
        out.kind = VM_PROBLEM;
        out.problem = (enum vm_problem)ev->problem;
        break;
    case EV_PLAINTEXT:
        out.kind = VM_PLAINTEXT;
        break;
    case EV_TLS_BEGINS:
        opening(&op, &ev->summary->opening);
        out.kind = VM_TLS_BEGINS;
        out.opening = &op;
        break;
    case EV_TLS_ENDS:
        out.kind = VM_TLS_ENDS;
        break;
    }
    send(&out, views, n, slots);
}
