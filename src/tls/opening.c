/*
 * The plaintext before TLS: which protocol opened the connection, the
 * client's request to switch to TLS, and the server's answer.  Where TLS
 * begins is found from the records themselves (tls_record_starts); this
 * file only names what came before and how it ended.
 *
 * Text protocols are read a line at a time: SMTP and LMTP (RFC 3207),
 * IMAP (RFC 3501 6.2.1), POP3 (RFC 2595 4), FTP (RFC 4217 4), NNTP (RFC
 * 4642), ManageSieve (RFC 5804 2.2), IRC (IRCv3 tls), XMPP (RFC 6120 5.4,
 * where '>' ends a "line") and HTTP CONNECT (RFC 9110 9.3.6).  Binary ones
 * from the first bytes of each direction: PostgreSQL's SSLRequest, MySQL's
 * SSL request, LDAP's StartTLS extended operation (RFC 4511 4.14), SOCKS4
 * and SOCKS5 (RFC 1928), RDP's X.224 negotiation (MS-RDPBCGR 2.2.1), and
 * HAProxy's PROXY protocol header (v1 a line, v2 binary).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

#define HEAD_MAX 1024 /* the first bytes of each direction, for binary openings */
/* Lines are read in the first LINES_MAX bytes of each direction (every
 * upgrade request comes early), and past that only while a request waits
 * for its answer: a long plaintext session costs no more. */
#define LINES_MAX (64 * 1024)
#define LINE_MAX 255 /* a text line; a longer one is judged on its start */

struct tls_opener {
    uint8_t head[2][HEAD_MAX];
    size_t nhead[2];
    char line[2][LINE_MAX + 1];
    size_t nline[2];
    char greeting[LINE_MAX + 1]; /* the server's first line */
    char first_word[16];         /* the client's first command */
    char tag[32];                /* IMAP: the STARTTLS command's tag */
    uint64_t seen[2];            /* plaintext bytes fed per direction */
};

struct tls_opener *tls_opener_new(void)
{
    return calloc(1, sizeof(struct tls_opener));
}

void tls_opener_free(struct tls_opener *o)
{
    free(o);
}

static void set_answer(struct tls_opening *out, enum tls_upgrade u, const char *text)
{
    size_t k = 0;
    out->upgrade = u;
    for (size_t i = 0; text[i] && k + 1 < sizeof(out->answer); i++)
        if (text[i] != '\r' && text[i] != '\n')
            out->answer[k++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '.';
    out->answer[k] = 0;
}

/* The i-th word of a line (0 or 1), upper-cased, in w. */
static void word(const char *line, int i, char *w, size_t cap)
{
    size_t k = 0;
    while (*line == ' ')
        line++;
    for (; i > 0 && *line; i--) {
        while (*line && *line != ' ')
            line++;
        while (*line == ' ')
            line++;
    }
    while (*line && *line != ' ' && k + 1 < cap)
        w[k++] = (char)toupper((unsigned char)*line++);
    w[k] = 0;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A bare STARTTLS: the server's greeting and the client's first command
 * tell the protocol. */
static const char *starttls_app(const struct tls_opener *o)
{
    const char *g = o->greeting, *w = o->first_word;
    if (starts(g, "* OK") || starts(g, "* PREAUTH"))
        return "imap";
    if (g[0] == '"')
        return "sieve";
    if (g[0] == ':' || !strcmp(w, "NICK") || !strcmp(w, "CAP") || !strcmp(w, "USER"))
        return "irc";
    if (!strcmp(w, "LHLO"))
        return "lmtp";
    if (!strcmp(w, "EHLO") || !strcmp(w, "HELO") || starts(g, "220"))
        return "smtp";
    if (starts(g, "200") || starts(g, "201"))
        return "nntp";
    return NULL;
}

static void client_line(struct tls_opener *o, const char *line, struct tls_opening *out)
{
    char w1[32], w2[32];
    const char *app = NULL, *how = "starttls";

    word(line, 0, w1, sizeof(w1));
    word(line, 1, w2, sizeof(w2));
    if (!o->first_word[0])
        snprintf(o->first_word, sizeof(o->first_word), "%.15s", w1);
    if (out->upgrade != TLS_UPGRADE_NONE)
        return;
    if (!strcmp(w1, "STARTTLS")) {
        app = starttls_app(o);
    } else if (!strcmp(w2, "STARTTLS") && w1[0]) {
        app = "imap";
        snprintf(o->tag, sizeof(o->tag), "%.*s", (int)strcspn(line + strspn(line, " "), " "),
                 line + strspn(line, " "));
    } else if (!strcmp(w1, "STLS")) {
        app = "pop3";
    } else if (!strcmp(w1, "AUTH") && (!strcmp(w2, "TLS") || !strcmp(w2, "SSL") ||
                                       !strcmp(w2, "TLS-C") || !strcmp(w2, "TLS-P"))) {
        app = "ftp";
    } else if (strstr(line, "<starttls")) {
        app = "xmpp";
    } else if (!strcmp(w1, "CONNECT") && strstr(line, " HTTP/1.")) {
        app = "http-connect", how = "proxy";
    } else if (!strcmp(w1, "PROXY") && o->first_word[0] && !strcmp(o->first_word, "PROXY")) {
        /* HAProxy's PROXY protocol v1: a line naming the original
         * client, then the client's own bytes; nothing to answer. */
        out->app = "proxy-protocol";
        out->how = "proxy";
        out->upgrade = TLS_UPGRADE_ACCEPTED;
        return;
    } else {
        return;
    }
    out->app = app;
    out->how = how;
    out->upgrade = TLS_UPGRADE_ASKED;
}

/* A reply code of three digits at the start of a line, or 0. */
static int reply_code(const char *l)
{
    if (!isdigit((unsigned char)l[0]) || !isdigit((unsigned char)l[1]) ||
        !isdigit((unsigned char)l[2]) || isdigit((unsigned char)l[3]))
        return 0;
    return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

/* The protocol from its answer to a bare STARTTLS sent before any
 * greeting (IRC clients do that). */
static const char *app_from_answer(const char *l)
{
    char w[16];
    word(l, 1, w, sizeof(w));
    if (l[0] == ':')
        return "irc";
    switch (reply_code(l)) {
    case 382:
        return "nntp";
    case 220:
        return "smtp";
    default:
        break;
    }
    if (starts(l, "OK") || starts(l, "NO"))
        return "sieve";
    return NULL;
}

/* 1 the server agreed, -1 it refused, 0 the line is not the answer. */
static int answer(const struct tls_opener *o, const char *app, const char *l)
{
    int code = reply_code(l);
    char w[32];
    if (!strcmp(app, "smtp") || !strcmp(app, "lmtp"))
        return code == 220 ? 1 : code >= 400 ? -1 : 0;
    if (!strcmp(app, "ftp"))
        return code == 234 || code == 334 ? 1 : code >= 400 ? -1 : 0;
    if (!strcmp(app, "nntp"))
        return code == 382 ? 1 : code >= 400 ? -1 : 0;
    if (!strcmp(app, "pop3"))
        return starts(l, "+OK") ? 1 : starts(l, "-ERR") ? -1 : 0;
    if (!strcmp(app, "sieve"))
        return starts(l, "OK") ? 1 : starts(l, "NO") || starts(l, "BYE") ? -1 : 0;
    if (!strcmp(app, "xmpp"))
        return strstr(l, "<proceed") ? 1 : strstr(l, "<failure") ? -1 : 0;
    if (!strcmp(app, "http-connect")) {
        word(l, 1, w, sizeof(w));
        if (!starts(l, "HTTP/1.") || reply_code(w) < 200)
            return 0;
        return reply_code(w) < 300 ? 1 : -1;
    }
    if (!strcmp(app, "irc")) {
        word(l, 1, w, sizeof(w));
        return l[0] != ':' ? 0 : !strcmp(w, "670") ? 1 : !strcmp(w, "691") ? -1 : 0;
    }
    if (!strcmp(app, "imap")) {
        size_t t = strlen(o->tag);
        if (!t || strncmp(l, o->tag, t) != 0 || l[t] != ' ')
            return 0;
        word(l, 1, w, sizeof(w));
        return !strcmp(w, "OK") ? 1 : !strcmp(w, "NO") || !strcmp(w, "BAD") ? -1 : 0;
    }
    return 0;
}

/* Without a request: what the server's first line says it is (a client
 * that sent TLS to a plaintext port is answered so). */
static const char *app_from_greeting(const char *g)
{
    if (starts(g, "HTTP/"))
        return "http";
    if (starts(g, "* OK") || starts(g, "* PREAUTH"))
        return "imap";
    if (starts(g, "+OK"))
        return "pop3";
    if (reply_code(g) == 220 && strstr(g, "FTP"))
        return "ftp";
    if (reply_code(g) == 220 || reply_code(g) == 554)
        return "smtp";
    if (reply_code(g) == 200 || reply_code(g) == 201)
        return "nntp";
    if (starts(g, "\"IMPLEMENTATION\"") || starts(g, "\"SIEVE\""))
        return "sieve";
    if (starts(g, "<?xml") || starts(g, "<stream:stream"))
        return "xmpp";
    return NULL;
}

static void server_line(struct tls_opener *o, const char *line, struct tls_opening *out)
{
    int first = !o->greeting[0];
    if (first)
        snprintf(o->greeting, sizeof(o->greeting), "%s", line);
    if (out->upgrade != TLS_UPGRADE_ASKED) {
        if (first && !out->app)
            out->app = app_from_greeting(line);
        return;
    }
    if (!out->app)
        out->app = app_from_answer(line);
    int a = out->app ? answer(o, out->app, line) : 0;
    if (a)
        set_answer(out, a > 0 ? TLS_UPGRADE_ACCEPTED : TLS_UPGRADE_REFUSED, line);
}

/* Lines end at '\n' and, for XMPP's sake, at '>'. */
static void lines(struct tls_opener *o, enum dir dir, const uint8_t *p, size_t n,
                  struct tls_opening *out)
{
    char *l = o->line[dir];
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n' && p[i] != '>') {
            if (p[i] != '\r' && o->nline[dir] < LINE_MAX)
                l[o->nline[dir]++] = p[i] ? (char)p[i] : ' ';
            continue;
        }
        if (p[i] == '>' && o->nline[dir] < LINE_MAX)
            l[o->nline[dir]++] = '>';
        l[o->nline[dir]] = 0;
        o->nline[dir] = 0;
        if (dir == DIR_C2S)
            client_line(o, l, out);
        else
            server_line(o, l, out);
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int is_app(const struct tls_opening *out, const char *app)
{
    return out->app && !strcmp(out->app, app);
}

static void ask(struct tls_opening *out, const char *app, const char *how)
{
    out->app = app;
    out->how = how;
    out->upgrade = TLS_UPGRADE_ASKED;
}

/* PostgreSQL 53.2.10: SSLRequest is 8 bytes, answered with one, 'S' or
 * 'N'.  A client that prefers GSS encryption asks for it first (the same
 * 8 bytes but the last), and is refused with 'N' before it asks for SSL. */
static void postgres(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn,
                     struct tls_opening *out)
{
    static const uint8_t ssl_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    size_t at = 0;
    if (cn >= 16 && !memcmp(c, ssl_request, 7) && c[7] == 0x30 && sn >= 1 && s[0] == 'N')
        at = 8; /* GSSENCRequest refused */
    if (out->upgrade == TLS_UPGRADE_NONE && cn >= at + 8 && !memcmp(c + at, ssl_request, 8))
        ask(out, "postgres", "starttls");
    if (out->upgrade != TLS_UPGRADE_ASKED || !is_app(out, "postgres") || sn < at / 8 + 1)
        return;
    uint8_t a = s[at / 8];
    set_answer(out, a == 'S' ? TLS_UPGRADE_ACCEPTED : TLS_UPGRADE_REFUSED,
               a == 'S'   ? "S (SSL accepted)"
               : a == 'N' ? "N (SSL refused)"
                          : "error");
}

/* MySQL: the server's Initial Handshake (protocol 10) first; a client
 * that wants TLS answers with a 32-byte SSLRequest with CLIENT_SSL. */
static void mysql(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn, struct tls_opening *out)
{
    if (sn < 5 || s[3] != 0 || s[4] != 10)
        return;
    if (!out->app)
        out->app = "mysql";
    if (out->upgrade == TLS_UPGRADE_NONE && cn >= 8 && c[0] == 32 && c[1] == 0 && c[2] == 0 &&
        c[3] == 1 && (le32(c + 4) & 0x800))
        ask(out, "mysql", "starttls");
}

/* LDAP: an ExtendedRequest naming StartTLS's OID; the ExtendedResponse's
 * resultCode (an ENUMERATED after the [APPLICATION 24] tag) says. */
static void ldap(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn, struct tls_opening *out)
{
    static const char oid[] = "1.3.6.1.4.1.1466.20037";
    if (out->upgrade == TLS_UPGRADE_NONE && cn > sizeof(oid) && c[0] == 0x30 &&
        memmem(c, cn, oid, sizeof(oid) - 1))
        ask(out, "ldap", "starttls");
    if (out->upgrade != TLS_UPGRADE_ASKED || !is_app(out, "ldap") || sn < 2 || s[0] != 0x30)
        return;
    for (size_t i = 2; i + 2 < sn && i < 16; i++) {
        if (s[i] != 0x78) /* [APPLICATION 24] */
            continue;
        for (size_t j = i + 2; j + 2 < sn && j < i + 8; j++)
            if (s[j] == 0x0a && s[j + 1] == 1) {
                set_answer(out, s[j + 2] ? TLS_UPGRADE_REFUSED : TLS_UPGRADE_ACCEPTED,
                           s[j + 2] ? "ExtendedResponse: error" : "ExtendedResponse: success");
                return;
            }
    }
}

/* SOCKS4: VN 4, CD 1 (CONNECT) or 2, port, address, user ID and NUL;
 * the reply's CD is 90 when granted. */
static void socks4(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn,
                   struct tls_opening *out)
{
    if (out->upgrade == TLS_UPGRADE_NONE && cn >= 9 && c[0] == 4 && (c[1] == 1 || c[1] == 2) &&
        memchr(c + 8, 0, cn - 8))
        ask(out, "socks4", "proxy");
    if (out->upgrade == TLS_UPGRADE_ASKED && is_app(out, "socks4") && sn >= 8 && s[0] == 0)
        set_answer(out, s[1] == 90 ? TLS_UPGRADE_ACCEPTED : TLS_UPGRADE_REFUSED,
                   s[1] == 90 ? "request granted (90)" : "request rejected");
}

/* RFC 1928: methods offered, one chosen (0xff: none), RFC 1929's
 * user/password exchange if chosen, then the request and its reply. */
static void socks5(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn,
                   struct tls_opening *out)
{
    if (out->upgrade == TLS_UPGRADE_NONE && cn >= 3 && c[0] == 5 && c[1] >= 1 &&
        cn >= 2 + (size_t)c[1])
        ask(out, "socks5", "proxy");
    if (out->upgrade != TLS_UPGRADE_ASKED || !is_app(out, "socks5") || sn < 2 || s[0] != 5)
        return;
    if (s[1] == 0xff) {
        set_answer(out, TLS_UPGRADE_REFUSED, "no acceptable method");
        return;
    }
    size_t at = 2;
    if (s[1] == 2) { /* username/password: VER 1, STATUS 0 is success */
        if (sn < 4)
            return;
        if (s[3] != 0) {
            set_answer(out, TLS_UPGRADE_REFUSED, "authentication failed");
            return;
        }
        at = 4;
    }
    if (sn >= at + 2 && s[at] == 5)
        set_answer(out, s[at + 1] ? TLS_UPGRADE_REFUSED : TLS_UPGRADE_ACCEPTED,
                   s[at + 1] ? "request failed" : "succeeded (0)");
}

/* RDP: TPKT (3, 0, length) and an X.224 Connection Request (0xe0) with
 * RDP_NEG_REQ; the Connection Confirm (0xd0) carries RDP_NEG_RSP (2) with
 * the protocol selected, or RDP_NEG_FAILURE (3). */
static void rdp(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn, struct tls_opening *out)
{
    if (out->upgrade == TLS_UPGRADE_NONE && cn >= 7 && c[0] == 3 && c[1] == 0 && c[5] == 0xe0)
        ask(out, "rdp", "starttls");
    if (out->upgrade != TLS_UPGRADE_ASKED || !is_app(out, "rdp") || sn < 7 || s[0] != 3 ||
        s[5] != 0xd0)
        return;
    size_t len = (size_t)s[2] << 8 | s[3];
    if (len <= 11) {
        set_answer(out, TLS_UPGRADE_REFUSED, "standard RDP security (no negotiation)");
    } else if (sn >= 19 && s[11] == 2) {
        uint32_t proto = le32(s + 15);
        set_answer(out, proto ? TLS_UPGRADE_ACCEPTED : TLS_UPGRADE_REFUSED,
                   proto ? "RDP_NEG_RSP: TLS selected" : "RDP_NEG_RSP: standard RDP security");
    } else if (sn >= 12 && s[11] == 3) {
        set_answer(out, TLS_UPGRADE_REFUSED, "RDP_NEG_FAILURE");
    }
}

/* HAProxy's PROXY protocol v2: a 12-byte signature, then the original
 * addresses; the client's own bytes follow unanswered. */
static void proxy_v2(const uint8_t *c, size_t cn, struct tls_opening *out)
{
    static const uint8_t sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    if (out->upgrade == TLS_UPGRADE_NONE && cn >= 12 && !memcmp(c, sig, 12)) {
        out->app = "proxy-protocol";
        out->how = "proxy";
        out->upgrade = TLS_UPGRADE_ACCEPTED;
    }
}

static void keep_head(struct tls_opener *o, enum dir dir, const uint8_t *p, size_t n)
{
    size_t room = HEAD_MAX - o->nhead[dir], k = n < room ? n : room;
    memcpy(o->head[dir] + o->nhead[dir], p, k);
    o->nhead[dir] += k;
}

void tls_opener_feed(struct tls_opener *o, enum dir dir, const uint8_t *p, size_t n,
                     struct tls_opening *out)
{
    int binary_done = o->nhead[dir] == HEAD_MAX;
    keep_head(o, dir, p, n);
    if (o->seen[dir] < LINES_MAX || out->upgrade == TLS_UPGRADE_ASKED)
        lines(o, dir, p, n, out);
    o->seen[dir] += n;
    if (binary_done || out->upgrade == TLS_UPGRADE_ACCEPTED || out->upgrade == TLS_UPGRADE_REFUSED)
        return;
    const uint8_t *c = o->head[DIR_C2S], *s = o->head[DIR_S2C];
    size_t cn = o->nhead[DIR_C2S], sn = o->nhead[DIR_S2C];
    postgres(c, cn, s, sn, out);
    mysql(c, cn, s, sn, out);
    ldap(c, cn, s, sn, out);
    socks4(c, cn, s, sn, out);
    socks5(c, cn, s, sn, out);
    rdp(c, cn, s, sn, out);
    proxy_v2(c, cn, out);
}

void tls_opener_gap(struct tls_opener *o, enum dir dir)
{
    o->nline[dir] = 0;
    o->nhead[dir] = HEAD_MAX; /* what follows is not the start */
}

void tls_opener_tls(struct tls_opener *o, enum dir dir, struct tls_opening *out)
{
    (void)o;
    if (dir != DIR_C2S)
        return;
    /* A client that sends its ClientHello took the answer as a yes. */
    if (!out->how)
        out->how = "starttls";
    if (out->upgrade != TLS_UPGRADE_REFUSED)
        out->upgrade = TLS_UPGRADE_ACCEPTED;
}
