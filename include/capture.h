/*
 * capture.h: stage 1, packets from libpcap with their link layer removed.
 *
 * The capture stage opens a savefile (pcap or pcapng, "-" for standard
 * input) or a live interface, applies a BPF filter, and hands out each frame
 * as a network-layer datagram (IPv4 or IPv6).  Frames it cannot use (other
 * protocols, malformed link headers) are counted, never passed on.
 */
#ifndef TLSDUMP_CAPTURE_H
#define TLSDUMP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A network-layer datagram.  The bytes are libpcap's and valid only until
 * the next capture_next() call. */
struct cap_packet {
    int64_t ts_us;      /* capture time, microseconds since the epoch */
    uint64_t frame;     /* 1-based frame number in the capture */
    uint16_t ethertype; /* 0x0800 (IPv4) or 0x86dd (IPv6) */
    const uint8_t *l3;  /* first byte of the IP header */
    size_t l3_caplen;   /* bytes of it that were captured */
    size_t l3_wirelen;  /* bytes of it that were on the wire */
};

struct capture_opts {
    const char *file;      /* savefile path or "-"; NULL for live */
    const char *iface;     /* interface for live capture ("any" allowed) */
    const char *filter;    /* BPF expression or NULL */
    int promisc;           /* live: promiscuous mode */
    int snaplen;           /* live: bytes kept per frame (0: libpcap's default) */
    unsigned buffer_kib;   /* live: the kernel's capture buffer, KiB (0: 8 MiB) */
    int fanout;            /* live: join PACKET_FANOUT group fanout_group (Linux) */
    uint16_t fanout_group; /* that shares packets among its sockets by flow hash */
};

struct capture_stats {
    uint64_t frames;    /* frames read */
    uint64_t ip;        /* handed on as IP datagrams */
    uint64_t not_ip;    /* frames of other protocols */
    uint64_t malformed; /* link headers cut or inconsistent */
    uint64_t snapped;   /* frames cut by the snap length */
    uint64_t overlong;  /* frames that claim more bytes captured than were on the wire */
    /* A pcapng file whose interfaces have different link types, read by
     * tlsdump's own reader: frames of a link type it does not decode. */
    int mixed_links;
    uint64_t unsupported;
    int unsupported_dlt; /* the last such link type */
    int live;            /* the kernel counters below are set */
    uint64_t kernel_received;
    uint64_t kernel_dropped;
    uint64_t iface_dropped;
};

struct capture;

/* Opens the source and compiles the filter.  On failure returns NULL and
 * writes a one-line reason into err. */
struct capture *capture_open(const struct capture_opts *opts, char *err, size_t errlen);
void capture_free(struct capture *cap);

enum capture_status {
    CAPTURE_PACKET = 1, /* *pkt holds a datagram */
    CAPTURE_IDLE = 0,   /* live: the read timed out, try again */
    CAPTURE_END = -1,   /* end of file, or capture_break() was called */
    CAPTURE_ERROR = -2, /* read error: capture_error() says which */
};

enum capture_status capture_next(struct capture *cap, struct cap_packet *pkt);

/* Makes capture_next() return CAPTURE_END; safe to call from a signal
 * handler. */
void capture_break(struct capture *cap);

const char *capture_error(const struct capture *cap);
void capture_get_stats(struct capture *cap, struct capture_stats *st);
/* How far a capture file has been read: bytes done of total.  Returns 0
 * when that is not known (a live capture, standard input, a pipe). */
int capture_position(const struct capture *cap, uint64_t *done, uint64_t *total);

/* -D: the interfaces a live capture may use, numbered as tcpdump -D
 * numbers them, one a line with its description.  Returns 0 with a reason
 * in err. */
int capture_list_interfaces(FILE *out, char *err, size_t errlen);

/* libpcap's name and version, as it says it ("libpcap version 1.10.3"). */
const char *capture_lib_version(void);

/*
 * Decryption secrets a pcapng file carries in its Decryption Secrets Blocks
 * (pcapng, section "Decryption Secrets Block"), as `editcap --inject-secrets`
 * and Wireshark write them.  libpcap does not hand these blocks out, so
 * capture_open() walks the file's blocks once before libpcap reads it.  The
 * capture stage does not interpret the secrets: it hands out the TLS key
 * log text (secrets type "TLSK") for a later stage to parse.
 */

enum cap_scan_end {
    CAP_SCAN_DONE,        /* every block walked, to the end of the file */
    CAP_SCAN_NOT_READ,    /* not walked: a live capture, standard input, a pipe */
    CAP_SCAN_NOT_PCAPNG,  /* the file does not start with a Section Header Block */
    CAP_SCAN_TRUNCATED,   /* the file ends inside a block */
    CAP_SCAN_MALFORMED,   /* a block's lengths or fields do not add up */
    CAP_SCAN_OVER_CAP,    /* more than the 64 MiB of secrets read at most */
    CAP_SCAN_MANY_BLOCKS, /* more than CAP_SCAN_MAX_BLOCKS blocks */
    CAP_SCAN_NO_MEMORY,
};

struct cap_secrets {
    char *text;            /* the TLSK secrets of every block, each ending in '\n'; or NULL */
    size_t len;            /* bytes of text (not NUL-terminated) */
    unsigned tls_blocks;   /* Decryption Secrets Blocks of type TLSK */
    unsigned other_blocks; /* ... of other types (WireGuard, SSH, ...): skipped */
    uint64_t blocks;       /* blocks walked */
    enum cap_scan_end end; /* why the walk ended */
    const char *why;       /* when MALFORMED: what did not add up (a static string) */
    uint64_t at;           /* when it ended early: the file offset of that block */
};

/* What the capture file carried; valid until capture_forget_secrets() or
 * capture_free().  For a live capture or a pipe, end is CAP_SCAN_NOT_READ. */
const struct cap_secrets *capture_secrets(const struct capture *cap);

/* Wipes the secrets once they have been handed on. */
void capture_forget_secrets(struct capture *cap);

#endif
