#!/usr/bin/python3
"""Minimal TLS 1.2 client that starts with an SSLv2-compatible ClientHello.

OpenSSL 3 and GnuTLS can no longer send an SSLv2-format ClientHello
(RFC 5246 Appendix E.2), but OpenSSL 3 servers still accept one.  This
client sends one, then completes a TLS 1.2 handshake with
TLS_RSA_WITH_AES_128_CBC_SHA (RSA key exchange, so no extensions are
needed), fetches a page over HTTP/1.0, checks it and closes with
close_notify.  The master secret is written in NSS key log format.

Usage: sslv2-hello-client.py HOST PORT PATH KEYLOG [EXPECTED_FILE]
Needs the Debian python3-cryptography package (/usr/bin/python3).
"""
import hashlib
import hmac
import os
import socket
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TLS12 = 0x0303
SUITE = 0x002F  # TLS_RSA_WITH_AES_128_CBC_SHA
CT_CCS, CT_ALERT, CT_HS, CT_APP = 20, 21, 22, 23


def prf(secret, label, seed, n):
    """TLS 1.2 PRF with SHA-256 (RFC 5246 section 5)."""
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + seed, hashlib.sha256).digest()
    return out[:n]


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.wkey = self.rkey = None
        self.wseq = self.rseq = 0

    def recv_exact(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_record(self, ctype, data):
        if self.wkey:
            mac_key, key = self.wkey
            hdr = struct.pack("!QBHH", self.wseq, ctype, TLS12, len(data))
            mac = hmac.new(mac_key, hdr + data, hashlib.sha1).digest()
            self.wseq += 1
            plain = data + mac
            padlen = 15 - len(plain) % 16
            plain += bytes([padlen]) * (padlen + 1)
            iv = os.urandom(16)
            enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
            data = iv + enc.update(plain) + enc.finalize()
        self.sock.sendall(struct.pack("!BHH", ctype, TLS12, len(data)) + data)

    def recv_record(self):
        ctype, ver, length = struct.unpack("!BHH", self.recv_exact(5))
        data = self.recv_exact(length)
        if self.rkey:
            mac_key, key = self.rkey
            iv, ct = data[:16], data[16:]
            dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            plain = dec.update(ct) + dec.finalize()
            plain = plain[: -(plain[-1] + 1)]
            data, mac = plain[:-20], plain[-20:]
            hdr = struct.pack("!QBHH", self.rseq, ctype, TLS12, len(data))
            if not hmac.compare_digest(
                    mac, hmac.new(mac_key, hdr + data, hashlib.sha1).digest()):
                raise ValueError("bad record MAC")
            self.rseq += 1
        return ctype, data


def main():
    host, port, path, keylog = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    expected = open(sys.argv[5], "rb").read() if len(sys.argv) > 5 else None

    sock = socket.create_connection((host, port), timeout=10)
    c = Conn(sock)

    # SSLv2-compatible CLIENT-HELLO: 3-byte cipher specs, a 32-byte
    # challenge (becomes the client random), no session ID, no extensions.
    challenge = os.urandom(32)
    specs = bytes.fromhex(
        "00002f"    # TLS_RSA_WITH_AES_128_CBC_SHA
        "010080"    # SSL_CK_RC4_128_WITH_MD5 (SSLv2 only, ignored by TLS servers)
        "0000ff")   # TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    body = struct.pack("!BHHHH", 1, TLS12, len(specs), 0, len(challenge)) + specs + challenge
    sock.sendall(struct.pack("!H", 0x8000 | len(body)) + body)
    transcript = body                   # hashed without the 2-byte header
    client_random = challenge           # 32 bytes: no left padding needed

    # Server flight: ServerHello, Certificate, ServerHelloDone
    hsbuf, msgs = b"", {}
    while 14 not in msgs:
        ctype, data = c.recv_record()
        if ctype == CT_ALERT:
            raise SystemExit("server alert %r" % data)
        if ctype != CT_HS:
            raise SystemExit("unexpected record type %d" % ctype)
        hsbuf += data
        while len(hsbuf) >= 4:
            mlen = int.from_bytes(hsbuf[1:4], "big")
            if len(hsbuf) < 4 + mlen:
                break
            msg, hsbuf = hsbuf[:4 + mlen], hsbuf[4 + mlen:]
            transcript += msg
            msgs[msg[0]] = msg[4:]
    sh = msgs[2]
    server_random = sh[2:34]
    sid_len = sh[34]
    suite = int.from_bytes(sh[35 + sid_len:37 + sid_len], "big")
    if int.from_bytes(sh[0:2], "big") != TLS12 or suite != SUITE:
        raise SystemExit("server chose version %s suite %04x" % (sh[0:2].hex(), suite))
    certs = msgs[11]
    first_len = int.from_bytes(certs[3:6], "big")
    cert = x509.load_der_x509_certificate(certs[6:6 + first_len])

    # ClientKeyExchange (RSA), ChangeCipherSpec, Finished
    pms = struct.pack("!H", TLS12) + os.urandom(46)
    epms = cert.public_key().encrypt(pms, padding.PKCS1v15())
    cke = bytes([16]) + (len(epms) + 2).to_bytes(3, "big") + struct.pack("!H", len(epms)) + epms
    c.send_record(CT_HS, cke)
    transcript += cke
    ms = prf(pms, b"master secret", client_random + server_random, 48)
    with open(keylog, "a") as f:
        f.write("CLIENT_RANDOM %s %s\n" % (client_random.hex(), ms.hex()))
    kb = prf(ms, b"key expansion", server_random + client_random, 72)
    c.send_record(CT_CCS, b"\x01")
    c.wkey = (kb[0:20], kb[40:56])
    vd = prf(ms, b"client finished", hashlib.sha256(transcript).digest(), 12)
    fin = b"\x14\x00\x00\x0c" + vd
    c.send_record(CT_HS, fin)
    transcript += fin

    ctype, data = c.recv_record()
    if ctype != CT_CCS:
        raise SystemExit("expected ChangeCipherSpec, got %d %r" % (ctype, data))
    c.rkey = (kb[20:40], kb[56:72])
    ctype, data = c.recv_record()
    want = b"\x14\x00\x00\x0c" + prf(ms, b"server finished", hashlib.sha256(transcript).digest(), 12)
    if ctype != CT_HS or data != want:
        raise SystemExit("bad server Finished")

    c.send_record(CT_APP, ("GET %s HTTP/1.0\r\n\r\n" % path).encode())
    resp = b""
    while True:
        try:
            ctype, data = c.recv_record()
        except EOFError:
            break
        if ctype == CT_APP:
            resp += data
        elif ctype == CT_ALERT:
            if data != b"\x01\x00":
                raise SystemExit("server alert %r" % data)
            c.send_record(CT_ALERT, b"\x01\x00")   # close_notify back
            break
    sock.close()
    sys.stdout.buffer.write(resp)
    if expected is not None and not resp.endswith(expected):
        raise SystemExit("response does not end with the expected file")


if __name__ == "__main__":
    main()
