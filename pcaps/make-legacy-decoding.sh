#!/bin/bash
# Captures of what old and odd peers put on the wire (issue 12), for
# tlsdump's decoding of them:
#
#   legacy-sslv2             an SSL 2.0 session: CLIENT-HELLO, SERVER-HELLO,
#                            CLIENT-MASTER-KEY, then SERVER-VERIFY,
#                            CLIENT-FINISHED, SERVER-FINISHED and a GET,
#                            encrypted (RC4_128_WITH_MD5)
#   legacy-sslv2-no-cipher   an SSL 2.0 server without a cipher in common:
#                            ERROR (NO-CIPHER-ERROR)
#   legacy-draft18           TLS 1.3 draft 18: the ServerHello of the early
#                            drafts (no session ID, no compression), key_share 40
#   legacy-draft23           TLS 1.3 draft 23: TLS 1.2-shaped hellos,
#                            supported_versions, ChangeCipherSpec
#   legacy-plain-after-tls   a TLS 1.2 handshake, then plaintext both ways
#                            (GridFTP data channels without protection), key log
#   legacy-tls13-alpn        TLS 1.3 with ALPN h2 chosen (in the encrypted
#                            EncryptedExtensions), key log
#   legacy-unknown-ca-name   openssl s_client without -verify_hostname, asking
#                            for another name, against a CA it lacks: it
#                            sends unknown_ca, never a name mismatch
#   legacy-midstream-tls12   pcaps/tls12-openssl.pcap from the client's first
#                            application data on: its close_notify alerts are
#                            26-byte encrypted records
#
# The SSL 2.0 and draft peers are pcaps/legacy-decoding-peer.py (/usr/bin/python3);
# the draft captures are real TCP with synthetic records after the
# ServerHello (random bytes of a real flight's sizes: there is no key
# exchange).  TLS 1.3 with ALPN is openssl s_server and s_client.  Each
# capture is checked with tshark (what it calls the messages and versions).
#
# Usage (as root):  pcaps/make-legacy-decoding.sh [NAME...]
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ./lib.sh
PCAPS=$PWD
KEYS=$PCAPS/keys
NS=tlsdump-legacy-$$
TMP=$(mktemp -d)
PIDS=()
PY=/usr/bin/python3
PEER="$PY $PCAPS/legacy-decoding-peer.py"

NAMES=(legacy-sslv2 legacy-sslv2-no-cipher legacy-draft18 legacy-draft23
       legacy-plain-after-tls legacy-tls13-alpn legacy-unknown-ca-name
       legacy-midstream-tls12)
declare -A PORT=(
    [legacy-sslv2]=4521 [legacy-sslv2-no-cipher]=4522 [legacy-draft18]=4523
    [legacy-draft23]=4524 [legacy-plain-after-tls]=4525 [legacy-tls13-alpn]=4526
    [legacy-unknown-ca-name]=4527
)

ONLY=("$@")
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${NAMES[@]}")
trap netns_cleanup EXIT

start_capture() {
    rm -f "$PCAPS/$1.pcap" "$PCAPS/$1.keys"
    tcpdump_start "$PCAPS/$1.pcap" "tcp port ${PORT[$1]}" "$TMP/$1.tcpdump"
}

stop_capture() {
    tcpdump_stop "$TMP/$1.tcpdump"
}

# server NAME ARGS...: legacy-decoding-peer.py in the namespace, in the background
# (server_done waits for it); the clients run in the foreground
server() {
    local name=$1; shift
    ip netns exec "$NS" $PEER "$@" > "$TMP/$name.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "${PORT[$name]}"
}

server_done() {
    local rc=0
    wait_pid "$SRV_PID" 10 || rc=$?
    [ $rc = 0 ] || { cat "$TMP/$1.server" >&2; die "$1: server failed ($rc)"; }
}

# tsh NAME ARGS...: tshark on NAME.pcap, its port as TLS, with its key log
tsh() {
    local name=$1; shift
    local -a keys=()
    [ -s "$PCAPS/$name.keys" ] && keys=(-o "tls.keylog_file:$PCAPS/$name.keys")
    tshark -r "$PCAPS/$name.pcap" -d "tcp.port==${PORT[$name]:-4433},tls" "${keys[@]}" "$@" \
        2>/dev/null
}

expect() { # NAME WHAT PATTERN ARGS...: tshark's output matches PATTERN
    local name=$1 what=$2 pat=$3; shift 3
    tsh "$name" "$@" | grep -Eq "$pat" || die "$name: tshark does not show $what"
    echo "   tshark: $what"
}

cap_legacy_sslv2() {
    local n=legacy-sslv2 p=${PORT[legacy-sslv2]}
    start_capture $n
    server $n ssl2-server "$p" "$KEYS/server.pem" "$KEYS/server.key" 010080 0700c0
    nsx $PEER ssl2-client "$p" 0700c0 010080 > "$TMP/$n.out" || die "$n: client failed"
    server_done $n
    stop_capture $n
    grep -q "an SSL 2.0 page" "$TMP/$n.out" || die "$n: no page"
    expect $n "an SSLv2 Server Hello" "SSLv2 .* Server Hello"
    expect $n "an SSLv2 Client Master Key" "SSLv2 .* Client Master Key"
}

cap_legacy_sslv2_no_cipher() {
    local n=legacy-sslv2-no-cipher p=${PORT[legacy-sslv2-no-cipher]} rc=0
    start_capture $n
    server $n ssl2-server "$p" "$KEYS/server.pem" "$KEYS/server.key" 0700c0
    nsx $PEER ssl2-client "$p" 010080 2> "$TMP/$n.err" || rc=$?
    server_done $n
    stop_capture $n
    [ $rc = 3 ] || die "$n: the client should have got an ERROR ($rc)"
    # tshark 4.0 calls the ERROR "Encrypted Data": the bytes are checked
    expect $n "the server's ERROR, 80 03 00 00 01" '^8003000001$' \
        -Y "tcp.srcport == $p && tcp.len > 0" -T fields -e tcp.payload
}

cap_draft() {
    local n=$1 v=$2 p=${PORT[$1]}
    start_capture $n
    server $n draft-server "$p" "$v"
    nsx $PEER draft-client "$p" "$v" || die "$n: client failed"
    server_done $n
    stop_capture $n
}

cap_legacy_draft18() {
    cap_draft legacy-draft18 7f12
    expect legacy-draft18 "a ServerHello of version 0x7f12" '0x7f12' \
        -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.version
}

cap_legacy_draft23() {
    cap_draft legacy-draft23 7f17
    expect legacy-draft23 "supported_versions 0x7f17 in the ServerHello" '0x7f17' \
        -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.extensions.supported_version
}

cap_legacy_plain_after_tls() {
    local n=legacy-plain-after-tls p=${PORT[legacy-plain-after-tls]}
    start_capture $n
    server $n plain-after-server "$p" "$KEYS/server.pem" "$KEYS/server.key"
    nsx $PEER plain-after-client "$p" "$PCAPS/$n.keys" || die "$n: client failed"
    server_done $n
    stop_capture $n
    [ "$(tsh $n -Y 'tls.handshake.type == 20' -T fields -e frame.number | wc -l)" = 2 ] ||
        die "$n: tshark does not show two Finished messages"
    echo "   tshark: two Finished messages"
    expect $n "the plaintext after the handshake" 'STOR 12 bytes' -q -z follow,tcp,ascii,0
}

cap_legacy_tls13_alpn() {
    local n=legacy-tls13-alpn p=${PORT[legacy-tls13-alpn]}
    start_capture $n
    (cd "$PCAPS/data" && exec ip netns exec "$NS" openssl s_server -WWW -quiet -accept "$p" \
        -naccept 1 -tls1_3 -alpn h2 -cert "$KEYS/server.pem" -key "$KEYS/server.key") \
        > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$p"
    printf 'GET /page.html HTTP/1.0\r\n\r\n' | timeout 20 ip netns exec "$NS" openssl s_client \
        -connect "127.0.0.1:$p" -servername server.test -quiet -ign_eof -alpn h2,http/1.1 \
        -keylogfile "$PCAPS/$n.keys" > "$TMP/$n.out" 2>&1 || die "$n: s_client failed"
    server_done $n
    stop_capture $n
    expect $n "ALPN h2 in the decrypted EncryptedExtensions" '^h2$' \
        -Y 'tls.handshake.type == 8' -T fields -e tls.handshake.extensions_alpn_str
}

cap_legacy_unknown_ca_name() {
    local n=legacy-unknown-ca-name p=${PORT[legacy-unknown-ca-name]} rc=0
    start_capture $n
    (cd "$PCAPS/data" && exec ip netns exec "$NS" openssl s_server -WWW -quiet -accept "$p" \
        -naccept 1 -tls1_2 -cert "$KEYS/server.pem" -key "$KEYS/server.key") \
        > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$p"
    printf 'GET /page.html HTTP/1.0\r\n\r\n' | timeout 20 ip netns exec "$NS" openssl s_client \
        -connect "127.0.0.1:$p" -servername www.other.test -CAfile "$KEYS/other-ca.pem" \
        -verify_return_error -quiet -tls1_2 > "$TMP/$n.out" 2>&1 || rc=$?
    wait_pid "$SRV_PID" 10 || true
    stop_capture $n
    [ $rc != 0 ] || die "$n: s_client should have failed"
    expect $n "the client's unknown_ca alert" '^2,48$' -Y 'tls.alert_message' -T fields \
        -e tls.alert_message.level -e tls.alert_message.desc -E separator=,
}

# The TLS 1.2 session of tls12-openssl.pcap, its packets from the one
# that carries the client's first application data record.
cap_legacy_midstream_tls12() {
    local n=legacy-midstream-tls12 src=$PCAPS/tls12-openssl.pcap first
    first=$(tshark -r "$src" -Y 'tls.record.content_type == 23' -T fields -e frame.number \
        2>/dev/null | head -1)
    [ -n "$first" ] || die "$n: no application data in $src"
    $PY - "$src" "$PCAPS/$n.pcap" "$first" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
first = int(sys.argv[3])
endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
out, pos, frame = bytearray(data[:24]), 24, 0
while pos + 16 <= len(data):
    incl = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
    frame += 1
    if frame >= first:
        out += data[pos:pos + 16 + incl]
    pos += 16 + incl
open(sys.argv[2], "wb").write(out)
PY
    PORT[$n]=$(tshark -r "$src" -Y tls -T fields -e tcp.dstport 2>/dev/null | head -1)
    expect $n "encrypted alerts" 'Encrypted Alert' -Y 'tls.record.content_type == 21'
}

setup_netns
for c in "${ONLY[@]}"; do
    echo "== $c"
    "cap_${c//-/_}"
done
echo
for c in "${NAMES[@]}"; do
    [ -s "$PCAPS/$c.pcap" ] && printf '%8d  %s.pcap\n' "$(stat -c %s "$PCAPS/$c.pcap")" "$c"
done
