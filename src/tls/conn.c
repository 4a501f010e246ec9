/*
 * One TLS connection: records per direction, the point where each
 * direction's records become ciphertext, handshake messages gathered
 * across records, alerts, and the summary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"
#include "base/budget.h"

/* Handshake messages longer than this are not buffered (a certificate
 * chain of 64 KiB is already unusual; the protocol allows 16 MiB). */
#define MAX_MESSAGE (1 << 20)

/* Lists a problem, and tells the framing ones with the bytes they concern. */
static void problem(struct tls_conn *c, enum tls_problem_kind kind, enum dir dir, uint64_t value)
{
    struct tls_problem p = {.kind = kind, .dir = dir, .value = value};
    if (c->sum.nproblems < TLS_MAX_PROBLEMS)
        c->sum.problems[c->sum.nproblems++] = p;
    if (!tls_problem_is_framing(kind))
        return;
    const struct piece *at = &c->piece;
    if (at->p && at->dir == dir && value >= at->offset && value < at->offset + at->n) {
        p.bytes = at->p + (value - at->offset);
        p.nbytes = at->n - (size_t)(value - at->offset);
    }
    c->ops->problem(c->arg, dir, &p);
}

int tls_problem_is_framing(enum tls_problem_kind kind)
{
    switch (kind) {
    case TLS_NOT_TLS:
    case TLS_BAD_LENGTH:
    case TLS_BAD_HEADER:
    case TLS_LOST_SYNC:
    case TLS_RESYNC:
        return 1;
    case TLS_GAP:
    case TLS_MIDSTREAM:
    case TLS_BAD_ALERT:
    case TLS_BAD_MESSAGE:
        return 0;
    }
    return 0;
}

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with a fixed random. */
uint8_t tls_message_type(uint8_t type, const uint8_t *body, size_t len)
{
    if (type == TLS_HS_SERVER_HELLO && len >= 34 && memcmp(body + 2, tls_hrr_random, 32) == 0)
        return TLS_HS_HELLO_RETRY_REQUEST;
    return type;
}

/* A decoder for a message of type (SSL 2.0: ssl2) in dir, into p and m's
 * tree and slices; the certificates (the server's, or the client's in
 * mutual TLS) go to the connection's buffer for them. */
static struct tls_dec decoder(struct tls_conn *c, enum dir dir, uint8_t type, int ssl2,
                              struct tls_parsed *p, struct tls_msg *m)
{
    int chain = ssl2 ? type == SSL2_SERVER_HELLO : type == TLS_HS_CERTIFICATE;
    if (chain && (c->chain || (c->chain = calloc(TLS_MAX_CERTS, sizeof(*c->chain)))))
        p->certs = c->chain;
    m->tree = &c->tree;
    m->root = ft_reset(&c->tree);
    return (struct tls_dec){.t = &c->tree,
                            .dir = dir,
                            .msg = type,
                            .version = c->sum.version,
                            .cipher = c->sum.cipher,
                            .out = p,
                            .keying = &m->keying};
}

/* A decoded message: folded into the summary, shown, and told to the
 * crypto stage as what it means for the keys. */
static void fold_and_tell(struct tls_dir *ds, const struct tls_msg *m, const struct tls_parsed *p)
{
    struct tls_conn *c = ds->conn;
    tls_fold(&c->sum, ds->dir, m->type, m->ssl2, p);
    /* RFC 8446 2: everything after the ServerHello is encrypted. */
    if (!m->ssl2 && m->type == TLS_HS_SERVER_HELLO && tls_is_tls13(c->sum.version))
        c->d[DIR_C2S].encrypted = c->d[DIR_S2C].encrypted = 1;
    if (c->sum.nhs[ds->dir] < TLS_MAX_LISTED)
        c->sum.hs[ds->dir][c->sum.nhs[ds->dir]++] = (uint16_t)(m->ssl2 ? 0x100 + m->type : m->type);
    if (m->type == TLS_HS_FINISHED && !m->ssl2)
        ds->finished = 1;
    c->ops->message(c->arg, ds->dir, m);
    if (c->crypto && !m->ssl2) { /* the crypto stage has no SSL 2.0 */
        struct crypto_update u;
        struct crypto_client_hello ch;
        struct crypto_server_hello sh;
        tls_keying_update(&c->sum, ds->dir, m, &u, &ch, &sh);
        crypto_conn_update(c->crypto, ds->dir, &u);
    }
    if (m->malformed)
        problem(c, TLS_BAD_MESSAGE, ds->dir, m->length);
}

static void message(struct tls_dir *ds, uint8_t type, const uint8_t *raw, const uint8_t *body,
                    size_t len)
{
    struct tls_msg m = {.type = tls_message_type(type, body, len),
                        .length = (uint32_t)len,
                        .body = body,
                        .raw = raw,
                        .raw_len = len + 4,
                        .decrypted = ds->decrypting};
    struct tls_parsed p = {0};
    struct tls_dec d = decoder(ds->conn, ds->dir, m.type, 0, &p, &m);
    struct cursor cur = cur_make(body, len);

    m.malformed = !tls_dec_message(&d, m.type, &cur, m.root);
    fold_and_tell(ds, &m, &p);
}

/* Decodes the whole messages at the start of p; returns the bytes used. */
static size_t messages(struct tls_dir *ds, const uint8_t *p, size_t n)
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
            problem(ds->conn, TLS_BAD_MESSAGE, ds->dir, len);
            return n;
        }
        if (!cur_bytes(&c, len, &body))
            break;
        message(ds, type, p + used, body, len);
        used += 4 + len;
    }
    return used;
}

/* Appends to the handshake message being gathered across records. */
static int gather(struct tls_dir *ds, const uint8_t *p, size_t n)
{
    if (ds->hs_len + n > ds->hs_cap) {
        size_t cap = ds->hs_cap ? ds->hs_cap : 4096;
        while (cap < ds->hs_len + n)
            cap *= 2;
        uint8_t *b = realloc(ds->hs, cap);
        if (!b)
            return 0;
        budget_charge(cap - ds->hs_cap);
        ds->hs = b;
        ds->hs_cap = cap;
    }
    memcpy(ds->hs + ds->hs_len, p, n);
    ds->hs_len += n;
    return 1;
}

/* Handshake bytes of one record: messages wholly inside it are decoded in
 * place; a message that spans records is gathered first. */
static void handshake_bytes(struct tls_dir *ds, const uint8_t *p, size_t n)
{
    if (ds->broken)
        return;
    if (ds->hs_len == 0) {
        size_t used = messages(ds, p, n);
        if (used < n && !ds->broken && !gather(ds, p + used, n - used))
            ds->broken = 1;
        return;
    }
    if (!gather(ds, p, n)) {
        ds->broken = 1;
        return;
    }
    size_t used = messages(ds, ds->hs, ds->hs_len);
    memmove(ds->hs, ds->hs + used, ds->hs_len - used);
    ds->hs_len -= used;
}

/* The alerts of a record: in clear or decrypted (level and description
 * known), or still encrypted (one alert, unknown). */
static void alerts(struct tls_dir *ds, const uint8_t *p, size_t n, int encrypted, int decrypted)
{
    struct tls_conn *c = ds->conn;
    struct tls_alert a = {.from = ds->dir, .encrypted = encrypted, .decrypted = decrypted};
    int known = !encrypted || decrypted;
    struct cursor cur = cur_make(p, n);

    do {
        if (known) {
            if (!cur_u8(&cur, &a.level) || !cur_u8(&cur, &a.desc)) {
                problem(c, TLS_BAD_ALERT, ds->dir, n);
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
static void plaintext(struct tls_dir *ds, const struct tls_plaintext *pt)
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
static void note_progress(struct tls_dir *ds, const struct tls_rec_info *r)
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
static void ssl2_message(struct tls_dir *ds, const struct tls_record *rec)
{
    struct tls_conn *c = ds->conn;
    struct tls_ssl2 *v2 = &c->sum.ssl2;
    struct cursor cur = cur_make(rec->body, rec->length);
    uint8_t type;

    if (!cur_u8(&cur, &type))
        return;
    struct tls_msg m = {.type = type,
                        .ssl2 = 1,
                        .length = (uint32_t)cur_left(&cur),
                        .body = cur_ptr(&cur),
                        .raw = rec->body,
                        .raw_len = rec->length};
    struct tls_parsed p = {0};
    struct tls_dec d = decoder(c, ds->dir, type, 1, &p, &m);
    m.malformed = !tls_dec_ssl2_message(&d, type, &cur, m.root);
    fold_and_tell(ds, &m, &p);
    if (type == SSL2_SERVER_HELLO && ds->dir == DIR_S2C && v2->server_hello) {
        tls_framer_ssl2(c->d[DIR_C2S].framer);
        if (v2->session_id_hit)
            v2->keyed[DIR_C2S] = v2->keyed[DIR_S2C] = 1;
    }
    if (type == SSL2_CLIENT_MASTER_KEY && ds->dir == DIR_C2S && v2->master_key)
        v2->keyed[DIR_C2S] = v2->keyed[DIR_S2C] = 1;
}

static void open_record(struct tls_conn *c, enum dir dir, struct tls_rec_info *info)
{
    static const enum tls_open_status status[] = {
        [CRYPTO_OPEN_NO_KEYS] = TLS_OPEN_NO_KEYS,
        [CRYPTO_OPEN_OK] = TLS_OPEN_OK,
        [CRYPTO_OPEN_FAILED] = TLS_OPEN_FAILED,
    };
    const struct tls_record *rec = info->rec;
    struct crypto_record cr = {
        .type = rec->type, .version = rec->version, .fragment = rec->body, .length = rec->length};
    struct crypto_plaintext pt = {0};
    info->open = status[crypto_conn_open(c->crypto, dir, &cr, &pt, &info->skipped)];
    info->plain = (struct tls_plaintext){.type = pt.type, .p = pt.p, .n = pt.n, .early = pt.early};
}

/* An SSLv2-compatible ClientHello (RFC 5246 E.2): a ClientHello. */
static void ssl2_hello(struct tls_dir *ds, const struct tls_record *rec)
{
    struct cursor cur = cur_make(rec->body, rec->length);
    struct tls_msg m = {.type = TLS_HS_CLIENT_HELLO,
                        .length = (uint32_t)rec->length,
                        .body = rec->body,
                        .raw = rec->body,
                        .raw_len = rec->length};
    struct tls_parsed p = {0};
    struct tls_dec d = decoder(ds->conn, ds->dir, TLS_HS_CLIENT_HELLO, 0, &p, &m);
    m.malformed = !tls_dec_ssl2_client_hello(&d, &cur, m.root);
    fold_and_tell(ds, &m, &p);
}

static void on_record(void *arg, const struct tls_record *rec)
{
    struct tls_dir *ds = arg;
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
    if (encrypted && c->crypto && rec->type != TLS_CT_SSL2)
        open_record(c, ds->dir, &info);
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
        if (c->crypto)
            crypto_conn_update(c->crypto, ds->dir,
                               &(struct crypto_update){.kind = CRYPTO_CHANGE_CIPHER_SPEC});
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
    case TLS_CT_SSL2_HELLO:
        ssl2_hello(ds, rec);
        break;
    default:
        break;
    }
}

static void on_problem(void *arg, enum tls_problem_kind what, uint64_t offset)
{
    struct tls_dir *ds = arg;
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
    problem(ds->conn, what, ds->dir, offset);
}

static const struct tls_framer_ops framer_ops = {on_record, on_problem};

struct tls_conn *tls_conn_new(const struct tls_ops *ops, void *arg, struct crypto_keys *keys)
{
    struct tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    budget_charge(sizeof(*c));
    c->ops = ops;
    c->arg = arg;
    ft_init(&c->tree);
    c->sum.cipher = 0xffffffff;
    if (keys && !(c->crypto = crypto_conn_new(keys))) {
        free(c);
        return NULL;
    }
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
        budget_credit(c->d[d].hs_cap);
        free(c->d[d].hs);
    }
    free(c->sum.certs);
    free(c->sum.client_certs);
    free(c->chain);
    tls_opener_free(c->opening);
    crypto_conn_free(c->crypto);
    ft_release(&c->tree);
    budget_credit(sizeof(*c));
    free(c);
}

/* The direction's TLS ended (with its alert) and bytes that are not a
 * record follow at ds->ended_at, in this piece or begun in the header the
 * framer held: back to plaintext, with a new framer should TLS start
 * again. */
static void tls_ended(struct tls_dir *ds, const uint8_t *p, size_t n, uint64_t offset)
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
        tls_plain_data(ds, tls_framer_header(ds->framer), (size_t)(offset - at), at);
    tls_framer_free(ds->framer);
    ds->framer = fresh;
    if (at < offset + n)
        tls_plain_data(ds, p + (at > offset ? at - offset : 0), n - (at > offset ? at - offset : 0),
                       at > offset ? at : offset);
}

void tls_conn_data(struct tls_conn *c, enum dir dir, const uint8_t *p, size_t n, uint64_t offset)
{
    struct tls_dir *ds = &c->d[dir];
    c->piece = (struct piece){p, n, offset, dir};
    if (ds->phase != PH_TLS) {
        tls_plain_data(ds, p, n, offset);
    } else {
        tls_framer_feed(ds->framer, p, n, offset);
        if (ds->ended)
            tls_ended(ds, p, n, offset);
    }
    c->piece.p = NULL;
}

void tls_conn_gap(struct tls_conn *c, enum dir dir, uint64_t offset, uint64_t bytes)
{
    struct tls_dir *ds = &c->d[dir];
    problem(c, TLS_GAP, dir, bytes);
    if (ds->phase != PH_TLS) {
        /* Held bytes do not join what follows the hole. */
        tls_plain_out(ds, ds->carry, ds->ncarry, ds->carry_offset);
        ds->ncarry = 0;
        if (c->opening)
            tls_opener_gap(c->opening, dir);
        ds->phase = PH_PLAIN;
        ds->gap = 1;
        return;
    }
    c->d[dir].hs_len = 0; /* a message cut by the gap cannot be completed */
    if (c->crypto)
        crypto_conn_update(c->crypto, dir, &(struct crypto_update){.kind = CRYPTO_GAP});
    tls_framer_gap(c->d[dir].framer, offset);
}

/* The handshake is not in the capture: the streams are TLS from their
 * first captured byte, found by the framer as before any opening. */
void tls_conn_midstream(struct tls_conn *c)
{
    problem(c, TLS_MIDSTREAM, DIR_C2S, 0);
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

const struct crypto_result *tls_conn_crypto_result(struct tls_conn *c)
{
    return c->crypto ? crypto_conn_result(c->crypto) : NULL;
}
