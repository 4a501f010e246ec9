#!/bin/bash
# Real captures of TCP corner cases (issue 12): TCP Fast Open (RFC 7413).
#
# Same approach as make-captures.sh: real peers over the loopback interface
# of a private network namespace, recorded by tcpdump.  The namespace
# enables Fast Open for clients and for every listener
# (net.ipv4.tcp_fastopen = 0x403: client, server, server without the
# TCP_FASTOPEN socket option, since OpenSSL 3.0's s_server has no -tfo).
# The server is s_server -WWW serving data/page.html; the client is
# tfo-client.py (python's ssl over memory BIOs), which hands its
# ClientHello to sendto(MSG_FASTOPEN).
#
#   tfo-tls13.pcap  two connections: the first asks for a Fast Open cookie
#                   (its SYN carries none, the ClientHello follows the
#                   handshake); the second carries the ClientHello on its
#                   SYN, and the server's SYN-ACK acknowledges it.
#
# Each capture's key log is NAME.keys; its rows of decrypt.txt (the
# plaintext the peers were fed, checked with tshark's follow,tls and the
# key log) are written again.
#
# Usage (as root):  pcaps/make-tcp-captures.sh
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ./lib.sh
PCAPS=$PWD
KEYS=$PCAPS/keys
DATA=$PCAPS/data
NS=tlsdump-tcp-$$
TMP=$(mktemp -d)
PIDS=()
PY=/usr/bin/python3
PORT=4530
GET='GET /page.html HTTP/1.0\r\n\r\n'
WWW_HTML='HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n'   # s_server -WWW header

[ "$(id -u)" = 0 ] || die "$0: must run as root"
[ -s "$KEYS/server.pem" ] && [ -s "$DATA/page.html" ] || die "run make-captures.sh first"
trap netns_cleanup EXIT

# capture NAME: tcpdump on the namespace's loopback into NAME.pcap
start_capture() {
    rm -f "$PCAPS/$1.pcap" "$PCAPS/$1.keys"
    tcpdump_start "$PCAPS/$1.pcap" "tcp port $PORT" "$TMP/tcpdump.err"
}

stop_capture() {
    tcpdump_stop "$TMP/tcpdump.err"
}

cap_tfo_tls13() {
    local name=tfo-tls13 i
    start_capture $name
    (cd "$DATA" && exec ip netns exec "$NS" openssl s_server -WWW -quiet -accept $PORT \
        -naccept 2 -tls1_3 -cert "$KEYS/server.pem" -key "$KEYS/server.key") \
        > "$TMP/server.log" 2>&1 &
    local srv=$!
    PIDS+=("$srv")
    wait_listen $PORT
    for i in 1 2; do
        nsx "$PY" "$PCAPS/tfo-client.py" 127.0.0.1 $PORT "$KEYS/ca.pem" "$PCAPS/$name.keys" ||
            die "$name: client $i failed"
    done
    wait_pid "$srv" 10 || die "$name: s_server failed: $(cat "$TMP/server.log")"
    stop_capture
}

# The second connection must have carried its ClientHello on the SYN,
# acknowledged by the SYN-ACK; the first must have asked for the cookie.
check_tfo() {
    local f=$PCAPS/tfo-tls13.pcap syns
    syns=$(tshark -r "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields \
        -e tcp.len -e tcp.option_kind 2>/dev/null)
    [ "$(echo "$syns" | wc -l)" = 2 ] || die "tfo-tls13: not two connections"
    [ "$(echo "$syns" | sed -n 1p | cut -f1)" = 0 ] || die "tfo-tls13: data on the first SYN"
    [ "$(echo "$syns" | sed -n 2p | cut -f1)" -gt 0 ] || die "tfo-tls13: no data on the second SYN"
    [ "$(tshark -r "$f" -Y 'tcp.stream == 1 && tls.handshake.type == 1 && tcp.flags.syn == 1' \
        2>/dev/null | wc -l)" = 1 ] || die "tfo-tls13: the ClientHello is not on the SYN"
}

# Rows of decrypt.txt: what the peers were fed (tfo-client.py's request;
# s_server -WWW's header and page.html), checked with tshark.
manifest() {
    local n=$1 conns=$2 conn exp got rows=$TMP/rows
    printf "$GET" > "$TMP/exp.c"
    { printf "$WWW_HTML"; cat "$DATA/page.html"; } > "$TMP/exp.s"
    exp="$(stat -c %s "$TMP/exp.c") $(sha256sum < "$TMP/exp.c" | cut -d' ' -f1)"
    exp="$exp $(stat -c %s "$TMP/exp.s") $(sha256sum < "$TMP/exp.s" | cut -d' ' -f1)"
    : > "$rows"
    for ((conn = 1; conn <= conns; conn++)); do
        got=$("$PY" "$PCAPS/tshark-plaintext.py" "$PCAPS/$n.pcap" "$PCAPS/$n.keys" $((conn - 1)))
        [ "$got" = "$exp" ] || die "$n #$conn: tshark decrypts $got, the peers sent $exp"
        echo "$n $conn $exp tshark=agree" >> "$rows"
    done
    # replace the capture's rows, keeping the file's order (rows by name,
    # comment lines at the end)
    "$PY" - "$PCAPS/decrypt.txt" "$n" "$rows" <<'PY'
import sys
path, name, rows = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().splitlines()
lines = [l for l in open(path).read().splitlines() if not l.startswith(name + " ")]
head = [l for l in lines[:2] if l.startswith("#")]
body = [l for l in lines[len(head):] if not l.startswith("#")]
tail = [l for l in lines[len(head):] if l.startswith("#")]
at = next((i for i, l in enumerate(body) if l.split()[0] > name), len(body))
open(path, "w").write("\n".join(head + body[:at] + rows + body[at:] + tail) + "\n")
PY
    echo "== $n: $conns rows in decrypt.txt, tshark agrees"
}

setup_netns
nsx sysctl -q -w net.ipv4.tcp_fastopen=0x403
cap_tfo_tls13
check_tfo
manifest tfo-tls13 2
