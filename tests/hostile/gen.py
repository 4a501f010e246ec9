#!/usr/bin/python3
"""Writes hostile captures, one per class, for tests/hostile/run.sh.

Usage: gen.py OUTDIR [SCALE]
SCALE (default 1.0) multiplies the packet counts (0.01 for a quick look).

Each capture is what an attacker who can put packets on the wire (or hand
us a file) chooses, aimed at one cost: time per packet, memory per
connection, a table's fairness, a header's lie.  Everything is written
with struct; the TLS connection some classes carry is taken from
pcaps/tls13-openssl.pcap (with its key log).
"""
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
REAL = os.path.join(REPO, 'pcaps', 'tls13-openssl.pcap')
T0 = 1700000000


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, payload, ident=0, frag=0x4000, proto=6):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident & 0xffff, frag, 64,
                    proto, 0, src, dst)
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload


def tcp(sport, dport, seq, ack, flags, data=b''):
    return struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                       5 << 4, flags, 65535, 0, 0) + data


def eth(l3):
    return b'\0' * 6 + b'\x02' + b'\0' * 5 + b'\x08\x00' + l3


def addr(n):
    return struct.pack('!I', 0x0a000000 | (n & 0xffffff))


SRV = bytes([192, 0, 2, 1])
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


class Pcap:
    def __init__(self, path, linktype=1, snaplen=262144):
        self.f = open(path, 'wb')
        self.f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        self.n = 0

    def add(self, ts_us, frame, wirelen=None):
        self.f.write(struct.pack('<IIII', ts_us // 1000000, ts_us % 1000000, len(frame),
                                 wirelen if wirelen is not None else len(frame)))
        self.f.write(frame)
        self.n += 1

    def close(self):
        self.f.close()
        return self.n


def real_frames():
    d = open(REAL, 'rb').read()
    off, out = 24, []
    while off < len(d):
        ts, tu, cl, wl = struct.unpack('<IIII', d[off:off + 16])
        out.append(d[off + 16:off + 16 + cl])
        off += 16 + cl
    return out


def handshake(p, c, ts, sport, isn=1000):
    """SYN, SYN-ACK, ACK of client c to SRV:443; returns the next seqs."""
    p.add(ts, eth(ipv4(addr(c), SRV, tcp(sport, 443, isn, 0, SYN))))
    p.add(ts + 1, eth(ipv4(SRV, addr(c), tcp(443, sport, 5000, isn + 1, SYN | ACK))))
    p.add(ts + 2, eth(ipv4(addr(c), SRV, tcp(sport, 443, isn + 1, 5001, ACK))))
    return isn + 1, 5001


def syn_flood(path, n):
    p = Pcap(path)
    for i in range(n):
        p.add(T0 * 10**6 + i, eth(ipv4(addr(i // 60000 + 1), SRV,
                                       tcp(1024 + i % 60000, 443, i * 7919, 0, SYN))))
    return p.close()


def ooo_bytes(path, n, shuffled=False):
    """One connection; one-byte segments each after a hole of one byte, in
    order of sequence number or shuffled (so that no fast path for
    appending at the end helps)."""
    p = Pcap(path)
    cseq, _ = handshake(p, 1, T0 * 10**6, 40000)
    order = list(range(n))
    if shuffled:
        random.Random(17).shuffle(order)
    for k, i in enumerate(order):
        p.add(T0 * 10**6 + 10 + k, eth(ipv4(addr(1), SRV,
                                            tcp(40000, 443, cseq + 1 + 2 * i, 5001, ACK,
                                                bytes([0x16])))))
    return p.close()


def record(body, rtype=0x16, declared=None):
    n = len(body) if declared is None else declared
    return struct.pack('!BHH', rtype, 0x0301, n) + body


def huge_lengths(path, n):
    """Records claiming 65535 bytes, handshake messages claiming 16 MiB, and
    the 16 KiB records that go on feeding such a message."""
    p = Pcap(path)
    ts = T0 * 10**6
    for c in range(n):
        cseq, sseq = handshake(p, c + 1, ts, 30000 + c % 30000)
        ts += 10
        if c % 2:
            data = record(b'\x01\xff\xff\xff' + b'\x03\x03' + b'\0' * 1000, declared=0xffff)
            chunks = [data]
        else:
            first = record(b'\x01\xff\xff\xff' + b'\x03\x03' + b'A' * (16384 - 6))
            chunks = [first] + [record(b'A' * 16384)] * 15
        for data in chunks:
            for o in range(0, len(data), 1460):
                p.add(ts, eth(ipv4(addr(c + 1), SRV, tcp(30000 + c % 30000, 443, cseq, sseq,
                                                         ACK | PSH, data[o:o + 1460]))))
                cseq += len(data[o:o + 1460])
                ts += 1
    return p.close()


def partial_hellos(path, n, size=60000):
    """n connections, each holding most of a ClientHello of size bytes
    (declared in full, never finished): the tls stage's buffering."""
    p = Pcap(path)
    ts = T0 * 10**6
    body = b'\x01' + struct.pack('!I', size)[1:] + b'\x03\x03' + b'B' * (size - 2)
    recs = b''.join(record(body[o:o + 16384]) for o in range(0, len(body), 16384))
    recs = recs[:len(recs) - 100]
    for c in range(n):
        sport = 20000 + c % 40000
        cseq, sseq = handshake(p, c + 1, ts, sport)
        ts += 10
        for o in range(0, len(recs), 1460):
            p.add(ts, eth(ipv4(addr(c + 1), SRV, tcp(sport, 443, cseq + o, sseq, ACK,
                                                     recs[o:o + 1460]))))
            ts += 1
    return p.close()


def partial_headers(path, n):
    """n connections, each sending 3 bytes of a record header and no more:
    every connection's tls and analysis state, with nothing to show."""
    p = Pcap(path)
    ts = T0 * 10**6
    for c in range(n):
        sport = 20000 + c % 40000
        cseq, sseq = handshake(p, c + 1, ts, sport)
        p.add(ts + 3, eth(ipv4(addr(c + 1), SRV, tcp(sport, 443, cseq, sseq, ACK | PSH,
                                                     b'\x16\x03\x01'))))
        ts += 10
    return p.close()


def frag_flood(path, n):
    """n first fragments that never complete, then a real TLS 1.3
    connection whose ClientHello is sent in IPv4 fragments."""
    p = Pcap(path)
    ts = T0 * 10**6
    for i in range(n):
        p.add(ts + i, eth(ipv4(addr(i + 100), SRV, tcp(5555, 443, 1, 0, ACK, b'F' * 36),
                               ident=i, frag=0x2000)))
    ts += n + 10
    for k, fr in enumerate(real_frames()):
        l3 = fr[14:]
        ihl = (l3[0] & 15) * 4
        if k == 3:  # the ClientHello: split in 64-byte fragments, last first
            body = l3[ihl:]
            src, dst = l3[12:16], l3[16:20]
            pieces = []
            for o in range(0, len(body), 64):
                more = 0x2000 if o + 64 < len(body) else 0
                pieces.append(eth(ipv4(src, dst, body[o:o + 64], ident=0x4242,
                                       frag=more | (o // 8))))
            for f in reversed(pieces):
                p.add(ts, f)
                ts += 1
        else:
            p.add(ts, fr)
        ts += 1
    return p.close()


def keylog_collide(path, n):
    """n CLIENT_RANDOM lines whose randoms agree in their last 8 bytes (the
    old table's hash) and differ elsewhere."""
    with open(path, 'w') as f:
        for i in range(n):
            cr = struct.pack('!Q', i) + b'\x11' * 16 + b'\xc0\x11\xde\x00' * 2
            f.write('CLIENT_RANDOM %s %s\n' % (cr.hex(), ('%096x' % (i + 1))))
    return n


def keylog_random(path, n):
    with open(path, 'w') as f:
        for i in range(n):
            cr = os.urandom(32)
            f.write('CLIENT_RANDOM %s %s\n' % (cr.hex(), ('%096x' % (i + 1))))
    return n


def pcap_lies(outdir):
    """Headers that lie: a snap length of 0 and of 2^32-1, a frame whose
    captured length exceeds its wire length and the snap length, a
    captured length of 2^31, a truncated last record."""
    frames = real_frames()
    made = []
    for name, snap, fix in (
            ('pcap-snap0', 0, None),
            ('pcap-snaphuge', 0xffffffff, None),
            ('pcap-caplen-gt-len', 262144, 'gt'),
            ('pcap-caplen-2g', 262144, '2g'),
            ('pcap-truncated', 262144, 'cut')):
        path = os.path.join(outdir, name + '.pcap')
        p = Pcap(path, snaplen=snap)
        for k, fr in enumerate(frames):
            if fix == 'gt' and k == 3:
                p.add(T0 * 10**6 + k, fr, wirelen=20)
            elif fix == '2g' and k == 5:
                p.f.write(struct.pack('<IIII', T0, k, 0x80000000, 0x80000000) + fr)
            else:
                p.add(T0 * 10**6 + k, fr)
        p.close()
        if fix == 'cut':
            with open(path, 'r+b') as f:
                f.truncate(os.path.getsize(path) - 100)
        made.append(name + '.pcap')
    # pcapng: an enhanced packet block whose captured length exceeds the block,
    # one with a block length under the minimum, and an if_tsresol of 2^-127.
    for name, lie in (('pcapng-caplen', 'caplen'), ('pcapng-blocklen', 'blocklen'),
                      ('pcapng-tsresol', 'tsresol')):
        path = os.path.join(outdir, name + '.pcapng')
        with open(path, 'wb') as f:
            f.write(struct.pack('<IIIHHqI', 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0, -1, 28))
            opts = b''
            if lie == 'tsresol':
                opts = struct.pack('<HHB3x', 9, 1, 0xff) + b'\0' * 4
            idb = struct.pack('<HHI', 1, 0, 0) + opts
            f.write(struct.pack('<II', 1, 12 + len(idb)) + idb + struct.pack('<I', 12 + len(idb)))
            for k, fr in enumerate(frames):
                pad = (-len(fr)) % 4
                caplen = len(fr)
                if lie == 'caplen' and k == 4:
                    caplen = 0x7fffffff
                blen = 32 + len(fr) + pad
                if lie == 'blocklen' and k == 4:
                    blen = 8
                t = (T0 * 10**6 + k) if lie != 'tsresol' else 0xffffffffffffffff - k
                f.write(struct.pack('<IIIIIII', 6, blen, 0, t >> 32, t & 0xffffffff, caplen,
                                    len(fr)) + fr + b'\0' * pad + struct.pack('<I', blen))
        made.append(name + '.pcapng')
    return made


def extreme_ts(path):
    """The real connection with timestamps at 0, 2^32-1 seconds, and
    jumping back and forth by decades between packets."""
    p = Pcap(path)
    stamps = [0, 0xffffffff, 1, 0x7fffffff, 0x80000000, 5, 0xfffffffe, 0]
    for k, fr in enumerate(real_frames()):
        s = stamps[k % len(stamps)]
        p.f.write(struct.pack('<IIII', s, 999999 if k % 3 else 0xffffffff, len(fr), len(fr)) + fr)
        p.n += 1
    return p.close()


def main():
    out = sys.argv[1]
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    s = lambda n: max(1, int(n * scale))
    j = lambda name: os.path.join(out, name)
    syn_flood(j('syn-flood.pcap'), s(1000000))
    ooo_bytes(j('ooo-1byte.pcap'), s(1000000))
    ooo_bytes(j('ooo-shuffled.pcap'), s(1000000), shuffled=True)
    huge_lengths(j('huge-lengths.pcap'), s(400))
    partial_hellos(j('partial-hellos.pcap'), s(4000))
    partial_headers(j('partial-headers.pcap'), s(100000))
    frag_flood(j('frag-flood.pcap'), s(20000))
    keylog_collide(j('keylog-collide.keys'), s(40000))
    keylog_random(j('keylog-random.keys'), s(40000))
    pcap_lies(out)
    extreme_ts(j('extreme-ts.pcap'))


if __name__ == '__main__':
    main()
