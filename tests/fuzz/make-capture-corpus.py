#!/usr/bin/python3
"""Seeds for fuzz_capture and fuzz_tcp (run from the top of the repo).

capture/: small captures of pcaps/variants and tests/hostile's header lies,
each behind a 0x00 byte (a whole file), and a few as frames after a 0x8N
byte (a pcap header with link type N made by the target).
tcp/: records as fuzz_tcp.c describes them: a handshake and data in
order, reordered and overlapping, fragmented, cut by a snap length, and
with time steps past the fragment and idle timeouts.
"""
import os
import struct
import subprocess
import tempfile

base = 'tests/fuzz/corpus'
for d in ('capture', 'tcp'):
    os.makedirs(os.path.join(base, d), exist_ok=True)


def write(kind, name, data):
    with open(os.path.join(base, kind, name), 'wb') as f:
        f.write(data)


V = 'pcaps/variants'
for name in ('fragmented.pcap', 'pcapng.pcapng', 'sll2.pcap', 'null.pcap', 'snap128.pcap',
             'ipv6-exthdr.pcap', 'overlapping.pcap'):
    data = open(os.path.join(V, name), 'rb').read()
    if len(data) <= 40000:
        write('capture', name, b'\x00' + data)
for name, link in (('rawip.pcap', 1), ('vlan.pcap', 0)):
    data = open(os.path.join(V, name), 'rb').read()
    ltype = struct.unpack('<I', data[20:24])[0]
    sel = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 108: 5, 228: 6, 229: 7}.get(ltype, 0)
    write('capture', 'frames-' + name, bytes([0x80 | sel]) + data[24:][:20000])
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(['/usr/bin/python3', 'tests/hostile/gen.py', tmp, '0.0001'], check=True)
    for name in ('pcap-caplen-gt-len.pcap', 'pcapng-blocklen.pcapng', 'pcapng-tsresol.pcapng',
                 'extreme-ts.pcap'):
        write('capture', 'hostile-' + name, b'\x00' + open(os.path.join(tmp, name), 'rb').read())

SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08


def rec(pair=0, high=0, frag=0, dropfrag=0, step=0, flags=ACK, seq=0, ack=0, n=0, cap=255):
    b0 = pair | high << 2 | frag << 3 | dropfrag << 4 | step << 5
    return struct.pack('!BBHHBB', b0, flags, seq & 0xffff, ack & 0xffff, n, cap)


hs = (rec(flags=SYN, seq=0x100) + rec(high=1, flags=SYN | ACK, seq=0x9000, ack=0x101) +
      rec(flags=ACK, seq=0x101, ack=0x9001))
write('tcp', 'in-order', hs + rec(seq=0x101, ack=0x9001, n=200) +
      rec(high=1, seq=0x9001, ack=0x101 + 200, n=255) +
      rec(flags=FIN | ACK, seq=0x101 + 200, ack=0x9001 + 255) +
      rec(high=1, flags=FIN | ACK, seq=0x9001 + 255, ack=0x101 + 201))
write('tcp', 'reordered', hs + rec(seq=0x101 + 100, n=100) + rec(seq=0x101 + 50, n=100) +
      rec(seq=0x101 + 300, n=10) + rec(seq=0x101, n=60) + rec(high=1, seq=0x9001, ack=0x101 + 250))
write('tcp', 'fragments', hs + rec(frag=1, seq=0x101, n=200) + rec(frag=1, dropfrag=1, seq=0x101 + 200, n=200) +
      rec(step=3, frag=1, seq=0x101 + 200, n=200) + rec(step=4, seq=0x101 + 400, n=5))
write('tcp', 'snapped', hs + rec(seq=0x101, n=200, cap=50) + rec(seq=0x101 + 200, n=20) +
      rec(pair=1, seq=0xfff0, n=100) + rec(pair=1, step=5, seq=0x50, n=100) +
      rec(pair=2, flags=SYN, seq=7) + rec(pair=2, flags=SYN, seq=9000, n=30) + rec(pair=2, step=7, flags=RST, seq=9001))
