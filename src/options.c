/*
 * The command line: tlsdump's options, ssldump's and tcpdump's letters
 * where they mean the same, long forms for all, and the combinations that
 * make no sense refused in one line each.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/budget.h"
#include "crypto.h"
#include "options.h"

#ifndef TLSDUMP_VERSION
#error "TLSDUMP_VERSION comes from the Makefile"
#endif

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
    OPT_THREADS,
    OPT_DATA_SHA256,
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
    {"data-sha256", no_argument, NULL, OPT_DATA_SHA256},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"colour", optional_argument, NULL, OPT_COLOR},
    {"curses", no_argument, NULL, 'C'},
    {"curses-memory", required_argument, NULL, OPT_CURSES_MEMORY},
    {"threads", required_argument, NULL, OPT_THREADS},
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
    if (o->threads > 1 && (o->curses || o->write_file)) {
        fprintf(stderr, "tlsdump: --threads: %s runs on one thread; leave --threads out\n",
                o->curses ? "--curses" : "-w");
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
    if (o->data_sha256 && !o->json) {
        fputs("tlsdump: --data-sha256 is for -j (its connection lines' app_data)\n", stderr);
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
    case OPT_THREADS:
        if (!parse_number(arg, "--threads", 64, &n))
            return 0;
        if (n == 0) {
            fputs("tlsdump: --threads: at least 1\n", stderr);
            return 0;
        }
        o->threads = (unsigned)n;
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
    case OPT_THREADS:
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
    case OPT_DATA_SHA256:
        o->data_sha256 = 1;
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
        options_usage(stdout);
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
int options_parse(int argc, char **argv, struct options *o)
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
