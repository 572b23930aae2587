#!/usr/bin/env bash
# Device names side by side with hwloc: for every hwloc dump that ships
# hwloc's own XML of it, the names `vtopo host --fsroot` gives each PCI
# device are the ones hwloc found for it: its network OSDevs (eth0, ib0),
# then its OpenFabrics ones (mlx4_0, qib0), each kind in name order.
#
# Usage: test_device_names.sh PATH-TO-vtopo HWLOC-DATA-DIR DATASETS-DIR
set -u
VTOPO=${1:?usage}
DATA=${2:?usage}
DATASETS=${3:?usage}
compared=0 failed=0

command -v xmllint >/dev/null 2>&1 || {
    echo "FAIL: xmllint not found (Debian package libxml2-utils; scripts/install-deps.sh installs it)"
    exit 1
}
# The attribute values an XPath selects, one per line.
values()
{
    xmllint --xpath "$2" "$1" 2>/dev/null | sed -e 's/^[^=]*="//' -e 's/"$//' | tr ' ' '\n' |
        sed -e 's/^[a-z_]*="//' -e 's/"$//' -e '/^$/d'
}

for xml in "$DATA"/*.xml; do
    name=$(basename "$xml" .xml)
    dir=$DATASETS/$name
    if [ ! -d "$dir" ]; then
        echo "FAIL: $name: no extracted dump at $dir"
        failed=$((failed + 1))
        continue
    fi
    out=$("$VTOPO" host -q --fsroot "$dir") || {
        echo "FAIL: $name: vtopo host failed"
        failed=$((failed + 1))
        continue
    }
    for bdf in $(values "$xml" "//object[@type='PCIDev'][object[@type='OSDev']]/@pci_busid"); do
        dev="//object[@type='PCIDev' and @pci_busid='$bdf']/object[@type='OSDev'"
        want=$({
            values "$xml" "$dev and @osdev_type='16']/@name" | LC_ALL=C sort
            values "$xml" "$dev and @osdev_type='48']/@name" | LC_ALL=C sort
        } | paste -sd, -)
        [ -n "$want" ] || continue
        compared=$((compared + 1))
        # vtopo's names of the classes hwloc shows: not the NVMe
        # controllers (nvme0) or DRM cards (card0).
        got=$(printf '%s\n' "$out" | awk -v b="$bdf" '$1 == b { print $2; exit }' | tr , '\n' |
            grep -Ev '^(nvme|card)[0-9]+$' | paste -sd, -)
        if [ "$got" = "$want" ]; then
            echo "ok: $name: $bdf is $want"
        else
            echo "FAIL: $name: $bdf: hwloc names it $want, vtopo host '$got'"
            failed=$((failed + 1))
        fi
    done
done
echo "$compared device names compared with hwloc's, $failed failed"
[ "$compared" -ge 5 ] || {
    echo "FAIL: expected at least 5 named devices in hwloc's XML, found $compared"
    exit 1
}
[ "$failed" = 0 ]
