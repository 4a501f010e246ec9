/* The capture and tcp stages alone on a capture, with a callback that
 * only counts: what tests/hostile/run.sh uses to tell tcp's share of a
 * capture's cost from the later stages'.
 *
 * usage: tcp-only CAPTURE   prints packets, seconds, packets/s and the
 * tcp stage's counters on one line. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "capture.h"
#include "tcp.h"

static unsigned long long events[TCP_EV_CLOSE + 1];

static void count(void *arg, const struct tcp_event *ev)
{
    (void)arg;
    events[ev->kind]++;
}

int main(int argc, char **argv)
{
    char err[512];
    struct timespec a, b;
    struct tcp_config cfg;
    struct capture_opts o = {.file = argc > 1 ? argv[1] : "-"};
    struct capture *cap = capture_open(&o, err, sizeof(err));
    if (!cap) {
        fprintf(stderr, "tcp-only: %s\n", err);
        return 2;
    }
    tcp_config_defaults(&cfg);
    struct tcp_stage *t = tcp_new(&cfg, count, NULL);
    struct cap_packet pkt;
    enum capture_status st;
    unsigned long long n = 0;
    int64_t last = 0;

    clock_gettime(CLOCK_MONOTONIC, &a);
    while ((st = capture_next(cap, &pkt)) != CAPTURE_END && st != CAPTURE_ERROR) {
        if (st == CAPTURE_PACKET) {
            tcp_input(t, &pkt);
            last = pkt.ts_us;
            n++;
        }
    }
    tcp_finish(t, last);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    struct tcp_stats ts;
    tcp_get_stats(t, &ts);
    printf("%llu packets %.2f s %.0f packets/s; %llu connections, %llu evicted, %llu bytes, "
           "%llu gaps\n",
           n, s, s > 0 ? (double)n / s : 0.0, (unsigned long long)ts.connections,
           (unsigned long long)ts.evicted, events[TCP_EV_DATA], events[TCP_EV_GAP]);
    tcp_free(t);
    capture_free(cap);
    return 0;
}
