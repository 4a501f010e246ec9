/*
 * capture_int.h: what the files of the capture stage share and nobody else
 * sees: the link-layer decoder (link.c) and the walk over a pcapng file's
 * blocks for its secrets (pcapng.c), both called by pcap.c.  The unit
 * tests and fuzz targets include this header by its path.
 */
#ifndef TLSDUMP_CAPTURE_INT_H
#define TLSDUMP_CAPTURE_INT_H

#include "capture.h"

/* What the link layer decoder makes of one frame. */
enum link_result {
    LINK_OK = 0,    /* an IPv4 or IPv6 datagram */
    LINK_OTHER,     /* a well-formed frame that does not carry IP */
    LINK_MALFORMED, /* a link header cut short or inconsistent */
};

/* Returns 1 when tlsdump decodes this DLT_ value. */
int cap_link_supported(int dlt);

/* Strips the link header of one frame of type dlt.  On LINK_OK sets
 * pkt->ethertype, l3, l3_caplen and l3_wirelen; wirelen is the frame's
 * length on the wire. */
enum link_result cap_link_decode(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
                                 struct cap_packet *pkt);

#define CAP_SECRETS_MAX (64u << 20)    /* bytes of secrets read at most */
#define CAP_SCAN_MAX_BLOCKS (1u << 26) /* blocks walked at most */

/* Walks the pcapng blocks of f from its current position and collects the
 * TLS secrets into s (whatever came before a malformed block is kept).
 * Reads only the block headers and the secrets, skipping the rest by its
 * length.  Exposed for tests; capture_open() calls it. */
enum cap_scan_end cap_pcapng_secrets(FILE *f, struct cap_secrets *s);

/* pcapng_read.c: a pcapng file whose interfaces have different link
 * types, which libpcap refuses, read frame by frame with each frame's own
 * link type.  cap_ng_mixed() says whether f is such a file (and rewinds
 * it); cap_ng_open() borrows f and filter (a BPF expression or NULL). */
struct cap_ng;
struct cap_ng_frame {
    int64_t ts_us;
    int iface, dlt; /* its interface, and that interface's DLT_ value */
    const uint8_t *data;
    uint32_t caplen, len;
    uint64_t filtered;  /* frames the filter left out, so far */
    uint64_t malformed; /* packet blocks that did not add up, so far */
};
int cap_ng_mixed(FILE *f);
struct cap_ng *cap_ng_open(FILE *f, const char *filter);
void cap_ng_free(struct cap_ng *ng);
/* The next frame that passes the filter: 1; 0 at the end; -1 on error. */
int cap_ng_next(struct cap_ng *ng, struct cap_ng_frame *fr);
const char *cap_ng_error(const struct cap_ng *ng);

/* Wipes and frees the text; s may be NULL. */
void cap_secrets_clear(struct cap_secrets *s);

#endif
