#!/usr/bin/env bash
# The pictures in a real browser (label draw): Debian's Chromium, headless,
# renders SVGs of hosts and plans from 1 node of 2 CPUs to 64 nodes of 128
# (8,192 vCPUs), unbalanced, memory-only and CPU-less vnodes, devices,
# hot-pluggable vCPUs and memory:
# - each to a PNG of the SVG's size (--screenshot);
# - each loaded as an image into a canvas (a page of ours): it must load
#   (the browser parses it), have the SVG's size and not be blank (enough
#   pixels drawn);
# - each put into that page's DOM, where every text's width in the
#   browser's own font must be at most what the layout counted for it
#   (SCENE_CHAR_W, 8 px a character): text never runs out of its box.
# The geometry itself (nothing overlaps) is tests/unit/test_draw.c's.
# Usage: test_render.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cli/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || {
    echo "FAIL: no chromium (scripts/install-deps.sh test installs Debian's)" >&2
    exit 1
}
HOST=(--host "$SRC/examples/hosts/demo-2s6c.json")
BIG=(--synthetic sockets=8,nodes-per-socket=8,cores=512,threads=2,mem=4T)

browser()
{
    # A profile of its own, no sandbox (root in CI), no GPU.
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --no-first-run --user-data-dir="$T/profile" "$@" 2>"$T/chromium.err"
}

# render NAME vtopo-arguments...: draw, render, check.
render()
{
    local name=$1 w h result px n wide
    shift
    t_begin "render $name"
    run "$VTOPO" draw "$@" --svg -q --out "$T/$name.svg"
    expect_rc 0
    xmllint --noout "$T/$name.svg" 2>"$T/xmllint.err" || t_fail "not well-formed: $(cat "$T/xmllint.err")"
    w=$(sed -n 's/^<svg [^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\1/p' "$T/$name.svg")
    h=$(sed -n 's/^<svg [^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\2/p' "$T/$name.svg")
    [ -n "$w" ] && [ -n "$h" ] || t_fail "no width and height"
    browser --window-size="$w,$h" --screenshot="$T/$name.png" "file://$T/$name.svg" >/dev/null
    [ -s "$T/$name.png" ] || t_fail "no PNG: $(tail -3 "$T/chromium.err")"
    # The PNG's IHDR: width and height, big-endian, at bytes 16 and 20.
    px=$(od -An -tu1 -j16 -N8 "$T/$name.png" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
    [ "$px" = "$w $h" ] || t_fail "PNG is $px, the SVG $w $h"
    {
        printf '<!doctype html><html><head><title>waiting</title></head><body><canvas id="c"></canvas><script>\n'
        printf 'const img = new Image();\n'
        printf 'img.onload = () => { const c = document.getElementById("c"); c.width = img.width; c.height = img.height;\n'
        printf '  const x = c.getContext("2d"); x.drawImage(img, 0, 0); const d = x.getImageData(0, 0, c.width, c.height).data;\n'
        printf '  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) n++;\n'
        printf '  const svg = document.importNode(new DOMParser().parseFromString(new TextDecoder().decode(\n'
        printf '    Uint8Array.from(atob(b64), ch => ch.charCodeAt(0))), "image/svg+xml").documentElement, true);\n'
        printf '  document.body.appendChild(svg); let wide = 0, worst = "";\n'
        printf '  for (const t of svg.querySelectorAll("text")) { const have = t.getComputedTextLength(), count = [...t.textContent].length * 8;\n'
        printf '    if (have > count + 0.5) { wide++; if (!worst) worst = have.toFixed(1) + " px for " + count + ": " + t.textContent; } }\n'
        printf '  document.title = "RESULT " + img.width + " " + img.height + " " + n + " WIDE " + wide + " " + worst; };\n'
        printf 'img.onerror = () => { document.title = "RESULT error"; };\n'
        printf 'const b64 = "%s";\n' "$(base64 -w0 "$T/$name.svg")"
        printf 'img.src = "data:image/svg+xml;base64," + b64;\n'
        printf '</script></body></html>\n'
    } >"$T/$name.html"
    browser --virtual-time-budget=10000 --dump-dom "file://$T/$name.html" >"$T/$name.dom"
    result=$(sed -n 's/.*<title>RESULT \([^<]*\)<\/title>.*/\1/p' "$T/$name.dom")
    case $result in
    "$w $h "*" WIDE "*)
        # Every text within the width the layout counted.
        wide=${result#* WIDE }
        [ "${wide%% *}" = 0 ] || t_fail "texts wider in the browser's font than the layout counted: $wide"
        # Drawn: at least 1% of the pixels, and 500.
        n=${result%% WIDE *}
        n=${n##* }
        [ "$n" -ge 500 ] && [ "$n" -ge $((w * h / 100)) ] || t_fail "nearly blank: $n of $((w * h)) pixels drawn"
        ;;
    *) t_fail "the browser did not draw it as an image of $w x $h: '${result:-no result}'" ;;
    esac
    t_end
}

render host-1node host --synthetic sockets=1,cores=2,threads=1,mem=1G
render host-demo host "${HOST[@]}"
render host-8nodes host --synthetic sockets=4,nodes-per-socket=2,cores=8,threads=2,mem=512G,isolated=2-5,nohz-full=6-7,offline=31,devices=nvme@3:17,net@none:8
render host-64nodes host "${BIG[@]}"
render plan-demo plan "${HOST[@]}" --vcpus 6 --vnodes 2 --memory 4G --mem-layout qemu-q35
render plan-unbalanced plan "${HOST[@]}" --vcpus 5 --pin 0-1:0-1,2-4:6-8 --memory 1G \
    --mem-layout qemu-q35 --device 0000:5e:00.0
render plan-memory-only plan "${HOST[@]}" --vcpus 4 --vcpu-nodes 0-1:0,2-3:2 \
    --vnode-memory 1G,512M,512M --memory 2G --mem-layout qemu-q35
render plan-memoryless plan "${HOST[@]}" --vcpus 4 --vnodes 2 --vnode-memory 1G,0 --memory 1G \
    --mem-layout qemu-q35
render plan-hotplug plan "${HOST[@]}" --vcpus 4 --max-vcpus 8 --vnodes 2 --memory 2G \
    --hotplug-memory 1G@1 --mem-layout qemu-q35
render plan-xen-hvm plan "${HOST[@]}" --vcpus 6 --vnodes 2 --memory 8G --mem-layout xen-hvm --apic xen
render plan-8192 plan "${BIG[@]}" --vcpus 8192 --memory 64G --pin-identity --apic xen
# vnode k has vCPUs k, k + 64, ... pinned to CPUs k * 128, ...: runs with a step.
render plan-8192-interleaved plan "${BIG[@]}" --vcpus 8192 --memory 64G --apic xen \
    --pin "$(awk 'BEGIN { for (i = 0; i < 8192; i++) printf "%s%d:%d", i ? "," : "", i, (i % 64) * 128 + int(i / 64) }')"

vt_finish
