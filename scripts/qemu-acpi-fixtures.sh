#!/usr/bin/env bash
# Regenerate tests/fixtures/qemu/: boot QEMU (TCG, SeaBIOS, no disk) with
# -numa options, dump guest physical memory below 4 GiB with the monitor's
# pmemsave, and extract the SRAT, SLIT, MADT and HMAT SeaBIOS installed from
# QEMU's ACPI data (found through the RSDP by tests/acpi/extract_tables).
# Usage: scripts/qemu-acpi-fixtures.sh BUILD_DIR   (needs qemu-system-x86)
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/tests/fixtures/qemu
extract=$top/$build/tests/acpi/extract_tables
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fixture() {
    local name=$1 mem=$2
    shift 2
    mkdir -p "$out/$name"
    {
        sleep 6
        echo "pmemsave 0 $((mem << 20)) \"$tmp/$name.img\""
        sleep 2
        echo quit
    } | qemu-system-x86_64 -accel tcg -display none -nodefaults -serial none -monitor stdio \
        -m "${mem}M" "$@" >/dev/null
    "$extract" "$tmp/$name.img" "$out/$name"
    printf '# %s\nqemu-system-x86_64 -m %sM %s\n' "$(qemu-system-x86_64 --version | head -n1)" \
        "$mem" "$*" >"$out/$name/COMMAND"
}

fixture q35-2nodes 512 -machine q35 -smp 4,sockets=2,cores=2 \
    -object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M \
    -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1 \
    -numa dist,src=0,dst=1,val=21
fixture pc-3nodes-npot 768 -machine pc -smp 6,sockets=2,cores=3 \
    -object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M \
    -object memory-backend-ram,id=m2,size=256M \
    -numa node,nodeid=0,cpus=0-2,memdev=m0 -numa node,nodeid=1,cpus=3-5,memdev=m1 \
    -numa node,nodeid=2,memdev=m2
fixture q35-hmat 512 -machine q35,hmat=on -smp 2,sockets=2 \
    -object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M \
    -numa node,nodeid=0,cpus=0,memdev=m0,initiator=0 -numa node,nodeid=1,cpus=1,memdev=m1,initiator=1 \
    -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=10 \
    -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=20 \
    -numa hmat-lb,initiator=1,target=0,hierarchy=memory,data-type=access-latency,latency=20 \
    -numa hmat-lb,initiator=1,target=1,hierarchy=memory,data-type=access-latency,latency=10
