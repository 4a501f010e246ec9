#!/usr/bin/python3
"""Makes the seed corpus of fuzz_verify from the test certificates of the
captures (pcaps/keys/*.pem): each chain as its server sent it, at a time
inside its validity, checked for server.test, 127.0.0.1, no host and a
host of the input's own; and at times before and after.

usage: tests/fuzz/make-verify-corpus.py   (from the top of the repo)
"""
import glob
import os
import struct
import subprocess

base = "tests/fuzz/corpus/verify"
os.makedirs(base, exist_ok=True)


def ders(pem):
    """The DER of every certificate in a PEM file."""
    text = open(pem).read()
    out = []
    for block in text.split("-----BEGIN CERTIFICATE-----")[1:]:
        block = "-----BEGIN CERTIFICATE-----" + block.split("-----END CERTIFICATE-----")[0] + \
            "-----END CERTIFICATE-----\n"
        out.append(subprocess.run(["openssl", "x509", "-outform", "DER"], input=block.encode(),
                                  capture_output=True, check=True).stdout)
    return out


def seed(name, chain, t_us, flags, host=b""):
    data = bytes([flags]) + struct.pack(">q", t_us)
    if flags >> 1 & 3 == 3:
        data += bytes([len(host)]) + host
    for d in chain:
        data += struct.pack(">H", len(d)) + d
    with open(os.path.join(base, name), "wb") as f:
        f.write(data)


NOW = 1800000000 * 10**6  # 2027: inside the test certificates' validity
chains = {os.path.basename(p)[:-4]: ders(p) for p in sorted(glob.glob("pcaps/keys/*.pem"))}
chains["chain-leaf"] += chains.get("chain-intermediates", [])
for name, chain in chains.items():
    seed(name + "-server.test", chain, NOW, 0b011)
    seed(name + "-ip", chain, NOW, 0b101)
    seed(name + "-client", chain, NOW, 0b000)
    seed(name + "-own-host", chain, NOW, 0b111, b"*.test")
seed("server-before", chains["server"], 0, 0b011)
seed("server-after", chains["server"], 2**62, 0b011)
seed("server-negative", chains["server"], -(2**62), 0b011)
seed("empty", [], NOW, 0b011)
