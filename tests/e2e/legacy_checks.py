#!/usr/bin/python3
"""The captures of pcaps/make-legacy-decoding.sh, each checked for what its
peers were set up to do: SSL 2.0 named and judged by its own rules, TLS 1.3
drafts laid out as their draft says and judged as TLS 1.3, plaintext after
a completed handshake, the ALPN offered and chosen, and the alerts of a
capture that starts after the handshake.

usage: legacy_checks.py TLSDUMP
Prints "ok"/"FAIL" lines and ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys

from checks import check, finish, run_json

TLSDUMP = sys.argv[1]
PCAPS = "pcaps"


def events(name, *extra):
    p = subprocess.run([TLSDUMP, "-j", "-r", os.path.join(PCAPS, name + ".pcap"), *extra],
                       capture_output=True)
    return [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]


def conn(name, *extra):
    rc, conns, _ = run_json(TLSDUMP, os.path.join(PCAPS, name + ".pcap"), *extra)
    check(name + ": one connection", rc == 0 and len(conns) == 1, "%d" % len(conns))
    return conns[0] if conns else {}


def messages(evs, side):
    return [e["message"] for e in evs if e["type"] == "handshake" and e["dir"] == side]


def sslv2():
    c = conn("legacy-sslv2")
    check("legacy-sslv2: version SSLv2", c.get("version") == "SSLv2", str(c.get("version")))
    check("legacy-sslv2: cipher the client chose",
          c.get("cipher") == "SSL_CK_RC4_128_WITH_MD5", str(c.get("cipher")))
    check("legacy-sslv2: the server's cipher specs, in the client's order",
          c.get("ssl2_cipher_specs") == ["SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
                                         "SSL_CK_RC4_128_WITH_MD5"],
          str(c.get("ssl2_cipher_specs")))
    check("legacy-sslv2: established, no diagnosis",
          c.get("verdict") == "established" and "diagnosis" not in c, str(c.get("verdict")))
    check("legacy-sslv2: the server's certificate", c.get("certificates", [{}])[0]
          .get("subject") == "CN=server.test")
    check("legacy-sslv2: messages", c["handshake"] == {
        "client": ["ClientHello", "CLIENT-MASTER-KEY"], "server": ["SERVER-HELLO"]},
        str(c["handshake"]))
    evs = events("legacy-sslv2")
    recs = [e for e in evs if e["type"] == "record"]
    enc = [e["encrypted"] for e in recs]
    check("legacy-sslv2: 3 records in clear, then every one encrypted",
          enc[:3] == [False] * 3 and all(enc[3:]) and len(enc) >= 7, str(enc))
    check("legacy-sslv2: no anomaly", c.get("anomalies") == [], str(c.get("anomalies")))

    c = conn("legacy-sslv2-no-cipher")
    d = c.get("diagnosis", {})
    check("legacy-sslv2-no-cipher: failed, no_shared_cipher",
          c.get("verdict") == "failed" and d.get("code") == "no_shared_cipher", str(d))
    check("legacy-sslv2-no-cipher: the evidence names the ERROR",
          any("ERROR from the server: NO-CIPHER-ERROR" in e for e in d.get("evidence", [])))
    check("legacy-sslv2-no-cipher: ERROR from the server",
          c["handshake"]["server"] == ["ERROR"], str(c["handshake"]))


def drafts():
    for name, version, layout in (("legacy-draft18", "TLSv1.3-draft18", "early"),
                                  ("legacy-draft23", "TLSv1.3-draft23", "compat")):
        c = conn(name)
        check(name + ": version " + version, c.get("version") == version, str(c.get("version")))
        check(name + ": cipher TLS_AES_128_GCM_SHA256",
              c.get("cipher") == "TLS_AES_128_GCM_SHA256", str(c.get("cipher")))
        check(name + ": established by TLS 1.3's rules, no diagnosis",
              c.get("verdict") == "established" and "diagnosis" not in c, str(c.get("verdict")))
        check(name + ": no malformed message", c.get("anomalies") == [], str(c.get("anomalies")))
        evs = events(name)
        sh = [e for e in evs if e["type"] == "handshake" and e.get("message") == "ServerHello"]
        f = sh[0]["fields"] if sh else {}
        check(name + ": the ServerHello's version field",
              f.get("version") == (version if layout == "early" else "TLSv1.2"), str(f))
        check(name + ": " + ("no session ID, no compression" if layout == "early"
                             else "compression method present"),
              ("compression_method" in f) == (layout != "early"), str(f))
        key_share = "key_share_old" if layout == "early" else "key_share"
        exts = [x.get("type") for x in f.get("extensions", [])]
        check(name + ": " + key_share + " decoded", key_share in exts, str(exts))
        recs = [e for e in evs if e["type"] == "record" and e["dir"] == "server"]
        after = [r["encrypted"] for r in recs if r["content_type"] != "change_cipher_spec"][1:]
        check(name + ": everything after the ServerHello encrypted", after and all(after))


def plaintext_after():
    name = "legacy-plain-after-tls"
    for extra in ([], ["-l", os.path.join(PCAPS, name + ".keys")]):
        label = "%s (%s)" % (name, "key log" if extra else "no keys")
        c = conn(name, *extra)
        check(label + ": established, no diagnosis",
              c.get("verdict") == "established" and "diagnosis" not in c,
              "%s %s" % (c.get("verdict"), c.get("diagnosis", {}).get("code")))
        op = c.get("opening", {})
        check(label + ": the plaintext of each side",
              op.get("plaintext_bytes") == {"client": 22, "server": 45}, str(op))
        check(label + ": no bad record", not any(a["kind"] == "bad_record"
                                                 for a in c.get("anomalies", [])))
    evs = events(name)
    ends = [e["dir"] for e in evs if e["type"] == "tls_ends"]
    check(name + ": TLS ends on each side", sorted(ends) == ["client", "server"], str(ends))


def alpn():
    name = "legacy-tls13-alpn"
    c = conn(name)
    check(name + ": client_alpn as offered", c.get("client_alpn") == ["h2", "http/1.1"],
          str(c.get("client_alpn")))
    check(name + ": no alpn without keys (TLS 1.3 encrypts it)", "alpn" not in c)
    c = conn(name, "-l", os.path.join(PCAPS, name + ".keys"))
    check(name + " (key log): alpn h2 from the EncryptedExtensions", c.get("alpn") == "h2",
          str(c.get("alpn")))


def midstream():
    name = "legacy-midstream-tls12"
    c = conn(name)
    al = c.get("alerts", [])
    check(name + ": two alerts, both encrypted, neither named",
          len(al) == 2 and all(a["encrypted"] and "description" not in a for a in al), str(al))
    check(name + ": verdict incomplete (midstream)", c.get("verdict") == "incomplete" and
          c.get("diagnosis", {}).get("code") == "midstream")


def unknown_ca_with_wrong_name():
    name = "legacy-unknown-ca-name"
    for ca in (None, "pcaps/keys/ca.pem"):
        label = "%s (%s)" % (name, "--ca-file ca.pem" if ca else "system store")
        c = conn(name, *(["--ca-file", ca] if ca else []))
        d = c.get("diagnosis", {})
        check(label + ": unknown_ca, as the client's alert says", d.get("code") == "unknown_ca",
              str(d.get("code")))
        check(label + ": the name mismatch listed as a further problem",
              any("further problem" in e and "www.other.test" in e
                  for e in d.get("evidence", [])), str(d.get("evidence")))


sslv2()
drafts()
unknown_ca_with_wrong_name()
plaintext_after()
alpn()
midstream()
finish()
