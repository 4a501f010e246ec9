/*
 * The pipeline: tcp events in, the tls stage per connection, every event
 * out to every view.
 */
#include <stdlib.h>

#include "pipeline.h"

struct conn_state {
    struct pipeline *p;
    const struct tcp_conn *conn;
    struct tls_conn *tls;
    struct crypto_conn *crypto;  /* NULL without keys */
    int64_t now_us;          /* time of the tcp event being handled */
    int64_t last_us;         /* time of the previous step shown */
    uint64_t records;
    void *slots[MAX_VIEWS];
};

struct pipeline {
    struct view *views[MAX_VIEWS];
    int nviews;
    struct ftree tree;       /* decoded fields, shared: one event at a time */
    struct crypto_keys *keys;
};

struct pipeline *pipeline_new(struct crypto_keys *keys)
{
    struct pipeline *p = calloc(1, sizeof(struct pipeline));
    if (p) {
        ft_init(&p->tree);
        p->keys = keys;
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
    for (int i = 0; i < cs->p->nviews; i++) {
        struct view *v = cs->p->views[i];
        ev->slot = &cs->slots[v->slot];
        v->event(v, ev);
    }
}

static void on_record(void *arg, enum tcp_dir dir, const struct tls_rec_info *r)
{
    struct conn_state *cs = arg;
    struct event ev = {.kind = EV_RECORD, .dir = dir, .rec = r, .record_no = ++cs->records};
    dispatch(cs, &ev);
}

static void on_message(void *arg, enum tcp_dir dir, const struct tls_msg *m)
{
    struct event ev = {.kind = EV_MESSAGE, .dir = dir, .msg = m, .record_no = 0};
    dispatch(arg, &ev);
}

static void on_alert(void *arg, enum tcp_dir dir, const struct tls_alert *a)
{
    struct event ev = {.kind = EV_ALERT, .dir = dir, .alert = a};
    dispatch(arg, &ev);
}

static void on_problem(void *arg, enum tcp_dir dir, enum tls_framer_problem what, uint64_t off)
{
    struct event ev = {.kind = EV_TLS_PROBLEM, .dir = dir, .problem = what, .offset = off};
    dispatch(arg, &ev);
}

static const struct tls_ops tls_ops = {on_record, on_message, on_alert, on_problem};

static struct conn_state *conn_state_new(struct pipeline *p, const struct tcp_event *ev)
{
    struct conn_state *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    cs->p = p;
    cs->conn = ev->conn;
    cs->last_us = ev->conn->first_ts_us;
    if (!(cs->tls = tls_conn_new(&tls_ops, cs, &p->tree)) ||
        (p->keys && !(cs->crypto = crypto_conn_new(p->keys)))) {
        tls_conn_free(cs->tls);
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
    if (tev->kind == TCP_EV_CLOSE) {
        ev.summary = tls_conn_summary(cs->tls);
        ev.crypto = cs->crypto ? crypto_conn_result(cs->crypto) : NULL;
    }
    dispatch(cs, &ev);

    if (tev->kind == TCP_EV_DATA) {
        tls_conn_data(cs->tls, tev->dir, tev->data, tev->len, tev->offset);
    } else if (tev->kind == TCP_EV_GAP) {
        tls_conn_gap(cs->tls, tev->dir, tev->offset, tev->len);
    } else if (tev->kind == TCP_EV_CLOSE) {
        tev->conn->user = NULL;
        tls_conn_free(cs->tls);
        crypto_conn_free(cs->crypto);
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
