/*
 * pipeline_int.h: the pipeline's events, in the stages' own terms.
 *
 * The pipeline turns the tcp stage's events and the tls stage's records,
 * messages and alerts into one stream of these, in the order they
 * happened; the view model (model.c) translates each into the vm_event
 * the views see (include/model.h).  An event and everything it points to
 * are borrowed: valid only during the call.
 */
#ifndef TLSDUMP_PIPELINE_INT_H
#define TLSDUMP_PIPELINE_INT_H

#include "analysis.h"
#include "crypto.h"
#include "model.h"
#include "pipeline.h"
#include "tcp.h"
#include "tls.h"

enum event_kind {
    EV_TCP,         /* tcp: a connection opened, data, gap, FIN, RST, close */
    EV_RECORD,      /* rec: a TLS record */
    EV_MESSAGE,     /* msg: a handshake message, decoded */
    EV_ALERT,       /* alert */
    EV_TLS_PROBLEM, /* problem: the stream stopped being decodable as TLS */
    EV_PLAINTEXT,   /* bytes, nbytes at offset: stream bytes before TLS (STARTTLS, a proxy) */
    EV_TLS_BEGINS,  /* the direction's TLS begins at offset, after plaintext */
    EV_TLS_ENDS,    /* the direction's TLS ended (after its alert): plaintext from offset */
};

struct event {
    enum event_kind kind;
    const struct tcp_conn *conn;
    enum dir dir;
    int64_t ts_us;
    struct place place;
    uint64_t record_no;    /* EV_RECORD: 1, 2, ... per connection */
    int64_t since_prev_us; /* time since the connection's previous record or event */
    const struct tcp_event *tcp;
    const struct tls_rec_info *rec;
    const struct tls_msg *msg;
    const struct tls_alert *alert;
    enum tls_problem_kind problem;
    uint64_t offset;      /* EV_TLS_PROBLEM, EV_PLAINTEXT, EV_TLS_BEGINS, _ENDS: where */
    const uint8_t *bytes; /* ... the stream bytes there, when at hand (else NULL) */
    size_t nbytes;
    const struct tls_summary *summary;  /* EV_TCP of kind TCP_EV_CLOSE */
    const struct crypto_result *crypto; /* ... when keys were given */
    const struct an_findings *findings; /* ... the analysis stage's conclusions */
};

/* Hands ev to the n views, as a vm_event of the connection vc (filled at
 * TCP_EV_OPEN, brought up to date at each event); slots[] are the views'
 * per-connection pointers. */
void vm_deliver(const struct event *ev, struct vm_conn *vc, struct view *const views[], int n,
                void *slots[]);

#endif
