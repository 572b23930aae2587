#!/usr/bin/env bash
# Setup snippets below are single-quoted on purpose: mutate_fs evals them.
# shellcheck disable=SC2016
# Bad input for `vtopo host`: broken sysfs trees, broken host files and broken
# synthetic specs, built on the fly from small valid ones. Each must give exit
# status 2 and one sentence naming the file/field and the rule, never a crash,
# never output or a --save file; a few only warn (exit 0, a warning sentence).
#
# Usage: test_bad_input.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
vt_require_binary "$VTOPO"
vt_mktemp

SAVE=$T/saved.json

# ---- valid inputs the cases break ----------------------------------------

vt_make_fsroot "$T/fs"
vt_write_host_json "$T/base.json"

# ---- runners -------------------------------------------------------------

# The checks every rejected input gets: exit 2, one line "vtopo host: ...",
# the expected substrings, no output, no --save file or temp file.
expect_rejected()
{
    expect_rc 2
    expect_err_one_line "vtopo host: "
    expect_err_has "$@"
    expect_out_empty
    expect_file_absent "$SAVE"
    expect_no_temp "$T" "$(basename "$SAVE")"
    rm -f "$SAVE"
}

# Copy the valid fsroot to $T/m and run SETUP inside it.
mutate_fs()
{
    rm -rf "$T/m"
    cp -R "$T/fs" "$T/m"
    (cd "$T/m" && eval "$1") || t_fail "setup failed: $1"
}

# fs_bad NAME SETUP SUBSTR...: the mutated tree is rejected.
fs_bad()
{
    t_begin "sysfs: $1"
    mutate_fs "$2"
    shift 2
    run "$VTOPO" host --fsroot "$T/m" --save "$SAVE"
    expect_rejected "$@"
}

# fs_warn NAME SETUP WARNING [OUTPUT-LINE...]: loads, with a warning.
fs_warn()
{
    local w
    t_begin "sysfs (warns): $1"
    mutate_fs "$2"
    w=$3
    shift 3
    run "$VTOPO" host --fsroot "$T/m"
    expect_rc 0
    expect_err_has "vtopo host: warning: " "$w"
    expect_out_line "$@"
    run "$VTOPO" host --fsroot "$T/m" --quiet
    expect_rc 0
    expect_err_empty
}

# json_bad NAME SED-EXPR SUBSTR...: base.json edited by SED-EXPR is rejected.
json_bad()
{
    t_begin "host file: $1"
    sed -e "$2" "$T/base.json" >"$T/h.json"
    if cmp -s "$T/base.json" "$T/h.json"; then
        t_fail "the sed expression changed nothing (test defect): $2"
    fi
    shift 2
    run "$VTOPO" host --host "$T/h.json" --save "$SAVE"
    expect_rejected "$@"
}

# spec_bad NAME SPEC SUBSTR...
spec_bad()
{
    t_begin "synthetic: $1"
    local spec=$2
    shift 2
    run "$VTOPO" host --synthetic "$spec" --save "$SAVE"
    expect_rejected "$@"
}

# ---- the valid inputs load (otherwise every case below means nothing) ----

t_begin "sysfs: the valid tree loads"
run "$VTOPO" host --fsroot "$T/fs"
expect_rc 0
expect_out_line "available: 2 nodes (0-1), possible 0-1" \
    "node 0 (pxm unknown)" "node 1 (pxm unknown)" \
    "  cpus:         0-1" "  cpus:         2-3" "  memory:       1024 MiB (512 MiB free)" \
    "  ranges:       0x0-0x3fffffff" "  ranges:       0x40000000-0x7fffffff" \
    "   0:   10   20" "   1:   20   10" \
    "devices on node 1 (1):" \
    "  topology:     package 0, 1 core, 2 threads per core, L3 (16 MiB each) 2-3" \
    "  0000:00:01.0 [8086:1234] class 020000 local_cpus 2-3 driver ixgbe iommu_group 7 msi 2 (irq 24-25)" \
    "  0000:00:02.0 [1af4:1042] class 018000 local_cpus unknown"
expect_err_lacks "node 0 has" "distances unknown" "is missing"

t_begin "sysfs: every CPU's place (--cpus); --cpus and --json are one or the other"
run "$VTOPO" host -q --cpus --fsroot "$T/fs"
expect_rc 0
expect_out_line "  cpu  node package     die cluster    core online   siblings         llc" \
    "    0     0       0       -       -       0 yes      0-1              -" \
    "    3     1       0       -       -       1 yes      2-3              L3 2-3"
run "$VTOPO" host -q --cpus --json --fsroot "$T/fs"
expect_rc 2
expect_err_has "--json and --cpus: give one"
# An SR-IOV physical function and its virtual function (physfn link).
cp -r "$T/fs" "$T/fsv"
mkdir -p "$T/fsv/$PCI/0000:00:01.2"
ln -s ../0000:00:01.0 "$T/fsv/$PCI/0000:00:01.2/physfn"
run "$VTOPO" host -q --fsroot "$T/fsv"
expect_rc 0
expect_out_has "0000:00:01.0 [8086:1234] class 020000 local_cpus 2-3 driver ixgbe iommu_group 7 virtfns 0000:00:01.2 msi 2" \
    "0000:00:01.2 [0000:0000] class 000000 local_cpus unknown physfn 0000:00:01.0"
rm -r "$T/fsv/$PCI/0000:00:01.0"
run "$VTOPO" host --fsroot "$T/fsv"
expect_rc 0
expect_err_has "PCI device 0000:00:01.2: its physical function 0000:00:01.0 is not a device of this host; its SR-IOV relation is dropped"
ln -s ../bad "$T/fsv/$PCI/0000:00:02.0/iommu_group"
run "$VTOPO" host --fsroot "$T/fsv"
expect_rc 2
expect_err_has "0000:00:02.0/iommu_group: 'bad' is not an IOMMU group number"
rm "$T/fsv/$PCI/0000:00:02.0/iommu_group"
mkdir -p "$T/fsv/$PCI/0000:00:02.0/msi_irqs/x1"
run "$VTOPO" host --fsroot "$T/fsv"
expect_rc 2
expect_err_has "0000:00:02.0/msi_irqs: entry 'x1' is not an IRQ number"
rmdir "$T/fsv/$PCI/0000:00:02.0/msi_irqs/x1"
echo 3 >"$T/fsv/$S/cpu/cpu2/topology/thread_siblings_list"
run "$VTOPO" host --fsroot "$T/fsv"
expect_rc 2
expect_err_has "CPU 2: its SMT siblings 3 do not include it"
echo 2-3 >"$T/fsv/$S/cpu/cpu2/topology/thread_siblings_list"
echo 12Q >"$T/fsv/$S/cpu/cpu2/cache/index3/size"
run "$VTOPO" host --fsroot "$T/fsv"
expect_rc 2
expect_err_has "cpu2/cache/index3/size: '12Q' is not a cache size (32K, 1024K)"
echo x >"$T/fsv/$S/cpu/cpu2/topology/core_id"
run "$VTOPO" host --fsroot "$T/fsv"
expect_rc 2
expect_err_has "cpu2/topology/core_id: 'x' is not -1 or an id"

t_begin "host file: the valid file loads"
run "$VTOPO" host --host "$T/base.json"
expect_rc 0
expect_err_empty
expect_out_line "available: 2 nodes (0-1), possible 0-1" "node 0 (pxm 0)" "node 1 (pxm unknown)" \
    "  memory:       2048 MiB" "   1:   21   11" \
    "  0000:3b:00.0 [8086:1234] class 020000 local_cpus 2-3 msi 4 (irq 24-27)"

# ---- a. broken sysfs trees -----------------------------------------------

# node cpulist / cpumap
fs_bad "cpulist with trailing garbage" 'echo 0-3x >$S/node/node0/cpulist' \
    "$S/node/node0/cpulist: '0-3x'" "offset 3"
fs_bad "cpulist range going backwards" 'echo 5-2 >$S/node/node0/cpulist' \
    "$S/node/node0/cpulist: '5-2'" "goes backwards"
fs_bad "cpulist beyond the CPU limit" 'echo 0-99999 >$S/node/node0/cpulist' \
    "$S/node/node0/cpulist: '0-99999'" "exceeds the maximum 16383"
fs_bad "cpulist with a NUL byte" 'printf "0-\0001\n" >$S/node/node1/cpulist' \
    "$S/node/node1/cpulist" "NUL byte"
fs_bad "cpumap not hex (no cpulist)" 'rm $S/node/node0/cpulist; echo zz >$S/node/node0/cpumap' \
    "$S/node/node0/cpumap: 'zz'" "1 to 8 hex digits"
fs_bad "cpumap word of 9 hex digits" \
    'rm $S/node/node0/cpulist; echo 123456789 >$S/node/node0/cpumap' \
    "$S/node/node0/cpumap: '123456789'" "1 to 8 hex digits"

# cpu/
fs_bad "cpu/online garbage" 'echo garbage >$S/cpu/online' \
    "$S/cpu/online: 'garbage'" "expected a number"
fs_bad "cpu/online empty: no online CPU" ': >$S/cpu/online' "$S/cpu/online: no CPU is online"
fs_bad "cpu/possible with two dashes" 'echo 1-2-3 >$S/cpu/possible' "$S/cpu/possible: '1-2-3'"
fs_bad "cpu/isolated garbage" 'echo x >$S/cpu/isolated' "$S/cpu/isolated: 'x'"
fs_bad "cpu/nohz_full truncated range" 'echo 1- >$S/cpu/nohz_full' \
    "$S/cpu/nohz_full: '1-'" "a number is missing at the end"
fs_bad "no cpu directory" 'rm -r $S/cpu' "$S/cpu: cannot list CPUs"

# meminfo
fs_bad "meminfo without MemTotal" 'echo "Node 0 MemFree: 1 kB" >$S/node/node0/meminfo' \
    "$S/node/node0/meminfo: no MemTotal line"
fs_bad "MemTotal not a number" 'echo "Node 0 MemTotal: lots kB" >$S/node/node0/meminfo' \
    "$S/node/node0/meminfo: MemTotal is not a number"
fs_bad "MemTotal not in kB" 'echo "Node 1 MemTotal: 12 MB" >$S/node/node1/meminfo' \
    "$S/node/node1/meminfo: MemTotal must be a number of kB"
fs_bad "MemTotal beyond 64 bits" \
    'echo "Node 0 MemTotal: 99999999999999999999999 kB" >$S/node/node0/meminfo' \
    "$S/node/node0/meminfo: MemTotal"

# distance
fs_bad "distance row with a word" 'echo "10 x" >$S/node/node0/distance' \
    "$S/node/node0/distance: entry 2 is not a non-negative number"
fs_bad "distance row with a negative number" 'echo "-20 10" >$S/node/node1/distance' \
    "$S/node/node1/distance: entry 1 is not a non-negative number"
fs_bad "distance row with a number glued to text" 'echo "10 20x" >$S/node/node0/distance' \
    "$S/node/node0/distance: entry 2"

# node/
fs_bad "node/online empty: no node online" ': >$S/node/online' "$S/node: no online node"
fs_bad "node/online garbage" 'echo x >$S/node/online' "$S/node/online: 'x'"
fs_bad "node/online beyond the node limit" 'echo 9999 >$S/node/online' \
    "$S/node/online: '9999'" "exceeds the maximum 4095"
fs_bad "node/online names only a node without a directory" 'echo 5 >$S/node/online' \
    "$S/node: no node directory"
fs_bad "node/possible garbage" 'echo 0-1, x >$S/node/possible' "$S/node/possible"
fs_bad "node/has_generic_initiator garbage" 'echo q >$S/node/has_generic_initiator' \
    "$S/node/has_generic_initiator: 'q'"
fs_bad "no node online and no node directory" 'rm $S/node/online; rm -r $S/node/node0 $S/node/node1' \
    "$S/node: no online node"

# memory block size
fs_bad "block_size_bytes not hex" 'echo zz >$S/memory/block_size_bytes' \
    "$S/memory/block_size_bytes: 'zz' is not a power-of-two hex size"
fs_bad "block_size_bytes not a power of two" 'echo 3000000 >$S/memory/block_size_bytes' \
    "$S/memory/block_size_bytes: '3000000' is not a power-of-two hex size"
fs_bad "block_size_bytes zero" 'echo 0 >$S/memory/block_size_bytes' \
    "$S/memory/block_size_bytes: '0' is not a power-of-two hex size"

# PCI
fs_bad "PCI numa_node 'abc'" "echo abc >$PCI/0000:00:01.0/numa_node" \
    "$PCI/0000:00:01.0/numa_node: 'abc' is not -1 or a node id"
fs_bad "PCI numa_node -7" "echo -7 >$PCI/0000:00:01.0/numa_node" \
    "$PCI/0000:00:01.0/numa_node: '-7' is not -1 or a node id"
fs_bad "PCI numa_node beyond the node limit" "echo 99999 >$PCI/0000:00:01.0/numa_node" \
    "$PCI/0000:00:01.0/numa_node: '99999'"
fs_bad "PCI device directory with a bad name" "mkdir $PCI/not-a-bdf" \
    "$PCI/not-a-bdf: not a PCI address DDDD:BB:DD.F"
fs_bad "PCI device number above 31" "mkdir $PCI/0000:00:20.0" \
    "$PCI/0000:00:20.0: not a PCI address"
fs_bad "PCI function above 7" "mkdir $PCI/0000:00:01.8" "$PCI/0000:00:01.8: not a PCI address"
fs_bad "PCI vendor not hex" "echo 0xzz >$PCI/0000:00:01.0/vendor" \
    "$PCI/0000:00:01.0/vendor: '0xzz' is not a hex value up to 0xffff"
fs_bad "PCI vendor above 16 bits" "echo 0x12345 >$PCI/0000:00:02.0/vendor" \
    "$PCI/0000:00:02.0/vendor: '0x12345' is not a hex value up to 0xffff"
fs_bad "PCI device id not hex" "echo xyz >$PCI/0000:00:01.0/device" \
    "$PCI/0000:00:01.0/device: 'xyz'"
fs_bad "PCI class above 24 bits" "echo 0x1000000 >$PCI/0000:00:01.0/class" \
    "$PCI/0000:00:01.0/class: '0x1000000' is not a hex value up to 0xffffff"
fs_bad "PCI uevent with a malformed PCI_ID" \
    "printf 'PCI_CLASS=20000\\nPCI_ID=80861234\\n' >$PCI/0000:00:01.0/uevent" \
    "$PCI/0000:00:01.0/uevent: PCI_ID '80861234' is not VVVV:DDDD"
fs_bad "PCI uevent with a non-hex vendor" \
    "printf 'PCI_CLASS=20000\\nPCI_ID=80G6:1234\\n' >$PCI/0000:00:01.0/uevent" \
    "$PCI/0000:00:01.0/uevent: PCI_ID '80G6:1234' is not VVVV:DDDD"
fs_bad "PCI uevent with a class above 24 bits" \
    "printf 'PCI_CLASS=1000000\\nPCI_ID=8086:1234\\n' >$PCI/0000:00:01.0/uevent" \
    "$PCI/0000:00:01.0/uevent: PCI_CLASS '1000000' is not a 24-bit hex value"
fs_bad "PCI local_cpulist garbage" "echo 9-x >$PCI/0000:00:01.0/local_cpulist" \
    "$PCI/0000:00:01.0/local_cpulist: '9-x'"
fs_bad "PCI local_cpus mask garbage" \
    "rm $PCI/0000:00:01.0/local_cpulist; echo q >$PCI/0000:00:01.0/local_cpus" \
    "$PCI/0000:00:01.0/local_cpus: 'q'"
fs_bad "the same PCI device under two names" "cp -R $PCI/0000:00:01.0 $PCI/00000:00:01.0" \
    "PCI device 0000:00:01.0 is listed twice"

# no NUMA at all, /proc/meminfo broken
fs_bad "kernel without NUMA and a broken /proc/meminfo" \
    'rm -r $S/node; mkdir proc; echo "MemTotal: x kB" >proc/meminfo' \
    "proc/meminfo: MemTotal is not a number"

# the fsroot itself
t_begin "sysfs: fsroot that does not exist"
run "$VTOPO" host --fsroot "$T/does-not-exist" --save "$SAVE"
expect_rejected "fsroot $T/does-not-exist does not exist"

t_begin "sysfs: fsroot that is a regular file"
: >"$T/regular-file"
run "$VTOPO" host --fsroot "$T/regular-file" --save "$SAVE"
# Expected like the missing-fsroot sentence, not a path glued to itself.
expect_rejected "fsroot $T/regular-file"

t_begin "sysfs: fsroot one level too deep (…/sys)"
run "$VTOPO" host --fsroot "$T/fs/sys" --save "$SAVE"
expect_rejected "$T/fs/sys/$S/cpu"

t_begin "sysfs: empty --fsroot is refused, not taken as the live system"
run "$VTOPO" host --fsroot "" --save "$SAVE"
expect_rejected "fsroot"

# warn but keep going
fs_warn "distance row of the wrong length" 'echo "10 20 30" >$S/node/node0/distance' \
    "$S/node/node0/distance lists 3 distances but 2 nodes are online; distances unknown" \
    "node distances: unknown"
fs_warn "distance rows over the possible nodes" \
    'echo 0-2 >$S/node/possible; echo "10 20 30" >$S/node/node0/distance; echo "20 10 30" >$S/node/node1/distance' \
    "one per possible node" "   0:   10   20" "   1:   20   10"
fs_warn "a node without a distance file" 'rm $S/node/node1/distance' \
    "node 1 has no distance file; distances unknown" "node distances: unknown"
fs_warn "every node lists the same CPUs" \
    'echo 0-3 >$S/node/node0/cpulist; echo 0-3 >$S/node/node1/cpulist' \
    "node 1 lists CPUs 0-3 that a lower node already lists" \
    "  cpus:         0-3" "node 1 (pxm unknown) cpu-less"
fs_warn "a node without meminfo" 'rm $S/node/node0/meminfo' \
    "node 0 has no meminfo; its memory size is taken as 0" \
    "node 0 (pxm unknown) memory-less" "  memory:       0 MiB"
fs_warn "a node with neither cpulist nor cpumap" \
    'rm $S/node/node1/cpulist $S/node/node1/cpumap' \
    "node 1 has neither cpulist nor cpumap" "node 1 (pxm unknown) cpu-less"
fs_warn "no cpu/online: CPUs from the cpuN directories" \
    'rm $S/cpu/online; echo 0 >$S/cpu/cpu3/online' \
    "$S/cpu/online is missing" "cpus online:       0-2" "  cpus:         2"
fs_warn "node/online names a node without a directory" 'echo 0-2 >$S/node/online' \
    "node 2 is listed online but" "available: 2 nodes (0-1), possible 0-2"
fs_warn "PCI numa_node of a node that is not online" "echo 5 >$PCI/0000:00:01.0/numa_node" \
    "PCI device 0000:00:01.0: numa_node 5 is not an online node" \
    "devices with no node (numa_node -1) (2):"
fs_warn "memory blocks without block_size_bytes" 'rm $S/memory/block_size_bytes' \
    "block_size_bytes is missing; physical memory ranges unknown" "  memory:       1024 MiB (512 MiB free)"
fs_warn "kernel without NUMA (no node directory)" \
    'rm -r $S/node; mkdir proc; echo "MemTotal: 2097152 kB" >proc/meminfo' \
    "modelled as one node 0" "node 0 (pxm unknown)" "  cpus:         0-3" \
    "  memory:       2048 MiB"

# ---- b. broken host files ------------------------------------------------

json_bad "not JSON: missing comma (names the line)" 's/"version": 2,/"version": 2/' \
    "h.json: line 4: not valid JSON"
json_bad "not JSON: stray commas" '20s/$/ ,,/' "h.json: line 20: not valid JSON"
json_bad "not JSON: truncated" '$d' "h.json: line" "not valid JSON (unexpected end of file)"
json_bad "text after the document" 's/^}$/}\n{}/' "h.json: line 35: text after the JSON document"
json_bad "top level not an object" '1,$c []' "h.json: top level: must be an object"
json_bad "wrong format" 's/"format": "vtopo-host"/"format": "hwloc"/' \
    "h.json: format: must be \"vtopo-host\""
json_bad "missing format" '/"format"/d' "h.json: format: must be \"vtopo-host\""
json_bad "wrong version" 's/"version": 2/"version": 3/' "h.json: version: must be 1 or 2"
json_bad "version as a string" 's/"version": 2/"version": "2"/' "h.json:" "version" \
    "must be an integer"
json_bad "unknown top-level key" 's/"source": "test",/"source": "test", "colour": "red",/' \
    "h.json: top level: unknown key 'colour'"
json_bad "unknown key in a node" 's/"host_pxm": 0,/"host_pxm": 0, "speed": 1,/' \
    "h.json: nodes[0]: unknown key 'speed'"
json_bad "unknown key in cpus" 's/"isolated": "",/"isolated": "", "smt": "",/' \
    "h.json: cpus: unknown key 'smt'"
json_bad "missing nodes" '/"nodes": \[/,/^  \],/d' "h.json: nodes: is missing"
json_bad "empty nodes array" '/"nodes": \[/,/^  \],/c\  "nodes": [],' \
    "h.json: nodes: must list at least one node"
json_bad "duplicate pnode" 's/"pnode": 1,$/"pnode": 0,/' \
    "h.json: nodes[1]: pnode must be above the previous node's (ascending, unique)"
json_bad "pnodes out of order" 's/"pnode": 0,$/"pnode": 5,/' \
    "h.json: nodes[1]: pnode must be above the previous node's"
json_bad "pnode beyond the node limit" 's/"pnode": 0,$/"pnode": 4096,/' \
    "h.json: nodes[0].pnode: must be at most 4095"
json_bad "negative pnode" 's/"pnode": 0,$/"pnode": -1,/' "h.json: nodes[0].pnode: must not be negative"
json_bad "bad cpulist in nodes[0].cpus" 's/"cpus": "0-1"/"cpus": "0-1x"/' \
    "h.json: nodes[0].cpus: '0-1x'"
json_bad "backwards cpulist in nodes[1].cpus" 's/"cpus": "2-3"/"cpus": "3-2"/' \
    "h.json: nodes[1].cpus: '3-2'" "goes backwards"
json_bad "cpus not a string" 's/"cpus": "0-1"/"cpus": 3/' \
    "h.json: nodes[0].cpus: must be a cpulist string"
json_bad "offline_cpus sharing a CPU with cpus" 's/"cpus": "2-3"/"cpus": "2-3", "offline_cpus": "3"/' \
    "h.json: nodes[1]: offline_cpus and cpus must not share a CPU"
json_bad "no online CPU (names the file, not the recorded source)" \
    's/"online": "0-3",/"online": "",/' "h.json" "no online CPU"
json_bad "cpus.online missing" '/"online": "0-3",/d' "h.json: cpus.online: is missing"
json_bad "cpus.isolated beyond the CPU limit" 's/"isolated": ""/"isolated": "0-99999"/' \
    "h.json: cpus.isolated: '0-99999'" "exceeds the maximum"
json_bad "distances row of the wrong length" 's/\[ 10, 20 \]/[ 10, 20, 30 ]/' \
    "h.json: nodes[0].distances: has 3 entries, expected one per node (2)"
json_bad "distance 0" 's/\[ 21, 11 \]/[ 0, 11 ]/' \
    "h.json: nodes[1].distances: entry 0 must be null or an integer 1..65535"
json_bad "distance not a number" 's/\[ 10, 20 \]/[ 10, "far" ]/' \
    "h.json: nodes[0].distances: entry 1 must be null or an integer"
json_bad "negative memory_bytes" 's/"memory_bytes": 1073741824/"memory_bytes": -5/' \
    "h.json: nodes[0].memory_bytes: must not be negative"
json_bad "memory_bytes not an integer" 's/"memory_bytes": 2147483648/"memory_bytes": 1.5/' \
    "h.json: nodes[1].memory_bytes: must be an integer"
json_bad "memory_bytes beyond 64 bits" \
    's/"memory_bytes": 1073741824/"memory_bytes": 18446744073709551616/' \
    "h.json: nodes[0].memory_bytes"
json_bad "host_pxm missing" 's/"host_pxm": 0,//' \
    "h.json: nodes[0]: host_pxm is missing (use null when unknown)"
json_bad "negative host_pxm" 's/"host_pxm": 0,/"host_pxm": -1,/' \
    "h.json: nodes[0].host_pxm: must not be negative"
json_bad "memory range end below start" 's/"end": "0x40000000"/"end": "0x0"/' \
    "h.json: nodes[0].memory_ranges[0].end: must be above start"
json_bad "memory range end equal to start" 's/"end": "0xc0000000"/"end": "0x40000000"/' \
    "h.json: nodes[1].memory_ranges[0].end: must be above start"
json_bad "memory range without start" 's/{ "start": "0x0", /{ /' \
    "h.json: nodes[0].memory_ranges[0]: needs both start and end"
json_bad "memory range bound not hex" 's/"end": "0xc0000000"/"end": "3221225472"/' \
    "h.json: nodes[1].memory_ranges[0].end: '3221225472' is not a hex value"
json_bad "memory ranges of two nodes overlap" 's/"start": "0x40000000"/"start": "0x3ff00000"/' \
    "h.json" "memory range 0x3ff00000-0xc0000000 of node 1 overlaps" "of node 0"
json_bad "bad bdf" 's/"bdf": "0000:3b:00.0"/"bdf": "3b:00.0"/' \
    "h.json: devices[0].bdf: '3b:00.0' is not a PCI address DDDD:BB:DD.F"
json_bad "bdf with function 9" 's/"bdf": "0000:3b:00.0"/"bdf": "0000:3b:00.9"/' \
    "h.json: devices[0].bdf: '0000:3b:00.9'"
json_bad "vendor without 0x" 's/"vendor": "0x8086"/"vendor": "8086"/' \
    "h.json: devices[0].vendor: '8086' is not a hex value"
json_bad "vendor above 16 bits" 's/"vendor": "0x8086"/"vendor": "0x18086"/' \
    "h.json: devices[0].vendor: '0x18086'"
json_bad "negative device pnode" 's/"pnode": 1, "local_cpus"/"pnode": -1, "local_cpus"/' \
    "h.json: devices[0].pnode: must not be negative"
json_bad "bad device local_cpus" 's/"local_cpus": "2-3"/"local_cpus": "2-3-"/' \
    "h.json: devices[0].local_cpus: '2-3-'"
json_bad "an MSI IRQ number too large" 's/\[ 24, 25,/[ 24, 4294967295,/' \
    "h.json: devices[0].msi_irqs: entry 1 must be an IRQ number (0 to 4294967294)"
json_bad "msi_irqs a count in version 2" 's/"msi_irqs": \[ 24, 25, 26, 27 \]/"msi_irqs": 4/' \
    "h.json: devices[0].msi_irqs: must be an array of IRQ numbers"
json_bad "an MSI IRQ twice" 's/\[ 24, 25, 26, 27 \]/[ 24, 25, 24 ]/' \
    "PCI device 0000:3b:00.0: MSI IRQ 24 is listed twice"
json_bad "both msi_irqs and msi_irq_count" 's/"msi_irqs": \[/"msi_irq_count": 4, "msi_irqs": [/' \
    "h.json: devices[0]: msi_irqs and msi_irq_count: give one"
json_bad "a driver that is not a name" 's/"local_cpus": "2-3",/"local_cpus": "2-3", "driver": "a b",/' \
    "h.json: devices[0].driver: 'a b' is not a driver name"
json_bad "a physfn that is not a PCI address" 's/"local_cpus": "2-3",/"local_cpus": "2-3", "physfn": "3b:00",/' \
    "h.json: devices[0].physfn: '3b:00' is not a PCI address DDDD:BB:DD.F"
json_bad "a negative IOMMU group" 's/"local_cpus": "2-3",/"local_cpus": "2-3", "iommu_group": -1,/' \
    "h.json: devices[0].iommu_group: must not be negative"
json_bad "a CPU topology listed twice" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 1 }, { "cpu": 1 } ]/' \
    "h.json: cpus.topology[1]: CPU 1 is listed twice"
json_bad "a CPU outside its own siblings" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 1, "siblings": "2-3" } ]/' \
    "h.json" "CPU 1: its SMT siblings 2-3 do not include it"
json_bad "a topology for a CPU that is not possible" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 9 } ]/' \
    "h.json" "CPU 9 has a topology (package, core, siblings) but is not a possible CPU"
json_bad "llc_level without llc" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 1, "llc_level": 3 } ]/' \
    "h.json: cpus.topology[0]: llc_level and llc_bytes describe llc, which is missing"
json_bad "SMT siblings two CPUs disagree on" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 0, "siblings": "0-1" }, { "cpu": 1, "siblings": "1" } ]/' \
    "h.json" "CPU 0's SMT siblings are 0-1 but CPU 1's are 1 (a group is the same for each of its CPUs)"
json_bad "an llc_level of 0" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 1, "llc": "1", "llc_level": 0 } ]/' \
    "h.json: cpus.topology[0]: llc_level must be 1 or more"
json_bad "an unknown key in a CPU topology" \
    's/"nohz_full": ""/"nohz_full": "", "topology": [ { "cpu": 1, "socket": 0 } ]/' \
    "h.json: cpus.topology[0]: unknown key 'socket'"
json_bad "devices not an array" 's/"devices": \[/"devices": 5, "warnings": [/' \
    "h.json: devices: must be an array"
json_bad "the same device twice" \
    's/26, 27 \] }/26, 27 ] }, { "bdf": "0000:3b:00.0" }/' \
    "h.json" "PCI device 0000:3b:00.0 is listed twice"
json_bad "warnings not strings" 's/"source": "test",/"source": "test", "warnings": [1],/' \
    "h.json: warnings: must be an array of strings"

t_begin "host file: empty file"
: >"$T/empty.json"
run "$VTOPO" host --host "$T/empty.json" --save "$SAVE"
expect_rejected "empty.json: empty (a host file is a JSON object)"

t_begin "host file: binary garbage"
printf '\377\376\000\001' >"$T/binary.json"
run "$VTOPO" host --host "$T/binary.json" --save "$SAVE"
expect_rejected "binary.json: line 1: not valid JSON"

t_begin "host file: does not exist"
run "$VTOPO" host --host "$T/nope.json" --save "$SAVE"
expect_rejected "$T/nope.json: cannot open: No such file or directory"

t_begin "host file: a directory"
mkdir -p "$T/a-directory"
run "$VTOPO" host --host "$T/a-directory" --save "$SAVE"
expect_rejected "$T/a-directory" "directory"

t_begin "host file: empty --host names no file"
run "$VTOPO" host --host "" --save "$SAVE"
expect_rejected "vtopo host: "
expect_err_lacks "vtopo host: : "

# ---- c. broken synthetic specs -------------------------------------------

spec_bad "unknown key" 'sockets=2,colour=red' "synthetic spec: unknown key 'colour'" \
    "known: sockets, nodes-per-socket"
spec_bad "key in the wrong case" 'Sockets=2' "synthetic spec: unknown key 'Sockets'"
spec_bad "sockets=0" 'sockets=0' "synthetic spec: sockets=0: must be a whole number from 1 to 1024"
spec_bad "sockets not a number" 'sockets=two' "synthetic spec: sockets=two: must be a whole number"
spec_bad "negative sockets" 'sockets=-1' "synthetic spec: sockets=-1"
spec_bad "threads=17" 'threads=17' "synthetic spec: threads=17: must be a whole number from 1 to 16"
spec_bad "cores not divisible by nodes-per-socket" 'nodes-per-socket=2,cores=3' \
    "synthetic spec: cores=3 (per socket) does not split evenly over nodes-per-socket=2"
spec_bad "mem not splittable over the nodes" 'sockets=3,mem=1G' \
    "synthetic spec: mem=1 GiB does not split into 3 nodes of whole MiB"
spec_bad "mem below a MiB per node" 'mem=1000K' "synthetic spec: mem=1000 KiB does not split"
spec_bad "mem=0" 'mem=0' "synthetic spec: mem=0 B does not split"
spec_bad "bad size mem=12Q" 'mem=12Q' "synthetic spec: mem: size '12Q': unknown unit 'Q'"
spec_bad "bad size suffix mem=12GX" 'mem=12GX' "size '12GX': unknown unit suffix 'X'"
spec_bad "empty size" 'mem=' "synthetic spec: mem: size '' must start with a digit"
spec_bad "fractional bytes" 'mem=1.5B' "size '1.5B' is not a whole number of bytes"
spec_bad "distances=10:9 (remote below local)" 'distances=10:9' \
    "synthetic spec: distances=10:9: remote distances must be above the local one"
spec_bad "distances=10:12:9" 'sockets=2,distances=10:12:9' \
    "distances=10:12:9: remote distances must be above the local one"
spec_bad "distances with one value" 'distances=10' \
    "distances=10: expected LOCAL:REMOTE or LOCAL:SOCKET:REMOTE"
spec_bad "distances with four values" 'distances=10:20:30:40' \
    "distances=10:20:30:40: expected LOCAL:REMOTE or LOCAL:SOCKET:REMOTE"
spec_bad "distances with an empty value" 'distances=10::20' "distances=10::20: expected LOCAL:REMOTE"
spec_bad "distances with a trailing colon" 'distances=10:20:' "synthetic spec: distances=10:20:"
spec_bad "distance 255" 'distances=10:255' "distances=10:255: '255' is not a distance from 1 to 254"
spec_bad "distance 0" 'distances=0:20' "'0' is not a distance from 1 to 254"
spec_bad "duplicated key" 'sockets=2,cores=4,sockets=2' "synthetic spec: key 'sockets' is given twice"
spec_bad "empty spec" '' "the synthetic host spec is an empty string"
spec_bad "a lone comma" ',' "synthetic spec: '' is not key=value"
spec_bad "a key without a value" 'sockets' "synthetic spec: 'sockets' is not key=value"
spec_bad "a value without a key" '=2' "synthetic spec: '=2' has no key"
spec_bad "an empty item" 'sockets=2,,cores=4' "synthetic spec: '' is not key=value"
spec_bad "node-ids count mismatch" 'sockets=2,node-ids=0-2' \
    "synthetic spec: node-ids lists 3 ids for 2 nodes"
spec_bad "node-ids not a list" 'sockets=2,node-ids=0-x' "synthetic spec: node-ids=: '0-x'"
spec_bad "pxms count mismatch" 'sockets=2,pxms=1' "synthetic spec: pxms lists 1 domains for 2 nodes"
spec_bad "pxms duplicated" 'sockets=2,pxms=1,1' "synthetic spec: pxms=1,1: proximity domain 1 appears twice"
spec_bad "pxms not numbers" 'sockets=2,pxms=a,b' "pxms=a,b: 'a' is not a proximity domain number"
spec_bad "isolated names a CPU beyond the host" 'isolated=99' \
    "synthetic spec: isolated= names CPU 99 but the host has CPUs 0-3"
spec_bad "nohz-full names a CPU beyond the host" 'sockets=2,nohz-full=8' \
    "synthetic spec: nohz-full= names CPU 8 but the host has CPUs 0-7"
spec_bad "offline names a CPU beyond the host" 'offline=9' "offline= names CPU 9"
spec_bad "isolated truncated range" 'isolated=1-' "synthetic spec: isolated=: '1-'"
spec_bad "every CPU offline" 'offline=0-3' "no online CPU"
spec_bad "unknown cpu-numbering" 'cpu-numbering=random' \
    "cpu-numbering=random: expected linear or smt-last"
spec_bad "too many CPUs" 'sockets=1024,cores=64' "synthetic spec: 65536 CPUs exceed the limit of 16384"
spec_bad "too many nodes" 'sockets=1024,nodes-per-socket=8' \
    "synthetic spec: 8192 nodes exceed the limit of 4096"

# ---- --acpi --------------------------------------------------------------

t_begin "--acpi: a directory without SRAT"
run "$VTOPO" host --fsroot "$T/fs" --acpi "$T/no-acpi" --save "$SAVE"
expect_rejected "$T/no-acpi: no SRAT"

t_begin "--acpi: an SRAT shorter than the ACPI header"
mkdir -p "$T/acpi"
printf 'SRATjunk' >"$T/acpi/SRAT"
run "$VTOPO" host --fsroot "$T/fs" --acpi "$T/acpi" --save "$SAVE"
expect_rejected "$T/acpi/SRAT: 8 bytes, shorter than the 36-byte ACPI header"

vt_finish
