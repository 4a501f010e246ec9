#!/bin/bash
# Produce real captures of TLS that starts after a plaintext opening
# (STARTTLS and its relatives: SMTP, IMAP, POP3, FTP AUTH TLS, XMPP, LDAP,
# PostgreSQL, MySQL, IRC, NNTP, ManageSieve, HTTP CONNECT, SOCKS 4/5, RDP),
# some refusals and failures of it, and a pcapng with the key log inside.
#
# Same approach as make-captures.sh and make-failures.sh: real peers over
# the loopback interface of a private network namespace (lib.sh), recorded
# with tcpdump.  Stock programs where they exist (openssl s_client
# -starttls, curl, tinyproxy, dante, PostgreSQL), starttls-peer.py beside
# this script for the servers (and the few clients) nothing stock plays.
# Each capture starttls-NAME.pcap has the client's key log starttls-NAME.keys
# (none where no TLS was set up).
#
# starttls.txt gets one row per TCP connection with application data: the
# bytes each direction sent before its first TLS record and inside the TLS,
# as the peers logged them (starttls-peer.py, curl --trace), each checked by
# starttls-check.py against tshark's TCP and TLS streams of the capture.
#
# Usage (as root):  pcaps/make-starttls.sh [NAME...]
#   NAME...  make only these captures (default: all; "dsb" is
#            tls13-openssl-dsb.pcapng); rows of the others are kept in
#            starttls.txt and checked against their captures again
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ./lib.sh
PCAPS=$PWD
KEYS=$PCAPS/keys
DATA=$PCAPS/data
NS=tlsdump-starttls-$$
TMP=$(mktemp -d)
PGDIR=
PIDS=()
PY=/usr/bin/python3
PEER=$PCAPS/starttls-peer.py
CHECK=$PCAPS/starttls-check.py
C12=ECDHE-RSA-AES128-GCM-SHA256
MAX_SIZE=102400       # every capture must stay below 100 KB
MANIFEST=$PCAPS/starttls.txt

NAMES=(
    smtp smtp-2525 imap pop3 ftp xmpp ldap postgres mysql irc nntp sieve
    http-connect socks5 socks4 rdp
    smtp-refused imap-refused pop3-refused postgres-refused smtp-no-answer
    smtp-wrong-port
)
# the captured port (the server's, or the proxy's)
declare -A PORT=(
    [smtp]=25 [smtp-2525]=2525 [imap]=143 [pop3]=110 [ftp]=21 [xmpp]=5222
    [ldap]=389 [postgres]=5432 [mysql]=3306 [irc]=6667 [nntp]=119
    [sieve]=4190 [http-connect]=3128 [socks5]=1080 [socks4]=1080 [rdp]=3389
    [smtp-refused]=25 [imap-refused]=143 [pop3-refused]=110
    [postgres-refused]=5432 [smtp-no-answer]=25 [smtp-wrong-port]=25
)
# TLS servers behind the proxies (not captured) and FTP's passive ports
HTTPS_PORT=4711 SOCKS5_TLS_PORT=4712 SOCKS4_TLS_PORT=4713
FTP_DATA=4721-4729
declare -A FILTER=([ftp]="tcp port 21 or tcp portrange $FTP_DATA")
# TLS version of each capture (none: no TLS session)
declare -A VERSION=(
    [smtp]=1.3 [smtp-2525]=1.2 [imap]=1.3 [pop3]=1.2 [ftp]=1.3 [xmpp]=1.3
    [ldap]=1.2 [postgres]=1.3 [mysql]=1.2 [irc]=1.3 [nntp]=1.3 [sieve]=1.2
    [http-connect]=1.3 [socks5]=1.3 [socks4]=1.2 [rdp]=1.2
)
# what tshark's Follow TLS Stream gives (agree: the application data the
# peers logged; none: nothing, it does not see the switch to TLS), and the
# options it needs for that (ports it does not know)
declare -A TSHARK_EXPECT=([irc]=none [rdp]=none)
declare -A TSHARK_OPTS=(
    [smtp-2525]="-d tcp.port==2525,smtp"
    [socks5]="-d tcp.port==4712,tls"
    [ftp]="--disable-protocol ftp-data -d tcp.port==4721,tls -d tcp.port==4722,tls"
)

ONLY=()
for a in "$@"; do
    case $a in
        dsb) ONLY+=(dsb) ;;
        -*) echo "usage: $0 [NAME...]" >&2; exit 2 ;;
        *) [ -n "${PORT[$a]:-}" ] || { echo "$0: unknown capture $a" >&2; exit 2; }
           ONLY+=("$a") ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "$0: must run as root" >&2; exit 1; }

cleanup() {
    netns_cleanup
    rm -rf "/etc/netns/$NS"
    rmdir /etc/netns 2>/dev/null || true
    [ -z "$PGDIR" ] || rm -rf "$PGDIR"
}
trap cleanup EXIT

# ---------------------------------------------------------------- helpers

start_capture() {
    local name=$1 f=${FILTER[$1]:-tcp port ${PORT[$1]}}
    local pcap=$PCAPS/starttls-$name.pcap
    rm -f "$pcap" "$PCAPS/starttls-$name.keys" "$TMP/$name.log"
    tcpdump_start "$pcap" "$f" "$TMP/$name.tcpdump"
}

stop_capture() {
    tcpdump_stop "$TMP/$1.tcpdump" 1
    drop_empty_keylog "$PCAPS/starttls-$1.keys"
}

# tls_opts NAME: starttls-peer.py's TLS options for the capture
tls_opts() {
    echo --tls "${VERSION[$1]:-1.3}" --cert "$KEYS/server.pem" --key "$KEYS/server.key" \
        --ca "$KEYS/ca.pem"
}

# peer_server NAME PROTO PORT [OPTION...]: starttls-peer.py server in the background
peer_server() {
    local name=$1 proto=$2 port=$3
    shift 3
    # shellcheck disable=SC2046
    ip netns exec "$NS" $PY "$PEER" server "$proto" "$port" "$TMP/$name.log" $(tls_opts "$name") "$@" \
        > "$TMP/$name.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$port"
}

# server_done NAME: the peer server must have exited with success
server_done() {
    wait_pid "$SRV_PID" 15 || { cat "$TMP/$1.server" >&2; die "$1: server failed"; }
    sed 's/^/   /' "$TMP/$1.server"
}

# peer_client NAME PROTO PORT [OPTION...]: starttls-peer.py as the client
peer_client() {
    local name=$1 proto=$2 port=$3
    shift 3
    # shellcheck disable=SC2046
    timeout 30 ip netns exec "$NS" $PY "$PEER" client "$proto" "$port" "$TMP/$name.log" \
        $(tls_opts "$name") "$@" > "$TMP/$name.client" 2>&1 ||
        { cat "$TMP/$name.client" >&2; die "$name: client failed"; }
    sed 's/^/   /' "$TMP/$name.client"
}

# sclient NAME FEED S_CLIENT-OPTION...: openssl s_client in the namespace,
# its stdin the client's messages from starttls-peer.py feed FEED
sclient() {
    local name=$1 feed=$2
    shift 2
    local -a v=(-tls1_3)
    [ "${VERSION[$name]}" = 1.2 ] && v=(-tls1_2 -cipher $C12)
    $PY "$PEER" feed "$feed" |
        timeout 30 ip netns exec "$NS" openssl s_client -connect "127.0.0.1:${PORT[$name]}" \
            -servername server.test -verify_hostname server.test -CAfile "$KEYS/ca.pem" \
            -verify_return_error -keylogfile "$PCAPS/starttls-$name.keys" \
            -ign_eof -nocommands "${v[@]}" "$@" > "$TMP/$name.sclient" 2>&1 ||
        { cat "$TMP/$name.sclient" >&2; die "$name: s_client failed"; }
    grep -q 'Verification: OK' "$TMP/$name.sclient" || die "$name: certificate not verified"
}

# curl_ns NAME CURL-OPTION...: curl in the namespace with a key log, a
# --trace of everything it sent and received and its local port
curl_ns() {
    local name=$1
    shift
    SSLKEYLOGFILE=$PCAPS/starttls-$name.keys timeout 30 ip netns exec "$NS" curl -sS \
        --cacert "$KEYS/ca.pem" --trace "$TMP/$name.trace" -w '%{local_port}\n' "$@" \
        > "$TMP/$name.curl" 2> "$TMP/$name.curl.err" ||
        { cat "$TMP/$name.curl.err" >&2; die "$name: curl failed"; }
    CURL_PORT=$(tail -1 "$TMP/$name.curl")
}

# ---------------------------------------------------------------- captures

cap_smtp() {
    start_capture smtp
    peer_server smtp smtp 25
    sclient smtp smtp -starttls smtp -name client.test
    server_done smtp
    stop_capture smtp
}

cap_smtp_2525() {
    local n=smtp-2525
    printf '%s\r\n' "From: Alice <alice@client.test>" "To: Bob <bob@server.test>" \
        "Subject: sent by curl over SMTP STARTTLS on port 2525" "" \
        "Hello Bob," "curl sent this one." > "$TMP/mail.txt"
    start_capture $n
    peer_server $n smtp 2525
    curl_ns $n --ssl-reqd --resolve server.test:2525:127.0.0.1 \
        smtp://server.test:2525/client.test --mail-from alice@client.test \
        --mail-rcpt bob@server.test -T "$TMP/mail.txt"
    server_done $n
    stop_capture $n
}

cap_imap() {
    start_capture imap
    peer_server imap imap 143
    sclient imap imap -starttls imap
    server_done imap
    stop_capture imap
}

cap_pop3() {
    start_capture pop3
    peer_server pop3 pop3 110
    sclient pop3 pop3 -starttls pop3
    server_done pop3
    stop_capture pop3
}

# curl lists the directory, then downloads a file on the same control
# connection: two passive data connections, TLS from their first byte
cap_ftp() {
    start_capture ftp
    peer_server ftp ftp 21 --data-ports "$FTP_DATA" --file "$DATA/small.html"
    curl_ns ftp --ssl-reqd --disable-epsv --resolve server.test:21:127.0.0.1 \
        ftp://server.test/ -o "$TMP/ftp.list" ftp://server.test/small.html -o "$TMP/ftp.small"
    server_done ftp
    stop_capture ftp
    cmp -s "$TMP/ftp.small" "$DATA/small.html" || die "ftp: download differs"
}

cap_xmpp() {
    start_capture xmpp
    peer_server xmpp xmpp 5222
    sclient xmpp xmpp -starttls xmpp -xmpphost server.test
    server_done xmpp
    stop_capture xmpp
}

cap_ldap() {
    start_capture ldap
    peer_server ldap ldap 389
    sclient ldap ldap -starttls ldap
    server_done ldap
    stop_capture ldap
}

# start_postgres ssl=on|off: the real PostgreSQL server on 5432
start_postgres() {
    if [ -z "$PGDIR" ]; then
        PGDIR=$(mktemp -d /tmp/tlsdump-pg.XXXXXX)
        chown postgres "$PGDIR"
        cp "$KEYS/server.pem" "$KEYS/server.key" "$PGDIR/"
        chown postgres "$PGDIR/server.pem" "$PGDIR/server.key"
        chmod 600 "$PGDIR/server.key"
        setpriv --reuid=postgres --regid=postgres --init-groups \
            /usr/local/bin/initdb -D "$PGDIR/data" -A trust -U postgres --no-sync \
            > "$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; die "initdb failed"; }
    fi
    ip netns exec "$NS" setpriv --reuid=postgres --regid=postgres --init-groups \
        /usr/local/bin/postgres -D "$PGDIR/data" -c listen_addresses=127.0.0.1 -c port=5432 \
        -c unix_socket_directories="$PGDIR" -c fsync=off -c "ssl=$1" \
        -c ssl_cert_file="$PGDIR/server.pem" -c ssl_key_file="$PGDIR/server.key" \
        > "$TMP/postgres-$1.log" 2>&1 &
    PG_PID=$!
    PIDS+=("$PG_PID")
    wait_listen 5432
}

stop_postgres() {
    kill -INT "$PG_PID"
    wait_pid "$PG_PID" 15 || true
}

cap_postgres() {
    start_capture postgres
    start_postgres on
    peer_client postgres postgres 5432 --keylog "$PCAPS/starttls-postgres.keys"
    stop_capture postgres
    stop_postgres
}

cap_mysql() {
    start_capture mysql
    peer_server mysql mysql 3306
    sclient mysql mysql -starttls mysql
    server_done mysql
    stop_capture mysql
}

cap_irc() {
    start_capture irc
    peer_server irc irc 6667
    sclient irc irc -starttls irc
    server_done irc
    stop_capture irc
}

cap_nntp() {
    start_capture nntp
    peer_server nntp nntp 119
    sclient nntp nntp -starttls nntp
    server_done nntp
    stop_capture nntp
}

cap_sieve() {
    start_capture sieve
    peer_server sieve sieve 4190
    sclient sieve sieve -starttls sieve
    server_done sieve
    stop_capture sieve
}

# curl -> tinyproxy (CONNECT) -> openssl s_server -WWW; only the
# client-proxy connection is captured
cap_http_connect() {
    local n=http-connect
    cat > "$TMP/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port 3128
Listen 127.0.0.1
Timeout 30
MaxClients 4
Allow 127.0.0.1
ConnectPort $HTTPS_PORT
DisableViaHeader Yes
LogLevel Info
EOF
    start_capture $n
    (cd "$DATA" && exec ip netns exec "$NS" openssl s_server -WWW -quiet -accept $HTTPS_PORT \
        -naccept 1 -cert "$KEYS/server.pem" -key "$KEYS/server.key" -tls1_3) \
        > "$TMP/$n.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen $HTTPS_PORT
    ip netns exec "$NS" tinyproxy -d -c "$TMP/tinyproxy.conf" > "$TMP/tinyproxy.log" 2>&1 &
    local proxy=$!
    PIDS+=("$proxy")
    wait_listen 3128
    curl_ns $n -x http://127.0.0.1:3128 https://server.test:$HTTPS_PORT/page.html \
        -o "$TMP/$n.page"
    wait_pid "$SRV_PID" 10 || { cat "$TMP/$n.server" >&2; die "$n: s_server failed"; }
    kill "$proxy"
    wait_pid "$proxy" 5 || true
    stop_capture $n
    cmp -s "$TMP/$n.page" "$DATA/page.html" || die "$n: page differs"
    $PY "$CHECK" curl-trace "$TMP/$n.trace" http-connect "$CURL_PORT" > "$TMP/$n.log"
}

# curl -> dante (SOCKS VER) -> starttls-peer.py server https; only the
# client-proxy connection is captured
socks() {
    local n=$1 tlsport=$2
    shift 2
    cat > "$TMP/danted.conf" <<EOF
logoutput: stderr
internal: 127.0.0.1 port = 1080
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
    from: 127.0.0.0/8 to: 0.0.0.0/0
    log: connect disconnect error
}
socks pass {
    from: 127.0.0.0/8 to: 0.0.0.0/0
    command: connect
    log: connect disconnect error
}
EOF
    start_capture $n
    peer_server $n https "$tlsport" --file "$DATA/page.html"
    ip netns exec "$NS" danted -f "$TMP/danted.conf" -N 1 > "$TMP/$n.danted" 2>&1 &
    local proxy=$!
    PIDS+=("$proxy")
    wait_listen 1080
    curl_ns $n "$@" https://server.test:$tlsport/page.html -o "$TMP/$n.page"
    server_done $n
    kill "$proxy"
    wait_pid "$proxy" 5 || true
    stop_capture $n
    cmp -s "$TMP/$n.page" "$DATA/page.html" || die "$n: page differs"
    mv "$TMP/$n.log" "$TMP/$n.https.log"
}

cap_socks5() {
    socks socks5 $SOCKS5_TLS_PORT --socks5-hostname 127.0.0.1:1080
    $PY "$CHECK" socks socks5 "$CURL_PORT" "$TMP/socks5.https.log" server.test \
        $SOCKS5_TLS_PORT > "$TMP/socks5.log"
}

cap_socks4() {
    socks socks4 $SOCKS4_TLS_PORT --socks4 127.0.0.1:1080
    $PY "$CHECK" socks socks4 "$CURL_PORT" "$TMP/socks4.https.log" 127.0.0.1 \
        $SOCKS4_TLS_PORT > "$TMP/socks4.log"
}

cap_rdp() {
    start_capture rdp
    peer_server rdp rdp 3389
    peer_client rdp rdp 3389 --keylog "$PCAPS/starttls-rdp.keys"
    server_done rdp
    stop_capture rdp
}

# ------------------------------------------------- refusals and failures

refused() {
    local n=$1 proto=$2
    start_capture $n
    peer_server $n "$proto" "${PORT[$n]}" --mode refuse
    peer_client $n "$proto" "${PORT[$n]}" --mode refuse
    server_done $n
    stop_capture $n
}
cap_smtp_refused() { refused smtp-refused smtp; }
cap_imap_refused() { refused imap-refused imap; }
cap_pop3_refused() { refused pop3-refused pop3; }

cap_postgres_refused() {
    start_capture postgres-refused
    start_postgres off
    peer_client postgres-refused postgres 5432 --mode refuse
    stop_capture postgres-refused
    stop_postgres
}

cap_smtp_no_answer() {
    local n=smtp-no-answer
    start_capture $n
    peer_server $n smtp 25 --mode no-answer
    peer_client $n smtp 25 --mode no-answer
    server_done $n
    stop_capture $n
}

# s_client speaks TLS at once to the SMTP port; the server (with a
# postscreen-like greet pause) sends its banner, then answers the
# ClientHello as a bad command line
cap_smtp_wrong_port() {
    local n=smtp-wrong-port
    start_capture $n
    peer_server $n smtp 25 --mode greet-pause
    timeout 30 ip netns exec "$NS" openssl s_client -connect 127.0.0.1:25 \
        -servername server.test -CAfile "$KEYS/ca.pem" \
        -keylogfile "$PCAPS/starttls-$n.keys" < /dev/null > "$TMP/$n.sclient" 2>&1 &&
        die "$n: s_client succeeded"
    grep -q 'wrong version number\|packet length too long\|record layer failure' \
        "$TMP/$n.sclient" || { cat "$TMP/$n.sclient" >&2; die "$n: unexpected s_client error"; }
    server_done $n
    stop_capture $n
}

# ---------------------------------------------------------------- pcapng DSB

make_dsb() {
    local out=$PCAPS/tls13-openssl-dsb.pcapng
    echo "== dsb"
    editcap --inject-secrets "tls,$PCAPS/tls13-openssl.keys" "$PCAPS/tls13-openssl.pcap" "$out"
    local a b
    a=$($PY "$PCAPS/tshark-plaintext.py" "$PCAPS/tls13-openssl.pcap" "$PCAPS/tls13-openssl.keys" 0)
    b=$($PY "$PCAPS/tshark-plaintext.py" "$out" - 0)
    [ "$a" = "$b" ] && [ "${b%% *}" != 0 ] || die "dsb: tshark decrypts '$b', with the key log '$a'"
    echo "   tshark decrypts with the embedded secrets: $b"
}

# ---------------------------------------------------------------- manifest

HEADER='# STARTTLS captures (make-starttls.sh): one row per TCP connection with
# application data.  Fields:
# capture conn proto plain_c2s_bytes plain_c2s_sha256 plain_s2c_bytes
# plain_s2c_sha256 tls_c2s_bytes tls_c2s_sha256 tls_s2c_bytes tls_s2c_sha256 tshark
# conn: tcp.stream + 1 (order of first SYN).  plain_*: bytes sent before the
# first TLS record of that direction (all of them without TLS); tls_*: the
# application data inside the TLS.  From what the peers logged
# (starttls-peer.py, curl --trace; see README.md), checked against tshark
# "follow,tcp,raw" (plain_* is the prefix, the rest whole TLS records) and
# "follow,tls,raw" with the key log: tshark=agree when that gives tls_*
# (for connections without TLS: when the TCP stream is plain_*), none when
# tshark does not see the switch to TLS at all (irc, rdp: tshark 4.0 does
# not follow IRC STARTTLS or the RDP X.224 negotiation into TLS; their TCP
# streams still check out).  tshark options used: smtp-2525 "-d
# tcp.port==2525,smtp", socks5 "-d tcp.port==4712,tls", ftp
# "--disable-protocol ftp-data -d tcp.port==4721,tls -d tcp.port==4722,tls".
# smtp-wrong-port: the ClientHello is the first client byte, so plain_c2s
# is empty; the server took it for a command line.'

verify() {
    local n=$1 rows=$2
    local -a opts
    read -ra opts <<< "${TSHARK_OPTS[$n]:-}"
    $PY "$CHECK" verify "$PCAPS/starttls-$n.pcap" "$PCAPS/starttls-$n.keys" \
        "${TSHARK_EXPECT[$n]:-agree}" "$rows" "${opts[@]}"
}

check_capture() {
    local n=$1 size
    [ -s "$TMP/$n.log" ] || die "$n: no peer log"
    $PY "$CHECK" rows "$PCAPS/starttls-$n.pcap" "$TMP/$n.log" > "$TMP/$n.rows"
    # the peers' TLS version is the one wanted
    local want=none
    [ -n "${VERSION[$n]:-}" ] && want=TLSv${VERSION[$n]}
    awk -v w="$want" -v n="$n" '$12 != w { print n ": conn " $2 " has " $12 ", not " w; bad = 1 }
        END { exit bad }' "$TMP/$n.rows" >&2 || die "$n: wrong TLS version"
    verify "$n" "$TMP/$n.rows" > "$TMP/$n.final" || die "$n: check against the capture failed"
    size=$(stat -c %s "$PCAPS/starttls-$n.pcap")
    [ "$size" -lt $MAX_SIZE ] || die "$n: capture too big ($size bytes)"
    echo "   $size bytes, $(wc -l < "$TMP/$n.final") connection(s) with data"
}

setup_netns
mkdir -p "/etc/netns/$NS"
printf '127.0.0.1\tlocalhost server.test\n' > "/etc/netns/$NS/hosts"
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${NAMES[@]}" dsb)
for c in "${ONLY[@]}"; do
    [ "$c" = dsb ] && { make_dsb; continue; }
    echo "== $c"
    "cap_${c//-/_}"
    check_capture "$c"
done

# the manifest: fresh rows for what was made, the old ones (checked again)
# for the rest
echo "== $(basename "$MANIFEST")"
{
    echo "$HEADER"
    for n in "${NAMES[@]}"; do
        if [ -s "$TMP/$n.final" ]; then
            cat "$TMP/$n.final"
        elif [ -s "$PCAPS/starttls-$n.pcap" ] && [ -s "$MANIFEST" ] &&
             grep -q "^starttls-$n " "$MANIFEST"; then
            verify "$n" "$MANIFEST" 2>/dev/null || die "$n: its starttls.txt rows do not match"
        else
            echo "$n: no capture or no rows, left out of starttls.txt" >&2
        fi
    done
} > "$TMP/starttls.txt"
cp "$TMP/starttls.txt" "$MANIFEST"
grep -vc '^#' "$MANIFEST" | sed 's/$/ rows/'
