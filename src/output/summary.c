/*
 * The summary view (--summary): one line per connection as it ends (id,
 * endpoints, SNI, version, cipher, verdict or diagnosis, JA4), then totals
 * by verdict, version, cipher and cause of failure (the header comes
 * first, even when no connection follows).  Memory is bounded:
 * totals keep at most TALLY_MAX distinct keys each, the first seen, then
 * count "other".
 *
 * With --threads each thread has a part of the view, whose totals join the
 * whole's at the end.  A part keeps up to PART_MAX keys with the place in
 * the output where each was first counted (base/place.h), so that
 * the whole keeps the same TALLY_MAX keys one thread would have: a key
 * among the first TALLY_MAX seen in all is among the first TALLY_MAX
 * seen by the part that saw it first.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/registry.h"
#include "views.h"

#define TALLY_MAX 48
#define PART_MAX 1024

struct tally_row {
    char key[64];
    uint64_t n;
    struct place first; /* a part's: where it was first counted */
};

struct tally {
    struct tally_row *row; /* cap of them */
    int nrows, cap;
    uint64_t other;
};

struct summary_view {
    struct view v;
    FILE *out;
    uint64_t conns, verdicts[VM_NVERDICTS];
    uint64_t evicted_memory; /* forgotten for the memory budget */
    struct tally versions, ciphers, causes;
    struct summary_view *whole; /* a part's (--threads): where its totals go */
};

static struct tally_row *find(struct tally *t, const char *key)
{
    for (int i = 0; i < t->nrows; i++)
        if (!strcmp(t->row[i].key, key))
            return &t->row[i];
    return NULL;
}

static void count(struct tally *t, const char *key, struct place at)
{
    struct tally_row *r = find(t, key);
    if (r) {
        r->n++;
        return;
    }
    if (t->nrows == t->cap) {
        t->other++;
        return;
    }
    r = &t->row[t->nrows++];
    snprintf(r->key, sizeof(r->key), "%s", key);
    r->n = 1;
    r->first = at;
}

/* A part's rows join the whole's (which grows: it keeps its first
 * TALLY_MAX at the end, by place). */
static int join(struct tally *into, const struct tally *t)
{
    into->other += t->other;
    for (int i = 0; i < t->nrows; i++) {
        struct tally_row *r = find(into, t->row[i].key);
        if (r) {
            r->n += t->row[i].n;
            if (place_less(t->row[i].first, r->first))
                r->first = t->row[i].first;
            continue;
        }
        if (into->nrows == into->cap) {
            int cap = into->cap * 2;
            struct tally_row *row = realloc(into->row, (size_t)cap * sizeof(*row));
            if (!row)
                return 0;
            into->row = row;
            into->cap = cap;
        }
        into->row[into->nrows++] = t->row[i];
    }
    return 1;
}

static int by_place(const void *a, const void *b)
{
    const struct tally_row *x = a, *y = b;
    return place_less(x->first, y->first) ? -1 : place_less(y->first, x->first) ? 1 : 0;
}

/* The first TALLY_MAX seen keep their rows (a whole that parts joined
 * may hold more; one view's never does). */
static void keep_first(struct tally *t)
{
    qsort(t->row, (size_t)t->nrows, sizeof(t->row[0]), by_place);
    for (int i = TALLY_MAX; i < t->nrows; i++)
        t->other += t->row[i].n;
    if (t->nrows > TALLY_MAX)
        t->nrows = TALLY_MAX;
}

/* Most frequent first, then by name. */
static int by_count(const void *a, const void *b)
{
    const struct tally_row *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static void print_tally(FILE *o, const char *what, struct tally *t)
{
    if (!t->nrows)
        return;
    qsort(t->row, (size_t)t->nrows, sizeof(t->row[0]), by_count);
    fprintf(o, "%s:", what);
    for (int i = 0; i < t->nrows; i++)
        fprintf(o, "%s %s %" PRIu64, i ? "," : "", t->row[i].key, t->row[i].n);
    if (t->other)
        fprintf(o, ", other %" PRIu64, t->other);
    fputc('\n', o);
}

static void endpoint(const struct vm_endpoint *e, char *buf, size_t len)
{
    snprintf(buf, len, e->family == 6 ? "[%s]:%u" : "%s:%u", e->text, e->port);
}

static void line(struct summary_view *sv, const struct vm_event *ev)
{
    const struct vm_summary *s = ev->summary, *f = s;
    char cl[64], sr[64], ends[140], vb[32], cb[48], result[80];
    const char *version =
        s->version ? reg_name_or_unknown(REG_VERSION, s->version, vb, sizeof(vb)) : "-";
    const char *cipher = s->cipher <= 0xffffff /* SSL 2.0 cipher kinds have 3 bytes */
                             ? reg_name_or_unknown(REG_CIPHER, s->cipher, cb, sizeof(cb))
                             : "-";

    endpoint(&ev->conn->client, cl, sizeof(cl));
    endpoint(&ev->conn->server, sr, sizeof(sr));
    snprintf(ends, sizeof(ends), "%s -> %s", cl, sr);
    if (f->diag.code)
        snprintf(result, sizeof(result), "%s%s", f->diag.code, f->diag.likely ? " (likely)" : "");
    else
        snprintf(result, sizeof(result), "%s", vm_verdict_name(f->verdict));
    fprintf(sv->out, "%4" PRIu64 " %-44s %-20s %-7s %-40s %-30s %s", ev->conn->id, ends,
            s->sni ? s->sni : "-", version, cipher, result, f->ja4 ? f->ja4 : "-");
    /* TLS after a plaintext opening: how it began. */
    if (s->opening.how)
        fprintf(sv->out, " %s:%s", s->opening.how, s->opening.app ? s->opening.app : "unknown");
    /* TCP: silences longer than -t it went on after; the part after it was forgotten. */
    if (ev->conn->resumes)
        fprintf(sv->out, " idle_resumes:%u", ev->conn->resumes);
    if (ev->conn->reopened)
        fputs(" reopened", sv->out);
    if (ev->reason == VM_CLOSE_MEMORY)
        fputs(" evicted_for_memory", sv->out), sv->evicted_memory++;
    fputc('\n', sv->out);

    sv->conns++;
    sv->verdicts[f->verdict]++;
    if (s->version)
        count(&sv->versions, version, ev->place);
    if (s->cipher <= 0xffffff)
        count(&sv->ciphers, cipher, ev->place);
    if (f->diag.code && f->verdict != VM_ESTABLISHED)
        count(&sv->causes, f->diag.code, ev->place);
}

static void summary_event(struct view *v, const struct vm_event *ev)
{
    struct summary_view *sv = (struct summary_view *)v;
    if (ev->kind == VM_CLOSE)
        line(sv, ev);
}

static void summary_free(struct summary_view *sv);

/* A part's totals join its whole's. */
static int part_close(struct summary_view *sv)
{
    struct summary_view *w = sv->whole;
    int ok = fflush(sv->out) == 0 && !ferror(sv->out);

    w->conns += sv->conns;
    for (int i = 0; i < VM_NVERDICTS; i++)
        w->verdicts[i] += sv->verdicts[i];
    w->evicted_memory += sv->evicted_memory;
    ok &= join(&w->versions, &sv->versions) && join(&w->ciphers, &sv->ciphers) &&
          join(&w->causes, &sv->causes);
    summary_free(sv);
    return ok;
}

static void summary_free(struct summary_view *sv)
{
    free(sv->versions.row);
    free(sv->ciphers.row);
    free(sv->causes.row);
    free(sv);
}

static int summary_close(struct view *v)
{
    struct summary_view *sv = (struct summary_view *)v;
    FILE *o = sv->out;

    if (sv->whole)
        return part_close(sv);
    fprintf(o, "\n%" PRIu64 " connections:", sv->conns);
    for (int i = 0, first = 1; i < VM_NVERDICTS; i++)
        if (sv->verdicts[i])
            fprintf(o, "%s %s %" PRIu64, first ? "" : ",", vm_verdict_name((enum vm_verdict)i),
                    sv->verdicts[i]),
                first = 0;
    fputc('\n', o);
    if (sv->evicted_memory)
        fprintf(o, "evicted for the memory budget (--max-memory): %" PRIu64 "\n",
                sv->evicted_memory);
    struct tally *all[] = {&sv->versions, &sv->ciphers, &sv->causes};
    const char *names[] = {"versions", "ciphers", "failures by cause"};
    for (int i = 0; i < 3; i++) {
        keep_first(all[i]);
        print_tally(o, names[i], all[i]);
    }
    int ok = fflush(o) == 0 && !ferror(o);
    summary_free(sv);
    return ok;
}

static struct summary_view *summary_alloc(FILE *out, int cap)
{
    struct summary_view *sv = calloc(1, sizeof(*sv));
    if (!sv)
        return NULL;
    sv->v.event = summary_event;
    sv->v.close = summary_close;
    sv->out = out;
    struct tally *all[] = {&sv->versions, &sv->ciphers, &sv->causes};
    for (int i = 0; i < 3; i++) {
        all[i]->cap = cap;
        if (!(all[i]->row = malloc((size_t)cap * sizeof(*all[i]->row)))) {
            summary_free(sv);
            return NULL;
        }
    }
    return sv;
}

struct view *out_summary_new(FILE *out)
{
    struct summary_view *sv = summary_alloc(out, TALLY_MAX);
    if (!sv)
        return NULL;
    fprintf(out, "%4s %-44s %-20s %-7s %-40s %-30s %s\n", "id", "client -> server", "sni",
            "version", "cipher", "result", "ja4");
    return &sv->v;
}

struct view *out_summary_part_new(FILE *out, struct view *whole)
{
    struct summary_view *sv = summary_alloc(out, PART_MAX);
    if (!sv)
        return NULL;
    sv->whole = (struct summary_view *)whole;
    return &sv->v;
}
