#!/usr/bin/python3
"""Makes the seed corpora of the fuzz targets from the captures in pcaps/.

usage: tests/fuzz/make-corpus.py [TLSDUMP]   (from the top of the repo)
Seeds: record/ (both streams of a connection), message/ (each handshake
message in clear, with the type, version and cipher selector bytes),
packet/ (the first frames of a capture, length-prefixed), and for the
decoder targets client_hello/, server_hello/, certificate/, extensions/
(real bodies, with each target's selector byte; TLS 1.3's encrypted
Certificate, EncryptedExtensions and CertificateRequest are decrypted with
the capture's key log, which needs python3-cryptography).
"""
import os
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

tlsdump = sys.argv[1] if len(sys.argv) > 1 else "./tlsdump"
base = "tests/fuzz/corpus"
for d in ("record", "message", "packet", "client_hello", "server_hello", "certificate",
          "extensions"):
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


def both_streams(cap):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([tlsdump, "-q", "-r", "pcaps/%s.pcap" % cap, "--streams", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        c = open(os.path.join(tmp, "stream-1-client.bin"), "rb").read()
        s = open(os.path.join(tmp, "stream-1-server.bin"), "rb").read()
    return c, s[:6000]


# Old and odd peers (pcaps/make-legacy-decoding.sh), for record/ only: SSL
# 2.0 records, a TLS 1.3 draft, plaintext after a handshake.
for cap in ("legacy-sslv2", "legacy-sslv2-no-cipher", "legacy-draft18", "legacy-plain-after-tls"):
    c, s = both_streams(cap)
    write("record", cap, bytes([len(c) * 255 // (len(c) + len(s))]) + c + s)


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


# --- The decoder targets' seeds.

def streams(cap, conn=1):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([tlsdump, "-q", "-r", "pcaps/%s.pcap" % cap, "--streams", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        return [open(os.path.join(tmp, "stream-%d-%s.bin" % (conn, d)), "rb").read()
                for d in ("client", "server")]


def messages(data):
    """(type, body) of each whole handshake message in data."""
    out, at = [], 0
    while at + 4 <= len(data):
        t, n = data[at], int.from_bytes(data[at + 1:at + 4], "big")
        if at + 4 + n > len(data):
            break
        out.append((t, data[at + 4:at + 4 + n]))
        at += 4 + n
    return out


def clear_messages(stream):
    hs = b""
    for ctype, body in records(stream):
        if ctype == 22:
            hs += body
        elif ctype != 20:
            break
    return messages(hs)


def hello_extensions(body, client):
    """The extension block of a ClientHello or ServerHello body."""
    at = 2 + 32
    at += 1 + body[at]
    if client:
        at += 2 + int.from_bytes(body[at:at + 2], "big")
        at += 1 + body[at]
    else:
        at += 3
    return body[at:]


def expand_label(secret, label, length, hash_alg):
    info = struct.pack(">HB", length, 6 + len(label)) + b"tls13 " + label + b"\x00"
    return HKDFExpand(hash_alg, length, info).derive(secret)


def server_flight(cap):
    """TLS 1.3: the server's encrypted handshake messages, decrypted with the
    SERVER_HANDSHAKE_TRAFFIC_SECRET of the key log (RFC 8446 5.2, 7.3)."""
    c, s = streams(cap)
    ch, sh = clear_messages(c)[0][1], clear_messages(s)[0][1]
    suite = int.from_bytes(sh[35 + sh[34]:37 + sh[34]], "big")
    hash_alg = hashes.SHA384() if suite == 0x1302 else hashes.SHA256()
    keylen = {0x1301: 16, 0x1302: 32, 0x1303: 32}[suite]
    secret = None
    for line in open("pcaps/%s.keys" % cap):
        f = line.split()
        if len(f) == 3 and f[0] == "SERVER_HANDSHAKE_TRAFFIC_SECRET" and f[1] == ch[2:34].hex():
            secret = bytes.fromhex(f[2])
    key = expand_label(secret, b"key", keylen, hash_alg)
    iv = expand_label(secret, b"iv", 12, hash_alg)
    aead = ChaCha20Poly1305(key) if suite == 0x1303 else AESGCM(key)
    hs, seq, at = b"", 0, 0
    for ctype, body in records(s):
        at += 5 + len(body)
        if ctype != 23:
            continue
        nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
        header = struct.pack(">BHH", 23, 0x0303, len(body))
        plain = aead.decrypt(nonce, body, header).rstrip(b"\x00")
        seq += 1
        if plain[-1] == 22:
            hs += plain[:-1]
        msgs = messages(hs)
        if msgs and msgs[-1][0] == 20:  # Finished
            return msgs
    return messages(hs)


def first(msgs, t):
    return next(body for mt, body in msgs if mt == t)


for cap in ("tls13-openssl", "tls12-gnutls", "tls13-curl"):
    write("client_hello", cap, clear_messages(streams(cap)[0])[0][1])
write("client_hello", "hrr-tls13-second", clear_messages(streams("hrr-tls13")[0])[1][1])

for cap, conn in (("tls12-openssl", 1), ("tls13-openssl", 1), ("hrr-tls13", 1),
                  ("resume-tls12-id", 2)):
    echo = 1 if conn == 2 else 0  # the resumption: the client offered the ID echoed
    write("server_hello", "%s-%d" % (cap, conn),
          bytes([echo]) + clear_messages(streams(cap, conn)[1])[0][1])

tls13 = server_flight("tls13-openssl")
write("certificate", "tls12-openssl-server", b"\x80" + first(clear_messages(
    streams("tls12-openssl")[1]), 11))
write("certificate", "tls13-openssl-server", b"\x81" + first(tls13, 11))
write("certificate", "mtls-tls12-client", b"\x00" + first(clear_messages(
    streams("mtls-tls12")[0]), 11))

c, s = streams("tls13-openssl")
write("extensions", "client_hello", b"\x00" + hello_extensions(clear_messages(c)[0][1], True))
write("extensions", "server_hello", b"\x01" + hello_extensions(clear_messages(s)[0][1], False))
write("extensions", "encrypted_extensions", b"\x02" + first(server_flight("tls13-curl"), 8))
cert = first(tls13, 11)
entry = 1 + cert[0] + 3
der_len = int.from_bytes(cert[entry:entry + 3], "big")
write("extensions", "certificate_entry", b"\x03" + cert[entry + 3 + der_len:][:2 + int.from_bytes(
    cert[entry + 3 + der_len:entry + 5 + der_len], "big")])
write("extensions", "hello_retry_request", b"\x04" + hello_extensions(
    clear_messages(streams("hrr-tls13")[1])[0][1], False))
cr = first(server_flight("mtls-tls13"), 13)
write("extensions", "certificate_request", b"\x06" + cr[1 + cr[0]:])
