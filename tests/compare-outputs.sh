#!/bin/sh
# Byte-for-byte comparison of two vtopo builds over seeded random requests:
# the proof that a refactor changed no output. For each request both binaries
# run `plan --out` (plan.json, cpuid.txt, e820.txt, the four tables), the plan
# text, `check` of the written tables, and every emitter (qemu native and
# acpi, libvirt, xl, cloud-hypervisor); stdout, stderr and exit status of each
# are compared. Refusals count too: their messages must not change either.
#
#   tests/compare-outputs.sh OLD_VTOPO NEW_VTOPO [SEED] [COUNT]
#
# Build the old binary from the commit before the change, e.g.
#   git worktree add /tmp/old HEAD~1 && cmake -S /tmp/old -B /tmp/old/b &&
#   cmake --build /tmp/old/b --target vtopo
# Exit 0 when every output is identical, 1 with the first differences.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OLD_VTOPO NEW_VTOPO [SEED] [COUNT]" >&2; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
SEED=${3:-$(date +%s)}
COUNT=${4:-3000}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
W=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-compare.XXXXXX")
trap 'rm -rf "$W"' EXIT
echo "compare-outputs: seed $SEED, $COUNT requests"

# The same request generator as test_random_requests (tests/unit/test_plan.c)
# and a few more placement options, written once so both builds read the
# same lines.
awk -v seed="$SEED" -v count="$COUNT" '
function r(n) { return int(rand() * n) }
function matrix(rows, cols, dist,    i, j, s, m, sym) {
    sym = r(2); s = ""
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) {
            if (dist) m[i, j] = i == j ? 10 : (sym && j < i ? m[j, i] : 11 + r(244))
            else m[i, j] = 1 + r(65534)
            s = s (j ? "," : "") m[i, j]
        }
        s = s (i + 1 < rows ? ";" : "")
    }
    return s
}
BEGIN {
    srand(seed)
    split("sdm xen legacy", apic, " "); split("intel amd", vendor, " ")
    split("flat qemu-pc qemu-q35 xen-hvm", layout, " ")
    for (k = 0; k < count; k++) {
        vcpus = 1 + r(96); vnodes = 1 + r(9); mem = 2 * (1 + r(4096))
        a = apic[1 + r(3)]
        s = "--vcpus " vcpus " --memory " mem "M --apic " a " --vendor " vendor[1 + r(2)] \
            " --mem-layout " layout[1 + r(4)]
        place = r(11)
        if (place == 10) {
            # dom0: vCPU N on pCPU N, host-shaped memory (the host ranges,
            # trimmed), a vnode per host PXM.
            print "--vcpus " vcpus " --pin-identity --apic " apic[1 + r(3)] \
                  (r(2) ? " --memory " mem "M" : "")
            continue
        }
        if (place < 6) s = s " --vnodes " vnodes
        else if (place == 6) {
            s = s " --vcpu-nodes 0-" int((vcpus - 1) / 2) ":0"
            if (vcpus > 1) s = s "," int((vcpus - 1) / 2) + 1 "-" vcpus - 1 ":1"
            vnodes = vcpus > 1 ? 2 : 1
        } else if (place == 7) {
            s = s " --pin 0-" vcpus - 1 ":" r(64) * 2 "-" r(64) * 2 + vcpus - 1; vnodes = 0
        } else if (place == 8) {
            s = s " --vnodes " vnodes " --vnode-pnodes "
            for (i = 0; i < vnodes; i++) s = s (i ? "," : "") r(8)
        } else {
            s = s " --vnodes " vnodes " --vnode-memory "
            for (i = 0; i < vnodes; i++) s = s (i ? "," : "") 2 * r(mem / vnodes) "M"
        }
        if (a == "sdm" && r(4) == 0) {
            t = 1 + r(2); so = 1 + r(4)
            if (vcpus % (t * so) == 0)
                s = s " --shape sockets=" so ",threads=" t (r(2) ? " --allow-package-span" : "")
        }
        if (vnodes && r(3) == 0) {
            s = s " --guest-pxms "
            range = r(8) == 0 ? 300 : r(16) == 0 ? 1100 : vnodes + r(3 * vnodes)
            delete used
            for (i = 0; i < vnodes; i++) {
                do p = r(range); while (p in used)
                used[p] = 1; s = s (i ? "," : "") p
            }
        }
        if (vnodes && r(3) == 0) s = s " --distances " matrix(vnodes, vnodes, 1)
        if (vnodes && r(6) == 0) {
            u = vcpus < vnodes ? vcpus : vnodes
            s = s " --hmat-latency " matrix(u, u, 0) " --hmat-bandwidth " matrix(u, u, 0)
        }
        if (r(8) == 0) s = s " --max-vcpus " vcpus + r(16)
        if (r(10) == 0) s = s " --initiator 0000:00:0" r(8) ".0@" r(vnodes + 1)
        if (r(10) == 0) s = s " --hotplug-memory " 128 * (1 + r(16)) "M@" r(vnodes ? vnodes : 1)
        print s
    }
}' >"$W/requests"

# One request through one binary: every output into OUT/N/.
run_one()
{
    bin=$1 out=$2 n=$3 args=$4
    d=$out/$n
    mkdir -p "$d"
    cd "$d"
    host="--synthetic sockets=4,nodes-per-socket=2,cores=64,threads=2,mem=1T"
    step()
    {
        name=$1
        shift
        set +e
        # shellcheck disable=SC2086
        "$@" >"$name.out" 2>"$name.err"
        echo $? >"$name.rc"
        set -e
    }
    # shellcheck disable=SC2086
    step plan "$bin" plan $host $args --out plan
    [ -d plan ] && step check "$bin" check plan
    # shellcheck disable=SC2086
    step cpuid "$bin" plan $host $args --cpuid
    for f in qemu libvirt xl cloud-hypervisor; do
        # shellcheck disable=SC2086
        step "emit-$f" "$bin" emit "$f" $host $args
    done
    # shellcheck disable=SC2086
    [ -d plan ] && step emit-qemu-acpi "$bin" emit qemu $host $args --numa acpi --tables plan \
        --hmat --madt --shell
    return 0
}

for side in old new; do
    bin=$OLD
    [ $side = new ] && bin=$NEW
    mkdir -p "$W/$side"
    n=0
    while IFS= read -r line; do
        printf '%s\t%s\n' "$n" "$line"
        n=$((n + 1))
    done <"$W/requests" >"$W/numbered"
    # Split the requests over JOBS background shells.
    i=0
    while [ $i -lt "$JOBS" ]; do
        (
            k=0
            while IFS="$(printf '\t')" read -r n args; do
                [ $((k % JOBS)) -eq $i ] && (run_one "$bin" "$W/$side" "$n" "$args")
                k=$((k + 1))
            done <"$W/numbered"
        ) &
        i=$((i + 1))
    done
    wait
done

planned=$(grep -lx 0 "$W"/new/*/plan.rc | wc -l)
if diff -r "$W/old" "$W/new" >"$W/diff" 2>&1; then
    echo "compare-outputs: identical ($planned of $COUNT requests planned, the others refused alike)"
    exit 0
fi
echo "compare-outputs: DIFFERENT (seed $SEED); first differences:"
head -n 60 "$W/diff"
for n in $(grep -o '^diff -r [^ ]*/old/[0-9]*' "$W/diff" | sed 's#.*/old/##' | sort -un | head -n 3); do
    echo "request $n: $(sed -n "$((n + 1))p" "$W/requests")"
done
exit 1
