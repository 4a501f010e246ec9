#!/bin/bash
# Whether tlsdump's memory stays flat when the capture grows tenfold: the
# benchmark capture and ten copies of it one after the other (bench/concat.py,
# made once into bench/out/bench-x10.pcap, about 2.9 GB), each through -d, -j
# and --summary with the key log, output to /dev/null.  One row per run:
# wall time, MB/s, peak RSS, and the connections --summary counted.
#
# Usage: bench/scale.sh [CAP [KEYLOG]]   (defaults as bench/run.sh's)
# Environment: TLSDUMP (default ./tlsdump), COPIES (default 10)
set -uo pipefail

ROOT=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
CAP=$(readlink -f "${1:-$ROOT/bench/out/bench.pcap}")
KEYLOG=$(readlink -f "${2:-$ROOT/bench/out/bench.keys}")
TLSDUMP=${TLSDUMP:-$ROOT/tlsdump}
COPIES=${COPIES:-10}
# beside the capture's name as given (not where a link to it points)
BIG=${1:-$ROOT/bench/out/bench.pcap}
BIG=${BIG%.pcap}-x$COPIES.pcap
TIME=/usr/bin/time
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for f in "$CAP" "$KEYLOG" "$TLSDUMP" "$TIME"; do
    [ -e "$f" ] || { echo "$0: $f is missing" >&2; exit 2; }
done
if [ ! -s "$BIG" ] || [ "$BIG" -ot "$CAP" ]; then
    echo "== writing $BIG ($COPIES copies of $CAP)"
    python3 "$ROOT/bench/concat.py" "$CAP" "$COPIES" "$BIG" || exit 2
fi

printf '%-14s %-10s %10s %9s %12s %12s\n' capture mode wall MB/s "peak RSS MB" connections
for c in "$CAP" "$BIG"; do
    mb=$(awk -v b="$(stat -c %s "$c")" 'BEGIN { printf "%.1f", b / 1e6 }')
    conns=$("$TLSDUMP" -r "$c" -l "$KEYLOG" --summary 2>/dev/null |
        sed -n 's/^\([0-9]*\) connections:.*/\1/p')
    for mode in -d -j --summary; do
        t0=$EPOCHREALTIME
        "$TIME" -f %M -o "$TMP/rss" "$TLSDUMP" -r "$c" -l "$KEYLOG" "$mode" > /dev/null 2>&1
        t1=$EPOCHREALTIME
        awk -v n="$(basename "$c")" -v m="$mode" -v a="$t0" -v b="$t1" -v mb="$mb" \
            -v rss="$(tail -n 1 "$TMP/rss")" -v k="$conns" 'BEGIN {
            printf "%-14s %-10s %9.3fs %9.1f %12.1f %12s\n", substr(n, 1, 14), m, b - a,
                mb / (b - a), rss * 1024 / 1e6, k }'
    done
done
