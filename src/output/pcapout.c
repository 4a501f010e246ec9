/*
 * -w FILE: the application conversation as a capture file, as ssldump -w
 * writes it: each connection's plaintext phase (EV_PLAINTEXT) and its
 * decrypted application data, one packet per record, as fresh TCP/IP
 * packets between the connection's own addresses and ports, with the
 * original timestamps.  Each connection opens with a three-way handshake
 * and ends with a FIN from each side; sequence and acknowledgment numbers
 * follow the bytes, and the IP and TCP checksums are valid, so that
 * Wireshark and tshark follow and dissect the streams as if they had been
 * sent in the clear.  The link type is raw IP (LINKTYPE_RAW), which holds
 * IPv4 and IPv6 alike.
 *
 * libpcap's dumper writes the file: this view includes <pcap/pcap.h>
 * itself rather than capture.h, because what it needs is the library's
 * writer, not the capture stage (which reads), and an output must not
 * depend on an earlier stage's internals.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "views.h"

#define IP4_HDR 20
#define IP6_HDR 40
#define TCP_HDR 20
/* An IPv4 datagram is at most 65535 bytes in all, headers included; an
 * IPv6 payload (TCP header and data) at most 65535: a larger record is
 * split into segments of this much. */
#define MAX_SEGMENT (65535 - IP4_HDR - TCP_HDR)
#define SNAPLEN 262144

enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

struct pw_conn {
    uint32_t next[2]; /* each direction's next sequence number */
    int fin[2];       /* its FIN was written */
    enum dir last_fin;
};

struct pcapout_view {
    struct view v;
    pcap_t *dead;
    pcap_dumper_t *dumper;
    char *name;
    int failed;
    uint16_t ip_id;
    uint32_t opened; /* connections written: each gets its own initial sequence numbers */
    uint8_t pkt[IP6_HDR + TCP_HDR + MAX_SEGMENT];
};

/* A TCP segment of n payload bytes from one side of the connection. */
struct pw_seg {
    const struct vm_conn *conn;
    enum dir dir;
    uint8_t flags;
    uint32_t seq, ack;
    const uint8_t *data;
    size_t n;
    int64_t ts_us;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* The Internet checksum's running sum (RFC 1071). */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The IP header for tcplen bytes of TCP; returns its length. */
static size_t ip_header(struct pcapout_view *pv, const struct vm_endpoint *src,
                        const struct vm_endpoint *dst, size_t tcplen)
{
    uint8_t *h = pv->pkt;
    if (src->family == 6) {
        memset(h, 0, IP6_HDR);
        h[0] = 0x60;
        put16(h + 4, (uint32_t)tcplen);
        h[6] = 6;  /* next header: TCP */
        h[7] = 64; /* hop limit */
        memcpy(h + 8, src->addr, 16);
        memcpy(h + 24, dst->addr, 16);
        return IP6_HDR;
    }
    memset(h, 0, IP4_HDR);
    h[0] = 0x45;
    put16(h + 2, (uint32_t)(IP4_HDR + tcplen));
    put16(h + 4, pv->ip_id++);
    put16(h + 6, 0x4000); /* don't fragment */
    h[8] = 64;
    h[9] = 6;
    memcpy(h + 12, src->addr, 4);
    memcpy(h + 16, dst->addr, 4);
    put16(h + 10, fold(sum_bytes(0, h, IP4_HDR)));
    return IP4_HDR;
}

/* RFC 9293 3.1 (pseudo-header of RFC 791 or RFC 8200 8.1). */
static uint16_t tcp_checksum(const struct vm_endpoint *src, const struct vm_endpoint *dst,
                             const uint8_t *tcp, size_t len)
{
    size_t alen = src->family == 6 ? 16 : 4;
    uint32_t sum = sum_bytes(0, src->addr, alen);
    sum = sum_bytes(sum, dst->addr, alen);
    sum += 6 + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
    return fold(sum_bytes(sum, tcp, len));
}

static void write_segment(struct pcapout_view *pv, const struct pw_seg *s)
{
    const struct vm_endpoint *src = s->dir == DIR_C2S ? &s->conn->client : &s->conn->server;
    const struct vm_endpoint *dst = s->dir == DIR_C2S ? &s->conn->server : &s->conn->client;
    size_t tcplen = TCP_HDR + s->n;
    size_t iplen = ip_header(pv, src, dst, tcplen);
    uint8_t *t = pv->pkt + iplen;
    struct pcap_pkthdr h;

    put16(t, src->port);
    put16(t + 2, dst->port);
    put32(t + 4, s->seq);
    put32(t + 8, s->flags & F_ACK ? s->ack : 0);
    t[12] = (TCP_HDR / 4) << 4;
    t[13] = s->flags;
    put16(t + 14, 65535);
    put32(t + 16, 0); /* checksum and urgent pointer */
    if (s->n)
        memcpy(t + TCP_HDR, s->data, s->n);
    put16(t + 16, tcp_checksum(src, dst, t, tcplen));

    /* Floor division: a time before 1970 keeps its microseconds positive. */
    int64_t sec = s->ts_us / 1000000, usec = s->ts_us % 1000000;
    if (usec < 0)
        sec--, usec += 1000000;
    h.ts.tv_sec = (time_t)sec;
    h.ts.tv_usec = (suseconds_t)usec;
    h.caplen = h.len = (bpf_u_int32)(iplen + tcplen);
    pcap_dump((u_char *)pv->dumper, &h, pv->pkt);
}

static void send_flags(struct pcapout_view *pv, const struct vm_event *ev, struct pw_conn *pc,
                       enum dir dir, uint8_t flags)
{
    struct pw_seg s = {.conn = ev->conn,
                       .dir = dir,
                       .flags = flags,
                       .seq = pc->next[dir],
                       .ack = pc->next[!dir],
                       .ts_us = ev->ts_us};
    write_segment(pv, &s);
    if (flags & (F_SYN | F_FIN))
        pc->next[dir]++;
}

/* The three-way handshake, at the time the connection was first seen. */
static struct pw_conn *conn_open(struct pcapout_view *pv, const struct vm_event *ev)
{
    struct pw_conn *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return NULL;
    /* Initial sequence numbers that differ per connection (Knuth's
     * multiplicative hash of its number in this file). */
    uint32_t n = ++pv->opened;
    pc->next[DIR_C2S] = n * 2654435761u;
    pc->next[DIR_S2C] = ~n * 2654435761u;
    send_flags(pv, ev, pc, DIR_C2S, F_SYN);
    send_flags(pv, ev, pc, DIR_S2C, F_SYN | F_ACK);
    send_flags(pv, ev, pc, DIR_C2S, F_ACK);
    return pc;
}

/* One record's (or one plaintext piece's) bytes: one packet, or several
 * when they would not fit in an IP datagram. */
static void send_data(struct pcapout_view *pv, const struct vm_event *ev, const uint8_t *p,
                      size_t n)
{
    struct pw_conn *pc = *ev->slot;
    if (!pc || pc->fin[ev->dir])
        return;
    while (n) {
        size_t k = n < MAX_SEGMENT ? n : MAX_SEGMENT;
        struct pw_seg s = {.conn = ev->conn,
                           .dir = ev->dir,
                           .flags = F_PSH | F_ACK,
                           .seq = pc->next[ev->dir],
                           .ack = pc->next[!ev->dir],
                           .data = p,
                           .n = k,
                           .ts_us = ev->ts_us};
        write_segment(pv, &s);
        pc->next[ev->dir] += (uint32_t)k;
        p += k;
        n -= k;
    }
}

static void send_fin(struct pcapout_view *pv, const struct vm_event *ev, struct pw_conn *pc,
                     enum dir dir)
{
    if (pc->fin[dir])
        return;
    send_flags(pv, ev, pc, dir, F_FIN | F_ACK);
    pc->fin[dir] = 1;
    pc->last_fin = dir;
}

/* Whatever way the connection ended, it ends here with a FIN from each
 * side that had not sent one and the last FIN acknowledged. */
static void conn_close(struct pcapout_view *pv, const struct vm_event *ev, struct pw_conn *pc)
{
    send_fin(pv, ev, pc, DIR_C2S);
    send_fin(pv, ev, pc, DIR_S2C);
    send_flags(pv, ev, pc, !pc->last_fin, F_ACK);
    free(pc);
    *ev->slot = NULL;
}

static void pcapout_event(struct view *v, const struct vm_event *ev)
{
    struct pcapout_view *pv = (struct pcapout_view *)v;
    struct pw_conn *pc = *ev->slot;

    switch (ev->kind) {
    case VM_OPEN:
        *ev->slot = conn_open(pv, ev);
        break;
    case VM_FIN:
        if (pc)
            send_fin(pv, ev, pc, ev->dir);
        break;
    case VM_CLOSE:
        if (pc)
            conn_close(pv, ev, pc);
        break;
    case VM_PLAINTEXT:
        send_data(pv, ev, ev->bytes, ev->nbytes);
        break;
    case VM_RECORD:
        if (ev->rec->protection == VM_OPENED && ev->rec->plain.type == TLS_CT_APPLICATION_DATA)
            send_data(pv, ev, ev->rec->plain.p, ev->rec->plain.n);
        break;
    case VM_SEGMENT:
    case VM_RESUMED:
    case VM_DATA:
    case VM_GAP:
    case VM_RST:
    case VM_MESSAGE:
    case VM_ALERT:
    case VM_PROBLEM:
    case VM_TLS_BEGINS:
    case VM_TLS_ENDS:
        break;
    }
}

static int pcapout_close(struct view *v)
{
    struct pcapout_view *pv = (struct pcapout_view *)v;
    int ok = 1;
    if (pcap_dump_flush(pv->dumper) != 0 || ferror(pcap_dump_file(pv->dumper))) {
        fprintf(stderr, "tlsdump: -w %s: %s\n", pv->name, strerror(errno));
        ok = 0;
    }
    pcap_dump_close(pv->dumper);
    pcap_close(pv->dead);
    free(pv->name);
    free(pv);
    return ok;
}

struct view *out_pcap_new(FILE *out, const char *name, char *err, size_t errlen)
{
    struct pcapout_view *pv = calloc(1, sizeof(*pv));

    if (!pv || !(pv->name = strdup(name)) || !(pv->dead = pcap_open_dead(DLT_RAW, SNAPLEN))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(pv->dumper = pcap_dump_fopen(pv->dead, out))) {
        snprintf(err, errlen, "%s", pcap_geterr(pv->dead));
        goto fail;
    }
    pv->v.event = pcapout_event;
    pv->v.close = pcapout_close;
    return &pv->v;
fail:
    if (pv && pv->dead)
        pcap_close(pv->dead);
    if (pv)
        free(pv->name);
    free(pv);
    return NULL;
}
