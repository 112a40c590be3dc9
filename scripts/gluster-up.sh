#!/usr/bin/env bash
# Brings up (or verifies) a real single-host GlusterFS test cluster under one state directory:
# glusterd bound to 127.0.0.1:24007, volume `dbrep1` (1 brick) and `dbrep3` (replica 3, three
# bricks on this host), both FUSE-mounted. Gluster's volume defaults are kept, not tuned: the
# durability-relevant ones are recorded in DIR/volume-options-VOL.txt.
#
# Usage: scripts/gluster-up.sh [--port-base N] DIR   (root; packages glusterfs-server glusterfs-client)
#
# --port-base N (or GLUSTER_PORT_BASE=N): a second cluster beside one on the defaults. Brick
# ports come from N..N+99 (glusterd's base-port/max-port) instead of 49152-60999, and glusterd
# listens on its own loopback address 127.HI.LO.1 (HI.LO = N's two bytes), still on port 24007:
# Gluster 10 cannot move that port for a cluster, because glusterd starts its bricks with
# `-s BRICK_HOST` and no --volfile-server-port, and clients ask BRICK_HOST:24007 for the brick
# ports (client volfiles carry remote-host only), so bricks and clients would reach the other
# cluster's glusterd. The choice is stored in DIR/ports.env: a re-run without --port-base uses
# it, one with a different N is refused (brick hosts are part of the volume definitions).
#
# Idempotent: on a running cluster it only verifies and prints the same info; on a stopped one
# (after gluster-down.sh, or a reboot) it restarts glusterd, the bricks (`volume start VOL force`
# when glusterd did not bring them all back) and the mounts. Writes DIR/cluster.env (KEY=VALUE,
# also printed on stdout). Exit status 0 only when both mounts answer a write + fsync.
#
# Layout: DIR/glusterd.vol, DIR/glusterd.pid, DIR/lib (glusterd's working directory: volume
# definitions), DIR/run (sockets, brick pid files), DIR/log (all logs), DIR/bricks/VOL/bN,
# DIR/mnt/rep1, DIR/mnt/rep3. Files Gluster puts outside DIR whatever it is told are listed in
# docs/test-clusters.md; gluster-down.sh removes the ones this cluster created.
set -euo pipefail

usage() { echo "usage: $0 [--port-base N] DIR" >&2; exit 2; }
port_base=${GLUSTER_PORT_BASE:-}
while (($#)); do
  case $1 in
    --port-base) (($# >= 2)) || usage; port_base=$2; shift 2 ;;
    -*) usage ;;
    *) break ;;
  esac
done
(($# == 1)) || usage
if [[ -n $port_base ]] && ! [[ $port_base =~ ^[0-9]+$ ]] ||
  [[ -n $port_base ]] && ((port_base < 1024 || port_base > 65400)); then
  echo "gluster-up.sh: --port-base must be a number from 1024 to 65400, not '$port_base'" >&2
  exit 2
fi
[[ $(id -u) -eq 0 ]] || { echo "gluster-up.sh: must run as root" >&2; exit 1; }
for bin in glusterd gluster glusterfs; do
  command -v "$bin" >/dev/null || {
    echo "gluster-up.sh: $bin not found (apt-get install glusterfs-server glusterfs-client)" >&2
    exit 1
  }
done

mkdir -p "$1"
DIR=$(cd "$1" && pwd -P)
readonly DIR
# Ports (see --port-base above), fixed for DIR's lifetime by DIR/ports.env.
readonly PORTS_FILE=$DIR/ports.env
if [[ -f $PORTS_FILE ]]; then
  stored_base=$(sed -n 's/^GLUSTER_PORT_BASE=//p' "$PORTS_FILE")
  if [[ -n ${port_base} && $port_base != "$stored_base" ]]; then
    echo "gluster-up.sh: $DIR was built with port base '${stored_base:-default}', not $port_base;" \
      "use that, or run gluster-down.sh --purge $DIR first" >&2
    exit 2
  fi
  port_base=$stored_base
elif [[ -d $DIR/lib/vols ]]; then
  port_base=""  # built before ports.env existed: the defaults
fi
if [[ -z $port_base ]]; then
  HOST=127.0.0.1 BRICK_HOST=127.1 BRICK_PORT_MIN=49152 BRICK_PORT_MAX=60999
else
  # glusterd refuses 127.0.0.1 and localhost as brick hosts (string check); 127.HI.LO.1 is
  # accepted, is local on lo (127/8), and is never the default cluster's 127.0.0.1.
  HOST=127.$((port_base >> 8)).$((port_base & 255)).1 BRICK_HOST=$HOST
  BRICK_PORT_MIN=$port_base BRICK_PORT_MAX=$((port_base + 99))
fi
readonly HOST BRICK_HOST BRICK_PORT_MIN BRICK_PORT_MAX PORT=24007
printf 'GLUSTER_PORT_BASE=%s\nGLUSTER_HOST=%s\nGLUSTER_PORT=%s\nGLUSTER_BRICK_HOST=%s\nGLUSTER_BRICK_PORT_MIN=%s\nGLUSTER_BRICK_PORT_MAX=%s\n' \
  "$port_base" "$HOST" "$PORT" "$BRICK_HOST" "$BRICK_PORT_MIN" "$BRICK_PORT_MAX" >"$PORTS_FILE"
readonly VOL_REP1=dbrep1 VOL_REP3=dbrep3
readonly MNT_REP1=$DIR/mnt/rep1 MNT_REP3=$DIR/mnt/rep3
readonly SOCK=$DIR/run/glusterd.socket
readonly GLUSTERD_VOL=$DIR/glusterd.vol GLUSTERD_PID=$DIR/glusterd.pid
readonly LOG=$DIR/log
readonly TIMEOUT_S=${GLUSTER_UP_TIMEOUT_S:-60}
readonly OUTSIDE=$DIR/outside-files.txt
# sun_path is 108 bytes; glusterd also puts brick sockets next to it.
((${#SOCK} < 100)) || { echo "gluster-up.sh: DIR too long for a unix socket: $SOCK" >&2; exit 1; }

start_ns=$(date +%s%N)
log() { printf 'gluster-up.sh: [%6d ms] %s\n' $((($(date +%s%N) - start_ns) / 1000000)) "$*" >&2; }
die() {
  log "ERROR: $1"
  shift
  for f in "$@"; do
    [[ -f $f ]] && { echo "--- tail $f" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

# The gluster CLI, always against this cluster's glusterd socket, never the system one.
gcli() { gluster --mode=script --glusterd-sock="$SOCK" --log-file="$LOG/cli.log" "$@"; }

# pid_alive PID: true when PID is a live (not zombie) process.
pid_alive() {
  [[ $1 =~ ^[0-9]+$ ]] && [[ -r /proc/$1/stat ]] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# in_mounts MNT: MNT appears in /proc/mounts (also when its client died: "not connected").
in_mounts() { awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts; }

# A mount whose client died (SIGKILL, crash) answers ENOTCONN, even to mkdir -p: unmount first.
for mnt in "$MNT_REP1" "$MNT_REP3"; do
  if in_mounts "$mnt" && ! timeout 10 stat "$mnt" >/dev/null 2>&1; then
    log "$mnt: stale mount (its client is gone), unmounting"
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
  fi
done

# ---- glusterd -------------------------------------------------------------------------------
mkdir -p "$DIR/lib" "$DIR/run" "$LOG" "$DIR/bricks" "$MNT_REP1" "$MNT_REP3"
cat >"$GLUSTERD_VOL.tmp" <<EOF
# Written by scripts/gluster-up.sh. Everything glusterd keeps lives under $DIR.
volume management
    type mgmt/glusterd
    option working-directory $DIR/lib
    option run-directory $DIR/run
    option logging-directory $LOG
    option glusterd-sockfile $SOCK
    option transport-type socket
    option transport.socket.bind-address $HOST
    option transport.socket.listen-port $PORT
    option transport.socket.keepalive-time 10
    option transport.socket.keepalive-interval 2
    option transport.socket.read-fail-log off
    option ping-timeout 0
    option event-threads 1
    option base-port $BRICK_PORT_MIN
    option max-port $BRICK_PORT_MAX
end-volume
EOF
mv "$GLUSTERD_VOL.tmp" "$GLUSTERD_VOL"

glusterd_pid=""
glusterd_started=0
[[ -f $GLUSTERD_PID ]] && glusterd_pid=$(<"$GLUSTERD_PID")
if pid_alive "$glusterd_pid" && tr '\0' ' ' <"/proc/$glusterd_pid/cmdline" | grep -qF "$GLUSTERD_VOL"; then
  log "glusterd already running (pid $glusterd_pid)"
else
  # HOST:24007 taken by someone else (a system glusterd on 0.0.0.0, another cluster on the
  # same port base) is a clear error. Another cluster on another address is fine.
  if ss -Hltn "sport = :$PORT" 2>/dev/null | awk -v h="$HOST" '
      { split($4, a, ":"); if (a[1] == h || a[1] == "0.0.0.0" || a[1] == "*" || $4 ~ /^\[::\]:/) busy = 1 }
      END { exit !busy }'; then
    die "$HOST:$PORT is already in use by another process (another cluster with the same" \
      "--port-base, or a system glusterd): stop it, or use another --port-base"
  fi
  log "starting glusterd"
  glusterd_started=1
  rm -f "$GLUSTERD_PID" "$SOCK"
  # glusterd creates these outside DIR whatever its volfile says; note the ones that did not
  # exist yet, so that gluster-down.sh removes only what this cluster created.
  for d in /var/lib/glusterd/geo-replication /var/lib/glusterd/ss_brick /var/run/gluster/snaps; do
    [[ -e $d ]] || echo "dir $d" >>"$OUTSIDE"
  done
  # Daemonizes; </dev/null and closed fds so it holds nothing of ours.
  glusterd -f "$GLUSTERD_VOL" -p "$GLUSTERD_PID" -l "$LOG/glusterd.log" --log-level INFO \
    </dev/null >/dev/null 2>&1 || die "glusterd failed to start" "$LOG/glusterd.log"
fi

deadline=$((SECONDS + TIMEOUT_S))
until gcli volume list >/dev/null 2>&1; do
  ((SECONDS < deadline)) || die "glusterd did not answer on $SOCK within ${TIMEOUT_S}s" \
    "$LOG/glusterd.log" "$LOG/cli.log"
  sleep 0.2
done
glusterd_pid=$(<"$GLUSTERD_PID")

# ---- volumes --------------------------------------------------------------------------------
# brick_paths VOL N: the N brick paths of VOL, as HOST:PATH words.
brick_args() {
  local vol=$1 n=$2 i
  for ((i = 0; i < n; i++)); do echo "$BRICK_HOST:$DIR/bricks/$vol/b$i"; done
}

# status_xml VOL: `volume status VOL --xml` (empty when the volume is stopped).
status_xml() { gcli volume status "$1" --xml 2>/dev/null || true; }

# brick_pids VOL: the PIDs of VOL's online bricks, one a line, from `volume status --xml`.
# A <node> block holds hostname, path, ..., status, ..., pid; the self-heal daemon's node has
# hostname "Self-heal Daemon" and is skipped here.
node_field_pids() {
  local want=$1
  awk -v want="$want" '
    /<node>/ { host = ""; st = ""; pid = "" }
    /<hostname>/ { gsub(/.*<hostname>|<\/hostname>.*/, ""); host = $0 }
    /<status>/ { gsub(/.*<status>|<\/status>.*/, ""); st = $0 }
    /<pid>/ { gsub(/.*<pid>|<\/pid>.*/, ""); pid = $0 }
    /<\/node>/ {
      isbrick = (host != "Self-heal Daemon" && host != "NFS Server")
      if (st == "1" && pid != "" && pid != "-1" && ((want == "brick") == isbrick) &&
          (want == "brick" || host == "Self-heal Daemon")) print pid
    }'
}
# STATUS[VOL]: the last `volume status VOL --xml`; refresh_status re-reads it. Each CLI call
# costs ~0.3 s here, so the script asks as few times as it can.
declare -A STATUS=()
refresh_status() { STATUS[$1]=$(status_xml "$1"); }
brick_pids() { node_field_pids brick <<<"${STATUS[$1]:-}"; }
shd_pids() { node_field_pids shd <<<"${STATUS[$1]:-}"; }

ensure_volume() {
  local vol=$1 nbricks=$2
  shift 2
  local info
  if ! info=$(gcli volume info "$vol" 2>/dev/null); then
    log "creating volume $vol ($nbricks brick(s))"
    local i
    for ((i = 0; i < nbricks; i++)); do mkdir -p "$DIR/bricks/$vol/b$i"; done
    # force: bricks on the root filesystem, and (replica 3) several bricks on one host.
    # shellcheck disable=SC2046
    gcli volume create "$vol" "$@" $(brick_args "$vol" "$nbricks") force >/dev/null ||
      die "volume create $vol failed" "$LOG/cli.log" "$LOG/glusterd.log"
    info="Status: Created"
  fi
  if [[ $(awk -F': ' '/^Status:/ {print $2}' <<<"$info") != Started ]]; then
    log "starting volume $vol"
    gcli volume start "$vol" >/dev/null || die "volume start $vol failed" "$LOG/cli.log" \
      "$LOG/glusterd.log"
    return 0
  fi
  # Started: a glusterd that just started restarts the bricks of started volumes itself; give
  # it a moment. A brick that died under a running glusterd stays dead. Then `volume start VOL
  # force`, which starts only the missing bricks (and the self-heal daemon).
  local wait_until=$((SECONDS + 5 * glusterd_started))
  refresh_status "$vol"
  while (($(brick_pids "$vol" | wc -l) < nbricks && SECONDS < wait_until)); do
    sleep 0.5
    refresh_status "$vol"
  done
  if (($(brick_pids "$vol" | wc -l) < nbricks)); then
    # A brick killed a moment ago may still be a zombie (not yet reaped by whichever process
    # adopted it); glusterd takes a pid file whose pid exists for a running brick and would not
    # start it. Such a pid file is removed first.
    local pidfile pid state
    for pidfile in "$DIR"/run/vols/"$vol"/*.pid; do
      [[ -f $pidfile ]] || continue
      pid=$(<"$pidfile")
      state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
      if [[ -z $state || $state == Z ]]; then
        rm -f "$pidfile"
      fi
    done
    log "volume $vol: $(brick_pids "$vol" | wc -l)/$nbricks bricks online, volume start force"
    gcli volume start "$vol" force >/dev/null || die "volume start $vol force failed" \
      "$LOG/cli.log" "$LOG/glusterd.log"
  fi
}
ensure_volume "$VOL_REP1" 1
ensure_volume "$VOL_REP3" 3 replica 3

# wait_online VOL NBRICKS SHD: until NBRICKS bricks (and, SHD=1, the self-heal daemon) are
# online in `volume status`.
wait_online() {
  local vol=$1 nbricks=$2 shd=$3
  refresh_status "$vol"
  until (($(brick_pids "$vol" | wc -l) == nbricks && $(shd_pids "$vol" | wc -l) >= shd)); do
    ((SECONDS < deadline)) || die "volume $vol: bricks not all online within ${TIMEOUT_S}s" \
      "$LOG/glusterd.log" "$LOG"/bricks/*"$vol"*.log "$LOG/glustershd.log"
    sleep 0.3
    refresh_status "$vol"
  done
}
wait_online "$VOL_REP1" 1 0
wait_online "$VOL_REP3" 3 1

# Brick and self-heal daemon sockets go to /var/run/gluster/HASH.socket (their -S argument).
for pid in $(brick_pids "$VOL_REP1") $(brick_pids "$VOL_REP3") $(shd_pids "$VOL_REP3"); do
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | awk 'prev == "-S" { print "socket " $0 } { prev = $0 }'
done >>"$OUTSIDE"
sort -u -o "$OUTSIDE" "$OUTSIDE"

# ---- mounts ---------------------------------------------------------------------------------

ensure_mount() {
  local vol=$1 mnt=$2 name=$3
  local pidf=$DIR/run/client-$name.pid logf=$LOG/client-$name.log
  if in_mounts "$mnt"; then
    local cpid=""
    [[ -f $pidf ]] && cpid=$(<"$pidf")
    if pid_alive "$cpid" && timeout 10 stat "$mnt" >/dev/null 2>&1; then
      return 0
    fi
    log "$mnt is mounted but its client is gone; unmounting"
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
  fi
  log "mounting $vol at $mnt"
  rm -f "$pidf"
  glusterfs --volfile-server="$HOST" --volfile-server-port="$PORT" --volfile-id="$vol" \
    --pid-file="$pidf" --log-file="$logf" "$mnt" </dev/null >/dev/null 2>&1 ||
    die "glusterfs mount of $vol at $mnt failed" "$logf"
}
ensure_mount "$VOL_REP1" "$MNT_REP1" rep1
ensure_mount "$VOL_REP3" "$MNT_REP3" rep3

# A mount answers when stat and a small write + fsync succeed. For dbrep3 also wait until the
# client is connected to all three bricks (.meta shows each protocol/client's private state),
# so a benchmark never starts on a degraded replica set.
probe_mount() {
  local mnt=$1 f=$1/.gluster-up-probe
  timeout 10 stat "$mnt" >/dev/null 2>&1 || return 1
  timeout 10 dd if=/dev/zero of="$f" bs=4k count=1 conv=fsync status=none 2>/dev/null || return 1
  rm -f "$f"
}
clients_connected() {
  local mnt=$1 vol=$2 n=$3 i c
  for ((i = 0; i < n; i++)); do
    c=$(timeout 5 grep -s '^connected' "$mnt/.meta/graphs/active/$vol-client-$i/private" ||
      true)
    [[ $c =~ =\ *1 ]] || return 1
  done
}
for spec in "$VOL_REP1 $MNT_REP1 1 rep1" "$VOL_REP3 $MNT_REP3 3 rep3"; do
  read -r vol mnt n name <<<"$spec"
  until probe_mount "$mnt" && clients_connected "$mnt" "$vol" "$n"; do
    ((SECONDS < deadline)) || die "$mnt ($vol) did not answer a write + fsync within ${TIMEOUT_S}s" \
      "$LOG/client-$name.log" "$LOG/glusterd.log"
    sleep 0.3
  done
done

# ---- record ---------------------------------------------------------------------------------
# The durability-relevant defaults (write-behind, flush-behind, strict-o-direct, ...): recorded,
# never changed, so a result can say what it ran against. Besides performance.* and *sync*:
readonly DURABILITY_OPTS="cluster.ensure-durability cluster.eager-lock cluster.full-lock
  cluster.post-op-delay-secs cluster.quorum-type cluster.quorum-count network.remote-dio
  network.ping-timeout features.shard"
for vol in "$VOL_REP1" "$VOL_REP3"; do
  {
    echo "# gluster volume get $vol all: performance.*, *sync*, replication and durability options ($(date -u +%FT%TZ))"
    gcli volume get "$vol" all | awk -v extra="${DURABILITY_OPTS//[$'\n']/ }" \
      'NR <= 2 || $1 ~ /^performance\./ || $1 ~ /sync/ || index(" " extra " ", " " $1 " ")'
  } >"$DIR/volume-options-$vol.txt"
done

join_pids() { paste -sd, -; }
env_tmp=$DIR/cluster.env.tmp
{
  echo "GLUSTER_HOST=$HOST"
  echo "GLUSTER_PORT=$PORT"
  echo "GLUSTER_PORT_BASE=$port_base"
  echo "GLUSTER_BRICK_PORTS=$BRICK_PORT_MIN-$BRICK_PORT_MAX"
  echo "GLUSTER_VOL_REP1=$VOL_REP1"
  echo "GLUSTER_VOL_REP3=$VOL_REP3"
  echo "GLUSTER_MNT_REP1=$MNT_REP1"
  echo "GLUSTER_MNT_REP3=$MNT_REP3"
  echo "GLUSTERD_SOCK=$SOCK"
  echo "GLUSTERD_PID=$glusterd_pid"
  echo "GLUSTER_BRICK_PIDS_REP1=$(brick_pids "$VOL_REP1" | join_pids)"
  echo "GLUSTER_BRICK_PIDS_REP3=$(brick_pids "$VOL_REP3" | join_pids)"
  echo "GLUSTER_SHD_PID=$(shd_pids "$VOL_REP3" | sort -u | join_pids)"
  echo "GLUSTER_CLIENT_PID_REP1=$(<"$DIR/run/client-rep1.pid")"
  echo "GLUSTER_CLIENT_PID_REP3=$(<"$DIR/run/client-rep3.pid")"
  echo "GLUSTER_LOG_DIR=$LOG"
} >"$env_tmp"
mv "$env_tmp" "$DIR/cluster.env"
cat "$DIR/cluster.env"
log "cluster up; volume options in $DIR/volume-options-{$VOL_REP1,$VOL_REP3}.txt"
