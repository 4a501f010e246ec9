#!/bin/bash
# Captures of the sessions today's OpenSSL refuses to make, for tlsdump's
# decryption of older sessions: SSLv3, DEFLATE record compression
# (RFC 3749), export and other legacy cipher suites.  Both peers are
# legacy-peer.py (it writes every record itself), over real TCP in a
# private network namespace recorded by tcpdump, as the other capture
# scripts do (lib.sh).  Each capture NAME.pcap has the client's key log
# NAME.keys beside it, and its rows in decrypt.txt (replaced, the others
# kept) are the data fed to the peers, checked against what tshark
# decrypts with the key log (tshark-plaintext.py).
#
# Usage (as root):  pcaps/make-legacy-captures.sh [NAME...]
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
. ./lib.sh
PCAPS=$PWD
KEYS=$PCAPS/keys
NS=tlsdump-legacy-$$
TMP=$(mktemp -d)
PIDS=()
PY=/usr/bin/python3
MAX_SIZE=102400

# name -> "version suite options" (RSA key exchange throughout)
declare -A SETUP=(
    [dec-tls10-deflate]="0x0301 0x002f --deflate"            # AES128-SHA + DEFLATE
    [dec-tls12-deflate]="0x0303 0x002f --deflate"            # AES128-SHA + DEFLATE
    [dec-ssl3-aes128-sha]="0x0300 0x002f"
    [dec-ssl3-rc4-md5]="0x0300 0x0004"
    [dec-ssl3-exp-des40]="0x0300 0x0008"                     # EXP-DES-CBC-SHA
    [dec-tls10-exp-rc4-40]="0x0301 0x0003"                   # EXP-RC4-MD5
    [dec-tls10-exp-rc2-40]="0x0301 0x0006"                   # EXP-RC2-CBC-MD5
    [dec-tls10-exp1024-rc4-56]="0x0301 0x0064"               # EXP1024-RC4-SHA
    [dec-tls10-des-cbc]="0x0301 0x0009"                      # DES-CBC-SHA
    [dec-tls10-seed]="0x0301 0x0096"                         # SEED-SHA
)
NAMES=(dec-tls10-deflate dec-tls12-deflate dec-ssl3-aes128-sha dec-ssl3-rc4-md5
    dec-ssl3-exp-des40 dec-tls10-exp-rc4-40 dec-tls10-exp-rc2-40 dec-tls10-exp1024-rc4-56
    dec-tls10-des-cbc dec-tls10-seed)
declare -A PORT=()
p=4521
for n in "${NAMES[@]}"; do PORT[$n]=$p; p=$((p + 1)); done

ONLY=()
for a in "$@"; do
    [ -n "${PORT[$a]:-}" ] || { echo "usage: $0 [NAME...]; unknown $a" >&2; exit 2; }
    ONLY+=("$a")
done
[ "$(id -u)" = 0 ] || die "$0: must run as root"
trap netns_cleanup EXIT

# The 40-bit export suites' RSA key is at most 512 bits (RFC 2246 7.4.3:
# a longer one needs a ServerKeyExchange with a temporary key), the
# EXPORT1024 suites' at most 1024: keys/export512.* is made here once,
# signed by the test CA; keys/weak.* (1024 bits) is make-failures.sh's.
make_keys() {
    [ -s "$KEYS/ca.pem" ] && [ -s "$KEYS/server.pem" ] && [ -s "$KEYS/weak.pem" ] ||
        die "run make-captures.sh and make-failures.sh first (test PKI)"
    [ -s "$KEYS/export512.pem" ] && return
    openssl genrsa -out "$KEYS/export512.key" 512 2>/dev/null
    openssl req -new -key "$KEYS/export512.key" -subj /CN=server.test -out "$TMP/e.csr"
    printf 'subjectAltName=DNS:server.test,DNS:localhost,IP:127.0.0.1\n' > "$TMP/e.ext"
    openssl x509 -req -in "$TMP/e.csr" -CA "$KEYS/ca.pem" -CAkey "$KEYS/ca.key" \
        -set_serial 0x1e9a -days 36500 -sha256 -extfile "$TMP/e.ext" -out "$KEYS/export512.pem" 2>/dev/null
}

# The data: the client sends a request, the server a text that compresses
# well (a few KB), in records of 1000 bytes so that the DEFLATE stream
# spans records.
make_data() {
    printf 'GET /legacy.txt HTTP/1.0\r\nUser-Agent: legacy-peer\r\n\r\n' > "$TMP/request"
    {
        printf 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n'
        for ((i = 1; i <= 60; i++)); do
            printf 'line %d: sphinx of black quartz, judge my vow; the five boxing wizards jump\n' "$i"
        done
    } > "$TMP/response"
}

cert_of() {
    case $1 in
        0x0003|0x0006|0x0008) echo export512 ;;
        0x0064) echo weak ;;
        *) echo server ;;
    esac
}

capture() {
    local n=$1 port=${PORT[$1]} version suite opts cert
    read -r version suite opts <<< "${SETUP[$n]}"
    cert=$(cert_of "$suite")
    rm -f "$PCAPS/$n.pcap" "$PCAPS/$n.keys"
    tcpdump_start "$PCAPS/$n.pcap" "tcp port $port" "$TMP/$n.tcpdump"
    # shellcheck disable=SC2086
    ip netns exec "$NS" "$PY" legacy-peer.py server "$port" --version "$version" --suite "$suite" $opts \
        --cert "$KEYS/$cert.pem" --key "$KEYS/$cert.key" --chunk 1000 \
        --send "$TMP/response" --expect "$TMP/request" &
    local srv=$!
    PIDS+=("$srv")
    wait_listen "$port"
    # shellcheck disable=SC2086
    timeout 20 ip netns exec "$NS" "$PY" legacy-peer.py client "$port" --version "$version" \
        --suite "$suite" $opts --send "$TMP/request" --expect "$TMP/response" \
        --keylog "$PCAPS/$n.keys" || die "$n: client failed"
    wait_pid "$srv" 20 || die "$n: server failed"
    tcpdump_stop "$TMP/$n.tcpdump"
    [ "$(stat -c %s "$PCAPS/$n.pcap")" -lt $MAX_SIZE ] || die "$n: capture too big"
}

# check NAME: what tshark decrypts with the key log is what the peers were
# fed; prints the decrypt.txt row
check() {
    local n=$1 want got v=agree
    want="$(stat -c %s "$TMP/request") $(sha256sum < "$TMP/request" | cut -d' ' -f1)"
    want="$want $(stat -c %s "$TMP/response") $(sha256sum < "$TMP/response" | cut -d' ' -f1)"
    got=$("$PY" tshark-plaintext.py "$PCAPS/$n.pcap" "$PCAPS/$n.keys" 0)
    if [ "$got" != "$want" ]; then
        v=differs
        echo "   $n: tshark decrypts $got" >&2
    fi
    echo "$n 1 $want tshark=$v"
}

setup_netns
make_keys
make_data
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${NAMES[@]}")
: > "$TMP/rows"
for n in "${ONLY[@]}"; do
    echo "== $n (${SETUP[$n]})"
    capture "$n"
    check "$n" | tee -a "$TMP/rows"
done
# decrypt.txt: these rows replace their captures' old ones, before the
# comment lines at the end
{
    grep -v '^#' decrypt.txt | grep -vE "^($(IFS='|'; echo "${ONLY[*]}")) " || true
    cat "$TMP/rows"
} | sort -k1,1 -k2,2n > "$TMP/body"
{ grep '^# ' decrypt.txt | head -2; cat "$TMP/body"; grep '^# ' decrypt.txt | tail -n +3; } \
    > "$TMP/decrypt.txt"
cp "$TMP/decrypt.txt" decrypt.txt
