# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this
# Starting a lab node's pieces: the namespace holder, the Ceph and Gluster daemons, the client
# mounts, and the waits for their health. Shared by scripts/lab-up.sh and scripts/lab.sh
# (node-start); needs lib/ceph-conf.sh and lib/lab-common.sh sourced first and lab.conf loaded.
# Every function prints what it started; the Lab*Fail ones print the logs' tails and exit 1.

# LabStartHolder N: starts node N's holder unless it runs: a `sleep infinity` in namespace
# NAME-nN, in its own UTS namespace (hostname NAME-nN) and mount namespace, where
# DIR/gluster/nN/{varlib,rungluster} are bound over /var/lib/glusterd and /run/gluster (each
# glusterd keeps its UUID, peers and brick sockets there whatever its volfile says; shared, the
# nodes' glusterds could not peer). setsid: no signal for the caller's group reaches it.
LabStartHolder() {
  local n=$1 pid i g=$LAB_DIR/gluster/n$1 binds=""
  LabHolderPid "$n" >/dev/null && return 0
  mkdir -p "$g/varlib" "$g/rungluster"
  [[ -d /var/lib/glusterd ]] && binds+="mount --bind $g/varlib /var/lib/glusterd && "
  [[ -d /run/gluster ]] && binds+="mount --bind $g/rungluster /run/gluster && "
  rm -f "$(LabHolderPidFile "$n")"
  (LabCloseFds setsid ip netns exec "$(LabNs "$n")" unshare --uts --mount --propagation private \
    sh -c "hostname $(LabNs "$n") && ${binds}exec sleep infinity") \
    >>"$LAB_LOG/holder-n$n.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 50; i++)); do
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sleep ]]; then
      echo "$pid" >"$(LabHolderPidFile "$n")"
      LabHolderPid "$n" >/dev/null && return 0
    fi
    LabPidAlive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

# ---- Ceph -----------------------------------------------------------------------------------

# LabCephMonAddr N: node N's mon address vector.
LabCephMonAddr() { echo "[v2:$(LabAddr "$1"):3300,v1:$(LabAddr "$1"):6789]"; }

# LabCephInit: the Ceph variables for this lab (one cluster under DIR/ceph, see ceph-conf.sh):
# mons n1..nN, osd.(N-1) on node N, mgr x and mds a on node 1, failure domain host.
LabCephInit() {
  local n addrs=() members=() extra=""
  CephInitPaths "$LAB_DIR/ceph"
  CephSetPorts ""
  CEPH_MON_ID=n1
  CEPH_OSD_IDS=()
  for ((n = 1; n <= LAB_NODES; n++)); do
    addrs+=("$(LabCephMonAddr "$n")")
    members+=("n$n")
    CEPH_OSD_IDS+=($((n - 1)))
    extra+=$'\n'"[osd.$((n - 1))]"$'\n'"crush_location = root=default host=$(LabNs "$n")"$'\n'
  done
  CEPH_MON_ADDRS=$(IFS=,; echo "${addrs[*]}")
  CEPH_MON_MEMBERS=$(IFS=,; echo "${members[*]}")
  CEPH_NETWORK=$LAB_SUBNET.0/24
  # Replicas on different hosts (nodes). Failure detection as Ceph ships it, so that the lab
  # measures what a real cluster does: reports counted per host, two hosts must report an OSD
  # (one lone node cannot take others down), pings every 6 s; the grace is
  # --osd-heartbeat-grace. One exception: the grace is not stretched for "laggy" history
  # (mon_osd_adjust_heartbeat_grace), so a fault repeated on one node meets the same grace.
  CEPH_CHOOSELEAF_TYPE=1
  CEPH_REPORTER_SUBTREE=host
  CEPH_MIN_DOWN_REPORTERS=2
  CEPH_HEARTBEAT_INTERVAL_S=6
  CEPH_HEARTBEAT_GRACE_S=$LAB_HB_GRACE_S
  CEPH_CONF_EXTRA=$extra
}

# LabCephNodeOf NAME: the node a Ceph daemon runs on.
LabCephNodeOf() {
  case $1 in
    mon.n*) echo "${1#mon.n}" ;;
    osd.*) echo $((${1#osd.} + 1)) ;;
    *) echo 1 ;;
  esac
}

# LabStartCephDaemon N NAME: starts Ceph daemon NAME (mon.nN, osd.K, mgr.x, mds.a) in node N's
# namespaces unless it runs; waits for its pid file, and for a mon until it is in the quorum.
# The daemon runs in the foreground (-f) of a background process of its own session, so that
# this function knows its PID before it writes its pid file. CEPH_KEYRING, CEPH_ARGS and
# CEPH_CONF are removed from its environment: a caller that exported DIR/lab.env (CEPH_KEYRING
# = the admin keyring) would otherwise make the daemon authenticate with the admin's key (the
# mons log "failed to decode CephXAuthenticate: End of buffer", the daemon "failed to fetch mon
# config"). Up to 6 tries: a try that has no pid file after 20 s is SIGKILLed (by its PID) and
# started again. A third argument `noquorum` skips the wait for a mon's quorum (a cold start,
# where no quorum can form until enough mons run).
LabStartCephDaemon() {
  local n=$1 name=$2 quorum=${3:-wait} i try pid
  CephNameAlive "$name" && return 0
  for ((try = 1; try <= 6; try++)); do
    ((try == 1)) || echo "  node $n: $name did not come up, try $try of 6"
    rm -f "$CEPH_RUN_DIR/$name.pid"
    (LabCloseFds setsid nsenter -t "$(LabHolderPid "$n")" -n -u -m -- \
      env -u CEPH_KEYRING -u CEPH_ARGS -u CEPH_CONF "ceph-${name%%.*}" -f \
      -c "$CEPH_CONF_PATH" -i "${name#*.}") >>"$CEPH_LOG_DIR/$name.out" 2>&1 &
    pid=$!
    for ((i = 0; i < 200; i++)); do
      CephNameAlive "$name" && break 2
      LabPidAlive "$pid" || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sleep 1
  done
  CephNameAlive "$name" || { echo "node $n: $name did not start (see $CEPH_LOG_DIR/$name.out)" >&2; return 1; }
  if [[ $name == mon.* && $quorum == wait ]]; then
    for ((i = 0; i < 120; i++)); do
      timeout 5 ceph --admin-daemon "$CEPH_RUN_DIR/ceph-$name.asok" mon_status 2>/dev/null |
        grep -Eq '"state": "(leader|peon)"' && break
      sleep 0.5
    done
  fi
  echo "  node $n: started $name (pid $(CephPidOf "$name"))"
}

# LabCephNodeDaemons N: the names of node N's Ceph daemons.
# shellcheck disable=SC2153  # CEPH_MGR_ID, CEPH_MDS_ID: lib/ceph-conf.sh
LabCephNodeDaemons() {
  echo "osd.$(($1 - 1)) mon.n$1"
  (($1 == 1)) && echo "mgr.$CEPH_MGR_ID mds.$CEPH_MDS_ID"
  return 0
}

# LabStartCephNode N: starts node N's Ceph daemons that are not running.
LabStartCephNode() {
  local name
  for name in $(LabCephNodeDaemons "$1"); do LabStartCephDaemon "$1" "$name" || return 1; done
}

# LabStartCephFuse: mounts CephFS at CEPH_MNT with ceph-fuse (root namespace) unless mounted.
LabStartCephFuse() {
  mountpoint -q "$CEPH_MNT" && CephNameAlive ceph-fuse && return 0
  umount -l "$CEPH_MNT" 2>/dev/null || true
  mkdir -p "$CEPH_MNT"
  rm -f "$CEPH_RUN_DIR/ceph-fuse.pid"
  (LabCloseFds ceph-fuse -c "$CEPH_CONF_PATH" --id admin --pid-file "$CEPH_RUN_DIR/ceph-fuse.pid" \
    "$CEPH_MNT") >>"$CEPH_LOG_DIR/ceph-fuse.out" 2>&1 || return 1
  echo "  client: ceph-fuse mounted $CEPH_MNT (pid $(CephPidOf ceph-fuse))"
}

# LabCephFail MSG: prints MSG, the cluster state and the logs' tails; exits 1.
LabCephFail() {
  echo "lab: ceph: $*" >&2
  {
    timeout 20 ceph -c "$CEPH_CONF_PATH" --connect-timeout 5 -s 2>&1 || true
    for f in "$CEPH_LOG_DIR"/*.out "$CEPH_LOG_DIR"/*.log; do
      [[ -s $f ]] || continue
      echo "--- tail $f"
      tail -n 8 "$f"
    done
  } >&2
  exit 1
}

# ---- Gluster --------------------------------------------------------------------------------

# LabGlusterFail MSG: prints MSG and the glusterd and client logs' tails; exits 1.
LabGlusterFail() {
  echo "lab: gluster: $*" >&2
  local f
  for f in "$LAB_DIR"/gluster/n*/log/glusterd.log "$LAB_LOG/gluster-client.log"; do
    [[ -s $f ]] || continue
    echo "--- tail $f" >&2
    tail -n 10 "$f" >&2
  done
  exit 1
}

# LabGlusterdPid N: node N's glusterd PID when it runs.
LabGlusterdPid() {
  local f=$LAB_DIR/gluster/n$1/glusterd.pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  LabPidAlive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == glusterd ]] || return 1
  echo "$pid"
}

# LabStartGlusterd N: writes node N's glusterd volfile and starts glusterd in node N's
# namespaces (bound to the node's address) unless it runs; waits until its CLI answers.
LabStartGlusterd() {
  local n=$1 g=$LAB_DIR/gluster/n$1 deadline
  LabGlusterdPid "$n" >/dev/null && return 0
  mkdir -p "$g/lib" "$g/run" "$g/log" "$g/brick"
  cat >"$g/glusterd.vol" <<EOF
# Written by scripts/lab-up.sh: node $n of lab $LAB_NAME.
volume management
    type mgmt/glusterd
    option working-directory $g/lib
    option run-directory $g/run
    option logging-directory $g/log
    option glusterd-sockfile $g/run/glusterd.socket
    option transport-type socket
    option transport.address-family inet
    option transport.socket.bind-address $(LabAddr "$n")
    option transport.socket.listen-port 24007
    option transport.socket.keepalive-time 10
    option transport.socket.keepalive-interval 2
    option transport.socket.read-fail-log off
    option ping-timeout 0
    option event-threads 1
end-volume
EOF
  rm -f "$g/glusterd.pid" "$g/run/glusterd.socket"
  (LabCloseFds nsenter -t "$(LabHolderPid "$n")" -n -u -m -- glusterd -f "$g/glusterd.vol" \
    -p "$g/glusterd.pid" -l "$g/log/glusterd.log" --log-level INFO) >/dev/null 2>&1 || return 1
  deadline=$((SECONDS + 30))
  until LabGcli "$n" volume list >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  echo "  node $n: started glusterd (pid $(LabGlusterdPid "$n"))"
}

# LabBrickPidFile N: node N's brick pid file (glusterd keeps it in its run directory).
LabBrickPids() {
  local f
  for f in "$LAB_DIR/gluster/n$1/run/vols/$LAB_GLUSTER_VOL"/*.pid; do
    [[ -s $f ]] && LabPidAlive "$(<"$f")" && cat "$f"
  done
  return 0
}

# LabGlusterOnline: the number of online bricks in `volume status VOL --xml` (asked of the
# first node whose glusterd runs).
LabGlusterOnline() {
  local n
  for ((n = 1; n <= LAB_NODES; n++)); do
    LabGlusterdPid "$n" >/dev/null || continue
    LabGcli "$n" volume status "$LAB_GLUSTER_VOL" --xml 2>/dev/null | awk '
      /<node>/ { host = ""; st = "" }
      /<hostname>/ { gsub(/.*<hostname>|<\/hostname>.*/, ""); host = $0 }
      /<status>/ { gsub(/.*<status>|<\/status>.*/, ""); st = $0 }
      /<\/node>/ { if (st == "1" && host ~ /^[0-9.]+$/) c++ }
      END { print c + 0 }'
    return 0
  done
  echo 0
}

# LabGlusterBricksUp TIMEOUT_S: waits until every node's brick is online; a brick that glusterd
# did not bring back within 10 s is started with `volume start VOL force` (after removing a
# pid file whose process is gone: glusterd would take it for a running brick).
LabGlusterBricksUp() {
  local deadline=$((SECONDS + $1)) forced=0 start=$SECONDS f n
  until (($(LabGlusterOnline) == LAB_NODES)); do
    ((SECONDS < deadline)) || return 1
    if ((!forced && SECONDS - start >= 10)); then
      for ((n = 1; n <= LAB_NODES; n++)); do
        for f in "$LAB_DIR/gluster/n$n/run/vols/$LAB_GLUSTER_VOL"/*.pid; do
          [[ -s $f ]] && ! LabPidAlive "$(<"$f")" && rm -f "$f"
        done
      done
      echo "  gluster: bricks not all online after 10 s: volume start $LAB_GLUSTER_VOL force"
      LabGcli 1 volume start "$LAB_GLUSTER_VOL" force >/dev/null || true
      forced=1
    fi
    sleep 0.5
  done
}

# LabStartGlusterMount: FUSE-mounts the volume at LAB_GLUSTER_MNT (root namespace, against
# node 1) unless it is mounted with a live client.
LabStartGlusterMount() {
  local pidf=$LAB_RUN/gluster-client.pid
  if awk -v m="$LAB_GLUSTER_MNT" '$2 == m { f = 1 } END { exit !f }' /proc/mounts; then
    [[ -s $pidf ]] && LabPidAlive "$(<"$pidf")" && return 0
    umount "$LAB_GLUSTER_MNT" 2>/dev/null || umount -l "$LAB_GLUSTER_MNT"
  fi
  mkdir -p "$LAB_GLUSTER_MNT"
  rm -f "$pidf"
  (LabCloseFds glusterfs --volfile-server="$(LabAddr 1)" --volfile-id="$LAB_GLUSTER_VOL" \
    --pid-file="$pidf" --log-file="$LAB_LOG/gluster-client.log" "$LAB_GLUSTER_MNT") \
    >/dev/null 2>&1 || return 1
  echo "  client: glusterfs mounted $LAB_GLUSTER_MNT (pid $(<"$pidf"))"
}

# LabGlusterMountWait TIMEOUT_S: until the mount answers a 4 KiB write + fsync and its client
# is connected to every brick (.meta shows each protocol/client's state).
LabGlusterMountWait() {
  local deadline=$((SECONDS + $1)) i ok c
  while ((SECONDS < deadline)); do
    ok=1
    timeout 10 dd if=/dev/zero of="$LAB_GLUSTER_MNT/.lab-probe" bs=4k count=1 conv=fsync \
      status=none 2>/dev/null || ok=0
    for ((i = 0; ok && i < LAB_NODES; i++)); do
      c=$(timeout 5 grep -s '^connected' \
        "$LAB_GLUSTER_MNT/.meta/graphs/active/$LAB_GLUSTER_VOL-client-$i/private" || true)
      [[ $c =~ =\ *1 ]] || ok=0
    done
    ((ok)) && { rm -f "$LAB_GLUSTER_MNT/.lab-probe"; return 0; }
    sleep 0.5
  done
  return 1
}

# LabCephWait WHAT TIMEOUT_S: CephWait (lib/ceph-conf.sh), started again when it dies before
# the deadline: librados in the python binding can abort (boost::bad_get) while a mon it talks
# to restarts, which here is what the lab does on purpose.
LabCephWait() {
  local what=$1 deadline=$((SECONDS + $2)) left
  while :; do
    left=$((deadline - SECONDS))
    ((left > 0)) || return 1
    CephWait "$what" "$left" && return 0
    ((SECONDS < deadline)) || return 1
    echo "  (waiting again: the wait for '$what' ended early)"
    sleep 1
  done
}
