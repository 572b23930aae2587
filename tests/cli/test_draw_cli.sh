#!/usr/bin/env bash
# vtopo draw (label cli): terminal pictures against golden files (box
# drawing and ASCII, within 80 columns), SVGs well-formed (xmllint) and the
# same bytes twice, the README's picture of the demo plan current, --out
# atomic, and every refusal one sentence with exit 2.
# Usage: test_draw_cli.sh PATH-TO-vtopo SOURCE-DIR
# VT_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp
GOLD=$SRC/tests/golden/draw
HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
DEMO=("${HOST[@]}" --vcpus 6 --vnodes 2 --memory 4G --mem-layout qemu-q35)

# golden NAME vtopo-arguments...: stdout equals tests/golden/draw/NAME.
golden()
{
    local name=$1
    shift
    run "$VTOPO" "$@"
    expect_rc 0
    if [ -n "${VT_UPDATE_GOLDEN:-}" ]; then
        printf '%s\n' "$OUT" >"$GOLD/$name"
    elif ! printf '%s\n' "$OUT" | diff -u "$GOLD/$name" - >"$T/diff"; then
        t_fail "differs from tests/golden/draw/$name:"$'\n'"$(head -20 "$T/diff")"
    fi
    # Columns are characters (box drawing is 3 bytes a character in UTF-8).
    while IFS= read -r line; do
        [ "$(printf '%s' "$line" | LC_ALL=C.UTF-8 wc -m)" -le 80 ] ||
            t_fail "a line is wider than 80 columns: $line"
    done <<<"$OUT"
}

t_begin "draw host: the demo host as text and ASCII (golden)"
golden host-demo.txt draw host "${HOST[@]}"
golden host-demo-ascii.txt draw host "${HOST[@]}" --ascii
printf '%s' "$OUT" | LC_ALL=C grep -q '[^ -~]' && t_fail "--ascii printed a non-ASCII byte"
golden host-smt.txt draw host --synthetic sockets=2,cores=4,threads=2,isolated=2-3,nohz-full=6,offline=7,devices=nvme@1:9,net@none:4
t_end

t_begin "draw plan: the demo plan, a pinned unbalanced one with a device, hot-plug (golden)"
golden plan-demo.txt draw plan "${DEMO[@]}"
golden plan-pinned.txt draw plan "${HOST[@]}" --vcpus 5 --pin 0-1:0-1,2-4:6-8 --memory 1G \
    --mem-layout qemu-q35 --device 0000:5e:00.0 -q
golden plan-hotplug-ascii.txt draw plan "${HOST[@]}" --vcpus 4 --max-vcpus 8 --vnodes 2 \
    --memory 2G --hotplug-memory 1G@1 --mem-layout qemu-q35 --ascii
t_end

t_begin "draw --svg: well-formed, the same bytes twice, --out writes it whole"
run "$VTOPO" draw plan "${DEMO[@]}" --svg --out "$T/a.svg"
expect_rc 0
expect_out_empty
"$VTOPO" draw plan "${DEMO[@]}" --svg >"$T/b.svg" 2>/dev/null
cmp -s "$T/a.svg" "$T/b.svg" || t_fail "two SVGs of one plan differ (--out and stdout)"
xmllint --noout "$T/a.svg" || t_fail "not well-formed"
grep -q '<script\|href=' "$T/a.svg" && t_fail "the SVG refers to something outside it"
run "$VTOPO" draw host "${HOST[@]}" --svg --out "$T/h.svg"
expect_rc 0
xmllint --noout "$T/h.svg" || t_fail "the host SVG is not well-formed"
ls -A "$T" | grep -q 'vtopo-new' && t_fail "a temporary file was left"
t_end

t_begin "draw plan --plan DIR: the same picture as the plan options; the README's picture is current"
run "$VTOPO" plan -q "${DEMO[@]}" --out "$T/plan"
expect_rc 0
run "$VTOPO" draw plan --plan "$T/plan" --svg --out "$T/dir.svg"
expect_rc 0
cmp -s "$T/a.svg" "$T/dir.svg" || t_fail "--plan DIR draws another picture"
if [ -n "${VT_UPDATE_GOLDEN:-}" ]; then
    cp "$T/a.svg" "$SRC/docs/demo-plan.svg"
else
    cmp -s "$T/a.svg" "$SRC/docs/demo-plan.svg" ||
        t_fail "docs/demo-plan.svg (the README's picture) is not the demo plan's picture now"
fi
t_end

t_begin "draw: each refusal is one sentence and exit 2, nothing written"
for args in "" "nonsense" "host --svg --ascii" "host --vcpus 4" "host --plan $T/plan" \
    "plan --vcpus 0" "plan --plan $T/nowhere" "host --out" "host stray" "host --any-host"; do
    # shellcheck disable=SC2086
    run "$VTOPO" draw $args --out "$T/never.svg" "${HOST[@]}"
    expect_rc 2
    expect_out_empty
    case $ERR in "vtopo draw: "*) ;; *) t_fail "'$args': stderr should start with 'vtopo draw: '" ;; esac
    [ "$(printf '%s\n' "$ERR" | grep -vc "^Try 'vtopo draw --help'")" = 1 ] ||
        t_fail "'$args': not one sentence"
    expect_file_absent "$T/never.svg"
done
run "$VTOPO" draw host --vcpus 4 "${HOST[@]}"
expect_err_has "vtopo draw: --vcpus is a plan option: 'vtopo draw plan' takes it"
run "$VTOPO" draw host "${HOST[@]}" --out "$T/no/such/dir/x.svg"
expect_rc_nonzero
expect_err_has "vtopo draw: "
# verify --draw FILE whose directory is missing is refused before the boot
# (a guest boot is minutes under TCG; the picture is written after it).
run "$VTOPO" verify "${HOST[@]}" --vcpus 2 --memory 256M --draw "$T/no/such/dir/v.svg"
expect_rc 2
expect_err_has "vtopo verify: --draw $T/no/such/dir/v.svg: the directory $T/no/such/dir does not exist"
run "$VTOPO" verify "${HOST[@]}" --vcpus 2 --memory 256M --draw "$T/"
expect_rc 2
expect_err_has "not a file name"
run "$VTOPO" verify "${HOST[@]}" --vcpus 2 --memory 256M --draw "$T"
expect_rc 2
expect_err_has "it exists and is not a regular file"
# An empty --out is refused, and nothing is left in the current directory.
(V=$(realpath "$VTOPO") && cd "$T" && "$V" draw host "${HOST[@]}" --out "" >/dev/null 2>"$T/empty.err")
[ $? = 2 ] || t_fail "--out '' is not refused with exit 2"
grep -q "vtopo draw: --out: an empty file name" "$T/empty.err" || t_fail "--out '': $(cat "$T/empty.err")"
ls -A "$T" | grep -q 'vtopo-new' && t_fail "--out '' left a temporary file"
t_end

vt_finish
