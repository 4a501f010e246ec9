#!/usr/bin/python3
"""Makes the seed corpora of the fuzz targets from the captures in pcaps/.

usage: tests/fuzz/make-corpus.py [TLSDUMP]   (from the top of the repo)
Seeds: record/ (both streams of a connection), message/ (each handshake
message in clear, with the type, version and cipher selector bytes),
packet/ (the first frames of a capture, length-prefixed).
"""
import os
import struct
import subprocess
import sys
import tempfile

tlsdump = sys.argv[1] if len(sys.argv) > 1 else "./tlsdump"
base = "tests/fuzz/corpus"
for d in ("record", "message", "packet"):
    os.makedirs(os.path.join(base, d), exist_ok=True)


def write(kind, name, data):
    with open(os.path.join(base, kind, name), "wb") as f:
        f.write(data)


def records(stream):
    out, at = [], 0
    while at + 5 <= len(stream):
        ctype, _, n = struct.unpack(">BHH", stream[at:at + 5])
        out.append((ctype, stream[at + 5:at + 5 + n]))
        at += 5 + n
    return out


for cap, version_sel, cipher_sel in (("tls12-openssl", 2, 1), ("tls13-openssl", 3, 0),
                                     ("tls12-gnutls", 2, 1)):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([tlsdump, "-q", "-r", "pcaps/%s.pcap" % cap, "--streams", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        c = open(os.path.join(tmp, "stream-1-client.bin"), "rb").read()
        s = open(os.path.join(tmp, "stream-1-server.bin"), "rb").read()
    s = s[:6000]
    write("record", cap, bytes([len(c) * 255 // (len(c) + len(s))]) + c + s)
    for side, stream in (("c", c), ("s", s)):
        hs = b""
        for ctype, body in records(stream):
            if ctype == 20:  # the rest of this direction is encrypted
                break
            if ctype == 22:
                hs += body
        at = 0
        while at + 4 <= len(hs):
            t, n = hs[at], int.from_bytes(hs[at + 1:at + 4], "big")
            if at + 4 + n > len(hs):
                break
            sel = version_sel | (0x80 if side == "s" else 0)
            write("message", "%s-%s%d-%d" % (cap, side, at, t), bytes([t, sel, cipher_sel]) +
                  hs[at + 4:at + 4 + n])
            at += 4 + n

raw = open("pcaps/tls12-openssl.pcap", "rb").read()
at, frames = 24, b""
for _ in range(20):
    n = struct.unpack("<I", raw[at + 8:at + 12])[0]
    frames += struct.pack(">H", n) + raw[at + 16:at + 16 + n]
    at += 16 + n
write("packet", "tls12-openssl-20", frames)
