#!/usr/bin/python3
"""A TCP relay that behaves like a meddling middlebox.

It accepts one connection on LISTEN_PORT, connects to the real server on
SERVER_PORT and copies bytes both ways.  In the server-to-client direction
it follows the TLS record boundaries: right after the server's first
application_data record (TLS 1.2: the first record of type 23, after the
handshake) it stops forwarding the server's bytes, sends INJECT (plain
bytes, not TLS) to the client, closes its side towards the client (FIN)
and the connection to the server, then reads what the client still sends
until the client closes too.

Usage: inject-relay.py LISTEN_PORT SERVER_PORT [INJECT]
(INJECT default: an HTTP/1.1 403 response with Content-Length: 0)
Exit status 0 once the bytes were injected.
"""
import select
import socket
import struct
import sys

CT_APP = 23
DEFAULT = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"


def main():
    lport, sport = int(sys.argv[1]), int(sys.argv[2])
    inject = sys.argv[3].encode().decode("unicode_escape").encode("latin-1") \
        if len(sys.argv) > 3 else DEFAULT
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", lport))
    lsock.listen(1)
    lsock.settimeout(20)
    client, _ = lsock.accept()
    server = socket.create_connection(("127.0.0.1", sport), timeout=10)
    pending = b""            # server bytes not yet forwarded (a partial record)
    records = []             # (type, length) of the server records forwarded
    injected = False
    while not injected:
        ready, _, _ = select.select([client, server], [], [], 20)
        if not ready:
            sys.exit("relay: timeout")
        if client in ready:
            d = client.recv(65536)
            if not d:
                sys.exit("relay: client closed first")
            server.sendall(d)
        if server in ready:
            d = server.recv(65536)
            if not d:
                sys.exit("relay: server closed before its first application record")
            pending += d
            out = b""
            while len(pending) >= 5:
                n = struct.unpack("!H", pending[3:5])[0]
                if len(pending) < 5 + n:
                    break
                out += pending[:5 + n]
                records.append((pending[0], n))
                pending = pending[5 + n:]
                if records[-1][0] == CT_APP:
                    injected = True
                    break
            if out:
                client.sendall(out)
    client.sendall(inject)
    print("relay: forwarded server records %s, then injected %d bytes" %
          (" ".join("%d/%d" % r for r in records), len(inject)))
    server.close()
    client.shutdown(socket.SHUT_WR)
    client.settimeout(10)
    got = 0
    try:
        while True:
            d = client.recv(65536)
            if not d:
                break
            got += len(d)
    except ConnectionResetError:
        print("relay: client reset the connection")
    print("relay: client sent %d more bytes, then closed" % got)
    client.close()


if __name__ == "__main__":
    main()
