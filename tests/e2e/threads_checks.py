"""--threads N (issue 15): the connections spread over N threads, the
output byte for byte what one thread prints, in the same order.

usage: threads_checks.py TLSDUMP OUTDIR [--tsan]

With --tsan, TLSDUMP is the ThreadSanitizer build (make test's last step):
the same checks over a dozen captures, and a report of ThreadSanitizer is
a failure with its first lines.
"""
import concurrent.futures
import filecmp
import glob
import json
import os
import shutil
import subprocess
import sys

from checks import check, finish

TLSDUMP, OUT = sys.argv[1], os.path.join(sys.argv[2], "threads")
TSAN = "--tsan" in sys.argv[3:]
if TSAN:
    OUT += "-tsan"
    os.environ["TSAN_OPTIONS"] = "halt_on_error=1:exitcode=66:report_signal_unsafe=0"
# under TSan: captures with many connections, fragments, resumption, RSA
TSAN_CAPS = ("dec-concurrent-40", "multi-openssl", "tls13-openssl", "resume-tls12-id",
             "resume-tls12-ticket", "fragmented", "reordered", "overlapping", "resume-behind",
             "dec-tls12-rsa-aes128-gcm", "starttls-smtp")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CONCAT = os.path.join(ROOT, "bench", "concat.py")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)


def keyed(pcap):
    keys = os.path.splitext(pcap)[0] + ".keys"
    return ["-r", pcap] + (["-l", keys] if os.path.exists(keys) else [])


def run(args, threads):
    p = subprocess.run([TLSDUMP, "--threads", str(threads), *args], capture_output=True,
                       timeout=600 if TSAN else 120)
    return p.returncode, p.stdout, p.stderr


def tsan_report(err):
    """The first lines of a ThreadSanitizer report in err, else ''."""
    at = err.find(b"WARNING: ThreadSanitizer")
    return err[at:at + 600].decode(errors="replace") if at >= 0 else ""


def same(args, threads):
    """(equal, what differs) between one thread and `threads`."""
    one, many = run(args, 1), run(args, threads)
    if tsan_report(many[2]):
        return False, tsan_report(many[2])
    for what, a, b in zip(("status", "output", "stderr"), one, many):
        if a != b:
            return False, what
    return True, ""


def every_capture():
    caps = sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap*")) +
                  glob.glob(os.path.join(ROOT, "pcaps", "variants", "*.pcap*")))
    if TSAN:
        caps = [c for c in caps if os.path.basename(c).split(".")[0] in TSAN_CAPS]
    cases = [(keyed(c) + mode, t) for c in caps
             for mode, t in ((["-A", "-d"], 2), (["-j", "-d"], 3), (["--summary"], 2))]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: same(*c), cases))
    bad = [" ".join(os.path.basename(a) for a in args) + " --threads %d: %s" % (t, why)
           for (args, t), (ok, why) in zip(cases, results) if not ok]
    check("--threads 2 and 3: every capture's text, JSON and summary as one thread's "
          "(%d runs)" % len(cases), len(caps) >= (8 if TSAN else 100) and not bad,
          "; ".join(bad[:5]))


def idle_order():
    """Forty connections without their FINs and RSTs, twice, the copies
    hours apart: the first copy's are forgotten as idle at the same packet
    (all but one, which ended otherwise), on different threads; the last
    forty close at the end of the input."""
    src = os.path.join(ROOT, "pcaps", "dec-concurrent-40.pcap")
    twice = os.path.join(OUT, "twice.pcap")
    subprocess.run([sys.executable, CONCAT, src, "2", twice], check=True,
                   stdout=subprocess.DEVNULL)
    args = ["-r", twice, "-l", src[:-5] + ".keys", "-t", "60", "-d",
            "tcp[tcpflags] & (tcp-fin|tcp-rst) == 0"]
    rc, out, _ = run(args, 1)
    idle = out.count(b"idle")
    for t in (2, 4):
        ok, why = same(args, t)
        check("--threads %d: connections forgotten at one packet, in one thread's order "
              "(%d lines say idle)" % (t, idle), rc == 0 and idle >= 35 and ok, why)


def resumed_elsewhere():
    """A TLS 1.2 session resumed on one thread from the cache of another
    that is still busy with a download (pcaps/make-resume-behind.py)."""
    cap = keyed(os.path.join(ROOT, "pcaps", "variants", "resume-behind.pcap"))
    for t in (1, 2, 3, 4):
        rc, out, err = run(cap + ["-j", "-d"], t)
        conns = [json.loads(l) for l in out.splitlines() if l.startswith(b'{"type":"connection"')]
        dec = [c.get("decrypted") for c in conns]
        check("--threads %d: a TLS 1.2 session resumed from another thread's cache is decrypted "
              "(%s)" % (t, dec), rc == 0 and len(conns) == 3 and all(d is True for d in dec),
              tsan_report(err))


def files_and_shards():
    cap = keyed(os.path.join(ROOT, "pcaps", "dec-concurrent-40.pcap"))
    dirs = []
    for t in (1, 3):
        d = os.path.join(OUT, "extract%d" % t)
        rc, _, err = run(cap + ["-q", "--extract", d, "--streams", d + "s"], t)
        check("--threads %d --extract: status 0" % t, rc == 0, tsan_report(err))
        dirs.append(d)
    cmp = filecmp.dircmp(dirs[0], dirs[1])
    names = os.listdir(dirs[0])
    check("--threads 3: --extract writes the same %d files, the same bytes" % len(names),
          len(names) == 80 and not cmp.left_only and not cmp.right_only and
          not filecmp.cmpfiles(dirs[0], dirs[1], names, shallow=False)[1])
    ok, why = same(cap + ["-j", "--shard", "2/3"], 2)
    check("--shard 2/3 with --threads 2: the shard's connections, as one thread", ok, why)
    rc, _, err = run(cap + ["-w", os.path.join(OUT, "x.pcap")], 2)
    check("--threads with -w is refused, said why", rc == 2 and b"-w runs on one thread" in err,
          err.decode())
    rc, _, err = run(cap, 0)
    check("--threads 0 is refused", rc == 2 and b"--threads" in err, err.decode())


def closed_pipe():
    """The reader goes away after a line: the thread whose write meets the
    closed pipe stops the capture (a signal handler on any thread); status
    0, nothing said, and under TSan no race with the main thread."""
    cap = os.path.join(ROOT, "pcaps", "dec-tls12-2mb.pcap")
    for t in (2, 3):
        p = subprocess.Popen([TLSDUMP, "--threads", str(t), "-r", cap, "-x"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = p.stdout.readline()
        p.stdout.close()
        err = p.stderr.read()
        rc = p.wait(timeout=600 if TSAN else 120)
        check("--threads %d: output closed by its reader: status 0, quiet" % t,
              first.startswith(b"New TCP connection") and rc == 0 and not err,
              "status %d: %s" % (rc, tsan_report(err) or err[:300].decode(errors="replace")))


every_capture()
closed_pipe()
idle_order()
resumed_elsewhere()
files_and_shards()
finish()
