#!/bin/bash
# Time tlsdump, tshark and ssldump decrypting the same capture with its key
# log, for each of -d, -j and --summary, and print one row per tool and
# mode: wall time (median and min of RUNS runs, taken round by round:
# every tool and mode once per round), throughput (capture size /
# median wall time), peak resident memory and CPU time (user + system),
# each the median of the runs; then
# tlsdump's runs without text against the floor: bench/baseline (libpcap
# read plus AES-GCM over every payload byte).
#
# Usage: bench/run.sh [CAP [KEYLOG]]
#   CAP, KEYLOG   default bench/out/bench.pcap and bench/out/bench.keys
# Environment:
#   RUNS            runs per tool (default 3), after one warm-up read of CAP
#   SHM             a tmpfs directory the capture is copied to and read
#                   from (default /dev/shm; empty: read it where it is)
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

# Every tool reads the capture from memory: a copy in tmpfs (SHM, default
# /dev/shm) when it has room, since this machine's page cache drops a
# file's pages within seconds (a cached 287 MB file read again after 15 s
# took 0.24 s instead of 0.03 s) and a run would read part of it from
# disk.  SHM= (empty) reads the file where it is.
SHM=${SHM-/dev/shm}
if [ -n "$SHM" ] && [ -d "$SHM" ] && [ -w "$SHM" ] &&
    [ "$(df -k --output=avail "$SHM" | tail -n 1)" -gt $((CAP_BYTES / 1024 * 2)) ]; then
    STAGED=$(mktemp -d -p "$SHM" tlsdump-bench.XXXXXX)
    trap 'rm -rf "$TMP" "$STAGED"' EXIT
    cp "$CAP" "$STAGED/${CAP##*/}" && cp "$KEYLOG" "$STAGED/${KEYLOG##*/}" &&
        FROM=$CAP CAP=$STAGED/${CAP##*/} KEYLOG=$STAGED/${KEYLOG##*/}
fi

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

# The runs go round by round: each round runs every tool and mode once,
# in the same order, so that a slow minute on this machine (its speed
# wanders by a third) falls on all of them rather than on one tool's
# runs in a row.

# job NAME LABEL SPEC: a tool and mode to time, RUNS times
job() {
    JOB_NAME+=("$1")
    JOB_LABEL+=("$1 $2")
    JOB_SPEC+=("$3")
}

# run_job I R: run R (from 0) of job I, its figures appended to
# $TMP/job-I; a tool that is missing or failed is not run again.
run_job() {
    local i=$1 r=$2 name=${JOB_NAME[$1]} label=${JOB_LABEL[$1]} bin t0 t1 status rss cpu wall
    [ -e "$TMP/job-$i.done" ] && return
    bin=$(find_tool "$name") || bin=""
    if [ -z "$bin" ]; then
        case $name in
            tlsdump) echo "$label|skipped (no $TLSDUMP; make tlsdump)" > "$TMP/job-$i.done" ;;
            baseline) echo "$label|skipped (no $BASELINE; make bench builds it)" > "$TMP/job-$i.done" ;;
            *) echo "$label|skipped (not installed)" > "$TMP/job-$i.done" ;;
        esac
        return
    fi
    expand "${JOB_SPEC[$i]}"
    [ "$r" = 0 ] && echo "== $label: $name ${ARGS[*]}"
    rm -rf "$TMP/extract" && mkdir "$TMP/extract" # --extract's, empty each time
    t0=$EPOCHREALTIME
    "$TIME" -v -o "$TMP/time" "$bin" "${ARGS[@]}" > /dev/null 2> "$TMP/stderr"
    t1=$EPOCHREALTIME
    rm -rf "$TMP/extract" # its pages out of the cache before the next run
    status=$(sed -n 's/^\tExit status: //p' "$TMP/time")
    if grep -q '^Command terminated by signal' "$TMP/time"; then
        status="signal $(sed -n 's/^Command terminated by signal //p' "$TMP/time")"
    fi
    if [ "$status" != 0 ]; then
        echo "$label|failed (exit $status): $(head -n 1 "$TMP/stderr")" > "$TMP/job-$i.done"
        return
    fi
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    rss=$(sed -n 's/^\tMaximum resident set size (kbytes): //p' "$TMP/time")
    cpu=$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.3f", t }' "$TMP/time")
    echo "$wall $rss $cpu" >> "$TMP/job-$i"
    echo "   run $((r + 1)) $label: $wall s, CPU $cpu s, peak RSS $rss KiB"
}

# row I: job I's row in $TMP/rows (medians of its runs)
row() {
    local i=$1 label=${JOB_LABEL[$1]} n cpu rss
    if [ -e "$TMP/job-$i.done" ]; then
        cat "$TMP/job-$i.done" >> "$TMP/rows"
        return
    fi
    n=$(wc -l < "$TMP/job-$i")
    cpu=$(awk '{ print $3 }' "$TMP/job-$i" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    rss=$(awk '{ print $2 }' "$TMP/job-$i" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    awk '{ print $1 }' "$TMP/job-$i" | sort -g | awk -v name="$label" -v n="$n" \
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

# job_file LABEL: the figures of the job named LABEL (one line per round),
# nothing when it has none (missing, failed)
job_file() {
    local i
    for i in "${!JOB_LABEL[@]}"; do
        [ "${JOB_LABEL[$i]}" = "$1" ] && [ ! -e "$TMP/job-$i.done" ] && [ -s "$TMP/job-$i" ] &&
            echo "$TMP/job-$i"
    done
}

# ratio A B DIGITS [cpu]: the median over the rounds of each round's wall
# time (or CPU time) of job A over job B's, as "1.23x" (DIGITS 1 or 2);
# nothing when either has no figures.  A ratio taken within a round
# compares runs a few seconds apart, which a slow spell touches alike.
ratio() {
    local a b col=1
    a=$(job_file "$1") b=$(job_file "$2")
    [ -n "$a" ] && [ -n "$b" ] || return
    [ "${4:-}" = cpu ] && col=3
    paste -d ' ' "$a" "$b" | awk -v c="$col" '{ n = NF / 2; print ($(c + n) > 0 ? $c / $(c + n) : -1) }' |
        sort -g | awk -v d="$3" '
        { v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            if (v[1] < 0) print "n/a"; else printf (d == 1 ? "%.1fx\n" : "%.2fx\n"), m
        }'
}

# The ratios the issue sets as goals: -d against tshark's and ssldump's,
# and each run without text against the floor.
print_ratios() {
    local n x m r by=${1:-}
    echo "== ratios (${by:-wall} times: the median of each round's ratio)"
    for n in 1 $THREADS; do
        x=$([ "$n" = 1 ] || echo " --threads $n")
        r=$(ratio "tshark -d" "tlsdump -d$x" 1 $by)
        [ -n "$r" ] && echo "   tshark -d / tlsdump -d$x:  $r (goal: at least 9x)"
        r=$(ratio "ssldump -d" "tlsdump -d$x" 1 $by)
        [ -n "$r" ] && echo "   ssldump -d / tlsdump -d$x: $r (goal: at least 7x)"
        for m in "-j" "--summary" "--extract" "(decode)"; do
            r=$(ratio "tlsdump $m$x" "baseline (floor)" 2 $by)
            [ -n "$r" ] && printf '   tlsdump %-22s / floor: %s (goal: at most 1.5x)\n' "$m$x" "$r"
        done
    done
}

echo "== capture: $CAP${FROM:+ (a tmpfs copy of $FROM)}"
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
JOB_NAME=() JOB_LABEL=() JOB_SPEC=()
# tlsdump's modes that are measured against the floor run right after it,
# in the same round, the other tools' runs of those modes before it
later=()
for mode in $MODES; do
    for name in $TOOLS; do
        if [ "$name" = tlsdump ] && [ "$mode" != -d ] && [ "$mode" != custom ]; then
            later+=("$mode")
        else
            job "$name" "$mode" "$(args_of "$name" "$mode")"
        fi
    done
    if [ "$mode" = -d ] && with_tlsdump; then
        for n in $THREADS; do
            job tlsdump "$mode --threads $n" "$(args_of tlsdump "$mode") --threads $n"
        done
    fi
done
if [ "$MODES" != custom ]; then
    job baseline "(floor)" "{cap}"
    for n in 1 $THREADS; do
        x=$([ "$n" = 1 ] || echo " --threads $n")
        for mode in "${later[@]}"; do
            job tlsdump "$mode$x" "$(args_of tlsdump "$mode")$x"
        done
        job tlsdump "(decode)$x" "-r {cap} -l {keys}$x"
        job tlsdump "--extract$x" "-r {cap} -l {keys}$x --extract $TMP/extract"
    done
fi
for ((r = 0; r < RUNS; r++)); do
    # the capture read again, when it is not in tmpfs: pages of it may have
    # left the page cache (on this machine they do, memory free or not)
    echo "== round $((r + 1)) of $RUNS"
    cat "$CAP" "$KEYLOG" > /dev/null
    for i in "${!JOB_NAME[@]}"; do run_job "$i" "$r"; done
done
for i in "${!JOB_NAME[@]}"; do row "$i"; done
echo "== results ($RUNS runs each; MB/s = capture size / median wall; MB = 10^6 bytes)"
print_table
print_ratios
# CPU time (user + system) counts what a run cost even when other work on
# the machine stretches its wall time.
print_ratios cpu
