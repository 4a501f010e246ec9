/* Fuzz target: a TLS connection's two streams (records, handshake
 * messages across records, alerts).  The input is cut in two: the first
 * byte says where; the halves are the client's and the server's bytes,
 * fed in pieces of up to 13 bytes to cross every boundary. */
#include "fuzz.h"
#include "tls.h"

static void on_record(void *a, enum dir d, const struct tls_rec_info *r)
{
    (void)a, (void)d, (void)r;
}
static void on_message(void *a, enum dir d, const struct tls_msg *m)
{
    (void)a, (void)d, (void)m;
}
static void on_alert(void *a, enum dir d, const struct tls_alert *al)
{
    (void)a, (void)d, (void)al;
}
static void on_problem(void *a, enum dir d, const struct tls_problem *p)
{
    (void)a, (void)d, (void)p;
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
    struct tls_conn *c = tls_conn_new(&ops, NULL, NULL);
    while (c && (off[0] < len[0] || off[1] < len[1])) {
        for (int d = 0; d < 2; d++) {
            size_t n = len[d] - off[d] < 13 ? len[d] - off[d] : 13;
            tls_conn_data(c, (enum dir)d, half[d] + off[d], n, off[d]);
            off[d] += n;
        }
    }
    if (c)
        (void)tls_conn_summary(c);
    tls_conn_free(c);
    return 0;
}
