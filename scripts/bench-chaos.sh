#!/usr/bin/env bash
# Stall, recovery and kept writes when a node of the lab goes away (docs/chaos.md, "Measured in
# the lab"): for each backend of a running lab (scripts/lab-up.sh) and each fault, an audit
# (4 KiB random rewrites + fdatasync, qd1) with the fault on its timeline (`audit --fault`),
# then `audit --verify` against its witness. Prints a Markdown table, a row per scenario.
#
#   scripts/bench-chaos.sh /tmp/lab                         every fault, every backend of the lab
#   scripts/bench-chaos.sh /tmp/lab --faults power-off --backends gluster
#
# Scenarios: node-crash (undo node-start), power-off (undo node-start), cable-out (undo
# cable-in), each on node 2 (--node). The fault comes at --at (10 s); its undo TIMEOUT + 30 s
# later, where TIMEOUT is the backend's (the lab's osd_heartbeat_grace or network.ping-timeout),
# so a stall of the full timeout still leaves time to see the rate come back before the node
# returns; the phase runs 30 s past the undo (a node-start takes ~17 s on Ceph). Targets:
# rbd://rep3/bench-chaos (native rbd engine, created and removed by durabench) and a directory on
# the lab's Gluster FUSE mount. The witness log is a file outside the lab (--out).
# Before each scenario, lab-up.sh DIR waits until the lab is healthy again.
#
# Options: --faults LIST (comma-separated), --backends ceph,gluster, --node N, --at S,
#   --out DIR (result files: BACKEND-FAULT.json, BACKEND-FAULT.verify.json, table.md; default
#   DIR/bench-chaos). Environment: DURABENCH_BIN (default build/dev's binary).
# Needs root (lab.sh) and jq. Exit 0 when every scenario ran, 1 otherwise (the table says which).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${DURABENCH_BIN:-$repo/build/dev/src/cli/durabench}
faults="node-crash,power-off,cable-out"
backends=""
node=2
at=10
out=""

Usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}
dir=""
while (($#)); do
  case $1 in
    --faults | --backends | --node | --at | --out)
      (($# >= 2)) || { Usage >&2; exit 2; }
      case $1 in
        --faults) faults=$2 ;;
        --backends) backends=$2 ;;
        --node) node=$2 ;;
        --at) at=$2 ;;
        --out) out=$2 ;;
      esac
      shift 2 ;;
    -h | --help) Usage; exit 0 ;;
    -*) Usage >&2; exit 2 ;;
    *) [[ -z $dir ]] || { Usage >&2; exit 2; }; dir=$1; shift ;;
  esac
done
[[ -n $dir ]] || { Usage >&2; exit 2; }
[[ -f $dir/lab.env ]] || { echo "bench-chaos: no lab in $dir (no lab.env): run scripts/lab-up.sh first" >&2; exit 2; }
[[ -x $bin ]] || { echo "bench-chaos: no binary at $bin (build it, or set DURABENCH_BIN)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench-chaos: needs jq" >&2; exit 2; }
[[ $node =~ ^[1-9]$ && $at =~ ^[1-9][0-9]*$ ]] || { echo "bench-chaos: --node 1..9, --at whole seconds" >&2; exit 2; }
dir=$(cd "$dir" && pwd)
set -a
# shellcheck disable=SC1091
. "$dir/lab.env"
set +a
if [[ -z $backends ]]; then
  [[ -n ${CEPH_CONF:-} ]] && backends=ceph
  [[ -n ${GLUSTER_MOUNT:-} ]] && backends=${backends:+$backends,}gluster
fi
out=${out:-$dir/bench-chaos}
mkdir -p "$out"
lab=$repo/scripts/lab.sh

t0=$EPOCHREALTIME
Log() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.1fs] %s\n", b - a, m }' >&2; }

# Undo of each fault.
UndoOf() {
  case $1 in
    node-crash | power-off) echo node-start ;;
    cable-out) echo cable-in ;;
    *) echo "bench-chaos: unknown fault '$1' (node-crash, power-off, cable-out)" >&2; exit 2 ;;
  esac
}

table=$out/table.md
{
  echo "| backend | timeout | fault | baseline IOPS | stall | first completion | recovery | failed | undo stall | recovery after undo | audit | lost |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$table"
fails=0
IFS=, read -r -a fault_list <<<"$faults"
IFS=, read -r -a backend_list <<<"$backends"
for backend in "${backend_list[@]}"; do
  case $backend in
    ceph)
      [[ -n ${CEPH_CONF:-} ]] || { echo "bench-chaos: the lab has no Ceph" >&2; exit 2; }
      timeout_s=$LAB_OSD_HEARTBEAT_GRACE_S timeout_name="grace ${timeout_s} s"
      target=(--target "rbd://$CEPH_POOL_REP3/bench-chaos" --ceph-conf "$CEPH_CONF") ;;
    gluster)
      [[ -n ${GLUSTER_MOUNT:-} ]] || { echo "bench-chaos: the lab has no Gluster" >&2; exit 2; }
      timeout_s=$LAB_GLUSTER_PING_TIMEOUT_S timeout_name="ping-timeout ${timeout_s} s"
      mkdir -p "$GLUSTER_MOUNT/bench-chaos"
      target=(--target "$GLUSTER_MOUNT/bench-chaos" --engine psync) ;;
    *) echo "bench-chaos: unknown backend '$backend' (ceph, gluster)" >&2; exit 2 ;;
  esac
  undo_at=$((at + timeout_s + 30))
  runtime=$((undo_at + 30))
  for fault in "${fault_list[@]}"; do
    undo=$(UndoOf "$fault")
    name=$backend-$fault
    Log "$name: waiting until the lab is healthy"
    if ! "$repo/scripts/lab-up.sh" "$dir" --timeout 300 >"$out/$name.lab-up.log" 2>&1; then
      Log "$name: the lab is not healthy (see $out/$name.lab-up.log); skipped"
      echo "| $backend | $timeout_name | $fault | lab not healthy: not run |||||||||" >>"$table"
      fails=$((fails + 1))
      continue
    fi
    rm -f "$out/$name.witness" "$out/$name.json" "$out/$name.verify.json"
    Log "$name: audit, $fault of node $node at ${at}s, $undo at ${undo_at}s, ${runtime}s in all"
    rc=0
    "$bin" audit "${target[@]}" --witness "file:$out/$name.witness" --quiet \
      --pattern randwrite --block-size 4KiB --size 64MiB --sync fdatasync --iodepth 1 --jobs 1 \
      --runtime "${runtime}s" \
      --fault "at=${at}s,run=$lab $dir $fault $node,undo_at=${undo_at}s,undo=$lab $dir $undo $node" \
      -o "$out/$name.json" >"$out/$name.log" 2>&1 || rc=$?
    Log "$name: audit exited $rc; verify"
    vrc=0
    "$bin" audit --verify "${target[@]}" --witness "file:$out/$name.witness" --json \
      >"$out/$name.verify.json" 2>"$out/$name.verify.log" || vrc=$?
    if [[ ! -s $out/$name.json ]]; then
      echo "| $backend | $timeout_name | $fault | audit exited $rc, no result ($out/$name.log) |||||||||" >>"$table"
      fails=$((fails + 1))
      continue
    fi
    verdict=$(jq -r '"\(.verdict) | \(.lost)"' "$out/$name.verify.json" 2>/dev/null) ||
      verdict="verify exited $vrc | ?"
    jq -r --arg b "$backend" --arg t "$timeout_name" --arg f "$fault" --arg v "$verdict" '
      .phases[0] as $p | $p.faults[0] as $x |
      def s: if . == null then "none" else (. / 1e9 * 100 | round / 100 | tostring) + " s" end;
      "| \($b) | \($t) | \($f) | \($p.chaos.baseline_iops | round) | \($x.action.stall_ns | s)" +
      " | \($x.action.first_completion_ns | s) | \($x.action.recovery_ns | s)" +
      " | \($p.chaos.failed | map("\(.op) \(.error) x\(.count)") | join(", ") | if . == "" then "0" else . end)" +
      " | \($x.undone.stall_ns | s) | \($x.undone.recovery_ns | s) | \($v) |"' \
      "$out/$name.json" >>"$table"
    ((rc == 0 && vrc == 0)) || fails=$((fails + 1))
  done
  if [[ $backend == gluster ]]; then rmdir "$GLUSTER_MOUNT/bench-chaos" 2>/dev/null || true; fi
done
cat "$table"
((fails == 0))
