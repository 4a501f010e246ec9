#!/usr/bin/python3
"""A TLS peer for the handshakes today's OpenSSL refuses to make: SSLv3,
TLS 1.0-1.2 with DEFLATE record compression (RFC 3749), and the export and
other legacy cipher suites.  Client and server, over real TCP, for
make-legacy-captures.sh; it writes every record itself.

usage: legacy-peer.py server PORT OPTIONS   (serves one connection)
       legacy-peer.py client PORT OPTIONS
  --version 0x0300|0x0301|0x0302|0x0303   --suite 0xNNNN
  --deflate                   offer (client) / choose (server) DEFLATE
  --cert PEM --key KEY        the server's certificate and RSA key
  --send FILE                 application data to send, in records of
                              at most --chunk bytes (default 16384)
  --expect FILE               the peer's application data must be this
  --keylog FILE               client: append CLIENT_RANDOM <cr> <master>

The handshake is a full one with the RSA key exchange: ClientHello,
ServerHello, Certificate, ServerHelloDone, ClientKeyExchange,
ChangeCipherSpec and Finished each way (verify_data per RFC 6101 5.6.9,
RFC 2246 7.4.9, RFC 5246 7.4.9), then the client's data, the server's
data, and close_notify both ways.  Key derivation and MACs follow RFC 6101
6.1-6.2.2 and 5.2.3.1 (SSLv3), RFC 2246 5 and 6.3 (the TLS 1.0 PRF and
export keys), RFC 5246 5 and 6 (TLS 1.2), built from hashlib and hmac.
The ciphers come from libcrypto through ctypes (its legacy provider has
RC4, RC2, DES and SEED); RSA from python3-cryptography.  Each side checks
every MAC, both Finished messages and the data it was to receive, and
exits 1 on any mismatch.
"""
import ctypes
import hashlib
import hmac
import os
import socket
import struct
import sys
import zlib

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key

# suite -> (cipher (libcrypto name), key bytes used, block size (0: stream),
#           mac digest, export key material bytes (0: not export))
SUITES = {
    0x0003: ("RC4", 16, 0, "md5", 5),           # RSA_EXPORT_WITH_RC4_40_MD5
    0x0004: ("RC4", 16, 0, "md5", 0),           # RSA_WITH_RC4_128_MD5
    0x0005: ("RC4", 16, 0, "sha1", 0),          # RSA_WITH_RC4_128_SHA
    0x0006: ("RC2-CBC", 16, 8, "md5", 5),       # RSA_EXPORT_WITH_RC2_CBC_40_MD5
    0x0007: ("IDEA-CBC", 16, 8, "sha1", 0),     # RSA_WITH_IDEA_CBC_SHA
    0x0008: ("DES-CBC", 8, 8, "sha1", 5),       # RSA_EXPORT_WITH_DES40_CBC_SHA
    0x0009: ("DES-CBC", 8, 8, "sha1", 0),       # RSA_WITH_DES_CBC_SHA
    0x002F: ("AES-128-CBC", 16, 16, "sha1", 0),  # RSA_WITH_AES_128_CBC_SHA
    0x0062: ("DES-CBC", 8, 8, "sha1", 8),       # RSA_EXPORT1024_WITH_DES_CBC_SHA
    0x0064: ("RC4", 16, 0, "sha1", 7),          # RSA_EXPORT1024_WITH_RC4_56_SHA
    0x0096: ("SEED-CBC", 16, 16, "sha1", 0),    # RSA_WITH_SEED_CBC_SHA
}

# ---------------------------------------------------------------- libcrypto ciphers

_lib = ctypes.CDLL("libcrypto.so.3")
_lib.OSSL_PROVIDER_load.restype = ctypes.c_void_p
_lib.OSSL_PROVIDER_load.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.EVP_CIPHER_fetch.restype = ctypes.c_void_p
_lib.EVP_CIPHER_fetch.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
_lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
_lib.EVP_CipherInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                   ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
_lib.EVP_CIPHER_CTX_set_padding.argtypes = [ctypes.c_void_p, ctypes.c_int]
_lib.EVP_CipherUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                  ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_int]
for _p in (b"legacy", b"default"):
    _lib.OSSL_PROVIDER_load(None, _p)


class Cipher:
    def __init__(self, name, key, iv, encrypt):
        self.ctx = _lib.EVP_CIPHER_CTX_new()
        self.enc = 1 if encrypt else 0
        c = _lib.EVP_CIPHER_fetch(None, name.encode(), None)
        if not c or not _lib.EVP_CipherInit_ex(self.ctx, c, None, key, iv, self.enc):
            sys.exit("libcrypto cannot run %s here" % name)
        _lib.EVP_CIPHER_CTX_set_padding(self.ctx, 0)

    def set_iv(self, iv):
        _lib.EVP_CipherInit_ex(self.ctx, None, None, None, iv, self.enc)

    def update(self, data):
        out, n = ctypes.create_string_buffer(len(data) + 32), ctypes.c_int(0)
        if not _lib.EVP_CipherUpdate(self.ctx, out, ctypes.byref(n), data, len(data)):
            sys.exit("cipher update failed")
        return out.raw[:n.value]

# ---------------------------------------------------------------- key derivation


def p_hash(md, secret, seed, n):
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, md).digest()
        out += hmac.new(secret, a + seed, md).digest()
    return out[:n]


def prf(version, secret, label, seed, n):
    if version >= 0x0303:
        return p_hash("sha256", secret, label + seed, n)
    half = (len(secret) + 1) // 2
    a = p_hash("md5", secret[:half], label + seed, n)
    b = p_hash("sha1", secret[len(secret) - half:], label + seed, n)
    return bytes(x ^ y for x, y in zip(a, b))


def ssl3_prf(secret, r1, r2, n):
    out, i = b"", 0
    while len(out) < n:
        label = bytes([65 + i]) * (i + 1)
        out += hashlib.md5(secret + hashlib.sha1(label + secret + r1 + r2).digest()).digest()
        i += 1
    return out[:n]


def ssl3_mac(md, secret, seq, ctype, data):
    h, npad = getattr(hashlib, md), 48 if md == "md5" else 40
    inner = h(secret + b"\x36" * npad + struct.pack(">QBH", seq, ctype, len(data)) + data).digest()
    return h(secret + b"\x5c" * npad + inner).digest()


class Keys:
    """Both directions' keys of a connection: [client, server]."""

    def __init__(self, version, suite, master, cr, sr):
        cipher, klen, block, md, exp = SUITES[suite]
        mlen = hashlib.new(md).digest_size
        material = exp or klen
        if version == 0x0300:
            kb = ssl3_prf(master, sr, cr, 2 * (mlen + material + block))
        else:
            kb = prf(version, master, b"key expansion", sr + cr, 2 * (mlen + material + block))
        self.mac = [kb[:mlen], kb[mlen:2 * mlen]]
        keys = [kb[2 * mlen:2 * mlen + material], kb[2 * mlen + material:2 * mlen + 2 * material]]
        ivs = [kb[2 * mlen + 2 * material:2 * mlen + 2 * material + block],
               kb[2 * mlen + 2 * material + block:]]
        if exp and version == 0x0300:    # RFC 6101 6.2.2.1
            keys = [hashlib.md5(keys[0] + cr + sr).digest()[:klen],
                    hashlib.md5(keys[1] + sr + cr).digest()[:klen]]
            ivs = [hashlib.md5(cr + sr).digest()[:block], hashlib.md5(sr + cr).digest()[:block]]
        elif exp:                        # RFC 2246 6.3
            keys = [prf(version, keys[0], b"client write key", cr + sr, klen),
                    prf(version, keys[1], b"server write key", cr + sr, klen)]
            ivb = prf(version, b"", b"IV block", cr + sr, 2 * block)
            ivs = [ivb[:block], ivb[block:]]
        self.cipher, self.block, self.md, self.keys, self.ivs = cipher, block, md, keys, ivs

# ---------------------------------------------------------------- records


class Direction:
    """One direction's record protection and compression state."""

    def __init__(self):
        self.seq, self.cipher, self.mac_key, self.deflate = 0, None, None, None

    def activate(self, version, keys, side, encrypt, compress):
        self.seq, self.version, self.md, self.block = 0, version, keys.md, keys.block
        self.mac_key = keys.mac[side]
        iv = keys.ivs[side] if keys.block else None
        self.cipher = Cipher(keys.cipher, keys.keys[side], iv, encrypt)
        self.deflate = None
        if compress:
            self.deflate = zlib.compressobj() if encrypt else zlib.decompressobj()

    def mac(self, ctype, data):
        if self.version == 0x0300:
            return ssl3_mac(self.md, self.mac_key, self.seq, ctype, data)
        hdr = struct.pack(">QBHH", self.seq, ctype, self.version, len(data))
        return hmac.new(self.mac_key, hdr + data, self.md).digest()

    def protect(self, ctype, data):
        if not self.cipher:
            return data
        if self.deflate:    # RFC 3749 2: each record ends with a sync flush
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        body = data + self.mac(ctype, data)
        self.seq += 1
        if not self.block:
            return self.cipher.update(body)
        pad = self.block - (len(body) + 1) % self.block
        body += bytes([pad]) * (pad + 1)
        if self.version >= 0x0302:    # RFC 4346 6.2.3.2: an explicit IV per record
            iv = os.urandom(self.block)
            self.cipher.set_iv(iv)
            return iv + self.cipher.update(body)
        return self.cipher.update(body)

    def unprotect(self, ctype, body):
        if not self.cipher:
            return body
        if self.block and self.version >= 0x0302:
            self.cipher.set_iv(body[:self.block])
            body = body[self.block:]
        plain = self.cipher.update(body)
        if self.block:
            pad = plain[-1]
            plain = plain[:-(pad + 1)]
        mlen = hashlib.new(self.md).digest_size
        data, mac = plain[:-mlen], plain[-mlen:]
        if mac != self.mac(ctype, data):
            sys.exit("bad record MAC from the peer")
        self.seq += 1
        if self.deflate:
            data = self.deflate.decompress(data)
        return data


class Conn:
    def __init__(self, sock, version, side):
        self.sock, self.version, self.side = sock, version, side
        self.out, self.inp = Direction(), Direction()
        self.buf, self.hs_buf, self.transcript = b"", b"", b""

    def send_record(self, ctype, data):
        body = self.out.protect(ctype, data)
        self.sock.sendall(struct.pack(">BHH", ctype, self.version, len(body)) + body)

    def send_hs(self, mtype, body):
        msg = struct.pack(">B", mtype) + len(body).to_bytes(3, "big") + body
        self.transcript += msg
        self.send_record(22, msg)

    def read_record(self):
        while len(self.buf) < 5 or len(self.buf) < 5 + struct.unpack(">H", self.buf[3:5])[0]:
            more = self.sock.recv(65536)
            if not more:
                sys.exit("the peer closed the connection early")
            self.buf += more
        ctype, _, n = struct.unpack(">BHH", self.buf[:5])
        body, self.buf = self.buf[5:5 + n], self.buf[5 + n:]
        data = self.inp.unprotect(ctype, body)
        if ctype == 21 and data[1] != 0:
            sys.exit("alert from the peer: %d %d" % (data[0], data[1]))
        return ctype, data

    def read_hs(self, want):
        while len(self.hs_buf) < 4 or len(self.hs_buf) < 4 + int.from_bytes(self.hs_buf[1:4], "big"):
            ctype, data = self.read_record()
            if ctype != 22:
                sys.exit("expected a handshake message, got content type %d" % ctype)
            self.hs_buf += data
        n = int.from_bytes(self.hs_buf[1:4], "big")
        msg, self.hs_buf = self.hs_buf[:4 + n], self.hs_buf[4 + n:]
        if msg[0] != want:
            sys.exit("expected handshake message %d, got %d" % (want, msg[0]))
        self.transcript += msg
        return msg[4:]

    def read_ccs(self):
        ctype, data = self.read_record()
        if ctype != 20 or data != b"\x01":
            sys.exit("expected ChangeCipherSpec")

    def finished(self, master, client):
        """verify_data of the transcript so far."""
        t = self.transcript
        if self.version == 0x0300:    # RFC 6101 5.6.9
            sender = b"CLNT" if client else b"SRVR"
            out = b""
            for md, npad in (("md5", 48), ("sha1", 40)):
                h = getattr(hashlib, md)
                inner = h(t + sender + master + b"\x36" * npad).digest()
                out += h(master + b"\x5c" * npad + inner).digest()
            return out
        label = b"client finished" if client else b"server finished"
        if self.version >= 0x0303:
            return prf(self.version, master, label, hashlib.sha256(t).digest(), 12)
        return prf(self.version, master, label, hashlib.md5(t).digest() + hashlib.sha1(t).digest(), 12)

    def send_data(self, data, chunk):
        for i in range(0, len(data), chunk):
            self.send_record(23, data[i:i + chunk])

    def read_data(self, n):
        got = b""
        while len(got) < n:
            ctype, data = self.read_record()
            if ctype != 23:
                sys.exit("expected application data, got content type %d" % ctype)
            got += data
        return got

    def close(self):
        self.send_record(21, b"\x01\x00")

# ---------------------------------------------------------------- the two sides


def vec(n, data):
    return len(data).to_bytes(n, "big") + data


def client(conn, o):
    v, suite = o["version"], o["suite"]
    cr = os.urandom(32)
    comps = b"\x01\x00" if o["deflate"] else b"\x00"
    conn.send_hs(1, struct.pack(">H", v) + cr + vec(1, b"") + vec(2, struct.pack(">H", suite)) +
                 vec(1, comps))
    sh = conn.read_hs(2)
    if struct.unpack(">H", sh[:2])[0] != v:
        sys.exit("the server chose another version")
    sr, sid_len = sh[2:34], sh[34]
    chosen, comp = struct.unpack(">HB", sh[35 + sid_len:38 + sid_len])
    if chosen != suite:
        sys.exit("the server chose another suite")
    certs = conn.read_hs(11)
    leaf = x509.load_der_x509_certificate(certs[6:6 + int.from_bytes(certs[3:6], "big")])
    conn.read_hs(14)
    pms = struct.pack(">H", v) + os.urandom(46)
    enc = leaf.public_key().encrypt(pms, padding.PKCS1v15())
    conn.send_hs(16, enc if v == 0x0300 else vec(2, enc))    # SSLv3: no length (RFC 6101 5.6.7)
    master = ssl3_prf(pms, cr, sr, 48) if v == 0x0300 else prf(v, pms, b"master secret", cr + sr, 48)
    with open(o["keylog"], "a") as f:
        f.write("CLIENT_RANDOM %s %s\n" % (cr.hex(), master.hex()))
    keys = Keys(v, suite, master, cr, sr)
    conn.send_record(20, b"\x01")
    conn.out.activate(v, keys, 0, True, comp == 1)
    conn.send_hs(20, conn.finished(master, True))
    conn.read_ccs()
    conn.inp.activate(v, keys, 1, False, comp == 1)
    want = conn.finished(master, False)
    if conn.read_hs(20) != want:
        sys.exit("the server's Finished does not verify")
    return comp


def server(conn, o):
    v, suite = o["version"], o["suite"]
    ch = conn.read_hs(1)
    cr = ch[2:34]
    sid_len = ch[34]
    p = 35 + sid_len
    n = struct.unpack(">H", ch[p:p + 2])[0]
    suites = [struct.unpack(">H", ch[p + 2 + i:p + 4 + i])[0] for i in range(0, n, 2)]
    p += 2 + n
    comps = ch[p + 1:p + 1 + ch[p]]
    if suite not in suites:
        sys.exit("the client did not offer the suite")
    comp = 1 if o["deflate"] and 1 in comps else 0
    sr = os.urandom(32)
    conn.send_hs(2, struct.pack(">H", v) + sr + vec(1, os.urandom(32)) +
                 struct.pack(">HB", suite, comp))
    cert = x509.load_pem_x509_certificate(open(o["cert"], "rb").read())
    der = cert.public_bytes(encoding=__import__("cryptography.hazmat.primitives.serialization",
                                                fromlist=["Encoding"]).Encoding.DER)
    conn.send_hs(11, vec(3, vec(3, der)))
    conn.send_hs(14, b"")
    cke = conn.read_hs(16)
    enc = cke if v == 0x0300 else cke[2:]
    key = load_pem_private_key(open(o["key"], "rb").read(), None)
    pms = key.decrypt(enc, padding.PKCS1v15())
    master = ssl3_prf(pms, cr, sr, 48) if v == 0x0300 else prf(v, pms, b"master secret", cr + sr, 48)
    keys = Keys(v, suite, master, cr, sr)
    conn.read_ccs()
    conn.inp.activate(v, keys, 0, False, comp == 1)
    want = conn.finished(master, True)
    if conn.read_hs(20) != want:
        sys.exit("the client's Finished does not verify")
    conn.send_record(20, b"\x01")
    conn.out.activate(v, keys, 1, True, comp == 1)
    conn.send_hs(20, conn.finished(master, False))
    return comp


def options(argv):
    o = {"deflate": False, "chunk": 16384, "send": None, "expect": None, "keylog": None,
         "cert": None, "key": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--deflate":
            o["deflate"] = True
            i += 1
            continue
        k, val = a[2:], argv[i + 1]
        o[k] = int(val, 0) if k in ("version", "suite", "chunk") else val
        i += 2
    return o


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("client", "server"):
        sys.exit(__doc__)
    role, port, o = sys.argv[1], int(sys.argv[2]), options(sys.argv[3:])
    if role == "server":
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(1)
        sock, _ = ls.accept()
        ls.close()
    else:
        sock = socket.create_connection(("127.0.0.1", port))
    conn = Conn(sock, o["version"], role)
    (client if role == "client" else server)(conn, o)
    send = open(o["send"], "rb").read() if o["send"] else b""
    expect = open(o["expect"], "rb").read() if o["expect"] else b""
    if role == "client":
        conn.send_data(send, o["chunk"])
        got = conn.read_data(len(expect))
    else:
        got = conn.read_data(len(expect))
        conn.send_data(send, o["chunk"])
    if got != expect:
        sys.exit("%s: the peer's data differs from what was expected" % role)
    if role == "client":
        conn.close()
        conn.read_record()    # the server's close_notify
    else:
        conn.read_record()    # the client's close_notify
        conn.close()
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)
    sock.close()


if __name__ == "__main__":
    main()
