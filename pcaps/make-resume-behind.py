#!/usr/bin/python3
"""Write pcaps/variants/resume-behind.pcap and .keys for --threads' test of
a TLS 1.2 session resumed on one thread from another thread's cache.

usage: pcaps/make-resume-behind.py TLSDUMP

From resume-tls12-id.pcap (a full handshake, then a connection resuming
its session by ID) and dec-tls12-2mb.pcap (a 2 MB download), in this order:
the resuming connection's TCP handshake; the download; the full handshake;
the resumption's TLS.  The download's client port is chosen so that with
--threads 3 it shares a thread with the full handshake, while the
resumption is on another: that thread races through the download's
packets to the resumption while the first is still decrypting them.  The
key log has no line for the resumption: only the session cache gives its
secret.  Deterministic: ports and times come from the two captures.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "variants", "resume-behind")
THREADS = 3


def read_pcap(path):
    with open(path, "rb") as f:
        head = f.read(24)
        recs = []
        while True:
            h = f.read(16)
            if len(h) < 16:
                return head, recs
            sec, usec, caplen, wirelen = struct.unpack("<IIII", h)
            recs.append([sec * 1000000 + usec, bytearray(f.read(caplen)), wirelen])


def write_pcap(path, head, recs):
    with open(path, "wb") as f:
        f.write(head)
        for ts, data, wirelen in recs:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), wirelen))
            f.write(data)


def tcp_at(p):
    return 14 + (p[14] & 15) * 4  # Ethernet, IPv4


def ports(p):
    return struct.unpack(">HH", p[tcp_at(p):tcp_at(p) + 4])


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def set_port(p, old, new):
    """Replaces port old by new (either side) and mends the TCP checksum."""
    t = tcp_at(p)
    sport, dport = ports(p)
    p[t:t + 4] = struct.pack(">HH", new if sport == old else sport, new if dport == old else dport)
    total = struct.unpack(">H", p[16:18])[0]
    seg = bytes(p[t:14 + total])
    seg = seg[:16] + b"\0\0" + seg[18:]
    pseudo = bytes(p[26:34]) + struct.pack(">BBH", 0, 6, len(seg))
    p[t + 16:t + 18] = struct.pack(">H", checksum(pseudo + seg))


def build(port):
    head, res = read_pcap(os.path.join(HERE, "resume-tls12-id.pcap"))
    _, big = read_pcap(os.path.join(HERE, "dec-tls12-2mb.pcap"))
    server = ports(res[0][1])[1]  # the first packet is a client's SYN
    clients = []
    for _, p, _ in res:
        c = [x for x in ports(p) if x != server][0]
        if c not in clients:
            clients.append(c)
    full, resumed = clients
    big_client = ports(big[0][1])[0]
    for r in big:
        set_port(r[1], big_client, port)
    res_pkts = [r for r in res if resumed in ports(r[1])]
    full_pkts = [r for r in res if full in ports(r[1])]
    t = res[0][0]
    out = []

    def place(recs, start):
        base = recs[0][0]
        for ts, p, w in recs:
            out.append([start + ts - base, p, w])
        return out[-1][0] + 1000

    t = place(res_pkts[:3], t)  # the resuming connection's SYN, SYN-ACK, ACK
    t = place(big, t)
    t = place(full_pkts, t)
    place(res_pkts[3:], t)
    return head, out, full, resumed


def shard_of(tlsdump, pcap, k):
    p = subprocess.run([tlsdump, "--shard", "%d/%d" % (k, THREADS), "-r", pcap, "--summary"],
                       capture_output=True, text=True, check=True)
    return [l.split()[1].split(":")[1] for l in p.stdout.splitlines()[1:]
            if l[:5].strip().isdigit()]


def main(tlsdump):
    for port in range(50000, 50200):
        head, recs, full, resumed = build(port)
        write_pcap(OUT + ".pcap", head, recs)
        where = {c: k for k in range(1, THREADS + 1) for c in shard_of(tlsdump, OUT + ".pcap", k)}
        full, resumed = str(full), str(resumed)
        if where.get(str(port)) == where.get(full) and where.get(full) != where.get(resumed):
            break
    else:
        sys.exit("make-resume-behind.py: no port puts the download beside the full handshake")
    with open(OUT + ".keys", "w") as o:
        for name in ("resume-tls12-id.keys", "dec-tls12-2mb.keys"):
            with open(os.path.join(HERE, name)) as f:
                o.write([l for l in f if l.startswith("CLIENT_RANDOM")][0])
    print("%s.pcap: download on port %d, %d packets" % (OUT, port, len(recs)))


main(sys.argv[1])
