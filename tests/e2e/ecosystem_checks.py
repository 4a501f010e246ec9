"""Fitting the ecosystem (issue 16): -w's capture of the decrypted
conversation, --keys-out's key log, tcpdump's -c -D -B -F and the long
options, ssldump's -X -a -H -S -y.

The -w files are read twice: by tshark (it must dissect them), and by the
small pcap reader below, which checks every IP and TCP checksum, the
handshake, the sequence numbers and the FINs, and that the TCP payload of
each direction is exactly what --extract wrote.

usage: ecosystem_checks.py TLSDUMP OUTDIR
"""
import os
import re
import shutil
import stat
import struct
import subprocess
import sys

from checks import check, finish

TLSDUMP, OUT = sys.argv[1], os.path.join(sys.argv[2], "ecosystem")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PCAPS = os.path.join(ROOT, "pcaps")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)


def cap(name):
    return os.path.join(PCAPS, name)


def run(*args, stdin=None):
    p = subprocess.run([TLSDUMP, *args], capture_output=True, stdin=stdin)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def tshark(*args):
    p = subprocess.run(["tshark", *args], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# --- A pcap reader, for the link type tlsdump writes (raw IP).

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def read_pcap(path):
    """The packets of a raw-IP pcap as dicts; raises ValueError on a bad one."""
    data = open(path, "rb").read()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xa1b2c3d4 or linktype != 101:
        raise ValueError("not a little-endian raw-IP pcap (%x, %d)" % (magic, linktype))
    pos, pkts = 24, []
    while pos < len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if incl != orig or len(frame) != incl:
            raise ValueError("a frame cut short")
        pkts.append(parse_ip(frame, sec * 1000000 + usec))
    return pkts


def parse_ip(f, ts):
    if f[0] >> 4 == 4:
        if csum(f[:20]) != 0xffff or struct.unpack("!H", f[2:4])[0] != len(f) or f[9] != 6:
            raise ValueError("bad IPv4 header")
        src, dst, seg = f[12:16], f[16:20], f[20:]
    else:
        if struct.unpack("!H", f[4:6])[0] != len(f) - 40 or f[6] != 6:
            raise ValueError("bad IPv6 header")
        src, dst, seg = f[8:24], f[24:40], f[40:]
    pseudo = src + dst + struct.pack("!HH", 6, len(seg))
    if csum(pseudo + seg) != 0xffff:
        raise ValueError("bad TCP checksum")
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", seg[:14])
    return {"ts": ts, "src": (src, sport), "dst": (dst, dport), "seq": seq, "ack": ack,
            "flags": flags, "data": seg[(off >> 4) * 4:]}


SYN, FIN, ACK = 0x02, 0x01, 0x10


def conversations(pkts):
    """Per connection (client address, port): the payload each way, after
    checking the handshake, the sequence numbers and the FINs."""
    convs = {}
    for p in pkts:
        if p["flags"] & SYN and not p["flags"] & ACK:
            key = p["src"]
            convs[key] = {"peer": p["dst"], "next": {key: p["seq"] + 1}, "data": {}, "fin": set(),
                          "flags": [p["flags"]], "ok": True}
            continue
        client = p["src"] if p["src"] in convs and convs[p["src"]]["peer"] == p["dst"] else p["dst"]
        c = convs[client]
        c["flags"].append(p["flags"])
        if p["flags"] & SYN:
            c["next"][p["src"]] = p["seq"] + 1
            continue
        other = p["dst"]
        c["ok"] &= p["seq"] == c["next"][p["src"]] and p["ack"] == c["next"][other]
        c["ok"] &= p["src"] not in c["fin"] or (p["flags"] == ACK and not p["data"])
        c["next"][p["src"]] += len(p["data"]) + (1 if p["flags"] & FIN else 0)
        c["data"][p["src"]] = c["data"].get(p["src"], b"") + p["data"]
        if p["flags"] & FIN:
            c["fin"].add(p["src"])
    return convs


def pcap_matches_extract(pcap, xdir):
    """Each connection opens with SYN, SYN-ACK, ACK, ends with both FINs and
    an ACK; its numbers follow; its payload each way is --extract's file."""
    try:
        convs = conversations(read_pcap(pcap))
    except (ValueError, KeyError, struct.error) as e:
        return False, str(e)
    files = sorted(os.listdir(xdir))
    if not convs or len(files) > 2 * len(convs):
        return False, "%d connections, %d files" % (len(convs), len(files))
    for n, (client, c) in enumerate(sorted(convs.items(), key=lambda kv: kv[0][1]), 1):
        if c["flags"][:3] != [SYN, SYN | ACK, ACK] or c["flags"][-1] != ACK or len(c["fin"]) != 2 \
                or not c["ok"]:
            return False, "connection from port %d: %s" % (client[1], c["flags"][:3])
    want = b"".join(open(os.path.join(xdir, f), "rb").read() for f in files)
    got = b"".join(d for c in convs.values() for d in c["data"].values())
    return sorted(want) == sorted(got) and len(want) == len(got), "payload differs"


def per_direction_equal(pcap, xdir, conn_id=1):
    convs = conversations(read_pcap(pcap))
    (client, c), = [kv for kv in convs.items()]
    want_c = open(os.path.join(xdir, "conn-%d-client.bin" % conn_id), "rb").read()
    want_s = open(os.path.join(xdir, "conn-%d-server.bin" % conn_id), "rb").read()
    return c["data"].get(client, b"") == want_c and c["data"].get(c["peer"], b"") == want_s


# --- -w: the decrypted conversation as a capture.

def write_and_extract(name, pcap, *keys):
    w, x = os.path.join(OUT, name + ".pcap"), os.path.join(OUT, name + ".x")
    rc, _, err = run("-q", "-r", pcap, *keys, "-w", w, "--extract", x)
    return rc, err, w, x


TLS13 = (cap("tls13-openssl.pcap"), "-l", cap("tls13-openssl.keys"))
rc, err, w13, x13 = write_and_extract("w-tls13", *TLS13)
check("-w: exit 0", rc == 0, err)
check("-w: the file is 0600", os.path.exists(w13) and stat.S_IMODE(os.stat(w13).st_mode) == 0o600)
check("-w: tshark dissects the decrypted HTTP request (/page.html)",
      tshark("-r", w13, "-Y", "http.request", "-T", "fields",
             "-e", "http.request.uri")[1].split() == ["/page.html"])
trc, bad = tshark("-r", w13, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                  "-Y", "tcp.checksum.status == 0 || ip.checksum.status == 0 || tcp.analysis.flags")
check("-w: tshark finds no bad checksum nor TCP analysis warning", trc == 0 and bad.strip() == "",
      "tshark status %d: %s" % (trc, bad))
ok, why = pcap_matches_extract(w13, x13)
check("-w: checksums, handshake, numbers, FINs; payload is the --extract files", ok, why)
check("-w: each direction's payload is its --extract file", per_direction_equal(w13, x13))
first = read_pcap(w13)[0]["ts"]
orig = struct.unpack("<II", open(cap("tls13-openssl.pcap"), "rb").read()[24:32])
check("-w: the SYN has the original first packet's timestamp",
      first == orig[0] * 1000000 + orig[1], "%d" % first)

rc, err, w6, x6 = write_and_extract("w-ipv6", cap("variants/ipv6.pcap"), "-l",
                                    cap("tls13-openssl.keys"))
ok, why = pcap_matches_extract(w6, x6)
check("-w, IPv6: valid packets, payload as --extract", rc == 0 and ok and
      read_pcap(w6)[0]["src"][0] != b"\x7f\0\0\1" and len(read_pcap(w6)[0]["src"][0]) == 16, why)
check("-w, IPv6: tshark dissects the HTTP request",
      tshark("-r", w6, "-Y", "http.request", "-T", "fields",
             "-e", "http.request.uri")[1].split() == ["/page.html"])

rc, err, wst, xst = write_and_extract("w-starttls", cap("starttls-smtp.pcap"), "-l",
                                      cap("starttls-smtp.keys"))
check("-w, STARTTLS: the plaintext phase, then the decrypted data, as --extract",
      rc == 0 and per_direction_equal(wst, xst) and
      open(os.path.join(xst, "conn-1-client.bin"), "rb").read().startswith(b"EHLO"))
cmds = tshark("-r", wst, "-Y", "smtp.req.command", "-T", "fields", "-e", "smtp.req.command")[1]
check("-w, STARTTLS: tshark sees the SMTP commands before and after STARTTLS",
      cmds.split() == ["EHLO", "STAR", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"], cmds)

rc, err, wmany, xmany = write_and_extract("w-40", cap("dec-concurrent-40.pcap"), "-l",
                                          cap("dec-concurrent-40.keys"))
ok, why = pcap_matches_extract(wmany, xmany)
check("-w: 40 concurrent connections, each with its handshake and FINs", rc == 0 and ok, why)
ts = [p["ts"] for p in read_pcap(wmany)]
check("-w: packets in time order", ts and ts == sorted(ts))

rc, err, wbig, xbig = write_and_extract("w-2mb", cap("dec-tls12-2mb.pcap"), "-l",
                                        cap("dec-tls12-2mb.keys"))
ok, why = pcap_matches_extract(wbig, xbig)
check("-w: a 2 MB transfer, a packet per record, payload as --extract", rc == 0 and ok, why)

rc, out, err = run("-r", *TLS13, "-w", "-")
check("-w -: the same capture on standard output, no text",
      rc == 0 and out == open(w13, "rb").read(), err)
rc, _, err = run("-q", "-r", *TLS13, "-w", w13)
check("-w: an existing file is refused, not overwritten",
      rc == 2 and "exists already" in err and open(w13, "rb").read() == out)
rc, _, err = run("-r", *TLS13, "-w", "-", "-j")
check("-w - with -j: refused, one line", rc == 2 and "both write standard output" in err)
rc, _, err = run("-r", *TLS13, "-w", "-", "-d")
check("-w - with -d: refused, one line", rc == 2 and "not -w -" in err)
link = os.path.join(OUT, "link.pcap")
os.symlink(os.path.join(OUT, "victim"), link)
rc, _, err = run("-q", "-r", *TLS13, "-w", link)
check("-w through a symbolic link: refused",
      rc == 2 and not os.path.exists(os.path.join(OUT, "victim")))

# --- --keys-out: the secrets used, as a key log tshark decrypts with.

RSA = cap("dec-tls12-rsa-aes128-gcm.pcap")
kout = os.path.join(OUT, "rsa.keys")
rc, _, err = run("-q", "-r", RSA, "-k", cap("keys/server.key"), "--keys-out", kout)
lines = [l for l in open(kout).read().splitlines() if not l.startswith("#")] if rc == 0 else []
check("--keys-out after -k: one CLIENT_RANDOM line, file 0600",
      len(lines) == 1 and re.match(r"^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$", lines[0]) and
      stat.S_IMODE(os.stat(kout).st_mode) == 0o600, err)
uri = ["-Y", "http.request", "-T", "fields", "-e", "http.request.uri"]
check("--keys-out: tshark decrypts the RSA capture with it (/page.html)",
      tshark("-r", RSA, "-o", "tls.keylog_file:" + kout, *uri)[1].split() == ["/page.html"])
check("... and without it tshark does not", tshark("-r", RSA, *uri)[1].split() == [])
k13 = os.path.join(OUT, "tls13.keys")
rc, _, err = run("-q", "-r", *TLS13, "--keys-out", k13)
labels = sorted(l.split()[0] for l in open(k13) if not l.startswith("#")) if rc == 0 else []
check("--keys-out, TLS 1.3: the four traffic secrets",
      labels == ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                 "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"], str(labels))
check("--keys-out, TLS 1.3: tshark decrypts with it",
      tshark("-r", TLS13[0], "-o", "tls.keylog_file:" + k13, *uri)[1].split() == ["/page.html"])
rc, _, err = run("-q", "-r", TLS13[0], "--keys-out", os.path.join(OUT, "none.keys"))
check("--keys-out without keys: refused", rc == 2 and "--keys-out needs keys" in err, err)

# --- tcpdump's habits.

rc, out, err = run("-T", "-c", "3", "-r", TLS13[0])
check("-c 3: three packets", rc == 0 and len(re.findall(rb"  TCP \[", out)) == 3, err)
rc, out, _ = run("--count", "5", "-T", "-r", TLS13[0])
check("--count 5: five packets", rc == 0 and len(re.findall(rb"  TCP \[", out)) == 5)
rc, out, err = run("-D")
check("-D: the interfaces, numbered, lo among them",
      rc == 0 and re.search(rb"^[0-9]+\.lo\b", out, re.M) is not None, err)
rc, _, err = run("-B", "4096", "-i", "nosuchif0")
check("-B 4096: taken (the interface is what fails)", rc == 2 and "nosuchif0" in err, err)
rc, _, err = run("-B", "lots", "-i", "lo")
check("-B lots: not a number", rc == 2 and "not a number" in err)
port = re.search(rb"<-> 127\.0\.0\.1\(([0-9]+)\)", run("-r", TLS13[0])[1]).group(1).decode()
ffile = os.path.join(OUT, "filter")
open(ffile, "w").write("# the server\ntcp port %s\n" % port)
_, plain, _ = run("-r", TLS13[0])
rc, out, err = run("-r", TLS13[0], "-F", ffile)
check("-F: the filter from a file keeps the connection", rc == 0 and out == plain, err)
open(ffile, "w").write("tcp port 1\n")
rc, out, _ = run("-r", TLS13[0], "--filter-file", ffile)
check("-F: ... and one that matches nothing shows nothing", rc == 0 and out == b"")
rc, _, err = run("-r", TLS13[0], "-F", ffile, "tcp")
check("-F and a filter after the options: refused", rc == 2 and "not both" in err)

_, short, _ = run("-r", TLS13[0], "-l", TLS13[2], "-d", "-x", "-A", "-e", "-T", "-N", "-t", "50")
rc, long_, err = run("--read", TLS13[0], "--keylog", TLS13[2], "--data", "--hex", "--all",
                     "--absolute-time", "--segments", "--cert-text", "--timeout", "50")
check("long options do what their letters do", rc == 0 and long_ == short, err)
rc, help_, _ = run("--help")
longs = sorted(set(re.findall(r"--[a-z][a-z-]+", help_.decode())))
man = open(os.path.join(ROOT, "man", "tlsdump.1")).read().replace("\\-", "-")
readme = open(os.path.join(ROOT, "README.md")).read()
unknown = [o for o in longs if "unknown option " + o in run(o, "x")[2]]
check("every long option in --help is accepted", longs and not unknown, " ".join(unknown))
check("every long option in --help is in the man page and the README",
      all(o in man and o in readme for o in longs),
      " ".join(o for o in longs if o not in man or o not in readme))
letters = sorted(set(re.findall(r"^  -([a-zA-Z]),", help_.decode(), re.M)))
check("every letter has its long form in --help", len(letters) >= 20, "".join(letters))

# --- ssldump's flags.

LDAP = (cap("starttls-ldap.pcap"), "-l", cap("starttls-ldap.keys"))
hexline = re.compile(rb"^    [0-9a-f]{4}  ([0-9a-f]{2} ?)+")
_, dump, _ = run("-r", *LDAP, "-d")
rc, noascii, _ = run("-r", *LDAP, "-d", "-X")
dl = [l for l in dump.splitlines() if hexline.match(l)]
nl = [l for l in noascii.splitlines() if hexline.match(l)]
check("-d -X: binary data in hex, without the ASCII column (ssldump's -X)",
      rc == 0 and dl and len(dl) == len(nl) and
      all(n == d[:len(n)] and len(n) <= 4 + 4 + 1 + 48 for d, n in zip(dl, nl)) and
      any(len(d) > 4 + 4 + 1 + 48 for d in dl))
_, xdump, _ = run("-r", *TLS13, "-x")
rc, xno, _ = run("-r", *TLS13, "-x", "-X")
xl = [l for l in xdump.splitlines() if hexline.match(l)]
xn = [l for l in xno.splitlines() if hexline.match(l)]
check("-x -X: record dumps without the ASCII column",
      rc == 0 and xl and len(xl) == len(xn) and
      all(n == d[:len(n)].rstrip() for d, n in zip(xl, xn)))
rc, alone, err = run("-r", *TLS13, "-X")
_, base, _ = run("-r", *TLS13)
check("-X alone: no dump (as ssldump), said on stderr",
      rc == 0 and alone == base and "alone" in err)
_, seg, _ = run("-r", TLS13[0], "-T")
rc, acks, _ = run("-r", TLS13[0], "-a")
check("-a (ssldump: bare ACKs) prints every segment, as -T", rc == 0 and acks == seg and
      b"C>S  TCP [ACK]" in acks)
_, base, _ = run("-r", TLS13[0])
rc, full, err = run("-r", TLS13[0], "-H")
check("-H (ssldump: full handshake): accepted, the default output", rc == 0 and full == base
      and err == "")
for style in ("crypto", "d", "ht", "H", "nroff"):
    rc, out, err = run("-r", TLS13[0], "-S", style)
    check("-S %s: one line naming the tlsdump way, output unchanged" % style,
          rc == 0 and out == base and err.count("\n") == 1 and "-S %s (ssldump's)" % style in err,
          err)
rc, _, err = run("-r", TLS13[0], "-S", "bogus")
check("-S bogus: refused, naming ssldump's styles", rc == 2 and "crypto, d, ht, H and nroff" in err)
rc, out, err = run("-r", TLS13[0], "-y")
check("-y: one line naming the tlsdump way, output unchanged",
      rc == 0 and out == base and "nroff" in err and err.count("\n") == 1)


# --- The progress line: standard error a terminal (a pty), the output a
# file.  The capture comes through a FIFO in two parts with a pause
# between them, so the run lasts past the first redraw whatever the
# machine's speed: after the pause come more than 1024 packets, the
# number of packets between two looks at the clock.

def with_pty_stderr(args, first, rest, pause):
    """Runs tlsdump -r FIFO ARGS with stderr on a pty, feeding first, then
    rest after pause seconds; returns (status, stdout, what the pty got)."""
    import pty, select, threading, time
    fifo = os.path.join(OUT, "progress.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    master, slave = pty.openpty()
    outf = open(os.path.join(OUT, "progress.out"), "wb+")
    p = subprocess.Popen([TLSDUMP, "-r", fifo, *args], stdout=outf, stderr=slave)
    os.close(slave)

    def feed():
        with open(fifo, "wb") as w:
            w.write(first)
            w.flush()
            time.sleep(pause)
            w.write(rest)
    t = threading.Thread(target=feed)
    t.start()
    got = b""
    while True:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    t.join()
    rc = p.wait()
    os.close(master)
    outf.seek(0)
    return rc, outf.read(), got


def split_pcap(path, n):
    """The pcap's header and first n records, and the rest."""
    data = open(path, "rb").read()
    pos = 24
    for _ in range(n):
        incl, = struct.unpack("<I", data[pos + 8:pos + 12])
        pos += 16 + incl
    return data[:pos], data[pos:]


BIG = cap("dec-tls12-2mb.pcap")
head, tail = split_pcap(BIG, 10)
rc, expect, _ = run("-r", BIG)
rc, out, tty = with_pty_stderr([], head, tail, 1.0)
line = re.search(rb"\r(\d+\.\d MB, \d+ packets, \d+ connections, [\d.]+ MB/s)\x1b\[K", tty)
check("progress: drawn on a terminal's stderr while the output goes to a file",
      rc == 0 and line is not None, repr(tty[:200]))
check("progress: erased at the end, the output unchanged",
      tty.endswith(b"\r\x1b[K") and out == expect, repr(tty[-40:]))
rc, out, tty = with_pty_stderr(["--no-progress"], head, tail, 1.0)
check("progress: --no-progress leaves stderr empty", rc == 0 and tty == b"" and out == expect,
      repr(tty[:80]))
rc, out, tty = with_pty_stderr(["-q"], head, tail, 1.0)
check("progress: -q leaves stderr empty", rc == 0 and tty == b"", repr(tty[:80]))

finish()
