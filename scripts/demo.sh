#!/usr/bin/env bash
# `make demo`: vtopo's main job on the embedded example host
# (examples/hosts/demo-2s6c.json), then on this machine and on a what-if.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
vtopo=$top/$build/vtopo
out=$top/demo-out
host=$top/examples/hosts/demo-2s6c.json
mkdir -p "$out"

step() { printf '\n==> %s\n' "$*"; }

step "vtopo host --host examples/hosts/demo-2s6c.json"
"$vtopo" host --host "$host"

step "save it again and reload it: the host file round-trips byte for byte"
"$vtopo" host --host "$host" --save "$out/host.json" --json >"$out/host-printed.json"
"$vtopo" host --host "$out/host.json" --json >"$out/host-reloaded.json"
cmp "$out/host-printed.json" "$out/host-reloaded.json"
echo "ok: $out/host.json"

guest=(--host "$host" --vcpus 6 --vnodes 2 --memory 4G --mem-layout qemu-q35)

step "plan a non-power-of-two guest on it: 6 vCPUs over 2 vnodes (3 cores each), 4 GiB, QEMU q35"
"$vtopo" plan "${guest[@]}" --out "$out/plan"
echo "wrote $out/plan: plan.json host.json cpuid.txt e820.txt srat.dat slit.dat madt.dat hmat.dat"

step "check its tables the way Linux will read them"
"$vtopo" check "$out/plan"

step "the QEMU arguments that build this guest with our tables"
# (beside the plan directory, which holds the plan's files only: a second
# run replaces it as a whole)
"$vtopo" emit qemu "${guest[@]}" --numa acpi --tables "$out/plan" --hmat --madt \
    >"$out/qemu.args"
cat "$out/qemu.args"
echo "wrote $out/qemu.args (the guest kernel needs acpi_apic_instance=2 for our MADT)"

step "draw it: the vnodes beside the host nodes that back them, and the memory map"
"$vtopo" draw plan --plan "$out/plan"
"$vtopo" draw plan --plan "$out/plan" --svg --out "$out/plan.svg"
echo "wrote $out/plan.svg (open it in a browser)"

step "verify it in a real guest: boot Linux under QEMU and compare what it sees with the plan"
"$vtopo" verify "${guest[@]}" --madt --out "$out/verify"

step "a bigger guest in Xen's vNUMA encoding: 49 vCPUs split 25/24"
"$vtopo" plan -q --host "$host" --vcpus 49 --vnodes 2 --memory 8G --apic xen --vnode-pnodes 0,1 |
    sed -n '1,20p'
echo "  ..."

step "this machine (live /sys)"
"$vtopo" host

step "a what-if: 2 sockets x 2 sub-NUMA nodes, 12 cores x 2 threads per socket"
"$vtopo" host --synthetic sockets=2,nodes-per-socket=2,cores=12,threads=2,mem=256G,distances=10:12:32

echo
echo "demo done; outputs in $out"
