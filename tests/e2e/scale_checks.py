"""Past one process (issue 15): --shard K/N divides a capture's
connections among N processes with no overlap, and their JSON Lines,
merged by contrib/merge-shards.py, are what one process prints; the same
through GNU parallel and through the Kubernetes Indexed Job's script in
contrib/.

usage: scale_checks.py TLSDUMP OUTDIR
"""
import json
import os
import shutil
import subprocess
import sys

import yaml

from checks import check, finish

TLSDUMP, OUT = sys.argv[1], os.path.join(sys.argv[2], "scale")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MERGE = os.path.join(ROOT, "contrib", "merge-shards.py")
JOB = os.path.join(ROOT, "contrib", "tlsdump-shards-job.yaml")
CAPS = ["dec-concurrent-40", "resume-tls12-id", "multi-openssl"]
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)


def cap_args(name):
    pcap = os.path.join(ROOT, "pcaps", name + ".pcap")
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


def shards(name):
    one = os.path.join(OUT, name + ".jsonl")
    check(name + ": one run", run_j(name, one) == 0)
    whole, conns = merge([one]), sorted(endpoints(one))
    check(name + ": has connections", len(conns) >= 2, str(len(conns)))
    for n in range(1, 5):
        paths = [os.path.join(OUT, "%s.%d-%d.jsonl" % (name, k, n)) for k in range(1, n + 1)]
        rcs = [run_j(name, p, "--shard", "%d/%d" % (k, n)) for k, p in enumerate(paths, 1)]
        got = [c for p in paths for c in endpoints(p)]
        check("%s: --shard K/%d exits 0" % (name, n), rcs == [0] * n, str(rcs))
        check("%s: --shard K/%d, K = 1..%d: each connection once" % (name, n, n),
              sorted(got) == conns, "%d of %d" % (len(got), len(conns)))
        check("%s: --shard K/%d merged is one run's output" % (name, n),
              merge(paths) == whole)
    return whole


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
        p = subprocess.run([TLSDUMP, "--shard", arg, *cap_args(CAPS[0])], capture_output=True)
        check("--shard %s is refused" % arg, p.returncode == 2 and b"--shard" in p.stderr)


def bad_fanouts():
    p = subprocess.run([TLSDUMP, "--fanout", "3", *cap_args(CAPS[0])], capture_output=True)
    check("--fanout with -r is refused", p.returncode == 2 and b"give -i" in p.stderr)
    p = subprocess.run([TLSDUMP, "--fanout", "65536", "-i", "lo"], capture_output=True)
    check("--fanout 65536 is refused", p.returncode == 2 and b"--fanout" in p.stderr)


for c in CAPS:
    w = shards(c)
    if c == CAPS[0]:
        with_parallel(c, w)
        with_kubernetes(c, w)
bad_shards()
bad_fanouts()
finish()
