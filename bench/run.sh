#!/bin/bash
# Time tlsdump, tshark and ssldump decrypting the same capture with its key
# log, for each of -d, -j and --summary, and print one row per tool and
# mode: wall time (median and min of RUNS runs), throughput (capture size /
# median wall time), peak resident memory and CPU time (user + system),
# each the median of the runs; then
# tlsdump's runs without text against the floor: bench/baseline (libpcap
# read plus AES-GCM over every payload byte).
#
# Usage: bench/run.sh [CAP [KEYLOG]]
#   CAP, KEYLOG   default bench/out/bench.pcap and bench/out/bench.keys
# Environment:
#   RUNS            runs per tool (default 3), after one warm-up read of CAP
#   TLSDUMP         the binary to time (default ./tlsdump, at the top of the repo)
#   BASELINE        the floor's binary (default build/rel/bench-baseline)
#   MODES           the modes to compare (default "-d -j --summary")
#   TOOLS           the tools to time in them (default "tlsdump tshark ssldump")
#   THREADS         tlsdump's --threads values timed besides one thread
#                   (default 2; empty: none)
#   TLSDUMP_ARGS, TSHARK_ARGS, SSLDUMP_ARGS
#                   replace a tool's arguments (and run one mode only); {cap}
#                   and {keys} stand for the files, e.g. TLSDUMP_ARGS='-r {cap}'
#
# A tool that is not installed is reported as skipped; one that exits
# non-zero as failed, with the first line it wrote on standard error, and
# is not run again.  Either way the other tools still run and the exit
# status is 0; it is 2 only when the capture or the key log is missing.
set -uo pipefail

ROOT=$(dirname "$(readlink -f "$0")")/..
ROOT=$(readlink -f "$ROOT")
CAP=$(readlink -f "${1:-$ROOT/bench/out/bench.pcap}")
KEYLOG=$(readlink -f "${2:-$ROOT/bench/out/bench.keys}")
RUNS=${RUNS:-3}
TLSDUMP=${TLSDUMP:-$ROOT/tlsdump}
BASELINE=${BASELINE:-$ROOT/build/rel/bench-baseline}
MODES=${MODES:-"-d -j --summary"}
TOOLS=${TOOLS:-"tlsdump tshark ssldump"}
# tlsdump --threads N rows besides one thread's ("" for none)
THREADS=${THREADS-2}
[ -n "${TLSDUMP_ARGS:-}${TSHARK_ARGS:-}${SSLDUMP_ARGS:-}" ] && MODES=custom
TIME=/usr/bin/time
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for f in "$CAP" "$KEYLOG"; do
    [ -s "$f" ] || { echo "$0: $f is missing; run bench/make-capture.sh" >&2; exit 2; }
done
[ -x "$TIME" ] || { echo "$0: needs GNU $TIME (Debian package time)" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "$0: RUNS must be a positive number" >&2; exit 2; }

# Decimal megabytes, so MB/s compares with what disks and links are sold in.
CAP_BYTES=$(stat -c %s "$CAP")
CAP_MB=$(awk -v b="$CAP_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')

# args_of TOOL MODE: the tool's arguments for that mode.  tshark decrypts
# and dissects every packet in each mode but prints only what the filter
# keeps; ssldump has no summary, its record lines stand in for one.
args_of() {
    case $1:$2 in
        tlsdump:custom) echo "${TLSDUMP_ARGS:--r {cap} -l {keys} -d}" ;;
        tshark:custom) echo "${TSHARK_ARGS:--r {cap} -o tls.keylog_file:{keys} -Y http.request}" ;;
        ssldump:custom) echo "${SSLDUMP_ARGS:--n -r {cap} -l {keys} -d}" ;;
        tlsdump:*) echo "-r {cap} -l {keys} $2" ;;
        tshark:-d) echo "-r {cap} -o tls.keylog_file:{keys} -Y http.request" ;;
        tshark:-j) echo "-r {cap} -o tls.keylog_file:{keys} -T ek -Y tls.handshake.type" ;;
        tshark:--summary) echo "-r {cap} -o tls.keylog_file:{keys} -q -z conv,tcp" ;;
        ssldump:-d) echo "-n -r {cap} -l {keys} -d" ;;
        ssldump:-j) echo "-n -r {cap} -l {keys} -j" ;;
        ssldump:--summary) echo "-n -r {cap} -l {keys}" ;;
    esac
}

# find_tool NAME: the path of NAME's binary, or nothing when it is missing
find_tool() {
    case $1 in
        tlsdump)
            if [ -x "$TLSDUMP" ]; then readlink -f "$TLSDUMP"; else command -v "$TLSDUMP"; fi ;;
        baseline) [ -x "$BASELINE" ] && readlink -f "$BASELINE" ;;
        *) command -v "$1" ;;
    esac
}

tool_version() {
    local bin=$1
    case ${bin##*/} in
        tlsdump*) "$bin" --version 2>&1 | head -n 1 ;;
        tshark) "$bin" --version 2>/dev/null | head -n 1 ;;
        ssldump) "$bin" -v 2>&1 | grep -m 1 '^ssldump' ;;
        *) "$bin" --version 2>&1 | head -n 1 ;;
    esac
}

# Client SYNs: one per connection that the capture saw open.
count_connections() {
    if command -v tcpdump > /dev/null; then
        tcpdump -nr "$CAP" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null | wc -l
    else
        echo "unknown (no tcpdump)"
    fi
}

# expand SPEC: the words of SPEC with {cap} and {keys} replaced, in ARGS
expand() {
    local w
    ARGS=()
    read -ra words <<< "$1"
    for w in "${words[@]}"; do
        w=${w//\{cap\}/$CAP}
        ARGS+=("${w//\{keys\}/$KEYLOG}")
    done
}

# measure NAME LABEL SPEC: RUNS timed runs of NAME; appends its row (named
# NAME LABEL) to $TMP/rows.  A tool that failed once is not run again.
measure() {
    local name=$1 label="$1 $2" bin r t0 t1 status rss cpu walls=() rsss=() cpus=()
    grep -qx "$name" "$TMP/failed" 2>/dev/null && return
    bin=$(find_tool "$name") || bin=""
    if [ -z "$bin" ]; then
        case $name in
            tlsdump) echo "$label|skipped (no $TLSDUMP; make tlsdump)" >> "$TMP/rows" ;;
            baseline) echo "$label|skipped (no $BASELINE; make bench builds it)" >> "$TMP/rows" ;;
            *) echo "$label|skipped (not installed)" >> "$TMP/rows" ;;
        esac
        return
    fi
    expand "$3"
    echo "== $name ${ARGS[*]}"
    for ((r = 0; r < RUNS; r++)); do
        rm -rf "$TMP/extract" && mkdir "$TMP/extract" # --extract's, empty each time
        t0=$EPOCHREALTIME
        "$TIME" -v -o "$TMP/time" "$bin" "${ARGS[@]}" > /dev/null 2> "$TMP/stderr"
        t1=$EPOCHREALTIME
        status=$(sed -n 's/^\tExit status: //p' "$TMP/time")
        if grep -q '^Command terminated by signal' "$TMP/time"; then
            status="signal $(sed -n 's/^Command terminated by signal //p' "$TMP/time")"
        fi
        if [ "$status" != 0 ]; then
            echo "$label|failed (exit $status): $(head -n 1 "$TMP/stderr")" >> "$TMP/rows"
            echo "$name" >> "$TMP/failed"
            return
        fi
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
        rss=$(sed -n 's/^\tMaximum resident set size (kbytes): //p' "$TMP/time")
        rsss+=("$rss")
        cpu=$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.3f", t }' "$TMP/time")
        cpus+=("$cpu")
        echo "   run $((r + 1)): ${walls[r]} s, CPU $cpu s, peak RSS $rss KiB"
    done
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    rss=$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%s\n' "${walls[@]}" | sort -g | awk -v name="$label" -v n="$RUNS" \
        -v mb="$CAP_MB" -v rss="$rss" -v cpu="$cpu" '
        { w[NR] = $1 }
        END {
            med = (n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
            printf "%s|%d|%.3f|%.3f|%.1f|%.1f|%.3f\n", name, n, med, w[1],
                (med > 0 ? mb / med : 0), rss * 1024 / 1e6, cpu
        }' >> "$TMP/rows"
}

print_table() {
    printf '%-30s %4s %12s %9s %8s %12s %9s\n' "tool mode" runs "median wall" "min wall" "MB/s" \
        "peak RSS MB" "CPU s"
    awk -F'|' '
        NF == 2 { printf "%-30s %s\n", $1, $2; next }
        { printf "%-30s %4d %11.3fs %8.3fs %8.1f %12.1f %8.3fs\n", $1, $2, $3, $4, $5, $6, $7 }
    ' "$TMP/rows"
}

# median wall (or with cpu, median CPU time) of the row named LABEL
wall_of() {
    awk -F'|' -v l="$1" -v f="$([ "${2:-}" = cpu ] && echo 7 || echo 3)" \
        '$1 == l && NF > 2 { print $f }' "$TMP/rows"
}

# The ratios the issue sets as goals: -d against tshark's and ssldump's,
# and each run without text against the floor.
print_ratios() {
    local d t s f m w n x by=${1:-}
    t=$(wall_of "tshark -d" $by) s=$(wall_of "ssldump -d" $by)
    f=$(wall_of "baseline (floor)" $by)
    echo "== ratios (median ${by:-wall} times)"
    for n in 1 $THREADS; do
        x=$([ "$n" = 1 ] || echo " --threads $n")
        d=$(wall_of "tlsdump -d$x" $by)
        [ -n "$d" ] && [ -n "$t" ] && awk -v a="$t" -v b="$d" -v x="$x" \
            'BEGIN { printf "   tshark -d / tlsdump -d%s:  %.1fx (goal: at least 9x)\n", x, a / b }'
        [ -n "$d" ] && [ -n "$s" ] && awk -v a="$s" -v b="$d" -v x="$x" \
            'BEGIN { printf "   ssldump -d / tlsdump -d%s: %.1fx (goal: at least 7x)\n", x, a / b }'
        [ -n "$f" ] || continue
        for m in "-j" "--summary" "--extract" "(decode)"; do
            w=$(wall_of "tlsdump $m$x" $by)
            [ -n "$w" ] && awk -v a="$w" -v b="$f" -v m="$m$x" \
                'BEGIN { printf "   tlsdump %-22s / floor: %.2fx (goal: at most 1.5x)\n", m, a / b }'
        done
    done
}

echo "== capture: $CAP"
echo "   size: $CAP_BYTES bytes ($CAP_MB MB), connections: $(count_connections)"
echo "   key log: $KEYLOG ($(wc -l < "$KEYLOG") lines)"
echo "== host: $(nproc) CPUs, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)"
echo "== versions"
for name in tlsdump tshark ssldump; do
    bin=$(find_tool "$name") || bin=""
    printf '   %-8s %s\n' "$name" "${bin:+$(tool_version "$bin")  ($bin)}"
done
echo "== warm-up read of the capture"
cat "$CAP" "$KEYLOG" > /dev/null
with_tlsdump() { case " $TOOLS " in *" tlsdump "*) return 0 ;; esac; return 1; }
for mode in $MODES; do
    for name in $TOOLS; do
        measure "$name" "$mode" "$(args_of "$name" "$mode")"
    done
    if [ "$mode" != custom ] && with_tlsdump; then
        for n in $THREADS; do
            measure tlsdump "$mode --threads $n" "$(args_of tlsdump "$mode") --threads $n"
        done
    fi
done
if [ "$MODES" != custom ]; then
    measure baseline "(floor)" "{cap}"
    for n in 1 $THREADS; do
        x=$([ "$n" = 1 ] || echo " --threads $n")
        measure tlsdump "(decode)$x" "-r {cap} -l {keys}$x"
        measure tlsdump "--extract$x" "-r {cap} -l {keys}$x --extract $TMP/extract"
    done
fi
echo "== results ($RUNS runs each; MB/s = capture size / median wall; MB = 10^6 bytes)"
print_table
print_ratios
# CPU time (user + system) counts what a run cost even when other work on
# the machine stretches its wall time.
print_ratios cpu
