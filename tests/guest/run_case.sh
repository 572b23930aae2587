#!/bin/bash
# One guest-boot case of `vtopo verify` (label guest): plan a layout on the
# demo host, boot Debian's cloud kernel under QEMU with it, and require the
# verdict the case names. Usage: run_case.sh VTOPO SRCDIR CASE
# A guest that cannot boot (no kernel, no QEMU) fails the case with verify's
# reason: nothing here skips.
set -u

VTOPO=$1
SRC=$2
CASE=$3
HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
Q35=(--mem-layout qemu-q35)

T=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-guest.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT

fail()
{
    echo "FAIL $CASE: $*" >&2
    # What the probe noted (a vector it could not read, a controller not
    # live) is the lead.
    [ -f "$T/keep/console.log" ] && grep -a 'VTP note' "$T/keep/console.log" >&2
    exit 1
}

# Overwrite one byte of a file (decimal value).
patch_byte()
{
    printf "$(printf '\\%03o' "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Recompute an ACPI table's checksum (byte 9): all bytes sum to 0 mod 256.
fix_checksum()
{
    local sum
    patch_byte "$1" 9 0
    sum=$(od -An -v -tu1 "$1" | tr -s ' ' '\n' | awk '{ s += $1 } END { print s % 256 }')
    patch_byte "$1" 9 $(((256 - sum) % 256))
}

# Run verify; its report is in $T/out, the console in $T/keep/console.log.
verify()
{
    "$VTOPO" verify -q "${HOST[@]}" "${Q35[@]}" --keep "$T/keep" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    cat "$T/out"
    if [ -s "$T/err" ]; then
        echo "--- stderr:"
        cat "$T/err"
    fi
}

# Expect a match with the plan (exit 0).
expect_match()
{
    verify "$@"
    [ "$RC" = 0 ] || fail "verify exited $RC, expected 0 (a match)"
    grep -q '^verdict: the guest matches the plan' "$T/out" || fail "no matching verdict"
}

# Expect the guest to do what `vtopo check` predicted for broken tables, with
# the kernel's own words for it in the console.
expect_check_match()
{
    local want_row=$1 log_line=$2
    shift 2
    verify "$@"
    [ "$RC" = 0 ] || fail "verify exited $RC, expected 0 (the guest does what check predicted)"
    grep -q "^verdict: the guest matches the check's prediction" "$T/out" || fail "no verdict"
    grep -Eq "$want_row" "$T/out" || fail "no row matching '$want_row'"
    grep -q "$log_line" "$T/keep/console.log" || fail "the guest log lacks '$log_line'"
}

case $CASE in
npot-2x3)
    expect_match --vcpus 6 --vnodes 2 --shape sockets=2,cores=3 --memory 1G
    ;;
npot-3x5)
    expect_match --vcpus 15 --vnodes 3 --shape sockets=3,cores=5 --memory 1536M
    ;;
unbalanced)
    # 2 + 3 vCPUs: QEMU's -smp prefix holds 2, the rest are -device CPUs.
    expect_match --vcpus 5 --vcpu-nodes 0-1:0,2-4:1 --memory 1G
    ;;
two-sockets-one-vnode)
    expect_match --vcpus 6 --vcpu-nodes 0-3:0,4-5:1 --shape sockets=3,cores=2 --memory 1G
    ;;
vnode-inside-socket)
    # One socket, two dies, a vnode per die: the LLC (QEMU: per die) stays
    # inside a vnode while the package spans both.
    expect_match --vcpus 6 --vnodes 2 --shape sockets=1,dies=2,cores=3 --allow-package-span \
        --memory 1G
    ;;
memory-only-vnode)
    expect_match --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 --vnode-memory 1G,512M,512M --memory 2G
    ;;
memoryless-vnode)
    expect_match --vcpus 4 --vnodes 2 --vnode-memory 1G,0 --memory 1G
    ;;
device-vnode1)
    # The demo host's 0000:5e:00.0 is on its node 1, so on vnode 1 (a
    # passed-through device: an emulated NVMe controller stands in for it),
    # with a spare root port on each vnode.
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0 --spare-slots 1
    # Expanders from bus 255 down: vnode 1's at 0xfd (2 ports), its first
    # port's bus 0xfe; vnode 0's at 0xfb (1 spare port).
    grep -Eq '^  pci 0000:fe:00.0 node +1 +1 +ok' "$T/out" || fail "no row for the device"
    ;;
devices-three-vnodes)
    # Host node 1 backs vnodes 1 and 2: 5e:00.0 goes to vnode 1 (the fewer
    # devices), 00:1f.2 has no host node and is placed on vnode 2 by hand.
    expect_match --vcpus 6 --vnodes 3 --vnode-pnodes 0,1,1 --memory 1536M \
        --device 0000:3b:00.0,model=virtio-net,queues=2 --device 0000:5e:00.0 \
        --device 0000:00:1f.2@2,model=virtio-blk
    [ "$(grep -Ec '^  pci [0-9a-f:.]+ node +([0-2]) +\1 +ok' "$T/out")" = 3 ] ||
        fail "expected three devices on their nodes"
    ;;
device-memoryless-vnode)
    expect_match --vcpus 4 --vnodes 2 --vnode-memory 1G,0 --memory 1G \
        --device 0000:5e:00.0,model=nvme,queues=2
    grep -Eq '^  pci [0-9a-f:.]+ node +1 +1 +ok' "$T/out" || fail "no device on node 1"
    ;;
device-cpuless-vnode)
    # vnode 1 has memory and no vCPU: its node is online, the device's
    # local_cpulist empty (the probe prints "-").
    expect_match --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 --vnode-memory 1G,512M,512M --memory 2G \
        --device 0000:5e:00.0@1,model=nvme
    grep -Eq '^  pci [0-9a-f:.]+ local cpus +\(none\) +\(none\) +ok' "$T/out" ||
        fail "no device with no local CPUs"
    ;;
device-unknown-host-node)
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:00:1f.2@1,model=virtio-net
    grep -Eq '^  pci [0-9a-f:.]+ node +1 +1 +ok' "$T/out" || fail "no device on node 1"
    ;;
device-hot-remove)
    # Two devices; QMP device_del removes one while the guest runs (PCIe
    # native hot-plug); the probe runs again: the other is where it was, the
    # removed one is gone from its root port's bus.
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0 \
        --device 0000:3b:00.0,model=virtio-net --hot-remove 0000:3b:00.0
    grep -q '^after the hot-remove of 0000:3b:00.0 (QMP):' "$T/out" || fail "no second probe"
    grep -Eq '^  after: pci 0000:ff:00.0 node +1 +1 +ok' "$T/out" || fail "the other device moved"
    ! grep -q '^  after: pci 0000:fd:00.0' "$T/out" || fail "the removed device is still predicted"
    ;;
device-hot-add)
    # A spare root port on each vnode; QMP device_add puts a device on
    # vnode 0's spare port, where the guest must see it on node 0.
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0 --spare-slots 1 \
        --hot-add 0000:3b:00.0,model=virtio-net
    grep -Eq '^  after: pci 0000:fc:00.0 node +0 +0 +ok' "$T/out" || fail "no hot-added device"
    grep -Eq '^  after: pci 0000:fe:00.0 node +1 +1 +ok' "$T/out" || fail "the first device moved"
    ;;
irq-nvme-possible9)
    # The issue's guest: 2 vnodes of 2 vCPUs, possible_cpus=9, an NVMe with 6
    # I/O queues on vnode 1: the kernel's managed masks 2,4 3,6 0,8 1 5 7,
    # as `vtopo irq predict` says (node 1 first: the kernel's heapsort).
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0,model=nvme,queues=6 \
        --append possible_cpus=9
    for want in "1 cpus +2,4 +2,4" "2 cpus +3,6 +3,6" "3 cpus +0,8 +0,8" "4 cpus +1 +1" \
        "5 cpus +5 +5" "6 cpus +7 +7"; do
        grep -Eq "^  pci 0000:ff:00.0 vector $want +ok" "$T/out" || fail "no row '$want'"
    done
    ;;
irq-nvme-unbalanced)
    # Three unbalanced vnodes (1, 3 and 2 vCPUs, two on host node 1), two
    # NVMe stand-ins with a queue per possible CPU (TCG: possible_cpus=9).
    expect_match --vcpus 6 --vnode-pnodes 0,1,1 --memory 1536M --vcpu-nodes 0:0,1-3:1,4-5:2 \
        --device 0000:5e:00.0,model=nvme --device 0000:3b:00.0
    [ "$(grep -Ec '^  pci [0-9a-f:.]+ vector [0-9]+ cpus .* ok$' "$T/out")" -ge 12 ] ||
        fail "expected the managed vectors of both devices"
    ;;
irq-nvme-fewer-queues)
    # Fewer queues than CPUs: 2 I/O queues over 6 vCPUs of 2 vnodes, a
    # node each.
    expect_match --vcpus 6 --vnodes 2 --memory 1G --device 0000:3b:00.0,model=nvme,queues=2
    grep -Eq '^  pci [0-9a-f:.]+ managed vectors +2 +2 +ok' "$T/out" || fail "not 2 vectors"
    ;;
irq-apply-restore)
    # vtopo itself in the guest: irq plan, irq apply --yes (the NVMe's admin
    # vector and its root port's onto vnode 1's CPUs, read back after the
    # controller's admin commands fired them), irq restore (all as before).
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0,model=nvme --irq-apply
    grep -Eq '^  irq applied [0-9a-f:.]+ vector 0 cpus +[23] +[23] +ok$' "$T/out" ||
        fail "the NVMe's admin vector was not applied onto vnode 1"
    grep -Eq '^  irq applied vectors now delivered there +1 or more +[1-9][0-9]* of' "$T/out" ||
        fail "no applied vector was delivered on its new CPU"
    grep -Eq '^  irq restore in the guest +0 failed +[1-9][0-9]* written, 0 failed +ok$' \
        "$T/out" || fail "irq restore wrote nothing back"
    ;;
irq-hot-remove-replan)
    # Two NVMe devices, one per vnode; vtopo irq plan and apply --yes in the
    # guest, then QMP device_del of one: the other's vectors keep their
    # applied CPUs and vtopo irq plan --previous in the guest moves nothing.
    expect_match --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0,model=nvme \
        --device 0000:3b:00.0 --hot-remove 0000:3b:00.0 --irq-apply
    grep -Eq '^  after: irq re-plan in the guest +0 moved, 0 placed, 1\+ dropped +0 moved, 0 placed, [1-9][0-9]* dropped +ok$' \
        "$T/out" || fail "the re-plan after the hot-remove moved or placed vectors"
    [ "$(grep -Ec '^  after: irq 0000:ff:00.0 vector [0-9]+ cpus .* ok$' "$T/out")" -ge 2 ] ||
        fail "the other device's vectors were not compared after the hot-remove"
    ! grep -q '^  after: irq 0000:fd:00.0' "$T/out" || fail "the removed device's vectors remain"
    ;;
irq-isolcpus)
    # vtopo emit --isolcpus's parameters: 6 vCPUs on 2 vnodes, an NVMe with
    # 2 I/O queues (masks 0-2,6,8 and 3-5,7), vCPUs 1-2 and 4-5 isolated:
    # each managed vector fires on its mask's one housekeeping vCPU (0, 3;
    # without the isolation the second fired on 5), the admin queue on
    # irqaffinity's 0,3 narrowed to the node of CPU 0.
    expect_match --vcpus 6 --vnodes 2 --memory 1G --device 0000:3b:00.0,model=nvme,queues=2 \
        --isolcpus 1-2,4-5
    grep -q 'Command line: .*isolcpus=managed_irq,domain,1-2,4-5 irqaffinity=0,3' \
        "$T/keep/console.log" || fail "the guest was not booted with the isolation"
    for want in "0 fires on 0 +0" "1 fires on 0 +0" "2 fires on 3 +3"; do
        grep -Eq "^  pci [0-9a-f:.]+ vector $want +ok\$" "$T/out" || fail "no row 'vector $want'"
    done
    ;;
irq-nvme-four-vnodes)
    # 4 vnodes of 1 vCPU, possible_cpus=6: nodes without CPUs in the second
    # pass sort first (the kernel compares CPU counts as an int difference),
    # which puts q5 on 5 and q6 on 4.
    expect_match --vcpus 4 --vnodes 4 --memory 1G --device 0000:5e:00.0,model=nvme,queues=6 \
        --append possible_cpus=6
    for want in "5 cpus +5 +5" "6 cpus +4 +4"; do
        grep -Eq "^  pci [0-9a-f:.]+ vector $want +ok\$" "$T/out" || fail "no row 'vector $want'"
    done
    ;;
irq-nvme-more-queues)
    # (Not in make check yet: see tests/guest/CMakeLists.txt.) More queues than CPUs: 16 asked of 6 vCPUs on 2 vnodes; the driver
    # takes one per possible CPU (6, or 9 under TCG's possible_cpus=9), and
    # every mask is the prediction's.
    expect_match --vcpus 6 --vnodes 2 --memory 1G --device 0000:3b:00.0,model=nvme,queues=16
    grep -Eq '^  pci [0-9a-f:.]+ managed vectors +(6|9) +(6|9) +ok' "$T/out" ||
        fail "not one queue per possible CPU"
    ;;
devices-sparse-pxms)
    # Our SRAT with PXMs 0, 2, 5 (QEMU's acpi mode has no -numa nodes, so
    # our SSDT gives each expander's host bridge its _PXM); three devices,
    # one on each node.
    expect_match --numa acpi --vcpus 6 --vnodes 3 --guest-pxms 0,2,5 --memory 1536M \
        --device 0000:5e:00.0 --device 0000:3b:00.0,model=virtio-net \
        --device 0000:00:1f.2@2,model=virtio-blk
    grep -Eq '^  node 2 pxm +5 +5 +ok' "$T/out" || fail "no node of PXM 5"
    [ "$(grep -Ec '^  pci [0-9a-f:.]+ node +([0-2]) +\1 +ok' "$T/out")" = 3 ] ||
        fail "expected three devices on their nodes"
    ;;
sparse-pxms)
    expect_match --numa acpi --vcpus 6 --vnodes 3 --guest-pxms 0,2,5 --memory 1536M
    ;;
eight-vnodes)
    expect_match --vcpus 8 --vnodes 8 --memory 2G
    ;;
asymmetric-distances)
    expect_match --vcpus 6 --vnodes 3 --distances '10,20,30;25,10,20;30,22,10' --memory 1536M
    ;;
above-4g)
    # q35 puts 2 GiB below the PCI hole and the rest above 4 GiB.
    expect_match --vcpus 4 --vnodes 2 --memory 6G
    ;;
our-madt)
    expect_match --vcpus 6 --vnodes 2 --shape sockets=2,cores=3 --memory 1G --madt
    grep -q 'ACPI: BIOS bug: multiple APIC/MADT found, using 2' "$T/keep/console.log" ||
        fail "the guest did not use our MADT"
    ;;
hmat)
    expect_match --numa acpi --vcpus 4 --vnodes 2 --memory 1G --hmat-latency '90,200;200,90' \
        --hmat-bandwidth '40000,20000;20000,40000'
    grep -Eq 'node 0 read latency +90 +90 +ok' "$T/out" || fail "node 0's HMAT latency"
    ;;
hotplug-and-gi)
    # 2 of 4 vCPUs present (vnode 1's two are online-capable in our MADT, so
    # vnode 1 boots with memory and no CPU), 1 GiB of hot-pluggable memory in
    # vnode 1, and a PCI generic initiator as a node of its own: Linux counts
    # the hotplug CPUs, logs the hotplug range, and onlines the GI's node as
    # memory-less with has_generic_initiator. (APIC IDs 0 and 1: no TCG
    # possible_cpus workaround to hide the count.)
    expect_match --vcpus 2 --max-vcpus 4 --vnodes 2 --memory 2G \
        --hotplug-memory 1G@1 --initiator 0000:00:04.0@2 --madt
    grep -q 'smpboot: Allowing 4 CPUs, 2 hotplug CPUs' "$T/keep/console.log" ||
        fail "the guest did not count 2 hotplug CPUs"
    grep -Eq 'ACPI: SRAT: Node 1 PXM 1 \[mem 0x100000000-0x13fffffff\] hotplug' \
        "$T/keep/console.log" || fail "the guest did not log the hotplug range"
    grep -Eq '^  generic initiator nodes +2 +2 +ok' "$T/out" || fail "no generic initiator row"
    ;;
hotplug-memory-only-vnode)
    # A vnode with nothing but hot-pluggable memory takes a node id (2) but
    # stays offline until the memory is added.
    expect_match --numa acpi --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 --vnode-memory 1G,0,1G --memory 2G \
        --hotplug-memory 512M@1
    grep -Eq '^  nodes +2 +2 +ok' "$T/out" || fail "the hotplug-only node is online"
    ;;
hotplug-cpu-only-vnode)
    # A vnode with nothing but hot-pluggable vCPUs: Linux "initializes" its
    # node as memory-less (init_cpu_to_node walks the possible CPUs) but does
    # not bring it online, as check's node.hotplug_only note says; the
    # prediction (model/linux, linux_node_online_at_boot) has one node.
    expect_match --vcpus 2 --max-vcpus 4 --vcpu-nodes 0-1:0,2-3:1 --vnode-memory 2G,0 \
        --memory 2G --madt
    grep -Eq '^  nodes +1 +1 +ok' "$T/out" || fail "the node of hot-pluggable vCPUs is online"
    grep -q 'Initializing node 1 as memoryless' "$T/keep/console.log" ||
        fail "Linux did not initialize the node of the hot-pluggable vCPUs"
    ;;
plan-dir)
    # A plan directory handed to verify, no plan options beside --plan; the
    # --keep directory verify leaves is a plan directory too.
    "$VTOPO" plan -q "${HOST[@]}" "${Q35[@]}" --vcpus 4 --vnodes 2 --memory 1G --out "$T/plan" ||
        fail "plan --out failed"
    "$VTOPO" verify -q --plan "$T/plan" --keep "$T/keep" >"$T/out" 2>"$T/err"
    RC=$?
    cat "$T/out" "$T/err"
    [ "$RC" = 0 ] || fail "verify --plan exited $RC"
    grep -q '^verdict: the guest matches the plan' "$T/out" || fail "no matching verdict"
    "$VTOPO" emit qemu -q --plan "$T/keep" >/dev/null ||
        fail "the --keep directory is not a plan directory"
    ;;
amd-2x3)
    # AMD CPUID: Linux takes the die id from 0x8000001E's NodeId.
    expect_match --vcpus 6 --vnodes 2 --shape sockets=2,cores=3 --memory 1G --vendor amd
    ;;
qemu-native)
    # QEMU builds the SRAT and SLIT from -numa options: its encoding of the
    # plan must give the same guest.
    expect_match --vcpus 6 --vnodes 2 --shape sockets=2,cores=3 --memory 1G --numa native
    ;;
qemu-native-hotplug)
    # QEMU's own SRAT with hot-pluggable vCPUs (slots 2-3, vnode 1) and
    # memory: one range over its whole device-memory region in its last node
    # (1.5 GiB + 1 GiB of alignment per slot), as verify predicts for QEMU.
    expect_match --vcpus 2 --max-vcpus 4 --vnodes 2 --memory 2G --hotplug-memory 1G@1,512M@1 \
        --numa native
    grep -Eq '^  node 1 SRAT memory +.*100000000-1dfffffff' "$T/out" ||
        fail "QEMU's device-memory range is not the one predicted"
    ;;
mismatch-llc)
    # A vnode boundary inside a single-die socket: QEMU reports one L3 for the
    # whole die, the plan an LLC inside each vnode. verify must say so.
    verify --vcpus 6 --vnodes 2 --shape sockets=1,cores=6 --allow-package-span --memory 1G \
        --draw "$T/verify.svg"
    [ "$RC" = 1 ] || fail "verify exited $RC, expected 1 (the LLC differs)"
    # --draw: both guests side by side, the disagreeing rows in red.
    xmllint --noout "$T/verify.svg" || fail "verify --draw wrote no well-formed SVG"
    grep -q '<text class="bad" [^>]*>cpu 0 LLC shared with: ' "$T/verify.svg" ||
        fail "verify --draw does not list the LLC mismatch"
    verify --vcpus 6 --vnodes 2 --shape sockets=1,cores=6 --allow-package-span --memory 1G \
        --mismatches-only
    [ "$RC" = 1 ] || fail "verify --mismatches-only exited $RC, expected 1"
    grep -q 'MISMATCH$' "$T/out" || fail "--mismatches-only printed no mismatch"
    ! grep -q ' ok$' "$T/out" || fail "--mismatches-only printed rows that match"
    grep -Eq '^  cpu 0 LLC shared with +0-1 +0-5 +MISMATCH' "$T/out" ||
        grep -Eq '^  cpu 0 LLC shared with .*MISMATCH' "$T/out" || fail "no LLC mismatch row"
    ;;
pxm-above-255)
    # PXM 300: a node on a distribution kernel (NODES_SHIFT 10: MAX_PXM_DOMAINS
    # 1024), as vtopo check predicts; a 256-PXM model would say the SRAT is
    # dropped. Through --table: QEMU's -acpitable cannot carry the plan's own
    # 301-locality SLIT (64 KiB at most), so the SLIT is the 0,1 plan's.
    "$VTOPO" plan -q "${HOST[@]}" "${Q35[@]}" --vcpus 4 --vnodes 2 --memory 1G --guest-pxms 0,300 \
        --out "$T/p300" >/dev/null || fail "plan"
    expect_check_match '^  node 1 pxm +300 +300 +ok' 'SRAT: PXM 300 -> APIC 0x02 -> Node 1' \
        --vcpus 4 --vnodes 2 --memory 1G --table "$T/p300/srat.dat"
    ;;
negative-coverage-hole)
    # An SRAT planned for 512 MiB in a 1 GiB guest.
    "$VTOPO" plan -q "${HOST[@]}" "${Q35[@]}" --vcpus 4 --vnodes 2 --memory 512M --out "$T/small" \
        >/dev/null || fail "plan"
    expect_check_match '^  SRAT +not used +not used +ok' 'No NUMA configuration found' \
        --vcpus 4 --vnodes 2 --memory 1G --table "$T/small/srat.dat"
    ;;
require-numa)
    # The same broken SRAT: the guest does what check predicted (one node),
    # which --require-numa fails, as a CI gate must; --json says so too.
    "$VTOPO" plan -q "${HOST[@]}" "${Q35[@]}" --vcpus 4 --vnodes 2 --memory 512M --out "$T/small" \
        >/dev/null || fail "plan"
    verify --vcpus 4 --vnodes 2 --memory 1G --table "$T/small/srat.dat" --require-numa
    [ "$RC" = 1 ] || fail "verify --require-numa exited $RC, expected 1"
    grep -q '^verdict: the guest has 1 node where the plan has 2 (--require-numa)' "$T/out" ||
        fail "no --require-numa verdict"
    verify --vcpus 4 --vnodes 2 --memory 1G --table "$T/small/srat.dat" --require-numa --json
    [ "$RC" = 1 ] || fail "verify --json exited $RC, expected 1"
    grep -q '"verdict": "numa lost"' "$T/out" || fail "no JSON verdict"
    grep -q '"guest_nodes": 1,' "$T/out" || fail "no JSON guest_nodes"
    ;;
negative-invalid-slit)
    "$VTOPO" plan -q "${HOST[@]}" "${Q35[@]}" --vcpus 4 --vnodes 2 --memory 1G --out "$T/p" \
        >/dev/null || fail "plan"
    patch_byte "$T/p/slit.dat" 44 20 # entry [0][0] = 20: not 10
    fix_checksum "$T/p/slit.dat"
    expect_check_match '^  SLIT +not used +not used +ok' 'SLIT table looks invalid' \
        --vcpus 4 --vnodes 2 --memory 1G --table "$T/p/slit.dat"
    grep -Eq '^  node 0 distances +10 20 +10 20 +ok' "$T/out" || fail "no 10/20 distances"
    ;;
negative-hmat-missing-domain)
    # An HMAT describing 3 memory domains given with a 2-domain SRAT.
    "$VTOPO" plan -q "${HOST[@]}" "${Q35[@]}" --vcpus 6 --vnodes 3 --memory 1536M --out "$T/p3" \
        >/dev/null || fail "plan"
    expect_check_match '^  HMAT +not used +not used +ok' 'acpi/hmat: Ignoring: Invalid table' \
        --vcpus 4 --vnodes 2 --memory 1G --table "$T/p3/hmat.dat"
    ;;
*)
    fail "unknown case"
    ;;
esac
echo "PASS $CASE"
