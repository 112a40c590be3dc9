#!/usr/bin/env bash
# Stops the cluster scripts/ceph-up.sh started under DIR: unmounts DIR/mnt/cephfs and stops
# ceph-fuse, then the MDS (it can take ~20 s after an fsync-heavy run), the OSDs, the mgr and
# the mon, each by the PID in its DIR/run/NAME.pid: SIGTERM, then SIGKILL after a grace period.
# Verifies that nothing is left: no mount under DIR, no recorded process alive (exit 1 if so).
#
# Usage: scripts/ceph-down.sh [--purge] DIR
#   (no --port-base: processes are stopped by PID; the ports come from DIR/ports.env)
#   --purge  also remove everything under DIR (DIR itself stays). Without it DIR's files
#            (data, logs, cluster.env) stay, and ceph-up.sh DIR restarts the same cluster.
#
# Idempotent: fine to run twice, or on a DIR that never came up. Only processes whose command
# line names DIR/ceph.conf (or the mount point) are signalled, so a recycled PID is left alone.
# Environment: CEPH_DOWN_GRACE (seconds before SIGKILL, default 30 for the MDS, 20 otherwise).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/ceph-conf.sh
. "$here/lib/ceph-conf.sh"

Die() { echo "ceph-down.sh: $*" >&2; exit 1; }
purge=0
while (($#)); do
  case $1 in
    --purge) purge=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) Die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
(($# == 1)) || Die "usage: ceph-down.sh [--purge] DIR"
[[ $(id -u) -eq 0 ]] || Die "needs root"
CephInitPaths "$(CephAbsDir "$1")"
if [[ ! -d $CEPH_DIR ]]; then
  echo "ceph-down.sh: $CEPH_DIR does not exist; nothing to stop"
  exit 0
fi
t0=$EPOCHREALTIME
exec 9>"$CEPH_DIR/.lock"
flock -w 300 9 || Die "another ceph-up/ceph-down holds $CEPH_DIR/.lock"

# StopNames GRACE_S NAME...: SIGTERM to each named live process, then waits up to GRACE_S for
# all of them, then SIGKILL to what is left (and waits 5 s more).
StopNames() {
  local grace=$1 n pid left deadline t=$EPOCHREALTIME
  shift
  local live=()
  for n in "$@"; do
    pid=$(CephPidOf "$n")
    if CephPidAlive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      live+=("$n:$pid")
    fi
  done
  ((${#live[@]})) || return 0
  deadline=$((SECONDS + grace))
  while :; do
    left=()
    for n in "${live[@]}"; do CephPidAlive "${n#*:}" && left+=("$n"); done
    ((${#left[@]})) || break
    if ((SECONDS >= deadline)); then
      echo "ceph-down.sh: ${left[*]} still running after ${grace}s: SIGKILL" >&2
      for n in "${left[@]}"; do kill -KILL "${n#*:}" 2>/dev/null || true; done
      deadline=$((SECONDS + 5 + grace))
      grace=5
    fi
    sleep 0.2
  done
  awk -v a="$t" -v b="$EPOCHREALTIME" -v w="${live[*]}" \
    'BEGIN { printf "stopped %s in %.1f s\n", w, b - a }'
}

# 1. The mount, then its ceph-fuse process (normally it exits once unmounted).
if mountpoint -q "$CEPH_MNT" 2>/dev/null || grep -q " $CEPH_MNT " /proc/self/mounts; then
  if ! timeout 30 umount "$CEPH_MNT" 2>/dev/null; then
    echo "ceph-down.sh: $CEPH_MNT busy or hung: lazy unmount" >&2
    umount -l "$CEPH_MNT" || true
  fi
  echo "unmounted $CEPH_MNT"
fi
StopNames 10 ceph-fuse
# 2. MDS first (flushes its journal), 3. OSDs, 4. mgr, 5. mon.
StopNames "${CEPH_DOWN_GRACE:-30}" "mds.$CEPH_MDS_ID"
osds=()
for id in "${CEPH_OSD_IDS[@]}"; do osds+=("osd.$id"); done
StopNames "${CEPH_DOWN_GRACE:-20}" "${osds[@]}"
StopNames "${CEPH_DOWN_GRACE:-20}" "mgr.$CEPH_MGR_ID"
StopNames "${CEPH_DOWN_GRACE:-20}" "mon.$CEPH_MON_ID"

# Processes that name this cluster's ceph.conf but have no pid file: an interrupted
# ceph-up.sh's `ceph-osd --mkfs` or CLI calls. They end by themselves; wait for them (up to
# 30 s) rather than kill what this script did not record.
Unrecorded() {
  local f pid
  for f in $(grep -laF -- "$CEPH_CONF_PATH" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    CephPidAlive "$pid" && echo "$pid: $(tr '\0' ' ' <"$f" 2>/dev/null)"
  done
  return 0
}
for ((i = 0; i < 150; i++)); do
  [[ -z $(Unrecorded) ]] && break
  ((i == 0)) && echo "waiting for unrecorded processes of this cluster to end:" && Unrecorded
  sleep 0.2
done

# Verify: no mount under DIR, no recorded process alive (any pid file, not only known names).
bad=0
while read -r _ mnt _; do
  mnt=$(printf '%b' "$mnt")
  if [[ $mnt == "$CEPH_DIR" || $mnt == "$CEPH_DIR"/* ]]; then
    echo "ceph-down.sh: still mounted: $mnt" >&2
    bad=1
  fi
done </proc/self/mounts
if [[ -d $CEPH_RUN_DIR ]]; then
  for f in "$CEPH_RUN_DIR"/*.pid; do
    [[ -e $f ]] || continue
    n=$(basename "$f" .pid)
    if CephNameAlive "$n"; then
      echo "ceph-down.sh: $n (pid $(CephPidOf "$n")) still alive" >&2
      bad=1
    else
      rm -f "$f"
    fi
  done
  # Daemons killed by a signal leave their admin sockets behind.
  ((bad)) || rm -f "$CEPH_RUN_DIR"/*.asok
fi
if [[ -n $(Unrecorded) ]]; then
  echo "ceph-down.sh: processes of this cluster that no pid file records are still running:" >&2
  Unrecorded >&2
  bad=1
fi
((bad == 0)) || exit 1
# The mon's ports (DIR/ports.env) should be free now for the next ceph-up.sh; a listener there
# is not this cluster's (its processes are gone, checked above): say so.
if CephLoadPorts && [[ -n $(ss -Hltn "sport = :$CEPH_MON_V2_PORT or sport = :$CEPH_MON_V1_PORT" 2>/dev/null) ]]; then
  echo "ceph-down.sh: warning: 127.0.0.1:$CEPH_MON_V2_PORT or :$CEPH_MON_V1_PORT is listened on by a process that is not this cluster's" >&2
fi

if ((purge)); then
  find "$CEPH_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf --one-file-system {} +
  echo "purged $CEPH_DIR"
fi
awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "ceph-down.sh: done in %.1f s\n", b - a }'
