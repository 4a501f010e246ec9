#!/usr/bin/env bash
# Live capture test, in the network namespace $1 (already created): an
# openssl server and client talk over its loopback while `tlsdump -i lo`
# captures as user nobody; SIGINT must stop it cleanly with the connection
# shown and the kernel's drop count reported.  A third tlsdump is given
# `-l` naming the key log the client has not created yet, and must decrypt.
# The second and third run with --threads 2: the connection's summary line
# must come while capturing, through the threads' merger.
set -u
ns=$1 tlsdump=$2 out=$3
in_ns() { ip netns exec "$ns" "$@"; }
port=4433

in_ns ip link set lo up
in_ns ip link set lo mtu 1500
# started without a shell function, so that $! is the process itself
ip netns exec "$ns" openssl s_server -accept "$port" -cert pcaps/keys/server.pem -key pcaps/keys/server.key \
    -www -quiet >"$out/live.server" 2>&1 &
server=$!
ip netns exec "$ns" "$tlsdump" -i lo -Z nobody "tcp port $port" >"$out/live.out" 2>"$out/live.err" &
dump=$!
ip netns exec "$ns" "$tlsdump" -i lo --threads 2 --summary "tcp port $port" >"$out/live.summary" 2>&1 &
summary=$!
rm -f "$out/live.keys"
ip netns exec "$ns" "$tlsdump" -i lo --threads 2 -d -l "$out/live.keys" "tcp port $port" \
    >"$out/live.decrypt" 2>"$out/live.decrypt.err" &
decrypt=$!
# wait until both listen: the server's port, tlsdump's packet socket
for _ in $(seq 50); do
    in_ns ss -ltn 2>/dev/null | grep -q ":$port " && in_ns ss -0 2>/dev/null | grep -q . && break
    sleep 0.1
done
sleep 0.5
printf 'GET / HTTP/1.0\r\n\r\n' |
    in_ns timeout 10 openssl s_client -connect "127.0.0.1:$port" -keylogfile "$out/live.keys" \
        -quiet >"$out/live.client" 2>&1
sleep 0.5
fail() { echo "  live: $*"; kill -9 "$dump" "$server" "$summary" "$decrypt" 2>/dev/null; exit 1; }
# -l named a key log that did not exist yet: followed once it appeared.
kill -INT "$decrypt"
wait "$decrypt" || fail "-l before its key log exists: exit status $? after SIGINT"
grep -q "^tlsdump: -l: $out/live.keys does not exist yet; it is read once it appears$" \
    "$out/live.decrypt.err" || fail "-l before its key log exists: not said"
grep -q '^    GET / HTTP/1.0$' "$out/live.decrypt" ||
    fail "-l before its key log exists: the request not decrypted"
# --summary writes a connection's line when it ends, not at exit.
grep -q "^ *1 127\.0\.0\.1:[0-9]* -> 127\.0\.0\.1:$port .* established " "$out/live.summary" ||
    fail "--summary: no line for the connection while capturing"
kill -INT "$summary"
wait "$summary" || fail "--summary: exit status $? after SIGINT"
grep -q "^1 connections: established 1$" "$out/live.summary" || fail "--summary: no totals"
kill -INT "$dump"
for _ in $(seq 50); do kill -0 "$dump" 2>/dev/null || break; sleep 0.1; done
kill -0 "$dump" 2>/dev/null && fail "tlsdump still running 5 s after SIGINT"
rc=0
wait "$dump" || rc=$?
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null

[ "$rc" = 0 ] || fail "tlsdump exited with $rc after SIGINT"
grep -q "^New TCP connection #1: 127\.0\.0\.1([0-9]*) <-> 127\.0\.0\.1($port)$" "$out/live.out" ||
    fail "no connection line"
grep -q 'C>S  Handshake$' "$out/live.out" || fail "no ClientHello record"
grep -q 'TCP FIN$' "$out/live.out" || fail "no FIN"
grep -q 'packets dropped by kernel' "$out/live.err" || fail "no drop count"
! grep -q 'Sanitizer\|runtime error' "$out/live.err" || fail "sanitizer report"
exit 0
