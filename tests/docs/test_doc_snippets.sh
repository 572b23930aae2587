#!/usr/bin/env bash
# The C in the documentation compiles as written: every ```c block of the
# README and docs/*.md is built with -Wall -Wextra -Werror against the
# library it documents and linked with it. A block is a fragment: its
# #include lines and its function definitions (from a line at column 0 that
# opens one to the "}" at column 0) go to file scope, the rest into main(),
# after a prelude that declares what the fragments leave to the reader: a
# device pointer `dev` (struct my_dev).
#
# Usage: test_doc_snippets.sh CC SOURCE-DIR INCLUDE-DIR LIBRARY
set -u
CC=${1:?usage}
SRC=${2:?usage}
INC=${3:?usage}
LIB=${4:?usage}
T=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-snippets.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0 failed=0

# split BLOCK file|main: a block's function definitions (a line at column 0
# followed by a line "{", to the next "}" at column 0), or the rest but its
# #include lines.
split()
{
    awk -v want="$2" '
        { line[NR] = $0 }
        END {
            for (i = 1; i <= NR; i++) {
                if (!fn && line[i] ~ /^[a-z]/ && line[i + 1] == "{") fn = 1
                if ((fn && want == "file") || (!fn && want == "main" && line[i] !~ /^#include/))
                    print line[i]
                if (fn && line[i] ~ /^}/) fn = 0
            }
        }' "$1"
}

for doc in "$SRC/README.md" "$SRC"/docs/*.md; do
    name=${doc#"$SRC"/}
    awk -v out="$T/block" '
        /^```c$/ { n++; inb = 1; f = out "." n; printf "" > f; next }
        /^```/ { inb = 0; next }
        inb { print >> f }' "$doc"
    for block in "$T"/block.*; do
        [ -e "$block" ] || continue
        n=$((n + 1))
        {
            echo "#include <err.h>"
            echo "#include <errno.h>"
            echo "#include <stdint.h>"
            echo "#include <stdio.h>"
            echo "#include <stdlib.h>"
            echo "#include <string.h>"
            echo "#include <vtopo/vtopo.h>"
            grep '^#include' "$block"
            echo "struct my_dev { size_t nrings; int *rings; };"
            split "$block" file
            echo "int main(void)"
            echo "{"
            echo "    struct my_dev *dev = NULL;"
            echo "    (void)dev;"
            split "$block" main
            echo "    return 0;"
            echo "}"
        } >"$T/snippet.c"
        if "$CC" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$INC" "$T/snippet.c" "$LIB" "-Wl,-rpath,$(dirname "$LIB")" \
            -o "$T/snippet" 2>"$T/cc.err"; then
            echo "ok: $name: C block ${block##*.} compiles and links"
        else
            echo "FAIL: $name: C block ${block##*.}:"
            sed 's/^/      | /' "$T/cc.err" | head -n 12
            failed=$((failed + 1))
        fi
        rm -f "$block"
    done
done
echo "$n C blocks built, $failed failed"
[ "$n" -ge 3 ] || { echo "FAIL: too few C blocks found: the extraction broke"; exit 1; }
[ "$failed" = 0 ]
