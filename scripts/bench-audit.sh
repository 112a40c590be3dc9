#!/usr/bin/env bash
# What the durability audit costs (docs/audit.md, "Overhead"): the same work as a plain run and
# as an audit, alternating, with a file witness and a `durabench witness` server on 127.0.0.1;
# and how many acknowledgements per second the witness takes (the null engine, which writes
# nothing, so each operation is one intent and one acknowledgement and nothing else).
#
#   scripts/bench-audit.sh                       3 pairs of 5 s on /dev/shm
#   scripts/bench-audit.sh --runs 5 --runtime 10s --dir /mnt/ssd/scratch
#
# Prints one line per run and the medians. Uses DURABENCH_BIN, else build/dev's binary. Works in
# a fresh subdirectory of --dir, removed at the end (Ctrl-C included); the witness it starts is
# stopped by its PID.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${DURABENCH_BIN:-$repo/build/dev/src/cli/durabench}
runs=3
runtime=5s
base=/dev/shm

usage() {
  cat <<EOF
usage: scripts/bench-audit.sh [--runs N] [--runtime T] [--dir DIR]
  --runs N      pairs of plain run and audit (default 3)
  --runtime T   length of each run (default 5s)
  --dir DIR     where the target and the witness logs go (default /dev/shm)
Environment: DURABENCH_BIN=path (default build/dev/src/cli/durabench).
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --dir) base=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ -x $bin ]] || { echo "bench-audit: no binary at $bin (build it, or set DURABENCH_BIN)" >&2; exit 2; }

work=$(mktemp -d "$base/durabench-bench-audit-XXXXXX")
witness_pid=
cleanup() {
  # wait gives the witness's status (143 after SIGTERM): under set -e that must not end the
  # cleanup before the directory is removed.
  if [[ -n $witness_pid ]] && kill "$witness_pid" 2>/dev/null; then
    wait "$witness_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/target" "$work/witness"

"$bin" witness --listen 127.0.0.1:0 --dir "$work/witness" >"$work/witness.out" 2>&1 &
witness_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/witness.out" 2>/dev/null && break
  sleep 0.1
done
address=$(sed -n 's/.*listening on \([^,]*\),.*/\1/p' "$work/witness.out")
[[ -n $address ]] || { echo "bench-audit: the witness did not start:" >&2; cat "$work/witness.out" >&2; exit 1; }

# The work: psync, 4 KiB random writes, fdatasync after each, queue depth 1, 64 MiB.
common=(--runtime "$runtime" --size 64MiB --engine psync --sync fdatasync --iodepth 1 -q --json)
iops() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["phases"][0]["iops"]))'; }

declare -a plain=() file=() tcp=()
for i in $(seq "$runs"); do
  p=$("$bin" run --target "$work/target" "${common[@]}" | iops)
  f=$("$bin" audit "$work/target" --witness "file:$work/witness.log" "${common[@]}" | iops)
  "$bin" audit --verify "$work/target" --witness "file:$work/witness.log" >/dev/null
  rm -f "$work/witness.log"
  t=$("$bin" audit "$work/target" --witness "$address" "${common[@]}" | iops)
  "$bin" audit --verify "$work/target" --witness "$address" >/dev/null
  echo "run $i: plain $p IOPS, audit (file witness) $f IOPS, audit (TCP witness) $t IOPS"
  plain+=("$p"); file+=("$f"); tcp+=("$t")
done

# The witness alone: every operation of the null engine is one intent and one acknowledgement.
acks=$("$bin" audit "$work/target" --witness "$address" --engine null --sync none \
  --runtime "$runtime" --size 64MiB -q --json | iops)
rm -f "$work"/target/durabench-*

python3 - "$acks" "${plain[*]}" "${file[*]}" "${tcp[*]}" <<'EOF'
import statistics, sys
acks = int(sys.argv[1])
plain, file, tcp = ([int(v) for v in a.split()] for a in sys.argv[2:5])
p, f, t = (statistics.median(v) for v in (plain, file, tcp))
print(f"median: plain {p:,.0f} IOPS; audit with a file witness {f:,.0f} ({f / p:.1%} of plain); "
      f"with a TCP witness {t:,.0f} ({t / p:.1%})")
print(f"witness over loopback: {acks:,} acknowledgements per second (null engine)")
EOF
