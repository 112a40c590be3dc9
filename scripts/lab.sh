#!/usr/bin/env bash
# Breaks and mends one node of the lab scripts/lab-up.sh built under DIR (docs/lab.md).
#
# Usage: scripts/lab.sh DIR ACTION N        (N: node number, 1..nodes)
#   node-crash  SIGKILL every daemon of node N (mon, OSD, mgr/MDS on node 1, glusterd, brick,
#               self-heal daemon). Its namespace and link stay up: the kernel resets its TCP
#               connections, so peers see it gone at once.
#   power-off   node N's link down first, then SIGKILL its daemons: no FIN or RST reaches a
#               peer (a pulled plug); peers notice only by their timeouts (osd_heartbeat_grace,
#               network.ping-timeout).
#   node-start  link up, then node N's daemons started again (Ceph mon + OSD (+ mgr, MDS on
#               node 1), glusterd, which restarts its brick; `volume start VOL force` when it
#               does not within 10 s); waits until the lab is healthy again (as lab-up.sh).
#   cable-out   node N's link down; its daemons keep running (a network partition).
#   cable-in    node N's link up again.
# Each action prints what it did; exit 0 on success, 1 on failure, 2 on a usage error.
# (A failing disk, disk-fail, is not offered: docs/lab.md says why.)
# Environment: LAB_WAIT_S (node-start: seconds to wait for health, default 180).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/ceph-conf.sh
. "$here/lib/ceph-conf.sh"
# shellcheck source=lib/lab-common.sh
. "$here/lib/lab-common.sh"
# shellcheck source=lib/lab-daemons.sh
. "$here/lib/lab-daemons.sh"

Usage() {
  echo "usage: lab.sh DIR node-crash|power-off|node-start|cable-out|cable-in N" >&2
  exit 2
}
Die() { echo "lab.sh: $*" >&2; exit 1; }
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0; }
(($# == 3)) || Usage
case $2 in
  node-crash | power-off | node-start | cable-out | cable-in) ;;
  *) echo "lab.sh: unknown action '$2'" >&2; Usage ;;
esac
[[ $3 =~ ^[1-9]$ ]] || { echo "lab.sh: N must be a node number, not '$3'" >&2; Usage; }
action=$2 n=$3
[[ $(id -u) -eq 0 ]] || Die "needs root"
LabInit "$(CephAbsDir "$1")"
LabLoadConf || Die "no lab in $LAB_DIR (no lab.conf): run lab-up.sh first"
((n <= LAB_NODES)) || { echo "lab.sh: the lab has nodes 1..$LAB_NODES, not $n" >&2; Usage; }
[[ -e /run/netns/$(LabNs "$n") ]] || Die "namespace $(LabNs "$n") does not exist (lab down?)"
exec 9>"$LAB_DIR/.lock"
flock -w 300 9 || Die "another lab-up/lab-down/lab.sh holds $LAB_DIR/.lock"
((LAB_CEPH)) && LabCephInit
t0=$EPOCHREALTIME
Log() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%5.1fs] %s\n", b - a, m }'; }

case $action in
  node-crash)
    LabKillNode "$n" KILL || Die "node $n: daemons still alive 10 s after SIGKILL"
    Log "node $n crashed: its daemons are gone, its link $(LabVeth "$n") stays up"
    ;;
  power-off)
    LabLink "$n" down
    Log "node $n: link $(LabVeth "$n") down"
    LabKillNode "$n" KILL || Die "node $n: daemons still alive 10 s after SIGKILL"
    Log "node $n powered off: link down, then its daemons SIGKILLed"
    ;;
  cable-out)
    LabLink "$n" down
    Log "node $n: cable out (link $(LabVeth "$n") down; daemons keep running: $(LabNodePids "$n" | paste -sd' ' -))"
    ;;
  cable-in)
    LabLink "$n" up
    Log "node $n: cable in (link $(LabVeth "$n") up)"
    ;;
  node-start)
    wait_s=${LAB_WAIT_S:-180}
    LabLink "$n" up
    LabStartHolder "$n" || Die "node $n: namespace holder did not start"
    Log "node $n: link up, starting its daemons"
    if ((LAB_CEPH)); then
      LabStartCephNode "$n" || LabCephFail "node $n: Ceph daemons did not start"
    fi
    if ((LAB_GLUSTER)); then
      LabStartGlusterd "$n" || LabGlusterFail "node $n: glusterd did not start"
    fi
    if ((LAB_GLUSTER)); then
      LabGlusterBricksUp "$wait_s" || LabGlusterFail "bricks not all online after ${wait_s}s"
      LabStartGlusterMount || LabGlusterFail "mounting $LAB_GLUSTER_MNT failed"
      LabGlusterMountWait "$wait_s" || LabGlusterFail "$LAB_GLUSTER_MNT not answering with every brick connected"
      Log "gluster: every brick online, the mount connected to all of them"
    fi
    if ((LAB_CEPH)); then
      LabCephWait mds "$wait_s" || LabCephFail "no active MDS after ${wait_s}s"
      LabStartCephFuse || LabCephFail "ceph-fuse did not mount $CEPH_MNT"
      LabCephWait all "$wait_s" || LabCephFail "not healthy after ${wait_s}s"
    fi
    Log "node $n started; the lab is healthy"
    ;;
esac
