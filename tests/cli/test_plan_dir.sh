#!/usr/bin/env bash
# A plan directory handed around: `vtopo plan --out DIR` records the host
# and the request, and emit, check and plan take --plan DIR and give what
# the same options give, without them; a directory that is not what its
# request plans on its host is refused, and so are options beside --plan.
#
# Usage: test_plan_dir.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
QEMU=(--vcpus 5 --vcpu-nodes 0-1:0,2-5:1 --memory 3G --vnode-memory 1G,2G --mem-layout qemu-q35
    --max-vcpus 6 --hotplug-memory 1G@1)
XEN=(--vcpus 6 --vnodes 2 --memory 2G --apic xen --mem-layout xen-hvm)

t_begin "plan --out DIR: host.json beside the plan, plan.json records the request and the host"
run "$VTOPO" plan -q "${HOST[@]}" "${QEMU[@]}" --out "$T/q"
expect_rc 0
for f in plan.json host.json srat.dat slit.dat madt.dat hmat.dat cpuid.txt e820.txt; do
    [ -s "$T/q/$f" ] || t_fail "no $f in the plan directory"
done
grep -q '"version": 2,' "$T/q/plan.json" || t_fail "plan.json is not version 2"
grep -Eq '^  "host": \{"fingerprint": "[0-9a-f]{16}", "source": "example: 2-socket[^"]*", "file": "host.json"\},$' \
    "$T/q/plan.json" || t_fail "plan.json records no host fingerprint"
grep -q '"vcpu_vnodes": \[0, 0, 1, 1, 1, 1\]' "$T/q/plan.json" || t_fail "no vcpu_vnodes in the request"
grep -q '"hotplug_memory": \[{"bytes": 1073741824, "vnode": 1}\]' "$T/q/plan.json" ||
    t_fail "no hot-pluggable memory in the request"
run "$VTOPO" host --host "$T/q/host.json" --json
expect_rc 0
"$VTOPO" host "${HOST[@]}" --json >"$T/host.want"
printf '%s\n' "$OUT" >"$T/host.got"
expect_same "$T/host.want" "$T/host.got" "host.json is the host"

for f in qemu libvirt cloud-hypervisor; do
    t_begin "emit $f --plan DIR gives what the options give"
    "$VTOPO" emit "$f" -q "${HOST[@]}" "${QEMU[@]}" >"$T/$f.want" 2>&1
    run "$VTOPO" emit "$f" -q --plan "$T/q"
    printf '%s\n' "$OUT" >"$T/$f.got"
    [ "$RC" = "$(
        "$VTOPO" emit "$f" -q "${HOST[@]}" "${QEMU[@]}" >/dev/null 2>&1
        echo $?
    )" ] || t_fail "exit status $RC differs from the options'"
    [ "$RC" = 0 ] && expect_same "$T/$f.want" "$T/$f.got" "emit $f"
done

t_begin "emit xl --plan DIR gives what the options give"
"$VTOPO" plan -q "${HOST[@]}" "${XEN[@]}" --out "$T/x" >/dev/null
"$VTOPO" emit xl -q "${HOST[@]}" "${XEN[@]}" >"$T/xl.want"
run "$VTOPO" emit xl -q --plan "$T/x"
expect_rc 0
printf '%s\n' "$OUT" >"$T/xl.got"
expect_same "$T/xl.want" "$T/xl.got" "emit xl"

t_begin "plan --plan DIR prints the same plan"
"$VTOPO" plan -q "${HOST[@]}" "${QEMU[@]}" --json >"$T/plan.want"
run "$VTOPO" plan -q --plan "$T/q" --json
expect_rc 0
printf '%s\n' "$OUT" >"$T/plan.got"
expect_same "$T/plan.want" "$T/plan.got" "plan --json"

t_begin "emit qemu --numa acpi --plan DIR passes the directory's own tables"
run "$VTOPO" emit qemu -q --plan "$T/q" --numa acpi --madt
expect_rc 0
expect_out_line "file=$T/q/srat.dat" "file=$T/q/madt.dat"

t_begin "--tables: a directory without the tables, or with another plan's, is refused"
mkdir "$T/empty"
run "$VTOPO" emit qemu --plan "$T/q" --numa acpi --tables "$T/empty"
expect_rc 2
expect_err_has "--tables $T/empty: no srat.dat there"
run "$VTOPO" emit qemu --plan "$T/q" --numa acpi --tables "$T/x"
expect_rc 2
expect_err_has "--tables $T/x: $T/x/srat.dat is not this plan's"

t_begin "check --plan DIR checks the directory's tables"
run "$VTOPO" check --plan "$T/q"
expect_rc 0
expect_out_line "clean: 0 error(s), 0 warning(s)"
run "$VTOPO" check --plan "$T/q" "$T/x"
expect_rc 2
expect_err_has "--plan $T/q is the tables to check"

t_begin "--plan with a host or guest option is refused"
run "$VTOPO" emit qemu --plan "$T/q" --vcpus 4
expect_rc 2
expect_err_has "vtopo emit: --plan $T/q carries its host and its request: give no --vcpus"
run "$VTOPO" emit qemu "${HOST[@]}" --plan "$T/q"
expect_rc 2
expect_err_has "give no --host"

t_begin "an edited plan.json is refused"
cp -r "$T/q" "$T/edited"
sed -i 's/"memory_bytes": 1073741824,/"memory_bytes": 1073741825,/' "$T/edited/plan.json"
run "$VTOPO" emit qemu --plan "$T/edited"
expect_rc 2
expect_err_has "$T/edited/plan.json is not what its request plans on its host"

t_begin "a host's fingerprint outlives host format 2: version 1 facts only"
# Recorded by vtopo before host files had CPU topology, drivers and IRQ
# numbers (version 1): plan directories made then must still load.
"$VTOPO" plan -q --host "$SRC/examples/hosts/xeon-2s-snc2.json" --vcpus 2 --memory 1G \
    --out "$T/fp" >/dev/null 2>&1
grep -q '"fingerprint": "06c60579f31f6ba1"' "$T/fp/plan.json" ||
    t_fail "the example host's fingerprint changed: $(grep -o '"fingerprint": "[0-9a-f]*"' "$T/fp/plan.json")"
# The same host.json written as version 1 is the same host; so is one with
# a device rebound to vfio-pci in another IOMMU group.
cp -r "$T/fp" "$T/fp1"
sed -i -e 's/"version": 2,/"version": 1,/' -e 's/"msi_irq_count"/"msi_irqs"/' "$T/fp1/host.json"
sed -i 's/"msi_irq_count": 65/"msi_irq_count": 65, "driver": "vfio-pci", "iommu_group": 9/' \
    "$T/fp/host.json"
grep -q '"vfio-pci"' "$T/fp/host.json" || t_fail "the test did not rebind a device"
for d in fp fp1; do
    run "$VTOPO" emit qemu -q --plan "$T/$d"
    expect_rc 2
    expect_err_lacks "fingerprint"
    expect_err_has "flat memory layout"
done

t_begin "another host's host.json is refused by its fingerprint"
cp -r "$T/q" "$T/otherhost"
"$VTOPO" host --synthetic sockets=2,cores=6,mem=16G --json >"$T/otherhost/host.json"
run "$VTOPO" emit qemu --plan "$T/otherhost"
expect_rc 2
expect_err_has "$T/otherhost/host.json is not the host $T/otherhost/plan.json was planned on"

t_begin "a plan without its request (an older vtopo's) is refused with what to do"
cp -r "$T/q" "$T/old"
sed -i 's/"version": 2,/"version": 1,/' "$T/old/plan.json"
run "$VTOPO" emit qemu --plan "$T/old"
expect_rc 2
expect_err_has "records no request or no host"
expect_err_has "plan it again into a directory"

t_begin "--plan of a directory that does not exist"
run "$VTOPO" emit qemu --plan "$T/nonexist"
expect_rc 2
expect_err_has "$T/nonexist/plan.json"

t_begin "a plan made on another live machine is refused unless --any-host; this machine's is used"
"$VTOPO" plan -q --synthetic sockets=2,cores=2 --vcpus 2 --memory 1G --mem-layout qemu-q35 \
    --out "$T/elsewhere" >/dev/null
# As if planned on a live host that is not this one: its source is sysfs /.
sed -i 's#"source": "synthetic sockets=2,cores=2"#"source": "sysfs /"#' \
    "$T/elsewhere/host.json" "$T/elsewhere/plan.json"
run "$VTOPO" emit qemu --plan "$T/elsewhere"
expect_rc 2
expect_err_has "was planned on a live host (fingerprint" "give --any-host to use it here anyway"
run "$VTOPO" emit qemu -q --plan "$T/elsewhere" --any-host
expect_rc 0
"$VTOPO" plan -q --vcpus 1 --memory 1G --mem-layout qemu-q35 --out "$T/here" >/dev/null 2>&1
run "$VTOPO" emit qemu -q --plan "$T/here"
expect_rc 0

vt_finish
