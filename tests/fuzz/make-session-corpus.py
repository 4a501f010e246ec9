#!/usr/bin/python3
"""Makes fuzz_session's key log and seed corpus from the captures in pcaps/.

usage: tests/fuzz/make-session-corpus.py   (from the top of the repo)
tests/fuzz/session.keys: every key log in pcaps/, once each line.
tests/fuzz/corpus/session/: the Ethernet frames of a few captures of each
kind (clean, decryption, failures, STARTTLS and proxies), each a 2-byte
length and the frame, as fuzz_session reads them, cut at 64 KiB.
"""
import glob
import os
import struct

SEEDS = ["tls13-openssl", "tls12-openssl", "tls12-gnutls", "dec-tls12-aes128-sha256-noetm",
         "dec-tls12-chacha20", "dec-tls13-keyupdate", "dec-tls13-0rtt-accepted",
         "dec-tls12-renegotiation", "hrr-tls13", "mtls-tls13", "fail-unknown-ca-tls12",
         "middlebox-injection", "sslv2-hello", "fail-http-on-tls-port", "starttls-smtp",
         "starttls-ftp", "starttls-postgres", "starttls-socks5", "starttls-rdp",
         "starttls-xmpp", "starttls-smtp-refused"]
LIMIT = 64 * 1024


def frames(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        return
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        yield data[pos + 16:pos + 16 + incl]
        pos += 16 + incl


def main():
    lines = []
    for keys in sorted(glob.glob("pcaps/*.keys")):
        for line in open(keys):
            if line.strip() and not line.startswith("#") and line not in lines:
                lines.append(line if line.endswith("\n") else line + "\n")
    open("tests/fuzz/session.keys", "w").write("".join(lines))
    out = "tests/fuzz/corpus/session"
    os.makedirs(out, exist_ok=True)
    for name in SEEDS:
        seed = b""
        for f in frames(os.path.join("pcaps", name + ".pcap")):
            if len(seed) + 2 + len(f) > LIMIT:
                break
            seed += struct.pack(">H", len(f)) + f
        open(os.path.join(out, name), "wb").write(seed)
    print("%d key-log lines, %d seeds" % (len(lines), len(SEEDS)))


main()
