# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this
# Shared by scripts/lab-up.sh, scripts/lab-down.sh and scripts/lab.sh (sourced, not run).
#
# A lab lives under one state directory DIR (docs/lab.md):
#   DIR/lab.conf              the choices made at the first lab-up.sh (name, nodes, subnet,
#                             backends, timeouts); every later call reads them from here
#   DIR/lab.env               KEY=VALUE facts for scripts and tests (written when healthy)
#   DIR/run/holder-nN.pid     the process that keeps node N's UTS and mount namespaces
#   DIR/ceph/                 one Ceph cluster (scripts/lib/ceph-conf.sh layout), daemons of
#                             node N started inside node N's namespaces
#   DIR/gluster/nN/           node N's glusterd: lib (working dir), run, log, brick, and the
#                             directories bound over /var/lib/glusterd and /run/gluster in
#                             node N's mount namespace
#   DIR/mnt/{cephfs,gluster}  the client mounts, in the root namespace
#
# Network: namespace NAME-nN holds a veth end (eth0) with address SUBNET.(10+N)/24; its peer
# NAME-vN is a port of bridge NAME-br, which has SUBNET.1/24 in the root namespace. No node has
# a default route, so its traffic can only reach the bridge.

# LabInit DIR: sets the path variables for an absolute state directory.
LabInit() {
  LAB_DIR=$1
  LAB_CONF=$LAB_DIR/lab.conf
  LAB_ENV=$LAB_DIR/lab.env
  LAB_RUN=$LAB_DIR/run
  LAB_LOG=$LAB_DIR/log
  LAB_CEPHFS_MNT=$LAB_DIR/mnt/cephfs
  LAB_GLUSTER_MNT=$LAB_DIR/mnt/gluster
  LAB_GLUSTER_VOL=rep3
}

# LabLoadConf: reads DIR/lab.conf and sets the derived names. Returns 1 when there is none.
LabLoadConf() {
  [[ -f $LAB_CONF ]] || return 1
  local k v
  while IFS='=' read -r k v; do
    case $k in
      LAB_NAME | LAB_NODES | LAB_SUBNET | LAB_CEPH | LAB_GLUSTER | LAB_PING_TIMEOUT_S | \
        LAB_HB_GRACE_S) printf -v "$k" '%s' "$v" ;;
    esac
  done <"$LAB_CONF"
  LabDerive
}

# LabDerive: names that follow from LAB_NAME, LAB_SUBNET.
LabDerive() {
  LAB_BRIDGE=$LAB_NAME-br
  LAB_BRIDGE_ADDR=$LAB_SUBNET.1
}
LabNs() { echo "$LAB_NAME-n$1"; }
LabVeth() { echo "$LAB_NAME-v$1"; }
LabAddr() { echo "$LAB_SUBNET.$((10 + $1))"; }
LabHolderPidFile() { echo "$LAB_RUN/holder-n$1.pid"; }

# LabPidAlive PID: PID runs and is not a zombie.
LabPidAlive() {
  local state
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/stat ]] || return 1
  state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ $state != Z && $state != X ]]
}

# LabHolderPid N: prints node N's holder PID when it is alive and is in node N's network
# namespace (so a recycled PID is never taken for it); returns 1 otherwise.
LabHolderPid() {
  local f pid
  f=$(LabHolderPidFile "$1")
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  LabPidAlive "$pid" || return 1
  [[ $(readlink "/proc/$pid/ns/net") == "$(LabNetnsId "$1")" ]] || return 1
  echo "$pid"
}

# LabNetnsId N: the "net:[INODE]" of namespace NAME-nN (as /proc/PID/ns/net reads), or nothing.
LabNetnsId() {
  local f
  f=/run/netns/$(LabNs "$1")
  [[ -e $f ]] || return 0
  echo "net:[$(stat -L -c %i "$f")]"
}

# LabExec N CMD...: runs CMD in node N's network, UTS and mount namespaces.
LabExec() {
  local n=$1 pid
  shift
  pid=$(LabHolderPid "$n") || { echo "node $n has no namespace holder (lab down?)" >&2; return 1; }
  nsenter -t "$pid" -n -u -m -- "$@"
}

# LabNodePids N: the PIDs of every process in node N's network namespace except its holder
# (the kernel's list: daemons, bricks, and what they forked), one a line.
LabNodePids() {
  local holder ns
  ns=$(LabNs "$1")
  [[ -e /run/netns/$ns ]] || return 0
  holder=$(LabHolderPid "$1" || true)
  ip netns pids "$ns" 2>/dev/null | while read -r p; do
    if [[ $p != "$holder" ]] && LabPidAlive "$p"; then echo "$p"; fi
  done
  return 0
}

# LabKillNode N SIGNAL: sends SIGNAL to every process of node N (not its holder) and waits up
# to 10 s for them to end. Prints what it signalled.
LabKillNode() {
  local n=$1 sig=$2 pids i
  mapfile -t pids < <(LabNodePids "$n")
  ((${#pids[@]})) || { echo "node $n: no daemon running"; return 0; }
  echo "node $n: SIG$sig to $(for p in "${pids[@]}"; do printf '%s(%s) ' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)"; done)"
  kill "-$sig" "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [[ -z $(LabNodePids "$n") ]] && return 0
    sleep 0.1
  done
  return 1
}

# LabLink N up|down: node N's link (the bridge-side veth end; the node's eth0 follows it).
LabLink() {
  ip link set "$(LabVeth "$1")" "$2"
}

# LabGcli N ARGS...: the gluster CLI against node N's glusterd (its unix socket), run in node
# N's namespaces: in the root mount namespace every gluster CLI call creates
# /var/lib/glusterd/geo-replication/gsyncd_template.conf.
LabGcli() {
  local n=$1
  shift
  timeout 60 nsenter -t "$(LabHolderPid "$n")" -n -u -m -- gluster --mode=script --glusterd-sock="$LAB_DIR/gluster/n$n/run/glusterd.socket" \
    --log-file="$LAB_DIR/gluster/n$n/log/cli.log" "$@"
}

# LabCloseFds CMD...: execs CMD with every fd above 2 closed and stdin from /dev/null (a daemon
# must not keep a caller's lock or pipe).
LabCloseFds() {
  local fd
  for fd in "/proc/$BASHPID/fd"/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-"
  done
  exec "$@" </dev/null
}
