#!/usr/bin/python3
"""TLS client that walks away in the middle of the handshake.

It runs a real handshake with python's ssl module over memory BIOs
(ssl.MemoryBIO, OpenSSL underneath): sends the ClientHello the library
makes, feeds it the server's whole first flight (for TLS 1.3 ServerHello ...
Finished), and when the library has finished its side of the handshake it
drops the client's answer (its Finished) and closes the TCP connection
(FIN, no alert), then waits for the server to close too.  The library writes
the key log, so the server's encrypted flight can be read.

Usage: closed-handshake-client.py HOST PORT CAFILE KEYLOG
Exit status 0 if the whole server flight arrived and was verified.
"""
import socket
import ssl
import sys


def main():
    host, port, cafile, keylog = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.keylog_filename = keylog
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="server.test")
    sock = socket.create_connection((host, port), timeout=10)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    sock.sendall(hello)
    print("sent ClientHello, %d bytes" % len(hello))
    got = 0
    while True:
        data = sock.recv(65536)
        if not data:
            sys.exit("server closed before its flight was complete")
        got += len(data)
        incoming.write(data)
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            continue
    print("server flight: %d bytes, %s, %s; certificate verified" % (got, tls.version(), tls.cipher()[0]))
    print("not sent: %d bytes (the client's Finished)" % len(outgoing.read()))
    sock.shutdown(socket.SHUT_WR)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        print("server reset the connection")
    sock.close()


if __name__ == "__main__":
    main()
