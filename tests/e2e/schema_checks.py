#!/usr/bin/env python3
"""tlsdump -j against man/tlsdump.schema.json, and the fields Zeek's ssl.log
and Suricata's eve tls users look for, against independent sources.

Every JSON line of every capture in pcaps/ and pcaps/variants/ (with its
.keys when there is one), with and without -d and --certs, must validate
against the schema (python3-jsonschema, Draft 2020-12).  Then:
community_id against tshark's Community ID dissector and a Python
implementation of the spec; curve against tshark's key_share group and
named curve; last_alert; the client chain's SHA-256 against openssl; --certs'
DER against the certificates' fingerprints; -j -d's data lines against
--extract; subjectAltNames with IPv6 and a comma (a capture made here).

Usage: schema_checks.py TLSDUMP OUTDIR.  Last line: "N passed, N failed".
"""
import base64
import glob
import hashlib
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys

import jsonschema

TLSDUMP, OUT = sys.argv[1], sys.argv[2]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
os.chdir(ROOT)
SCHEMA = json.load(open('man/tlsdump.schema.json'))
jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
passed = failed = 0


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
        print('ok    ' + name)
    else:
        failed += 1
        print('FAIL  ' + name + (': ' + detail if detail else ''))


def run(*args):
    env = dict(os.environ)
    env.pop('SSLKEYLOGFILE', None)
    p = subprocess.run([TLSDUMP, *args], capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def lines(*args):
    rc, out, _ = run('-j', *args)
    return rc, [json.loads(l) for l in out.decode().splitlines()]


def first_error(objs):
    for o in objs:
        err = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(o))
        if err is not None:
            return '%s: %s (line type %s)' % (list(err.absolute_path), err.message[:200],
                                              o.get('type'))
    return None


def keys_of(cap):
    k = cap.rsplit('.', 1)[0] + '.keys'
    return ['-l', k] if os.path.exists(k) else []


# --- The schema itself must refuse what tlsdump does not write.
good = {'schema': 1, 'type': 'fin', 'id': 1, 'dir': 'client', 'ts': 1.5}
check('schema accepts a fin line', VALIDATOR.is_valid(good))
check('schema refuses a line without "schema"',
      not VALIDATOR.is_valid({k: v for k, v in good.items() if k != 'schema'}))
check('schema refuses an unknown field', not VALIDATOR.is_valid(dict(good, extra=1)))
check('schema refuses a line without ts',
      not VALIDATOR.is_valid({k: v for k, v in good.items() if k != 'ts'}))
check('schema refuses an unknown type', not VALIDATOR.is_valid(dict(good, type='nonsense')))
check('schema accepts --shard\'s order', VALIDATOR.is_valid(dict(good, order=[7, 7])))
check('schema refuses an order of three', not VALIDATOR.is_valid(dict(good, order=[7, 7, 1])))

# --- Every line of every capture, in several option combinations.
caps = sorted(glob.glob('pcaps/*.pcap') + glob.glob('pcaps/*.pcapng') +
              glob.glob('pcaps/variants/*.pcap*'))
combos = [('plain', lambda c: []), ('keys', keys_of),
          ('keys -d --certs --data-sha256 --shard 1/1',
           lambda c: keys_of(c) + ['-d', '--certs', '--data-sha256', '--shard', '1/1']),
          ('-k -t 0 --certs', lambda c: ['-k', 'pcaps/keys/server.key', '-t', '0', '--certs'])]
# -k opens only the RSA key exchanges of pcaps/keys/server.pem: those
# captures for the last combination.
rsa = [c for c in caps if 'rsa' in c or 'sslv2' in c or 'dec-tls10' in c or 'dec-ssl3' in c]
all_conns = []
for label, opts in combos:
    bad, nlines = [], 0
    for cap in caps if label != '-k -t 0 --certs' else rsa:
        rc, objs = lines('-r', cap, *opts(cap))
        nlines += len(objs)
        err = first_error(objs)
        if err or rc != 0:
            bad.append('%s: %s' % (cap, err or 'exit %d' % rc))
        if label == 'keys':
            all_conns += [(cap, o) for o in objs if o['type'] == 'connection']
    n = len(caps if label != '-k -t 0 --certs' else rsa)
    check('schema: every line of %d captures with %s (%d lines)' % (n, label, nlines),
          not bad and nlines > 200, '; '.join(bad[:3]))


# --- Community ID: an independent implementation of the spec ...
def community_id(o):
    a, b = o['client'], o['server']
    ia, ib = ipaddress.ip_address(a['ip']).packed, ipaddress.ip_address(b['ip']).packed
    pa, pb = a['port'], b['port']
    if (ia, pa) > (ib, pb):
        ia, pa, ib, pb = ib, pb, ia, pa
    h = hashlib.sha1(struct.pack('>H', 0) + ia + ib + struct.pack('>BBHH', 6, 0, pa, pb))
    return '1:' + base64.b64encode(h.digest()).decode()


wrong = [(cap, o['id']) for cap, o in all_conns if o.get('community_id') != community_id(o)]
check('community_id of %d connections equals the spec computed in Python' % len(all_conns),
      len(all_conns) > 100 and not wrong, str(wrong[:3]))
v6 = [o for cap, o in all_conns if ':' in o['client']['ip']]
check('community_id of IPv6 connections too (%d)' % len(v6), v6 and all(
    o.get('community_id') == community_id(o) for o in v6))


# ... and tshark's Community ID dissector, where tshark is installed.
def tshark(cap, *fields, extra=()):
    cmd = ['tshark', '-r', cap, *extra, '-T', 'fields', '-E', 'occurrence=a']
    for f in fields:
        cmd += ['-e', f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return [l.split('\t') for l in p.stdout.splitlines()]


if shutil.which('tshark'):
    for cap in ('pcaps/multi-openssl.pcap', 'pcaps/variants/ipv6.pcap',
                'pcaps/dec-concurrent-40.pcap'):
        theirs = {}
        for port_a, port_b, cid in tshark(cap, 'tcp.srcport', 'tcp.dstport', 'communityid',
                                          extra=('--enable-protocol', 'communityid')):
            if cid:
                theirs[frozenset((int(port_a), int(port_b)))] = cid
        ours = {frozenset((o['client']['port'], o['server']['port'])): o['community_id']
                for c, o in all_conns if c == cap}
        check('community_id equals tshark\'s communityid: ' + cap,
              ours and ours == theirs, '%s != %s' % (ours, theirs))

    # curve: the group of the TLS 1.3 key_share, the TLS 1.2 named curve.
    for cap in ('pcaps/tls13-openssl.pcap', 'pcaps/tls12-openssl.pcap', 'pcaps/hrr-tls13.pcap',
                'pcaps/tls12-gnutls.pcap', 'pcaps/tls13-curl.pcap'):
        rows = tshark(cap, 'tls.handshake.type', 'tls.handshake.extensions_key_share_group',
                      'tls.handshake.server_named_curve', extra=('-Y', 'tls.handshake.type == 2 '
                                                                 'or tls.handshake.type == 12'))
        groups = [int(g.split(',')[-1], 0) for r in rows for g in r[1:] if g]
        conn = [o for c, o in all_conns if c == cap][0]
        names = {0x1d: 'x25519', 0x17: 'secp256r1', 0x18: 'secp384r1', 0x1e: 'x448',
                 0x100: 'ffdhe2048'}
        want = names.get(groups[-1], hex(groups[-1])) if groups else None
        check('curve equals tshark\'s group: %s (%s)' % (cap, want),
              want and conn.get('curve') == want, 'got %s' % conn.get('curve'))
else:
    print('skip  community_id and curve against tshark (no tshark)')

# --- last_alert: the last alert whose description could be read.
for cap, o in all_conns:
    readable = [a for a in o['alerts'] if 'description' in a]
    if readable and readable[-1] is o['alerts'][-1]:
        if o.get('last_alert') != readable[-1]['description']:
            check('last_alert is the last alert: ' + cap, False, str(o.get('last_alert')))
            break
else:
    check('last_alert is the last alert of every connection whose last alert was read', True)
c = [o for cap, o in all_conns if cap == 'pcaps/fail-unknown-ca-tls12.pcap'][0]
check('last_alert of fail-unknown-ca-tls12 is unknown_ca', c.get('last_alert') == 'unknown_ca',
      str(c.get('last_alert')))
c = [o for cap, o in all_conns if cap == 'pcaps/tls12-openssl.pcap'][0]
check('no last_alert where no alert could be read (tls12-openssl without keys)',
      'last_alert' not in c or c['alerts'])


# --- The client's chain in mutual TLS, against openssl's fingerprints.
def pem_sha256(path):
    der = subprocess.run(['openssl', 'x509', '-in', path, '-outform', 'der'], capture_output=True,
                         check=True).stdout
    return hashlib.sha256(der).hexdigest()


want = [pem_sha256('pcaps/keys/client.pem'), pem_sha256('pcaps/keys/ca.pem')]
for cap in ('pcaps/mtls-tls12.pcap', 'pcaps/mtls-tls13.pcap'):
    c = [o for k, o in all_conns if k == cap][0]
    got = [x['sha256'] for x in c.get('client_certificates', [])]
    check('client_certificates\' sha256 are openssl\'s: ' + cap, got[:1] == want[:1] and
          set(got) <= set(want), str(got))
c = [o for cap, o in all_conns if cap == 'pcaps/tls13-openssl.pcap'][0]
check('no client_certificates without mutual TLS', 'client_certificates' not in c)

# --- --certs: each certificate's DER, base64, is the certificate fingerprinted.
_, objs = lines('-r', 'pcaps/long-chain.pcap', '--certs')
ders = [base64.b64decode(x['der']) for o in objs if o['type'] == 'handshake' and
        o['message'] == 'Certificate' for x in o['fields'].get('certificates', []) if 'der' in x]
conn = [o for o in objs if o['type'] == 'connection'][0]
kept = len(conn['certificates'])  # the connection line keeps the first 10
check('--certs: the DER of every certificate of the chain (%d), hashing to its sha256' % len(ders),
      len(ders) == 13 and kept > 5 and [hashlib.sha256(d).hexdigest() for d in ders[:kept]] ==
      [x['sha256'] for x in conn['certificates']])
p = subprocess.run(['openssl', 'x509', '-inform', 'der', '-noout', '-subject'], input=ders[0],
                   capture_output=True)
check('--certs: openssl reads the DER', p.returncode == 0 and b'CN' in p.stdout)
_, objs = lines('-r', 'pcaps/long-chain.pcap')
check('without --certs, no DER', '"der"' not in json.dumps(objs))

# --- -j -d: the data lines hold the application data that --extract writes.
for cap in ('pcaps/tls13-openssl.pcap', 'pcaps/dec-tls12-2mb.pcap', 'pcaps/starttls-smtp.pcap',
            'pcaps/dec-tls13-0rtt-accepted.pcap', 'pcaps/dec-concurrent-40.pcap'):
    rc, objs = lines('-r', cap, '-d', *keys_of(cap))
    got, encodings = {}, set()
    for o in objs:
        if o['type'] == 'data':
            b = base64.b64decode(o['data']) if o['encoding'] == 'base64' else \
                o['data'].encode()
            encodings.add(o['encoding'])
            if o['encoding'] == 'text' and any(ch < 32 and ch not in b'\t\r\n' for ch in b):
                got['bad-text'] = b
            if o['encoding'] == 'base64':
                try:
                    t = b.decode()
                    if all(ord(ch) >= 32 or ch in '\t\r\n' for ch in t) and \
                            not any(0x7f <= ord(ch) <= 0x9f for ch in t):
                        got['text-as-base64'] = b
                except UnicodeDecodeError:
                    pass
            key = (o['id'], o['dir'])
            got[key] = got.get(key, b'') + b
    d = os.path.join(OUT, 'jd-' + os.path.basename(cap))
    shutil.rmtree(d, ignore_errors=True)
    run('-r', cap, *keys_of(cap), '--extract', d)
    want = {}
    for f in os.listdir(d):
        _, cid, side = f[:-4].split('-')
        want[(int(cid), side)] = open(os.path.join(d, f), 'rb').read()
    # --extract holds a STARTTLS dialogue too: the data lines hold only TLS's
    plain = {}
    for o in objs:
        if o['type'] == 'plaintext' and 'data' in o:
            plain[(o['id'], o['dir'])] = plain.get((o['id'], o['dir']), b'') + (
                base64.b64decode(o['data']) if o['encoding'] == 'base64' else o['data'].encode())
    ok = rc == 0 and want and all(plain.get(k, b'') + got.get(k, b'') == v or
                                  want[k] == plain.get(k, b'') + got.get(k, b'')
                                  for k, v in want.items()) and \
        'bad-text' not in got and 'text-as-base64' not in got
    check('-j -d: data lines equal --extract (%s; %s)' % (cap, ','.join(sorted(encodings))), ok,
          str(sorted(got)[:4]))

# --- Refusals that stay: -j -x, --summary -d, --certs without -j.
for args, msg in ((['-j', '-x'], '-x is for the text view'),
                  (['--summary', '-d'], '-d is for the text view'),
                  (['--certs'], '--certs is for -j')):
    rc, _, err = run(*args, '-r', 'pcaps/tls13-openssl.pcap')
    check('refused with a message: ' + ' '.join(args), rc == 2 and msg in err, err.strip())


# --- subjectAltNames with an IPv6 address and a comma in a DNS name, in a
# capture written here: a TLS 1.2 ClientHello, ServerHello and Certificate
# carrying a certificate openssl makes for it.
def san_capture(path):
    tmp = os.path.join(OUT, 'san')
    os.makedirs(tmp, exist_ok=True)
    # a section list takes each value whole, the comma too
    open(os.path.join(tmp, 'san.cnf'), 'w').write(
        '[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n'
        '[dn]\nCN = san.test\n[ext]\nsubjectAltName = @alt\n[alt]\nDNS.1 = a,b.test\n'
        'IP.1 = 2001:db8::1\nIP.2 = ::1\nDNS.2 = plain.test\nIP.3 = 192.0.2.7\n')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                    'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-config',
                    os.path.join(tmp, 'san.cnf'), '-keyout', os.path.join(tmp, 'k.pem'), '-out',
                    os.path.join(tmp, 'c.pem')], check=True, capture_output=True)
    der = subprocess.run(['openssl', 'x509', '-in', os.path.join(tmp, 'c.pem'), '-outform', 'der'],
                         check=True, capture_output=True).stdout

    def hs(t, body):
        return bytes([t]) + len(body).to_bytes(3, 'big') + body

    def rec(body):
        return b'\x16\x03\x03' + struct.pack('>H', len(body)) + body
    ch = hs(1, b'\x03\x03' + b'\x11' * 32 + b'\x00' + b'\x00\x02\xc0\x2b' + b'\x01\x00' +
            b'\x00\x00')
    sh = hs(2, b'\x03\x03' + b'\x22' * 32 + b'\x00' + b'\xc0\x2b' + b'\x00' + b'\x00\x00')
    cert = hs(11, (len(der) + 3).to_bytes(3, 'big') + len(der).to_bytes(3, 'big') + der)
    flows = [(0, b''), (1, b''), (0, rec(ch)), (1, rec(sh + cert))]
    seq, out = [1000, 5000], [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]
    for i, (d, data) in enumerate(flows):
        src, dst = (b'\xc0\x00\x02\x01', b'\xc0\x00\x02\x02')[::1 if d == 0 else -1]
        sp, dp = (40000, 443)[::1 if d == 0 else -1]
        flags = 0x02 if i == 0 else 0x12 if i == 1 else 0x18
        ack = 0 if i == 0 else seq[1 - d]
        tcp = struct.pack('>HHIIBBHHH', sp, dp, seq[d], ack, 0x50, flags, 65535, 0, 0) + data
        ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), i, 0, 64, 6, 0, src, dst) + tcp
        out.append(struct.pack('<IIII', 1700000000, i, len(ip), len(ip)) + ip)
        seq[d] += len(data) + (1 if i < 2 else 0)
    open(path, 'wb').write(b''.join(out))


path = os.path.join(OUT, 'san.pcap')
san_capture(path)
_, objs = lines('-r', path)
conn = [o for o in objs if o['type'] == 'connection']
san = conn[0]['certificates'][0]['san'] if conn and conn[0]['certificates'] else None
check('subjectAltNames as a list: a comma kept inside a name, IPv6 and IPv4 addresses',
      san == ['a,b.test', '2001:db8::1', '::1', 'plain.test', '192.0.2.7'], str(san))
check('the SAN capture validates against the schema', first_error(objs) is None,
      str(first_error(objs)))

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
