/* Fuzz target: whole sessions through every stage with keys, into every
 * view.  The input is a sequence of Ethernet frames, each a 2-byte length
 * and that many bytes, as fuzz_packet takes them; the frames go through
 * the tcp stage and the pipeline with a key log holding the secrets of
 * every capture in pcaps/ (tests/fuzz/session.keys), certificate
 * verification against the test CA, and the text view with every detail
 * (-A -x -N -d -T), the JSON view and the summary view, all written to
 * /dev/null.  This is the target that reaches decryption, the analysis
 * stage and the views with what an attacker chooses.
 *
 * The memory budget (base/budget.h): an input of odd size runs under a
 * budget of 256 KiB over the key log, so that connections are forgotten
 * for it; after every packet the bytes charged stay within the budget
 * and a packet's worth (BUDGET_SLACK: a handshake buffer doubling to its
 * 1 MiB cap, a packet's reassembled bytes, a connection's buffers), and
 * once every stage is freed every byte charged has been credited (each
 * input runs twice to tell that from the table of secrets used, which
 * lasts). */
#include <stdio.h>
#include <stdlib.h>

#include "../../src/capture/capture_int.h"
#include "base/budget.h"
#include "fuzz.h"
#include "invariants.h"
#include "pipeline.h"
#include "verify.h"
#include "views.h"

static struct crypto_keys *keys;
static struct x509_verifier *verifier;
static FILE *sink;
static size_t base_use; /* the key log's */

#define BUDGET_SLACK ((size_t)4 << 20)

static void setup(void)
{
    const char *log = getenv("TLSDUMP_FUZZ_KEYS");
    char err[256];
    keys = crypto_keys_new();
    if (!keys ||
        !crypto_keys_add_keylog(keys, log ? log : "tests/fuzz/session.keys", err, sizeof(err))) {
        fprintf(stderr, "fuzz_session: %s (run from the top of the repo)\n", err);
        abort();
    }
    verifier = x509_verifier_new("pcaps/keys/ca.pem", NULL, err, sizeof(err));
    const char *out = getenv("TLSDUMP_FUZZ_OUT"); /* to look at what the views write */
    sink = fopen(out ? out : "/dev/null", "w");
    if (!verifier || !sink)
        abort();
    base_use = budget_used();
}

static struct pipeline *pipeline_with_views(struct an_analyzer *an)
{
    struct out_text_opts all = {
        .segments = 1, .all_fields = 1, .hex = 1, .data = 1, .cert_text = 1, .color = 1};
    struct out_json_opts json = {.data = 1, .certs = 1}; /* -j -d --certs */
    struct pipeline *p = pipeline_new(keys, an);
    struct view *v[3] = {out_text_new(sink, &all), out_json_new(sink, &json),
                         out_summary_new(sink)};
    for (int i = 0; i < 3; i++)
        if (!p || !v[i] || !pipeline_add_view(p, v[i]))
            abort();
    return p;
}

static void run(const uint8_t *data, size_t size)
{
    struct tcp_config cfg;
    budget_set_limit(size & 1 ? base_use + (256 << 10) : BUDGET_DEFAULT);
    struct an_analyzer *an = an_analyzer_new(verifier);
    struct pipeline *p = an ? pipeline_with_views(an) : NULL;
    tcp_config_defaults(&cfg);
    cfg.max_ooo_conn = 1 << 16;
    cfg.max_ooo_total = 1 << 18;
    cfg.max_conns = 16;
    cfg.is_client_start = tls_looks_like_client_hello;
    struct tcp_stage *t = p ? tcp_new(&cfg, pipeline_tcp_event, p) : NULL;
    if (!t)
        abort();
    for (size_t at = 0; at + 2 <= size;) {
        size_t n = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (n > size - at)
            n = size - at;
        struct cap_packet pkt = {.ts_us = (int64_t)at * 1000};
        if (cap_link_decode(1, data + at, n, n, &pkt) == LINK_OK)
            tcp_input(t, &pkt);
        FZ_ASSERT(budget_used() <= budget_limit() + BUDGET_SLACK);
        at += n;
    }
    tcp_free(t);
    pipeline_free(p);
    an_analyzer_free(an);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!keys)
        setup();
    run(data, size);
    /* What stays charged is the table of secrets used (--keys-out's),
     * a subset of the key log's: the same input again adds nothing. */
    size_t after = budget_used();
    FZ_ASSERT(after >= base_use && after - base_use <= base_use);
    run(data, size);
    FZ_ASSERT(budget_used() == after);
    return 0;
}
