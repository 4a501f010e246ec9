/* The pipeline: tcp events in, one ordered stream of view-model events
 * (model.h) out to every view.  A small handshake is fed as the tcp stage would (records built
 * here, the client's cut across two DATA events) and a recording view
 * says what it was told, in which order, with which record numbers. */
#include <string.h>

#include "pipeline.h"
#include "unit.h"

/* What the view saw of one event. */
struct seen {
    enum vm_kind kind;
    int sub; /* VM_RECORD: content type; VM_MESSAGE: handshake type;
              * VM_ALERT: description */
    enum dir dir;
    uint64_t record_no;
    int64_t ts_us;
};

struct recorder {
    struct view v; /* first: the pipeline hands this back */
    struct seen seen[64];
    int n, closed, slot_ok, close_has_findings;
};

static void record_event(struct view *v, const struct vm_event *ev)
{
    struct recorder *r = (struct recorder *)v;
    struct seen s = {
        .kind = ev->kind, .dir = ev->dir, .record_no = ev->record_no, .ts_us = ev->ts_us};
    switch (ev->kind) {
    case VM_CLOSE:
        /* the findings are there, and no decryption (no keys given) */
        r->close_has_findings =
            ev->summary != NULL && ev->summary->history != NULL && !ev->summary->decryption.keys;
        break;
    case VM_RECORD:
        s.sub = (int)ev->rec->type;
        break;
    case VM_MESSAGE:
        s.sub = ev->msg->type;
        break;
    case VM_ALERT:
        s.sub = ev->alert->desc;
        break;
    case VM_OPEN:
    case VM_SEGMENT:
    case VM_RESUMED:
    case VM_DATA:
    case VM_GAP:
    case VM_FIN:
    case VM_RST:
    case VM_PROBLEM:
    case VM_PLAINTEXT:
    case VM_TLS_BEGINS:
    case VM_TLS_ENDS:
        break;
    }
    /* the view's per-connection slot is its own and kept across events */
    if (ev->kind == VM_OPEN)
        *ev->slot = r;
    r->slot_ok &= *ev->slot == r;
    if (r->n < (int)(sizeof(r->seen) / sizeof(r->seen[0])))
        r->seen[r->n++] = s;
}

static int record_close(struct view *v)
{
    ((struct recorder *)v)->closed = 1;
    return 1;
}

/* A TLS record of type ct around one handshake message (or raw bytes when
 * hs_type is 0); returns its length. */
static size_t record(uint8_t *out, uint8_t ct, uint8_t hs_type, const uint8_t *body, size_t n)
{
    size_t at = 5, len = hs_type ? n + 4 : n;
    out[0] = ct, out[1] = 3, out[2] = 3, out[3] = (uint8_t)(len >> 8), out[4] = (uint8_t)len;
    if (hs_type) {
        out[at++] = hs_type;
        out[at++] = 0, out[at++] = (uint8_t)(n >> 8), out[at++] = (uint8_t)n;
    }
    memcpy(out + at, body, n);
    return at + n;
}

static void feed(struct pipeline *p, struct tcp_conn *c, enum tcp_event_kind kind, enum dir d,
                 int64_t ts, const uint8_t *data, size_t len, uint64_t offset)
{
    struct tcp_event ev = {
        .kind = kind, .conn = c, .dir = d, .ts_us = ts, .data = data, .len = len, .offset = offset};
    pipeline_tcp_event(p, &ev);
}

static void handshake_in_order(void)
{
    /* RFC 5246 7.4.1.2: version, random, no session ID, one suite, null
     * compression, no extensions; 7.4.1.3 for the ServerHello. */
    uint8_t ch[2 + 32 + 1 + 4 + 2] = {3, 3};
    memcpy(ch + 34, "\x00\x00\x02\x00\x2f\x01\x00", 7);
    uint8_t sh[2 + 32 + 1 + 2 + 1] = {3, 3};
    memcpy(sh + 34, "\x00\x00\x2f\x00", 4);
    static const uint8_t ccs[] = {1}, alert[] = {2, 40}; /* fatal handshake_failure */
    uint8_t cli[128], srv[256];
    size_t nc = record(cli, 22, 1, ch, sizeof(ch)), ns = record(srv, 22, 2, sh, sizeof(sh));
    ns += record(srv + ns, 20, 0, ccs, sizeof(ccs));
    ns += record(srv + ns, 21, 0, alert, sizeof(alert));

    struct an_analyzer *an = an_analyzer_new(NULL);
    struct pipeline *p = pipeline_new(NULL, an);
    struct recorder r = {.v = {.event = record_event, .close = record_close}, .slot_ok = 1};
    CU_ASSERT_FATAL(an && p && pipeline_add_view(p, &r.v));
    struct tcp_conn c = {.id = 1, .first_ts_us = 1000};
    feed(p, &c, TCP_EV_OPEN, DIR_C2S, 1000, NULL, 0, 0);
    feed(p, &c, TCP_EV_DATA, DIR_C2S, 2000, cli, 7, 0); /* a record cut after its header */
    feed(p, &c, TCP_EV_DATA, DIR_C2S, 3000, cli + 7, nc - 7, 7);
    feed(p, &c, TCP_EV_DATA, DIR_S2C, 4000, srv, ns, 0);
    feed(p, &c, TCP_EV_FIN, DIR_C2S, 5000, NULL, 0, 0);
    feed(p, &c, TCP_EV_FIN, DIR_S2C, 6000, NULL, 0, 0);
    feed(p, &c, TCP_EV_CLOSE, DIR_C2S, 6000, NULL, 0, 0);
    CU_ASSERT_PTR_NULL(c.user); /* the pipeline let go of the connection */

    /* Each tcp event first, then what the tls stage made of its bytes:
     * a record, then the messages or alert inside it. */
    static const struct seen want[] = {
        {VM_OPEN, 0, DIR_C2S, 0, 1000},    {VM_DATA, 0, DIR_C2S, 0, 2000},
        {VM_DATA, 0, DIR_C2S, 0, 3000},    {VM_RECORD, 22, DIR_C2S, 1, 3000},
        {VM_MESSAGE, 1, DIR_C2S, 0, 3000}, {VM_DATA, 0, DIR_S2C, 0, 4000},
        {VM_RECORD, 22, DIR_S2C, 2, 4000}, {VM_MESSAGE, 2, DIR_S2C, 0, 4000},
        {VM_RECORD, 20, DIR_S2C, 3, 4000}, {VM_RECORD, 21, DIR_S2C, 4, 4000},
        {VM_ALERT, 40, DIR_S2C, 0, 4000},  {VM_FIN, 0, DIR_C2S, 0, 5000},
        {VM_FIN, 0, DIR_S2C, 0, 6000},     {VM_CLOSE, 0, DIR_C2S, 0, 6000},
    };
    int nwant = (int)(sizeof(want) / sizeof(want[0]));
    CU_ASSERT_EQUAL(r.n, nwant);
    for (int i = 0; i < nwant && i < r.n; i++) {
        const struct seen *g = &r.seen[i], *w = &want[i];
        if (g->kind != w->kind || g->sub != w->sub || g->dir != w->dir ||
            g->record_no != w->record_no || g->ts_us != w->ts_us) {
            fprintf(stderr,
                    "\n  event %d: kind %d/%d dir %d record %llu at %lld, want %d/%d %d %llu %lld",
                    i, g->kind, g->sub, g->dir, (unsigned long long)g->record_no,
                    (long long)g->ts_us, w->kind, w->sub, w->dir, (unsigned long long)w->record_no,
                    (long long)w->ts_us);
            CU_FAIL("event out of order or of another kind");
        }
    }
    CU_ASSERT(r.slot_ok);
    CU_ASSERT(r.close_has_findings);
    CU_ASSERT_FALSE(r.closed);
    CU_ASSERT(pipeline_free(p));
    CU_ASSERT(r.closed); /* the pipeline closes its views */
    an_analyzer_free(an);
}

void suite_pipeline(void)
{
    static const CU_TestInfo tests[] = {
        {"a handshake: events in order, records numbered", handshake_in_order},
        CU_TEST_INFO_NULL,
    };
    add_suite("pipeline", tests);
}
