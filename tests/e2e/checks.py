"""What the e2e check scripts share: ok/FAIL lines and the closing count
("N passed, N failed") that tests/e2e/run.sh adds to its own."""
import json
import subprocess
import sys

# Captures whose cipher OpenSSL does not implement: established, not
# decrypted, and why.
UNSUPPORTED = {"dec-tls12-camellia-gcm-gnutls": "OpenSSL cannot run this cipher"}


def run_json(tlsdump, pcap, *args):
    """tlsdump -j on pcap: (exit status, the connection summaries, stderr)."""
    p = subprocess.run([tlsdump, "-j", "-r", pcap, *args], capture_output=True)
    conns = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()
             if l.startswith('{"type":"connection"')]
    return p.returncode, conns, p.stderr.decode("utf-8", "replace")

_counts = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    if cond:
        _counts["passed"] += 1
        print("ok    " + name)
    else:
        _counts["failed"] += 1
        print("FAIL  " + name + (": " + detail if detail else ""))


def finish():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)
