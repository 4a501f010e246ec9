#!/usr/bin/python3
"""Peers that speak what stock tools no longer do, for make-legacy-decoding.sh.

  ssl2-server PORT CERT KEY CIPHER...   SSL 2.0 server (one connection)
  ssl2-client PORT CIPHER...            SSL 2.0 client: GET, read the answer
  draft-server PORT VERSION             TLS 1.3 draft server (one connection)
  draft-client PORT VERSION             TLS 1.3 draft client
  plain-after-server PORT CERT KEY      TLS 1.2 handshake, then plaintext
  plain-after-client PORT KEYLOG        ... the client (writes its key log)

SSL 2.0 (draft-hickman-netscape-ssl-00): CLIENT-HELLO, SERVER-HELLO with
the certificate, CLIENT-MASTER-KEY with the master key under the server's
RSA key (PKCS #1 v1.5), then SERVER-VERIFY, CLIENT-FINISHED and
SERVER-FINISHED encrypted, and data; RC4_128_WITH_MD5 only (key material
and MACs as the specification says, every check done).  A server without
a cipher in common sends ERROR (NO-CIPHER-ERROR).  CIPHER is a cipher
kind in hex (010080 is SSL_CK_RC4_128_WITH_MD5).

TLS 1.3 drafts: the hellos are laid out as the draft VERSION (hex, 7f12,
7f17, ...) says; the records after the ServerHello are random bytes of the
sizes of a real flight (there is no key exchange: the captures show what
an analyser sees without keys).

Plaintext after TLS: a TLS 1.2 handshake through Python's ssl module (a
memory BIO), then each side writes plaintext on the socket, as GridFTP
data channels without protection do.

Needs /usr/bin/python3 with python3-cryptography.  Listens on 127.0.0.1.
"""
import hashlib
import hmac
import os
import socket
import ssl
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

RC4_MD5 = 0x010080
REQUEST = b"GET /page.html HTTP/1.0\r\n\r\n"
ANSWER = b"HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\n\r\nan SSL 2.0 page\n"


def listen(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    conn, _ = s.accept()
    s.close()
    return conn


def connect(port):
    return socket.create_connection(("127.0.0.1", port))


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        d = sock.recv(n - len(out))
        if not d:
            raise EOFError("connection closed")
        out += d
    return out


# ---------------------------------------------------------------- SSL 2.0

class SSL2:
    """Records with 2-byte headers; sequence numbers count every record,
    the ones in clear too (C.2)."""

    def __init__(self, sock):
        self.sock = sock
        self.wseq = self.rseq = 0
        self.wkey = self.rkey = None

    def send(self, msg):
        if self.wkey:
            mac = hashlib.md5(self.wkey + msg + struct.pack("!I", self.wseq)).digest()
            msg = self.wenc.update(mac + msg)
        self.sock.sendall(struct.pack("!H", 0x8000 | len(msg)) + msg)
        self.wseq = (self.wseq + 1) & 0xffffffff

    def recv(self):
        hdr = recv_exact(self.sock, 2)
        if not hdr[0] & 0x80:
            raise ValueError("3-byte header not expected")
        body = recv_exact(self.sock, (hdr[0] & 0x7f) << 8 | hdr[1])
        if self.rkey:
            body = self.rdec.update(body)
            mac, body = body[:16], body[16:]
            want = hashlib.md5(self.rkey + body + struct.pack("!I", self.rseq)).digest()
            if not hmac.compare_digest(mac, want):
                raise ValueError("bad MAC")
        self.rseq = (self.rseq + 1) & 0xffffffff
        return body

    def keys(self, master, challenge, conn_id, client):
        """C.4 for RC4_128: KEY-MATERIAL-0 is the client's read key."""
        km0 = hashlib.md5(master + b"0" + challenge + conn_id).digest()
        km1 = hashlib.md5(master + b"1" + challenge + conn_id).digest()
        self.wkey, self.rkey = (km1, km0) if client else (km0, km1)
        self.wenc = Cipher(algorithms.ARC4(self.wkey), mode=None).encryptor()
        self.rdec = Cipher(algorithms.ARC4(self.rkey), mode=None).decryptor()


def kinds(hexes):
    return [int(h, 16) for h in hexes]


def specs_bytes(ks):
    return b"".join(struct.pack("!BH", k >> 16, k & 0xffff) for k in ks)


def parse_specs(b):
    return [b[i] << 16 | b[i + 1] << 8 | b[i + 2] for i in range(0, len(b), 3)]


def ssl2_server(port, cert_pem, key_pem, ciphers):
    cert = x509.load_pem_x509_certificate(open(cert_pem, "rb").read())
    key = serialization.load_pem_private_key(open(key_pem, "rb").read(), None)
    der = cert.public_bytes(serialization.Encoding.DER)
    c = SSL2(listen(port))
    hello = c.recv()
    if hello[0] != 1:
        raise ValueError("not a CLIENT-HELLO")
    _, version, slen, sidlen, chlen = struct.unpack("!BHHHH", hello[:9])
    offered = parse_specs(hello[9:9 + slen])
    challenge = hello[9 + slen + sidlen:9 + slen + sidlen + chlen]
    common = [k for k in offered if k in kinds(ciphers)]
    if not common:
        c.send(b"\x00\x00\x01")  # ERROR: NO-CIPHER-ERROR
        c.sock.close()
        return 0
    conn_id = os.urandom(16)
    specs = specs_bytes(common)
    c.send(struct.pack("!BBBHHHH", 4, 0, 1, 2, len(der), len(specs), len(conn_id))
           + der + specs + conn_id)
    cmk = c.recv()
    if cmk[0] != 2:
        raise ValueError("not a CLIENT-MASTER-KEY")
    kind = parse_specs(cmk[1:4])[0]
    clear_len, enc_len, arg_len = struct.unpack("!HHH", cmk[4:10])
    enc = cmk[10 + clear_len:10 + clear_len + enc_len]
    if kind != RC4_MD5 or kind not in common:
        raise ValueError("cipher kind %06x not offered" % kind)
    master = cmk[10:10 + clear_len] + key.decrypt(enc, padding.PKCS1v15())
    c.keys(master, challenge, conn_id, client=False)
    c.send(b"\x05" + challenge)                     # SERVER-VERIFY
    fin = c.recv()
    if fin != b"\x03" + conn_id:                    # CLIENT-FINISHED
        raise ValueError("bad CLIENT-FINISHED")
    c.send(b"\x06" + os.urandom(16))                # SERVER-FINISHED: a session ID
    if c.recv() != REQUEST:
        raise ValueError("unexpected request")
    c.send(ANSWER)
    c.sock.close()
    return 0


def ssl2_client(port, ciphers):
    c = SSL2(connect(port))
    challenge = os.urandom(16)
    specs = specs_bytes(kinds(ciphers))
    c.send(struct.pack("!BHHHH", 1, 2, len(specs), 0, len(challenge)) + specs + challenge)
    sh = c.recv()
    if sh[0] == 0:
        code = struct.unpack("!H", sh[1:3])[0]
        print("ssl2-client: ERROR %04x from the server" % code, file=sys.stderr)
        return 3
    _, hit, cert_type, version, cert_len, slen, idlen = struct.unpack("!BBBHHHH", sh[:11])
    cert = x509.load_der_x509_certificate(sh[11:11 + cert_len])
    common = parse_specs(sh[11 + cert_len:11 + cert_len + slen])
    conn_id = sh[11 + cert_len + slen:11 + cert_len + slen + idlen]
    if RC4_MD5 not in common:
        raise ValueError("no RC4_128_WITH_MD5")
    master = os.urandom(16)
    enc = cert.public_key().encrypt(master, padding.PKCS1v15())
    c.send(b"\x02" + specs_bytes([RC4_MD5]) + struct.pack("!HHH", 0, len(enc), 0) + enc)
    c.keys(master, challenge, conn_id, client=True)
    if c.recv() != b"\x05" + challenge:             # SERVER-VERIFY
        raise ValueError("bad SERVER-VERIFY")
    c.send(b"\x03" + conn_id)                       # CLIENT-FINISHED
    if c.recv()[0] != 6:                            # SERVER-FINISHED
        raise ValueError("no SERVER-FINISHED")
    c.send(REQUEST)
    answer = c.recv()
    if answer != ANSWER:
        raise ValueError("unexpected answer")
    sys.stdout.buffer.write(answer)
    c.sock.close()
    return 0


# ---------------------------------------------------------------- drafts

def record(ctype, body):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def hs(mtype, body):
    return struct.pack("!B", mtype) + len(body).to_bytes(3, "big") + body


def ext(etype, body):
    return struct.pack("!HH", etype, len(body)) + body


def vec16(b):
    return struct.pack("!H", len(b)) + b


def key_share_type(version):
    return 40 if 0x7f00 <= version < 0x7f17 else 51  # key_share moved in draft 23


def compat(version):
    return version >= 0x7f16  # draft 22: session ID echo, compression, CCS


def read_record(sock):
    hdr = recv_exact(sock, 5)
    return hdr[0], recv_exact(sock, struct.unpack("!H", hdr[3:5])[0])


def draft_client(port, version):
    sock = connect(port)
    ks = key_share_type(version)
    sid = os.urandom(32) if compat(version) else b""
    exts = (ext(0, vec16(b"\x00" + vec16(b"server.test")))
            + ext(10, vec16(b"\x00\x1d"))
            + ext(13, vec16(b"\x04\x03\x08\x04\x04\x01"))
            + ext(ks, vec16(b"\x00\x1d" + vec16(os.urandom(32))))
            + ext(43, b"\x02" + struct.pack("!H", version)))
    body = (b"\x03\x03" + os.urandom(32) + bytes([len(sid)]) + sid + vec16(b"\x13\x01\x13\x02")
            + b"\x01\x00" + vec16(exts))
    sock.sendall(record(22, hs(1, body)))
    got = 0
    while got < 4:  # the server's encrypted flight: four records
        ctype, _ = read_record(sock)
        got += ctype == 23
    if compat(version):
        sock.sendall(record(20, b"\x01"))
    sock.sendall(record(23, os.urandom(53)))        # Finished, 32 bytes + 1 + 16 + 4
    sock.sendall(record(23, os.urandom(60)))        # a request
    read_record(sock)                               # the answer
    sock.close()
    return 0


def draft_server(port, version):
    sock = listen(port)
    ctype, ch = read_record(sock)
    if ctype != 22 or ch[0] != 1:
        raise ValueError("not a ClientHello")
    sid = ch[4 + 2 + 32 + 1:4 + 2 + 32 + 1 + ch[4 + 2 + 32]]
    share = ext(key_share_type(version), b"\x00\x1d" + vec16(os.urandom(32)))
    if compat(version):  # draft 22 on: TLS 1.2's layout, the version in an extension
        body = (b"\x03\x03" + os.urandom(32) + bytes([len(sid)]) + sid + b"\x13\x01\x00"
                + vec16(ext(43, struct.pack("!H", version)) + share))
    else:  # before: version, random, cipher suite, extensions
        body = struct.pack("!H", version) + os.urandom(32) + b"\x13\x01" + vec16(share)
    flight = record(22, hs(2, body))
    if compat(version):
        flight += record(20, b"\x01")
    for n in (40, 900, 280, 53):  # EncryptedExtensions, Certificate, CertificateVerify, Finished
        flight += record(23, os.urandom(n))
    sock.sendall(flight)
    got = 0
    while got < 2:
        ctype, _ = read_record(sock)
        got += ctype == 23
    sock.sendall(record(23, os.urandom(300)))
    sock.close()
    return 0


# ---------------------------------------------------------------- plaintext after TLS

def pump(sock, obj, inbio, outbio, server):
    """Runs obj's handshake over sock; returns when it is done and flushed."""
    while True:
        try:
            obj.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        out = outbio.read()
        if out:
            sock.sendall(out)
        if done:
            return
        d = sock.recv(65536)
        if not d:
            raise EOFError("closed during the handshake")
        inbio.write(d)


def plain_after(port, server, cert=None, key=None, keylog=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_TICKET
    if server:
        ctx.load_cert_chain(cert, key)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.keylog_filename = keylog
    sock = listen(port) if server else connect(port)
    inbio, outbio = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inbio, outbio, server_side=server,
                       server_hostname=None if server else "server.test")
    pump(sock, obj, inbio, outbio, server)
    if server:  # the client speaks first, in plaintext
        line = b""
        while not line.endswith(b"\n"):
            line += sock.recv(1)
        sock.sendall(b"226 Transfer complete: " + line)
    else:
        sock.sendall(b"STOR 12 bytes of data\n")
        answer = sock.recv(4096)
        if not answer.startswith(b"226 "):
            raise ValueError("unexpected answer %r" % answer)
    sock.close()
    return 0


def main(argv):
    cmd, port = argv[1], int(argv[2])
    if cmd == "ssl2-server":
        return ssl2_server(port, argv[3], argv[4], argv[5:])
    if cmd == "ssl2-client":
        return ssl2_client(port, argv[3:])
    if cmd == "draft-server":
        return draft_server(port, int(argv[3], 16))
    if cmd == "draft-client":
        return draft_client(port, int(argv[3], 16))
    if cmd == "plain-after-server":
        return plain_after(port, True, cert=argv[3], key=argv[4])
    if cmd == "plain-after-client":
        return plain_after(port, False, keylog=argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
