"""--threads N (issue 15): the connections spread over N threads, the
output byte for byte what one thread prints, in the same order.

usage: threads_checks.py TLSDUMP OUTDIR
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
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CONCAT = os.path.join(ROOT, "bench", "concat.py")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)


def keyed(pcap):
    keys = os.path.splitext(pcap)[0] + ".keys"
    return ["-r", pcap] + (["-l", keys] if os.path.exists(keys) else [])


def run(args, threads):
    p = subprocess.run([TLSDUMP, "--threads", str(threads), *args], capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def same(args, threads):
    """(equal, what differs) between one thread and `threads`."""
    one, many = run(args, 1), run(args, threads)
    for what, a, b in zip(("status", "output", "stderr"), one, many):
        if a != b:
            return False, what
    return True, ""


def every_capture():
    caps = sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap*")) +
                  glob.glob(os.path.join(ROOT, "pcaps", "variants", "*.pcap*")))
    cases = [(keyed(c) + mode, t) for c in caps
             for mode, t in ((["-A", "-d"], 2), (["-j", "-d"], 3), (["--summary"], 2))]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: same(*c), cases))
    bad = [" ".join(os.path.basename(a) for a in args) + " --threads %d: %s" % (t, why)
           for (args, t), (ok, why) in zip(cases, results) if not ok]
    check("--threads 2 and 3: every capture's text, JSON and summary as one thread's "
          "(%d runs)" % len(cases), len(caps) > 100 and not bad, "; ".join(bad[:5]))


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
        rc, out, _ = run(cap + ["-j", "-d"], t)
        conns = [json.loads(l) for l in out.splitlines() if l.startswith(b'{"type":"connection"')]
        dec = [c.get("decrypted") for c in conns]
        check("--threads %d: a TLS 1.2 session resumed from another thread's cache is decrypted "
              "(%s)" % (t, dec), rc == 0 and len(conns) == 3 and all(d is True for d in dec))


def files_and_shards():
    cap = keyed(os.path.join(ROOT, "pcaps", "dec-concurrent-40.pcap"))
    dirs = []
    for t in (1, 3):
        d = os.path.join(OUT, "extract%d" % t)
        run(cap + ["-q", "--extract", d, "--streams", d + "s"], t)
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


every_capture()
idle_order()
resumed_elsewhere()
files_and_shards()
finish()
