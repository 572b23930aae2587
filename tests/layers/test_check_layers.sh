#!/bin/sh
# The layer check catches what it exists for: a copy of the tree passes, and
# each planted violation (an upward include by path, by a relative path, by
# <...>, a CLI file including an internal header, a file in no layer) fails
# it with a sentence naming the file.
#   test_check_layers.sh SOURCE_DIR
set -eu
SRC=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-layers-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp -r "$SRC/src" "$SRC/tools" "$T/"
CHECK=$SRC/scripts/check-layers.sh
fails=0

"$CHECK" "$T" >"$T/out" 2>&1 || { cat "$T/out"; echo "FAIL: the tree itself violates the layers"; exit 1; }

expect_violation()
{
    what=$1 file=$2 line=$3 want=$4
    cp "$T/$file" "$T/saved"
    printf '%s\n' "$line" >>"$T/$file"
    if "$CHECK" "$T" >"$T/out" 2>&1; then
        echo "FAIL: $what passed the check"
        fails=$((fails + 1))
    elif ! grep -qF "$want" "$T/out"; then
        echo "FAIL: $what: the check said:"
        cat "$T/out"
        fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
    mv "$T/saved" "$T/$file"
}

expect_violation "an upward include" src/util/text.c '#include "plan/layout_internal.h"' \
    'src/util/text.c (src/util) includes "plan/layout_internal.h"'
expect_violation "an upward include by a relative path" src/format/e820.c \
    '#include "../check/guest_view.c"' 'of src/check, a layer above it'
expect_violation "an upward include in <...>" src/model/linux/numa.c \
    '#include <host/host_internal.h>' 'of src/host, a layer above it'
expect_violation "the CLI including an internal header" tools/vtopo/cli.c \
    '#include "util/file.h"' 'the CLI uses the public headers'
mkdir "$T/src/elsewhere"
echo 'int elsewhere;' >"$T/src/elsewhere/x.c"
if "$CHECK" "$T" >"$T/out" 2>&1 || ! grep -q 'src/elsewhere/x.c: in no layer' "$T/out"; then
    echo "FAIL: a file in no layer was not reported"
    cat "$T/out"
    fails=$((fails + 1))
else
    echo "ok: a file in no layer"
fi
[ "$fails" -eq 0 ]
