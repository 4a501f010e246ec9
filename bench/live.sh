#!/bin/bash
# Live capture at full speed (issue 15): the benchmark capture replayed onto
# a veth pair in a network namespace of its own with tcpreplay --topspeed,
# while each tool captures the other end with the key log and its output
# goes to /dev/null.  One row per tool: what the replay achieved (packets/s,
# Mbit/s), what the tool saw, and the kernel's drop count as the tool
# reports it (libpcap's pcap_stats; "n/a" when the tool does not say).
#
# Usage: bench/live.sh [CAP [KEYLOG]]   (root: namespaces and raw sockets)
#   CAP, KEYLOG   default bench/out/bench.pcap and bench/out/bench.keys
# Environment:
#   TLSDUMP         the binary (default ./tlsdump)
#   TLSDUMP_ARGS, TLSDUMP_B_ARGS (-B 262144), TLSDUMP_T_ARGS (and --threads 2),
#   TSHARK_ARGS, SSLDUMP_ARGS
#                   replace a tool's arguments; {if} and {keys} stand for the
#                   interface and the key log
#   SETTLE          seconds to wait for a tool to start capturing (default 2)
set -uo pipefail

ROOT=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
CAP=$(readlink -f "${1:-$ROOT/bench/out/bench.pcap}")
KEYLOG=$(readlink -f "${2:-$ROOT/bench/out/bench.keys}")
TLSDUMP=${TLSDUMP:-$ROOT/tlsdump}
TLSDUMP_ARGS=${TLSDUMP_ARGS:-"-i {if} -l {keys} -d"}
TLSDUMP_B_ARGS=${TLSDUMP_B_ARGS:-"-i {if} -B 262144 -l {keys} -d"}
TLSDUMP_T_ARGS=${TLSDUMP_T_ARGS:-"-i {if} -B 262144 --threads 2 -l {keys} -d"}
TSHARK_ARGS=${TSHARK_ARGS:-"-i {if} -o tls.keylog_file:{keys} -Y http.request"}
SSLDUMP_ARGS=${SSLDUMP_ARGS:-"-n -i {if} -l {keys} -d"}
SETTLE=${SETTLE:-2}
NS=tlsdump-live-$$
TMP=$(mktemp -d)

cleanup() {
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

for f in "$CAP" "$KEYLOG"; do
    [ -s "$f" ] || { echo "$0: $f is missing; run bench/make-capture.sh" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespaces)" >&2; exit 2; }
command -v tcpreplay >/dev/null || { echo "$0: needs tcpreplay (Debian package tcpreplay)" >&2; exit 2; }

# Two ends of a veth pair in a namespace of their own: tcpreplay writes
# into va, the tools capture vb.  No offloads: frames arrive as sent.
ip netns add "$NS" || exit 2
ip -n "$NS" link add va type veth peer name vb || exit 2
for i in va vb; do
    ip -n "$NS" link set "$i" mtu 1500 up
    ip netns exec "$NS" ethtool -K "$i" tso off gso off gro off >/dev/null 2>&1
done

# drained PID: waits until the tool has used no CPU for a second (it has
# read what the kernel buffered), at most a minute.
drained() {
    local pid=$1 last=-1 now
    for _ in $(seq 60); do
        now=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || return
        [ "$now" = "$last" ] && return
        last=$now
        sleep 1
    done
}

subst() { local a=${1//\{if\}/vb}; echo "${a//\{keys\}/$KEYLOG}"; }

# replay_with NAME BIN ARGS: starts the tool, replays, stops it with SIGINT
# and prints the row.
replay_with() {
    local name=$1 bin=$2 args pid rate mbps seen drops
    args=$(subst "$3")
    # shellcheck disable=SC2086
    ip netns exec "$NS" "$bin" $args >/dev/null 2>"$TMP/$name.err" &
    pid=$!
    # tshark says when it captures, and on a loaded machine may take
    # longer than SETTLE to load its dissectors
    if [ "$name" = tshark ]; then
        for _ in $(seq 120); do
            grep -q '^Capturing on' "$TMP/$name.err" && break
            sleep 0.5
        done
    fi
    sleep "$SETTLE"
    if ! kill -0 "$pid" 2>/dev/null; then
        printf '%-18s failed: %s\n' "$name" "$(head -n 1 "$TMP/$name.err")"
        return
    fi
    ip netns exec "$NS" tcpreplay -q --topspeed -i va "$CAP" >"$TMP/$name.replay" 2>&1
    drained "$pid"
    kill -INT "$pid"
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rate=$(grep -o 'Rated: [0-9.]* Bps, [0-9.]* Mbps, [0-9.]* pps' "$TMP/$name.replay" |
           awk '{print $6}')
    mbps=$(grep -o 'Rated: [0-9.]* Bps, [0-9.]* Mbps' "$TMP/$name.replay" | awk '{print $4}')
    seen=$(grep -Eo '^[0-9]+ packets (captured|received by filter)' "$TMP/$name.err" |
           head -n 1 | awk '{print $1}')
    drops=$(grep -Eo '[0-9]+ packets? dropped( by kernel)?' "$TMP/$name.err" | head -n 1 |
            awk '{print $1}')
    printf '%-18s %12s %10s %12s %12s\n' "$name" "${rate:-?}" "${mbps:-?}" "${seen:-n/a}" \
        "${drops:-n/a}"
}

echo "capture: $CAP ($(stat -c %s "$CAP") bytes), replayed with $(tcpreplay -V 2>&1 | head -n 1)"
echo "cpu: $(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
printf '%-18s %12s %10s %12s %12s\n' tool 'replay pps' Mbit/s 'captured' 'kernel drops'
if [ -x "$TLSDUMP" ]; then
    replay_with tlsdump "$TLSDUMP" "$TLSDUMP_ARGS"
    replay_with "tlsdump -B 256M" "$TLSDUMP" "$TLSDUMP_B_ARGS"
    replay_with "... --threads 2" "$TLSDUMP" "$TLSDUMP_T_ARGS"
else
    printf '%-18s skipped (%s not built)\n' tlsdump "$TLSDUMP"
fi
for t in tshark ssldump; do
    bin=$(command -v "$t") || { printf '%-18s skipped (not installed)\n' "$t"; continue; }
    var=${t^^}_ARGS
    replay_with "$t" "$bin" "${!var}"
done
