#!/bin/bash
# The certificates of the verification unit tests (tests/unit/test_verify.c)
# that pcaps/keys/ lacks, made with the openssl CLI and committed, so that
# the tests need no openssl command.  Every validity period is fixed
# (`openssl ca -startdate/-enddate`; `openssl x509` 3.0 cannot set
# notBefore), so the tests can verify at fixed times; the tests use
# 2026-12-01, inside ca.pem's validity (2026-11-24 .. 2036-11-21).
#
# Usage: tests/unit/data/verify/make.sh   (needs pcaps/keys/ca.pem, ca.key)
#
#   notyet.pem        CN=server.test under ca.pem, valid 2035-01-01 .. 2036-01-01
#   selfsigned.pem    CN=server.test, self-signed (CA:TRUE, as `openssl req -x509` makes them)
#   weak-1024-sha1.pem  CN=server.test under ca.pem: RSA 1024 key, SHA-1 signature
#   weak-key.pem      ... RSA 1024 key, SHA-256 signature
#   weak-sig.pem      ... RSA 2048 key, SHA-1 signature
#   weak-int.pem      CN=tlsdump weak intermediate CA under ca.pem, RSA 1024 key
#   weak-int-leaf.pem CN=server.test under weak-int.pem (RSA 2048, SHA-256)
#   aia-int.pem       CN=tlsdump AIA intermediate CA under ca.pem
#   aia-leaf.pem      CN=server.test under aia-int.pem, with an Authority
#                     Information Access caIssuers URI http://aia.test/aia-int.der
#   era-ca.pem        CN=tlsdump era CA, self-signed, valid 2019-01-01 .. 2050-01-01
#   era-leaf.pem      CN=server.test under era-ca.pem, valid 2020-01-01 .. 2021-01-01
#                     (expired.pem's period under a CA that was valid then:
#                     ca.pem itself starts in 2026)
#
# No private key is kept: nothing is signed with these again.
set -euo pipefail

OUT=$(dirname "$(readlink -f "$0")")
KEYS=$OUT/../../../../pcaps/keys
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
START=20261125000000Z   # the test time 2026-12-01 lies inside [START, END)
END=20361120000000Z

cat > "$TMP/server.ext" <<'X'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:server.test,DNS:localhost,IP:127.0.0.1
X
cat > "$TMP/ca.ext" <<'X'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
cat > "$TMP/selfsigned.ext" <<'X'
basicConstraints=critical,CA:TRUE
subjectKeyIdentifier=hash
subjectAltName=DNS:server.test,DNS:localhost,IP:127.0.0.1
X
cp "$TMP/server.ext" "$TMP/aia-leaf.ext"
echo "authorityInfoAccess=caIssuers;URI:http://aia.test/aia-int.der" >> "$TMP/aia-leaf.ext"
cp "$TMP/ca.ext" "$TMP/aia-int.ext"
echo "authorityInfoAccess=caIssuers;URI:http://aia.test/ca.der" >> "$TMP/aia-int.ext"

mkdir -p "$TMP/new"
: > "$TMP/index.txt"
echo 5001 > "$TMP/serial"
cat > "$TMP/ca.cnf" <<X
[ca]
default_ca = test_ca
[test_ca]
database = $TMP/index.txt
new_certs_dir = $TMP/new
serial = $TMP/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
X

# csr NAME CN BITS: a new RSA key $TMP/NAME.key and request $TMP/NAME.csr
csr() {
    openssl req -new -newkey "rsa:$3" -nodes -sha256 -subj "/CN=$2" \
        -keyout "$TMP/$1.key" -out "$TMP/$1.csr" 2>/dev/null
}

# sign NAME EXT CA START END [MD]: $OUT/NAME.pem from $TMP/NAME.csr, signed
# by CA (a name in $OUT, or "ca" for pcaps/keys/ca.pem, or "self")
sign() {
    local name=$1 ext=$2 ca=$3 cert key
    case $ca in
    ca) cert=(-cert "$KEYS/ca.pem") key=$KEYS/ca.key ;;
    self) cert=(-selfsign) key=$TMP/$name.key ;;
    *) cert=(-cert "$OUT/$ca.pem") key=$TMP/$ca.key ;;
    esac
    openssl ca -batch -notext -config "$TMP/ca.cnf" "${cert[@]}" -keyfile "$key" \
        -startdate "$4" -enddate "$5" -md "${6:-sha256}" -extfile "$TMP/$ext.ext" \
        -in "$TMP/$name.csr" -out "$OUT/$name.pem" 2>"$TMP/log" || { cat "$TMP/log" >&2; exit 1; }
}

csr notyet server.test 2048
sign notyet server ca 20350101000000Z 20360101000000Z
csr selfsigned server.test 2048
sign selfsigned selfsigned self "$START" "$END"
csr weak-1024-sha1 server.test 1024
sign weak-1024-sha1 server ca "$START" "$END" sha1
csr weak-key server.test 1024
sign weak-key server ca "$START" "$END"
csr weak-sig server.test 2048
sign weak-sig server ca "$START" "$END" sha1
csr weak-int "tlsdump weak intermediate CA" 1024
sign weak-int ca ca "$START" "$END"
csr weak-int-leaf server.test 2048
sign weak-int-leaf server weak-int "$START" "$END"
csr aia-int "tlsdump AIA intermediate CA" 2048
sign aia-int aia-int ca "$START" "$END"
csr aia-leaf server.test 2048
sign aia-leaf aia-leaf aia-int "$START" "$END"
csr era-ca "tlsdump era CA" 2048
sign era-ca ca self 20190101000000Z 20500101000000Z
csr era-leaf server.test 2048
sign era-leaf server era-ca 20200101000000Z 20210101000000Z

# What the tests expect, as `openssl verify` sees it (auth level 2, as
# libssl at Debian's default security level).
V=(openssl verify -auth_level 2 -attime 1796083200)   # 2026-12-01T00:00:00Z
"${V[@]}" -CAfile "$KEYS/ca.pem" -untrusted "$OUT/aia-int.pem" "$OUT/aia-leaf.pem" >/dev/null
! "${V[@]}" -CAfile "$KEYS/ca.pem" "$OUT/aia-leaf.pem" 2>/dev/null
! "${V[@]}" -CAfile "$KEYS/ca.pem" "$OUT/notyet.pem" 2>/dev/null
! "${V[@]}" -CAfile "$KEYS/ca.pem" "$OUT/weak-1024-sha1.pem" 2>/dev/null
openssl verify -attime 1591000000 -CAfile "$OUT/era-ca.pem" "$OUT/era-leaf.pem" >/dev/null
echo "made $(cd "$OUT" && ls ./*.pem | wc -l) certificates in $OUT"
