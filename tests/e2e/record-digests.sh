#!/usr/bin/env bash
# Records tests/e2e/streams.sha256: the SHA-256 of each direction of each
# TCP connection in the clean captures, as tshark's own reassembly gives
# them (`tshark -z follow,tcp,raw`), so that the end-to-end tests compare
# tlsdump with an independent implementation.  Run after
# pcaps/make-captures.sh; needs tshark.
set -euo pipefail
cd "$(dirname "$0")/../.."
caps=(tls13-openssl.pcap tls12-openssl.pcap tls12-gnutls.pcap tls13-curl.pcap multi-openssl.pcap)
for cap in "${caps[@]}"; do
    n=$(tshark -r "pcaps/$cap" -T fields -e tcp.stream 2>/dev/null | sort -un | wc -l)
    for ((i = 0; i < n; i++)); do
        # Node 0 is the side that sent the first packet (the client);
        # tshark indents the lines of node 1.
        tshark -r "pcaps/$cap" -q -z "follow,tcp,raw,$i" 2>/dev/null |
            /usr/bin/python3 -c '
import sys, hashlib
lines = sys.stdin.read().split("\n")
body = lines[lines.index("=" * 67) + 1:]
body = body[body.index(next(l for l in body if l.startswith("Node 1"))) + 1:]
data = {0: b"", 1: b""}
for l in body:
    if l.startswith("="):
        break
    if l:
        node = 1 if l.startswith("\t") else 0
        data[node] += bytes.fromhex(l.strip())
cap, conn = sys.argv[1], int(sys.argv[2]) + 1
for node, side in ((0, "client"), (1, "server")):
    if data[node]:
        print(hashlib.sha256(data[node]).hexdigest(), "%s:stream-%d-%s.bin" % (cap, conn, side))
' "$cap" "$i"
    done
done >tests/e2e/streams.sha256
cat tests/e2e/streams.sha256
