/*
 * verify.h: a peer's certificate chain, as seen on the wire, verified with
 * OpenSSL's X509_verify_cert against a trust store.
 *
 * The check is the one a TLS client (or, for a client certificate, a
 * server) would have made at the time of the capture: the chain the peer
 * sent (leaf first, the others as untrusted intermediates), the capture's
 * timestamp as the current time, the SNI as the expected host name, the
 * sslserver or sslclient purpose, and auth level 2 (Debian's default
 * security level: RSA keys of 2048 bits or more, no SHA-1 or MD5
 * signatures).  Every problem is listed, not only the first OpenSSL meets.
 */
#ifndef TLSDUMP_VERIFY_H
#define TLSDUMP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/* What is wrong with a chain, in priority order: the status of a check is
 * the first of its problems in this order (issuer problems first, then
 * validity, host name, weakness, anything else). */
enum cert_status {
    CERT_OK,
    CERT_UNKNOWN_ISSUER,   /* no path to a trusted root (or an untrusted root sent) */
    CERT_SELF_SIGNED,      /* the leaf is self-signed and not trusted */
    CERT_INCOMPLETE_CHAIN, /* an issuer missing that the peer should have sent (AIA) */
    CERT_EXPIRED,
    CERT_NOT_YET_VALID,
    CERT_HOSTNAME_MISMATCH,
    CERT_WEAK_KEY_OR_SIGNATURE, /* a key or a signature digest below auth level 2 */
    CERT_INVALID,               /* any other verification error: detail says which */
    CERT_UNREADABLE,            /* a certificate that is not DER X.509 */
    CERT_NONE,                  /* no certificate at all */
};

#define CERT_MAX_PROBLEMS 8
/* Certificates read from a chain as sent, at most (as many as the tls
 * stage keeps of one Certificate message). */
#define CERT_MAX_CHAIN 16
/* The chain OpenSSL builds: what the peer sent and the root it ends at. */
#define CERT_MAX_BUILT (CERT_MAX_CHAIN + 1)

struct cert_check {
    enum cert_status status;                      /* problems[0], or CERT_OK */
    enum cert_status problems[CERT_MAX_PROBLEMS]; /* each distinct one, in priority order */
    int nproblems;
    /* Where status was first met: its position in the built chain (0 the
     * leaf; for unreadable, in the chain as sent), or -1. */
    int depth;
    char detail[256];                /* OpenSSL's words for it and that certificate's subject */
    char host[256];                  /* the name checked; "" when none was (no SNI) */
    int nbuilt;                      /* the chain OpenSSL built, leaf first, as far as it got */
    char built[CERT_MAX_BUILT][128]; /* subjects */
    int from_store[CERT_MAX_BUILT];  /* 1: taken from the trust store, 0: sent by the peer */
};

struct x509_verifier;

/* A trust store: with ca_file and ca_path both NULL, OpenSSL's default
 * one (X509_STORE_set_default_paths, as openssl s_client); otherwise only
 * the PEM file ca_file and the hashed directory ca_path (`openssl
 * rehash`), either of which may be NULL.  Returns NULL with a reason in
 * err when one cannot be loaded. */
struct x509_verifier *x509_verifier_new(const char *ca_file, const char *ca_path, char *err,
                                        size_t errlen);

/* Accepts NULL. */
void x509_verifier_free(struct x509_verifier *v);

/*
 * Verifies the chain der[0..n) (DER, leaf first, as sent; lengths in len)
 * against v's store at at_us microseconds since the epoch (the capture's
 * ts_us), for a peer that is the server (peer_is_server) or the client,
 * and fills out.  host is the expected name (the SNI; an IP address
 * literal is matched against IP subjectAltNames), or NULL or "" for no
 * host check (a client's chain, a ClientHello without SNI).  At most
 * CERT_MAX_CHAIN certificates are read; der and len may be NULL when n is
 * 0.  The slices are only read during the call (tls_msg_keying's are
 * valid during the message callback); the thread's OpenSSL error queue is
 * left as it was.
 */
void x509_verifier_check(const struct x509_verifier *v, const uint8_t *const der[],
                         const size_t len[], int n, int64_t at_us, const char *host,
                         int peer_is_server, struct cert_check *out);

/* "ok", "unknown_issuer", "self_signed", "incomplete_chain", "expired",
 * "not_yet_valid", "hostname_mismatch", "weak_key_or_signature",
 * "invalid", "unreadable", "none"; NULL for a value outside the enum. */
const char *x509_status_name(enum cert_status s);

#endif
