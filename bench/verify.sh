#!/bin/sh
# The cost of `vtopo verify`, split into plan, tables + initramfs, boot and
# compare (as verify reports it), and the whole process's wall time, over RUNS runs of the `make demo` guest (6 vCPUs over 2 vnodes,
# 4 GiB, q35, our MADT); the ratio that matters is the time outside the guest
# boot over the whole run (target: under 5%).
#
#   bench/verify.sh [BUILD_DIR] [RUNS]     (defaults: build, 5)
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
runs=${2:-5}
vtopo=$build/vtopo
[ -x "$vtopo" ] || {
    echo "verify.sh: $vtopo is missing; build first" >&2
    exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

i=0
while [ "$i" -lt "$runs" ]; do
    i=$((i + 1))
    start=$(date +%s.%N)
    "$vtopo" verify -q --host "$src/examples/hosts/demo-2s6c.json" --vcpus 6 --vnodes 2 \
        --memory 4G --mem-layout qemu-q35 --madt >"$tmp/out" || {
        cat "$tmp/out"
        echo "verify.sh: run $i did not match" >&2
        exit 1
    }
    end=$(date +%s.%N)
    # time: plan P ms, tables+initramfs T ms (K KiB), boot B s, compare C ms; outside the boot O%
    sed -n 's/^time: plan \([0-9.]*\) ms, tables+initramfs \([0-9.]*\) ms ([0-9]* KiB), boot \([0-9.]*\) s, compare \([0-9.]*\) ms; outside the boot \([0-9.]*\)%$/\1 \2 \3 \4 \5/p' \
        "$tmp/out" | awk -v s="$start" -v e="$end" \
        '{ w = e - s; printf "%s %s %s %s %s %.3f %.2f\n", $1, $2, $3, $4, $5, w, 100 * (w - $3) / w }' \
        >>"$tmp/times"
done

echo "run  plan_ms  tables+initramfs_ms  boot_s  compare_ms  outside_boot_%  process_wall_s  process_outside_boot_%"
awk '{ printf "%3d  %7s  %19s  %6s  %10s  %14s  %14s  %22s\n", NR, $1, $2, $3, $4, $5, $6, $7 }' "$tmp/times"
for col in 1 2 3 4 5 6 7; do
    sort -n -k"$col","$col" "$tmp/times" | awk -v c="$col" '{ v[NR] = $c } END {
        n = NR; m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        split("plan_ms tables+initramfs_ms boot_s compare_ms outside_boot_% process_wall_s process_outside_boot_%", name, " ")
        printf "median %-20s %s (min %s, max %s)\n", name[c], m, v[1], v[n] }'
done
