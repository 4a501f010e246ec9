#!/bin/bash
# Produce real captures of failing TLS handshakes and of handshakes with
# special features (HelloRetryRequest, mutual TLS, resumption, a long
# certificate chain, an SSLv2-compatible ClientHello, an intermediate CA,
# a weak certificate) for tlsdump.
#
# Same approach as make-captures.sh: real peers (openssl s_server/s_client,
# gnutls-serv, curl, small /usr/bin/python3 programs beside this script
# where no stock tool misbehaves the way wanted) over the loopback interface
# of a private network namespace, recorded with tcpdump, each capture with
# the key log written by the client (NAME.keys, only when the client wrote one).
#
# Every alert in every capture is read back with tshark (with the key log,
# so that encrypted alerts are seen too); the observed first non-close_notify
# alert, its sender and the protocol version are checked against the table
# EXPECT below and written to failures.txt.
#
# Usage (as root):  pcaps/make-failures.sh [--new-keys] [NAME...]
#   --new-keys   regenerate the extra PKI of this script in pcaps/keys/
#                (other-ca, client, expired, future, weak, aia-*, chain-*);
#                ca.* and server.* are never touched (they come from
#                make-captures.sh)
#   NAME...      make only these captures (default: all); the table and
#                failures.txt always cover every capture present on disk
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ./lib.sh
PCAPS=$PWD
KEYS=$PCAPS/keys
DATA=$PCAPS/data
NS=tlsdump-fail-$$
TMP=$(mktemp -d)
PIDS=()
PY=/usr/bin/python3
C12=ECDHE-RSA-AES128-GCM-SHA256
GET='GET /page.html HTTP/1.0\r\n\r\n'
CHAIN_LEN=12          # intermediate CAs in the long chain (RSA 4096 each)
MAX_SIZE=204800       # every capture must stay below 200 KB

# name -> port, and name -> "alert sender version" as expected on the wire
# (alert: first alert that is not close_notify; version: negotiated one from
# the ServerHello, else the highest one offered in the ClientHello).
NAMES=(
    fail-unknown-ca-tls12 fail-unknown-ca-tls13 fail-no-shared-cipher
    fail-version fail-expired fail-hostname fail-client-cert-tls12
    fail-client-cert-tls13 fail-renegotiation fail-http-on-tls-port
    fail-rst-handshake not-tls
    hrr-tls13 mtls-tls13 mtls-tls12 resume-tls12-id resume-tls12-ticket
    resume-tls13 long-chain sslv2-hello
    fail-alpn fail-sni fail-not-yet-valid fail-fallback fail-decode-error
    fail-illegal-parameter fail-hrr fail-closed-handshake fail-incomplete-chain
    aia-chain-ok weak-cert middlebox-injection fail-unsupported-extension
)
declare -A PORT=(
    [fail-unknown-ca-tls12]=4441 [fail-unknown-ca-tls13]=4442
    [fail-no-shared-cipher]=4443 [fail-version]=4444 [fail-expired]=4445
    [fail-hostname]=4446 [fail-client-cert-tls12]=4447
    [fail-client-cert-tls13]=4448 [fail-renegotiation]=4449
    [fail-http-on-tls-port]=4450 [fail-rst-handshake]=4451 [not-tls]=4452
    [hrr-tls13]=4453 [mtls-tls13]=4454 [mtls-tls12]=4455
    [resume-tls12-id]=4456 [resume-tls12-ticket]=4457 [resume-tls13]=4458
    [long-chain]=4459 [sslv2-hello]=4460
    # 4461-4493 are make-decrypt-captures.sh's; these continue at 4501
    [fail-alpn]=4501 [fail-sni]=4502 [fail-not-yet-valid]=4503
    [fail-fallback]=4504 [fail-decode-error]=4505 [fail-illegal-parameter]=4506
    [fail-hrr]=4507 [fail-closed-handshake]=4508 [fail-incomplete-chain]=4509
    [aia-chain-ok]=4510 [weak-cert]=4511 [middlebox-injection]=4512
    [fail-unsupported-extension]=4513
)
# the real server behind the relay of middlebox-injection (not captured)
RELAY_SERVER_PORT=4612
# extra tshark options: in middlebox-injection, tshark's HTTP heuristics
# take the connection over at the injected "HTTP/1.1 403" and would read
# the client's encrypted alert that follows as HTTP
declare -A TSHARK_OPTS=([middlebox-injection]="--disable-protocol http")
declare -A EXPECT=(
    [fail-unknown-ca-tls12]="unknown_ca client TLSv1.2"
    [fail-unknown-ca-tls13]="unknown_ca client TLSv1.3"
    [fail-no-shared-cipher]="handshake_failure server TLSv1.2"
    [fail-version]="protocol_version server TLSv1.2"
    [fail-expired]="certificate_expired client TLSv1.2"
    [fail-hostname]="bad_certificate client TLSv1.2"
    [fail-client-cert-tls12]="handshake_failure server TLSv1.2"
    [fail-client-cert-tls13]="certificate_required server TLSv1.3"
    [fail-renegotiation]="no_renegotiation server TLSv1.2"
    [fail-http-on-tls-port]="none none TLSv1.3"
    [fail-rst-handshake]="none none TLSv1.3"
    [not-tls]="none none none"
    [hrr-tls13]="none none TLSv1.3"
    [mtls-tls13]="none none TLSv1.3"
    [mtls-tls12]="none none TLSv1.2"
    [resume-tls12-id]="none none TLSv1.2"
    [resume-tls12-ticket]="none none TLSv1.2"
    [resume-tls13]="none none TLSv1.3"
    [long-chain]="none none TLSv1.2"
    [sslv2-hello]="none none TLSv1.2"
    [fail-alpn]="no_application_protocol server TLSv1.3"
    [fail-sni]="unrecognized_name server TLSv1.3"
    [fail-not-yet-valid]="bad_certificate client TLSv1.2"
    [fail-fallback]="inappropriate_fallback server TLSv1.2"
    [fail-decode-error]="decode_error server TLSv1.2"
    [fail-illegal-parameter]="illegal_parameter server TLSv1.3"
    [fail-hrr]="illegal_parameter server TLSv1.3"
    [fail-closed-handshake]="decode_error server TLSv1.3"
    [fail-incomplete-chain]="unknown_ca client TLSv1.2"
    [aia-chain-ok]="none none TLSv1.2"
    [weak-cert]="none none TLSv1.2"
    [middlebox-injection]="protocol_version client TLSv1.2"
    [fail-unsupported-extension]="unsupported_extension client TLSv1.2"
)

NEW_KEYS=0
ONLY=()
for a in "$@"; do
    case $a in
        --new-keys) NEW_KEYS=1 ;;
        -*) echo "usage: $0 [--new-keys] [NAME...]" >&2; exit 2 ;;
        *) [ -n "${PORT[$a]:-}" ] || { echo "$0: unknown capture $a" >&2; exit 2; }
           ONLY+=("$a") ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "$0: must run as root" >&2; exit 1; }

trap netns_cleanup EXIT

# ---------------------------------------------------------------- test PKI

# sign_cert CSR OUT SERIAL EXTFILE [CA CAKEY]: sign with the test CA (or CA)
sign_cert() {
    local csr=$1 out=$2 serial=$3 ext=$4 ca=${5:-$KEYS/ca.pem} cakey=${6:-$KEYS/ca.key}
    openssl x509 -req -sha256 -days 3650 -in "$csr" -CA "$ca" -CAkey "$cakey" \
        -set_serial "$serial" -extfile "$ext" -out "$out" 2>/dev/null
}

# new_csr NAME CN [BITS]: new RSA key $TMP/NAME.key and request $TMP/NAME.csr
new_csr() {
    openssl req -new -newkey "rsa:${3:-2048}" -nodes -sha256 -subj "/CN=$2" \
        -keyout "$TMP/$1.key" -out "$TMP/$1.csr" 2>/dev/null
}

# sign_dates CSR OUT SERIAL START END: a server certificate (server.ext)
# signed by the test CA, valid from START to END (YYYYMMDDHHMMSSZ); openssl
# x509 (3.0) cannot set notBefore, openssl ca can
sign_dates() {
    local csr=$1 out=$2 serial=$3 start=$4 end=$5
    mkdir -p "$TMP/ca/new"
    : > "$TMP/ca/index.txt"
    echo "$serial" > "$TMP/ca/serial"
    cat > "$TMP/ca/ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $TMP/ca/index.txt
new_certs_dir = $TMP/ca/new
serial = $TMP/ca/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
EOF
    openssl ca -batch -notext -config "$TMP/ca/ca.cnf" \
        -cert "$KEYS/ca.pem" -keyfile "$KEYS/ca.key" -startdate "$start" -enddate "$end" \
        -extfile "$TMP/server.ext" -in "$csr" -out "$out" 2>"$TMP/ca/log" ||
        { cat "$TMP/ca/log" >&2; exit 1; }
}

make_keys() {
    [ -s "$KEYS/ca.pem" ] && [ -s "$KEYS/ca.key" ] && [ -s "$KEYS/server.pem" ] ||
        die "$KEYS lacks the test CA/server; run make-captures.sh first"
    cat > "$TMP/server.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:server.test,DNS:localhost,IP:127.0.0.1
EOF
    cat > "$TMP/client.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
subjectAltName=DNS:client.test
EOF
    cat > "$TMP/ca.ext" <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/other-ca.pem" ]; then
        echo "== keys: other-ca (CN=tlsdump other CA, not trusted by anyone)"
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -subj "/CN=tlsdump other CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -keyout "$KEYS/other-ca.key" -out "$KEYS/other-ca.pem" 2>/dev/null
    fi

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/client.pem" ]; then
        echo "== keys: client (CN=client.test)"
        new_csr client client.test
        sign_cert "$TMP/client.csr" "$KEYS/client.pem" 0x2001 "$TMP/client.ext"
        install -m 600 "$TMP/client.key" "$KEYS/client.key"
        openssl verify -CAfile "$KEYS/ca.pem" "$KEYS/client.pem"
    fi

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/expired.pem" ]; then
        echo "== keys: expired (CN=server.test, valid 2020-01-01 .. 2021-01-01)"
        new_csr expired server.test
        sign_dates "$TMP/expired.csr" "$KEYS/expired.pem" 2002 20200101000000Z 20210101000000Z
        install -m 600 "$TMP/expired.key" "$KEYS/expired.key"
        ! openssl verify -CAfile "$KEYS/ca.pem" "$KEYS/expired.pem" 2>/dev/null ||
            die "expired.pem verifies"
    fi

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/future.pem" ]; then
        echo "== keys: future (CN=server.test, valid 2035-01-01 .. 2036-01-01)"
        new_csr future server.test
        sign_dates "$TMP/future.csr" "$KEYS/future.pem" 2003 20350101000000Z 20360101000000Z
        install -m 600 "$TMP/future.key" "$KEYS/future.key"
        ! openssl verify -CAfile "$KEYS/ca.pem" "$KEYS/future.pem" > "$TMP/future.verify" 2>&1 &&
            grep -q 'certificate is not yet valid' "$TMP/future.verify" ||
            die "future.pem is not 'not yet valid'"
    fi

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/weak.pem" ]; then
        echo "== keys: weak (CN=server.test, RSA 1024, signed with SHA-1)"
        new_csr weak server.test 1024
        openssl x509 -req -sha1 -days 3650 -in "$TMP/weak.csr" -CA "$KEYS/ca.pem" \
            -CAkey "$KEYS/ca.key" -set_serial 0x2004 -extfile "$TMP/server.ext" \
            -out "$KEYS/weak.pem" 2>/dev/null
        install -m 600 "$TMP/weak.key" "$KEYS/weak.key"
        # refused at security level 1 (OpenSSL's default), accepted at 0
        ! openssl verify -auth_level 1 -CAfile "$KEYS/ca.pem" "$KEYS/weak.pem" >/dev/null 2>&1 ||
            die "weak.pem verifies at security level 1"
        openssl verify -auth_level 0 -CAfile "$KEYS/ca.pem" "$KEYS/weak.pem"
    fi

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/aia-leaf.pem" ]; then
        echo "== keys: AIA (test CA -> aia-int -> leaf CN=server.test with caIssuers)"
        new_csr aia-int "tlsdump AIA intermediate CA"
        sign_cert "$TMP/aia-int.csr" "$KEYS/aia-int.pem" 0x4001 "$TMP/ca.ext"
        { cat "$TMP/server.ext"
          echo "authorityInfoAccess=caIssuers;URI:http://ca.test/aia-int.crt"; } > "$TMP/aia.ext"
        new_csr aia-leaf server.test
        sign_cert "$TMP/aia-leaf.csr" "$KEYS/aia-leaf.pem" 0x4100 "$TMP/aia.ext" \
            "$KEYS/aia-int.pem" "$TMP/aia-int.key"
        install -m 600 "$TMP/aia-leaf.key" "$KEYS/aia-leaf.key"
        openssl verify -CAfile "$KEYS/ca.pem" -untrusted "$KEYS/aia-int.pem" "$KEYS/aia-leaf.pem"
        ! openssl verify -CAfile "$KEYS/ca.pem" "$KEYS/aia-leaf.pem" >/dev/null 2>&1 ||
            die "aia-leaf.pem verifies without its intermediate"
    fi

    if [ "$NEW_KEYS" = 1 ] || [ ! -s "$KEYS/chain-leaf.pem" ]; then
        echo "== keys: long chain (test CA -> $CHAIN_LEN RSA-4096 intermediates -> leaf)"
        local i ca=$KEYS/ca.pem cakey=$KEYS/ca.key
        : > "$TMP/chain.pem"
        for ((i = 1; i <= CHAIN_LEN; i++)); do
            new_csr "int$i" "tlsdump intermediate CA $i" 4096
            sign_cert "$TMP/int$i.csr" "$TMP/int$i.pem" $((0x3000 + i)) "$TMP/ca.ext" "$ca" "$cakey"
            ca=$TMP/int$i.pem cakey=$TMP/int$i.key
        done
        new_csr chain-leaf server.test
        sign_cert "$TMP/chain-leaf.csr" "$KEYS/chain-leaf.pem" 0x3100 "$TMP/server.ext" "$ca" "$cakey"
        install -m 600 "$TMP/chain-leaf.key" "$KEYS/chain-leaf.key"
        # chain file for s_server -cert_chain: issuer of the leaf first
        for ((i = CHAIN_LEN; i >= 1; i--)); do cat "$TMP/int$i.pem"; done > "$KEYS/chain-intermediates.pem"
        openssl verify -CAfile "$KEYS/ca.pem" -untrusted "$KEYS/chain-intermediates.pem" \
            "$KEYS/chain-leaf.pem"
    fi
}

# ---------------------------------------------------------------- capture

# start_capture NAME: start tcpdump writing NAME.pcap, wait until it runs
start_capture() {
    local name=$1
    rm -f "$PCAPS/$name.pcap" "$PCAPS/$name.keys"
    tcpdump_start "$PCAPS/$name.pcap" "tcp port ${PORT[$name]}" "$TMP/$name.tcpdump"
}

# stop_capture NAME: stop tcpdump with SIGINT, wait for the complete file,
# drop a key log without secrets
stop_capture() {
    tcpdump_stop "$TMP/$1.tcpdump"
    drop_empty_keylog "$PCAPS/$1.keys"
}

SRV=(-cert "$KEYS/server.pem" -key "$KEYS/server.key")

# serve NAME NACCEPT OPTS...: s_server -WWW from $DATA in the background
serve() {
    local name=$1 naccept=$2 port=${PORT[$1]}
    shift 2
    (cd "$DATA" && exec ip netns exec "$NS" openssl s_server -WWW -quiet \
        -accept "$port" -naccept "$naccept" "$@") > "$TMP/$name.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
}

# server_done NAME ok|fail: s_server must have exited (with success if ok)
server_done() {
    local rc=0
    wait_pid "$SRV_PID" 10 || rc=$?
    if [ "$2" = ok ] && [ $rc != 0 ]; then
        echo "$1: s_server failed ($rc):" >&2; cat "$TMP/$1.server" >&2; exit 1
    fi
    return 0
}

# client NAME ok|fail OPTS...: one GET /page.html with s_client (-quiet,
# -ign_eof: stdin EOF does not end the connection), bounded by timeout;
# with ok the client must succeed and receive the page, with fail it must fail
client() {
    local name=$1 want=$2 port=${PORT[$1]} rc=0
    shift 2
    printf "$GET" | timeout 20 ip netns exec "$NS" openssl s_client \
        -connect "127.0.0.1:$port" -servername server.test -quiet -ign_eof \
        -keylogfile "$PCAPS/$name.keys" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" || rc=$?
    [ $rc = 124 ] && { cat "$TMP/$name.err" >&2; die "$name: s_client timed out"; }
    if [ "$want" = ok ]; then
        [ $rc = 0 ] || { cat "$TMP/$name.err" >&2; die "$name: s_client failed ($rc)"; }
        tail -c "$(stat -c %s "$DATA/page.html")" "$TMP/$name.out" | cmp -s - "$DATA/page.html" ||
            die "$name: response does not match page.html"
    else
        [ $rc != 0 ] || die "$name: s_client succeeded but should have failed"
        echo "   s_client: $(grep -m1 -E 'error|alert|errno' "$TMP/$name.err" || true)"
    fi
}

# tsh NAME ARGS...: tshark on NAME.pcap with its key log, its port as TLS
tsh() {
    local name=$1
    shift
    local keys=$PCAPS/$name.keys
    [ -s "$keys" ] || keys=
    local -a opts
    read -ra opts <<< "${TSHARK_OPTS[$name]:-}"
    tshark -r "$PCAPS/$name.pcap" -o "tls.keylog_file:$keys" \
        -d "tcp.port==${PORT[$name]},tls" "${opts[@]}" "$@" 2>/dev/null
}

# count NAME FILTER: number of frames matching a display filter
count() { tsh "$1" -Y "$2" -T fields -e frame.number | wc -l; }

# ---------------------------------------------------------------- failures

cap_fail_unknown_ca_tls12() {
    local n=fail-unknown-ca-tls12
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_2 -cipher $C12
    client $n fail -CAfile "$KEYS/other-ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
}

cap_fail_unknown_ca_tls13() {
    local n=fail-unknown-ca-tls13
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_3
    client $n fail -CAfile "$KEYS/other-ca.pem" -verify_return_error -tls1_3
    server_done $n fail
    stop_capture $n
}

cap_fail_no_shared_cipher() {
    local n=fail-no-shared-cipher
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_2 -cipher AES256-SHA256
    client $n fail -CAfile "$KEYS/ca.pem" -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
}

cap_fail_version() {
    local n=fail-version
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_3
    # (s_client refuses -tls1_2 together with -no_tls1_3; -tls1_2 is enough)
    client $n fail -CAfile "$KEYS/ca.pem" -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
}

cap_fail_expired() {
    local n=fail-expired
    start_capture $n
    serve $n 1 -cert "$KEYS/expired.pem" -key "$KEYS/expired.key" -tls1_2 -cipher $C12
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
}

cap_fail_hostname() {
    local n=fail-hostname
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_2 -cipher $C12
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12 \
        -verify_hostname wrong.test -servername wrong.test
    server_done $n fail
    stop_capture $n
}

cap_fail_client_cert_tls12() {
    local n=fail-client-cert-tls12
    start_capture $n
    serve $n 1 "${SRV[@]}" -Verify 1 -CAfile "$KEYS/ca.pem" -tls1_2 -cipher $C12
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
}

cap_fail_client_cert_tls13() {
    local n=fail-client-cert-tls13
    start_capture $n
    serve $n 1 "${SRV[@]}" -Verify 1 -CAfile "$KEYS/ca.pem" -tls1_3
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_3
    server_done $n fail
    stop_capture $n
}

# The client asks for a renegotiation with s_client's interactive "R"
# command (needs stdin commands: no -quiet/-ign_eof), the server refuses.
cap_fail_renegotiation() {
    local n=fail-renegotiation port=${PORT[fail-renegotiation]} rc=0
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_2 -cipher $C12 -no_renegotiation
    { sleep 1; printf 'R\n'; sleep 1.5; printf "$GET"; sleep 2; } |
        timeout 20 ip netns exec "$NS" openssl s_client -connect "127.0.0.1:$port" \
            -servername server.test -CAfile "$KEYS/ca.pem" -verify_return_error \
            -tls1_2 -cipher $C12 -keylogfile "$PCAPS/$n.keys" \
            > "$TMP/$n.out" 2> "$TMP/$n.err" || rc=$?
    [ $rc = 124 ] && die "$n: s_client timed out"
    grep -q RENEGOTIATING "$TMP/$n.err" || { cat "$TMP/$n.err" >&2; die "$n: no renegotiation"; }
    echo "   s_client: $(grep -m1 -E 'error|alert' "$TMP/$n.err" || true)"
    server_done $n fail
    stop_capture $n
}

# python's http.server on the port: it reads the ClientHello as a request
# line and answers 400 "Bad request version".  Plain "-m http.server" would
# send only the HTML error page (no status line, as the request has no HTTP
# version); the subclass makes it answer "HTTP/1.0 400 ..." with headers.
cap_fail_http_on_tls_port() {
    local n=fail-http-on-tls-port port=${PORT[fail-http-on-tls-port]}
    start_capture $n
    ip netns exec "$NS" $PY -c '
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    default_request_version = "HTTP/1.0"
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])),
                             functools.partial(Handler, directory=sys.argv[2]))
srv.timeout = 20
srv.handle_request()                         # one request, then exit
' "$port" "$DATA" > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
    client $n fail -CAfile "$KEYS/ca.pem"
    wait_pid "$SRV_PID" 5 || true
    grep -q 'code 400' "$TMP/$n.server" || { cat "$TMP/$n.server" >&2; die "$n: no 400"; }
    stop_capture $n
    tsh $n -Y "tcp.srcport == $port && tcp.len > 0" -T fields -e tcp.payload | head -1 |
        xxd -r -p | grep -q '^HTTP/1.0 400 ' || die "$n: the reply is not an HTTP 400"
}

# a server that reads the ClientHello, then aborts the connection (RST)
cap_fail_rst_handshake() {
    local n=fail-rst-handshake port=${PORT[fail-rst-handshake]}
    start_capture $n
    ip netns exec "$NS" $PY -c '
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(10)
def recvn(k):
    b = b""
    while len(b) < k:
        d = c.recv(k - len(b))
        if not d:
            raise SystemExit("EOF")
        b += d
    return b
hdr = recvn(5)
recvn(int.from_bytes(hdr[3:5], "big"))       # the whole ClientHello record
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()                                    # linger 0: RST, no FIN
' "$port" > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
    client $n fail -CAfile "$KEYS/ca.pem"
    wait_pid "$SRV_PID" 5 || { cat "$TMP/$n.server" >&2; die "$n: server failed"; }
    stop_capture $n
    [ "$(tcpdump -nr "$PCAPS/$n.pcap" 'tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | wc -l)" -ge 1 ] ||
        die "$n: no RST"
}

# plain HTTP/1.0 with curl: a TCP stream that is not TLS at all
cap_not_tls() {
    local n=not-tls port=${PORT[not-tls]}
    start_capture $n
    ip netns exec "$NS" $PY -m http.server "$port" --bind 127.0.0.1 --directory "$DATA" \
        > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
    timeout 20 ip netns exec "$NS" curl -sS --max-time 15 "http://127.0.0.1:$port/page.html" \
        -o "$TMP/$n.out"
    kill "$SRV_PID"
    wait_pid "$SRV_PID" 5 || true
    stop_capture $n
    cmp -s "$TMP/$n.out" "$DATA/page.html" || die "$n: bad body"
}

# gnutls-serv with --alpn-fatal: the client's ALPN list (http/1.1) has
# nothing the server accepts (h2)
cap_fail_alpn() {
    local n=fail-alpn port=${PORT[fail-alpn]}
    start_capture $n
    ip netns exec "$NS" gnutls-serv -p "$port" --x509certfile "$KEYS/server.pem" \
        --x509keyfile "$KEYS/server.key" --alpn h2 --alpn-fatal > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -alpn http/1.1
    kill "$SRV_PID"
    wait_pid "$SRV_PID" 5 || true
    stop_capture $n
    grep -q 'No common application protocol' "$TMP/$n.server" ||
        { cat "$TMP/$n.server" >&2; die "$n: gnutls-serv did not refuse the ALPN"; }
    [ "$(tsh $n -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.extensions_alpn_str)" = http/1.1 ] ||
        die "$n: the ClientHello does not offer exactly http/1.1"
}

# s_server knows only server.test (-servername, -cert2 for that name) and
# refuses any other name with a fatal alert
cap_fail_sni() {
    local n=fail-sni
    start_capture $n
    serve $n 1 "${SRV[@]}" -servername server.test -servername_fatal \
        -cert2 "$KEYS/server.pem" -key2 "$KEYS/server.key"
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -servername other.test
    server_done $n fail
    stop_capture $n
    [ "$(tsh $n -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.extensions_server_name)" = other.test ] ||
        die "$n: the ClientHello's SNI is not other.test"
}

# the server certificate is valid from 2035-01-01 (keys/future.pem)
cap_fail_not_yet_valid() {
    local n=fail-not-yet-valid
    start_capture $n
    serve $n 1 -cert "$KEYS/future.pem" -key "$KEYS/future.key" -tls1_2 -cipher $C12
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
    grep -q 'certificate is not yet valid' "$TMP/$n.err" || die "$n: not a 'not yet valid' error"
}

# RFC 7507: a TLS 1.2-only retry that carries TLS_FALLBACK_SCSV (0x5600)
# to a server that can do TLS 1.3
cap_fail_fallback() {
    local n=fail-fallback
    start_capture $n
    serve $n 1 "${SRV[@]}"
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12 -fallback_scsv
    server_done $n fail
    stop_capture $n
    tsh $n -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.ciphersuite | tr ',' '\n' |
        grep -qx 0x5600 || die "$n: no TLS_FALLBACK_SCSV in the ClientHello"
}

# bad_hello NAME MODE SERVEROPTS...: bad-hello-client.py MODE against s_server
bad_hello() {
    local n=$1 mode=$2 port=${PORT[$1]}
    shift 2
    start_capture $n
    serve $n 1 "${SRV[@]}" "$@"
    timeout 20 ip netns exec "$NS" $PY "$PCAPS/bad-hello-client.py" "$mode" 127.0.0.1 "$port" \
        > "$TMP/$n.out" 2> "$TMP/$n.err" ||
        { cat "$TMP/$n.out" "$TMP/$n.err" "$TMP/$n.server" >&2; die "$n: no fatal alert"; }
    sed 's/^/   client: /' "$TMP/$n.out"
    server_done $n fail
    stop_capture $n
}

# the ClientHello's extensions length is 3 more than the bytes that follow
cap_fail_decode_error() {
    local n=fail-decode-error
    bad_hello $n decode-error
}

# a key_share for secp256r1, a group not in the client's supported_groups
cap_fail_illegal_parameter() {
    local n=fail-illegal-parameter
    bad_hello $n illegal-parameter
}

# the server asks for a P-384 share (HelloRetryRequest), the second
# ClientHello has again only the X25519 one
cap_fail_hrr() {
    local n=fail-hrr
    bad_hello $n hrr -groups P-384
    [ "$(count $n 'tls.handshake.type == 1')" = 2 ] || die "$n: not 2 ClientHellos"
    [ "$(count $n 'tls.handshake.random == cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c')" = 1 ] ||
        die "$n: no HelloRetryRequest"
}

# the client reads the server's whole first flight, then closes (FIN)
# without its Finished and without an alert
cap_fail_closed_handshake() {
    local n=fail-closed-handshake port=${PORT[fail-closed-handshake]}
    start_capture $n
    serve $n 1 "${SRV[@]}"
    timeout 20 ip netns exec "$NS" $PY "$PCAPS/closed-handshake-client.py" 127.0.0.1 "$port" \
        "$KEYS/ca.pem" "$PCAPS/$n.keys" > "$TMP/$n.out" 2> "$TMP/$n.err" ||
        { cat "$TMP/$n.out" "$TMP/$n.err" "$TMP/$n.server" >&2; die "$n: client failed"; }
    sed 's/^/   client: /' "$TMP/$n.out"
    server_done $n fail
    stop_capture $n
    # the client's only record is its ClientHello; the server's flight ends
    # with its Finished (decrypted with the key log); the client's FIN is first
    [ "$(count $n "tcp.dstport == $port && tls.record")" = 1 ] || die "$n: the client sent more than a ClientHello"
    [ "$(count $n "tcp.srcport == $port && tls.handshake.type == 20")" = 1 ] || die "$n: no server Finished"
    [ "$(tsh $n -Y 'tcp.flags.fin == 1' -T fields -e tcp.dstport | head -1)" = "$port" ] ||
        die "$n: the first FIN is not the client's"
    # OpenSSL 3.0 answers the EOF with decode_error (unexpected eof while
    # reading), after the client's FIN
    local fin alert
    fin=$(tsh $n -Y "tcp.flags.fin == 1 && tcp.dstport == $port" -T fields -e frame.number)
    alert=$(tsh $n -Y "tls.alert_message && tcp.srcport == $port" -T fields -e frame.number)
    [ -n "$alert" ] && [ "$alert" -gt "$fin" ] || die "$n: the server's alert is not after the client's FIN"
}

# the server sends its leaf (issued by aia-int, with an AIA caIssuers URI)
# without aia-int; the client has only the root
cap_fail_incomplete_chain() {
    local n=fail-incomplete-chain
    start_capture $n
    serve $n 1 -cert "$KEYS/aia-leaf.pem" -key "$KEYS/aia-leaf.key" -tls1_2 -cipher $C12
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n fail
    stop_capture $n
    grep -q 'unable to get local issuer certificate' "$TMP/$n.err" ||
        die "$n: not an 'unable to get local issuer certificate' error"
    [ "$(tsh $n -Y 'tls.handshake.type == 11' -T fields -e tls.handshake.certificate_length |
         tr ',' '\n' | grep -c .)" = 1 ] || die "$n: not exactly one certificate sent"
}

# inject-relay.py on the captured port between s_client and s_server (on
# RELAY_SERVER_PORT, not captured): after the server's first application
# record (TLS 1.2) it sends an HTTP 403 in clear to the client and closes
cap_middlebox_injection() {
    local n=middlebox-injection port=${PORT[middlebox-injection]}
    start_capture $n
    (cd "$DATA" && exec ip netns exec "$NS" openssl s_server -WWW -quiet \
        -accept "$RELAY_SERVER_PORT" -naccept 1 "${SRV[@]}" -tls1_2 -cipher $C12) \
        > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$RELAY_SERVER_PORT"
    ip netns exec "$NS" $PY "$PCAPS/inject-relay.py" "$port" "$RELAY_SERVER_PORT" \
        > "$TMP/$n.relay" 2>&1 &
    local relay=$!
    PIDS+=("$relay")
    wait_listen "$port"
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    wait_pid "$relay" 10 || { cat "$TMP/$n.relay" >&2; die "$n: relay failed"; }
    sed 's/^/   /' "$TMP/$n.relay"
    server_done $n fail
    stop_capture $n
    grep -q 'wrong version number' "$TMP/$n.err" || die "$n: s_client did not fail on the record"
    # the first application record is a full one: 16384 bytes of the
    # response (+ 8 bytes explicit nonce + 16 bytes tag)
    grep -q ' 23/16408, then injected' "$TMP/$n.relay" ||
        die "$n: the server's first application record is not a full 16 KB one"
    # the relay's stream to the client ends with the injected bytes
    [ "$(tsh $n -Y "tcp.srcport == $port && tcp.len > 0" -T fields -e tcp.payload | tr -d '\n' |
         xxd -r -p | tail -c 45)" = "$(printf 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')" ] ||
        die "$n: the stream to the client does not end with the HTTP 403"
}

# unsolicited-ext-server.py answers s_client's ClientHello with a TLS 1.2
# ServerHello carrying ALPN, which the client did not offer
cap_fail_unsupported_extension() {
    local n=fail-unsupported-extension port=${PORT[fail-unsupported-extension]}
    start_capture $n
    ip netns exec "$NS" $PY "$PCAPS/unsolicited-ext-server.py" "$port" > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
    client $n fail -CAfile "$KEYS/ca.pem" -verify_return_error
    wait_pid "$SRV_PID" 10 || { cat "$TMP/$n.server" >&2; die "$n: server failed"; }
    sed 's/^/   server: /' "$TMP/$n.server"
    stop_capture $n
    grep -q 'unsolicited extension' "$TMP/$n.err" || die "$n: s_client did not see an unsolicited extension"
}

# ---------------------------------------------------------------- features

cap_hrr_tls13() {
    local n=hrr-tls13
    start_capture $n
    serve $n 1 "${SRV[@]}" -tls1_3 -groups P-256
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_3 -groups X25519:P-256
    server_done $n ok
    stop_capture $n
    # HelloRetryRequest = ServerHello with the special random
    [ "$(count $n 'tls.handshake.type == 2')" = 2 ] || die "$n: not 2 ServerHellos"
    [ "$(count $n 'tls.handshake.random == cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c')" = 1 ] ||
        die "$n: no HelloRetryRequest"
}

cap_mtls() {
    local n=$1 ver=$2
    local -a opts=(-tls1_3)
    [ "$ver" = 12 ] && opts=(-tls1_2 -cipher $C12)
    start_capture $n
    serve $n 1 "${SRV[@]}" -Verify 1 -CAfile "$KEYS/ca.pem" -verify_return_error "${opts[@]}"
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error \
        -cert "$KEYS/client.pem" -key "$KEYS/client.key" "${opts[@]}"
    server_done $n ok
    stop_capture $n
    [ "$(count $n "tls.handshake.type == 11 && tcp.dstport == ${PORT[$n]} && tls.handshake.certificates_length > 0")" = 1 ] ||
        die "$n: no client Certificate"
}
cap_mtls_tls13() { cap_mtls mtls-tls13 13; }
cap_mtls_tls12() { cap_mtls mtls-tls12 12; }

# resume NAME SERVEROPTS -- CLIENTOPTS: two connections, the second resumes
resume() {
    local n=$1
    shift
    local -a sopts=() copts=()
    while [ "$1" != -- ]; do sopts+=("$1"); shift; done
    shift
    copts=("$@")
    start_capture $n
    serve $n 2 "${SRV[@]}" "${sopts[@]}"
    rm -f "$TMP/$n.sess"
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error "${copts[@]}" -sess_out "$TMP/$n.sess"
    [ -s "$TMP/$n.sess" ] || die "$n: no session written"
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error "${copts[@]}" -sess_in "$TMP/$n.sess"
    server_done $n ok
    stop_capture $n
    [ "$(count $n 'tls.handshake.type == 1')" = 2 ] || die "$n: not 2 ClientHellos"
    # abbreviated: only the first connection has a Certificate message
    [ "$(count $n 'tls.handshake.type == 11')" = 1 ] || die "$n: second handshake not abbreviated"
}

cap_resume_tls12_id() {
    local n=resume-tls12-id
    resume $n -tls1_2 -cipher $C12 -no_ticket -- -tls1_2 -cipher $C12
    # the second ServerHello echoes the ClientHello's session ID
    local sids
    sids=$(tsh $n -Y 'tls.handshake.type == 1 || tls.handshake.type == 2' \
        -T fields -e tls.handshake.session_id | sed -n '3,4p' | sort -u)
    [ "$(echo "$sids" | wc -l)" = 1 ] && [ -n "$sids" ] || die "$n: session ID not echoed"
    [ "$(count $n 'tls.handshake.extension.type == 35 && tls.handshake.type == 2')" = 0 ] ||
        die "$n: server sent session_ticket"
}

cap_resume_tls12_ticket() {
    local n=resume-tls12-ticket
    resume $n -tls1_2 -cipher $C12 -- -tls1_2 -cipher $C12
    [ "$(count $n 'tls.handshake.type == 4')" -ge 1 ] || die "$n: no NewSessionTicket"
    # the second ClientHello carries the ticket: session_ticket (35) not empty
    tsh $n -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.extension.type \
        -e tls.handshake.extension.len | sed -n 2p |
        awk -F'\t' '{ n = split($1, t, ","); split($2, l, ",")
                      for (i = 1; i <= n; i++) if (t[i] == 35 && l[i] > 0) ok = 1 }
                    END { exit !ok }' || die "$n: second ClientHello has no ticket"
}

cap_resume_tls13() {
    local n=resume-tls13
    resume $n -tls1_3 -- -tls1_3
    [ "$(count $n 'tls.handshake.type == 2 && tls.handshake.extension.type == 41')" = 1 ] ||
        die "$n: no pre_shared_key in the second ServerHello"
}

cap_long_chain() {
    local n=long-chain
    start_capture $n
    serve $n 1 -cert "$KEYS/chain-leaf.pem" -key "$KEYS/chain-leaf.key" \
        -cert_chain "$KEYS/chain-intermediates.pem" -tls1_2 -cipher $C12
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n ok
    stop_capture $n
    local len
    len=$(tsh $n -Y 'tls.handshake.type == 11' -T fields -e tls.handshake.type \
        -e tls.handshake.length | awk -F'\t' '{ n = split($1, t, ","); split($2, l, ",")
            for (i = 1; i <= n; i++) if (t[i] == 11) print l[i] }' | head -1)
    [ "${len:-0}" -gt 16384 ] || die "$n: Certificate message only ${len:-0} bytes"
    echo "   Certificate message: $len bytes"
}

# s_server accepts an SSLv2-format ClientHello; only TLS_RSA_* suites work
# without the extensions that a v2 hello cannot carry, and without a
# signature_algorithms extension the legacy SHA-1 default needs SECLEVEL 0.
cap_sslv2_hello() {
    local n=sslv2-hello port=${PORT[sslv2-hello]}
    start_capture $n
    serve $n 1 "${SRV[@]}" -cipher 'AES128-SHA:@SECLEVEL=0'
    timeout 20 ip netns exec "$NS" $PY "$PCAPS/sslv2-hello-client.py" 127.0.0.1 "$port" \
        /page.html "$PCAPS/$n.keys" "$DATA/page.html" > "$TMP/$n.out" 2> "$TMP/$n.err" ||
        { cat "$TMP/$n.err" "$TMP/$n.server" >&2; die "$n: client failed"; }
    server_done $n ok
    stop_capture $n
}

# the same leaf as fail-incomplete-chain, this time with its intermediate
cap_aia_chain_ok() {
    local n=aia-chain-ok
    start_capture $n
    serve $n 1 -cert "$KEYS/aia-leaf.pem" -key "$KEYS/aia-leaf.key" \
        -cert_chain "$KEYS/aia-int.pem" -tls1_2 -cipher $C12
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher $C12
    server_done $n ok
    stop_capture $n
    [ "$(tsh $n -Y 'tls.handshake.type == 11' -T fields -e tls.handshake.certificate_length |
         tr ',' '\n' | grep -c .)" = 2 ] || die "$n: not leaf + intermediate"
}

# RSA 1024, sha1WithRSAEncryption: both sides need security level 0
cap_weak_cert() {
    local n=weak-cert
    start_capture $n
    serve $n 1 -cert "$KEYS/weak.pem" -key "$KEYS/weak.key" -tls1_2 -cipher "$C12:@SECLEVEL=0"
    client $n ok -CAfile "$KEYS/ca.pem" -verify_return_error -tls1_2 -cipher "$C12:@SECLEVEL=0"
    server_done $n ok
    stop_capture $n
    # sha1WithRSAEncryption is the certificate's signature algorithm
    tsh $n -Y 'tls.handshake.type == 11' -T fields -e x509af.algorithm.id | tr ',' '\n' |
        grep -qx 1.2.840.113549.1.1.5 || die "$n: the certificate is not signed with SHA-1"
}

# ---------------------------------------------------------------- report

declare -A ALERT=(
    [0]=close_notify [10]=unexpected_message [20]=bad_record_mac
    [22]=record_overflow [40]=handshake_failure [42]=bad_certificate
    [43]=unsupported_certificate [44]=certificate_revoked
    [45]=certificate_expired [46]=certificate_unknown [47]=illegal_parameter
    [48]=unknown_ca [49]=access_denied [50]=decode_error [51]=decrypt_error
    [70]=protocol_version [71]=insufficient_security [80]=internal_error
    [86]=inappropriate_fallback [90]=user_canceled [100]=no_renegotiation
    [109]=missing_extension [110]=unsupported_extension
    [112]=unrecognized_name [116]=certificate_required
    [120]=no_application_protocol
)

# alerts NAME: one line per alert: "description sender level"
alerts() {
    local n=$1 port=${PORT[$1]}
    tsh "$n" -Y tls.alert_message -T fields -E separator=';' \
        -e tcp.srcport -e tls.alert_message.level -e tls.alert_message.desc |
    while IFS=';' read -r sport levels descs; do
        local side=client
        [ "$sport" = "$port" ] && side=server
        IFS=, read -ra L <<< "$levels"
        IFS=, read -ra D <<< "$descs"
        [ ${#D[@]} = 0 ] && D=(encrypted)
        local i lvl
        for i in "${!D[@]}"; do
            case ${L[$i]:-} in 1) lvl=warning ;; 2) lvl=fatal ;; *) lvl=? ;; esac
            echo "${ALERT[${D[$i]}]:-${D[$i]}} $side $lvl"
        done
    done
}

vname() {
    case $1 in
        0x0304) echo TLSv1.3 ;; 0x0303) echo TLSv1.2 ;; 0x0302) echo TLSv1.1 ;;
        0x0301) echo TLSv1.0 ;; 0x0300) echo SSLv3 ;; *) echo "$1" ;;
    esac
}

# version NAME: negotiated version (first ServerHello), else the highest
# one offered in the first ClientHello, else none
version() {
    local n=$1 v
    v=$(tsh "$n" -Y 'tls.handshake.type == 2' -T fields \
        -e tls.handshake.extensions.supported_version -e tls.handshake.version | head -1)
    if [ -z "$v" ]; then
        v=$(tsh "$n" -Y 'tls.handshake.type == 1' -T fields \
            -e tls.handshake.extensions.supported_version -e tls.handshake.version | head -1)
    fi
    v=$(echo "$v" | tr ',\t' '\n\n' | grep -E '^0x03' | sort | tail -1)
    [ -n "$v" ] && vname "$v" || echo none
}

report() {
    local n bad=0 size al first obs
    : > "$TMP/failures.txt"
    printf '\n%-26s %8s  %-8s %s\n' capture bytes version "alerts (description sender level)"
    for n in "${NAMES[@]}"; do
        [ -s "$PCAPS/$n.pcap" ] || { echo "$n: missing" >&2; bad=1; continue; }
        size=$(stat -c %s "$PCAPS/$n.pcap")
        al=$(alerts "$n")
        first=$(echo "$al" | awk '$1 != "close_notify" && NF { print $1, $2; exit }')
        [ -n "$first" ] || first="none none"
        obs="$first $(version "$n")"
        printf '%-26s %8d  %-8s %s\n' "$n" "$size" "${obs##* }" \
            "$(echo "$al" | paste -sd, | sed 's/,/, /g')"
        echo "$n $obs" >> "$TMP/failures.txt"
        if [ "$obs" != "${EXPECT[$n]}" ]; then
            echo "   MISMATCH: observed '$obs', expected '${EXPECT[$n]}'" >&2
            bad=1
        fi
        if [ "$size" -ge $MAX_SIZE ]; then
            echo "   TOO BIG: $size bytes" >&2
            bad=1
        fi
    done
    cp "$TMP/failures.txt" "$PCAPS/failures.txt"
    echo
    echo "== key logs"
    for n in "${NAMES[@]}"; do
        [ -e "$PCAPS/$n.keys" ] && printf '%8d  %s\n' "$(stat -c %s "$PCAPS/$n.keys")" "$n.keys"
    done
    [ $bad = 0 ] || die "some captures do not match the expectations"
}

setup_netns
make_keys
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${NAMES[@]}")
for c in "${ONLY[@]}"; do
    echo "== $c"
    "cap_${c//-/_}"
done
report
