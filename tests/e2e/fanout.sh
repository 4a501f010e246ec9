#!/usr/bin/env bash
# --fanout in the network namespace $1 (already created): two tlsdump
# processes in one PACKET_FANOUT group capture the loopback while 24 TLS
# connections are made over it; together they must show each connection
# exactly once, and each must have been given some.
set -u
ns=$1 tlsdump=$2 out=$3
in_ns() { ip netns exec "$ns" "$@"; }
port=4433 conns=24
fail() { echo "  fanout: $*"; kill -9 "${pids[@]}" 2>/dev/null; exit 1; }

in_ns ip link set lo up
ip netns exec "$ns" openssl s_server -accept "$port" -cert pcaps/keys/server.pem \
    -key pcaps/keys/server.key -www -quiet >"$out/fanout.server" 2>&1 &
pids=($!)
for m in 1 2; do
    ip netns exec "$ns" "$tlsdump" -i lo --fanout 7 --summary "tcp port $port" \
        >"$out/fanout.$m" 2>"$out/fanout.$m.err" &
    pids+=($!)
done
for _ in $(seq 50); do
    [ "$(in_ns ss -0 2>/dev/null | grep -c .)" -ge 3 ] && in_ns ss -ltn | grep -q ":$port " && break
    sleep 0.1
done
sleep 0.5
for _ in $(seq "$conns"); do
    printf 'GET / HTTP/1.0\r\n\r\n' |
        in_ns timeout 10 openssl s_client -connect "127.0.0.1:$port" -quiet >/dev/null 2>&1
done
sleep 0.5
for m in 1 2; do
    kill -INT "${pids[$m]}"
    wait "${pids[$m]}" || fail "member $m: exit status $? after SIGINT (see $out/fanout.$m.err)"
done
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
# client ports of the summary lines ("  3 127.0.0.1:40012 -> 127.0.0.1:4433 ...")
ports() { sed -n "s/^ *[0-9]* 127\.0\.0\.1:\([0-9]*\) -> 127\.0\.0\.1:$port .*/\1/p" "$1"; }
n1=$(ports "$out/fanout.1" | wc -l) n2=$(ports "$out/fanout.2" | wc -l)
all=$(cat <(ports "$out/fanout.1") <(ports "$out/fanout.2") | sort)
[ "$(wc -l <<<"$all")" = "$conns" ] || fail "$n1 + $n2 connections shown, not $conns"
[ "$(uniq <<<"$all" | wc -l)" = "$conns" ] || fail "a connection shown by both members"
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "one member saw them all ($n1, $n2)"
! grep -q 'Sanitizer\|runtime error' "$out"/fanout.?.err || fail "sanitizer report"
echo "  fanout: $n1 + $n2 of $conns connections"
exit 0
