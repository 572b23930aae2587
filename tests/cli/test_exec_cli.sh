#!/usr/bin/env bash
# `vtopo exec`: the command runs with the node's housekeeping CPUs as its
# affinity (read back from the command's own /proc/self/status) and its memory
# policy as asked (read back from the command's own /proc/self/numa_maps, which
# shows the task policy of every mapping without one of its own); the
# command's exit status comes back; bad input gets one sentence and exit 2.
#
# The sysfs dumps map fake nodes onto this machine's CPUs 0 and 1; the nodes
# whose memory policy is checked carry the id of a node this process may
# really allocate on (the first of its Mems_allowed_list).
#
# Usage: test_exec_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
vt_require_binary "$VTOPO"
vt_mktemp

# in_list N LIST: N is in the cpulist LIST ("0-3,8").
in_list()
{
    local n=$1 part lo hi parts
    IFS=, read -ra parts <<<"$2"
    for part in "${parts[@]}"; do
        lo=${part%-*}
        hi=${part#*-}
        if [ "$n" -ge "$lo" ] && [ "$n" -le "$hi" ]; then
            return 0
        fi
    done
    return 1
}

own_cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
if ! in_list 0 "$own_cpus" || ! in_list 1 "$own_cpus"; then
    echo "FAIL: these tests map fake nodes onto CPUs 0 and 1; this process may use only" \
        "CPUs $own_cpus (run it without taskset/cpuset restrictions)"
    exit 1
fi
mems=$(sed -n 's/^Mems_allowed_list:[[:space:]]*//p' /proc/self/status)
m=${mems%%[,-]*}
if [ -z "$m" ] || [ ! -e /proc/self/numa_maps ]; then
    echo "FAIL: this kernel has no NUMA memory policy to test (no Mems_allowed_list or numa_maps)"
    exit 1
fi
a=$m
b=$((m + 1))
c=$((m + 2))

# make_dump DIR CPU-ONLINE ISOLATED then "ID CPULIST MEM_KB DISTANCES" per node.
make_dump()
{
    local r=$1 online=$2 isolated=$3 ids= id cpus kb dist
    shift 3
    mkdir -p "$r/$S/cpu" "$r/$S/memory" "$r/$S/node"
    echo "$online" >"$r/$S/cpu/online"
    echo 0-1 >"$r/$S/cpu/possible"
    echo "$isolated" >"$r/$S/cpu/isolated"
    echo 8000000 >"$r/$S/memory/block_size_bytes"
    for spec in "$@"; do
        read -r id cpus kb dist <<<"$spec"
        [ "$cpus" = - ] && cpus=
        mkdir -p "$r/$S/node/node$id"
        echo "$cpus" >"$r/$S/node/node$id/cpulist"
        printf 'Node %d MemTotal:       %d kB\n' "$id" "$kb" >"$r/$S/node/node$id/meminfo"
        echo "${dist//:/ }" >"$r/$S/node/node$id/distance"
        ids=${ids:+$ids,}$id
    done
    echo "$ids" >"$r/$S/node/online"
    echo "$ids" >"$r/$S/node/possible"
}

add_device()
{
    local r=$1 bdf=$2 node=$3 local_cpus=$4
    mkdir -p "$r/$PCI/$bdf"
    echo "$node" >"$r/$PCI/$bdf/numa_node"
    [ -n "$local_cpus" ] && echo "$local_cpus" >"$r/$PCI/$bdf/local_cpulist"
    echo 0x8086 >"$r/$PCI/$bdf/vendor"
    echo 0x1234 >"$r/$PCI/$bdf/device"
    echo 0x020000 >"$r/$PCI/$bdf/class"
}

# Two nodes: a = CPU 0, b = CPU 1; devices on b, with no node and narrower
# local CPUs, with no node at all.
D2=$T/two
make_dump "$D2" 0-1 "" "$a 0 1048576 10:20" "$b 1 1048576 20:10"
add_device "$D2" 0000:3b:00.0 "$b" 1
add_device "$D2" 0000:5e:00.0 -1 0
add_device "$D2" 0000:00:1f.0 -1 0-1
# A memory-only node a, nearer to c (CPU 1) than to b (CPU 0).
DM=$T/memonly
make_dump "$DM" 0-1 "" "$a - 1048576 10:30:20" "$b 0 1048576 30:10:30" "$c 1 1048576 20:30:10"
# b's CPU isolated.
DI=$T/isolated
make_dump "$DI" 0-1 1 "$a 0 1048576 10:20" "$b 1 1048576 20:10"

cpus_of()
{
    printf '%s\n' "$OUT" | sed -n 's/^Cpus_allowed_list:[[:space:]]*//p'
}

expect_cpus()
{
    local got
    got=$(cpus_of)
    if [ "$got" != "$1" ]; then
        t_fail "the command's Cpus_allowed_list is '$got', expected '$1'"
    fi
}

# The memory policy in the first line of the command's numa_maps.
expect_policy()
{
    local got
    got=$(printf '%s\n' "$OUT" | sed -n '1s/^[0-9a-f]* \([^ ]*\) .*/\1/p')
    if [ "$got" != "$1" ]; then
        t_fail "the command's memory policy is '$got', expected '$1'"
    fi
}

STATUS=(grep Cpus_allowed_list /proc/self/status)
MAPS=(cat /proc/self/numa_maps)

# ---- where the command runs ------------------------------------------------

t_begin "--node runs the command on the node's CPUs"
run "$VTOPO" exec -q --fsroot "$D2" --node "$b" -- "${STATUS[@]}"
expect_rc 0
expect_cpus 1
expect_err_empty
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- "${STATUS[@]}"
expect_rc 0
expect_cpus 0

t_begin "without --membind or --mempref the memory policy is left alone"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- "${MAPS[@]}"
expect_rc 0
expect_policy default

t_begin "--membind binds the command's memory to the node"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" --membind -- "${MAPS[@]}"
expect_rc 0
expect_policy "bind:$a"

t_begin "--mempref prefers the node's memory"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" --mempref -- "${MAPS[@]}"
expect_rc 0
expect_policy "prefer:$a"

t_begin "a memory-only node runs on its nearest node with CPUs, preferring its memory"
run "$VTOPO" exec -q --fsroot "$DM" --node "$a" -- "${STATUS[@]}"
expect_rc 0
expect_cpus 1
run "$VTOPO" exec -q --fsroot "$DM" --node "$a" -- "${MAPS[@]}"
expect_rc 0
expect_policy "prefer:$a"
run "$VTOPO" exec -q --fsroot "$DM" --node "$a" --membind -- "${MAPS[@]}"
expect_rc 0
expect_policy "bind:$a"

t_begin "--device runs on the device's node"
run "$VTOPO" exec -q --fsroot "$D2" --device 0000:3b:00.0 -- "${STATUS[@]}"
expect_rc 0
expect_cpus 1
run "$VTOPO" exec -q --fsroot "$D2" --device 3b:00.0 -- "${STATUS[@]}"
expect_rc 0
expect_cpus 1

t_begin "--device with numa_node -1 runs on its narrower local_cpulist"
run "$VTOPO" exec -q --fsroot "$D2" --device 0000:5e:00.0 -- "${STATUS[@]}"
expect_rc 0
expect_cpus 0

t_begin "--device with no node and all CPUs local runs unbound, with a warning"
run "$VTOPO" exec --fsroot "$D2" --device 0000:00:1f.0 -- "${STATUS[@]}"
expect_rc 0
expect_cpus "$own_cpus"
expect_err_has "vtopo exec: warning: device 0000:00:1f.0 has no NUMA node" "runs unbound"
run "$VTOPO" exec --quiet --fsroot "$D2" --device 0000:00:1f.0 -- "${STATUS[@]}"
expect_rc 0
expect_err_empty

t_begin "the live system: node 0 runs on its housekeeping CPUs"
live=$(cat /sys/devices/system/node/node0/cpulist)
isol=$(cat /sys/devices/system/cpu/isolated 2>/dev/null)
run "$VTOPO" exec -q --node 0 -- "${STATUS[@]}"
if [ -z "$isol" ] && [ "$live" = "$own_cpus" ]; then
    expect_rc 0
    expect_cpus "$live"
else
    # Housekeeping = node CPUs minus isolated, within ours: at least it is inside.
    expect_rc 0
    [ -n "$(cpus_of)" ] || t_fail "no Cpus_allowed_list from the command"
fi

# ---- the command ----------------------------------------------------------------

t_begin "the command's exit status comes back"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- sh -c 'exit 42'
expect_rc 42
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- false
expect_rc 1

t_begin "arguments after -- reach the command untouched, options included"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- sh -c 'printf "%s|" "$@"' x -n --node 1 --
expect_rc 0
if [ "$OUT" != "-n|--node|1|--|" ]; then
    t_fail "the command got '$OUT'"
fi

t_begin "a command that does not exist: exit 127 and one sentence"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- "$T/no-such-command"
expect_rc 127
expect_err_one_line "vtopo exec: cannot run '$T/no-such-command': No such file or directory"
t_begin "a command that cannot be run: exit 126"
printf 'not a program\n' >"$T/not-executable"
chmod 0644 "$T/not-executable"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" -- "$T/not-executable"
expect_rc 126
expect_err_one_line "vtopo exec: cannot run '$T/not-executable': Permission denied"

# ---- nodes and devices that cannot be used: one sentence, exit 2 ---------------

t_begin "a node the host does not have"
run "$VTOPO" exec -q --fsroot "$D2" --node 7 -- true
expect_rc 2
expect_out_empty
expect_err_one_line "vtopo exec: node 7 does not exist on this host (its nodes: $a-$b)"

t_begin "a node whose CPUs are all isolated"
run "$VTOPO" exec -q --fsroot "$DI" --node "$b" -- true
expect_rc 2
expect_err_one_line "vtopo exec: node $b has no housekeeping CPU this process may use"
expect_err_has "online CPUs 1, housekeeping none"

t_begin "a device with no node whose local CPUs are all isolated"
add_device "$DI" 0000:5e:00.0 -1 1
run "$VTOPO" exec -q --fsroot "$DI" --device 0000:5e:00.0 -- true
expect_rc 2
expect_err_one_line "vtopo exec: device 0000:5e:00.0 (no NUMA node): none of its local CPUs (local_cpulist) is a housekeeping CPU this process may use (it may use"

t_begin "an offline node"
DO=$T/offline
make_dump "$DO" 0-1 "" "$a 0-1 1048576 10"
echo "$a-$c" >"$DO/$S/node/possible"
run "$VTOPO" exec -q --fsroot "$DO" --node "$c" -- true
expect_rc 2
expect_err_one_line "vtopo exec: node $c is offline (possible but not online)"

t_begin "memory on a node this process may not allocate on"
DX=$T/notmine
x=0
while in_list "$x" "$mems"; do
    x=$((x + 1))
done
if [ "$x" -lt "$a" ]; then
    make_dump "$DX" 0-1 "" "$x 1 1048576 10:20" "$a 0 1048576 20:10"
else
    make_dump "$DX" 0-1 "" "$a 0 1048576 10:20" "$x 1 1048576 20:10"
fi
run "$VTOPO" exec -q --fsroot "$DX" --node "$x" --membind -- true
expect_rc 2
expect_err_one_line "vtopo exec: node $x's memory is not available to this process"

t_begin "a PCI address that is not one"
run "$VTOPO" exec -q --fsroot "$D2" --device 3b:00 -- true
expect_rc 2
expect_err_one_line "vtopo exec: '3b:00' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)"

t_begin "a device the host does not have"
run "$VTOPO" exec -q --fsroot "$D2" --device 0000:99:00.0 -- true
expect_rc 2
expect_err_one_line "vtopo exec: no PCI device 0000:99:00.0 on this host"

t_begin "--membind for a device with no node"
run "$VTOPO" exec -q --fsroot "$D2" --device 0000:5e:00.0 --membind -- true
expect_rc 2
expect_err_one_line "vtopo exec: device 0000:5e:00.0 (no NUMA node): the device has no NUMA node"

# ---- usage ------------------------------------------------------------------------

t_begin "the command must follow --"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" true
expect_rc 2
expect_out_empty
expect_err_has "vtopo exec: the command must follow '--' (vtopo exec ... -- true)"

t_begin "no command after --"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" --
expect_rc 2
expect_err_has "vtopo exec: no command to run: give it after '--'"

t_begin "both --node and --device"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" --device 0000:3b:00.0 -- true
expect_rc 2
expect_err_has "vtopo exec: --node and --device are alternatives; give one"

t_begin "neither --node nor --device"
run "$VTOPO" exec -q --fsroot "$D2" -- true
expect_rc 2
expect_err_has "vtopo exec: say where to run: --node N or --device BDF"

t_begin "--node that is not a number"
for bad in abc -1 1x ""; do
    run "$VTOPO" exec -q --fsroot "$D2" --node "$bad" -- true
    expect_rc 2
    expect_err_has "vtopo exec: --node '$bad' is not a node number"
done

t_begin "--membind and --mempref together"
run "$VTOPO" exec -q --fsroot "$D2" --node "$a" --membind --mempref -- true
expect_rc 2
expect_err_has "vtopo exec: --membind and --mempref are alternatives"

t_begin "an unknown option, a missing argument"
run "$VTOPO" exec --nodes 1 -- true
expect_rc 2
expect_err_has "vtopo exec: unknown option '--nodes'"
run "$VTOPO" exec --node
expect_rc 2
expect_err_has "vtopo exec: option '--node' needs an argument"

t_begin "a host source that does not exist"
run "$VTOPO" exec --fsroot "$T/nope" --node 0 -- true
expect_rc 2
expect_err_one_line "vtopo exec: fsroot $T/nope does not exist"

t_begin "two host sources"
run "$VTOPO" exec --fsroot "$D2" --synthetic sockets=1 --node 0 -- true
expect_rc 2
expect_err_has "--fsroot, --host and --synthetic are alternatives"

t_begin "host warnings go to stderr unless --quiet"
rm -f "$D2/$S/memory/block_size_bytes"
run "$VTOPO" exec --fsroot "$D2" --node "$a" -- true
expect_rc 0
expect_err_has "vtopo exec: warning: " "block_size_bytes is missing"
run "$VTOPO" exec --quiet --fsroot "$D2" --node "$a" -- true
expect_rc 0
expect_err_empty

t_begin "--help and vtopo help exec"
run "$VTOPO" exec --help
expect_rc 0
expect_out_has "Usage: vtopo exec" "--membind" "housekeeping"
run "$VTOPO" help exec
expect_rc 0
expect_out_has "Usage: vtopo exec"
run "$VTOPO" --help
expect_out_has "exec "

t_begin "exec --dry-run says where the command would run and runs nothing; a device by its name"
run "$VTOPO" exec --fsroot "$D2" --node "$a" --membind --dry-run -- touch "$T/ran"
expect_rc 0
expect_out_has "would run touch on CPUs 0 (node $a), memory bound to node $a"
[ ! -e "$T/ran" ] || t_fail "--dry-run ran the command"
# Every name of a device: two ports of one function, and a virtio device's
# interface one level down (virtio3/net/eth9). A device with only a render
# node (drm/renderD128) has no name.
mkdir -p "$D2/sys/bus/pci/devices/0000:3b:00.0/net/eth7" \
    "$D2/sys/bus/pci/devices/0000:3b:00.0/net/eth6" \
    "$D2/sys/bus/pci/devices/0000:3b:00.0/virtio3/net/eth9" \
    "$D2/sys/bus/pci/devices/0000:3b:00.0/drm/renderD128" \
    "$D2/sys/bus/pci/devices/0000:5e:00.0/drm/renderD128"
for n in eth7 eth6 eth9; do
    run "$VTOPO" exec --fsroot "$D2" --device "$n" --dry-run -- true
    expect_rc 0
    expect_out_has "(node $b, device 0000:3b:00.0)"
done
run "$VTOPO" exec --fsroot "$D2" --device eth99 --dry-run -- true
expect_rc 2
expect_err_has "no device is named 'eth99' on this host ('vtopo host' lists the PCI devices and their names)"
run "$VTOPO" host --fsroot "$D2"
expect_rc 0
expect_out_has "  0000:3b:00.0 eth6,eth7,eth9 ["
expect_out_lacks "renderD128"
"$VTOPO" host -q --fsroot "$D2" --save "$T/named.json"
[ "$(grep -A4 '"names"' "$T/named.json" | tr -d ' \n')" = '"names":["eth6","eth7","eth9"]' ] ||
    t_fail "the host file lacks the names: $(grep -A4 '"names"' "$T/named.json")"
run "$VTOPO" exec --host "$T/named.json" --device eth9 --dry-run -- true
expect_rc 0
expect_out_has "device 0000:3b:00.0"
sed -i 's/"eth9"/"eth 9"/' "$T/named.json"
run "$VTOPO" host --host "$T/named.json"
expect_rc 2
expect_err_has "devices[1].names[2]: 'eth 9' is not a device name"

vt_finish
