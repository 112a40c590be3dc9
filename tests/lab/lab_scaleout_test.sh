#!/usr/bin/env bash
# Three clients on the lab's three nodes (docs/scale-out.md, docs/lab.md): `mpirun -np 3
# durabench run --rank-netns NODE1,NODE2,NODE3` against the lab the `lab` CTest fixture brought
# up (tests/lab/lab_fixture.sh), rank r entering node r+1's network namespace after joining the
# group. Two runs: rados:// on the pool rep3 and gluster:// on the replica-3 volume (native
# engines). Each must end with exit 0 and a result of three ranks whose hosts name their node
# ("HOST/NAMESPACE"); while it runs, the storage connections (TCP) of the durabench process in
# node N's namespace must come from node N's address, and nothing of the ranks may be left on
# the cluster afterwards. Skipped (77) with the reason when the lab could not come up, or
# without mpirun, the durabench-mpi module or jq.
#
# Usage: lab_scaleout_test.sh DIR DURABENCH   (exit 0 pass, 1 fail, 77 skip)
set -euo pipefail
dir=${1:?usage: lab_scaleout_test.sh DIR DURABENCH}
durabench=${2:?usage: lab_scaleout_test.sh DIR DURABENCH}
if [[ -f $dir/unavailable.txt ]]; then
  echo "[  SKIPPED ] lab: $(cat "$dir/unavailable.txt")"
  exit 77
fi
[[ -f $dir/lab.env ]] || { echo "FAIL: no $dir/lab.env (lab_up failed?)"; exit 1; }
[[ -x $durabench ]] || { echo "FAIL: $durabench is not an executable"; exit 1; }
command -v jq >/dev/null || { echo "[  SKIPPED ] lab: jq is not installed"; exit 77; }
command -v mpirun >/dev/null || { echo "[  SKIPPED ] lab: mpirun not found (Debian: openmpi-bin)"; exit 77; }
module=$(dirname "$(dirname "$durabench")")/lib/durabench/durabench-mpi.so
[[ -f $module ]] || { echo "[  SKIPPED ] lab: $module not built (Debian: libopenmpi-dev)"; exit 77; }
set -a
# shellcheck disable=SC1091
. "$dir/lab.env"
set +a
# mpirun as root, oversubscribed, the ranks' own traffic over shared memory and its control
# channel on the loopback interface only: a rank leaves the root namespace after joining.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
  OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_oob_tcp_if_include=lo

t0=$EPOCHREALTIME
Step() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.1fs] == %s\n", b - a, m }'; }
fails=0
Fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
namespaces=()
for ((n = 1; n <= LAB_NODES && n <= 3; n++)); do
  ns_var=LAB_NODE${n}_NS
  namespaces+=("${!ns_var}")
done
ns_list=$(IFS=,; echo "${namespaces[*]}")

# Where node N's durabench connects from, 2.5 s into the run: the local addresses of its TCP
# sockets in that namespace, one per line (ss's -p names the process).
Sockets() { ip netns exec "$1" ss -tnpH 2>/dev/null | awk '/"durabench"/ { sub(/:[0-9]+$/, "", $4); print $4 }' | sort -u; }

# Scenario LABEL TARGET [ARGS...]
Scenario() {
  local label=$1 target=$2 out=$dir/scaleout-$1.json rc=0
  shift 2
  Step "$label: mpirun -np 3 durabench run --target $target --rank-netns $ns_list $*"
  rm -f "$out"
  mpirun -np 3 "$durabench" run --target "$target" --rank-netns "$ns_list" --size 8MiB \
    --runtime 5s --sync fdatasync -o "$out" "$@" >"$dir/scaleout-$label.log" 2>&1 &
  local pid=$!
  sleep 2.5
  local n seen
  for ((n = 1; n <= ${#namespaces[@]}; n++)); do
    local addr_var=LAB_NODE${n}_ADDR
    seen=$(Sockets "${namespaces[n - 1]}" | paste -sd' ' -)
    echo "  node $n (${namespaces[n - 1]}): durabench's sockets from: ${seen:-none}"
    [[ $seen == "${!addr_var}" ]] || Fail "$label: node $n's durabench connects from '${seen:-nothing}', not only ${!addr_var}"
  done
  wait "$pid" || rc=$?
  if ((rc != 0)) || [[ ! -s $out ]]; then
    Fail "$label: mpirun exited $rc"
    cat "$dir/scaleout-$label.log"
    return 1
  fi
  jq -r '.ranks.rows[] | select(.op == "commit") | "  rank \(.rank) \(.host): \(.count) commits, \(.iops | round) IOPS, p50 \(.p50_ns / 1000 | round) us, p99 \(.p99_ns / 1000 | round) us"' "$out"
  local hosts
  hosts=$(jq -r '.ranks.ranks | map(.host | split("/") | last) | join(",")' "$out")
  [[ $hosts == "$ns_list" ]] || Fail "$label: the ranks' hosts end in $hosts, not $ns_list"
  [[ $(jq '[.ranks.ranks[] | select(.error)] | length' "$out") == 0 ]] || Fail "$label: a rank has an error"
  rm -f "$out" "$dir/scaleout-$label.log"
}

Scenario ceph "rados://$CEPH_POOL_REP3" --ceph-conf "$CEPH_CONF"
left=$(timeout 60 rados -c "$CEPH_CONF" -p "$CEPH_POOL_REP3" ls 2>&1 | grep -c '^durabench-r' || true)
[[ $left == 0 ]] || Fail "ceph: $left objects of the ranks left in $CEPH_POOL_REP3"

sub=scaleout-$$
mkdir -p "$GLUSTER_MOUNT/$sub"
Scenario gluster "gluster://$GLUSTER_HOST/$GLUSTER_VOL/$sub"
[[ -z $(ls -A "$GLUSTER_MOUNT/$sub") ]] || Fail "gluster: files of the ranks left: $(ls -A "$GLUSTER_MOUNT/$sub")"
rmdir "$GLUSTER_MOUNT/$sub" || true

Step "$( ((fails == 0)) && echo PASS || echo "FAIL ($fails)")"
((fails == 0))
