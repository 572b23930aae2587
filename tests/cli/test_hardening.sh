#!/usr/bin/env bash
# Setup snippets are single-quoted on purpose.
# shellcheck disable=SC2016
# The adversarial classes of issue 15, each reproduction a case: plan
# directories that are one set whatever kills or races them, outputs that
# never destroy what they name, inputs that never hang or eat memory, options
# where the man page shows them, exit codes as documented, wrong plans that
# do not pass silently, and messages that tell the truth and cannot drive a
# terminal.
#
# Usage: test_hardening.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-}
vt_require_binary "$VTOPO"
vt_mktemp
# Absolute paths: some cases run in another directory.
VTOPO=$(realpath "$VTOPO")
SRC=$(realpath "$SRC")

HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
# Two plans that differ in every file.
PLAN_A=("${HOST[@]}" --vcpus 6 --memory 4G --vnodes 2)
PLAN_B=("${HOST[@]}" --vcpus 3 --memory 2G --vnodes 3)
PLAN_FILES="cpuid.txt e820.txt hmat.dat madt.dat plan.json slit.dat srat.dat"

for tool in strace timeout mkfifo; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL: $tool is missing (scripts/install-deps.sh test installs it)"
        exit 1
    fi
done

"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/ref-a" >/dev/null || exit 1
"$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/ref-b" >/dev/null || exit 1

# same_dir DIR REF: DIR holds exactly REF's files, byte for byte.
same_dir()
{
    local f
    [ "$(cd "$1" && ls -A | tr '\n' ' ')" = "$(cd "$2" && ls -A | tr '\n' ' ')" ] || return 1
    for f in $PLAN_FILES; do
        cmp -s "$1/$f" "$2/$f" || return 1
    done
    return 0
}

# expect_one_plan DIR [absent-ok]: DIR is plan A or plan B whole (or, with
# absent-ok, not there yet), and vtopo check finds its tables clean.
expect_one_plan()
{
    if [ ! -e "$1" ] && [ "${2:-}" = absent-ok ]; then
        return 0
    fi
    if ! same_dir "$1" "$T/ref-a" && ! same_dir "$1" "$T/ref-b"; then
        t_fail "$1 is neither plan A nor plan B whole: $(ls -A "$1" 2>&1 | tr '\n' ' ')"
        return 0
    fi
    if ! "$VTOPO" check -q "$1" >/dev/null 2>&1; then
        t_fail "vtopo check $1 is not clean"
    fi
}

# expect_no_tmp DIR: no temporary name in DIR (after a successful run).
expect_no_tmp()
{
    local left
    left=$(find "$1" -maxdepth 2 -name '.*.vtopo-*' | head -n 3)
    if [ -n "$left" ]; then
        t_fail "temporary names left: $left"
    fi
}

# ---- 1. a plan directory is one plan, always ------------------------------

# strace ARG...: LeakSanitizer cannot run under ptrace (it ptraces itself),
# so a sanitized vtopo runs without it here; the untraced runs keep it.
traced()
{
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace "$@"
}

# killed SYSCALLS N ARG...: vtopo ARG... killed at the Nth of SYSCALLS.
killed()
{
    local sc=$1 n=$2
    shift 2
    # (the subshell reports the kill to its own stderr, not the log)
    (traced -f -o /dev/null -e "inject=$sc:signal=SIGKILL:when=$n" "$VTOPO" "$@" && :) \
        >/dev/null 2>&1
}

# A kill at each step that can leave something behind: the exchange of the
# directories (and any rename), the creation of the new one, each file's
# creation, write and fsync, each removal of the old set's files.
for sc in rename,renameat,renameat2 mkdir,mkdirat openat write fsync unlink,unlinkat; do
    t_begin "plan --out: killed at each $sc, the directory is the old plan or the new one"
    rm -rf "$T/kill"
    mkdir "$T/kill"
    "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/kill/p" >/dev/null
    for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
        killed "$sc" "$n" plan -q "${PLAN_B[@]}" --out "$T/kill/p"
        expect_one_plan "$T/kill/p"
        # Back to A for the next kill (a clean run also removes what the kill left).
        run "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/kill/p"
        expect_rc 0
        expect_one_plan "$T/kill/p"
        expect_no_tmp "$T/kill"
    done
done

t_begin "plan --out: killed while making a new directory: nothing, or the whole plan"
rm -rf "$T/new"
mkdir "$T/new"
for n in 1 2 3 4 5 6 7 8; do
    killed fsync "$n" plan -q "${PLAN_B[@]}" --out "$T/new/p$n"
    expect_one_plan "$T/new/p$n" absent-ok
done
run "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/new/p1"
expect_rc 0
expect_one_plan "$T/new/p1"
# Every stale name was of p1..p8; each clean run removes its own target's.
for n in 2 3 4 5 6 7 8; do
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/new/p$n" >/dev/null
done
expect_no_tmp "$T/new"

t_begin "plan --out: kill -9 at random moments (30 runs), the directory is always one plan"
rm -rf "$T/rand"
mkdir "$T/rand"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/rand/p" >/dev/null
for i in $(seq 1 30); do
    if [ $((i % 2)) = 0 ]; then args=("${PLAN_A[@]}"); else args=("${PLAN_B[@]}"); fi
    "$VTOPO" plan -q "${args[@]}" --out "$T/rand/p" >/dev/null 2>&1 &
    pid=$!
    sleep "0.00$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect_one_plan "$T/rand/p"
done
run "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/rand/p"
expect_rc 0
expect_no_tmp "$T/rand"

t_begin "plan --out: a writer slowed at its renames while another writes: one plan whole"
rm -rf "$T/slow"
mkdir "$T/slow"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/slow/p" >/dev/null
for i in 1 2 3; do
    # Writer A waits 50 ms before each rename (the old code renamed its files
    # one by one: B's whole write landed between them, a mix).
    (traced -f -o /dev/null -e 'inject=rename,renameat,renameat2:delay_enter=50000' \
        "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/slow/p" && :) >/dev/null 2>&1 &
    pa=$!
    sleep 0.02
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/slow/p" >/dev/null 2>&1 || t_fail "writer B failed"
    wait "$pa" || t_fail "writer A failed"
    expect_one_plan "$T/slow/p"
done

t_begin "plan --out: concurrent writers serialise, both exit 0, the last wins whole (20 rounds)"
rm -rf "$T/race"
mkdir "$T/race"
for i in $(seq 1 20); do
    "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/race/p" >/dev/null 2>"$T/race.a" &
    pa=$!
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/race/p" >/dev/null 2>"$T/race.b" &
    pb=$!
    wait "$pa"
    ra=$?
    wait "$pb"
    rb=$?
    if [ "$ra" != 0 ] || [ "$rb" != 0 ]; then
        t_fail "round $i: exit statuses $ra and $rb: $(cat "$T/race.a" "$T/race.b")"
    fi
    expect_one_plan "$T/race/p"
done
expect_no_tmp "$T/race"

t_begin "plan --out: SIGTERM while writing: the write finishes, then vtopo dies of it"
rm -rf "$T/term"
mkdir "$T/term"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/term/p" >/dev/null
(traced -f -o /dev/null -e 'inject=fsync:signal=SIGTERM:when=3' \
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/term/p" && :) >/dev/null 2>&1
rc=$?
[ "$rc" = 143 ] || t_fail "exit status $rc, expected 143 (SIGTERM, after the write)"
same_dir "$T/term/p" "$T/ref-b" || t_fail "the directory is not plan B whole"
expect_no_tmp "$T/term"

t_begin "plan --out: a failing plan leaves no directory and no temporary name"
rm -rf "$T/fail"
mkdir "$T/fail"
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 2 --vnodes 2 --memory 2G --guest-pxms 0,5000 \
    --out "$T/fail/p"
expect_rc 2
expect_file_absent "$T/fail/p"
expect_no_tmp "$T/fail"

t_begin "plan --out: a directory holding other files is refused, nothing touched"
mkdir -p "$T/foreign"
echo keep >"$T/foreign/notes.txt"
run "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/foreign"
expect_rc 2
expect_err_one_line "vtopo plan: "
expect_err_has "holds 'notes.txt', which is not one of its files"
[ "$(cat "$T/foreign/notes.txt")" = keep ] || t_fail "notes.txt changed"
[ ! -e "$T/foreign/plan.json" ] || t_fail "plan.json written next to a foreign file"
expect_no_temp "$T" foreign

t_begin "plan --out: a regular file is refused; a symlink to a plan directory is followed"
: >"$T/afile"
run "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/afile"
expect_rc 2
expect_err_has "a regular file, not a directory"
[ -f "$T/afile" ] && [ ! -s "$T/afile" ] || t_fail "the file changed"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/real" >/dev/null
ln -s real "$T/link"
run "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/link"
expect_rc 0
[ -L "$T/link" ] || t_fail "the symlink was replaced"
same_dir "$T/real" "$T/ref-b" || t_fail "the symlink's target is not plan B"

t_begin "plan --out: the umask for a new directory, an existing directory's mode kept"
rm -rf "$T/mode"
mkdir "$T/mode"
(umask 027 && "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/mode/p" >/dev/null)
[ "$(stat -c %a "$T/mode/p")" = 750 ] || t_fail "new directory mode $(stat -c %a "$T/mode/p"), want 750"
[ "$(stat -c %a "$T/mode/p/plan.json")" = 640 ] ||
    t_fail "new file mode $(stat -c %a "$T/mode/p/plan.json"), want 640"
chmod 700 "$T/mode/p"
"$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/mode/p" >/dev/null
[ "$(stat -c %a "$T/mode/p")" = 700 ] || t_fail "replaced directory mode $(stat -c %a "$T/mode/p"), want 700"

t_begin "check DIR while plan --out replaces it: the report of the old tables or of the new"
rm -rf "$T/read"
mkdir "$T/read"
"$VTOPO" check "$T/ref-a" >"$T/check-a.ref" 2>&1
"$VTOPO" check "$T/ref-b" >"$T/check-b.ref" 2>&1
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/read/p" >/dev/null
# same_report OUT: the report of A or of B (the directory's name aside).
same_report()
{
    sed "s|$T/read/p|DIR|g" "$1" >"$1.n"
    sed "s|$T/ref-a|DIR|g" "$T/check-a.ref" | cmp -s - "$1.n" ||
        sed "s|$T/ref-b|DIR|g" "$T/check-b.ref" | cmp -s - "$1.n"
}
# A reader slowed at every open (so the swap and the removal of the old
# set's files fall inside its read), then a fast one, while writers swap.
for i in 1 2 3 4 5 6; do
    (traced -f -o /dev/null -e 'inject=openat:delay_exit=30000' \
        "$VTOPO" check "$T/read/p" >"$T/read.$i" 2>&1 && :) &
    reader=$!
    sleep 0.1
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/read/p" >/dev/null 2>&1
    "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/read/p" >/dev/null 2>&1
    wait "$reader"
    same_report "$T/read.$i" || t_fail "read $i is neither A's report nor B's: $(head -c 300 "$T/read.$i")"
done
(for i in $(seq 1 30); do
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/read/p" >/dev/null 2>&1
    "$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/read/p" >/dev/null 2>&1
done) &
writer=$!
for i in $(seq 1 60); do
    "$VTOPO" check "$T/read/p" >"$T/read.f" 2>&1
    same_report "$T/read.f" || t_fail "read $i is neither A's report nor B's: $(head -c 300 "$T/read.f")"
done
wait "$writer"

t_begin "plan --out where the filesystem cannot exchange directories, killed between the renames"
rm -rf "$T/fb"
mkdir "$T/fb"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/fb/p" >/dev/null
# renameat2's exchange fails as on NFS: DIR goes aside, then the new set in.
(traced -f -o /dev/null -e 'inject=renameat2:error=EINVAL:when=1' \
    -e 'inject=renameat:signal=SIGKILL:when=2' "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/fb/p" &&
    :) >/dev/null 2>&1
[ ! -e "$T/fb/p" ] || t_fail "the kill did not fall between the two renames"
# The next write, even one that fails, puts the old set back first.
run "$VTOPO" plan -q "${HOST[@]}" --vcpus 2 --vnodes 2 --memory 2G --guest-pxms 0,5000 \
    --out "$T/fb/p"
expect_rc 2
same_dir "$T/fb/p" "$T/ref-a" || t_fail "the old plan was not put back whole"
expect_no_tmp "$T/fb"
# Without the kill, the fallback replaces the plan whole.
(traced -f -o /dev/null -e 'inject=renameat2:error=EINVAL:when=1' \
    "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/fb/p" && :) >/dev/null 2>&1
same_dir "$T/fb/p" "$T/ref-b" || t_fail "the fallback did not replace the plan whole"
expect_no_tmp "$T/fb"

t_begin "a user's own names beside a target survive every cleanup"
rm -rf "$T/own"
mkdir -p "$T/own/p.tmp.backup" "$T/own/.p.vtopo-new.ABCDEF"
echo precious >"$T/own/p.tmp.backup/notes.txt"
echo precious >"$T/own/.p.vtopo-new.ABCDEF/notes.txt"
echo precious >"$T/own/h.json.tmp.backup"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/own/p" >/dev/null
"$VTOPO" host "${HOST[@]}" --save "$T/own/h.json" >/dev/null
# Inside the plan directory, a name that only looks like a plan file's
# temporary one is the user's: the replacement is refused, the file kept.
echo precious >"$T/own/p/plan.json.tmp.backup"
run "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/own/p"
expect_rc 2
expect_err_has "holds 'plan.json.tmp.backup', which is not one of its files"
for f in p.tmp.backup/notes.txt .p.vtopo-new.ABCDEF/notes.txt h.json.tmp.backup \
    p/plan.json.tmp.backup; do
    [ "$(cat "$T/own/$f" 2>/dev/null)" = precious ] || t_fail "$f was removed or changed"
done

t_begin "plan --out: '.', a symlink with a trailing slash, a mount point"
rm -rf "$T/dot"
mkdir "$T/dot"
(cd "$T/dot" && "$VTOPO" plan -q "${PLAN_A[@]}" --out . >/dev/null) || t_fail "--out . failed"
same_dir "$T/dot" "$T/ref-a" || t_fail "--out . did not write plan A"
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/real2" >/dev/null
ln -s real2 "$T/link2"
run "$VTOPO" plan -q "${PLAN_B[@]}" --out "$T/link2/"
expect_rc 0
same_dir "$T/real2" "$T/ref-b" || t_fail "the symlink's target is not plan B"
run "$VTOPO" plan -q "${PLAN_B[@]}" --out /proc
expect_rc 2
expect_err_has "/proc: a mount point"

t_begin "plan --out: Ctrl-C while waiting for another writer's lock ends the wait"
rm -rf "$T/lk"
mkdir "$T/lk"
exec 9<"$T/lk"
flock 9
"$VTOPO" plan -q "${PLAN_A[@]}" --out "$T/lk/p" >/dev/null 2>"$T/lk.err" &
pid=$!
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
exec 9<&-
[ "$rc" = 130 ] || t_fail "exit status $rc, expected 130 (SIGINT, the wait ended)"
grep -q "interrupted while waiting for another writer" "$T/lk.err" || t_fail "no sentence: $(cat "$T/lk.err")"
[ ! -e "$T/lk/p" ] || t_fail "the plan was written after Ctrl-C"
expect_no_tmp "$T/lk"

# ---- 2. saving never destroys what it writes to ---------------------------

t_begin "host --save onto /dev/null, a FIFO or a directory is refused; nothing replaced"
mkfifo "$T/save.fifo"
mkdir -p "$T/save.dir"
# As root, a null device of our own: should the refusal ever break, the
# system's /dev/null is not the casualty (as it was, before the fix).
null=/dev/null
if mknod "$T/null" c 1 3 2>/dev/null; then null=$T/null; fi
for target in "$null" "$T/save.fifo" "$T/save.dir"; do
    run "$VTOPO" host "${HOST[@]}" --save "$target"
    expect_rc 2
    expect_err_one_line "vtopo host: "
    expect_err_has "not a regular file; vtopo replaces only regular files"
done
[ -c "$null" ] || t_fail "$null is no longer a character device"
[ -p "$T/save.fifo" ] || t_fail "the FIFO was replaced"

t_begin "host --save through a symlink writes its target; a symlink to nothing is refused"
echo old >"$T/target.json"
ln -s target.json "$T/save.link"
run "$VTOPO" host "${HOST[@]}" --save "$T/save.link"
expect_rc 0
[ -L "$T/save.link" ] || t_fail "the symlink was replaced by a file"
grep -q '"format": "vtopo-host"' "$T/target.json" || t_fail "the target was not written"
ln -s nowhere.json "$T/dangling.link"
run "$VTOPO" host "${HOST[@]}" --save "$T/dangling.link"
expect_rc 2
expect_err_has "a symbolic link to nothing"
expect_no_temp "$T" target.json
expect_no_temp "$T" dangling.link

t_begin "host --save: an existing file keeps its mode, a new one gets the umask"
echo old >"$T/mode.json"
chmod 600 "$T/mode.json"
run "$VTOPO" host "${HOST[@]}" --save "$T/mode.json"
expect_rc 0
[ "$(stat -c %a "$T/mode.json")" = 600 ] || t_fail "mode $(stat -c %a "$T/mode.json"), want 600"
(umask 077 && "$VTOPO" host "${HOST[@]}" --save "$T/new.json" >/dev/null)
[ "$(stat -c %a "$T/new.json")" = 600 ] || t_fail "new file mode $(stat -c %a "$T/new.json"), want 600"

t_begin "host --save killed at its rename: the old file whole, and the next save cleans up"
"$VTOPO" host "${HOST[@]}" --save "$T/k.json" >/dev/null
cp "$T/k.json" "$T/k.ref"
killed rename 1 host --synthetic sockets=3 --save "$T/k.json"
cmp -s "$T/k.json" "$T/k.ref" || t_fail "the saved file changed"
ls "$T"/.k.json.vtopo-new.* >/dev/null 2>&1 || t_fail "the kill left no temporary file to clean"
run "$VTOPO" host "${HOST[@]}" --save "$T/k.json"
expect_rc 0
expect_no_temp "$T" k.json

# ---- 3. no input can hang or eat memory -----------------------------------

mkfifo "$T/fifo"
# expect_no_hang WHAT: the command ran within the timeout, exit 2, naming the FIFO.
expect_fifo_refused()
{
    if [ "$RC" = 124 ]; then
        t_fail "hung on the FIFO (killed by timeout)"
        return 0
    fi
    expect_rc 2
    expect_err_has "$1"
}

t_begin "check FIFO, check --cpuid FIFO, --e820 FIFO, --memory-image FIFO: refused at once"
run timeout 10 "$VTOPO" check "$T/fifo"
expect_fifo_refused "fifo: a FIFO, not a regular file"
for opt in --cpuid --e820; do
    run timeout 10 "$VTOPO" check "$T/ref-a/srat.dat" "$opt" "$T/fifo"
    expect_fifo_refused "fifo: a FIFO, not a regular file"
done
run timeout 10 "$VTOPO" check --memory-image "$T/fifo"
expect_fifo_refused "fifo: a FIFO, not a regular file"

t_begin "check /dev/zero is refused at once, not read to 4 GiB"
run timeout 10 "$VTOPO" check /dev/zero
expect_fifo_refused "/dev/zero: a character device, not a regular file"

t_begin "a FIFO inside an --fsroot (cpulist, numa_node, meminfo, proc/cmdline, the SRAT)"
for f in sys/devices/system/node/node0/cpulist sys/bus/pci/devices/0000:00:01.0/numa_node \
    sys/devices/system/node/node1/meminfo proc/cmdline sys/firmware/acpi/tables/SRAT; do
    rm -rf "$T/fsf"
    vt_make_fsroot "$T/fsf"
    mkdir -p "$T/fsf/proc" "$T/fsf/sys/firmware/acpi/tables"
    cp "$T/ref-a/srat.dat" "$T/fsf/sys/firmware/acpi/tables/SRAT"
    echo "BOOT_IMAGE=/vmlinuz" >"$T/fsf/proc/cmdline"
    rm -f "$T/fsf/$f"
    mkfifo "$T/fsf/$f"
    run timeout 10 "$VTOPO" host --fsroot "$T/fsf"
    if [ "$RC" = 124 ]; then
        t_fail "$f: hung on the FIFO"
    elif [ "$RC" = 0 ]; then
        # Files read only to warn (the SRAT, the command line) warn instead.
        expect_err_has "$(basename "$f"): a FIFO, not a regular file"
    else
        expect_rc 2
        expect_err_has "$(basename "$f"): a FIFO, not a regular file"
    fi
done

t_begin "--acpi DIR with a FIFO SRAT, --host FIFO, --mem-layout e820:FIFO, verify --table FIFO"
mkdir -p "$T/acpi"
mkfifo "$T/acpi/SRAT"
run timeout 10 "$VTOPO" host --synthetic sockets=2 --acpi "$T/acpi"
expect_fifo_refused "SRAT: a FIFO, not a regular file"
run timeout 10 "$VTOPO" host --host "$T/fifo"
expect_fifo_refused "fifo: empty"
run timeout 10 "$VTOPO" plan "${HOST[@]}" --vcpus 2 --mem-layout "e820:$T/fifo"
expect_fifo_refused "fifo: a FIFO, not a regular file"
run timeout 10 "$VTOPO" verify "${HOST[@]}" --vcpus 2 --memory 1G --mem-layout qemu-q35 \
    --table "$T/fifo"
expect_fifo_refused "fifo: a FIFO, not a regular file"

t_begin "--host /dev/stdin still reads a pipe"
CMD="cat demo | vtopo host --host /dev/stdin"
OUT=$("$VTOPO" host --host /dev/stdin <"$SRC/examples/hosts/demo-2s6c.json" 2>&1)
RC=$?
expect_rc 0
expect_out_has "available: 2 nodes (0-1)"
OUT=$(cat "$SRC/examples/hosts/demo-2s6c.json" | "$VTOPO" host --host /dev/stdin 2>&1)
RC=$?
expect_rc 0
expect_out_has "available: 2 nodes (0-1)"

t_begin "an input larger than its kind's limit is refused before it is read"
truncate -s 2M "$T/big-e820.txt"
run "$VTOPO" check "$T/ref-a/srat.dat" --e820 "$T/big-e820.txt"
expect_rc 2
expect_err_has "big-e820.txt: larger than the limit of 1048576 bytes"
truncate -s 300M "$T/big-table.dat"
run "$VTOPO" check "$T/big-table.dat"
expect_rc 2
expect_err_has "big-table.dat: larger than the limit of 268435456 bytes"
rm -f "$T/big-table.dat"

# ---- 4. options where the man page shows them -----------------------------

t_begin "check DIR --json, check DIR -q, check srat.dat --json: options after the operands"
run "$VTOPO" check "$T/ref-a" --json
expect_rc 0
expect_out_has '"format": "vtopo-check"'
run "$VTOPO" check "$T/ref-a" -q
expect_rc 0
expect_out_line "clean: 0 error(s), 0 warning(s)"
run "$VTOPO" check "$T/ref-a/srat.dat" --json
expect_rc 0
expect_out_has '"srat_used": true'

t_begin "emit takes options before its format as after it"
run "$VTOPO" emit -q "${HOST[@]}" --vcpus 2 --memory 1G --mem-layout qemu-q35 qemu
expect_rc 0
expect_out_line "-machine" "q35"
run "$VTOPO" emit -q "${HOST[@]}" --vcpus 2 --memory 1G qemu xl
expect_rc 2
expect_err_has "unexpected argument 'xl'"

t_begin "host and plan take options after a stray operand too (and name it)"
run "$VTOPO" host extra "${HOST[@]}"
expect_rc 2
expect_err_has "unexpected argument 'extra'"
run "$VTOPO" plan extra "${PLAN_A[@]}"
expect_rc 2
expect_err_has "unexpected argument 'extra'"

# ---- 5. exit codes as documented ------------------------------------------

t_begin "unreadable input is 2: --cpuid DIRECTORY, a path through a file, a symlink loop"
run "$VTOPO" check "$T/ref-a/srat.dat" --cpuid "$T/ref-a"
expect_rc 2
expect_err_has "is a directory, not a file"
run "$VTOPO" check "$T/ref-a/srat.dat/x"
expect_rc 2
expect_err_has "Not a directory"
ln -s loop1 "$T/loop2"
ln -s loop2 "$T/loop1"
run "$VTOPO" check "$T/loop1"
expect_rc 2
expect_err_has "Too many levels of symbolic links"
rm -rf "$T/fsl"
vt_make_fsroot "$T/fsl"
rm "$T/fsl/sys/devices/system/node/node0/cpulist"
ln -s cpulist "$T/fsl/sys/devices/system/node/node0/cpulist"
run "$VTOPO" host --fsroot "$T/fsl"
expect_rc 2
expect_err_has "Too many levels of symbolic links"

t_begin "a file that is not its table is 2, by name in a directory as by signature"
for bad in empty garbage slit; do
    rm -rf "$T/badt"
    cp -r "$T/ref-a" "$T/badt"
    case $bad in
    empty) : >"$T/badt/srat.dat" ;;
    garbage) printf 'XRAT' | dd of="$T/badt/srat.dat" bs=1 conv=notrunc status=none ;;
    slit) cp "$T/ref-a/slit.dat" "$T/badt/srat.dat" ;;
    esac
    run "$VTOPO" check "$T/badt"
    expect_rc 2
    expect_err_one_line "vtopo check: "
    expect_err_has "srat.dat: " "not an SRAT"
    if [ "$bad" != slit ]; then # named, a SLIT is a SLIT
        run "$VTOPO" check "$T/badt/srat.dat"
        expect_rc 2
        expect_err_one_line "vtopo check: "
    fi
done

t_begin "a directory with both SRAT and srat.dat is ambiguous: 2"
rm -rf "$T/both"
cp -r "$T/ref-a" "$T/both"
printf 'XXXX' >"$T/both/SRAT"
run "$VTOPO" check "$T/both"
expect_rc 2
expect_err_has "holds both SRAT and srat.dat: which one is the SRAT?"

t_begin "--help, --version and help CMD to /dev/full or a closed stdout exit 3"
for args in "--help" "--version" "help plan" "plan --help" "check --help"; do
    # shellcheck disable=SC2086
    "$VTOPO" $args >/dev/full 2>/dev/null
    rc=$?
    [ "$rc" = 3 ] || t_fail "vtopo $args >/dev/full: exit $rc, expected 3"
    # shellcheck disable=SC2086
    "$VTOPO" $args >&- 2>/dev/null
    rc=$?
    [ "$rc" = 3 ] || t_fail "vtopo $args >&-: exit $rc, expected 3"
done

# ---- 6. the sanitizers on CLI paths fuzzing does not reach ----------------

t_begin "plan with every --mem-layout (host with 3 vnodes on 2 pnodes: the leak)"
printf 'BIOS-e820: [mem 0x0000000000000000-0x000000007fffffff] usable\n' >"$T/e820.txt"
for layout in flat qemu-pc qemu-q35 xen-hvm host "e820:$T/e820.txt"; do
    run "$VTOPO" plan -q --synthetic sockets=2,cores=4 --vcpus 4 --vnodes 2 --memory 1G \
        --mem-layout "$layout" --apic xen
    expect_rc 0
done
run "$VTOPO" plan --synthetic sockets=2,cores=4 --vcpus 4 --vnodes 3 --mem-layout host
expect_rc 2
expect_err_has "--mem-layout host: vnodes 0 and 2 share pnode 0"

t_begin "a PCI uevent without PCI_ID and PCI_CLASS: vendor, device and class from their files"
rm -rf "$T/ue"
vt_make_fsroot "$T/ue"
printf 'DRIVER=e1000\nPCI_SLOT_NAME=0000:00:01.0' >"$T/ue/$PCI/0000:00:01.0/uevent"
run "$VTOPO" host --fsroot "$T/ue"
expect_rc 0
expect_out_has "0000:00:01.0 [8086:1234] class 020000"
printf 'PCI_CLASS=20000\nPCI_ID=8086:100E\nDRIVER=e1000' >"$T/ue/$PCI/0000:00:01.0/uevent"
run "$VTOPO" host --fsroot "$T/ue"
expect_rc 0
expect_out_has "0000:00:01.0 [8086:100e] class 020000"

# ---- 7. wrong plans that pass silently ------------------------------------

t_begin "a host file with two nodes of one host_pxm is refused"
vt_write_host_json "$T/h.json"
sed 's/"host_pxm": null/"host_pxm": 0/' "$T/h.json" >"$T/dup-pxm.json"
run "$VTOPO" plan --host "$T/dup-pxm.json" --vcpus 4 --pin-identity
expect_rc 2
expect_err_one_line "vtopo plan: "
expect_err_has "nodes[1].host_pxm: 0 is nodes[0]'s too"

t_begin "--vcpus 2 --vnodes 3 warns of the empty vnode; --vcpu-nodes 0-3:1023 is refused at once"
run "$VTOPO" plan "${HOST[@]}" --vcpus 2 --vnodes 3 --memory 2G
expect_rc 0
expect_err_has "warning: vnode 2 is empty"
run timeout 10 "$VTOPO" plan "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-3:1023 --memory 2G --out "$T/gap"
expect_rc 2
expect_err_has "--vcpu-nodes: vnode 0 gets no vCPU and no other option names it"
expect_file_absent "$T/gap"
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-3:4095 --memory 2G
expect_rc 2
expect_err_has "vnode '4095' is not a number from 0 to 1023"

t_begin "online CPUs in no node, and MemTotal above the node's ranges, are warned about"
sed 's/"cpus": "2-3",/"cpus": "2",/' "$T/h.json" >"$T/nodeless.json"
run "$VTOPO" host --host "$T/nodeless.json"
expect_rc 0
expect_err_has "warning: online CPUs 3 are in no node"
sed 's/"memory_bytes": 2147483648,/"memory_bytes": 4294967296,/' "$T/h.json" >"$T/memtotal.json"
run "$VTOPO" host --host "$T/memtotal.json"
expect_rc 0
expect_err_has "warning: node 1: its memory (MemTotal) is 4 GiB but its physical ranges hold only 2 GiB"
run "$VTOPO" host --host "$T/memtotal.json" --save "$T/memtotal-saved.json"
run "$VTOPO" host --host "$T/memtotal-saved.json"
n=$(printf '%s\n' "$ERR" | grep -c "its memory (MemTotal)")
[ "$n" = 1 ] || t_fail "the warning comes $n times after a save and reload, want 1"

# ---- 8. messages that tell the truth --------------------------------------

t_begin "a file name or a signature with terminal bytes is escaped in every message"
esc=$'\e[31mred'
cp "$T/ref-a/srat.dat" "$T/$esc.dat"
printf '\e[2J' | dd of="$T/$esc.dat" bs=1 count=4 conv=notrunc status=none
run "$VTOPO" check "$T/$esc.dat"
expect_rc 2
case $ERR in *$'\e'*) t_fail "a raw ESC byte reached the terminal" ;; esac
expect_err_has '\x1b[31mred.dat' "signature '\x1b[2J'"
run "$VTOPO" plan "${HOST[@]}" --vcpus 2 --memory 1G --mem-layout "e820:$T/$esc"
expect_rc 2
case $ERR in *$'\e'*) t_fail "a raw ESC byte reached the terminal" ;; esac
rm -rf "$T/ff"
vt_make_fsroot "$T/ff"
printf '0-1\xff\e]0;x\a' >"$T/ff/$S/node/node0/cpulist"
run "$VTOPO" host --fsroot "$T/ff"
expect_rc 2
case $ERR in *$'\e'* | *$'\xff'*) t_fail "raw input bytes reached the terminal" ;; esac
expect_err_has '\xff\x1b]0;x\x07'

t_begin "host files: null, empty, duplicate keys and non-UTF-8 get their own sentence"
echo null >"$T/null.json"
run "$VTOPO" host --host "$T/null.json"
expect_rc 2
expect_err_has "null.json: the top level is null, not an object"
sed '0,/"pnode": 0,/s//"pnode": 0, "pnode": 0,/' "$T/h.json" >"$T/dupkey.json"
run "$VTOPO" host --host "$T/dupkey.json"
expect_rc 2
expect_err_has 'key "pnode" is given twice in one object'
sed 's/"source": "test"/"source": "te\xffst"/' "$T/h.json" >"$T/utf8.json"
run "$VTOPO" host --host "$T/utf8.json"
expect_rc 2
expect_err_has "not valid JSON (invalid utf-8 string)"

t_begin "mem=16E keeps its value; an E820 without RAM says so"
run "$VTOPO" host --synthetic mem=16E
expect_rc 2
expect_err_has "synthetic spec: mem: size '16E' does not fit in 64 bits"
printf 'BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] reserved\n' >"$T/noram.txt"
run "$VTOPO" plan "${HOST[@]}" --vcpus 2 --mem-layout "e820:$T/noram.txt"
expect_rc 2
expect_err_has "noram.txt: less than 2 MiB of usable RAM"
expect_err_lacks "budget 0 B"

t_begin "an empty --cpuid is a problem as an empty --e820 is"
: >"$T/empty.txt"
run "$VTOPO" check "$T/ref-a/srat.dat" --cpuid "$T/empty.txt"
expect_rc 1
expect_out_has "cpuid.format" "no CPUID leaves"
run "$VTOPO" check "$T/ref-a/srat.dat" --e820 "$T/empty.txt"
expect_rc 1
expect_out_has "e820.format"

t_begin "SRAT entries of length 0 or 1, and SLIT counts 0 and 2^32, say what is wrong"
for len in 0 1; do
    cp "$T/ref-a/srat.dat" "$T/len.dat"
    printf "\\x$len" | dd of="$T/len.dat" bs=1 seek=49 conv=notrunc status=none
    run "$VTOPO" check "$T/len.dat"
    expect_rc 1
    expect_out_has "length $len is below 2"
    expect_err_lacks "runs past"
done
cp "$T/ref-a/slit.dat" "$T/count.dat"
printf '\x00\x00\x00\x00\x00\x00\x00\x00' | dd of="$T/count.dat" bs=1 seek=36 conv=notrunc status=none
run "$VTOPO" check "$T/count.dat"
expect_out_has "locality count 0"
printf '\x00\x00\x00\x00\x01\x00\x00\x00' | dd of="$T/count.dat" bs=1 seek=36 conv=notrunc status=none
run "$VTOPO" check "$T/count.dat"
case $OUT in *18446744073709551615*) t_fail "the count's size printed as 2^64-1" ;; esac
expect_out_has "locality count 4294967296 needs a 4294967296 x 4294967296 matrix"

t_begin "emit: a --tables path with a newline or ESC is refused per line, quoted with --shell"
for bad in $'x\ny' $'x\e[31my'; do
    # The tables must be there: written into a directory of that name.
    "$VTOPO" plan "${HOST[@]}" --vcpus 2 --memory 1G --mem-layout qemu-q35 --out "$T/$bad" >/dev/null
    bad=$T/$bad
    run "$VTOPO" emit qemu "${HOST[@]}" --vcpus 2 --memory 1G --mem-layout qemu-q35 --numa acpi \
        --tables "$bad"
    expect_rc 2
    expect_out_empty
    expect_err_has "holds a control character"
    case $ERR in *$'\e'*) t_fail "a raw ESC byte reached the terminal" ;; esac
    run "$VTOPO" emit qemu -q "${HOST[@]}" --vcpus 2 --memory 1G --mem-layout qemu-q35 \
        --numa acpi --tables "$bad" --shell
    expect_rc 0
    case $OUT in *$'\e'* | *$'\n'*x*) t_fail "a raw control byte in the --shell line" ;; esac
    # The quoting gives the path back to bash byte for byte.
    arg=$(printf '%s\n' "$OUT" | grep -o "\$'file=[^']*/srat.dat'" | head -n 1)
    back=$(bash -c "printf '%s' $arg")
    [ "$back" = "file=$bad/srat.dat" ] || t_fail "--shell quoting does not give the path back"
done

t_begin "host --save DIR/ (a directory that does not exist) is refused, nothing made"
run "$VTOPO" host "${HOST[@]}" --save "$T/nosuchdir/"
expect_rc 2
expect_err_has "nosuchdir/: names a directory, not a file"
expect_file_absent "$T/nosuchdir"

vt_finish
