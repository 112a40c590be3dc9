#!/usr/bin/env bash
# CTest fixture for the lab tests (tests/lab/CMakeLists.txt): a three-node lab in network
# namespaces (scripts/lab-up.sh) with its own name and subnet, so it runs beside a developer's
# lab (name dblab, 10.213.0.0/24) and beside the single-host test clusters (127.x addresses).
#
# Usage: lab_fixture.sh up   DIR NAME SUBNET
#        lab_fixture.sh down DIR NAME
#
# up: scripts/lab-up.sh DIR --name NAME --subnet SUBNET with short timeouts (heartbeat grace
# 6 s, Gluster ping-timeout 5 s) so a test sees failures in seconds. Exit 0 when healthy; 77
# (CTest: skipped) with the reason on stdout and in DIR/unavailable.txt when this machine cannot
# run it (not root, packages missing, no /dev/fuse, no network namespaces, DURABENCH_SKIP_CLUSTERS
# set); 1 when it could and the lab did not come up.
# down: scripts/lab-down.sh --purge DIR, then checks that nothing of lab NAME is left: no
# namespace NAME-n*, no link NAME-*, no mount under DIR, no loop device on a file under DIR, no
# process naming DIR. 77 where up could not have started anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/../../scripts" && pwd)
(($# >= 3)) || { echo "usage: $0 up DIR NAME SUBNET | down DIR NAME" >&2; exit 2; }
action=$1 dir=$2 name=$3 subnet=${4:-}

# Why this machine cannot run the lab, or nothing.
Unavailable() {
  if [[ -n ${DURABENCH_SKIP_CLUSTERS:-} ]]; then
    echo "DURABENCH_SKIP_CLUSTERS is set"
    return
  fi
  [[ $(id -u) -eq 0 ]] || { echo "needs root (namespaces, daemons, FUSE mounts)"; return; }
  [[ -c /dev/fuse ]] || { echo "no /dev/fuse (FUSE mounts)"; return; }
  local c missing=()
  for c in ip nsenter unshare setsid flock ceph ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse \
    ceph-authtool monmaptool uuidgen glusterd gluster glusterfs; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  /usr/bin/python3 -c 'import rados, rbd' 2>/dev/null || missing+=("python3 rados/rbd modules")
  if ((${#missing[@]})); then
    echo "not installed: ${missing[*]} (scripts/setup.sh installs the lab's packages)"
    return
  fi
  local probe=${name}-probe
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "cannot create a network namespace here (ip netns add)"
    return
  fi
  ip netns del "$probe"
}

reason=$(Unavailable)
case $action in
  up)
    mkdir -p "$dir"
    rm -f "$dir/unavailable.txt"
    if [[ -n $reason ]]; then
      echo "$reason" >"$dir/unavailable.txt"
      echo "[  SKIPPED ] lab: $reason"
      exit 77
    fi
    t0=$EPOCHREALTIME
    nice "$scripts/lab-up.sh" "$dir" --name "$name" --subnet "$subnet" \
      --osd-heartbeat-grace 6 --gluster-ping-timeout 5 --timeout 240
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "lab_fixture.sh: lab up in %.1f s\n", b - a }'
    ;;
  down)
    if [[ -n $reason ]]; then
      echo "[  SKIPPED ] lab: $reason"
      exit 77
    fi
    "$scripts/lab-down.sh" --purge "$dir"
    bad=0
    if ip netns list | grep -q "^$name-n"; then echo "left: namespaces $(ip netns list | grep "^$name-n" | paste -sd' ' -)"; bad=1; fi
    if ip -o link show | grep -q ": $name-"; then echo "left: links $(ip -o link show | awk -F': ' -v n="$name-" 'index($2, n) == 1 { print $2 }' | paste -sd' ' -)"; bad=1; fi
    if awk -v d="$dir/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then echo "left: mounts under $dir"; bad=1; fi
    if losetup -a 2>/dev/null | grep -qF "$dir/"; then echo "left: loop devices on $dir"; bad=1; fi
    # The pattern comes from a file: on the command line, grep would find itself.
    procs=$(grep -lsFf <(echo "$dir/") /proc/[0-9]*/cmdline 2>/dev/null | grep -v "^/proc/$$/" | paste -sd' ' - || true)
    if [[ -n $procs ]]; then echo "left: processes $procs"; bad=1; fi
    ((bad == 0)) || exit 1
    echo "lab_fixture.sh: nothing of lab $name left (namespaces, links, mounts, loop devices, processes)"
    ;;
  *) echo "$0: unknown action $action" >&2; exit 2 ;;
esac
