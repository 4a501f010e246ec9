#!/usr/bin/python3
"""Small peers for the STARTTLS captures of make-starttls.sh.

Usage:
  starttls-peer.py server PROTO PORT LOG [options]
  starttls-peer.py client PROTO PORT LOG [options]
  starttls-peer.py feed PROTO        (client messages for openssl s_client's
                                      stdin, paced, once the TLS is up)

Servers: smtp imap pop3 ftp xmpp ldap mysql irc nntp sieve rdp https.
Clients: smtp imap pop3 (the refusal captures: they stop asking for TLS
when the server says no), smtp-no-answer, rdp, postgres.

Every peer appends one JSON line per TCP connection to LOG: the client's
port and, per direction, the bytes sent before the TLS (plain_c2s,
plain_s2c) and the application data inside it (tls_c2s, tls_s2c), hex.
A server records what it received as the client's bytes (TCP delivers
them unchanged); the capture script checks both against the capture.

Options:
  --tls 1.2|1.3     TLS version (1.2: ECDHE-RSA-AES128-GCM-SHA256)
  --cert F --key F  server certificate and key
  --ca F            CA for a client to verify the server with
  --keylog F        NSS key log (clients; servers only if given)
  --mode M          server: normal, refuse (say no to STARTTLS),
                    no-answer (never answer STARTTLS); client: the same
  --count N         connections a server accepts before it exits (1)
  --data-ports A-B  ftp: passive data ports
  --file F          file served (ftp RETR, https)
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time

PAUSE = 0.25          # between the client's messages


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------ connection

class Conn:
    """A TCP connection that may switch to TLS; records every byte."""

    def __init__(self, sock, role, proto, args):
        self.sock = sock
        self.role = role          # "server" or "client"
        self.proto = proto
        self.args = args
        self.buf = b""
        self.tls = False
        self.rec = {k: bytearray() for k in
                    ("plain_c2s", "plain_s2c", "tls_c2s", "tls_s2c")}
        self.version = None
        self.cipher = None
        # the client's port identifies the connection in the capture
        self.cport = (sock.getpeername() if role == "server" else sock.getsockname())[1]
        self.got_tls_record = False   # server: a TLS record arrived in clear

    def _key(self, sending):
        out = "s2c" if (self.role == "server") == sending else "c2s"
        return ("tls_" if self.tls else "plain_") + out

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)
        self.rec[self._key(True)] += data

    def recv_some(self, maxn=65536):
        try:
            data = self.sock.recv(maxn)
        except (ssl.SSLError, ConnectionResetError, socket.timeout, OSError) as e:
            log("%s %s: recv: %s" % (self.role, self.proto, e))
            data = b""
        self.rec[self._key(False)] += data
        self.buf += data
        return data

    def readline(self):
        """A line with its end (b"" at EOF, or if a TLS record came instead)."""
        while True:
            if self.looks_like_tls():
                return b""
            if b"\n" in self.buf:
                break
            if not self.recv_some():
                line, self.buf = self.buf, b""
                return line
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def looks_like_tls(self):
        """A TLS record (a ClientHello) where a command was expected."""
        return (not self.tls and len(self.buf) >= 3 and self.buf[0] == 0x16
                and self.buf[1] == 3 and self.buf[2] <= 4)

    def readn(self, n):
        # no more than asked for: in MySQL the TLS follows the client's
        # SSL request without an answer from the server
        while len(self.buf) < n:
            if not self.recv_some(n - len(self.buf)):
                break
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_chunk(self):
        """What is buffered, or the next recv."""
        if not self.buf:
            self.recv_some()
        data, self.buf = self.buf, b""
        return data

    def read_until(self, marker):
        while marker not in self.buf:
            if not self.recv_some():
                break
        i = self.buf.find(marker)
        i = len(self.buf) if i < 0 else i + len(marker)
        data, self.buf = self.buf[:i], self.buf[i:]
        return data

    def starttls(self, hostname="server.test"):
        if self.buf:
            raise RuntimeError("%d bytes read ahead before the TLS" % len(self.buf))
        ctx = make_context(self.args, self.role == "server")
        self.sock = ctx.wrap_socket(self.sock, server_side=self.role == "server",
                                    server_hostname=None if self.role == "server" else hostname)
        self.tls = True
        self.version = self.sock.version()
        self.cipher = self.sock.cipher()[0]
        log("%s %s: %s %s" % (self.role, self.proto, self.version, self.cipher))

    def close(self):
        if self.tls:
            # close_notify; the peer's answer is waited for briefly
            self.sock.settimeout(2)
            try:
                self.sock = self.sock.unwrap()
            except (ssl.SSLError, OSError, socket.timeout) as e:
                log("%s %s: unwrap: %s" % (self.role, self.proto, e))
        try:
            self.sock.close()
        except OSError:
            pass

    def write_log(self, path, proto=None):
        entry = {"proto": proto or self.proto, "cport": self.cport,
                 "version": self.version, "cipher": self.cipher,
                 "tls_record_in_clear": self.got_tls_record}
        for k, v in self.rec.items():
            entry[k] = bytes(v).hex()
        with open(path, "a") as f:
            f.write(json.dumps(entry) + "\n")
        log("%s %s (port %d): %s" % (self.role, entry["proto"], self.cport, " ".join(
            "%s=%d" % (k, len(v)) for k, v in self.rec.items())))


def make_context(args, server):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if server:
        ctx.load_cert_chain(args.cert, args.key)
    else:
        ctx.load_verify_locations(args.ca)
    if args.tls == "1.2":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    else:
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if args.keylog:
        ctx.keylog_filename = args.keylog
    return ctx


# ------------------------------------------------------------ messages

MAIL = ("From: Alice <alice@client.test>\r\n"
        "To: Bob <bob@server.test>\r\n"
        "Subject: tlsdump STARTTLS test\r\n"
        "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
        "Message-ID: <starttls-1@client.test>\r\n"
        "\r\n"
        "Hello Bob,\r\n"
        "this mail went over SMTP with STARTTLS.\r\n")

ARTICLE = ("Path: news.server.test!not-for-mail\r\n"
           "From: Alice <alice@client.test>\r\n"
           "Newsgroups: test.tlsdump\r\n"
           "Subject: hello over NNTP STARTTLS\r\n"
           "Message-ID: <nntp-1@client.test>\r\n"
           "\r\n"
           "One article, read inside TLS.\r\n")

SIEVE_SCRIPT = ('require "vacation";\r\n'
                'vacation :days 7 "I am away.";\r\n')


# BER (LDAP)
def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    if isinstance(content, str):
        content = content.encode()
    return bytes([tag]) + ber_len(len(content)) + content


def ber_int(tag, v):
    return tlv(tag, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big"))


def ldap_msg(msgid, op):
    return tlv(0x30, ber_int(0x02, msgid) + op)


def ldap_result(tag, code=0, extra=b""):
    return tlv(tag, ber_int(0x0a, code) + tlv(0x04, "") + tlv(0x04, "") + extra)


STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
LDAP_BASE = "dc=server,dc=test"


def ldap_client_messages():
    bind = tlv(0x60, ber_int(0x02, 3) + tlv(0x04, "cn=alice," + LDAP_BASE)
               + tlv(0x80, "secret"))
    search = tlv(0x63, tlv(0x04, "uid=bob,ou=people," + LDAP_BASE) + ber_int(0x0a, 0)
                 + ber_int(0x0a, 0) + ber_int(0x02, 0) + ber_int(0x02, 0)
                 + tlv(0x01, b"\x00") + tlv(0x87, "objectClass")
                 + tlv(0x30, tlv(0x04, "cn") + tlv(0x04, "mail")))
    unbind = tlv(0x42, b"")
    return [ldap_msg(2, bind), ldap_msg(3, search), ldap_msg(4, unbind)]


# MySQL
MYSQL_SALT = b"tlsdump-salt-0123456"      # 20 bytes of scramble
MYSQL_CAPS = (0x00000001 | 0x00000004 | 0x00000008 | 0x00000200 | 0x00000800
              | 0x00002000 | 0x00008000 | 0x00080000)


def mysql_packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def lenenc(b):
    if isinstance(b, str):
        b = b.encode()
    assert len(b) < 251
    return bytes([len(b)]) + b


def mysql_native(password, salt):
    h1 = hashlib.sha1(password).digest()
    h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(salt + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


def mysql_client_messages():
    login = (struct.pack("<IIB", MYSQL_CAPS & ~0x8, 16777216, 0xff) + b"\x00" * 23
             + b"alice\x00" + lenenc(mysql_native(b"secret", MYSQL_SALT))
             + b"mysql_native_password\x00")
    return [mysql_packet(2, login),
            mysql_packet(0, b"\x03SELECT VERSION(), CURRENT_USER()"),
            mysql_packet(0, b"\x01")]


# RDP (TPKT + X.224 + MCS)
def tpkt(payload):
    return struct.pack(">BBH", 3, 0, 4 + len(payload)) + payload


RDP_COOKIE = b"Cookie: mstshash=alice\r\n"
RDP_CR = tpkt(bytes([6 + len(RDP_COOKIE) + 8, 0xe0, 0, 0, 0, 0, 0]) + RDP_COOKIE
              + struct.pack("<BBHI", 1, 0, 8, 1))   # RDP_NEG_REQ, PROTOCOL_SSL
RDP_CC = tpkt(bytes([14, 0xd0, 0, 0, 0x12, 0x34, 0])
              + struct.pack("<BBHI", 2, 0, 8, 1))   # RDP_NEG_RSP, PROTOCOL_SSL
X224_DATA = b"\x02\xf0\x80"
RDP_ERECT = tpkt(X224_DATA + b"\x04\x01\x00\x01\x00")          # MCS Erect Domain Request
RDP_ATTACH = tpkt(X224_DATA + b"\x28")                          # MCS Attach User Request
RDP_ATTACH_CONFIRM = tpkt(X224_DATA + b"\x2e\x00\x00\x06")      # Attach User Confirm, user 1007
RDP_DISCONNECT = tpkt(X224_DATA + b"\x21\x80")                  # Disconnect Provider Ultimatum


# what s_client's stdin carries once the TLS is up, per protocol
def feed_messages(proto):
    if proto == "smtp":
        return ["EHLO client.test\r\n", "MAIL FROM:<alice@client.test>\r\n",
                "RCPT TO:<bob@server.test>\r\n", "DATA\r\n", MAIL + ".\r\n", "QUIT\r\n"]
    if proto == "imap":
        return ["a1 CAPABILITY\r\n", "a2 LOGIN alice secret\r\n", "a3 SELECT INBOX\r\n",
                "a4 FETCH 1 (FLAGS BODY[HEADER.FIELDS (SUBJECT)])\r\n", "a5 LOGOUT\r\n"]
    if proto == "pop3":
        return ["CAPA\r\n", "USER alice\r\n", "PASS secret\r\n", "STAT\r\n", "RETR 1\r\n",
                "QUIT\r\n"]
    if proto == "xmpp":
        return ["<stream:stream xmlns='jabber:client' "
                "xmlns:stream='http://etherx.jabber.org/streams' to='server.test' "
                "version='1.0'>",
                "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + base64.b64encode(b"\0alice\0secret").decode() + "</auth>",
                "<stream:stream xmlns='jabber:client' "
                "xmlns:stream='http://etherx.jabber.org/streams' to='server.test' "
                "version='1.0'>",
                "<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                "<resource>tlsdump</resource></bind></iq>",
                "<message to='bob@server.test' type='chat' id='m1'>"
                "<body>Hello Bob, this is XMPP over STARTTLS.</body></message>",
                "</stream:stream>"]
    if proto == "ldap":
        return ldap_client_messages()
    if proto == "mysql":
        return mysql_client_messages()
    if proto == "irc":
        return ["NICK alice\r\n", "USER alice 0 * :Alice Example\r\n", "JOIN #tlsdump\r\n",
                "PRIVMSG #tlsdump :hello over IRC STARTTLS\r\n", "QUIT :bye\r\n"]
    if proto == "nntp":
        return ["CAPABILITIES\r\n", "GROUP test.tlsdump\r\n", "ARTICLE 1\r\n", "QUIT\r\n"]
    if proto == "sieve":
        return ['AUTHENTICATE "PLAIN" "%s"\r\n' % base64.b64encode(b"\0alice\0secret").decode(),
                "LISTSCRIPTS\r\n", 'GETSCRIPT "vacation"\r\n', "LOGOUT\r\n"]
    raise SystemExit("no feed for " + proto)


def feed(args):
    msgs = feed_messages(args.proto)
    out = sys.stdout.buffer
    time.sleep(1.0)                   # the STARTTLS and the handshake first
    for m in msgs:
        if isinstance(m, str):
            m = m.encode()
        out.write(m)
        out.flush()
        time.sleep(PAUSE)
    time.sleep(1)                      # s_client -ign_eof: the server closes


# ------------------------------------------------------------ servers

def srv_smtp(c, mode):
    if mode == "greet-pause":
        time.sleep(0.5)          # like postscreen: the client speaks first
    c.send("220 mail.server.test ESMTP tlsdump-test\r\n")
    while True:
        line = c.readline()
        if c.looks_like_tls():
            # a TLS ClientHello on the SMTP port: a bad command line
            c.got_tls_record = True
            c.send("500 5.5.2 Error: bad syntax\r\n")
            c.read_until(b"\0\0never")   # until the client leaves
            return
        if not line:
            return
        cmd = line.decode("latin-1").strip()
        verb = cmd.split(" ")[0].upper()
        if verb in ("EHLO", "HELO"):
            peer = cmd[5:] or "client"
            if verb == "HELO":
                c.send("250 mail.server.test\r\n")
                continue
            ext = ["PIPELINING", "SIZE 10240000"]
            if not c.tls:
                ext.append("STARTTLS")
            else:
                ext.append("AUTH PLAIN LOGIN")
            ext += ["ENHANCEDSTATUSCODES", "8BITMIME"]
            lines = ["mail.server.test Hello " + peer] + ext
            c.send("".join("250%s%s\r\n" % ("-" if i < len(lines) - 1 else " ", l)
                           for i, l in enumerate(lines)))
        elif verb == "STARTTLS":
            if mode == "refuse":
                c.send("454 4.7.0 TLS not available\r\n")
            elif mode == "no-answer":
                c.read_until(b"\0\0never")   # silent until the client gives up
                return
            else:
                c.send("220 2.0.0 Ready to start TLS\r\n")
                c.starttls()
        elif verb == "MAIL":
            c.send("250 2.1.0 Ok\r\n")
        elif verb == "RCPT":
            c.send("250 2.1.5 Ok\r\n")
        elif verb == "DATA":
            c.send("354 End data with <CR><LF>.<CR><LF>\r\n")
            while True:
                l = c.readline()
                if not l or l == b".\r\n":
                    break
            c.send("250 2.0.0 Ok: queued as 4F2A91C03B\r\n")
        elif verb in ("RSET", "NOOP"):
            c.send("250 2.0.0 Ok\r\n")
        elif verb == "QUIT":
            c.send("221 2.0.0 Bye\r\n")
            return
        else:
            c.send("502 5.5.2 Error: command not recognized\r\n")


def srv_imap(c, mode):
    def caps():
        return "IMAP4rev1 " + ("AUTH=PLAIN" if c.tls else "STARTTLS LOGINDISABLED")
    c.send("* OK [CAPABILITY %s] server.test IMAP4rev1 ready\r\n" % caps())
    while True:
        line = c.readline()
        if not line:
            return
        parts = line.decode("latin-1").strip().split(" ", 2)
        tag, cmd = parts[0], (parts[1].upper() if len(parts) > 1 else "")
        if cmd == "CAPABILITY":
            c.send("* CAPABILITY %s\r\n%s OK CAPABILITY completed\r\n" % (caps(), tag))
        elif cmd == "STARTTLS":
            if mode == "refuse":
                c.send("%s NO STARTTLS not available\r\n" % tag)
            else:
                c.send("%s OK Begin TLS negotiation now\r\n" % tag)
                c.starttls()
        elif cmd == "LOGIN":
            if c.tls:
                c.send("%s OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n" % tag)
            else:
                c.send("%s NO [PRIVACYREQUIRED] LOGIN disabled without TLS\r\n" % tag)
        elif cmd == "SELECT":
            c.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                   "* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1704067200] UIDs valid\r\n"
                   "%s OK [READ-WRITE] SELECT completed\r\n" % tag)
        elif cmd == "FETCH":
            hdr = "Subject: tlsdump STARTTLS test\r\n\r\n"
            c.send("* 1 FETCH (FLAGS (\\Seen) BODY[HEADER.FIELDS (SUBJECT)] {%d}\r\n%s)\r\n"
                   "%s OK FETCH completed\r\n" % (len(hdr), hdr, tag))
        elif cmd == "LOGOUT":
            c.send("* BYE server.test IMAP4rev1 logging out\r\n%s OK LOGOUT completed\r\n" % tag)
            return
        else:
            c.send("%s BAD unknown command\r\n" % tag)


def srv_pop3(c, mode):
    msg = MAIL.replace("SMTP", "SMTP, read with POP3,")
    c.send("+OK POP3 server.test ready\r\n")
    while True:
        line = c.readline()
        if not line:
            return
        cmd = line.decode("latin-1").strip().split(" ")[0].upper()
        if cmd == "CAPA":
            c.send("+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\n"
                   + ("" if c.tls else "STLS\r\n") + "IMPLEMENTATION tlsdump-test\r\n.\r\n")
        elif cmd == "STLS":
            if mode == "refuse":
                c.send("-ERR TLS not available\r\n")
            else:
                c.send("+OK Begin TLS negotiation\r\n")
                c.starttls()
        elif cmd == "USER":
            c.send("+OK send PASS\r\n")
        elif cmd == "PASS":
            c.send("+OK alice has 1 message (%d octets)\r\n" % len(msg))
        elif cmd == "STAT":
            c.send("+OK 1 %d\r\n" % len(msg))
        elif cmd == "RETR":
            c.send("+OK %d octets\r\n%s.\r\n" % (len(msg), msg))
        elif cmd == "QUIT":
            c.send("+OK server.test POP3 server signing off\r\n")
            return
        else:
            c.send("-ERR unknown command\r\n")


def srv_xmpp(c, mode):
    n = 0
    while True:
        data = c.read_chunk()
        if not data:
            return
        while not data.rstrip().endswith(b">"):
            more = c.read_chunk()
            if not more:
                break
            data += more
        if b"<stream:stream" in data:
            n += 1
            hdr = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                   "xmlns:stream='http://etherx.jabber.org/streams' id='tlsdump-%d' "
                   "from='server.test' version='1.0' xml:lang='en'>" % n)
            if not c.tls:
                feats = ("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                         "</starttls>")
            elif n == 2:
                feats = ("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                         "<mechanism>PLAIN</mechanism></mechanisms>")
            else:
                feats = "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
            c.send(hdr + "<stream:features>" + feats + "</stream:features>")
        elif b"<starttls" in data:
            c.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            c.starttls()
        elif b"<auth" in data:
            c.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
        elif b"<iq" in data:
            c.send("<iq type='result' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                   "<jid>alice@server.test/tlsdump</jid></bind></iq>")
        elif b"<message" in data:
            pass
        if b"</stream:stream>" in data:
            c.send("</stream:stream>")
            return


def ber_read(c):
    """One LDAPMessage: (tag, msgid, optag, raw)."""
    head = c.readn(2)
    if len(head) < 2:
        return None
    n = head[1]
    extra = b""
    if n & 0x80:
        extra = c.readn(n & 0x7f)
        n = int.from_bytes(extra, "big")
    body = c.readn(n)
    # messageID INTEGER, then the protocolOp tag
    idlen = body[1]
    msgid = int.from_bytes(body[2:2 + idlen], "big")
    return msgid, body[2 + idlen], head + extra + body


def srv_ldap(c, mode):
    while True:
        m = ber_read(c)
        if m is None:
            return
        msgid, op, raw = m
        if op == 0x77:            # ExtendedRequest: StartTLS
            assert STARTTLS_OID.encode() in raw
            c.send(ldap_msg(msgid, ldap_result(0x78, 0, tlv(0x8a, STARTTLS_OID))))
            c.starttls()
        elif op == 0x60:          # BindRequest
            c.send(ldap_msg(msgid, ldap_result(0x61, 0)))
        elif op == 0x63:          # SearchRequest
            dn = "uid=bob,ou=people," + LDAP_BASE
            attrs = tlv(0x30, tlv(0x30, tlv(0x04, "cn") + tlv(0x31, tlv(0x04, "Bob Example")))
                        + tlv(0x30, tlv(0x04, "mail") + tlv(0x31, tlv(0x04, "bob@server.test"))))
            c.send(ldap_msg(msgid, tlv(0x64, tlv(0x04, dn) + attrs)))
            c.send(ldap_msg(msgid, ldap_result(0x65, 0)))
        elif op == 0x42:          # UnbindRequest
            return


def srv_mysql(c, mode):
    version = b"8.0.36-tlsdump"
    caps = MYSQL_CAPS
    greeting = (b"\x0a" + version + b"\x00" + struct.pack("<I", 42) + MYSQL_SALT[:8] + b"\x00"
                + struct.pack("<H", caps & 0xffff) + b"\xff" + struct.pack("<H", 2)
                + struct.pack("<H", caps >> 16) + bytes([21]) + b"\x00" * 10
                + MYSQL_SALT[8:] + b"\x00" + b"mysql_native_password\x00")
    c.send(mysql_packet(0, greeting))

    def packet():
        h = c.readn(4)
        if len(h) < 4:
            return None, None
        n = int.from_bytes(h[:3], "little")
        return h[3], c.readn(n)
    seq, p = packet()
    if p is None:
        return
    if len(p) == 32 and struct.unpack("<I", p[:4])[0] & 0x800:
        c.starttls()
        seq, p = packet()
    if p is None:
        return
    assert mysql_native(b"secret", MYSQL_SALT) in p, "bad login"
    c.send(mysql_packet(seq + 1, b"\x00\x00\x00\x02\x00\x00\x00"))   # OK
    while True:
        seq, p = packet()
        if p is None or p[:1] == b"\x01":          # COM_QUIT
            return
        if p[:1] == b"\x03":                       # COM_QUERY: two columns, one row
            eof = b"\xfe\x00\x00\x02\x00"

            def coldef(name):
                return (lenenc("def") + lenenc("") + lenenc("") + lenenc("") + lenenc(name)
                        + lenenc("") + b"\x0c" + struct.pack("<HIBHB", 255, 1024, 0xfd, 1, 31)
                        + b"\x00\x00")
            out = [b"\x02", coldef("VERSION()"), coldef("CURRENT_USER()"), eof,
                   lenenc(version) + lenenc("alice@127.0.0.1"), eof]
            c.send(b"".join(mysql_packet(i + 1, x) for i, x in enumerate(out)))
        else:
            c.send(mysql_packet(1, b"\xff\x17\x04#08S01Unknown command"))


def srv_irc(c, mode):
    nick = "*"
    while True:
        line = c.readline()
        if not line:
            return
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        cmd = parts[0].upper()
        if cmd == "STARTTLS":
            c.send(":irc.server.test 670 * :STARTTLS successful, proceed with TLS handshake\r\n")
            c.starttls()
        elif cmd == "NICK":
            nick = parts[1]
        elif cmd == "USER":
            c.send(":irc.server.test 001 %s :Welcome to the tlsdump test IRC network %s\r\n"
                   ":irc.server.test 002 %s :Your host is irc.server.test\r\n"
                   ":irc.server.test 376 %s :End of /MOTD command.\r\n" % (nick, nick, nick, nick))
        elif cmd == "JOIN":
            c.send(":%s!alice@127.0.0.1 JOIN %s\r\n"
                   ":irc.server.test 353 %s = %s :%s bob\r\n"
                   ":irc.server.test 366 %s %s :End of /NAMES list.\r\n"
                   % (nick, parts[1], nick, parts[1], nick, nick, parts[1]))
        elif cmd == "PRIVMSG":
            pass
        elif cmd == "QUIT":
            c.send("ERROR :Closing Link: 127.0.0.1 (Quit: bye)\r\n")
            return
        else:
            c.send(":irc.server.test 421 %s %s :Unknown command\r\n" % (nick, cmd))


def srv_nntp(c, mode):
    c.send("200 news.server.test NNTP service ready, posting allowed\r\n")
    while True:
        line = c.readline()
        if not line:
            return
        parts = line.decode("latin-1").strip().split(" ")
        cmd = parts[0].upper()
        if cmd == "CAPABILITIES":
            c.send("101 Capability list:\r\nVERSION 2\r\nREADER\r\n"
                   + ("AUTHINFO USER\r\n" if c.tls else "STARTTLS\r\n")
                   + "LIST ACTIVE NEWSGROUPS\r\n.\r\n")
        elif cmd == "STARTTLS":
            c.send("382 Continue with TLS negotiation\r\n")
            c.starttls()
        elif cmd == "GROUP":
            c.send("211 1 1 1 %s\r\n" % parts[1])
        elif cmd == "ARTICLE":
            c.send("220 1 <nntp-1@client.test>\r\n" + ARTICLE + ".\r\n")
        elif cmd == "QUIT":
            c.send("205 closing connection\r\n")
            return
        else:
            c.send("500 Unknown command\r\n")


def srv_sieve(c, mode):
    def caps():
        return ('"IMPLEMENTATION" "tlsdump test ManageSieve"\r\n'
                '"SIEVE" "fileinto reject envelope vacation"\r\n'
                + ('"SASL" "PLAIN"\r\n' if c.tls else '"SASL" ""\r\n"STARTTLS"\r\n')
                + '"VERSION" "1.0"\r\nOK\r\n')
    c.send(caps())
    while True:
        line = c.readline()
        if not line:
            return
        cmd = line.decode("latin-1").strip().split(" ")[0].upper()
        if cmd == "STARTTLS":
            c.send('OK "Begin TLS negotiation now"\r\n')
            c.starttls()
            c.send(caps())           # RFC 5804 2.2: capabilities again, unasked
        elif cmd == "CAPABILITY":
            c.send(caps())
        elif cmd == "AUTHENTICATE":
            c.send('OK "Authenticated"\r\n')
        elif cmd == "LISTSCRIPTS":
            c.send('"vacation" ACTIVE\r\nOK "Listscripts completed"\r\n')
        elif cmd == "GETSCRIPT":
            c.send('{%d}\r\n%s\r\nOK "Getscript completed"\r\n'
                   % (len(SIEVE_SCRIPT), SIEVE_SCRIPT))
        elif cmd == "LOGOUT":
            c.send('OK "Logout completed"\r\n')
            return
        else:
            c.send('NO "Unknown command"\r\n')


def srv_rdp(c, mode):
    h = c.readn(4)
    c.readn(int.from_bytes(h[2:4], "big") - 4)
    c.send(RDP_CC)
    c.starttls()
    while True:
        h = c.readn(4)
        if len(h) < 4:
            return
        p = c.readn(int.from_bytes(h[2:4], "big") - 4)
        if p[3:4] == b"\x28":                     # Attach User Request
            c.send(RDP_ATTACH_CONFIRM)
        elif p[3:4] == b"\x21":                   # Disconnect Provider Ultimatum
            return


def srv_https(c, mode):
    """TLS from the first byte (behind a SOCKS proxy): one HTTP/1.0 GET."""
    c.starttls()
    req = c.read_until(b"\r\n\r\n")
    if not req.startswith(b"GET "):
        return
    with open(c.args.file, "rb") as f:
        body = f.read()
    c.send(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
           % len(body) + body)


def srv_ftp(c, mode):
    args = c.args
    lo, hi = (int(x) for x in args.data_ports.split("-"))
    next_port = [lo]
    lsock = [None]
    prot_p = [False]
    with open(args.file, "rb") as f:
        content = f.read()
    fname = os.path.basename(args.file)

    def data_conn(payload, what):
        c.send("150 Opening %s mode data connection for %s\r\n"
               % ("BINARY" if what == "RETR" else "ASCII", fname if what == "RETR" else "file list"))
        s, _ = lsock[0].accept()
        lsock[0].close()
        lsock[0] = None
        d = Conn(s, "server", "ftp-data", args)
        if prot_p[0]:
            d.starttls()
        d.send(payload)
        d.close()
        d.write_log(args.log)
        c.send("226 Transfer complete\r\n")

    c.send("220 ftp.server.test FTP server (tlsdump test) ready\r\n")
    while True:
        line = c.readline()
        if not line:
            return
        parts = line.decode("latin-1").strip().split(" ", 1)
        cmd = parts[0].upper()
        arg = parts[1] if len(parts) > 1 else ""
        if cmd == "AUTH":
            # AUTH TLS only (RFC 4217); curl asks for AUTH SSL first
            if arg.upper() == "TLS" and mode != "refuse":
                c.send("234 AUTH %s successful\r\n" % arg.upper())
                c.starttls()
            else:
                c.send("504 AUTH %s not supported\r\n" % arg.upper())
        elif cmd == "USER":
            c.send("331 Password required for %s\r\n" % arg)
        elif cmd == "PASS":
            c.send("230 User logged in\r\n")
        elif cmd == "PBSZ":
            c.send("200 PBSZ=0\r\n")
        elif cmd == "PROT":
            prot_p[0] = arg.upper() == "P"
            c.send("200 Protection level set to %s\r\n" % arg.upper())
        elif cmd == "PWD":
            c.send('257 "/" is the current directory\r\n')
        elif cmd == "CWD":
            c.send("250 CWD command successful\r\n")
        elif cmd == "TYPE":
            c.send("200 Type set to %s\r\n" % arg)
        elif cmd == "SIZE":
            if arg.lstrip("/") == fname:
                c.send("213 %d\r\n" % len(content))
            else:
                c.send("550 %s: not a regular file\r\n" % arg)
        elif cmd == "MDTM":
            c.send("213 20240101000000\r\n")
        elif cmd == "REST":
            c.send("350 Restarting at %s\r\n" % arg)
        elif cmd == "PASV":
            port = next_port[0]
            next_port[0] += 1
            assert port <= hi, "out of passive ports"
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(1)
            lsock[0] = s
            c.send("227 Entering Passive Mode (127,0,0,1,%d,%d)\r\n" % (port >> 8, port & 255))
        elif cmd == "LIST" or cmd == "NLST":
            data_conn(("-rw-r--r--   1 ftp      ftp      %8d Jan 01  2024 %s\r\n"
                       % (len(content), fname)).encode(), "LIST")
        elif cmd == "RETR":
            data_conn(content, "RETR")
        elif cmd == "QUIT":
            c.send("221 Goodbye\r\n")
            return
        else:
            c.send("502 Command not implemented\r\n")


SERVERS = {"smtp": srv_smtp, "imap": srv_imap, "pop3": srv_pop3, "xmpp": srv_xmpp,
           "ldap": srv_ldap, "mysql": srv_mysql, "irc": srv_irc, "nntp": srv_nntp,
           "sieve": srv_sieve, "rdp": srv_rdp, "https": srv_https, "ftp": srv_ftp}


def server(args):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(8)
    for _ in range(args.count):
        s, _ = ls.accept()
        c = Conn(s, "server", args.proto, args)
        try:
            SERVERS[args.proto](c, args.mode)
        finally:
            c.close()
            c.write_log(args.log, args.label)
    ls.close()


# ------------------------------------------------------------ clients

def expect(c, prefix, multi=None):
    """Read one reply; multi: a function telling whether a line is the last."""
    while True:
        line = c.readline()
        if not line:
            raise SystemExit("%s client: EOF waiting for %r" % (c.proto, prefix))
        if multi is None or multi(line):
            break
    if not line.startswith(prefix.encode()):
        raise SystemExit("%s client: expected %r, got %r" % (c.proto, prefix, line))
    return line


def smtp_last(line):
    return line[3:4] != b"-"


def cli_smtp(c, mode):
    expect(c, "220", smtp_last)
    c.send("EHLO client.test\r\n")
    expect(c, "250", smtp_last)
    c.send("STARTTLS\r\n")
    if mode == "no-answer":
        c.sock.settimeout(1.0)            # give up after a second
        line = c.readline()
        if line:
            raise SystemExit("smtp client: unexpected answer %r" % line)
        log("client smtp: no answer to STARTTLS after 1 s, closing")
        return
    expect(c, "454", smtp_last)
    # opportunistic TLS: go on in plaintext
    c.send("MAIL FROM:<alice@client.test>\r\n")
    expect(c, "250")
    c.send("RCPT TO:<bob@server.test>\r\n")
    expect(c, "250")
    c.send("DATA\r\n")
    expect(c, "354")
    c.send(MAIL.replace("with STARTTLS", "in plaintext (STARTTLS refused)") + ".\r\n")
    expect(c, "250")
    c.send("QUIT\r\n")
    expect(c, "221")


def cli_imap(c, mode):
    expect(c, "* OK")
    c.send("a1 CAPABILITY\r\n")
    expect(c, "a1 OK", lambda l: l.startswith(b"a1 "))
    c.send("a2 STARTTLS\r\n")
    expect(c, "a2 NO")
    c.send("a3 LOGOUT\r\n")
    expect(c, "a3 OK", lambda l: l.startswith(b"a3 "))


def cli_pop3(c, mode):
    expect(c, "+OK")
    c.send("CAPA\r\n")
    expect(c, ".", lambda l: l == b".\r\n")
    c.send("STLS\r\n")
    expect(c, "-ERR")
    c.send("QUIT\r\n")
    expect(c, "+OK")


def cli_rdp(c, mode):
    c.send(RDP_CR)
    h = c.readn(4)
    cc = h + c.readn(int.from_bytes(h[2:4], "big") - 4)
    if cc[5] != 0xd0 or cc[11] != 2 or struct.unpack("<I", cc[15:19])[0] != 1:
        raise SystemExit("rdp client: no RDP_NEG_RSP selecting PROTOCOL_SSL: " + cc.hex())
    c.starttls()
    c.send(RDP_ERECT)
    time.sleep(PAUSE)
    c.send(RDP_ATTACH)
    h = c.readn(4)
    c.readn(int.from_bytes(h[2:4], "big") - 4)
    time.sleep(PAUSE)
    c.send(RDP_DISCONNECT)


def pg_msg(t, payload):
    return t + struct.pack(">I", 4 + len(payload)) + payload


def cli_postgres(c, mode):
    c.send(struct.pack(">II", 8, 80877103))              # SSLRequest
    answer = c.readn(1)
    if mode == "refuse":
        if answer != b"N":
            raise SystemExit("postgres client: expected N, got %r" % answer)
    else:
        if answer != b"S":
            raise SystemExit("postgres client: expected S, got %r" % answer)
        c.starttls(hostname="server.test")
    params = b"user\0postgres\0database\0postgres\0application_name\0tlsdump-test\0\0"
    c.send(struct.pack(">II", 8 + len(params), 196608) + params)

    def until_ready():
        while True:
            h = c.readn(5)
            if len(h) < 5:
                raise SystemExit("postgres client: EOF")
            body = c.readn(struct.unpack(">I", h[1:5])[0] - 4)
            if h[:1] == b"E":
                raise SystemExit("postgres client: error %r" % body)
            if h[:1] == b"Z":
                return
    until_ready()
    time.sleep(PAUSE)
    c.send(pg_msg(b"Q", b"SELECT 'hello from tlsdump' AS greeting, current_setting('ssl') AS ssl\0"))
    until_ready()
    time.sleep(PAUSE)
    c.send(pg_msg(b"X", b""))
    time.sleep(0.3)


CLIENTS = {"smtp": cli_smtp, "imap": cli_imap, "pop3": cli_pop3, "rdp": cli_rdp,
           "postgres": cli_postgres}


def client(args):
    s = socket.create_connection(("127.0.0.1", args.port))
    c = Conn(s, "client", args.proto, args)
    try:
        CLIENTS[args.proto](c, args.mode)
    finally:
        c.close()
        c.write_log(args.log)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("role", choices=("server", "client", "feed"))
    p.add_argument("proto")
    p.add_argument("port", type=int, nargs="?")
    p.add_argument("log", nargs="?")
    p.add_argument("--tls", default="1.3", choices=("1.2", "1.3"))
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca")
    p.add_argument("--keylog")
    p.add_argument("--mode", default="normal")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--data-ports", default="4721-4729")
    p.add_argument("--file")
    p.add_argument("--label", help="proto name in the log (default PROTO)")
    args = p.parse_args()
    if args.role == "feed":
        feed(args)
    elif args.role == "server":
        server(args)
    else:
        client(args)


if __name__ == "__main__":
    main()
