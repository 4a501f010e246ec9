#!/usr/bin/env python3
"""The stage graph as the sources' #include "..." lines draw it, checked
against the arrows the design allows (README, "How it is built").

Prints every include that crosses stages the wrong way as
`file: includes header (stage A -> stage B is not allowed)`, then the graph
found, and exits 1 when there is a violation.  Run from the top of the
tree: `make deps-check`."""

import os
import re
import sys

# Which stage each file belongs to: the first row whose path is a prefix of
# the file's (a directory ends in '/').  A file no row names is an error, so
# a new header or directory has to be placed here.
STAGES = [
    ("include/base/", "base"),
    ("src/base/", "base"),
    ("include/capture.h", "capture"),
    ("src/capture/", "capture"),
    ("include/tcp.h", "tcp"),
    ("include/ip.h", "tcp"),
    ("src/tcp/", "tcp"),
    ("include/tls.h", "tls"),
    ("include/record.h", "tls"),
    ("src/tls/", "tls"),
    ("include/crypto.h", "crypto"),
    ("src/crypto/", "crypto"),
    ("include/x509.h", "x509"),
    ("include/verify.h", "x509"),
    ("src/x509/", "x509"),
    ("include/analysis.h", "analysis"),
    ("include/fingerprint.h", "analysis"),
    ("src/analysis/", "analysis"),
    ("include/views.h", "output"),
    ("include/progress.h", "output"),
    ("src/output/", "output"),
    # The one event type the views consume.
    ("include/model.h", "model"),
    ("src/main.c", "wiring"),
    ("src/options.c", "wiring"),
    ("src/options.h", "wiring"),
    ("src/usage.c", "wiring"),
    ("src/keysetup.c", "wiring"),
    ("src/keysetup.h", "wiring"),
    ("src/pipeline.c", "wiring"),
    ("include/pipeline.h", "wiring"),
    # The pipeline's events in the stages' terms, and their translation
    # into the view model.
    ("src/pipeline_int.h", "wiring"),
    ("src/model.c", "wiring"),
    ("src/workers.c", "wiring"),
    ("src/workers.h", "wiring"),
    ("src/workers_int.h", "wiring"),
    ("src/workers_out.c", "wiring"),
]

# The arrows allowed besides a stage's own files; wiring may include anything.
ALLOWED = {
    "base": set(),
    "capture": {"base"},
    "tcp": {"capture", "base"},
    "tls": {"tcp", "crypto", "x509", "base"},
    "crypto": {"base"},
    "x509": {"base"},
    "analysis": {"tls", "x509", "crypto", "base"},
    "model": {"base"},
    "output": {"model", "base"},
    "wiring": None,
}

ROOTS = ["src", "include"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def stage_of(path):
    for prefix, stage in STAGES:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return stage
    return None


def resolve(src, name):
    """Where the compiler finds "name": beside src, then under include/."""
    for d in (os.path.dirname(src), "include"):
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return p
    return None


def sources():
    for root in ROOTS:
        for d, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith((".c", ".h", ".def")):
                    yield os.path.join(d, f)


def main():
    problems = []
    graph = {}
    for src in sorted(sources()):
        a = stage_of(src)
        if a is None:
            problems.append(f"{src}: no stage (add it to STAGES in {sys.argv[0]})")
            continue
        with open(src, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = INCLUDE.match(line)
                if not m:
                    continue
                hdr = resolve(src, m.group(1))
                if hdr is None:
                    problems.append(f"{src}: includes {m.group(1)}, which is not in the tree")
                    continue
                b = stage_of(hdr)
                if b is None:
                    problems.append(f"{src}: includes {hdr}, which has no stage")
                    continue
                if a == b:
                    continue
                graph.setdefault(a, {}).setdefault(b, 0)
                graph[a][b] += 1
                if ALLOWED[a] is not None and b not in ALLOWED[a]:
                    problems.append(f"{src}: includes {hdr} (stage {a} -> stage {b} is not allowed)")
    for p in problems:
        print(p)
    print("stage graph found (arrow: include lines):")
    for a in sorted(graph):
        arrows = ", ".join(f"{b} ({n})" for b, n in sorted(graph[a].items()))
        print(f"  {a} -> {arrows}")
    if problems:
        print(f"deps-check: {len(problems)} problems")
        return 1
    print("deps-check: every arrow is allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
