#!/usr/bin/env bash
# vtopo place (docs/placement.md): a placement, its plan options and plan
# directory; release and list; bad options and bad state files (one
# sentence, exit 2, the state untouched); and races: 8 processes x 200
# placements against one state file never hold a host CPU twice, and every
# success is recorded.
# Usage: test_place_cli.sh PATH-TO-vtopo SOURCE-DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

VTOPO=${1:-}
SRC=${2:-$(cd "$HERE/../.." && pwd)}
vt_require_binary "$VTOPO"
vt_mktemp

HOST=(--synthetic sockets=2,cores=8,threads=2,mem=64G,hugepages=1G:8)
ST="$T/place.json"

t_begin "place: a dedicated guest on one node, its plan options, its plan directory"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --name web --vcpus 4 --memory 8G \
    --cpu-policy dedicated --plan-out "$T/web"
expect_rc 0
expect_out_has "placed 'web': 4 dedicated vCPUs (prefer), 8 GiB on 1 host node" \
    "vnode 0 on node 0: vCPUs 0-3, 8 GiB, host CPUs 0,1,2,3" \
    "plan: vtopo plan --vcpus 4 --memory 8G --pin 0-3:0-3 --vnode-memory 8G --shape sockets=1,threads=2 --emulator-cpus 4-15"
[ -s "$T/web/plan.json" ] || t_fail "--plan-out wrote no plan"
# The printed options plan the same guest as the directory holds.
run "$VTOPO" plan "${HOST[@]}" --vcpus 4 --memory 8G --pin 0-3:0-3 --vnode-memory 8G \
    --shape sockets=1,threads=2 --emulator-cpus 4-15 --out "$T/again"
expect_rc 0
cmp -s "$T/web/plan.json" "$T/again/plan.json" || t_fail "the printed options plan another guest"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --name db --vcpus 4 --memory 4G --hugepages 1G \
    --cpu-policy dedicated --thread-policy isolate --json
expect_rc 0
expect_out_has '"recorded": true' '"thread_policy": "isolate"' '"hugepage_bytes": 1073741824'
run "$VTOPO" place --state "$ST" "${HOST[@]}" --list
expect_rc 0
expect_out_has "2 guests placed" "guest 'web'" "guest 'db'" "held idle"
t_end

t_begin "place: a guest that does not fit says what each node has free, exit 1, nothing recorded"
cp "$ST" "$T/before.json"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --name big --vcpus 40 --memory 8G \
    --cpu-policy dedicated
expect_rc 1
expect_err_has "vtopo place: 'big' does not fit: 40 dedicated vCPUs and 8 GiB on 1 to 2 nodes; free: node 0"
cmp -s "$ST" "$T/before.json" || t_fail "a refusal changed the state"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --name big --vcpus 40 --memory 8G \
    --cpu-policy dedicated --json
expect_rc 1
expect_out_has '"recorded": false,' "\"refused\": \"'big' does not fit: 40 dedicated vCPUs"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --name dry --vcpus 2 --memory 1G --dry-run
expect_rc 0
expect_out_has "would place 'dry'"
cmp -s "$ST" "$T/before.json" || t_fail "--dry-run changed the state"
t_end

t_begin "place: --nodes places on the toolstack's own nodes, in its order"
run "$VTOPO" place --state "$T/nodes.json" --synthetic sockets=4,cores=4,mem=16G --name n \
    --vcpus 4 --memory 2G --nodes 3,1
expect_rc 0
expect_out_has "vnode 0 on node 3: vCPUs 0-1" "vnode 1 on node 1: vCPUs 2-3" "--vnode-pnodes 3,1"
run "$VTOPO" place --state "$T/nodes.json" --synthetic sockets=4,cores=4,mem=16G --name m \
    --vcpus 4 --memory 8G --nodes 3
expect_rc 1
expect_err_has "'m' does not fit: 4 shared vCPUs and 8 GiB on 1 node"
t_end

t_begin "place: shared vCPUs and VMM threads stay off dedicated CPUs; who must re-pin is said"
# A host that isolates no CPU: dedication takes CPUs the shared guest floats on.
H2=(--synthetic sockets=2,cores=4,threads=2,mem=16G)
RP=$T/repin.json
run "$VTOPO" place --state "$RP" "${H2[@]}" --name web --vcpus 4 --memory 1G --vnodes 2 \
    --plan-out "$T/webplan" --mem-layout qemu-q35
expect_rc 0
expect_out_has "vCPUs float on host CPUs 0-7;8-15 (by vnode)" "--vnode-cpus '0-7;8-15' --emulator-cpus 0-15"
run "$VTOPO" emit libvirt -q --plan "$T/webplan"
expect_rc 0
expect_out_has "<vcpupin vcpu='0' cpuset='0-7'/>" "<vcpupin vcpu='3' cpuset='8-15'/>" \
    "<emulatorpin cpuset='0-15'/>"
run "$VTOPO" place --state "$RP" "${H2[@]}" --name db --vcpus 4 --memory 1G \
    --cpu-policy dedicated --nodes 0 --plan-out "$T/dbplan" --mem-layout qemu-q35
expect_rc 0
expect_out_has "re-pin 'web': its vCPUs now float on host CPUs 4-7;8-15 (by vnode; were 0-7;8-15), its VMM threads on 4-15 (were 0-15)"
run "$VTOPO" emit libvirt -q --plan "$T/dbplan"
expect_out_has "<vcpupin vcpu='0' cpuset='0'/>" "<emulatorpin cpuset='4-7'/>"
# The state's sets now: none holds a dedicated CPU.
run "$VTOPO" place --state "$RP" "${H2[@]}" --list
expect_out_has "vCPUs float on host CPUs 4-7;8-15" "VMM threads on host CPUs 4-15" \
    "VMM threads on host CPUs 4-7"
run "$VTOPO" place --state "$RP" "${H2[@]}" --name db2 --vcpus 2 --memory 1G \
    --cpu-policy dedicated --nodes 1 --json
expect_rc 0
expect_out_has '"repin": [' '{"name": "web", "vnode_cpus": ["4-7", "10-15"], "emulator_cpus": "4-7,10-15"}'
expect_out_lacks '{"name": "db"'
# A dry run says who would re-pin, and records nothing.
cp "$RP" "$T/rp-before.json"
run "$VTOPO" place --state "$RP" "${H2[@]}" --name db3 --vcpus 2 --memory 1G \
    --cpu-policy dedicated --nodes 1 --dry-run
expect_rc 0
expect_out_has "would re-pin 'web': its vCPUs now float on host CPUs 4-7;12-15 (by vnode; were 4-7;10-15)"
cmp -s "$RP" "$T/rp-before.json" || t_fail "a dry run changed the state"
# A release gives the CPUs back: the floating guests widen again (JSON too).
cp "$RP" "$T/rp-keep.json"
run "$VTOPO" place --state "$RP" "${H2[@]}" --release db2 --json
expect_rc 0
expect_out_has '"released": "db2"' '{"name": "web", "vnode_cpus": ["4-7", "8-15"], "emulator_cpus": "4-15"}'
printf '%s\n' "$OUT" | python3 -m json.tool >/dev/null || t_fail "the release's JSON does not parse"
cp "$T/rp-keep.json" "$RP"
run "$VTOPO" place --state "$RP" "${H2[@]}" --release db2
expect_rc 0
expect_out_has "re-pin 'web': its vCPUs now float on host CPUs 4-7;8-15 (by vnode; were 4-7;10-15)"
expect_out_lacks "re-pin 'db'"
# A host that isolates CPUs: the shared CPUs are its housekeeping ones, never re-pinned.
H3=(--synthetic sockets=1,cores=4,threads=2,mem=16G,isolated=2-7)
run "$VTOPO" place --state "$T/iso.json" "${H3[@]}" --name s --vcpus 2 --memory 1G
expect_out_has "vCPUs float on host CPUs 0-1 (by vnode)"
run "$VTOPO" place --state "$T/iso.json" "${H3[@]}" --name d --vcpus 2 --memory 1G \
    --cpu-policy dedicated
expect_rc 0
expect_out_has "host CPUs 2,3" "VMM threads on host CPUs 0-1"
expect_out_lacks "re-pin"
t_end

t_begin "place: the printed plan options plan what --plan-out writes, for every kind of guest"
# vt_request_format's words, read back by vtopo plan's own parser.
POPTS=$T/popts.json
i=0
while read -r args; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    run "$VTOPO" place --state "$POPTS" "${H2[@]}" --name "g$i" $args --plan-out "$T/p$i" --json
    expect_rc 0
    opts=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["plan_options"])')
    eval "set -- $opts"
    run "$VTOPO" plan "${H2[@]}" "$@" --out "$T/q$i"
    expect_rc 0
    cmp -s "$T/p$i/plan.json" "$T/q$i/plan.json" ||
        t_fail "guest $i ($args): the printed options plan another guest: $opts"
done <<'ARGS'
--vcpus 2 --memory 1G
--vcpus 4 --memory 2G --vnodes 2 --apic xen --mem-layout xen-hvm
--vcpus 2 --memory 1G --cpu-policy dedicated --thread-policy isolate --emulator-cpus 1
--vcpus 3 --memory 1536M --cpu-policy dedicated --thread-policy require --mem-layout qemu-q35
--vcpus 2 --memory 1G --cpu-policy dedicated
ARGS
t_end

t_begin "place: release gives everything back"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --release db
expect_rc 0
run "$VTOPO" place --state "$ST" "${HOST[@]}" --release web
expect_rc 0
run "$VTOPO" place --state "$ST" "${HOST[@]}" --list
expect_out_has "0 guests placed" "     0  16 (8)  " "     1  16 (8)  " "1 GiB: 8/8"
run "$VTOPO" place --state "$ST" "${HOST[@]}" --release web
expect_rc 2
expect_err_has "vtopo place: --release web: no guest named 'web' is placed"
t_end

t_begin "place: bad options and bad state files are one sentence, exit 2, the state untouched"
cp "$ST" "$T/before.json"
bad()
{
    local says=$1
    shift
    run "$VTOPO" place "$@"
    expect_rc 2
    expect_err_has "$says"
    case $ERR in "vtopo place: "*) ;; *) t_fail "'$*': stderr should start with 'vtopo place: '" ;; esac
    cmp -s "$ST" "$T/before.json" || t_fail "'$*' changed the state"
}
bad "--state FILE is required" "${HOST[@]}" --list
bad "give --name NAME" --state "$ST" "${HOST[@]}"
bad "--name goes with --vcpus and --memory" --state "$ST" "${HOST[@]}" --name x --vcpus 2
bad "--vcpus '0': a number from 1" --state "$ST" "${HOST[@]}" --name x --vcpus 0 --memory 1G
bad "--cpu-policy 'fast': dedicated or shared" --state "$ST" "${HOST[@]}" --name x --vcpus 2 \
    --memory 1G --cpu-policy fast
bad "--thread-policy 'x': prefer, isolate or require" --state "$ST" "${HOST[@]}" --name x \
    --vcpus 2 --memory 1G --thread-policy x
bad "thread policy isolate goes with the dedicated CPU policy" --state "$ST" "${HOST[@]}" \
    --name x --vcpus 2 --memory 1G --thread-policy isolate
bad "name 'a b': 1 to 64" --state "$ST" "${HOST[@]}" --name "a b" --vcpus 2 --memory 1G
bad "memory: must be a non-zero multiple of 1 GiB" --state "$ST" "${HOST[@]}" --name x \
    --vcpus 2 --memory 1536M --hugepages 1G
bad "--name, --release and --list are alternatives" --state "$ST" "${HOST[@]}" --list --release x
bad "--shared-ratio 2: the state $ST has 4" --state "$ST" "${HOST[@]}" --list --shared-ratio 2
bad "--nodes '1,x': host node numbers" --state "$ST" "${HOST[@]}" --name x --vcpus 2 --memory 1G \
    --nodes 1,x
bad "pnodes: the host has no node 9 with CPUs" --state "$ST" "${HOST[@]}" --name x --vcpus 2 \
    --memory 1G --nodes 9
bad "pnodes: node 1 is given twice" --state "$ST" "${HOST[@]}" --name x --vcpus 2 --memory 1G \
    --nodes 1,1
bad "the request and --plan-out, --dry-run go with --name" --state "$ST" "${HOST[@]}" --list \
    --cpu-policy dedicated
# Another host's state.
bad "the state is of another host" --state "$ST" --synthetic sockets=1,cores=4 --list
# A state that is no regular file is refused before a lock is made beside it.
mkfifo "$T/fifo.json"
bad "fifo.json: a FIFO, not a regular file" --state "$T/fifo.json" "${HOST[@]}" --list
expect_file_absent "$T/fifo.json.lock"
ln -s nowhere "$T/dangling.json"
bad "dangling.json: a symbolic link to nothing" --state "$T/dangling.json" "${HOST[@]}" --list
expect_file_absent "$T/dangling.json.lock"
# A name with terminal bytes is printed escaped.
run "$VTOPO" place --state "$T/$(printf 'esc\033[31m').json" "${HOST[@]}" --list
expect_rc 0
case $OUT in *$'\033'*) t_fail "a terminal escape reached stdout" ;; esac
# A state cut short, not JSON, edited into double booking.
head -c 100 "$ST" >"$T/cut.json"
cp "$T/cut.json" "$T/cut-before.json"
run "$VTOPO" place --state "$T/cut.json" "${HOST[@]}" --name x --vcpus 2 --memory 1G
expect_rc 2
expect_err_has "vtopo place: $T/cut.json: line" "not valid JSON (unexpected end of file)"
cmp -s "$T/cut.json" "$T/cut-before.json" || t_fail "a cut state was written"
"$VTOPO" place --state "$T/two.json" "${HOST[@]}" --name a --vcpus 2 --memory 1G \
    --cpu-policy dedicated >/dev/null 2>&1
"$VTOPO" place --state "$T/two.json" "${HOST[@]}" --name b --vcpus 2 --memory 1G \
    --cpu-policy dedicated >/dev/null 2>&1
# b's pcpus made a's (2 and 3 become 0 and 1).
perl -0pi -e 's/("name": "b".*?"pcpus": \[\s*)2,(\s*)3/${1}0,${2}1/s' "$T/two.json"
run "$VTOPO" place --state "$T/two.json" "${HOST[@]}" --list
expect_rc 2
expect_err_has "guest 'b' holds host CPU 0, which guest 'a' holds"
t_end

t_begin "place: 8 processes x 200 placements race for one state: no CPU held twice, every success recorded"
RACE="$T/race.json"
RHOST=(--synthetic sockets=4,cores=32,threads=2,mem=1T)
# Half of them name it through a symbolic link: one file, one lock.
"$VTOPO" place -q --state "$RACE" "${RHOST[@]}" --name first --vcpus 1 --memory 1G >/dev/null ||
    t_fail "the first placement failed"
ln -s race.json "$T/race-link.json"
for p in 0 1 2 3 4 5 6 7; do
    (
        ok=0
        for i in $(seq 0 199); do
            if [ $((i % 3)) = 0 ]; then pol=dedicated; else pol=shared; fi
            if [ $((p % 2)) = 0 ]; then st=$RACE; else st=$T/race-link.json; fi
            if "$VTOPO" place -q --state "$st" "${RHOST[@]}" --name "p$p-$i" --vcpus $((1 + i % 3)) \
                --memory 1G --cpu-policy $pol >/dev/null 2>"$T/race-$p.err"; then
                ok=$((ok + 1))
            elif [ $? != 1 ]; then
                echo "FAILED p$p-$i: $(cat "$T/race-$p.err")" >>"$T/race-errors"
            fi
        done
        echo "$ok" >"$T/race-$p.ok"
    ) &
done
wait
[ -e "$T/race-errors" ] && t_fail "a placement failed other than by not fitting: $(head -3 "$T/race-errors")"
total=0
for p in 0 1 2 3 4 5 6 7; do total=$((total + $(cat "$T/race-$p.ok"))); done
# Loading the state checks that no host CPU is held twice.
run "$VTOPO" place --state "$RACE" "${RHOST[@]}" --list --json
expect_rc 0
recorded=$(printf '%s\n' "$OUT" | grep -c '^      "name": ')
[ "$recorded" = $((total + 1)) ] ||
    t_fail "$total placements (and the first) succeeded but the state records $recorded"
[ "$total" -gt 100 ] || t_fail "only $total of 1600 placements succeeded"
[ "$total" -lt 1600 ] || t_fail "every placement fitted: the race never reached the last CPUs"
echo "race: $total of 1600 placements succeeded and are recorded"
ls -A "$T" | grep -q 'vtopo-new' && t_fail "a temporary file was left"
t_end

vt_finish
