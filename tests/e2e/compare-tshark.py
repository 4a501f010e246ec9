#!/usr/bin/python3
"""Compares tlsdump's decoding of every capture in pcaps/ with tshark's.

usage: /usr/bin/python3 tests/e2e/compare-tshark.py [TLSDUMP]   (from the top of the repo)

Not part of `make test` (tshark may be missing).  For each connection and
direction it compares, in order: each record's content type and version;
each handshake message in clear (type, legacy version, cipher suites, the
extension types in order, SNI, ALPN protocols); each alert in clear (level,
description).  tlsdump's side is its JSON output (-j); tshark's is
`tshark -T json`, with the servers' ports decoded as TLS.  Values are
compared under tlsdump's names: tshark's numbers are named from
include/base/registry.def the way tlsdump names them (GREASE, "unknown (0x..)").
A ServerHello with the HelloRetryRequest random (RFC 8446 4.1.3) is named
HelloRetryRequest on both sides.  SSL 2.0 records other than the
CLIENT-HELLO are "ssl2" records, their messages in clear named as the SSL
2.0 specification does; tshark 4.0 shows an SSL 2.0 ERROR as encrypted
data (a known disagreement, pcaps/legacy-sslv2-no-cipher.pcap).

Prints one line per disagreement and a final count; exit status 1 if any.
"""
import glob
import json
import os
import re
import subprocess
import sys

TLSDUMP = sys.argv[1] if len(sys.argv) > 1 else "./tlsdump"
HRR_RANDOM = ("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
SIXTEEN_BIT = {"VERSION", "CIPHER", "EXT", "GROUP", "SIGSCHEME", "CERT_COMPRESSION"}


def registry():
    names = {}
    row = re.compile(r'^(?:REG\((\w+),|REGE\((\w+),|(SUITE)\()\s*(0x[0-9A-Fa-f]+|\d+),'
                     r'(?:\s*\w+,)?\s*"([^"]*)"', re.M)
    for m in row.finditer(open("include/base/registry.def").read()):
        table = m.group(1) or m.group(2) or "CIPHER"
        names.setdefault(table, {})[int(m.group(4), 0)] = m.group(5)
    return names


REG = registry()


def name(table, value):
    """tlsdump's name for a value (reg_name_or_unknown)."""
    v = int(value, 0) if isinstance(value, str) else value
    if v in REG[table]:
        return REG[table][v]
    if table in SIXTEEN_BIT and v <= 0xffff and v & 0x0f0f == 0x0a0a and v >> 8 == v & 0xff:
        return "GREASE"
    return ("unknown (0x%04x)" if table in SIXTEEN_BIT else "unknown (0x%02x)") % v


def side():
    return {"records": [], "messages": [], "alerts": []}


# --- tlsdump

def tlsdump_view(pcap):
    """{(client_port, server_port): {"client": side, "server": side}}, server ports."""
    out = subprocess.run([TLSDUMP, "-j", "-r", pcap], capture_output=True, check=False)
    conns, by_id = {}, {}
    for line in out.stdout.decode("utf-8").splitlines():
        ev = json.loads(line)
        if ev["type"] == "open":
            key = (ev["client"]["port"], ev["server"]["port"])
            by_id[ev["id"]] = conns.setdefault(key, {"client": side(), "server": side()})
            continue
        if ev["type"] not in ("record", "handshake", "alert"):
            continue
        s = by_id[ev["id"]][ev["dir"]]
        if ev["type"] == "record":
            s["records"].append((ev["content_type"], ev["version"]))
        elif ev["type"] == "alert" and not ev["encrypted"]:
            s["alerts"].append((ev["level"], ev["description"]))
        elif ev["type"] == "handshake":
            s["messages"].append(tlsdump_message(ev))
    return conns


def tlsdump_message(ev):
    f = ev["fields"]
    exts = f.get("extensions", [])
    m = {"type": ev["message"], "version": f.get("version"),
         "cipher_suites": f.get("cipher_suites", [f["cipher_suite"]] if "cipher_suite" in f
                                else None),
         "extensions": [e["type"] for e in exts] if "extensions" in f else None,
         "sni": [n for e in exts if e["type"] == "server_name" for n in e.get("names", [])],
         "alpn": [p for e in exts if e["type"] == "application_layer_protocol_negotiation"
                  for p in e.get("protocols", [])]}
    if "cipher_specs" in f:  # SSL 2.0: CLIENT-HELLO, SERVER-HELLO
        m["cipher_suites"] = f["cipher_specs"]
    if "cipher_kind" in f:  # SSL 2.0: CLIENT-MASTER-KEY
        m["cipher_suites"] = [f["cipher_kind"]]
    return m


# --- tshark

def pairs(obj, key):
    """Every value under key in a list of pairs (duplicates kept, in order)."""
    return [v for k, v in obj if k == key] if isinstance(obj, list) else []


def walk(obj, key):
    """Every value under key, at any depth, in document order."""
    found = []
    if isinstance(obj, list):
        for k, v in obj:
            if k == key:
                found.append(v)
            found += walk(v, key)
    return found


def tshark_message(hs):
    t = int(pairs(hs, "tls.handshake.type")[0])
    random = (pairs(hs, "tls.handshake.random") or [""])[0].replace(":", "")
    typename = "HelloRetryRequest" if t == 2 and random == HRR_RANDOM else name("HANDSHAKE", t)
    version = pairs(hs, "tls.handshake.version")
    suites = walk(hs, "tls.handshake.ciphersuite")
    exts = walk(hs, "tls.handshake.extension.type")
    has_exts = bool(pairs(hs, "tls.handshake.extensions_length")) or bool(exts)
    m = {"type": typename, "version": name("VERSION", version[0]) if version else None,
         "cipher_suites": [name("CIPHER", s) for s in suites] or None,
         "extensions": [name("EXT", int(e)) for e in exts] if has_exts else None,
         "sni": walk(hs, "tls.handshake.extensions_server_name"),
         "alpn": walk(hs, "tls.handshake.extensions_alpn_str")}
    return m


def tshark_view(pcap, ports):
    args = ["tshark", "-r", pcap, "-T", "json"]
    for p in sorted(ports):
        args += ["-d", "tcp.port==%d,tls" % p]
    out = subprocess.run(args, capture_output=True, check=True)
    packets = json.loads(out.stdout.decode("utf-8", "replace"), object_pairs_hook=list)
    conns = {}
    for pkt in packets:
        layers = pairs(pairs(pkt, "_source")[0], "layers")[0]
        tcp = pairs(layers, "tcp")
        if not tcp:
            continue
        sport, dport = int(pairs(tcp[0], "tcp.srcport")[0]), int(pairs(tcp[0], "tcp.dstport")[0])
        key, d = ((sport, dport), "client") if dport in ports else ((dport, sport), "server")
        s = conns.setdefault(key, {"client": side(), "server": side()})[d]
        for tls in pairs(layers, "tls"):
            for rec in pairs(tls, "tls.record"):
                tshark_record(rec, s)
    return conns


def cipher_spec(spec):
    """An SSL 2.0 cipher spec (3 bytes) as tlsdump names it (0x00XXXX: the TLS suite)."""
    return name("CIPHER", int(spec, 16))


def ssl2_record(rec, s, version):
    """An SSL 2.0 record: the CLIENT-HELLO (tlsdump: a ClientHello in a
    handshake record), another message in clear, or ciphertext."""
    t = pairs(rec, "tls.handshake.type")
    specs = [cipher_spec(c) for c in walk(rec, "tls.handshake.cipherspec")]
    if t and int(t[0]) == 1:
        s["records"].append(("handshake", version))
        m = tshark_message(rec)
        m["cipher_suites"] = specs
        s["messages"].append(m)
        return
    s["records"].append(("ssl2", version))
    if not t:
        return
    v = pairs(rec, "tls.handshake.version")
    s["messages"].append({"type": name("SSL2_MSG", int(t[0])),
                          "version": name("VERSION", v[0]) if v else None,
                          "cipher_suites": specs or None, "extensions": None, "sni": [],
                          "alpn": []})


def tshark_record(rec, s):
    version = name("VERSION", pairs(rec, "tls.record.version")[0])
    if version == "SSLv2":
        ssl2_record(rec, s, version)
        return
    # TLS 1.3's protected records: the outer type (RFC 8446 5.2)
    ctype = pairs(rec, "tls.record.content_type") or pairs(rec, "tls.record.opaque_type")
    s["records"].append((name("CONTENT", int(ctype[0])), version))
    for hs in pairs(rec, "tls.handshake"):
        if pairs(hs, "tls.handshake.type"):
            s["messages"].append(tshark_message(hs))
    for al in pairs(rec, "tls.alert_message"):
        if isinstance(al, list):
            s["alerts"].append((name("ALERT_LEVEL", int(pairs(al, "tls.alert_message.level")[0])),
                                name("ALERT", int(pairs(al, "tls.alert_message.desc")[0]))))


# --- the comparison

COUNT = {"connections": 0, "records": 0, "messages": 0, "alerts": 0, "extensions": 0}


def compare(pcap, problems):
    ours = tlsdump_view(pcap)
    ports = {k[1] for k in ours}
    theirs = tshark_view(pcap, ports) if ports else {}
    where = os.path.basename(pcap)

    def say(at, what, a, b):
        problems.append("%s %s: %s: tlsdump %s, tshark %s" % (where, at, what, a, b))

    for key in sorted(set(ours) | set(theirs)):
        if key not in ours or key not in theirs:
            say("connection %d->%d" % key, "seen", key in ours, key in theirs)
            continue
        COUNT["connections"] += 1
        for d in ("client", "server"):
            a, b = ours[key][d], theirs[key][d]
            for k in ("records", "messages", "alerts"):
                COUNT[k] += len(a[k])
            COUNT["extensions"] += sum(len(m["extensions"] or []) for m in a["messages"])
            at = "%d->%d %s" % (key[0], key[1], d)
            lists(at, "records (content type, version)", a["records"], b["records"], say)
            lists(at, "alerts in clear", a["alerts"], b["alerts"], say)
            if len(a["messages"]) != len(b["messages"]):
                say(at, "handshake messages in clear", [m["type"] for m in a["messages"]],
                    [m["type"] for m in b["messages"]])
            for i, (ma, mb) in enumerate(zip(a["messages"], b["messages"])):
                for field in ("type", "version", "cipher_suites", "extensions", "sni", "alpn"):
                    if ma[field] != mb[field]:
                        say("%s message %d (%s)" % (at, i + 1, ma["type"]), field, ma[field],
                            mb[field])


def lists(at, what, a, b, say):
    if a == b:
        return
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            say(at, "%s #%d" % (what, i + 1), x, y)
            return
    say(at, what + " count", len(a), len(b))


def main():
    problems = []
    pcaps = sorted(glob.glob("pcaps/*.pcap"))
    for pcap in pcaps:
        compare(pcap, problems)
    for p in problems:
        print(p)
    print("compared %s" % ", ".join("%d %s" % (n, k) for k, n in COUNT.items()))
    print("%d disagreements in %d captures" % (len(problems), len(pcaps)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
