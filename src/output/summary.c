/*
 * The summary view (--summary): one line per connection as it ends (id,
 * endpoints, SNI, version, cipher, verdict or diagnosis, JA4), then totals
 * by verdict, version, cipher and cause of failure (the header comes
 * first, even when no connection follows).  Memory is bounded:
 * totals keep at most TALLY_MAX distinct keys each, then count "other".
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/registry.h"
#include "views.h"

#define TALLY_MAX 48

struct tally_row {
    char key[64];
    uint64_t n;
};

struct tally {
    struct tally_row row[TALLY_MAX + 1]; /* the last row is "other" */
    int nrows;
};

struct summary_view {
    struct view v;
    FILE *out;
    uint64_t conns, verdicts[VM_NVERDICTS];
    uint64_t evicted_memory; /* forgotten for the memory budget */
    struct tally versions, ciphers, causes;
    struct summary_view *whole; /* a part's (--threads): where its totals go */
};

static void add(struct tally *t, const char *key, uint64_t n)
{
    for (int i = 0; i < t->nrows; i++)
        if (!strcmp(t->row[i].key, key)) {
            t->row[i].n += n;
            return;
        }
    if (t->nrows == TALLY_MAX) {
        snprintf(t->row[TALLY_MAX].key, sizeof(t->row[0].key), "other");
        t->row[TALLY_MAX].n += n;
        return;
    }
    snprintf(t->row[t->nrows].key, sizeof(t->row[0].key), "%s", key);
    t->row[t->nrows++].n = n;
}

static void count(struct tally *t, const char *key)
{
    add(t, key, 1);
}

static void add_tally(struct tally *into, const struct tally *t)
{
    for (int i = 0; i < t->nrows; i++)
        add(into, t->row[i].key, t->row[i].n);
    if (t->row[TALLY_MAX].n)
        add(into, "other", t->row[TALLY_MAX].n);
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
    if (t->row[TALLY_MAX].n)
        fprintf(o, ", other %" PRIu64, t->row[TALLY_MAX].n);
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
        count(&sv->versions, version);
    if (s->cipher <= 0xffffff)
        count(&sv->ciphers, cipher);
    if (f->diag.code && f->verdict != VM_ESTABLISHED)
        count(&sv->causes, f->diag.code);
}

static void summary_event(struct view *v, const struct vm_event *ev)
{
    struct summary_view *sv = (struct summary_view *)v;
    if (ev->kind == VM_CLOSE)
        line(sv, ev);
}

/* A part's totals join its whole's. */
static int part_close(struct summary_view *sv)
{
    struct summary_view *w = sv->whole;
    int ok = fflush(sv->out) == 0 && !ferror(sv->out);

    w->conns += sv->conns;
    for (int i = 0; i < VM_NVERDICTS; i++)
        w->verdicts[i] += sv->verdicts[i];
    w->evicted_memory += sv->evicted_memory;
    add_tally(&w->versions, &sv->versions);
    add_tally(&w->ciphers, &sv->ciphers);
    add_tally(&w->causes, &sv->causes);
    free(sv);
    return ok;
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
    print_tally(o, "versions", &sv->versions);
    print_tally(o, "ciphers", &sv->ciphers);
    print_tally(o, "failures by cause", &sv->causes);
    int ok = fflush(o) == 0 && !ferror(o);
    free(sv);
    return ok;
}

static struct summary_view *summary_alloc(FILE *out)
{
    struct summary_view *sv = calloc(1, sizeof(*sv));
    if (!sv)
        return NULL;
    sv->v.event = summary_event;
    sv->v.close = summary_close;
    sv->out = out;
    return sv;
}

struct view *out_summary_new(FILE *out)
{
    struct summary_view *sv = summary_alloc(out);
    if (!sv)
        return NULL;
    fprintf(out, "%4s %-44s %-20s %-7s %-40s %-30s %s\n", "id", "client -> server", "sni",
            "version", "cipher", "result", "ja4");
    return &sv->v;
}

struct view *out_summary_part_new(FILE *out, struct view *whole)
{
    struct summary_view *sv = summary_alloc(out);
    if (sv)
        sv->whole = (struct summary_view *)whole;
    return sv ? &sv->v : NULL;
}
