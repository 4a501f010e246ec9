#!/usr/bin/python3
"""Write stress variants of a clean capture into pcaps/variants/.

Usage: pcaps/make-variants.py [CLEAN.pcap]   (default: pcaps/tls13-openssl.pcap)

The clean capture must be Ethernet (linktype 1), IPv4, one TCP connection.
Every variant carries the same TCP byte streams as the clean capture,
except the lossy ones (lost-segment, midstream, snap128).  The TCP corner
cases (after-end, keepalive, pause) add packets or time, never bytes.  The output is
deterministic for a given input (fixed random seed, no wall-clock times).
After writing, each lossless variant is read back and reassembled
(first copy of a byte wins) to check that its streams equal the clean ones.
"""
import os
import random
import struct
import subprocess
import sys

from scapy.all import (IP, TCP, Ether, IPv6, Dot1Q, Dot1AD, IPOption_NOP,
                       IPOption_Router_Alert, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrDestOpt, RawPcapReader, fragment)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "variants")
SEED = 20240601

LT_NULL, LT_ETHER, LT_RAW, LT_SLL, LT_SLL2 = 0, 1, 101, 113, 276


# ---------------------------------------------------------------- pcap I/O

def read_pcap(path):
    """Return (linktype, [(ts_usec, bytes, wirelen)])."""
    rd = RawPcapReader(path)
    linktype = rd.linktype
    recs = []
    for data, md in rd:
        recs.append((md.sec * 1000000 + md.usec, bytes(data), md.wirelen))
    rd.close()
    return linktype, recs


def write_pcap(name, linktype, recs, snaplen=262144):
    """recs: [(ts_usec, bytes)] or [(ts_usec, bytes, wirelen)].
    Timestamps are forced to be non-decreasing."""
    path = os.path.join(OUT, name)
    last = -1
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for r in recs:
            ts, data = max(r[0], last), r[1]
            wirelen = r[2] if len(r) > 2 else len(data)
            last = ts
            data = data[:snaplen]
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000,
                                len(data), wirelen))
            f.write(data)
    return path


# ---------------------------------------------------------------- helpers

class Conn:
    """The clean capture, parsed: packets plus per-direction stream info."""

    def __init__(self, path):
        lt, recs = read_pcap(path)
        if lt != LT_ETHER:
            sys.exit(f"{path}: linktype {lt}, need Ethernet")
        self.pkts = []                       # [(ts, Ether packet)]
        for ts, data, _ in recs:
            p = Ether(data)
            if IP not in p or TCP not in p:
                sys.exit(f"{path}: non IPv4/TCP packet")
            self.pkts.append((ts, p))
        syn = next(p for _, p in self.pkts if p[TCP].flags.S and not p[TCP].flags.A)
        synack = next(p for _, p in self.pkts if p[TCP].flags.S and p[TCP].flags.A)
        self.server_port = syn[TCP].dport
        self.isn = {"client": syn[TCP].seq, "server": synack[TCP].seq}
        self.streams = streams_of(self.pkts, self.server_port)

    def dir(self, p):
        return "server" if p[TCP].sport == self.server_port else "client"

    def off(self, p):
        """Stream offset of the first payload byte (relative to ISN+1)."""
        return (p[TCP].seq - self.isn[self.dir(p)] - 1) % 2**32

    @staticmethod
    def is_data(p):
        return len(p[TCP].payload) > 0


def streams_of(pkts, server_port):
    """Reassemble both directions from [(ts, pkt)], first copy of a byte wins.
    Returns {dir: bytes}; raises if there is a hole."""
    isn, segs = {}, {"client": [], "server": []}
    for _, p in pkts:
        t = p[TCP]
        d = "server" if t.sport == server_port else "client"
        if t.flags.S:
            isn[d] = t.seq
        pl = bytes(t.payload)
        if pl:
            segs[d].append((t.seq, pl))
    out = {}
    for d, lst in segs.items():
        buf, have = bytearray(), []
        for seq, pl in lst:
            off = (seq - isn[d] - 1) % 2**32
            end = off + len(pl)
            if end > len(buf):
                buf.extend(b"\0" * (end - len(buf)))
                have.extend([False] * (end - len(have)))
            for i in range(off, end):
                if not have[i]:
                    buf[i], have[i] = pl[i - off], True
        if not all(have):
            raise ValueError(f"{d} stream has a hole at {have.index(False)}")
        out[d] = bytes(buf)
    return out


def fresh(p):
    """Copy of an Ether/IP[v6]/TCP packet with lengths and checksums cleared,
    so that scapy recomputes them."""
    q = p.copy()
    if IP in q:
        del q[IP].len
        del q[IP].chksum
    if IPv6 in q:
        del q[IPv6].plen
    del q[TCP].chksum
    return q


def with_payload(p, seq, payload):
    q = fresh(p)
    q[TCP].seq = seq % 2**32
    q[TCP].remove_payload()
    q[TCP].add_payload(payload)
    return q


def same_dir_runs(c):
    """Maximal runs of consecutive packets that are plain data segments
    (no SYN/FIN/RST) of the same direction: lists of indexes."""
    runs, cur = [], []
    for i, (_, p) in enumerate(c.pkts):
        ok = c.is_data(p) and not (p[TCP].flags & 0x07)
        if ok and cur and c.dir(c.pkts[cur[-1]][1]) == c.dir(p):
            cur.append(i)
            continue
        if len(cur) > 1:
            runs.append(cur)
        cur = [i] if ok else []
    if len(cur) > 1:
        runs.append(cur)
    return runs


# ---------------------------------------------------------------- variants

def v_reordered(c, rng):
    order = list(range(len(c.pkts)))
    for run in same_dir_runs(c):
        i, new = 0, []
        while i < len(run):
            left = len(run) - i
            if left >= 3 and rng.random() < 0.4:
                k = min(left, rng.choice((3, 4)))
                new += reversed(run[i:i + k])
                i += k
            elif left >= 2:
                new += [run[i + 1], run[i]]
                i += 2
            else:
                new.append(run[i])
                i += 1
        for pos, idx in zip(run, new):
            order[pos] = idx
    # packet contents move, timestamps stay in place (capture stays monotonic)
    recs = [(c.pkts[pos][0], bytes(c.pkts[idx][1])) for pos, idx in enumerate(order)]
    return write_pcap("reordered.pcap", LT_ETHER, recs)


def v_retransmitted(c, rng):
    out, later = [], []          # later: [(dir, countdown, record)]
    for ts, p in c.pkts:
        d = c.dir(p)
        out.append((ts, bytes(p)))
        if c.is_data(p):
            out.append((ts, bytes(p)))                   # immediate duplicate
            # copies due after this many more data segments of this direction
            for item in [x for x in later if x[0] == d]:
                item[1] -= 1
                if item[1] == 0:
                    out.append((ts, item[2]))
                    later.remove(item)
            if rng.random() < 0.3:
                later.append([d, 2, bytes(p)])           # and once more, later
    return write_pcap("retransmitted.pcap", LT_ETHER, out)


def v_overlapping(c, rng):
    """Re-segment with overlaps.  Any byte sent a second time is garbage
    (0xEE): only a first-copy-wins reassembler gets the clean stream."""
    out, sent = [], {"client": 0, "server": 0}   # highest offset sent so far
    datas = [i for i, (_, p) in enumerate(c.pkts) if c.is_data(p)]
    nxt = {a: b for a, b in zip(datas, datas[1:])}
    pattern = 0
    for i, (ts, p) in enumerate(c.pkts):
        if not c.is_data(p):
            out.append((ts, bytes(p)))
            continue
        d, s = c.dir(p), c.off(p)
        e = s + len(p[TCP].payload)
        L, stream = e - s, c.streams[d]
        if L < 40:
            pieces = [(s, e)]
        else:
            pattern = (pattern + 1) % 5
            m, a, b = s + L // 2, s + L // 3, s + 2 * L // 3
            n = nxt.get(i)
            if pattern == 0:                     # two halves, 20 bytes overlap
                pieces = [(s, m + 10), (m - 10, e)]
            elif pattern == 1:                   # three thirds, 16 bytes overlap
                pieces = [(s, a + 8), (a - 8, b + 8), (b - 8, e)]
            elif pattern == 2:                   # whole, then a copy inside it
                pieces = [(s, e), (s + L // 4, s + L // 2)]
            elif pattern == 3 and s >= 10:       # starts 10 bytes before s
                pieces = [(s - 10, e)]
            elif (pattern == 4 and n is not None and c.dir(c.pkts[n][1]) == d
                  and c.off(c.pkts[n][1]) == e and e + 10 <= len(stream)):
                pieces = [(s, e + 10)]           # runs into the next segment
            else:
                pieces = [(s, m + 1), (m - 1, e)]
        for ps, pe in pieces:
            pay = bytearray(stream[ps:pe])
            dup = min(pe, sent[d]) - ps
            if dup > 0:
                pay[:dup] = b"\xee" * dup
            sent[d] = max(sent[d], pe)
            q = with_payload(p, c.isn[d] + 1 + ps, bytes(pay))
            out.append((ts, bytes(q)))
    return write_pcap("overlapping.pcap", LT_ETHER, out)


def v_tiny7(c, rng):
    out = []
    for ts, p in c.pkts:
        pl = bytes(p[TCP].payload)
        if not pl:
            out.append((ts, bytes(p)))
            continue
        for k in range(0, len(pl), 7):
            q = with_payload(p, p[TCP].seq + k, pl[k:k + 7])
            if k + 7 < len(pl):
                q[TCP].flags = int(q[TCP].flags) & ~0x09           # FIN/PSH only on the last piece
            out.append((ts, bytes(q)))
    return write_pcap("tiny7.pcap", LT_ETHER, out)


def v_vlan(c, rng):
    out = [(ts, bytes(Ether(src=p.src, dst=p.dst) / Dot1Q(vlan=100) / p[IP]))
           for ts, p in c.pkts]
    write_pcap("vlan.pcap", LT_ETHER, out)
    out = [(ts, bytes(Ether(src=p.src, dst=p.dst, type=0x88A8)
                      / Dot1AD(vlan=200, type=0x8100) / Dot1Q(vlan=100) / p[IP]))
           for ts, p in c.pkts]
    return write_pcap("qinq.pcap", LT_ETHER, out)


def to_ipv6(c, p, exthdr=False):
    if c.dir(p) == "server":
        src, dst = "fd00::2", "fd00::1"
    else:
        src, dst = "fd00::1", "fd00::2"
    t = p[TCP].copy()
    del t.chksum
    ip6 = IPv6(src=src, dst=dst, hlim=p[IP].ttl)
    if exthdr:
        ip6 = ip6 / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
    return Ether(src=p.src, dst=p.dst) / ip6 / t


def v_ipv6(c, rng):
    write_pcap("ipv6.pcap", LT_ETHER,
               [(ts, bytes(to_ipv6(c, p))) for ts, p in c.pkts])
    return write_pcap("ipv6-exthdr.pcap", LT_ETHER,
                      [(ts, bytes(to_ipv6(c, p, True))) for ts, p in c.pkts])


def v_linktypes(c, rng):
    """sll, sll2, rawip, null: same IP packets, other link layers."""
    sll, sll2, raw, null = [], [], [], []
    for ts, p in c.pkts:
        ip = bytes(p[IP])
        pkttype = 0 if c.dir(p) == "client" else 4     # host / outgoing
        # SLL: pkttype, ARPHRD_LOOPBACK, addr len, addr[8], protocol
        sll.append((ts, struct.pack(">HHH8sH", pkttype, 772, 6,
                                    bytes.fromhex(p.src.replace(":", "")), 0x0800) + ip))
        # SLL2: protocol, reserved, ifindex, hatype, pkttype, addr len, addr[8]
        sll2.append((ts, struct.pack(">HHIHBB8s", 0x0800, 0, 1, 772, pkttype, 6,
                                     bytes.fromhex(p.src.replace(":", ""))) + ip))
        raw.append((ts, ip))
        null.append((ts, struct.pack("<I", 2) + ip))
    write_pcap("sll.pcap", LT_SLL, sll)
    write_pcap("sll2.pcap", LT_SLL2, sll2)
    write_pcap("rawip.pcap", LT_RAW, raw)
    return write_pcap("null.pcap", LT_NULL, null)


def v_fragmented(c, rng):
    out, n = [], 0
    for i, (ts, p) in enumerate(c.pkts):
        if len(p[IP].payload) <= 200:
            out.append((ts, bytes(p)))
            continue
        ip = p[IP].copy()
        ip.flags = 0                              # clear DF
        ip.id = 0x4000 + i                        # unique ID per datagram
        frags = fragment(ip, fragsize=256)
        n += 1
        if n % 3 == 0:
            frags.reverse()
        for f in frags:
            out.append((ts, bytes(Ether(src=p.src, dst=p.dst) / f)))
    return write_pcap("fragmented.pcap", LT_ETHER, out)


def v_ipopts(c, rng):
    out = []
    for i, (ts, p) in enumerate(c.pkts):
        q = fresh(p)
        if i % 2 == 0:
            q[IP].options = [IPOption_Router_Alert()]                 # IHL 6
        else:
            q[IP].options = [IPOption_NOP()] * 4 + [IPOption_Router_Alert()]  # IHL 7
        del q[IP].ihl
        out.append((ts, bytes(q)))
    return write_pcap("ipopts.pcap", LT_ETHER, out)


def v_pcapng(c, rng, src):
    path = os.path.join(OUT, "pcapng.pcapng")
    try:
        subprocess.run(["editcap", "-F", "pcapng", src, path], check=True)
    except (OSError, subprocess.CalledProcessError):
        from scapy.all import PcapNgWriter
        with PcapNgWriter(path) as w:
            for ts, p in c.pkts:
                p.time = ts / 1e6
                w.write(p)
    return path


def v_lost_segment(c, rng):
    srv = [i for i, (_, p) in enumerate(c.pkts)
           if c.is_data(p) and c.dir(p) == "server"]
    acked = 0
    for _, p in c.pkts:                  # highest server offset ACKed by client
        if c.dir(p) == "client" and p[TCP].flags.A:
            acked = max(acked, (p[TCP].ack - c.isn["server"] - 1) % 2**32)
    cands = [i for i in srv[len(srv) // 2:-1]
             if c.off(c.pkts[i][1]) + len(c.pkts[i][1][TCP].payload) <= acked]
    lost = cands[0]
    p = c.pkts[lost][1]
    off, ln = c.off(p), len(p[TCP].payload)
    info = f"dir=server offset={off} length={ln}"
    print(f"lost-segment.pcap: dropped packet #{lost + 1}: {info}")
    with open(os.path.join(OUT, "lost-segment.txt"), "w") as f:
        f.write(info + "\n")
    return write_pcap("lost-segment.pcap", LT_ETHER,
                      [(ts, bytes(q)) for i, (ts, q) in enumerate(c.pkts) if i != lost])


def tls13(server_stream):
    """True if the ServerHello selects TLS 1.3 (supported_versions 0x0304)."""
    b = server_stream
    pos = 5 + 4 + 2 + 32                          # record, hs header, version, random
    pos += 1 + b[pos]                             # session id
    pos += 2 + 1 + 2                              # cipher, compression, ext length
    end = 5 + 4 + int.from_bytes(b[6:9], "big")
    while pos + 4 <= end:
        typ, ln = int.from_bytes(b[pos:pos + 2], "big"), int.from_bytes(b[pos + 2:pos + 4], "big")
        if typ == 0x2B:
            return b[pos + 4:pos + 6] == b"\x03\x04"
        pos += 4 + ln
    return False


def v_midstream(c, rng):
    """Start at the packet carrying the client's first application data record
    (the HTTP request); everything before it is dropped, SYNs included."""
    recs, pos, cs = [], 0, c.streams["client"]
    while pos + 5 <= len(cs):
        recs.append((pos, cs[pos]))
        pos += 5 + int.from_bytes(cs[pos + 3:pos + 5], "big")
    appdata = [o for o, typ in recs if typ == 23]
    # in TLS 1.3 the first encrypted (type 23) client record is its Finished
    req = appdata[1] if tls13(c.streams["server"]) else appdata[0]
    start = next(i for i, (_, p) in enumerate(c.pkts)
                 if c.dir(p) == "client" and c.is_data(p)
                 and c.off(p) <= req < c.off(p) + len(p[TCP].payload))
    kept = c.pkts[start:]
    first = {}
    for _, p in kept:
        if c.is_data(p):
            first.setdefault(c.dir(p), c.off(p))
    info = f"client_offset={first['client']} server_offset={first['server']}"
    print(f"midstream.pcap: starts at packet #{start + 1}: {info}")
    with open(os.path.join(OUT, "midstream.txt"), "w") as f:
        f.write(info + "\n")
    return write_pcap("midstream.pcap", LT_ETHER, [(ts, bytes(p)) for ts, p in kept])


def v_snap128(c, rng):
    return write_pcap("snap128.pcap", LT_ETHER,
                      [(ts, bytes(p), len(bytes(p))) for ts, p in c.pkts], snaplen=128)


# ---------------------------------------------------------------- TCP corner cases

def find_pkt(c, direction, pred):
    return next(i for i, (_, p) in enumerate(c.pkts) if c.dir(p) == direction and pred(p))


def control(p, seq, ack, flags, payload=b""):
    """A copy of p (for its addresses and ports) with other numbers."""
    q = with_payload(p, seq, payload)
    q[TCP].ack = ack % 2**32
    q[TCP].flags = flags
    return q


def v_after_end(c, rng):
    """After both FINs and the last ACK: the server's last data segment
    again, its FIN again, a reset from the client and an ACK after it (4
    packets after the end, none of them a new connection)."""
    srv_data = [p for _, p in c.pkts if c.dir(p) == "server" and c.is_data(p)]
    srv_fin = next(p for _, p in c.pkts if c.dir(p) == "server" and p[TCP].flags.F)
    cli_fin = next(p for _, p in c.pkts if c.dir(p) == "client" and p[TCP].flags.F)
    end = c.pkts[-1][0]
    cseq = cli_fin[TCP].seq + 1
    extra = [srv_data[-1], srv_fin,
             control(cli_fin, cseq, 0, "R"),
             control(srv_fin, srv_fin[TCP].seq + 1, cseq, "A")]
    recs = [(ts, bytes(p)) for ts, p in c.pkts]
    recs += [(end + 200000 * (k + 1), bytes(p)) for k, p in enumerate(extra)]
    info = "late_packets=%d" % len(extra)
    with open(os.path.join(OUT, "after-end.txt"), "w") as f:
        f.write(info + "\n")
    return write_pcap("after-end.pcap", LT_ETHER, recs)


def v_keepalive(c, rng):
    """After the client acknowledged the server's first flight, two TCP
    keep-alives 45 s apart (RFC 9293 section 3.8.4: SEG.SEQ = SND.NXT-1,
    no data (Linux) and one garbage byte (BSD)), each acknowledged; the
    rest follows 90 s later, within the default idle timeout (-t 100)."""
    i = find_pkt(c, "client", lambda p: not c.is_data(p) and p[TCP].flags == "A" and
                 c.off(p) > 0)
    ack = c.pkts[i][1]
    srv = next(p for _, p in c.pkts if c.dir(p) == "server" and p[TCP].flags == "A")
    seq, peer = ack[TCP].seq, ack[TCP].ack
    ts = c.pkts[i][0]
    out = [(t, bytes(p)) for t, p in c.pkts[:i + 1]]
    for k, payload in enumerate((b"", b"\0")):
        at = ts + 45000000 * (k + 1)
        out.append((at, bytes(control(ack, seq - 1, peer, "A", payload))))
        out.append((at + 20, bytes(control(srv, peer, seq, "A"))))
    out += [(t + 90000000, bytes(p)) for t, p in c.pkts[i + 1:]]
    return write_pcap("keepalive.pcap", LT_ETHER, out)


def v_pause(c, rng):
    """1000 s without a packet in the middle of the server's answer, longer
    than the default idle timeout (-t 100)."""
    srv = [i for i, (_, p) in enumerate(c.pkts) if c.dir(p) == "server" and c.is_data(p)]
    i = srv[len(srv) // 2]
    out = [(t, bytes(p)) for t, p in c.pkts[:i]]
    out += [(t + 1000000000, bytes(p)) for t, p in c.pkts[i:]]
    print(f"pause.pcap: 1000 s before packet #{i + 1}")
    return write_pcap("pause.pcap", LT_ETHER, out)


# ---------------------------------------------------------------- checking

def decode(linktype, data):
    """Link layer -> scapy IP/IPv6 packet."""
    if linktype == LT_ETHER:
        e = Ether(data)
        return e[IPv6] if IPv6 in e else e[IP]
    if linktype == LT_RAW:
        return IP(data)
    skip = {LT_NULL: 4, LT_SLL: 16, LT_SLL2: 20}[linktype]
    return IP(data[skip:])


def check(name, clean, server_port):
    from scapy.all import defragment
    lt, recs = read_pcap(os.path.join(OUT, name))
    pkts = [decode(lt, data) for _, data, _ in recs]
    if any(IP in p and (p[IP].flags.MF or p[IP].frag) for p in pkts):
        pkts = defragment(pkts)
    st = streams_of([(0, p) for p in pkts if TCP in p], server_port)
    ok = st == clean
    print(f"  check {name:20s} {len(recs):5d} packets: {'OK' if ok else 'MISMATCH'}")
    return ok


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "tls13-openssl.pcap")
    os.makedirs(OUT, exist_ok=True)
    c = Conn(src)
    print(f"{src}: {len(c.pkts)} packets, server port {c.server_port}, "
          f"client {len(c.streams['client'])} bytes, server {len(c.streams['server'])} bytes")
    for fn in (v_reordered, v_retransmitted, v_overlapping, v_tiny7, v_vlan,
               v_ipv6, v_linktypes, v_fragmented, v_ipopts, v_lost_segment,
               v_midstream, v_snap128, v_after_end, v_keepalive, v_pause):
        fn(c, random.Random(SEED))
    v_pcapng(c, None, src)

    lossless = ["reordered.pcap", "retransmitted.pcap", "overlapping.pcap",
                "tiny7.pcap", "vlan.pcap", "qinq.pcap", "ipv6.pcap",
                "ipv6-exthdr.pcap", "sll.pcap", "sll2.pcap", "rawip.pcap",
                "null.pcap", "fragmented.pcap", "ipopts.pcap", "after-end.pcap",
                "keepalive.pcap", "pause.pcap"]
    bad = [n for n in lossless if not check(n, c.streams, c.server_port)]
    for n in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, n)):10d}  variants/{n}")
    if bad:
        sys.exit(f"variants with wrong streams: {' '.join(bad)}")


if __name__ == "__main__":
    main()
