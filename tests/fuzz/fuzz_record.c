/* Fuzz target: a TLS connection's two streams (records, handshake
 * messages across records, alerts).  The input is cut in two: the first
 * byte says where; the halves are the client's and the server's bytes,
 * fed in pieces of up to 13 bytes to cross every boundary.  Nothing
 * reported may claim more bytes than a direction was fed: a record ends,
 * a message is as long, a problem is placed within them; a message's field
 * tree is well formed and its bytes lie in the message. */
#include "fuzz.h"
#include "invariants.h"
#include "tls.h"

struct fed {
    uint64_t n[2]; /* bytes fed so far, per direction */
};

static void on_record(void *a, enum dir d, const struct tls_rec_info *r)
{
    const struct fed *fed = a;
    const struct tls_record *rec = r->rec;
    /* a header of 5 bytes, or SSL 2.0's of 2 or 3 */
    size_t header = rec->type == TLS_CT_SSL2 || rec->type == TLS_CT_SSL2_HELLO ? 2 : TLS_HEADER_LEN;
    FZ_ASSERT(rec->length <= fed->n[d] && rec->offset + header + rec->length <= fed->n[d]);
    FZ_ASSERT(rec->padding <= rec->length);
}
static void on_message(void *a, enum dir d, const struct tls_msg *m)
{
    const struct fed *fed = a;
    FZ_ASSERT(m->length <= fed->n[d] && m->raw_len <= fed->n[d]);
    FZ_ASSERT(fz_inside(m->body, m->length, m->raw, m->raw_len));
    if (m->tree)
        fz_check_tree(m->tree, m->root, m->raw, m->raw_len);
}
static void on_alert(void *a, enum dir d, const struct tls_alert *al)
{
    (void)a, (void)d, (void)al;
}
static void on_problem(void *a, enum dir d, const struct tls_problem *p)
{
    const struct fed *fed = a;
    /* told problems are framing ones: value is a stream offset */
    FZ_ASSERT(p->dir == d && p->value <= fed->n[d] && p->nbytes <= fed->n[d] - p->value);
}
static const struct tls_ops ops = {
    .record = on_record, .message = on_message, .alert = on_alert, .problem = on_problem};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cut = (size_t)data[0] * (size - 1) / 255;
    const uint8_t *half[2] = {data + 1, data + 1 + cut};
    size_t len[2] = {cut, size - 1 - cut}, off[2] = {0, 0};
    struct fed fed = {{0, 0}};
    struct tls_conn *c = tls_conn_new(&ops, &fed, NULL);
    while (c && (off[0] < len[0] || off[1] < len[1])) {
        for (int d = 0; d < 2; d++) {
            size_t n = len[d] - off[d] < 13 ? len[d] - off[d] : 13;
            fed.n[d] = off[d] + n;
            tls_conn_data(c, (enum dir)d, half[d] + off[d], n, off[d]);
            off[d] += n;
        }
    }
    if (c)
        (void)tls_conn_summary(c);
    tls_conn_free(c);
    return 0;
}
