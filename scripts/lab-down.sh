#!/usr/bin/env bash
# Tears down the lab scripts/lab-up.sh built under DIR (docs/lab.md): unmounts the client mounts
# (CephFS, Gluster) and stops their clients, stops every process of every node (the kernel's
# list of the node's network namespace: mons, OSDs, mgr, MDS, glusterd, bricks, self-heal
# daemons), SIGTERM then SIGKILL after a grace, then the namespace holders, then deletes the
# namespaces, the veths and the bridge. All by PID and by the names lab.conf records; nothing
# is signalled by process name. Verifies that nothing of the lab is left (exit 1 if anything
# is): no namespace, link, mount under DIR, or process.
#
# Usage: scripts/lab-down.sh [--purge] DIR
#   --purge  also remove everything under DIR (DIR itself stays): the next lab-up.sh builds a
#            new lab. Without it the data stay and lab-up.sh DIR starts the same lab again.
# Environment: LAB_DOWN_GRACE_S (seconds before SIGKILL, default 15).
# Gluster's files outside DIR: none; each node's /var/lib/glusterd and /run/gluster were bind
# mounts of DIR/gluster/nN/* in the node's own mount namespace, which ends with its holder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/ceph-conf.sh
. "$here/lib/ceph-conf.sh"
# shellcheck source=lib/lab-common.sh
. "$here/lib/lab-common.sh"

Die() { echo "lab-down.sh: $*" >&2; exit 1; }
purge=0
while (($#)); do
  case $1 in
    --purge) purge=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "usage: lab-down.sh [--purge] DIR" >&2; exit 2 ;;
    *) break ;;
  esac
done
(($# == 1)) || { echo "usage: lab-down.sh [--purge] DIR" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || Die "needs root"
LabInit "$(CephAbsDir "$1")"
if ! LabLoadConf; then
  echo "lab-down.sh: no lab in $LAB_DIR (no lab.conf); nothing to stop"
  exit 0
fi
t0=$EPOCHREALTIME
exec 9>"$LAB_DIR/.lock"
flock -w 300 9 || Die "another lab-up/lab-down/lab.sh holds $LAB_DIR/.lock"
grace=${LAB_DOWN_GRACE_S:-15}

# StopPids WHAT PID...: SIGTERM, wait up to the grace, SIGKILL what is left (and wait 5 s).
StopPids() {
  local what=$1 p left i
  shift
  (($#)) || return 0
  echo "stopping $what: $*"
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    left=()
    for p in "$@"; do LabPidAlive "$p" && left+=("$p"); done
    ((${#left[@]})) || return 0
    sleep 0.1
  done
  echo "  still running after ${grace}s, SIGKILL: ${left[*]}"
  kill -KILL "${left[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    for p in "${left[@]}"; do LabPidAlive "$p" && { sleep 0.1; continue 2; }; done
    return 0
  done
}

# 1. Client mounts (root namespace), then their client processes by pid file.
mapfile -t mounts < <(awk -v d="$LAB_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts)
for m in "${mounts[@]}"; do
  timeout 30 umount "$m" 2>/dev/null || { echo "$m busy or hung: lazy unmount"; umount -l "$m"; }
  echo "unmounted $m"
done
clients=()
for f in "$LAB_DIR/ceph/run/ceph-fuse.pid" "$LAB_RUN/gluster-client.pid"; do
  # Read once: a client that exits removes its pid file at any moment.
  p=$(tr -dc 0-9 <"$f" 2>/dev/null || true)
  if [[ -n $p ]] && LabPidAlive "$p"; then clients+=("$p"); fi
done
StopPids "client processes" "${clients[@]}"

# 2. Every node's processes: Ceph's MDS first (it flushes its journal), then the rest.
if [[ -f $LAB_DIR/ceph/run/mds.a.pid ]]; then
  p=$(tr -dc 0-9 <"$LAB_DIR/ceph/run/mds.a.pid")
  if LabPidAlive "$p" && [[ $(readlink "/proc/$p/ns/net") == "$(LabNetnsId 1)" ]]; then
    StopPids "mds.a" "$p"
  fi
fi
all=()
for ((n = 1; n <= LAB_NODES; n++)); do
  mapfile -t -O "${#all[@]}" all < <(LabNodePids "$n")
done
StopPids "node daemons" "${all[@]}"
holders=()
for ((n = 1; n <= LAB_NODES; n++)); do
  p=$(LabHolderPid "$n" || true)
  [[ -n $p ]] && holders+=("$p")
done
StopPids "namespace holders" "${holders[@]}"

# 3. Namespaces (their veth ends go with them, and the peers in the root namespace), bridge.
for ((n = 1; n <= LAB_NODES; n++)); do
  ns=$(LabNs "$n")
  if [[ -e /run/netns/$ns ]]; then
    in_ns=$(ip netns pids "$ns" 2>/dev/null | paste -sd' ' -)
    [[ -z $in_ns ]] || Die "namespace $ns still has processes: $in_ns"
    ip netns del "$ns"
    echo "deleted namespace $ns"
  fi
  # The namespace's deletion takes its veth pair along, not always at once.
  v=$(LabVeth "$n")
  if ip link show "$v" >/dev/null 2>&1 && ! ip link del "$v" 2>/dev/null &&
    ip link show "$v" >/dev/null 2>&1; then
    Die "cannot delete link $v"
  fi
done
if ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
  ip link del "$LAB_BRIDGE"
  echo "deleted bridge $LAB_BRIDGE"
fi

# 4. Verify.
bad=0
for ((n = 1; n <= LAB_NODES; n++)); do
  [[ ! -e /run/netns/$(LabNs "$n") ]] || { echo "lab-down.sh: namespace $(LabNs "$n") left" >&2; bad=1; }
  ! ip link show "$(LabVeth "$n")" >/dev/null 2>&1 || { echo "lab-down.sh: link $(LabVeth "$n") left" >&2; bad=1; }
done
! ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || { echo "lab-down.sh: bridge left" >&2; bad=1; }
if awk -v d="$LAB_DIR/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
  echo "lab-down.sh: still mounted under $LAB_DIR" >&2
  bad=1
fi
# Any process whose command line names DIR (a daemon, a client, a holder) is one of ours.
# (The pattern comes from a file: on the command line, grep would find itself.)
stray=$(grep -lsFf <(echo "$LAB_DIR/") /proc/[0-9]*/cmdline 2>/dev/null | while read -r f; do
  p=${f#/proc/}
  p=${p%/cmdline}
  ! cmp -s "/proc/$p/cmdline" "/proc/$$/cmdline" && LabPidAlive "$p" && echo "$p"
done | paste -sd' ' - || true)
[[ -z $stray ]] || { echo "lab-down.sh: processes naming $LAB_DIR still run: $stray" >&2; bad=1; }
((bad == 0)) || exit 1
if [[ -f $LAB_DIR/outside-before.txt ]]; then
  new=$(find /var/lib/glusterd /run/gluster -maxdepth 2 2>/dev/null | sort |
    comm -13 "$LAB_DIR/outside-before.txt" - | paste -sd' ' -)
  # Not removed: another Gluster on this machine (a test cluster) may have made them.
  [[ -z $new ]] || echo "lab-down.sh: warning: new in /var/lib/glusterd or /run/gluster since the lab's first start (this lab's or another Gluster's?): $new" >&2
fi
rm -f "$LAB_ENV" "$LAB_RUN"/holder-n*.pid
if ((purge)); then
  find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf --one-file-system {} +
  echo "purged $LAB_DIR"
fi
awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$LAB_NAME" 'BEGIN { printf "lab-down.sh: lab %s down in %.1f s\n", n, b - a }'
