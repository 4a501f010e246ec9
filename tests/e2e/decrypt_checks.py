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
import struct
import subprocess
import sys

from checks import UNSUPPORTED, check, finish, run_json

TLSDUMP, OUT = sys.argv[1], sys.argv[2]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PCAPS = os.path.join(ROOT, "pcaps")
SERVER_KEY = os.path.join(PCAPS, "keys", "server.key")
# The RSA keys of the legacy captures' servers (make-legacy-captures.sh):
# 512 bits for the 40-bit export suites, 1024 for EXPORT1024.
RSA_KEYS = ["-k", SERVER_KEY, "-k", os.path.join(PCAPS, "keys", "export512.key"),
            "-k", os.path.join(PCAPS, "keys", "weak.key")]



def run(pcap, *args):
    p = subprocess.run([TLSDUMP, "-r", pcap, *args], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def connections(pcap, *args):
    rc, conns, err = run_json(TLSDUMP, pcap, "--data-sha256", *args)
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
        # The RSA key exchange: the server's key alone must do as well
        # (SSLv3's ClientKeyExchange has no length prefix).
        if seen and all(c.get("cipher", "").startswith(("TLS_RSA_WITH_", "TLS_RSA_EXPORT"))
                        for c in seen.values()):
            expect_plaintext(cap, conns, RSA_KEYS, "server key")


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


def idea_capture():
    """dec-tls10-des-cbc with its ServerHello's cipher suite made IDEA
    (0x0007): the suite OpenSSL 3 runs nowhere on Debian."""
    data = bytearray(open(os.path.join(PCAPS, "dec-tls10-des-cbc.pcap"), "rb").read())
    at = data.find(b"\x16\x03\x01")
    while at >= 0 and data[at + 5] != 2:  # the record with the ServerHello
        at = data.find(b"\x16\x03\x01", at + 1)
    suite = at + 5 + 4 + 2 + 32 + 1 + data[at + 5 + 4 + 2 + 32]
    if at < 0 or data[suite:suite + 2] != b"\x00\x09":
        return None
    data[suite:suite + 2] = b"\x00\x07"
    path = os.path.join(OUT, "dec-tls10-idea.pcap")
    open(path, "wb").write(bytes(data))
    return path


def legacy():
    """What older sessions show beyond their plaintext (make-legacy-captures.sh)."""
    for cap in ("dec-tls10-deflate", "dec-tls12-deflate"):
        pcap, keys = os.path.join(PCAPS, cap + ".pcap"), os.path.join(PCAPS, cap + ".keys")
        _, conns, _ = connections(pcap, "-l", keys)
        c = conns.get(1, {})
        check(cap + ": compression DEFLATE in the summary; both Finished decoded after inflating",
              c.get("compression") == "DEFLATE" and c.get("handshake", {}).get("client", [])[-1:]
              == ["Finished"] and c.get("handshake", {}).get("server", [])[-1:] == ["Finished"],
              json.dumps(c)[-400:])
        rc, out, _ = run(pcap, "-l", keys, "-d")
        check(cap + ": text shows the compression and the plain request",
              "1    compression: DEFLATE\n" in out and "    GET /legacy.txt HTTP/1.0\n" in out)
    _, conns, _ = connections(os.path.join(PCAPS, "dec-tls10-des-cbc.pcap"))
    check("no compression: no \"compression\" key",
          1 in conns and "compression" not in conns[1], str(list(conns)))
    _, conns, _ = connections(os.path.join(PCAPS, "dec-ssl3-rc4-md5.pcap"), "-k", SERVER_KEY)
    c = conns.get(1, {})
    check("SSLv3 with the server key: decrypted, Finished both ways",
          c.get("version") == "SSLv3" and c.get("decrypted") is True and
          c.get("handshake", {}).get("server", [])[-1:] == ["Finished"], json.dumps(c)[-400:])
    idea = idea_capture()
    check("the IDEA capture could be made", idea is not None)
    have_idea = b"IDEA" in subprocess.run(
        ["openssl", "list", "-cipher-algorithms", "-provider", "legacy"],
        capture_output=True).stdout.upper()
    if idea and not have_idea:
        _, conns, _ = connections(idea, "-l", os.path.join(PCAPS, "dec-tls10-des-cbc.keys"))
        c = conns.get(1, {})
        check("IDEA, which this OpenSSL cannot run: not decrypted, says so by name",
              c.get("decrypted") is False and "OpenSSL cannot run this cipher here: IDEA-CBC" in
              c.get("reason", ""), c.get("reason", ""))


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


def run_env(env_keys, *args, stdin=None):
    """tlsdump with SSLKEYLOGFILE set to env_keys (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"}
    if env_keys is not None:
        env["SSLKEYLOGFILE"] = env_keys
    p = subprocess.run([TLSDUMP, *args], capture_output=True, env=env, stdin=stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def dsb_last(src, dst):
    """The pcapng src with its Decryption Secrets Blocks moved after every
    packet (editcap writes them before): little-endian blocks only."""
    data, pos, dsb, rest = open(src, "rb").read(), 0, b"", b""
    while pos < len(data):
        btype, blen = struct.unpack("<II", data[pos:pos + 8])
        if btype == 0x0A:
            dsb += data[pos:pos + blen]
        else:
            rest += data[pos:pos + blen]
        pos += blen
    open(dst, "wb").write(rest + dsb)
    return bool(dsb)


def key_sources():
    """Keys from where users keep them: the capture file's own Decryption
    Secrets Blocks, SSLKEYLOGFILE, each without -l."""
    dsb = os.path.join(PCAPS, "tls13-openssl-dsb.pcapng")
    pcap = os.path.join(PCAPS, "tls13-openssl.pcap")
    keys = os.path.join(PCAPS, "tls13-openssl.keys")
    other = os.path.join(PCAPS, "tls12-openssl.keys")
    request = "    GET /page.html HTTP/1.0\n"
    said = "tlsdump: 5 secrets from the capture file's Decryption Secrets Blocks\n"
    env_said = "tlsdump: key log from SSLKEYLOGFILE: " + keys + "\n"

    rc, out, err = run_env(None, "-r", dsb, "-d")
    check("pcapng with secrets, no -l: decrypted, one line says how many secrets",
          rc == 0 and request in out and err == said, err)
    rc, out, err = run_env(None, "-r", dsb, "-l", other, "-d")
    check("pcapng with secrets and -l of another capture: both used",
          rc == 0 and request in out and said in err, err)
    late = os.path.join(OUT, "tls13-openssl-dsb-last.pcapng")
    rc, out, err = run_env(None, "-r", late, "-d") if dsb_last(dsb, late) else (1, "", "no DSB")
    check("pcapng with its secrets after the packets: decrypted",
          rc == 0 and request in out and err == said, err)
    with open(dsb, "rb") as f:
        rc, out, err = run_env(None, "-r", "-", "-d", stdin=f)
    check("pcapng with secrets from a pipe: secrets not read, packets shown",
          rc == 0 and request not in out and "New TCP connection" in out and "secrets" not in err,
          err)
    # The same connections, the same plaintext as with -l on the pcap.
    _, with_l, _ = connections(pcap, "-l", keys)
    _, own, _ = connections(dsb)
    check("pcapng with secrets: app_data as with -l on the pcap",
          own.get(1, {}).get("decrypted") is True and
          own.get(1, {}).get("app_data") == with_l.get(1, {}).get("app_data"),
          json.dumps(own.get(1, {}))[-300:])

    # Cut inside and after the secrets block, and a secrets length that
    # lies: no crash, and never a secret from a block that does not add up.
    data, bad = open(dsb, "rb").read(), []
    cut = os.path.join(OUT, "dsb-cut.pcapng")
    variants = [(n, data[:n]) for n in range(8, 1300, 37)]
    variants.append(("lying length", data[:120] + b"\xff" + data[121:]))  # 987 -> 1023
    for what, blob in variants:
        open(cut, "wb").write(blob)
        rc, out, err = run_env(None, "-r", cut, "-d")
        crashed = rc not in (0, 2) or "Sanitizer" in err or "runtime error" in err
        broken = len(blob) < 1116 or what == "lying length"  # the block ends at 1116
        if crashed or (broken and "secrets from" in err):
            bad.append("%s: rc %d %s" % (what, rc, err.strip()[-200:]))
    check("pcapng with secrets cut or lying: no crash, no secrets from a broken block",
          not bad, "; ".join(bad))

    rc, out, err = run_env(keys, "-r", pcap, "-d")
    check("SSLKEYLOGFILE without -l: decrypted, one line names the file",
          rc == 0 and request in out and err == env_said, err)
    rc, out, err = run_env(keys, "-r", pcap, "-l", other, "-d")
    check("SSLKEYLOGFILE with -l: only -l used",
          rc == 0 and request not in out and "SSLKEYLOGFILE" not in err, err)
    rc, out, err = run_env(os.path.join(OUT, "no-such.keys"), "-r", pcap, "-d")
    check("SSLKEYLOGFILE naming a missing file: said, gone on without it",
          rc == 0 and request not in out and "New TCP connection" in out and
          err.startswith("tlsdump: SSLKEYLOGFILE: cannot read key log") and
          "going on without it\ntlsdump: -d: no keys" in err and err.count("\n") == 2, err)
    rc, out, err = run_env(None, "-r", pcap, "-l", os.path.join(OUT, "no-such.keys"))
    check("-l naming a missing file offline: still an error", rc == 2 and "cannot read" in err, err)


def data_sha256():
    """app_data's sha256 only with --data-sha256; its bytes either way."""
    pcap = os.path.join(PCAPS, "dec-tls12-aes128-gcm.pcap")
    keys = os.path.join(PCAPS, "dec-tls12-aes128-gcm.keys")
    _, hashed, _ = connections(pcap, "-l", keys)
    rc, plain, _ = run_json(TLSDUMP, pcap, "-l", keys)
    app, bare = hashed.get(1, {}).get("app_data", {}), (plain or [{}])[0].get("app_data", {})
    check("-j without --data-sha256: app_data's bytes, no sha256",
          rc == 0 and bare and all("sha256" not in v for v in bare.values()) and
          {d: v["bytes"] for d, v in bare.items()} == {d: v["bytes"] for d, v in app.items()} and
          all(len(v.get("sha256", "")) == 64 for v in app.values()), "%s %s" % (bare, app))
    rc, _, err = run_env(None, "-r", pcap, "-l", keys, "--data-sha256")
    check("--data-sha256 without -j: refused, says so",
          rc == 2 and err == "tlsdump: --data-sha256 is for -j (its connection lines' app_data)\n", err)


all_plaintext()
data_sha256()
protocol_life()
legacy()
bad_keys()
key_sources()
finish()
