#!/usr/bin/env bash
# Brings up a multi-node Ceph and/or GlusterFS lab on this one machine (docs/lab.md): each
# node is a network namespace NAME-nN (own address on bridge NAME-br, own hostname NAME-nN, own
# mount namespace with its own /var/lib/glusterd and /run/gluster), kept by a holder process.
# Ceph: a mon and a BlueStore OSD (8 GiB sparse file) per node, CRUSH failure domain host, mgr
# and MDS on node 1, pools rep1 (size 1) and rep3 (size 3, min_size 2), RBD image img in each,
# CephFS mounted with ceph-fuse at DIR/mnt/cephfs. Gluster: a glusterd per node, a replica
# volume (one brick per node) FUSE-mounted at DIR/mnt/gluster against node 1. Clients run in
# the root namespace, which reaches the nodes through the bridge's address SUBNET.1.
#
# Usage: scripts/lab-up.sh DIR [--nodes 3] [--ceph] [--gluster] [--name NAME] [--subnet A.B.C]
#                          [--gluster-ping-timeout S] [--osd-heartbeat-grace S] [--timeout S]
#   no --ceph/--gluster: both.  --nodes: 3..9.  --name: at most 10 characters [a-z0-9]
#   (default dblab).  --subnet: the /24 A.B.C.0 (default 10.213.0 for dblab, another
#   10.213.X derived from NAME otherwise); node N is A.B.C.(10+N), the bridge A.B.C.1.
#   --gluster-ping-timeout (network.ping-timeout, Gluster's default 42 s) and
#   --osd-heartbeat-grace (osd_heartbeat_grace, Ceph's default 20 s).  --timeout: seconds to
#   wait for health (default 240).
#
# The choices are fixed at the first run (DIR/lab.conf); a later run on the same DIR (options
# may be left out) starts whatever of the lab is not running and waits for health again.
# Writes DIR/lab.env (KEY=VALUE) and prints it. Exit 0 only when healthy (Ceph: HEALTH_OK, all
# PGs active+clean, MDS up:active, the ceph-fuse mount; Gluster: every brick online, the mount
# answers a write + fsync with the client connected to every brick). Needs root.
# Stop it with scripts/lab-down.sh DIR; break it with scripts/lab.sh DIR ACTION N.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/ceph-conf.sh
. "$here/lib/ceph-conf.sh"
# shellcheck source=lib/lab-common.sh
. "$here/lib/lab-common.sh"
# shellcheck source=lib/lab-daemons.sh
. "$here/lib/lab-daemons.sh"

Die() { echo "lab-up.sh: $*" >&2; exit 1; }
Usage() { echo "usage: lab-up.sh DIR [--nodes N] [--ceph] [--gluster] [--name NAME] [--subnet A.B.C] [--gluster-ping-timeout S] [--osd-heartbeat-grace S] [--timeout S]" >&2; exit 2; }
t0=$EPOCHREALTIME
Log() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%5.1fs] %s\n", b - a, m }'; }

dir="" o_nodes="" o_name="" o_subnet="" o_ping="" o_grace="" want_ceph=0 want_gluster=0
timeout_s=240
while (($#)); do
  case $1 in
    --nodes | --name | --subnet | --gluster-ping-timeout | --osd-heartbeat-grace | --timeout)
      (($# >= 2)) || Usage
      case $1 in
        --nodes) o_nodes=$2 ;;
        --name) o_name=$2 ;;
        --subnet) o_subnet=$2 ;;
        --gluster-ping-timeout) o_ping=$2 ;;
        --osd-heartbeat-grace) o_grace=$2 ;;
        --timeout) timeout_s=$2 ;;
      esac
      shift 2 ;;
    --ceph) want_ceph=1; shift ;;
    --gluster) want_gluster=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) Usage ;;
    *) [[ -z $dir ]] || Usage; dir=$1; shift ;;
  esac
done
[[ -n $dir ]] || Usage
[[ -z $o_nodes || $o_nodes =~ ^[3-9]$ ]] || Die "--nodes must be 3..9, not '$o_nodes'"
[[ -z $o_name || $o_name =~ ^[a-z][a-z0-9]{0,9}$ ]] ||
  Die "--name must be 1-10 characters [a-z0-9] starting with a letter, not '$o_name'"
[[ -z $o_subnet || $o_subnet =~ ^(10|172|192)\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
  Die "--subnet must be a private A.B.C (10.x.y, 172.16-31.y or 192.168.y), not '$o_subnet'"
for v in "$o_ping" "$o_grace" "$timeout_s"; do
  [[ -z $v || $v =~ ^[1-9][0-9]*$ ]] || Die "timeouts are whole seconds, not '$v'"
done
[[ $(id -u) -eq 0 ]] || Die "needs root (namespaces, daemons, FUSE mounts)"
for c in ip nsenter unshare setsid flock; do
  command -v "$c" >/dev/null || Die "$c not found (scripts/setup.sh installs what the lab needs)"
done

LabInit "$(CephAbsDir "$dir")"
mkdir -p "$LAB_DIR" "$LAB_RUN" "$LAB_LOG"
exec 9>"$LAB_DIR/.lock"
flock -w 300 9 || Die "another lab-up/lab-down/lab.sh holds $LAB_DIR/.lock"

if LabLoadConf; then
  for pair in "nodes:$o_nodes:$LAB_NODES" "name:$o_name:$LAB_NAME" "subnet:$o_subnet:$LAB_SUBNET" \
    "gluster-ping-timeout:$o_ping:$LAB_PING_TIMEOUT_S" "osd-heartbeat-grace:$o_grace:$LAB_HB_GRACE_S"; do
    IFS=: read -r k given stored <<<"$pair"
    [[ -z $given || $given == "$stored" ]] ||
      Die "$LAB_DIR was built with --$k $stored, not $given (lab-down.sh --purge DIR to start over)"
  done
  if ((want_ceph || want_gluster)) && [[ $want_ceph$want_gluster != "$LAB_CEPH$LAB_GLUSTER" ]]; then
    Die "$LAB_DIR was built with ceph=$LAB_CEPH gluster=$LAB_GLUSTER; lab-down.sh --purge DIR to change"
  fi
else
  ((want_ceph || want_gluster)) || want_ceph=1 want_gluster=1
  LAB_NAME=${o_name:-dblab} LAB_NODES=${o_nodes:-3} LAB_CEPH=$want_ceph LAB_GLUSTER=$want_gluster
  LAB_PING_TIMEOUT_S=${o_ping:-42} LAB_HB_GRACE_S=${o_grace:-20}
  if [[ -n $o_subnet ]]; then
    LAB_SUBNET=$o_subnet
  elif [[ $LAB_NAME == dblab ]]; then
    LAB_SUBNET=10.213.0
  else
    LAB_SUBNET=10.213.$(($(cksum <<<"$LAB_NAME" | cut -d' ' -f1) % 250 + 1))
  fi
  LabDerive
  printf '%s\n' "LAB_NAME=$LAB_NAME" "LAB_NODES=$LAB_NODES" "LAB_SUBNET=$LAB_SUBNET" \
    "LAB_CEPH=$LAB_CEPH" "LAB_GLUSTER=$LAB_GLUSTER" "LAB_PING_TIMEOUT_S=$LAB_PING_TIMEOUT_S" \
    "LAB_HB_GRACE_S=$LAB_HB_GRACE_S" >"$LAB_CONF"
fi
if ((LAB_CEPH)); then
  for c in ceph ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph-authtool monmaptool uuidgen \
    "$CEPH_PY"; do
    command -v "$c" >/dev/null || Die "$c not found; scripts/setup.sh installs the Ceph packages"
  done
fi
if ((LAB_GLUSTER)); then
  for c in glusterd gluster glusterfs; do
    command -v "$c" >/dev/null || Die "$c not found; scripts/setup.sh installs the Gluster packages"
  done
  [[ -d /var/lib/glusterd && -d /run/gluster ]] ||
    Die "/var/lib/glusterd or /run/gluster missing (the glusterfs-server package makes them)"
fi

# What is in the shared Gluster directories before this lab ever ran: lab-down.sh says if the
# lab left anything there (it should not: every glusterd and gluster CLI call runs in a node's
# mount namespace, where these are DIR/gluster/nN/*).
[[ -f $LAB_DIR/outside-before.txt ]] ||
  find /var/lib/glusterd /run/gluster -maxdepth 2 2>/dev/null | sort >"$LAB_DIR/outside-before.txt"

# ---- network --------------------------------------------------------------------------------
# The subnet must be this lab's alone: no address of it on any other interface, no route to it
# but the bridge's.
if ip -4 -o addr show | awk -v b="$LAB_BRIDGE" -v s="$LAB_SUBNET." \
  '$2 != b && index($4, s) == 1 { f = 1 } END { exit !f }'; then
  Die "subnet $LAB_SUBNET.0/24 is already used by another interface (give --subnet)"
fi
if ip -4 route show | awk -v b="$LAB_BRIDGE" -v s="$LAB_SUBNET.0/24" \
  '$1 == s && $3 != b { f = 1 } END { exit !f }'; then
  Die "a route to $LAB_SUBNET.0/24 exists that is not via $LAB_BRIDGE (give --subnet)"
fi
Log "network: bridge $LAB_BRIDGE ($LAB_BRIDGE_ADDR/24), $LAB_NODES nodes"
if ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
  ip link add "$LAB_BRIDGE" type bridge
fi
ip addr replace "$LAB_BRIDGE_ADDR/24" dev "$LAB_BRIDGE"
ip link set "$LAB_BRIDGE" up
for ((n = 1; n <= LAB_NODES; n++)); do
  ns=$(LabNs "$n") veth=$(LabVeth "$n")
  [[ -e /run/netns/$ns ]] || ip netns add "$ns"
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip link add "$veth" type veth peer name "$LAB_NAME-e$n" netns "$ns"
    ip -n "$ns" link set "$LAB_NAME-e$n" name eth0
  fi
  ip link set "$veth" master "$LAB_BRIDGE" up
  ip -n "$ns" addr replace "$(LabAddr "$n")/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  LabStartHolder "$n" || Die "node $n: namespace holder did not start (see $LAB_LOG/holder-n$n.log)"
done
Log "nodes: $(for ((n = 1; n <= LAB_NODES; n++)); do printf '%s=%s(holder %s) ' "$(LabNs "$n")" "$(LabAddr "$n")" "$(LabHolderPid "$n")"; done)"

# Left: seconds left of the --timeout budget (at least 1).
Left() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v t="$timeout_s" \
  'BEGIN { l = t - (b - a); printf "%d", l < 1 ? 1 : l }'; }

# ---- Ceph -----------------------------------------------------------------------------------
CephBootstrap() {
  local fsid n id cmds pids=() rc=0 k=$CEPH_DIR/mon.keyring.init
  fsid=$(uuidgen)
  mkdir -p "$CEPH_RUN_DIR" "$CEPH_LOG_DIR" "$CEPH_DIR/crash" "$CEPH_MNT" "$CEPH_DIR/mon" \
    "$CEPH_DIR/mgr/ceph-$CEPH_MGR_ID" "$CEPH_DIR/mds/ceph-$CEPH_MDS_ID"
  CephWriteConf "$fsid"
  CephMakeKeyrings "$k"
  local addv=()
  for ((n = 1; n <= LAB_NODES; n++)); do addv+=(--addv "n$n" "$(LabCephMonAddr "$n")"); done
  monmaptool --create --fsid "$fsid" "${addv[@]}" "$CEPH_DIR/monmap" >/dev/null
  for ((n = 1; n <= LAB_NODES; n++)); do
    ceph-mon -c "$CEPH_CONF_PATH" --mkfs -i "n$n" --monmap "$CEPH_DIR/monmap" --keyring "$k" \
      >>"$CEPH_LOG_DIR/mon.n$n.out" 2>&1 || LabCephFail "ceph-mon --mkfs -i n$n failed"
  done
  rm -f "$k" "$CEPH_DIR/monmap"
  Log "ceph: starting the mons (one per node) and mgr.$CEPH_MGR_ID on node 1"
  for ((n = 1; n <= LAB_NODES; n++)); do LabStartCephDaemon "$n" "mon.n$n" & pids+=($!); done
  for id in "${pids[@]}"; do wait "$id" || rc=1; done
  ((rc == 0)) || LabCephFail "a mon did not start"
  LabStartCephDaemon 1 "mgr.$CEPH_MGR_ID"
  Log "ceph: creating ${#CEPH_OSD_IDS[@]} BlueStore OSDs (8 GiB sparse files), pools, CephFS"
  cmds=$(CephOsdNewCmds) || LabCephFail "cannot prepare the OSDs' directories under $CEPH_DIR/osd"
  CephMonCmds <<<"$cmds" >/dev/null || LabCephFail "ceph osd new failed"
  CephPoolCmds | CephMonCmds >"$CEPH_LOG_DIR/pools.out" 2>&1 &
  local pools_pid=$!
  pids=()
  for id in "${CEPH_OSD_IDS[@]}"; do
    ceph-osd -c "$CEPH_CONF_PATH" -i "$id" --mkfs \
      --osd-uuid "$(cat "$CEPH_DIR/osd/ceph-$id/osd-uuid.init")" \
      </dev/null >>"$CEPH_LOG_DIR/osd.$id.out" 2>&1 9>&- &
    pids+=($!)
  done
  rc=0
  for id in "${pids[@]}"; do wait "$id" || rc=1; done
  ((rc == 0)) || LabCephFail "ceph-osd --mkfs failed"
  rm -f "$CEPH_DIR"/osd/ceph-*/osd-uuid.init
  wait "$pools_pid" || LabCephFail "creating the pools failed: $(cat "$CEPH_LOG_DIR/pools.out")"
  Log "ceph: starting the OSDs (one per node) and mds.$CEPH_MDS_ID on node 1"
  for ((n = 1; n <= LAB_NODES; n++)); do LabStartCephNode "$n" || LabCephFail "node $n: Ceph daemons did not start"; done
  LabCephWait osds "$(Left)" || LabCephFail "OSDs/PGs not ready ${timeout_s}s after the start"
  CephRbdCreate rep1 rep3 || LabCephFail "creating the RBD images failed"
  date -u +%FT%TZ >"$CEPH_DONE_MARK"
}

if ((LAB_CEPH)); then
  LabCephInit
  if [[ -e $CEPH_DONE_MARK ]]; then
    Log "ceph: existing cluster; starting whatever of it is not running"
    # After lab-down.sh (without --purge) nothing runs: an OSD comes up only once a quorum of
    # mons answers, and one mon alone is none. So every node's mon first, then the rest.
    for ((n = 1; n <= LAB_NODES; n++)); do
      LabStartCephDaemon "$n" "mon.n$n" noquorum || LabCephFail "node $n: mon.n$n did not start"
    done
    for ((n = 1; n <= LAB_NODES; n++)); do LabStartCephNode "$n" || LabCephFail "node $n: Ceph daemons did not start"; done
  elif [[ -d $CEPH_DIR && -n $(ls -A "$CEPH_DIR") ]]; then
    Die "$CEPH_DIR holds a cluster whose build did not finish: lab-down.sh --purge $LAB_DIR, then again"
  else
    CephBootstrap
  fi
  Log "ceph: waiting for the MDS, then mounting $CEPH_MNT with ceph-fuse"
  LabCephWait mds "$(Left)" || LabCephFail "no active MDS ${timeout_s}s after the start"
  LabStartCephFuse || LabCephFail "ceph-fuse did not mount $CEPH_MNT"
  Log "ceph: waiting for HEALTH_OK, all PGs active+clean, MDS up:active, the mount"
  LabCephWait all "$(Left)" || LabCephFail "Ceph not healthy ${timeout_s}s after the start"
fi

# ---- Gluster --------------------------------------------------------------------------------
if ((LAB_GLUSTER)); then
  Log "gluster: starting a glusterd per node"
  for ((n = 1; n <= LAB_NODES; n++)); do LabStartGlusterd "$n" || LabGlusterFail "node $n: glusterd did not start"; done
  for ((n = 2; n <= LAB_NODES; n++)); do
    LabGcli 1 peer status | grep -qx "Hostname: $(LabAddr "$n")" ||
      LabGcli 1 peer probe "$(LabAddr "$n")" >/dev/null || LabGlusterFail "peer probe $(LabAddr "$n") failed"
  done
  deadline=$((SECONDS + 60))
  until (($(LabGcli 1 peer status 2>/dev/null | grep -c 'Peer in Cluster (Connected)') == LAB_NODES - 1)); do
    ((SECONDS < deadline)) || LabGlusterFail "peers not all connected after 60 s"
    sleep 0.5
  done
  Log "gluster: peers connected"
  if ! LabGcli 1 volume info "$LAB_GLUSTER_VOL" >/dev/null 2>&1; then
    bricks=()
    for ((n = 1; n <= LAB_NODES; n++)); do
      mkdir -p "$LAB_DIR/gluster/n$n/brick"
      bricks+=("$(LabAddr "$n"):$LAB_DIR/gluster/n$n/brick")
    done
    # force: the bricks are on the root file system.
    LabGcli 1 volume create "$LAB_GLUSTER_VOL" replica "$LAB_NODES" "${bricks[@]}" force >/dev/null ||
      LabGlusterFail "volume create failed"
    if ((LAB_PING_TIMEOUT_S != 42)); then
      LabGcli 1 volume set "$LAB_GLUSTER_VOL" network.ping-timeout "$LAB_PING_TIMEOUT_S" >/dev/null ||
        LabGlusterFail "volume set network.ping-timeout failed"
    fi
    LabGcli 1 volume start "$LAB_GLUSTER_VOL" >/dev/null || LabGlusterFail "volume start failed"
    Log "gluster: volume $LAB_GLUSTER_VOL (replica $LAB_NODES) created and started"
  fi
  LabGlusterBricksUp "$(Left)" || LabGlusterFail "bricks not all online"
  LabStartGlusterMount || LabGlusterFail "mounting $LAB_GLUSTER_MNT failed"
  LabGlusterMountWait "$(Left)" || LabGlusterFail "$LAB_GLUSTER_MNT did not answer a write + fsync"
  Log "gluster: $LAB_GLUSTER_MNT answers a write + fsync, connected to every brick"
fi

# ---- facts ----------------------------------------------------------------------------------
{
  echo "LAB_NAME=$LAB_NAME"
  echo "LAB_DIR=$LAB_DIR"
  echo "LAB_NODES=$LAB_NODES"
  echo "LAB_SUBNET=$LAB_SUBNET"
  echo "LAB_BRIDGE=$LAB_BRIDGE"
  echo "LAB_CLIENT_ADDR=$LAB_BRIDGE_ADDR"
  for ((n = 1; n <= LAB_NODES; n++)); do
    echo "LAB_NODE${n}_NS=$(LabNs "$n")"
    echo "LAB_NODE${n}_ADDR=$(LabAddr "$n")"
    echo "LAB_NODE${n}_VETH=$(LabVeth "$n")"
  done
  echo "LAB_GLUSTER_PING_TIMEOUT_S=$LAB_PING_TIMEOUT_S"
  echo "LAB_OSD_HEARTBEAT_GRACE_S=$LAB_HB_GRACE_S"
  if ((LAB_CEPH)); then
    echo "CEPH_CONF=$CEPH_CONF_PATH"
    echo "CEPH_KEYRING=$CEPH_ADMIN_KEYRING"
    echo "CEPH_POOL_REP1=rep1"
    echo "CEPH_POOL_REP3=rep3"
    echo "CEPH_RBD_IMAGE=img"
    echo "CEPHFS_MOUNT=$CEPH_MNT"
    echo "CEPHFS_NAME=$CEPH_FS_NAME"
    echo "CEPH_LOG_DIR=$CEPH_LOG_DIR"
  fi
  if ((LAB_GLUSTER)); then
    echo "GLUSTER_HOST=$(LabAddr 1)"
    echo "GLUSTER_VOL=$LAB_GLUSTER_VOL"
    echo "GLUSTER_MOUNT=$LAB_GLUSTER_MNT"
    echo "GLUSTERD_SOCK=$LAB_DIR/gluster/n1/run/glusterd.socket"
  fi
} >"$LAB_ENV.tmp"
mv "$LAB_ENV.tmp" "$LAB_ENV"
Log "lab $LAB_NAME ready"
echo "# $LAB_ENV"
cat "$LAB_ENV"
