/*
 * analysis.h: what tlsdump concludes about each connection.
 *
 * An analyzer watches a connection's events as the pipeline hands them
 * out, before any view sees them: the TCP stage's FIN, RST and gaps, the
 * first bytes of each stream, and the tls stage's records, messages,
 * alerts and problems.  When the connection closes it turns what it saw,
 * the tls summary and the crypto result into findings: a verdict, Zeek's
 * ssl_history, a diagnosis in plain words with its evidence, the
 * certificate validation and the fingerprints.  Views only print findings.
 */
#ifndef TLSDUMP_ANALYSIS_H
#define TLSDUMP_ANALYSIS_H

#include <stdint.h>

#include "base/dir.h"
#include "crypto.h"
#include "tls.h"
#include "verify.h"

enum an_verdict {
    VERDICT_ESTABLISHED,   /* the handshake completed (full or resumed) */
    VERDICT_FAILED,        /* a side aborted it: alert, reset, close, wrong protocol */
    VERDICT_INCOMPLETE,    /* the capture ended, or lost bytes, mid-handshake */
    VERDICT_NOT_TLS,       /* the client did not speak TLS */
    VERDICT_UNDECRYPTABLE, /* established, but the keys given do not open it */
};

#define DIAG_MAX_EVIDENCE 8
#define DIAG_EVIDENCE_LEN 512

struct an_diagnosis {
    const char *code;  /* a stable name ("unknown_ca", ...); NULL: none */
    int likely;        /* inferred from sizes and order, not read: keys would confirm */
    char message[512]; /* one sentence */
    char evidence[DIAG_MAX_EVIDENCE][DIAG_EVIDENCE_LEN];
    int nevidence;
};

#define HISTORY_MAX 100 /* as Zeek's max_ssl_history_length */

struct an_findings {
    enum an_verdict verdict;
    char history[HISTORY_MAX + 1];
    struct an_diagnosis diag;
    /* The chains as verified at the time they were sent: [DIR_S2C] the
     * server's (host: the SNI), [DIR_C2S] the client's in mutual TLS;
     * checked[] says which were. */
    struct cert_check validation[2];
    int checked[2];
    char ja3[33], ja3s[33];
    char *ja3_string, *ja3s_string; /* NULL when the hello was not seen */
    char ja4[40], ja4s[40];
    char *ja4_r, *ja4s_r; /* raw forms */
};

const char *an_verdict_name(enum an_verdict v);

struct an_analyzer; /* shared by the connections: trust store and options */
struct an_conn;     /* one connection's observations */

/* verifier may be NULL: no certificate validation.  Borrowed. */
struct an_analyzer *an_analyzer_new(const struct x509_verifier *verifier);
void an_analyzer_free(struct an_analyzer *a);

struct an_conn *an_conn_new(struct an_analyzer *a);
/* Frees it and the findings it returned; accepts NULL. */
void an_conn_free(struct an_conn *ca);

/* What the analyzer is told, in the order things happen. */
/* The transport below: the stream bytes at offset (the first few are
 * kept), lost bytes, and the direction's end (FIN, or RST when reset). */
void an_conn_stream(struct an_conn *ca, enum dir dir, uint64_t offset, const uint8_t *p,
                    size_t len);
void an_conn_gap(struct an_conn *ca, enum dir dir);
void an_conn_end(struct an_conn *ca, enum dir dir, int reset);
void an_conn_record(struct an_conn *ca, enum dir dir, const struct tls_rec_info *r);
/* sum is the connection's summary so far (the SNI, for validation). */
void an_conn_message(struct an_conn *ca, enum dir dir, const struct tls_msg *m,
                     const struct tls_summary *sum, int64_t ts_us);
void an_conn_alert(struct an_conn *ca, enum dir dir, const struct tls_alert *a);
/* bytes: the stream bytes at offset when at hand (may be NULL). */
void an_conn_problem(struct an_conn *ca, enum dir dir, enum tls_problem_kind what, uint64_t offset,
                     const uint8_t *bytes, size_t n);

/* The conclusions, when the connection closes; crypto is NULL without
 * keys.  Valid until an_conn_free(). */
const struct an_findings *an_conn_finish(struct an_conn *ca, const struct tls_summary *sum,
                                         const struct crypto_result *crypto);

#endif
