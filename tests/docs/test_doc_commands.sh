#!/usr/bin/env bash
# Documentation that runs as written: every vtopo command in the fenced
# blocks (sh, bash, console or untagged) of the README and docs/*.md and in
# the man pages' EXAMPLES is run, in document order in one work directory (so
# a `plan --out DIR` feeds the commands after it), with examples/ at hand,
# and must exit 0; the lines a console block shows after a "$ vtopo" command
# must be lines of its output. Inline `vtopo ...` mentions in prose are
# fragments (`plan --out`), not commands, and are not run.
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
ran=0 failed=0 skipped=0 shown=0

# The commands of one document and the output it shows for them, as records:
# "C<TAB>command" (continuations joined, comments and "$ " prompts dropped),
# then "O<TAB>line" for each line a console block shows after a "$ vtopo"
# command, up to the next prompt.
extract()
{
    local f=$1
    case $f in
    *.1)
        awk '/^\.SH EXAMPLES/{p=1; print "```sh"; next} /^\.SH/{if (p) print "```"; p=0} p' "$f" |
            sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\\\/\\/g' -e '/^\./d'
        ;;
    *)
        cat "$f"
        ;;
    esac | awk '
        # Fenced blocks: sh, bash, console, or untagged; not other languages.
        /^```/ {
            if (inb) { inb = 0; next }
            inb = 1; lang = substr($0, 4); after = 0; cont = ""
            run = lang == "" || lang ~ /^(sh|console|bash)$/; console = lang == "console"
            next
        }
        !inb || !run { next }
        {
            line = $0
            if (cont != "") { line = cont " " line; cont = "" }
            if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; next }
            prompt = sub(/^\$ /, "", line)
            # "vtopo verify: kernel started" is output, not a command.
            if (line ~ /^(sudo )?vtopo / && line !~ /^vtopo [a-z-]+:/) {
                sub(/[ \t]+#[ \t].*$/, "", line); sub(/[ \t]+$/, "", line)
                print "C\t" line
                after = console && prompt
                next
            }
            if (prompt) { after = 0; next }
            if (after) print "O\t" $0
        }'
}

# Each line the document shows (but elided ones: "...", "…") must be a whole
# line of the command's output, stdout or stderr, trailing blanks aside.
check_output()
{
    local want missing=0
    sed 's/[[:space:]]*$//' "$T/out" "$T/err" >"$T/all"
    while IFS= read -r want; do
        want=$(printf '%s' "$want" | sed 's/[[:space:]]*$//')
        case $want in
        "" | *...* | *…*) continue ;;
        esac
        if ! grep -Fxq -e "$want" "$T/all"; then
            [ "$missing" = 0 ] && echo "    the document shows lines the command does not print:"
            echo "      - $want"
            missing=$((missing + 1))
        fi
    done <"$T/want"
    [ "$missing" = 0 ]
}

# Why a documented command cannot run here, or nothing.
reason()
{
    local cmd=$1
    case $cmd in
    *...*) echo "elided" ;;
    sudo\ *) [ "$(id -u)" = 0 ] || echo "needs root" ;;
    */tmp/dump*) echo "needs the reader's sysfs dump at /tmp/dump" ;;
    *--host\ * | *--plan\ * | *--synthetic\ *) ;; # the device is the host file's
    *0000:3b:00.0*) echo "needs the reader's PCI device 0000:3b:00.0" ;;
    *./init-pool* | *./probe-nic* | *./fill-cache* | *spdk_tgt*) echo "runs the reader's program" ;;
    *"exec --node "[1-9]*)
        local node=${cmd#*exec --node }
        node=${node%% *}
        [ -d "/sys/devices/system/node/node$node" ] || echo "needs a node $node on this machine"
        ;;
    esac
}

# Run one documented command ($cmd, with its shown output in $T/want).
run_one()
{
    local name=$1 cmd=$2 why rc
    why=$(reason "$cmd")
    if [ -n "$why" ]; then
        echo "not run ($why): $name: $cmd"
        skipped=$((skipped + 1))
        return
    fi
    ran=$((ran + 1))
    if (cd "$W" && eval "${cmd#sudo }") >"$T/out" 2>"$T/err" </dev/null; then
        if check_output; then
            echo "ok: $name: $cmd"
            [ -s "$T/want" ] && shown=$((shown + 1))
        else
            echo "FAIL: $name: $cmd (output)"
            failed=$((failed + 1))
        fi
    else
        rc=$?
        echo "FAIL: $name: $cmd"
        echo "    exit status $rc; stderr:"
        sed 's/^/      | /' "$T/err" | head -n 8
        failed=$((failed + 1))
    fi
}

for doc in "$SRC/README.md" "$SRC"/docs/*.md "$SRC"/docs/man/*.1; do
    name=${doc#"$SRC"/}
    cd "$W" || exit 3
    ln -sfn "$SRC/examples" "$W/examples"
    cmd=
    : >"$T/want"
    while IFS= read -r rec; do
        case $rec in
        C$'\t'*)
            [ -n "$cmd" ] && run_one "$name" "$cmd"
            cmd=${rec#C$'\t'}
            : >"$T/want"
            ;;
        O$'\t'*) printf '%s\n' "${rec#O$'\t'}" >>"$T/want" ;;
        esac
    done < <(extract "$doc")
    [ -n "$cmd" ] && run_one "$name" "$cmd"
done
echo "$ran documented commands run ($shown with the output they show checked), $failed failed, $skipped not run (each named above)"
[ "$ran" -gt 20 ] || { echo "FAIL: too few commands found: the extraction broke"; exit 1; }
[ "$shown" -gt 5 ] || { echo "FAIL: too few shown outputs found: the extraction broke"; exit 1; }
[ "$failed" -eq 0 ]
