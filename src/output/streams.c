/*
 * The streams views, one file per connection and direction:
 * --streams DIR, each connection's reassembled TCP bytes; gaps are left out
 * of the files (the text view reports them), so a lossless capture gives
 * exactly the bytes each side sent.
 * --extract DIR, each connection's application conversation: the
 * plaintext before TLS (a STARTTLS dialogue, a proxy request), then the
 * decrypted application data in record order (TLS 1.3 early data first,
 * as it was sent).
 *
 * The files hold what others sent, decrypted: they are created 0600 in a
 * directory of 0700 (when tlsdump makes it), relative to the directory's
 * descriptor, never through a symbolic link and never over a file that
 * is already there.  At most MAX_OPEN files are open at once, so any
 * number of connections can be written: the least recently written is
 * closed and opened again to append when its connection writes again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "views.h"

#define MAX_OPEN 64

struct conn_files {
    FILE *f[2];
    int created[2];   /* the file exists (made by this run): reopen to append */
    uint64_t used[2]; /* when it was last written (the view's clock) */
};

struct open_file {
    struct conn_files *cf;
    int dir;
};

struct streams_view {
    struct view v;
    char *dir;
    int dirfd;
    int plaintext; /* --extract rather than --streams */
    int failed;    /* a write failed: reported once */
    uint64_t clock;
    struct open_file open[MAX_OPEN];
    int nopen;
};

/* Says the first problem (name NULL: writing in general) and stops. */
static void fail(struct streams_view *sv, const char *what, const char *name)
{
    if (!sv->failed && name)
        fprintf(stderr, "tlsdump: %s/%s: %s\n", sv->dir, name, what);
    else if (!sv->failed)
        fprintf(stderr, "tlsdump: writing to %s: %s\n", sv->dir, what);
    sv->failed = 1;
}

/* Closes the file written least recently, to make room. */
static void close_oldest(struct streams_view *sv)
{
    int old = 0;
    for (int i = 1; i < sv->nopen; i++)
        if (sv->open[i].cf->used[sv->open[i].dir] < sv->open[old].cf->used[sv->open[old].dir])
            old = i;
    struct open_file *o = &sv->open[old];
    if (fclose(o->cf->f[o->dir]) != 0)
        fail(sv, strerror(errno), NULL);
    o->cf->f[o->dir] = NULL;
    *o = sv->open[--sv->nopen];
}

static void forget_open(struct streams_view *sv, const struct conn_files *cf)
{
    for (int i = 0; i < sv->nopen;)
        if (sv->open[i].cf == cf)
            sv->open[i] = sv->open[--sv->nopen];
        else
            i++;
}

/* A new file is created exclusively; a connection forgotten and resumed
 * (same id) goes on in the files it had, as does one whose file was
 * closed to make room. */
static FILE *open_stream(struct streams_view *sv, const struct vm_event *ev, struct conn_files *cf)
{
    char name[96];
    int append = cf->created[ev->dir] || ev->conn->reopened;
    snprintf(name, sizeof(name), "%s-%" PRIu64 "-%s.bin", sv->plaintext ? "conn" : "stream",
             ev->conn->id, ev->dir == DIR_C2S ? "client" : "server");
    if (sv->nopen == MAX_OPEN)
        close_oldest(sv);
    int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_CREAT | O_EXCL);
    int fd = openat(sv->dirfd, name, flags, 0600);
    if (fd < 0 && append && errno == ENOENT)
        fd = openat(sv->dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "ab") : NULL;
    if (!f) {
        fail(sv,
             errno == EEXIST ? "exists already: give a directory without earlier output"
                             : strerror(errno),
             name);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    cf->created[ev->dir] = 1;
    sv->open[sv->nopen++] = (struct open_file){cf, ev->dir};
    return f;
}

/* A piece this large (a full record is 16 KiB) goes to the file in one
 * write(2) from where it lies: through stdio's 4 KiB buffer it was copied
 * in part and written as 4 KiB and 12 KiB, twice the system calls and
 * more time in the kernel.  Smaller pieces are gathered by stdio. */
#define DIRECT 8192

static int flush_and_write(FILE *f, const uint8_t *p, size_t n)
{
    int fd = fileno(f);
    if (fflush(f) != 0)
        return 0;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            errno = w ? errno : EIO; /* a write of nothing: say something */
            return 0;
        }
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

static void write_bytes(struct streams_view *sv, const struct vm_event *ev, const uint8_t *p,
                        size_t n)
{
    struct conn_files *cf = *ev->slot;
    if (sv->failed)
        return;
    if (!cf && !(cf = *ev->slot = calloc(1, sizeof(*cf))))
        return;
    if (!cf->f[ev->dir] && !(cf->f[ev->dir] = open_stream(sv, ev, cf)))
        return;
    cf->used[ev->dir] = ++sv->clock;
    if (!(n >= DIRECT ? flush_and_write(cf->f[ev->dir], p, n)
                      : fwrite(p, 1, n, cf->f[ev->dir]) == n))
        fail(sv, strerror(errno), NULL);
}

static void streams_event(struct view *v, const struct vm_event *ev)
{
    struct streams_view *sv = (struct streams_view *)v;
    struct conn_files *cf = *ev->slot;
    const struct vm_record *r = ev->rec;

    if (ev->kind == VM_RECORD && sv->plaintext && r->protection == VM_OPENED &&
        r->plain.type == TLS_CT_APPLICATION_DATA)
        write_bytes(sv, ev, r->plain.p, r->plain.n);
    if (ev->kind == VM_PLAINTEXT && sv->plaintext)
        write_bytes(sv, ev, ev->bytes, ev->nbytes);
    if (ev->kind == VM_DATA && !sv->plaintext) {
        write_bytes(sv, ev, ev->bytes, ev->nbytes);
    } else if (ev->kind == VM_CLOSE && cf) {
        forget_open(sv, cf);
        for (int d = 0; d < 2; d++)
            if (cf->f[d] && fclose(cf->f[d]) != 0)
                fail(sv, strerror(errno), NULL);
        free(cf);
        *ev->slot = NULL;
    }
}

static int streams_close(struct view *v)
{
    struct streams_view *sv = (struct streams_view *)v;
    int ok = !sv->failed;
    close(sv->dirfd);
    free(sv->dir);
    free(sv);
    return ok;
}

/* The directory, made 0700 when it is not there; never a symbolic link. */
static int open_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        snprintf(err, errlen, "%s: %s", dir,
                 errno == ELOOP     ? "a symbolic link: name the directory it points to"
                 : errno == ENOTDIR ? "not a directory"
                                    : strerror(errno));
    return fd;
}

struct view *out_streams_new(const char *dir, int plaintext, char *err, size_t errlen)
{
    struct streams_view *sv;
    int fd = open_dir(dir, err, errlen);

    if (fd < 0)
        return NULL;
    if (!(sv = calloc(1, sizeof(*sv))) || !(sv->dir = strdup(dir))) {
        free(sv);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sv->dirfd = fd;
    sv->plaintext = plaintext;
    sv->v.event = streams_event;
    sv->v.close = streams_close;
    return &sv->v;
}
