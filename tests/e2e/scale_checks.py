"""Past one process (issue 15): --shard K/N divides a capture's
connections among N processes with no overlap, and their JSON Lines,
merged by contrib/merge-shards.py, are byte for byte what one process
prints; the same through GNU parallel and through the Kubernetes Indexed
Job's script in contrib/.

usage: scale_checks.py TLSDUMP OUTDIR
"""
import json
import os
import shutil
import struct
import subprocess
import sys

import yaml

from checks import check, finish

TLSDUMP, OUT = sys.argv[1], os.path.join(sys.argv[2], "scale")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MERGE = os.path.join(ROOT, "contrib", "merge-shards.py")
JOB = os.path.join(ROOT, "contrib", "tlsdump-shards-job.yaml")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)


def read_pcap(path):
    with open(path, "rb") as f:
        b = f.read()
    recs, i = [], 24
    while i < len(b):
        sec, usec, caplen, _ = struct.unpack("<IIII", b[i:i + 16])
        recs.append(((sec, usec), b[i:i + 16 + caplen]))
        i += 16 + caplen
    return b[:24], recs


def interleaved():
    """variants/pause.pcap (a TLS 1.3 download silent for 1000 s halfway)
    and multi-openssl.pcap (three connections, 5 s into that silence)
    merged by time: with -t 1 the first is closed as idle at the others'
    first packet, and its shard's line goes before that packet's, which
    may be another shard's; then it resumes, reopened."""
    name = os.path.abspath(os.path.join(OUT, "interleaved"))
    h1, r1 = read_pcap(os.path.join(ROOT, "pcaps", "variants", "pause.pcap"))
    h2, r2 = read_pcap(os.path.join(ROOT, "pcaps", "multi-openssl.pcap"))
    assert h1 == h2
    with open(name + ".pcap", "wb") as f:
        f.write(h1 + b"".join(r for _, r in sorted(r1 + r2, key=lambda x: x[0])))
    with open(name + ".keys", "w", encoding="utf-8") as f:
        for k in ("tls13-openssl", "multi-openssl"):
            with open(os.path.join(ROOT, "pcaps", k + ".keys"), encoding="utf-8") as g:
                f.write(g.read())
    return name


# capture (a name in pcaps/, or a path without .pcap), and options for every run
CAPS = [("dec-concurrent-40", []), ("resume-tls12-id", []), ("multi-openssl", ["-d"]),
        (interleaved(), ["-t", "1", "-d"])]


def cap_args(name):
    pcap = (name if os.path.isabs(name) else os.path.join(ROOT, "pcaps", name)) + ".pcap"
    keys = pcap[:-5] + ".keys"
    return ["-r", pcap] + (["-l", keys] if os.path.exists(keys) else [])


def run_j(name, path, *args):
    with open(path, "wb") as f:
        return subprocess.run([TLSDUMP, "-j", *cap_args(name), *args], stdout=f,
                              stderr=subprocess.DEVNULL).returncode


def merge(paths):
    return subprocess.run([sys.executable, MERGE, *paths], capture_output=True,
                          check=True).stdout


def endpoints(path):
    """The connections of a JSON Lines file, by their addresses and ports."""
    seen = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)
            if ev["type"] == "open":
                c, s = ev["client"], ev["server"]
                seen.append((c["ip"], c["port"], s["ip"], s["port"]))
    return seen


def ordered(path):
    """Whether every line has "order":[frame,sub] right after its "id"."""
    with open(path, encoding="utf-8") as f:
        return all(list(json.loads(line))[3] == "order" for line in f)


def shards(cap, opts):
    name = os.path.basename(cap)
    one = os.path.join(OUT, name + ".jsonl")
    check(name + ": one run", run_j(cap, one, *opts) == 0)
    with open(one, "rb") as f:
        whole = f.read()
    conns = sorted(endpoints(one))
    check(name + ": has connections", len(conns) >= 2, str(len(conns)))
    for n in range(1, 5):
        paths = [os.path.join(OUT, "%s.%d-%d.jsonl" % (name, k, n)) for k in range(1, n + 1)]
        rcs = [run_j(cap, p, *opts, "--shard", "%d/%d" % (k, n)) for k, p in enumerate(paths, 1)]
        got = [c for p in paths for c in endpoints(p)]
        check("%s: --shard K/%d exits 0" % (name, n), rcs == [0] * n, str(rcs))
        check("%s: --shard K/%d, K = 1..%d: each connection once" % (name, n, n),
              sorted(got) == conns, "%d of %d" % (len(got), len(conns)))
        check("%s: --shard K/%d: every line has its order" % (name, n), all(map(ordered, paths)))
        check("%s: --shard K/%d merged is one run's output, byte for byte" % (name, n),
              merge(paths) == whole)
    # with --threads too: the workers' tcp stages give the same places
    paths = [os.path.join(OUT, "%s.t%d.jsonl" % (name, k)) for k in (1, 2, 3)]
    rcs = [run_j(cap, p, *opts, "--threads", "2", "--shard", "%d/3" % k)
           for k, p in enumerate(paths, 1)]
    check("%s: --threads 2 --shard K/3 merged is one run's output" % name,
          rcs == [0] * 3 and merge(paths) == whole, str(rcs))
    return whole


def merge_refuses():
    """A file without "order" (tlsdump -j without --shard) is refused."""
    name, opts = CAPS[0]
    one = os.path.join(OUT, name + ".jsonl")
    p = subprocess.run([sys.executable, MERGE, one], capture_output=True)
    check("merge-shards.py refuses -j output without --shard",
          p.returncode != 0 and b"not the output of tlsdump -j --shard" in p.stderr
          and not p.stdout, p.stderr.decode(errors="replace"))


def with_parallel(name, whole):
    if not shutil.which("parallel"):
        check("GNU parallel installed (Debian package parallel)", False)
        return
    cmd = ["parallel", "--will-cite", "-j", "2", TLSDUMP, "-j", *cap_args(name),
           "--shard", "{}/3", ">", os.path.join(OUT, "par-{}.jsonl"), ":::", "1", "2", "3"]
    rc = subprocess.run(cmd, stderr=subprocess.DEVNULL).returncode
    paths = [os.path.join(OUT, "par-%d.jsonl" % k) for k in (1, 2, 3)]
    check("GNU parallel: tlsdump --shard {}/3 ::: 1 2 3", rc == 0, "exit %d" % rc)
    check("GNU parallel: merged is one run's output",
          all(map(os.path.exists, paths)) and merge(paths) == whole)


def with_kubernetes(name, whole):
    with open(JOB, encoding="utf-8") as f:
        job = yaml.safe_load(f)
    spec = job["spec"]
    pod = spec["template"]["spec"]
    box = pod["containers"][0]
    env = {e["name"]: e["value"] for e in box["env"]}
    check("Kubernetes: an Indexed batch/v1 Job",
          job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
          and spec["completionMode"] == "Indexed" and pod["restartPolicy"] == "Never")
    n = spec["completions"]
    check("Kubernetes: completions = parallelism = N",
          spec["parallelism"] == n and env["N"] == str(n), "%s" % n)
    # Each pod's script, run here with the index Kubernetes would give it.
    out = os.path.join(OUT, "k8s")
    pcap = cap_args(name)
    for i in range(n):
        e = dict(os.environ, N=env["N"], CAPTURE=pcap[1], KEYLOG=pcap[3], OUT=out,
                 JOB_COMPLETION_INDEX=str(i),
                 PATH=os.path.dirname(os.path.abspath(TLSDUMP)) + ":" + os.environ["PATH"])
        if os.path.basename(TLSDUMP) != "tlsdump":  # the script calls tlsdump by name
            os.makedirs(os.path.join(OUT, "bin"), exist_ok=True)
            link = os.path.join(OUT, "bin", "tlsdump")
            if not os.path.exists(link):
                os.symlink(os.path.abspath(TLSDUMP), link)
            e["PATH"] = os.path.dirname(link) + ":" + os.environ["PATH"]
        subprocess.run(box["command"] + box["args"], env=e, check=True)
    paths = [os.path.join(out, "shard-%d.jsonl" % i) for i in range(n)]
    check("Kubernetes: the pods' script, index 0..N-1, merged is one run's output",
          merge(paths) == whole)


def bad_shards():
    for arg in ("0/3", "4/3", "1/0", "3", "1/2x", "-1/2", "1/65537"):
        p = subprocess.run([TLSDUMP, "--shard", arg, *cap_args(CAPS[0][0])], capture_output=True)
        check("--shard %s is refused" % arg, p.returncode == 2 and b"--shard" in p.stderr)


def bad_fanouts():
    p = subprocess.run([TLSDUMP, "--fanout", "3", *cap_args(CAPS[0][0])], capture_output=True)
    check("--fanout with -r is refused", p.returncode == 2 and b"give -i" in p.stderr)
    p = subprocess.run([TLSDUMP, "--fanout", "65536", "-i", "lo"], capture_output=True)
    check("--fanout 65536 is refused", p.returncode == 2 and b"--fanout" in p.stderr)


for c, opts in CAPS:
    w = shards(c, opts)
    if c == CAPS[0][0]:
        with_parallel(c, w)
        with_kubernetes(c, w)
merge_refuses()
bad_shards()
bad_fanouts()
finish()
