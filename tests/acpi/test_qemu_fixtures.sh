#!/usr/bin/env bash
# Tables QEMU 7.2 generated itself (tests/fixtures/qemu/*/COMMAND says how;
# scripts/qemu-acpi-fixtures.sh regenerates them) pass `vtopo check`, with
# the nodes Linux makes of them.
# Usage: test_qemu_fixtures.sh PATH-TO-vtopo FIXTURES-DIR
set -u
VTOPO=$1
DIR=$2
pass=0
fail=0

expect() {
    local name=$1 nodes=$2 hmat=$3 out rc
    out=$("$VTOPO" check "$DIR/$name" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: exit $rc"
        printf '%s\n' "$out"
        fail=$((fail + 1))
        return
    fi
    if [ "$(printf '%s\n' "$out" | grep -c '^  node ')" -ne "$nodes" ]; then
        echo "FAIL: $name: expected $nodes Linux nodes"
        printf '%s\n' "$out"
        fail=$((fail + 1))
        return
    fi
    if ! printf '%s\n' "$out" | grep -q "^HMAT: $hmat"; then
        echo "FAIL: $name: expected 'HMAT: $hmat'"
        fail=$((fail + 1))
        return
    fi
    echo "ok: $name"
    pass=$((pass + 1))
}

expect q35-2nodes 2 "not used"
expect pc-3nodes-npot 3 "not used"
expect q35-hmat 2 "used by Linux"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
