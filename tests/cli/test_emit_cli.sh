#!/usr/bin/env bash
# CLI behaviour of `vtopo emit FORMAT`: the known answer of every format for
# the demo plan, the unbalanced plan (vCPUs QEMU's -smp prefix cannot place),
# every refusal with its exact message and exit status, --shell quoting; and
# external oracles: QEMU 7.2 starts (-S, never boots a kernel) with what we
# emit and reports the planned nodes in 'info numa', libvirt's own schema
# validates the XML fragment (virt-xml-validate), xmllint parses it.
#
# Usage: test_emit_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
# The demo plan: 6 vCPUs, 2 vnodes of one socket each, 1 GiB, QEMU q35.
DEMO=(--vcpus 6 --vnodes 2 --shape sockets=2,cores=3 --memory 1G --mem-layout qemu-q35)
HOT=(--vcpus 2 --max-vcpus 4 --vnodes 2 --memory 2G --mem-layout qemu-q35)
# Unbalanced: 2 + 3 vCPUs in two sockets of 3 cores; slot 2 stays empty.
UNBAL=(--vcpus 5 --vcpu-nodes 0-1:0,2-4:1 --memory 1G --mem-layout qemu-q35)

# expect_out_file FILE: stdout is exactly FILE's content.
expect_out_file()
{
    printf '%s\n' "$OUT" >"$T/.got"
    expect_same "$1" "$T/.got" "stdout"
}

# refuse FORMAT MESSAGE ARGS...: exit 2, nothing on stdout, exactly one
# stderr line "vtopo emit: MESSAGE".
refuse()
{
    local format=$1 msg=$2
    shift 2
    t_begin "emit $format refuses: $msg"
    run "$VTOPO" emit "$format" -q "$@"
    expect_rc 2
    expect_out_empty
    expect_err_one_line "vtopo emit: "
    if [ "$ERR" != "vtopo emit: $msg" ]; then
        t_fail "stderr is '$ERR'"
    fi
}

# usage_error MESSAGE ARGS...: a usage error (exit 2, the message, then the
# hint), nothing on stdout.
usage_error()
{
    local msg=$1
    shift
    t_begin "emit usage error: $msg"
    run "$VTOPO" emit "$@"
    expect_rc 2
    expect_out_empty
    if [ "$ERR" != "vtopo emit: $msg
Try 'vtopo emit --help'." ]; then
        t_fail "stderr is '$ERR'"
    fi
}

# ---- help ------------------------------------------------------------------

t_begin "vtopo emit --help names every format and documents every option"
run "$VTOPO" emit --help
expect_rc 0
expect_out_has "  qemu " "  libvirt " "  xl " "  cloud-hypervisor "
opts=$(sed -n 's/^ *{"\([a-z-]*\)", \(no\|required\)_argument.*/\1/p' "$SRC/tools/vtopo/cmd_emit.c")
[ -n "$opts" ] || t_fail "could not read the getopt table (test defect)"
for o in $opts fsroot host synthetic acpi vcpus memory vnodes shape apic mem-layout; do
    expect_out_has "--$o"
done

# ---- known answers: the demo plan --------------------------------------------

t_begin "emit qemu: the demo plan"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${DEMO[@]}"
expect_rc 0
expect_err_empty
cat >"$T/want" <<'EOF'
-machine
q35
-cpu
max,vendor=GenuineIntel
-smp
6,sockets=2,cores=3,threads=1,maxcpus=6
-m
1024M
-object
memory-backend-ram,id=vnode0,size=512M
-object
memory-backend-ram,id=vnode1,size=512M
-numa
node,nodeid=0,memdev=vnode0
-numa
node,nodeid=1,memdev=vnode1
-numa
cpu,node-id=0,socket-id=0,core-id=0,thread-id=0
-numa
cpu,node-id=0,socket-id=0,core-id=1,thread-id=0
-numa
cpu,node-id=0,socket-id=0,core-id=2,thread-id=0
-numa
cpu,node-id=1,socket-id=1,core-id=0,thread-id=0
-numa
cpu,node-id=1,socket-id=1,core-id=1,thread-id=0
-numa
cpu,node-id=1,socket-id=1,core-id=2,thread-id=0
-numa
dist,src=0,dst=1,val=21
-numa
dist,src=1,dst=0,val=21
EOF
expect_out_file "$T/want"

t_begin "emit qemu --bind: memory backends bound to the vnodes' pnodes"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${DEMO[@]}" --bind
expect_rc 0
expect_out_line "memory-backend-ram,id=vnode0,size=512M,host-nodes=0,policy=bind" \
    "memory-backend-ram,id=vnode1,size=512M,host-nodes=1,policy=bind"

t_begin "emit libvirt: the demo plan"
run "$VTOPO" emit libvirt -q "${HOST[@]}" "${DEMO[@]}"
expect_rc 0
expect_err_empty
cat >"$T/want" <<'EOF'
<!-- vtopo emit libvirt: 6 vCPUs, 1024 MiB, 2 vnodes (docs/vmm-config.md).
     The domain needs <os><type machine='q35'>hvm</type></os> and <features><acpi/></features>;
     the plan's CPUID leaves are those of an intel CPU. -->
<memory unit='MiB'>1024</memory>
<vcpu placement='static'>6</vcpu>
<cputune>
  <vcpupin vcpu='0' cpuset='0-4'/>
  <vcpupin vcpu='1' cpuset='0-4'/>
  <vcpupin vcpu='2' cpuset='0-4'/>
  <vcpupin vcpu='3' cpuset='6-10'/>
  <vcpupin vcpu='4' cpuset='6-10'/>
  <vcpupin vcpu='5' cpuset='6-10'/>
</cputune>
<numatune>
  <memnode cellid='0' mode='strict' nodeset='0'/>
  <memnode cellid='1' mode='strict' nodeset='1'/>
</numatune>
<cpu mode='maximum' check='none'>
  <topology sockets='2' dies='1' cores='3' threads='1'/>
  <numa>
    <cell id='0' cpus='0-2' memory='512' unit='MiB'>
      <distances>
        <sibling id='0' value='10'/>
        <sibling id='1' value='21'/>
      </distances>
    </cell>
    <cell id='1' cpus='3-5' memory='512' unit='MiB'>
      <distances>
        <sibling id='0' value='21'/>
        <sibling id='1' value='10'/>
      </distances>
    </cell>
  </numa>
</cpu>
EOF
expect_out_file "$T/want"
cp "$T/.got" "$T/demo.xml"

t_begin "emit xl: the demo plan in Xen's vNUMA encoding"
run "$VTOPO" emit xl "${HOST[@]}" --vcpus 6 --vnodes 2 --memory 1G --apic xen \
    --mem-layout xen-hvm
expect_rc 0
cat >"$T/want" <<'EOF'
# vtopo emit xl: 6 vCPUs, 1024 MiB, 2 vnodes (docs/vmm-config.md)
type = "hvm"
vcpus = 6
maxvcpus = 6
memory = 1024
maxmem = 1024
# libxl takes the video RAM out of vnode 0; the plan has none
vga = "none"
vnuma = [ [ "pnode=0", "size=512", "vcpus=0-2", "vdistances=10,21" ],
          [ "pnode=1", "size=512", "vcpus=3-5", "vdistances=21,10" ] ]
cpus = [ "0-4", "0-4", "0-4", "6-10", "6-10", "6-10" ]
EOF
expect_out_file "$T/want"
# 3 vCPUs per vnode: the xen encoding gives vnode 1 the package at APIC ID 8.
expect_err_has "warning: upstream Xen derives the guest's CPUID topology from the host" \
    "warning: upstream Xen gives vCPU 3 the APIC ID 6 where the plan's xen encoding gives 8"

t_begin "emit xl: pinned vCPUs (cpus = [...]) in the legacy encoding"
run "$VTOPO" emit xl -q "${HOST[@]}" --vcpus 6 --pin 0-2:0-2,3-5:6-8 --memory 1G \
    --apic legacy --mem-layout xen-hvm
expect_rc 0
expect_out_line 'cpus = [ "0", "1", "2", "6", "7", "8" ]' \
    '          [ "pnode=1", "size=512", "vcpus=3-5", "vdistances=21,10" ] ]'

t_begin "emit cloud-hypervisor: the demo plan"
run "$VTOPO" emit cloud-hypervisor "${HOST[@]}" "${DEMO[@]}"
expect_rc 0
cat >"$T/want" <<'EOF'
--cpus
boot=6,max=6,topology=1:3:1:2,affinity=[0@[0-4],1@[0-4],2@[0-4],3@[6-10],4@[6-10],5@[6-10]]
--memory
size=0
--memory-zone
id=mem0,size=512M,host_numa_node=0
--memory-zone
id=mem1,size=512M,host_numa_node=1
--numa
guest_numa_id=0,cpus=[0-2],distances=[1@21],memory_zones=[mem0]
--numa
guest_numa_id=1,cpus=[3-5],distances=[0@21],memory_zones=[mem1]
EOF
expect_out_file "$T/want"
if [ "$ERR" != "vtopo emit: warning: cloud-hypervisor places the memory zones in guest-physical memory itself: the vnodes' ranges differ from the plan's qemu-q35 memory map (their sizes do not)" ]; then
    t_fail "stderr is '$ERR'"
fi

t_begin "emit cloud-hypervisor: pinned vCPUs go into --cpus affinity"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" --vcpus 4 --pin 0-1:0-1,2-3:6-7 --memory 1G
expect_rc 0
expect_out_line "boot=4,max=4,topology=1:2:1:2,affinity=[0@[0],1@[1],2@[6],3@[7]]"

t_begin "--quiet silences warnings; without it they go to stderr"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" "${DEMO[@]}"
expect_err_empty
run "$VTOPO" emit qemu "${HOST[@]}" --vcpus 4 --vnodes 2 --shape sockets=1,cores=4 \
    --allow-package-span --memory 1G --mem-layout qemu-q35
expect_rc 0
expect_err_has "vtopo emit: warning: QEMU reports one L3 cache per die (4 APIC IDs) where the plan's LLC is 2 APIC IDs"

# ---- the unbalanced plan -------------------------------------------------------

t_begin "emit qemu: vCPUs after QEMU's -smp prefix are plugged with -device"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${UNBAL[@]}"
expect_rc 0
cat >"$T/want" <<'EOF'
-machine
q35
-cpu
max,vendor=GenuineIntel
-smp
2,sockets=2,cores=3,threads=1,maxcpus=6
-device
max-x86_64-cpu,id=vcpu2,socket-id=1,core-id=0,thread-id=0
-device
max-x86_64-cpu,id=vcpu3,socket-id=1,core-id=1,thread-id=0
-device
max-x86_64-cpu,id=vcpu4,socket-id=1,core-id=2,thread-id=0
-m
1024M
-object
memory-backend-ram,id=vnode0,size=410M
-object
memory-backend-ram,id=vnode1,size=614M
-numa
node,nodeid=0,memdev=vnode0
-numa
node,nodeid=1,memdev=vnode1
-numa
cpu,node-id=0,socket-id=0,core-id=0,thread-id=0
-numa
cpu,node-id=0,socket-id=0,core-id=1,thread-id=0
-numa
cpu,node-id=0,socket-id=0,core-id=2,thread-id=0
-numa
cpu,node-id=1,socket-id=1,core-id=0,thread-id=0
-numa
cpu,node-id=1,socket-id=1,core-id=1,thread-id=0
-numa
cpu,node-id=1,socket-id=1,core-id=2,thread-id=0
-numa
dist,src=0,dst=1,val=21
-numa
dist,src=1,dst=0,val=21
EOF
expect_out_file "$T/want"

t_begin "emit libvirt: the empty slot is a disabled hot-pluggable <vcpu>"
run "$VTOPO" emit libvirt -q "${HOST[@]}" --vcpus 5 --pin 0-1:0-1,2-4:6-8 --memory 1G \
    --mem-layout qemu-q35
expect_rc 0
cat >"$T/want" <<'EOF'
<!-- vtopo emit libvirt: 5 vCPUs, 1024 MiB, 2 vnodes (docs/vmm-config.md).
     The domain needs <os><type machine='q35'>hvm</type></os> and <features><acpi/></features>;
     the plan's CPUID leaves are those of an intel CPU. -->
<memory unit='MiB'>1024</memory>
<vcpu placement='static' current='5'>6</vcpu>
<vcpus>
  <vcpu id='0' enabled='yes' hotpluggable='no'/>
  <vcpu id='1' enabled='yes' hotpluggable='no'/>
  <vcpu id='2' enabled='no' hotpluggable='yes'/>
  <vcpu id='3' enabled='yes' hotpluggable='yes'/>
  <vcpu id='4' enabled='yes' hotpluggable='yes'/>
  <vcpu id='5' enabled='yes' hotpluggable='yes'/>
</vcpus>
<cputune>
  <vcpupin vcpu='0' cpuset='0'/>
  <vcpupin vcpu='1' cpuset='1'/>
  <vcpupin vcpu='3' cpuset='6'/>
  <vcpupin vcpu='4' cpuset='7'/>
  <vcpupin vcpu='5' cpuset='8'/>
  <emulatorpin cpuset='2-4,9-10'/>
</cputune>
<numatune>
  <memnode cellid='0' mode='strict' nodeset='0'/>
  <memnode cellid='1' mode='strict' nodeset='1'/>
</numatune>
<cpu mode='maximum' check='none'>
  <topology sockets='2' dies='1' cores='3' threads='1'/>
  <numa>
    <cell id='0' cpus='0-2' memory='410' unit='MiB'>
      <distances>
        <sibling id='0' value='10'/>
        <sibling id='1' value='21'/>
      </distances>
    </cell>
    <cell id='1' cpus='3-5' memory='614' unit='MiB'>
      <distances>
        <sibling id='0' value='21'/>
        <sibling id='1' value='10'/>
      </distances>
    </cell>
  </numa>
</cpu>
EOF
expect_out_file "$T/want"
cp "$T/.got" "$T/unbal.xml"

t_begin "emit xl: the unbalanced plan"
run "$VTOPO" emit xl -q "${HOST[@]}" --vcpus 5 --vcpu-nodes 0-1:0,2-4:1 --memory 1G \
    --apic xen --mem-layout xen-hvm
expect_rc 0
expect_out_line 'vnuma = [ [ "pnode=0", "size=410", "vcpus=0-1", "vdistances=10,21" ],' \
    '          [ "pnode=1", "size=614", "vcpus=2-4", "vdistances=21,10" ] ]'

t_begin "emit cloud-hypervisor: a prefix of the slots boots, the rest is hot-pluggable"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" --vcpus 5 --vcpu-nodes 0-2:0,3-4:1 --memory 1G
expect_rc 0
expect_out_line "boot=5,max=6,topology=1:3:1:2,affinity=[0@[0-4],1@[0-4],2@[0-4],3@[6-10],4@[6-10],5@[6-10]]" \
    "guest_numa_id=0,cpus=[0-2],distances=[1@21],memory_zones=[mem0]" \
    "guest_numa_id=1,cpus=[3-5],distances=[0@21],memory_zones=[mem1]"

t_begin "emit cloud-hypervisor: CPU-less and memory-less vnodes"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 \
    --vnode-memory 512M,512M,0 --memory 1G
expect_rc 0
expect_out_line "guest_numa_id=1,distances=[0@21,2@21],memory_zones=[mem1]" \
    "guest_numa_id=2,cpus=[2-3],distances=[0@11,1@21]"

# ---- --shell -------------------------------------------------------------------

t_begin "--shell: one line, words with shell metacharacters quoted"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" "${DEMO[@]}" --shell
expect_rc 0
if [ "$OUT" != "--cpus 'boot=6,max=6,topology=1:3:1:2,affinity=[0@[0-4],1@[0-4],2@[0-4],3@[6-10],4@[6-10],5@[6-10]]' --memory size=0 --memory-zone id=mem0,size=512M,host_numa_node=0 --memory-zone id=mem1,size=512M,host_numa_node=1 --numa 'guest_numa_id=0,cpus=[0-2],distances=[1@21],memory_zones=[mem0]' --numa 'guest_numa_id=1,cpus=[3-5],distances=[0@21],memory_zones=[mem1]'" ]; then
    t_fail "stdout is '$OUT'"
fi
# The shell reads the line back into the same words.
eval "set -- $OUT"
[ "$#" = 12 ] && [ "${10}" = "guest_numa_id=0,cpus=[0-2],distances=[1@21],memory_zones=[mem0]" ] ||
    t_fail "the quoted line does not read back into the 12 arguments"

t_begin "--shell: a table directory with a space, a comma and a quote"
# emit checks the tables are there and the plan's: write them first.
"$VTOPO" plan "${HOST[@]}" "${UNBAL[@]}" --out "$T/it's a,dir" >/dev/null
run "$VTOPO" emit qemu -q "${HOST[@]}" "${UNBAL[@]}" --numa acpi --tables "$T/it's a,dir" \
    --madt --shell
expect_rc 0
q=$(printf '%s' "$T" | sed "s/'/'\\\\''/g; s/,/,,/g")
expect_out_has "-smp 2,sockets=2,cores=3,threads=1,maxcpus=6 -device max-x86_64-cpu,id=vcpu2," \
    "-m 1024M -acpitable 'file=$q/it'\\''s a,,dir/srat.dat' -acpitable 'file=$q/it'\\''s a,,dir/slit.dat' -acpitable 'file=$q/it'\\''s a,,dir/madt.dat'"
eval "set -- $OUT"
[ "${*: -1}" = "file=$(printf '%s' "$T" | sed 's/,/,,/g')/it's a,,dir/madt.dat" ] ||
    t_fail "the quoted line does not read back: last word '${*: -1}'"

t_begin "--madt: the note names the kernel parameter"
run "$VTOPO" emit qemu "${HOST[@]}" "${UNBAL[@]}" --numa acpi --tables "$T/it's a,dir" --madt
expect_rc 0
expect_err_has "vtopo emit: note: the guest kernel needs: acpi_apic_instance=2"

t_begin "the TCG note: possible_cpus=9 for at most 8 CPUs with APIC-ID holes"
run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}"
expect_rc 0
if [ "$ERR" != "vtopo emit: note: under TCG (no KVM) the guest kernel needs: possible_cpus=9" ]; then
    t_fail "stderr is '$ERR'"
fi
run "$VTOPO" emit qemu "${HOST[@]}" --vcpus 4 --vnodes 2 --shape sockets=2,cores=2 --memory 1G \
    --mem-layout qemu-q35
expect_rc 0
expect_err_empty

# ---- refusals ------------------------------------------------------------------

refuse qemu "QEMU derives APIC IDs with the sdm encoding, but this plan uses the xen encoding (plan with --apic sdm)" \
    "${HOST[@]}" --vcpus 4 --vnodes 2 --apic xen --memory 1G --mem-layout qemu-q35
refuse qemu "QEMU builds the guest memory map itself, but this plan uses the flat memory layout (plan with --mem-layout qemu-q35 or qemu-pc)" \
    "${HOST[@]}" --vcpus 4 --memory 1G --mem-layout flat
refuse qemu "QEMU numbers vCPUs in the order of its CPU slots (socket, die, core, thread), but vCPU 2 comes before vCPU 1 in that order (give each vnode a contiguous range of vCPUs with --vcpu-nodes)" \
    "${HOST[@]}" --vcpus 6 --vcpu-nodes 0,2,4:0,1,3,5:1 --memory 1G --mem-layout qemu-q35
refuse libvirt "libvirt (QEMU) derives APIC IDs with the sdm encoding, but this plan uses the legacy encoding (plan with --apic sdm)" \
    "${HOST[@]}" --vcpus 4 --apic legacy --memory 1G --mem-layout qemu-q35
refuse libvirt "libvirt (QEMU) builds the guest memory map itself, but this plan uses the xen-hvm memory layout (plan with --mem-layout qemu-q35 or qemu-pc)" \
    "${HOST[@]}" --vcpus 4 --memory 1G --mem-layout xen-hvm
refuse libvirt "libvirt backs every <cell> with a memory backend, which QEMU refuses at size 0, but vnode 1 has no memory (give every vnode memory with --vnode-memory)" \
    "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:1 --vnode-memory 1G,0 --memory 1G --mem-layout qemu-q35
refuse xl "Xen gives vCPU N the APIC ID 2N (or, with vNUMA APIC topology, the xen encoding), not the sdm encoding of this plan (plan with --apic xen, or --apic legacy)" \
    "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --mem-layout xen-hvm --apic sdm

t_begin "each VMM's default: qemu and libvirt a q35 map, xl Xen's HVM map and vcpu*2 APIC IDs"
run "$VTOPO" emit qemu -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G
expect_rc 0
expect_out_line "q35"
run "$VTOPO" emit libvirt -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G
expect_rc 0
expect_out_has "machine='q35'"
run "$VTOPO" emit xl -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G
expect_rc 0
expect_out_line 'vnuma = [ [ "pnode=0", "size=512", "vcpus=0-1", "vdistances=10,21" ],'
"$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --apic legacy \
    --mem-layout xen-hvm --cpuid >"$T/legacy.cpuid"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --cpuid
[ "$OUT" != "$(cat "$T/legacy.cpuid")" ] || t_fail "plan's default is not sdm (test defect)"
refuse xl "libxl builds the memory map of an HVM guest itself, but this plan uses the qemu-q35 memory layout (plan with --mem-layout xen-hvm)" \
    "${HOST[@]}" --vcpus 4 --vnodes 2 --apic xen --memory 1G --mem-layout qemu-q35
refuse xl "a Xen HVM guest has at most 128 vCPUs (HVM_MAX_VCPUS), but this plan has 130 (plan with --vcpus 128 or fewer)" \
    "${HOST[@]}" --vcpus 130 --apic legacy --memory 1G --mem-layout xen-hvm
refuse xl "libxl's MADT holds 8-bit xAPIC IDs below 255, but vCPU 67 has APIC ID 256 (plan with fewer vCPUs per vnode, or --apic legacy)" \
    "${HOST[@]}" --vcpus 100 --vnodes 3 --apic xen --memory 1G --mem-layout xen-hvm
refuse xl "Xen accepts at most 32 vnodes (XEN_DOMCTL_setvnumainfo's distance table must fit a 4 KiB page), but this plan has 33 (plan with --vnodes 32 or fewer)" \
    "${HOST[@]}" --vcpus 33 --vnodes 33 --apic legacy --memory 66M --mem-layout xen-hvm
refuse xl "xl's vnuma needs vCPUs (vcpus=) in every vnode, but vnode 1 has none (give every vnode vCPUs with --vcpu-nodes)" \
    "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 --vnode-memory 512M,0,512M --apic xen \
    --memory 1G --mem-layout xen-hvm
refuse xl "xl's vnuma needs a host node (pnode=) for every vnode, but vnode 1 has none (plan without --pin-identity, whose PXM gaps are such vnodes)" \
    --synthetic sockets=2,cores=2,mem=4G,pxms=0,2 --vcpus 4 --pin-identity --memory 1G \
    --apic legacy --mem-layout xen-hvm
refuse cloud-hypervisor "cloud-hypervisor derives APIC IDs with the sdm encoding, but this plan uses the legacy encoding (plan with --apic sdm)" \
    "${HOST[@]}" --vcpus 4 --apic legacy --memory 1G
refuse cloud-hypervisor "cloud-hypervisor boots vCPUs 0..N-1 in the order of its topology and cannot leave a CPU slot empty, but vCPU 2 is in slot 3 (plan with a --shape whose product is the vCPU count)" \
    "${HOST[@]}" "${UNBAL[@]}"
refuse cloud-hypervisor "cloud-hypervisor allows at most 2 threads per core on x86, but the plan's shape has 3 (plan with --shape threads=1 or threads=2)" \
    "${HOST[@]}" --vcpus 6 --shape sockets=2,cores=1,threads=3 --memory 1G
refuse cloud-hypervisor "cloud-hypervisor's --numa needs cpus or memory_zones, but vnode 1 has neither vCPUs nor memory (give it memory with --vnode-memory)" \
    "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 --vnode-memory 512M,0,512M --memory 1G
# Sparse guest PXMs, where the plan has --guest-pxms.
if "$VTOPO" plan --help | grep -q -e '--guest-pxms'; then
    SPARSE=(--vcpus 4 --vnodes 2 --guest-pxms 0,2 --memory 1G)
    refuse qemu "QEMU's -numa node ids are the guest PXMs and must be 0..n-1, but vnode 1 has guest PXM 2 (emit with --numa acpi, which passes our SRAT, or plan without --pin-identity or a sparse --guest-pxms)" \
        "${HOST[@]}" "${SPARSE[@]}" --mem-layout qemu-q35
    refuse libvirt "libvirt's <cell id> values are QEMU's node ids and must be 0..n-1, but vnode 1 has guest PXM 2 (plan without --pin-identity or a sparse --guest-pxms)" \
        "${HOST[@]}" "${SPARSE[@]}" --mem-layout qemu-q35
    refuse xl "Xen's vNUMA proximity domains are the vnode numbers and must be 0..n-1, but vnode 1 has guest PXM 2 (plan without --pin-identity or a sparse --guest-pxms)" \
        "${HOST[@]}" "${SPARSE[@]}" --apic xen --mem-layout xen-hvm
    refuse cloud-hypervisor "cloud-hypervisor writes its SLIT in guest_numa_id order, which Linux reads by proximity domain, so the ids (the guest PXMs) must follow the vnodes and must be 0..n-1, but vnode 1 has guest PXM 2 (plan without --pin-identity or a sparse --guest-pxms)" \
        "${HOST[@]}" "${SPARSE[@]}"
    t_begin "emit qemu --numa acpi passes sparse guest PXMs in our SRAT"
    "$VTOPO" plan "${HOST[@]}" "${SPARSE[@]}" --mem-layout qemu-q35 --out "$T/sparse" >/dev/null
    run "$VTOPO" emit qemu -q "${HOST[@]}" "${SPARSE[@]}" --mem-layout qemu-q35 --numa acpi \
        --tables "$T/sparse"
    expect_rc 0
fi

usage_error "missing the format (qemu, libvirt, xl, cloud-hypervisor or xen-dom0)"
usage_error "missing the format (qemu, libvirt, xl, cloud-hypervisor or xen-dom0)" --vcpus 4
usage_error "unknown format 'kvmtool' (qemu, libvirt, xl, cloud-hypervisor or xen-dom0)" kvmtool --vcpus 4
for f in libvirt xl cloud-hypervisor; do
    usage_error "--numa goes with qemu; $f does not take it" "$f" --vcpus 4 --memory 1G --numa acpi
done
for f in xl cloud-hypervisor; do
    usage_error "--cpu goes with qemu and libvirt; $f does not take it" "$f" --vcpus 4 --memory 1G --cpu host
done
for f in qemu xl cloud-hypervisor; do
    usage_error "--domain goes with libvirt; $f does not take it" "$f" --vcpus 4 --memory 1G --domain
done
usage_error "--mem-backend goes with qemu, libvirt and cloud-hypervisor; xl does not take it" \
    xl --mem-backend memfd
usage_error "--bind goes with qemu; xl does not take it" xl --bind --tables x --vcpus 4
usage_error "--shell goes with qemu and cloud-hypervisor; libvirt does not take it" \
    libvirt --vcpus 4 --memory 1G --shell
usage_error "--shell goes with qemu and cloud-hypervisor; xl does not take it" \
    xl --vcpus 4 --memory 1G --shell
usage_error "--name and --emulator go with --domain (the fragment has neither)" libvirt --name x
for b in hugepages:3 hugepages:0 hugepages:4M; do
    usage_error "--mem-backend $b: must be ram, memfd, hugepages, hugepages:2M or hugepages:1G (x86's page sizes)" \
        libvirt --mem-backend "$b"
done
refuse libvirt "--emulator-cpus: a host CPU list, auto or none: '0-': a number is missing at the end" \
    "${HOST[@]}" "${DEMO[@]}" --emulator-cpus 0-
refuse libvirt "--emulator-cpus: host CPU 99 is not online on the host" \
    "${HOST[@]}" "${DEMO[@]}" --emulator-cpus 99
# Where unpinned vCPUs run (--vnode-cpus): the default, lists, any, refusals.
refuse libvirt "--vnode-cpus: host CPU 99 is not online on the host" "${HOST[@]}" "${DEMO[@]}" \
    --vnode-cpus 99
refuse libvirt "--vnode-cpus: host CPU 99 (vnode 1's list) is not online on the host" \
    "${HOST[@]}" "${DEMO[@]}" --vnode-cpus "0-2;99"
refuse libvirt "--vnode-cpus: 3 lists for 2 vnodes (give one for every vnode, or one per vnode)" \
    "${HOST[@]}" "${DEMO[@]}" --vnode-cpus "0;1;2"
refuse libvirt "--vnode-cpus '0;;2': an entry is empty (give a host CPU list or any for every vnode, separated by ';')" \
    "${HOST[@]}" "${DEMO[@]}" --vnode-cpus "0;;2"
refuse libvirt "--emulator-cpus: a host CPU list, auto or none: 'any': expected a number at offset 0, found 'a'" \
    "${HOST[@]}" "${DEMO[@]}" --emulator-cpus any
refuse libvirt "--vnode-cpus: a host CPU list or any: 'x': expected a number at offset 0, found 'x'" \
    "${HOST[@]}" "${DEMO[@]}" --vnode-cpus "x"
refuse libvirt "--emulator-cpus: host CPU list '' is empty" "${HOST[@]}" "${DEMO[@]}" \
    --emulator-cpus ""
t_begin "emit: --vnode-cpus per vnode, any, and the warnings of a list off the node"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --vnode-cpus "5-7;any"
expect_rc 0
expect_out_has "<vcpupin vcpu='0' cpuset='5-7'/>" "<vcpupin vcpu='2' cpuset='5-7'/>"
expect_out_lacks "vcpu='3'"
expect_err_has "warning: vnode 0's unpinned vCPUs may run on host CPUs 6-7, off its host node 0" \
    "warning: vnode 0's unpinned vCPUs may run on isolated or nohz_full host CPUs 5"
run "$VTOPO" emit xl -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --mem-layout xen-hvm \
    --vnode-cpus "any;6"
expect_rc 0
expect_out_has 'cpus = [ "all", "all", "6", "6" ]'
# An empty slot (a vCPU hot-added later) runs where its vnode's vCPUs do.
run "$VTOPO" emit libvirt -q "${HOST[@]}" --vcpus 5 --vnodes 2 --memory 1G
expect_rc 0
expect_out_has "<vcpu placement='static' current='5'>6</vcpu>" "<vcpupin vcpu='5' cpuset='6-10'/>"
run "$VTOPO" emit libvirt -q "${HOST[@]}" --vcpus 2 --pin 0-1:0-1 --memory 1G
expect_rc 0
expect_out_has "<vcpupin vcpu='0' cpuset='0'/>" "<vcpupin vcpu='1' cpuset='1'/>"
expect_out_lacks "<vcpupin vcpu='0' cpuset='2-4'/>"
t_end
usage_error "--numa kvm: must be native or acpi" qemu --numa kvm
usage_error "--hmat, --madt and --tables go with --numa acpi" qemu --vcpus 4 --memory 1G \
    --numa native --hmat
usage_error "--bind goes with --numa native (the acpi mode has no memory backends)" \
    qemu --vcpus 4 --memory 1G --numa acpi --bind
usage_error "unexpected argument 'extra'" qemu --vcpus 4 --memory 1G extra

t_begin "a plan error is reported as such, exit 2, nothing on stdout"
run "$VTOPO" emit qemu -q "${HOST[@]}" --vcpus 4 --memory 1001M --mem-layout qemu-q35
expect_rc 2
expect_out_empty
expect_err_one_line "vtopo emit: --memory 1001 MiB: must be a multiple of 2 MiB"

# ---- QEMU 7.2 accepts what we emit ----------------------------------------------

# qemu_accepts NAME 'NODES' EMIT-ARGS...: QEMU (TCG, stopped before the first
# instruction, no kernel) starts with the emitted arguments, exits 0 on 'quit'
# with nothing on stderr, and, when NODES is not empty, 'info numa' lists
# exactly those "node N cpus: ..." / "node N size: ..." lines ('|' between
# lines).
QEMU=$(command -v qemu-system-x86_64 || true)
qemu_accepts()
{
    local name=$1 nodes=$2 qrc got want
    shift 2
    t_begin "QEMU accepts emit qemu: $name"
    if [ -z "$QEMU" ]; then
        t_fail "qemu-system-x86_64 not found (Debian package qemu-system-x86; scripts/install-deps.sh installs it)"
        return
    fi
    run "$VTOPO" emit qemu -q "$@"
    expect_rc 0
    [ "$RC" = 0 ] || return
    mapfile -t QARGS <<<"$OUT"
    printf 'info numa\nquit\n' | timeout 120 "$QEMU" -accel tcg -S -nodefaults -display none \
        -monitor stdio "${QARGS[@]}" >"$T/qemu.out" 2>"$T/qemu.err"
    qrc=$?
    [ "$qrc" = 0 ] || t_fail "QEMU exit status $qrc"
    [ -s "$T/qemu.err" ] && t_fail "QEMU stderr: $(head -c 400 "$T/qemu.err")"
    if [ -n "$nodes" ]; then
        got=$(tr -d '\r' <"$T/qemu.out" | grep -E '^node [0-9]+ (cpus|size):' | paste -sd'|')
        want=$nodes
        [ "$got" = "$want" ] || t_fail "QEMU's info numa: '$got', expected '$want'"
    fi
}

qemu_accepts "the demo plan" \
    "node 0 cpus: 0 1 2|node 0 size: 512 MB|node 1 cpus: 3 4 5|node 1 size: 512 MB" \
    "${HOST[@]}" "${DEMO[@]}"
qemu_accepts "a CPU model with flags (--cpu max,-hle,+pdpe1gb)" \
    "node 0 cpus: 0 1 2|node 0 size: 512 MB|node 1 cpus: 3 4 5|node 1 size: 512 MB" \
    "${HOST[@]}" "${DEMO[@]}" --cpu max,-hle,+pdpe1gb
qemu_accepts "memfd memory backends (--mem-backend memfd)" \
    "node 0 cpus: 0 1 2|node 0 size: 512 MB|node 1 cpus: 3 4 5|node 1 size: 512 MB" \
    "${HOST[@]}" "${DEMO[@]}" --mem-backend memfd
# Huge pages: QEMU maps them when it starts, so 512 free 2 MiB pages must
# exist. As root the test reserves them and gives them back; otherwise it
# needs them free already.
HP=/proc/sys/vm/nr_hugepages
hp_free() { awk '/^HugePages_Free:/ { n = $2 } END { print n + 0 }' /proc/meminfo; }
hp_old=
hp_restore()
{
    [ -n "$hp_old" ] && echo "$hp_old" >"$HP"
    hp_old=
}
if [ "$(hp_free)" -lt 512 ] && [ "$(id -u)" = 0 ] && [ -w "$HP" ]; then
    hp_old=$(cat "$HP")
    # Given back however the script ends (the scratch directory too).
    trap 'hp_restore; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
    trap 'exit 130' INT TERM
    echo $((hp_old + 512)) >"$HP"
fi
if [ "$(hp_free)" -ge 512 ]; then
    qemu_accepts "2 MiB huge page memory backends (--mem-backend hugepages)" \
        "node 0 cpus: 0 1 2|node 0 size: 512 MB|node 1 cpus: 3 4 5|node 1 size: 512 MB" \
        "${HOST[@]}" "${DEMO[@]}" --mem-backend hugepages
else
    t_begin "QEMU accepts emit qemu: 2 MiB huge page memory backends"
    t_fail "512 free 2 MiB huge pages are needed ($(hp_free) free; run as root to reserve them)"
fi
hp_restore
qemu_accepts "-device vCPUs after the -smp prefix (slot 2 empty)" \
    "node 0 cpus: 0 1|node 0 size: 410 MB|node 1 cpus: 3 4 5|node 1 size: 614 MB" \
    "${HOST[@]}" "${UNBAL[@]}"
qemu_accepts "pc machine, a memory-less vnode" \
    "node 0 cpus: 0 1|node 0 size: 1024 MB|node 1 cpus: 2 3|node 1 size: 0 MB" \
    "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:1 --vnode-memory 1G,0 --memory 1G \
    --mem-layout qemu-pc
qemu_accepts "a CPU-less vnode and an empty one" \
    "node 0 cpus: 0 1|node 0 size: 512 MB|node 1 cpus:|node 1 size: 512 MB|node 2 cpus:|node 2 size: 0 MB|node 3 cpus: 2 3|node 3 size: 0 MB" \
    "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:3 --vnode-memory 512M,512M,0,0 --memory 1G \
    --mem-layout qemu-q35
qemu_accepts "dies=2, threads=2" \
    "node 0 cpus: 0 1 2 3 4 5 6 7|node 0 size: 1024 MB|node 1 cpus: 8 9 10 11 12 13 14 15|node 1 size: 1024 MB" \
    "${HOST[@]}" --vcpus 16 --vnodes 2 --shape sockets=2,dies=2,cores=2,threads=2 --memory 2G \
    --mem-layout qemu-q35
qemu_accepts "3 vnodes over 2 pnodes, the empty slot 8 in vnode 2, -cpu qemu64" \
    "node 0 cpus: 0 1 2|node 0 size: 384 MB|node 1 cpus: 3 4 5|node 1 size: 384 MB|node 2 cpus: 6 7|node 2 size: 256 MB" \
    "${HOST[@]}" --vcpus 8 --vnodes 3 --memory 1G --mem-layout qemu-q35 --cpu qemu64
qemu_accepts "hot-pluggable vCPUs (slots 2-3 of vnode 1) and 1 GiB of hotplug memory (slots/maxmem)" \
    "node 0 cpus: 0 1|node 0 size: 1024 MB|node 1 cpus:|node 1 size: 1024 MB" \
    "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@1

# --numa acpi: the tables `vtopo plan --out` wrote; QEMU builds no SRAT then.
for variant in "" "--hmat" "--madt" "--hmat --madt"; do
    dir="$T/tables${variant// /}"
    "$VTOPO" plan -q "${HOST[@]}" "${UNBAL[@]}" --out "$dir" >/dev/null 2>&1 ||
        echo "note: vtopo plan --out failed for $dir"
    # shellcheck disable=SC2086
    qemu_accepts "--numa acpi $variant (-device vCPUs, tables by vtopo plan --out)" "" \
        "${HOST[@]}" "${UNBAL[@]}" --numa acpi --tables "$dir" $variant
done
dir="$T/tables-dies"
DIES=(--vcpus 8 --vnodes 2 --shape sockets=2,dies=2,cores=2 --memory 1G --mem-layout qemu-pc)
"$VTOPO" plan -q "${HOST[@]}" "${DIES[@]}" --out "$dir" >/dev/null 2>&1
qemu_accepts "--numa acpi --hmat --madt, dies=2, pc machine" "" \
    "${HOST[@]}" "${DIES[@]}" --numa acpi --tables "$dir" --hmat --madt

t_begin "QEMU refuses what it must: the oracle can fail (a zero-size memory backend)"
if [ -n "$QEMU" ]; then
    printf 'quit\n' | timeout 60 "$QEMU" -accel tcg -S -nodefaults -display none -monitor stdio \
        -m 512M -object memory-backend-ram,id=m,size=0 -numa node,memdev=m \
        >/dev/null 2>"$T/qemu.err"
    [ "$?" != 0 ] || t_fail "QEMU accepted a zero-size memory backend"
fi

# ---- libvirt: the schema, and the XML itself --------------------------------------

# wrap FRAGMENT DOMAIN: a minimal domain around a fragment, with the machine
# type and the ACPI feature the fragment's comment asks for.
wrap()
{
    local machine
    machine=$(sed -n "s/.*<type machine='\([a-z0-9]*\)'.*/\1/p" "$1" | head -n 1)
    {
        echo "<domain type='qemu'>"
        echo "  <name>vtopo-emit-test</name>"
        echo "  <os><type arch='x86_64' machine='$machine'>hvm</type></os>"
        echo "  <features><acpi/><apic/></features>"
        cat "$1"
        echo "  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>"
        echo "</domain>"
    } >"$2"
}

libvirt_valid()
{
    local name=$1
    shift
    t_begin "libvirt's schema accepts emit libvirt: $name"
    run "$VTOPO" emit libvirt -q "$@"
    expect_rc 0
    printf '%s\n' "$OUT" >"$T/frag.xml"
    wrap "$T/frag.xml" "$T/domain.xml"
    if ! command -v xmllint >/dev/null 2>&1; then
        t_fail "xmllint not found (Debian package libxml2-utils; scripts/install-deps.sh installs it)"
        return
    fi
    # Well-formed, and the structure: one cell per vnode, ids 0..n-1.
    xmllint --noout "$T/domain.xml" 2>"$T/xmllint.err" ||
        t_fail "xmllint: $(head -c 300 "$T/xmllint.err")"
    if ! command -v virt-xml-validate >/dev/null 2>&1; then
        t_fail "virt-xml-validate not found (Debian package libvirt-clients; scripts/install-deps.sh installs it)"
        return
    fi
    virt-xml-validate "$T/domain.xml" domain >"$T/vxv.out" 2>&1 ||
        t_fail "virt-xml-validate: $(head -c 400 "$T/vxv.out")"
}

libvirt_valid "the demo plan" "${HOST[@]}" "${DEMO[@]}"
libvirt_valid "<vcpus> for the unbalanced plan" "${HOST[@]}" "${UNBAL[@]}"
libvirt_valid "pinned vCPUs (<cputune>)" "${HOST[@]}" --vcpus 5 --pin 0-1:0-1,2-4:6-8 \
    --memory 1G --mem-layout qemu-q35
libvirt_valid "a CPU-less cell, pc machine" "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 \
    --vnode-memory 256M,512M,256M --memory 1G --mem-layout qemu-pc
libvirt_valid "dies and threads" "${HOST[@]}" --vcpus 16 --vnodes 2 \
    --shape sockets=2,dies=2,cores=2,threads=2 --memory 2G --mem-layout qemu-q35

# libvirt_domain NAME WANT... -- ARGS: emit libvirt --domain ARGS is
# well-formed, valid for libvirt's schema, defined by libvirt itself (virsh
# with its test driver parses it as libvirtd would), and holds each WANT line.
libvirt_domain()
{
    local name=$1 want=()
    shift
    while [ "$1" != "--" ]; do
        want+=("$1")
        shift
    done
    shift
    t_begin "libvirt defines emit libvirt --domain: $name"
    run "$VTOPO" emit libvirt -q --domain "$@"
    expect_rc 0
    printf '%s\n' "$OUT" >"$T/domain.xml"
    for w in "${want[@]}"; do
        expect_out_line "$w"
    done
    xmllint --noout "$T/domain.xml" 2>"$T/xmllint.err" ||
        t_fail "xmllint: $(head -c 300 "$T/xmllint.err")"
    virt-xml-validate "$T/domain.xml" domain >"$T/vxv.out" 2>&1 ||
        t_fail "virt-xml-validate: $(head -c 400 "$T/vxv.out")"
    if ! command -v virsh >/dev/null 2>&1; then
        t_fail "virsh not found (Debian package libvirt-clients; scripts/install-deps.sh installs it)"
        return
    fi
    virsh -q -c test:///default define "$T/domain.xml" >"$T/virsh.out" 2>&1 ||
        t_fail "virsh define: $(head -c 400 "$T/virsh.out")"
}

libvirt_domain "the demo plan, named, its own emulator" "  <name>demo</name>" \
    "    <emulator>/usr/libexec/qemu-kvm</emulator>" "  <cpu mode='maximum' check='none'>" -- \
    "${HOST[@]}" "${DEMO[@]}" --name demo --emulator /usr/libexec/qemu-kvm
libvirt_domain "huge pages of 1 GiB, a custom CPU model with flags" \
    "      <page size='1048576' unit='KiB'/>" "    <source type='memfd'/>" \
    "  <cpu mode='custom' match='exact' check='none'>" \
    "    <model fallback='forbid' vendor_id='GenuineIntel'>Skylake-Server</model>" \
    "    <feature policy='require' name='pdpe1gb'/>" "    <feature policy='disable' name='hle'/>" \
    "    <feature policy='require' name='tsc_adjust'/>" -- \
    "${HOST[@]}" --vcpus 6 --vnodes 2 --memory 2G --mem-backend hugepages:1G \
    --cpu Skylake-Server,+pdpe1gb,hle=off,+tsc-adjust,lahf_lm=on,+avx512_bf16,-md-clear

t_begin "libvirt: every <feature> name is one libvirt's CPU map has (QEMU's spellings translated)"
run "$VTOPO" emit libvirt -q "${HOST[@]}" "${DEMO[@]}" \
    --cpu Skylake-Server,+pdpe1gb,hle=off,+tsc-adjust,lahf_lm=on,+avx512_bf16,-md-clear,+x2apic,+sse4_1,+sse4-2,+pclmulqdq,+sse3,+xd,+ffxsr,+i64,+svm_lock
expect_rc 0
CPU_MAP=/usr/share/libvirt/cpu_map/x86_features.xml
if [ ! -f "$CPU_MAP" ]; then
    t_fail "$CPU_MAP not found (Debian package libvirt0, which libvirt-clients brings)"
else
    n=0
    for f in $(printf '%s\n' "$OUT" | sed -n "s/.*<feature policy='[a-z]*' name='\([^']*\)'.*/\1/p"); do
        n=$((n + 1))
        grep -q "<feature name='$f'>" "$CPU_MAP" || t_fail "libvirt's CPU map has no feature '$f'"
    done
    [ "$n" = 15 ] || t_fail "expected 15 <feature> elements, found $n"
fi
expect_out_line "  <feature policy='require' name='tsc_adjust'/>" \
    "  <feature policy='require' name='avx512-bf16'/>" \
    "  <feature policy='require' name='sse4.1'/>" "  <feature policy='require' name='sse4.2'/>" \
    "  <feature policy='require' name='pclmuldq'/>" "  <feature policy='require' name='pni'/>" \
    "  <feature policy='require' name='nx'/>" "  <feature policy='require' name='fxsr_opt'/>" \
    "  <feature policy='require' name='lm'/>" "  <feature policy='require' name='svm-lock'/>"
for p in pmu enforce hv-relaxed kvm-pv-eoi; do
    run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --cpu "max,+$p"
    expect_rc 2
    expect_err_has "the CPU flag '$p' is a QEMU CPU property, not a CPUID feature"
done
libvirt_domain "pinned vCPUs: the emulator threads on the guest nodes' other CPUs" \
    "    <vcpupin vcpu='5' cpuset='8'/>" "    <emulatorpin cpuset='2-4,9-10'/>" \
    "  <cpu mode='host-passthrough' check='none'>" "    <access mode='shared'/>" -- \
    "${HOST[@]}" --vcpus 5 --pin 0-1:0-1,2-4:6-8 --memory 1G --cpu host --mem-backend memfd
libvirt_domain "--emulator-cpus none, host-model, unbalanced vCPUs" \
    "  <cpu mode='host-model' check='none'>" -- \
    "${HOST[@]}" "${UNBAL[@]}" --cpu host-model --emulator-cpus none
libvirt_domain "an explicit --emulator-cpus list" "    <emulatorpin cpuset='0,11'/>" -- \
    "${HOST[@]}" "${DEMO[@]}" --emulator-cpus 11,0

t_begin "libvirt: <emulatorpin> only for pinned guests by default; none, a list; warned on a vCPU's CPU"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}"
expect_rc 0
expect_out_lacks "emulatorpin"
run "$VTOPO" emit libvirt "${HOST[@]}" --vcpus 2 --pin 0-1:0-1 --memory 1G --emulator-cpus none
expect_rc 0
expect_out_lacks "emulatorpin"
run "$VTOPO" emit libvirt "${HOST[@]}" --vcpus 2 --pin 0-1:0-1 --memory 1G --emulator-cpus 1-2
expect_rc 0
expect_err_has "host CPU 1 runs vCPU 1 and QEMU's emulator threads"
run "$VTOPO" emit libvirt "${HOST[@]}" --vcpus 12 --pin 0-11:0-11 --memory 1G
expect_rc 0
expect_out_lacks "emulatorpin"
expect_err_has "warning: no emulator pin: the guest's vCPUs are pinned to every housekeeping host CPU"
run "$VTOPO" emit libvirt "${HOST[@]}" --vcpus 12 --pin 0-11:0-11 --memory 1G --emulator-cpus auto
expect_rc 2
expect_err_has "--emulator-cpus auto: the guest's vCPUs are pinned to every housekeeping host CPU"
# The plan settles it: vtopo plan refuses the same, and records what it chose.
run "$VTOPO" plan "${HOST[@]}" --vcpus 12 --pin 0-11:0-11 --memory 1G --emulator-cpus auto
expect_rc 2
run "$VTOPO" plan "${HOST[@]}" --vcpus 2 --pin 0-1:0-1 --memory 1G --mem-layout qemu-q35 \
    --out "$T/emuplan"
expect_rc 0
expect_out_has "VMM threads (emulator) on host CPUs 2-4"
grep -q '"emulator_cpus": "2-4"' "$T/emuplan/plan.json" || t_fail "plan.json lacks the emulator pin"
run "$VTOPO" emit libvirt -q --plan "$T/emuplan"
expect_out_has "<emulatorpin cpuset='2-4'/>"

t_begin "libvirt refuses what it cannot write: a flag with a value, a bad name, a relative emulator"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --cpu max,level=7
expect_rc 2
expect_err_has "the CPU flag 'level=7' sets a value"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --cpu 'Sky<lake'
expect_rc 2
expect_err_has "is not a QEMU model name"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --cpu max,vendor=AuthenticAMD
expect_rc 2
expect_err_has "sets vendor, which the plan decides"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --domain --name 'a&b'
expect_rc 2
expect_err_has "the domain name holds '&'"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --domain --name a/b
expect_rc 2
expect_err_has "the domain name 'a/b' is not one libvirt takes"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --domain --emulator qemu
expect_rc 2
expect_err_has "the emulator 'qemu' is not an absolute path"
run "$VTOPO" emit libvirt "${HOST[@]}" "${DEMO[@]}" --mem-backend hugepages:1G
expect_rc 2
expect_err_has "vnode 0's 512 MiB are not a whole number of 1024 MiB huge pages"

t_begin "x2APIC needs q35 (the intel-iommu): refused on pc; QEMU 7.2's q35 CPU limit is warned"
run "$VTOPO" emit qemu "${HOST[@]}" --vcpus 300 --memory 2G --shape sockets=2,cores=150 \
    --mem-layout qemu-pc
expect_rc 2
expect_err_has "need x2APIC, which QEMU gives only with interrupt remapping by an intel-iommu, and only the q35 machine has one"
run "$VTOPO" emit libvirt "${HOST[@]}" --vcpus 300 --memory 2G --shape sockets=2,cores=150 \
    --mem-layout qemu-pc
expect_rc 2
expect_err_has "only the q35 machine has one"
run "$VTOPO" emit qemu "${HOST[@]}" --vcpus 290 --memory 2G --shape sockets=2,cores=145
expect_rc 0
expect_err_has "QEMU 7.2's q35 machine takes at most 288 CPUs, and this plan has 290 CPU slots"
if [ -n "$QEMU" ]; then
    # The limit is QEMU's own (the oracle): 289 slots are refused.
    printf 'quit\n' | timeout 60 "$QEMU" -accel tcg -S -nodefaults -display none -monitor stdio \
        -machine q35 -smp 289 >/dev/null 2>"$T/qemu-max.err"
    grep -q "is 288" "$T/qemu-max.err" || t_fail "QEMU: $(head -c 200 "$T/qemu-max.err")"
else
    t_fail "qemu-system-x86_64 not found: QEMU's own 288-CPU limit cannot be checked"
fi

t_begin "libvirt: a guest that sees the host's vendor, not the plan's, is warned"
run "$VTOPO" emit libvirt --synthetic sockets=2,cores=4,mem=8G,vendor=amd --vcpus 4 --memory 2G \
    --vendor intel
expect_rc 0
expect_err_has "with <cpu mode='maximum'> the guest sees the host's CPU vendor (amd), not the plan's (intel)"
run "$VTOPO" emit libvirt --synthetic sockets=2,cores=4,mem=8G,vendor=amd --vcpus 4 --memory 2G \
    --vendor intel --cpu Skylake-Server
expect_rc 0
expect_err_lacks "sees the host's CPU vendor"
expect_out_has "vendor_id='GenuineIntel'"
run "$VTOPO" emit libvirt --synthetic sockets=2,cores=4,mem=8G,vendor=amd --vcpus 4 --memory 2G
expect_rc 0
expect_err_lacks "sees the host's CPU vendor"

t_begin "cloud-hypervisor: memory zones shared, on huge pages"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" --vcpus 6 --vnodes 2 --memory 2G \
    --mem-backend hugepages
expect_rc 0
expect_out_line "id=mem0,size=1024M,shared=on,hugepages=on,hugepage_size=2M,host_numa_node=0"
run "$VTOPO" emit cloud-hypervisor -q "${HOST[@]}" --vcpus 6 --vnodes 2 --memory 2G \
    --mem-backend memfd
expect_rc 0
expect_out_line "id=mem1,size=1024M,shared=on,host_numa_node=1"

t_begin "qemu: hot-pluggable vCPUs keep their slots and vnodes; hotplug memory gets slots/maxmem"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@1
expect_rc 0
expect_out_line "2,sockets=2,cores=2,threads=1,maxcpus=4" "2048M,slots=1,maxmem=3072M" \
    "cpu,node-id=1,socket-id=1,core-id=0,thread-id=0" \
    "cpu,node-id=1,socket-id=1,core-id=1,thread-id=0"

t_begin "qemu native: QEMU's one SRAT range over its whole device-memory region is warned"
run "$VTOPO" emit qemu "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@1,512M@1
expect_rc 0
# 1.5 GiB plus 1 GiB per slot from 4 GiB (read back from QEMU 7.2's SRAT).
expect_err_has "QEMU's own SRAT gives vnode 1 one hot-pluggable range over its whole device-memory region, 0x100000000-0x1dfffffff (1 GiB of alignment per slot included), not the plan's ranges (emit with --numa acpi for ours)"

t_begin "qemu --numa acpi: hotplug memory stays in our SRAT only (QEMU would build its own), warned"
"$VTOPO" plan "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@1 --out "$T/hot" >/dev/null
run "$VTOPO" emit qemu "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@1 --numa acpi --tables "$T/hot"
expect_rc 0
expect_out_line "2048M"
expect_err_has "the hot-pluggable memory is in our SRAT only"

t_begin "qemu native: hotplug memory outside the last vnode is refused"
run "$VTOPO" emit qemu "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@0
expect_rc 2
expect_err_has "QEMU's own SRAT gives all hot-pluggable memory to its last node, but --hotplug-memory puts some in vnode 0; emit with --numa acpi, which passes our SRAT"
expect_out_empty

t_begin "qemu native: generic initiators are refused"
run "$VTOPO" emit qemu "${HOST[@]}" "${HOT[@]}" --initiator 0000:00:04.0@2
expect_rc 2
expect_err_has "QEMU 7.2's -numa options cannot describe generic initiators (--initiator); emit with --numa acpi, which passes our SRAT"
expect_out_empty

# Hot-plug and devices in the views that cannot carry them: refused, not
# left out of the output.
refuse libvirt "libvirt starts QEMU with -numa options, which cannot describe generic initiators (--initiator); plan without --initiator, or emit qemu with --numa acpi, which passes our SRAT" \
    "${HOST[@]}" "${HOT[@]}" --initiator 0000:00:04.0@2 --vnode-memory 1G,512M,512M
refuse libvirt "the libvirt fragment has no memory hot-plug (<maxMemory slots=>), so the hot-pluggable memory of --hotplug-memory would be lost; plan without --hotplug-memory, or emit qemu" \
    "${HOST[@]}" "${HOT[@]}" --hotplug-memory 1G@1
refuse xl "Xen's SRAT (libacpi) has no generic initiator entries (plan without --initiator)" \
    "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 2G --apic xen --mem-layout xen-hvm \
    --initiator 0000:00:04.0@1
refuse cloud-hypervisor "cloud-hypervisor hot-adds memory with virtio-mem (--memory-zone hotplug_size=) at addresses of its own choosing, which these arguments do not set up (plan without --hotplug-memory)" \
    "${HOST[@]}" --vcpus 4 --vnodes 2 --shape sockets=2,cores=2 --memory 2G --hotplug-memory 1G@1
# vnode 1's only vCPU is hot-pluggable and sits in a slot before vnode 2's
# present one: QEMU's SRAT, in slot order, numbers it before vnode 2.
refuse qemu "QEMU builds its own SRAT with a processor entry per CPU slot in slot order, hot-pluggable ones included, so Linux would number vnode 1 as node 1, but the plan (whose SRAT lists the present vCPUs first) predicts node 2 (emit with --numa acpi, which passes our SRAT, or plan with --vcpu-nodes giving each vnode one contiguous range of vCPUs, hot-pluggable ones included, the vnodes with vCPUs present at boot first)" \
    "${HOST[@]}" --vcpus 2 --max-vcpus 3 --vcpu-nodes 0:0,2:1,1:2 --memory 3G --mem-layout qemu-q35
refuse qemu "QEMU's -acpitable file= splits its value into files at ':', but the tables directory 'a:b' has one (write the tables to a directory without ':')" \
    "${HOST[@]}" "${DEMO[@]}" --numa acpi --tables a:b

t_begin "xl: hot-pluggable vCPUs count in maxvcpus and in their vnodes' vcpus= lists"
run "$VTOPO" emit xl -q "${HOST[@]}" --vcpus 4 --max-vcpus 8 --vcpu-nodes 0-1,4-5:0,2-3,6-7:1 \
    --memory 2G --apic legacy --mem-layout xen-hvm
expect_rc 0
expect_out_line "vcpus = 4" "maxvcpus = 8" \
    'vnuma = [ [ "pnode=0", "size=1024", "vcpus=0-1,4-5", "vdistances=10,21" ],' \
    '          [ "pnode=1", "size=1024", "vcpus=2-3,6-7", "vdistances=21,10" ] ]'

t_begin "qemu --madt: the possible CPUs of our MADT include the hot-pluggable ones (no possible_cpus=9 below them)"
"$VTOPO" plan "${HOST[@]}" --vcpus 4 --max-vcpus 10 --vcpu-nodes 0-1,4-6:0,2-3,7-9:1 \
    --memory 2G --mem-layout qemu-q35 --out "$T/hot10" >/dev/null
run "$VTOPO" emit qemu "${HOST[@]}" --vcpus 4 --max-vcpus 10 --vcpu-nodes 0-1,4-6:0,2-3,7-9:1 \
    --memory 2G --mem-layout qemu-q35 --numa acpi --madt --tables "$T/hot10"
expect_rc 0
expect_err_has "vtopo emit: note: the guest kernel needs: acpi_apic_instance=2"
case $ERR in *possible_cpus*) t_fail "possible_cpus in '$ERR'" ;; esac

t_begin "libvirt's schema rejects what it must: the oracle can fail"
if command -v virt-xml-validate >/dev/null 2>&1; then
    sed "s/<cell id='0' cpus='0-2' memory='512'/<cell id='0' cpus='0-2'/" "$T/demo.xml" \
        >"$T/bad.xml"
    wrap "$T/bad.xml" "$T/bad-domain.xml"
    virt-xml-validate "$T/bad-domain.xml" domain >/dev/null 2>&1 &&
        t_fail "virt-xml-validate accepted a cell without memory"
fi

t_begin "the libvirt fragment's structure (xmllint XPath)"
if command -v xmllint >/dev/null 2>&1; then
    wrap "$T/unbal.xml" "$T/unbal-domain.xml"
    x()
    {
        xmllint --xpath "$1" "$T/unbal-domain.xml" 2>/dev/null
    }
    [ "$(x 'count(//cpu/numa/cell)')" = 2 ] || t_fail "not 2 cells"
    [ "$(x 'string(//cpu/numa/cell[@id=1]/@cpus)')" = "3-5" ] || t_fail "cell 1 cpus"
    [ "$(x 'string(//vcpu/@current)')" = 5 ] || t_fail "<vcpu current>"
    [ "$(x 'count(//vcpus/vcpu[@enabled="yes"])')" = 5 ] || t_fail "5 enabled vCPUs"
    [ "$(x 'string(//vcpus/vcpu[@enabled="no"]/@id)')" = 2 ] || t_fail "slot 2 disabled"
    [ "$(x 'string(//cell[@id=1]/distances/sibling[@id=0]/@value)')" = 21 ] ||
        t_fail "distance 1->0"
    [ "$(x 'string(//vcpupin[@vcpu=3]/@cpuset)')" = 6 ] || t_fail "vCPU 2 (slot 3) pinned to 6"
    [ "$(x 'string(//memnode[@cellid=1]/@nodeset)')" = 1 ] || t_fail "cell 1 bound to pnode 1"
fi

t_begin "emit qemu --cpu: flags pass, the vendor and caches stay the plan's"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${DEMO[@]}" --cpu Skylake-Server,+pdpe1gb
expect_rc 0
expect_out_line "Skylake-Server,+pdpe1gb,vendor=GenuineIntel"
run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}" --cpu host,vendor=AuthenticAMD
expect_rc 2
expect_err_has "sets vendor, which the plan decides"

t_begin "emit qemu --mem-backend: huge pages per vnode, bound; a vnode of a fraction of a page refused"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${DEMO[@]}" --mem-backend hugepages --bind
expect_rc 0
expect_out_line "memory-backend-memfd,id=vnode0,size=512M,share=on,hugetlb=on,hugetlbsize=2M,host-nodes=0,policy=bind"
run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}" --mem-backend hugepages:1G
expect_rc 2
expect_err_has "vnode 0's 512 MiB are not a whole number of 1024 MiB huge pages"
run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}" --numa acpi --mem-backend memfd --tables "$T"
expect_rc 2
expect_err_has "--mem-backend goes with --numa native"

# ---- xen-dom0: Xen's boot options for a dom0 built as the plan -------------------

DOM0=(--synthetic sockets=2,cores=4,mem=8G,pxms=3,7)

t_begin "xen-dom0: the identity plan of the whole host: dom0=pvh, every CPU pinned, no dom0_nodes"
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --pin-identity --vcpus 8 --memory 2G
expect_rc 0
[ "$OUT" = "dom0=pvh dom0_max_vcpus=8 dom0_vcpus_pin dom0_mem=2048M,max:2048M" ] ||
    t_fail "stdout is '$OUT'"
expect_err_has "upstream Xen gives a PVH dom0 no SRAT or SLIT"
expect_err_lacks "of the host's 8 online CPUs"

t_begin "xen-dom0: dom0 on one node: dom0_nodes= takes its ACPI PXM (7), not its node id (1)"
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --pin 0-3:4-7 --vcpus 4 --memory 2G
expect_rc 0
[ "$OUT" = "dom0=pvh dom0_max_vcpus=4 dom0_vcpus_pin dom0_mem=2048M,max:2048M dom0_nodes=7" ] ||
    t_fail "stdout is '$OUT'"
expect_err_has "dom0 has 4 of the host's 8 online CPUs: Edera's dom0 vNUMA needs all of them"

t_begin "xen-dom0: a plan Xen would not build is refused, naming what to change"
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --pin 0-3:1-4 --vcpus 4 --memory 2G
expect_rc 2
expect_err_has "Xen puts dom0's vCPU 0 on host CPU 0 (the CPUs of dom0's nodes in order, dom0_vcpus_pin), but this plan pins it to CPU 1"
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --vcpus 4 --memory 2G
expect_rc 2
expect_err_has "but this plan leaves it unpinned (plan with --pin-identity)"
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --pin-identity --vcpus 8 --memory 2G --apic sdm
expect_rc 2
expect_err_has "not the sdm encoding of this plan (plan with --apic xen, or --apic legacy)"
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --pin-identity --vcpus 4 --max-vcpus 6 --memory 2G
expect_rc 2
expect_out_empty
expect_err_has "Xen's boot options give dom0 no hot-pluggable vCPUs (plan without --max-vcpus)"
"$VTOPO" host "${DOM0[@]}" --save "$T/dom0-host.json" >/dev/null
sed -i 's/"host_pxm": [0-9]*/"host_pxm": null/' "$T/dom0-host.json"
run "$VTOPO" emit xen-dom0 --host "$T/dom0-host.json" --pin 0-3:4-7 --vcpus 4 --memory 2G
expect_rc 2
expect_err_has "Xen's dom0_nodes= takes ACPI proximity domains, and host node 1's is not known"

t_begin "xen-dom0: --plan DIR of a dom0 plan gives the same line"
"$VTOPO" plan -q "${DOM0[@]}" --pin-identity --vcpus 8 --memory 2G --apic xen --out "$T/dom0-plan" \
    >/dev/null
run "$VTOPO" emit xen-dom0 -q --plan "$T/dom0-plan"
expect_rc 0
[ "$OUT" = "dom0=pvh dom0_max_vcpus=8 dom0_vcpus_pin dom0_mem=2048M,max:2048M" ] ||
    t_fail "stdout is '$OUT'"

t_begin "emit --isolcpus: the guest kernel parameters that keep interrupts off those vCPUs, even with -q"
run "$VTOPO" emit qemu -q "${HOST[@]}" "${DEMO[@]}" --isolcpus 1-2,4-5
expect_rc 0
expect_err_has "the guest kernel needs: isolcpus=managed_irq,domain,1-2,4-5 irqaffinity=0,3"
expect_err_has "under TCG (no KVM) the guest kernel needs: possible_cpus=9 isolcpus=managed_irq,domain,1-2,4-5 irqaffinity=0,3"
expect_out_has "-numa"
for fmt in libvirt cloud-hypervisor; do
    run "$VTOPO" emit "$fmt" -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --isolcpus 3
    expect_rc 0
    expect_err_has "the guest kernel needs: isolcpus=managed_irq,domain,3 irqaffinity=0-2"
done
run "$VTOPO" emit xl -q "${HOST[@]}" --vcpus 4 --vnodes 2 --memory 1G --isolcpus 3
expect_rc 0
expect_err_has "the guest kernel needs: isolcpus=managed_irq,domain,3 irqaffinity=0-2"
run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}"
expect_err_lacks "isolcpus"
t_end

t_begin "emit --isolcpus: refusals name the option and the rule"
for iso in 0-2 6 0-5 1-; do
    run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}" --isolcpus "$iso"
    expect_rc 2
    expect_out_empty
    expect_err_has "vtopo emit: --isolcpus $iso"
done
run "$VTOPO" emit xen-dom0 "${DOM0[@]}" --pin-identity --vcpus 8 --memory 2G --isolcpus 3
expect_rc 2
expect_err_has "--isolcpus goes with qemu, libvirt, xl and cloud-hypervisor; xen-dom0 does not take it"
run "$VTOPO" emit qemu "${HOST[@]}" "${DEMO[@]}" --hot-remove 0000:3b:00.0 --isolcpus 3
expect_rc 2
expect_err_has "--isolcpus goes with a guest's configuration"
t_end

vt_finish
