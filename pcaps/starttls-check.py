#!/usr/bin/python3
"""Manifest rows for the STARTTLS captures, and their check against the
capture with tshark (make-starttls.sh runs it).

  starttls-check.py rows CAPTURE.pcap LOG
      One row per connection in LOG (JSON lines from starttls-peer.py or
      from the subcommands below), "capture conn proto plain_c2s_bytes
      sha256 plain_s2c_bytes sha256 tls_c2s_bytes sha256 tls_s2c_bytes
      sha256 version" (version: TLSv1.2, TLSv1.3 or none); conn is found
      from the client's port (tcp.stream + 1, i.e. order of first SYN).
  starttls-check.py verify CAPTURE.pcap KEYS EXPECT ROWS [TSHARK-OPTION...]
      Checks every row of the file ROWS (the manifest's 12 fields, or the
      11 fields + version of "rows") against the capture and prints it
      with its tshark field; EXPECT is agree or none, what tshark's TLS
      follow must give, or a list such as "ftp=none,agree" (per proto,
      then the default).  Exit status 1 on any mismatch:
      - tshark's "follow,tcp,raw" of the stream: each direction starts
        with plain_* bytes, and the rest are whole TLS records (first a
        handshake record; from the client a ClientHello whose random the
        key log has), or nothing for a connection without TLS;
      - the TLS version of the ServerHello (when ROWS gives one);
      - tshark's "follow,tls,raw" with the key log: tls_* (agree), or no
        data at all (none).
  starttls-check.py curl-trace TRACE PROTO CPORT
      A LOG line from curl --trace: headers and data before the first
      "SSL data" are plain_*, after it tls_*.
  starttls-check.py socks VERSION CPORT HTTPS_LOG HOST PORT
      A LOG line for curl's SOCKS connection: the SOCKS bytes curl sends
      (socks5: --socks5-hostname, socks4: --socks4 with the address; as
      curl 7.88 sends them, confirmed by the capture) and
      dante's replies, whose bound address is where the TLS server behind
      it (HTTPS_LOG, starttls-peer.py server https) saw the proxy come from.
"""
import hashlib
import json
import re
import socket
import struct
import subprocess
import sys

EMPTY = hashlib.sha256(b"").hexdigest()
KEYS = ("plain_c2s", "plain_s2c", "tls_c2s", "tls_s2c")


def tshark(args):
    r = subprocess.run(["tshark"] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("tshark %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def streams(capture):
    """client port -> tcp.stream, from the SYNs"""
    out = tshark(["-r", capture, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                  "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport"])
    m = {}
    for line in out.splitlines():
        s, port = line.split("\t")
        m.setdefault(int(port), int(s))
    return m


def digest(b):
    return "%d %s" % (len(b), hashlib.sha256(b).hexdigest())


def cmd_rows(capture, logfile):
    name = re.sub(r"\.pcap(ng)?$", "", capture.rsplit("/", 1)[-1])
    m = streams(capture)
    rows = []
    seen = {}
    for line in open(logfile):
        e = json.loads(line)
        # a connection between two starttls-peer.py peers is logged by both;
        # their records must be the same
        if e["cport"] in seen:
            other = seen[e["cport"]]
            for k in KEYS + ("version",):
                if e[k] != other[k]:
                    sys.exit("%s: client and server logs differ in %s" % (name, k))
            continue
        seen[e["cport"]] = e
        d = {k: bytes.fromhex(e[k]) for k in KEYS}
        if e.get("tls_record_in_clear"):
            # the client's first bytes were already a TLS record (a
            # ClientHello where the server wanted a command): nothing
            # in clear before its first record
            if d["plain_c2s"][:1] != b"\x16":
                sys.exit("%s: tls_record_in_clear but no record" % name)
            d["plain_c2s"] = b""
        if e["cport"] not in m:
            sys.exit("%s: no SYN from client port %d" % (name, e["cport"]))
        version = e.get("version") or "none"
        rows.append((m[e["cport"]] + 1, "%s %d %s %s %s" % (
            name, m[e["cport"]] + 1, e["proto"], " ".join(digest(d[k]) for k in KEYS), version)))
    for _, r in sorted(rows):
        print(r)


def follow(capture, kind, stream, opts):
    """(client bytes, server bytes) of tshark's follow,KIND,raw"""
    out = tshark(["-r", capture] + opts + ["-q", "-z", "follow,%s,raw,%d" % (kind, stream)])
    node0 = None
    data = {True: bytearray(), False: bytearray()}
    body = False
    for line in out.splitlines():
        if line.startswith("Node 0: "):
            node0 = line[len("Node 0: "):]
        elif line.startswith("Node 1: "):
            body = True
        elif line.startswith("====="):
            body = False
        elif body and line.strip():
            data[not line.startswith("\t")] += bytes.fromhex(line.strip())
    return node0, data


def server_port(capture, stream):
    out = tshark(["-r", capture, "-Y", "tcp.stream == %d && tcp.flags.syn == 1 && "
                  "tcp.flags.ack == 0" % stream, "-T", "fields", "-e", "tcp.dstport"])
    return out.split()[0]


def directions(capture, kind, stream, opts):
    node0, data = follow(capture, kind, stream, opts)
    n0_server = node0 is not None and node0.rsplit(":", 1)[-1] == server_port(capture, stream)
    return bytes(data[not n0_server]), bytes(data[n0_server])


def records(b):
    """TLS records of b (which must be nothing but records): [(type, body)]"""
    out = []
    i = 0
    while i < len(b):
        if len(b) - i < 5:
            raise ValueError("%d bytes left, not a record header" % (len(b) - i))
        t, v, n = struct.unpack(">BHH", b[i:i + 5])
        if t not in (20, 21, 22, 23) or v not in (0x0301, 0x0302, 0x0303):
            raise ValueError("no TLS record at offset %d: %s" % (i, b[i:i + 5].hex()))
        if i + 5 + n > len(b):
            raise ValueError("record at offset %d truncated" % i)
        out.append((t, b[i + 5:i + 5 + n]))
        i += 5 + n
    return out


def server_version(rec):
    """version in the first ServerHello record"""
    body = rec[0][1]
    if body[0] != 2:
        return None
    v = struct.unpack(">H", body[4:6])[0]
    # supported_versions (43) in the extensions says TLS 1.3
    sid = body[38]
    p = 39 + sid + 3
    ext_end = p + 2 + struct.unpack(">H", body[p:p + 2])[0]
    p += 2
    while p + 4 <= ext_end:
        t, n = struct.unpack(">HH", body[p:p + 4])
        if t == 43:
            v = struct.unpack(">H", body[p + 4:p + 6])[0]
        p += 4 + n
    return {0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}.get(v, hex(v))


def expected(spec, proto):
    """spec: "agree", "none", or e.g. "ftp=none,agree" (per proto, default)"""
    default = "agree"
    for item in spec.split(","):
        p, _, v = item.rpartition("=")
        if not p:
            default = v
        elif p == proto:
            return v
    return default


def cmd_verify(capture, keys, expect, rowsfile, opts):
    keylog = set()
    try:
        for line in open(keys):
            f = line.split()
            if len(f) == 3 and not line.startswith("#"):
                keylog.add(f[1].lower())
    except FileNotFoundError:
        pass
    if keylog:
        opts = opts + ["-o", "tls.keylog_file:" + keys]
    name = re.sub(r"\.pcap(ng)?$", "", capture.rsplit("/", 1)[-1])
    bad = 0
    for line in open(rowsfile):
        f = line.split()
        if not f or f[0].startswith("#") or f[0] != name:
            continue
        conn, proto = int(f[1]), f[2]
        want = {k: (int(f[3 + 2 * i]), f[4 + 2 * i]) for i, k in enumerate(KEYS)}
        version = f[11] if len(f) > 11 and f[11].startswith(("TLS", "none")) else None
        problems = []
        c2s, s2c = directions(capture, "tcp", conn - 1, opts)
        rec = {}
        for d, stream in (("c2s", c2s), ("s2c", s2c)):
            n, h = want["plain_" + d]
            if hashlib.sha256(stream[:n]).hexdigest() != h:
                problems.append("%s: the first %d bytes of the TCP stream are not plain_%s"
                                % (d, n, d))
                continue
            try:
                rec[d] = records(stream[n:])
            except ValueError as e:
                problems.append("%s after the plain bytes: %s" % (d, e))
        tls = bool(rec.get("c2s")) or bool(rec.get("s2c"))
        if tls and not problems:
            if rec["c2s"][0][0] != 22 or rec["c2s"][0][1][0] != 1:
                problems.append("the client's first record is not a ClientHello")
            else:
                random = rec["c2s"][0][1][6:38].hex()
                # a key log line wherever the server answered in TLS
                if random not in keylog and rec.get("s2c"):
                    problems.append("key log has no line for client random " + random)
            if version and version != "none":
                if not rec.get("s2c") or rec["s2c"][0][0] != 22:
                    problems.append("no ServerHello")
                else:
                    got = server_version(rec["s2c"])
                    if got != version:
                        problems.append("ServerHello says %s, the peer %s" % (got, version))
                for d in ("c2s", "s2c"):
                    if want["tls_" + d][0] and not any(t == 23 for t, _ in rec[d]):
                        problems.append("%s: no application data records" % d)
        if version == "none" and tls and want["tls_c2s"][0] + want["tls_s2c"][0]:
            problems.append("application data inside TLS but no TLS version")
        # what tshark decrypts
        tc, ts = directions(capture, "tls", conn - 1, opts) if tls else (b"", b"")
        agree = (digest(tc) == "%d %s" % want["tls_c2s"] and
                 digest(ts) == "%d %s" % want["tls_s2c"])
        if not tls or agree:
            # (without TLS, or without application data in it, the TCP
            # stream is all there is to compare)
            verdict = "agree"
        elif not tc and not ts:
            verdict = "none"
        else:
            verdict = "disagree"
            problems.append("tshark's TLS stream: c2s %s, s2c %s" % (digest(tc), digest(ts)))
        if tls and verdict != expected(expect, proto):
            problems.append("tshark=%s, expected %s" % (verdict, expect))
        for p in problems:
            print("%s conn %d: %s" % (name, conn, p), file=sys.stderr)
        bad |= bool(problems)
        print(" ".join(f[:11]) + " tshark=" + verdict)
        print("   %s conn %d %s: TCP streams ok=%s, %s, tshark=%s" % (
            name, conn, proto, not problems, version or "", verdict), file=sys.stderr)
    sys.exit(1 if bad else 0)


def cmd_curl_trace(trace, proto, cport):
    d = {k: bytearray() for k in KEYS}
    tls = False
    version = None
    cur = None
    for line in open(trace, errors="replace"):
        m = re.match(r"^(=>|<=) (Send|Recv) (header|data|SSL data)", line)
        if m:
            if m.group(3) == "SSL data":
                tls = True
                cur = None
            else:
                cur = ("tls_" if tls else "plain_") + ("c2s" if m.group(2) == "Send" else "s2c")
            continue
        if line.startswith("== Info:"):
            cur = None
            v = re.search(r"SSL connection using (TLSv1\.[23])", line)
            if v:
                version = v.group(1)
            continue
        m = re.match(r"^[0-9a-f]{4}: ((?:[0-9a-f]{2} ){1,16})", line)
        if m and cur:
            d[cur] += bytes.fromhex(m.group(1).replace(" ", ""))
    e = {"proto": proto, "cport": int(cport), "version": version, "tls_record_in_clear": False}
    e.update({k: bytes(v).hex() for k, v in d.items()})
    print(json.dumps(e))


def cmd_socks(ver, cport, https_log, host, port):
    e = json.loads(open(https_log).readline())
    bport = e["cport"]                   # the proxy's side of its connection
    port = int(port)
    if ver == "socks5":
        # greeting: curl (built with GSS-API) offers "no authentication"
        # and GSSAPI; dante picks the first
        c2s = (b"\x05\x02\x00\x01" + b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode()
               + struct.pack(">H", port))
        s2c = (b"\x05\x00" + b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1")
               + struct.pack(">H", bport))
    else:
        c2s = (b"\x04\x01" + struct.pack(">H", port) + socket.inet_aton(host) + b"\x00")
        s2c = b"\x00\x5a" + struct.pack(">H", bport) + socket.inet_aton("127.0.0.1")
    e.update({"proto": ver, "cport": int(cport), "plain_c2s": c2s.hex(), "plain_s2c": s2c.hex()})
    print(json.dumps(e))


def main():
    a = sys.argv[1:]
    if a[:1] == ["rows"] and len(a) == 3:
        cmd_rows(a[1], a[2])
    elif a[:1] == ["verify"] and len(a) >= 5:
        cmd_verify(a[1], a[2], a[3], a[4], a[5:])
    elif a[:1] == ["curl-trace"] and len(a) == 4:
        cmd_curl_trace(*a[1:])
    elif a[:1] == ["socks"] and len(a) == 6:
        cmd_socks(*a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
