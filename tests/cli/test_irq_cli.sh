#!/usr/bin/env bash
# `vtopo irq` through the CLI: show, plan, apply and restore on an --fsroot
# dump built here (proc/interrupts in both chip forms, proc/irq/N/, debugfs),
# predict on a host and on a plan directory (the kernel's spreading itself
# is tests/unit/test_irq_spread.c and the guest cases irq-*), and every
# refusal with exit 2 and one sentence.
#
# Usage: test_irq_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

# 2 nodes of 2 cores x 2 threads (CPUs 0-3 node 0, 4-7 node 1), CPUs 2-3
# isolated, an NVMe with 5 vectors on node 1 (0000:01:00.0).
SYN=(--synthetic sockets=2,cores=2,threads=2,isolated=2-3,devices=nvme@1:5)

t_begin "irq predict on a host: node by node, SMT siblings together, the device's node counted"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 5 --pre 1 --device 0000:01:00.0
expect_rc 0
expect_out_line \
    "irq predict: 5 vectors (1 pre, 0 post), on the host: possible CPUs 0-7, present 0-7" \
    "       0  no       0-7                   0-1" \
    "       1  yes      4-5                   1" \
    "       2  yes      6-7                   1" \
    "       3  yes      0-1                   0" \
    "       4  yes      2-3                   0"
expect_out_has "device 0000:01:00.0 is on node 1: 2 of 4 managed vectors reach a CPU of it"
expect_err_has "managed vectors reach isolated or nohz_full CPUs 2-3" "isolcpus=managed_irq,domain,2-3 irqaffinity=0-1,4-7"
t_end

t_begin "irq predict --quiet drops the warning; --json says the same"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 5 --pre 1 --device 0000:01:00.0 --json -q
expect_rc 0
expect_err_empty
expect_out_has '{"vector": 1, "managed": true, "cpus": "4-5", "nodes": "1", "fires": "4-5"}' \
    '"isolated_reached": "2-3"' '"managed_on_node": 2'
if command -v python3 >/dev/null; then
    printf '%s\n' "$OUT" | python3 -m json.tool >/dev/null || t_fail "not JSON"
fi
t_end

t_begin "irq predict: sets and post vectors"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 8 --pre 1 --post 1 --sets 4,2 -q
expect_rc 0
expect_out_line "       0  no       0-7                   0-1" \
    "       7  no       0-7                   0-1"
[ "$(printf '%s\n' "$OUT" | grep -c '  yes  ')" = 6 ] || t_fail "expected 6 managed vectors"
t_end

t_begin "irq predict on a plan directory: the issue's guest (possible_cpus=9)"
run "$VTOPO" plan -q --host "$SRC/examples/hosts/demo-2s6c.json" --vcpus 4 --vnodes 2 \
    --memory 1G --mem-layout qemu-q35 --device 0000:5e:00.0,model=nvme --out "$T/plan"
expect_rc 0
run "$VTOPO" irq predict --plan "$T/plan" --possible-cpus 9 --vectors 7 --pre 1 \
    --device 0000:5e:00.0
expect_rc 0
expect_out_line "irq predict: 7 vectors (1 pre, 0 post), in the guest: possible CPUs 0-8, present 0-3" \
    "       1  yes      2,4                   0-1" \
    "       2  yes      3,6                   0-1" \
    "       3  yes      0,8                   0" \
    "       4  yes      1                     0" \
    "       5  yes      5                     1" \
    "       6  yes      7                     1"
t_end

t_begin "irq predict --isolcpus: where each vector fires under isolcpus=managed_irq and irqaffinity"
# A guest booted this way (guest case irq-isolcpus) showed these CPUs.
run "$VTOPO" irq predict --host "$SRC/examples/hosts/demo-2s6c.json" --vcpus 6 --vnodes 2 \
    --memory 1G --possible-cpus 9 --vectors 3 --pre 1 --isolcpus 1-2,4-5
expect_rc 0
expect_out_line "  vector  managed  cpus                  nodes      fires" \
    "       0  no       0,3                   0-1        0" \
    "       1  yes      0-2,6,8               0          0" \
    "       2  yes      3-5,7                 1          3" \
    "booted with isolcpus=managed_irq,domain,1-2,4-5 irqaffinity=0,3: 2 managed vectors whose mask holds an isolated CPU fire on a housekeeping CPU of it instead"
expect_err_empty
# The issue's guest: vectors 5 and 6 have no present CPU; 1 and 2 only
# isolated ones (best effort: warned).
run "$VTOPO" irq predict --plan "$T/plan" --possible-cpus 9 --vectors 7 --pre 1 --isolcpus 2-3
expect_rc 0
expect_out_line "       1  yes      2,4                   0-1        2" \
    "       5  yes      5                     1          (none)"
expect_err_has "managed vectors still fire on isolated CPUs 2-3"
run "$VTOPO" irq predict --plan "$T/plan" --possible-cpus 9 --vectors 7 --pre 1 --isolcpus 2-3 \
    --json -q
expect_rc 0
expect_out_has '"boot_options": "isolcpus=managed_irq,domain,2-3 irqaffinity=0-1"' \
    '{"vector": 3, "managed": true, "cpus": "0,8", "nodes": "0", "fires": "0"}'
expect_err_empty
for iso in 0-1 4 0-3 x; do
    run "$VTOPO" irq predict --plan "$T/plan" --vectors 7 --pre 1 --isolcpus "$iso"
    expect_rc 2
    expect_out_empty
    expect_err_has "vtopo irq: --isolcpus $iso"
done
t_end

t_begin "irq predict: each refusal is one sentence and exit 2"
for args in "--vectors 0" "--vectors 2049" "--vectors 4 --pre 5" "--vectors 4 --pre 2 --post 3" \
    "--vectors 4 --sets 0" "--vectors 4 --sets 2,,1" "--vectors 4 --sets 2," \
    "--vectors 4 --sets 3,3" "--vectors 4 --possible-cpus 9" \
    "--vectors 4 --device 0000:09:00.0" "--pre 1" "--vectors 4 stray"; do
    # shellcheck disable=SC2086
    run "$VTOPO" irq predict "${SYN[@]}" $args
    expect_rc 2
    expect_out_empty
    case $ERR in "vtopo irq: "*) ;; *) t_fail "stderr should start with 'vtopo irq: '" ;; esac
    [ "$(printf '%s\n' "$ERR" | grep -vc "^Try 'vtopo irq --help'")" = 1 ] || t_fail "not one sentence"
done
t_end

t_begin "irq predict: pre and post vectors taking them all leave none managed (the kernel's rule)"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 4 --pre 2 --post 2
expect_rc 0
[ "$(printf '%s\n' "$OUT" | grep -c '  no       0-7  ')" = 4 ] || t_fail "expected 4 unmanaged vectors"
run "$VTOPO" irq predict --plan "$T/plan" --vectors 4 --device 0000:3b:00.0
expect_rc 2
expect_err_has "not a device of the plan"
run "$VTOPO" irq
expect_rc 2
expect_err_has "missing the subcommand"
run "$VTOPO" irq frobnicate
expect_rc 2
expect_err_has "unknown subcommand 'frobnicate'"
t_end

# The dump: vt_make_fsroot's CPUs 0-1 (node 0) and 2-3 (node 1), cores
# 0-1 and 2-3; 0000:00:01.0 on node 1 with msi_irqs 24 and 25 (the global
# PCI-MSI domain: hwirq = devfn 8 << 11 | index), 0000:00:02.0 of no node
# with three MSI-X vectors (a per-device domain), 1 and 2 managed.
irq_dump()
{
    local r=$1 irq
    vt_make_fsroot "$r"
    mkdir -p "$r/proc" "$r/sys/kernel/debug/irq/irqs"
    cat >"$r/proc/interrupts" <<'EOI'
           CPU0       CPU1       CPU2       CPU3
  0:         36          0          0          0   IO-APIC   2-edge      timer
 24:          5          0        100          0   PCI-MSI 16384-edge      eth0-tx
 25:          0          0          0         50   PCI-MSI 16385-edge      eth0-rx
 26:          0          0          9          0   IR-PCI-MSIX-0000:00:02.0    0-edge      nvme0q0
 27:          7          0          0          0   IR-PCI-MSIX-0000:00:02.0    1-edge      nvme0q1
 28:          0          8          0          0   IR-PCI-MSIX-0000:00:02.0    2-edge      nvme0q2
NMI:          0          0          0          0   Non-maskable interrupts
EOI
    for irq in 0 24 25 26 27 28; do
        mkdir -p "$r/proc/irq/$irq"
        echo 0-3 >"$r/proc/irq/$irq/smp_affinity_list"
        echo 0 >"$r/proc/irq/$irq/effective_affinity_list"
        echo -1 >"$r/proc/irq/$irq/node"
        printf 'handler:  handle_edge_irq\ndstate:   0x3000\n' >"$r/sys/kernel/debug/irq/irqs/$irq"
    done
    echo 1 >"$r/proc/irq/24/node"
    echo 1 >"$r/proc/irq/25/node"
    echo 0 >"$r/proc/irq/27/smp_affinity_list"
    echo 1 >"$r/proc/irq/28/smp_affinity_list"
    echo 1 >"$r/proc/irq/28/effective_affinity_list"
    for irq in 27 28; do
        printf 'handler:  handle_edge_irq\ndstate:   0x3600200\n            IRQD_AFFINITY_SET\n            IRQD_AFFINITY_MANAGED\n' \
            >"$r/sys/kernel/debug/irq/irqs/$irq"
    done
}
D=$T/dump
irq_dump "$D"

t_begin "irq show: each device's vectors by index from both chip forms, managed from debugfs"
run "$VTOPO" irq show --fsroot "$D" -q
expect_rc 0
expect_out_line "irq show: 6 IRQs, 5 of them device vectors; CPUs 0-3 counted ($D)" \
    "  0000:00:01.0 node 1 driver ixgbe: 2 vectors, 0 managed" \
    "         0     24  no       0-3             0             1         105  eth0-tx" \
    "         1     25  no       0-3             0             1          50  eth0-rx" \
    "  0000:00:02.0 node -1 driver -: 3 vectors, 2 managed" \
    "         1     27  yes      0               0            -1           7  nvme0q1" \
    "         2     28  yes      1               1            -1           8  nvme0q2" \
    "       0     0  housekeeping        5        1        5          48" \
    "other IRQs (not a PCI device's vectors): 1"
t_end

t_begin "irq show --json; host --save --irqs keeps the state: the host file shows the same"
run "$VTOPO" irq show --fsroot "$D" -q --json
expect_rc 0
printf '%s\n' "$OUT" >"$T/show.json"
if command -v python3 >/dev/null; then
    python3 -m json.tool "$T/show.json" >/dev/null || t_fail "not JSON"
fi
run "$VTOPO" host -q --fsroot "$D" --save "$T/host.json" --irqs
expect_rc 0
run "$VTOPO" irq show --host "$T/host.json" -q --json
expect_rc 0
printf '%s\n' "$OUT" | sed 's/"source": .*/"source"/' >"$T/show2.json"
sed 's/"source": .*/"source"/' "$T/show.json" >"$T/show1.json"
expect_same "$T/show1.json" "$T/show2.json" "irq show from the dump and from its host file"
run "$VTOPO" host -q --fsroot "$D" --save "$T/plain.json"
run "$VTOPO" irq show --host "$T/plain.json"
expect_rc 2
expect_err_has "the host file has no interrupt state"
run "$VTOPO" host -q --fsroot "$D" --irqs
expect_rc 2
expect_err_has "--irqs records the interrupt state with --save FILE"
t_end

t_begin "irq plan: node 1's device on its housekeeping CPUs core by core, the unknown-node one on the least loaded"
run "$VTOPO" irq plan --fsroot "$D" -q --out "$T/plan.json"
expect_rc 0
expect_out_line "  0000:00:01.0       0     24     1  no       0-3                2  set" \
    "  0000:00:01.0       1     25     1  no       0-3                3  set" \
    "  0000:00:02.0       0     26    -1  no       0-3                0  set" \
    "  0000:00:02.0       1     27    -1  yes      0                  0  fixed" \
    "       0     0  housekeeping        1        1      2" \
    "node 0: 1 to 2 vectors per housekeeping CPU" \
    "node 1: 1 to 1 vectors per housekeeping CPU"
run "$VTOPO" irq plan --fsroot "$D" -q --script
expect_out_line "echo 2 > $D/proc/irq/24/smp_affinity_list  # 0000:00:01.0 vector 0"
expect_out_lacks "/proc/irq/27/"
t_end

t_begin "irq plan: an isolated CPU is never used; --cpuset narrows"
mkdir -p "$T/iso" && cp -r "$D/." "$T/iso/" && echo 3 >"$T/iso/$S/cpu/isolated"
run "$VTOPO" irq plan --fsroot "$T/iso" -q --json
expect_rc 0
expect_out_lacks '"cpu": 3,'
run "$VTOPO" irq plan --fsroot "$D" -q --cpuset 0-1
expect_rc 0
expect_out_line "  0000:00:01.0       0     24     1  no       0-3                0  set"
expect_err_lacks "warning"
run "$VTOPO" irq plan --fsroot "$D" --cpuset 0-1
expect_err_has "node 1 has no housekeeping CPU: the vectors of its devices (0000:00:01.0, ...) go to node 0's"
t_end

t_begin "irq apply: a dry run writes nothing"
cp -r "$D" "$T/before"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D"
expect_rc 0
expect_out_line "  0000:00:01.0 vector 0 irq 24: 0-3 -> 2: dry-run" \
    "irq apply: 0 written, 3 to write (dry run: --yes writes), 0 already so, 0 managed (skipped), 0 failed"
diff -r --no-dereference "$D" "$T/before" >/dev/null || t_fail "a dry run changed the dump"
expect_file_absent "$T/plan.json.restore"
t_end

t_begin "irq apply --yes: saved first, written, read back; restore puts it back"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D" --yes
expect_rc 0
expect_out_line "  0000:00:01.0 vector 0 irq 24: 0-3 -> 2: written, effective 0 (not yet: x86 moves a vector when it next fires)"
[ "$(cat "$D/proc/irq/24/smp_affinity_list")" = 2 ] || t_fail "IRQ 24 not written"
[ "$(cat "$D/proc/irq/25/smp_affinity_list")" = 3 ] || t_fail "IRQ 25 not written"
[ "$(cat "$D/proc/irq/27/smp_affinity_list")" = 0 ] || t_fail "managed IRQ 27 written"
grep -q '"affinity": "0-3"' "$T/plan.json.restore" || t_fail "no restore file"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D"
expect_out_has "0 to write" "3 already so"
run "$VTOPO" irq restore "$T/plan.json.restore" --fsroot "$D" --yes
expect_rc 0
diff -r --no-dereference "$D/proc" "$T/before/proc" >/dev/null || t_fail "restore did not put the dump back"
t_end

t_begin "irq apply: a vanished IRQ and a failed write are named, exit 1, the restore file holds everything"
rm -r "$D/proc/irq/25"
# A file that reads as a cpulist and refuses writes, for root too: sysfs's
# CPU online list (no store method; EACCES, or EROFS in a container).
ln -sf /sys/devices/system/cpu/online "$D/proc/irq/26/smp_affinity_list"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D" -q --yes --restore-file "$T/r.json"
expect_rc 1
expect_out_has "irq 25: ? -> 3: gone" "0000:00:01.0 vector 0 irq 24: 0-3 -> 2: written" \
    "0000:00:02.0 vector 0 irq 26: $(cat /sys/devices/system/cpu/online) -> 0: failed (" \
    "1 written, 0 left, 0 already so, 0 managed (skipped), 2 failed"
grep -q '"irq": 26' "$T/r.json" && grep -q '"irq": 24' "$T/r.json" || t_fail "the restore file lacks IRQ 24 or 26"
rm -r "$D" && cp -r "$T/before" "$D"
t_end

t_begin "irq apply: refused for another interrupt state, another host, a host without /proc"
sed -i 's/nvme0q2/nvme0q2/; /^ 28:/d' "$D/proc/interrupts"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D" -q
expect_rc 2
expect_err_one_line "vtopo irq: the plan is for another interrupt state"
rm -r "$D" && cp -r "$T/before" "$D"
run "$VTOPO" irq apply "$T/plan.json" --synthetic sockets=1,cores=2
expect_rc 2
expect_err_has "has no /proc/irq to write"
run "$VTOPO" irq apply "$T/plan.json" --host "$T/host.json"
expect_rc 2
expect_err_has "has no /proc/irq to write"
echo 0-2 >"$D/$S/cpu/isolated"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D"
expect_rc 2
expect_err_has "the plan is for another host"
rm -r "$D" && cp -r "$T/before" "$D"
t_end

t_begin "irq restore: truncated, foreign and malformed restore files are refused"
run "$VTOPO" irq apply "$T/plan.json" --fsroot "$D" --yes --restore-file "$T/good.restore"
head -c 40 "$T/good.restore" >"$T/trunc.restore"
run "$VTOPO" irq restore "$T/trunc.restore" --fsroot "$D" -q --yes
expect_rc 2
expect_err_one_line "vtopo irq: $T/trunc.restore: not JSON"
sed 's/"host": "[0-9a-f]*"/"host": "0123456789abcdef"/' "$T/good.restore" >"$T/foreign.restore"
run "$VTOPO" irq restore "$T/foreign.restore" --fsroot "$D" --yes
expect_rc 2
expect_err_has "saved on another host"
sed 's/"affinity": "0-3"/"affinity": ""/' "$T/good.restore" >"$T/bad.restore"
run "$VTOPO" irq restore "$T/bad.restore" --fsroot "$D" --yes
expect_rc 2
expect_err_has "needs \"bdf\""
[ "$(cat "$D/proc/irq/24/smp_affinity_list")" = 2 ] || t_fail "a refused restore wrote"
rm -r "$D" && cp -r "$T/before" "$D"
t_end

t_begin "irq plan --previous: a removed device moves nothing; an isolated CPU moves only its vectors"
run "$VTOPO" irq plan --fsroot "$D" -q --out "$T/p0.json"
sed -i '/^ 2[678]:/d' "$D/proc/interrupts"
run "$VTOPO" irq plan --fsroot "$D" -q --previous "$T/p0.json" --out "$T/p1.json"
expect_rc 0
expect_out_line "against the previous plan: 0 moved, 0 placed, 3 dropped"
echo 2 >"$D/$S/cpu/isolated"
run "$VTOPO" irq plan --fsroot "$D" --previous "$T/p1.json" --out "$T/p2.json"
expect_rc 0
expect_out_line "against the previous plan: 1 moved, 0 placed, 0 dropped" \
    "  0000:00:01.0       0     24     1  no       0-3                3  moved" \
    "  0000:00:01.0       1     25     1  no       0-3                3  kept"
expect_err_has "was planned when the host differed"
# CPU 2 back: nothing moves (CPU 3 keeps both), unless --rebalance, which
# makes the one move that brings node 1's CPUs within one vector.
: >"$D/$S/cpu/isolated"
run "$VTOPO" irq plan --fsroot "$D" -q --previous "$T/p2.json"
expect_rc 0
expect_out_line "against the previous plan: 0 moved, 0 placed, 0 dropped"
run "$VTOPO" irq plan --fsroot "$D" -q --previous "$T/p2.json" --rebalance
expect_rc 0
expect_out_line "against the previous plan: 1 moved, 0 placed, 0 dropped" \
    "node 1: 1 to 1 vectors per housekeeping CPU"
rm -r "$D" && cp -r "$T/before" "$D"
t_end

t_begin "irq apply --yes on the live system: refused for a user who is not root"
run "$VTOPO" irq plan -q --out "$T/live.json"
expect_rc 0
chmod 755 "$T" && chmod 644 "$T/live.json"
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || t_fail "setpriv (util-linux) is needed to drop root"
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$VTOPO" irq apply "$T/live.json" \
        -q --yes --restore-file /tmp/vtopo-irq-never-written.json
else
    run "$VTOPO" irq apply "$T/live.json" -q --yes --restore-file /tmp/vtopo-irq-never-written.json
fi
expect_rc 3
expect_err_one_line "vtopo irq: writing /proc/irq/N/smp_affinity_list needs root"
[ ! -e /tmp/vtopo-irq-never-written.json ] || t_fail "a restore file was written"
t_end

t_begin "irq: malformed dumps and plans are one sentence, exit 2"
printf '           CPU0       CPU1\n 24:   5\n' >"$D/proc/interrupts"
run "$VTOPO" irq show --fsroot "$D"
expect_rc 2
expect_err_has "proc/interrupts line 2: IRQ 24 has 1 count, the header 2 CPUs"
printf 'nothing\n' >"$D/proc/interrupts"
run "$VTOPO" irq plan --fsroot "$D"
expect_rc 2
expect_err_has "is not a CPU column"
rm -r "$D" && cp -r "$T/before" "$D"
echo x-y >"$D/proc/irq/24/smp_affinity_list"
run "$VTOPO" irq show --fsroot "$D"
expect_rc 2
expect_err_has "proc/irq/24/smp_affinity_list"
rm -r "$D" && cp -r "$T/before" "$D"
echo '{"format": "vtopo-irq-plan", "version": 1}' >"$T/bad-plan.json"
run "$VTOPO" irq apply "$T/bad-plan.json" --fsroot "$D" -q
expect_rc 2
expect_err_one_line "vtopo irq: $T/bad-plan.json: vectors: must be an array"
run "$VTOPO" irq apply --fsroot "$D"
expect_rc 2
expect_err_has "apply needs the plan file"
run "$VTOPO" irq plan --fsroot "$D" --rebalance
expect_rc 2
expect_err_has "--rebalance rebalances a --previous plan"
t_end

vt_finish
