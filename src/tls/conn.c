/*
 * One TLS connection: records per direction, the point where each
 * direction's records become ciphertext, handshake messages gathered
 * across records, alerts, and the summary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

/* Handshake messages longer than this are not buffered (a certificate
 * chain of 64 KiB is already unusual; the protocol allows 16 MiB). */
#define MAX_MESSAGE (1 << 20)

struct tls_conn;

/* Where a direction stands: at its first byte, in a plaintext opening,
 * or in TLS (everything from there goes to the framer). */
enum phase { PH_START, PH_PLAIN, PH_TLS };

struct dir_state {
    struct tls_conn *conn;
    enum dir dir;
    enum phase phase;
    /* PH_START, PH_PLAIN: the last bytes, when they may begin a record
     * that the next bytes would confirm. */
    uint8_t carry[TLS_START_NEED];
    size_t ncarry;
    uint64_t carry_offset;
    int gap;      /* bytes of its plaintext were lost */
    int alerted;  /* it sent an alert: its TLS may end there */
    int finished; /* it finished its handshake (sent Finished) ... */
    int app_sent; /* ... and sent application data records */
    int ended;    /* ... and bytes that are not TLS follow, from ended_at */
    uint64_t ended_at;
    struct tls_framer *framer;
    int encrypted;  /* records after this point are ciphertext */
    int broken;     /* handshake decoding stopped in this direction */
    int decrypting; /* the bytes being decoded came out of a protected record */
    uint8_t *hs;    /* a handshake message not yet complete */
    size_t hs_len, hs_cap;
};

struct tls_conn {
    const struct tls_ops *ops;
    void *arg;
    struct ftree *tree;
    struct dir_state d[2];
    struct tls_summary sum;
    const struct tls_protect_ops *prot;
    void *prot_arg;
    struct opening *opening; /* while a direction is plaintext: its classifier */
    int midstream;           /* the capture lacks the connection's start */
};

static void anomaly(struct tls_conn *c, enum tls_anomaly_kind kind, enum dir dir, uint64_t bytes)
{
    if (c->sum.nanomalies < TLS_MAX_ANOMALIES)
        c->sum.anomalies[c->sum.nanomalies++] = (struct tls_anomaly){kind, dir, bytes};
}

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with a fixed random. */
static uint8_t message_type(uint8_t type, const uint8_t *body, size_t len)
{
    if (type == TLS_HS_SERVER_HELLO && len >= 34 && memcmp(body + 2, tls_hrr_random, 32) == 0)
        return TLS_HS_HELLO_RETRY_REQUEST;
    return type;
}

/* A decoded message: listed in the summary, shown, and told to the
 * record protection. */
static void deliver(struct dir_state *ds, const struct tls_msg *m)
{
    struct tls_conn *c = ds->conn;
    if (c->sum.nhs[ds->dir] < TLS_MAX_LISTED)
        c->sum.hs[ds->dir][c->sum.nhs[ds->dir]++] = (uint16_t)(m->ssl2 ? 0x100 + m->type : m->type);
    if (m->type == TLS_HS_FINISHED && !m->ssl2)
        ds->finished = 1;
    c->ops->message(c->arg, ds->dir, m);
    if (c->prot && !m->ssl2) /* the crypto stage has no SSL 2.0 */
        c->prot->message(c->prot_arg, ds->dir, m, &c->sum);
    if (m->malformed)
        anomaly(c, TLS_ANOM_BAD_MESSAGE, ds->dir, m->length);
}

static void message(struct dir_state *ds, uint8_t type, const uint8_t *raw, const uint8_t *body,
                    size_t len)
{
    struct tls_conn *c = ds->conn;
    struct tls_msg m = {.type = message_type(type, body, len),
                        .length = (uint32_t)len,
                        .body = body,
                        .raw = raw,
                        .raw_len = len + 4,
                        .tree = c->tree,
                        .decrypted = ds->decrypting};
    struct dec d = {.t = c->tree, .sum = &c->sum, .dir = ds->dir, .keying = &m.keying};
    struct cursor cur = cur_make(body, len);

    m.root = ft_reset(c->tree);
    m.malformed = !dec_message(&d, m.type, &cur, m.root);
    /* RFC 8446 2: everything after the ServerHello is encrypted. */
    if (m.type == TLS_HS_SERVER_HELLO && tls_is_tls13(c->sum.version))
        c->d[DIR_C2S].encrypted = c->d[DIR_S2C].encrypted = 1;
    deliver(ds, &m);
}

/* Decodes the whole messages at the start of p; returns the bytes used. */
static size_t messages(struct dir_state *ds, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (n - used >= 4 && !ds->broken) {
        struct cursor c = cur_make(p + used, n - used);
        uint8_t type;
        uint32_t len;
        const uint8_t *body;
        if (!cur_u8(&c, &type) || !cur_u24(&c, &len))
            break;
        if (len > MAX_MESSAGE) {
            ds->broken = 1;
            anomaly(ds->conn, TLS_ANOM_BAD_MESSAGE, ds->dir, len);
            return n;
        }
        if (!cur_bytes(&c, len, &body))
            break;
        message(ds, type, p + used, body, len);
        used += 4 + len;
    }
    return used;
}

static int keep(struct dir_state *ds, const uint8_t *p, size_t n)
{
    if (ds->hs_len + n > ds->hs_cap) {
        size_t cap = ds->hs_cap ? ds->hs_cap : 4096;
        while (cap < ds->hs_len + n)
            cap *= 2;
        uint8_t *b = realloc(ds->hs, cap);
        if (!b)
            return 0;
        ds->hs = b;
        ds->hs_cap = cap;
    }
    memcpy(ds->hs + ds->hs_len, p, n);
    ds->hs_len += n;
    return 1;
}

/* Handshake bytes of one record: messages wholly inside it are decoded in
 * place; a message that spans records is gathered first. */
static void handshake_bytes(struct dir_state *ds, const uint8_t *p, size_t n)
{
    if (ds->broken)
        return;
    if (ds->hs_len == 0) {
        size_t used = messages(ds, p, n);
        if (used < n && !ds->broken && !keep(ds, p + used, n - used))
            ds->broken = 1;
        return;
    }
    if (!keep(ds, p, n)) {
        ds->broken = 1;
        return;
    }
    size_t used = messages(ds, ds->hs, ds->hs_len);
    memmove(ds->hs, ds->hs + used, ds->hs_len - used);
    ds->hs_len -= used;
}

/* The alerts of a record: in clear or decrypted (level and description
 * known), or still encrypted (one alert, unknown). */
static void alerts(struct dir_state *ds, const uint8_t *p, size_t n, int encrypted, int decrypted)
{
    struct tls_conn *c = ds->conn;
    struct tls_alert a = {.from = ds->dir, .encrypted = encrypted, .decrypted = decrypted};
    int known = !encrypted || decrypted;
    struct cursor cur = cur_make(p, n);

    do {
        if (known) {
            if (!cur_u8(&cur, &a.level) || !cur_u8(&cur, &a.desc)) {
                anomaly(c, TLS_ANOM_BAD_RECORD, ds->dir, n);
                return;
            }
        }
        if (c->sum.nalerts < TLS_MAX_ALERTS)
            c->sum.alerts[c->sum.nalerts++] = a;
        c->ops->alert(c->arg, ds->dir, &a);
        ds->alerted = 1;
    } while (known && !cur_at_end(&cur));
}

/* A protected record's plaintext, decoded as its (inner) content type. */
static void plaintext(struct dir_state *ds, const struct tls_plaintext *pt)
{
    switch (pt->type) {
    case TLS_CT_HANDSHAKE:
        ds->decrypting = 1;
        handshake_bytes(ds, pt->p, pt->n);
        ds->decrypting = 0;
        break;
    case TLS_CT_ALERT:
        alerts(ds, pt->p, pt->n, 1, 1);
        break;
    default:
        break;
    }
}

/* Where the direction stands for the rule of on_problem: its Finished
 * (TLS <= 1.2 without keys: the protected handshake record after its
 * ChangeCipherSpec) and its first application data record (TLS 1.3 hides
 * the type: only decryption tells). */
static void note_progress(struct dir_state *ds, const struct tls_rec_info *r)
{
    int tls13 = tls_is_tls13(ds->conn->sum.version);
    if (r->open == TLS_OPEN_OK) {
        ds->app_sent |= r->plain.type == TLS_CT_APPLICATION_DATA;
        return;
    }
    if (tls13)
        return;
    ds->app_sent |= r->rec->type == TLS_CT_APPLICATION_DATA;
    ds->finished |= r->encrypted && r->rec->type == TLS_CT_HANDSHAKE;
}

/* An SSL 2.0 record in clear: one message, msg_type first.  The
 * server's SERVER-HELLO makes the client's stream SSL 2.0 too (an
 * SSLv2-compatible hello answered in SSL 2.0); the key exchange
 * (CLIENT-MASTER-KEY, or a resumed session) makes what follows
 * encrypted. */
static void ssl2_message(struct dir_state *ds, const struct tls_record *rec)
{
    struct tls_conn *c = ds->conn;
    struct tls_ssl2 *v2 = &c->sum.ssl2;
    struct cursor cur = cur_make(rec->body, rec->length);
    uint8_t type;

    if (!cur_u8(&cur, &type))
        return;
    struct dec d = {.t = c->tree, .sum = &c->sum, .dir = ds->dir, .msg = type};
    struct tls_msg m = {.type = type,
                        .ssl2 = 1,
                        .length = (uint32_t)cur_left(&cur),
                        .body = cur_ptr(&cur),
                        .raw = rec->body,
                        .raw_len = rec->length,
                        .tree = c->tree,
                        .root = ft_reset(c->tree)};
    d.keying = &m.keying;
    m.malformed = !dec_ssl2_message(&d, type, &cur, m.root);
    deliver(ds, &m);
    if (type == 4 && ds->dir == DIR_S2C && v2->server_hello) {
        tls_framer_ssl2(c->d[DIR_C2S].framer);
        if (v2->session_id_hit)
            v2->keyed[DIR_C2S] = v2->keyed[DIR_S2C] = 1;
    }
    if (type == 2 && ds->dir == DIR_C2S && v2->master_key)
        v2->keyed[DIR_C2S] = v2->keyed[DIR_S2C] = 1;
}

static void on_record(void *arg, const struct tls_record *rec)
{
    struct dir_state *ds = arg;
    struct tls_conn *c = ds->conn;
    /* A 2-byte alert cannot be ciphertext (protection adds a MAC or a
     * tag): a peer that fails before it has keys alerts in clear.  When
     * the handshake is not in the capture, a longer one is ciphertext. */
    int clear_alert = rec->type == TLS_CT_ALERT && rec->length == 2;
    int unseen_keys = c->midstream && !c->sum.sh.seen && rec->type == TLS_CT_ALERT;
    int encrypted =
        rec->type == TLS_CT_APPLICATION_DATA ||
        ((ds->encrypted || unseen_keys) && rec->type != TLS_CT_CHANGE_CIPHER_SPEC && !clear_alert);
    if (rec->type == TLS_CT_SSL2)
        encrypted = c->sum.ssl2.keyed[ds->dir];
    struct tls_rec_info info = {.rec = rec, .encrypted = encrypted, .open = TLS_OPEN_NO_KEYS};

    c->sum.tls_seen = 1;
    if (encrypted && c->prot && rec->type != TLS_CT_SSL2)
        info.open = c->prot->open(c->prot_arg, ds->dir, rec, &info.plain, &info.skipped);
    c->ops->record(c->arg, ds->dir, &info);
    note_progress(ds, &info);
    if (encrypted) {
        if (info.open == TLS_OPEN_OK)
            plaintext(ds, &info.plain);
        else if (rec->type == TLS_CT_ALERT)
            alerts(ds, rec->body, rec->length, 1, 0);
        return;
    }
    switch (rec->type) {
    case TLS_CT_CHANGE_CIPHER_SPEC:
        /* TLS 1.3 sends it only for middleboxes (RFC 8446 D.4). */
        if (c->sum.version && !tls_is_tls13(c->sum.version))
            ds->encrypted = 1;
        if (c->prot)
            c->prot->change_cipher_spec(c->prot_arg, ds->dir, &c->sum);
        break;
    case TLS_CT_ALERT:
        alerts(ds, rec->body, rec->length, 0, 0);
        break;
    case TLS_CT_HANDSHAKE:
        handshake_bytes(ds, rec->body, rec->length);
        break;
    case TLS_CT_SSL2:
        ssl2_message(ds, rec);
        break;
    case TLS_CT_SSL2_HELLO: {
        struct dec d = {.t = c->tree, .sum = &c->sum, .dir = ds->dir, .msg = 1};
        struct cursor cur = cur_make(rec->body, rec->length);
        struct tls_msg m = {.type = 1,
                            .length = (uint32_t)rec->length,
                            .body = rec->body,
                            .raw = rec->body,
                            .raw_len = rec->length,
                            .tree = c->tree,
                            .root = ft_reset(c->tree)};
        m.malformed = !dec_ssl2_client_hello(&d, &cur, m.root);
        deliver(ds, &m);
        break;
    }
    default:
        break;
    }
}

static void on_problem(void *arg, enum tls_framer_problem what, uint64_t offset)
{
    struct dir_state *ds = arg;
    static const enum tls_anomaly_kind kind[] = {
        [TLS_NOT_TLS] = TLS_ANOM_NOT_TLS,       [TLS_BAD_LENGTH] = TLS_ANOM_BAD_RECORD,
        [TLS_BAD_HEADER] = TLS_ANOM_BAD_RECORD, [TLS_LOST_SYNC] = TLS_ANOM_LOST_SYNC,
        [TLS_RESYNC] = TLS_ANOM_RESYNC,
    };
    /* After its alert (close_notify), a side may go back to plaintext:
     * FTP's CCC (RFC 4217 11).  So may one that finished its handshake
     * and sent no application data record: TLS only authenticated the
     * connection (GridFTP data channels without protection).  Bytes that
     * break a stream of application data records are another matter. */
    if (what == TLS_BAD_HEADER && (ds->alerted || (ds->finished && !ds->app_sent))) {
        ds->ended = 1;
        ds->ended_at = offset;
        return;
    }
    anomaly(ds->conn, kind[what], ds->dir, offset);
    ds->conn->ops->problem(ds->conn->arg, ds->dir, what, offset);
}

static const struct tls_framer_ops framer_ops = {on_record, on_problem};

struct tls_conn *tls_conn_new(const struct tls_ops *ops, void *arg, struct ftree *tree)
{
    struct tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ops = ops;
    c->arg = arg;
    c->tree = tree;
    c->sum.cipher = 0xffffffff;
    for (int d = 0; d < 2; d++) {
        c->d[d].conn = c;
        c->d[d].dir = (enum dir)d;
        if (!(c->d[d].framer = tls_framer_new(&framer_ops, &c->d[d]))) {
            tls_conn_free(c);
            return NULL;
        }
    }
    return c;
}

void tls_conn_free(struct tls_conn *c)
{
    if (!c)
        return;
    for (int d = 0; d < 2; d++) {
        tls_framer_free(c->d[d].framer);
        free(c->d[d].hs);
    }
    free(c->sum.certs);
    opening_free(c->opening);
    free(c);
}

void tls_conn_set_protect(struct tls_conn *c, const struct tls_protect_ops *ops, void *arg)
{
    c->prot = ops;
    c->prot_arg = arg;
}

/* Bytes of a plaintext phase: told to the classifier and the consumer. */
static void plain_out(struct dir_state *ds, const uint8_t *p, size_t n, uint64_t offset)
{
    struct tls_conn *c = ds->conn;
    if (!n)
        return;
    ds->phase = PH_PLAIN;
    c->sum.opening.plain[ds->dir] += n;
    if (!c->opening)
        c->opening = opening_new();
    if (c->opening)
        opening_feed(c->opening, ds->dir, p, n, &c->sum.opening);
    if (c->ops->plaintext)
        c->ops->plaintext(c->arg, ds->dir, p, n, offset);
}

/* The direction's TLS begins at offset: all its bytes go to the framer. */
static void begin_tls(struct dir_state *ds, uint64_t offset)
{
    struct tls_conn *c = ds->conn;
    ds->phase = PH_TLS;
    c->sum.opening.tls[ds->dir] = 1;
    if (!c->sum.opening.plain[ds->dir])
        return;
    if (c->opening)
        opening_tls(c->opening, ds->dir, &c->sum.opening);
    if (c->ops->tls_begins)
        c->ops->tls_begins(c->arg, ds->dir, offset);
}

/* A direction's first byte may start any record; after plaintext, a
 * client's TLS starts with a ClientHello, and a server's answers one.  A
 * client whose ClientHello may have been lost in a gap, when the server
 * answered it, goes on with whatever record comes next. */
static enum tls_start_rule start_rule(const struct dir_state *ds, int at_first_byte)
{
    if (at_first_byte || (ds->dir == DIR_C2S && ds->gap && ds->conn->d[DIR_S2C].phase == PH_TLS))
        return TLS_AT_STREAM_START;
    return ds->dir == DIR_C2S ? TLS_CLIENT_HELLO : TLS_SERVER_ANSWER;
}

/* Where byte b is next in p from `from` on, or n. */
static size_t next_byte(const uint8_t *p, size_t n, size_t from, uint8_t b)
{
    const uint8_t *q = memchr(p + from, b, n - from);
    return q ? (size_t)(q - p) : n;
}

/* Looks for TLS in p; returns where it starts, n when nowhere, and sets
 * *more when bytes from *more on may start it. */
static size_t find_tls(const struct dir_state *ds, const uint8_t *p, size_t n, int first_byte_at_0,
                       size_t *more)
{
    /* The next 22 and 21 at or after i (n: none; SIZE_MAX: not looked for). */
    size_t hs = SIZE_MAX, al = SIZE_MAX;
    *more = n;
    for (size_t i = 0; i < n; i++) {
        enum tls_start_rule rule = start_rule(ds, first_byte_at_0 && !i);
        /* A ClientHello or ServerHello starts with 22, an alert with 21:
         * skip to the next candidate (plaintext may be long). */
        if (rule != TLS_AT_STREAM_START) {
            if (hs == SIZE_MAX || hs < i)
                hs = next_byte(p, n, i, TLS_CT_HANDSHAKE);
            if (rule == TLS_SERVER_ANSWER && (al == SIZE_MAX || al < i))
                al = next_byte(p, n, i, TLS_CT_ALERT);
            i = rule == TLS_SERVER_ANSWER && al < hs ? al : hs;
            if (i >= n)
                return n;
        }
        enum tls_start st = tls_record_starts(p + i, n - i, rule);
        if (st == TLS_START_YES)
            return i;
        if (st == TLS_START_MORE) {
            *more = i;
            return n;
        }
    }
    return n;
}

/* Bytes of a direction not yet in TLS: plaintext up to where a record
 * starts, the rest to the framer.  A record that may start in the last
 * few bytes waits in carry for the next piece. */
static void plain_data(struct dir_state *ds, const uint8_t *p, size_t n, uint64_t offset)
{
    size_t at, more;

    if (ds->ncarry) {
        /* The held bytes and the first of p: only a start inside the
         * held bytes is decided here (p's own are searched below). */
        uint8_t w[2 * TLS_START_NEED];
        size_t k = n < TLS_START_NEED ? n : TLS_START_NEED, held = ds->ncarry;
        memcpy(w, ds->carry, held);
        memcpy(w + held, p, k);
        ds->ncarry = 0;
        at = find_tls(ds, w, held + k, ds->phase == PH_START, &more);
        if (at < held) {
            plain_out(ds, w, at, ds->carry_offset);
            begin_tls(ds, ds->carry_offset + at);
            tls_framer_feed(ds->framer, w + at, held - at, ds->carry_offset + at);
            tls_framer_feed(ds->framer, p, n, offset);
            return;
        }
        if (more < held) { /* p was too short to decide: hold on (k == n) */
            plain_out(ds, w, more, ds->carry_offset);
            memcpy(ds->carry, w + more, held + k - more);
            ds->ncarry = held + k - more;
            ds->carry_offset += more;
            return;
        }
        plain_out(ds, w, held, ds->carry_offset);
    }
    at = find_tls(ds, p, n, ds->phase == PH_START, &more);
    if (at < n) {
        plain_out(ds, p, at, offset);
        begin_tls(ds, offset + at);
        tls_framer_feed(ds->framer, p + at, n - at, offset + at);
        return;
    }
    plain_out(ds, p, more, offset);
    if (more < n) {
        memcpy(ds->carry, p + more, n - more);
        ds->ncarry = n - more;
        ds->carry_offset = offset + more;
    }
}

/* The direction's TLS ended (with its alert) and bytes that are not a
 * record follow at ds->ended_at, in this piece or begun in the header the
 * framer held: back to plaintext, with a new framer should TLS start
 * again. */
static void tls_ended(struct dir_state *ds, const uint8_t *p, size_t n, uint64_t offset)
{
    struct tls_conn *c = ds->conn;
    struct tls_framer *fresh = tls_framer_new(&framer_ops, ds);
    uint64_t at = ds->ended_at;

    /* A new TLS session on the direction would start in clear. */
    ds->ended = ds->alerted = ds->finished = ds->app_sent = ds->encrypted = 0;
    if (!fresh)
        return; /* the direction stays stopped */
    ds->phase = PH_PLAIN;
    if (c->ops->tls_ends)
        c->ops->tls_ends(c->arg, ds->dir, at);
    if (at < offset) /* the start of the plaintext is the header the framer held */
        plain_data(ds, tls_framer_header(ds->framer), (size_t)(offset - at), at);
    tls_framer_free(ds->framer);
    ds->framer = fresh;
    if (at < offset + n)
        plain_data(ds, p + (at > offset ? at - offset : 0), n - (at > offset ? at - offset : 0),
                   at > offset ? at : offset);
}

void tls_conn_data(struct tls_conn *c, enum dir dir, const uint8_t *p, size_t n, uint64_t offset)
{
    struct dir_state *ds = &c->d[dir];
    if (ds->phase != PH_TLS) {
        plain_data(ds, p, n, offset);
        return;
    }
    tls_framer_feed(ds->framer, p, n, offset);
    if (ds->ended)
        tls_ended(ds, p, n, offset);
}

void tls_conn_gap(struct tls_conn *c, enum dir dir, uint64_t offset, uint64_t bytes)
{
    struct dir_state *ds = &c->d[dir];
    anomaly(c, TLS_ANOM_GAP, dir, bytes);
    if (ds->phase != PH_TLS) {
        /* Held bytes do not join what follows the hole. */
        plain_out(ds, ds->carry, ds->ncarry, ds->carry_offset);
        ds->ncarry = 0;
        if (c->opening)
            opening_gap(c->opening, dir);
        ds->phase = PH_PLAIN;
        ds->gap = 1;
        return;
    }
    c->d[dir].hs_len = 0; /* a message cut by the gap cannot be completed */
    if (c->prot)
        c->prot->gap(c->prot_arg, dir);
    tls_framer_gap(c->d[dir].framer, offset);
}

/* The handshake is not in the capture: the streams are TLS from their
 * first captured byte, found by the framer as before any opening. */
void tls_conn_midstream(struct tls_conn *c)
{
    anomaly(c, TLS_ANOM_MIDSTREAM, DIR_C2S, 0);
    c->midstream = 1;
    for (int d = 0; d < 2; d++) {
        c->d[d].phase = PH_TLS;
        c->sum.opening.tls[d] = 1;
    }
}

const struct tls_summary *tls_conn_summary(struct tls_conn *c)
{
    return &c->sum;
}

const char *tls_version_name(uint16_t v)
{
    return reg_name(REG_VERSION, v);
}

int tls_decode_message(uint8_t type, const uint8_t *body, size_t len, struct ftree *tree, int root,
                       struct tls_summary *sum, enum dir dir)
{
    struct dec d = {.t = tree, .sum = sum, .dir = dir};
    struct cursor c = cur_make(body, len);
    return dec_message(&d, message_type(type, body, len), &c, root);
}

int tls_decode_extensions(uint8_t context, const uint8_t *p, size_t len, struct ftree *tree,
                          int root, struct tls_summary *sum, enum dir dir)
{
    struct dec d = {.t = tree, .sum = sum, .dir = dir, .msg = context};
    struct cursor c = cur_make(p, len);
    if (!dec_extensions(&d, &c, root))
        return 0;
    if (!cur_at_end(&c))
        return dec_fail(&d, root, "trailing bytes after extensions");
    return 1;
}
