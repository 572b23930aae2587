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
opts=$(sed -n 's/^ *{"\([a-z-]*\)", \(no\|required\)_argument.*/\1/p' "$SRC/tools/vtopo/cmd_plan.c")
[ -n "$opts" ] || t_fail "could not read the getopt table (test defect)"
for o in $opts fsroot host synthetic acpi; do
    expect_out_has "--$o"
done

t_begin "vtopo --help lists plan"
run "$VTOPO" --help
expect_rc 0
expect_out_has "  plan "

t_begin "plan: QEMU's APIC IDs for 2 sockets x 3 cores (0,1,2,4,5,6)"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --mem-layout qemu-q35
expect_rc 0
expect_out_has "shape 2 socket(s) x 1 die(s) x 3 core(s) x 1 thread(s)"
expect_out_line "      5        6      1        1    0     2       0     -"
expect_out_line "vnode 1: guest_pxm 1, linux node 1, pnode 1 (host pxm 1)"
expect_out_line "   0:   10   21"
expect_out_line "  0x0000000000100000-0x000000007fffffff usable"

t_begin "plan: Xen encoding, 49 vCPUs split 25/24"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 49 --memory 4G --vnodes 2 --apic xen \
    --vnode-pnodes 0,0
expect_rc 0
expect_out_line "     24       48      0        0    0    24       0     -"
expect_out_line "     25       64      1        1    0     0       0     -"
expect_out_line "     48      110      1        1    0    23       0     -"
expect_out_line "   0:   10   11"

t_begin "plan --json: the layout, one line per vCPU, with CPUID"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2 --json
expect_rc 0
expect_out_has '"format": "vtopo-plan"' '"apic_encoding": "sdm"' '"cpuid": ['
expect_out_line '    {"vcpu": 3, "apic_id": 4, "vnode": 1, "package": 1, "die": 0, "core": 0, "thread": 0, "pcpu": null},'
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

vt_finish
