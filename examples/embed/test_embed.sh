#!/bin/sh
# The embed example, run as a VMM would run it: its plan directory must pass
# `vtopo check`, and its QEMU arguments must be the ones `vtopo emit qemu`
# gives for the same guest from the command line.
#   test_embed.sh EMBED VTOPO
set -eu
EMBED=$1
VTOPO=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-embed.XXXXXX")
trap 'rm -rf "$T"' EXIT
HOST=sockets=2,cores=8,threads=2,mem=32G

rc=0
"$EMBED" "$T/plan" "$HOST" >"$T/embed.args" 2>"$T/embed.err" || rc=$?
if [ "$rc" -ne 0 ]; then
    cat "$T/embed.err" >&2
    echo "FAIL: embed exited $rc" >&2
    exit 1
fi
for f in plan.json cpuid.txt e820.txt srat.dat slit.dat madt.dat hmat.dat; do
    [ -s "$T/plan/$f" ] || { echo "FAIL: embed wrote no $f" >&2; exit 1; }
done
"$VTOPO" check "$T/plan" >"$T/check.out" 2>&1 || {
    cat "$T/check.out" >&2
    echo "FAIL: vtopo check of embed's plan directory" >&2
    exit 1
}
# 3 GiB less the 384 KiB legacy hole QEMU's map keeps in node 0: 3072 MiB
# rounded, as vtopo plan shows it.
for line in 'SRAT: used by Linux' '  node 0: PXM 0, 4 CPUs, 3072 MiB' '  node 1: PXM 1, 2 CPUs, 1024 MiB'; do
    grep -qxF "$line" "$T/check.out" || {
        cat "$T/check.out" >&2
        echo "FAIL: vtopo check of embed's tables lacks '$line'" >&2
        exit 1
    }
done
"$VTOPO" emit qemu --synthetic "$HOST" --vcpus 6 --memory 4G --vcpu-nodes 0-3:0,4-5:1 \
    --vnode-memory 3G,1G --vnode-pnodes 1,0 --mem-layout qemu-q35 --numa acpi \
    --tables "$T/plan" --hmat >"$T/cli.args" 2>"$T/cli.err"
if ! cmp -s "$T/embed.args" "$T/cli.args"; then
    diff "$T/cli.args" "$T/embed.args" >&2 || true
    echo "FAIL: embed's QEMU arguments differ from vtopo emit qemu's" >&2
    exit 1
fi
grep -q 'vnode 0: guest_pxm 0, linux_node 0, pnode 1' "$T/embed.err" || {
    cat "$T/embed.err" >&2
    echo "FAIL: embed's vnode 0 is not on host node 1" >&2
    exit 1
}
# A bad request is named in the VMM's own configuration keys.
if "$EMBED" "$T/bad" "$HOST" wrong-total >"$T/bad.out" 2>"$T/bad.err"; then
    echo "FAIL: embed planned a guest whose nodes do not hold its memory" >&2
    exit 1
fi
grep -qx 'embed: plan: numa.memory adds up to 4 GiB but memory.size is 6 GiB (they must be equal)' \
    "$T/bad.err" || {
    cat "$T/bad.err" >&2
    echo "FAIL: the refusal does not name the VMM's configuration keys" >&2
    exit 1
}
[ ! -e "$T/bad" ] || { echo "FAIL: a refused plan left $T/bad" >&2; exit 1; }
echo "ok: embed plans through the public API what the CLI plans ($(wc -l <"$T/embed.args") QEMU arguments)"
