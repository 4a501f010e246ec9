/*
 * The NSS key log format (SSLKEYLOGFILE), as OpenSSL, GnuTLS, curl and the
 * browsers write it: "<LABEL> <client random, hex> <secret, hex>" per
 * line, '#' comments.  Entries are found by client random in a hash
 * table.  A file that grows (a browser appending while tlsdump captures)
 * is read again from where it stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "crypto_int.h"
#include "base/budget.h"
#include "base/cursor.h"
#include "base/util.h"

#define MAX_SECRET 64
#define MAX_FILES 16
#define MAX_LINE 512

struct kl_entry {
    uint8_t cr[32];
    uint8_t used;
    uint8_t len[KL_NLABELS];
    uint8_t secret[KL_NLABELS][MAX_SECRET];
};

struct kl_file {
    char *path;
    long offset; /* bytes consumed */
    dev_t dev;   /* the file they were consumed from */
    ino_t ino;
};

struct keylog {
    uint64_t key[2]; /* the table's secret hash key */
    struct kl_entry *tab;
    size_t cap, count;
    struct kl_file files[MAX_FILES];
    int nfiles;
    size_t lines, bad;
};

static const char *const labels[KL_NLABELS] = {
    [KL_EARLY] = "CLIENT_EARLY_TRAFFIC_SECRET",
    [KL_CHTS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    [KL_SHTS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    [KL_CTS0] = "CLIENT_TRAFFIC_SECRET_0",
    [KL_STS0] = "SERVER_TRAFFIC_SECRET_0",
    [KL_EXPORTER] = "EXPORTER_SECRET",
    [KL_MASTER] = "CLIENT_RANDOM",
};

struct keylog *crypto_keylog_new(void)
{
    struct keylog *kl = calloc(1, sizeof(struct keylog));
    /* A secret key: the client randoms are chosen by whoever wrote the
     * capture and the key log, so the slots they hash to must not be. */
    if (kl && getrandom(kl->key, sizeof(kl->key), GRND_NONBLOCK) != sizeof(kl->key)) {
        kl->key[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
        kl->key[1] = (uint64_t)(uintptr_t)kl * 0xc2b2ae3d27d4eb4fULL;
    }
    return kl;
}

void crypto_keylog_free(struct keylog *kl)
{
    if (!kl)
        return;
    if (kl->tab) {
        budget_credit(kl->cap * sizeof(*kl->tab));
        OPENSSL_cleanse(kl->tab, kl->cap * sizeof(*kl->tab));
        free(kl->tab);
    }
    for (int i = 0; i < kl->nfiles; i++)
        free(kl->files[i].path);
    free(kl);
}

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
    v[0] += v[1], v[1] = rotl(v[1], 13), v[1] ^= v[0], v[0] = rotl(v[0], 32);
    v[2] += v[3], v[3] = rotl(v[3], 16), v[3] ^= v[2];
    v[0] += v[3], v[3] = rotl(v[3], 21), v[3] ^= v[0];
    v[2] += v[1], v[1] = rotl(v[1], 17), v[1] ^= v[2], v[2] = rotl(v[2], 32);
}

static void sip_absorb(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of a 32-byte client random:
 * a keyed hash, so that colliding randoms cannot be chosen without the
 * key. */
static uint64_t cr_hash(const uint64_t key[2], const uint8_t cr[32])
{
    uint64_t v[4] = {key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
                     key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL};
    for (int w = 0; w < 4; w++) {
        uint64_t m = 0;
        for (int i = 7; i >= 0; i--)
            m = m << 8 | cr[8 * w + i]; /* little-endian words */
        sip_absorb(v, m);
    }
    sip_absorb(v, (uint64_t)32 << 56); /* the length byte, no tail */
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static size_t slot_of(const struct keylog *kl, const uint8_t cr[32])
{
    return (size_t)cr_hash(kl->key, cr) & (kl->cap - 1);
}

static struct kl_entry *lookup(struct keylog *kl, const uint8_t cr[32], int add)
{
    if (!kl->cap)
        return NULL;
    for (size_t i = slot_of(kl, cr);; i = (i + 1) & (kl->cap - 1)) {
        struct kl_entry *e = &kl->tab[i];
        if (!e->used) {
            if (!add)
                return NULL;
            memcpy(e->cr, cr, 32);
            e->used = 1;
            kl->count++;
            return e;
        }
        if (memcmp(e->cr, cr, 32) == 0)
            return e;
    }
}

static int grow(struct keylog *kl)
{
    size_t cap = kl->cap ? kl->cap * 2 : 256;
    struct kl_entry *old = kl->tab;
    size_t oldcap = kl->cap;
    if (!(kl->tab = calloc(cap, sizeof(*kl->tab)))) {
        kl->tab = old;
        return 0;
    }
    budget_charge(cap * sizeof(*kl->tab));
    kl->cap = cap;
    kl->count = 0;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].used)
            *lookup(kl, old[i].cr, 1) = old[i];
    }
    if (old) {
        budget_credit(oldcap * sizeof(*old));
        OPENSSL_cleanse(old, oldcap * sizeof(*old));
        free(old);
    }
    return 1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads exactly n bytes of hex ending at a space or the end; returns 0 if not. */
static int hex_bytes(const char **s, uint8_t *out, size_t max, size_t *n)
{
    const char *p = *s;
    size_t i = 0;
    while (hex_value(p[0]) >= 0 && hex_value(p[1]) >= 0 && i < max) {
        out[i++] = (uint8_t)(hex_value(p[0]) << 4 | hex_value(p[1]));
        p += 2;
    }
    if (i == 0 || (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'))
        return 0;
    *s = p;
    *n = i;
    return 1;
}

/* Returns -1 for a malformed line, 0 for one ignored, 1 for one kept. */
static int parse_line(struct keylog *kl, const char *line)
{
    uint8_t cr[32], secret[MAX_SECRET];
    size_t crlen, slen;
    int label = -1;

    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '#' || *line == 0 || *line == '\r' || *line == '\n')
        return 0;
    for (int i = 0; i < KL_NLABELS; i++) {
        size_t n = strlen(labels[i]);
        if (strncmp(line, labels[i], n) == 0 && line[n] == ' ')
            label = i, line += n + 1;
    }
    if (label < 0)
        return strncmp(line, "RSA ", 4) == 0 || strncmp(line, "CLIENT_TRAFFIC_SECRET_", 22) == 0 ||
                       strncmp(line, "SERVER_TRAFFIC_SECRET_", 22) == 0 ||
                       strncmp(line, "EARLY_EXPORTER_SECRET ", 22) == 0
                   ? 0
                   : -1;
    if (!hex_bytes(&line, cr, sizeof(cr), &crlen) || crlen != 32 || *line != ' ')
        return -1;
    line++;
    if (!hex_bytes(&line, secret, sizeof(secret), &slen) ||
        (label == KL_MASTER ? slen != 48 : slen < 32))
        return -1;
    int kept = crypto_keylog_put(kl, cr, (enum kl_label)label, secret, slen);
    OPENSSL_cleanse(secret, sizeof(secret));
    return kept ? 1 : -1;
}

/* The first source to give a secret wins: -l files before the capture's
 * own secrets before SSLKEYLOGFILE. */
int crypto_keylog_put(struct keylog *kl, const uint8_t cr[32], enum kl_label label,
                      const uint8_t *secret, size_t len)
{
    if (len > MAX_SECRET)
        return 0;
    if ((kl->count + 1) * 4 > kl->cap * 3 && !grow(kl))
        return 0;
    struct kl_entry *e = lookup(kl, cr, 1);
    if (!e->len[label]) {
        memcpy(e->secret[label], secret, len);
        e->len[label] = (uint8_t)len;
    }
    return 1;
}

size_t crypto_keylog_each(const struct keylog *kl, void (*fn)(void *arg, const char *line),
                          void *arg)
{
    char line[MAX_LINE];
    size_t n = 0;

    for (size_t i = 0; i < kl->cap; i++) {
        const struct kl_entry *e = &kl->tab[i];
        for (int l = 0; e->used && l < KL_NLABELS; l++) {
            if (!e->len[l])
                continue;
            char *p = line + snprintf(line, sizeof(line), "%s ", labels[l]);
            p = base_hex(p, e->cr, 32);
            *p++ = ' ';
            p = base_hex(p, e->secret[l], e->len[l]);
            *p = 0;
            fn(arg, line);
            n++;
        }
    }
    OPENSSL_cleanse(line, sizeof(line));
    return n;
}

/* Reads f from its offset; a last line without its newline is read again
 * next time unless it parsed. */
/* Opens f where reading stopped; a file that was truncated or replaced
 * under the same name (a client started again) is read from its start. */
static FILE *open_at(struct kl_file *f)
{
    FILE *in = fopen(f->path, "r");
    struct stat sb;
    if (!in)
        return NULL;
    if (fstat(fileno(in), &sb) == 0 &&
        (sb.st_dev != f->dev || sb.st_ino != f->ino || sb.st_size < f->offset)) {
        f->dev = sb.st_dev;
        f->ino = sb.st_ino;
        f->offset = 0;
    }
    if (fseek(in, f->offset, SEEK_SET) != 0) {
        fclose(in);
        return NULL;
    }
    return in;
}

static int read_from(struct keylog *kl, struct kl_file *f)
{
    FILE *in = open_at(f);
    char line[MAX_LINE];
    if (!in)
        return 0;
    while (fgets(line, sizeof(line), in)) {
        size_t n = strlen(line);
        int complete = n > 0 && line[n - 1] == '\n';
        if (!complete && n == sizeof(line) - 1) { /* too long: skip the rest */
            int ch;
            while ((ch = fgetc(in)) != EOF && ch != '\n')
                ;
            kl->bad++, kl->lines++;
            f->offset = ftell(in);
            continue;
        }
        int r = parse_line(kl, line);
        if (!complete && r < 0)
            break; /* perhaps still being written */
        kl->lines++;
        kl->bad += r < 0;
        f->offset = ftell(in);
    }
    OPENSSL_cleanse(line, sizeof(line));
    fclose(in);
    return 1;
}

int crypto_keylog_add_file(struct keylog *kl, const char *path, int may_wait, int *waiting,
                           char *err, size_t errlen)
{
    FILE *in = fopen(path, "r");
    *waiting = !in && may_wait && errno == ENOENT;
    if (!in && !*waiting) {
        snprintf(err, errlen, "cannot read key log %s: %s", path, strerror(errno));
        return 0;
    }
    if (in)
        fclose(in);
    if (kl->nfiles == MAX_FILES) {
        snprintf(err, errlen, "at most %d key logs", MAX_FILES);
        return 0;
    }
    struct kl_file *f = &kl->files[kl->nfiles];
    if (!(f->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    f->offset = 0;
    kl->nfiles++;
    if (!*waiting && !read_from(kl, f)) {
        snprintf(err, errlen, "cannot read key log %s", path);
        return 0;
    }
    return 1;
}

/* Key log lines held in memory: each line up to '\n' (or the end) is
 * parsed as a file's would be; a line too long or holding a NUL is bad. */
size_t crypto_keylog_add_text(struct keylog *kl, const uint8_t *text, size_t len)
{
    struct cursor c = cur_make(text, len);
    char line[MAX_LINE];
    size_t kept = 0;

    while (!cur_at_end(&c)) {
        size_t n = 0;
        int bad = 0;
        uint8_t ch;
        while (cur_u8(&c, &ch) && ch != '\n') {
            bad |= ch == 0 || n == sizeof(line) - 1;
            if (n < sizeof(line) - 1)
                line[n++] = (char)ch;
        }
        line[n] = 0;
        int r = bad ? -1 : parse_line(kl, line);
        kl->lines++;
        kl->bad += r < 0;
        kept += r > 0;
    }
    OPENSSL_cleanse(line, sizeof(line));
    return kept;
}

void crypto_keylog_refresh(struct keylog *kl)
{
    for (int i = 0; i < kl->nfiles; i++)
        read_from(kl, &kl->files[i]);
}

size_t crypto_keylog_find(struct keylog *kl, const uint8_t cr[32], enum kl_label label,
                          uint8_t *out)
{
    struct kl_entry *e = lookup(kl, cr, 0);
    if (!e || !e->len[label])
        return 0;
    memcpy(out, e->secret[label], e->len[label]);
    return e->len[label];
}

void crypto_keylog_stats(const struct keylog *kl, size_t *lines, size_t *bad)
{
    *lines = kl->lines;
    *bad = kl->bad;
}
