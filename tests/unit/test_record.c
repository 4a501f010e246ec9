/* The record framer: records split anywhere, SSLv2 hello, non-TLS, bad lengths. */
#include <stdlib.h>
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "unit.h"

struct seen {
    int records;
    unsigned types[16];
    size_t lens[16];
    uint64_t offsets[16];
    uint8_t firsts[16];
    int problems;
    enum tls_problem_kind problem;
};

static struct seen S;

static void on_record(void *arg, const struct tls_record *r)
{
    (void)arg;
    if (S.records < 16) {
        S.types[S.records] = r->type;
        S.lens[S.records] = r->length;
        S.offsets[S.records] = r->offset;
        S.firsts[S.records] = r->length ? r->body[0] : 0;
    }
    S.records++;
}

static void on_problem(void *arg, enum tls_problem_kind what, uint64_t off)
{
    (void)arg;
    (void)off;
    S.problems++;
    S.problem = what;
}

static const struct tls_framer_ops ops = {on_record, on_problem};

/* Handshake(4 bytes), CCS(1), application_data(0), Alert(2). */
static const uint8_t stream[] = {
    22, 3, 1, 0, 4, 1, 0xaa, 0xbb, 0xcc, 20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 0, 21, 3, 3, 0, 2, 2, 40,
};

static void check_stream(void)
{
    CU_ASSERT_EQUAL_FATAL(S.records, 4);
    CU_ASSERT_EQUAL(S.problems, 0);
    CU_ASSERT_EQUAL(S.types[0], TLS_CT_HANDSHAKE);
    CU_ASSERT_EQUAL(S.lens[0], 4);
    CU_ASSERT_EQUAL(S.firsts[0], 1);
    CU_ASSERT_EQUAL(S.types[1], TLS_CT_CHANGE_CIPHER_SPEC);
    CU_ASSERT_EQUAL(S.offsets[1], 9);
    CU_ASSERT_EQUAL(S.types[2], TLS_CT_APPLICATION_DATA);
    CU_ASSERT_EQUAL(S.lens[2], 0);
    CU_ASSERT_EQUAL(S.types[3], TLS_CT_ALERT);
    CU_ASSERT_EQUAL(S.firsts[3], 2);
    CU_ASSERT_EQUAL(S.offsets[3], 20);
}

static void split_everywhere(void)
{
    /* Whole, then cut in two at every place, then byte by byte. */
    for (size_t cut = 0; cut <= sizeof(stream); cut++) {
        memset(&S, 0, sizeof(S));
        struct tls_framer *f = tls_framer_new(&ops, NULL);
        uint8_t *a = malloc(cut + 1), *b = malloc(sizeof(stream) - cut + 1);
        memcpy(a, stream, cut);
        memcpy(b, stream + cut, sizeof(stream) - cut);
        tls_framer_feed(f, a, cut, 0);
        tls_framer_feed(f, b, sizeof(stream) - cut, cut);
        check_stream();
        free(a);
        free(b);
        tls_framer_free(f);
    }
    memset(&S, 0, sizeof(S));
    struct tls_framer *f = tls_framer_new(&ops, NULL);
    for (size_t i = 0; i < sizeof(stream); i++)
        tls_framer_feed(f, stream + i, 1, i);
    check_stream();
    tls_framer_free(f);
}

static void ssl2_client_hello(void)
{
    /* length 9: msg_type 1, version 3.1, cipher_spec_length 3, ... */
    static const uint8_t v2[] = {0x80, 0x09, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10};
    memset(&S, 0, sizeof(S));
    CU_ASSERT(tls_looks_like_client_hello(v2, sizeof(v2)));
    struct tls_framer *f = tls_framer_new(&ops, NULL);
    tls_framer_feed(f, v2, 4, 0);
    tls_framer_feed(f, v2 + 4, sizeof(v2) - 4, 4);
    CU_ASSERT_EQUAL(S.records, 1);
    CU_ASSERT_EQUAL(S.types[0], TLS_CT_SSL2_HELLO);
    CU_ASSERT_EQUAL(S.lens[0], 9);
    CU_ASSERT_EQUAL(S.firsts[0], 1);
    tls_framer_free(f);
}

static void not_tls(void)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    memset(&S, 0, sizeof(S));
    CU_ASSERT_FALSE(tls_looks_like_client_hello((const uint8_t *)http, sizeof(http) - 1));
    struct tls_framer *f = tls_framer_new(&ops, NULL);
    tls_framer_feed(f, (const uint8_t *)http, sizeof(http) - 1, 0);
    tls_framer_feed(f, stream, sizeof(stream), sizeof(http) - 1); /* ignored now */
    CU_ASSERT_EQUAL(S.records, 0);
    CU_ASSERT_EQUAL(S.problems, 1);
    CU_ASSERT_EQUAL(S.problem, TLS_NOT_TLS);
    tls_framer_free(f);
}

static void bad_length_and_header(void)
{
    static const uint8_t big[] = {23, 3, 3, 0x48, 0x01}; /* 18433 > 2^14 + 2048 */
    memset(&S, 0, sizeof(S));
    struct tls_framer *f = tls_framer_new(&ops, NULL);
    tls_framer_feed(f, stream, sizeof(stream), 0);
    tls_framer_feed(f, big, sizeof(big), sizeof(stream));
    CU_ASSERT_EQUAL(S.records, 4);
    CU_ASSERT_EQUAL(S.problem, TLS_BAD_LENGTH);
    tls_framer_free(f);

    static const uint8_t junk[] = {23, 9, 9, 0, 1, 0};
    memset(&S, 0, sizeof(S));
    f = tls_framer_new(&ops, NULL);
    tls_framer_feed(f, stream, sizeof(stream), 0);
    tls_framer_feed(f, junk, sizeof(junk), sizeof(stream));
    CU_ASSERT_EQUAL(S.problem, TLS_BAD_HEADER);
    tls_framer_free(f);
}

static void gap_loses_sync(void)
{
    memset(&S, 0, sizeof(S));
    struct tls_framer *f = tls_framer_new(&ops, NULL);
    tls_framer_feed(f, stream, 12, 0);
    tls_framer_gap(f, 12);
    /* Only one record follows: nothing confirms its header. */
    tls_framer_feed(f, stream + 15, sizeof(stream) - 15, 15);
    CU_ASSERT_EQUAL(S.records, 1);
    CU_ASSERT_EQUAL(S.problem, TLS_LOST_SYNC);
    tls_framer_free(f);
}

/* After a gap, two consecutive plausible headers restore the boundaries;
 * a lone plausible header in the lost record's tail does not. */
static void gap_resyncs(void)
{
    static const uint8_t after[] = {
        0x17, 0x03, 0x03, 0x00, 0x05, /* looks like a header; 5 bytes on, no header */
        0xee, 0xee, 23,   3,    3,    0,    3,    0xa1, 0xa2, 0xa3, /* offset 107 */
        23,   3,    3,    0,    2,    0xb1, 0xb2, 21,   3,    3,    0, 2, 1, 0,
    };
    memset(&S, 0, sizeof(S));
    struct tls_framer *f = tls_framer_new(&ops, NULL);
    tls_framer_feed(f, stream, 12, 0);
    tls_framer_gap(f, 12);
    for (size_t i = 0; i < sizeof(after); i++) /* a byte at a time */
        tls_framer_feed(f, after + i, 1, 100 + i);
    CU_ASSERT_EQUAL(S.problem, TLS_RESYNC);
    CU_ASSERT_EQUAL(S.problems, 2);
    CU_ASSERT_EQUAL_FATAL(S.records, 4);
    CU_ASSERT_EQUAL(S.offsets[1], 107);
    CU_ASSERT_EQUAL(S.firsts[1], 0xa1);
    CU_ASSERT_EQUAL(S.firsts[2], 0xb1);
    CU_ASSERT_EQUAL(S.types[3], 21);
    tls_framer_free(f);
}

void suite_record(void)
{
    static const CU_TestInfo tests[] = {
        {"records split at every offset", split_everywhere},
        {"SSLv2-compatible ClientHello", ssl2_client_hello},
        {"a stream that is not TLS", not_tls},
        {"bad length and bad header", bad_length_and_header},
        {"a gap loses record sync", gap_loses_sync},
        {"after a gap, record sync is found again", gap_resyncs},
        CU_TEST_INFO_NULL,
    };
    add_suite("record", tests);
}
