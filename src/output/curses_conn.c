/*
 * The curses view: a connection's fate in plain words when it closes, and
 * `s`, its conversation saved as --extract saves it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/registry.h"
#include "curses_int.h"

const char *cv_version_name(uint16_t v, char *buf, size_t len)
{
    const char *n = v ? reg_name(REG_VERSION, v) : NULL;
    if (n)
        return n;
    snprintf(buf, len, v ? "0x%04x" : "", v);
    return buf;
}

static void say(struct cv_buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        cv_buf_add(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void validation(struct cv_buf *b, const struct vm_validation *v, const char *whose)
{
    say(b, "%s certificate: %s%s%s%s%s\n", whose, v->ok ? "valid" : v->status,
        v->host[0] ? " for " : "", v->host, !v->ok && v->detail[0] ? ": " : "",
        v->ok ? "" : v->detail);
    for (int i = 1; i < v->nproblems; i++)
        say(b, "  also: %s\n", v->problems[i]);
    for (int i = 0; i < v->nbuilt; i++)
        say(b, "  %s %s%s\n", i ? "<-" : "chain:", v->built[i],
            v->from_store[i] ? " (trust store)" : "");
}

static void decryption(struct cv_buf *b, const struct vm_decryption *d)
{
    if (!d->keys)
        say(b, "Decryption: no keys were given\n");
    else if (d->decrypted)
        say(b,
            "Decryption: %" PRIu64 " records opened; %" PRIu64 " bytes of data from the "
            "client, %" PRIu64 " from the server\n",
            d->ok_records, d->app_bytes[DIR_C2S], d->app_bytes[DIR_S2C]);
    else if (d->protected_seen)
        say(b, "Decryption: not decrypted: %s\n", d->reason);
    else
        say(b, "Decryption: nothing was encrypted\n");
}

/* The top of the connection's screen: what happened, why, on what
 * evidence. */
static char *findings(const struct cv_conn *c, const struct vm_summary *s)
{
    struct cv_buf b = {0};
    char v[32], ci[64];

    say(&b, "Connection #%" PRIu64 ": %s -> %s%s%s\n", c->id, c->client, c->server,
        s->sni ? ", server name " : "", s->sni ? s->sni : "");
    say(&b, "Result: %s (history %s)\n", vm_verdict_name(s->verdict),
        s->history[0] ? s->history : "empty");
    if (s->version || s->cipher != VM_NO_CIPHER)
        say(&b, "Negotiated: %s, %s%s%s%s\n", cv_version_name(s->version, v, sizeof(v)),
            s->cipher == VM_NO_CIPHER ? "no cipher"
                                      : reg_name_or_unknown(REG_CIPHER, s->cipher, ci, sizeof(ci)),
            s->alpn ? ", ALPN " : "", s->alpn ? s->alpn : "", s->resumed ? ", resumed" : "");
    if (s->diag.code) {
        say(&b, "Diagnosis: %s%s: %s\n", s->diag.code, s->diag.likely ? " (likely)" : "",
            s->diag.message);
        for (int i = 0; i < s->diag.nevidence; i++)
            say(&b, "  - %s\n", s->diag.evidence[i]);
    }
    if (s->checked[DIR_S2C])
        validation(&b, &s->validation[DIR_S2C], "Server");
    if (s->checked[DIR_C2S])
        validation(&b, &s->validation[DIR_C2S], "Client");
    decryption(&b, &s->decryption);
    cv_buf_add(&b, "", 1);
    return b.p;
}

void cv_close_conn(struct cv_view *cv, struct cv_conn *c, const struct vm_summary *s)
{
    const struct vm_decryption *d = &s->decryption;

    c->closed = 1;
    c->verdict = s->verdict;
    c->version = s->version;
    c->cipher = s->cipher;
    c->failed = s->verdict != VM_ESTABLISHED || s->diag.code != NULL;
    snprintf(c->result, sizeof(c->result), "%s",
             s->diag.code ? s->diag.code : vm_verdict_name(s->verdict));
    c->decrypted = d->decrypted;
    snprintf(c->decrypt, sizeof(c->decrypt), "%s",
             !d->keys            ? "no keys"
             : d->decrypted      ? "decrypted"
             : d->protected_seen ? d->reason
                                 : "-");
    if (s->sni && (!c->sni || strcmp(c->sni, s->sni) != 0)) {
        free(c->sni);
        c->sni = strdup(s->sni);
    }
    free(c->alpn);
    c->alpn = s->alpn ? strdup(s->alpn) : NULL;
    free(c->findings);
    c->findings = findings(c, s);
    cv->counts[s->verdict]++;
}

/* A file of the conversation, created as --extract creates its files
 * (0600, never over a file already there): conn-ID-client.bin, or
 * conn-ID-client.N.bin when that exists. */
static int save_dir(const char *dir, const struct cv_conn *c, enum dir d, char *path, size_t len)
{
    int fd = -1;
    const char *side = d == DIR_C2S ? "client" : "server";
    for (int n = 0; fd < 0 && n < 100; n++) {
        if (n)
            snprintf(path, len, "%s/conn-%" PRIu64 "-%s.%d.bin", dir, c->id, side, n);
        else
            snprintf(path, len, "%s/conn-%" PRIu64 "-%s.bin", dir, c->id, side);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return -1;
    }
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < c->nchunks; i++) {
        const struct cv_chunk *k = &c->chunks[i];
        if (k->dir == d && write(fd, c->pt.p + k->off, k->len) != (ssize_t)k->len) {
            close(fd);
            return -1;
        }
    }
    return close(fd);
}

/* Says in msg what was saved where, or why not; returns 1 when saved. */
int cv_save(struct cv_view *cv, const struct cv_conn *c, char *msg, size_t len)
{
    char a[512], b[512];
    if (c->dropped) {
        snprintf(msg, len, "#%" PRIu64 ": its detail was dropped (--curses-memory)", c->id);
        return 0;
    }
    if (!c->nchunks) {
        snprintf(msg, len, "#%" PRIu64 ": no plaintext to save", c->id);
        return 0;
    }
    if (save_dir(cv->save_dir, c, DIR_C2S, a, sizeof(a)) != 0 ||
        save_dir(cv->save_dir, c, DIR_S2C, b, sizeof(b)) != 0) {
        snprintf(msg, len, "cannot save in %s: %s", cv->save_dir, strerror(errno));
        return 0;
    }
    snprintf(msg, len, "saved %s and %s", a, b);
    return 1;
}
