/*
 * TLS after a plaintext opening, through a tls_conn as the pipeline feeds
 * it: each protocol's exchange as its RFC (or vendor document) writes it,
 * then a ClientHello and a ServerHello.  Checked: what the opening is
 * called, how the request was answered, where each direction's TLS
 * begins, that the hellos are decoded, and that cutting the client's
 * stream at every offset changes none of it.
 */
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "unit.h"

/* Minimal hellos: TLS_RSA_WITH_AES_128_CBC_SHA, no extensions. */
static const uint8_t client_hello[50] = {
    0x16,        0x03,        0x01,        0x00,        0x2d,        0x01,
    0x00,        0x00,        0x29,        0x03,        0x03,        [43] = 0x00,
    [44] = 0x00, [45] = 0x02, [46] = 0x00, [47] = 0x2f, [48] = 0x01, [49] = 0x00};
static const uint8_t server_hello[47] = {0x16, 0x03,        0x03,        0x00,        0x2a,
                                         0x02, 0x00,        0x00,        0x26,        0x03,
                                         0x03, [43] = 0x00, [44] = 0x00, [45] = 0x2f, [46] = 0x00};

struct seen {
    size_t plain[2];      /* plaintext bytes told */
    uint64_t last_end[2]; /* where the last plaintext told ended: no byte twice */
    int begins[2];        /* tls_begins calls */
    uint64_t begins_at[2];
    int hellos[2]; /* ClientHello, ServerHello decoded */
};

static void on_record(void *a, enum dir d, const struct tls_rec_info *r)
{
    (void)a, (void)d, (void)r;
}
static void on_message(void *a, enum dir d, const struct tls_msg *m)
{
    struct seen *s = a;
    if ((d == DIR_C2S && m->type == 1) || (d == DIR_S2C && m->type == 2))
        s->hellos[d]++;
}
static int alerts_encrypted, alerts_clear;
static void on_alert(void *a, enum dir d, const struct tls_alert *al)
{
    (void)a, (void)d;
    if (al->encrypted)
        alerts_encrypted++;
    else
        alerts_clear++;
}
static int problems[2];
static void on_problem(void *a, enum dir d, const struct tls_problem *p)
{
    (void)a, (void)p;
    problems[d]++;
}
static void on_plain(void *a, enum dir d, const uint8_t *p, size_t n, uint64_t o)
{
    struct seen *s = a;
    CU_ASSERT(o >= s->last_end[d]); /* in order, no byte twice */
    s->last_end[d] = o + n;
    CU_ASSERT(p != NULL && n > 0);
    s->plain[d] += n;
}
static int ends[2];
static uint64_t ends_at[2];
static void on_ends(void *a, enum dir d, uint64_t o)
{
    (void)a;
    ends[d]++;
    ends_at[d] = o;
}
static void on_begins(void *a, enum dir d, uint64_t o)
{
    struct seen *s = a;
    s->begins[d]++;
    s->begins_at[d] = o;
}

static const struct tls_ops ops = {.record = on_record,
                                   .message = on_message,
                                   .alert = on_alert,
                                   .problem = on_problem,
                                   .plaintext = on_plain,
                                   .tls_begins = on_begins,
                                   .tls_ends = on_ends};

/* One step of a conversation: bytes from a side (len 0: a C string). */
struct step {
    enum dir dir;
    const char *bytes;
    size_t len;
};

#define C(s)                                                                                       \
    {                                                                                              \
        DIR_C2S, s, 0                                                                              \
    }
#define S(s)                                                                                       \
    {                                                                                              \
        DIR_S2C, s, 0                                                                              \
    }
#define CB(b)                                                                                      \
    {                                                                                              \
        DIR_C2S, (const char *)(b), sizeof(b)                                                      \
    }
#define SB(b)                                                                                      \
    {                                                                                              \
        DIR_S2C, (const char *)(b), sizeof(b)                                                      \
    }
#define HELLOS CB(client_hello), SB(server_hello)

struct expect {
    const char *app, *how;
    enum tls_upgrade upgrade;
    int tls; /* the hellos follow the opening */
};

/* Plays the steps, the client's bytes cut at `cut` (0: whole pieces);
 * returns the summary's opening and what the consumer saw. */
static void play(const struct step *st, int n, size_t cut, struct seen *seen,
                 struct tls_opening *out)
{
    uint64_t off[2] = {0, 0};
    memset(seen, 0, sizeof(*seen));
    struct tls_conn *c = tls_conn_new(&ops, seen, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int i = 0; i < n; i++) {
        const uint8_t *p = (const uint8_t *)st[i].bytes;
        size_t len = st[i].len ? st[i].len : strlen(st[i].bytes);
        enum dir d = st[i].dir;
        size_t k = d == DIR_C2S && cut > off[d] && cut < off[d] + len ? cut - off[d] : len;
        tls_conn_data(c, d, p, k, off[d]);
        if (k < len)
            tls_conn_data(c, d, p + k, len - k, off[d] + k);
        off[d] += len;
    }
    *out = tls_conn_summary(c)->opening;
    tls_conn_free(c);
}

static size_t total(const struct step *st, int n, enum dir d, int before_tls)
{
    size_t sum = 0;
    for (int i = 0; i < n; i++)
        if (st[i].dir == d && !(before_tls && (st[i].bytes == (const char *)client_hello ||
                                               st[i].bytes == (const char *)server_hello)))
            sum += st[i].len ? st[i].len : strlen(st[i].bytes);
    return sum;
}

static void check(const struct step *st, int n, struct expect e)
{
    size_t client_total = total(st, n, DIR_C2S, 0);
    for (size_t cut = 0; cut < client_total; cut++) {
        struct seen s;
        struct tls_opening o;
        play(st, n, cut, &s, &o);
        CU_ASSERT((e.app == NULL) == (o.app == NULL));
        if (e.app && o.app)
            CU_ASSERT_STRING_EQUAL(o.app, e.app);
        CU_ASSERT((e.how == NULL) == (o.how == NULL));
        if (e.how && o.how)
            CU_ASSERT_STRING_EQUAL(o.how, e.how);
        CU_ASSERT_EQUAL(o.upgrade, e.upgrade);
        for (int d = 0; d < 2; d++) {
            size_t plain = total(st, n, (enum dir)d, e.tls);
            CU_ASSERT_EQUAL(o.plain[d], plain);
            CU_ASSERT_EQUAL(s.plain[d], plain);
            CU_ASSERT_EQUAL(o.tls[d], e.tls);
            CU_ASSERT_EQUAL(s.hellos[d], e.tls);
            CU_ASSERT_EQUAL(s.begins[d], e.tls && plain);
            if (e.tls && plain)
                CU_ASSERT_EQUAL(s.begins_at[d], plain);
        }
        if (cut == 0 && client_total > 64)
            cut = client_total - 64; /* every cut near the hello, a few before */
    }
}

#define CHECK(steps, ...)                                                                          \
    check(steps, (int)(sizeof(steps) / sizeof(steps[0])), (struct expect)__VA_ARGS__)

static void smtp(void)
{
    const struct step ok[] = {S("220 mx.example ESMTP\r\n"),           C("EHLO client.example\r\n"),
                              S("250-mx.example\r\n250 STARTTLS\r\n"), C("STARTTLS\r\n"),
                              S("220 2.0.0 Ready to start TLS\r\n"),   HELLOS};
    CHECK(ok, {"smtp", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step lmtp[] = {S("220 lmtp ready\r\n"), C("LHLO c\r\n"),
                                S("250 STARTTLS\r\n"),   C("STARTTLS\r\n"),
                                S("220 go ahead\r\n"),   HELLOS};
    CHECK(lmtp, {"lmtp", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step refused[] = {S("220 mx ESMTP\r\n"),
                                   C("EHLO c\r\n"),
                                   S("250 OK\r\n"),
                                   C("STARTTLS\r\n"),
                                   S("454 4.7.0 TLS not available\r\n"),
                                   C("QUIT\r\n"),
                                   S("221 Bye\r\n")};
    CHECK(refused, {"smtp", "starttls", TLS_UPGRADE_REFUSED, 0});
    const struct step silent[] = {S("220 mx ESMTP\r\n"), C("EHLO c\r\n"), S("250 OK\r\n"),
                                  C("STARTTLS\r\n")};
    CHECK(silent, {"smtp", "starttls", TLS_UPGRADE_ASKED, 0});
}

static void mail_and_news(void)
{
    const struct step imap[] = {S("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
                                C("a001 CAPABILITY\r\n"),
                                S("* CAPABILITY IMAP4rev1 STARTTLS\r\n"
                                  "a001 OK done\r\n"),
                                C("a002 STARTTLS\r\n"),
                                S("a002 OK Begin TLS negotiation now\r\n"),
                                HELLOS};
    CHECK(imap, {"imap", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step imap_no[] = {S("* OK ready\r\n"), C("a1 STARTTLS\r\n"),
                                   S("a1 NO not now\r\n")};
    CHECK(imap_no, {"imap", "starttls", TLS_UPGRADE_REFUSED, 0});
    const struct step pop3[] = {S("+OK POP3 ready\r\n"), C("STLS\r\n"), S("+OK Begin TLS\r\n"),
                                HELLOS};
    CHECK(pop3, {"pop3", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step pop3_err[] = {S("+OK POP3 ready\r\n"), C("STLS\r\n"),
                                    S("-ERR Command not permitted\r\n")};
    CHECK(pop3_err, {"pop3", "starttls", TLS_UPGRADE_REFUSED, 0});
    const struct step nntp[] = {S("200 news ready\r\n"), C("STARTTLS\r\n"),
                                S("382 Continue with TLS negotiation\r\n"), HELLOS};
    CHECK(nntp, {"nntp", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step sieve[] = {S("\"IMPLEMENTATION\" \"x\"\r\n\"STARTTLS\"\r\nOK\r\n"),
                                 C("STARTTLS\r\n"), S("OK \"Begin TLS negotiation now\"\r\n"),
                                 HELLOS};
    CHECK(sieve, {"sieve", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step irc[] = {C("STARTTLS\r\n"),
                               S(":irc.example 670 * :STARTTLS successful, go ahead\r\n"), HELLOS};
    CHECK(irc, {"irc", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step ftp[] = {S("220 FTP server ready\r\n"), C("AUTH TLS\r\n"),
                               S("234 Proceed with negotiation.\r\n"), HELLOS};
    CHECK(ftp, {"ftp", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step xmpp[] = {
        C("<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
        S("<?xml version='1.0'?><stream:stream from='example.com' id='x' version='1.0'>"
          "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
          "</starttls></stream:features>"),
        C("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        S("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), HELLOS};
    CHECK(xmpp, {"xmpp", "starttls", TLS_UPGRADE_ACCEPTED, 1});
}

static void proxies(void)
{
    const struct step connect[] = {C("CONNECT server.example:443 HTTP/1.1\r\n"
                                     "Host: server.example:443\r\n\r\n"),
                                   S("HTTP/1.1 200 Connection established\r\n\r\n"), HELLOS};
    CHECK(connect, {"http-connect", "proxy", TLS_UPGRADE_ACCEPTED, 1});
    const struct step denied[] = {C("CONNECT server.example:443 HTTP/1.1\r\n\r\n"),
                                  S("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")};
    CHECK(denied, {"http-connect", "proxy", TLS_UPGRADE_REFUSED, 0});
    static const uint8_t s4_req[] = {4, 1, 1, 187, 192, 0, 2, 1, 'u', 0};
    static const uint8_t s4_ok[] = {0, 90, 1, 187, 192, 0, 2, 1};
    const struct step socks4[] = {CB(s4_req), SB(s4_ok), HELLOS};
    CHECK(socks4, {"socks4", "proxy", TLS_UPGRADE_ACCEPTED, 1});
    static const uint8_t s5_hello[] = {5, 1, 0}, s5_method[] = {5, 0};
    static const uint8_t s5_req[] = {5, 1, 0, 1, 192, 0, 2, 1, 1, 187};
    static const uint8_t s5_ok[] = {5, 0, 0, 1, 192, 0, 2, 1, 1, 187};
    static const uint8_t s5_fail[] = {5, 5, 0, 1, 0, 0, 0, 0, 0, 0};
    const struct step socks5[] = {CB(s5_hello), SB(s5_method), CB(s5_req), SB(s5_ok), HELLOS};
    CHECK(socks5, {"socks5", "proxy", TLS_UPGRADE_ACCEPTED, 1});
    const struct step socks5_no[] = {CB(s5_hello), SB(s5_method), CB(s5_req), SB(s5_fail)};
    CHECK(socks5_no, {"socks5", "proxy", TLS_UPGRADE_REFUSED, 0});
    /* HAProxy's PROXY protocol: the header, then the client's TLS. */
    const struct step pp1[] = {C("PROXY TCP4 192.0.2.1 192.0.2.2 40000 443\r\n"), HELLOS};
    CHECK(pp1, {"proxy-protocol", "proxy", TLS_UPGRADE_ACCEPTED, 1});
    static const uint8_t pp2[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
                                  0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c, 192,  0,    2,    1,
                                  192,  0,    2,    2,    0x9c, 0x40, 0x01, 0xbb};
    const struct step pp2s[] = {CB(pp2), HELLOS};
    CHECK(pp2s, {"proxy-protocol", "proxy", TLS_UPGRADE_ACCEPTED, 1});
}

static void databases_and_rdp(void)
{
    static const uint8_t ssl_request[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    const struct step pg[] = {CB(ssl_request), S("S"), HELLOS};
    CHECK(pg, {"postgres", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    const struct step pg_no[] = {CB(ssl_request), S("N")};
    CHECK(pg_no, {"postgres", "starttls", TLS_UPGRADE_REFUSED, 0});
    /* The answer is said exactly (a length once counted by hand let the
     * string's terminator in). */
    struct seen sn;
    struct tls_opening on;
    play(pg_no, 2, 0, &sn, &on);
    CU_ASSERT_STRING_EQUAL(on.answer, "N (SSL refused)");
    play(pg, 4, 0, &sn, &on);
    CU_ASSERT_STRING_EQUAL(on.answer, "S (SSL accepted)");
    /* libpq's gssencmode=prefer: GSS encryption first, refused, then SSL. */
    static const uint8_t gss_request[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};
    const struct step pg_gss[] = {CB(gss_request), S("N"), CB(ssl_request), S("S"), HELLOS};
    CHECK(pg_gss, {"postgres", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    /* MySQL: Initial Handshake v10 with CLIENT_SSL, then SSLRequest. */
    static const uint8_t greeting[] = {
        0x2e, 0, 0, 0, 10,   '8',  '.',  '0', 0, 1,    0,    0,  0, 1,  2,  3,  4, 5,
        6,    7, 8, 0, 0xff, 0xff, 0x21, 2,   0, 0xff, 0xc1, 21, 0, 0,  0,  0,  0, 0,
        0,    0, 0, 0, 1,    2,    3,    4,   5, 6,    7,    8,  9, 10, 11, 12, 0};
    static const uint8_t my_ssl[36] = {32, 0, 0, 1, 0x0d, 0xa6, 0xff, 0x19, 0, 0, 0, 1, 0xff};
    const struct step mysql[] = {SB(greeting), CB(my_ssl), HELLOS};
    CHECK(mysql, {"mysql", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    /* LDAP ExtendedRequest (messageID 1) and a success response. */
    static const uint8_t ldap_req[] = {
        0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.', '6', '.', '1',
        '.',  '4',  '.',  '1',  '.',  '1',  '4',  '6',  '6',  '.', '2', '0', '0', '3', '7'};
    static const uint8_t ldap_ok[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07,
                                      0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00};
    const struct step ldap[] = {CB(ldap_req), SB(ldap_ok), HELLOS};
    CHECK(ldap, {"ldap", "starttls", TLS_UPGRADE_ACCEPTED, 1});
    /* RDP: X.224 CR with RDP_NEG_REQ (TLS | CredSSP), CC with RDP_NEG_RSP (TLS). */
    static const uint8_t cr[] = {3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0};
    static const uint8_t cc[] = {3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34,
                                 0, 2, 0, 8,  0,  1,    0, 0, 0};
    const struct step rdp[] = {CB(cr), SB(cc), HELLOS};
    CHECK(rdp, {"rdp", "starttls", TLS_UPGRADE_ACCEPTED, 1});
}

static void unknown_and_wrong_port(void)
{
    /* Any protocol: a ClientHello after plaintext, and its answer. */
    const struct step any[] = {C("HELLO there\n"), S("WELCOME\n"), C("UPGRADE\n"), S("GO\n"),
                               HELLOS};
    CHECK(any, {NULL, "starttls", TLS_UPGRADE_ACCEPTED, 1});
    /* TLS from the first byte to an SMTP server: the client is TLS, the
     * server's banner and answer are plaintext. */
    struct seen s;
    struct tls_opening o;
    const struct step wrong[] = {S("220 mx ESMTP\r\n"), CB(client_hello),
                                 S("500 5.5.2 Error: bad syntax\r\n")};
    play(wrong, 3, 0, &s, &o);
    CU_ASSERT(o.tls[DIR_C2S] && !o.tls[DIR_S2C]);
    CU_ASSERT_EQUAL(o.plain[DIR_C2S], 0);
    CU_ASSERT_EQUAL(s.hellos[DIR_C2S], 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.app);
    CU_ASSERT_STRING_EQUAL(o.app, "smtp");
    CU_ASSERT_PTR_NULL(o.how);
    /* Plain TLS: no opening at all. */
    const struct step tls[] = {HELLOS};
    play(tls, 2, 0, &s, &o);
    CU_ASSERT(o.tls[0] && o.tls[1] && !o.plain[0] && !o.plain[1] && !s.begins[0]);
    CU_ASSERT_EQUAL(s.hellos[DIR_C2S] + s.hellos[DIR_S2C], 2);
}

/* FTP's CCC (RFC 4217 11): after each side's close_notify, plaintext
 * again, whether the first bytes come with the alert or after it, and
 * whole or one at a time. */
static void clear_command_channel(void)
{
    static const uint8_t close_notify[] = {0x15, 3, 3, 0, 2, 1, 0};
    for (int split = 0; split < 2; split++) {
        struct seen s;
        struct tls_opening o;
        uint8_t joined[sizeof(close_notify) + 6];
        memcpy(joined, close_notify, sizeof(close_notify));
        memcpy(joined + sizeof(close_notify), "PASV\r\n", 6);
        const struct step whole[] = {S("220 FTP ready\r\n"),
                                     C("AUTH TLS\r\n"),
                                     S("234 go\r\n"),
                                     HELLOS,
                                     CB(joined),
                                     SB(close_notify),
                                     S("227 Entering Passive Mode\r\n")};
        const struct step apart[] = {S("220 FTP ready\r\n"),
                                     C("AUTH TLS\r\n"),
                                     S("234 go\r\n"),
                                     HELLOS,
                                     CB(close_notify),
                                     C("P"),
                                     C("ASV\r\n"),
                                     SB(close_notify),
                                     S("227 Entering Passive Mode\r\n")};
        memset(ends, 0, sizeof(ends));
        if (split)
            play(apart, 10, 0, &s, &o);
        else
            play(whole, 8, 0, &s, &o);
        CU_ASSERT(ends[DIR_C2S] == 1 && ends[DIR_S2C] == 1);
        CU_ASSERT_EQUAL(ends_at[DIR_C2S], 10 + sizeof(client_hello) + sizeof(close_notify));
        CU_ASSERT_EQUAL(o.plain[DIR_C2S], 10 + 6);
        CU_ASSERT_EQUAL(o.plain[DIR_S2C], strlen("220 FTP ready\r\n234 go\r\n"
                                                 "227 Entering Passive Mode\r\n"));
        CU_ASSERT_EQUAL(o.upgrade, TLS_UPGRADE_ACCEPTED);
    }
}

/* A handshake that completes and then plaintext by design (GridFTP's
 * data channels with DCAU and PROT C: TLS only authenticates): each side
 * ends its TLS after its Finished, and no problem is reported.  Bytes
 * that break a stream of application data records still are one. */
static void plaintext_after_handshake(void)
{
    static const uint8_t ccs[] = {0x14, 3, 3, 0, 1, 1};
    static const uint8_t finished[45] = {0x16, 3, 3, 0, 40, 0xaa, 0xbb};
    static const uint8_t app[29] = {0x17, 3, 3, 0, 24, 0xcc};
    for (int cut = 0; cut < 2; cut++) {
        struct seen s;
        struct tls_opening o;
        const struct step data[] = {HELLOS,
                                    CB(ccs),
                                    CB(finished),
                                    SB(ccs),
                                    SB(finished),
                                    C("STOR file 1234\n"),
                                    S("0123456789abcdef")};
        memset(ends, 0, sizeof(ends));
        memset(problems, 0, sizeof(problems));
        /* cut: the client's plaintext in two pieces, within the header
         * the framer reads */
        play(data, 8, cut ? sizeof(client_hello) + sizeof(ccs) + sizeof(finished) + 3 : 0, &s, &o);
        CU_ASSERT(ends[DIR_C2S] == 1 && ends[DIR_S2C] == 1);
        CU_ASSERT_EQUAL(ends_at[DIR_C2S], sizeof(client_hello) + sizeof(ccs) + sizeof(finished));
        CU_ASSERT_EQUAL(problems[DIR_C2S] + problems[DIR_S2C], 0);
        CU_ASSERT_EQUAL(o.plain[DIR_C2S], strlen("STOR file 1234\n"));
        CU_ASSERT_EQUAL(o.plain[DIR_S2C], 16);
        CU_ASSERT_EQUAL(s.hellos[DIR_C2S] + s.hellos[DIR_S2C], 2);
    }
    /* After an application data record: the stream is broken, not ended. */
    struct seen s;
    struct tls_opening o;
    const struct step broken[] = {HELLOS,
                                  CB(ccs),
                                  CB(finished),
                                  SB(ccs),
                                  SB(finished),
                                  SB(app),
                                  S("HTTP/1.1 403 Forbidden\r\n\r\n")};
    memset(ends, 0, sizeof(ends));
    memset(problems, 0, sizeof(problems));
    play(broken, 8, 0, &s, &o);
    CU_ASSERT_EQUAL(ends[DIR_S2C], 0);
    CU_ASSERT_EQUAL(problems[DIR_S2C], 1);
    CU_ASSERT_EQUAL(o.plain[DIR_S2C], 0);
    /* Before its Finished a side's stray bytes are a broken stream too. */
    const struct step early[] = {HELLOS, CB(ccs), C("not a record")};
    memset(ends, 0, sizeof(ends));
    memset(problems, 0, sizeof(problems));
    play(early, 4, 0, &s, &o);
    CU_ASSERT_EQUAL(ends[DIR_C2S], 0);
    CU_ASSERT_EQUAL(problems[DIR_C2S], 1);
}

/* A capture that starts after the handshake: an alert record longer
 * than two bytes is encrypted (a MAC or tag follows the two bytes), not
 * a level and a description; a two-byte one is in clear. */
static void midstream_alerts(void)
{
    static const uint8_t app[29] = {0x17, 3, 3, 0, 24, 0x4f};
    static const uint8_t enc_alert[31] = {0x15, 3, 3, 0, 26, 0x4f, 0x91};
    static const uint8_t clear_alert[7] = {0x15, 3, 3, 0, 2, 2, 40};
    struct seen s = {0};
    struct tls_conn *c = tls_conn_new(&ops, &s, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    alerts_encrypted = alerts_clear = 0;
    tls_conn_midstream(c);
    tls_conn_data(c, DIR_S2C, app, sizeof(app), 0);
    tls_conn_data(c, DIR_S2C, enc_alert, sizeof(enc_alert), sizeof(app));
    tls_conn_data(c, DIR_C2S, clear_alert, sizeof(clear_alert), 0);
    CU_ASSERT_EQUAL(alerts_encrypted, 1);
    CU_ASSERT_EQUAL(alerts_clear, 1);
    const struct tls_summary *sum = tls_conn_summary(c);
    CU_ASSERT_EQUAL(sum->nalerts, 2);
    CU_ASSERT(sum->alerts[0].encrypted && !sum->alerts[0].decrypted);
    CU_ASSERT(!sum->alerts[1].encrypted && sum->alerts[1].desc == 40);
    tls_conn_free(c);
}

/* The record signatures, at every length of their prefix. */
static void record_starts(void)
{
    for (size_t n = 0; n <= sizeof(client_hello); n++) {
        enum tls_start want = n < TLS_START_NEED ? TLS_START_MORE : TLS_START_YES;
        CU_ASSERT_EQUAL(tls_record_starts(client_hello, n, TLS_CLIENT_HELLO), want);
        CU_ASSERT_EQUAL(tls_record_starts(server_hello, n, TLS_SERVER_ANSWER), want);
        CU_ASSERT_EQUAL(tls_record_starts(client_hello, n, TLS_AT_STREAM_START),
                        n < 5 ? TLS_START_MORE : TLS_START_YES);
    }
    CU_ASSERT_EQUAL(tls_record_starts(server_hello, 11, TLS_CLIENT_HELLO), TLS_START_NO);
    CU_ASSERT_EQUAL(tls_record_starts(client_hello, 11, TLS_SERVER_ANSWER), TLS_START_NO);
    static const uint8_t alert[] = {0x15, 3, 3, 0, 2, 2, 40};
    CU_ASSERT_EQUAL(tls_record_starts(alert, sizeof(alert), TLS_SERVER_ANSWER), TLS_START_YES);
    uint8_t short_body[sizeof(client_hello)];
    memcpy(short_body, client_hello, sizeof(short_body));
    short_body[8] = 37; /* shorter than any ClientHello */
    CU_ASSERT_EQUAL(tls_record_starts(short_body, 11, TLS_CLIENT_HELLO), TLS_START_NO);
    CU_ASSERT_EQUAL(tls_record_starts((const uint8_t *)"220 ", 4, TLS_AT_STREAM_START),
                    TLS_START_NO);
}

void suite_opening(void)
{
    static const CU_TestInfo tests[] = {
        {"record signatures where TLS may begin", record_starts},
        {"SMTP and LMTP STARTTLS: accepted, refused, unanswered", smtp},
        {"IMAP, POP3, NNTP, Sieve, IRC, FTP, XMPP", mail_and_news},
        {"HTTP CONNECT, SOCKS4, SOCKS5, PROXY protocol v1 and v2", proxies},
        {"PostgreSQL, MySQL, LDAP, RDP", databases_and_rdp},
        {"an unknown protocol that upgrades; TLS to a plaintext port", unknown_and_wrong_port},
        {"FTP CCC: plaintext again after close_notify", clear_command_channel},
        {"plaintext after a completed handshake (GridFTP)", plaintext_after_handshake},
        {"mid-stream: an alert longer than two bytes is encrypted", midstream_alerts},
        CU_TEST_INFO_NULL,
    };
    add_suite("opening", tests);
}
