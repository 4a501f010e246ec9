#!/usr/bin/python3
"""Decryption checks: for every connection of pcaps/decrypt.txt, tlsdump's
decrypted application data (JSON app_data and the --extract files) equals
what the test fed the peers, whose length and SHA-256 the manifest holds.
Then the protocol's life (renegotiation, KeyUpdate, 0-RTT, resumption, a
gap) and bad or missing keys.

usage: decrypt_checks.py TLSDUMP OUTDIR
"""
import hashlib
import json
import os
import subprocess
import sys

from checks import UNSUPPORTED, check, finish, run_json

TLSDUMP, OUT = sys.argv[1], sys.argv[2]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PCAPS = os.path.join(ROOT, "pcaps")
SERVER_KEY = os.path.join(PCAPS, "keys", "server.key")



def run(pcap, *args):
    p = subprocess.run([TLSDUMP, "-r", pcap, *args], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def connections(pcap, *args):
    rc, conns, err = run_json(TLSDUMP, pcap, *args)
    return rc, {c["id"]: c for c in conns}, err


def file_digest(path):
    if not os.path.exists(path):
        return 0, hashlib.sha256(b"").hexdigest()
    data = open(path, "rb").read()
    return len(data), hashlib.sha256(data).hexdigest()


def manifest():
    rows = {}
    for line in open(os.path.join(PCAPS, "decrypt.txt")):
        if line.startswith("#") or not line.strip():
            continue
        cap, conn, cb, cs, sb, ss, _ = line.split()
        rows.setdefault(cap, []).append((int(conn), int(cb), cs, int(sb), ss))
    return rows


def expect_plaintext(cap, rows, args, how):
    pcap = os.path.join(PCAPS, cap + ".pcap")
    xdir = os.path.join(OUT, "extract-" + cap + "-" + how)
    rc, conns, err = connections(pcap, *args, "--extract", xdir)
    check(cap + " (" + how + "): exit 0", rc == 0, err.strip())
    for conn, cb, cs, sb, ss in rows:
        c = conns.get(conn, {})
        name = "%s #%d (%s)" % (cap, conn, how)
        if cap in UNSUPPORTED:
            check(name + ": not decrypted, says why",
                  c.get("decrypted") is False and UNSUPPORTED[cap] in c.get("reason", ""),
                  c.get("reason", ""))
            continue
        app = c.get("app_data", {})
        got = (app.get("client", {}).get("bytes"), app.get("client", {}).get("sha256"),
               app.get("server", {}).get("bytes"), app.get("server", {}).get("sha256"))
        check(name + ": decrypted, app_data as the peers were fed",
              c.get("decrypted") is True and got == (cb, cs, sb, ss),
              "%s %s" % (c.get("reason", ""), got))
        files = file_digest(os.path.join(xdir, "conn-%d-client.bin" % conn)) + \
            file_digest(os.path.join(xdir, "conn-%d-server.bin" % conn))
        check(name + ": --extract files as the peers were fed", files == (cb, cs, sb, ss),
              str(files))
    return conns


def all_plaintext():
    rows = manifest()
    for cap, conns in sorted(rows.items()):
        keys = os.path.join(PCAPS, cap + ".keys")
        seen = expect_plaintext(cap, conns, ["-l", keys], "key log")
        # The RSA key exchange: the server's key alone must do as well.
        if seen and all(c.get("cipher", "").startswith("TLS_RSA_WITH_") for c in seen.values()):
            expect_plaintext(cap, conns, ["-k", SERVER_KEY], "server key")


def handshake_of(cap, conn=1):
    _, conns, _ = connections(os.path.join(PCAPS, cap + ".pcap"), "-l",
                              os.path.join(PCAPS, cap + ".keys"))
    return conns.get(conn, {}).get("handshake", {"client": [], "server": []})


def protocol_life():
    hs = handshake_of("dec-tls12-renegotiation")
    check("renegotiation: a second ClientHello and ServerHello, decrypted",
          hs["client"].count("ClientHello") == 2 and hs["server"].count("ServerHello") == 2,
          json.dumps(hs))
    hs = handshake_of("dec-tls13-keyupdate")
    check("KeyUpdate: sent and decrypted in both directions",
          "KeyUpdate" in hs["client"] and "KeyUpdate" in hs["server"], json.dumps(hs))
    hs = handshake_of("dec-tls13-0rtt-accepted", 2)
    check("0-RTT accepted: EndOfEarlyData decrypted", "EndOfEarlyData" in hs["client"],
          json.dumps(hs))
    hs = handshake_of("dec-tls13-0rtt-rejected", 2)
    check("0-RTT rejected: no EndOfEarlyData, the client's Finished decrypted",
          "EndOfEarlyData" not in hs["client"] and "Finished" in hs["client"], json.dumps(hs))
    hs = handshake_of("mtls-tls13")
    check("TLS 1.3 client certificate: Certificate and CertificateVerify decrypted",
          hs["client"][1:4] == ["Certificate", "CertificateVerify", "Finished"], json.dumps(hs))

    # TLS 1.2 resumption from the session the capture saw first: only the
    # first connection's CLIENT_RANDOM is given.
    for cap in ("resume-tls12-id", "resume-tls12-ticket"):
        lines = [l for l in open(os.path.join(PCAPS, cap + ".keys")) if l.startswith("CLIENT_RANDOM")]
        first = os.path.join(OUT, cap + "-first.keys")
        open(first, "w").write(lines[0])
        _, conns, _ = connections(os.path.join(PCAPS, cap + ".pcap"), "-l", first)
        c = conns.get(2, {})
        check(cap + ": the resumed connection decrypted with the first one's master secret",
              c.get("resumed") is True and c.get("decrypted") is True, json.dumps(c)[-300:])

    # A lost segment: decryption resumes at the next record.
    rc, conns, _ = connections(os.path.join(PCAPS, "variants", "lost-segment.pcap"), "-l",
                               os.path.join(PCAPS, "tls13-openssl.keys"))
    c = conns.get(1, {})
    check("lost segment: one record skipped, the rest decrypted",
          c.get("skipped_records") == 1 and c.get("failed_records") == 0 and
          any(a["kind"] == "resync" for a in c.get("anomalies", [])), json.dumps(c)[-300:])

    rc, out, _ = run(os.path.join(PCAPS, "tls13-openssl.pcap"), "-l",
                     os.path.join(PCAPS, "tls13-openssl.keys"), "-d")
    check("-d shows the request and the page",
          "    GET /page.html HTTP/1.0\n" in out and
          "    line 360: the quick brown fox jumps over the lazy dog\n" in out)


def bad_keys():
    tls13 = os.path.join(PCAPS, "tls13-openssl.pcap")
    tls12 = os.path.join(PCAPS, "tls12-openssl.pcap")
    cases = [
        ("a key log for another capture", tls13, ["-l", os.path.join(PCAPS, "tls12-openssl.keys")],
         "no TLS 1.3 traffic secret for this client random"),
        ("an RSA key for an ECDHE connection", tls12, ["-k", SERVER_KEY],
         "(EC)DHE, which an RSA key cannot decrypt"),
        ("an RSA key of another server", os.path.join(PCAPS, "dec-tls12-rsa-aes128-gcm.pcap"),
         ["-k", os.path.join(PCAPS, "keys", "client.key")],
         "no RSA key given matches the server certificate"),
    ]
    wrong = os.path.join(OUT, "wrong.keys")
    with open(wrong, "w") as f:  # the right client random, a wrong master secret
        for line in open(os.path.join(PCAPS, "tls12-openssl.keys")):
            parts = line.split()
            if len(parts) == 3:
                parts[2] = "00" * 48
            f.write(" ".join(parts) + "\n")
    cases.append(("a wrong master secret", tls12, ["-l", wrong], "failed to decrypt"))
    for what, pcap, args, reason in cases:
        rc, conns, err = connections(pcap, *args)
        c = conns.get(1, {})
        check(what + ": exit 0, not decrypted, says why",
              rc == 0 and c.get("decrypted") is False and reason in c.get("reason", ""),
              c.get("reason", "") + err)
    rc, out, _ = run(tls12, "-l", wrong)
    check("a wrong master secret: records marked, no garbage shown as data",
          "decryption failed: MAC or tag does not verify" in out and "GET /" not in out)

    trunc = os.path.join(OUT, "truncated.keys")
    text = open(os.path.join(PCAPS, "tls12-openssl.keys")).read()
    open(trunc, "w").write("garbage line\nCLIENT_RANDOM 0011\n" + text.rstrip("\n")[:-20])
    rc, conns, err = connections(tls12, "-l", trunc)
    # The cut last line may still be being written (a live key log): it is
    # left for later, not counted.
    check("a truncated key log: lines not understood are counted, no crash",
          rc == 0 and "2 of 3 lines" in err and conns.get(1, {}).get("decrypted") is False, err)
    for what, args, msg in [
            ("a missing key log", ["-l", "/nonexistent.keys"], "cannot read key log"),
            ("a key file that is not a key", ["-k", os.path.join(PCAPS, "keys", "server.pem")],
             "is not an RSA private key"),
            ("--extract without keys", ["--extract", os.path.join(OUT, "x")], "needs keys")]:
        rc, out, err = run(tls12, *args)
        check(what + ": exit 2 with a message", rc == 2 and msg in err, err)


all_plaintext()
protocol_life()
bad_keys()
finish()
