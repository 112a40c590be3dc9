#!/usr/bin/env bash
# Runs the real durabench binary against the lab the `lab` CTest fixture brought up
# (tests/lab/lab_fixture.sh) with faults from scripts/lab.sh on its timeline (--fault), and checks
# the stall and recovery it measures (phases[].faults, phases[].chaos; docs/chaos.md):
#   gluster  4 KiB randwrite + fdatasync, qd1, psync on the Gluster replica-3 FUSE mount; node 2's
#            cable out at 3 s, in at 16 s. The client waits network.ping-timeout (the fixture's
#            5 s) for the silent brick: the action's stall is checked against a window around it.
#   ceph     the same on rbd://rep3/chaos-test (native rbd engine, a fresh image); node 2 powered
#            off at 3 s, started at 45 s. Writes wait until osd.1 is marked down and its PGs
#            have peered: the two mons left must elect a quorum first (~15 s), and both other
#            OSDs must report osd.1 (osd_heartbeat_grace 6 s plus up to one 6 s heartbeat
#            interval; an OSD whose mon session was with mon.n2 reports only after its mon
#            client gives up on it, mon_client_ping_timeout 30 s). docs/chaos.md.
# The power-off's command also checks that node 2's link is down (tests/lab/lab_actions_test.sh
# leaves power-off to this test). Each checks the action's exit code and stall_ns window,
# first_completion_ns, recovery_ns not null (Gluster: after the cable-out or the cable-in;
# Ceph: after the power-off, writing degraded), no failed operation, and the undo's exit code.
# The faults/chaos JSON and a one-line table per scenario go to stdout (the CTest log). An EXIT
# trap mends node 2 (node-start, which also brings its link up) and waits until lab-up.sh DIR
# finds the lab healthy, whatever happened, so the next test finds it so.
#
# Usage: lab_chaos_test.sh DIR DURABENCH   (exit 0 pass, 1 fail, 77 skip: the fixture could not run)
# Environment: LAB_CHAOS_KEEP=1 keeps the result files (DIR/chaos-*.json) for a look afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/../../scripts" && pwd)
dir=${1:?usage: lab_chaos_test.sh DIR DURABENCH}
durabench=${2:?usage: lab_chaos_test.sh DIR DURABENCH}
if [[ -f $dir/unavailable.txt ]]; then
  echo "[  SKIPPED ] lab: $(cat "$dir/unavailable.txt")"
  exit 77
fi
[[ -f $dir/lab.env ]] || { echo "FAIL: no $dir/lab.env (lab_up failed?)"; exit 1; }
[[ -x $durabench ]] || { echo "FAIL: $durabench is not an executable"; exit 1; }
set -a
# shellcheck disable=SC1091
. "$dir/lab.env"
set +a
command -v jq >/dev/null || { echo "[  SKIPPED ] lab: jq is not installed"; exit 77; }

# Windows for the action's stall_ns (s). Gluster: ping-timeout 5 s; measured 6.02-6.18 s (first
# completion 6.25-6.44 s after the cable-out), so [4 s, 15 s] leaves room for a busy machine
# without admitting the 42 s default. Ceph: grace 6 s, but the mon election bounds it below
# (~15 s) and a report stuck on mon.n2's session above (~30 s): measured 16.7 s in a Ceph-only
# lab (scripts/bench-chaos.sh), 17.1 s here, and 28.0 s and 29.9 s here when osd.0's report
# came 30 s after the power-off (its mon session had been with mon.n2; ceph.log). Hence [5 s, 40 s]; the undo at 45 s leaves the 5 s that recovery
# needs after a stall of up to 37 s.
GLUSTER_STALL_MIN_S=${GLUSTER_STALL_MIN_S:-4}
GLUSTER_STALL_MAX_S=${GLUSTER_STALL_MAX_S:-15}
CEPH_STALL_MIN_S=${CEPH_STALL_MIN_S:-5}
CEPH_STALL_MAX_S=${CEPH_STALL_MAX_S:-40}

t0=$EPOCHREALTIME
Step() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.1fs] == %s\n", b - a, m }'; }
fails=0
Fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
Lab() { "$scripts/lab.sh" "$dir" "$@"; }

# Mend node 2 whatever state a failed run left it in (cable out, powered off, or healthy:
# node-start only starts what is not running), then wait for the whole lab's health.
Mend() {
  local rc=$? ok=1
  trap - EXIT
  Step "mend: node-start 2, then lab-up.sh DIR waits for health"
  Lab node-start 2 >/dev/null 2>&1 || ok=0
  "$scripts/lab-up.sh" "$dir" --timeout 180 >/dev/null 2>&1 || ok=0
  if ((ok)); then
    echo "  ok: the lab is healthy again"
  else
    echo "FAIL: the lab is not healthy after node-start 2 and lab-up.sh DIR"
    ((rc == 0)) && rc=1
  fi
  [[ ${LAB_CHAOS_KEEP:-0} == 1 ]] || rm -f "$dir"/chaos-*.json "$dir/chaos-lab-up.log" "$GLUSTER_MOUNT/chaos.dat"
  Step "$( ((rc == 0)) && echo PASS || echo "FAIL (exit $rc)")"
  exit "$rc"
}
trap Mend EXIT
trap 'exit 143' TERM INT  # a CTest timeout or ^C: still mend the lab (Mend runs on EXIT)

# Check FILE LABEL MIN_S MAX_S action|undone|either: prints the faults/chaos JSON and a one-line table, checks them.
Check() {
  local file=$1 label=$2 min_s=$3 max_s=$4 recovery_of=$5
  jq '.phases[0] | {faults, chaos}' "$file"
  jq -r --arg l "$label" '.phases[0] as $p | $p.faults[0] as $f |
    def s: if . == null then "null" else (. / 1e9 * 100 | round / 100 | tostring) + "s" end;
    "TABLE \($l): baseline \($p.chaos.baseline_iops | round) IOPS, iops \($p.iops | round)," +
    " action at \($f.action.started_ns | s) ran \(($f.action.ended_ns - $f.action.started_ns) | s)" +
    " exit \($f.action.exit_code), stall \($f.action.stall_ns | s)," +
    " first completion \($f.action.first_completion_ns | s), recovery \($f.action.recovery_ns | s);" +
    " undo at \($f.undone.started_ns | s) exit \($f.undone.exit_code), stall \($f.undone.stall_ns | s)," +
    " recovery \($f.undone.recovery_ns | s); longest stall \($p.chaos.longest_stall_ns | s)" +
    " at \($p.chaos.longest_stall_at_ns | s), worst latency \($p.chaos.worst_latency_ns | s)," +
    " failed \($p.chaos.failed | map("\(.op) \(.error) x\(.count)") | join(", ") | if . == "" then "none" else . end)"' \
    "$file"
  local v
  v=$(jq -r '.phases[0].faults[0].action.exit_code' "$file")
  [[ $v == 0 ]] || Fail "$label: the fault command exited $v"
  v=$(jq -r '.phases[0].faults[0].undone.exit_code' "$file")
  [[ $v == 0 ]] || Fail "$label: the undo command exited $v"
  v=$(jq -r --argjson lo "$min_s" --argjson hi "$max_s" \
    '.phases[0].faults[0].action.stall_ns | . >= $lo * 1e9 and . <= $hi * 1e9' "$file")
  [[ $v == true ]] || Fail "$label: the action's stall_ns is not within [${min_s} s, ${max_s} s]"
  v=$(jq -r '.phases[0].faults[0].action.first_completion_ns' "$file")
  [[ $v != null ]] || Fail "$label: no completion after the fault (first_completion_ns null)"
  # Recovery: after the action for Ceph (degraded writes go on at least as fast as before).
  # Gluster, after the action or after the undo (either): degraded, it wrote at 55-70 % of its
  # baseline in one full-lab run of stop 26 (no recovery after the cable-out) and at full rate
  # in five runs since (6.3-6.5 s); after the cable-in the rate came back within 0.2 s in four
  # runs and not within the 8 s left in one (the brick's self-heal, presumably, beside the writes).
  if [[ $recovery_of == either ]]; then
    v=$(jq -r '.phases[0].faults[0] | .action.recovery_ns // .undone.recovery_ns' "$file")
  else
    v=$(jq -r --arg k "$recovery_of" '.phases[0].faults[0][$k].recovery_ns' "$file")
  fi
  [[ $v != null ]] || Fail "$label: no recovery after the $recovery_of (recovery_ns null: the rate never back to 90 % of the baseline for 5 s)"
  v=$(jq -r '.phases[0].chaos.failed | length' "$file")
  [[ $v == 0 ]] || Fail "$label: operations failed (chaos.failed)"
}

# Run LABEL OUT DURABENCH-ARGS...: runs durabench, fails (not exits) when it does not write OUT.
Run() {
  local label=$1 out=$2 rc=0
  shift 2
  Step "$label: durabench run $*"
  "$durabench" run "$@" -o "$out" >/dev/null || rc=$?
  if ((rc != 0)) || [[ ! -s $out ]]; then
    Fail "$label: durabench exited $rc"
    return 1
  fi
}

common=(--pattern randwrite --block-size 4KiB --sync fdatasync --iodepth 1 --jobs 1 --size 64MiB)

rm -f "$GLUSTER_MOUNT/chaos.dat"
if Run gluster "$dir/chaos-gluster.json" --target "$GLUSTER_MOUNT/chaos.dat" --create \
  "${common[@]}" --engine psync --runtime 24s \
  --fault "at=3s,run=$scripts/lab.sh $dir cable-out 2,undo_at=16s,undo=$scripts/lab.sh $dir cable-in 2"; then
  Check "$dir/chaos-gluster.json" gluster "$GLUSTER_STALL_MIN_S" "$GLUSTER_STALL_MAX_S" either
fi
# The Ceph scenario wants a healthy lab. Node 2's cable-out also cut its Ceph daemons off for
# 13 s; lab-up.sh DIR found the lab healthy 5-64 s later in most runs, but once not within 180 s
# (what was missing was not kept then; it is printed now). That is the lab's business, not
# durabench's measurement: a warning, and the Ceph scenario runs anyway (its own checks decide;
# that once, it passed), and the EXIT trap's mend must still find the lab healthy.
Step "gluster: lab-up.sh DIR waits until the lab is healthy again"
if ! "$scripts/lab-up.sh" "$dir" --timeout 120 >"$dir/chaos-lab-up.log" 2>&1; then
  echo "WARNING: the lab is not healthy 120 s after the gluster run; lab-up.sh said:"
  grep -E 'waiting|ready|fail|timed out' "$dir/chaos-lab-up.log" | tail -8
fi

# A fresh image: durabench refuses to overwrite the lab's image ($CEPH_RBD_IMAGE) without
# --destroy-data, and creates and removes an image that does not exist.
if Run ceph "$dir/chaos-ceph.json" --target "rbd://$CEPH_POOL_REP3/chaos-test" \
  --ceph-conf "$CEPH_CONF" "${common[@]}" --runtime 50s \
  --fault "at=3s,run=$scripts/lab.sh $dir power-off 2 && ! ip link show $LAB_NODE2_VETH | grep -q 'state UP',undo_at=45s,undo=$scripts/lab.sh $dir node-start 2"; then
  Check "$dir/chaos-ceph.json" ceph "$CEPH_STALL_MIN_S" "$CEPH_STALL_MAX_S" action
fi

((fails == 0)) || exit 1
