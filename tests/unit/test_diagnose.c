/*
 * The analysis stage's verdicts and diagnoses for situations the failure
 * captures do not hold: a connection is told its events as the pipeline
 * would tell them, and the findings are checked.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "unit.h"

struct script {
    struct an_analyzer *an;
    struct an_conn *ca;
    struct tls_summary sum;
    uint64_t off[2];
};

static void start(struct script *s)
{
    memset(s, 0, sizeof(*s));
    s->sum.cipher = 0xffffffff;
    s->an = an_analyzer_new(NULL);
    s->ca = an_conn_new(s->an);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->ca);
}

static void finish(struct script *s)
{
    an_conn_free(s->ca);
    an_analyzer_free(s->an);
}

/* n stream bytes from dir (their content matters only at the start). */
static void data(struct script *s, enum dir dir, const char *bytes, size_t n)
{
    an_conn_stream(s->ca, dir, s->off[dir], (const uint8_t *)bytes, n);
    s->off[dir] += n;
}

/* The direction's FIN, or its RST when reset. */
static void end_dir(struct script *s, enum dir dir, int reset)
{
    an_conn_end(s->ca, dir, reset);
}

static void record(struct script *s, enum dir dir, unsigned type, size_t len, int encrypted)
{
    static const char zeros[64];
    struct tls_record rec = {.type = type, .version = 0x0303, .length = len};
    struct tls_rec_info ri = {.rec = &rec, .encrypted = encrypted, .open = TLS_OPEN_NO_KEYS};
    data(s, dir, zeros, len + 5 < sizeof(zeros) ? len + 5 : sizeof(zeros));
    s->sum.tls_seen = 1;
    an_conn_record(s->ca, dir, &ri);
}

static void message(struct script *s, enum dir dir, uint8_t type)
{
    struct tls_msg m = {.type = type};
    record(s, dir, 22, 40, 0);
    an_conn_message(s->ca, dir, &m, &s->sum, 1000000);
}

static void alert(struct script *s, enum dir dir, uint8_t level, uint8_t desc)
{
    struct tls_alert a = {.from = dir, .level = level, .desc = desc};
    record(s, dir, 21, 2, 0);
    an_conn_alert(s->ca, dir, &a);
}

/* A client offering TLS 1.2 and 1.3, and the server's hello. */
static void hellos(struct script *s, uint16_t version)
{
    s->sum.ch.seen = 1;
    s->sum.ch.versions[s->sum.ch.nversions++] = 0x0304;
    s->sum.ch.versions[s->sum.ch.nversions++] = 0x0303;
    s->sum.ch.ciphers[s->sum.ch.nciphers++] = 0x1301;
    s->sum.ch.ciphers[s->sum.ch.nciphers++] = 0xc02f;
    strcpy(s->sum.sni, "server.test");
    message(s, DIR_C2S, 1);
    if (!version)
        return;
    s->sum.sh.seen = 1;
    s->sum.version = version;
    s->sum.cipher = version == 0x0304 ? 0x1301 : 0xc02f;
    message(s, DIR_S2C, 2);
}

/* A full TLS 1.2 handshake without keys, then each side closes. */
static void tls12_established(struct script *s)
{
    hellos(s, 0x0303);
    message(s, DIR_S2C, 11);
    message(s, DIR_S2C, 14);
    message(s, DIR_C2S, 16);
    record(s, DIR_C2S, 20, 1, 0);
    record(s, DIR_C2S, 22, 40, 1);
    record(s, DIR_S2C, 20, 1, 0);
    record(s, DIR_S2C, 22, 40, 1);
    record(s, DIR_C2S, 23, 100, 1);
    record(s, DIR_S2C, 23, 1000, 1);
    end_dir(s, DIR_C2S, 0);
    end_dir(s, DIR_S2C, 0);
}

static const struct an_findings *end(struct script *s, const struct crypto_result *cr)
{
    const struct an_findings *f = an_conn_finish(s->ca, &s->sum, cr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    return f;
}

static void established_with_history(void)
{
    struct script s;
    start(&s);
    tls12_established(&s);
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_ESTABLISHED);
    CU_ASSERT_PTR_NULL(f->diag.code);
    CU_ASSERT_STRING_EQUAL(f->history, "CsxnGIi"); /* Zeek's letters; protected ones unseen */
    finish(&s);
}

static void downgrade_sentinel(void)
{
    struct script s;
    start(&s);
    memcpy(s.sum.server_random + 24, "DOWNGRD\x01", 8);
    tls12_established(&s);
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "protocol_version");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.evidence[0], "DOWNGRD"));
    finish(&s);

    /* A client that offered only TLS 1.2 expects the sentinel. */
    start(&s);
    memcpy(s.sum.server_random + 24, "DOWNGRD\x01", 8);
    tls12_established(&s);
    s.sum.ch.nversions = 0;
    CU_ASSERT_PTR_NULL(end(&s, NULL)->diag.code);
    finish(&s);
}

static void alerts_by_name(void)
{
    static const struct {
        uint8_t desc;
        const char *code;
    } cases[] = {
        {112, "unrecognized_name"},
        {120, "no_application_protocol"},
        {110, "unsupported_extension"},
        {47, "illegal_parameter"},
        {50, "decode_error"},
        {86, "protocol_version"},
        {80, "internal_error"},
        /* no name: a fixed code (it once pointed into a dead stack frame) */
        {200, "unknown_alert"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct script s;
        start(&s);
        hellos(&s, 0);
        alert(&s, DIR_S2C, 2, cases[i].desc);
        end_dir(&s, DIR_S2C, 0);
        const struct an_findings *f = end(&s, NULL);
        CU_ASSERT_EQUAL(f->verdict, VERDICT_FAILED);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f->diag.code);
        CU_ASSERT_STRING_EQUAL(f->diag.code, cases[i].code);
        CU_ASSERT_FALSE(f->diag.likely);
        CU_ASSERT(f->diag.nevidence >= 1);
        if (cases[i].desc == 200)
            CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.message, "unknown (0xc8)"));
        finish(&s);
    }
}

static void hello_retry_failed(void)
{
    struct script s;
    start(&s);
    hellos(&s, 0);
    s.sum.hrr = 1;
    message(&s, DIR_S2C, 6);
    message(&s, DIR_C2S, 1);
    alert(&s, DIR_S2C, 2, 47);
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "hrr_failed");
    CU_ASSERT_STRING_EQUAL(f->history, "CjCl");
    finish(&s);
}

static void refused_and_reset(void)
{
    struct script s;
    start(&s);
    end_dir(&s, DIR_S2C, 1); /* nothing listens: no byte at all */
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_FAILED);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "reset_during_handshake");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.message, "before any handshake message"));
    finish(&s);

    start(&s);
    hellos(&s, 0x0303);
    end_dir(&s, DIR_C2S, 0);
    end_dir(&s, DIR_S2C, 1);
    f = end(&s, NULL);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "closed_during_handshake");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.message, "client closed"));
    finish(&s);

    start(&s);
    hellos(&s, 0x0303); /* the capture just ends */
    CU_ASSERT_EQUAL(end(&s, NULL)->verdict, VERDICT_INCOMPLETE);
    finish(&s);
}

static void injected_bytes(void)
{
    static const char http[] = "HTTP/1.1 403 Forbidden\r\n\r\n";
    struct script s;
    start(&s);
    tls12_established(&s);
    an_conn_problem(s.ca, DIR_S2C, TLS_BAD_HEADER, 1234, (const uint8_t *)http, sizeof(http) - 1);
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_FAILED);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "middlebox_injection");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.message, "offset 1234"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.evidence[0], "HTTP/1.1 403 Forbidden\\r\\n"));
    finish(&s);

    /* After a gap, bad framing is lost sync, not an injection. */
    start(&s);
    tls12_established(&s);
    an_conn_gap(s.ca, DIR_S2C);
    an_conn_problem(s.ca, DIR_S2C, TLS_BAD_HEADER, 1234, NULL, 0);
    CU_ASSERT_EQUAL(end(&s, NULL)->verdict, VERDICT_ESTABLISHED);
    finish(&s);
}

static void keys_that_do_not_fit(void)
{
    struct crypto_result cr = {.protected_seen = 1, .failed_records = 4};
    struct script s;
    start(&s);
    tls12_established(&s);
    const struct an_findings *f = end(&s, &cr);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_UNDECRYPTABLE);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "decrypt_failed");
    finish(&s);

    struct crypto_result none = {.protected_seen = 1};
    strcpy(none.reason, "no key-log line for its client random");
    start(&s);
    tls12_established(&s);
    f = end(&s, &none);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_UNDECRYPTABLE);
    CU_ASSERT_PTR_NULL(f->diag.code);
    finish(&s);
}

static void tls13_encrypted_client_alert(void)
{
    struct script s;
    start(&s);
    hellos(&s, 0x0304);
    for (int i = 0; i < 4; i++)
        record(&s, DIR_S2C, 23, 500, 1);
    record(&s, DIR_C2S, 23, 19, 1); /* 2 + 1 + 16: an alert */
    end_dir(&s, DIR_C2S, 0);
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_FAILED);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "bad_certificate");
    CU_ASSERT(f->diag.likely);
    finish(&s);
}

/* The server's certificate for another name, from a CA the trust store
 * lacks: the client's alert says which problem it rejected it for.  A
 * client that does not check names (openssl s_client without
 * -verify_hostname) sends unknown_ca; one that does and trusts the CA
 * sends bad_certificate. */
static void alert_names_the_cause(void)
{
    static const struct {
        uint8_t desc;
        const char *code;
        int further;
    } cases[] = {
        {48, "unknown_ca", 1},
        {42, "hostname_mismatch", 0},
        {46, "hostname_mismatch", 0},
    };
    char err[256];
    uint8_t *der[1];
    size_t len[1];
    CU_ASSERT_EQUAL_FATAL(read_pem_certs("pcaps/keys/server.pem", der, len, 1), 1);
    struct x509_verifier *v = x509_verifier_new("pcaps/keys/other-ca.pem", NULL, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct script s;
        start(&s);
        an_analyzer_free(s.an);
        an_conn_free(s.ca);
        s.an = an_analyzer_new(v);
        s.ca = an_conn_new(s.an);
        hellos(&s, 0x0303);
        strcpy(s.sum.sni, "www.other.test");
        struct tls_msg cert = {.type = 11};
        cert.keying.chain[0] = cert.keying.cert = der[0];
        cert.keying.chain_len[0] = cert.keying.cert_len = len[0];
        cert.keying.nchain = 1;
        record(&s, DIR_S2C, 22, 40, 0);
        an_conn_message(s.ca, DIR_S2C, &cert, &s.sum, 1796083200000000LL); /* 2026-12-01 */
        message(&s, DIR_S2C, 14);
        alert(&s, DIR_C2S, 2, cases[i].desc);
        const struct an_findings *f = end(&s, NULL);
        CU_ASSERT_EQUAL(f->verdict, VERDICT_FAILED);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f->diag.code);
        CU_ASSERT_STRING_EQUAL(f->diag.code, cases[i].code);
        int further = 0;
        for (int e = 0; e < f->diag.nevidence; e++)
            further |= strstr(f->diag.evidence[e], "further problem") &&
                       strstr(f->diag.evidence[e], "www.other.test");
        CU_ASSERT_EQUAL(further, cases[i].further);
        finish(&s);
    }
    x509_verifier_free(v);
    free(der[0]);
}

static void history_is_bounded(void)
{
    struct script s;
    start(&s);
    hellos(&s, 0x0303);
    for (int i = 0; i < 300; i++)
        message(&s, DIR_S2C, 0); /* HelloRequest */
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(strlen(f->history), HISTORY_MAX);
    finish(&s);
}

/* SSL 2.0: done when, after CLIENT-MASTER-KEY, the client sent an
 * encrypted record and the server two (SERVER-VERIFY, SERVER-FINISHED);
 * an ERROR in clear names the failure. */
static void ssl2_rules(void)
{
    struct script s;
    struct tls_msg sh = {.type = 4, .ssl2 = 1}, mk = {.type = 2, .ssl2 = 1};
    struct tls_msg err = {.type = 0, .ssl2 = 1};
    for (int server_records = 0; server_records <= 2; server_records++) {
        start(&s);
        s.sum.ch.seen = 1;
        message(&s, DIR_C2S, 1);
        s.sum.ssl2.server_hello = s.sum.ssl2.master_key = 1;
        s.sum.version = 0x0002;
        an_conn_message(s.ca, DIR_S2C, &sh, &s.sum, 0);
        an_conn_message(s.ca, DIR_C2S, &mk, &s.sum, 0);
        record(&s, DIR_C2S, TLS_CT_SSL2, 33, 1);
        for (int i = 0; i < server_records; i++)
            record(&s, DIR_S2C, TLS_CT_SSL2, 33, 1);
        end_dir(&s, DIR_S2C, 0);
        const struct an_findings *f = end(&s, NULL);
        CU_ASSERT_EQUAL(f->verdict, server_records == 2 ? VERDICT_ESTABLISHED : VERDICT_FAILED);
        CU_ASSERT_STRING_EQUAL(f->history, "Cs");
        if (server_records < 2) {
            CU_ASSERT_STRING_EQUAL(f->diag.code, "closed_during_handshake");
            CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.message, "CLIENT-MASTER-KEY"));
        }
        finish(&s);
    }
    start(&s);
    s.sum.ch.seen = 1;
    message(&s, DIR_C2S, 1);
    s.sum.ssl2.error_seen = 1;
    s.sum.ssl2.error = 1;
    s.sum.ssl2.error_from = DIR_S2C;
    an_conn_message(s.ca, DIR_S2C, &err, &s.sum, 0);
    const struct an_findings *f = end(&s, NULL);
    CU_ASSERT_EQUAL(f->verdict, VERDICT_FAILED);
    CU_ASSERT_STRING_EQUAL(f->diag.code, "no_shared_cipher");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->diag.evidence[0], "ERROR from the server: NO-CIPHER-ERROR, "
                                                       "after the client's ClientHello"));
    finish(&s);
}

/* A TLS 1.3 server's alert-sized record after the client closed is its
 * close_notify (a browser's unused preconnection), not a refusal. */
static void tls13_close_after_client_fin(void)
{
    for (int client_first = 0; client_first < 2; client_first++) {
        struct script s;
        start(&s);
        hellos(&s, 0x0304);
        for (int i = 0; i < 4; i++)
            record(&s, DIR_S2C, 23, 500, 1);
        record(&s, DIR_C2S, 23, 53, 1); /* the client's Finished */
        if (client_first)
            end_dir(&s, DIR_C2S, 0);
        record(&s, DIR_S2C, 23, 19, 1);
        end_dir(&s, DIR_S2C, 0);
        const struct an_findings *f = end(&s, NULL);
        if (client_first) {
            CU_ASSERT_EQUAL(f->verdict, VERDICT_ESTABLISHED);
            CU_ASSERT_PTR_NULL(f->diag.code);
        } else {
            CU_ASSERT_STRING_EQUAL(f->diag.code, "client_certificate_required");
        }
        finish(&s);
    }
}

void suite_diagnose(void)
{
    static const CU_TestInfo tests[] = {
        {"established, Zeek history", established_with_history},
        {"downgrade sentinel", downgrade_sentinel},
        {"alerts by name", alerts_by_name},
        {"HelloRetryRequest failed", hello_retry_failed},
        {"refused, closed, reset, cut", refused_and_reset},
        {"bytes injected mid-session", injected_bytes},
        {"keys that do not fit", keys_that_do_not_fit},
        {"TLS 1.3 encrypted client alert", tls13_encrypted_client_alert},
        {"history bounded", history_is_bounded},
        {"the client's alert names the certificate problem", alert_names_the_cause},
        {"SSL 2.0: established, closed, ERROR", ssl2_rules},
        {"TLS 1.3: the server's close_notify after the client's FIN", tls13_close_after_client_fin},
        CU_TEST_INFO_NULL,
    };
    add_suite("diagnose", tests);
}
