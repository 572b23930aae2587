#!/bin/sh
# Run the benchmarks against a built tree and print the results.
#
#   bench/run.sh [BUILD_DIR] [extra options for both benches, e.g. --seed 42 --runs 300]
#
# BUILD_DIR (default: build) must already be built (cmake --build BUILD_DIR).
#
# Host (bench_host): unpacks hwloc's sysfs dumps into BUILD_DIR/tests/datasets
# (where ctest puts them) if needed, picks the one with the most files (the
# largest) unless VT_BENCH_FSROOT names one, and runs bench_host on it.
# Planner (bench_plan): the `vtopo plan` process, vt_plan + CPUID in-process
# and GPA lookups; then, when valgrind is installed, callgrind's instruction
# count of `vtopo plan ... --cpuid` for 8192 vCPUs, per vCPU. Both benches
# take --runs, --lookups, --reps and --seed.
# Devices (bench_devices): vt_plan with 176 PCI devices over 64 vnodes against
# the same plan without them and a memcpy of its JSON; a hot-remove re-plan.
# Interrupts (bench_irq): vt_irq_plan_make of 4,096 vectors over 1,024 CPUs
# against a round-robin of the same vectors, an incremental re-plan, and the
# pile-up of vtopo's plan, the kernel's default placement and a round-robin.
# Pictures (bench_draw): the 8,192-vCPU, 64-vnode plan drawn as SVG and as
# text against vt_plan of it, and the SVG's size.
# Placement (bench_place): vtopo's choice of nodes against libxl's automatic
# placement and a Nova-style first fit on the same seeded arrivals and
# departures (guests placed before the first refusal, remote memory, nodes
# per guest), and one placement on a 64-node host with 1,000 guests.
# Exec (bench_exec): the exec runtime's worker, migrate and fast paths against
# a futex ping-pong, a thread per call and a direct call, interleaved in one
# run on the first two CPUs this process may use; it takes --rounds,
# --samples, --batches and --batch (passed on only with VT_BENCH=exec).
# Environment:
#   VT_BENCH         host, plan, exec, devices, irq, draw, place or all (default: all)
#   VT_HWLOC_DATA    tarball directory (default: ../shared/data/hwloc-linux)
#   VT_BENCH_FSROOT  fsroot to use instead of the largest dataset
#   LSTOPO           lstopo-no-graphics to compare with (default: from PATH)
#   VALGRIND         valgrind to count instructions with (default: from PATH;
#                    "none" skips the count)
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
data=${VT_HWLOC_DATA:-$src/../shared/data/hwloc-linux}
datasets=$build/tests/datasets
lstopo=${LSTOPO:-lstopo-no-graphics}
valgrind=${VALGRIND:-valgrind}
which=${VT_BENCH:-all}

case $which in
host) benches=bench_host ;;
plan) benches=bench_plan ;;
exec) benches=bench_exec ;;
devices) benches=bench_devices ;;
irq) benches=bench_irq ;;
draw) benches=bench_draw ;;
place) benches=bench_place ;;
all) benches="bench_host bench_plan bench_exec bench_devices bench_irq bench_draw bench_place" ;;
*)
    echo "run.sh: VT_BENCH=$which: expected host, plan, exec, devices, irq, draw, place or all" >&2
    exit 2
    ;;
esac
for f in "$build/vtopo" $(for b in $benches; do echo "$build/bench/$b"; done); do
    if [ ! -x "$f" ]; then
        echo "run.sh: $f is missing; build first: cmake --build ${build#"$(pwd)"/} -j2" >&2
        exit 2
    fi
done
if { [ "$which" = host ] || [ "$which" = all ]; } && ! command -v "$lstopo" >/dev/null 2>&1; then
    echo "run.sh: $lstopo not found (apt-get install hwloc)" >&2
    exit 2
fi

if [ "$which" = host ] || [ "$which" = all ]; then
    if [ -n "${VT_BENCH_FSROOT:-}" ]; then
        fsroot=$VT_BENCH_FSROOT
    else
        "$src/tests/hwloc/extract-datasets.sh" "$data" "$datasets"
        echo "datasets by number of files (find | wc -l):"
        best=0
        fsroot=
        for d in "$datasets"/*/; do
            d=${d%/}
            n=$(find "$d" | wc -l)
            printf '  %6d  %s\n' "$n" "$(basename "$d")"
            if [ "$n" -gt "$best" ]; then
                best=$n
                fsroot=$d
            fi
        done
        echo "largest: $(basename "$fsroot") ($best files)"
    fi
fi

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
echo "compiler: $("$cc" --version | head -n 1); build type ${btype:-RelWithDebInfo (project default)}"

# Instructions (callgrind's Ir) of one `vtopo plan ... --cpuid` process for
# 8192 vCPUs, in all and per vCPU, with the inclusive counts of its main parts.
count_instructions() {
    vendor=$1
    tmp=$(mktemp -d)
    out=$tmp/callgrind.out
    if ! "$valgrind" --tool=callgrind --callgrind-out-file="$out" "$build/vtopo" plan \
        --synthetic sockets=8,nodes-per-socket=8,cores=128,threads=2,mem=2T \
        --vcpus 8192 --memory 1T --vnodes 64 --quiet --vendor "$vendor" --cpuid \
        >/dev/null 2>"$tmp/valgrind.log"; then
        echo "run.sh: valgrind failed:" >&2
        sed 's/^/  | /' "$tmp/valgrind.log" >&2
        rm -rf "$tmp"
        return 1
    fi
    total=$(sed -n 's/^totals: *//p' "$out")
    echo "RESULT callgrind $vendor: vtopo plan --vcpus 8192 --vendor $vendor --cpuid:" \
        "$total Ir in all, $((total / 8192)) Ir per vCPU"
    if command -v callgrind_annotate >/dev/null 2>&1; then
        callgrind_annotate --inclusive=yes --threshold=100 "$out" >"$tmp/annotate.txt" 2>/dev/null || true
        for fn in vt_host_load vt_plan vt_cpuid_format; do
            ir=$(awk -v fn=":$fn" 'index($0, fn " ") { gsub(",", "", $1); print $1; exit }' \
                "$tmp/annotate.txt")
            if [ -n "$ir" ]; then
                printf '  %-16s %12s Ir inclusive, %6s per vCPU\n' "$fn" "$ir" "$((ir / 8192))"
            fi
        done
    fi
    rm -rf "$tmp"
}

status=0
if [ "$which" = host ] || [ "$which" = all ]; then
    echo "hwloc: $("$lstopo" --version)"
    "$build/bench/bench_host" --vtopo "$build/vtopo" --lstopo "$lstopo" --fsroot "$fsroot" \
        --runs 200 --lookups 1000000 --reps 9 "$@" || status=1
fi
if [ "$which" = plan ] || [ "$which" = all ]; then
    "$build/bench/bench_plan" --vtopo "$build/vtopo" --runs 100 --plan-reps 201 \
        --lookups 1000000 --reps 9 "$@" || status=1
    if [ "$valgrind" = none ] || ! command -v "$valgrind" >/dev/null 2>&1; then
        echo "[d] callgrind instruction count skipped: no valgrind (apt-get install valgrind)"
    else
        echo "[d] instructions per vCPU: $("$valgrind" --version) --tool=callgrind on the process"
        count_instructions intel || status=1
        count_instructions amd || status=1
    fi
fi
if [ "$which" = exec ]; then
    "$build/bench/bench_exec" "$@" || status=1
elif [ "$which" = all ]; then
    "$build/bench/bench_exec" || status=1
fi
if [ "$which" = devices ] || [ "$which" = all ]; then
    "$build/bench/bench_devices" --reps 201 || status=1
fi
if [ "$which" = irq ] || [ "$which" = all ]; then
    "$build/bench/bench_irq" --reps 201 || status=1
fi
if [ "$which" = draw ] || [ "$which" = all ]; then
    "$build/bench/bench_draw" --reps 51 || status=1
fi
if [ "$which" = place ] || [ "$which" = all ]; then
    "$build/bench/bench_place" --sequences 2000 --reps 201 || status=1
fi
exit "$status"
