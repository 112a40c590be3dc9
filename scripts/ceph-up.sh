#!/usr/bin/env bash
# Brings up a throwaway single-host Ceph 16 cluster for durabench's tests, entirely under DIR:
# 1 mon, 1 mgr, 3 BlueStore OSDs on 8 GiB sparse files, 1 MDS with a CephFS mounted by ceph-fuse
# at DIR/mnt/cephfs, pools rep1 (size 1) and rep3 (size 3, min_size 2) with an RBD image `img`
# in each. Loopback only (127.0.0.1). Needs root and the packages listed in
# docs/test-clusters.md (Ceph section).
#
# Usage: scripts/ceph-up.sh [--timeout S] [--port-base N] DIR
#
# --port-base N (or CEPH_PORT_BASE=N): a second cluster beside one on the defaults: mon v2 on
# 127.0.0.1:N, v1 on N+1, the OSDs, mgr and MDS bind in N+2..N+99 (defaults: 3300, 6789,
# 6800-7300). Fixed at the first build (DIR/ports.env): a re-run without --port-base uses the
# stored ports; one with a different N is refused (the mon's address is in its monmap).
#
# Waits until HEALTH_OK, all PGs active+clean, the MDS up:active and the mount present (at most
# --timeout seconds from the script's start, default 120; on timeout prints the cluster state
# and the logs' tails and exits 1), then prints the facts tests need and writes them to DIR/cluster.env (KEY=VALUE, source it).
#
# Idempotent: on a DIR whose cluster was fully built it starts whichever of its processes are
# not running (none, when it is up), waits, and prints the same facts; nothing is created twice.
# A DIR with a cluster whose build did not finish is refused: run
# `scripts/ceph-down.sh --purge DIR` and try again.
#
# Environment: CEPH_UP_TIMEOUT (seconds, as --timeout), CEPH_UP_ALLOW_WARN (comma-separated
# health check names tolerated instead of HEALTH_OK, e.g. MON_DISK_LOW).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/ceph-conf.sh
. "$here/lib/ceph-conf.sh"

Die() { echo "ceph-up.sh: $*" >&2; exit 1; }
Log() { printf '[%5.1fs] %s\n' "$(Elapsed)" "$*"; }
t0=$EPOCHREALTIME
Elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# Left: seconds left of the --timeout budget, counted from the script's start (at least 1).
Left() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v t="$timeout_s" \
  'BEGIN { l = t - (b - a); printf "%d", l < 1 ? 1 : l }'; }

timeout_s=${CEPH_UP_TIMEOUT:-120}
port_base=${CEPH_PORT_BASE:-}
while (($#)); do
  case $1 in
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --port-base) port_base=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) Die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
(($# == 1)) || Die "usage: ceph-up.sh [--timeout S] [--port-base N] DIR"
if [[ -n $port_base ]] && { ! [[ $port_base =~ ^[0-9]+$ ]] || ((port_base < 1024 || port_base > 65400)); }; then
  Die "--port-base must be a number from 1024 to 65400, not '$port_base'"
fi
[[ $(id -u) -eq 0 ]] || Die "needs root (daemons, ceph-fuse mount)"
for c in ceph ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph-authtool monmaptool rbd \
  uuidgen flock ss "$CEPH_PY"; do
  command -v "$c" >/dev/null || Die "$c not found; install the Ceph packages listed in docs/test-clusters.md"
done

CephInitPaths "$(CephAbsDir "$1")"
mkdir -p "$CEPH_DIR"
# Serialises ceph-up/ceph-down on one DIR. Every daemon is started with fds > 2 closed
# (StartDaemon), so none of them keeps this lock.
exec 9>"$CEPH_DIR/.lock"
flock -w 300 9 || Die "another ceph-up/ceph-down holds $CEPH_DIR/.lock"
if CephLoadPorts; then
  [[ -z $port_base || $port_base == "$CEPH_PORT_BASE" ]] ||
    Die "$CEPH_DIR was built with port base '${CEPH_PORT_BASE:-default}', not $port_base;" \
      "use that, or run scripts/ceph-down.sh --purge $CEPH_DIR first"
else
  CephSetPorts "$port_base"
fi

# StartDaemon NAME CMD...: starts CMD (a daemon that forks into the background and writes
# DIR/run/NAME.pid) unless NAME's recorded process is alive. Inherited fds are closed first.
StartDaemon() {
  local name=$1 fd
  shift
  CephNameAlive "$name" && return 0
  rm -f "$CEPH_RUN_DIR/$name.pid"
  if ! (
    for fd in "/proc/$BASHPID/fd"/*; do
      fd=${fd##*/}
      ((fd > 2)) && eval "exec $fd>&-"
    done
    exec "$@" </dev/null >>"$CEPH_LOG_DIR/$name.out" 2>&1
  ); then
    Fail "$name did not start: $*"
  fi
  # ceph-mon, ceph-osd and ceph-fuse return once the daemon has written its pid file;
  # ceph-mgr and ceph-mds return at once (plain daemon()), so wait for it.
  local i
  for ((i = 0; i < 300; i++)); do
    CephNameAlive "$name" && break
    sleep 0.1
  done
  CephNameAlive "$name" || Fail "$name started but after 30 s $CEPH_RUN_DIR/$name.pid names no live process"
  echo "  started $name (pid $(CephPidOf "$name"))"
}

# Fail MSG: prints MSG, the cluster state and the logs' tails, and exits 1.
Fail() {
  echo "ceph-up.sh: $*" >&2
  {
    echo "--- ceph status"
    timeout 20 ceph -c "$CEPH_CONF_PATH" --connect-timeout 5 -s 2>&1 || true
    timeout 20 ceph -c "$CEPH_CONF_PATH" --connect-timeout 5 health detail 2>&1 || true
    for f in "$CEPH_LOG_DIR"/*.log "$CEPH_LOG_DIR"/*.out; do
      [[ -s $f ]] || continue
      echo "--- tail $f"
      tail -n 15 "$f"
    done
  } >&2
  echo "ceph-up.sh: logs under $CEPH_LOG_DIR; to start over: scripts/ceph-down.sh --purge $CEPH_DIR" >&2
  exit 1
}

StartMon() { StartDaemon "mon.$CEPH_MON_ID" ceph-mon -c "$CEPH_CONF_PATH" -i "$CEPH_MON_ID"; }
StartMgr() { StartDaemon "mgr.$CEPH_MGR_ID" ceph-mgr -c "$CEPH_CONF_PATH" -i "$CEPH_MGR_ID"; }
StartMds() { StartDaemon "mds.$CEPH_MDS_ID" ceph-mds -c "$CEPH_CONF_PATH" -i "$CEPH_MDS_ID"; }
# StartOsds: starts the OSDs in parallel (shared/BACKENDS.md: a build took 43 s with the OSDs
# started one after another, 22–28 s in parallel).
StartOsds() {
  local id pids=() rc=0
  for id in "${CEPH_OSD_IDS[@]}"; do
    StartDaemon "osd.$id" ceph-osd -c "$CEPH_CONF_PATH" -i "$id" &
    pids+=($!)
  done
  for id in "${pids[@]}"; do wait "$id" || rc=1; done
  ((rc == 0)) || Fail "an OSD did not start"
}
StartFuse() {
  mountpoint -q "$CEPH_MNT" && CephNameAlive ceph-fuse && return 0
  # A dead ceph-fuse leaves "Transport endpoint is not connected" behind: clear it first.
  umount -l "$CEPH_MNT" 2>/dev/null || true
  mkdir -p "$CEPH_MNT"
  StartDaemon ceph-fuse ceph-fuse -c "$CEPH_CONF_PATH" --id admin \
    --pid-file "$CEPH_RUN_DIR/ceph-fuse.pid" "$CEPH_MNT"
}

# Bootstrap: builds a new cluster in an empty DIR. Marks DIR complete only at the end.
Bootstrap() {
  local fsid id
  fsid=$(uuidgen)
  mkdir -p "$CEPH_RUN_DIR" "$CEPH_LOG_DIR" "$CEPH_DIR/crash" "$CEPH_MNT" \
    "$CEPH_DIR/mon" "$CEPH_DIR/mgr/ceph-$CEPH_MGR_ID" \
    "$CEPH_DIR/mds/ceph-$CEPH_MDS_ID"
  CephWriteConf "$fsid"

  Log "keyrings and monmap (fsid $fsid)"
  local k=$CEPH_DIR/mon.keyring.init
  CephMakeKeyrings "$k"
  monmaptool --create --fsid "$fsid" --addv "$CEPH_MON_ID" \
    "$CEPH_MON_ADDRS" "$CEPH_DIR/monmap" >/dev/null
  ceph-mon -c "$CEPH_CONF_PATH" --mkfs -i "$CEPH_MON_ID" --monmap "$CEPH_DIR/monmap" \
    --keyring "$k" >>"$CEPH_LOG_DIR/mon.$CEPH_MON_ID.out" 2>&1 || Fail "ceph-mon --mkfs failed"
  rm -f "$k"

  Log "starting mon.$CEPH_MON_ID and mgr.$CEPH_MGR_ID"
  StartMon
  StartMgr

  Log "creating ${#CEPH_OSD_IDS[@]} BlueStore OSDs (8 GiB sparse files)"
  local cmds
  cmds=$(CephOsdNewCmds) || Fail "cannot prepare the OSDs' directories under $CEPH_DIR/osd"
  CephMonCmds <<<"$cmds" >/dev/null || Fail "ceph osd new failed"
  # The pools and the file system need no OSD: create them while the OSDs are made.
  CephPoolCmds | CephMonCmds >"$CEPH_LOG_DIR/pools.out" 2>&1 &
  local pools_pid=$! pids=() rc=0
  for id in "${CEPH_OSD_IDS[@]}"; do
    ceph-osd -c "$CEPH_CONF_PATH" -i "$id" --mkfs \
      --osd-uuid "$(cat "$CEPH_DIR/osd/ceph-$id/osd-uuid.init")" \
      </dev/null >>"$CEPH_LOG_DIR/osd.$id.out" 2>&1 9>&- &
    pids+=($!)
  done
  for id in "${pids[@]}"; do wait "$id" || rc=1; done
  ((rc == 0)) || Fail "ceph-osd --mkfs failed"
  Log "starting the OSDs (in parallel) and mds.$CEPH_MDS_ID"
  StartOsds
  StartMds
  wait "$pools_pid" || Fail "creating the pools failed: $(cat "$CEPH_LOG_DIR/pools.out")"
  Log "created pools rep1 (size 1), rep3 (size 3, min_size 2), CephFS $CEPH_FS_NAME"

  Log "waiting for the OSDs and PGs"
  CephWait osds "$(Left)" || Fail "OSDs/PGs not ready ${timeout_s}s after the start"
  Log "RBD: image img (1 GiB) in rep1 and rep3"
  CephRbdCreate rep1 rep3 || Fail "creating the RBD images failed"
  rm -f "$CEPH_DIR"/osd/ceph-*/osd-uuid.init "$CEPH_DIR/monmap"
  date -u +%FT%TZ >"$CEPH_DONE_MARK"
}

# The mon's ports must be free (daemons just skip busy ports of their bind range). Another
# cluster on this machine needs another --port-base.
if ! CephNameAlive "mon.$CEPH_MON_ID" &&
  [[ -n $(ss -Hltn "sport = :$CEPH_MON_V2_PORT or sport = :$CEPH_MON_V1_PORT" 2>/dev/null) ]]; then
  Die "127.0.0.1:$CEPH_MON_V2_PORT or :$CEPH_MON_V1_PORT is in use (another Ceph cluster?" \
    "stop it with ceph-down.sh ITS_DIR, or give this one another --port-base)"
fi

if [[ -e $CEPH_DONE_MARK ]]; then
  Log "existing cluster in $CEPH_DIR: starting whatever of it is not running"
  StartMon
  StartMgr
  StartOsds
  StartMds
elif [[ -n $(find "$CEPH_DIR" -mindepth 1 -maxdepth 1 ! -name .lock) ]]; then
  Die "$CEPH_DIR is not empty and holds no finished cluster (an interrupted ceph-up.sh?);" \
    "run scripts/ceph-down.sh --purge $CEPH_DIR, then ceph-up.sh again"
else
  CephSavePorts
  Bootstrap
fi
# A cluster built before ports.env existed: record its (default) ports now.
[[ -f $CEPH_PORTS_FILE ]] || CephSavePorts

Log "waiting for the MDS, then mounting $CEPH_MNT with ceph-fuse"
CephWait mds "$(Left)" || Fail "no active MDS ${timeout_s}s after the start"
StartFuse
Log "waiting for HEALTH_OK, all PGs active+clean, MDS up:active, the mount (${timeout_s} s from the start)"
CephWait all "$(Left)" || Fail "cluster not ready ${timeout_s}s after the start"
CephVerify || Fail "the cluster in $CEPH_DIR is not the one ceph-up.sh builds"

fsid=$(sed -n 's/^fsid = //p' "$CEPH_CONF_PATH")
: >"$CEPH_PIDS_FILE.tmp"
for n in "mon.$CEPH_MON_ID" "mgr.$CEPH_MGR_ID" "${CEPH_OSD_IDS[@]/#/osd.}" "mds.$CEPH_MDS_ID" ceph-fuse; do
  echo "$n $(CephPidOf "$n")" >>"$CEPH_PIDS_FILE.tmp"
done
mv "$CEPH_PIDS_FILE.tmp" "$CEPH_PIDS_FILE"
cat >"$CEPH_ENV_FILE" <<EOF
CEPH_CONF=$CEPH_CONF_PATH
CEPH_KEYRING=$CEPH_ADMIN_KEYRING
CEPH_FSID=$fsid
CEPH_MON_HOST=$CEPH_MON_ADDRS
CEPH_PORT_BASE=$CEPH_PORT_BASE
CEPH_BIND_PORTS=$CEPH_BIND_PORT_MIN-$CEPH_BIND_PORT_MAX
CEPHFS_MOUNT=$CEPH_MNT
CEPHFS_NAME=$CEPH_FS_NAME
CEPH_POOL_REP1=rep1
CEPH_POOL_REP3=rep3
CEPH_RBD_IMAGE=img
CEPH_PID_DIR=$CEPH_RUN_DIR
CEPH_PIDS_FILE=$CEPH_PIDS_FILE
CEPH_LOG_DIR=$CEPH_LOG_DIR
EOF
Log "ready"
echo "# $CEPH_ENV_FILE"
cat "$CEPH_ENV_FILE"
echo "# processes (name pid), also in $CEPH_PIDS_FILE"
cat "$CEPH_PIDS_FILE"
