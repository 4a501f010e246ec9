/*
 * model.h: the view model, everything a view is told.
 *
 * The pipeline turns what the stages report (the tcp stage's events, the
 * tls stage's records, messages, alerts and problems, the crypto and
 * analysis stages' results) into one stream of vm_events, in the order
 * things happened, and hands each to every view.  The views need nothing
 * else: this header and the base layer are all they include.
 *
 * An event and everything it points to are borrowed: valid only while the
 * view's event() runs.  Bytes and the decoded field tree point into the
 * stages' own buffers (nothing is copied per record); the summary at
 * VM_CLOSE is assembled once per connection.
 */
#ifndef TLSDUMP_MODEL_H
#define TLSDUMP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/dir.h"
#include "base/fields.h"
#include "base/place.h"
#include "base/registry.h"

/* A connection's endpoint. */
struct vm_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
    char text[48]; /* the address as text: "192.0.2.1", "2001:db8::1" ("?": unwritable) */
};

/* The connection an event belongs to. */
#define VM_COMMUNITY_ID_LEN 32
struct vm_conn {
    uint64_t id; /* 1, 2, ... in order of first packet */
    struct vm_endpoint client, server;
    char community_id[VM_COMMUNITY_ID_LEN]; /* Community ID v1 of the TCP flow, seed 0 */
    int64_t first_ts_us;
    int midstream;            /* its start was not seen, or it goes on after being forgotten */
    int reopened;             /* forgotten (idle, full table) and resumed: the same id goes on */
    unsigned resumes;         /* silences longer than the idle timeout it went on after */
    int64_t resumed_after_us; /* the last such silence */
};

enum vm_kind {
    /* The transport. */
    VM_OPEN,    /* a new connection (or one resumed after being forgotten: conn->reopened) */
    VM_SEGMENT, /* seg: a TCP segment as it arrived (when asked for) */
    VM_RESUMED, /* the connection goes on after a long silence (conn->resumed_after_us) */
    VM_DATA,    /* bytes, nbytes at offset: in-order stream bytes */
    VM_GAP,     /* nbytes at offset will never be seen; reason: vm_gap_reason */
    VM_FIN,     /* dir ended normally */
    VM_RST,     /* dir sent a reset */
    VM_CLOSE,   /* the connection is gone (reason: vm_close_reason); summary; free *slot */
    /* TLS. */
    VM_RECORD,     /* rec, record_no */
    VM_MESSAGE,    /* msg: a handshake message, decoded */
    VM_ALERT,      /* alert */
    VM_PROBLEM,    /* problem at offset: the stream stopped being decodable as TLS */
    VM_PLAINTEXT,  /* bytes, nbytes at offset: stream bytes before TLS (STARTTLS, a proxy) */
    VM_TLS_BEGINS, /* the direction's TLS begins at offset, after plaintext; opening */
    VM_TLS_ENDS,   /* the direction's TLS ended (after its alert): plaintext from offset */
};

/* TCP header flags, as on the wire (RFC 9293 3.1). */
enum {
    VM_TCP_FIN = 0x01,
    VM_TCP_SYN = 0x02,
    VM_TCP_RST = 0x04,
    VM_TCP_PSH = 0x08,
    VM_TCP_ACK = 0x10,
};

struct vm_segment {
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t window;
    size_t len;    /* payload bytes sent */
    size_t caplen; /* ... captured */
};

enum vm_gap_reason {
    VM_GAP_ACKED,    /* the receiver acknowledged bytes the capture lacks */
    VM_GAP_SNAPLEN,  /* the frame was cut by the snap length */
    VM_GAP_CAPACITY, /* the out-of-order buffer cap was reached */
    VM_GAP_CLOSED,   /* the connection ended with the hole unfilled */
};

enum vm_close_reason {
    VM_CLOSE_FIN,     /* both sides finished */
    VM_CLOSE_RST,     /* a reset */
    VM_CLOSE_IDLE,    /* no packet for the idle timeout */
    VM_CLOSE_EVICTED, /* the connection table was full */
    VM_CLOSE_MEMORY,  /* the memory budget (--max-memory) was spent: idle longest */
    VM_CLOSE_END,     /* the input ended */
};

/* A record's type: its content type (base/registry.h's TLS_CT_...), or
 * one of these for SSL 2.0 records, which have none. */
enum {
    VM_CT_SSL2_HELLO = 0x100, /* an SSLv2-compatible ClientHello (RFC 5246 E.2) */
    VM_CT_SSL2 = 0x101,       /* any other SSL 2.0 record */
};

enum vm_protection {
    VM_CLEAR,       /* not protected */
    VM_NO_KEYS,     /* protected, no keys for it: ciphertext */
    VM_OPENED,      /* protected and opened: plain holds its contents */
    VM_OPEN_FAILED, /* keys present but the MAC or tag did not verify */
};

struct vm_record {
    unsigned type;    /* content type, or VM_CT_SSL2_HELLO, VM_CT_SSL2 */
    uint16_t version; /* record-layer version */
    size_t length;    /* body length */
    const uint8_t *body;
    enum vm_protection protection;
    struct {
        unsigned type; /* the inner content type (TLS 1.3) */
        const uint8_t *p;
        size_t n;
        int early;    /* TLS 1.3 early data (0-RTT) */
    } plain;          /* when VM_OPENED */
    uint64_t skipped; /* records skipped before it because of a gap */
};

struct vm_message {
    uint8_t type; /* handshake type (REG_HANDSHAKE), or SSL 2.0 msg_type (REG_SSL2_MSG) */
    int ssl2;
    uint32_t length;            /* body length */
    const struct ftree *tree;   /* the decoded fields: walk them with ft_first, ft_next */
    const struct field *fields; /* ... the group that holds them */
    int malformed;              /* decoding stopped early; the tree says where */
    int decrypted;              /* it came out of a protected record */
};

struct vm_alert {
    enum dir from;
    int encrypted; /* it was sent protected */
    int decrypted; /* ... and was decrypted: level and desc are known */
    uint8_t level, desc;
};

/* What went wrong on a connection: the framing problems (not_tls to
 * resync) are events as they happen (VM_PROBLEM); all are listed in the
 * summary. */
enum vm_problem {
    VM_PROB_GAP,         /* bytes were lost; value: how many */
    VM_PROB_MIDSTREAM,   /* the capture lacks the connection's start */
    VM_PROB_NOT_TLS,     /* the stream does not start like TLS */
    VM_PROB_BAD_LENGTH,  /* a record longer than the protocol allows */
    VM_PROB_BAD_HEADER,  /* a record header that is not TLS mid-stream */
    VM_PROB_LOST_SYNC,   /* bytes were lost: record boundaries are unknown */
    VM_PROB_RESYNC,      /* ... and found again: a record starts at the offset */
    VM_PROB_BAD_ALERT,   /* an alert record that does not hold whole alerts; value: its length */
    VM_PROB_BAD_MESSAGE, /* a handshake message that did not decode; value: its length */
};

/* How TLS began on a connection whose streams did not start with it. */
enum vm_upgrade {
    VM_UPGRADE_NONE,     /* no request to upgrade seen */
    VM_UPGRADE_ASKED,    /* the client asked; the server has not answered */
    VM_UPGRADE_ACCEPTED, /* the server agreed, or TLS followed */
    VM_UPGRADE_REFUSED,  /* the server refused: the connection stays plaintext */
};

struct vm_opening {
    const char *app; /* "smtp", "imap", "postgres", "socks5", ...; NULL unknown */
    const char *how; /* "starttls" or "proxy"; NULL: no upgrade request seen */
    enum vm_upgrade upgrade;
    const char *answer; /* the server's answer to the request, printable ("" none) */
    uint64_t plain[2];  /* bytes each direction sent before its TLS (or in all) */
    int tls[2];         /* the direction switched to TLS */
};

enum vm_san_type { VM_SAN_DNS, VM_SAN_IP, VM_SAN_EMAIL, VM_SAN_URI };

#define VM_MAX_SAN 32
struct vm_san {
    enum vm_san_type type;
    const char *value;
};

#define VM_NO_TIME INT64_MIN
struct vm_cert {
    const char *subject, *issuer, *serial;
    int64_t not_before, not_after; /* seconds since the epoch, or VM_NO_TIME */
    struct vm_san san[VM_MAX_SAN];
    int nsan;
    const char *key; /* "RSA 2048", "EC prime256v1", ... */
    const char *sig; /* signature algorithm */
    const char *sha256;
    int is_ca;
};

/* A chain as verified against the trust store. */
#define VM_MAX_PROBLEMS 8
#define VM_MAX_BUILT 17
struct vm_validation {
    int ok;
    const char *status;                    /* "ok", "unknown_issuer", "expired", ... */
    const char *problems[VM_MAX_PROBLEMS]; /* every one, in priority order (status first) */
    int nproblems;
    int depth;          /* where status was met (0 the leaf), or -1 */
    const char *detail; /* OpenSSL's words for it and that certificate's subject */
    const char *host;   /* the name checked; "" when none was */
    int nbuilt;         /* the chain OpenSSL built, leaf first */
    const char *built[VM_MAX_BUILT];
    int from_store[VM_MAX_BUILT]; /* 1: taken from the trust store */
};

enum vm_verdict {
    VM_ESTABLISHED,   /* the handshake completed (full or resumed) */
    VM_FAILED,        /* a side aborted it */
    VM_INCOMPLETE,    /* the capture ended, or lost bytes, mid-handshake */
    VM_NOT_TLS,       /* the client did not speak TLS */
    VM_UNDECRYPTABLE, /* established, but the keys given do not open it */
};
#define VM_NVERDICTS (VM_UNDECRYPTABLE + 1)

#define VM_MAX_EVIDENCE 8
struct vm_diagnosis {
    const char *code; /* a stable name ("unknown_ca", ...); NULL: none */
    int likely;       /* inferred from sizes and order, not read */
    const char *message;
    const char *evidence[VM_MAX_EVIDENCE];
    int nevidence;
};

/* What became of the connection's protected records. */
struct vm_decryption {
    int keys;           /* keys were given: the rest means something */
    int protected_seen; /* it had protected records */
    int decrypted;      /* ... and they were opened */
    const char *reason; /* why not, when not ("" none) */
    uint64_t ok_records, failed_records, skipped_records;
    uint64_t app_bytes[2];     /* decrypted application data per direction */
    const char *app_sha256[2]; /* its SHA-256 ("" when not kept) */
};

struct vm_problem_seen {
    enum vm_problem kind;
    enum dir dir;
    uint64_t value; /* lost_sync to resync: the stream offset; else as the kind says */
};

/* Handshake lists: an SSL 2.0 message is VM_HS_SSL2 + its msg_type. */
#define VM_HS_SSL2 0x100
#define VM_NO_CIPHER 0xffffffffu
#define VM_MAX_ALPN 16
#define VM_MAX_CERTS 10
#define VM_MAX_ALERTS 8
#define VM_MAX_PROBLEMS_SEEN 16

/* What the views print of a connection when it closes: the tls stage's
 * facts, the analysis stage's findings, the crypto stage's result. */
struct vm_summary {
    uint16_t version;    /* negotiated (REG_VERSION); 0 unknown */
    uint32_t cipher;     /* negotiated (REG_CIPHER; SSL 2.0: 24 bits); VM_NO_CIPHER */
    uint8_t compression; /* the ServerHello's compression method (REG_COMPRESSION) */
    const char *sni;     /* NULL: none */
    const char *alpn;    /* selected; NULL: none */
    int resumed;
    const char *client_alpn[VM_MAX_ALPN]; /* the first ClientHello's protocols */
    int nclient_alpn;
    int ssl2_server_hello; /* SSL 2.0: the SERVER-HELLO was seen, with these specs */
    const uint32_t *ssl2_specs;
    int nssl2_specs;
    const uint16_t *hs[2]; /* handshake messages per direction, in order */
    int nhs[2];
    struct vm_alert alerts[VM_MAX_ALERTS];
    int nalerts;
    struct vm_cert certs[VM_MAX_CERTS]; /* the server's chain, as sent */
    int ncerts;
    struct vm_cert client_certs[VM_MAX_CERTS]; /* the client's (mutual TLS), as sent */
    int nclient_certs;
    uint16_t group; /* the key exchange's group (REG_GROUP); 0 unknown */
    struct vm_problem_seen problems[VM_MAX_PROBLEMS_SEEN];
    int nproblems;
    struct vm_opening opening; /* the plaintext before TLS, if any */
    /* The analysis stage's findings. */
    enum vm_verdict verdict;
    const char *history; /* Zeek's ssl_history */
    struct vm_diagnosis diag;
    struct vm_validation validation[2]; /* [DIR_S2C] the server's chain, [DIR_C2S] the client's */
    int checked[2];                     /* ... when it was verified */
    const char *ja3, *ja3_string;       /* NULL when the ClientHello was not seen */
    const char *ja3s, *ja3s_string;     /* ... the ServerHello */
    const char *ja4, *ja4_r, *ja4s, *ja4s_r;
    struct vm_decryption decryption;
};

struct vm_event {
    enum vm_kind kind;
    const struct vm_conn *conn;
    enum dir dir;
    int64_t ts_us;
    int64_t since_prev_us;   /* time since the connection's previous step shown */
    struct place place;      /* the tcp event's it came with: the output's order */
    uint64_t record_no;      /* VM_RECORD: 1, 2, ... per connection */
    uint64_t offset;         /* stream offset: see vm_kind */
    const uint8_t *bytes;    /* DATA, PLAINTEXT; PROBLEM: the bytes there, when at hand */
    size_t nbytes;           /* ... ; GAP: bytes missing */
    int reason;              /* GAP: vm_gap_reason; CLOSE: vm_close_reason */
    enum vm_problem problem; /* PROBLEM */
    const struct vm_segment *seg;
    const struct vm_record *rec;
    const struct vm_message *msg;
    const struct vm_alert *alert;
    const struct vm_opening *opening; /* TLS_BEGINS */
    const struct vm_summary *summary; /* CLOSE */
    void **slot;                      /* this view's per-connection pointer */
};

/* A view: output in some form.  Views keep per-connection state in *slot
 * and must release it on VM_CLOSE. */
struct view {
    void (*event)(struct view *v, const struct vm_event *ev);
    /* Flushes and frees the view; returns 0 if its output failed. */
    int (*close)(struct view *v);
    int slot;
};

/* "established", "failed", "incomplete", "not_tls", "undecryptable". */
const char *vm_verdict_name(enum vm_verdict v);

/* A certificate (a DER field of a message) as `openssl x509 -text`
 * prints it: *n bytes, malloc'd, for the caller to free; NULL if it is
 * not X.509. */
char *vm_cert_text(const uint8_t *der, size_t len, size_t *n);

#endif
