/*
 * The streams view (--streams DIR): each connection's reassembled bytes,
 * one file per direction.  Gaps are left out of the files (the text view
 * reports them), so a lossless capture gives exactly the bytes each side
 * sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "views.h"

struct streams_view {
    struct view v;
    char *dir;
    int failed;     /* a write failed: reported once */
};

struct conn_files {
    FILE *f[2];
};

static FILE *open_stream(struct streams_view *sv, const struct event *ev)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/stream-%" PRIu64 "-%s.bin", sv->dir, ev->conn->id,
             ev->dir == TCP_C2S ? "client" : "server");
    FILE *f = fopen(path, "wb");
    if (!f && !sv->failed) {
        fprintf(stderr, "tlsdump: %s: %s\n", path, strerror(errno));
        sv->failed = 1;
    }
    return f;
}

static void streams_event(struct view *v, const struct event *ev)
{
    struct streams_view *sv = (struct streams_view *)v;
    struct conn_files *cf = *ev->slot;

    if (ev->kind != EV_TCP)
        return;
    if (ev->tcp->kind == TCP_EV_DATA) {
        if (!cf && !(cf = *ev->slot = calloc(1, sizeof(*cf))))
            return;
        if (!cf->f[ev->dir] && !(cf->f[ev->dir] = open_stream(sv, ev)))
            return;
        if (fwrite(ev->tcp->data, 1, ev->tcp->len, cf->f[ev->dir]) != ev->tcp->len &&
            !sv->failed) {
            fprintf(stderr, "tlsdump: writing a stream: %s\n", strerror(errno));
            sv->failed = 1;
        }
    } else if (ev->tcp->kind == TCP_EV_CLOSE && cf) {
        for (int d = 0; d < 2; d++)
            if (cf->f[d] && fclose(cf->f[d]) != 0)
                sv->failed = 1;
        free(cf);
        *ev->slot = NULL;
    }
}

static int streams_close(struct view *v)
{
    struct streams_view *sv = (struct streams_view *)v;
    int ok = !sv->failed;
    free(sv->dir);
    free(sv);
    return ok;
}

struct view *streams_view_new(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    struct streams_view *sv;

    if (stat(dir, &st) != 0 && (errno != ENOENT || mkdir(dir, 0777) != 0)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return NULL;
    }
    if (!(sv = calloc(1, sizeof(*sv))) || !(sv->dir = strdup(dir))) {
        free(sv);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sv->v.event = streams_event;
    sv->v.close = streams_close;
    return &sv->v;
}
