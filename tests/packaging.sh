#!/usr/bin/env bash
# The build as a packager runs it, in a copy of the sources: a plain `make`
# with Debian's kind of CFLAGS, CPPFLAGS and LDFLAGS builds, keeps its own
# flags beside them (the headers are found), links with RELRO and BIND_NOW,
# never runs apt-get; `make install` puts the binary and the man page (with
# the version) under DESTDIR.  Prints ok/FAIL lines and "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
# As a packager runs it: not inside `make test`'s own make (WERROR=1).
unset MAKEFLAGS MFLAGS MAKELEVEL WERROR
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
check() { local name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok    $name";
          else fail=$((fail + 1)); echo "FAIL  $name"; fi; }

mkdir -p "$TMP/src" "$TMP/bin"
cp -r Makefile src include man "$TMP/src/"
# apt-get and sudo that only say they were called
for tool in apt-get sudo; do
    printf '#!/bin/sh\necho "%s $*" >> "%s/installer-called"\nexit 1\n' "$tool" "$TMP" \
        > "$TMP/bin/$tool"
    chmod +x "$TMP/bin/$tool"
done

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
PATH="$TMP/bin:$PATH" make -C "$TMP/src" -j2 V=1 CFLAGS="-O2 -g -fstack-protector-strong" \
    CPPFLAGS="-D_FORTIFY_SOURCE=2 -DTLSDUMP_PACKAGING_TEST" \
    LDFLAGS="-Wl,-z,relro -Wl,-z,now" > "$TMP/build.log" 2>&1
built=$?
check "make with the packager's flags builds" [ $built = 0 ]
check "the packager's CPPFLAGS are added to tlsdump's own" \
    grep -q -- '-Iinclude .*-DTLSDUMP_PACKAGING_TEST' "$TMP/build.log"
check "the packager's CFLAGS reach the compiler" grep -q -- '-fstack-protector-strong' "$TMP/build.log"
check "-Werror only when asked (WERROR=1)" eval '! grep -q -- -Werror "$TMP/build.log"'
check "the packager's LDFLAGS reach the link: RELRO" \
    eval 'readelf -lW "$TMP/src/tlsdump" | grep -q GNU_RELRO'
check "... and BIND_NOW" eval 'readelf -dW "$TMP/src/tlsdump" | grep -q "BIND_NOW"'
check "libssl is not linked (only libcrypto is used)" \
    eval '! readelf -dW "$TMP/src/tlsdump" | grep -q "libssl\."'
check "--version names tlsdump's, libpcap's, OpenSSL's and ncurses' versions" \
    eval '"$TMP/src/tlsdump" --version | tr "\n" " " |
          grep -q "^tlsdump version $version libpcap version .* OpenSSL [0-9].* ncurses [0-9]"'
PATH="$TMP/bin:$PATH" make -C "$TMP/src" install DESTDIR="$TMP/root" PREFIX=/usr \
    > "$TMP/install.log" 2>&1
check "make install puts the binary under DESTDIR" [ -x "$TMP/root/usr/bin/tlsdump" ]
check "... and the man page, with the version" \
    grep -q "^\.TH TLSDUMP 1 \"[^\"]*\" \"tlsdump $version\"" "$TMP/root/usr/share/man/man1/tlsdump.1"
check "neither make nor make install ran apt-get or sudo" [ ! -e "$TMP/installer-called" ]
[ $fail = 0 ] || { echo "--- build log"; tail -20 "$TMP/build.log"; }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
