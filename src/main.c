/*
 * tlsdump: options, wiring, and the main loop.
 *
 *   capture (libpcap, link layers) -> tcp (IP, flows, reassembly)
 *     -> pipeline (TLS records, decryption) -> views (text, json, streams)
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
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
#include "base/budget.h"

#ifndef TLSDUMP_VERSION
#error "TLSDUMP_VERSION comes from the Makefile"
#endif

#define EXIT_BAD 2
#define MAX_KEY_FILES 16

struct options {
    struct capture_opts cap;
    struct tcp_config tcp;
    struct out_text_opts text;
    const char *streams_dir;
    const char *extract_dir;
    const char *write_file;   /* -w: the decrypted conversation as a pcap */
    const char *keys_out;     /* --keys-out: the secrets used, as a key log */
    const char *filter_file;  /* -F */
    unsigned long long count; /* -c: stop after this many packets (0: never) */
    int list_ifaces;          /* -D */
    const char *keylogs[MAX_KEY_FILES], *rsa_keys[MAX_KEY_FILES];
    int nkeylogs, nrsa;
    const char *password;
    char password_buf[1024]; /* -p -: read from standard input */
    const char *ca_file, *ca_path;
    int json, summary;
    int no_progress;               /* --no-progress */
    int certs;                     /* --certs: certificates' DER in the JSON */
    const char *color;             /* --color: auto, always, never */
    int curses;                    /* -C */
    unsigned long long curses_mib; /* --curses-memory */
    const char *user;
    char *filter;
};

static struct capture *running; /* for the signal handler */
static volatile sig_atomic_t signalled;
static struct view *screen;                   /* --curses */
static const struct crypto_keys *status_keys; /* --curses counts them, a followed key log grows */

static void usage(FILE *out)
{
    fputs("usage: tlsdump [options] [-r FILE | -i IFACE] [BPF filter]\n"
          "Input:\n"
          "  -r, --read FILE       read a pcap or pcapng file ('-' for standard input)\n"
          "  -i, --interface IFACE capture live on IFACE ('any' for all)\n"
          "  -D, --list-interfaces list the interfaces -i can capture on\n"
          "  -c, --count N         stop after N packets\n"
          "  -F, --filter-file FILE  read the BPF filter from FILE\n"
          "  -P, --no-promiscuous-mode  live: leave the interface's mode alone\n"
          "  -s, --snaplen N       live: bytes to capture per frame (default 262144)\n"
          "  -B, --buffer-size KiB live: the kernel's capture buffer (default 8192)\n"
          "  -Z, --user USER       live: drop root privileges to USER once capturing\n"
          "  --fanout GROUP        live: share the interface's traffic by flow with the other\n"
          "                        tlsdump processes of this PACKET_FANOUT group (Linux)\n"
          "  --shard K/N           only the connections in shard K (1..N) of N, by flow hash:\n"
          "                        N processes divide a capture with no overlap\n"
          "  -t, --timeout SECONDS forget connections idle this long (default 100; 0: never)\n"
          "  -n, --numeric         do not resolve names (tlsdump never does)\n"
          "  --no-progress         no progress line on standard error (shown when reading a\n"
          "                        file, standard error is a terminal and the output is not)\n"
          "Keys:\n"
          "  -l, --keylog FILE     decrypt with this key log (SSLKEYLOGFILE format); repeatable\n"
          "                        (without -l: $SSLKEYLOGFILE; a pcapng file's own secrets\n"
          "                        always)\n"
          "  -k, --key FILE        decrypt TLS <= 1.2 RSA key exchange with this server key;\n"
          "                        repeatable\n"
          "  -p, --password PASSWORD  password of the -k keys; - reads it from standard input\n"
          "                        (or $TLSDUMP_KEY_PASSWORD): a -p argument is visible to ps\n"
          "  --ca-file FILE        verify certificates against these CAs (default: the system's)\n"
          "  --ca-path DIR         ... against this hashed directory of CAs\n"
          "Text output:\n"
          "  -e, --absolute-time   absolute timestamps (seconds since the epoch)\n"
          "  -T, --segments        print each TCP segment (-a, ssldump's, does the same)\n"
          "  -A, --all             print all fields: record versions and lengths, randoms,\n"
          "                        session IDs\n"
          "  -d, --data            print decrypted application data\n"
          "  -x, --hex             print each record's bytes (decrypted: its plaintext) in hex\n"
          "  -X, --no-ascii        leave the ASCII column out of -d's and -x's hex dumps\n"
          "  -N, --cert-text       print certificates in full\n"
          "  -q, --quiet           one line per record\n"
          "  --color[=WHEN]        colour directions, failures and data: auto (the default:\n"
          "                        when standard output is a terminal and NO_COLOR is unset),\n"
          "                        always, never\n"
          "Other outputs:\n"
          "  -C, --curses          browse the connections on the terminal, as they come\n"
          "  --curses-memory MiB   detail (timelines, plaintext) --curses keeps (default 256)\n"
          "  -j, --json            JSON Lines: an object per event, a summary per connection\n"
          "                        (with -d: the decrypted data too)\n"
          "  --certs               -j: each certificate's DER, base64\n"
          "  --summary             a line per connection (verdict or diagnosis, JA4), then totals\n"
          "  -w, --write FILE      write the decrypted conversation as a pcap ('-': standard\n"
          "                        output, instead of the text)\n"
          "  --keys-out FILE       write the secrets used as a key log (SSLKEYLOGFILE format)\n"
          "  --streams DIR         write each connection's reassembled bytes to DIR\n"
          "  --extract DIR         write each connection's decrypted application data to DIR\n"
          "Limits:\n"
          "  --max-conns N         connections tracked at once (default 100000)\n"
          "  --max-buffer N        out-of-order bytes buffered per connection (default 1 MiB)\n"
          "  --max-buffer-total N  and in all (default 64 MiB)\n"
          "  --max-memory N        bytes for all buffers and connection state (default\n"
          "                        256 MiB, 0: no limit); past it the connections idle\n"
          "                        longest are forgotten\n"
          "ssldump's options, accepted: -a (as -T), -H (the default), -S and -y (say what\n"
          "tlsdump does instead)\n"
          "  -v, --version         print the version\n"
          "  -h, --help            print this help\n",
          out);
}

static int parse_number(const char *arg, const char *what, unsigned long long max,
                        unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v > max) {
        fprintf(stderr, "tlsdump: %s: '%s' is not a number from 0 to %llu\n", what, arg, max);
        return 0;
    }
    *out = v;
    return 1;
}

/* Joins the arguments after the options into one filter expression. */
static char *join_filter(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *f = calloc(1, len);
    if (!f)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(f, " ");
        strcat(f, argv[i]);
    }
    return f;
}

enum {
    OPT_STREAMS = 256,
    OPT_KEYS_OUT,
    OPT_EXTRACT,
    OPT_MAX_CONNS,
    OPT_MAX_BUFFER,
    OPT_MAX_BUFFER_TOTAL,
    OPT_MAX_MEMORY,
    OPT_SUMMARY,
    OPT_CA_FILE,
    OPT_CA_PATH,
    OPT_NO_PROGRESS,
    OPT_SHARD,
    OPT_FANOUT,
    OPT_CERTS,
    OPT_COLOR,
    OPT_CURSES_MEMORY,
};

/* tcpdump's long names where it has one (--count, --list-interfaces,
 * --buffer-size, --snapshot-length, --relinquish-privileges, ...), and
 * the names a user would guess. */
static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"json", no_argument, NULL, 'j'},
    {"version", no_argument, NULL, 'v'},
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"list-interfaces", no_argument, NULL, 'D'},
    {"count", required_argument, NULL, 'c'},
    {"filter-file", required_argument, NULL, 'F'},
    {"no-promiscuous-mode", no_argument, NULL, 'P'},
    {"snaplen", required_argument, NULL, 's'},
    {"snapshot-length", required_argument, NULL, 's'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"user", required_argument, NULL, 'Z'},
    {"relinquish-privileges", required_argument, NULL, 'Z'},
    {"timeout", required_argument, NULL, 't'},
    {"numeric", no_argument, NULL, 'n'},
    {"keylog", required_argument, NULL, 'l'},
    {"key", required_argument, NULL, 'k'},
    {"password", required_argument, NULL, 'p'},
    {"absolute-time", no_argument, NULL, 'e'},
    {"segments", no_argument, NULL, 'T'},
    {"all", no_argument, NULL, 'A'},
    {"data", no_argument, NULL, 'd'},
    {"hex", no_argument, NULL, 'x'},
    {"no-ascii", no_argument, NULL, 'X'},
    {"cert-text", no_argument, NULL, 'N'},
    {"certs-text", no_argument, NULL, 'N'},
    {"quiet", no_argument, NULL, 'q'},
    {"write", required_argument, NULL, 'w'},
    {"keys-out", required_argument, NULL, OPT_KEYS_OUT},
    {"streams", required_argument, NULL, OPT_STREAMS},
    {"extract", required_argument, NULL, OPT_EXTRACT},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"max-buffer", required_argument, NULL, OPT_MAX_BUFFER},
    {"max-buffer-total", required_argument, NULL, OPT_MAX_BUFFER_TOTAL},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"ca-path", required_argument, NULL, OPT_CA_PATH},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"fanout", required_argument, NULL, OPT_FANOUT},
    {"certs", no_argument, NULL, OPT_CERTS},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"colour", optional_argument, NULL, OPT_COLOR},
    {"curses", no_argument, NULL, 'C'},
    {"curses-memory", required_argument, NULL, OPT_CURSES_MEMORY},
    {NULL, 0, NULL, 0},
};

/* The key password from -p, -p - (a line of standard input), or
 * TLSDUMP_KEY_PASSWORD: an argument is visible to every user in ps. */
static int password_fits(struct options *o)
{
    if (!o->password) {
        o->password = getenv("TLSDUMP_KEY_PASSWORD");
        return 1;
    }
    if (strcmp(o->password, "-") != 0)
        return 1;
    if (o->cap.file && !strcmp(o->cap.file, "-")) {
        fputs("tlsdump: -p - and -r - both read standard input: give the password in "
              "TLSDUMP_KEY_PASSWORD\n",
              stderr);
        return 0;
    }
    if (!fgets(o->password_buf, sizeof(o->password_buf), stdin)) {
        fputs("tlsdump: -p -: no password on standard input\n", stderr);
        return 0;
    }
    o->password_buf[strcspn(o->password_buf, "\r\n")] = 0;
    o->password = o->password_buf;
    return 1;
}

/* ssldump's -S: its print styles, each said as what tlsdump does. */
static int ssldump_style(const char *arg)
{
    static const struct {
        const char *name, *tlsdump;
    } styles[] = {
        {"crypto", "-A prints the randoms and session IDs; -l or -k decrypts"},
        {"d", "handshake fields are always decoded; -A adds the record layer's"},
        {"ht", "handshake types are always printed; -q prints a line per record"},
        {"H", "handshake types and their fields are always printed"},
        {"nroff", "tlsdump writes plain text, or JSON Lines with -j"},
    };
    for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
        if (strcmp(arg, styles[i].name) == 0) {
            fprintf(stderr, "tlsdump: -S %s (ssldump's): %s; going on\n", arg, styles[i].tlsdump);
            return 1;
        }
    }
    fprintf(stderr, "tlsdump: -S %s: ssldump's styles are crypto, d, ht, H and nroff\n", arg);
    return 0;
}

/* -d -x -X -T -A -N -q shape the text view: with -j, --summary or -w -
 * there is none, which is said rather than ignored. */
static int text_only_options_fit(const struct options *o)
{
    const struct out_text_opts *t = &o->text;
    int pcap_stdout = o->write_file && !strcmp(o->write_file, "-");
    const char *opt = t->data && !o->json ? "-d"
                      : t->hex            ? "-x"
                      : t->no_ascii       ? "-X"
                      : t->segments       ? "-T"
                      : t->all_fields     ? "-A"
                      : t->cert_text      ? "-N"
                      : t->quiet          ? "-q"
                                          : NULL;
    if (pcap_stdout && (o->json || o->summary)) {
        fprintf(stderr, "tlsdump: -w - and %s both write standard output: give -w a file\n",
                o->json ? "-j" : "--summary");
        return 0;
    }
    if (!opt || (!o->json && !o->summary && !pcap_stdout))
        return 1;
    fprintf(stderr, "tlsdump: %s is for the text view, not %s: leave it out\n", opt,
            o->json      ? "-j"
            : o->summary ? "--summary"
                         : "-w -");
    return 0;
}

/* -F FILE: the filter expression, its lines joined; '#' starts a comment
 * to the end of its line, as tcpdump allows. */
static char *read_filter_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    int ch, comment = 0;

    if (!f) {
        fprintf(stderr, "tlsdump: -F %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (!(text = calloc(1, 1 << 20)))
        fputs("tlsdump: out of memory\n", stderr);
    while (text && (ch = fgetc(f)) != EOF) {
        comment = ch == '#' || (comment && ch != '\n');
        if (len == (1 << 20) - 1) {
            fprintf(stderr, "tlsdump: -F %s: longer than 1 MiB\n", path);
            free(text);
            text = NULL;
        } else if (!comment) {
            text[len++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : (char)ch;
        }
    }
    fclose(f);
    return text;
}

/* The filter: after the options, or from -F; not both. */
static int take_filter(struct options *o, int argc, char **argv)
{
    if (o->filter_file && argc > 0) {
        fputs("tlsdump: give the filter after the options or with -F, not both\n", stderr);
        return 0;
    }
    if (o->filter_file)
        o->filter = read_filter_file(o->filter_file);
    else if (argc > 0 && !(o->filter = join_filter(argc, argv)))
        fputs("tlsdump: out of memory\n", stderr);
    o->cap.filter = o->filter;
    return o->filter || (!o->filter_file && argc == 0);
}

/* --color: auto (a terminal, and NO_COLOR unset or empty, as
 * no-color.org asks), always or never. */
static int color_fits(struct options *o)
{
    const char *c = o->color ? o->color : "auto", *no = getenv("NO_COLOR");
    if (strcmp(c, "auto") && strcmp(c, "always") && strcmp(c, "never")) {
        fprintf(stderr, "tlsdump: --color=%s: give auto, always or never\n", c);
        return 0;
    }
    o->text.color =
        !strcmp(c, "always") || (!strcmp(c, "auto") && isatty(STDOUT_FILENO) && !(no && no[0]));
    return 1;
}

/* Options about what is written and where. */
static int outputs_fit(struct options *o)
{
    if (o->json + o->summary + o->curses > 1) {
        fputs("tlsdump: -j, --summary and --curses are three outputs: choose one\n", stderr);
        return 0;
    }
    if (o->curses && o->write_file && !strcmp(o->write_file, "-")) {
        fputs("tlsdump: -w - and --curses both use standard output: give -w a file\n", stderr);
        return 0;
    }
    if (o->curses && !isatty(STDOUT_FILENO)) {
        fputs("tlsdump: --curses needs a terminal on standard output\n", stderr);
        return 0;
    }
    if (o->keys_out && !strcmp(o->keys_out, "-")) {
        fputs("tlsdump: --keys-out -: standard output is for the text; name a file\n", stderr);
        return 0;
    }
    if (o->cap.fanout && !o->cap.iface) {
        fputs("tlsdump: --fanout shares a live interface's packets: give -i IFACE\n", stderr);
        return 0;
    }
    if (o->certs && !o->json) {
        fputs("tlsdump: --certs is for -j (the text view prints certificates in full with -N)\n",
              stderr);
        return 0;
    }
    if (!color_fits(o))
        return 0;
    if (o->text.no_ascii && !o->text.data && !o->text.hex)
        fputs("tlsdump: -X leaves the ASCII column out of -d's and -x's dumps: alone it "
              "changes nothing\n",
              stderr);
    return text_only_options_fit(o);
}

/* One option that takes a number; returns 0 (said why) when it is bad. */
static int number_option(struct options *o, int c, const char *arg)
{
    unsigned long long n;
    switch (c) {
    case 's':
        if (!parse_number(arg, "-s", 262144, &n))
            return 0;
        o->cap.snaplen = (int)n;
        return 1;
    case 'B':
        if (!parse_number(arg, "-B", (1u << 21) - 1, &n)) /* its bytes fit an int */
            return 0;
        o->cap.buffer_kib = (unsigned)n;
        return 1;
    case 'c':
        return parse_number(arg, "-c", ~0ull, &o->count);
    case 't':
        if (!parse_number(arg, "-t", 86400 * 365, &n))
            return 0;
        o->tcp.idle_timeout_s = (unsigned)n;
        return 1;
    case OPT_MAX_CONNS:
        if (!parse_number(arg, "--max-conns", 1u << 24, &n))
            return 0;
        if (n == 0) {
            fputs("tlsdump: --max-conns: at least 1\n", stderr);
            return 0;
        }
        o->tcp.max_conns = (unsigned)n;
        return 1;
    case OPT_MAX_BUFFER:
        if (!parse_number(arg, "--max-buffer", 1ull << 32, &n))
            return 0;
        o->tcp.max_ooo_conn = (size_t)n;
        return 1;
    case OPT_MAX_BUFFER_TOTAL:
        if (!parse_number(arg, "--max-buffer-total", 1ull << 40, &n))
            return 0;
        o->tcp.max_ooo_total = (size_t)n;
        return 1;
    case OPT_CURSES_MEMORY:
        if (!parse_number(arg, "--curses-memory", 1ull << 24, &n))
            return 0;
        o->curses_mib = n;
        return 1;
    case OPT_MAX_MEMORY: /* 0: no budget */
        if (!parse_number(arg, "--max-memory", 1ull << 44, &n))
            return 0;
        budget_set_limit((size_t)n);
        return 1;
    }
    return 0;
}

/* --shard K/N, K from 1 (as split -n K/N) so that a scheduler's task
 * numbers can be passed as they are. */
static int shard_option(struct options *o, const char *arg)
{
    unsigned k, n;
    int end = 0;
    if (sscanf(arg, "%u/%u%n", &k, &n, &end) != 2 || arg[end] || arg[0] == '-' || n < 1 ||
        n > 65536 || k < 1 || k > n) {
        fprintf(stderr, "tlsdump: --shard: '%s' is not K/N with 1 <= K <= N <= 65536\n", arg);
        return 0;
    }
    o->tcp.shard_k = k - 1;
    o->tcp.shard_n = n;
    return 1;
}

/* -d -x -X -T -A -N -q -e and ssldump's -a -H -y: returns 0 for another. */
static int view_option(struct options *o, int c)
{
    switch (c) {
    case 'e':
        o->text.absolute_time = 1;
        return 1;
    case 'a': /* ssldump: bare ACKs, which -T prints with every segment */
    case 'T':
        o->text.segments = o->tcp.segments = 1;
        return 1;
    case 'A':
        o->text.all_fields = 1;
        return 1;
    case 'x':
        o->text.hex = 1;
        return 1;
    case 'X':
        o->text.no_ascii = 1;
        return 1;
    case 'd':
        o->text.data = 1;
        return 1;
    case 'N':
        o->text.cert_text = 1;
        return 1;
    case 'q':
        o->text.quiet = 1;
        return 1;
    case 'j':
        o->json = 1;
        return 1;
    case 'C':
        o->curses = 1;
        return 1;
    case 'n': /* tlsdump never resolves names */
    case 'H':
        return 1; /* ssldump: the full handshake, which tlsdump always prints */
    case 'y':
        fputs("tlsdump: -y (ssldump's nroff output): tlsdump writes plain text, or JSON Lines "
              "with -j; going on\n",
              stderr);
        return 1;
    }
    return 0;
}

static int add_key_file(struct options *o, int c, const char *arg)
{
    if ((c == 'l' ? o->nkeylogs : o->nrsa) == MAX_KEY_FILES) {
        fprintf(stderr, "tlsdump: at most %d -%c files\n", MAX_KEY_FILES, c);
        return 0;
    }
    if (c == 'l')
        o->keylogs[o->nkeylogs++] = arg;
    else
        o->rsa_keys[o->nrsa++] = arg;
    return 1;
}

static int bad_option(int c, char **argv)
{
    if (c == ':')
        fprintf(stderr, "tlsdump: %s needs an argument (see --help)\n", argv[optind - 1]);
    else if (optopt)
        fprintf(stderr, "tlsdump: unknown option -%c (see --help)\n", optopt);
    else
        fprintf(stderr, "tlsdump: unknown option %s (see --help)\n", argv[optind - 1]);
    return EXIT_BAD;
}

/* One option; returns -1 to go on, else the exit status. */
static int option(struct options *o, int c, char **argv)
{
    if (view_option(o, c))
        return -1;
    switch (c) {
    case 'r':
    case 'i':
        if (o->cap.file || o->cap.iface) {
            fputs("tlsdump: give one source: -r FILE or -i IFACE (to read several files, "
                  "merge them with mergecap)\n",
                  stderr);
            return EXIT_BAD;
        }
        *(c == 'r' ? &o->cap.file : &o->cap.iface) = optarg;
        return -1;
    case 's':
    case 'B':
    case 'c':
    case 't':
    case OPT_MAX_CONNS:
    case OPT_MAX_BUFFER:
    case OPT_MAX_BUFFER_TOTAL:
    case OPT_CURSES_MEMORY:
    case OPT_MAX_MEMORY:
        return number_option(o, c, optarg) ? -1 : EXIT_BAD;
    case 'l':
    case 'k':
        return add_key_file(o, c, optarg) ? -1 : EXIT_BAD;
    case 'S':
        return ssldump_style(optarg) ? -1 : EXIT_BAD;
    case 'P':
        o->cap.promisc = 0;
        return -1;
    case 'Z':
        o->user = optarg;
        return -1;
    case 'p':
        o->password = optarg;
        return -1;
    case 'D':
        o->list_ifaces = 1;
        return -1;
    case 'F':
        o->filter_file = optarg;
        return -1;
    case 'w':
        o->write_file = optarg;
        return -1;
    case OPT_KEYS_OUT:
        o->keys_out = optarg;
        return -1;
    case OPT_SUMMARY:
        o->summary = 1;
        return -1;
    case OPT_NO_PROGRESS:
        o->no_progress = 1;
        return -1;
    case OPT_SHARD:
        return shard_option(o, optarg) ? -1 : EXIT_BAD;
    case OPT_FANOUT: {
        unsigned long long g;
        if (!parse_number(optarg, "--fanout", 65535, &g))
            return EXIT_BAD;
        o->cap.fanout = 1;
        o->cap.fanout_group = (uint16_t)g;
        return -1;
    }
    case OPT_CERTS:
        o->certs = 1;
        return -1;
    case OPT_COLOR:
        o->color = optarg ? optarg : "always";
        return -1;
    case OPT_CA_FILE:
        o->ca_file = optarg;
        return -1;
    case OPT_CA_PATH:
        o->ca_path = optarg;
        return -1;
    case OPT_STREAMS:
        o->streams_dir = optarg;
        return -1;
    case OPT_EXTRACT:
        o->extract_dir = optarg;
        return -1;
    case 'v':
        /* As tcpdump: the libraries in use, with their versions. */
        printf("tlsdump version %s\n%s\n%s\n%s\n", TLSDUMP_VERSION, capture_lib_version(),
               crypto_lib_version(), out_curses_lib_version());
        return 0;
    case 'h':
        usage(stdout);
        return 0;
    }
    return bad_option(c, argv);
}

/* -D: the interfaces, and nothing else. */
static int list_interfaces(void)
{
    char err[512];
    if (capture_list_interfaces(stdout, err, sizeof(err)))
        return 0;
    fprintf(stderr, "tlsdump: -D: %s\n", err);
    return EXIT_BAD;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int c, rc;

    tcp_config_defaults(&o->tcp);
    o->cap.promisc = 1;
    opterr = 0; /* its messages are ours, one line each */
    while ((c = getopt_long(argc, argv, ":r:i:Ps:Z:t:neTAxXNqjCdl:k:p:vhc:DB:F:w:aHS:y", long_opts,
                            NULL)) != -1)
        if ((rc = option(o, c, argv)) >= 0)
            return rc;
    if (o->list_ifaces)
        return list_interfaces();
    if (!outputs_fit(o) || !password_fits(o))
        return EXIT_BAD;
    if (!o->cap.file == !o->cap.iface) {
        fputs("tlsdump: give one source: -r FILE or -i IFACE (see --help)\n", stderr);
        return EXIT_BAD;
    }
    return take_filter(o, argc - optind, argv + optind) ? -1 : EXIT_BAD;
}

static void on_signal(int sig)
{
    (void)sig;
    signalled = 1;
    if (running)
        capture_break(running);
}

/* The reader of the output went away (`tlsdump ... | head`): stop
 * quietly, with status 0, as tcpdump does. */
static volatile sig_atomic_t output_closed;

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

static void report(struct capture *cap, struct tcp_stage *tcp)
{
    struct capture_stats cs;
    struct tcp_stats ts;

    capture_get_stats(cap, &cs);
    tcp_get_stats(tcp, &ts);
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

static void progress_draw(struct out_progress *prog, struct capture *cap, struct tcp_stage *tcp,
                          unsigned long long packets)
{
    struct out_progress_counts c = {.packets = packets};
    struct tcp_stats ts;

    if (!capture_position(cap, &c.bytes_done, &c.bytes_total))
        c.bytes_done = c.bytes_total = 0;
    tcp_get_stats(tcp, &ts);
    c.connections = ts.connections;
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
static int run(struct capture *cap, struct tcp_stage *tcp, unsigned long long count,
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
            tcp_input(tcp, &pkt);
            last = pkt.ts_us;
            n++;
        }
        if (prog && out_progress_due(prog))
            progress_draw(prog, cap, tcp, n);
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
    tcp_finish(tcp, last);
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

static int add_views(struct pipeline *p, const struct options *o, int live)
{
    char err[512];
    struct view *v;

    /* Live onto a terminal: a line as soon as it happens.  Otherwise big
     * writes (a line at a time costs a system call per line); live, run()
     * flushes them often enough that a reader never waits long. */
    int tty = live && isatty(STDOUT_FILENO);
    if (o->curses) {
        if (!add_screen(p, o))
            return 0;
    } else if (setvbuf(stdout, NULL, tty ? _IOLBF : _IOFBF, tty ? 0 : 1 << 20),
               !o->write_file || strcmp(o->write_file, "-") != 0) {
        struct out_json_opts jo = {.data = o->text.data, .certs = o->certs};
        v = o->json      ? out_json_new(stdout, &jo)
            : o->summary ? out_summary_new(stdout)
                         : out_text_new(stdout, &o->text);
        if (!v || !pipeline_add_view(p, v)) {
            fputs("tlsdump: out of memory\n", stderr);
            return 0;
        }
    }
    if (o->write_file && !add_pcap_view(p, o->write_file))
        return 0;
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

/* A key log named by -l or SSLKEYLOGFILE.  Live, it may not exist yet: the
 * client creates it when it starts, and it is read once it appears. */
static int add_keylog(struct crypto_keys *keys, const char *path, int live, char *err,
                      size_t errlen, int *waiting)
{
    *waiting = 0;
    return live ? crypto_keys_follow_keylog(keys, path, waiting, err, errlen)
                : crypto_keys_add_keylog(keys, path, err, errlen);
}

static int add_options_keys(const struct options *o, struct crypto_keys *keys)
{
    char err[512];
    int waiting;

    for (int i = 0; i < o->nkeylogs; i++) {
        if (!add_keylog(keys, o->keylogs[i], o->cap.iface != NULL, err, sizeof(err), &waiting)) {
            fprintf(stderr, "tlsdump: -l: %s\n", err);
            return 0;
        }
        if (waiting)
            fprintf(stderr, "tlsdump: -l: %s does not exist yet; it is read once it appears\n",
                    o->keylogs[i]);
        if (budget_over()) { /* nothing could be kept for the connections */
            fprintf(stderr,
                    "tlsdump: -l: %s: the key log takes %zu bytes, more than --max-memory\n",
                    o->keylogs[i], budget_used());
            return 0;
        }
    }
    for (int i = 0; i < o->nrsa; i++) {
        if (!crypto_keys_add_rsa(keys, o->rsa_keys[i], o->password, err, sizeof(err))) {
            fprintf(stderr, "tlsdump: -k: %s\n", err);
            return 0;
        }
    }
    return 1;
}

/* One line on what the capture file's Decryption Secrets Blocks gave
 * (n secrets from its TLS key log), one more if the walk stopped early;
 * a truncated file is libpcap's to report. */
static void report_file_secrets(const struct cap_secrets *s, size_t n)
{
    static const char skipped[] = "Decryption Secrets Blocks of other types skipped";
    enum cap_scan_end e = s->end;

    if (s->tls_blocks) {
        fprintf(stderr, "tlsdump: %zu secrets from the capture file's Decryption Secrets Blocks",
                n);
        if (s->other_blocks)
            fprintf(stderr, " (%u %s)", s->other_blocks, skipped);
        fputc('\n', stderr);
    } else if (s->other_blocks) {
        fprintf(stderr, "tlsdump: %u %s: tlsdump reads TLS key logs\n", s->other_blocks, skipped);
    }
    if (e == CAP_SCAN_MALFORMED || e == CAP_SCAN_OVER_CAP || e == CAP_SCAN_MANY_BLOCKS ||
        e == CAP_SCAN_NO_MEMORY)
        fprintf(stderr,
                "tlsdump: Decryption Secrets Blocks not read from file offset %llu on: %s\n",
                (unsigned long long)s->at,
                e == CAP_SCAN_MALFORMED   ? s->why
                : e == CAP_SCAN_OVER_CAP  ? "more than 64 MiB of secrets"
                : e == CAP_SCAN_NO_MEMORY ? "out of memory"
                                          : "too many blocks");
}

/* The TLS key log a pcapng file carries; keys may be NULL when there is
 * nothing to add it to. */
static void add_file_secrets(struct crypto_keys *keys, struct capture *cap)
{
    const struct cap_secrets *s = capture_secrets(cap);
    size_t n = 0;

    if (keys && s->len)
        n = crypto_keys_add_keylog_text(keys, s->text, s->len);
    report_file_secrets(s, n);
    capture_forget_secrets(cap);
}

/* SSLKEYLOGFILE, when no -l is given: a file that cannot be read is said
 * and gone on without. */
static void add_env_keylog(struct crypto_keys *keys, const char *path, int live)
{
    char err[512];
    int waiting;

    if (!add_keylog(keys, path, live, err, sizeof(err), &waiting))
        fprintf(stderr, "tlsdump: SSLKEYLOGFILE: %s; going on without it\n", err);
    else
        fprintf(stderr, "tlsdump: key log from SSLKEYLOGFILE: %s%s\n", path,
                waiting ? " (it does not exist yet; it is read once it appears)" : "");
}

/* The keys, from every source in the order they are tried: -l and -k, the
 * capture file's own secrets, SSLKEYLOGFILE when no -l is given.  Returns
 * 0 (said why) when one is bad; sets *keys NULL when there are none. */
static int load_keys(const struct options *o, struct capture *cap, struct crypto_keys **keys)
{
    const char *env = o->nkeylogs ? NULL : getenv("SSLKEYLOGFILE");
    size_t lines, bad;

    if (env && !*env)
        env = NULL;
    *keys = NULL;
    if (o->nkeylogs || o->nrsa || capture_secrets(cap)->tls_blocks || env) {
        if (!(*keys = crypto_keys_new())) {
            fputs("tlsdump: out of memory\n", stderr);
            return 0;
        }
        if (!add_options_keys(o, *keys))
            return 0;
        add_file_secrets(*keys, cap);
        if (env)
            add_env_keylog(*keys, env, o->cap.iface != NULL);
        crypto_keys_stats(*keys, &lines, &bad);
        if (bad)
            fprintf(stderr, "tlsdump: key log: %zu of %zu lines not understood (ignored)\n", bad,
                    lines);
    } else {
        add_file_secrets(NULL, cap); /* no TLS secrets: says what was skipped */
    }
    if (*keys && crypto_keys_empty(*keys)) {
        crypto_keys_free(*keys);
        *keys = NULL;
    }
    if (!*keys && o->text.data)
        fputs("tlsdump: -d: no keys to decrypt with (see KEYS in the man page): only "
              "plaintext can be shown\n",
              stderr);
    if (!*keys && (o->extract_dir || o->keys_out)) {
        fprintf(stderr,
                "tlsdump: %s needs keys: give -l KEYLOG or -k KEY, or a capture that "
                "carries its secrets\n",
                o->extract_dir ? "--extract" : "--keys-out");
        return 0;
    }
    if (*keys)
        crypto_keys_digest_app_data(*keys, o->json);
    return 1;
}

static void put_key_line(void *arg, const char *line)
{
    fprintf(arg, "%s\n", line);
}

/* --keys-out: the secrets the connections were decrypted with, written
 * when the input ends (a live capture: when it stops). */
static int write_keys_out(FILE *f, const char *path, const struct crypto_keys *keys)
{
    fputs("# tlsdump --keys-out: the secrets used to decrypt (NSS key log format)\n", f);
    crypto_keys_each_used(keys, put_key_line, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "tlsdump: --keys-out %s: %s\n", path, strerror(errno));
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct capture *cap = NULL;
    struct pipeline *pipe = NULL;
    struct tcp_stage *tcp = NULL;
    struct crypto_keys *keys = NULL;
    struct an_analyzer *analyzer = NULL;
    struct x509_verifier *verifier = NULL;
    FILE *keys_out = NULL;
    char err[1024];
    int rc = parse_options(argc, argv, &o);

    if (rc >= 0)
        goto out;
    rc = EXIT_BAD;
    o.tcp.is_client_start = tls_looks_like_client_hello;
    if (!(cap = capture_open(&o.cap, err, sizeof(err)))) {
        fprintf(stderr, "tlsdump: %s\n", err);
        goto out;
    }
    /* Keys and CAs are read before privileges are dropped. */
    if (!load_keys(&o, cap, &keys))
        goto out;
    status_keys = keys;
    if (!(verifier = x509_verifier_new(o.ca_file, o.ca_path, err, sizeof(err)))) {
        fprintf(stderr, "tlsdump: %s\n", err);
        goto out;
    }
    if (o.user && !drop_privileges(o.user))
        goto out;
    if (!(analyzer = an_analyzer_new(verifier)) || !(pipe = pipeline_new(keys, analyzer)) ||
        !add_views(pipe, &o, o.cap.iface != NULL))
        goto out;
    if (o.keys_out && !(keys_out = out_create(o.keys_out, err, sizeof(err)))) {
        fprintf(stderr, "tlsdump: --keys-out %s\n", err);
        goto out;
    }
    if (!(tcp = tcp_new(&o.tcp, pipeline_tcp_event, pipe))) {
        fputs("tlsdump: out of memory\n", stderr);
        goto out;
    }
    running = cap;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct sigaction pipe_sa = {.sa_handler = on_sigpipe};
    sigaction(SIGPIPE, &pipe_sa, NULL);

    struct out_progress *prog = progress_new(&o);
    rc = run(cap, tcp, o.count, prog, o.cap.iface != NULL);
    out_progress_free(prog);
    if (screen) /* the terminal is back before anything more is said */
        out_curses_end(screen, curses_counts(cap, ~0ull), !signalled && !rc);
    if (rc)
        fprintf(stderr, "tlsdump: %s: %s\n", o.cap.file ? o.cap.file : o.cap.iface,
                capture_error(cap));
    if (!output_closed)
        report(cap, tcp);
out:
    tcp_free(tcp);
    if (keys_out && !write_keys_out(keys_out, o.keys_out, keys))
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
