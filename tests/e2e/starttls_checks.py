#!/usr/bin/python3
"""TLS after a plaintext opening: for every row of pcaps/starttls.txt,
tlsdump's JSON names the opening (starttls or proxy, and the protocol),
counts the plaintext each side sent before its TLS, decrypts the TLS part
to what the peers sent; --extract writes the plaintext phase and then the
decrypted data; the text view says where TLS begins; --summary names how
it began.  The diagnoses of the captures where TLS never begins are
checked with the other failures (diagnosis_checks.py).

usage: starttls_checks.py TLSDUMP OUTDIR
"""
import hashlib
import os
import subprocess
import sys

from checks import check, finish, run_json

TLSDUMP, OUT = sys.argv[1], sys.argv[2]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PCAPS = os.path.join(ROOT, "pcaps")
PROXIES = {"http-connect", "socks4", "socks5"}


def manifest():
    rows = {}
    path = os.path.join(PCAPS, "starttls.txt")
    if not os.path.exists(path):
        return rows
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        rows.setdefault(f[0], []).append({
            "conn": int(f[1]), "proto": f[2],
            "plain": ((int(f[3]), f[4]), (int(f[5]), f[6])),
            "tls": ((int(f[7]), f[8]), (int(f[9]), f[10]))})
    return rows


def digest(data):
    return len(data), hashlib.sha256(data).hexdigest()


def extract_ok(xdir, conn, side, plain, tls):
    path = os.path.join(xdir, "conn-%d-%s.bin" % (conn, side))
    data = open(path, "rb").read() if os.path.exists(path) else b""
    return digest(data[:plain[0]]) == plain and digest(data[plain[0]:]) == tls


def text_run(pcap, *args):
    p = subprocess.run([TLSDUMP, "-r", pcap, *args], capture_output=True)
    return p.stdout.decode("utf-8", "replace")


def check_capture(cap, rows):
    pcap = os.path.join(PCAPS, cap + ".pcap")
    keys = os.path.join(PCAPS, cap + ".keys")
    args = ["-l", keys] if os.path.exists(keys) else []
    xdir = os.path.join(OUT, "extract-" + cap)
    rc, conns, err = run_json(TLSDUMP, pcap, "--data-sha256", *args, *(["--extract", xdir] if args else []))
    conns = {c["id"]: c for c in conns}
    check(cap + ": exit 0", rc == 0, err.strip())
    text = text_run(pcap, *args)
    summary = text_run(pcap, "--summary", *args)
    for r in rows:
        c = conns.get(r["conn"], {})
        name = "%s #%d (%s)" % (cap, r["conn"], r["proto"])
        op = c.get("opening", {})
        plain = tuple(n for n, _ in r["plain"])
        if plain == (0, 0):  # TLS from the first byte (an FTP data connection)
            check(name + ": TLS from the first byte, no opening", c and "opening" not in c,
                  str(c)[:300])
        elif plain[0] == 0:  # TLS from the client's first byte, a plaintext server
            check(name + ": the server's plaintext named " + r["proto"] + ", no request",
                  op.get("app") == r["proto"] and op.get("upgrade") == "none" and
                  "starttls" not in c, str(op))
        else:
            key = "proxy" if r["proto"] in PROXIES else "starttls"
            check(name + ": " + key + " " + r["proto"], c.get(key) == r["proto"],
                  "%s %s" % (c.get("starttls"), c.get("proxy")))
        if plain != (0, 0):
            got = op.get("plaintext_bytes", {})
            check(name + ": plaintext bytes before TLS as the peers sent them",
                  (got.get("client"), got.get("server")) == plain, str(got))
        if r["tls"][0][0] == r["tls"][1][0] == 0:
            continue  # TLS never began: its diagnosis is in tests/e2e/diagnosis.list
        app = c.get("app_data", {})
        got = tuple((app.get(d, {}).get("bytes", 0), app.get(d, {}).get("sha256"))
                    for d in ("client", "server"))
        check(name + ": established and decrypted as the peers sent it",
              c.get("verdict") == "established" and c.get("decrypted") is True and
              got == r["tls"], "%s %s %s" % (c.get("verdict"), c.get("reason"), got))
        check(name + ": --extract holds the plaintext phase, then the decrypted data",
              all(extract_ok(xdir, r["conn"], side, r["plain"][d], r["tls"][d])
                  for d, side in enumerate(("client", "server"))))
        if plain[0] != 0:
            check(name + ": text view says where the client's TLS begins",
                  "%d    " % r["conn"] in text and
                  "C>S  TLS begins at stream offset %d (" % plain[0] in text)
            line = [l for l in summary.splitlines() if l.split()[:1] == [str(r["conn"])]]
            check(name + ": --summary says how TLS began",
                  bool(line) and line[0].endswith(":" + r["proto"]), str(line))


def main():
    rows = manifest()
    check("pcaps/starttls.txt lists the STARTTLS captures", len(rows) > 0)
    for cap, r in sorted(rows.items()):
        check_capture(cap, r)
    finish()


main()
