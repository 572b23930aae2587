#!/usr/bin/env bash
# CLI behaviour of `vtopo` and `vtopo host`: version, help (checked against the
# getopt tables so it cannot drift), usage errors and exit codes, human and
# JSON output, --save (round trip, atomicity) and the live host.
#
# Usage: test_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

SPEC4='sockets=2,nodes-per-socket=2,cores=4,threads=2,mem=8G,distances=10:12:32'

# ---- version and help ----------------------------------------------------

t_begin "vtopo --version prints the project version"
run "$VTOPO" --version
expect_rc 0
want=$(sed -n 's/^project(vtopo VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
if [ -z "$want" ]; then
    t_fail "cannot find the project version in $SRC/CMakeLists.txt"
fi
expect_out_line "vtopo $want"
expect_err_empty

t_begin "vtopo -V is --version"
run "$VTOPO" -V
expect_rc 0
expect_out_line "vtopo $want"

t_begin "vtopo --help lists every command of the dispatch table, on stdout"
run "$VTOPO" --help
expect_rc 0
expect_err_empty
expect_out_has "Usage: vtopo" "help"
cmds=$(sed -n '/vt_cmds\[\] = {/,/};/p' "$SRC/tools/vtopo/main.c" | grep -o '{"[a-z-]*"' | tr -d '{"')
if [ -z "$cmds" ]; then
    t_fail "found no command in the vt_cmds table of tools/vtopo/main.c"
fi
for c in $cmds; do
    if ! printf '%s\n' "$OUT" | grep -Eq "^  $c +[a-z]"; then
        t_fail "--help does not list the command '$c'"
    fi
done
help_top=$OUT

t_begin "vtopo with no command: usage on stderr, exit 2"
run "$VTOPO"
expect_rc 2
expect_out_empty
expect_err_has "Usage: vtopo"

t_begin "vtopo help (no command) is vtopo --help"
run "$VTOPO" help
expect_rc 0
if [ "$OUT" != "$help_top" ]; then
    t_fail "'vtopo help' and 'vtopo --help' print different text"
fi

# The options `vtopo host` accepts, read from its getopt table (and the shared
# host-selection macro it includes).
long_opts=$(sed -n '/int cmd_host(/,/^}/p' "$SRC/tools/vtopo/cmd_host.c" |
    sed -n '/longopts\[\] = {/,/};/p')
host_long=$(printf '%s\n' "$long_opts" | grep -o '{"[a-z][a-z-]*"' | tr -d '{"')
if printf '%s\n' "$long_opts" | grep -q CLI_HOST_LONG_OPTIONS; then
    host_long="$host_long $(awk '/#define CLI_HOST_LONG_OPTIONS/ { f = 1 }
        f { print; if ($0 !~ /\\$/) f = 0 }' "$SRC/tools/vtopo/cli.h" |
        grep -o '{"[a-z][a-z-]*"' | tr -d '{"')"
fi
# One line, space-separated, for the membership tests below.
host_long=$(printf '%s\n' "$host_long" | tr -s ' \n' '  ')
host_long=${host_long% }
host_long=${host_long# }
optstring=$(sed -n '/int cmd_host(/,/^}/p' "$SRC/tools/vtopo/cmd_host.c" |
    sed -n 's/.*getopt_long([^,]*,[^,]*, *"\([^"]*\)".*/\1/p')
host_short=$(printf '%s' "$optstring" | sed 's/^[+-]//; s/^://; s/[a-zA-Z0-9]:*/&\n/g' |
    sed -n 's/^\([a-zA-Z0-9]\).*/\1/p')

t_begin "the getopt table of vtopo host was read (sanity of this test)"
read -r -a host_long_arr <<<"$host_long"
n_long=${#host_long_arr[@]}
if [ "$n_long" -lt 8 ]; then
    t_fail "found only $n_long long options in tools/vtopo/cmd_host.c: $host_long"
fi
for o in fsroot host synthetic json save help; do
    case " $host_long " in
    *" $o "*) ;;
    *) t_fail "option --$o not found in the getopt table (parse error in this test?)" ;;
    esac
done
if [ -z "$host_short" ]; then
    t_fail "found no short option in the getopt_long optstring"
fi

for how in "host --help" "host -h" "help host"; do
    t_begin "vtopo $how: exit 0, every accepted option documented, nothing undocumented"
    # shellcheck disable=SC2086
    run "$VTOPO" $how
    expect_rc 0
    expect_err_empty
    expect_out_has "Usage: vtopo host"
    for o in $host_long; do
        if ! printf '%s\n' "$OUT" | grep -Eq -e "--$o([^a-z-]|\$)"; then
            t_fail "help does not mention --$o (accepted by the getopt table)"
        fi
    done
    for s in $host_short; do
        if ! printf '%s\n' "$OUT" | grep -Eq -e "(^|[^a-z-])-$s([^a-zA-Z-]|\$)"; then
            t_fail "help does not mention -$s (in the optstring '$optstring')"
        fi
    done
    for o in $(printf '%s\n' "$OUT" | grep -o -e '--[a-z][a-z-]*' | sort -u); do
        case " $host_long " in
        *" ${o#--} "*) ;;
        *) t_fail "help mentions $o, which the getopt table does not accept" ;;
        esac
    done
    if [ "$how" = "host --help" ]; then
        help_host=$OUT
    elif [ "$OUT" != "${help_host:-}" ]; then
        t_fail "'vtopo $how' differs from 'vtopo host --help'"
    fi
done

t_begin "vtopo help on an unknown command: exit 2 with a sentence"
run "$VTOPO" help frobnicate
expect_rc 2
expect_out_empty
expect_err_has "'frobnicate' is not a vtopo command. See 'vtopo --help'."

# ---- usage errors --------------------------------------------------------

t_begin "unknown command: exit 2 with a sentence"
run "$VTOPO" frobnicate
expect_rc 2
expect_out_empty
expect_err_has "'frobnicate' is not a vtopo command" "vtopo --help"

t_begin "vtopo host: unknown long option"
run "$VTOPO" host --frobnicate
expect_rc 2
expect_out_empty
expect_err_has "vtopo host: unknown option '--frobnicate'" "vtopo host --help"

t_begin "vtopo host: unknown short option"
run "$VTOPO" host -x
expect_rc 2
expect_out_empty
expect_err_has "vtopo host: unknown option '-x'"

for o in save synthetic host fsroot acpi; do
    t_begin "vtopo host: --$o without its argument"
    run "$VTOPO" host --"$o"
    expect_rc 2
    expect_out_empty
    expect_err_has "vtopo host: option '--$o' needs an argument"
done

t_begin "vtopo host: an argument given to an option that takes none"
run "$VTOPO" host --json=yes --synthetic sockets=1
expect_rc 2
expect_out_empty
expect_err_has "vtopo host: " "--json"
# --json exists: calling it unknown sends the user looking for the wrong thing.
expect_err_lacks "unknown option"

t_begin "vtopo host: extra argument"
run "$VTOPO" host --synthetic sockets=1 extra
expect_rc 2
expect_out_empty
expect_err_has "vtopo host: unexpected argument 'extra'"

t_begin "vtopo host: extra argument after --"
run "$VTOPO" host --synthetic sockets=1 -- extra
expect_rc 2
expect_err_has "unexpected argument 'extra'"

for pair in "--fsroot $T --host $T/x.json" "--synthetic sockets=1 --host $T/x.json" \
    "--fsroot $T --synthetic sockets=1" "--fsroot $T --host $T/x --synthetic sockets=1"; do
    t_begin "vtopo host: host sources are exclusive (${pair//$T/TMP})"
    # shellcheck disable=SC2086
    run "$VTOPO" host $pair
    expect_rc 2
    expect_out_empty
    expect_err_has "--fsroot, --host and --synthetic are alternatives"
done

# ---- human output --------------------------------------------------------

t_begin "vtopo host --synthetic: nodes, CPUs, memory, ranges and distances"
run "$VTOPO" host --synthetic "$SPEC4"
expect_rc 0
expect_err_empty
expect_out_line "host: synthetic $SPEC4" \
    "available: 4 nodes (0-3), possible 0-3" \
    "node 0 (pxm 0)" "node 1 (pxm 1)" "node 2 (pxm 2)" "node 3 (pxm 3)" \
    "  cpus:         0-3" "  cpus:         4-7" "  cpus:         8-11" "  cpus:         12-15" \
    "  memory:       2048 MiB" \
    "  ranges:       0x0-0x7fffffff" "  ranges:       0x180000000-0x1ffffffff" \
    "node distances:" \
    "node     0    1    2    3" \
    "   0:   10   12   32   32" \
    "   1:   12   10   32   32" \
    "   2:   32   32   10   12" \
    "   3:   32   32   12   10" \
    "cpus online:       0-15" \
    "cpus housekeeping: 0-15" \
    "devices: none found"
if [ "$(printf '%s\n' "$OUT" | grep -c '^node [0-9]')" != 4 ]; then
    t_fail "expected exactly 4 node lines"
fi

t_begin "vtopo host --synthetic: sparse node ids, PXMs, SMT-last numbering, isolated/offline"
run "$VTOPO" host --synthetic \
    'sockets=2,cores=2,threads=2,mem=4G,node-ids=2,5,pxms=9,4,cpu-numbering=smt-last,isolated=1,offline=6'
expect_rc 0
expect_out_line "available: 2 nodes (2,5), possible 2,5" \
    "node 2 (pxm 9)" "node 5 (pxm 4)" \
    "  cpus:         0-1,4-5" "  housekeeping: 0,4-5" \
    "  cpus:         2-3,7" "  offline cpus: 6" "  housekeeping: 2-3,7" \
    "node     2    5" "   2:   10   21" "   5:   21   10" \
    "cpus online:       0-5,7" "cpus offline:      6" "cpus isolated:     1" \
    "cpus housekeeping: 0,2-5,7"

# ---- JSON output ---------------------------------------------------------

HAVE_PY=0
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' >/dev/null 2>&1; then
    HAVE_PY=1
fi

t_begin "vtopo host --json: a JSON document on stdout, nothing on stderr"
run "$VTOPO" host --synthetic "$SPEC4" --json
expect_rc 0
expect_err_empty
case $OUT in
"{"*"}") ;;
*) t_fail "stdout is not a single JSON object" ;;
esac
printf '%s\n' "$OUT" >"$T/spec4.json"
expect_out_has '"format": "vtopo-host"' '"version": 2'
if [ "$HAVE_PY" = 1 ]; then
    if ! python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["format"] == "vtopo-host" and d["version"] == 2
assert [n["pnode"] for n in d["nodes"]] == [0, 1, 2, 3]
assert d["nodes"][0]["distances"] == [10, 12, 32, 32]
assert d["nodes"][3]["cpus"] == "12-15"
assert d["nodes"][1]["memory_bytes"] == 2 << 30
' <"$T/spec4.json" 2>"$T/py.err"; then
        t_fail "python3 json check: $(tail -n 1 "$T/py.err")"
    fi
fi

t_begin "vtopo host --json is valid JSON for json-c: --host reads it back (no python needed)"
run "$VTOPO" host --host "$T/spec4.json"
expect_rc 0
expect_out_line "available: 4 nodes (0-3), possible 0-3" "   3:   32   32   12   10" \
    "  cpus:         12-15"

# ---- --save --------------------------------------------------------------

# Round trip: --save FILE, then --host FILE --json must give the same bytes.
# Also checked with the "source" line taken out, so a data loss shows apart
# from the (separately reported) source line.
roundtrip()
{
    local name=$1
    shift
    rm -f "$T/rt.json" "$T/rt2.json"
    t_begin "round trip ($name): --save FILE, then --host FILE --json loses nothing"
    run "$VTOPO" host "$@" -q --save "$T/rt.json"
    expect_rc 0
    if [ ! -s "$T/rt.json" ]; then
        t_fail "--save wrote no file"
        return
    fi
    run "$VTOPO" host -q --host "$T/rt.json" --json
    expect_rc 0
    printf '%s\n' "$OUT" >"$T/rt2.json"
    grep -v '^  "source": ' "$T/rt.json" >"$T/rt.nosrc"
    grep -v '^  "source": ' "$T/rt2.json" >"$T/rt2.nosrc"
    expect_same "$T/rt.nosrc" "$T/rt2.nosrc" "round trip (apart from \"source\")"
    t_begin "round trip ($name): --save FILE, then --host FILE --json is byte-identical"
    expect_same "$T/rt.json" "$T/rt2.json" "round trip"
}

roundtrip "synthetic" --synthetic \
    'sockets=2,nodes-per-socket=2,cores=4,threads=2,mem=8G,distances=10:12:32,isolated=1-2,nohz-full=3,offline=5,7,node-ids=1,3,4,9,pxms=7,5,3,1,cpu-numbering=smt-last'
roundtrip "live host"

t_begin "--save FILE --json: stdout is exactly the saved file"
rm -f "$T/both.json"
run "$VTOPO" host --synthetic "$SPEC4" --save "$T/both.json" --json
expect_rc 0
printf '%s\n' "$OUT" >"$T/both.stdout"
expect_same "$T/both.json" "$T/both.stdout" "--json output vs --save file"

t_begin "one node is one node; each node's cores, threads and L3 groups; devices with their vectors"
run "$VTOPO" host --synthetic sockets=1,cores=2,threads=2,devices=nvme@0:3
expect_rc 0
expect_out_line "available: 1 node (0), possible 0" \
    "  topology:     package 0, 2 cores, 2 threads per core, L3 0-3" \
    "  0000:01:00.0 [1b36:0010] class 010802 local_cpus 0-3 iommu_group 0 msi 3 (irq 24-26)"

t_begin "--save without --json still prints the human view"
rm -f "$T/h.json"
run "$VTOPO" host --synthetic "$SPEC4" --save "$T/h.json"
expect_rc 0
expect_out_line "available: 4 nodes (0-3), possible 0-3"
if [ ! -s "$T/h.json" ]; then
    t_fail "no file saved"
fi

t_begin "--save over an existing, longer file replaces it whole"
mkdir -p "$T/over"
head -c 200000 /dev/zero | tr '\0' 'x' >"$T/over/host.json"
run "$VTOPO" host --synthetic "$SPEC4" --save "$T/over/host.json"
expect_rc 0
expect_same "$T/over/host.json" "$T/spec4.json" "file after --save over a longer one"
expect_no_temp "$T/over" host.json
if [ "$(ls -A "$T/over")" != "host.json" ]; then
    t_fail "unexpected files in the directory: $(find "$T/over" -mindepth 1 | tr '\n' ' ')"
fi

t_begin "--save into a directory that does not exist: fails, no file, no output"
run "$VTOPO" host --synthetic "$SPEC4" --save "$T/nodir/host.json"
expect_rc_nonzero
expect_out_empty
expect_err_has "vtopo host: " "$T/nodir/host.json"
expect_file_absent "$T/nodir"

t_begin "--save below a regular file: fails, no file, no temp file"
: >"$T/plain"
run "$VTOPO" host --synthetic "$SPEC4" --save "$T/plain/host.json"
expect_rc_nonzero
expect_out_empty
expect_err_has "$T/plain/host.json"
if [ -s "$T/plain" ]; then
    t_fail "$T/plain was modified"
fi

t_begin "--save onto an existing directory: fails, directory untouched, no temp file"
mkdir -p "$T/isdir/target.json"
run "$VTOPO" host --synthetic "$SPEC4" --save "$T/isdir/target.json"
expect_rc_nonzero
expect_out_empty
expect_err_has "$T/isdir/target.json"
if [ ! -d "$T/isdir/target.json" ] || [ -n "$(ls -A "$T/isdir/target.json")" ]; then
    t_fail "the directory was changed"
fi
expect_no_temp "$T/isdir" target.json
if [ "$(ls -A "$T/isdir")" != "target.json" ]; then
    t_fail "unexpected files left: $(find "$T/isdir" -mindepth 1 -maxdepth 1 | tr '\n' ' ')"
fi

t_begin "a failed load writes no --save file"
run "$VTOPO" host --synthetic 'sockets=0' --save "$T/never.json"
expect_rc 2
expect_out_empty
expect_file_absent "$T/never.json"
expect_no_temp "$T" never.json

# ---- warnings and --quiet ------------------------------------------------

mkdir -p "$T/fs/sys/devices/system/cpu" "$T/fs/sys/devices/system/node/node0"
echo 0-1 >"$T/fs/sys/devices/system/cpu/online"
echo 0 >"$T/fs/sys/devices/system/node/online"
echo 0-1 >"$T/fs/sys/devices/system/node/node0/cpulist"
echo "Node 0 MemTotal: 1048576 kB" >"$T/fs/sys/devices/system/node/node0/meminfo"
echo 10 >"$T/fs/sys/devices/system/node/node0/distance"

t_begin "warnings go to stderr as 'vtopo host: warning: ...', the output still to stdout"
run "$VTOPO" host --fsroot "$T/fs"
expect_rc 0
expect_err_has "vtopo host: warning: "
expect_out_line "node 0 (pxm unknown)" "  memory:       1024 MiB"
if printf '%s\n' "$ERR" | grep -qv '^vtopo host: warning: '; then
    t_fail "a stderr line is not a warning"
fi

t_begin "--quiet / -q silence the warnings, not the output"
for q in --quiet -q; do
    run "$VTOPO" host --fsroot "$T/fs" "$q"
    expect_rc 0
    expect_err_empty
    expect_out_line "node 0 (pxm unknown)"
done

# ---- the live host -------------------------------------------------------

t_begin "live vtopo host: exit 0, lists node 0"
run "$VTOPO" host
expect_rc 0
expect_out_line "host: sysfs /"
if ! printf '%s\n' "$OUT" | grep -Eq '^available: (1 node|[1-9][0-9]* nodes) '; then
    t_fail "no 'available: N node(s)' line"
fi
if ! printf '%s\n' "$OUT" | grep -Eq '^node 0( |$)'; then
    t_fail "node 0 is not listed"
fi
expect_out_has "cpus online:"

t_begin "live vtopo host --json: valid JSON"
run "$VTOPO" host --json -q
expect_rc 0
printf '%s\n' "$OUT" >"$T/live.json"
if [ "$HAVE_PY" = 1 ] && ! python3 -c 'import json,sys; d = json.load(sys.stdin); assert d["nodes"]' \
    <"$T/live.json" 2>/dev/null; then
    t_fail "python3 cannot parse the live JSON"
fi
run "$VTOPO" host -q --host "$T/live.json"
expect_rc 0
if ! printf '%s\n' "$OUT" | grep -Eq '^node 0( |$)'; then
    t_fail "the live JSON read back has no node 0"
fi

t_begin "host --host FILE: the warnings FILE recorded are notes of when it was saved, not new warnings"
"$VTOPO" host --synthetic sockets=2,cores=2 --json >"$T/warned.json"
sed -i '/"warnings": \[/a\    "no SRAT then"' "$T/warned.json"
grep -q 'no SRAT then' "$T/warned.json" || t_fail "test defect: no warning planted"
run "$VTOPO" host --host "$T/warned.json"
expect_rc 0
expect_err_has "vtopo host: note: $T/warned.json recorded when it was saved: no SRAT then"
case $ERR in *"warning: no SRAT then"*) t_fail "the recorded warning is printed as a new one" ;; esac

vt_finish
