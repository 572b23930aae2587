# Helpers for the CLI test scripts (sourced, not run): run a command capturing
# stdout, stderr and exit status; expectations on them; per-case pass/fail
# counting with a final "N passed, M failed" line.
#
# A case:
#     t_begin "what is being tested"
#     run "$VTOPO" host --synthetic sockets=2
#     expect_rc 0
#     expect_out_line "node 0 (pxm 0)"
#     t_end
#
# Every run also fails the case when the command crashed: killed by a signal
# (exit status >= 128) or a sanitizer report on stderr.

VT_PASSED=0
VT_FAILED=0
T_NAME=
T_WHY=
T_OPEN=0
RC=0
OUT=
ERR=
CMD=

# A scratch directory for the script, removed on exit. Sets T.
vt_mktemp()
{
    T=$(mktemp -d "${TMPDIR:-/tmp}/vtopo-cli.XXXXXX") || {
        echo "cannot create a temporary directory" >&2
        exit 3
    }
    # Directories a test made read-only must be writable again to be removed.
    trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
}

t_begin()
{
    if [ "$T_OPEN" = 1 ]; then
        t_end
    fi
    T_NAME=$1
    T_WHY=
    T_OPEN=1
    CMD=
    RC=0
    OUT=
    ERR=
}

# Record a failed expectation of the current case.
t_fail()
{
    T_WHY="${T_WHY}    - $*
"
}

t_end()
{
    local n
    T_OPEN=0
    if [ -z "$T_WHY" ]; then
        VT_PASSED=$((VT_PASSED + 1))
        echo "ok: $T_NAME"
        return 0
    fi
    VT_FAILED=$((VT_FAILED + 1))
    echo "FAIL: $T_NAME"
    # The first reasons tell the story; a crash fails every later check.
    printf '%s' "$T_WHY" | head -n 8
    n=$(printf '%s' "$T_WHY" | wc -l)
    if [ "$n" -gt 8 ]; then
        echo "    ... and $((n - 8)) more"
    fi
    if [ -n "$CMD" ]; then
        echo "    command: $CMD"
        echo "    exit status: $RC"
        echo "    stderr:"
        printf '%s\n' "$ERR" | head -n 8 | sed 's/^/      | /'
        echo "    stdout (first lines):"
        printf '%s\n' "$OUT" | head -n 5 | sed 's/^/      | /'
    fi
    return 0
}

# Print the final line and exit: non-zero when a case failed.
vt_finish()
{
    if [ "$T_OPEN" = 1 ]; then
        t_end
    fi
    echo "$VT_PASSED passed, $VT_FAILED failed"
    if [ "$VT_FAILED" -gt 0 ]; then
        exit 1
    fi
    exit 0
}

# Quote a command for messages.
vt_quote()
{
    local q='' a
    for a in "$@"; do
        q="$q $(printf '%q' "$a")"
    done
    printf '%s' "${q# }"
}

# run CMD ARG...: capture stdout (OUT), stderr (ERR) and the exit status (RC).
# Stdin is /dev/null. Fails the case on a crash or a sanitizer report.
run()
{
    local o="$T/.run.out" e="$T/.run.err"

    CMD=$(vt_quote "$@")
    "$@" </dev/null >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    vt_check_crash
    return 0
}

vt_check_crash()
{
    if [ "$RC" -ge 128 ]; then
        t_fail "crashed: exit status $RC (signal $((RC - 128)))"
    fi
    case $ERR in
    *AddressSanitizer* | *LeakSanitizer* | *UndefinedBehaviorSanitizer* | *"runtime error:"*)
        t_fail "sanitizer report on stderr"
        ;;
    esac
}

expect_rc()
{
    if [ "$RC" != "$1" ]; then
        t_fail "exit status $RC, expected $1"
    fi
}

expect_rc_nonzero()
{
    if [ "$RC" = 0 ]; then
        t_fail "exit status 0, expected a failure"
    fi
}

# Fixed-string substring checks.
expect_err_has()
{
    local s
    for s in "$@"; do
        case $ERR in
        *"$s"*) ;;
        *) t_fail "stderr lacks: $s" ;;
        esac
    done
}

expect_err_lacks()
{
    local s
    for s in "$@"; do
        case $ERR in
        *"$s"*) t_fail "stderr should not contain: $s" ;;
        esac
    done
}

expect_out_has()
{
    local s
    for s in "$@"; do
        case $OUT in
        *"$s"*) ;;
        *) t_fail "stdout lacks: $s" ;;
        esac
    done
}

expect_out_lacks()
{
    local s
    for s in "$@"; do
        case $OUT in
        *"$s"*) t_fail "stdout has: $s" ;;
        esac
    done
}

# Each argument must be a whole line of stdout.
expect_out_line()
{
    local s
    for s in "$@"; do
        if ! printf '%s\n' "$OUT" | grep -Fxq -e "$s"; then
            t_fail "stdout has no line: '$s'"
        fi
    done
}

expect_out_empty()
{
    if [ -n "$OUT" ]; then
        t_fail "stdout should be empty (no partial output)"
    fi
}

expect_err_empty()
{
    if [ -n "$ERR" ]; then
        t_fail "stderr should be empty"
    fi
}

# stderr is exactly one line "vtopo CMD: ..." (one sentence, no extra noise).
expect_err_one_line()
{
    local prefix=$1 n
    n=$(printf '%s\n' "$ERR" | wc -l)
    if [ -z "$ERR" ] || [ "$n" -ne 1 ]; then
        t_fail "stderr should be exactly one line, has $([ -z "$ERR" ] && echo 0 || echo "$n")"
    fi
    case $ERR in
    "$prefix"*) ;;
    *) t_fail "stderr should start with '$prefix'" ;;
    esac
}

# expect_same FILE_A FILE_B WHAT: byte-identical files.
expect_same()
{
    if ! cmp -s "$1" "$2"; then
        t_fail "$3: $1 and $2 differ: $(diff "$1" "$2" 2>&1 | head -n 6 | tr '\n' ' ')"
    fi
}

expect_file_absent()
{
    if [ -e "$1" ] || [ -L "$1" ]; then
        t_fail "$1 should not exist"
    fi
}

# No leftover temporary files next to a saved file: DIR BASENAME.
expect_no_temp()
{
    local f
    for f in "$1/$2".tmp.* "$1"/.*"$2"*tmp* "$1/.$2".vtopo-*; do
        if [ -e "$f" ]; then
            t_fail "temporary file left behind: $f"
        fi
    done
}

# Usage: vt_require_binary PATH — exit 2 with a clear message if unusable.
vt_require_binary()
{
    if [ -z "${1:-}" ] || [ ! -x "$1" ]; then
        echo "usage: $0 PATH-TO-vtopo SOURCE-DIR (got '${1:-}': not an executable)" >&2
        exit 2
    fi
}

# ---- valid inputs that cases break --------------------------------------

S=sys/devices/system
PCI=sys/bus/pci/devices

# A valid sysfs tree (vt_make_fsroot DIR): two nodes, CPUs 0-3, 1 GiB each
# in 1 GiB memory blocks, distances, two PCI devices (one on node 1, one with
# no node).
vt_make_fsroot()
{
    local r=$1 n
    mkdir -p "$r/$S/cpu" "$r/$S/memory" "$r/$S/node"
    for n in 0 1 2 3; do
        mkdir -p "$r/$S/cpu/cpu$n"
    done
    echo 0-3 >"$r/$S/cpu/online"
    echo 0-3 >"$r/$S/cpu/possible"
    echo 0-3 >"$r/$S/cpu/present"
    echo 0-1 >"$r/$S/node/online"
    echo 0-1 >"$r/$S/node/possible"
    echo 40000000 >"$r/$S/memory/block_size_bytes"
    for n in 0 1; do
        mkdir -p "$r/$S/node/node$n/memory$n"
        printf 'Node %d MemTotal:        1048576 kB\nNode %d MemFree:          524288 kB\n' \
            "$n" "$n" >"$r/$S/node/node$n/meminfo"
    done
    echo 0-1 >"$r/$S/node/node0/cpulist"
    echo 3 >"$r/$S/node/node0/cpumap"
    echo 2-3 >"$r/$S/node/node1/cpulist"
    echo c >"$r/$S/node/node1/cpumap"
    echo "10 20" >"$r/$S/node/node0/distance"
    echo "20 10" >"$r/$S/node/node1/distance"

    mkdir -p "$r/$PCI/0000:00:01.0/msi_irqs/24" "$r/$PCI/0000:00:01.0/msi_irqs/25"
    echo 0x8086 >"$r/$PCI/0000:00:01.0/vendor"
    echo 0x1234 >"$r/$PCI/0000:00:01.0/device"
    echo 0x020000 >"$r/$PCI/0000:00:01.0/class"
    echo 1 >"$r/$PCI/0000:00:01.0/numa_node"
    echo 2-3 >"$r/$PCI/0000:00:01.0/local_cpulist"
    mkdir -p "$r/sys/bus/pci/drivers/ixgbe" "$r/sys/kernel/iommu_groups/7"
    ln -s ../../../bus/pci/drivers/ixgbe "$r/$PCI/0000:00:01.0/driver"
    ln -s ../../../kernel/iommu_groups/7 "$r/$PCI/0000:00:01.0/iommu_group"
    # CPU topology: one package, two cores of two threads, one L3 each
    # node; CPU 0 has no cache/ and no thread_siblings_list (core_cpus).
    for n in 0 1 2 3; do
        mkdir -p "$r/$S/cpu/cpu$n/topology" "$r/$S/cpu/cpu$n/cache/index0" \
            "$r/$S/cpu/cpu$n/cache/index3"
        echo 0 >"$r/$S/cpu/cpu$n/topology/physical_package_id"
        echo $((n / 2)) >"$r/$S/cpu/cpu$n/topology/core_id"
        echo $((n / 2 * 2))-$((n / 2 * 2 + 1)) >"$r/$S/cpu/cpu$n/topology/thread_siblings_list"
        echo 1 >"$r/$S/cpu/cpu$n/cache/index0/level"
        echo Instruction >"$r/$S/cpu/cpu$n/cache/index0/type"
        echo $n >"$r/$S/cpu/cpu$n/cache/index0/shared_cpu_list"
        echo 3 >"$r/$S/cpu/cpu$n/cache/index3/level"
        echo Unified >"$r/$S/cpu/cpu$n/cache/index3/type"
        echo 16384K >"$r/$S/cpu/cpu$n/cache/index3/size"
        echo $((n / 2 * 2))-$((n / 2 * 2 + 1)) >"$r/$S/cpu/cpu$n/cache/index3/shared_cpu_list"
    done
    rm -r "$r/$S/cpu/cpu0/cache" "$r/$S/cpu/cpu0/topology/thread_siblings_list"
    echo 3 >"$r/$S/cpu/cpu0/topology/core_cpus"
    mkdir -p "$r/$PCI/0000:00:02.0"
    echo 0x1af4 >"$r/$PCI/0000:00:02.0/vendor"
    echo 0x1042 >"$r/$PCI/0000:00:02.0/device"
    echo 0x018000 >"$r/$PCI/0000:00:02.0/class"
    echo -1 >"$r/$PCI/0000:00:02.0/numa_node"
}

# A valid host file (vt_write_host_json FILE); values are unique per node so a
# sed expression hits the one meant.
vt_write_host_json()
{
    cat >"$1" <<'EOF'
{
  "format": "vtopo-host",
  "version": 2,
  "source": "test",
  "possible_nodes": "0-1",
  "cpus": {
    "possible": "0-3",
    "online": "0-3",
    "isolated": "",
    "nohz_full": ""
  },
  "nodes": [
    {
      "pnode": 0,
      "host_pxm": 0,
      "cpus": "0-1",
      "memory_bytes": 1073741824,
      "memory_ranges": [ { "start": "0x0", "end": "0x40000000" } ],
      "distances": [ 10, 20 ]
    },
    {
      "pnode": 1,
      "host_pxm": null,
      "cpus": "2-3",
      "memory_bytes": 2147483648,
      "memory_ranges": [ { "start": "0x40000000", "end": "0xc0000000" } ],
      "distances": [ 21, 11 ]
    }
  ],
  "devices": [
    { "bdf": "0000:3b:00.0", "vendor": "0x8086", "device": "0x1234", "class": "0x020000",
      "pnode": 1, "local_cpus": "2-3", "msi_irqs": [ 24, 25, 26, 27 ] }
  ]
}
EOF
}
