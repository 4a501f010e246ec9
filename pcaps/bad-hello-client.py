#!/usr/bin/python3
"""TLS 1.3 client whose ClientHello breaks one rule, to get a real server's alert.

OpenSSL's and GnuTLS's clients always send well-formed hellos, so this one
builds its ClientHello byte by byte (RFC 8446 section 4.1.2): a 32-byte
session ID, TLS_AES_128_GCM_SHA256 / TLS_AES_256_GCM_SHA384 /
TLS_CHACHA20_POLY1305_SHA256, server_name, supported_groups,
signature_algorithms, supported_versions (TLS 1.3 only) and key_share with
real public keys (python3-cryptography).  It then reads what the server
answers until an alert or the end of the connection, prints each record,
and closes (FIN).  Modes:

  decode-error       the extensions block's length is 3 more than the bytes
                     that follow it (record and handshake lengths are right)
  illegal-parameter  supported_groups lists only x25519, key_share carries a
                     secp256r1 share (RFC 8446 section 4.2.8: each share MUST
                     be for a group in supported_groups)
  hrr                supported_groups x25519 and secp384r1, one x25519 share;
                     a server that only takes secp384r1 sends a
                     HelloRetryRequest, and the second ClientHello again has
                     only the x25519 share (section 4.1.2: it MUST be the
                     group the HelloRetryRequest selected)

Usage: bad-hello-client.py MODE HOST PORT
Exit status 0 if the server sent a fatal alert, 1 otherwise.
"""
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519

CT_ALERT, CT_HS = 21, 22
X25519, SECP256R1, SECP384R1 = 0x001D, 0x0017, 0x0018
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
RAW = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def ext(etype, body):
    return u16(etype) + vec16(body)


def share(group):
    """A key_share entry with a fresh public key of GROUP."""
    if group == X25519:
        pub = x25519.X25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        curve = ec.SECP256R1() if group == SECP256R1 else ec.SECP384R1()
        pub = ec.generate_private_key(curve).public_key().public_bytes(*RAW)
    return u16(group) + vec16(pub)


def client_hello(random, session_id, groups, shares, ext_len_delta=0):
    """The ClientHello record; ext_len_delta is added to the extensions length."""
    sni = vec16(u8(0) + vec16(b"server.test"))
    sigalgs = b"".join(u16(s) for s in (0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0401))
    exts = (ext(0, sni)
            + ext(10, vec16(b"".join(u16(g) for g in groups)))
            + ext(13, vec16(sigalgs))
            + ext(43, vec8(u16(0x0304)))
            + ext(51, vec16(b"".join(share(g) for g in shares))))
    body = (u16(0x0303) + random + vec8(session_id)
            + vec16(u16(0x1301) + u16(0x1302) + u16(0x1303))
            + vec8(b"\x00")
            + u16(len(exts) + ext_len_delta) + exts)
    hs = u8(1) + struct.pack("!I", len(body))[1:] + body
    return u8(CT_HS) + u16(0x0301) + vec16(hs)


class Peer:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def record(self):
        """Next record (type, body), or None at the end of the connection."""
        while True:
            if len(self.buf) >= 5:
                n = struct.unpack("!H", self.buf[3:5])[0]
                if len(self.buf) >= 5 + n:
                    rec, self.buf = self.buf[:5 + n], self.buf[5 + n:]
                    return rec[0], rec[5:]
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d


def read_until_alert(peer, stop_at_hrr=False):
    """Prints records until a fatal alert (returns it), an HRR (if stop_at_hrr,
    returns "hrr"), or the end of the connection (returns None)."""
    while True:
        r = peer.record()
        if r is None:
            print("server closed the connection")
            return None
        ctype, body = r
        if ctype == CT_ALERT and len(body) >= 2:
            print("alert: level %d description %d" % (body[0], body[1]))
            if body[0] == 2:
                return body[1]
        elif ctype == CT_HS and body[:1] == b"\x02":
            hrr = body[6:38] == HRR_RANDOM
            print("handshake: %s" % ("HelloRetryRequest" if hrr else "ServerHello"))
            if hrr and stop_at_hrr:
                return "hrr"
        else:
            print("record: type %d, %d bytes" % (ctype, len(body)))


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    random, session_id = os.urandom(32), os.urandom(32)
    sock = socket.create_connection((host, port), timeout=10)
    peer = Peer(sock)
    if mode == "decode-error":
        sock.sendall(client_hello(random, session_id, [X25519], [X25519], ext_len_delta=3))
        got = read_until_alert(peer)
    elif mode == "illegal-parameter":
        sock.sendall(client_hello(random, session_id, [X25519], [SECP256R1]))
        got = read_until_alert(peer)
    elif mode == "hrr":
        groups = [X25519, SECP384R1]
        sock.sendall(client_hello(random, session_id, groups, [X25519]))
        got = read_until_alert(peer, stop_at_hrr=True)
        if got == "hrr":
            # the same hello again: still no share for the group asked for
            sock.sendall(client_hello(random, session_id, groups, [X25519]))
            got = read_until_alert(peer)
        else:
            print("no HelloRetryRequest")
            got = None
    else:
        sys.exit("usage: bad-hello-client.py decode-error|illegal-parameter|hrr HOST PORT")
    # close (FIN) and wait for the server's FIN so nothing unread is left
    sock.shutdown(socket.SHUT_WR)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        print("server reset the connection")
    sock.close()
    sys.exit(0 if isinstance(got, int) else 1)


if __name__ == "__main__":
    main()
