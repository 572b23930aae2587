#!/usr/bin/env bash
# Every ACPI table vtopo emits disassembles with ACPICA's iasl without a
# complaint. iasl exits 0 even on broken tables, so its output is read for
# checksum, length, truncation and unknown-subtable messages.
#
# Usage: test_iasl.sh PATH-TO-vtopo
set -u
VTOPO=$1
if ! command -v iasl >/dev/null 2>&1; then
    echo "FAIL: iasl not found (Debian package acpica-tools; scripts/install-deps.sh installs it)"
    exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

check() {
    local name=$1
    shift
    local dir=$T/$name
    if ! "$VTOPO" plan -q "$@" --json --out "$dir" >/dev/null 2>"$T/err"; then
        echo "FAIL: $name: vtopo plan failed: $(cat "$T/err")"
        fail=$((fail + 1))
        return
    fi
    for t in srat slit madt hmat; do
        (cd "$dir" && iasl -d "$t.dat" >"$t.log" 2>&1)
        if [ ! -s "$dir/$t.dsl" ]; then
            echo "FAIL: $name: iasl wrote no $t.dsl: $(cat "$dir/$t.log")"
            fail=$((fail + 1))
            continue
        fi
        bad=$(grep -i -E 'incorrect checksum|invalid zero length|unknown .*subtable|terminates|too long|error|warning|invalid' \
            "$dir/$t.log" "$dir/$t.dsl" | grep -v 'Compiler' | head -3)
        if [ -n "$bad" ]; then
            echo "FAIL: $name: $t: $bad"
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
    done
    echo "ok: $name"
}

H2=(--synthetic 'sockets=2,cores=64,threads=2,mem=256G,distances=10:21')
check sdm-2x3-q35 "${H2[@]}" --vcpus 6 --vnodes 2 --memory 4G --mem-layout qemu-q35
check sdm-smt-pc "${H2[@]}" --vcpus 12 --vnodes 2 --memory 8G --shape sockets=2,cores=3,threads=2 \
    --mem-layout qemu-pc
check xen-300-x2apic "${H2[@]}" --vcpus 300 --vnodes 2 --memory 16G --apic xen
check legacy-49-amd "${H2[@]}" --vcpus 49 --vnodes 2 --memory 8G --apic legacy --vendor amd \
    --mem-layout xen-hvm
check memory-only-vnode "${H2[@]}" --vcpus 4 --memory 6G --vcpu-nodes 0-1:0,2-3:2 \
    --vnode-memory 2G,2G,2G
check memory-less-vnode "${H2[@]}" --vcpus 4 --memory 4G --vnodes 2 --vnode-memory 0,4G
check eight-vnodes --synthetic 'sockets=2,nodes-per-socket=4,cores=32,mem=256G' --vcpus 64 \
    --vnodes 8 --memory 64G --mem-layout qemu-q35
check sparse-pxm-dom0 --synthetic 'sockets=2,cores=4,mem=8G,pxms=0,2' --vcpus 8 --pin-identity
check x2apic-sdm-600 --synthetic 'sockets=4,cores=256,mem=512G' --vcpus 600 --vnodes 3 \
    --memory 60G --mem-layout qemu-q35

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
