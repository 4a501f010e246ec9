/*
 * The pipeline: tcp events in, the tls stage per connection, every event
 * out to every view.
 */
#include <stdlib.h>

#include "pipeline_int.h"
#include "base/budget.h"

/* A connection's stages (its tls connection, which holds its keys, and
 * its analysis), the clock of what was shown, and the views' slots.  The
 * stages appear with the first stream byte (or gap): a connection that
 * never sent one (a SYN flood) costs this struct and the tcp stage's. */
struct pipeline_conn {
    struct pipeline *p;
    const struct tcp_conn *conn;
    struct tls_conn *tls;     /* NULL until the stream carries something */
    struct an_conn *analysis; /* ... as is this */
    uint8_t ends[4];          /* FIN and RST before that: dir | reset << 1, in order */
    uint8_t nends;
    int64_t now_us;     /* time of the tcp event being handled */
    struct place place; /* ... and its place */
    int64_t last_us;    /* time of the previous step shown */
    uint64_t records;
    struct vm_conn view_conn; /* the connection as the views see it */
    void *slots[MAX_VIEWS];
};

struct pipeline {
    struct view *views[MAX_VIEWS];
    int nviews;
    struct crypto_keys *keys;
    struct an_analyzer *analyzer;
};

struct pipeline *pipeline_new(struct crypto_keys *keys, struct an_analyzer *analyzer)
{
    struct pipeline *p = calloc(1, sizeof(struct pipeline));
    if (p) {
        p->keys = keys;
        p->analyzer = analyzer;
    }
    return p;
}

int pipeline_add_view(struct pipeline *p, struct view *v)
{
    if (p->nviews == MAX_VIEWS)
        return 0;
    v->slot = p->nviews;
    p->views[p->nviews++] = v;
    return 1;
}

/* Stream bytes and raw segments are not steps of the conversation: the
 * time since the previous step (ssldump's delta) skips them, and so do
 * the messages and alerts inside a record already shown. */
static int is_step(const struct event *ev)
{
    if (ev->kind == EV_MESSAGE || ev->kind == EV_ALERT)
        return 0;
    if (ev->kind != EV_TCP)
        return 1;
    return ev->tcp->kind != TCP_EV_DATA && ev->tcp->kind != TCP_EV_SEGMENT;
}

static void dispatch(struct pipeline_conn *pc, struct event *ev)
{
    ev->conn = pc->conn;
    ev->ts_us = pc->now_us;
    ev->place = pc->place;
    ev->since_prev_us = pc->now_us - pc->last_us;
    if (is_step(ev))
        pc->last_us = pc->now_us;
    vm_deliver(ev, &pc->view_conn, pc->p->views, pc->p->nviews, pc->slots);
}

/* The analysis stage sees each event before the views do. */
static void on_record(void *arg, enum dir dir, const struct tls_rec_info *r)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {.kind = EV_RECORD, .dir = dir, .rec = r, .record_no = ++pc->records};
    an_conn_record(pc->analysis, dir, r);
    dispatch(pc, &ev);
}

static void on_message(void *arg, enum dir dir, const struct tls_msg *m)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {.kind = EV_MESSAGE, .dir = dir, .msg = m, .record_no = 0};
    an_conn_message(pc->analysis, dir, m, tls_conn_summary(pc->tls), pc->now_us);
    dispatch(pc, &ev);
}

static void on_alert(void *arg, enum dir dir, const struct tls_alert *a)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {.kind = EV_ALERT, .dir = dir, .alert = a};
    an_conn_alert(pc->analysis, dir, a);
    dispatch(pc, &ev);
}

static void on_problem(void *arg, enum dir dir, const struct tls_problem *p)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {.kind = EV_TLS_PROBLEM,
                       .dir = dir,
                       .problem = p->kind,
                       .offset = p->value,
                       .bytes = p->bytes,
                       .nbytes = p->nbytes};
    an_conn_problem(pc->analysis, dir, p->kind, p->value, p->bytes, p->nbytes);
    dispatch(pc, &ev);
}

static void on_plaintext(void *arg, enum dir dir, const uint8_t *p, size_t n, uint64_t off)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {.kind = EV_PLAINTEXT, .dir = dir, .offset = off, .bytes = p, .nbytes = n};
    dispatch(pc, &ev);
}

static void on_tls_begins(void *arg, enum dir dir, uint64_t off)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {
        .kind = EV_TLS_BEGINS, .dir = dir, .offset = off, .summary = tls_conn_summary(pc->tls)};
    dispatch(pc, &ev);
}

static void on_tls_ends(void *arg, enum dir dir, uint64_t off)
{
    struct pipeline_conn *pc = arg;
    struct event ev = {.kind = EV_TLS_ENDS, .dir = dir, .offset = off};
    dispatch(pc, &ev);
}

static const struct tls_ops tls_ops = {on_record,    on_message,    on_alert,   on_problem,
                                       on_plaintext, on_tls_begins, on_tls_ends};

static struct pipeline_conn *pipeline_conn_new(struct pipeline *p, const struct tcp_event *ev)
{
    struct pipeline_conn *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return NULL;
    budget_charge(sizeof(*pc));
    pc->p = p;
    pc->conn = ev->conn;
    pc->last_us = ev->conn->first_ts_us;
    return pc;
}

/* The connection's tls and analysis stages, made when first needed and
 * told the FIN and RST that came before. */
static int stages(struct pipeline_conn *pc)
{
    if (pc->tls)
        return 1;
    if (!(pc->tls = tls_conn_new(&tls_ops, pc, pc->p->keys)) ||
        !(pc->analysis = an_conn_new(pc->p->analyzer))) {
        tls_conn_free(pc->tls);
        pc->tls = NULL;
        return 0;
    }
    if (pc->conn->midstream)
        tls_conn_midstream(pc->tls);
    for (int i = 0; i < pc->nends; i++)
        an_conn_end(pc->analysis, (enum dir)(pc->ends[i] & 1), pc->ends[i] >> 1);
    return 1;
}

static void stages_free(struct pipeline_conn *pc)
{
    tls_conn_free(pc->tls);
    an_conn_free(pc->analysis);
    pc->tls = NULL;
    pc->analysis = NULL;
}

/* A FIN or RST: the analysis notes its order; without stages yet, the
 * connection keeps it for them (the first of each kind per direction is
 * all the analysis keeps). */
static void ended(struct pipeline_conn *pc, enum dir dir, int reset)
{
    uint8_t e = (uint8_t)(dir | reset << 1);
    if (pc->analysis) {
        an_conn_end(pc->analysis, dir, reset);
        return;
    }
    for (int i = 0; i < pc->nends; i++)
        if (pc->ends[i] == e)
            return;
    if (pc->nends < sizeof(pc->ends))
        pc->ends[pc->nends++] = e;
}

void pipeline_tcp_event(void *arg, const struct tcp_event *tev)
{
    struct pipeline *p = arg;
    struct pipeline_conn *pc = tev->conn->user;

    if (tev->kind == TCP_EV_OPEN) {
        /* Without memory for its state, a connection is not shown. */
        if (!(pc = pipeline_conn_new(p, tev)))
            return;
        tev->conn->user = pc;
    }
    if (!pc)
        return;
    pc->now_us = tev->ts_us;
    pc->place = tev->place;
    /* A closing connection that never carried a byte gets its stages
     * for the moment of its summary. */
    int need = tev->kind == TCP_EV_DATA || tev->kind == TCP_EV_GAP || tev->kind == TCP_EV_CLOSE;
    if (need && !stages(pc)) {
        if (tev->kind == TCP_EV_CLOSE) {
            tev->conn->user = NULL;
            budget_credit(sizeof(*pc));
            free(pc);
        }
        return;
    }

    struct event ev = {.kind = EV_TCP, .dir = tev->dir, .tcp = tev};
    if (tev->kind == TCP_EV_DATA)
        an_conn_stream(pc->analysis, tev->dir, tev->offset, tev->data, tev->len);
    else if (tev->kind == TCP_EV_GAP)
        an_conn_gap(pc->analysis, tev->dir);
    else if (tev->kind == TCP_EV_FIN || tev->kind == TCP_EV_RST)
        ended(pc, tev->dir, tev->kind == TCP_EV_RST);
    if (tev->kind == TCP_EV_CLOSE) {
        ev.summary = tls_conn_summary(pc->tls);
        ev.crypto = tls_conn_crypto_result(pc->tls);
        ev.findings = an_conn_finish(pc->analysis, ev.summary, ev.crypto);
    }
    dispatch(pc, &ev);

    if (tev->kind == TCP_EV_DATA) {
        tls_conn_data(pc->tls, tev->dir, tev->data, tev->len, tev->offset);
    } else if (tev->kind == TCP_EV_GAP) {
        tls_conn_gap(pc->tls, tev->dir, tev->offset, tev->len);
    } else if (tev->kind == TCP_EV_CLOSE) {
        tev->conn->user = NULL;
        stages_free(pc);
        budget_credit(sizeof(*pc));
        free(pc);
    }
}

int pipeline_free(struct pipeline *p)
{
    int ok = 1;
    if (!p)
        return 1;
    for (int i = 0; i < p->nviews; i++)
        ok &= p->views[i]->close(p->views[i]);
    free(p);
    return ok;
}
