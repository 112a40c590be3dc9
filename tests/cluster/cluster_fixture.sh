#!/usr/bin/env bash
# CTest fixture for the cluster tests (tests/cluster/CMakeLists.txt).
#
# Usage: cluster_fixture.sh up   ceph|gluster DIR PORT_BASE
#        cluster_fixture.sh down ceph|gluster DIR
#
# up: brings the cluster up under DIR with scripts/KIND-up.sh --port-base PORT_BASE (a second
# cluster beside a developer's one on the default ports). Exit 0 when it is up; 77 (CTest:
# skipped) with the reason on stdout and in DIR/unavailable.txt when this machine cannot run it
# (not root, a package missing, no /dev/fuse, DURABENCH_SKIP_CLUSTERS set) — the tests read that
# file and skip with the same reason; 1 when the machine could but the cluster did not come up.
# down: KIND-down.sh --purge DIR; 77 where up could not have started anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/../../scripts" && pwd)
(($# >= 3)) || { echo "usage: $0 up|down ceph|gluster DIR [PORT_BASE]" >&2; exit 2; }
action=$1 kind=$2 dir=$3 port_base=${4:-}

# Why this machine cannot run a KIND cluster, or nothing.
Unavailable() {
  if [[ -n ${DURABENCH_SKIP_CLUSTERS:-} ]]; then
    echo "DURABENCH_SKIP_CLUSTERS is set"
    return
  fi
  [[ $(id -u) -eq 0 ]] || { echo "needs root (daemons and FUSE mounts)"; return; }
  [[ -c /dev/fuse ]] || { echo "no /dev/fuse (FUSE mounts)"; return; }
  local cmds missing=()
  case $kind in
    ceph) cmds=(ceph ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph-authtool monmaptool rbd
      uuidgen ss flock mountpoint) ;;
    gluster) cmds=(glusterd gluster glusterfs ss) ;;
  esac
  for c in "${cmds[@]}"; do command -v "$c" >/dev/null || missing+=("$c"); done
  if [[ $kind == ceph ]] && ! /usr/bin/python3 -c 'import rados, rbd' 2>/dev/null; then
    missing+=("python3 rados/rbd modules")
  fi
  if ((${#missing[@]})); then
    echo "not installed: ${missing[*]} (scripts/setup.sh installs the cluster packages)"
  fi
}

reason=$(Unavailable)
case $action in
  up)
    mkdir -p "$dir"
    rm -f "$dir/unavailable.txt"
    if [[ -n $reason ]]; then
      echo "$reason" >"$dir/unavailable.txt"
      echo "[  SKIPPED ] $kind cluster: $reason"
      exit 77
    fi
    t0=$EPOCHREALTIME
    case $kind in
      ceph) "$scripts/ceph-up.sh" --timeout 150 --port-base "$port_base" "$dir" ;;
      gluster) "$scripts/gluster-up.sh" --port-base "$port_base" "$dir" ;;
    esac
    awk -v a="$t0" -v b="$EPOCHREALTIME" -v k="$kind" \
      'BEGIN { printf "cluster_fixture.sh: %s cluster up in %.1f s\n", k, b - a }'
    ;;
  down)
    if [[ -n $reason ]]; then
      echo "[  SKIPPED ] $kind cluster: $reason"
      exit 77
    fi
    "$scripts/$kind-down.sh" --purge "$dir"
    ;;
  *) echo "$0: unknown action $action" >&2; exit 2 ;;
esac
