#!/usr/bin/python3
"""TLS client over TCP Fast Open (RFC 7413): the ClientHello goes in the SYN.

python's ssl module over memory BIOs (OpenSSL underneath) makes the
ClientHello, which is handed to the kernel with sendto(MSG_FASTOPEN): the
kernel puts it on the SYN when it holds a Fast Open cookie for the server,
and otherwise sends a SYN asking for one and the data after the handshake.
Then the handshake goes on as usual, the request is sent, and the answer
read until the server closes.  The library writes the key log.

Usage: tfo-client.py HOST PORT CAFILE KEYLOG
Prints the answer's length; exit status 0 if the handshake was verified
and the server closed after its answer.
"""
import socket
import ssl
import sys

REQUEST = b"GET /page.html HTTP/1.0\r\n\r\n"


def pump(sock, tls, incoming, outgoing):
    """Sends what the library wrote, reads what the server sent; returns
    False at the server's end of stream."""
    out = outgoing.read()
    if out:
        sock.sendall(out)
    data = sock.recv(65536)
    if not data:
        incoming.write_eof()
        return False
    incoming.write(data)
    return True


def main():
    host, port, cafile, keylog = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.keylog_filename = keylog
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="server.test")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # blocking: with a timeout, sendto(MSG_FASTOPEN) says EINPROGRESS
    sock.sendto(hello, socket.MSG_FASTOPEN, (host, port))
    sock.settimeout(10)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            if not pump(sock, tls, incoming, outgoing):
                sys.exit("server closed during the handshake")
    tls.write(REQUEST)
    answer = b""
    while True:
        try:
            chunk = tls.read(65536)
            if not chunk:
                break
            answer += chunk
        except ssl.SSLWantReadError:
            if not pump(sock, tls, incoming, outgoing):
                break
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
    try:
        tls.unwrap()  # our close_notify
    except (ssl.SSLError, ssl.SSLWantReadError):
        pass
    out = outgoing.read()
    if out:
        try:
            sock.sendall(out)
        except OSError:
            pass
    sock.close()
    print("%s %s: answer %d bytes" % (tls.version(), tls.cipher()[0], len(answer)))


if __name__ == "__main__":
    main()
