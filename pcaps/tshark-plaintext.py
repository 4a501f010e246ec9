#!/usr/bin/python3
"""Plaintext that tshark decrypts from one TCP stream of a capture.

Usage: tshark-plaintext.py CAPTURE KEYLOG STREAM [TSHARK-OPTION...]
  KEYLOG   NSS key log file, or "-" for none (e.g. with an RSA key:
           -o 'uat:rsa_keys:"pcaps/keys/server.key",""')
  STREAM   tcp.stream number (0-based)

Prints "client_bytes client_sha256 server_bytes server_sha256" for the
application data tshark's "follow,tls,raw" gives in each direction.

In that output, lines starting with a tab come from the second node and
the others from "Node 0"; tshark 4.0 takes node 0 from the first packet it
decrypted, which may be the server's, so the direction is found by
comparing node 0's port with the server port (destination of the SYN, else
the lower port of the stream).
"""
import hashlib
import subprocess
import sys


def tshark(args):
    return subprocess.run(["tshark"] + args, check=True, capture_output=True,
                          text=True).stdout


def server_port(capture, stream):
    out = tshark(["-r", capture, "-Y", "tcp.stream == %d" % stream, "-T", "fields",
                  "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.syn",
                  "-e", "tcp.flags.ack"])
    rows = [line.split("\t") for line in out.splitlines() if line]
    if not rows:
        sys.exit("no packets in tcp.stream %d of %s" % (stream, capture))
    for src, dst, syn, ack in rows:
        if syn in ("1", "True") and ack in ("0", "False"):
            return dst
    return str(min(int(rows[0][0]), int(rows[0][1])))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    capture, keylog, stream = sys.argv[1], sys.argv[2], int(sys.argv[3])
    opts = list(sys.argv[4:])
    if keylog != "-":
        opts += ["-o", "tls.keylog_file:" + keylog]
    out = tshark(["-r", capture] + opts + ["-q", "-z", "follow,tls,raw,%d" % stream])
    node0 = None
    data = {True: bytearray(), False: bytearray()}   # key: from node 0?
    body = False
    for line in out.splitlines():
        if line.startswith("Node 0: "):
            node0 = line[len("Node 0: "):]
        elif line.startswith("Node 1: "):
            body = True
        elif line.startswith("====="):
            body = False
        elif body and line.strip():
            data[not line.startswith("\t")] += bytes.fromhex(line.strip())
    port = server_port(capture, stream)
    node0_is_server = node0 is not None and node0.rsplit(":", 1)[-1] == port
    server = data[node0_is_server]
    client = data[not node0_is_server]
    print(len(client), hashlib.sha256(client).hexdigest(),
          len(server), hashlib.sha256(server).hexdigest())


if __name__ == "__main__":
    main()
