/*
 * The curses view's long screens as lines: one connection (its fate, then
 * its timeline, each step folded to its first line or unfolded to its
 * fields), and its conversation (both directions in order, text as text,
 * binary as a hex dump).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "curses_int.h"

void cv_lines_clear(struct cv_lines *ls)
{
    ls->n = 0;
    ls->text.n = 0;
}

void cv_lines_free(struct cv_lines *ls)
{
    free(ls->l);
    free(ls->text.p);
    *ls = (struct cv_lines){0};
}

static void add_one(struct cv_lines *ls, const char *p, size_t n, enum cv_line_kind kind,
                    int32_t item);

/* A line longer than the screen, as several: broken at a space when there
 * is one in the second half, never inside a UTF-8 character. */
static void add(struct cv_lines *ls, const char *p, size_t n, enum cv_line_kind kind, int32_t item)
{
    char line[1024];
    size_t w = ls->width > 16 ? ls->width : 16;
    if (!ls->wrap || n <= w) {
        add_one(ls, p, n, kind, item);
        return;
    }
    for (int first = 1; n; first = 0) {
        size_t room = first ? w : w - 4, cut = n;
        if (n > room) {
            cut = room;
            while (cut > room / 2 && p[cut] != ' ')
                cut--;
            if (p[cut] != ' ')
                for (cut = room; cut > 1 && ((unsigned char)p[cut] & 0xc0) == 0x80;)
                    cut--;
        }
        int k = snprintf(line, sizeof(line), "%s%.*s", first ? "" : "    ", (int)cut, p);
        add_one(ls, line, (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1, kind, item);
        p += cut;
        n -= cut;
        while (n && *p == ' ')
            p++, n--;
    }
}

static void add_one(struct cv_lines *ls, const char *p, size_t n, enum cv_line_kind kind,
                    int32_t item)
{
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 256;
        struct cv_line *l = realloc(ls->l, cap * sizeof(*l));
        if (!l)
            return;
        ls->l = l;
        ls->cap = cap;
    }
    size_t off = ls->text.n;
    if (n > UINT32_MAX || !cv_buf_add(&ls->text, p, n))
        return;
    ls->l[ls->n++] = (struct cv_line){(uint32_t)off, (uint32_t)n, (uint8_t)kind, item};
}

void cv_lines_add(struct cv_lines *ls, const char *p, size_t n)
{
    add(ls, p, n, CV_L_PLAIN, -1);
}

/* Each line of a text, '\n' ended or not. */
static void add_text(struct cv_lines *ls, const char *p, size_t n, enum cv_line_kind kind,
                     int32_t item)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        add(ls, p, len, kind, item);
        p += len + (nl != NULL);
        n -= len + (nl != NULL);
    }
}

static void add_str(struct cv_lines *ls, const char *s, enum cv_line_kind kind)
{
    add(ls, s, strlen(s), kind, -1);
}

/* A step folded: its first line, as the text view prints it without -A;
 * unfolded: every field (-A, -N). */
static void item_lines(struct cv_lines *ls, const struct cv_conn *c, int32_t i)
{
    const struct cv_item *it = &c->items[i];
    const char *p = c->tl.p + it->off, *end = p + it->len;
    const char *nl = memchr(p, '\n', it->len);
    size_t first = nl ? (size_t)(nl - p) : it->len;
    int more = nl && nl + 1 < end;
    char line[512];

    if (it->expanded) {
        int n = snprintf(line, sizeof(line), "- %.*s", (int)first, p);
        add(ls, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, CV_L_HEAD, i);
        add_text(ls, nl + 1, (size_t)(end - nl - 1), CV_L_PLAIN, i);
        return;
    }
    int n = snprintf(line, sizeof(line), "%s %.*s", more ? "+" : " ", (int)first, p);
    add(ls, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
        memmem(p, first, "Alert", 5) ? CV_L_BAD : CV_L_PLAIN, i);
}

void cv_lines_conn(struct cv_lines *ls, const struct cv_conn *c)
{
    char head[256];

    cv_lines_clear(ls);
    if (c->findings) {
        ls->wrap = 1;
        add_text(ls, c->findings, strlen(c->findings), c->failed ? CV_L_BAD : CV_L_GOOD, -1);
        ls->wrap = 0;
    } else {
        int n = snprintf(head, sizeof(head), "Connection #%" PRIu64 ": %s -> %s, still open", c->id,
                         c->client, c->server);
        add(ls, head, (size_t)n, CV_L_PLAIN, -1);
    }
    if (c->dropped)
        add_str(ls, "(its detail was dropped to stay within --curses-memory)", CV_L_BAD);
    add(ls, "", 0, CV_L_PLAIN, -1);
    add_str(ls, "Timeline (Enter unfolds a step, a unfolds all, d the conversation):", CV_L_HEAD);
    for (size_t i = 0; i < c->nitems; i++)
        item_lines(ls, c, (int32_t)i);
}

static int is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') || p[i] == 0x7f)
            return 0;
    return 1;
}

static void hex_lines(struct cv_lines *ls, const uint8_t *p, size_t n, const char *mark,
                      enum cv_line_kind kind)
{
    char line[128];
    for (size_t at = 0; at < n; at += 16) {
        int k = snprintf(line, sizeof(line), "%s %06zx ", mark, at);
        for (size_t i = at; i < at + 16; i++)
            k += i < n ? snprintf(line + k, sizeof(line) - k, " %02x", p[i])
                       : snprintf(line + k, sizeof(line) - k, "   ");
        k += snprintf(line + k, sizeof(line) - k, "  ");
        for (size_t i = at; i < at + 16 && i < n; i++)
            line[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
        add(ls, line, (size_t)k, kind, -1);
    }
}

/* A piece of text: a line each, the marker first; tabs and carriage
 * returns made harmless for the screen. */
static void text_lines(struct cv_lines *ls, const uint8_t *p, size_t n, const char *mark,
                       enum cv_line_kind kind)
{
    char line[1024];
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (!k)
            k = (size_t)snprintf(line, sizeof(line), "%s ", mark);
        if (i == n || p[i] == '\n' || k == sizeof(line) - 1) {
            if (i < n || k > 3)
                add(ls, line, k, kind, -1);
            k = 0;
            continue;
        }
        if (p[i] != '\r')
            line[k++] = p[i] == '\t' ? ' ' : (char)p[i];
    }
}

void cv_lines_talk(struct cv_lines *ls, const struct cv_conn *c, int hex)
{
    char head[160];
    cv_lines_clear(ls);
    int n =
        snprintf(head, sizeof(head), "Conversation #%" PRIu64 ": C> %s (client), S> %s (server)%s",
                 c->id, c->client, c->server, hex ? ", in hex" : "");
    add(ls, head, (size_t)n, CV_L_HEAD, -1);
    if (c->dropped)
        add_str(ls, "(its detail was dropped to stay within --curses-memory)", CV_L_BAD);
    else if (!c->nchunks)
        add_str(ls,
                c->closed && strcmp(c->decrypt, "decrypted") != 0
                    ? "(no plaintext: the connection was not decrypted)"
                    : "(no application data)",
                CV_L_PLAIN);
    for (size_t i = 0; i < c->nchunks; i++) {
        const struct cv_chunk *k = &c->chunks[i];
        const uint8_t *p = (const uint8_t *)c->pt.p + k->off;
        const char *mark = k->dir == DIR_C2S ? "C>" : "S>";
        enum cv_line_kind kind = k->dir == DIR_C2S ? CV_L_CLIENT : CV_L_SERVER;
        if (hex || !is_text(p, k->len))
            hex_lines(ls, p, k->len, mark, kind);
        else
            ls->wrap = 1, text_lines(ls, p, k->len, mark, kind), ls->wrap = 0;
    }
}
