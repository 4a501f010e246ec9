#!/usr/bin/env python3
"""Write COPIES copies of a classic pcap one after the other, each shifted
in time past the end of the one before plus GAP seconds (default 4000: more
than the hour tlsdump remembers a connection it forgot while idle, and than
TCP's TIME-WAIT of 240 s for one that ended), so that a connection's copies
are new connections with the same addresses, ports and keys rather than
late packets of the first.

usage: concat.py CAP COPIES OUT [GAP]
"""
import struct
import sys


def main(src, copies, dst, gap=4000):
    with open(src, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            sys.exit("concat.py: %s: not a little-endian classic pcap" % src)
        nano = magic == 0xA1B23C4D
        first = last = None
        for sec, frac, _, _ in records(f):
            t = sec + frac / (1e9 if nano else 1e6)
            first = t if first is None else first
            last = t
        span = int(last - first) + 1 + gap
        with open(dst, "wb") as out:
            out.write(head)
            for i in range(copies):
                f.seek(24)
                for sec, frac, hdr_rest, data in records(f):
                    out.write(struct.pack("<II", sec + i * span, frac) + hdr_rest)
                    out.write(data)


def records(f):
    while True:
        h = f.read(16)
        if len(h) < 16:
            return
        sec, frac, incl, _ = struct.unpack("<IIII", h)
        yield sec, frac, h[8:], f.read(incl)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], *map(int, sys.argv[4:]))
