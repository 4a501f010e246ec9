/*
 * The keys, from every source tlsdump takes them from (-l, -k, the
 * capture file's Decryption Secrets Blocks, SSLKEYLOGFILE), and
 * --keys-out's file of those used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/budget.h"
#include "capture.h"
#include "crypto.h"
#include "keysetup.h"

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
int keys_load(const struct options *o, struct capture *cap, struct crypto_keys **keys)
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
        crypto_keys_digest_app_data(*keys, o->data_sha256); /* only with -j */
    return 1;
}

static void put_key_line(void *arg, const char *line)
{
    fprintf(arg, "%s\n", line);
}

/* --keys-out: the secrets the connections were decrypted with, written
 * when the input ends (a live capture: when it stops). */
int keys_write_out(FILE *f, const char *path, const struct crypto_keys *keys)
{
    fputs("# tlsdump --keys-out: the secrets used to decrypt (NSS key log format)\n", f);
    crypto_keys_each_used(keys, put_key_line, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "tlsdump: --keys-out %s: %s\n", path, strerror(errno));
        return 0;
    }
    return 1;
}
