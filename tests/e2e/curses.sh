#!/usr/bin/env bash
# The curses view (--curses) in a real terminal: tmux runs a shell, the
# test types tlsdump's command line and its keys (send-keys) and reads the
# screen (capture-pane), and checks what a person would look at.
#
# Usage: curses.sh TLSDUMP OUTDIR.  Prints "ok"/"FAIL" lines, then
# "N passed, N failed".
set -u
TLSDUMP=$1 OUT=$2/curses
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok    curses: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL  curses: $1${2:+: $2}"; }

if ! command -v tmux >/dev/null; then
    echo "skip  curses (no tmux: make deps installs it)"
    echo "0 passed, 0 failed"
    exit 0
fi
sock=tlsdump-curses-$$
tm() { tmux -L "$sock" "$@"; }
screen() { tm capture-pane -p -t t; }
# Waits up to 10 s for every pattern (grep -E) to be on the screen.
shows() {
    for _ in $(seq 100); do
        local s all=1
        s=$(screen)
        for p in "$@"; do grep -qE -- "$p" <<<"$s" || all=0; done
        [ $all = 1 ] && return 0
        sleep 0.1
    done
    screen >"$OUT/screen.$pass.$fail"
    return 1
}
lacks() { ! screen | grep -qE -- "$1"; }
keys() { tm send-keys -t t "$@"; sleep 0.3; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "screen in $OUT"; fi; }
# A session kept for the test's length, so that the server does not exit
# (and race the next one starting) between two shells.
tm new-session -d -s keep -x 80 -y 24 "sleep 3600"
start_shell() {
    tm kill-session -t t 2>/dev/null
    tm new-session -d -s t -x 100 -y 30 "env -i PATH=$PATH TERM=screen-256color HOME=$OUT ${1:-} bash --norc --noprofile"
    tm set-option -t t status off >/dev/null
    keys "cd $OUT && PS1='prompt\$ '" Enter
    keys clear Enter
}
trap 'tm kill-server 2>/dev/null' EXIT

# Three established connections and one that fails (unknown_ca), in one file.
mergecap -F pcap -w "$OUT/mixed.pcap" pcaps/multi-openssl.pcap pcaps/fail-unknown-ca-tls12.pcap
cp pcaps/multi-openssl.keys "$OUT/mixed.keys"
"$TLSDUMP" -r "$OUT/mixed.pcap" -l "$OUT/mixed.keys" --extract "$OUT/extract" >/dev/null 2>&1

start_shell
keys "$TLSDUMP -C -r mixed.pcap -l mixed.keys" Enter
check "the list shows each connection's name and result" \
    shows '^ +1 server\.test +established +TLSv1\.3' '^ +4 server\.test +unknown_ca +TLSv1\.2' \
    '^ +3 server\.test +established' 'mixed\.pcap \(read\)'
keys Enter
check "Enter shows the diagnosis and the timeline, ClientHello to Finished" \
    shows 'Result: established' 'Server certificate: unknown_issuer' '^\+ +ClientHello' \
    '^\+ +Finished \(decrypted\)'
keys / ClientHello Enter Enter
check "Enter on a step unfolds its fields" shows '^- +ClientHello' '^ +cipher_suites' 'TLS_AES_256_GCM_SHA384'
keys d
check "d shows the request and the response as text" \
    shows '^C> GET /page\.html HTTP/1\.0' '^S> HTTP/1\.0 200 ok'
keys / "line 33" Enter
check "/ finds a string in the data" shows 'found "line 33"' '^S> line 33: the quick'
keys n
check "n finds it again" shows 'found "line 33"'
keys x
check "x shows the conversation in hex" shows '^C> 000000  47 45 54 20 2f' 'in hex'
keys s
check "s saves the plaintext as --extract does and says where" \
    shows 'saved \./conn-1-client\.bin and \./conn-1-server\.bin'
cmp -s "$OUT/conn-1-client.bin" "$OUT/extract/conn-1-client.bin" &&
    cmp -s "$OUT/conn-1-server.bin" "$OUT/extract/conn-1-server.bin" &&
    ok "the saved files are --extract's" || bad "the saved files are --extract's"
keys q q
keys f failed Enter
check "the filter 'failed' hides the established ones" shows '^ +4 server\.test +unknown_ca' 'filter failed'
check "... all of them" lacks 'established  '
keys f v:1.3 Enter
check "the filter by version" shows '^ +1 server' '^ +3 server'
check "... keeps only that version" lacks '^ +[24] server'
keys f Enter
keys / unknown_ca Enter
check "/ on the list finds a result" shows 'found "unknown_ca"'
tm resize-window -t t -x 80 -y 24
sleep 0.5
check "at 80x24 the list and the status line are readable" \
    shows '^ +1 server\.test +established' '^ +4 server\.test +unknown_ca' '^ mixed\.pcap \(read\) \| [0-9]+ pkts'
[ "$(screen | awk '{ if (length($0) > 80) n++ } END { print n + 0 }')" = 0 ] &&
    ok "nothing drawn past 80 columns" || bad "nothing drawn past 80 columns"
keys Enter
check "a connection at 80x24" shows 'Result: unknown_ca|Diagnosis: unknown_ca'
tm resize-window -t t -x 100 -y 30
sleep 0.5
keys q
check "and back at 100x30" shows '^ +3 server\.test +established +TLSv1\.3 127\.0\.0\.1'
keys '?'
check "? lists the keys" shows 'PgUp, PgDn' 'save the connection'
keys '?'
keys q
keys 'echo rc=$?' Enter
check "q exits 0 and the shell is usable" shows '^rc=0$' '^prompt\$ ?$'
check "... no sanitizer report" lacks 'Sanitizer|runtime error'

# Colour unless NO_COLOR.
keys clear Enter
keys "$TLSDUMP -C -r mixed.pcap -l mixed.keys" Enter
shows 'unknown_ca' >/dev/null
tm capture-pane -e -p -t t >"$OUT/colour.screen"
keys q
start_shell NO_COLOR=1
keys "$TLSDUMP -C -r mixed.pcap -l mixed.keys" Enter
shows 'unknown_ca' >/dev/null
tm capture-pane -e -p -t t >"$OUT/nocolour.screen"
grep -q $'\e\\[3[1-6]m' "$OUT/colour.screen" && ! grep -q $'\e\\[3[1-6]m' "$OUT/nocolour.screen" &&
    ok "colours, and none with NO_COLOR" || bad "colours, and none with NO_COLOR"

# SIGINT while browsing: the terminal comes back, the status is 0.
tm send-keys -t t C-c
sleep 0.5
keys 'echo rc=$?' Enter
check "SIGINT restores the terminal" shows '^rc=0$'
check "... no sanitizer report" lacks 'Sanitizer|runtime error'
keys 'stty -a | tr " " "\n" | grep -x echo' Enter
check "... with echo on" shows '^echo$'

# The detail kept is bounded: past --curses-memory the oldest is dropped, and said.
start_shell
keys "$TLSDUMP -C --curses-memory 1 -r $(realpath pcaps/dec-tls12-2mb.pcap) -l $(realpath pcaps/dec-tls12-2mb.keys)" Enter
check "--curses-memory: the status line says detail was dropped" shows 'detail dropped: 1'
keys Enter
check "... and so does the connection" shows 'its detail was dropped to stay within --curses-memory'
keys q q

# Live, in a network namespace of our own (needs root): a connection
# appears while it is open, the keys work meanwhile, the drops are shown.
ns=tlsdump-curses-$$
if [ "$(id -u)" = 0 ] && command -v openssl >/dev/null && ip netns add "$ns" 2>/dev/null; then
    ip netns exec "$ns" ip link set lo up
    sleep 30 | ip netns exec "$ns" openssl s_server -accept 4433 -cert pcaps/keys/server.pem \
        -key pcaps/keys/server.key -quiet >"$OUT/live.server" 2>&1 &
    server=$!
    start_shell
    keys "ip netns exec $ns $TLSDUMP -C -i lo -l live.keys 'tcp port 4433'" Enter
    check "live: the status line shows the drops" shows '^ lo \| [0-9]+ pkts .* \| drops 0'
    keys '?'
    (sleep 6 | ip netns exec "$ns" timeout 10 openssl s_client -connect 127.0.0.1:4433 \
        -servername server.test -keylogfile "$OUT/live.keys" -quiet >"$OUT/live.client" 2>&1 &)
    sleep 2
    keys q
    check "live: the connection appears while it is open" shows '^ +1 server\.test +open '
    check "live: ... and has a result once it ends" shows '^ +1 server\.test +(established|[a-z]+_[a-z_]+) +TLSv1\.3 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:4433'
    check "live: ... no longer open" lacks '^ +1 server\.test +open'
    check "live: the key log's secrets are counted as it grows" shows '\| [1-9][0-9]* secrets'
    keys q
    keys 'echo rc=$?' Enter
    check "live: q exits 0" shows '^rc=0$'
    check "live: ... no sanitizer report" lacks 'Sanitizer|runtime error'
    kill "$server" 2>/dev/null
    ip netns del "$ns"
else
    echo "skip  curses: live (needs root and ip netns)"
fi

# Not a terminal: one line, status 2.
"$TLSDUMP" -C -r "$OUT/mixed.pcap" >"$OUT/notty.out" 2>"$OUT/notty.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$OUT/notty.err")" = 1 ] && grep -q 'needs a terminal' "$OUT/notty.err" &&
    ok "not a terminal: one line, status 2" || bad "not a terminal: one line, status 2" "status $rc"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
