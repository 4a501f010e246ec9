/*
 * The curses view's screens, drawn from what curses.c keeps: the list of
 * connections, one connection, its conversation, the keys; and at the
 * bottom a line for messages and prompts and the status line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/registry.h"
#include "curses_ui_int.h"

int cv_page_height(void)
{
    return LINES > 4 ? LINES - 3 : 1;
}

/* n bytes of UTF-8 at (y, x), at most maxcols columns: what is not
 * printable shows as '?', so a hostile name cannot move the cursor. */
static int put(int y, int x, const char *s, size_t n, int maxcols)
{
    wchar_t w[256];
    int k = 0, cols = 0;
    mbstate_t st = {0};

    while (n && k < 256 && cols < maxcols) {
        wchar_t c;
        size_t used = mbrtowc(&c, s, n, &st);
        if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
            c = L'?';
            used = 1;
            st = (mbstate_t){0};
        }
        int wd = wcwidth(c);
        if (wd < 0)
            c = L'?', wd = 1;
        if (cols + wd > maxcols)
            break;
        w[k++] = c;
        cols += wd;
        s += used;
        n -= used;
    }
    mvaddnwstr(y, x, w, k);
    return cols;
}

static int puts_at(int y, int x, const char *s)
{
    return x < COLS ? put(y, x, s, strlen(s), COLS - x) : 0;
}

static void set_colour(struct cv_ui *ui, int pair, int on)
{
    int attr = ui->colour ? COLOR_PAIR(pair) : pair == CV_C_BAD ? A_BOLD : 0;
    on ? attron(attr) : attroff(attr);
}

static const char *size_text(uint64_t n, char *buf, size_t len)
{
    static const char units[] = "kMGT";
    if (n < 10000) {
        snprintf(buf, len, "%" PRIu64, n);
        return buf;
    }
    double d = (double)n;
    int u = -1;
    while (d >= 1000 && u < 3)
        d /= 1000, u++;
    snprintf(buf, len, "%.1f%c", d, units[u]);
    return buf;
}

static int row_colour(const struct cv_conn *c)
{
    if (!c->closed)
        return CV_C_WARN;
    return c->failed ? CV_C_BAD : CV_C_GOOD;
}

static void list_row(struct cv_ui *ui, int y, const struct cv_conn *c, int selected)
{
    char line[512], v[32], a[16], b[16], ci[64];
    const char *cipher = c->cipher == VM_NO_CIPHER ? "" : reg_name(REG_CIPHER, c->cipher);
    if (!cipher)
        snprintf(ci, sizeof(ci), "0x%04x", c->cipher), cipher = ci;
    snprintf(line, sizeof(line),
             "%5" PRIu64 " %-24.24s %-18.18s %-7.7s %s -> %s  %s/%s  %s  %s  %s", c->id,
             c->sni ? c->sni : "-", c->closed ? c->result : "open",
             cv_version_name(c->version, v, sizeof(v)), c->client, c->server,
             size_text(c->bytes[DIR_C2S], a, sizeof(a)), size_text(c->bytes[DIR_S2C], b, sizeof(b)),
             c->closed ? c->decrypt : "", c->alpn ? c->alpn : "", cipher);
    if (selected)
        attron(A_REVERSE);
    set_colour(ui, row_colour(c), 1);
    int x = put(y, 0, line, strlen(line), COLS);
    set_colour(ui, row_colour(c), 0);
    if (selected) {
        if (x < COLS)
            mvhline(y, x, ' ', COLS - x);
        attroff(A_REVERSE);
    }
}

static void keep_visible(struct cv_pager *pg, size_t n, int h)
{
    if (n && pg->cur >= n)
        pg->cur = n - 1;
    if (pg->cur < pg->top)
        pg->top = pg->cur;
    if (pg->cur >= pg->top + (size_t)h)
        pg->top = pg->cur - (size_t)h + 1;
}

static void draw_list(struct cv_ui *ui)
{
    struct cv_pager *pg = &ui->pg[CV_LIST];
    int h = cv_page_height();

    cv_rows(ui);
    attron(A_BOLD);
    puts_at(0, 0,
            "   id server name              result             version client -> server"
            "  bytes c/s  decrypted  ALPN  cipher");
    attroff(A_BOLD);
    keep_visible(pg, ui->nrows, h);
    for (int i = 0; i < h && pg->top + (size_t)i < ui->nrows; i++)
        list_row(ui, 1 + i, ui->cv->conns[ui->rows[pg->top + i]], pg->top + i == pg->cur);
    if (!ui->nrows)
        puts_at(2, 2,
                ui->cv->nconns ? "(no connection passes the filter: f, then Enter clears it)"
                               : "(no connection yet)");
}

static int line_colour(enum cv_line_kind k)
{
    switch (k) {
    case CV_L_BAD:
        return CV_C_BAD;
    case CV_L_GOOD:
        return CV_C_GOOD;
    case CV_L_CLIENT:
        return CV_C_CLIENT;
    case CV_L_SERVER:
        return CV_C_SERVER;
    case CV_L_PLAIN:
    case CV_L_HEAD:
        return 0;
    }
    return 0;
}

static void draw_lines(struct cv_ui *ui, const char *title)
{
    struct cv_pager *pg = &ui->pg[ui->at];
    struct cv_lines *ls = &ui->lines;
    int h = cv_page_height();

    cv_screen_lines(ui);
    attron(A_BOLD);
    puts_at(0, 0, title);
    attroff(A_BOLD);
    keep_visible(pg, ls->n, h);
    for (int i = 0; i < h && pg->top + (size_t)i < ls->n; i++) {
        const struct cv_line *l = &ls->l[pg->top + i];
        int c = line_colour(l->kind), sel = ui->at != CV_HELP && pg->top + i == pg->cur;
        if (sel)
            attron(A_REVERSE);
        if (l->kind == CV_L_HEAD)
            attron(A_BOLD);
        if (c)
            set_colour(ui, c, 1);
        int x = put(1 + i, 0, ls->text.p + l->off, l->len, COLS);
        if (c)
            set_colour(ui, c, 0);
        if (sel && x < COLS)
            mvhline(1 + i, x, ' ', COLS - x);
        attroff(A_REVERSE | A_BOLD);
    }
}

static const char *filter_name(const struct cv_ui *ui, char *buf, size_t len)
{
    switch (ui->filter) {
    case CV_F_NONE:
        return "none";
    case CV_F_FAILED:
        return "failed";
    case CV_F_TEXT:
        snprintf(buf, len, "\"%s\"", ui->filter_text);
        return buf;
    case CV_F_VERSION:
        snprintf(buf, len, "version %s", ui->filter_text);
        return buf;
    }
    return "?";
}

static void draw_status(struct cv_ui *ui)
{
    const struct cv_view *cv = ui->cv;
    const struct out_curses_counts *c = &cv->counts_in;
    char line[512], f[80], a[16];
    int k;

    k = snprintf(line, sizeof(line), " %.120s", cv->st.source ? cv->st.source : "");
    if (c->bytes_total && !cv->st.done)
        k += snprintf(line + k, sizeof(line) - k, " %d%%",
                      (int)(c->bytes_done * 100 / c->bytes_total));
    else if (cv->st.done)
        k += snprintf(line + k, sizeof(line) - k, cv->st.live ? " (stopped)" : " (read)");
    k += snprintf(line + k, sizeof(line) - k, " | %" PRIu64 " pkts", c->packets);
    if (c->bytes_done) /* a file's */
        k += snprintf(line + k, sizeof(line) - k, " %sB", size_text(c->bytes_done, a, sizeof(a)));
    k += snprintf(line + k, sizeof(line) - k, " | %zu conns", cv->nconns);
    if (cv->open_conns)
        k += snprintf(line + k, sizeof(line) - k, " %" PRIu64 " open", cv->open_conns);
    k += snprintf(line + k, sizeof(line) - k, " %" PRIu64 " ok %" PRIu64 " failed",
                  cv->counts[VM_ESTABLISHED], cv->counts[VM_FAILED]);
    uint64_t other =
        cv->counts[VM_INCOMPLETE] + cv->counts[VM_NOT_TLS] + cv->counts[VM_UNDECRYPTABLE];
    if (other)
        k += snprintf(line + k, sizeof(line) - k, " %" PRIu64 " other", other);
    if (cv->st.live)
        k += snprintf(line + k, sizeof(line) - k, " | drops %" PRIu64, c->drops);
    if (ui->filter != CV_F_NONE)
        k += snprintf(line + k, sizeof(line) - k, " | filter %s", filter_name(ui, f, sizeof(f)));
    if (cv->dropped_conns)
        k += snprintf(line + k, sizeof(line) - k, " | detail dropped: %" PRIu64, cv->dropped_conns);
    k += snprintf(line + k, sizeof(line) - k, " | %zu secrets", c->secrets);
    snprintf(line + k, sizeof(line) - k, " | ? help");
    attron(A_REVERSE);
    int x = put(LINES - 1, 0, line, strlen(line), COLS);
    if (x < COLS)
        mvhline(LINES - 1, x, ' ', COLS - x);
    attroff(A_REVERSE);
    if (ui->prompt) {
        char p[128];
        snprintf(p, sizeof(p), "%s%.*s_",
                 ui->prompt == '/' ? "search: "
                                   : "filter (failed | v:VERSION | text; empty: none): ",
                 (int)ui->ninput, ui->input);
        puts_at(LINES - 2, 0, p);
    } else {
        puts_at(LINES - 2, 0, ui->msg);
    }
}

void cv_draw(struct cv_ui *ui)
{
    char title[160];
    erase();
    switch (ui->at) {
    case CV_LIST:
        draw_list(ui);
        break;
    case CV_CONN:
        snprintf(title, sizeof(title),
                 "Connection #%" PRIu64 "  (Enter unfold, a all, d conversation, s save, q back)",
                 ui->open->id);
        draw_lines(ui, title);
        break;
    case CV_TALK:
        snprintf(title, sizeof(title),
                 "Conversation #%" PRIu64 "  (x hex, s save, / search, q back)", ui->open->id);
        draw_lines(ui, title);
        break;
    case CV_HELP:
        draw_lines(ui, "Keys  (q or ? back)");
        break;
    }
    draw_status(ui);
    refresh();
}
