#!/usr/bin/env bash
# How the aggregate of a multi-client run grows with its ranks (docs/scale-out.md): the same run
# under `mpirun -np N` for each N, on one target, one after another; prints a Markdown table
# with a row per rank count (aggregate IOPS, p50 and p99 of the durable op, start skew, the
# scaling against one rank), then each run's per-rank rows.
#
#   scripts/bench-scaleout.sh /dev/shm/scale                       null and psync, 1 2 3 ranks
#   scripts/bench-scaleout.sh /mnt/gluster/bench --engines psync --ranks "1 2 3"
#   scripts/bench-scaleout.sh rados://rep3 --engines rados --ceph-conf /path/ceph.conf
#
# TARGET: a directory, a rados:// pool or a gluster:// directory (what a rank may write;
# docs/scale-out.md); or, with --shared-target among the further arguments, a file, a block
# device, an rbd:// image or a gluster:// file the ranks share. Each run: 4 KiB randwrite, fdatasync after each write, qd1, one job per
# rank, --size (16MiB) per rank, --runtime (5s).
# Options: --engines LIST (comma-separated; default null,psync; a URI target's native engine is
#   used whatever is given), --ranks "N..." (default "1 2 3"), --runtime, --size, --out DIR
#   (result files ENGINE-NP.json, table.md; default a temporary directory), and any further
#   arguments are passed to `durabench run` (--ceph-conf ...).
# Environment: DURABENCH_BIN (default build/dev's binary). mpirun runs as root when it is
# (--allow-run-as-root), oversubscribed, between ranks on this host only (shared memory, and
# its control channel on the loopback interface). Needs jq.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${DURABENCH_BIN:-$repo/build/dev/src/cli/durabench}
engines="null,psync"
ranks="1 2 3"
runtime=5s
size=16MiB
out=""

Usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}
(($#)) || { Usage >&2; exit 2; }
case $1 in -h | --help) Usage; exit 0 ;; esac
target=$1
shift
extra=()
while (($#)); do
  case $1 in
    --engines | --ranks | --runtime | --size | --out)
      (($# >= 2)) || { Usage >&2; exit 2; }
      v=$2
      case $1 in
        --engines) engines=$v ;;
        --ranks) ranks=$v ;;
        --runtime) runtime=$v ;;
        --size) size=$v ;;
        --out) out=$v ;;
      esac
      shift 2
      ;;
    *) extra+=("$1"); shift ;;
  esac
done
command -v mpirun >/dev/null || { echo "bench-scaleout.sh: mpirun not found (openmpi-bin)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench-scaleout.sh: jq not found" >&2; exit 2; }
[[ -x $bin ]] || { echo "bench-scaleout.sh: no durabench at $bin (DURABENCH_BIN)" >&2; exit 2; }
if [[ -z $out ]]; then
  out=$(mktemp -d /tmp/bench-scaleout.XXXXXX)
fi
mkdir -p "$out"

mpi=(--oversubscribe --mca btl self,vader --mca btl_vader_single_copy_mechanism none
  --mca oob_tcp_if_include lo)
((EUID == 0)) && mpi+=(--allow-run-as-root)

table="$out/table.md"
{
  echo "| engine | ranks | aggregate IOPS | vs 1 rank | commit p50 | commit p99 | start skew | stragglers |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$table"
rows=""
IFS=, read -ra engine_list <<<"$engines"
for engine in "${engine_list[@]}"; do
  base=""
  for np in $ranks; do
    json="$out/$engine-$np.json"
    mpirun "${mpi[@]}" -np "$np" "$bin" run --target "$target" --engine "$engine" \
      --pattern randwrite --sync fdatasync --block-size 4KiB --iodepth 1 --jobs 1 \
      --size "$size" --runtime "$runtime" -q -o "$json" "${extra[@]}" >/dev/null
    iops=$(jq '.phases[0].ops.write.count * 1e9 / .phases[0].measured_ns' "$json")
    [[ -z $base ]] && base=$iops
    scale=$(jq -n "$iops / $base * 100 | round / 100")
    p50=$(jq '.phases[0].ops.commit.lat_ns.percentiles["50"]' "$json")
    p99=$(jq '.phases[0].ops.commit.lat_ns.percentiles["99"]' "$json")
    skew=$(jq '.ranks.start_skew_ns[0]' "$json")
    stragglers=$(jq '[.ranks.rows[] | select(.straggler) | .rank] | unique | length' "$json")
    printf '| %s | %s | %.0f | %sx | %.1f µs | %.1f µs | %.0f µs | %s |\n' "$engine" "$np" "$iops" \
      "$scale" "$(jq -n "$p50 / 1000")" "$(jq -n "$p99 / 1000")" "$(jq -n "$skew / 1000")" \
      "$stragglers" >>"$table"
    rows+=$(jq -r --arg e "$engine" --arg n "$np" '.ranks.rows[] | select(.op == "commit") |
      "| \($e) | \($n) | \(.rank) | \(.host) | \(.count) | \(.iops | round) | \(.p50_ns / 100 | round / 10) µs | \(.p99_ns / 100 | round / 10) µs | \(.errors) | \(if .straggler then "yes" else "" end) |"' "$json")
    rows+=$'\n'
  done
done
{
  echo
  echo "Per rank (commit):"
  echo
  echo "| engine | ranks | rank | host | count | IOPS | p50 | p99 | errors | straggler |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
} >>"$table"
cat "$table"
echo
echo "results: $out"
