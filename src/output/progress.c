/*
 * A progress line for long runs, as pv and tshark's users expect.
 */
#include <stdlib.h>
#include <time.h>

#include "progress.h"

#define FIRST_DRAW_S 0.5 /* a run shorter than this never shows the line */
#define REDRAW_S 0.25
#define CLOCK_EVERY 1024 /* calls of out_progress_due() per look at the clock */

struct out_progress {
    FILE *out;
    double start, next;
    unsigned calls;
    int drawn; /* the line is on the terminal */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct out_progress *out_progress_new(FILE *out)
{
    struct out_progress *p = calloc(1, sizeof(*p));
    if (p) {
        p->out = out;
        p->start = now_s();
        p->next = p->start + FIRST_DRAW_S;
    }
    return p;
}

void out_progress_free(struct out_progress *p)
{
    if (!p)
        return;
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    free(p);
}

int out_progress_due(struct out_progress *p)
{
    if (++p->calls % CLOCK_EVERY)
        return 0;
    return now_s() >= p->next;
}

/* ", 0:02 left", ", 1:02:03 left" (at most 99:59:59). */
static void time_left(char *buf, size_t len, double s)
{
    unsigned long t = s < 0 ? 0 : s > 359999 ? 359999 : (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, ", %lu:%02lu:%02lu left", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, ", %lu:%02lu left", t / 60, t % 60);
}

void out_progress_format(char *buf, size_t len, const struct out_progress_counts *c,
                         double elapsed_s)
{
    const double mb = 1e6;
    double rate = elapsed_s > 0 ? (double)c->bytes_done / elapsed_s : 0;
    char left[32] = "";
    int n;

    if (c->bytes_total) {
        unsigned pct = c->bytes_done >= c->bytes_total
                           ? 100
                           : (unsigned)(100.0 * (double)c->bytes_done / (double)c->bytes_total);
        n = snprintf(buf, len, "%u%% %.1f of %.1f MB", pct, (double)c->bytes_done / mb,
                     (double)c->bytes_total / mb);
        if (rate > 0 && c->bytes_done < c->bytes_total)
            time_left(left, sizeof(left), (double)(c->bytes_total - c->bytes_done) / rate);
    } else {
        n = snprintf(buf, len, "%.1f MB", (double)c->bytes_done / mb);
    }
    if (n < 0 || (size_t)n >= len)
        return;
    snprintf(buf + n, len - (size_t)n, ", %llu packets, %llu connections, %.1f MB/s%s",
             (unsigned long long)c->packets, (unsigned long long)c->connections, rate / mb, left);
}

void out_progress_draw(struct out_progress *p, const struct out_progress_counts *c)
{
    char line[160];
    double t = now_s();

    out_progress_format(line, sizeof(line), c, t - p->start);
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->drawn = 1;
    p->next = t + REDRAW_S;
}
