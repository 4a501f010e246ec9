#!/usr/bin/python3
"""Compares tlsdump's JA4, JA4S and raw forms with another implementation's.

usage: /usr/bin/python3 tests/e2e/compare-ja4.py [--foxio JA4_PY] [--tlsdump TLSDUMP] [PCAP...]
       (from the top of the repo; PCAP defaults to every pcaps/*.pcap)

Not part of `make test`: the reference may be missing.  The reference is,
in this order:
  - tshark's own tls.handshake.ja4 and tls.handshake.ja4_r (and ja4s /
    ja4s_r where it has them), when the installed tshark has the fields
    (Wireshark 4.2 and later; 4.0 has none);
  - else FoxIO's reference, python/ja4.py of the FoxIO-LLC/ja4 repository, run
    with -r -J (it reads tshark 4.0.6+'s decode), given with --foxio;
  - else nothing: the script says so and exits 0.
Connections are matched by their four addresses and ports, in order; for
each, the first ClientHello's JA4 and JA4_r and the first ServerHello's
JA4S and JA4S_r are compared where both sides have them.  Differences
are reported like any other; those known with FoxIO's python:
  - an ALPN whose first or last byte is not a letter or digit: "99"
    there, the hex digits JA4.md asks for in tlsdump;
  - an SSLv2-compatible ClientHello: FoxIO's python counts no suites
    (tshark names them cipher specs), tlsdump its TLS suites;
  - a HelloRetryRequest: FoxIO's python takes it (a ServerHello on the
    wire) for JA4S; tlsdump's JA4S is of the first ServerHello that is
    not one, so a connection with only a HelloRetryRequest has none.

Prints one line per disagreement and a final count; exit status 1 if any.
"""
import argparse
import glob
import json
import subprocess
import sys

KEYS = ("ja4", "ja4_r", "ja4s", "ja4s_r")


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


def tshark_fields():
    out = subprocess.run(["tshark", "-G", "fields"], capture_output=True, check=False)
    return {line.split("\t")[2] for line in out.stdout.decode("utf-8", "replace").splitlines()
            if line.startswith("F\t") and line.count("\t") >= 2}


def tshark_view(pcap, ports, fields):
    """The reference from tshark's own fields, one row per hello."""
    conns = {}
    for hs_type, names in ((1, ("ja4", "ja4_r")), (2, ("ja4s", "ja4s_r"))):
        have = [n for n in names if "tls.handshake." + n in fields]
        if not have:
            continue
        args = ["tshark", "-r", pcap, "-n", "-Y", "tls.handshake.type == %d" % hs_type,
                "-T", "fields", "-E", "occurrence=f"]
        for p in sorted(ports):
            args += ["-d", "tcp.port==%d,tls" % p]
        for f in ("ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport"):
            args += ["-e", f]
        for n in have:
            args += ["-e", "tls.handshake." + n]
        out = subprocess.run(args, capture_output=True, check=True)
        for line in out.stdout.decode("utf-8", "replace").splitlines():
            v = line.split("\t")
            src, dst = v[0] or v[1], v[3] or v[4]
            key = ((src, int(v[2]), dst, int(v[5])) if hs_type == 1
                   else (dst, int(v[5]), src, int(v[2])))
            entry = conns.setdefault(key, [{}])[0]
            for n, value in zip(have, v[6:]):
                entry.setdefault(n, value)
    return conns


def foxio_view(script, pcap):
    """The reference from FoxIO's python/ja4.py -r -J."""
    out = subprocess.run([sys.executable, script, pcap, "-r", "-J"], capture_output=True,
                         check=False)
    text, at, conns = out.stdout.decode("utf-8", "replace"), 0, {}
    dec = json.JSONDecoder()
    while True:
        at = text.find("{", at)
        if at < 0:
            break
        obj, at = dec.raw_decode(text, at)
        if "srcport" not in obj:
            continue
        key = (obj["src"], int(obj["srcport"]), obj["dst"], int(obj["dstport"]))
        entry = {}
        for ours, theirs in (("ja4", "JA4.1"), ("ja4_r", "JA4_r.1"), ("ja4s", "JA4S"),
                             ("ja4s_r", "JA4S_r")):
            if theirs in obj:
                entry[ours] = obj[theirs]
        conns.setdefault(key, []).append(entry)
    return conns


def compare(pcap, ours, theirs):
    problems, compared = [], 0
    for key, refs in sorted(theirs.items()):
        mine = ours.get(key, [])
        for i, ref in enumerate(refs):
            got = mine[i] if i < len(mine) else {}
            for k, want in sorted(ref.items()):
                compared += 1
                if got.get(k) != want:
                    problems.append("%s %s:%d>%s:%d %s: tlsdump %r, reference %r"
                                    % (pcap, key[0], key[1], key[2], key[3], k, got.get(k), want))
    return problems, compared


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--foxio", help="path of FoxIO's python/ja4.py")
    ap.add_argument("--tlsdump", default="./tlsdump")
    ap.add_argument("pcaps", nargs="*")
    args = ap.parse_args()
    pcaps = args.pcaps or sorted(glob.glob("pcaps/*.pcap"))

    fields = tshark_fields()
    if "tls.handshake.ja4" in fields:
        source = "tshark"
    elif args.foxio:
        source = "FoxIO python/ja4.py"
    else:
        print("compare-ja4: skipped: this tshark has no tls.handshake.ja4 field "
              "(Wireshark 4.2 and later have it) and no --foxio script was given")
        return 0

    problems, compared, conns = [], 0, 0
    for pcap in pcaps:
        ours, ports = tlsdump_view(args.tlsdump, pcap)
        theirs = (tshark_view(pcap, ports, fields) if source == "tshark"
                  else foxio_view(args.foxio, pcap))
        p, n = compare(pcap, ours, theirs)
        problems += p
        compared += n
        conns += sum(len(v) for v in theirs.values())
        # A connection tlsdump fingerprinted that the reference did not see.
        for key in sorted(set(ours) - set(theirs)):
            if any(ours[key]):
                problems.append("%s %s:%d>%s:%d: only tlsdump has fingerprints" % ((pcap,) + key))
    for line in problems:
        print(line)
    print("compare-ja4 (%s): %d captures, %d connections, %d values compared, %d differ"
          % (source, len(pcaps), conns, compared, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
