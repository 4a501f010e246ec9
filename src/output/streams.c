/*
 * The streams views, one file per connection and direction:
 * --streams DIR, each connection's reassembled TCP bytes; gaps are left out
 * of the files (the text view reports them), so a lossless capture gives
 * exactly the bytes each side sent.
 * --extract DIR, each connection's application conversation: the
 * plaintext before TLS (a STARTTLS dialogue, a proxy request), then the
 * decrypted application data in record order (TLS 1.3 early data first,
 * as it was sent).
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
    int plaintext;  /* --extract rather than --streams */
    int failed;     /* a write failed: reported once */
};

struct conn_files {
    FILE *f[2];
};

static FILE *open_stream(struct streams_view *sv, const struct event *ev)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s-%" PRIu64 "-%s.bin", sv->dir,
             sv->plaintext ? "conn" : "stream", ev->conn->id,
             ev->dir == TCP_C2S ? "client" : "server");
    /* A connection forgotten and resumed goes on in the same files. */
    FILE *f = fopen(path, ev->conn->reopened ? "ab" : "wb");
    if (!f && !sv->failed) {
        fprintf(stderr, "tlsdump: %s: %s\n", path, strerror(errno));
        sv->failed = 1;
    }
    return f;
}

static void write_bytes(struct streams_view *sv, const struct event *ev, const uint8_t *p,
                        size_t n)
{
    struct conn_files *cf = *ev->slot;
    if (!cf && !(cf = *ev->slot = calloc(1, sizeof(*cf))))
        return;
    if (!cf->f[ev->dir] && !(cf->f[ev->dir] = open_stream(sv, ev)))
        return;
    if (fwrite(p, 1, n, cf->f[ev->dir]) != n && !sv->failed) {
        fprintf(stderr, "tlsdump: writing to %s: %s\n", sv->dir, strerror(errno));
        sv->failed = 1;
    }
}

static void streams_event(struct view *v, const struct event *ev)
{
    struct streams_view *sv = (struct streams_view *)v;
    struct conn_files *cf = *ev->slot;
    const struct tls_rec_info *ri = ev->rec;

    if (ev->kind == EV_RECORD && sv->plaintext && ri->encrypted && ri->open == TLS_OPEN_OK &&
        ri->plain.type == TLS_CT_APPLICATION_DATA)
        write_bytes(sv, ev, ri->plain.p, ri->plain.n);
    if (ev->kind == EV_PLAINTEXT && sv->plaintext)
        write_bytes(sv, ev, ev->bytes, ev->nbytes);
    if (ev->kind != EV_TCP)
        return;
    if (ev->tcp->kind == TCP_EV_DATA && !sv->plaintext) {
        write_bytes(sv, ev, ev->tcp->data, ev->tcp->len);
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

struct view *streams_view_new(const char *dir, int plaintext, char *err, size_t errlen)
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
    sv->plaintext = plaintext;
    sv->v.event = streams_event;
    sv->v.close = streams_close;
    return &sv->v;
}
