/*
 * curses_ui_int.h: the curses view's screen state, shared by the files
 * that draw it (curses_draw.c) and change it (curses_keys.c).
 */
#ifndef TLSDUMP_CURSES_UI_INT_H
#define TLSDUMP_CURSES_UI_INT_H

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "curses_int.h"

enum cv_screen { CV_LIST, CV_CONN, CV_TALK, CV_HELP };
enum cv_filter { CV_F_NONE, CV_F_FAILED, CV_F_TEXT, CV_F_VERSION };
enum { CV_C_BAD = 1, CV_C_GOOD, CV_C_WARN, CV_C_CLIENT, CV_C_SERVER };

/* A cursor over lines, and the first line shown. */
struct cv_pager {
    size_t cur, top;
};

struct cv_ui {
    struct cv_view *cv;
    SCREEN *screen; /* NULL once the terminal is restored */
    int colour;
    int saved_err; /* standard error while the screen is up */
    FILE *held;    /* ... and what was said on it meanwhile */
    unsigned calls;
    int64_t drawn_ms, started_ms;
    enum cv_screen at, under_help;
    struct cv_pager pg[4]; /* per screen */
    size_t *rows;          /* the list: indices of the connections the filter lets through */
    size_t nrows, rows_cap;
    struct cv_conn *open;  /* the connection of CV_CONN and CV_TALK */
    int hex;               /* x: the conversation all in hex */
    struct cv_lines lines; /* CV_CONN, CV_TALK, CV_HELP's lines */
    enum cv_filter filter;
    char filter_text[64];
    char search[64];
    char prompt; /* 0, or the key whose input is being typed: '/', 'f' */
    char input[64];
    size_t ninput;
    char msg[700]; /* said on the line above the status line until the next key */
};

int64_t cv_now_ms(void);
void cv_draw(struct cv_ui *ui);
void cv_key(struct cv_ui *ui, int ch);
/* The list's rows under the filter; the lines of the other screens. */
void cv_rows(struct cv_ui *ui);
void cv_screen_lines(struct cv_ui *ui);
/* Lines of text the screen shows (the list's header and the two bottom
 * lines aside). */
int cv_page_height(void);

#endif
