#!/usr/bin/env bash
# Exercises every scripts/lab.sh action on the lab the `lab` CTest fixture brought up
# (tests/lab/lab_fixture.sh) and checks each one's effect:
#   node-crash 3  node 3's daemons' PIDs are gone; Ceph marks osd.2 down, node 3's brick
#                 leaves `gluster volume status`; the Gluster mount still takes write + fsync
#   node-start 3  returns once the lab is healthy: osd.2 up, three bricks online
#   cable-out 2   node 2 unreachable from node 1 (TCP to its glusterd) while its daemons live,
#                 node 3 still reachable; Ceph marks osd.2's neighbour osd.1 down after the
#                 heartbeat grace (the fixture's 6 s)
#   cable-in 2    node 2 reachable again; lab-up.sh DIR (idempotent) finds it healthy again
#   usage errors  exit 2
# power-off (and node-start after it) is exercised by tests/lab/lab_chaos_test.sh, under a
# durabench run: the action's exit code (lab.sh checks that every daemon is gone), node 2's
# link down, the stall it causes, and node-start returning a healthy lab.
#
# Usage: lab_actions_test.sh DIR   (exit 0 pass, 1 fail, 77 skip: the fixture could not run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/../../scripts" && pwd)
dir=${1:?usage: lab_actions_test.sh DIR}
if [[ -f $dir/unavailable.txt ]]; then
  echo "[  SKIPPED ] lab: $(cat "$dir/unavailable.txt")"
  exit 77
fi
[[ -f $dir/lab.env ]] || { echo "FAIL: no $dir/lab.env (lab_up failed?)"; exit 1; }
set -a
# shellcheck disable=SC1091
. "$dir/lab.env"
set +a
# shellcheck source=../../scripts/lib/lab-common.sh
. "$scripts/lib/lab-common.sh"
LabInit "$dir"
LabLoadConf

t0=$EPOCHREALTIME
Step() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.1fs] == %s\n", b - a, m }'; }
Fail() { echo "FAIL: $*"; exit 1; }
Lab() { "$scripts/lab.sh" "$dir" "$@"; }

# OsdUp ID: prints 1 when the mons have osd.ID up, 0 when down.
OsdUp() {
  timeout 30 ceph -c "$CEPH_CONF" --connect-timeout 10 osd dump -f json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
print([o["up"] for o in d["osds"] if o["osd"] == int(sys.argv[1])][0])' "$1"
}
# Eventually SECONDS WHAT CMD...: until CMD succeeds (at most SECONDS); prints how long it took.
Eventually() {
  local limit=$1 what=$2 start=$EPOCHREALTIME
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || Fail "$what: not within ${limit}s"
    sleep 0.5
  done
  awk -v a="$start" -v b="$EPOCHREALTIME" -v m="$what" 'BEGIN { printf "  ok: %s (after %.1f s)\n", m, b - a }'
}
OsdIs() { [[ $(OsdUp "$1") == "$2" ]]; }
BricksOnline() {
  local want=$1 got
  got=$(LabGcli 1 volume status "$GLUSTER_VOL" --xml 2>/dev/null |
    awk '/<node>/ { h = ""; s = "" } /<hostname>/ { gsub(/.*<hostname>|<\/hostname>.*/, ""); h = $0 }
      /<status>/ { gsub(/.*<status>|<\/status>.*/, ""); s = $0 }
      /<\/node>/ { if (s == "1" && h ~ /^[0-9.]+$/) c++ } END { print c + 0 }')
  [[ $got == "$want" ]]
}
# Reachable FROM TO: a TCP connection from node FROM to node TO's glusterd (port 24007) opens
# within 3 s (ping is not installed everywhere; TCP needs nothing but bash).
Reachable() {
  ip netns exec "$(LabNs "$1")" timeout 3 bash -c "exec 3<>/dev/tcp/$(LabAddr "$2")/24007" 2>/dev/null
}
Unreachable() { ! Reachable "$@"; }
WriteFsync() { timeout "${2:-60}" dd if=/dev/zero of="$1/lab-test" bs=4k count=1 conv=fsync status=none; }
AllGone() {
  local p
  for p in "$@"; do LabPidAlive "$p" && return 1; done
  return 0
}
AllAlive() {
  local p
  for p in "$@"; do LabPidAlive "$p" || return 1; done
  return 0
}

Step "usage errors exit 2"
rc=0; Lab bogus-action 1 2>/dev/null || rc=$?; ((rc == 2)) || Fail "unknown action: exit $rc, not 2"
rc=0; Lab node-crash 7 2>/dev/null || rc=$?; ((rc == 2)) || Fail "node 7 of 3: exit $rc, not 2"
rc=0; "$scripts/lab.sh" "$dir" 2>/dev/null || rc=$?; ((rc == 2)) || Fail "no arguments: exit $rc, not 2"

Step "node-crash 3"
mapfile -t pids < <(LabNodePids 3)
((${#pids[@]} >= 5)) || Fail "node 3 runs ${#pids[@]} processes before the crash, expected >= 5 (mon, osd, glusterd, brick, shd)"
Lab node-crash 3
AllGone "${pids[@]}" || Fail "a daemon of node 3 survived node-crash"
[[ -z $(LabNodePids 3) ]] || Fail "node 3 still has processes"
Reachable 1 3 && Fail "node 3's glusterd port still answers"
ip link show "$(LabVeth 3)" | grep -q 'state UP' || Fail "node-crash took node 3's link down"
Eventually 60 "Ceph marks osd.2 down" OsdIs 2 0
Eventually 30 "node 3's brick leaves volume status" BricksOnline 2
WriteFsync "$GLUSTER_MOUNT" 30 || Fail "Gluster mount does not take a write + fsync with 2 of 3 bricks"
WriteFsync "$CEPHFS_MOUNT" 60 || Fail "CephFS does not take a write + fsync with 2 of 3 OSDs"

Step "node-start 3"
Lab node-start 3
OsdIs 2 1 || Fail "osd.2 not up after node-start"
BricksOnline 3 || Fail "not 3 bricks online after node-start"

Step "cable-out 2"
Reachable 1 2 || Fail "node 2 not reachable before cable-out"
mapfile -t pids < <(LabNodePids 2)
Lab cable-out 2
Unreachable 1 2 || Fail "node 2 reachable from node 1 after cable-out"
Reachable 1 3 || Fail "node 3 not reachable from node 1 during node 2's cable-out"
AllAlive "${pids[@]}" || Fail "a daemon of node 2 died on cable-out"
Eventually 90 "Ceph marks osd.1 down (heartbeat grace $LAB_OSD_HEARTBEAT_GRACE_S s)" OsdIs 1 0
WriteFsync "$GLUSTER_MOUNT" 60 || Fail "Gluster mount does not take a write + fsync after ping-timeout"
AllAlive "${pids[@]}" || Fail "a daemon of node 2 died during cable-out"

Step "cable-in 2"
Lab cable-in 2
Eventually 20 "node 2 reachable from node 1" Reachable 1 2
"$scripts/lab-up.sh" "$dir" --timeout 180 >/dev/null || Fail "lab-up.sh DIR did not find the lab healthy after cable-in"
OsdIs 1 1 || Fail "osd.1 not up after cable-in"
echo "  ok: lab-up.sh DIR finds the lab healthy again"

rm -f "$GLUSTER_MOUNT/lab-test" "$CEPHFS_MOUNT/lab-test"
Step "PASS"
