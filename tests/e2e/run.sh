#!/usr/bin/env bash
# End-to-end tests: the tlsdump binary given as $1 on the captures in pcaps/.
#
# Each check prints "ok" or "FAIL" with its name; the last line is
# "N passed, N failed".  Exit status 1 if anything failed.
set -u

TLSDUMP=$(realpath "${1:-./tlsdump}")
# tlsdump reads a key log from SSLKEYLOGFILE: not one the caller happens to have.
unset SSLKEYLOGFILE
cd "$(dirname "$0")/../.." || exit 2
PCAPS=pcaps
VAR=pcaps/variants
OUT=tests/out/$(basename "$(dirname "$TLSDUMP")")-$$
rm -rf "$OUT"
mkdir -p "$OUT"
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok    $1"; }
bad() { fail=$((fail + 1)); echo "FAIL  $1${2:+: $2}"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# The file must exist (a missing one lacks nothing) and grep must have read
# it and found no match: status 1, not 2 (an error, such as a bad pattern).
lacks() { [ -f "${!#}" ] || return 1; grep -q "$@"; [ $? = 1 ]; }

# Runs tlsdump; keeps stdout, stderr and the exit status under $OUT/$name.
run() {
    local name=$1; shift
    "$TLSDUMP" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
    echo $? >"$OUT/$name.rc"
}
rc_of() { cat "$OUT/$1.rc"; }
no_crash() { # exit status 0 or 2, and no sanitizer report
    local rc; rc=$(rc_of "$1")
    [ "$rc" = 0 ] || [ "$rc" = 2 ] || return 1
    ! grep -q 'Sanitizer\|runtime error' "$OUT/$1.err"
}

# Streams of a capture into $OUT/$name.streams/.
streams() {
    local name=$1 pcap=$2; shift 2
    mkdir -p "$OUT/$name.streams"
    run "$name" -r "$pcap" --streams "$OUT/$name.streams" "$@"
}

same_streams() { # every stream file of $1 equals the one of $2, and the same files exist
    local a=$OUT/$1.streams b=$OUT/$2.streams
    [ -n "$(ls "$a")" ] || return 1
    diff <(cd "$a" && ls) <(cd "$b" && ls) >/dev/null || return 1
    for f in "$a"/*; do cmp -s "$f" "$b/$(basename "$f")" || return 1; done
}

# --- Clean captures: streams equal what tshark's independent follow gave
# when the expected digests were recorded (tests/e2e/streams.sha256).
while read -r digest file; do
    cap=${file%%:*}; stream=${file#*:}
    name=clean-$(basename "$cap" .pcap)
    [ -d "$OUT/$name.streams" ] || streams "$name" "$PCAPS/$cap"
    got=$(sha256sum <"$OUT/$name.streams/$stream" 2>/dev/null | cut -d' ' -f1)
    check "$cap $stream matches its recorded digest" [ "$got" = "$digest" ]
done <tests/e2e/streams.sha256

# --- Lossless variants: exactly the streams of the clean capture.
CLEAN=clean-tls13-openssl
for v in reordered retransmitted overlapping tiny7 vlan qinq ipv6 ipv6-exthdr sll sll2 rawip \
         null fragmented ipopts pcapng after-end keepalive pause; do
    f=$(ls "$VAR/$v".pcap* 2>/dev/null | head -n1)
    if [ -z "$f" ]; then bad "variant $v" "missing capture"; continue; fi
    streams "var-$v" "$f"
    check "variant $v: same streams as the clean capture" same_streams "var-$v" "$CLEAN"
    check "variant $v: no gap reported" lacks 'gap' "$OUT/var-$v.out"
    check "variant $v: FIN from both sides" [ "$(grep -c 'TCP FIN' "$OUT/var-$v.out")" = 2 ]
done

# --- TCP corner cases (issue 12): one connection each, whatever came
# after its end, between its packets or in a long silence.
one_conn() { # NAME: one connection in the text, the JSON and --summary of $VAR/NAME.pcap
    local v=$1 f=$VAR/$1.pcap
    [ "$(grep -c '^New TCP connection' "$OUT/var-$v.out")" = 1 ] || return 1
    run "one-$v-json" -j -r "$f" "${@:2}"
    [ "$(grep -c '"type":"connection"' "$OUT/one-$v-json.out")" = 1 ] || return 1
    run "one-$v-sum" --summary -r "$f" "${@:2}"
    grep -q '^1 connections: established 1$' "$OUT/one-$v-sum.out"
}
for v in after-end keepalive pause; do
    check "variant $v: exactly one connection reported" one_conn "$v"
done
check "after-end: the late packets counted on standard error, nothing else said" \
    grep -qx "tlsdump: $(sed 's/late_packets=//' "$VAR/after-end.txt") packets came after their connection had ended (retransmissions, ACKs after a reset, keep-alives): counted, not shown" \
    "$OUT/var-after-end.err"
check "keepalive: neither late nor resumed" eval \
    "[ ! -s '$OUT/var-keepalive.err' ] && lacks resumed '$OUT/var-keepalive.out'"
check "pause: the silence longer than -t is said once, the same connection goes on" \
    [ "$(grep -c '^1    1000\.[0-9]* (1000\.[0-9]*)  S>C  TCP resumed after 1000\.0000 seconds without a packet (longer than -t)$' "$OUT/var-pause.out")" = 1 ]
pause_json() {
    run pause-j -j --data-sha256 -r "$VAR/pause.pcap" -l "$PCAPS/tls13-openssl.keys"
    run clean-j -j --data-sha256 -r "$PCAPS/tls13-openssl.pcap" -l "$PCAPS/tls13-openssl.keys"
    grep -q '"type":"resumed","schema":1,"id":1,"dir":"server",.*"after_s":1000\.[0-9]*}' "$OUT/pause-j.out" &&
        grep -q '"idle_resumes":1' "$OUT/pause-j.out" &&
        [ "$(grep -o '"app_data":{[^}]*}[^}]*}' "$OUT/pause-j.out")" = \
          "$(grep -o '"app_data":{[^}]*}[^}]*}' "$OUT/clean-j.out")" ]
}
check "pause: JSON says resumed; decrypted as the clean capture" pause_json
# OpenSSL's TLS 1.0 CBC sends an empty record before each one with data
# (its countermeasure to BEAST): the two rules meet, as in ssldump, with
# no indented line between (record 11 is the first of them).
empty_records() {
    run empty-d -r "$PCAPS/dec-tls10-aes128-sha.pcap" -l "$PCAPS/dec-tls10-aes128-sha.keys" -d &&
        [ "$(grep -A2 '^1 11 .*C>S  application_data$' "$OUT/empty-d.out" | grep -c '^    -\{63\}$')" = 2 ] &&
        ! grep -q '^ \{5,\}-\{63\}$' "$OUT/empty-d.out"
}
check "-d: an empty record's two rules meet, nothing indented between" empty_records
check "pause with -t 0 (never forget): no resumption" eval \
    "run pause-t0 -t 0 -r '$VAR/pause.pcap' && lacks resumed '$OUT/pause-t0.out' && grep -q 'TCP FIN' '$OUT/pause-t0.out'"
check "pause with -t 2000: no resumption" eval \
    "run pause-t2000 -t 2000 -r '$VAR/pause.pcap' && lacks resumed '$OUT/pause-t2000.out'"
check "keepalive with -t 30: resumed in place twice, one connection" eval \
    "run ka30 -t 30 -r '$VAR/keepalive.pcap' && [ \$(grep -c 'TCP resumed after 4[45]\.' '$OUT/ka30.out') = 2 ] && [ \$(grep -c '^New TCP' '$OUT/ka30.out') = 1 ]"

# TCP Fast Open (pcaps/make-tcp-captures.sh): the second connection's
# ClientHello rode on its SYN and is the first byte of its stream.
tfo() {
    streams tfo "$PCAPS/tfo-tls13.pcap" -T
    [ "$(grep -c '^New TCP connection' "$OUT/tfo.out")" = 2 ] &&
        grep -q '^2    0\.0000 (0\.0000)  C>S  TCP \[SYN\] seq=[0-9]* ack=0 win=[0-9]* len=517$' "$OUT/tfo.out" &&
        [ "$(head -c 6 "$OUT/tfo.streams/stream-2-client.bin" | od -An -tx1 | tr -d ' ')" = 160301020001 ]
}
check "TCP Fast Open: the ClientHello on the SYN starts the client's stream" tfo

# --- Lossy variants: the loss is reported, the rest is intact.
lost_segment() {
    local dir offset length
    read -r dir offset length < <(sed 's/[a-z]*=//g' "$VAR/lost-segment.txt")
    streams var-lost "$VAR/lost-segment.pcap"
    grep -q "S>C  TCP gap: $length bytes missing at stream offset $offset (acknowledged" \
        "$OUT/var-lost.out" || return 1
    local clean=$OUT/$CLEAN.streams/stream-1-server.bin
    cmp -s <(head -c "$offset" "$clean"; tail -c +"$((offset + length + 1))" "$clean") \
        "$OUT/var-lost.streams/stream-1-server.bin" || return 1
    cmp -s "$OUT/$CLEAN.streams/stream-1-client.bin" "$OUT/var-lost.streams/stream-1-client.bin"
}
check "lost segment: gap of its size at its offset, the rest intact" lost_segment

midstream() {
    local c s
    read -r c s < <(sed 's/[a-z_]*=//g' "$VAR/midstream.txt")
    streams var-mid "$VAR/midstream.pcap"
    grep -q 'mid-stream' "$OUT/var-mid.out" || return 1
    cmp -s <(tail -c +"$((c + 1))" "$OUT/$CLEAN.streams/stream-1-client.bin") \
        "$OUT/var-mid.streams/stream-1-client.bin" || return 1
    cmp -s <(tail -c +"$((s + 1))" "$OUT/$CLEAN.streams/stream-1-server.bin") \
        "$OUT/var-mid.streams/stream-1-server.bin"
}
check "capture started after the handshake: mid-stream, streams from there" midstream

snaplen() {
    streams var-snap "$VAR/snap128.pcap"
    grep -q 'cut off by the snap length' "$OUT/var-snap.out" || return 1
    grep -q 'frames were cut by the snap length' "$OUT/var-snap.err" || return 1
    # captured bytes plus reported gaps account for every byte sent
    local d got lost want
    for d in client server; do
        want=$(stat -c %s "$OUT/$CLEAN.streams/stream-1-$d.bin")
        got=$(stat -c %s "$OUT/var-snap.streams/stream-1-$d.bin" 2>/dev/null || echo 0)
        local arrow=S\>C; [ $d = client ] && arrow=C\>S
        lost=$(grep "$arrow  TCP gap" "$OUT/var-snap.out" |
            sed 's/.*gap: \([0-9]*\) bytes.*/\1/' | awk '{s += $1} END {print s + 0}')
        [ "$((got + ${lost:-0}))" = "$want" ] || return 1
    done
}
check "snap length 128: cut bytes reported as gaps, totals add up" snaplen

# --- Output files: private, never through a link, never over a file,
# any number of connections with few descriptors.
output_files() {
    local d=$OUT/private.d victim=$OUT/victim
    streams_priv() { "$TLSDUMP" -r "$PCAPS/tls13-openssl.pcap" --streams "$@" >/dev/null 2>&1; }
    streams_priv "$d" || return 1
    [ "$(stat -c %a "$d")" = 700 ] && [ "$(stat -c %a "$d/stream-1-client.bin")" = 600 ] || return 1
    # a second run into the same directory: refused, the files unchanged
    cp "$d/stream-1-client.bin" "$OUT/first.bin"
    ! streams_priv "$d" && cmp -s "$d/stream-1-client.bin" "$OUT/first.bin" || return 1
    # a link planted where a file will go: not followed
    mkdir -p "$OUT/planted" && echo keep >"$victim" && ln -sf "$victim" "$OUT/planted/stream-1-server.bin"
    ! streams_priv "$OUT/planted" && [ "$(cat "$victim")" = keep ] || return 1
    # the directory itself a link: refused
    ln -sfn "$d" "$OUT/dirlink"
    ! streams_priv "$OUT/dirlink"
}
check "--streams: 0700 directory, 0600 files, no overwrite, no symlink followed" output_files
many_files() { # 40 connections, 80 files, 30 descriptors
    mkdir -p "$OUT/fd.streams"
    (ulimit -n 30 && "$TLSDUMP" -r "$PCAPS/dec-concurrent-40.pcap" -l "$PCAPS/dec-concurrent-40.keys" \
        --extract "$OUT/fd.streams" >/dev/null 2>"$OUT/fd.err") &&
        [ "$(ls "$OUT/fd.streams" | wc -l)" = 80 ] &&
        [ "$(cat "$OUT"/fd.streams/conn-*-server.bin | wc -c)" = $((40 * 767)) ]
}
check "--extract: 80 files written with 30 file descriptors" many_files

# --- Memory: a connection that never sent a byte costs a few hundred
# bytes (its tls and analysis state wait for the first one): 20,000 SYNs
# peak under 120 MB resident (390 MB before; 20 MB, and 40 MB under ASan
# without its quarantine of freed blocks, after).
syn_memory() {
    /usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/hostile'); import gen
gen.syn_flood('$OUT/syn20k.pcap', 20000)" || return 1
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 /usr/bin/time -f %M \
        -o "$OUT/syn20k.rss" "$TLSDUMP" --summary -r "$OUT/syn20k.pcap" >"$OUT/syn20k.out" 2>&1 &&
        grep -q '^20000 connections: incomplete 20000$' "$OUT/syn20k.out" &&
        [ "$(tail -n 1 "$OUT/syn20k.rss")" -lt 120000 ]
}
check "20,000 SYNs peak under 120 MB: every connection shown" syn_memory
# 50 connections each holding 3 bytes of a record header, in 200,000
# bytes: the ones idle longest are forgotten, and every view says so.
memory_budget() {
    /usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/hostile'); import gen
gen.partial_headers('$OUT/budget.pcap', 50)" || return 1
    local cap=$OUT/budget.pcap m=--max-memory=200000
    "$TLSDUMP" $m -r "$cap" >"$OUT/budget.txt" 2>"$OUT/budget.err" || return 1
    grep -q '^tlsdump: [1-9][0-9]* connections were forgotten to stay within --max-memory' \
        "$OUT/budget.err" || return 1
    local n; n=$(sed -n 's/^tlsdump: \([0-9]*\) connections were forgotten.*/\1/p' "$OUT/budget.err")
    [ "$(grep -c 'connection forgotten: memory budget spent (--max-memory)$' "$OUT/budget.txt")" = "$n" ] ||
        return 1
    [ "$("$TLSDUMP" $m -j -r "$cap" 2>/dev/null | grep -c '"evicted_for_memory":true')" = "$n" ] ||
        return 1
    "$TLSDUMP" $m --summary -r "$cap" 2>/dev/null | grep -q "^evicted for the memory budget (--max-memory): $n\$" ||
        return 1
    # without the budget, none is forgotten
    ! "$TLSDUMP" -r "$cap" 2>&1 | grep -q 'memory'
}
check "--max-memory: connections idle longest forgotten, said in text, JSON, summary, stderr" memory_budget
# Every anomaly of JSON's connection lines is in the text too: handshake
# messages claiming 16 MiB (bad_message), said at the connection's end.
text_anomalies() {
    /usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/hostile'); import gen
gen.huge_lengths('$OUT/huge.pcap', 6)" || return 1
    local j t
    j=$("$TLSDUMP" -j -r "$OUT/huge.pcap" | grep '"type":"connection"' |
        grep -o '"kind":"bad_message","dir":"client","bytes":16777215' | wc -l)
    t=$("$TLSDUMP" -r "$OUT/huge.pcap" |
        grep -c '^[0-9]*    anomaly: C>S handshake message of 16777215 bytes malformed, or too long')
    [ "$j" = 3 ] && [ "$t" = "$j" ]
}
check "text says each bad_message anomaly JSON lists (16 MiB handshake messages)" text_anomalies

# --- The key password without a visible argument.
key_password() {
    local cap=$PCAPS/dec-tls12-rsa-aes128-gcm.pcap key=tests/unit/data/rsa-pkcs8-enc.pem
    echo tlsdump-test | "$TLSDUMP" -j -r "$cap" -k "$key" -p - 2>/dev/null |
        grep -q '"type":"connection".*"decrypted":true' || return 1
    TLSDUMP_KEY_PASSWORD=tlsdump-test "$TLSDUMP" -j -r "$cap" -k "$key" 2>/dev/null |
        grep -q '"type":"connection".*"decrypted":true' || return 1
    ! "$TLSDUMP" -j -r "$cap" -k "$key" >/dev/null 2>&1 # and without it: refused
}
check "-p - (standard input) and TLSDUMP_KEY_PASSWORD open an encrypted key" key_password

# --- Reading: standard input, filters, the text view.
run stdin -r - <"$PCAPS/tls13-openssl.pcap"
run file -r "$PCAPS/tls13-openssl.pcap"
check "-r - reads standard input like a file" cmp -s "$OUT/stdin.out" "$OUT/file.out"
check "text view: ssldump's connection line" \
    grep -q '^New TCP connection #1: 127\.0\.0\.1([0-9]*) <-> 127\.0\.0\.1([0-9]*)$' "$OUT/file.out"
check "text view: first record is the client's Handshake" \
    grep -q '^1 1  0\.[0-9]\{4\} (0\.[0-9]\{4\})  C>S  Handshake$' "$OUT/file.out"
port=$(sed -n 's/^New TCP connection #1: .* <-> .*(\([0-9]*\))$/\1/p' "$OUT/file.out")
run filter-match -r "$PCAPS/tls13-openssl.pcap" tcp port "$port"
run filter-miss -r "$PCAPS/tls13-openssl.pcap" tcp port 1
check "BPF filter after the options keeps the connection" cmp -s "$OUT/filter-match.out" "$OUT/file.out"
filter_miss() { [ "$(rc_of filter-miss)" = 0 ] && [ ! -s "$OUT/filter-miss.out" ]; }
check "BPF filter that matches nothing shows nothing, exit 0" filter_miss
run segments -T -r "$PCAPS/tls13-openssl.pcap"
check "-T prints the SYN" grep -q 'C>S  TCP \[SYN\] seq=' "$OUT/segments.out"
run multi -r "$PCAPS/multi-openssl.pcap"
check "several connections numbered in order" \
    [ "$(grep -o '^New TCP connection #[0-9]*' "$OUT/multi.out" | tr -d '\n')" = \
      "New TCP connection #1New TCP connection #2New TCP connection #3" ]

# -N: the server's certificate as openssl x509 -text prints it, line for
# line; without -N, none of it.
cert_text() {
    local want=$OUT/server.pem.txt n
    openssl x509 -noout -text -in "$PCAPS/keys/server.pem" >"$want" || return 1
    n=$(wc -l <"$want")
    run cert-text -N -r "$PCAPS/tls12-openssl.pcap"
    grep -q '^        Serial Number: 4097 (0x1001)$' "$OUT/cert-text.out" &&
        grep -q '^        Subject: CN = server.test$' "$OUT/cert-text.out" &&
        diff <(grep -m1 -x -A"$((n - 1))" 'Certificate:' "$OUT/cert-text.out") "$want" >/dev/null
}
check "-N prints the certificate as openssl x509 -text does" cert_text
check "without -N, no certificate text" lacks 'Serial Number' "$OUT/file.out"

# -x: the first record's hex dump is the client's stream after the record
# header (5 bytes), for as many bytes as the header says.
record_hex() {
    local got len want client=$OUT/hex.streams/stream-1-client.bin
    streams hex "$PCAPS/tls12-openssl.pcap" -x
    local dump='^    [0-9a-f][0-9a-f][0-9a-f][0-9a-f]  '
    got=$(awk -v dump="$dump" '/^1 1 /{on = 1; next} on && $0 ~ dump {print substr($0, 11, 48); next}
               on {exit}' "$OUT/hex.out" | tr -d ' \n')
    len=$(od -An -tu1 -j3 -N2 "$client" | awk '{print $1 * 256 + $2}')
    want=$(od -An -tx1 -v -j5 -N"$len" "$client" | tr -d ' \n')
    [ -n "$got" ] && [ "$got" = "$want" ]
}
check "-x dumps the first record's bytes as the client sent them" record_hex

# --- Bad input: one line naming the problem, exit status 2, no crash.
bad_input() { # name, expected message regex, tlsdump args...
    local name=$1 re=$2; shift 2
    run "$name" "$@"
    [ "$(rc_of "$name")" = 2 ] && no_crash "$name" && grep -q "$re" "$OUT/$name.err" &&
        [ "$(wc -l <"$OUT/$name.err")" -le 2 ]
}
printf 'this is not a capture file\n' >"$OUT/notpcap.txt"
head -c 3000 "$PCAPS/tls13-openssl.pcap" >"$OUT/truncated.pcap"
head -c 10 "$PCAPS/tls13-openssl.pcap" >"$OUT/tiny.pcap"
# a pcap header with link type 147 (DLT_USER0) and one record
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00' >"$OUT/user0.pcap"
check "missing file" bad_input missing 'No such file' -r "$OUT/does-not-exist.pcap"
check "a text file" bad_input notpcap 'unknown file format' -r "$OUT/notpcap.txt"
check "a directory" bad_input dir 'is a directory' -r "$OUT"
check "truncated capture" bad_input truncated 'truncated' -r "$OUT/truncated.pcap"
check "truncated file header" bad_input tiny 'truncated\|too short\|file format' -r "$OUT/tiny.pcap"
check "unsupported link type" bad_input user0 'link type .* not supported' -r "$OUT/user0.pcap"
check "invalid filter" bad_input badfilter "invalid filter" -r "$PCAPS/tls13-openssl.pcap" port nonsense
check "unknown interface" bad_input noif 'no such interface\|No such device\|permission' -i nosuchif0
check "no source" bad_input nosrc 'give one source'
check "bad number" bad_input badnum "not a number" -t forever -r "$PCAPS/tls13-openssl.pcap"
check "unwritable --streams" bad_input badstreams 'streams' --streams /proc/nope -r "$PCAPS/tls13-openssl.pcap"
check "unknown long option: one line" bad_input bogus 'unknown option --bogus' --bogus -r x
check "missing argument: one line" bad_input noarg 'r needs an argument' -r
check "two sources: refused" bad_input tworeads 'give one source' -r a -r b
check "--max-conns 0: said" bad_input maxconns0 'at least 1' --max-conns 0 -r x
check "-j with -x: refused with a message" bad_input jx 'x is for the text view, not -j' -j -x -r x
check "-j with -T: refused with a message" bad_input jT 'T is for the text view, not -j' -j -T -r x
check "--summary with -x: refused with a message" bad_input sx 'x is for the text view' --summary -x -r x
check "-p - with -r -: refused" bad_input pstdin 'both read standard input' -p - -r -
run dnokeys -r "$PCAPS/tls13-openssl.pcap" -d
check "-d without keys: said once on stderr" \
    [ "$(grep -c 'only plaintext can be shown' "$OUT/dnokeys.err")" = 1 ]
closed_pipe() { # the reader exits early: status 0, nothing on stderr, no full read
    local rc
    "$TLSDUMP" -r "$PCAPS/dec-tls12-2mb.pcap" -x "$@" 2>"$OUT/pipe.err" | head -1 >/dev/null
    rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] && [ ! -s "$OUT/pipe.err" ]
}
check "output closed by its reader (| head): status 0, quiet" closed_pipe
closed_pipe_threads() { closed_pipe --threads 2 && closed_pipe --threads 3; }
check "... with --threads 2 and 3 (a worker or the merger meets the closed pipe)" \
    closed_pipe_threads
check "truncated capture still shows what came before" grep -q 'New TCP connection' "$OUT/truncated.out"

# --color: escape codes around the directions, failures and decrypted data
# with always; none with never, nor by default when the output is not a
# terminal, nor on a terminal (script(1) gives one) when NO_COLOR is set.
ESC=$(printf '\033')
colors() {
    local k=$PCAPS/tls13-openssl.keys c=$PCAPS/tls13-openssl.pcap
    run col-always -r "$c" -l "$k" -d --color=always
    grep -q "  ${ESC}\[36mC>S${ESC}\[0m  Handshake$" "$OUT/col-always.out" &&
        grep -q "${ESC}\[35mS>C" "$OUT/col-always.out" &&
        grep -q "^${ESC}\[32m    GET /page.html HTTP/1.0$" "$OUT/col-always.out" || return 1
    run col-fail -r "$PCAPS/fail-unknown-ca-tls12.pcap" --color=always
    grep -q "${ESC}\[1;31mverdict: failed${ESC}\[0m" "$OUT/col-fail.out" &&
        grep -q "${ESC}\[1;31mdiagnosis: unknown_ca" "$OUT/col-fail.out" || return 1
    run col-never -r "$c" -l "$k" -d --color=never
    run col-default -r "$c" -l "$k" -d
    lacks "$ESC" "$OUT/col-never.out" && lacks "$ESC" "$OUT/col-default.out" &&
        cmp -s "$OUT/col-never.out" "$OUT/col-default.out" || return 1
    [ "$(sed "s/${ESC}\[[0-9;]*m//g" "$OUT/col-always.out")" = "$(cat "$OUT/col-never.out")" ] ||
        return 1
    command -v script >/dev/null || return 0
    script -q -c "'$TLSDUMP' -r '$c' --no-progress" /dev/null >"$OUT/col-tty.out" </dev/null
    NO_COLOR=1 script -q -c "'$TLSDUMP' -r '$c' --no-progress" /dev/null >"$OUT/col-nocolor.out" </dev/null
    grep -q "${ESC}\[36mC>S" "$OUT/col-tty.out" && lacks "$ESC" "$OUT/col-nocolor.out"
}
check "--color: always colours, never and NO_COLOR and a pipe do not; same text" colors
check "--color=bogus: refused" bad_input colbad 'give auto, always or never' --color=bogus -r x

# Corrupt packets in the middle of a good capture: counted, skipped, run on.
corrupt() {
    /usr/bin/python3 - "$PCAPS/tls13-openssl.pcap" "$OUT/corrupt.pcap" <<'PY' || return 1
import struct, sys
data = open(sys.argv[1], 'rb').read()
out, pos, n = bytearray(data[:24]), 24, 0
while pos + 16 <= len(data):
    ts, tu, incl, orig = struct.unpack('<IIII', data[pos:pos + 16])
    frame = bytearray(data[pos + 16:pos + 16 + incl])
    n += 1
    out += data[pos:pos + 16] + frame
    if n in (5, 9):  # after these, a frame with an impossible IPv4 header, and one cut mid-TCP
        bad = bytearray(frame); bad[14] = 0x4f; bad[16:18] = b'\xff\xff'
        out += struct.pack('<IIII', ts, tu, len(bad), len(bad)) + bad
        cut = frame[:14 + 20 + 7]
        out += struct.pack('<IIII', ts, tu, len(cut), len(cut)) + cut
    pos += 16 + incl
open(sys.argv[2], 'wb').write(out)
PY
    streams corrupt "$OUT/corrupt.pcap"
    [ "$(rc_of corrupt)" = 0 ] && no_crash corrupt &&
        grep -q '4 malformed or truncated packets were skipped' "$OUT/corrupt.err" &&
        same_streams corrupt "$CLEAN"
}
check "corrupt packets mid-capture are skipped, the streams are intact" corrupt

# A record header whose captured length exceeds the frame's length on the
# wire (frame 4 claims 20 bytes): reported once, the frame's bytes used.
overlong() {
    /usr/bin/python3 - "$PCAPS/tls13-openssl.pcap" "$OUT/overlong.pcap" <<'PY' || return 1
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
pos, n = 24, 0
while pos + 16 <= len(data):
    incl, = struct.unpack('<I', data[pos + 8:pos + 12])
    n += 1
    if n == 4:
        data[pos + 12:pos + 16] = struct.pack('<I', 20)
    pos += 16 + incl
open(sys.argv[2], 'wb').write(data)
PY
    run overlong -r "$OUT/overlong.pcap" -l "$PCAPS/tls13-openssl.keys" -d &&
        run overlong-ref -r "$PCAPS/tls13-openssl.pcap" -l "$PCAPS/tls13-openssl.keys" -d &&
        [ "$(rc_of overlong)" = 0 ] && no_crash overlong &&
        grep -q '^tlsdump: 1 frames claimed more captured bytes than their length on the wire' \
            "$OUT/overlong.err" &&
        cmp -s "$OUT/overlong.out" "$OUT/overlong-ref.out"
}
check "a frame whose captured length exceeds its wire length: reported, its bytes used" overlong

# Timestamps at the ends of pcapng's 64-bit range: a SYN at 0, one at
# 2^64 - 16 microseconds, one again at 0.  No overflow (UBSan in the
# sanitizer build), and the times shown stay within the clamp.
extreme_times() {
    /usr/bin/python3 - "$OUT/times.pcapng" <<'PY' || return 1
import struct, sys
def block(t, body):
    body += b'\0' * (-len(body) % 4)
    return struct.pack('<II', t, len(body) + 12) + body + struct.pack('<I', len(body) + 12)
syn = (b'\0' * 12 + b'\x08\x00' + bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0,
       127, 0, 0, 1, 127, 0, 0, 2]) + struct.pack('>HHIIBBHHH', 40000, 443, 1, 0, 0x50, 2,
       1024, 0, 0))
out = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
out += block(1, struct.pack('<HHI', 1, 0, 0))
for ts in (0, 2**64 - 16, 0):
    out += block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, len(syn), len(syn)) + syn)
open(sys.argv[1], 'wb').write(out)
PY
    run times -r "$OUT/times.pcapng"
    [ "$(rc_of times)" = 0 ] && no_crash times && grep -q 'New TCP connection #1' "$OUT/times.out"
}
check "pcapng timestamps near 2^64 microseconds: no overflow" extreme_times

# pcapng whose interfaces have different link types (libpcap refuses
# them): Ethernet (tls13-openssl), raw IP in nanoseconds (variants/rawip,
# another connection's port) and DLT_USER0, interleaved by time in one
# section, written here; every connection as when read alone, the USER0
# frames skipped and said, a filter applied to each link type.  And
# mergecap's file of Ethernet and SLL, when mergecap is here.
mixed_links() {
    /usr/bin/python3 - "$PCAPS/multi-openssl.pcap" "$VAR/rawip.pcap" "$OUT/mixed.pcapng" <<'PY' || return 1
import struct, sys
def frames(path):
    d = open(path, 'rb').read()
    lt, pos = struct.unpack('<I', d[20:24])[0], 24
    while pos + 16 <= len(d):
        s, us, incl, orig = struct.unpack('<IIII', d[pos:pos + 16])
        yield s * 10**6 + us, d[pos + 16:pos + 16 + incl], orig
        pos += 16 + incl
def block(t, body):
    body += b'\0' * (-len(body) % 4)
    return struct.pack('<II', t, len(body) + 12) + body + struct.pack('<I', len(body) + 12)
out = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
out += block(1, struct.pack('<HHI', 1, 0, 0))                            # 0: Ethernet, us
out += block(1, struct.pack('<HHI', 101, 0, 0) + struct.pack('<HHB3x', 9, 1, 9) + b'\0' * 4)  # 1: raw IP, ns
out += block(1, struct.pack('<HHI', 147, 0, 0))                          # 2: USER0
pk = [(t, 0, f, o) for t, f, o in frames(sys.argv[1])] + \
     [(t, 1, f, o) for t, f, o in frames(sys.argv[2])] + [(0, 2, b'\1\2\3\4', 4)] * 3
for t, i, f, o in sorted(pk, key=lambda p: p[0]):
    t = t * 1000 if i == 1 else t
    out += block(6, struct.pack('<IIIII', i, t >> 32, t & 0xffffffff, len(f), o) + f)
open(sys.argv[3], 'wb').write(out)
PY
    run mixed-j -j -r "$OUT/mixed.pcapng"
    run mixed-a -j -r "$PCAPS/multi-openssl.pcap"
    run mixed-b -j -r "$VAR/rawip.pcap"
    conns() { grep -h '"type":"connection"' "$@" | sed 's/"id":[0-9]*,//' | sort; }
    [ "$(rc_of mixed-j)" = 0 ] && [ "$(grep -c '"type":"connection"' "$OUT/mixed-j.out")" = 4 ] &&
        [ "$(conns "$OUT/mixed-j.out")" = "$(conns "$OUT/mixed-a.out" "$OUT/mixed-b.out")" ] &&
        grep -qx 'tlsdump: 3 frames of link type 147 .*were skipped: tlsdump does not decode it; the file.s other interfaces were read' "$OUT/mixed-j.err" || return 1
    port=$(sed -n 's/.*"type":"open".*"server":{"ip":"[^"]*","port":\([0-9]*\)}.*/\1/p' "$OUT/mixed-b.out" | head -1)
    run mixed-f -j -r "$OUT/mixed.pcapng" tcp port "$port"
    [ "$(grep -c '"type":"connection"' "$OUT/mixed-f.out")" = 1 ] || return 1
    command -v mergecap >/dev/null || return 0
    rm -f "$OUT/merged.pcapng"
    mergecap -w "$OUT/merged.pcapng" "$PCAPS/multi-openssl.pcap" "$VAR/sll.pcap" &&
        run merged -j -r "$OUT/merged.pcapng" && run mixed-c -j -r "$VAR/sll.pcap" &&
        [ "$(conns "$OUT/merged.out")" = "$(conns "$OUT/mixed-a.out" "$OUT/mixed-c.out")" ] &&
        [ ! -s "$OUT/merged.err" ]
}
check "pcapng with interfaces of different link types: each read as its own, others skipped and said" mixed_links

# Every cut of a capture: never a crash.
cuts() {
    local size i
    size=$(stat -c %s "$PCAPS/tls13-openssl.pcap")
    for ((i = 24; i < size; i += 97)); do
        head -c "$i" "$PCAPS/tls13-openssl.pcap" >"$OUT/cut.pcap"
        run cut -r "$OUT/cut.pcap"
        no_crash cut || { echo "  crashed at $i bytes"; return 1; }
    done
}
check "capture cut every 97 bytes: no crash" cuts

# --- Golden outputs and JSON checks; their counts are added to ours.
# A script that stops before its count (a traceback), or whose status
# says it failed when its count does not, counts as one failure more.
sub() {
    local out rc p=0 f=1 last
    out=$("$@"); rc=$?
    grep -v '^[0-9]* passed, [0-9]* failed$' <<<"$out"
    last=$(tail -n1 <<<"$out")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
        [ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
    else
        echo "FAIL  $1 ${2:-}: stopped before its count (status $rc)"
    fi
    pass=$((pass + p)); fail=$((fail + f))
}
sub tests/e2e/golden.sh "$TLSDUMP"
sub /usr/bin/python3 tests/e2e/json_checks.py "$TLSDUMP" "$OUT"
sub /usr/bin/python3 tests/e2e/decrypt_checks.py "$TLSDUMP" "$OUT"
sub /usr/bin/python3 tests/e2e/diagnosis_checks.py "$TLSDUMP"
sub /usr/bin/python3 tests/e2e/starttls_checks.py "$TLSDUMP" "$OUT"
sub /usr/bin/python3 tests/e2e/legacy_checks.py "$TLSDUMP"
sub /usr/bin/python3 tests/e2e/ecosystem_checks.py "$TLSDUMP" "$OUT"
sub /usr/bin/python3 tests/e2e/scale_checks.py "$TLSDUMP" "$OUT"
sub /usr/bin/python3 tests/e2e/threads_checks.py "$TLSDUMP" "$OUT"
sub /usr/bin/python3 tests/e2e/schema_checks.py "$TLSDUMP" "$OUT"
sub tests/e2e/curses.sh "$TLSDUMP" "$OUT"

# --- Live capture in a network namespace of our own (needs root).
if [ "$(id -u)" = 0 ] && command -v openssl >/dev/null && ip netns add "tlsdump-e2e-$$" 2>/dev/null; then
    tests/e2e/live.sh "tlsdump-e2e-$$" "$TLSDUMP" "$OUT" && ok "live capture, SIGINT, -Z" ||
        bad "live capture, SIGINT, -Z" "see $OUT/live.*"
    ip netns del "tlsdump-e2e-$$"
    ip netns add "tlsdump-fanout-$$"
    tests/e2e/fanout.sh "tlsdump-fanout-$$" "$TLSDUMP" "$OUT" &&
        ok "--fanout: two members see each connection once" ||
        bad "--fanout: two members see each connection once" "see $OUT/fanout.*"
    ip netns del "tlsdump-fanout-$$"
else
    echo "skip  live capture and --fanout (need root and ip netns)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
