#!/usr/bin/env bash
# Runs the golden tests of tests/e2e/golden.list with the tlsdump given as
# $1 (default ./tlsdump); with --update, rewrites the expected outputs.
set -u
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
TLSDUMP=$(realpath "${1:-./tlsdump}")
cd "$(dirname "$0")/../.." || exit 2
pass=0 fail=0
while read -r name cap opts; do
    case "$name" in ''|'#'*) continue ;; esac
    want=tests/e2e/golden/$name.out
    # shellcheck disable=SC2086
    got=$("$TLSDUMP" -r "$cap" $opts 2>&1)
    if [ $update = 1 ]; then
        printf '%s\n' "$got" >"$want"
        continue
    fi
    if [ -f "$want" ] && [ "$got" = "$(cat "$want")" ]; then
        pass=$((pass + 1)); echo "ok    golden $name"
    else
        fail=$((fail + 1)); echo "FAIL  golden $name"
        diff <(printf '%s\n' "$got") "$want" | head -20
    fi
done <tests/e2e/golden.list
[ $update = 1 ] && exit 0
echo "$pass passed, $fail failed"
[ $fail = 0 ]
