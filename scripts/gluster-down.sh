#!/usr/bin/env bash
# Tears down the GlusterFS test cluster that scripts/gluster-up.sh DIR started: unmounts both
# FUSE mounts, stops their clients, the bricks (glusterfsd), the self-heal daemon and glusterd,
# all by PID (SIGTERM, then SIGKILL after GLUSTER_DOWN_TIMEOUT_S, default 10 s), then checks
# that nothing of this cluster is left. Only processes whose command line names DIR are ever
# signalled. The volumes stay defined ("Started") in DIR/lib, so the next gluster-up.sh only
# restarts processes.
#
# Usage: scripts/gluster-down.sh [--purge] DIR
#   --purge   also remove DIR (bricks, logs, volume definitions) once nothing is mounted there.
# No --port-base: processes are found by PID, and the address and ports gluster-up.sh chose are
# read from DIR/ports.env.
#
# Idempotent: on a stopped cluster it only verifies. Removes the files outside DIR that this
# cluster created (see docs/test-clusters.md), nothing else. Exit 1 if anything is left.
set -euo pipefail

purge=0
if [[ ${1:-} == --purge ]]; then
  purge=1
  shift
fi
(($# == 1)) || { echo "usage: $0 [--purge] DIR" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "gluster-down.sh: must run as root" >&2; exit 1; }
if [[ ! -d $1 ]]; then
  echo "gluster-down.sh: $1 does not exist; nothing to do" >&2
  exit 0
fi
DIR=$(cd "$1" && pwd -P)
readonly DIR
[[ $DIR != / ]] || { echo "gluster-down.sh: refusing DIR=/" >&2; exit 2; }
readonly TIMEOUT_S=${GLUSTER_DOWN_TIMEOUT_S:-10}
readonly OUTSIDE=$DIR/outside-files.txt

start_ns=$(date +%s%N)
log() { printf 'gluster-down.sh: [%6d ms] %s\n' $((($(date +%s%N) - start_ns) / 1000000)) "$*" >&2; }

pid_alive() {
  [[ $1 =~ ^[0-9]+$ ]] && [[ -r /proc/$1/stat ]] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# ours PID: PID is a live gluster process (glusterd, glusterfsd, glusterfs) whose command line
# names DIR. Guards every kill against a recycled PID or someone else's cluster.
ours() {
  pid_alive "$1" || return 1
  local cmd exe
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  exe=${cmd%% *}
  exe=${exe##*/}
  [[ $exe == glusterd || $exe == glusterfsd || $exe == glusterfs ]] || return 1
  [[ $cmd == *"$DIR/"* ]]
}

# all_ours: PIDs of every gluster process whose command line names DIR. One grep over
# /proc/*/cmdline (a shell loop over every process takes seconds on a busy machine).
all_ours() {
  local f pid
  while read -r f; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    if ours "$pid"; then echo "$pid"; fi
  done < <(grep -lsF -- "$DIR/" /proc/[0-9]*/cmdline 2>/dev/null || true)
}

# stop_pids WHAT PID...: SIGTERM the given PIDs that are ours, wait, SIGKILL the rest.
stop_pids() {
  local what=$1 pid
  shift
  local live=()
  for pid in "$@"; do ours "$pid" && live+=("$pid"); done
  ((${#live[@]} > 0)) || return 0
  log "stopping $what (pid ${live[*]})"
  kill -TERM "${live[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + TIMEOUT_S)) left
  while :; do
    left=()
    for pid in "${live[@]}"; do pid_alive "$pid" && left+=("$pid"); done
    ((${#left[@]} > 0)) || return 0
    ((SECONDS < deadline)) || break
    sleep 0.1
  done
  log "$what still alive after ${TIMEOUT_S}s, SIGKILL ${left[*]}"
  kill -KILL "${left[@]}" 2>/dev/null || true
  sleep 0.2
}

read_pids() { cat "$@" 2>/dev/null | grep -E '^[0-9]+$' || true; }

# Remember the brick/shd sockets Gluster puts in /var/run/gluster (the -S argument) before
# the processes that name them are gone.
for pid in $(all_ours); do
  tr '\0' '\n' <"/proc/$pid/cmdline" | awk 'prev == "-S" { print "socket " $0 } { prev = $0 }'
done >>"$OUTSIDE.new" || true
if [[ -s $OUTSIDE.new ]]; then cat "$OUTSIDE.new" >>"$OUTSIDE"; fi
rm -f "$OUTSIDE.new"

# 1. Mounts: umount, then the client process.
mapfile -t mounts < <(awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts)
for mnt in "${mounts[@]}"; do
  log "unmounting $mnt"
  umount "$mnt" 2>/dev/null || { log "umount $mnt failed (busy?), lazy unmount"; umount -l "$mnt"; }
done
mapfile -t pids < <(read_pids "$DIR"/run/client-*.pid)
stop_pids "fuse clients" "${pids[@]}"

# 2. Bricks and self-heal daemon, from the pid files glusterd keeps in its run directory.
mapfile -t pids < <(read_pids "$DIR"/run/vols/*/*.pid)
stop_pids "bricks" "${pids[@]}"
mapfile -t pids < <(read_pids "$DIR"/run/shd/*/*.pid "$DIR"/run/glustershd/*.pid)
stop_pids "self-heal daemon" "${pids[@]}"

# 3. glusterd.
mapfile -t pids < <(read_pids "$DIR/glusterd.pid")
stop_pids "glusterd" "${pids[@]}"

# 4. Anything else of this cluster (a pid file lost, a crash-restarted brick).
mapfile -t pids < <(all_ours)
stop_pids "leftover gluster processes" "${pids[@]}"

# Reap check.
left_pids=$(all_ours | paste -sd' ' -)
mounted=$(awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | paste -sd' ' -)
if [[ -n $left_pids || -n $mounted ]]; then
  log "ERROR: left behind: processes [$left_pids] mounts [$mounted]"
  exit 1
fi

# 5. Files outside DIR that this cluster created (recorded by gluster-up.sh and above):
# sockets only when no process listens on them; directories only when empty, and not while
# any other glusterd runs on this machine (it may use them).
# (Stopped daemons linger as zombies until PID 1 reaps them: those do not count.)
other_glusterd=0
while read -r f; do
  pid=${f#/proc/}
  if pid_alive "${pid%/comm}"; then other_glusterd=1; fi
done < <(grep -lsx glusterd /proc/[0-9]*/comm 2>/dev/null || true)
if [[ -f $OUTSIDE ]]; then
  sockets_listening=$(ss -xlH 2>/dev/null | awk '{print $5}')
  while read -r kind path; do
    case $kind in
      socket)
        [[ $path == /var/run/gluster/*.socket || $path == /run/gluster/*.socket ]] || continue
        if [[ -S $path ]] && ! grep -qxF "$path" <<<"$sockets_listening"; then
          rm -f "$path"
        fi
        ;;
      dir)
        ((other_glusterd == 0)) || continue
        case $path in
          /var/lib/glusterd/geo-replication)
            rm -f "$path/gsyncd_template.conf"
            rmdir "$path" 2>/dev/null || true
            ;;
          /var/lib/glusterd/ss_brick | /var/run/gluster/snaps) rmdir "$path" 2>/dev/null || true ;;
        esac
        ;;
    esac
  done < <(sort -u "$OUTSIDE")
  # Keep only what is still there (the next down may still have to remove it).
  while read -r kind path; do
    [[ -e $path ]] && echo "$kind $path"
  done < <(sort -u "$OUTSIDE") >"$OUTSIDE.tmp" || true
  mv "$OUTSIDE.tmp" "$OUTSIDE"
fi

# The cluster's listen address (DIR/ports.env, written by gluster-up.sh) must be free now, so a
# re-run with the same --port-base can bind it. A listener there is not ours (all our processes
# are gone, checked above): name it.
if [[ -f $DIR/ports.env ]]; then
  host=$(sed -n 's/^GLUSTER_HOST=//p' "$DIR/ports.env")
  port=$(sed -n 's/^GLUSTER_PORT=//p' "$DIR/ports.env")
  if [[ -n $host && -n $port ]] && ss -Hltn "sport = :$port" | awk -v a="$host:$port" '$4 == a { f = 1 } END { exit !f }'; then
    log "warning: $host:$port is still listened on by a process that is not this cluster's"
  fi
fi

# A cluster.env left behind would point tests at a cluster that is gone.
rm -f "$DIR/cluster.env"

if ((purge)); then
  log "removing $DIR"
  rm -rf --one-file-system "$DIR"
fi
log "cluster down in $((($(date +%s%N) - start_ns) / 1000000)) ms"
