#!/usr/bin/python3
"""JSON view checks: every line parses, and the values are the ones the
peers were set up with (pcaps/make-captures.sh, pcaps/make-failures.sh).

usage: json_checks.py TLSDUMP OUTDIR
Prints "ok"/"FAIL" lines and ends with "N passed, N failed".
"""
import json
import os
import struct
import subprocess
import sys

from checks import check, finish

TLSDUMP, OUT = sys.argv[1], sys.argv[2]
PCAPS = "pcaps"



def run_json(pcap, *extra):
    """Runs tlsdump -j; returns (events, connections) or None if a line is not JSON."""
    p = subprocess.run([TLSDUMP, "-j", "-r", pcap, *extra], capture_output=True)
    events = []
    for line in p.stdout.decode("utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            return None, None
    return events, [e for e in events if e["type"] == "connection"]


def one(pcap):
    events, conns = run_json(pcap)
    return events, (conns[0] if conns else {})


# --- Clean captures: version, cipher, SNI, certificate as configured.
CA = "CN=tlsdump test CA"
setups = {
    "tls13-openssl.pcap": ("TLSv1.3", None),
    "tls12-openssl.pcap": ("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    "tls12-gnutls.pcap": ("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    "tls13-curl.pcap": ("TLSv1.3", None),
}
for cap, (version, cipher) in setups.items():
    events, c = one(os.path.join(PCAPS, cap))
    check(cap + ": every line is JSON", events is not None)
    if events is None:
        continue
    check(cap + ": version " + version, c.get("version") == version, str(c.get("version")))
    if cipher:
        check(cap + ": cipher " + cipher, c.get("cipher") == cipher, str(c.get("cipher")))
    check(cap + ": SNI server.test", c.get("sni") == "server.test", str(c.get("sni")))
    check(cap + ": established, no alert but close_notify",
          c.get("established") is True and
          all(a.get("description", "close_notify") == "close_notify" for a in c["alerts"]))
    check(cap + ": ClientHello first", c["handshake"]["client"][:1] == ["ClientHello"])
    check(cap + ": ja3 is an MD5", len(c.get("ja3", "")) == 32)
    if version == "TLSv1.2":
        certs = c.get("certificates", [])
        check(cap + ": server certificate as issued",
              certs and certs[0]["subject"] == "CN=server.test" and certs[0]["issuer"] == CA
              and certs[0]["san"] == ["server.test", "localhost", "127.0.0.1"]
              and certs[0]["key"] == "RSA 2048",
              json.dumps(certs[:1]))
        check(cap + ": ServerHello then Certificate",
              c["handshake"]["server"][:2] == ["ServerHello", "Certificate"])
    else:
        check(cap + ": TLS 1.3 handshake after ServerHello is encrypted",
              c["handshake"]["server"] == ["ServerHello"])
    recs = [e for e in events if e["type"] == "record"]
    check(cap + ": records numbered from 1", recs and [r["record"] for r in recs] ==
          list(range(1, len(recs) + 1)))

# --- JA4 and JA4S: the values FoxIO's reference (python/ja4.py over tshark
# 4.0) gives for the same captures; tests/e2e/compare-ja4.py runs it on all.
# The SSLv2-compatible hello: its version field and its TLS suites, no
# extensions (FoxIO's python counts no suites there: tshark names them
# cipher specs).
OPENSSL_CH = ("t13d041000_00ff,1301,1302,1303_000a,000b,000d,0016,0017,0023,002b,002d,0033_"
              "0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601")
fingerprints = {
    "tls13-openssl.pcap": ("t13d041000_16476d049b0b_78f1d400d464", OPENSSL_CH,
                           "t130200_1302_a56c5b993250", "t130200_1302_002b,0033"),
    "tls12-gnutls.pcap": ("t12d251000_7415a186c913_577ffa9d9a5c", None,
                          "t120400_c030_12a20535f9be", "t120400_c030_ff01,000b,0023,0017"),
    "tls13-curl.pcap": ("t13d3112h1_e8f1e7e78f70_b26ce05bbdd6", None,
                        "t130200_1302_a56c5b993250", "t130200_1302_002b,0033"),
    "sslv2-hello.pcap": ("t12i020000_a5878986a7c9_000000000000", "t12i020000_002f,00ff_",
                         "t120100_002f_bc98f8e001b5", "t120100_002f_ff01"),
}
for cap, want in fingerprints.items():
    _, c = one(os.path.join(PCAPS, cap))
    for key, value in zip(("ja4", "ja4_r", "ja4s", "ja4s_r"), want):
        if value:
            check(cap + ": " + key + " " + value, c.get(key) == value, str(c.get(key)))

# --- Failure captures: the alert on the wire, from the side that sent it.
for line in open(os.path.join(PCAPS, "failures.txt")):
    name, desc, sender, version = line.split()
    events, c = one(os.path.join(PCAPS, name + ".pcap"))
    if events is None:
        check(name + ": JSON", False)
        continue
    if sender == "none":
        continue
    alerts = c.get("alerts", [])
    clear = [a for a in alerts if not a["encrypted"]]
    if any(a.get("description") == desc and a["from"] == sender for a in clear):
        check(name + ": alert " + desc + " from the " + sender, True)
    elif version == "TLSv1.2" and any(a["encrypted"] and a["from"] == sender for a in alerts):
        # sent after ChangeCipherSpec: its name needs the keys
        check(name + ": an encrypted alert record from the " + sender, True)
    elif version == "TLSv1.3" and not alerts:
        # inside an application_data record: invisible without the key log
        check(name + ": no alert visible without keys", True)
    else:
        check(name + ": alert " + desc + " from the " + sender, False, json.dumps(alerts))
    keys = os.path.join(PCAPS, name + ".keys")
    if not any(a.get("description") == desc for a in clear) and os.path.exists(keys):
        _, conns = run_json(os.path.join(PCAPS, name + ".pcap"), "-l", keys)
        alerts = conns[0].get("alerts", []) if conns else []
        check(name + ": with the key log, alert " + desc + " from the " + sender + " decrypted",
              any(a.get("description") == desc and a["from"] == sender and a.get("decrypted")
                  for a in alerts), json.dumps(alerts))


# --- Hostile strings: an SNI with quotes, backslashes, control bytes and
# bytes that are not UTF-8 still gives valid JSON that says what was sent.
def hostile_capture(path, sni):
    def tcp(src, dst, sp, dp, seq, ack, flags, data=b""):
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(data), 0, 0, 64, 6, 0, src, dst)
        return ip + struct.pack(">HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    ext = struct.pack(">BH", 0, len(sni)) + sni
    ext = struct.pack(">HHH", 0, len(ext) + 2, len(ext)) + ext
    body = b"\x03\x03" + b"\x00" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack(">H", len(ext)) + ext
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    rec = b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs
    c, s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    pkts = [tcp(c, s, 40000, 443, 100, 0, 0x02), tcp(s, c, 443, 40000, 500, 101, 0x12),
            tcp(c, s, 40000, 443, 101, 501, 0x18, rec)]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000, i, len(p), len(p)) + p)


sni = b'evil"\\name\x01\x1f\xff\xc3(' + "\u00e9t\u00e9".encode()
path = os.path.join(OUT, "hostile-sni.pcap")
hostile_capture(path, sni)
events, c = one(path)
check("hostile SNI: every line is JSON", events is not None)
if events is not None:
    want = sni.decode("utf-8", errors="replace").replace("\x01", "?").replace("\x1f", "?")
    check("hostile SNI: summary keeps what it can", c.get("sni", "").startswith('evil"\\name??'),
          repr(c.get("sni")))
    hello = [e for e in events if e["type"] == "handshake"][0]
    names = [x for x in hello["fields"]["extensions"] if x["type"] == "server_name"]
    got = names[0]["names"][0] if names else None
    check("hostile SNI: the handshake event has it escaped, not mangled",
          got == sni.decode("utf-8", errors="replace"), repr(got))

finish()
