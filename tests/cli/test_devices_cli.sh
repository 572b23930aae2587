#!/usr/bin/env bash
# PCI devices through the CLI: `vtopo plan --device` (what the plan shows,
# every refusal with exit 2 and nothing written), `--add-device` and
# `--remove-device` on a plan directory, and the devices in every VMM's
# output, each against an oracle nobody here wrote: QEMU 7.2 starts with the
# expanders, root ports and (emulated) devices and lists them in `info pci`;
# libvirt's schema validates the domain and its test driver defines it; the
# emitted hot-plug commands are QMP JSON (python-free: QEMU itself takes them
# over QMP in the guest cases).
#
# Usage: test_devices_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

# Node 1's 5e:00.0, node 0's 3b:00.0, 00:1f.2 with no node.
HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
BASE=(--vcpus 4 --vnodes 2 --memory 1G --mem-layout qemu-q35)
QEMU=$(command -v qemu-system-x86_64 || true)

t_begin "plan --device: each device on its node's vnode, at the guest address the plan prints"
run "$VTOPO" plan -q "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0 \
    --device 0000:3b:00.0,model=virtio-net,queues=2 --device 0000:00:1f.2@1,model=virtio-blk \
    --spare-slots 1
expect_rc 0
expect_out_line \
    "  host_bdf      guest_bdf     root_port     vnode  linux_node  pnode  distance  model           slot" \
    "  0000:5e:00.0  0000:fd:00.0  0000:fc:00.0      1           1      1        10  vfio               0" \
    "  0000:3b:00.0  0000:fa:00.0  0000:f9:00.0      0           0      0        10  virtio-net/2q      0" \
    "  0000:00:1f.2  0000:fe:00.0  0000:fc:01.0      1           1      -         -  virtio-blk         1" \
    "  vnode 0: bus 0xf9, 2 root ports (1 spare), buses 0xf9-0xfb" \
    "  vnode 1: bus 0xfc, 3 root ports (1 spare), buses 0xfc-0xff"

t_begin "plan --device: a device off its node is warned with the distance, refused with --strict-devices"
run "$VTOPO" plan "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0@0 --json
expect_rc 0
expect_err_has "warning: device 0000:5e:00.0 is on host node 1 but its vnode 0 is on host node 0: every DMA and interrupt crosses distance 21"
run "$VTOPO" plan "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0@0 --strict-devices --out "$T/s"
expect_rc 2
expect_err_has "--device 0000:5e:00.0@0: vnode 0 is on host node 0, not the device's node 1, and --strict-devices refuses a device off its node"
[ ! -e "$T/s" ] || t_fail "a refused plan left $T/s"

t_begin "plan --device refuses bad input with one sentence, exit 2, nothing written"
bad()
{
    local msg=$1
    shift
    run "$VTOPO" plan "${HOST[@]}" "${BASE[@]}" "$@" --out "$T/bad"
    expect_rc 2
    expect_err_has "$msg"
    [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] || t_fail "more than one line: $ERR"
    expect_out_empty
    [ ! -e "$T/bad" ] || t_fail "a refused plan wrote $T/bad"
}
bad "--device 3b:00.0: not a PCI address DDDD:BB:DD.F (hex)" --device 3b:00.0
bad "--device 0000:99:00.0: the host has no such PCI device ('vtopo host' lists them)" \
    --device 0000:99:00.0
bad "--device 0000:5e:00.0: the device is given twice" --device 0000:5e:00.0 --device 0000:5e:00.0
bad "--device 0000:5e:00.0@7: the plan has vnodes 0-1" --device 0000:5e:00.0@7
bad "--device 0000:00:1f.2: the host does not know the device's node (numa_node -1); give its vnode (--device 0000:00:1f.2@VNODE)" \
    --device 0000:00:1f.2
bad "--device '0000:5e:00.0,model=gpu': model 'gpu' is not vfio, nvme, virtio-net or virtio-blk" \
    --device 0000:5e:00.0,model=gpu
bad "--spare-slots lists 3 counts but the plan has 2 vnodes" --device 0000:5e:00.0 \
    --spare-slots 1,1,1
bad "vnode 1 needs 33 root ports (2 devices, 31 spares)" --device 0000:5e:00.0 \
    --device 0000:00:1f.2@1 --spare-slots 31
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --mem-layout qemu-pc \
    --device 0000:5e:00.0
expect_rc 2
expect_err_has "which QEMU has on the q35 machine only (pxb-pcie); plan with --mem-layout qemu-q35"

t_begin "plan --plan DIR --remove-device / --add-device: everything else as it was"
"$VTOPO" plan -q "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0 \
    --device 0000:3b:00.0,model=virtio-net --spare-slots 1 --out "$T/p0" >/dev/null ||
    t_fail "plan --out p0"
run "$VTOPO" plan --plan "$T/p0" --remove-device 0000:3B:00.0 --out "$T/p1"
expect_rc 0
for f in srat.dat slit.dat madt.dat hmat.dat ssdt.dat cpuid.txt e820.txt host.json; do
    cmp -s "$T/p0/$f" "$T/p1/$f" || t_fail "$f changed with a device removed"
done
grep -q '"guest_bdf": "0000:fe:00.0"' "$T/p1/plan.json" || t_fail "the other device moved"
grep -q '0000:3b:00.0' "$T/p1/plan.json" && t_fail "the removed device is still in p1"
run "$VTOPO" plan -q --plan "$T/p1" --add-device 0000:3b:00.0,model=virtio-net --out "$T/p2"
expect_rc 0
expect_out_line "  0000:3b:00.0  0000:fb:00.0  0000:fa:00.0      0           0      0        10  virtio-net         0"
run "$VTOPO" plan --plan "$T/p0" --add-device 0000:00:1f.2@0 --add-device 0000:00:1f.2@1
expect_rc 2
expect_err_has "one device at a time"
run "$VTOPO" plan "${HOST[@]}" "${BASE[@]}" --remove-device 0000:3b:00.0
expect_rc 2
expect_err_has "--remove-device: it changes a plan: give it with --plan DIR"
run "$VTOPO" plan --plan "$T/p0" --remove-device 0000:00:1f.2
expect_rc 2
expect_err_has "device 0000:00:1f.2 is not in the plan (--device)"
run "$VTOPO" plan --plan "$T/p0" --add-device 0000:00:1f.2@1,slot=0
expect_rc 2
expect_err_has "root port 0 of vnode 1 is not a spare one (it has ports 0-1)"

t_begin "emit --hot-add / --hot-remove: QMP and ch-remote commands naming the device's port"
run "$VTOPO" emit qemu --plan "$T/p2" --hot-add 0000:3b:00.0
expect_rc 0
expect_out_line '{"execute": "device_add", "arguments": {"driver": "virtio-net-pci", "bus": "vt_rp0_0", "id": "vt_dev_0000_3b_00_0"}}'
run "$VTOPO" emit qemu --plan "$T/p0" --hot-remove 0000:3b:00.0
expect_rc 0
expect_out_line '{"execute": "device_del", "arguments": {"id": "vt_dev_0000_3b_00_0"}}'
run "$VTOPO" emit cloud-hypervisor --plan "$T/p0" --hot-add 0000:5e:00.0
expect_rc 0
expect_out_line "add-device" "path=/sys/bus/pci/devices/0000:5e:00.0/,id=vt_dev_0000_5e_00_0,pci_segment=2,pci_device_id=1"
run "$VTOPO" emit libvirt --plan "$T/p0" --hot-add 0000:5e:00.0
expect_rc 2
expect_err_has "--hot-add goes with qemu and cloud-hypervisor"
run "$VTOPO" emit qemu --plan "$T/p0" --hot-add 0000:00:1f.2
expect_rc 2
expect_err_has "the plan has no device 0000:00:1f.2 (--device)"

t_begin "QEMU starts with the emitted expanders, root ports and devices and lists them (info pci)"
if [ -z "$QEMU" ]; then
    t_fail "qemu-system-x86_64 not found (Debian package qemu-system-x86; scripts/install-deps.sh installs it)"
else
    # Emulated models: no host device to pass through here.
    run "$VTOPO" emit qemu -q "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0,model=nvme,queues=2 \
        --device 0000:3b:00.0,model=virtio-net,queues=2 --spare-slots 1
    expect_rc 0
    mapfile -t QARGS <<<"$OUT"
    printf 'info pci\nquit\n' | timeout 120 "$QEMU" -accel tcg -S -nodefaults -display none \
        -monitor stdio "${QARGS[@]}" >"$T/qemu.out" 2>"$T/qemu.err"
    [ $? = 0 ] || t_fail "QEMU exit status: $(head -c 300 "$T/qemu.err")"
    grep -v 'has no peer' "$T/qemu.err" | grep -q . && t_fail "QEMU stderr: $(head -c 300 "$T/qemu.err")"
    # QEMU lists the expanders (host bridges on bus 0) and their root ports
    # on the expanders' buses; the firmware has not numbered the ports' own
    # buses yet (-S), so what is behind them is not listed.
    for want in "Bus 253, device   1, function 0:" "Bus 250, device   1, function 0:" \
        "id \"vt_pxb0\"" "id \"vt_pxb1\"" "id \"vt_rp1_1\"" "id \"vt_rp0_1\""; do
        tr -d '\r' <"$T/qemu.out" | grep -qF "$want" || t_fail "info pci lacks '$want'"
    done
fi

t_begin "libvirt: the domain with expanders, root ports and devices is valid and defined"
run "$VTOPO" emit libvirt -q "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0 \
    --device 0000:3b:00.0,model=virtio-net,queues=2 --device 0000:00:1f.2@1,model=virtio-blk \
    --spare-slots 1 --domain --name devices
expect_rc 0
printf '%s\n' "$OUT" >"$T/dev.xml"
expect_out_has "<controller type='pci' index='1' model='pcie-expander-bus'>" \
    "<target busNr='249'>" "<node>1</node>" "<target dev='vdb' bus='virtio'/>" \
    "<address domain='0x0000' bus='0x5e' slot='0x00' function='0x0'/>"
if command -v virt-xml-validate >/dev/null 2>&1; then
    virt-xml-validate "$T/dev.xml" domain >"$T/vxv" 2>&1 || t_fail "virt-xml-validate: $(head -c 300 "$T/vxv")"
else
    t_fail "virt-xml-validate not found (Debian package libvirt-clients)"
fi
if command -v virsh >/dev/null 2>&1; then
    virsh -q -c test:///default define "$T/dev.xml" >"$T/virsh" 2>&1 ||
        t_fail "virsh define: $(head -c 300 "$T/virsh")"
else
    t_fail "virsh not found (Debian package libvirt-clients)"
fi
run "$VTOPO" emit libvirt "${HOST[@]}" "${BASE[@]}" --device 0000:5e:00.0,model=nvme
expect_rc 2
expect_err_has "libvirt 9.0 has no emulated NVMe controller, so device 0000:5e:00.0 cannot be model=nvme"

t_begin "cloud-hypervisor: a PCI segment per vnode, devices on them; xl: pci = [...], warned"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G \
    --shape sockets=2,cores=2 --device 0000:5e:00.0 --device 0000:3b:00.0,model=virtio-net
expect_rc 0
expect_out_line "num_pci_segments=3" \
    "guest_numa_id=0,cpus=[0-1],distances=[1@21],memory_zones=[mem0],pci_segments=[1]" \
    "path=/sys/bus/pci/devices/0000:5e:00.0/,id=vt_dev_0000_5e_00_0,pci_segment=2,pci_device_id=1" \
    "id=vt_dev_0000_3b_00_0,pci_segment=1,pci_device_id=1"
run "$VTOPO" emit cloud-hypervisor "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G \
    --shape sockets=2,cores=2 --device 0000:5e:00.0 --spare-slots 31
expect_rc 2
expect_err_has "cloud-hypervisor's device ids on a PCI segment are 1-31 (0 is its host bridge), but vnode 1 has 32 devices and spare slots"
run "$VTOPO" emit xl "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --device 0000:5e:00.0
expect_rc 0
expect_out_has 'pci = [ "0000:5e:00.0" ]'
expect_err_has "Xen gives an HVM guest's passed-through devices no node"
run "$VTOPO" emit xl "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G \
    --device 0000:5e:00.0,model=virtio-net
expect_rc 2
expect_err_has "xl passes host devices through (pci=) and has no emulated virtio-net"

t_begin "emit qemu --numa acpi: expanders without a node and our ssdt.dat, which iasl decodes"
"$VTOPO" plan -q "${HOST[@]}" --vcpus 6 --vnodes 3 --guest-pxms 0,2,5 --memory 1536M \
    --mem-layout qemu-q35 --device 0000:5e:00.0,model=nvme --out "$T/acpi" >/dev/null ||
    t_fail "plan --out acpi"
run "$VTOPO" emit qemu -q --plan "$T/acpi" --numa acpi
expect_rc 0
expect_out_line "pxb-pcie,id=vt_pxb1,bus=pcie.0,bus_nr=254" "file=$T/acpi/ssdt.dat"
if [ -n "$QEMU" ]; then
    mapfile -t QARGS <<<"$OUT"
    printf 'quit\n' | timeout 120 "$QEMU" -accel tcg -S -nodefaults -display none \
        -monitor stdio "${QARGS[@]}" >/dev/null 2>"$T/qemu.err" ||
        t_fail "QEMU: $(head -c 300 "$T/qemu.err")"
fi

vt_finish
