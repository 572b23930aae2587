#!/usr/bin/env bash
# Documentation that runs as written: every vtopo command in the README's
# console blocks, the man pages' EXAMPLES and docs/*.md's sh/console blocks
# is run, in document order in one work directory (so a `plan --out DIR`
# feeds the commands after it), with examples/ at hand, and must exit 0.
#
# Not run, each said by name with its reason (never silently):
#   - elided commands ("vtopo emit libvirt ... --mem-layout qemu-q35");
#   - what needs the reader's machine: root (sudo), a sysfs dump at
#     /tmp/dump, a PCI device of theirs, their own programs (./init-pool,
#     spdk_tgt), a node this machine does not have.
#
# Usage: test_doc_commands.sh PATH-TO-vtopo SOURCE-DIR
set -u

VTOPO=$(realpath "${1:?usage: test_doc_commands.sh VTOPO SRC}")
SRC=$(realpath "${2:?usage: test_doc_commands.sh VTOPO SRC}")
T=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-docs.XXXXXX")
trap 'rm -rf "$T"' EXIT
W=$T/work # where the documents' commands run and write
mkdir -p "$T/bin" "$W"
ln -s "$VTOPO" "$T/bin/vtopo"
PATH=$T/bin:$PATH
ran=0 failed=0 skipped=0

# The commands of one document, one per line (continuations joined,
# comments and "$ " prompts dropped).
extract()
{
    local f=$1
    case $f in
    *.1)
        awk '/^\.SH EXAMPLES/{p=1; next} /^\.SH/{p=0} p' "$f" |
            sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\\\/\\/g' -e '/^\./d'
        ;;
    *)
        awk '/^```(sh|console|bash)/{p=1; next} /^```/{p=0} p' "$f"
        ;;
    esac | awk '
        { line = $0 }
        cont != "" { line = cont " " line; cont = "" }
        /\\$/ { sub(/\\$/, "", line); cont = line; next }
        { print line }' |
        sed -n -e 's/^\$ //' -e '/^\(sudo \)\{0,1\}vtopo /p' |
        sed -e 's/[[:space:]][[:space:]]*#[[:space:]].*$//' -e 's/[[:space:]]*$//'
}

# Why a documented command cannot run here, or nothing.
reason()
{
    local cmd=$1
    case $cmd in
    *...*) echo "elided" ;;
    sudo\ *) [ "$(id -u)" = 0 ] || echo "needs root" ;;
    */tmp/dump*) echo "needs the reader's sysfs dump at /tmp/dump" ;;
    *0000:3b:00.0*) echo "needs the reader's PCI device 0000:3b:00.0" ;;
    *./init-pool* | *./probe-nic* | *./fill-cache* | *spdk_tgt*) echo "runs the reader's program" ;;
    *"exec --node "[1-9]*)
        local node=${cmd#*exec --node }
        node=${node%% *}
        [ -d "/sys/devices/system/node/node$node" ] || echo "needs a node $node on this machine"
        ;;
    esac
}

for doc in "$SRC/README.md" "$SRC"/docs/*.md "$SRC"/docs/man/*.1; do
    name=${doc#"$SRC"/}
    cd "$W" || exit 3
    ln -sfn "$SRC/examples" "$W/examples"
    while IFS= read -r cmd; do
        [ -n "$cmd" ] || continue
        why=$(reason "$cmd")
        if [ -n "$why" ]; then
            echo "not run ($why): $name: $cmd"
            skipped=$((skipped + 1))
            continue
        fi
        ran=$((ran + 1))
        if (cd "$W" && eval "${cmd#sudo }") >"$T/out" 2>"$T/err" </dev/null; then
            echo "ok: $name: $cmd"
        else
            rc=$?
            echo "FAIL: $name: $cmd"
            echo "    exit status $rc; stderr:"
            sed 's/^/      | /' "$T/err" | head -n 8
            failed=$((failed + 1))
        fi
    done < <(extract "$doc")
done
echo "$ran documented commands run, $failed failed, $skipped not run (each named above)"
[ "$ran" -gt 20 ] || { echo "FAIL: too few commands found: the extraction broke"; exit 1; }
[ "$failed" -eq 0 ]
