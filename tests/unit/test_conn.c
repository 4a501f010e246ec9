/* The connection layer (src/tls/conn.c, facts.c) through the tls_conn API,
 * as the pipeline feeds it: a TLS 1.2 handshake built here byte by byte,
 * fed whole, a byte at a time, and with a message split across records.
 * Checked: the summary the messages fold into (versions, suite, SNI,
 * ALPN, resumption, the keying flags, the hellos' lists), the messages and
 * records told, and the problems: listed, and told with the stream bytes
 * they concern. */
#include <stdlib.h>
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "unit.h"

struct out {
    uint8_t b[4096];
    size_t n;
};

static void put(struct out *o, const void *p, size_t n)
{
    CU_ASSERT_FATAL(o->n + n <= sizeof(o->b));
    if (n)
        memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put8(struct out *o, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(o, &b, 1);
}

static void put16(struct out *o, unsigned v)
{
    put8(o, v >> 8), put8(o, v);
}

/* Patches a length of `bytes` bytes at `at` to cover what follows it. */
static void patch(struct out *o, size_t at, int bytes)
{
    size_t len = o->n - at - (size_t)bytes;
    for (int i = 0; i < bytes; i++)
        o->b[at + (size_t)i] = (uint8_t)(len >> (8 * (bytes - 1 - i)));
}

static void ext(struct out *o, unsigned type, const void *body, size_t n)
{
    put16(o, type), put16(o, (unsigned)n), put(o, body, n);
}

/* A ClientHello (header included): TLS 1.2 legacy version, session ID of
 * 0x5e, server_name, ALPN h2 and http/1.1, supported_versions 1.3 and
 * 1.2 (a GREASE value first), and early_data when asked. */
static void client_hello(struct out *o, int early_data)
{
    static const uint8_t sni[] = {0,   14,  0,   0,   11,  'e', 'x', 'a',
                                  'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'};
    static const uint8_t alpn[] = {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    static const uint8_t versions[] = {6, 0x0a, 0x0a, 3, 4, 3, 3};
    size_t at = o->n;
    uint8_t r[32], sid[32];
    memset(r, 0xc1, 32), memset(sid, 0x5e, 32);
    put8(o, 1), put8(o, 0), put16(o, 0);
    put16(o, 0x0303), put(o, r, 32), put8(o, 32), put(o, sid, 32);
    put16(o, 4), put16(o, 0x1301), put16(o, 0xc02f);
    put8(o, 1), put8(o, 0);
    size_t exts = o->n;
    put16(o, 0);
    ext(o, 0, sni, sizeof(sni));
    ext(o, 16, alpn, sizeof(alpn));
    ext(o, 43, versions, sizeof(versions));
    if (early_data)
        ext(o, 42, NULL, 0);
    patch(o, exts, 2);
    patch(o, at + 1, 3);
}

/* A TLS 1.2 ServerHello echoing the session ID (a resumption), with
 * extended_master_secret, encrypt_then_mac and ALPN h2. */
static void server_hello(struct out *o)
{
    static const uint8_t alpn[] = {0, 3, 2, 'h', '2'};
    size_t at = o->n;
    uint8_t r[32], sid[32];
    memset(r, 0x51, 32), memset(sid, 0x5e, 32);
    put8(o, 2), put8(o, 0), put16(o, 0);
    put16(o, 0x0303), put(o, r, 32), put8(o, 32), put(o, sid, 32), put16(o, 0xc02f), put8(o, 0);
    size_t exts = o->n;
    put16(o, 0);
    ext(o, 23, NULL, 0);
    ext(o, 22, NULL, 0);
    ext(o, 16, alpn, sizeof(alpn));
    patch(o, exts, 2);
    patch(o, at + 1, 3);
}

/* p as records of type 22, cut every `cut` bytes (0: one record). */
static void records(struct out *o, const struct out *msgs, size_t cut)
{
    for (size_t at = 0, n; at < msgs->n; at += n) {
        n = cut && msgs->n - at > cut ? cut : msgs->n - at;
        put8(o, 22), put16(o, 0x0303), put16(o, (unsigned)n), put(o, msgs->b + at, n);
    }
}

struct seen {
    int records, messages, problems;
    uint8_t types[16];
    enum tls_problem_kind problem;
    uint64_t value;
    uint8_t bytes[64];
    size_t nbytes;
    int bytes_null;
};

static void on_record(void *a, enum dir d, const struct tls_rec_info *r)
{
    (void)d, (void)r;
    ((struct seen *)a)->records++;
}

static void on_message(void *a, enum dir d, const struct tls_msg *m)
{
    struct seen *s = a;
    (void)d;
    CU_ASSERT_FALSE(m->malformed);
    if (s->messages < 16)
        s->types[s->messages] = m->type;
    s->messages++;
}

static void on_alert(void *a, enum dir d, const struct tls_alert *al)
{
    (void)a, (void)d, (void)al;
}

static void on_problem(void *a, enum dir d, const struct tls_problem *p)
{
    struct seen *s = a;
    CU_ASSERT_EQUAL(p->dir, d);
    s->problems++;
    s->problem = p->kind;
    s->value = p->value;
    s->bytes_null = p->bytes == NULL;
    s->nbytes = p->nbytes;
    if (p->bytes)
        memcpy(s->bytes, p->bytes, p->nbytes < 64 ? p->nbytes : 64);
}

static const struct tls_ops ops = {
    .record = on_record, .message = on_message, .alert = on_alert, .problem = on_problem};

/* Feeds dir's stream in pieces of `piece` bytes (0: at once). */
static void feed(struct tls_conn *c, enum dir dir, const struct out *o, size_t piece)
{
    for (size_t at = 0, n; at < o->n; at += n) {
        n = piece && o->n - at > piece ? piece : o->n - at;
        tls_conn_data(c, dir, o->b + at, n, at);
    }
}

static void assert_facts(const struct tls_summary *s)
{
    CU_ASSERT_EQUAL(s->client_version, 0x0304); /* supported_versions, GREASE left out */
    CU_ASSERT_EQUAL(s->version, 0x0303);
    CU_ASSERT_EQUAL(s->cipher, 0xc02f);
    CU_ASSERT_STRING_EQUAL(s->sni, "example.com");
    CU_ASSERT_STRING_EQUAL(s->alpn, "h2"); /* the server's, not the client's first */
    CU_ASSERT(s->resumed && !s->hrr);
    CU_ASSERT(s->ems && s->etm && s->early_data_offered);
    CU_ASSERT(s->client_sid_len == 32 && s->client_sid[0] == 0x5e);
    CU_ASSERT(s->client_random[0] == 0xc1 && s->server_random[31] == 0x51);
    CU_ASSERT(s->ch.seen && s->ch.nciphers == 2 && s->ch.nversions == 2 && s->ch.nalpn == 2);
    CU_ASSERT(s->sh.seen && s->sh.nexts == 3 && s->sh.ciphers[0] == 0xc02f);
    CU_ASSERT(s->nhs[DIR_C2S] == 1 && s->hs[DIR_C2S][0] == 1);
    CU_ASSERT(s->nhs[DIR_S2C] == 2 && s->hs[DIR_S2C][0] == 2 && s->hs[DIR_S2C][1] == 14);
    CU_ASSERT_EQUAL(s->nproblems, 0);
    CU_ASSERT(s->tls_seen);
}

/* The same handshake whole, a byte at a time (records split across
 * pieces), and with each message cut into records of 7 bytes (messages
 * split across records); the server's two messages share a record. */
static void handshake_facts(void)
{
    static const size_t pieces[] = {0, 1, 3, 0};
    static const size_t cuts[] = {0, 0, 0, 7};
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        struct out ch = {0}, sh = {0}, c2s = {0}, s2c = {0};
        struct seen seen = {0};
        client_hello(&ch, 1);
        server_hello(&sh);
        put(&sh, "\x0e\x00\x00\x00", 4); /* ServerHelloDone */
        records(&c2s, &ch, cuts[i]);
        records(&s2c, &sh, cuts[i]);
        struct tls_conn *c = tls_conn_new(&ops, &seen, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        feed(c, DIR_C2S, &c2s, pieces[i]);
        feed(c, DIR_S2C, &s2c, pieces[i]);
        CU_ASSERT_EQUAL(seen.messages, 3);
        CU_ASSERT(seen.types[0] == 1 && seen.types[1] == 2 && seen.types[2] == 14);
        CU_ASSERT_EQUAL(seen.records, cuts[i] ? (int)((ch.n + 6) / 7 + (sh.n + 6) / 7) : 2);
        CU_ASSERT_EQUAL(seen.problems, 0);
        assert_facts(tls_conn_summary(c));
        CU_ASSERT_PTR_NULL(tls_conn_crypto_result(c)); /* no keys */
        tls_conn_free(c);
    }
}

/* Each hello says whether it offers early data: a second ClientHello
 * without it clears what the first said. */
static void second_client_hello(void)
{
    struct out ch = {0}, c2s = {0};
    struct seen seen = {0};
    client_hello(&ch, 1);
    client_hello(&ch, 0);
    records(&c2s, &ch, 0);
    struct tls_conn *c = tls_conn_new(&ops, &seen, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    feed(c, DIR_C2S, &c2s, 0);
    CU_ASSERT_EQUAL(seen.messages, 2);
    const struct tls_summary *s = tls_conn_summary(c);
    CU_ASSERT_FALSE(s->early_data_offered);
    CU_ASSERT_EQUAL(s->ch.nexts, 4); /* the fingerprints keep the first hello */
    tls_conn_free(c);
}

/* Bytes that are not a record after the ServerHello: a bad header, told
 * with the bytes from its offset to the end of the piece, and listed. */
static void bad_header_bytes(void)
{
    static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    struct out sh = {0}, s2c = {0};
    struct seen seen = {0};
    server_hello(&sh);
    records(&s2c, &sh, 0);
    size_t at = s2c.n;
    put(&s2c, http, sizeof(http) - 1);
    struct tls_conn *c = tls_conn_new(&ops, &seen, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    feed(c, DIR_S2C, &s2c, 0);
    CU_ASSERT_EQUAL(seen.problems, 1);
    CU_ASSERT_EQUAL(seen.problem, TLS_BAD_HEADER);
    CU_ASSERT_EQUAL(seen.value, at);
    CU_ASSERT(seen.nbytes == sizeof(http) - 1 && memcmp(seen.bytes, http, seen.nbytes) == 0);
    const struct tls_summary *s = tls_conn_summary(c);
    CU_ASSERT(s->nproblems == 1 && s->problems[0].kind == TLS_BAD_HEADER);
    CU_ASSERT(s->problems[0].value == at && s->problems[0].bytes == NULL); /* not kept */
    tls_conn_free(c);

    /* The header begun in one piece and ended in the next: its first
     * bytes are no longer at hand. */
    memset(&seen, 0, sizeof(seen));
    c = tls_conn_new(&ops, &seen, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    tls_conn_data(c, DIR_S2C, s2c.b, at + 3, 0);
    tls_conn_data(c, DIR_S2C, s2c.b + at + 3, s2c.n - at - 3, at + 3);
    CU_ASSERT(seen.problems == 1 && seen.problem == TLS_BAD_HEADER && seen.value == at);
    CU_ASSERT(seen.bytes_null && seen.nbytes == 0);
    tls_conn_free(c);
}

/* A capture that starts mid-connection with bytes that are not TLS: not
 * TLS, told with those bytes.  The midstream start and a gap are listed,
 * not told; the gap loses the records' boundaries (told, at its offset,
 * with no bytes at hand). */
static void listed_problems(void)
{
    static const char junk[] = "SSH-2.0-OpenSSH_9.6\r\n";
    struct seen seen = {0};
    struct tls_conn *c = tls_conn_new(&ops, &seen, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    tls_conn_midstream(c);
    tls_conn_data(c, DIR_C2S, (const uint8_t *)junk, sizeof(junk) - 1, 100);
    CU_ASSERT(seen.problems == 1 && seen.problem == TLS_NOT_TLS && seen.value == 100);
    CU_ASSERT(seen.nbytes == sizeof(junk) - 1 && memcmp(seen.bytes, junk, seen.nbytes) == 0);
    tls_conn_gap(c, DIR_S2C, 7, 1234);
    CU_ASSERT(seen.problems == 2 && seen.problem == TLS_LOST_SYNC && seen.value == 7);
    CU_ASSERT(seen.bytes_null);
    const struct tls_summary *s = tls_conn_summary(c);
    CU_ASSERT_EQUAL_FATAL(s->nproblems, 4);
    CU_ASSERT(s->problems[0].kind == TLS_MIDSTREAM && s->problems[1].kind == TLS_NOT_TLS);
    CU_ASSERT(s->problems[2].kind == TLS_GAP && s->problems[2].dir == DIR_S2C);
    CU_ASSERT_EQUAL(s->problems[2].value, 1234);
    CU_ASSERT(s->problems[3].kind == TLS_LOST_SYNC && s->problems[3].value == 7);
    CU_ASSERT(tls_problem_is_framing(TLS_NOT_TLS) && !tls_problem_is_framing(TLS_GAP));
    tls_conn_free(c);
}

void suite_conn(void)
{
    static const CU_TestInfo tests[] = {
        {"a handshake's facts, whole, in pieces, across records", handshake_facts},
        {"a second ClientHello says again whether it offers early data", second_client_hello},
        {"a bad header, told with its bytes", bad_header_bytes},
        {"problems listed: midstream, not TLS, gap", listed_problems},
        CU_TEST_INFO_NULL,
    };
    add_suite("tls connection", tests);
}
