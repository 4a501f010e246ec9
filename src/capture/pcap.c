/*
 * The libpcap source: savefiles (pcap, pcapng, standard input) and live
 * interfaces, a BPF filter, and frames handed on without copying.
 */
#include <errno.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#include <pcap/pcap.h>

#include "capture_int.h"

/* Live reads wake up this often so that a stop request is seen promptly. */
#define LIVE_TIMEOUT_MS 200
#define LIVE_BUFFER_BYTES (8 * 1024 * 1024)

struct capture {
    pcap_t *pcap;
    struct cap_ng *ng; /* instead of pcap: a pcapng file of mixed link types */
    FILE *ng_file;
    char *read_buf; /* the file's stdio buffer */
    struct cap_ng_frame fr;
    int dlt;
    int live;
    int fd;             /* live: the descriptor to poll; -1 none (offline, or none to poll) */
    uint64_t file_size; /* a regular file's size; 0 unknown (stdin, a pipe) */
    atomic_int stop;    /* set by a signal handler, on any thread */
    struct capture_stats st;
    struct cap_secrets secrets;
    char err[PCAP_ERRBUF_SIZE + 64];
};

#define READ_BUF (1 << 20)

static struct capture *fail(struct capture *cap, char *err, size_t errlen, const char *what,
                            const char *why)
{
    snprintf(err, errlen, "%s: %s", what, why);
    capture_free(cap);
    return NULL;
}

/* A regular file is walked for its Decryption Secrets Blocks first, then
 * read from its start by libpcap; standard input and pipes cannot be read
 * twice, so their secrets are not read. */
static int open_offline(struct capture *cap, const char *file, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct stat sb;
    FILE *f;

    if (strcmp(file, "-") == 0) {
        cap->pcap = pcap_open_offline(file, ebuf);
    } else if (!(f = fopen(file, "rb"))) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return 0;
    } else {
        /* 1 MiB reads: stdio's default 4 KiB made a read(2) per three
         * full-size frames (glibc takes a size only with a buffer). */
        if ((cap->read_buf = malloc(READ_BUF)))
            setvbuf(f, cap->read_buf, _IOFBF, READ_BUF);
        int known = fstat(fileno(f), &sb) == 0;
        if (known && S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "%s: is a directory, not a capture file", file);
            fclose(f);
            return 0;
        }
        if (known && S_ISREG(sb.st_mode)) {
            cap_pcapng_secrets(f, &cap->secrets);
            rewind(f);
        }
        if (known && S_ISREG(sb.st_mode))
            cap->file_size = (uint64_t)sb.st_size;
        if (cap->secrets.end != CAP_SCAN_NOT_PCAPNG && known && S_ISREG(sb.st_mode) &&
            cap_ng_mixed(f)) {
            cap->ng_file = f; /* libpcap would refuse it: read here */
            return 1;
        }
        if (!(cap->pcap = pcap_fopen_offline(f, ebuf)))
            fclose(f);
    }
    if (!cap->pcap) {
        /* libpcap says "unknown file format" for what is not a capture. */
        snprintf(err, errlen, "%s: %s", file, ebuf);
        return 0;
    }
    return 1;
}

/* --fanout: libpcap has no call for it, so the option goes on its packet
 * socket once activated.  Hash mode sends both directions of a flow to the
 * same member (the kernel's flow hash is symmetric); DEFRAG hashes IP
 * fragments once reassembled, so they follow their flow too. */
static int join_fanout(struct capture *cap, const struct capture_opts *o, char *err, size_t errlen)
{
#ifdef PACKET_FANOUT
    /* the mode's flags fill the top 16 bits (DEFRAG is 0x8000): unsigned */
    uint32_t arg = o->fanout_group | (uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG)
                                         << 16;
    if (setsockopt(pcap_fileno(cap->pcap), SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) == 0)
        return 1;
    snprintf(err, errlen, "%s: --fanout %u: %s", o->iface, o->fanout_group, strerror(errno));
#else
    snprintf(err, errlen, "%s: --fanout: PACKET_FANOUT is Linux's; not on this system", o->iface);
#endif
    return 0;
}

static int open_live(struct capture *cap, const struct capture_opts *o, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    int rc;

    cap->pcap = pcap_create(o->iface, ebuf);
    if (!cap->pcap) {
        snprintf(err, errlen, "%s: %s", o->iface, ebuf);
        return 0;
    }
    pcap_set_promisc(cap->pcap, o->promisc);
    pcap_set_snaplen(cap->pcap, o->snaplen > 0 ? o->snaplen : 262144);
    pcap_set_timeout(cap->pcap, LIVE_TIMEOUT_MS);
    pcap_set_buffer_size(cap->pcap,
                         o->buffer_kib ? (int)(o->buffer_kib * 1024) : LIVE_BUFFER_BYTES);
    rc = pcap_activate(cap->pcap);
    if (rc < 0) {
        const char *why = pcap_geterr(cap->pcap);
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            why = "no such interface";
        else if (rc == PCAP_ERROR_PERM_DENIED)
            why = "permission denied (capturing needs root or CAP_NET_RAW)";
        else if (!why || !*why)
            why = pcap_statustostr(rc);
        snprintf(err, errlen, "%s: %s", o->iface, why);
        return 0;
    }
    if (o->fanout && !join_fanout(cap, o, err, errlen))
        return 0;
    /* Without a selectable descriptor, pcap_next_ex blocks as before. */
    cap->fd = pcap_get_selectable_fd(cap->pcap);
    if (cap->fd >= 0 && pcap_setnonblock(cap->pcap, 1, ebuf) < 0)
        cap->fd = -1;
    cap->live = 1;
    return 1;
}

static int set_filter(struct capture *cap, const char *filter, char *err, size_t errlen)
{
    struct bpf_program prog;

    if (pcap_compile(cap->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, errlen, "invalid filter '%s': %s", filter, pcap_geterr(cap->pcap));
        return 0;
    }
    int ok = pcap_setfilter(cap->pcap, &prog) == 0;
    if (!ok)
        snprintf(err, errlen, "cannot set filter '%s': %s", filter, pcap_geterr(cap->pcap));
    pcap_freecode(&prog);
    return ok;
}

struct capture *capture_open(const struct capture_opts *o, char *err, size_t errlen)
{
    struct capture *cap = calloc(1, sizeof(*cap));
    if (!cap)
        return fail(NULL, err, errlen, "capture", strerror(errno));
    cap->secrets.end = CAP_SCAN_NOT_READ;
    cap->fd = -1;

    if (o->file ? !open_offline(cap, o->file, err, errlen) : !open_live(cap, o, err, errlen)) {
        capture_free(cap);
        return NULL;
    }
    if (cap->ng_file) {
        if (!(cap->ng = cap_ng_open(cap->ng_file, o->filter)))
            return fail(cap, err, errlen, o->file, "out of memory");
        cap->st.mixed_links = 1;
        return cap;
    }
    cap->dlt = pcap_datalink(cap->pcap);
    if (!cap_link_supported(cap->dlt)) {
        const char *name = pcap_datalink_val_to_name(cap->dlt);
        char why[128];
        snprintf(why, sizeof(why), "link type %s (%d) is not supported", name ? name : "unknown",
                 cap->dlt);
        return fail(cap, err, errlen, o->file ? o->file : o->iface, why);
    }
    if (o->filter && *o->filter && !set_filter(cap, o->filter, err, errlen)) {
        capture_free(cap);
        return NULL;
    }
    return cap;
}

void capture_free(struct capture *cap)
{
    if (!cap)
        return;
    if (cap->pcap)
        pcap_close(cap->pcap);
    cap_ng_free(cap->ng);
    if (cap->ng_file)
        fclose(cap->ng_file);
    cap_secrets_clear(&cap->secrets);
    free(cap->read_buf); /* after the file it buffered is closed */
    free(cap);
}

/* A pcapng timestamp is 64 bits of any unit: near 2^64 microseconds its
 * seconds times 10^6 would overflow.  Times are kept within +-2^61 us
 * (73,000 years) so that the difference of any two cannot overflow. */
#define TS_LIMIT_US ((int64_t)1 << 61)

static int64_t timestamp_us(const struct timeval *tv)
{
    const int64_t limit_s = TS_LIMIT_US / 1000000;
    if (tv->tv_sec >= limit_s)
        return TS_LIMIT_US;
    if (tv->tv_sec <= -limit_s)
        return -TS_LIMIT_US;
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* A live capture is read without blocking, and waited for here: libpcap's
 * own wait on Linux has no timeout while no packet comes, and a quiet
 * capture must still come back to its caller (to flush output, to read a
 * key log that appeared).  Returns 0 when nothing came within
 * LIVE_TIMEOUT_MS or a signal came. */
static int wait_live(struct capture *cap)
{
    struct pollfd pfd = {.fd = cap->fd, .events = POLLIN};
    return cap->fd >= 0 && poll(&pfd, 1, LIVE_TIMEOUT_MS) > 0;
}

/* One frame of the link type dlt: counted, and decoded into pkt. */
static int frame_of(struct capture *cap, int dlt, int64_t ts_us, const uint8_t *frame,
                    uint32_t caplen, uint32_t len, struct cap_packet *pkt)
{
    cap->st.frames++;
    if (caplen < len)
        cap->st.snapped++;
    else if (caplen > len)
        cap->st.overlong++; /* a lying header: its captured bytes are used */
    pkt->ts_us = ts_us;
    pkt->frame = cap->st.frames;
    if (cap->ng && !cap_link_supported(dlt)) {
        cap->st.unsupported++;
        cap->st.unsupported_dlt = dlt;
        return 0;
    }
    switch (cap_link_decode(dlt, frame, caplen, len, pkt)) {
    case LINK_OK:
        cap->st.ip++;
        return 1;
    case LINK_OTHER:
        cap->st.not_ip++;
        break;
    case LINK_MALFORMED:
        cap->st.malformed++;
        break;
    }
    return 0;
}

static enum capture_status next_mixed(struct capture *cap, struct cap_packet *pkt)
{
    for (;;) {
        if (atomic_load_explicit(&cap->stop, memory_order_relaxed))
            return CAPTURE_END;
        int rc = cap_ng_next(cap->ng, &cap->fr);
        if (rc < 0) {
            snprintf(cap->err, sizeof(cap->err), "%s", cap_ng_error(cap->ng));
            return CAPTURE_ERROR;
        }
        if (rc == 0)
            return CAPTURE_END;
        int64_t t = cap->fr.ts_us > TS_LIMIT_US ? TS_LIMIT_US : cap->fr.ts_us;
        if (frame_of(cap, cap->fr.dlt, t, cap->fr.data, cap->fr.caplen, cap->fr.len, pkt))
            return CAPTURE_PACKET;
    }
}

enum capture_status capture_next(struct capture *cap, struct cap_packet *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *frame;

    if (cap->ng)
        return next_mixed(cap, pkt);
    for (;;) {
        if (atomic_load_explicit(&cap->stop, memory_order_relaxed))
            return CAPTURE_END;
        int rc = pcap_next_ex(cap->pcap, &h, &frame);
        if (rc == 0 && !wait_live(cap))
            return CAPTURE_IDLE;
        if (rc == 0)
            continue;
        if (rc == PCAP_ERROR_BREAK)
            return CAPTURE_END;
        if (rc < 0) {
            snprintf(cap->err, sizeof(cap->err), "%s", pcap_geterr(cap->pcap));
            return CAPTURE_ERROR;
        }
        if (frame_of(cap, cap->dlt, timestamp_us(&h->ts), frame, h->caplen, h->len, pkt))
            return CAPTURE_PACKET;
    }
}

void capture_break(struct capture *cap)
{
    atomic_store_explicit(&cap->stop, 1, memory_order_relaxed);
    if (cap->pcap)
        pcap_breakloop(cap->pcap);
}

int capture_position(const struct capture *cap, uint64_t *done, uint64_t *total)
{
    FILE *f = cap->ng_file ? cap->ng_file : cap->live ? NULL : pcap_file(cap->pcap);
    long at = f && cap->file_size ? ftell(f) : -1;
    if (at < 0)
        return 0;
    *done = (uint64_t)at;
    *total = cap->file_size;
    return 1;
}

const char *capture_error(const struct capture *cap)
{
    return cap->err;
}

void capture_get_stats(struct capture *cap, struct capture_stats *st)
{
    struct pcap_stat ps;

    *st = cap->st;
    if (cap->live && pcap_stats(cap->pcap, &ps) == 0) {
        st->live = 1;
        st->kernel_received = ps.ps_recv;
        st->kernel_dropped = ps.ps_drop;
        st->iface_dropped = ps.ps_ifdrop;
    }
}

const struct cap_secrets *capture_secrets(const struct capture *cap)
{
    return &cap->secrets;
}

void capture_forget_secrets(struct capture *cap)
{
    cap_secrets_clear(&cap->secrets);
}

int capture_list_interfaces(FILE *out, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all, *d;
    int n = 0;

    if (pcap_findalldevs(&all, ebuf) != 0) {
        snprintf(err, errlen, "cannot list interfaces: %s", ebuf);
        return 0;
    }
    for (d = all; d; d = d->next) {
        fprintf(out, "%d.%s", ++n, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        if (d->flags & PCAP_IF_LOOPBACK)
            fputs(" [Loopback]", out);
        fputc('\n', out);
    }
    pcap_freealldevs(all);
    if (!n)
        snprintf(err, errlen, "no interfaces to capture on (capturing needs root or CAP_NET_RAW)");
    return n > 0;
}

const char *capture_lib_version(void)
{
    return pcap_lib_version();
}
