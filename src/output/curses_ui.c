/*
 * The curses view's terminal: the screens, the keys, and putting the
 * terminal back however tlsdump ends (q, a signal, an error, a crash).
 *
 * Nothing here blocks the capture: keys are read without waiting while
 * the input is being read, and the reading loop gives the view a turn a
 * few times a second (out_curses_step).
 */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "curses_ui_int.h"

static struct cv_ui *active; /* for the crash handler */
static volatile sig_atomic_t stop_asked;

int64_t cv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The screen is put back before the crash is reported, on the terminal. */
static void on_crash(int sig)
{
    if (active) {
        endwin();
        if (active->saved_err >= 0)
            dup2(active->saved_err, STDERR_FILENO);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

static void colours(struct cv_ui *ui)
{
    const char *no = getenv("NO_COLOR");
    ui->colour = has_colors() && !(no && *no);
    if (!ui->colour)
        return;
    start_color();
    use_default_colors();
    init_pair(CV_C_BAD, COLOR_RED, -1);
    init_pair(CV_C_GOOD, COLOR_GREEN, -1);
    init_pair(CV_C_WARN, COLOR_YELLOW, -1);
    init_pair(CV_C_CLIENT, COLOR_CYAN, -1);
    init_pair(CV_C_SERVER, COLOR_MAGENTA, -1);
}

/* What is said on standard error while the screen is up waits in a file,
 * and is said once the terminal is back. */
static void hold_stderr(struct cv_ui *ui)
{
    ui->saved_err = dup(STDERR_FILENO);
    ui->held = tmpfile();
    if (ui->saved_err >= 0 && ui->held)
        dup2(fileno(ui->held), STDERR_FILENO);
}

static void release_stderr(struct cv_ui *ui)
{
    char buf[4096];
    size_t n;
    if (ui->saved_err < 0)
        return;
    fflush(stderr);
    dup2(ui->saved_err, STDERR_FILENO);
    close(ui->saved_err);
    ui->saved_err = -1;
    if (!ui->held)
        return;
    rewind(ui->held);
    while ((n = fread(buf, 1, sizeof(buf), ui->held)) > 0)
        if (write(STDERR_FILENO, buf, n) < 0)
            break;
    fclose(ui->held);
    ui->held = NULL;
}

struct cv_ui *cv_ui_new(struct cv_view *cv, char *err, size_t errlen)
{
    struct cv_ui *ui = calloc(1, sizeof(*ui));
    static const int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

    if (!ui) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ui->cv = cv;
    ui->saved_err = -1;
    setlocale(LC_CTYPE, "");
    if (!(ui->screen = newterm(NULL, stdout, stdin))) {
        snprintf(err, errlen, "--curses: cannot use the terminal (TERM=%s)",
                 getenv("TERM") ? getenv("TERM") : "");
        free(ui);
        return NULL;
    }
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    colours(ui);
    active = ui;
    for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
        signal(crashes[i], on_crash);
    hold_stderr(ui);
    ui->started_ms = cv_now_ms();
    return ui;
}

void cv_ui_end(struct cv_ui *ui)
{
    if (!ui || !ui->screen)
        return;
    endwin();
    delscreen(ui->screen);
    ui->screen = NULL;
    active = NULL;
    release_stderr(ui);
}

void cv_ui_free(struct cv_ui *ui)
{
    if (!ui)
        return;
    cv_ui_end(ui);
    cv_lines_free(&ui->lines);
    free(ui->rows);
    free(ui);
}

int out_curses_due(struct view *v)
{
    struct cv_ui *ui = ((struct cv_view *)v)->ui;
    if (++ui->calls & 255)
        return 0;
    return cv_now_ms() - ui->drawn_ms >= 100;
}

int out_curses_step(struct view *v, const struct out_curses_counts *c)
{
    struct cv_view *cv = (struct cv_view *)v;
    cv->counts_in = *c;
    cv_ui_step(cv->ui, 0);
    return cv->quit;
}

void out_curses_end(struct view *v, const struct out_curses_counts *c, int browse)
{
    struct cv_view *cv = (struct cv_view *)v;
    struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;

    cv->counts_in = *c;
    cv->st.done = 1;
    if (browse && !cv->quit && cv->ui->screen) {
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        while (!cv->quit && !stop_asked)
            cv_ui_step(cv->ui, 500);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    cv_ui_end(cv->ui);
}

/* Keys while waiting at most wait_ms for the first, then the screen. */
void cv_ui_step(struct cv_ui *ui, int wait_ms)
{
    int ch;
    if (!ui->screen)
        return;
    if (wait_ms > 0) {
        cv_draw(ui);
        timeout(wait_ms);
        if ((ch = getch()) != ERR)
            cv_key(ui, ch);
        nodelay(stdscr, TRUE);
    }
    while (!ui->cv->quit && (ch = getch()) != ERR)
        cv_key(ui, ch);
    if (!ui->cv->quit)
        cv_draw(ui);
    ui->drawn_ms = cv_now_ms();
}

const char *out_curses_lib_version(void)
{
    return curses_version();
}
