#!/usr/bin/env bash
# Round trips at the documented limits (label limits: seconds and a gigabyte
# or two of memory in a release build, so not rerun under the sanitizers).
#
# Usage: test_limits.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
vt_require_binary "$VTOPO"
vt_mktemp

t_begin "a host of 4096 nodes (the limit) saves and loads back to the same file"
run "$VTOPO" host -q --synthetic sockets=64,nodes-per-socket=64,cores=64 --save "$T/big.json"
expect_rc 0
size=$(stat -c %s "$T/big.json")
# A distance row per node on one line: about 4 bytes a distance.
[ "$size" -lt $((4096 * 4096 * 8)) ] || t_fail "the file is $size bytes"
run "$VTOPO" host -q --host "$T/big.json" --save "$T/again.json"
expect_rc 0
expect_same "$T/big.json" "$T/again.json" "the reloaded host saved again"
grep -q '"distances": \[10, 12, 12' "$T/big.json" || t_fail "distance rows are not one line each"

vt_finish
