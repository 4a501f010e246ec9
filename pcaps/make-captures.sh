#!/bin/bash
# Produce real TLS test captures for tlsdump.
#
# Runs real peers (openssl s_server/s_client, gnutls-cli, curl) over the
# loopback interface of a private network namespace and records each
# exchange with tcpdump, together with the key log file of the client.
#
# Usage (as root):  pcaps/make-captures.sh [--new-keys]
#   --new-keys   regenerate the test PKI in pcaps/keys/ (default: reuse it)
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ./lib.sh
PCAPS=$PWD
KEYS=$PCAPS/keys
DATA=$PCAPS/data
NS=tlsdump-cap-$$
TMP=$(mktemp -d)
PIDS=()

NEW_KEYS=0
case "${1:-}" in
    --new-keys) NEW_KEYS=1 ;;
    "") ;;
    *) echo "usage: $0 [--new-keys]" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "$0: must run as root" >&2; exit 1; }

trap netns_cleanup EXIT

make_keys() {
    mkdir -p "$KEYS"
    if [ "$NEW_KEYS" = 0 ] && [ -s "$KEYS/ca.pem" ] && [ -s "$KEYS/server.pem" ] \
        && [ -s "$KEYS/server.key" ]; then
        return
    fi
    echo "== generating test PKI in $KEYS"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/CN=tlsdump test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$KEYS/ca.key" -out "$KEYS/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=server.test" \
        -keyout "$KEYS/server.key" -out "$TMP/server.csr" 2>/dev/null
    cat > "$TMP/server.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:server.test,DNS:localhost,IP:127.0.0.1
EOF
    openssl x509 -req -sha256 -days 3650 -in "$TMP/server.csr" \
        -CA "$KEYS/ca.pem" -CAkey "$KEYS/ca.key" -set_serial 0x1001 \
        -extfile "$TMP/server.ext" -out "$KEYS/server.pem" 2>/dev/null
    openssl verify -CAfile "$KEYS/ca.pem" "$KEYS/server.pem"
}

make_data() {
    mkdir -p "$DATA"
    local i
    for ((i = 1; i <= 360; i++)); do
        printf 'line %d: the quick brown fox jumps over the lazy dog\n' "$i"
    done > "$DATA/page.html"
    # 5 MiB of deterministic pseudo-random bytes (AES-128-CTR of zeros)
    head -c 5242880 /dev/zero | openssl enc -aes-128-ctr -nosalt \
        -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
        > "$DATA/big.bin"
}

# start_capture NAME PORT: start tcpdump writing NAME.pcap, wait until it runs
start_capture() {
    rm -f "$PCAPS/$1.pcap" "$PCAPS/$1.keys"
    tcpdump_start "$PCAPS/$1.pcap" "tcp port $2" "$TMP/$1.tcpdump"
}

# stop_capture NAME: stop tcpdump with SIGINT and wait for the complete file
stop_capture() {
    tcpdump_stop "$TMP/$1.tcpdump"
}

# serve PORT NACCEPT OPTS...: run s_server -WWW from $DATA in the background
serve() {
    local port=$1 naccept=$2
    shift 2
    (cd "$DATA" && exec ip netns exec "$NS" openssl s_server -WWW -quiet \
        -accept "$port" -naccept "$naccept" \
        -cert "$KEYS/server.pem" -key "$KEYS/server.key" "$@") \
        > "$TMP/server-$port.log" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    local n
    for ((n = 0; n < 100; n++)); do
        nsx ss -Hltn "sport = :$port" | grep -q . && return
        sleep 0.1
    done
    echo "s_server on port $port did not start" >&2
    cat "$TMP/server-$port.log" >&2
    exit 1
}

wait_server() {
    wait "$SRV_PID" || { echo "s_server failed:" >&2; cat "$TMP"/server-*.log >&2; exit 1; }
}

# s_client NAME PORT PATH OPTS...: one HTTP/1.0 GET with openssl s_client
s_client() {
    local name=$1 port=$2 path=$3
    shift 3
    printf 'GET %s HTTP/1.0\r\n\r\n' "$path" |
        nsx openssl s_client -connect "127.0.0.1:$port" -servername server.test \
            -CAfile "$KEYS/ca.pem" -verify_return_error -ign_eof -quiet \
            -keylogfile "$PCAPS/$name.keys" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" ||
        { cat "$TMP/$name.err" >&2; exit 1; }
}

# check_response NAME FILE: client output must contain the whole file
check_response() {
    local name=$1 file=$2
    tail -c "$(stat -c %s "$file")" "$TMP/$name.out" | cmp -s - "$file" ||
        { echo "$name: response does not match $file" >&2; exit 1; }
}

cap_tls13_openssl() {
    start_capture tls13-openssl 4431
    serve 4431 1 -tls1_3
    s_client tls13-openssl 4431 /page.html -tls1_3
    wait_server
    stop_capture tls13-openssl
    check_response tls13-openssl "$DATA/page.html"
}

cap_tls12_openssl() {
    start_capture tls12-openssl 4432
    serve 4432 1 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
    s_client tls12-openssl 4432 /page.html -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
    wait_server
    stop_capture tls12-openssl
    check_response tls12-openssl "$DATA/page.html"
}

cap_tls12_gnutls() {
    local name=tls12-gnutls
    start_capture $name 4433
    serve 4433 1 -tls1_2
    # gnutls-cli closes the connection at EOF on stdin: keep stdin (a fifo)
    # open until it exits, which it does when the server closes.
    mkfifo "$TMP/gnutls.in"
    SSLKEYLOGFILE=$PCAPS/$name.keys ip netns exec "$NS" gnutls-cli --x509cafile "$KEYS/ca.pem" \
        --priority NORMAL:-VERS-ALL:+VERS-TLS1.2 --sni-hostname server.test \
        --verify-hostname server.test -p 4433 127.0.0.1 \
        < "$TMP/gnutls.in" > "$TMP/$name.out" 2> "$TMP/$name.err" &
    local cli=$!
    PIDS+=("$cli")
    exec 3> "$TMP/gnutls.in"
    printf 'GET /page.html HTTP/1.0\r\n\r\n' >&3
    wait "$cli" || { cat "$TMP/$name.err" >&2; exit 1; }
    exec 3>&-
    wait_server
    stop_capture $name
    sed -i '/^- Peer has closed the GnuTLS connection$/d' "$TMP/$name.out"
    check_response $name "$DATA/page.html"
}

cap_tls13_curl() {
    local name=tls13-curl
    start_capture $name 4434
    serve 4434 1 -tls1_3
    SSLKEYLOGFILE=$PCAPS/$name.keys nsx curl -sS --http1.1 --cacert "$KEYS/ca.pem" \
        --resolve server.test:4434:127.0.0.1 https://server.test:4434/page.html \
        -o "$TMP/$name.out"
    wait_server
    stop_capture $name
    cmp -s "$TMP/$name.out" "$DATA/page.html" || { echo "$name: bad body" >&2; exit 1; }
}

cap_multi_openssl() {
    local name=multi-openssl
    start_capture $name 4435
    serve 4435 3
    s_client $name 4435 /page.html -tls1_3
    s_client $name 4435 /page.html -tls1_2
    s_client $name 4435 /page.html -tls1_3
    wait_server
    stop_capture $name
}

cap_big_tls13() {
    local name=big-tls13
    start_capture $name 4436
    serve 4436 1 -tls1_3
    s_client $name 4436 /big.bin -tls1_3
    wait_server
    stop_capture $name
    check_response $name "$DATA/big.bin"
}

# check_capture NAME: non-empty, has SYN and FIN, key log has the right lines
check_capture() {
    local name=$1 f=$PCAPS/$1.pcap
    [ -s "$f" ] || { echo "$name: empty capture" >&2; exit 1; }
    local syn fin
    syn=$(tcpdump -nr "$f" 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null | wc -l)
    fin=$(tcpdump -nr "$f" 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)
    if [ "$syn" -eq 0 ] || [ "$fin" -eq 0 ]; then
        echo "$name: SYN=$syn FIN=$fin" >&2
        exit 1
    fi
    local k=$PCAPS/$name.keys
    case $name in
        tls12-*) grep -q '^CLIENT_RANDOM ' "$k" ;;
        multi-*) grep -q '^CLIENT_RANDOM ' "$k" && grep -q '^SERVER_TRAFFIC_SECRET_0 ' "$k" ;;
        *) grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$k" && grep -q '^SERVER_TRAFFIC_SECRET_0 ' "$k" \
            && grep -q '^SERVER_HANDSHAKE_TRAFFIC_SECRET ' "$k" ;;
    esac || { echo "$name: key log $k lacks the expected lines" >&2; exit 1; }
}

setup_netns
make_keys
make_data
CAPTURES="tls13-openssl tls12-openssl tls12-gnutls tls13-curl multi-openssl big-tls13"
for c in $CAPTURES; do
    echo "== $c"
    "cap_${c//-/_}"
    check_capture "$c"
done
echo "== produced files"
for c in $CAPTURES; do
    ls -l "$PCAPS/$c.pcap" "$PCAPS/$c.keys"
done | awk '{ printf "%10d  %s\n", $5, $NF }'
