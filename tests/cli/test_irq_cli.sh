#!/usr/bin/env bash
# `vtopo irq` through the CLI: predict on a host and on a plan directory
# (the kernel's spreading itself is tests/unit/test_irq_spread.c and the
# guest cases irq-*), every refusal with exit 2 and one sentence.
#
# Usage: test_irq_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

# 2 nodes of 2 cores x 2 threads (CPUs 0-3 node 0, 4-7 node 1), CPUs 2-3
# isolated, an NVMe with 5 vectors on node 1 (0000:01:00.0).
SYN=(--synthetic sockets=2,cores=2,threads=2,isolated=2-3,devices=nvme@1:5)

t_begin "irq predict on a host: node by node, SMT siblings together, the device's node counted"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 5 --pre 1 --device 0000:01:00.0
expect_rc 0
expect_out_line \
    "irq predict: 5 vectors (1 pre, 0 post), on the host: possible CPUs 0-7, present 0-7" \
    "       0  no       0-7                   0-1" \
    "       1  yes      4-5                   1" \
    "       2  yes      6-7                   1" \
    "       3  yes      0-1                   0" \
    "       4  yes      2-3                   0"
expect_out_has "device 0000:01:00.0 is on node 1: 2 of 4 managed vectors reach a CPU of it"
expect_err_has "managed vectors reach isolated or nohz_full CPUs 2-3" "isolcpus=managed_irq,2-3"
t_end

t_begin "irq predict --quiet drops the warning; --json says the same"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 5 --pre 1 --device 0000:01:00.0 --json -q
expect_rc 0
expect_err_empty
expect_out_has '{"vector": 1, "managed": true, "cpus": "4-5", "nodes": "1"}' \
    '"isolated_reached": "2-3"' '"managed_on_node": 2'
if command -v python3 >/dev/null; then
    printf '%s\n' "$OUT" | python3 -m json.tool >/dev/null || t_fail "not JSON"
fi
t_end

t_begin "irq predict: sets and post vectors"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 8 --pre 1 --post 1 --sets 4,2 -q
expect_rc 0
expect_out_line "       0  no       0-7                   0-1" \
    "       7  no       0-7                   0-1"
[ "$(printf '%s\n' "$OUT" | grep -c '  yes  ')" = 6 ] || t_fail "expected 6 managed vectors"
t_end

t_begin "irq predict on a plan directory: the issue's guest (possible_cpus=9)"
run "$VTOPO" plan -q --host "$SRC/examples/hosts/demo-2s6c.json" --vcpus 4 --vnodes 2 \
    --memory 1G --mem-layout qemu-q35 --device 0000:5e:00.0,model=nvme --out "$T/plan"
expect_rc 0
run "$VTOPO" irq predict --plan "$T/plan" --possible-cpus 9 --vectors 7 --pre 1 \
    --device 0000:5e:00.0
expect_rc 0
expect_out_line "irq predict: 7 vectors (1 pre, 0 post), in the guest: possible CPUs 0-8, present 0-3" \
    "       1  yes      2,4                   0-1" \
    "       2  yes      3,6                   0-1" \
    "       3  yes      0,8                   0" \
    "       4  yes      1                     0" \
    "       5  yes      5                     1" \
    "       6  yes      7                     1"
t_end

t_begin "irq predict: each refusal is one sentence and exit 2"
for args in "--vectors 0" "--vectors 2049" "--vectors 4 --pre 5" "--vectors 4 --pre 2 --post 3" \
    "--vectors 4 --sets 0" "--vectors 4 --sets 2,,1" "--vectors 4 --sets 2," \
    "--vectors 4 --sets 3,3" "--vectors 4 --possible-cpus 9" \
    "--vectors 4 --device 0000:09:00.0" "--pre 1" "--vectors 4 stray"; do
    # shellcheck disable=SC2086
    run "$VTOPO" irq predict "${SYN[@]}" $args
    expect_rc 2
    expect_out_empty
    case $ERR in "vtopo irq: "*) ;; *) t_fail "stderr should start with 'vtopo irq: '" ;; esac
    [ "$(printf '%s\n' "$ERR" | grep -vc "^Try 'vtopo irq --help'")" = 1 ] || t_fail "not one sentence"
done
t_end

t_begin "irq predict: pre and post vectors taking them all leave none managed (the kernel's rule)"
run "$VTOPO" irq predict "${SYN[@]}" --vectors 4 --pre 2 --post 2
expect_rc 0
[ "$(printf '%s\n' "$OUT" | grep -c '  no       0-7  ')" = 4 ] || t_fail "expected 4 unmanaged vectors"
run "$VTOPO" irq predict --plan "$T/plan" --vectors 4 --device 0000:3b:00.0
expect_rc 2
expect_err_has "not a device of the plan"
run "$VTOPO" irq
expect_rc 2
expect_err_has "missing the subcommand"
run "$VTOPO" irq frobnicate
expect_rc 2
expect_err_has "unknown subcommand 'frobnicate'"
t_end

vt_finish
