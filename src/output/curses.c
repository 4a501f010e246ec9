/*
 * The curses view (--curses): what the view model tells, kept for a
 * person to browse while the capture is read.
 *
 * Every connection's summary is kept (a row of the first screen); its
 * detail (the timeline as the text view prints it, the decrypted
 * conversation) is kept within a budget, the oldest connection's detail
 * dropped first.  The timeline is the text view's own output: a text view
 * prints into a stream whose writes land in the current connection's
 * buffer, so the two views can never tell a record differently.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/registry.h"
#include "curses_int.h"

int cv_buf_add(struct cv_buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n) /* by half: the budget counts what is allocated */
            cap += cap / 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return 0;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 1;
}

size_t cv_detail_size(const struct cv_conn *c)
{
    return c->tl.cap + c->pt.cap + c->items_cap * sizeof(*c->items) +
           c->chunks_cap * sizeof(*c->chunks);
}

static void drop_detail(struct cv_view *cv, struct cv_conn *c)
{
    cv->detail_bytes -= cv_detail_size(c);
    free(c->tl.p);
    free(c->pt.p);
    free(c->items);
    free(c->chunks);
    c->tl = c->pt = (struct cv_buf){0};
    c->items = NULL;
    c->chunks = NULL;
    c->nitems = c->items_cap = c->nchunks = c->chunks_cap = 0;
    if (!c->dropped)
        cv->dropped_conns++;
    c->dropped = 1;
}

/* Oldest first: connections are numbered in order of their first packet. */
static void within_budget(struct cv_view *cv)
{
    while (cv->detail_bytes > cv->budget && cv->drop_next < cv->nconns)
        drop_detail(cv, cv->conns[cv->drop_next++]);
}

/* The text view's writes: into the timeline of the connection it prints. */
static ssize_t text_write(void *arg, const char *p, size_t n)
{
    struct cv_view *cv = arg;
    struct cv_conn *c = cv->cur;
    if (c && !c->dropped) {
        size_t before = c->tl.cap;
        if (!cv_buf_add(&c->tl, p, n))
            return -1;
        cv->detail_bytes += c->tl.cap - before;
    }
    return (ssize_t)n;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size, size_t *total)
{
    if (n < *cap)
        return 1;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * size);
    if (!p)
        return 0;
    *total += (ncap - *cap) * size;
    *arr = p;
    *cap = ncap;
    return 1;
}

/* What the text view printed for this event becomes one timeline item. */
static void add_item(struct cv_view *cv, struct cv_conn *c, size_t start)
{
    if (c->dropped || c->tl.n == start)
        return;
    if (!grow((void **)&c->items, &c->items_cap, c->nitems, sizeof(*c->items), &cv->detail_bytes))
        return;
    c->items[c->nitems++] = (struct cv_item){(uint32_t)start, (uint32_t)(c->tl.n - start), 0};
}

static void add_chunk(struct cv_view *cv, struct cv_conn *c, enum dir d, const uint8_t *p, size_t n)
{
    size_t before = c->pt.cap;
    if (c->dropped || !n || c->pt.n + n > UINT32_MAX)
        return;
    if (!grow((void **)&c->chunks, &c->chunks_cap, c->nchunks, sizeof(*c->chunks),
              &cv->detail_bytes) ||
        !cv_buf_add(&c->pt, p, n))
        return;
    cv->detail_bytes += c->pt.cap - before;
    c->chunks[c->nchunks++] = (struct cv_chunk){(uint32_t)(c->pt.n - n), (uint32_t)n, d};
}

static struct cv_conn *conn_for(struct cv_view *cv, const struct vm_event *ev)
{
    uint64_t id = ev->conn->id;
    struct cv_conn *c;

    if (*ev->slot)
        return *ev->slot;
    if (id && id <= cv->nconns) { /* forgotten and resumed: the same id goes on */
        c = cv->conns[id - 1];
    } else {
        if (!grow((void **)&cv->conns, &cv->conns_cap, cv->nconns, sizeof(*cv->conns),
                  &(size_t){0}) ||
            !(c = calloc(1, sizeof(*c))))
            return NULL;
        c->id = id;
        c->cipher = VM_NO_CIPHER;
        snprintf(c->client, sizeof(c->client), "%s:%u", ev->conn->client.text,
                 ev->conn->client.port);
        snprintf(c->server, sizeof(c->server), "%s:%u", ev->conn->server.text,
                 ev->conn->server.port);
        cv->conns[cv->nconns++] = c;
    }
    c->closed = 0;
    cv->open_conns++;
    *ev->slot = c;
    return c;
}

/* A field of a message by its keys, depth first ("extensions",
 * "server_name", "names"). */
static const struct field *find(const struct ftree *t, const struct field *g, const char *key)
{
    for (const struct field *f = ft_first(t, g); f; f = ft_next(t, f)) {
        if (f->key && strcmp(f->key, key) == 0)
            return f;
        if (f->kind == F_GROUP || f->kind == F_LIST) {
            const struct field *in = find(t, f, key);
            if (in)
                return in;
        }
    }
    return NULL;
}

/* The row fills in as the handshake goes: the ClientHello's name, the
 * ServerHello's choice; the summary at the close says the rest. */
static void hello(struct cv_conn *c, const struct vm_message *m)
{
    const struct field *f;
    if (m->ssl2 || !m->fields)
        return;
    if (m->type == TLS_HS_CLIENT_HELLO && !c->sni && (f = find(m->tree, m->fields, "names")) &&
        (f = ft_first(m->tree, f)) && (f->kind == F_TEXT || f->kind == F_STR))
        c->sni = f->kind == F_STR ? strdup(ft_string(m->tree, f)) : strndup((char *)f->p, f->n);
    if (m->type != TLS_HS_SERVER_HELLO)
        return;
    if ((f = find(m->tree, m->fields, "cipher_suite")) && f->kind == F_NAMED)
        c->cipher = (uint32_t)f->u;
    if ((f = find(m->tree, m->fields, "selected_version")) ||
        (f = find(m->tree, m->fields, "version")))
        c->version = (uint16_t)f->u;
}

static void data_event(struct cv_view *cv, struct cv_conn *c, const struct vm_event *ev)
{
    const struct vm_record *r = ev->rec;
    if (ev->kind == VM_DATA)
        c->bytes[ev->dir] += ev->nbytes;
    else if (ev->kind == VM_PLAINTEXT)
        add_chunk(cv, c, ev->dir, ev->bytes, ev->nbytes);
    else if (ev->kind == VM_RECORD && r->protection == VM_OPENED &&
             r->plain.type == TLS_CT_APPLICATION_DATA)
        add_chunk(cv, c, ev->dir, r->plain.p, r->plain.n);
    else if (ev->kind == VM_MESSAGE)
        hello(c, ev->msg);
}

static void curses_event(struct view *v, const struct vm_event *ev)
{
    struct cv_view *cv = (struct cv_view *)v;
    struct cv_conn *c = conn_for(cv, ev);
    if (!c)
        return;
    data_event(cv, c, ev);
    if (!c->dropped && ev->kind != VM_DATA && ev->kind != VM_PLAINTEXT) {
        size_t start = c->tl.n;
        cv->cur = c;
        cv->text->event(cv->text, ev);
        fflush(cv->text_out);
        cv->cur = NULL;
        add_item(cv, c, start);
    }
    if (ev->kind == VM_CLOSE) {
        cv_close_conn(cv, c, ev->summary);
        *ev->slot = NULL;
        cv->open_conns--;
    }
    within_budget(cv);
}

static void free_conn(struct cv_conn *c)
{
    free(c->sni);
    free(c->alpn);
    free(c->findings);
    free(c->tl.p);
    free(c->pt.p);
    free(c->items);
    free(c->chunks);
    free(c);
}

static int curses_close(struct view *v)
{
    struct cv_view *cv = (struct cv_view *)v;
    cv_ui_free(cv->ui);
    if (cv->text)
        cv->text->close(cv->text);
    if (cv->text_out)
        fclose(cv->text_out);
    for (size_t i = 0; i < cv->nconns; i++)
        free_conn(cv->conns[i]);
    free(cv->conns);
    free(cv);
    return 1;
}

struct view *out_curses_new(const struct out_curses_opts *o, char *err, size_t errlen)
{
    struct cv_view *cv = calloc(1, sizeof(*cv));
    struct out_text_opts text = *o->text;

    if (!cv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cv->v.event = curses_event;
    cv->v.close = curses_close;
    cv->budget = o->memory;
    cv->save_dir = o->save_dir ? o->save_dir : ".";
    cv->st.source = o->source;
    cv->st.live = o->live;
    /* Each step expands to every field (-A) and certificate (-N). */
    text.all_fields = text.cert_text = 1;
    text.data = text.hex = text.color = 0; /* the screen has its own colours */
    cv->text_out = fopencookie(cv, "w", (cookie_io_functions_t){.write = text_write});
    if (!cv->text_out || !(cv->text = out_text_new(cv->text_out, &text)) ||
        !(cv->ui = cv_ui_new(cv, err, errlen))) {
        if (!cv->ui && cv->text_out)
            snprintf(err, errlen, "out of memory");
        curses_close(&cv->v);
        return NULL;
    }
    return &cv->v;
}
