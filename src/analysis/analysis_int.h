/*
 * analysis_int.h: what the analysis files share: one connection's
 * observations, gathered by observe.c and read by diagnose.c.
 */
#ifndef TLSDUMP_ANALYSIS_INT_H
#define TLSDUMP_ANALYSIS_INT_H

#include "analysis.h"
#include "base/util.h"

#define NO_MSG (-1)
#define FIRST_BYTES 48

/* A moment of the handshake: the last message seen on the connection. */
struct hs_point {
    int type; /* handshake type, or NO_MSG */
    enum dir dir;
};

/* What one side did. */
struct side {
    int fin_order, rst_order; /* when it ended the connection (ca->ends), 0 never */
    struct hs_point fin_after, rst_after;
    int ccs;      /* sent ChangeCipherSpec */
    int finished; /* sent Finished (in clear or decrypted) */
    int cert_sent, cert_empty;
    uint64_t protected_records, app_records;
    size_t last_protected_len;
    int gap;                    /* bytes of its stream were lost */
    uint8_t first[FIRST_BYTES]; /* the first bytes of its stream */
    size_t nfirst;
    int not_tls;     /* its stream does not start like TLS */
    int bad_framing; /* a record header that is not TLS, after TLS records */
    uint64_t bad_offset;
    uint8_t bad[FIRST_BYTES];
    size_t nbad;
    uint64_t after_peer;   /* protected records sent after the peer's first one */
    size_t after_peer_len; /* ... the length of the first of them */
    int after_peer_closed; /* ... which came after the peer's FIN or RST */
    int enc_hs_records;    /* TLS <= 1.2: protected handshake records (the first is Finished) */
    struct hs_point last_protected_after;
};

/* The first alert that says something went wrong (not close_notify). */
struct alert_seen {
    int seen;
    struct tls_alert a;
    struct hs_point after;
    size_t record_len; /* the record that carried it */
    int ends_before;   /* FINs and RSTs seen before it */
};

struct an_analyzer {
    const struct x509_verifier *verifier;
};

struct an_conn {
    struct an_analyzer *an;
    struct side side[2];
    struct hs_point last;             /* the last handshake message on the connection */
    struct alert_seen alert;          /* known level and description */
    struct alert_seen enc_alert;      /* the first one that stayed encrypted */
    int fatal_seen;                   /* a fatal alert, in clear or decrypted */
    int ends;                         /* FINs and RSTs seen */
    int cert_request;                 /* the server asked for a client certificate */
    int hellos[2];                    /* ClientHellos, ServerHellos (and HRRs) seen */
    int64_t cert_ts_us;               /* when the server's Certificate was seen */
    struct hs_point ssl2_error_after; /* SSL 2.0: the message before the first ERROR */
    size_t nhist;
    struct an_findings f;
};

/* Fills ca->f.verdict and ca->f.diag. */
/* diagnose_cert.c: a certificate the client rejected, named by its alert
 * (alert is the alert's name); an established connection whose
 * certificate is out of date or does not name the server. */
void an_certificate_problem(struct an_conn *ca, const struct tls_summary *s, const char *alert);
void an_accepted_bad_certificate(struct an_conn *ca);
/* diagnose_suites.c: the client's suites by family, and which of the
 * suites most servers accept it lacks, as evidence. */
void an_offer_groups(struct an_diagnosis *d, const struct tls_hello *ch);
void an_missing_common(struct an_diagnosis *d, const struct tls_hello *ch);
void an_diagnose(struct an_conn *ca, const struct tls_summary *s, const struct crypto_result *cr);

/* "ServerHello" and friends, or "message <n>". */
const char *an_hs_name(int type, char *buf, size_t len);

/* evidence.c: the words. */
const char *an_who(enum dir d); /* "client", "server" */
/* Sets the code and the sentence. */
void an_say(struct an_diagnosis *d, const char *code, int likely, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a line of evidence (at most DIAG_MAX_EVIDENCE). */
void an_evidence(struct an_diagnosis *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "after the server's ServerHelloDone", "before any handshake message". */
const char *an_after(struct hs_point p, char *buf, size_t len);
const char *an_version_name(uint16_t v, char *buf, size_t len);
/* The versions the client offered: "TLSv1.2 to TLSv1.3", "TLSv1.2 only". */
void an_client_range(const struct tls_hello *ch, char *buf, size_t len);
int an_offered(const struct tls_hello *h, uint16_t suite);
/* The ClientHello's versions, suite count, SNI and ALPN as evidence. */
void an_hello_evidence(struct an_diagnosis *d, const struct tls_summary *s);

#endif
