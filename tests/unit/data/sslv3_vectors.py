#!/usr/bin/python3
"""The SSLv3 and export key derivation vectors of tests/unit/test_legacy.c,
computed a second way: from the RFC text with Python's hashlib and hmac,
sharing no code with tlsdump (which builds them on OpenSSL's EVP digests).

usage: /usr/bin/python3 tests/unit/data/sslv3_vectors.py

Prints each vector as the C test writes it.  The inputs are fixed byte
patterns, not secrets of any capture.
"""
import hashlib
import hmac

PMS = bytes([3, 0]) + bytes(range(2, 48))           # a premaster secret
CR = bytes(range(0x10, 0x30))                       # client random
SR = bytes(range(0x40, 0x60))                       # server random


def ssl3_prf(secret, r1, r2, n):
    """RFC 6101 6.1 / 6.2.2: MD5(secret + SHA('A' + secret + r1 + r2)) + ..."""
    out = b""
    i = 0
    while len(out) < n:
        label = bytes([ord("A") + i]) * (i + 1)
        out += hashlib.md5(secret + hashlib.sha1(label + secret + r1 + r2).digest()).digest()
        i += 1
    return out[:n]


def ssl3_mac(md, secret, seq, ctype, data):
    """RFC 6101 5.2.3.1."""
    h = getattr(hashlib, md)
    npad = 48 if md == "md5" else 40
    inner = h(secret + b"\x36" * npad + seq.to_bytes(8, "big") + bytes([ctype]) +
              len(data).to_bytes(2, "big") + data).digest()
    return h(secret + b"\x5c" * npad + inner).digest()


def p_hash(md, secret, seed, n):
    """RFC 2246 5."""
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, md).digest()
        out += hmac.new(secret, a + seed, md).digest()
    return out[:n]


def tls10_prf(secret, label, seed, n):
    half = (len(secret) + 1) // 2
    s1, s2 = secret[:half], secret[len(secret) - half:]
    md5 = p_hash("md5", s1, label + seed, n)
    sha = p_hash("sha1", s2, label + seed, n)
    return bytes(a ^ b for a, b in zip(md5, sha))


def show(name, b):
    print('#define %s "%s"' % (name, b.hex()))


def main():
    master = ssl3_prf(PMS, CR, SR, 48)
    show("SSL3_MASTER", master)
    # RC4-MD5's key block: 2 MAC secrets of 16, 2 keys of 16
    block = ssl3_prf(master, SR, CR, 64)
    show("SSL3_KEY_BLOCK", block)
    data = b"GET / HTTP/1.0\r\n\r\n"
    show("SSL3_MAC_MD5", ssl3_mac("md5", block[:16], 1, 23, data))
    mac_sha = bytes(range(0xa0, 0xb4))
    show("SSL3_MAC_SHA", ssl3_mac("sha1", mac_sha, 0x0102030405060708, 22, data))
    # export: 5 bytes of key material each
    ck, sk = bytes.fromhex("0102030405"), bytes.fromhex("a1a2a3a4a5")
    show("SSL3_EXPORT_CKEY", hashlib.md5(ck + CR + SR).digest())
    show("SSL3_EXPORT_SKEY", hashlib.md5(sk + SR + CR).digest())
    show("SSL3_EXPORT_CIV", hashlib.md5(CR + SR).digest()[:8])
    show("SSL3_EXPORT_SIV", hashlib.md5(SR + CR).digest()[:8])
    show("TLS10_EXPORT_CKEY", tls10_prf(ck, b"client write key", CR + SR, 16))
    show("TLS10_EXPORT_SKEY", tls10_prf(sk, b"server write key", CR + SR, 16))
    ivs = tls10_prf(b"", b"IV block", CR + SR, 16)
    show("TLS10_EXPORT_CIV", ivs[:8])
    show("TLS10_EXPORT_SIV", ivs[8:])
    show("TLS12_EXPORT_CKEY", p_hash("sha256", ck, b"client write key" + CR + SR, 8))


if __name__ == "__main__":
    main()
