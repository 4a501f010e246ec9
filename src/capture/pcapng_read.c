/*
 * A pcapng reader for the files libpcap refuses: those whose interfaces
 * have different link types (what mergecap writes from captures of
 * several kinds, and Wireshark from several interfaces).  libpcap reads
 * every frame as the first interface's link type, so it stops with "an
 * interface has a type N different from the type of the first
 * interface"; this reader gives each frame its own interface's link type.
 *
 * It reads the blocks in order (draft-ietf-opsawg-pcapng): Section Header
 * (byte order; forgets the interfaces), Interface Description (link type,
 * snap length, if_tsresol), Enhanced, Simple and obsolete Packet blocks;
 * every other block is skipped by its length.  A block is read into one
 * buffer that grows to the largest block (at most CAP_NG_MAX_BLOCK), so
 * a frame costs no allocation.  The BPF filter is compiled once per link
 * type and run with pcap_offline_filter().
 */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "base/cursor.h"
#include "capture_int.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_OPB 2u /* the obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u
#define CAP_NG_MAX_BLOCK (16u << 20)
#define CAP_NG_MAX_IFACES 256

struct ng_iface {
    int dlt;
    uint32_t snaplen;
    uint64_t div, mul;        /* ticks to microseconds: * mul / div */
    struct bpf_program *prog; /* the filter for its link type (shared), or NULL */
};

struct cap_ng {
    FILE *f;
    int le;
    uint8_t *buf;
    size_t room;
    struct ng_iface ifaces[CAP_NG_MAX_IFACES];
    int nifaces;
    struct bpf_program progs[CAP_NG_MAX_IFACES]; /* one per link type met */
    int prog_dlt[CAP_NG_MAX_IFACES];
    int nprogs;
    const char *filter;
    char err[PCAP_ERRBUF_SIZE + 64];
};

static int rd32(struct cursor *c, int le, uint32_t *v)
{
    return le ? cur_u32le(c, v) : cur_u32(c, v);
}

static int rd16(struct cursor *c, int le, uint16_t *v)
{
    uint8_t a, b;
    if (!cur_u8(c, &a) || !cur_u8(c, &b))
        return 0;
    *v = le ? (uint16_t)(b << 8 | a) : (uint16_t)(a << 8 | b);
    return 1;
}

/* Reads the next block whole into ng->buf: 1 with its type and body,
 * 0 at the end of the file, -1 (ng->err) when it does not add up. */
static int next_block(struct cap_ng *ng, uint32_t *type, struct cursor *body)
{
    uint8_t head[12];
    struct cursor c;
    uint32_t len, magic;
    size_t got = fread(head, 1, 8, ng->f);

    if (got == 0)
        return 0;
    c = cur_make(head, 8);
    if (got != 8 || !cur_u32(&c, type))
        goto truncated;
    c = cur_make(head, 4);
    if (*type != BT_SHB && !rd32(&c, ng->le, type)) /* the SHB's type is a palindrome */
        goto truncated;
    if (*type == BT_SHB) { /* its magic says the byte order of its length too */
        if (fread(head + 8, 1, 4, ng->f) != 4)
            goto truncated;
        c = cur_make(head + 8, 4);
        if (!cur_u32(&c, &magic) || (magic != 0x1A2B3C4Du && magic != 0x4D3C2B1Au))
            return snprintf(ng->err, sizeof(ng->err), "pcapng: unknown byte-order magic"), -1;
        ng->le = magic != 0x1A2B3C4Du;
    }
    c = cur_make(head + 4, 4);
    if (!rd32(&c, ng->le, &len) || len < 12 + (*type == BT_SHB ? 4u : 0u) || len % 4 ||
        len > CAP_NG_MAX_BLOCK)
        return snprintf(ng->err, sizeof(ng->err), "pcapng: a block of %u bytes", len), -1;
    if (ng->room < len) {
        uint8_t *b = realloc(ng->buf, len);
        if (!b)
            return snprintf(ng->err, sizeof(ng->err), "out of memory"), -1;
        ng->buf = b, ng->room = len;
    }
    size_t skip = *type == BT_SHB ? 12 : 8; /* what was read of it already */
    if (fread(ng->buf, 1, len - skip, ng->f) != len - skip)
        goto truncated;
    uint32_t trailer;
    c = cur_make(ng->buf + len - skip - 4, 4);
    if (!rd32(&c, ng->le, &trailer) || trailer != len)
        return snprintf(ng->err, sizeof(ng->err), "pcapng: block lengths differ"), -1;
    *body = cur_make(ng->buf, len - skip - 4);
    return 1;
truncated:
    snprintf(ng->err, sizeof(ng->err), "truncated dump file; the last block is cut short");
    return -1;
}

/* The filter compiled for dlt, once per link type. */
static struct bpf_program *filter_for(struct cap_ng *ng, int dlt, uint32_t snaplen)
{
    for (int i = 0; i < ng->nprogs; i++)
        if (ng->prog_dlt[i] == dlt)
            return &ng->progs[i];
    pcap_t *dead = pcap_open_dead(dlt, snaplen ? (int)snaplen : 262144);
    int ok = dead && ng->nprogs < CAP_NG_MAX_IFACES &&
             pcap_compile(dead, &ng->progs[ng->nprogs], ng->filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (!ok)
        snprintf(ng->err, sizeof(ng->err), "invalid filter '%s' for link type %d: %s", ng->filter,
                 dlt, dead ? pcap_geterr(dead) : "?");
    if (dead)
        pcap_close(dead);
    if (!ok)
        return NULL;
    ng->prog_dlt[ng->nprogs] = dlt;
    return &ng->progs[ng->nprogs++];
}

/* An Interface Description Block: link type, snap length, if_tsresol. */
static int interface(struct cap_ng *ng, struct cursor *c)
{
    uint16_t lt, code, olen;
    uint32_t snaplen;
    struct ng_iface *i = &ng->ifaces[ng->nifaces];

    if (ng->nifaces == CAP_NG_MAX_IFACES)
        return snprintf(ng->err, sizeof(ng->err), "pcapng: more than 256 interfaces"), 0;
    if (!rd16(c, ng->le, &lt) || !cur_skip(c, 2) || !rd32(c, ng->le, &snaplen))
        return snprintf(ng->err, sizeof(ng->err), "pcapng: interface block cut short"), 0;
    /* microseconds unless if_tsresol says otherwise */
    *i = (struct ng_iface){
        .dlt = lt == 101 ? DLT_RAW : lt, .snaplen = snaplen, .div = 1, .mul = 1}; /* LINKTYPE_RAW */
    while (rd16(c, ng->le, &code) && rd16(c, ng->le, &olen) && code != 0) {
        uint8_t r;
        struct cursor v;
        if (!cur_sub(c, olen, &v) || !cur_skip(c, (4 - olen % 4) % 4))
            break;
        if (code != 9 || olen != 1 || !cur_u8(&v, &r))
            continue;
        uint64_t ticks = 1; /* ticks per second */
        for (int k = 0; k < (r & 0x7f) && ticks <= UINT64_MAX / 10; k++)
            ticks *= r & 0x80 ? 2 : 10;
        i->div = ticks > 1000000 ? ticks / 1000000 : 1;
        i->mul = ticks < 1000000 ? 1000000 / ticks : 1;
    }
    /* No filter for a link type tlsdump skips (libpcap may have none). */
    if (ng->filter && *ng->filter && cap_link_supported(i->dlt) &&
        !(i->prog = filter_for(ng, i->dlt, snaplen)))
        return 0;
    ng->nifaces++;
    return 1;
}

/* A packet block's interface, times and bytes. */
static int packet(struct cap_ng *ng, uint32_t type, struct cursor *c, struct cap_ng_frame *fr)
{
    uint32_t id = 0, hi = 0, lo = 0, caplen, len;
    uint16_t id16;
    if (type == BT_EPB && !(rd32(c, ng->le, &id) && rd32(c, ng->le, &hi) && rd32(c, ng->le, &lo)))
        return 0;
    if (type == BT_OPB) {
        if (!rd16(c, ng->le, &id16) || !cur_skip(c, 2) || !rd32(c, ng->le, &hi) ||
            !rd32(c, ng->le, &lo))
            return 0;
        id = id16;
    }
    if (type == BT_SPB) {
        if (!rd32(c, ng->le, &len))
            return 0;
        caplen = len < cur_left(c) ? len : (uint32_t)cur_left(c);
    } else if (!rd32(c, ng->le, &caplen) || !rd32(c, ng->le, &len) || caplen > cur_left(c)) {
        return 0;
    }
    if ((int)id >= ng->nifaces)
        return 0;
    const struct ng_iface *i = &ng->ifaces[id];
    if (type == BT_SPB && i->snaplen && caplen > i->snaplen)
        caplen = i->snaplen;
    uint64_t t = (uint64_t)hi << 32 | lo, us = t / i->div;
    fr->ts_us = us > (UINT64_MAX >> 4) / i->mul ? INT64_MAX / 4 : (int64_t)(us * i->mul);
    fr->iface = (int)id;
    fr->dlt = i->dlt;
    fr->data = cur_ptr(c);
    fr->caplen = caplen;
    fr->len = len;
    if (!i->prog)
        return 1;
    struct pcap_pkthdr h = {.caplen = caplen, .len = len};
    return pcap_offline_filter(i->prog, &h, fr->data) ? 1 : 2;
}

/* The next frame: 1, 0 at the end, -1 on error (cap_ng_error()). */
int cap_ng_next(struct cap_ng *ng, struct cap_ng_frame *fr)
{
    uint32_t type;
    struct cursor c;
    int rc;

    while ((rc = next_block(ng, &type, &c)) == 1) {
        if (type == BT_SHB) {
            ng->nifaces = 0;
        } else if (type == BT_IDB) {
            if (!interface(ng, &c))
                return -1;
        } else if (type == BT_EPB || type == BT_SPB || type == BT_OPB) {
            int r = packet(ng, type, &c, fr);
            if (r == 1)
                return 1;
            fr->filtered += r == 2;
            fr->malformed += r == 0;
        }
    }
    return rc;
}

const char *cap_ng_error(const struct cap_ng *ng)
{
    return ng->err;
}

struct cap_ng *cap_ng_open(FILE *f, const char *filter)
{
    struct cap_ng *ng = calloc(1, sizeof(*ng));
    if (!ng)
        return NULL;
    ng->f = f;
    ng->filter = filter;
    return ng;
}

void cap_ng_free(struct cap_ng *ng)
{
    if (!ng)
        return;
    for (int i = 0; i < ng->nprogs; i++)
        pcap_freecode(&ng->progs[i]);
    free(ng->buf);
    free(ng);
}

/* Whether the pcapng file f (from its start) has interfaces of two link
 * types, as libpcap refuses; leaves f at its start. */
int cap_ng_mixed(FILE *f)
{
    struct cap_ng *ng = cap_ng_open(f, NULL);
    uint32_t type;
    struct cursor c;
    int first = -1, mixed = 0;
    uint16_t lt;

    while (ng && !mixed && next_block(ng, &type, &c) == 1) {
        if (type != BT_IDB || !rd16(&c, ng->le, &lt))
            continue;
        mixed = first >= 0 && lt != first;
        first = first < 0 ? lt : first;
    }
    cap_ng_free(ng);
    rewind(f);
    return mixed;
}
