#!/usr/bin/python3
"""Compares tlsdump's JA3 and JA3S strings with tshark's.

usage: /usr/bin/python3 tests/e2e/compare-ja3.py [--tlsdump TLSDUMP] [-v] [PCAP...]
       (from the top of the repo; PCAP defaults to every pcaps/*.pcap)

Not part of `make test` (tshark may be missing).  The reference is
tshark's tls.handshake.ja3_full and tls.handshake.ja3s_full (Wireshark
3.6 and later), the strings of Salesforce's definition, and their MD5s
tls.handshake.ja3 and ja3s.  Each server port tlsdump saw is decoded as
TLS (-d tcp.port==N,tls) so that TLS on any port is compared.
Connections are matched by their four addresses and ports, in order; for
each, the first ClientHello's JA3 and the first ServerHello's JA3S are
compared where both sides have them.  Known differences (tshark 4.0):
  - tshark gives no JA3 for an SSL 2.0 or SSLv2-compatible ClientHello;
  - a HelloRetryRequest: tshark fingerprints it (a ServerHello on the
    wire); tlsdump's JA3S is of the first ServerHello that is not one;
  - a ClientHello whose extensions are malformed: tshark's string ends
    after the ciphers, tlsdump's has the empty fields ("771,4865,,,", as
    Salesforce's ja3.py writes a hello without extensions);
  - a draft-14 ServerHello with 0x0304 in its version field: tshark reads
    it with the final layout (a session ID, cipher suite 44205).
Figures at the time of writing: pcaps/ 514 values compared, 6 differ
(SSL 2.0 hellos, a HelloRetryRequest, a malformed ClientHello); the
public captures of /work/public-captures 896 compared, 9 differ (those
kinds, a SOCKS4 port tshark does not decode, and a PROXY header in a
connection without its SYN, which tlsdump takes for mid-stream bytes).

Prints one line per disagreement (-v: also per agreement) and a final
count; exit status 1 if any.
"""
import argparse
import glob
import json
import subprocess
import sys

KEYS = ("ja3_string", "ja3", "ja3s_string", "ja3s")
TSHARK = {"ja3_string": "tls.handshake.ja3_full", "ja3": "tls.handshake.ja3",
          "ja3s_string": "tls.handshake.ja3s_full", "ja3s": "tls.handshake.ja3s"}


def tlsdump_view(tlsdump, pcap):
    """{(client ip, port, server ip, port): [{key: value}]}, and the server ports."""
    out = subprocess.run([tlsdump, "-j", "-r", pcap], capture_output=True, check=False)
    conns, ports = {}, set()
    for line in out.stdout.decode("utf-8").splitlines():
        ev = json.loads(line)
        if ev["type"] != "connection":
            continue
        key = (ev["client"]["ip"], ev["client"]["port"], ev["server"]["ip"], ev["server"]["port"])
        conns.setdefault(key, []).append({k: ev[k] for k in KEYS if k in ev})
        ports.add(ev["server"]["port"])
    return conns, ports


def tshark_view(pcap, ports):
    conns = {}
    for hs_type, names in ((1, ("ja3_string", "ja3")), (2, ("ja3s_string", "ja3s"))):
        args = ["tshark", "-r", pcap, "-n", "-Y", "tls.handshake.type == %d" % hs_type,
                "-T", "fields", "-E", "occurrence=f"]
        for p in sorted(ports):
            args += ["-d", "tcp.port==%d,tls" % p]
        for f in ("ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport"):
            args += ["-e", f]
        for n in names:
            args += ["-e", TSHARK[n]]
        out = subprocess.run(args, capture_output=True, check=False)
        for line in out.stdout.decode("utf-8", "replace").splitlines():
            v = line.split("\t")
            if len(v) < 8 or not v[6] or not v[2] or not v[5]:
                continue
            src, dst = v[0] or v[1], v[3] or v[4]
            key = ((src, int(v[2]), dst, int(v[5])) if hs_type == 1
                   else (dst, int(v[5]), src, int(v[2])))
            entry = conns.setdefault(key, [{}])[0]
            for n, value in zip(names, v[6:]):
                entry.setdefault(n, value)
    return conns


def compare(pcap, ours, theirs, verbose):
    problems, compared = [], 0
    for key, refs in sorted(theirs.items()):
        # A connection the capture's timestamps split in two (a jump of
        # more than -t seconds) has its hellos in one of the parts.
        mine = [c for c in ours.get(key, []) if c] or ours.get(key, [])
        for i, ref in enumerate(refs):
            got = mine[i] if i < len(mine) else {}
            for k, want in sorted(ref.items()):
                compared += 1
                where = "%s %s:%d>%s:%d %s" % (pcap, key[0], key[1], key[2], key[3], k)
                if got.get(k) != want:
                    problems.append("%s: tlsdump %r, tshark %r" % (where, got.get(k), want))
                elif verbose:
                    print("same  %s %s" % (where, want))
    return problems, compared


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlsdump", default="./tlsdump")
    ap.add_argument("-v", action="store_true", help="print agreements too")
    ap.add_argument("pcaps", nargs="*")
    args = ap.parse_args()
    pcaps = args.pcaps or sorted(glob.glob("pcaps/*.pcap"))

    problems, compared, conns, hellos = [], 0, 0, 0
    for pcap in pcaps:
        ours, ports = tlsdump_view(args.tlsdump, pcap)
        theirs = tshark_view(pcap, ports)
        p, n = compare(pcap, ours, theirs, args.v)
        problems += p
        compared += n
        conns += sum(len(v) for v in ours.values())
        hellos += sum(len(v) for v in theirs.values())
        for key in sorted(set(ours) - set(theirs)):
            if any("ja3" in c or "ja3s" in c for c in ours[key]):
                problems.append("%s %s:%d>%s:%d: only tlsdump has a JA3" % ((pcap,) + key))
    for line in problems:
        print(line)
    print("compare-ja3: %d captures, %d connections (tlsdump), %d with a tshark JA3 or JA3S, "
          "%d values compared, %d differ" % (len(pcaps), conns, hellos, compared, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
