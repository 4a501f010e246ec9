#!/bin/bash
# Hostile captures: makes them (tests/hostile/gen.py) and runs tlsdump on
# each, printing a row per capture: packets, wall time, packets per second,
# peak resident memory, the seconds the capture and tcp stages take alone
# (build/rel/tcp-only, `make hostile` builds it; "-" without it), and what
# tlsdump said (its last line on standard error, else the summary's count
# of connections).
#
# Usage: tests/hostile/run.sh [TLSDUMP]
# Environment:
#   HOSTILE_DIR    where the captures go (default tests/out/hostile)
#   HOSTILE_SCALE  multiplies the packet counts (default 1; 0.01 to try it)
#   HOSTILE_TIMEOUT  seconds a run may take (default 300)
set -uo pipefail

ROOT=$(readlink -f "$(dirname "$0")/../..")
TLSDUMP=$(readlink -f "${1:-$ROOT/tlsdump}")
DIR=${HOSTILE_DIR:-$ROOT/tests/out/hostile}
SCALE=${HOSTILE_SCALE:-1}
LIMIT=${HOSTILE_TIMEOUT:-300}
REAL=$ROOT/pcaps/tls13-openssl.pcap
TCPONLY=${TCPONLY:-$ROOT/build/rel/tcp-only}
unset SSLKEYLOGFILE

[ -x /usr/bin/time ] || { echo "$0: needs GNU /usr/bin/time (Debian package time)" >&2; exit 2; }
if [ ! -f "$DIR/.scale" ] || [ "$(cat "$DIR/.scale")" != "$SCALE" ]; then
    echo "making the captures in $DIR (scale $SCALE) ..."
    /usr/bin/python3 "$ROOT/tests/hostile/gen.py" "$DIR" "$SCALE" || exit 2
    echo "$SCALE" > "$DIR/.scale"
fi

# frames NAME: the frames in a capture, as tlsdump counts them is not
# exposed, so count records of a pcap file with python (pcapng: blocks).
frames() {
    /usr/bin/python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
n, off = 0, 24
if d[:4] == b'\x0a\x0d\x0d\x0a':
    off = 0
    while off + 8 <= len(d):
        t, l = struct.unpack('<II', d[off:off + 8])
        n += t == 6
        if l < 12: break
        off += l
else:
    while off + 16 <= len(d):
        off += 16 + struct.unpack('<I', d[off + 8:off + 12])[0]
        n += 1
print(n)
PY
}

printf '%-22s %9s %9s %11s %9s %7s  %s\n' capture packets wall_s packets/s rss_MB tcp_s said
# row NAME PACKETS [ARGS...]: runs tlsdump --summary ARGS and prints a row.
row() {
    local name=$1 pkts=$2; shift 2
    local t0 t1 rc said tcp=-
    t0=$(date +%s.%N)
    timeout "$LIMIT" /usr/bin/time -f %M -o "$DIR/$name.rss" \
        "$TLSDUMP" --summary "$@" > "$DIR/$name.out" 2> "$DIR/$name.err"
    rc=$?
    t1=$(date +%s.%N)
    said=$(grep -v '^$' "$DIR/$name.err" | tail -n 1)
    [ -n "$said" ] || said=$(grep ' connections: ' "$DIR/$name.out" | tail -n 1)
    [ "$rc" = 124 ] && said="TIMEOUT after ${LIMIT}s"
    if [ -x "$TCPONLY" ] && [ "$1" = -r ] && [ $# = 2 ]; then
        tcp=$(timeout "$LIMIT" "$TCPONLY" "$2" 2>/dev/null | awk '{ print $3 }')
        [ -n "$tcp" ] || tcp=-
    fi
    case $name in
        frag-flood) grep -q 'server.test' "$DIR/$name.out" && said="ClientHello read; $said" \
                        || said="ClientHello LOST; $said" ;;
    esac
    awk -v n="$name" -v p="$pkts" -v a="$t0" -v b="$t1" -v r="$(tail -n 1 "$DIR/$name.rss")" \
        -v s="${said:0:100}" -v rc="$rc" -v tcp="$tcp" 'BEGIN {
            w = b - a; r = (r ~ /^[0-9]+$/) ? sprintf("%.1f", r / 1024) : "-"
            printf "%-22s %9d %9.2f %11.0f %9s %7s  [%s] %s\n", n, p, w, (w > 0 ? p / w : 0), r, tcp, rc, s }'
}

for f in syn-flood ooo-1byte ooo-shuffled huge-lengths partial-hellos partial-headers frag-flood \
    extreme-ts; do
    row "$f" "$(frames "$DIR/$f.pcap")" -r "$DIR/$f.pcap"
done
# The same under a smaller memory budget: it holds there too.
for f in partial-hellos partial-headers; do
    row "$f-64M" "$(frames "$DIR/$f.pcap")" --max-memory 67108864 -r "$DIR/$f.pcap"
done
for f in "$DIR"/pcap-*.pcap "$DIR"/pcapng-*.pcapng; do
    n=$(basename "$f"); n=${n%.*}
    row "$n" "$(frames "$f")" -r "$f"
done
row keylog-random 36 -r "$REAL" -l "$DIR/keylog-random.keys"
row keylog-collide 36 -r "$REAL" -l "$DIR/keylog-collide.keys"
