#!/usr/bin/python3
"""TLS server that answers with an extension the client did not ask for.

It reads one ClientHello, checks that it offers
TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 and no application_layer_protocol_
negotiation extension, and answers with a TLS 1.2 ServerHello (that suite,
the client's session ID echoed, an empty renegotiation_info) that also
carries ALPN "h2".  RFC 5246 section 7.4.1.4: a client MUST abort with
unsupported_extension when a ServerHello has an extension it did not
send.  The server then prints what the client answers and closes after the
client does.

Usage: unsolicited-ext-server.py PORT
Exit status 0 if the client sent a fatal alert.
"""
import os
import socket
import struct
import sys

CT_ALERT, CT_HS = 21, 22
SUITE = 0xC02F          # TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
EXT_ALPN, EXT_RI = 16, 0xFF01


def recvn(sock, n):
    b = b""
    while len(b) < n:
        d = sock.recv(n - len(b))
        if not d:
            raise EOFError("client closed")
        b += d
    return b


def client_hello(sock):
    """Suites, session ID and extension types of the ClientHello (one record)."""
    hdr = recvn(sock, 5)
    rec = recvn(sock, struct.unpack("!H", hdr[3:5])[0])
    if hdr[0] != CT_HS or rec[0] != 1:
        sys.exit("not a ClientHello")
    p = 4 + 2 + 32
    sid = rec[p + 1:p + 1 + rec[p]]
    p += 1 + rec[p]
    n = struct.unpack("!H", rec[p:p + 2])[0]
    suites = [struct.unpack("!H", rec[i:i + 2])[0] for i in range(p + 2, p + 2 + n, 2)]
    p += 2 + n
    p += 1 + rec[p]
    end = p + 2 + struct.unpack("!H", rec[p:p + 2])[0]
    p += 2
    types = []
    while p < end:
        t, n = struct.unpack("!HH", rec[p:p + 4])
        types.append(t)
        p += 4 + n
    return suites, sid, types


def server_hello(sid):
    exts = struct.pack("!HHB", EXT_RI, 1, 0)
    alpn = b"\x02h2"
    exts += struct.pack("!HHH", EXT_ALPN, len(alpn) + 2, len(alpn)) + alpn
    body = struct.pack("!H", 0x0303) + os.urandom(32) + bytes([len(sid)]) + sid
    body += struct.pack("!HBH", SUITE, 0, len(exts)) + exts
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return struct.pack("!BHH", CT_HS, 0x0303, len(hs)) + hs


def main():
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", int(sys.argv[1])))
    lsock.listen(1)
    lsock.settimeout(20)
    sock, _ = lsock.accept()
    sock.settimeout(10)
    suites, sid, types = client_hello(sock)
    if SUITE not in suites or EXT_ALPN in types:
        sys.exit("the ClientHello does not fit (suite 0x%04x offered: %s, ALPN sent: %s)"
                 % (SUITE, SUITE in suites, EXT_ALPN in types))
    sock.sendall(server_hello(sid))
    print("sent ServerHello with ALPN h2; the client offered extensions %s" % types)
    alert = None
    buf = b""
    while True:
        d = sock.recv(65536)
        if not d:
            break
        buf += d
        if alert is None and len(buf) >= 7 and buf[0] == CT_ALERT:
            alert = (buf[5], buf[6])
            print("client alert: level %d description %d" % alert)
    sock.close()
    sys.exit(0 if alert and alert[0] == 2 else 1)


if __name__ == "__main__":
    main()
