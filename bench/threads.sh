#!/usr/bin/env bash
# bench/threads.sh: one thread against --threads N on each capture given
# (CAP:KEYS pairs, default the benchmark's four), runs alternated so that
# both see the same minute of this machine; prints the best and the
# median wall time of RUNS runs for the plain decode, -d and -j.
#
#   THREADS   the N to compare with one (default 2)
#   RUNS      runs of each (default 5)
#   TLSDUMP   the binary (default ./tlsdump)
#   SHM       a tmpfs directory each capture is copied to and read from
#             (default /dev/shm; empty: read them where they are)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
RUNS=${RUNS:-5}
TLSDUMP=${TLSDUMP:-./tlsdump}
[ $# -gt 0 ] || set -- bench/out/bench.pcap:bench/out/bench.keys \
    bench/out/bench-text.pcap:bench/out/bench-text.keys \
    bench/out/bench-16.pcap:bench/out/bench-16.keys \
    bench/out/bench-1.pcap:bench/out/bench-1.keys

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
stats() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{v[NR] = $1} END {printf "%5d %5d", v[1], v[int((NR + 1) / 2)]}'; }

printf '%-28s %-6s %11s %11s   (ms: best median)\n' capture mode "1 thread" "$THREADS threads"
# Each capture is read from a copy in tmpfs (SHM, default /dev/shm; empty:
# where it is): this machine's page cache drops a file's pages within
# seconds (bench/run.sh).
SHM=${SHM-/dev/shm}
STAGED=""
[ -n "$SHM" ] && [ -d "$SHM" ] && [ -w "$SHM" ] && STAGED=$(mktemp -d -p "$SHM" tlsdump-threads.XXXXXX)
trap '[ -z "$STAGED" ] || rm -rf "$STAGED"' EXIT
for pair in "$@"; do
    cap=${pair%%:*} keys=${pair#*:}
    [ -s "$cap" ] || { printf '%-28s missing (bench/make-capture.sh)\n' "$cap"; continue; }
    if [ -n "$STAGED" ]; then
        rm -f "$STAGED"/*
        cp "$cap" "$keys" "$STAGED"/ && cap=$STAGED/${cap##*/} keys=$STAGED/${keys##*/}
    fi
    for mode in decode -d -j; do
        m=(); [ "$mode" = decode ] || m=("$mode")
        one="" many=""
        for _ in $(seq "$RUNS"); do
            one+="$(ms "$TLSDUMP" -r "$cap" -l "$keys" "${m[@]}") "
            many+="$(ms "$TLSDUMP" -r "$cap" -l "$keys" "${m[@]}" --threads "$THREADS") "
        done
        printf '%-28s %-6s %11s %11s\n' "$(basename "$cap")" "$mode" "$(echo "$one" | stats)" \
            "$(echo "$many" | stats)"
    done
done
