/*
 * curses_int.h: the curses view's parts (curses.c keeps what the view
 * model said, curses_ui.c draws it and reads the keys, curses_lines.c
 * lays out a connection's screens as lines).
 */
#ifndef TLSDUMP_CURSES_INT_H
#define TLSDUMP_CURSES_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "views.h"

/* A growing byte buffer (a connection's detail). */
struct cv_buf {
    char *p;
    size_t n, cap;
};

/* One step of the timeline: an event as the text view prints it, the
 * first line always shown, the rest (its fields) when expanded. */
struct cv_item {
    uint32_t off, len; /* in the connection's tl buffer */
    uint8_t expanded;
};

/* One piece of the conversation: application data (or the plaintext
 * before TLS) one direction sent. */
struct cv_chunk {
    uint32_t off, len; /* in the connection's pt buffer */
    uint8_t dir;
};

struct cv_conn {
    uint64_t id;
    char client[56], server[56]; /* "192.0.2.1:443" */
    char *sni, *alpn;            /* malloc'd, NULL: none */
    uint16_t version;
    uint32_t cipher;
    int closed, failed, decrypted;
    enum vm_verdict verdict;
    char result[40];   /* the verdict, or the diagnosis code */
    char decrypt[48];  /* "yes", "no keys", the reason it was not */
    uint64_t bytes[2]; /* stream bytes each way */
    char *findings;    /* at close: the diagnosis and validation in words, lines */
    /* The detail, within the budget. */
    struct cv_buf tl, pt;
    struct cv_item *items;
    size_t nitems, items_cap;
    struct cv_chunk *chunks;
    size_t nchunks, chunks_cap;
    int dropped; /* the detail was dropped to stay within the budget */
};

/* Counts the reading loop reports for the status line. */
struct cv_status {
    const char *source;
    int live, done;
};

struct cv_ui;

struct cv_view {
    struct view v;
    struct cv_conn **conns; /* by id - 1 */
    size_t nconns, conns_cap;
    uint64_t counts[VM_NVERDICTS], open_conns;
    size_t detail_bytes, budget, drop_next;
    uint64_t dropped_conns;
    struct view *text;   /* the text view the timeline is printed by */
    FILE *text_out;      /* ... into cur's timeline */
    struct cv_conn *cur; /* the connection the text view is printing for */
    const char *save_dir;
    struct cv_status st;
    struct out_curses_counts counts_in;
    struct cv_ui *ui;
    int quit; /* the user asked to quit */
};

/* curses.c */
size_t cv_detail_size(const struct cv_conn *c);
const char *cv_version_name(uint16_t v, char *buf, size_t len);
int cv_save(struct cv_view *cv, const struct cv_conn *c, char *msg, size_t len);

void cv_close_conn(struct cv_view *cv, struct cv_conn *c, const struct vm_summary *s);

/* curses_ui.c */
struct cv_ui *cv_ui_new(struct cv_view *cv, char *err, size_t errlen);
void cv_ui_end(struct cv_ui *ui);
void cv_ui_free(struct cv_ui *ui);
/* Reads the keys waiting and redraws; wait_ms < 0: until a key. */
void cv_ui_step(struct cv_ui *ui, int wait_ms);

/* curses_lines.c: a screen's lines, laid out for a width. */
enum cv_line_kind { CV_L_PLAIN, CV_L_HEAD, CV_L_BAD, CV_L_GOOD, CV_L_CLIENT, CV_L_SERVER };
struct cv_line {
    uint32_t off, len; /* in the lines' text buffer */
    uint8_t kind;
    int32_t item; /* the timeline item it shows, or -1 */
};
struct cv_lines {
    struct cv_line *l;
    size_t n, cap;
    struct cv_buf text;
    size_t width; /* the screen's; lines of words longer than it are wrapped */
    int wrap;     /* ... when set */
};
void cv_lines_clear(struct cv_lines *ls);
void cv_lines_free(struct cv_lines *ls);
void cv_lines_add(struct cv_lines *ls, const char *p, size_t n);
void cv_lines_conn(struct cv_lines *ls, const struct cv_conn *c);
void cv_lines_talk(struct cv_lines *ls, const struct cv_conn *c, int hex);

int cv_buf_add(struct cv_buf *b, const void *p, size_t n);

#endif
