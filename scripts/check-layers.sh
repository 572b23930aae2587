#!/bin/sh
# The layering rule (docs/architecture.md), checked on the tree and on the
# compiled objects; the build runs it and fails on the first violation.
#
#   scripts/check-layers.sh SOURCE_DIR [OBJECT_DIRS [CLI_OBJECT_DIR SHARED_LIB]]
#
# OBJECT_DIRS: the library's object directories, separated by ':'.
#
# 1. Includes: a file under src/ includes internal headers of its own layer or
#    of layers below it only; a file under tools/ includes public headers
#    (vtopo/...) and the tool's own headers only, never src/.
# 2. Calls (with OBJECT_DIR, the library's objects): every symbol an object
#    of libvtopo uses and another of its objects defines is defined in the
#    same layer or one below; and inside a layer the files call each other
#    without cycles.
# 3. The CLI (with CLI_OBJECT_DIR and SHARED_LIB): every libvtopo symbol the
#    CLI's objects use is one the shared library exports (VT_API).
set -eu
# sort and join must agree on one collation, whatever the caller's locale.
export LC_ALL=C

SRC=${1:?usage: check-layers.sh SOURCE_DIR [OBJECT_DIR [CLI_OBJECT_DIR SHARED_LIB]]}
OBJ=${2:-}
CLI_OBJ=${3:-}
SO=${4:-}
cd "$SRC"

# The layers, bottom first. A path's layer is its longest matching prefix.
LAYERS='src/util src/version src/format src/model/linux src/model/vmm src/host src/plan src/emit src/check src/draw src/exec tools'

layer_of()
{
    best= rank=0 i=0
    for l in $LAYERS; do
        i=$((i + 1))
        case $1 in
        "$l"/* | "$l".*) best=$l rank=$i ;;
        esac
    done
    [ -n "$best" ] || return 1
    echo "$rank $best"
}

bad=0
fail()
{
    echo "check-layers: $*" >&2
    bad=$((bad + 1))
}

# ---- includes -------------------------------------------------------------
# Every #include "..." and #include <...> is resolved as the compiler would
# (next to the file, then on the include path: src/); what resolves to
# neither is a system or generated header. Public headers (vtopo/...) may be
# included anywhere: they declare types and the API, and calls through them
# are checked on the objects below.
for f in $(find src tools -name '*.[ch]' | sort); do
    if ! l=$(layer_of "$f"); then
        fail "$f: in no layer (add its directory to LAYERS and docs/architecture.md)"
        continue
    fi
    set -- $l
    frank=$1 flayer=$2
    dir=$(dirname "$f")
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]\([^">]*\)[">].*/\1/p' "$f"); do
        case $h in
        vtopo/*) continue ;;
        esac
        target=
        for cand in "$dir/$h" "src/$h"; do
            if [ -f "$cand" ]; then
                target=$(realpath --relative-to=. "$cand")
                break
            fi
        done
        [ -n "$target" ] || continue
        if [ "$flayer" = tools ]; then
            case $target in
            tools/*) ;;
            *) fail "$f includes \"$h\" ($target): the CLI uses the public headers (vtopo/...) and its own only" ;;
            esac
            continue
        fi
        if ! l=$(layer_of "$target"); then
            fail "$f includes \"$h\" ($target), which is in no layer of the library"
            continue
        fi
        set -- $l
        [ "$1" -le "$frank" ] || fail "$f ($flayer) includes \"$h\" ($target) of $2, a layer above it"
    done
done

# ---- calls ----------------------------------------------------------------
if [ -n "$OBJ" ]; then
    W=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-layers.XXXXXX")
    [ -z "${VT_LAYERS_KEEP:-}" ] || echo "check-layers: work in $W" >&2
    [ -n "${VT_LAYERS_KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
    # object -> its source path (CMake names objects SRC_PATH.o under the dir).
    for d in $(echo "$OBJ" | tr ':' ' '); do
        find "$d" -name '*.c.o' | sort | while read -r o; do
            rel=${o#"$d"/}
            rel=${rel%.o}
            if [ -f "$rel" ]; then echo "$rel $o"; fi # objects of removed sources may linger
        done
    done >"$W/objects"
    [ -s "$W/objects" ] || { echo "check-layers: no objects under $OBJ" >&2; exit 2; }
    while read -r src o; do
        nm --defined-only "$o" | awk -v s="$src" '$2 ~ /^[TDBRVWC]$/ {print $3, s}'
    done <"$W/objects" | sort -u >"$W/defs"
    while read -r src o; do
        nm -u "$o" | awk -v s="$src" '{print $2, s}'
    done <"$W/objects" | sort -u >"$W/uses"
    # user-source defining-source symbol
    join "$W/uses" "$W/defs" | awk '$2 != $3 {print $2, $3, $1}' | sort -u >"$W/calls"
    while read -r user def sym; do
        set -- $(layer_of "$user")
        urank=$1 ulayer=$2
        set -- $(layer_of "$def")
        [ "$1" -le "$urank" ] || fail "$user ($ulayer) calls $sym of $def ($2), a layer above it"
        [ "$1" -eq "$urank" ] && echo "$user $def" >>"$W/same"
    done <"$W/calls"
    # Cycles between the files of one layer: tsort reports them.
    if [ -s "$W/same" ]; then
        sort -u "$W/same" | tsort >/dev/null 2>"$W/tsort" || true
        if [ -s "$W/tsort" ]; then
            fail "files of one layer call each other in a cycle: $(grep -v 'input contains a loop' "$W/tsort" | sed 's/^tsort: //' | tr '\n' ' ')"
        fi
    fi
fi

# ---- the CLI on the public API ----------------------------------------------
if [ -n "$CLI_OBJ" ] && [ -n "$OBJ" ]; then
    nm -D --defined-only "$SO" | awk '{print $3}' | sort -u >"$W/exported"
    find "$CLI_OBJ" -name '*.c.o' | sort | while read -r o; do
        rel=${o#"$CLI_OBJ"/}
        rel=${rel%.o}
        if [ -f "$rel" ]; then nm -u "$o" | awk -v s="$rel" '{print $2, s}'; fi
    done | sort -u >"$W/cli_uses"
    awk '{print $1}' "$W/defs" | sort -u >"$W/lib_syms"
    join "$W/cli_uses" "$W/lib_syms" >"$W/cli_calls"
    while read -r sym user; do
        grep -qx "$sym" "$W/exported" ||
            fail "$user calls $sym, which libvtopo does not export (make it VT_API in include/vtopo, or keep it in the CLI)"
    done <"$W/cli_calls"
fi

[ "$bad" -eq 0 ] || { echo "check-layers: $bad violation(s) (docs/architecture.md)" >&2; exit 1; }
echo "check-layers: every include and call goes to the same layer or below"
