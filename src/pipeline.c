/*
 * The pipeline: tcp events in, records framed per direction, every event
 * out to every view.
 */
#include <stdlib.h>

#include "pipeline.h"

struct conn_state;

/* One direction of a connection, as the framer's callback sees it. */
struct dir_ctx {
    struct conn_state *cs;
    enum tcp_dir dir;
};

struct conn_state {
    struct pipeline *p;
    const struct tcp_conn *conn;
    struct tls_framer *framer[2];
    struct dir_ctx ctx[2];
    int64_t now_us;          /* time of the tcp event being handled */
    int64_t last_us;         /* time of the previous event shown */
    uint64_t records;
    void *slots[MAX_VIEWS];
};

struct pipeline {
    struct view *views[MAX_VIEWS];
    int nviews;
};

struct pipeline *pipeline_new(void)
{
    return calloc(1, sizeof(struct pipeline));
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
 * time since the previous step (ssldump's delta) skips them. */
static int is_step(const struct event *ev)
{
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

static void on_record(void *arg, const struct tls_record *rec)
{
    struct dir_ctx *d = arg;
    struct event ev = {.kind = EV_RECORD, .dir = d->dir, .rec = rec,
                       .record_no = ++d->cs->records};
    dispatch(d->cs, &ev);
}

static void on_problem(void *arg, enum tls_framer_problem what, uint64_t offset)
{
    struct dir_ctx *d = arg;
    struct event ev = {.kind = EV_TLS_PROBLEM, .dir = d->dir, .problem = what, .offset = offset};
    dispatch(d->cs, &ev);
}

static const struct tls_framer_ops framer_ops = {on_record, on_problem};

static struct conn_state *conn_state_new(struct pipeline *p, const struct tcp_event *ev)
{
    struct conn_state *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    cs->p = p;
    cs->conn = ev->conn;
    cs->last_us = ev->conn->first_ts_us;
    for (int d = 0; d < 2; d++) {
        cs->ctx[d].cs = cs;
        cs->ctx[d].dir = (enum tcp_dir)d;
        cs->framer[d] = tls_framer_new(&framer_ops, &cs->ctx[d]);
        if (!cs->framer[d]) {
            tls_framer_free(cs->framer[0]);
            free(cs);
            return NULL;
        }
    }
    return cs;
}

static void conn_state_free(struct conn_state *cs)
{
    tls_framer_free(cs->framer[0]);
    tls_framer_free(cs->framer[1]);
    free(cs);
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
    dispatch(cs, &ev);

    if (tev->kind == TCP_EV_DATA)
        tls_framer_feed(cs->framer[tev->dir], tev->data, tev->len, tev->offset);
    else if (tev->kind == TCP_EV_GAP)
        tls_framer_gap(cs->framer[tev->dir], tev->offset);
    else if (tev->kind == TCP_EV_CLOSE) {
        tev->conn->user = NULL;
        conn_state_free(cs);
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
