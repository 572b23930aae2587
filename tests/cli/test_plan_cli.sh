#!/usr/bin/env bash
# CLI behaviour of `vtopo plan`: help against the getopt table, usage errors,
# human output (APIC IDs, vnodes, distances), --json, --cpuid, --out.
#
# Usage: test_plan_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

HOST=(--synthetic 'sockets=2,cores=6,mem=16G,distances=10:21')

t_begin "vtopo plan --help documents every long option of the getopt table"
run "$VTOPO" plan --help
expect_rc 0
# cmd_plan.c's own options and the shared host and plan options (cli.h).
opts=$(sed -n 's/^ *{"\([a-z-]*\)", \(no\|required\)_argument.*/\1/p' \
    "$SRC/tools/vtopo/cmd_plan.c" "$SRC/tools/vtopo/cli.h")
[ -n "$opts" ] || t_fail "could not read the getopt table (test defect)"
for o in $opts fsroot host synthetic acpi guest-pxms distances hmat-latency hmat-bandwidth; do
    expect_out_has "--$o"
done

t_begin "vtopo --help lists plan"
run "$VTOPO" --help
expect_rc 0
expect_out_has "  plan "

t_begin "plan: QEMU's APIC IDs for 2 sockets x 3 cores (0,1,2,4,5,6)"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --mem-layout qemu-q35
expect_rc 0
expect_out_has "shape 2 sockets x 1 die x 3 cores x 1 thread"
expect_out_line "      5        6      1        1    0     2       0     5     -"
expect_out_line "vnode 1: guest_pxm 1, linux node 1, pnode 1 (host pxm 1)"
expect_out_line "   0:   10   21"
expect_out_line "  0x0000000000100000-0x000000007fffffff usable"

t_begin "plan: Xen encoding, 49 vCPUs split 25/24"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 49 --memory 4G --vnodes 2 --apic xen \
    --vnode-pnodes 0,0
expect_rc 0
expect_out_line "     24       48      0        0    0    24       0     -     -"
expect_out_line "     25       64      1        1    0     0       0     -     -"
expect_out_line "     48      110      1        1    0    23       0     -     -"
expect_out_line "   0:   10   11"

t_begin "plan --json: the layout, one line per vCPU, with CPUID"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --json
expect_rc 0
expect_out_has '"format": "vtopo-plan"' '"apic_encoding": "sdm"' '"cpuid": ['
expect_out_line '    {"vcpu": 3, "apic_id": 4, "vnode": 1, "package": 1, "die": 0, "core": 0, "thread": 0, "slot": 3, "pcpu": null},'
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
    printf '%s\n' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["vcpus"])==6 and len(d["cpuid"])==6' ||
        t_fail "the JSON does not parse or lacks vcpus/cpuid"
fi

t_begin "plan --cpuid: leaf 0xB of vCPU 3 reports APIC ID 4"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --cpuid
expect_rc 0
expect_out_has "3 0x0000000b 0x00000001 0x00000002 0x00000003 0x00000201 0x00000004"

t_begin "plan --out DIR writes plan.json, cpuid.txt and e820.txt"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --mem-layout qemu-pc \
    --out "$T/out"
expect_rc 0
for f in plan.json cpuid.txt e820.txt; do
    [ -s "$T/out/$f" ] || t_fail "$f was not written"
done
grep -q 'BIOS-e820: \[mem 0x0000000000000000-0x000000000009ffff\] usable' "$T/out/e820.txt" ||
    t_fail "e820.txt lacks the first RAM entry"
expect_no_temp "$T/out" plan.json

t_begin "plan: usage errors exit 2 with a sentence"
run "$VTOPO" plan "${HOST[@]}" --memory 4G
expect_rc 2
expect_err_has "vtopo plan: --vcpus is required"
run "$VTOPO" plan "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --shape sockets=1,cores=6
expect_rc 2
expect_err_has "package 0 holds vCPUs of vnodes 0 and 1" "--allow-package-span"
run "$VTOPO" plan "${HOST[@]}" --vcpus 6 --memory 1001M
expect_rc 2
expect_err_has "--memory 1001 MiB: must be a multiple of 2 MiB"
run "$VTOPO" plan "${HOST[@]}" --vcpus 9999 --memory 4G
expect_rc 2
expect_err_has "--vcpus 9999: must be a number from 1 to 8192"
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --memory 4G --json --cpuid
expect_rc 2
expect_err_has "--json and --cpuid are alternatives"
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --memory 4G --mem-layout e820:/nonexistent
expect_rc 2
expect_err_has "/nonexistent"
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --memory 4G --vnodes 2 --pin 0-3:0-3
expect_rc 2
expect_err_has "--vnodes and --pin are alternatives"

t_begin "plan: --allow-package-span warns what Linux does"
run "$VTOPO" plan "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --shape sockets=1,cores=6 \
    --allow-package-span
expect_rc 0
expect_err_has "warning: package 0 spans vnodes 0 and 1" "x86_has_numa_in_package"

# Byte N of FILE as an unsigned number of SIZE bytes (little-endian).
byte_at()
{
    od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

P3=(--vcpus 6 --memory 4G --vnodes 3)

t_begin "plan --guest-pxms: sparse PXMs in the output, the SRAT and the SLIT"
run "$VTOPO" plan -q "${HOST[@]}" "${P3[@]}" --guest-pxms 4,0,9 --out "$T/pxm"
expect_rc 0
expect_out_line "vnode 0: guest_pxm 4, linux node 0, pnode 0 (host pxm 0)"
expect_out_line "vnode 1: guest_pxm 0, linux node 1, pnode 1 (host pxm 1)"
expect_out_line "vnode 2: guest_pxm 9, linux node 2, pnode 0 (host pxm 0)"
grep -q '"vnode": 2, "guest_pxm": 9, "linux_node": 2,' "$T/pxm/plan.json" ||
    t_fail "plan.json lacks vnode 2's guest PXM 9"
# SLIT: 10 localities (highest PXM + 1), 44-byte prefix; vnodes 0 and 2
# share pnode 0 (11), vnode 1 is across the sockets (21), PXM 1 is unused.
[ "$(byte_at "$T/pxm/slit.dat" 36 8)" = 10 ] || t_fail "slit.dat: locality count is not 10"
[ "$(byte_at "$T/pxm/slit.dat" $((44 + 4 * 10 + 9)) 1)" = 11 ] || t_fail "SLIT[4][9] is not 11"
[ "$(byte_at "$T/pxm/slit.dat" $((44 + 0 * 10 + 4)) 1)" = 21 ] || t_fail "SLIT[0][4] is not 21"
[ "$(byte_at "$T/pxm/slit.dat" $((44 + 1 * 10 + 1)) 1)" = 10 ] || t_fail "SLIT[1][1] is not 10"
[ "$(byte_at "$T/pxm/slit.dat" $((44 + 1 * 10 + 4)) 1)" = 20 ] || t_fail "SLIT[1][4] is not 20"
# What Linux makes of the tables (vtopo check replays its SRAT parsing).
run "$VTOPO" check "$T/pxm"
expect_rc 0
expect_out_line "  node 0: PXM 4, 2 CPUs, 1366 MiB" "  node 2: PXM 9, 2 CPUs, 1364 MiB"
expect_out_has "SLIT: used by Linux" "HMAT: used by Linux"

t_begin "plan --guest-pxms: a PXM of 256 or more is warned about (1024 or more: Linux drops the SRAT)"
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --memory 4G --vnodes 2 --guest-pxms 0,300
expect_rc 0
expect_err_has "vtopo plan: warning: vnode 1 has guest PXM 300: distribution kernels (1024 nodes) use it, but a kernel built with 256 nodes or fewer has MAX_PXM_DOMAINS 256 and drops the SRAT"
expect_out_line "vnode 1: guest_pxm 300, linux node 1, pnode 1 (host pxm 1)"
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --memory 4G --vnodes 2 --guest-pxms 0,1024
expect_rc 0
expect_err_has "vtopo plan: warning: vnode 1 has guest PXM 1024: Linux gives PXMs of 1024 and more no node (MAX_PXM_DOMAINS) and does not use the SRAT"

t_begin "plan --distances: an asymmetric matrix in the output, the JSON, the SLIT and the HMAT"
run "$VTOPO" plan -q "${HOST[@]}" "${P3[@]}" --guest-pxms 4,0,9 \
    --distances '10,20,30;20,10,25;31,25,10' --out "$T/dist"
expect_rc 0
expect_out_line "   0:   10   20   30" "   2:   31   25   10"
expect_out_line "   2:  310  250  100"
grep -q '^    \[31, 25, 10\]$' "$T/dist/plan.json" || t_fail "plan.json lacks the distance row [31, 25, 10]"
[ "$(byte_at "$T/dist/slit.dat" $((44 + 4 * 10 + 9)) 1)" = 30 ] || t_fail "SLIT[4][9] is not 30"
[ "$(byte_at "$T/dist/slit.dat" $((44 + 9 * 10 + 4)) 1)" = 31 ] || t_fail "SLIT[9][4] is not 31"
[ "$(byte_at "$T/dist/slit.dat" $((44 + 0 * 10 + 9)) 1)" = 25 ] || t_fail "SLIT[0][9] is not 25"
# HMAT: 40-byte prefix, 3 x 40 bytes of attributes, then the latency
# structure (base unit at +24, 3 + 3 PXMs, entries at +56): 31 x 10 ns.
[ "$(byte_at "$T/dist/hmat.dat" $((160 + 24)) 8)" = 1000 ] || t_fail "HMAT latency base unit is not 1000 ps"
[ "$(byte_at "$T/dist/hmat.dat" $((160 + 56 + 2 * 6)) 2)" = 310 ] || t_fail "HMAT latency vnode 2 -> 0 is not 310"

t_begin "plan --hmat-latency, --hmat-bandwidth: the given values in the output, the JSON and the HMAT"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --memory 3G --vcpu-nodes 0-1:0,2-3:2 \
    --vnode-memory 0,1G,2G --guest-pxms 7,3,5 --hmat-latency '70000,140000;90000,130004' \
    --hmat-bandwidth '200000,100000;4,8' --json --out "$T/hmat"
expect_rc 0
expect_out_has '    "initiators": [0, 2],
    "targets": [1, 2],
    "latency_ns": [
      [70000, 140000],
      [90000, 130004]
    ],
    "bandwidth_mbps": [
      [200000, 100000],
      [4, 8]
    ]'
# Two attribute structures (vnodes 1, 2): the latency structure at 120,
# 2 + 2 PXMs, entries at +48; base units 4 ns and 4 MB/s.
[ "$(byte_at "$T/hmat/hmat.dat" $((120 + 24)) 8)" = 4000 ] || t_fail "HMAT latency base unit is not 4000 ps"
[ "$(byte_at "$T/hmat/hmat.dat" $((120 + 48 + 2 * 3)) 2)" = 32501 ] || t_fail "HMAT latency vnode 2 -> 2 is not 32501 x 4 ns"
[ "$(byte_at "$T/hmat/hmat.dat" $((120 + 56 + 24)) 8)" = 4 ] || t_fail "HMAT bandwidth base unit is not 4 MB/s"
[ "$(byte_at "$T/hmat/hmat.dat" $((120 + 56 + 48)) 2)" = 50000 ] || t_fail "HMAT bandwidth vnode 0 -> 1 is not 50000 x 4 MB/s"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --memory 3G --vcpu-nodes 0-1:0,2-3:2 \
    --vnode-memory 0,1G,2G --hmat-latency '120,250;260,90'
expect_rc 0
expect_out_line "hmat latency in ns (rows: initiator vnodes, columns: target vnodes):" \
    "vnode    1    2" "   0:  120  250" "   2:  260   90"

# bad EXPECTED-MESSAGE PLAN-ARGS...: exit 2, exactly "vtopo plan: MESSAGE"
# on stderr, nothing on stdout, no --out directory.
bad()
{
    local msg=$1
    shift
    rm -rf "$T/bad"
    run "$VTOPO" plan "${HOST[@]}" "$@" --out "$T/bad"
    expect_rc 2
    expect_out_empty
    if [ "$ERR" != "vtopo plan: $msg" ]; then
        t_fail "stderr is '$ERR', expected 'vtopo plan: $msg'"
    fi
    expect_file_absent "$T/bad"
}

t_begin "plan: bad --guest-pxms, --distances, --hmat-* inputs exit 2 with one sentence"
bad "--guest-pxms: PXM '-1' is not a number from 0 to 4294967295" "${P3[@]}" --guest-pxms 0,-1,2
bad "--guest-pxms: PXM '4294967296' is not a number from 0 to 4294967295" "${P3[@]}" \
    --guest-pxms 0,4294967296,2
bad "--guest-pxms '0,,2': an entry is empty" "${P3[@]}" --guest-pxms 0,,2
bad "--guest-pxms: PXM 2 is given to vnodes 0 and 2 (each vnode needs its own proximity domain)" \
    "${P3[@]}" --guest-pxms 2,1,2
bad "--guest-pxms lists 2 PXMs for 3 vnodes (one per vnode, in vnode order)" "${P3[@]}" \
    --guest-pxms 0,1
bad "--guest-pxms cannot be combined with --pin-identity: with --pin-identity each vnode's guest PXM is its host PXM" \
    --vcpus 4 --pin-identity --guest-pxms 0,1
bad "--distances: empty (expected rows of comma-separated values, the rows separated by ';')" \
    "${P3[@]}" --distances ''
bad "--distances: row 1 has 2 values but row 0 has 3 (every row needs as many)" "${P3[@]}" \
    --distances '10,20,30;20,10'
bad "--distances: row 2 is empty" "${P3[@]}" --distances '10,20;20,10;'
bad "--distances: row 0, column 1 is empty" "${P3[@]}" --distances '10,,30;20,10,25;30,25,10'
bad "--distances: row 1, column 0: 'x' is not a number" "${P3[@]}" --distances '10,20;x,10'
bad "--distances: 1 rows of 3 values; the matrix must be square (a row and a column per vnode)" \
    "${P3[@]}" --distances '10,20,30'
bad "--distances: row 1, column 1 (vnode 1 to itself) is 0; the diagonal must be 10" \
    "${P3[@]}" --distances '10,20,30;20,0,25;30,25,10'
bad "--distances: row 2, column 0 (vnode 2 to vnode 0) is 10; distances between vnodes must be from 11 to 254 (Linux drops a SLIT with one of 10 or less, and 255 means unreachable)" \
    "${P3[@]}" --distances '10,20,30;20,10,25;10,25,10'
bad "--distances: row 0, column 2 (vnode 0 to vnode 2) is 255; distances between vnodes must be from 11 to 254 (Linux drops a SLIT with one of 10 or less, and 255 means unreachable)" \
    "${P3[@]}" --distances '10,20,255;20,10,25;30,25,10'
bad "--distances is a 2x2 matrix but the plan has 3 vnodes (a row and a column per vnode)" \
    "${P3[@]}" --distances '10,20;20,10'
bad "--hmat-latency: row 0, column 1 is 0; latencies must be from 1 to 4294967 ns (Linux reads an HMAT latency as a 32-bit count of picoseconds)" \
    "${P3[@]}" --hmat-latency '100,0'
bad "--hmat-latency: no unit fits every value exactly in the HMAT's 16-bit entries: the largest needs a unit of at least 2 ns, but the values' greatest common divisor is 1 ns (round them to a coarser unit)" \
    "${P3[@]}" --hmat-latency '70001,3'
bad "--hmat-latency has 1 rows but the plan has 3 initiators (vnodes with vCPUs or generic initiators: 0-2); a row per initiator, in vnode order" \
    "${P3[@]}" --hmat-latency '100,200,300'
bad "--hmat-bandwidth: row 0, column 0 is 5000000000; bandwidths must be from 1 to 4294967295 MB/s (Linux reads an HMAT bandwidth as a 32-bit number)" \
    "${P3[@]}" --hmat-bandwidth '5000000000'
bad "--hmat-bandwidth has 2 columns but the plan has 3 targets (vnodes with memory, hot-pluggable included: 0-2); a column per target, in vnode order" \
    "${P3[@]}" --hmat-bandwidth '1,2;3,4;5,6'
run "$VTOPO" plan "${HOST[@]}" "${P3[@]}" --hmat-latency
expect_rc 2
expect_err_has "vtopo plan: option '--hmat-latency' needs an argument"

HP=(--vcpus 4 --max-vcpus 6 --vnodes 2 --memory 4G --mem-layout qemu-q35)

t_begin "plan --max-vcpus, --initiator, --hotplug-memory: the output, the JSON, the tables, check"
run "$VTOPO" plan -q "${HOST[@]}" "${HP[@]}" --initiator 0000:00:04.0@2 \
    --hotplug-memory 1G@1 --out "$T/hp"
expect_rc 0
expect_out_line "plan: 4 vCPUs (+2 hot-pluggable), 4 GiB, 3 vnodes; shape 2 sockets x 1 die x 3 cores x 1 thread; APIC sdm; vendor intel" \
    "  hot-pluggable vcpus: 4-5" \
    "  hot-pluggable memory: 1024 MiB, ranges: 0x180000000-0x1bfffffff" \
    "vnode 2: guest_pxm 2, linux node 2, no pnode" "  generic initiators: 0000:00:04.0" \
    "      3        4      1        1    0     0       0     3     -" \
    "      5        6      1        1    0     2       0     5     -  hot-pluggable" \
    "   2:   20   20   10"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$T/hp/plan.json" <<'PY' || t_fail "plan.json lacks the hot-pluggable vCPUs, the initiator or the hot-pluggable range"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["vcpus"]) == 4 and len(d["hotplug_vcpus"]) == 2 and len(d["cpuid"]) == 6
assert d["hotplug_vcpus"][1] == {"vcpu": 5, "apic_id": 6, "vnode": 1, "package": 1, "die": 0,
                                 "core": 2, "thread": 0, "slot": 5, "pcpu": None}
assert d["initiators"] == [{"device": "0000:00:04.0", "segment": 0, "bus": 0, "devfn": 32,
                            "vnode": 2}]
assert d["hotplug_memory"] == [{"start": "0x180000000", "end": "0x1c0000000", "vnode": 1}]
assert d["vnodes"][1]["hotplug_cpus"] == "4-5" and d["vnodes"][2]["generic_initiators"] == 1
assert d["hmat"]["initiators"] == [0, 1, 2] and d["hmat"]["targets"] == [0, 1]
PY
fi
# SRAT: 6 LAPIC entries (48..143), the generic initiator at 144 (handle type
# 1, PXM 2, segment 0, bus 0, devfn 0x20 in byte 3 of the handle, enabled),
# memory from 176: the fourth, at 296, is the hot-pluggable range at 6 GiB,
# flags enabled | hot-pluggable.
[ "$(byte_at "$T/hp/srat.dat" 144 1)" = 5 ] || t_fail "srat.dat: no generic initiator at 144"
[ "$(byte_at "$T/hp/srat.dat" 147 1)" = 1 ] || t_fail "srat.dat: GI handle type is not PCI"
[ "$(byte_at "$T/hp/srat.dat" 148 4)" = 2 ] || t_fail "srat.dat: GI PXM is not 2"
[ "$(byte_at "$T/hp/srat.dat" 154 1)" = 0 ] || t_fail "srat.dat: GI bus is not 0"
[ "$(byte_at "$T/hp/srat.dat" 155 1)" = 32 ] || t_fail "srat.dat: GI devfn is not 0x20"
[ "$(byte_at "$T/hp/srat.dat" 168 4)" = 1 ] || t_fail "srat.dat: GI is not enabled"
[ "$(byte_at "$T/hp/srat.dat" 304 8)" = 6442450944 ] || t_fail "srat.dat: hot-pluggable range not at 6 GiB"
[ "$(byte_at "$T/hp/srat.dat" 324 4)" = 3 ] || t_fail "srat.dat: hot-pluggable range not flagged"
# MADT revision 5; vCPU 3 enabled, vCPU 4 online-capable only.
[ "$(byte_at "$T/hp/madt.dat" 8 1)" = 5 ] || t_fail "madt.dat: revision is not 5"
[ "$(byte_at "$T/hp/madt.dat" 72 4)" = 1 ] || t_fail "madt.dat: vCPU 3 is not enabled"
[ "$(byte_at "$T/hp/madt.dat" 80 4)" = 2 ] || t_fail "madt.dat: vCPU 4 is not online-capable"
# The E820 does not hold the hot-pluggable range.
grep -q 0x0000000180000000 "$T/hp/e820.txt" && t_fail "e820.txt holds the hot-pluggable range"
run "$VTOPO" check "$T/hp"
expect_rc 0
expect_out_line "  node 1: PXM 1, 1 CPU, 2048 MiB, 2 hot-pluggable CPUs, 1024 MiB hot-pluggable" \
    "  node 2: PXM 2, 0 CPUs, 0 MiB, 1 generic initiator"
expect_out_has "node.initiator_only"

t_begin "plan: a generic-initiator vnode Linux gets no node from is not called empty"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 2 --vnodes 2 --memory 2G \
    --initiator 0000:00:04.0@2 --guest-pxms 0,1,1100
expect_rc 0
expect_out_line "vnode 2: guest_pxm 1100, no linux node (Linux reads none of its SRAT entries), no pnode"

t_begin "plan: bad --max-vcpus, --initiator, --hotplug-memory inputs exit 2 with one sentence"
bad "--max-vcpus 0: must be a number from 1 to 8192" "${P3[@]}" --max-vcpus 0
bad "--max-vcpus 5 is below --vcpus 6 (it counts every vCPU the guest may have, the present ones included)" \
    "${P3[@]}" --max-vcpus 5
bad "--shape sockets=2,dies=1,cores=3,threads=1 makes 6 vCPUs but --max-vcpus is 8 (the product must equal the vCPU count, hot-pluggable ones included)" \
    "${P3[@]}" --max-vcpus 8 --shape sockets=2,cores=3
bad "--initiator '0000:00:04.0': expected DEVICE@VNODE, e.g. 0000:00:04.0@1" "${P3[@]}" \
    --initiator 0000:00:04.0
bad "--initiator '0000:00:04.8@1': '0000:00:04.8' is not a PCI address SEGMENT:BUS:DEVICE.FUNCTION in hex (4, 2, 2 and 1 digits; device up to 1f, function up to 7), e.g. 0000:00:04.0" \
    "${P3[@]}" --initiator 0000:00:04.8@1
bad "--initiator: device 0000:00:04.0 is given twice (vnodes 1 and 0); a device has one proximity domain" \
    "${P3[@]}" --initiator 0000:00:04.0@1 --initiator 0000:00:04.0@0
bad "--initiator 0000:00:04.0@4: the plan has vnodes 0-2, so a new vnode of generic initiators must be 3 (new vnodes follow without a gap)" \
    "${P3[@]}" --initiator 0000:00:04.0@4
bad "--hotplug-memory '100M@0': the size must be a non-zero multiple of 128 MiB (Linux hot-adds memory in blocks of 128 MiB)" \
    "${P3[@]}" --hotplug-memory 100M@0
bad "--hotplug-memory: vnode 3 (of range 0, 1 GiB) is not a vnode of the plan (vnodes 0-2)" "${P3[@]}" \
    --hotplug-memory 1G@3

t_begin "plan --out: a guest PXM too large for a SLIT fails whole, writes nothing"
rm -rf "$T/big"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 2 --memory 2G --guest-pxms 5000 --out "$T/big"
expect_rc 2
expect_err_has "vtopo plan: SLIT: guest PXM 5000 needs 5001 localities, more than the 4096 vtopo emits"
expect_file_absent "$T/big/plan.json"
expect_file_absent "$T/big/srat.dat"

t_begin "--vendor follows the host's CPU vendor; a non-x86 host is refused unless a vendor is given"
run "$VTOPO" plan -q --synthetic sockets=2,cores=2,vendor=amd --vcpus 4 --memory 1G
expect_rc 0
expect_out_has "vendor amd"
run "$VTOPO" plan -q --synthetic sockets=2,cores=2,vendor=amd --vcpus 4 --memory 1G --vendor intel
expect_rc 0
expect_out_has "vendor intel"
run "$VTOPO" plan --synthetic sockets=2,cores=2,vendor=arm --vcpus 4 --memory 1G
expect_rc 2
expect_err_has "the host's CPUs are arm, and vtopo plans x86 guests"
run "$VTOPO" plan --synthetic sockets=2,cores=2,vendor=arm --vcpus 4 --memory 1G --vendor amd
expect_rc 0
expect_err_has "warning: the host's CPUs are arm: this is an x86 guest's plan (--vendor amd)"

t_begin "a size without a unit is refused (bytes to vtopo, MiB to QEMU and xl); 0 needs none"
run "$VTOPO" plan "${HOST[@]}" --vcpus 2 --memory 4096
expect_rc 2
expect_err_one_line "vtopo plan: --memory: size '4096' has no unit: give one (4096M for MiB, as QEMU's -m and xl's memory= read a bare number; or K, G, T)"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 2 --vnodes 2 --memory 4G --vnode-memory 4G,0 --vnode-pnodes 0,1
expect_rc 0
run "$VTOPO" plan "${HOST[@]}" --vcpus 2 --vnodes 2 --memory 4G --vnode-memory 2048,2G
expect_rc 2
expect_err_has "size '2048' has no unit"

t_begin "fake NUMA is said: vnodes stacked on one host node, vCPUs sharing a host CPU, a guest core on host CPUs that are not siblings"
run "$VTOPO" plan -q --synthetic sockets=2,cores=4 --vcpus 4 --vnodes 3 --memory 3G
expect_rc 0
run "$VTOPO" plan --synthetic sockets=2,cores=4 --vcpus 4 --vnodes 3 --memory 3G
expect_err_has "warning: vnodes 0 and 2 are both on host node 0: the guest sees two NUMA nodes (distance 11) where the host has one"
run "$VTOPO" plan --synthetic sockets=2,cores=4 --vcpus 2 --pin 0:1,1:1 --memory 2G
expect_err_has "warning: vCPUs 0 and 1 are both pinned to host CPU 1"
# Host CPUs 0+1 and 2+3 are siblings (linear numbering): no warning; 0 and 2
# are not.
run "$VTOPO" plan --synthetic sockets=2,cores=4,threads=2 --vcpus 4 --pin 0-3:0-3 \
    --shape sockets=1,threads=2 --memory 2G
case $ERR in *warning*) t_fail "sibling pins warned: $ERR" ;; esac
run "$VTOPO" plan --synthetic sockets=2,cores=4,threads=2 --vcpus 4 --pin 0:0,1:2,2:4,3:6 \
    --shape sockets=1,threads=2 --memory 2G
expect_err_has "warning: vCPUs 0 and 1 are threads of one guest core but are pinned to host CPUs 0 and 2, which are not SMT siblings"
# A host file without a CPU topology cannot be checked, and says so.
run "$VTOPO" plan --host "$SRC/examples/hosts/demo-2s6c.json" --vcpus 4 --pin 0-3:0-3 \
    --shape sockets=1,threads=2 --memory 2G
expect_err_has "the host's SMT siblings are not known (host CPU 0's topology)"
run "$VTOPO" plan --synthetic sockets=2,cores=4 --vcpus 4 --vnodes 2 --memory 2G
case $ERR in *warning*) t_fail "a plan of real NUMA warned: $ERR" ;; esac

t_begin "plurals: one vnode, one vCPU"
run "$VTOPO" plan -q --synthetic sockets=1,cores=2 --vcpus 1 --memory 1G
expect_rc 0
expect_out_has "plan: 1 vCPU, 1 GiB, 1 vnode; shape 1 socket x 1 die x 1 core x 1 thread;"

t_begin "each vCPU's VMM slot beside its number: 2+3 vCPUs in sockets of 3 are QEMU's CPUs 0-1, 3-5"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 5 --vcpu-nodes 0-1:0,2-4:1 --memory 1G
expect_rc 0
expect_out_line "   vcpu  apic_id  vnode  package  die  core  thread  slot  pcpu" \
    "      2        4      1        1    0     0       0     3     -" \
    "      4        6      1        1    0     2       0     5     -"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 5 --vcpu-nodes 0-1:0,2-4:1 --memory 1G --json
expect_out_has '"vcpu": 2, "apic_id": 4, "vnode": 1, "package": 1, "die": 0, "core": 0, "thread": 0, "slot": 3,'

t_begin "one map syntax: VCPUS@VNODE as well as VCPUS:VNODE, SIZE:VNODE as well as SIZE@VNODE"
"$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:1 --memory 2G \
    --hotplug-memory 1G@1 --json >"$T/colon.json" 2>/dev/null
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1@0,2-3@1 --memory 2G \
    --hotplug-memory 1G:1 --json
expect_rc 0
[ "$(cat "$T/colon.json")" = "$OUT" ] || t_fail "the '@' map plans differently from the ':' one"
"$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --pin 0-3:0-3 --memory 2G --json >"$T/pin.json" 2>/dev/null
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --pin 0-3@0-3 --memory 2G --json
expect_rc 0
[ "$(cat "$T/pin.json")" = "$OUT" ] || t_fail "--pin with '@' plans differently"

vt_finish
