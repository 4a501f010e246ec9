/*
 * The curses view's keys: moving, opening, going back, searching,
 * filtering, saving.  The keys are htop's and less's: arrows or j/k,
 * PgUp/PgDn, Home/End, Enter, q or Esc back, / n N search, ? help.
 */
#include <stdlib.h>
#include <string.h>

#include "curses_ui_int.h"

static const char *const help[] = {
    "Up, Down, j, k    move a line",
    "PgUp, PgDn        move a page",
    "Home, End, g, G   go to the first, the last line",
    "Enter             open the connection; on a step of its timeline, unfold its fields",
    "a                 unfold (or fold) every step of the timeline",
    "d                 the conversation: decrypted data of both directions, in order",
    "x                 in the conversation: everything in hex, or text as text again",
    "s                 save the connection's plaintext (as --extract does) and say where",
    "/                 search: server name, address or result in the list; text elsewhere",
    "n, N              the next, the previous match",
    "f                 filter the list: 'failed', 'v:1.2' (a version), or text in the name",
    "                  or an address; empty: no filter",
    "q, Esc            back; on the list of connections, quit",
    "?                 this help",
    "",
    "Rows: green established, red failed (the result says why), yellow still open.",
    "C> marks what the client sent, S> what the server sent.",
};

static int has(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int passes(const struct cv_ui *ui, const struct cv_conn *c)
{
    char v[32];
    switch (ui->filter) {
    case CV_F_NONE:
        return 1;
    case CV_F_FAILED:
        return c->closed && c->failed;
    case CV_F_TEXT:
        return has(c->sni, ui->filter_text) || has(c->client, ui->filter_text) ||
               has(c->server, ui->filter_text);
    case CV_F_VERSION:
        return has(cv_version_name(c->version, v, sizeof(v)), ui->filter_text);
    }
    return 1;
}

void cv_rows(struct cv_ui *ui)
{
    struct cv_view *cv = ui->cv;
    if (ui->rows_cap < cv->nconns) {
        size_t cap = cv->nconns * 2;
        size_t *r = realloc(ui->rows, cap * sizeof(*r));
        if (!r)
            return;
        ui->rows = r;
        ui->rows_cap = cap;
    }
    ui->nrows = 0;
    for (size_t i = 0; i < cv->nconns; i++)
        if (passes(ui, cv->conns[i]))
            ui->rows[ui->nrows++] = i;
}

void cv_screen_lines(struct cv_ui *ui)
{
    ui->lines.width = (size_t)COLS;
    if (ui->at == CV_CONN) {
        cv_lines_conn(&ui->lines, ui->open);
    } else if (ui->at == CV_TALK) {
        cv_lines_talk(&ui->lines, ui->open, ui->hex);
    } else if (ui->at == CV_HELP) {
        cv_lines_clear(&ui->lines);
        for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++)
            cv_lines_add(&ui->lines, help[i], strlen(help[i]));
    }
}

static size_t count(struct cv_ui *ui)
{
    if (ui->at == CV_LIST) {
        cv_rows(ui);
        return ui->nrows;
    }
    cv_screen_lines(ui);
    return ui->lines.n;
}

static void move_by(struct cv_ui *ui, long delta)
{
    struct cv_pager *pg = &ui->pg[ui->at];
    size_t n = count(ui);
    if (ui->at == CV_HELP) /* no cursor: the page moves */
        pg->cur = pg->top + (delta > 0 ? (size_t)cv_page_height() - 1 : 0);
    if (delta < 0)
        pg->cur = (size_t)-delta > pg->cur ? 0 : pg->cur - (size_t)-delta;
    else
        pg->cur = n && pg->cur + (size_t)delta >= n ? n - 1 : pg->cur + (size_t)delta;
}

/* The text a search looks at: the row's names, or the line. */
static int matches(struct cv_ui *ui, size_t i)
{
    if (ui->at == CV_LIST) {
        const struct cv_conn *c = ui->cv->conns[ui->rows[i]];
        return has(c->sni, ui->search) || has(c->client, ui->search) ||
               has(c->server, ui->search) || (c->closed && has(c->result, ui->search));
    }
    const struct cv_line *l = &ui->lines.l[i];
    char buf[1024];
    size_t n = l->len < sizeof(buf) - 1 ? l->len : sizeof(buf) - 1;
    memcpy(buf, ui->lines.text.p + l->off, n);
    buf[n] = 0;
    return has(buf, ui->search);
}

static void search(struct cv_ui *ui, int dir, int from_here)
{
    struct cv_pager *pg = &ui->pg[ui->at];
    size_t n = count(ui);
    if (!ui->search[0] || !n)
        return;
    for (size_t k = from_here ? 0 : 1; k <= n; k++) {
        size_t i = dir > 0 ? (pg->cur + k) % n : (pg->cur + n - k % n) % n;
        if (matches(ui, i)) {
            pg->cur = i;
            snprintf(ui->msg, sizeof(ui->msg), "found \"%s\"", ui->search);
            return;
        }
    }
    snprintf(ui->msg, sizeof(ui->msg), "\"%s\" not found", ui->search);
}

static void set_filter(struct cv_ui *ui, const char *s)
{
    ui->pg[CV_LIST] = (struct cv_pager){0};
    ui->filter = !*s                            ? CV_F_NONE
                 : strcasecmp(s, "failed") == 0 ? CV_F_FAILED
                 : strncasecmp(s, "v:", 2) == 0 ? CV_F_VERSION
                                                : CV_F_TEXT;
    snprintf(ui->filter_text, sizeof(ui->filter_text), "%s",
             ui->filter == CV_F_VERSION ? s + 2 : s);
}

static void prompt_key(struct cv_ui *ui, int ch)
{
    if (ch == 27) {
        ui->prompt = 0;
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        ui->input[ui->ninput] = 0;
        if (ui->prompt == '/') {
            snprintf(ui->search, sizeof(ui->search), "%s", ui->input);
            ui->prompt = 0;
            search(ui, 1, 1);
        } else {
            set_filter(ui, ui->input);
            ui->prompt = 0;
        }
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (ui->ninput)
            ui->ninput--;
    } else if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && ui->ninput < sizeof(ui->input) - 1) {
        ui->input[ui->ninput++] = (char)ch;
    }
}

static void open_conn(struct cv_ui *ui)
{
    cv_rows(ui);
    if (!ui->nrows)
        return;
    ui->open = ui->cv->conns[ui->rows[ui->pg[CV_LIST].cur]];
    ui->pg[CV_CONN] = ui->pg[CV_TALK] = (struct cv_pager){0};
    ui->at = CV_CONN;
}

static void unfold(struct cv_ui *ui, int all)
{
    struct cv_conn *c = ui->open;
    int any_folded = 0;
    cv_screen_lines(ui);
    if (!all) {
        if (ui->pg[CV_CONN].cur < ui->lines.n) {
            int32_t i = ui->lines.l[ui->pg[CV_CONN].cur].item;
            if (i >= 0 && (size_t)i < c->nitems)
                c->items[i].expanded ^= 1;
        }
        return;
    }
    for (size_t i = 0; i < c->nitems; i++)
        any_folded |= !c->items[i].expanded;
    for (size_t i = 0; i < c->nitems; i++)
        c->items[i].expanded = (uint8_t)any_folded;
}

static void back(struct cv_ui *ui)
{
    switch (ui->at) {
    case CV_LIST:
        ui->cv->quit = 1;
        break;
    case CV_CONN:
        ui->at = CV_LIST;
        break;
    case CV_TALK:
        ui->at = CV_CONN;
        break;
    case CV_HELP:
        ui->at = ui->under_help;
        break;
    }
}

static int move_key(struct cv_ui *ui, int ch)
{
    long page = cv_page_height();
    switch (ch) {
    case KEY_UP:
    case 'k':
        move_by(ui, -1);
        return 1;
    case KEY_DOWN:
    case 'j':
        move_by(ui, 1);
        return 1;
    case KEY_PPAGE:
        move_by(ui, -page);
        return 1;
    case KEY_NPAGE:
    case ' ':
        move_by(ui, page);
        return 1;
    case KEY_HOME:
    case 'g':
        ui->pg[ui->at] = (struct cv_pager){0};
        return 1;
    case KEY_END:
    case 'G':
        ui->pg[ui->at].cur = count(ui) ? count(ui) - 1 : 0;
        return 1;
    }
    return 0;
}

static void conn_key(struct cv_ui *ui, int ch)
{
    if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && ui->at == CV_CONN)
        unfold(ui, 0);
    else if (ch == 'a' && ui->at == CV_CONN)
        unfold(ui, 1);
    else if (ch == 'd' && ui->at == CV_CONN)
        ui->at = CV_TALK, ui->pg[CV_TALK] = (struct cv_pager){0};
    else if (ch == 'x' && ui->at == CV_TALK)
        ui->hex ^= 1, ui->pg[CV_TALK] = (struct cv_pager){0};
    else if (ch == 's')
        cv_save(ui->cv, ui->open, ui->msg, sizeof(ui->msg));
}

void cv_key(struct cv_ui *ui, int ch)
{
    if (ui->prompt) {
        prompt_key(ui, ch);
        return;
    }
    if (ch != KEY_RESIZE)
        ui->msg[0] = 0;
    if (move_key(ui, ch))
        return;
    if (ch == 'q' || ch == 27) {
        back(ui);
    } else if (ch == '?' && ui->at != CV_HELP) {
        ui->under_help = ui->at;
        ui->at = CV_HELP;
        ui->pg[CV_HELP] = (struct cv_pager){0};
    } else if (ch == '?') {
        back(ui);
    } else if (ch == '/' || (ch == 'f' && ui->at == CV_LIST)) {
        ui->prompt = (char)ch;
        ui->ninput = 0;
    } else if (ch == 'n' || ch == 'N') {
        search(ui, ch == 'n' ? 1 : -1, 0);
    } else if (ui->at == CV_LIST && (ch == '\n' || ch == '\r' || ch == KEY_ENTER)) {
        open_conn(ui);
    } else if (ui->at == CV_LIST && (ch == 'd' || ch == 's')) {
        open_conn(ui);
        if (ui->open && ui->at == CV_CONN)
            conn_key(ui, ch);
    } else if (ui->at == CV_CONN || ui->at == CV_TALK) {
        conn_key(ui, ch);
    }
}
