#!/bin/bash
# Produce the benchmark capture for tlsdump: bench/out/bench.pcap and the
# client key log bench/out/bench.keys.
#
# CONNS TLS connections (default 64) each download the same deterministic
# pseudo-random file of SIZE_MB MiB (default 4) from `openssl s_server -WWW`
# over the loopback of a private network namespace.  LANES servers (default
# 4), one per address 127.0.0.11, .12, ... on port 443, serve at the same
# time; each lane runs its clients one after the other.  Connection i gets
# the protocol and cipher of row i mod 8 of MIX below, so every lane sees
# TLS 1.2 and TLS 1.3.  tcpdump records everything and must drop nothing.
#
# Usage (as root):  bench/make-capture.sh [--force]
#   --force   regenerate the capture even if it is present
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ../pcaps/lib.sh
BENCH=$PWD
KEYS=$BENCH/../pcaps/keys
OUT=$BENCH/out
WWW=$OUT/www
# CONTENT=text: the file as base64 lines (text, as -d prints it as is
# rather than in hex), in bench-text.pcap and bench-text.keys.  NAME
# names the files otherwise (LANES=16 NAME=bench-16: 16 downloads at once).
CONTENT=${CONTENT:-binary}
NAME=${NAME:-bench$([ "$CONTENT" = text ] && echo -text)}
CAP=$OUT/$NAME.pcap
KEYLOG=$OUT/$NAME.keys
CONNS=${CONNS:-64}
LANES=${LANES:-4}
SIZE_MB=${SIZE_MB:-4}
NS=tlsdump-bench-$$
TMP=$(mktemp -d)
PIDS=()

# Row i mod 8 of this table sets connection i's s_client options: half
# TLS 1.2 (mostly AES-128-GCM), half TLS 1.3, over the three AEAD families.
MIX=(
    "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
    "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
    "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384"
    "-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305"
    "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
    "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
    "-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384"
    "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
)

FORCE=0
case "${1:-}" in
    --force) FORCE=1 ;;
    "") ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

if [ "$FORCE" = 0 ] && [ -s "$CAP" ] && [ -s "$KEYLOG" ]; then
    echo "== reusing $CAP ($(stat -c %s "$CAP") bytes); --force to regenerate"
    rm -rf "$TMP"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "$0: must run as root" >&2; exit 1; }
if [ $((CONNS % LANES)) != 0 ]; then
    echo "$0: CONNS ($CONNS) must be a multiple of LANES ($LANES)" >&2
    exit 2
fi

trap netns_cleanup EXIT

# The same recipe as pcaps/data/big.bin (AES-128-CTR of zeros), another key;
# for CONTENT=text, 57 bytes of it to each 76-character line of base64, so
# the file is again about SIZE_MB MiB.
make_data() {
    local bytes=$((SIZE_MB * 1048576)) enc=cat
    [ "$CONTENT" = text ] && { bytes=$((bytes / 77 * 57)); enc="base64 -w 76"; }
    mkdir -p "$WWW"
    head -c $bytes /dev/zero | openssl enc -aes-128-ctr -nosalt \
        -K 62656e63686d61726b20746c7364756d -iv 00000000000000000000000000000000 |
        $enc > "$WWW/bench.bin"
}

# tcpdump without -U: it writes whole buffers, which keeps up with the
# downloads; the 256 MiB kernel buffer (-B, in KiB) absorbs the bursts.
start_capture() {
    rm -f "$CAP" "$KEYLOG"
    # not through nsx: SIGINT must reach tcpdump itself, not a subshell
    ip netns exec "$NS" tcpdump -i lo -s 0 -B 262144 -Z root -w "$CAP" "tcp port 443" \
        2> "$TMP/tcpdump.err" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    local n
    for ((n = 0; n < 100; n++)); do
        grep -q "listening on" "$TMP/tcpdump.err" && break
        sleep 0.1
    done
    grep -q "listening on" "$TMP/tcpdump.err" || { cat "$TMP/tcpdump.err" >&2; exit 1; }
    sleep 0.5
}

# stop_capture: SIGINT makes tcpdump flush the file and print its counters;
# any packet dropped by the kernel or the interface fails the run.
stop_capture() {
    sleep 0.5
    kill -INT "$CAP_PID"
    wait "$CAP_PID" || true
    cat "$TMP/tcpdump.err"
    if ! grep -qx "0 packets dropped by kernel" "$TMP/tcpdump.err" ||
        grep -Eq "^[1-9][0-9]* packets dropped by interface" "$TMP/tcpdump.err"; then
        echo "tcpdump dropped packets" >&2
        exit 1
    fi
}

# serve LANE: one s_server -WWW on 127.0.0.(11+LANE):443 for CONNS/LANES
# connections; it serves one connection at a time.
serve() {
    local lane=$1 addr=127.0.0.$((11 + $1))
    (cd "$WWW" && exec ip netns exec "$NS" openssl s_server -WWW -quiet \
        -accept "$addr:443" -naccept $((CONNS / LANES)) \
        -cert "$KEYS/server.pem" -key "$KEYS/server.key") \
        > "$TMP/server-$lane.log" 2>&1 &
    SRV_PIDS[lane]=$!
    PIDS+=("$!")
    local n
    for ((n = 0; n < 100; n++)); do
        nsx ss -Hltn "sport = :443 and src $addr" | grep -q . && return
        sleep 0.1
    done
    echo "s_server on $addr:443 did not start" >&2
    cat "$TMP/server-$lane.log" >&2
    exit 1
}

# fetch I: connection I, one HTTP/1.0 GET; the response must end with the
# whole file.  Each connection has its own key log, joined in order later.
fetch() {
    local i=$1 addr=127.0.0.$((11 + $1 % LANES))
    # shellcheck disable=SC2086 # MIX rows are option lists
    printf 'GET /bench.bin HTTP/1.0\r\nHost: server.test\r\n\r\n' |
        nsx openssl s_client -connect "$addr:443" -servername server.test \
            -CAfile "$KEYS/ca.pem" -verify_return_error -ign_eof -quiet \
            -keylogfile "$TMP/keys-$i" ${MIX[i % 8]} > "$TMP/out-$i" 2> "$TMP/err-$i" ||
        { echo "connection $i failed:" >&2; cat "$TMP/err-$i" >&2; return 1; }
    tail -c "$(stat -c %s "$WWW/bench.bin")" "$TMP/out-$i" | cmp -s - "$WWW/bench.bin" ||
        { echo "connection $i: response does not match bench.bin" >&2; return 1; }
    rm -f "$TMP/out-$i"
}

# lane L: connections L, L+LANES, L+2*LANES, ... one after the other
lane() {
    local i
    for ((i = $1; i < CONNS; i += LANES)); do
        fetch "$i" || return 1
    done
}

run_clients() {
    local l pids=() rc=0
    for ((l = 0; l < LANES; l++)); do
        lane "$l" &
        pids+=("$!")
    done
    for l in "${pids[@]}"; do wait "$l" || rc=1; done
    [ "$rc" = 0 ] || exit 1
    for ((l = 0; l < LANES; l++)); do
        wait "${SRV_PIDS[l]}" ||
            { echo "s_server $l failed:" >&2; cat "$TMP/server-$l.log" >&2; exit 1; }
    done
}

# check_capture: one SYN per connection, the key log lines of every
# connection (CLIENT_RANDOM for TLS 1.2, traffic secrets for TLS 1.3).
check_capture() {
    local syns n12=0 n13=0 i
    for ((i = 0; i < CONNS; i++)); do
        case ${MIX[i % 8]} in -tls1_2*) n12=$((n12 + 1)) ;; *) n13=$((n13 + 1)) ;; esac
    done
    syns=$(tcpdump -nr "$CAP" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null | wc -l)
    [ "$syns" = "$CONNS" ] || { echo "capture has $syns connections, not $CONNS" >&2; exit 1; }
    if [ "$(grep -c '^CLIENT_RANDOM ' "$KEYLOG")" != "$n12" ] ||
        [ "$(grep -c '^CLIENT_TRAFFIC_SECRET_0 ' "$KEYLOG")" != "$n13" ] ||
        [ "$(grep -c '^SERVER_TRAFFIC_SECRET_0 ' "$KEYLOG")" != "$n13" ]; then
        echo "$KEYLOG lacks the expected lines" >&2
        exit 1
    fi
    echo "== $CONNS connections: $n12 TLS 1.2, $n13 TLS 1.3"
}

START=$EPOCHREALTIME
mkdir -p "$OUT"
setup_netns
make_data
echo "== capturing $CONNS downloads of $SIZE_MB MiB, $LANES at a time"
start_capture
for ((l = 0; l < LANES; l++)); do serve "$l"; done
run_clients
stop_capture
for ((i = 0; i < CONNS; i++)); do cat "$TMP/keys-$i"; done > "$KEYLOG"
check_capture
stat -c '%10s  %n' "$CAP" "$KEYLOG"
echo "== done in $(awk -v s="$START" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }') s"
