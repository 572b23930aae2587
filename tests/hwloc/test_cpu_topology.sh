#!/usr/bin/env bash
# CPU topology side by side with hwloc: for every hwloc sysfs dump, each
# online CPU's package and core id, its SMT siblings and its last-level
# cache group as `vtopo host --cpus --fsroot` shows them, against what
# hwloc-calc finds in the same dump (Package and Core os indexes, the PUs of
# each core, the PUs of each cache of the level vtopo calls the last); and
# each PCI device's local CPUs against hwloc's locality of the device.
#
# Usage: test_cpu_topology.sh PATH-TO-vtopo DATASETS-DIR
set -u
VTOPO=${1:?usage}
DATASETS=${2:?usage}
cpus_checked=0 llc_checked=0 failed=0

command -v hwloc-calc >/dev/null 2>&1 || {
    echo "FAIL: hwloc-calc not found (Debian package hwloc; scripts/install-deps.sh installs it)"
    exit 1
}
fail()
{
    echo "FAIL: $*"
    failed=$((failed + 1))
}
# hwloc-calc on a dump, with hwloc's own test-harness environment and every
# PU, allowed or not.
calc()
{
    local d=$1
    shift
    env -u HWLOC_XMLFILE -u HWLOC_ALLOW HWLOC_COMPONENTS=linux,stop HWLOC_FSROOT="$d" \
        HWLOC_DUMPED_HWDATA_DIR=/var/run/hwloc HWLOC_DONT_ADD_VERSION_INFO=1 LC_ALL=C \
        hwloc-calc --disallowed "$@" 2>/dev/null
}
# A cpulist ("0-3,8") as its numbers, one per line, ascending.
expand()
{
    tr , '\n' <<<"$1" | awk -F- 'NF { e = NF > 1 ? $2 : $1; for (i = $1; i <= e; i++) print i }' |
        sort -n | paste -sd' ' -
}

for dir in "$DATASETS"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    ours=$("$VTOPO" host -q --cpus --fsroot "$dir") || {
        fail "$name: vtopo host --cpus failed"
        continue
    }
    # cpu package core siblings, for the CPUs vtopo knows the place of.
    declare -A pkg=() core=() sib=()
    while read -r cpu _node p _die _cluster c online s _rest; do
        [ "$online" = yes ] || continue
        pkg[$cpu]=$p core[$cpu]=$c sib[$cpu]=$s
    done < <(printf '%s\n' "$ours" | tail -n +2)
    # hwloc: Package:P.Core:C.PU:N with os indexes (-p), and the same walk
    # with the cores' machine-wide logical indexes (-H core.pu): a core's os
    # index (core_id) repeats across the dies of a package, its logical index
    # does not. The PUs of one logical core are SMT siblings.
    declare -A group=()
    hw=$(calc "$dir" -p -H package.core.pu all | tr ' ' '\n')
    logical=$(calc "$dir" -H core.pu all | tr ' ' '\n')
    [ -n "$hw" ] && [ "$(wc -l <<<"$hw")" = "$(wc -l <<<"$logical")" ] || {
        fail "$name: hwloc-calc found no package.core.pu, or two different walks"
        continue
    }
    hw=$(paste -d. <(cut -d. -f1-3 <<<"$hw") <(cut -d. -f1 <<<"$logical"))
    while IFS=. read -r p c u lc; do
        group[${lc#Core:}]+="${u#PU:},"
    done <<<"$hw"
    bad=0
    while IFS=. read -r p c u lc; do
        p=${p#Package:} c=${c#Core:} u=${u#PU:} lc=${lc#Core:}
        if [ -z "${pkg[$u]+x}" ]; then
            fail "$name: hwloc has PU $u, vtopo host --cpus knows no place for it"
            bad=1
            continue
        fi
        # hwloc shows -1 (or its own index) for an id sysfs does not give.
        [ "$p" = -1 ] || [ "${pkg[$u]}" = "$p" ] ||
            { fail "$name: CPU $u: hwloc's package $p, vtopo's ${pkg[$u]}" && bad=1; }
        [ "$c" = -1 ] || [ "${core[$u]}" = "$c" ] ||
            { fail "$name: CPU $u: hwloc's core $c, vtopo's ${core[$u]}" && bad=1; }
        want=$(expand "${group[$lc]%,}")
        got=$(expand "${sib[$u]}")
        [ "$got" = "$want" ] ||
            { fail "$name: CPU $u: hwloc's core has PUs $want, vtopo's siblings $got" && bad=1; }
        cpus_checked=$((cpus_checked + 1))
    done <<<"$hw"
    [ "$bad" = 0 ] && echo "ok: $name: $(wc -l <<<"$hw") CPUs' package, core and siblings"

    # Last-level cache groups: vtopo's "L3 0-5" column against hwloc's
    # L3Cache objects.
    level=$(printf '%s\n' "$ours" | awk 'NR > 1 && $7 == "yes" && $9 ~ /^L[0-9]$/ { print substr($9, 2); exit }')
    if [ -z "$level" ]; then
        n=$(calc "$dir" -N l3cache all)
        n2=$(calc "$dir" -N l2cache all)
        if [ -n "$n$n2" ] && [ "${n:-0}${n2:-0}" != 00 ]; then
            fail "$name: hwloc has caches (L3 ${n:-none}, L2 ${n2:-none}), vtopo knows no last-level cache"
        else
            echo "ok: $name: neither vtopo nor hwloc knows a cache"
        fi
        unset pkg core sib group
        continue
    fi
    want=$(n=$(calc "$dir" -N "l${level}cache" all) &&
        for ((k = 0; k < n; k++)); do expand "$(calc "$dir" --po -I pu "l${level}cache:$k")"; done |
        sort -u)
    # hwloc's caches hold online CPUs only; a dump's shared_cpu_list may
    # name offline ones too (vtopo keeps the kernel's list as it is).
    online=" $(printf '%s\n' "$ours" | awk 'NR > 1 && $7 == "yes" { print $1 }' | paste -sd' ' -) "
    got=$(printf '%s\n' "$ours" | awk 'NR > 1 && $7 == "yes" && $9 ~ /^L/ { print $10 }' | sort -u |
        while read -r l; do
            for c in $(expand "$l"); do [[ $online == *" $c "* ]] && printf '%s ' "$c"; done
            echo
        done | sed 's/ $//' | sort -u)
    if [ "$got" = "$want" ]; then
        echo "ok: $name: $(wc -l <<<"$want") L$level groups"
        llc_checked=$((llc_checked + $(wc -l <<<"$want")))
    else
        fail "$name: L$level groups: hwloc's [$(paste -sd'|' - <<<"$want")], vtopo's [$(paste -sd'|' - <<<"$got")]"
    fi
    unset pkg core sib group
done
# PCI localities: each device's local CPUs as `vtopo host` shows them
# against hwloc-calc's CPUs of the same device (its non-I/O parent's), for
# every device hwloc keeps.
pci_checked=0 pci_widened=0
for dir in "$DATASETS"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [ -d "$dir/sys/bus/pci/devices" ] || continue
    while read -r bdf local; do
        want=$(calc "$dir" --po -I pu "pci=$bdf") || continue
        [ -n "$want" ] || continue
        got=" $(expand "$local") " all=" $(expand "$want") "
        if [ "$got" = "$all" ]; then
            pci_checked=$((pci_checked + 1))
            continue
        fi
        # hwloc attaches a device to the smallest object containing its
        # local CPUs and reports that object's CPUs (docs/hwloc-comparison.md):
        # vtopo's, the kernel's local_cpulist, must be inside them.
        inside=1
        for c in $got; do [[ $all == *" $c "* ]] || inside=0; done
        if [ "$inside" = 1 ]; then
            echo "ok: $name: PCI $bdf: local CPUs $local, inside hwloc's parent object's $want"
            pci_checked=$((pci_checked + 1))
            pci_widened=$((pci_widened + 1))
        else
            fail "$name: PCI $bdf: hwloc's local CPUs $want, vtopo's $local"
        fi
    done < <("$VTOPO" host -q --fsroot "$dir" |
        sed -n 's/^  \([0-9a-f]*:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]\.[0-7]\) .* local_cpus \([0-9,-]*\)\( .*\)\{0,1\}$/\1 \2/p')
done
echo "ok: $pci_checked PCI devices' local CPUs are hwloc's ($pci_widened inside a wider parent of hwloc's)"
[ "$pci_checked" -ge 50 ] || fail "expected at least 50 PCI devices with local CPUs, compared $pci_checked"

echo "$cpus_checked CPUs and $llc_checked last-level cache groups compared with hwloc's, $failed failed"
[ "$cpus_checked" -ge 300 ] || {
    echo "FAIL: expected at least 300 CPUs in the dumps, compared $cpus_checked"
    exit 1
}
[ "$llc_checked" -ge 20 ] || {
    echo "FAIL: expected at least 20 last-level cache groups, compared $llc_checked"
    exit 1
}
[ "$failed" = 0 ]
