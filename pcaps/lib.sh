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
