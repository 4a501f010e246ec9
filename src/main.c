/*
 * tlsdump: wiring and the main loop (the options: options.c).
 *
 *   capture (libpcap, link layers) -> tcp (IP, flows, reassembly)
 *     -> pipeline (TLS records, decryption) -> views (text, json, streams)
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "crypto.h"
#include "pipeline.h"
#include "progress.h"
#include "tcp.h"
#include "verify.h"
#include "views.h"
#include "workers.h"
#include "base/budget.h"
#include "base/direct.h"

#ifndef TLSDUMP_VERSION
#error "TLSDUMP_VERSION comes from the Makefile"
#endif

#include "keysetup.h"
#include "options.h"

static struct capture *running;               /* for the signal handler */
static atomic_int signalled;                  /* by a signal handler, on any thread */
static struct view *screen;                   /* --curses */
static const struct crypto_keys *status_keys; /* --curses counts them, a followed key log grows */

static void on_signal(int sig)
{
    (void)sig;
    signalled = 1;
    if (running)
        capture_break(running);
}

/* The reader of the output went away (`tlsdump ... | head`): stop
 * quietly, with status 0, as tcpdump does. */
static atomic_int output_closed;

static void on_sigpipe(int sig)
{
    output_closed = 1;
    on_signal(sig);
}

static int drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "tlsdump: -Z %s: no such user\n", user);
        return 0;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "tlsdump: -Z %s: cannot drop privileges: %s\n", user, strerror(errno));
        return 0;
    }
    return 1;
}

/* Where the packets go: one tcp stage, or the workers of --threads. */
struct sink {
    struct tcp_stage *tcp;
    struct workers *workers;
};

static void report(struct capture *cap, const struct sink *sink)
{
    struct capture_stats cs;
    struct tcp_stats ts;

    capture_get_stats(cap, &cs);
    if (sink->workers)
        workers_stats(sink->workers, &ts);
    else
        tcp_get_stats(sink->tcp, &ts);
    if (cs.live)
        fprintf(stderr,
                "%llu packets captured\n%llu packets received by filter\n"
                "%llu packets dropped by kernel\n",
                (unsigned long long)cs.frames, (unsigned long long)cs.kernel_received,
                (unsigned long long)cs.kernel_dropped);
    if (cs.snapped)
        fprintf(stderr,
                "tlsdump: %llu frames were cut by the snap length; what they lost is "
                "reported as gaps\n",
                (unsigned long long)cs.snapped);
    if (cs.overlong)
        fprintf(stderr,
                "tlsdump: %llu frames claimed more captured bytes than their length on the "
                "wire; their captured bytes were used\n",
                (unsigned long long)cs.overlong);
    if (cs.unsupported)
        fprintf(stderr,
                "tlsdump: %llu frames of link type %d (pcap's LINKTYPE_ numbers) were skipped: "
                "tlsdump does not decode it; the file's other interfaces were read\n",
                (unsigned long long)cs.unsupported, cs.unsupported_dlt);
    if (cs.malformed + ts.truncated + ts.malformed)
        fprintf(stderr, "tlsdump: %llu malformed or truncated packets were skipped\n",
                (unsigned long long)(cs.malformed + ts.truncated + ts.malformed));
    if (ts.evicted)
        fprintf(stderr, "tlsdump: %llu connections were evicted because the table was full\n",
                (unsigned long long)ts.evicted);
    if (ts.evicted_memory)
        fprintf(stderr,
                "tlsdump: %llu connections were forgotten to stay within --max-memory "
                "(%zu bytes; peak use %zu)\n",
                (unsigned long long)ts.evicted_memory, budget_limit(), budget_peak());
    if (ts.late)
        fprintf(stderr,
                "tlsdump: %llu packets came after their connection had ended "
                "(retransmissions, ACKs after a reset, keep-alives): counted, not shown\n",
                (unsigned long long)ts.late);
    if (ts.cap_gaps)
        fprintf(stderr, "tlsdump: the out-of-order buffer caps forced %llu gaps\n",
                (unsigned long long)ts.cap_gaps);
    if (ts.frag.dropped)
        fprintf(stderr,
                "tlsdump: %llu IP fragments were dropped (%llu datagrams evicted from "
                "the full fragment table, %llu timed out, %llu incomplete at the end, "
                "%llu fragments inconsistent); %llu datagrams were reassembled\n",
                (unsigned long long)ts.frag.dropped, (unsigned long long)ts.frag.evicted,
                (unsigned long long)ts.frag.expired, (unsigned long long)ts.frag.pending,
                (unsigned long long)ts.frag.bad, (unsigned long long)ts.frag.reassembled);
}

/* The progress line: for a file, when standard error is a terminal that
 * the output does not also write to, unless -q or --no-progress. */
static struct out_progress *progress_new(const struct options *o)
{
    if (o->cap.iface || o->no_progress || o->text.quiet || !isatty(STDERR_FILENO) ||
        isatty(STDOUT_FILENO))
        return NULL;
    return out_progress_new(stderr);
}

static void progress_draw(struct out_progress *prog, struct capture *cap, const struct sink *sink,
                          unsigned long long packets)
{
    struct out_progress_counts c = {.packets = packets};
    struct tcp_stats ts;

    if (!capture_position(cap, &c.bytes_done, &c.bytes_total))
        c.bytes_done = c.bytes_total = 0;
    if (sink->workers) {
        c.connections = workers_connections(sink->workers);
    } else {
        tcp_get_stats(sink->tcp, &ts);
        c.connections = ts.connections;
    }
    out_progress_draw(prog, &c);
}

/* A live capture's output waits in its buffer at most this long: it is
 * flushed when the capture goes idle, and under steady traffic every
 * LIVE_FLUSH_MS (the clock is read every LIVE_FLUSH_PACKETS packets). */
#define LIVE_FLUSH_MS 200
#define LIVE_FLUSH_PACKETS 64

static void live_flush(enum capture_status st, unsigned long long n, int64_t *flushed_ms)
{
    struct timespec ts;
    int64_t now;

    if (st == CAPTURE_PACKET && n % LIVE_FLUSH_PACKETS)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (st == CAPTURE_IDLE || now - *flushed_ms >= LIVE_FLUSH_MS) {
        fflush(stdout);
        *flushed_ms = now;
    }
}

/* What --curses shows in its status line. */
static const struct out_curses_counts *curses_counts(struct capture *cap, unsigned long long n)
{
    static struct out_curses_counts c;
    struct capture_stats cs;

    if (n != ~0ull)
        c.packets = n;
    if (status_keys) {
        size_t lines, bad;
        crypto_keys_stats(status_keys, &lines, &bad);
        c.secrets = lines - bad;
    }
    if (!capture_position(cap, &c.bytes_done, &c.bytes_total))
        c.bytes_done = c.bytes_total = 0;
    capture_get_stats(cap, &cs);
    c.drops = cs.kernel_dropped + cs.iface_dropped;
    return &c;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* --curses: the screen takes standard output. */
static int add_screen(struct pipeline *p, const struct options *o)
{
    char err[512];
    struct out_curses_opts co = {
        .source = o->cap.file ? base_name(o->cap.file) : o->cap.iface,
        .live = o->cap.iface != NULL,
        .memory = (size_t)(o->curses_mib ? o->curses_mib : 256) << 20,
        .save_dir = o->extract_dir,
        .text = &o->text,
    };
    if (!(screen = out_curses_new(&co, err, sizeof(err))) || !pipeline_add_view(p, screen)) {
        fprintf(stderr, "tlsdump: %s\n", screen ? "out of memory" : err);
        return 0;
    }
    return 1;
}

/* Reads until the end, a signal, or count packets (-c; 0: no limit).
 * prog may be NULL. */
static int run(struct capture *cap, const struct sink *sink, unsigned long long count,
               struct out_progress *prog, int live)
{
    struct cap_packet pkt;
    int64_t last = 0, flushed_ms = 0;
    enum capture_status st;
    unsigned long long n = 0;

    while ((!count || n < count) && (st = capture_next(cap, &pkt)) != CAPTURE_END) {
        if (st == CAPTURE_ERROR)
            break;
        if (st == CAPTURE_PACKET) {
            if (sink->workers)
                workers_feed(sink->workers, &pkt);
            else
                tcp_input(sink->tcp, &pkt);
            last = pkt.ts_us;
            n++;
        } else if (sink->workers) {
            workers_idle(sink->workers);
        }
        if (prog && out_progress_due(prog))
            progress_draw(prog, cap, sink, n);
        if (screen && (st == CAPTURE_IDLE || out_curses_due(screen)) &&
            out_curses_step(screen, curses_counts(cap, n)))
            capture_break(cap);
        if (live)
            live_flush(st, n, &flushed_ms);
    }
    if (screen)
        curses_counts(cap, n);
    if (count && n == count)
        st = CAPTURE_END;
    if (sink->workers)
        workers_finish(sink->workers, last);
    else
        tcp_finish(sink->tcp, last);
    return st == CAPTURE_ERROR ? EXIT_BAD : 0;
}

/* -w FILE: created now, as the user tlsdump runs as once capturing. */
static int add_pcap_view(struct pipeline *p, const char *path)
{
    char err[512];
    struct view *v = NULL;
    FILE *f = out_create(path, err, sizeof(err));

    if (f && !(v = out_pcap_new(f, path, err, sizeof(err))))
        fclose(f);
    if (!v) {
        fprintf(stderr, "tlsdump: -w %s\n", err);
        return 0;
    }
    pipeline_add_view(p, v);
    return 1;
}

/* The text, the JSON or --summary's lines, on out; with --threads, a
 * summary's lines are whole's part. */
static int add_main_view(struct pipeline *p, const struct options *o, FILE *out, struct view *whole)
{
    struct out_json_opts jo = {
        .data = o->text.data, .certs = o->certs, .order = o->tcp.shard_n > 0};
    struct view *v = o->json       ? out_json_new(out, &jo)
                     : !o->summary ? out_text_new(out, &o->text)
                     : whole       ? out_summary_part_new(out, whole)
                                   : out_summary_new(out);
    if (!v || !pipeline_add_view(p, v)) {
        fputs("tlsdump: out of memory\n", stderr);
        return 0;
    }
    return 1;
}

static int add_dir_views(struct pipeline *p, const struct options *o)
{
    char err[512];
    struct view *v;

    if (o->streams_dir) {
        if (!(v = out_streams_new(o->streams_dir, 0, err, sizeof(err)))) {
            fprintf(stderr, "tlsdump: --streams %s\n", err);
            return 0;
        }
        pipeline_add_view(p, v);
    }
    if (o->extract_dir) {
        if (!(v = out_streams_new(o->extract_dir, 1, err, sizeof(err)))) {
            fprintf(stderr, "tlsdump: --extract %s\n", err);
            return 0;
        }
        pipeline_add_view(p, v);
    }
    return 1;
}

/* Standard output's buffering.  Live onto a terminal: a line as soon as
 * it happens.  Otherwise big writes (a line at a time costs a system call
 * per line); live, run() flushes them often enough that a reader never
 * waits long. */
static void buffer_stdout(int live)
{
    static char big[1 << 20]; /* glibc takes a size only with a buffer */
    int tty = live && isatty(STDOUT_FILENO);
    if (tty)
        setvbuf(stdout, NULL, _IOLBF, 0);
    else
        setvbuf(stdout, big, _IOFBF, sizeof(big));
    base_direct_stdio(stdout); /* the dumps format into its buffer */
}

static int add_views(struct pipeline *p, const struct options *o, int live)
{
    if (o->curses) {
        if (!add_screen(p, o))
            return 0;
    } else if (buffer_stdout(live), !o->write_file || strcmp(o->write_file, "-") != 0) {
        if (!add_main_view(p, o, stdout, NULL))
            return 0;
    }
    if (o->write_file && !add_pcap_view(p, o->write_file))
        return 0;
    return add_dir_views(p, o);
}

/* --threads: one worker's views, on its own stream. */
struct worker_views {
    const struct options *o;
    struct view *whole; /* --summary's totals */
};

static int add_worker_views(struct pipeline *p, FILE *out, void *arg)
{
    const struct worker_views *wv = arg;
    return add_main_view(p, wv->o, out, wv->whole) && add_dir_views(p, wv->o);
}

/* --threads: the workers write through the merger to standard output;
 * --summary's totals are one view's, on the pipeline that is not fed. */
static struct view *summary_whole;

static int add_whole_view(struct pipeline *p, const struct options *o)
{
    buffer_stdout(o->cap.iface != NULL);
    if (!o->summary)
        return 1;
    if (!(summary_whole = out_summary_new(stdout)) || !pipeline_add_view(p, summary_whole)) {
        fputs("tlsdump: out of memory\n", stderr);
        return 0;
    }
    return 1;
}

/* Cores this process may run on (taskset, a container's CPU set). */
static int usable_cpus(void)
{
    cpu_set_t set;
    return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
}

static int make_sink(struct sink *sink, const struct options *o, struct pipeline *pipe,
                     struct crypto_keys *keys, struct an_analyzer *analyzer)
{
    static struct worker_views wv;
    char err[512];

    if (o->threads <= 1) {
        if (!(sink->tcp = tcp_new(&o->tcp, pipeline_tcp_event, pipe)))
            fputs("tlsdump: out of memory\n", stderr);
        return sink->tcp != NULL;
    }
    wv = (struct worker_views){o, summary_whole};
    struct workers_setup ws = {
        .n = o->threads,
        .tcp = &o->tcp,
        .keys = keys,
        .analyzer = analyzer,
        .out = stdout,
        /* per byte, --data-sha256 hashes the plaintext and -d, -x dump
         * it: the main thread keeps less of that work (bench/README,
         * threads) */
        .read_percent = o->data_sha256                ? 30
                        : o->text.data || o->text.hex ? 60
                                                      : 100,
        .add_views = add_worker_views,
        .arg = &wv,
    };
    if (!(sink->workers = workers_start(&ws, err, sizeof(err))))
        fprintf(stderr, "tlsdump: --threads: %s\n", err);
    return sink->workers != NULL;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct capture *cap = NULL;
    struct pipeline *pipe = NULL;
    struct sink sink = {0};
    struct crypto_keys *keys = NULL;
    struct an_analyzer *analyzer = NULL;
    struct x509_verifier *verifier = NULL;
    FILE *keys_out = NULL;
    char err[1024];
    int rc = options_parse(argc, argv, &o);

    if (rc >= 0)
        goto out;
    rc = EXIT_BAD;
    o.tcp.is_client_start = tls_looks_like_client_hello;
    /* On one core the threads would only take turns (and cost their
     * copies): one thread's output is the same. */
    if (o.threads > 1 && usable_cpus() < 2)
        o.threads = 1;
    if (!(cap = capture_open(&o.cap, err, sizeof(err)))) {
        fprintf(stderr, "tlsdump: %s\n", err);
        goto out;
    }
    /* Keys and CAs are read before privileges are dropped. */
    if (!keys_load(&o, cap, &keys))
        goto out;
    status_keys = keys;
    if (!(verifier = x509_verifier_new(o.ca_file, o.ca_path, err, sizeof(err)))) {
        fprintf(stderr, "tlsdump: %s\n", err);
        goto out;
    }
    if (o.user && !drop_privileges(o.user))
        goto out;
    if (!(analyzer = an_analyzer_new(verifier)) || !(pipe = pipeline_new(keys, analyzer)) ||
        !(o.threads > 1 ? add_whole_view(pipe, &o) : add_views(pipe, &o, o.cap.iface != NULL)))
        goto out;
    if (o.keys_out && !(keys_out = out_create(o.keys_out, err, sizeof(err)))) {
        fprintf(stderr, "tlsdump: --keys-out %s\n", err);
        goto out;
    }
    if (!make_sink(&sink, &o, pipe, keys, analyzer))
        goto out;
    running = cap;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct sigaction pipe_sa = {.sa_handler = on_sigpipe};
    sigaction(SIGPIPE, &pipe_sa, NULL);

    struct out_progress *prog = progress_new(&o);
    rc = run(cap, &sink, o.count, prog, o.cap.iface != NULL);
    out_progress_free(prog);
    if (screen) /* the terminal is back before anything more is said */
        out_curses_end(screen, curses_counts(cap, ~0ull), !signalled && !rc);
    if (rc)
        fprintf(stderr, "tlsdump: %s: %s\n", o.cap.file ? o.cap.file : o.cap.iface,
                capture_error(cap));
    if (!output_closed)
        report(cap, &sink);
out:
    tcp_free(sink.tcp);
    if (!workers_free(sink.workers) && !output_closed)
        rc = EXIT_BAD; /* a worker's view said why */
    if (keys_out && !keys_write_out(keys_out, o.keys_out, keys))
        rc = EXIT_BAD;
    /* A view that failed said why, but for standard output. */
    if (!pipeline_free(pipe) && !output_closed) {
        if (ferror(stdout))
            fprintf(stderr, "tlsdump: writing output: %s\n", strerror(errno));
        rc = EXIT_BAD;
    }
    running = NULL;
    an_analyzer_free(analyzer);
    x509_verifier_free(verifier);
    crypto_keys_free(keys);
    capture_free(cap);
    free(o.filter);
    return rc;
}
