/* Fuzz target: link-layer frames through the capture and tcp stages into
 * the pipeline.  The input is a sequence of frames, each a 2-byte length
 * and that many bytes of Ethernet. */
#include "../../src/capture/capture_int.h"
#include "fuzz.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tcp_config cfg;
    struct an_analyzer *an = an_analyzer_new(NULL);
    struct pipeline *p = an ? pipeline_new(NULL, an) : NULL;
    tcp_config_defaults(&cfg);
    cfg.max_ooo_conn = 4096; /* small caps reach the cap paths */
    cfg.max_ooo_total = 16384;
    cfg.max_conns = 8;
    cfg.is_client_start = tls_looks_like_client_hello;
    struct tcp_stage *t = p ? tcp_new(&cfg, pipeline_tcp_event, p) : NULL;
    for (size_t at = 0; t && at + 2 <= size;) {
        size_t n = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (n > size - at)
            n = size - at;
        struct cap_packet pkt = {.ts_us = (int64_t)at * 1000};
        if (cap_link_decode(1, data + at, n, n, &pkt) == LINK_OK)
            tcp_input(t, &pkt);
        at += n;
    }
    tcp_free(t);
    pipeline_free(p);
    an_analyzer_free(an);
    return 0;
}
