# pcaps/lib.sh: what the capture scripts share (sourced, not run): a
# private network namespace with a 1500-byte loopback, and waiting for the
# peers in it.  The sourcing script sets NS, TMP and PIDS.

die() { echo "$*" >&2; exit 1; }

nsx() { ip netns exec "$NS" "$@"; }

# The namespace's loopback as a real link: 1500-byte MTU, no offloads, so
# that segments are the size a network would carry.
setup_netns() {
    ip netns add "$NS"
    nsx ip link set lo up
    nsx ip link set lo mtu 1500
    local f
    for f in tso gso gro; do
        nsx ethtool -K lo "$f" off 2>/dev/null || true
    done
}

# Kills what the script started, removes the namespace and $TMP.
netns_cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$TMP"
}

# wait_pid PID SECS: wait at most SECS for a background process (killed
# after that); returns its exit status
wait_pid() {
    local pid=$1 secs=$2 n
    for ((n = 0; n < secs * 10; n++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "process $pid still running after ${secs}s, killing it" >&2
        kill "$pid" 2>/dev/null || true
    fi
    local rc=0
    wait "$pid" || rc=$?
    return $rc
}

# wait_listen PORT: wait until something listens on PORT in the namespace
wait_listen() {
    local n
    for ((n = 0; n < 100; n++)); do
        nsx ss -Hltn "sport = :$1" | grep -q . && return
        sleep 0.1
    done
    die "nothing listens on port $1"
}

# tcpdump_start PCAP FILTER LOG: tcpdump on the namespace's loopback writing
# PCAP (its messages to LOG), in the background as CAP_PID; returns once it
# captures.  --immediate-mode: without it, packets of the last second can
# still sit in a kernel ring block when tcpdump is stopped, and are lost
# although it reports no drop.
tcpdump_start() {
    local pcap=$1 filter=$2 log=$3 n
    ip netns exec "$NS" tcpdump -i lo -U --immediate-mode -s 0 -B 131072 -Z root \
        -w "$pcap" "$filter" 2> "$log" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    for ((n = 0; n < 100; n++)); do
        grep -qs "listening on" "$log" && [ -s "$pcap" ] && break
        sleep 0.1
    done
    grep -q "listening on" "$log" || { cat "$log" >&2; exit 1; }
    sleep 0.5
}

# tcpdump_stop LOG [SETTLE]: after SETTLE seconds (0.5), stop tcpdump with
# SIGINT and wait for the complete file; fail if it dropped packets.
tcpdump_stop() {
    local log=$1
    sleep "${2:-0.5}"
    kill -INT "$CAP_PID"
    wait_pid "$CAP_PID" 10 || true
    grep -qx "0 packets dropped by kernel" "$log" ||
        { echo "$log: tcpdump dropped packets:" >&2; cat "$log" >&2; exit 1; }
}

# drop_empty_keylog KEYS: s_client writes a comment line even when it
# derived no secret; such a key log is removed.
drop_empty_keylog() {
    grep -qv '^#' "$1" 2>/dev/null || rm -f "$1"
}
