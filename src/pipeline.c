/*
 * The pipeline: tcp events in, the tls stage per connection, every event
 * out to every view.
 */
#include <stdlib.h>

#include "pipeline_int.h"

struct conn_state {
    struct pipeline *p;
    const struct tcp_conn *conn;
    struct tls_conn *tls;
    struct crypto_conn *crypto; /* NULL without keys */
    struct conn_analysis *analysis;
    const struct tcp_event *cur; /* the DATA event being fed to the tls stage */
    int64_t now_us;              /* time of the tcp event being handled */
    int64_t last_us;             /* time of the previous step shown */
    uint64_t records;
    struct vm_conn view_conn; /* the connection as the views see it */
    void *slots[MAX_VIEWS];
};

struct pipeline {
    struct view *views[MAX_VIEWS];
    int nviews;
    struct ftree tree; /* decoded fields, shared: one event at a time */
    struct crypto_keys *keys;
    struct analyzer *analyzer;
};

struct pipeline *pipeline_new(struct crypto_keys *keys, struct analyzer *analyzer)
{
    struct pipeline *p = calloc(1, sizeof(struct pipeline));
    if (p) {
        ft_init(&p->tree);
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

static void dispatch(struct conn_state *cs, struct event *ev)
{
    ev->conn = cs->conn;
    ev->ts_us = cs->now_us;
    ev->since_prev_us = cs->now_us - cs->last_us;
    if (is_step(ev))
        cs->last_us = cs->now_us;
    vm_deliver(ev, &cs->view_conn, cs->p->views, cs->p->nviews, cs->slots);
}

/* The analysis stage sees each event before the views do. */
static void on_record(void *arg, enum dir dir, const struct tls_rec_info *r)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_RECORD, .dir = dir, .rec = r, .record_no = ++cs->records};
    conn_analysis_record(cs->analysis, dir, r);
    dispatch(cs, &ev);
}

static void on_message(void *arg, enum dir dir, const struct tls_msg *m)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_MESSAGE, .dir = dir, .msg = m, .record_no = 0};
    conn_analysis_message(cs->analysis, dir, m, tls_conn_summary(cs->tls), cs->now_us);
    dispatch(cs, &ev);
}

static void on_alert(void *arg, enum dir dir, const struct tls_alert *a)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_ALERT, .dir = dir, .alert = a};
    conn_analysis_alert(cs->analysis, dir, a);
    dispatch(cs, &ev);
}

/* A framing problem arises while the tls stage reads a DATA event's
 * bytes; when it lies in them, the event shows the bytes from there. */
static void on_problem(void *arg, enum dir dir, enum tls_framer_problem what, uint64_t off)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_TLS_PROBLEM, .dir = dir, .problem = what, .offset = off};
    const struct tcp_event *t = cs->cur;
    if (t && t->dir == dir && off >= t->offset && off < t->offset + t->len) {
        ev.bytes = t->data + (off - t->offset);
        ev.nbytes = t->len - (size_t)(off - t->offset);
    }
    conn_analysis_problem(cs->analysis, dir, what, off, ev.bytes, ev.nbytes);
    dispatch(cs, &ev);
}

static void on_plaintext(void *arg, enum dir dir, const uint8_t *p, size_t n, uint64_t off)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_PLAINTEXT, .dir = dir, .offset = off, .bytes = p, .nbytes = n};
    dispatch(cs, &ev);
}

static void on_tls_begins(void *arg, enum dir dir, uint64_t off)
{
    struct conn_state *cs = arg;
    struct event ev = {
        .kind = EV_TLS_BEGINS, .dir = dir, .offset = off, .summary = tls_conn_summary(cs->tls)};
    dispatch(cs, &ev);
}

static void on_tls_ends(void *arg, enum dir dir, uint64_t off)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_TLS_ENDS, .dir = dir, .offset = off};
    dispatch(cs, &ev);
}

static const struct tls_ops tls_ops = {on_record,    on_message,    on_alert,   on_problem,
                                       on_plaintext, on_tls_begins, on_tls_ends};

static struct conn_state *conn_state_new(struct pipeline *p, const struct tcp_event *ev)
{
    struct conn_state *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    cs->p = p;
    cs->conn = ev->conn;
    cs->last_us = ev->conn->first_ts_us;
    if (!(cs->tls = tls_conn_new(&tls_ops, cs, &p->tree)) ||
        !(cs->analysis = conn_analysis_new(p->analyzer)) ||
        (p->keys && !(cs->crypto = crypto_conn_new(p->keys)))) {
        tls_conn_free(cs->tls);
        conn_analysis_free(cs->analysis);
        free(cs);
        return NULL;
    }
    if (cs->crypto)
        tls_conn_set_protect(cs->tls, &crypto_protect_ops, cs->crypto);
    if (ev->conn->midstream)
        tls_conn_midstream(cs->tls);
    return cs;
}

void pipeline_tcp_event(void *arg, const struct tcp_event *tev)
{
    struct pipeline *p = arg;
    struct conn_state *cs = tev->conn->user;

    if (tev->kind == TCP_EV_OPEN) {
        /* Without memory for its state, a connection is not shown. */
        if (!(cs = conn_state_new(p, tev)))
            return;
        tev->conn->user = cs;
    }
    if (!cs)
        return;
    cs->now_us = tev->ts_us;

    struct event ev = {.kind = EV_TCP, .dir = tev->dir, .tcp = tev};
    if (tev->kind == TCP_EV_DATA)
        conn_analysis_stream(cs->analysis, tev->dir, tev->offset, tev->data, tev->len);
    else if (tev->kind == TCP_EV_GAP)
        conn_analysis_gap(cs->analysis, tev->dir);
    else if (tev->kind == TCP_EV_FIN || tev->kind == TCP_EV_RST)
        conn_analysis_end(cs->analysis, tev->dir, tev->kind == TCP_EV_RST);
    if (tev->kind == TCP_EV_CLOSE) {
        ev.summary = tls_conn_summary(cs->tls);
        ev.crypto = cs->crypto ? crypto_conn_result(cs->crypto) : NULL;
        ev.findings = conn_analysis_finish(cs->analysis, ev.summary, ev.crypto);
    }
    dispatch(cs, &ev);

    if (tev->kind == TCP_EV_DATA) {
        cs->cur = tev;
        tls_conn_data(cs->tls, tev->dir, tev->data, tev->len, tev->offset);
        cs->cur = NULL;
    } else if (tev->kind == TCP_EV_GAP) {
        tls_conn_gap(cs->tls, tev->dir, tev->offset, tev->len);
    } else if (tev->kind == TCP_EV_CLOSE) {
        tev->conn->user = NULL;
        tls_conn_free(cs->tls);
        crypto_conn_free(cs->crypto);
        conn_analysis_free(cs->analysis);
        free(cs);
    }
}

int pipeline_free(struct pipeline *p)
{
    int ok = 1;
    if (!p)
        return 1;
    for (int i = 0; i < p->nviews; i++)
        ok &= p->views[i]->close(p->views[i]);
    ft_release(&p->tree);
    free(p);
    return ok;
}
