/* Fuzz target: capture file bytes through the capture stage's own open
 * and read functions (libpcap's pcap and pcapng readers, the pcapng
 * Decryption Secrets Block walk, the link layers) and on into the tcp
 * stage.
 *
 * Input: a first byte, then the file.  A first byte below 0x80 takes the
 * rest as a whole file; from 0x80 the rest follows a pcap file header with
 * the link type (byte & 7) picks, so the fuzzer spends its time on frames
 * rather than on finding a valid header.  The file goes into a memfd,
 * opened by path as `tlsdump -r` opens it.
 *
 * Invariant: every datagram handed on lies within what was captured of it
 * (ASan checks the bytes are there) and is no longer than its wire length
 * says. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/capture/capture_int.h"
#include "fuzz.h"
#include "tcp.h"

static const int link_types[8] = {1, 101, 113, 276, 0, 108, 228, 229};

static void on_event(void *arg, const struct tcp_event *ev)
{
    (void)arg;
    if (ev->kind == TCP_EV_DATA)
        assert(ev->len > 0 && ev->data != NULL);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return 0;
        p += w, n -= (size_t)w;
    }
    return 1;
}

static int make_file(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_capture", 0);
    if (fd < 0)
        abort();
    if (data[0] >= 0x80) {
        /* magic, version 2.4, thiszone, sigfigs, snaplen, link type */
        uint32_t hdr[6] = {0xa1b2c3d4u, 2u | 4u << 16, 0,
                           0,           262144,        (uint32_t)link_types[data[0] & 7]};
        if (!write_all(fd, (const uint8_t *)hdr, sizeof(hdr)))
            abort();
    }
    if (!write_all(fd, data + 1, size - 1))
        abort();
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[512];
    struct tcp_config cfg;

    if (size < 1)
        return 0;
    int fd = make_file(data, size);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct capture_opts o = {.file = path};
    struct capture *cap = capture_open(&o, err, sizeof(err));
    tcp_config_defaults(&cfg);
    cfg.max_conns = 8;
    cfg.max_ooo_conn = 4096;
    cfg.max_ooo_total = 16384;
    struct tcp_stage *t = cap ? tcp_new(&cfg, on_event, NULL) : NULL;
    struct cap_packet pkt;
    enum capture_status st;
    uint64_t frames = 0;

    while (t && (st = capture_next(cap, &pkt)) != CAPTURE_END && st != CAPTURE_ERROR) {
        if (st != CAPTURE_PACKET)
            continue;
        assert(pkt.l3_caplen <= pkt.l3_wirelen || pkt.l3_wirelen == 0);
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < pkt.l3_caplen; i++)
            sum ^= pkt.l3[i];
        assert(++frames <= size); /* every frame costs at least a byte of file */
        tcp_input(t, &pkt);
    }
    if (cap) {
        const struct cap_secrets *s = capture_secrets(cap);
        assert(s->len <= CAP_SECRETS_MAX && (s->len == 0 || s->text != NULL));
        struct capture_stats cs;
        capture_get_stats(cap, &cs);
        assert(cs.ip <= cs.frames);
    }
    tcp_free(t);
    capture_free(cap);
    close(fd);
    return 0;
}
