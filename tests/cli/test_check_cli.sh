#!/usr/bin/env bash
# CLI behaviour of `vtopo check`: clean tables exit 0, problems exit 1 with the
# rule and offset, unusable input exits 2; --json; the help against the getopt
# table.
#
# Usage: test_check_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

"$VTOPO" plan -q --synthetic 'sockets=2,cores=8,mem=32G' --vcpus 6 --vnodes 2 --memory 4G \
    --mem-layout qemu-q35 --json --out "$T/good" >/dev/null

t_begin "vtopo check --help documents every option"
run "$VTOPO" check --help
expect_rc 0
for o in $(sed -n 's/.*{"\([a-z-]*\)", \(no\|required\)_argument.*/\1/p' "$SRC/tools/vtopo/cmd_check.c"); do
    expect_out_has "--$o"
done

t_begin "check: our plan's directory is clean, with the predicted nodes"
run "$VTOPO" check "$T/good"
expect_rc 0
expect_out_line "SRAT: used by Linux" "  node 1: PXM 1, 3 CPUs, 2048 MiB" "clean: 0 error(s), 0 warning(s)"

t_begin "check: table files named one by one"
run "$VTOPO" check "$T/good/srat.dat" "$T/good/madt.dat"
expect_rc 0
expect_out_has "SRAT: used by Linux"

t_begin "check: a wrong SRAT checksum is a problem (exit 1) with the rule and offset"
mkdir -p "$T/bad"
cp "$T/good"/* "$T/bad/"
printf '\x00' | dd of="$T/bad/srat.dat" bs=1 seek=9 conv=notrunc 2>/dev/null
run "$VTOPO" check "$T/bad"
expect_rc 1
expect_out_has "table.checksum" "SRAT+9" "problems found: 1 error(s)"

t_begin "check --json: a vtopo-check document"
run "$VTOPO" check --json "$T/bad"
expect_rc 1
expect_out_has '"format": "vtopo-check"' '"rule": "table.checksum"' '"offset": 9'

t_begin "check --e820 with more RAM than the SRAT covers"
printf 'BIOS-e820: [mem 0x0000000000000000-0x00000001ffffffff] usable\n' >"$T/big-e820.txt"
run "$VTOPO" check --e820 "$T/big-e820.txt" "$T/good/srat.dat"
expect_rc 1
expect_out_has "srat.coverage" "SRAT: not used by Linux"

t_begin "check: unusable input exits 2"
run "$VTOPO" check
expect_rc 2
expect_err_has "name a directory of tables or table files"
run "$VTOPO" check "$T/nonexistent.dat"
expect_rc 2
expect_err_has "cannot open"
run "$VTOPO" check "$T/good/plan.json"
expect_rc 2
expect_err_has "not an SRAT, SLIT, MADT or HMAT"
run "$VTOPO" check "$T/good/srat.dat" "$T/good/srat.dat"
expect_rc 2
expect_err_has "two SRAT tables given"
mkdir -p "$T/empty"
run "$VTOPO" check "$T/empty"
expect_rc 2
expect_err_has "no ACPI table to check"

t_begin "check: a CPUID of fewer vCPUs than the MADT enables is an error, not clean"
"$VTOPO" plan -q --host "$SRC/examples/hosts/demo-2s6c.json" --vcpus 6 --memory 1G --out "$T/c6" >/dev/null
"$VTOPO" plan -q --host "$SRC/examples/hosts/demo-2s6c.json" --vcpus 8 --memory 1G --out "$T/c8" >/dev/null
run "$VTOPO" check "$T/c8" --cpuid "$T/c6/cpuid.txt"
expect_rc 1
expect_out_has "cpuid.missing_cpus          : the CPUID describes 6 vCPUs but the MADT enables 8 CPUs"
run "$VTOPO" check "$T/c8"
expect_rc 0

t_begin "check: a file that is no table suggests --memory-image"
head -c 4096 /dev/zero >"$T/mem.img"
run "$VTOPO" check "$T/mem.img"
expect_rc 2
expect_err_has "not an SRAT, SLIT, MADT or HMAT" "a guest memory dump (pmemsave) goes with --memory-image"

vt_finish
