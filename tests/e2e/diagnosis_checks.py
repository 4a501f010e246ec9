#!/usr/bin/python3
"""Verdicts and diagnoses: each failure capture of tests/e2e/diagnosis.list
gets its code, in JSON and in the one-line --summary; the evidence names
the alert that is on the wire (pcaps/failures.txt, checked there with
tshark); every other capture's connections are established, with no
diagnosis.

usage: diagnosis_checks.py TLSDUMP
Prints "ok"/"FAIL" lines and ends with "N passed, N failed".
"""
import glob
import json
import os
import subprocess
import sys

from checks import UNSUPPORTED, check, finish, run_json

TLSDUMP = sys.argv[1]
PCAPS = "pcaps"


def keys_for(name):
    k = os.path.join(PCAPS, name + ".keys")
    return ["-l", k] if os.path.exists(k) else []


def connections(pcap, extra):
    return run_json(TLSDUMP, pcap, *extra)[1]


def summary_lines(pcap, extra):
    p = subprocess.run([TLSDUMP, "--summary", "-r", pcap, *extra], capture_output=True)
    lines = p.stdout.decode().splitlines()
    return p.returncode, [l for l in lines[1:] if l[:5].strip().isdigit()]


def on_the_wire():
    """pcaps/failures.txt: capture -> (alert, sender)."""
    wire = {}
    for line in open(os.path.join(PCAPS, "failures.txt")):
        f = line.split()
        if len(f) == 4:
            wire[f[0]] = (f[1], f[2])
    return wire


def failures(wire):
    listed = set()
    for line in open("tests/e2e/diagnosis.list"):
        if not line.strip() or line.startswith("#"):
            continue
        name, keys, verdict, code, likely = line.split()
        listed.add(name)
        extra = keys_for(name) if keys == "keys" else []
        label = "%s (%s)" % (name, "key log" if extra else "no keys")
        if keys == "keys" and not extra:
            check(label + ": key log present", False)
            continue
        conns = connections(os.path.join(PCAPS, name + ".pcap"), extra)
        check(label + ": one connection", len(conns) == 1, "%d" % len(conns))
        if len(conns) != 1:
            continue
        c = conns[0]
        d = c.get("diagnosis", {})
        check(label + ": verdict " + verdict, c.get("verdict") == verdict, c.get("verdict", ""))
        want = None if code == "-" else code
        check(label + ": diagnosis " + code, d.get("code") == want, str(d.get("code")))
        if want:
            check(label + ": likely " + likely, d.get("likely") == (likely == "yes"))
            check(label + ": a sentence and evidence",
                  d.get("message", "").endswith(".") and len(d.get("evidence", [])) >= 1)
        alert, sender = wire.get(name, ("none", "none"))
        shown = [a for a in c["alerts"] if a.get("description", "close_notify") != "close_notify"]
        if alert != "none" and shown:
            ev = " ".join(d.get("evidence", []))
            check(label + ": evidence names the %s's %s alert" % (sender, alert),
                  ("Alert from the %s" % sender) in ev and alert in ev, ev)
        rc, lines = summary_lines(os.path.join(PCAPS, name + ".pcap"), extra)
        check(label + ": --summary names the cause in one line",
              rc == 0 and len(lines) == 1 and (want or verdict) in lines[0].split(),
              repr(lines))
    return listed


def clean(listed):
    for pcap in sorted(glob.glob(os.path.join(PCAPS, "*.pcap"))):
        name = os.path.basename(pcap)[:-5]
        if name in listed or name.startswith("fail-"):
            continue
        for extra in ([], keys_for(name)) if keys_for(name) else ([],):
            conns = connections(pcap, extra)
            ok = ("established",) if not extra or name not in UNSUPPORTED else ("undecryptable",)
            bad = ["#%d %s %s" % (c["id"], c.get("verdict"), c.get("diagnosis", {}).get("code"))
                   for c in conns if c.get("verdict") not in ok or "diagnosis" in c]
            check("%s (%s): %d connections %s, no diagnosis"
                  % (name, "key log" if extra else "no keys", len(conns), ok[0]),
                  conns and not bad, ", ".join(bad))


# capture, CA file (None: the system store), connection, side, status
VALIDATION = [
    ("tls12-openssl", "pcaps/keys/ca.pem", 1, "server", "ok"),
    ("tls13-openssl", "pcaps/keys/ca.pem", 1, "server", "ok"),
    ("long-chain", "pcaps/keys/ca.pem", 1, "server", "ok"),
    ("mtls-tls12", "pcaps/keys/ca.pem", 1, "client", "ok"),
    ("fail-expired", "pcaps/keys/ca.pem", 1, "server", "expired"),
    ("fail-hostname", "pcaps/keys/ca.pem", 1, "server", "hostname_mismatch"),
    ("tls12-openssl", "pcaps/keys/other-ca.pem", 1, "server", "unknown_issuer"),
    ("tls12-openssl", None, 1, "server", "unknown_issuer"),
    ("fail-not-yet-valid", "pcaps/keys/ca.pem", 1, "server", "not_yet_valid"),
    ("fail-incomplete-chain", "pcaps/keys/ca.pem", 1, "server", "incomplete_chain"),
    ("aia-chain-ok", "pcaps/keys/ca.pem", 1, "server", "ok"),
    ("weak-cert", "pcaps/keys/ca.pem", 1, "server", "weak_key_or_signature"),
]


def validation():
    """Chains verified at the capture's time against the CA given."""
    for name, ca, conn, side, want in VALIDATION:
        extra = ["--ca-file", ca] if ca else []
        extra += keys_for(name)  # TLS 1.3 certificates are encrypted
        conns = [c for c in connections(os.path.join(PCAPS, name + ".pcap"), extra)
                 if c["id"] == conn]
        v = conns[0].get("validation", {}).get(side, {}) if conns else {}
        check("%s: %s chain against %s: %s" % (name, side, ca or "the system store", want),
              v.get("status") == want, json.dumps(v))
        if want == "ok":
            check("%s: %s chain ends at the trust store's CA" % (name, side),
                  v["chain"] and v["chain"][-1]["from_store"] and
                  v["chain"][-1]["subject"] == "CN=tlsdump test CA", json.dumps(v["chain"]))
    v = subprocess.run([TLSDUMP, "-r", "pcaps/tls12-openssl.pcap", "--ca-file",
                        "pcaps/does-not-exist.pem"], capture_output=True)
    check("--ca-file missing: exit 2 with a message",
          v.returncode == 2 and b"does-not-exist.pem" in v.stderr, v.stderr.decode())


def system_store():
    """The system's store as OpenSSL finds it (SSL_CERT_FILE, SSL_CERT_DIR):
    its file, or its hashed directory, is searched for the issuer.  The
    file is read a subject at a time (src/x509/bundle.c): a bundle whose
    other certificates come first, and OpenSSL's trust settings (TRUSTED
    CERTIFICATE blocks), give what OpenSSL's own file lookup gives."""
    import shutil
    import tempfile
    hashed, bare = tempfile.mkdtemp(), tempfile.mkdtemp()
    try:
        for d in (hashed, bare):
            shutil.copy("pcaps/keys/ca.pem", d)
        subprocess.run(["openssl", "rehash", hashed], check=True, capture_output=True)
        none = os.path.join(bare, "none")
        others = "".join(open(os.path.join("pcaps/keys", f)).read()
                         for f in sorted(os.listdir("pcaps/keys"))
                         if f.endswith(".pem") and f != "ca.pem")
        files = {}
        for name, extra in [("bundle", ["-in", "pcaps/keys/ca.pem"]),
                            ("trusted", ["-addtrust", "serverAuth", "-trustout"]),
                            ("rejected", ["-addreject", "serverAuth", "-trustout"])]:
            pem = subprocess.run(["openssl", "x509", "-in", "pcaps/keys/ca.pem", *extra],
                                 check=True, capture_output=True, text=True).stdout
            files[name] = os.path.join(bare, name + ".pem")
            with open(files[name], "w") as f:
                f.write(others + pem)
        for label, cafile, cadir, want in [
                ("the file", "pcaps/keys/ca.pem", none, "ok"),
                ("a bundle, the CA after 11 others", files["bundle"], none, "ok"),
                ("a bundle, the CA trusted for servers", files["trusted"], none, "ok"),
                ("a bundle, the CA rejected for servers", files["rejected"], none, "invalid"),
                ("a hashed directory", none, hashed, "ok"),
                ("a directory without hash names", none, bare, "unknown_issuer"),
                ("neither", none, none, "unknown_issuer")]:
            env = dict(os.environ, SSL_CERT_FILE=cafile, SSL_CERT_DIR=cadir)
            p = subprocess.run([TLSDUMP, "-j", "-r", "pcaps/tls12-openssl.pcap"], env=env,
                               capture_output=True)
            lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
            v = [l.get("validation", {}).get("server", {}) for l in lines
                 if l.get("type") == "connection"]
            check("system store through %s: %s" % (label, want),
                  len(v) == 1 and v[0].get("status") == want, json.dumps(v))
    finally:
        shutil.rmtree(hashed)
        shutil.rmtree(bare)


listed = failures(on_the_wire())
clean(listed)
validation()
system_store()
finish()
