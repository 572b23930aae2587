#!/usr/bin/env bash
# CLI behaviour of `vtopo verify` that needs no guest boot: usage errors, plans
# QEMU cannot build, missing or broken guest pieces (each one sentence naming
# what is missing and how to get it, with its exit status), the help against
# the getopt table. The boots themselves are the guest label (tests/guest).
#
# Usage: test_verify_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

G=(--synthetic 'sockets=2,cores=8,mem=32G' --vcpus 6 --vnodes 2 --memory 1G
    --mem-layout qemu-q35)

t_begin "vtopo verify --help documents every option"
run "$VTOPO" verify --help
expect_rc 0
for o in $(sed -n 's/.*{"\([a-z-]*\)", \(no\|required\)_argument.*/\1/p' \
    "$SRC/tools/vtopo/cmd_verify.c"); do
    expect_out_has "--$o"
done

t_begin "verify: a bad --accel"
run "$VTOPO" verify "${G[@]}" --accel fast
expect_rc 2
expect_err_has "--accel fast: must be auto, tcg or kvm"

t_begin "verify: a bad --numa"
run "$VTOPO" verify "${G[@]}" --numa qemu
expect_rc 2
expect_err_has "--numa qemu: must be acpi or native"

t_begin "verify: --madt needs our tables"
run "$VTOPO" verify "${G[@]}" --numa native --madt
expect_rc 2
expect_err_has "--madt and --table go with --numa acpi"

t_begin "verify: a bad --timeout"
run "$VTOPO" verify "${G[@]}" --timeout 0
expect_rc 2
expect_err_has "--timeout 0: must be a number of seconds from 1 to 86400"

t_begin "verify: an unexpected argument"
run "$VTOPO" verify "${G[@]}" extra
expect_rc 2
expect_err_has "unexpected argument 'extra'"

t_begin "verify: a Xen-encoded plan cannot be booted under QEMU"
run "$VTOPO" verify "${G[@]}" --apic xen
expect_rc 2
expect_err_has "QEMU derives APIC IDs with the sdm encoding, but this plan uses the xen encoding (plan with --apic sdm)"
expect_out_empty

t_begin "verify: a flat memory map is not QEMU's"
run "$VTOPO" verify --synthetic 'sockets=2,cores=8,mem=32G' --vcpus 4 --vnodes 2 --memory 1G \
    --mem-layout flat
expect_rc 2
expect_err_has "this plan uses the flat memory layout (plan with --mem-layout qemu-q35 or qemu-pc)"

t_begin "verify: --kernel that does not exist"
run "$VTOPO" verify "${G[@]}" --kernel "$T/nope"
expect_rc 2
expect_err_has "--kernel $T/nope: no such kernel image"

t_begin "verify: no cached kernel says how to get one"
run env VTOPO_KERNEL= VTOPO_CACHE="$T/empty-cache" "$VTOPO" verify "${G[@]}"
expect_rc 3
expect_err_has "no guest kernel: $T/empty-cache/kernel/vmlinuz is missing (run scripts/fetch-guest-kernel.sh"

printf 'not a kernel' >"$T/bzImage"
t_begin "verify: a probe that is not a static executable"
run env VTOPO_PROBE=/bin/sh "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage"
expect_rc 3
expect_err_has "VTOPO_PROBE /bin/sh: not a static x86-64 executable"

t_begin "verify: a busybox that is not a static executable"
run env VTOPO_BUSYBOX=/bin/sh "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage"
expect_rc 3
expect_err_has "VTOPO_BUSYBOX /bin/sh: not a static x86-64 executable"

t_begin "verify: --table that is not an ACPI table"
if [ -x "$(dirname "$VTOPO")/vtopo-probe" ] && [ -x /bin/busybox ]; then
    printf 'XXXX%040d' 0 >"$T/bogus.dat"
    run env VTOPO_QEMU=/bin/false "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" \
        --table "$T/bogus.dat"
    expect_rc 2
    expect_err_has "--table $T/bogus.dat: not an ACPI SRAT, SLIT, APIC (MADT) or HMAT table"
else
    t_fail "vtopo-probe next to vtopo and /bin/busybox (busybox-static) are needed"
fi

t_begin "verify: --tables DIR is --table for each table file there"
run "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" --tables "$T/nonexist"
expect_rc 2
expect_err_has "--tables $T/nonexist: no such directory"
mkdir -p "$T/notables"
run "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" --tables "$T/notables"
expect_rc 2
expect_err_has "--tables $T/notables: no srat.dat, slit.dat, madt.dat or hmat.dat there"
"$VTOPO" plan -q "${G[@]}" --out "$T/tables-plan" >/dev/null 2>&1
cp "$T/bogus.dat" "$T/tables-plan/slit.dat"
run env VTOPO_QEMU=/bin/false "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" \
    --tables "$T/tables-plan"
expect_rc 2
expect_err_has "--table $T/tables-plan/slit.dat: not an ACPI SRAT, SLIT, APIC (MADT) or HMAT table"

t_begin "verify: QEMU that cannot start fails with the reason and the log, exit 3"
mkdir -p "$T/tmp"
run env TMPDIR="$T/tmp" VTOPO_QEMU=/bin/false "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" \
    --accel tcg
expect_rc 3
expect_err_has "QEMU could not boot the guest (exit status 1, before the kernel started)"
expect_err_has "vtopo verify: guest log:"
[ -z "$(ls -A "$T/tmp")" ] || t_fail "the work directory was left in \$TMPDIR: $(ls -A "$T/tmp")"

t_begin "verify: --keep keeps the tables, initramfs and QEMU arguments even when QEMU fails"
run env VTOPO_QEMU=/bin/false "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" --accel tcg \
    --numa acpi --keep "$T/keep"
expect_rc 3
for f in srat.dat slit.dat hmat.dat initramfs.cpio qemu.args console.log; do
    [ -f "$T/keep/$f" ] || t_fail "$T/keep/$f is missing"
done
grep -q '^-acpitable$' "$T/keep/qemu.args" || t_fail "qemu.args lacks -acpitable"
grep -q 'possible_cpus=9' "$T/keep/qemu.args" || t_fail "TCG: no possible_cpus=9 for APIC-ID holes"

t_begin "verify's --numa default is emit's (native); --madt and --table select acpi"
run env VTOPO_QEMU=/bin/false "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" --accel tcg \
    --keep "$T/keep-native"
grep -q '^-numa$' "$T/keep-native/qemu.args" || t_fail "the default is not native"
run env VTOPO_QEMU=/bin/false "$VTOPO" verify "${G[@]}" --kernel "$T/bzImage" --accel tcg \
    --madt --keep "$T/keep-madt"
grep -q '^-acpitable$' "$T/keep-madt/qemu.args" || t_fail "--madt did not select acpi"

vt_finish
