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

# expect_dsl NAME TABLE TEXT...: iasl's disassembly of a table holds each
# text (a value as ACPICA decodes it, independently of our parsers).
expect_dsl() {
    local name=$1 t=$2
    shift 2
    for text in "$@"; do
        if ! grep -qF -- "$text" "$T/$name/$t.dsl" 2>/dev/null; then
            echo "FAIL: $name: $t.dsl lacks '$text'"
            fail=$((fail + 1))
        fi
    done
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
check sparse-guest-pxms-user-hmat "${H2[@]}" --vcpus 8 --memory 6G \
    --vcpu-nodes 0-3:0,4-7:2 --vnode-memory 2G,2G,2G --guest-pxms 9,2,40 \
    --distances '10,15,31;16,10,27;30,26,10' --hmat-latency '95,180,310;300,170,90' \
    --hmat-bandwidth '200000,96000,40000;40000,96000,200000' --mem-layout qemu-q35
# PXMs 9, 2, 40 (vnodes 0-2; vnode 1 memory-only): latency in ns x 1000 ps,
# bandwidth 200000 MB/s = 50000 (0xC350) x 4; SLIT row of PXM 2 holds 16
# (0x10) to PXM 9 and 27 (0x1B) to PXM 40; 41 localities.
expect_dsl sparse-guest-pxms-user-hmat hmat \
    "Initiator Proximity Domain List : 00000028" "Target Proximity Domain List : 00000002" \
    "Entry Base Unit : 00000000000003E8" "Entry : 0136" "Entry Base Unit : 0000000000000004" \
    "Entry : C350" "Entry : 2710"
expect_dsl sparse-guest-pxms-user-hmat slit "Localities : 0000000000000029" \
    "Locality   2 : 14 14 0A 14 14 14 14 14 14 10 14"
expect_dsl sparse-guest-pxms-user-hmat srat "Proximity Domain Low(8) : 28" \
    "Proximity Domain : 00000002"
# PXM 300 (0x12C): split over the LAPIC entry's low byte and high 24 bits.
check guest-pxm-300 "${H2[@]}" --vcpus 4 --vnodes 2 --memory 4G --guest-pxms 0,300
expect_dsl guest-pxm-300 srat "Proximity Domain Low(8) : 2C" \
    "Proximity Domain High(24) : 000001" "Proximity Domain : 0000012C"

# Hot-plug and generic initiators: vCPUs 100-149 hot-pluggable in vnode 0
# (local APIC entries, online-capable), 150-299 in vnode 1 (x2APIC entries,
# APIC IDs from 256); two PCI generic initiators, one in a new vnode 2; two
# hot-pluggable ranges from the end of q35's RAM (18 GiB), 1 GiB aligned.
check hotplug-gi --synthetic 'sockets=4,cores=256,mem=512G' --vcpus 100 --max-vcpus 300 \
    --vnodes 2 --memory 16G --mem-layout qemu-q35 \
    --initiator 0000:00:04.0@2,0001:3b:1f.7@0 --hotplug-memory 4G@1,1G@2
expect_dsl hotplug-gi madt "Revision : 05" "Runtime Online Capable : 1" \
    "Processor x2Apic ID : 00000195" "Flags (decoded below) : 00000002" \
    "Processor UID : 0000012B"
expect_dsl hotplug-gi srat "Subtable Type : 05 [Generic Initiator Affinity]" \
    "Device Handle Type : 01" \
    "Device Handle : 00 00 00 20 00 00 00 00 00 00 00 00 00 00 00 00" \
    "Device Handle : 01 00 3B FF 00 00 00 00 00 00 00 00 00 00 00 00" \
    "Base Address : 0000000480000000" "Base Address : 0000000580000000" \
    "Address Length : 0000000100000000" "Hot Pluggable : 1"
n=$(grep -c "Hot Pluggable : 1" "$T/hotplug-gi/srat.dsl" 2>/dev/null)
[ "$n" = 2 ] || { echo "FAIL: hotplug-gi: srat.dsl has $n hot-pluggable ranges, want 2"; fail=$((fail + 1)); }
n=$(grep -c "Runtime Online Capable : 1" "$T/hotplug-gi/madt.dsl" 2>/dev/null)
[ "$n" = 50 ] || { echo "FAIL: hotplug-gi: madt.dsl has $n online-capable local APICs, want 50"; fail=$((fail + 1)); }
# The HMAT: vnode 2 (generic initiator, hot-pluggable memory) is both an
# initiator and a target; the SLIT has its row.
expect_dsl hotplug-gi hmat "Initiator Proximity Domain List : 00000002" \
    "Target Proximity Domain List : 00000002"
expect_dsl hotplug-gi slit "Localities : 0000000000000003"

# Devices: the SSDT that gives each expander's host bridge in QEMU's DSDT
# (\_SB.PCxx, xx its bus number) its vnode's _PXM, iasl's own decoding of
# our AML; PXMs 0, 2 and 5 take the Zero, Byte and Byte encodings, 300 a
# Word. Expanders from bus 255 down: vnode 2 (1 port) at 0xFE, vnode 1 at
# 0xFC, vnode 0 at 0xFA.
check devices-ssdt --synthetic 'sockets=3,cores=2,devices=nvme@0,nvme@1,nvme@2' --vcpus 6 \
    --vnodes 3 --guest-pxms 0,2,300 --memory 3G --mem-layout qemu-q35 \
    --device 0000:01:00.0 --device 0000:02:00.0 --device 0000:03:00.0
(cd "$T/devices-ssdt" && iasl -d ssdt.dat >ssdt.log 2>&1)
expect_dsl devices-ssdt ssdt 'DefinitionBlock ("", "SSDT", 2,' 'Scope (\_SB.PCFA)' \
    'Name (_PXM, Zero)' 'Scope (\_SB.PCFC)' 'Name (_PXM, 0x02)' 'Scope (\_SB.PCFE)' \
    'Name (_PXM, 0x012C)'
if grep -qiE 'error|warning|checksum' "$T/devices-ssdt/ssdt.log"; then
    echo "FAIL: devices-ssdt: iasl: $(grep -iE 'error|warning|checksum' "$T/devices-ssdt/ssdt.log" | head -2)"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
