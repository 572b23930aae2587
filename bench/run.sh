#!/bin/sh
# Run the host benchmarks against a built tree and print the results.
#
#   bench/run.sh [BUILD_DIR] [extra bench_host options, e.g. --seed 42 --runs 300]
#
# BUILD_DIR (default: build) must already be built (cmake --build BUILD_DIR).
# Unpacks hwloc's sysfs dumps into BUILD_DIR/tests/datasets (where ctest puts
# them) if needed, picks the one with the most files (the largest) unless
# VT_BENCH_FSROOT names one, and runs bench_host on it. Environment:
#   VT_HWLOC_DATA    tarball directory (default: ../shared/data/hwloc-linux)
#   VT_BENCH_FSROOT  fsroot to use instead of the largest dataset
#   LSTOPO           lstopo-no-graphics to compare with (default: from PATH)
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
data=${VT_HWLOC_DATA:-$src/../shared/data/hwloc-linux}
datasets=$build/tests/datasets
lstopo=${LSTOPO:-lstopo-no-graphics}

for f in "$build/vtopo" "$build/bench/bench_host"; do
    if [ ! -x "$f" ]; then
        echo "run.sh: $f is missing; build first: cmake --build ${build#"$(pwd)"/} -j2" >&2
        exit 2
    fi
done
if ! command -v "$lstopo" >/dev/null 2>&1; then
    echo "run.sh: $lstopo not found (apt-get install hwloc)" >&2
    exit 2
fi

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

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "hwloc: $("$lstopo" --version)"
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
echo "compiler: $("$cc" --version | head -n 1); build type ${btype:-RelWithDebInfo (project default)}"
exec "$build/bench/bench_host" --vtopo "$build/vtopo" --lstopo "$lstopo" --fsroot "$fsroot" \
    --runs 200 --lookups 1000000 --reps 9 "$@"
