#!/usr/bin/python3
"""Compares tlsdump's decrypted application data with tshark's, connection
by connection, on captures other people made (not part of `make test`:
tshark may be missing, and such captures are not committed).

usage: /usr/bin/python3 tests/e2e/compare-decrypt.py [--tlsdump PATH] CAPTURE[:KEYLOG] ...

For each capture (with its key log, if given, as -l for tlsdump and
tls.keylog_file for tshark), every TCP connection: tshark's
`-z follow,tls,raw` per direction against the length and SHA-256 of
tlsdump's JSON app_data (connections matched by their endpoints), and
how tlsdump says TLS began (starttls/proxy).  Prints a line per
connection, then per capture and in all: connections, directions with
data in tshark, and how many of those tlsdump decrypted byte-exact.
"""
import hashlib
import json
import re
import subprocess
import sys

args = sys.argv[1:]
TLSDUMP = "./tlsdump"
if args[:1] == ["--tlsdump"]:
    TLSDUMP, args = args[1], args[2:]


def tshark_streams(pcap, keys):
    opts = ["-o", "tls.keylog_file:" + keys] if keys else []
    out = subprocess.run(["tshark", "-r", pcap, "-q", "-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, text=True).stdout.split()
    streams = sorted({int(s) for s in out if s.isdigit()})
    result = {}
    for n in streams:
        p = subprocess.run(["tshark", "-r", pcap, *opts, "-q", "-z", "follow,tls,raw,%d" % n],
                           capture_output=True, text=True)
        nodes, data = {}, {0: b"", 1: b""}
        for line in p.stdout.splitlines():
            m = re.match(r"Node (\d): (.*):(\d+)$", line)
            if m:
                nodes[int(m.group(1))] = (m.group(2).strip("[]"), int(m.group(3)))
            elif re.fullmatch(r"\t?[0-9a-f]+", line):
                data[1 if line.startswith("\t") else 0] += bytes.fromhex(line.strip())
        # Node 1 may print as ":0": a connection is known by node 0 (the
        # side that sent first), and a later stream of the same endpoint
        # (a reused port) only replaces one without data.
        if 0 in nodes and (data[0] or data[1] or nodes[0] not in result):
            result[nodes[0]] = data
    return result


def digest(b):
    return len(b), hashlib.sha256(b).hexdigest()


def tlsdump_conns(pcap, keys):
    p = subprocess.run([TLSDUMP, "-j", "--data-sha256", "-r", pcap] + (["-l", keys] if keys else []),
                       capture_output=True, text=True)
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')]


def compare(pcap, keys):
    ts = tshark_streams(pcap, keys)
    conns = tlsdump_conns(pcap, keys)
    # A connection tlsdump splits in two (a long pause, a port reused) is
    # one for tshark: its directions count once, with the part that has data.
    seen = {}
    for c in conns:
        key = (c["client"]["ip"], c["client"]["port"], c["server"]["ip"], c["server"]["port"])
        if key not in seen or c.get("app_data") or "opening" in c:
            seen[key] = c
    conns = sorted(seen.values(), key=lambda c: c["id"])
    dirs = exact = 0
    for c in conns:
        cl = (c["client"]["ip"], c["client"]["port"])
        sv = (c["server"]["ip"], c["server"]["port"])
        if cl in ts:
            data = ts[cl]
        else:
            data = {0: ts.get(sv, {}).get(1, b""), 1: ts.get(sv, {}).get(0, b"")}
        app = c.get("app_data", {})
        got = [(app.get(d, {}).get("bytes", 0), app.get(d, {}).get("sha256", digest(b"")[1]))
               for d in ("client", "server")]
        marks = []
        for i in (0, 1):
            if not data.get(i):
                continue
            dirs += 1
            ok = got[i] == digest(data[i])
            exact += ok
            marks.append("%s %d/%d %s" % ("C>S" if i == 0 else "S>C", got[i][0], len(data[i]),
                                          "ok" if ok else "DIFFERS"))
        how = c.get("starttls") and "starttls:" + c["starttls"] or \
            c.get("proxy") and "proxy:" + c["proxy"] or "-"
        code = c.get("diagnosis", {}).get("code") or c.get("verdict")
        print("  #%d %s:%d -> %s:%d %s %s %s" % (c["id"], cl[0], cl[1], sv[0], sv[1], how, code,
                                             "; ".join(marks) or "(no data in tshark)"))
    return len(conns), dirs, exact


def main():
    total = [0, 0, 0]
    for arg in args:
        pcap, _, keys = arg.partition(":")
        print(pcap + (" (keys " + keys + ")" if keys else ""))
        n = compare(pcap, keys)
        print("  %d connections, %d directions with data in tshark, %d decrypted byte-exact"
              % n)
        total = [a + b for a, b in zip(total, n)]
    print("all: %d connections, %d directions with data in tshark, %d decrypted byte-exact"
          % tuple(total))


main()
