#!/usr/bin/env bash
# Runs the same workloads with fio and with durabench, alternating, and prints a markdown table
# of the medians (IOPS, p50, p99 and their ratios durabench/fio). docs/performance.md says what
# is compared, why, and which JSON fields are read; the table there was written by --output.
#
#   scripts/bench-vs-fio.sh                         every case, 5 runs of 10 s per tool
#   scripts/bench-vs-fio.sh --case null --case psync-buffered --runs 3 --runtime 5s
#   scripts/bench-vs-fio.sh --list
#
# Builds durabench (Release, build/release) unless DURABENCH_BIN names a binary. Works in a
# fresh subdirectory of --dir (default ./bench-scratch) and removes it at the end, Ctrl-C
# included. A case whose engine the durabench binary lacks is skipped, not failed; any failed
# run ends the script with exit 1 and the failing command on stderr.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
helper="$repo/scripts/bench_vs_fio_table.py"
command_line=$(printf '%q ' "$0" "$@")
command_line=${command_line% }
if [[ -n ${DURABENCH_BIN:-} ]]; then
  command_line="DURABENCH_BIN=$(printf '%q' "$DURABENCH_BIN") $command_line"
fi

readonly size_mib=256  # per job, on both sides; small enough for the page-cached read case
readonly all_cases=(null null-clock_gettime null-tsc-pinned psync-buffered
  psync-direct-fdatasync io_uring-randread-cached libaio-direct-qd32 io_uring-linked-fdatasync)

usage() {
  cat <<EOF
usage: scripts/bench-vs-fio.sh [--case NAME]... [--runs N] [--runtime T] [--dir DIR]
                               [--output FILE] [--list]
  --case NAME     run only this case (repeatable; default: all, see --list)
  --runs N        runs per tool and case, alternating fio/durabench (default 5)
  --runtime T     length of every run: seconds, or with a unit s/m (default 10s)
  --dir DIR       scratch directory on the filesystem to test (default ./bench-scratch);
                  a fresh subdirectory is created in it and removed at the end
  --output FILE   also write the table with the command line, date and host facts to FILE
  --list          list the cases and exit
Environment: DURABENCH_BIN=path skips the build and uses that binary.
EOF
}

describe_case() {
  local what
  case $1 in
    null) what="null engine, 4 KiB randwrite, qd1: tool overhead, each tool's default clock" ;;
    null-clock_gettime) what="null engine as above, both timing with clock_gettime (vDSO)" ;;
    null-tsc-pinned) what="null engine as above, both timing with the TSC, pinned to CPU 0" ;;
    psync-buffered) what="psync 4 KiB randwrite, buffered, no sync, qd1: syscall-bound" ;;
    psync-direct-fdatasync) what="psync 4 KiB randwrite, O_DIRECT + fdatasync, qd1: device-bound" ;;
    io_uring-randread-cached) what="io_uring 4 KiB randread, page-cached, qd32: CPU-bound" ;;
    libaio-direct-qd32) what="libaio 4 KiB randwrite, O_DIRECT, qd32: device-bound" ;;
    io_uring-linked-fdatasync)
      what="io_uring 4 KiB randwrite, O_DIRECT + fdatasync, qd16, 2 jobs: device-bound" ;;
    *) return 1 ;;
  esac
  echo "$what"
}

die() {
  echo "bench-vs-fio: $*" >&2
  exit 1
}

usage_error() {
  echo "bench-vs-fio: $*" >&2
  exit 2
}

# --- options ----------------------------------------------------------------------------------
runs=5
runtime=10s
scratch_parent=./bench-scratch
output=""
selected=()
while (($# > 0)); do
  case $1 in
    --case) selected+=("${2:?--case needs a NAME}"); shift 2 ;;
    --runs) runs=${2:?--runs needs N}; shift 2 ;;
    --runtime) runtime=${2:?--runtime needs T}; shift 2 ;;
    --dir) scratch_parent=${2:?--dir needs DIR}; shift 2 ;;
    --output) output=${2:?--output needs FILE}; shift 2 ;;
    --list)
      for c in "${all_cases[@]}"; do printf '%-27s %s\n' "$c" "$(describe_case "$c")"; done
      exit 0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage_error "--runs must be a positive integer"
if [[ $runtime =~ ^[1-9][0-9]*$ ]]; then runtime+=s; fi
# Both tools read "s" as seconds and "m" as minutes.
[[ $runtime =~ ^[1-9][0-9]*[sm]$ ]] || usage_error "--runtime must look like 10s or 2m"
if ((${#selected[@]} == 0)); then selected=("${all_cases[@]}"); fi
for c in "${selected[@]}"; do
  describe_case "$c" >/dev/null || usage_error "unknown case '$c' (see --list)"
done
if [[ -n $output && $output != /* ]]; then output="$PWD/$output"; fi

# --- scratch space and cleanup (before anything can fail) ---------------------------------------
created_parent=""
work=""
results=$(mktemp -d "${TMPDIR:-/tmp}/bench-vs-fio-results.XXXXXX")
cleanup() {
  if [[ -n $work ]]; then rm -rf -- "$work"; fi
  if [[ -n $created_parent ]]; then rmdir -- "$created_parent" 2>/dev/null || true; fi
  rm -rf -- "$results"
}
trap cleanup EXIT
trap 'echo "bench-vs-fio: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# Runs "$@" with stdout to $1's file, stderr to a log; on failure shows the command and the log
# tail, and exits 1 (the EXIT trap cleans up). A child that catches Ctrl-C itself (fio exits 128,
# durabench 3 with "interrupted": true) keeps bash from running the INT trap, hence the check.
run_step() {
  local out=$1 rc=0 cmd
  shift
  "$@" >"$out" 2>"$results/stderr.log" || rc=$?
  if ((rc != 0)); then
    cmd=$(printf '%q ' "$@")
    if ((rc == 128 || rc == 130)) || grep -Eqs '"interrupted": *true' "$out"; then
      echo "bench-vs-fio: interrupted during: ${cmd% }" >&2
      exit 130
    fi
    echo "bench-vs-fio: FAILED (exit $rc): ${cmd% }" >&2
    tail -n 20 "$results/stderr.log" >&2
    exit 1
  fi
}

# --- tools --------------------------------------------------------------------------------------
if [[ -z ${DURABENCH_BIN:-} ]]; then
  "$repo/scripts/setup.sh"
  echo "bench-vs-fio: building durabench (Release, build/release)" >&2
  run_step "$results/build.log" cmake -S "$repo" -B "$repo/build/release" \
    -DCMAKE_BUILD_TYPE=Release -DDURABENCH_BUILD_TESTS=OFF
  run_step "$results/build.log" cmake --build "$repo/build/release" -j"$(nproc)"
  durabench="$repo/build/release/src/cli/durabench"
else
  durabench=$DURABENCH_BIN
fi
[[ -x $durabench ]] || die "durabench binary '$durabench' is not executable"
command -v fio >/dev/null || die "fio is not installed (scripts/setup.sh installs it)"
command -v python3 >/dev/null || die "python3 is not installed (scripts/setup.sh installs it)"

run_step "$results/list.txt" "$durabench" list
# Engine names are the lines indented by exactly two spaces in the "Engines" section.
mapfile -t durabench_engines < <(awk '/^Engines/ { on = 1; next } /^[^ ]/ { on = 0 }
  on && /^  [^ ]/ { print $1 }' "$results/list.txt")
mapfile -t fio_engines < <(fio --enghelp | awk 'NR > 1 { print $1 }')
# in_list WORD LIST...: whether WORD is one of LIST.
in_list() {
  local word=$1 e
  shift
  for e in "$@"; do [[ $e == "$word" ]] && return 0; done
  return 1
}
durabench_version=$("$durabench" --version)
fio_version=$(fio --version)

if [[ ! -d $scratch_parent ]]; then
  mkdir -p -- "$scratch_parent"
  created_parent=$scratch_parent
fi
work=$(mktemp -d "$scratch_parent/bench-vs-fio.XXXXXX")
work=$(cd "$work" && pwd)

# --- cases --------------------------------------------------------------------------------------
# Sets, for case $1: engine, njobs, direction (read|write), flush (1: compare the flush too),
# fio_latency (0: fio reports no meaningful latency), cached (1: read fio's file into the page
# cache before each run), fio_case (fio options) and db_case (durabench options).
define_case() {
  njobs=1 direction=write flush=0 fio_latency=1 cached=0 db_env=()
  case $1 in
    null)
      # Each tool's default clock: fio reads the TSC wherever it deems it reliable, durabench only
      # where the kernel's clocksource is the TSC (see src/measure/clock.h).
      engine=null fio_latency=0
      fio_case=(--ioengine=null --rw=randwrite --iodepth=1)
      db_case=(--engine null --pattern randwrite --iodepth 1 --sync none) ;;
    null-clock_gettime)
      engine=null fio_latency=0 db_env=(DURABENCH_CLOCK=monotonic)
      fio_case=(--ioengine=null --rw=randwrite --iodepth=1 --clocksource=clock_gettime)
      db_case=(--engine null --pattern randwrite --iodepth 1 --sync none) ;;
    null-tsc-pinned)
      engine=null fio_latency=0 db_env=(DURABENCH_CLOCK=tsc)
      fio_case=(--ioengine=null --rw=randwrite --iodepth=1 --clocksource=cpu --cpus_allowed=0)
      db_case=(--engine null --pattern randwrite --iodepth 1 --sync none --cpus 0) ;;
    psync-buffered)
      engine=psync
      fio_case=(--ioengine=psync --rw=randwrite --iodepth=1)
      db_case=(--engine psync --pattern randwrite --iodepth 1 --sync none) ;;
    psync-direct-fdatasync)
      engine=psync flush=1
      fio_case=(--ioengine=psync --rw=randwrite --iodepth=1 --direct=1 --fdatasync=1)
      db_case=(--engine psync --pattern randwrite --iodepth 1 --direct --sync fdatasync) ;;
    io_uring-randread-cached)
      engine=io_uring direction=read cached=1
      # durabench drops its file from the page cache after laying it out (as fio's default
      # invalidate=1 does): a 2 s ramp reads it back in before measuring, on both sides.
      fio_case=(--ioengine=io_uring --rw=randread --iodepth=32 --invalidate=0 --ramp_time=2)
      db_case=(--engine io_uring --pattern randread --iodepth 32 --sync none --ramp 2s) ;;
    libaio-direct-qd32)
      engine=libaio
      fio_case=(--ioengine=libaio --rw=randwrite --iodepth=32 --direct=1)
      db_case=(--engine libaio --pattern randwrite --iodepth 32 --direct --sync none) ;;
    io_uring-linked-fdatasync)
      engine=io_uring flush=1 njobs=2
      fio_case=(--ioengine=io_uring --rw=randwrite --iodepth=16 --direct=1 --fdatasync=1)
      db_case=(--engine io_uring --pattern randwrite --iodepth 16 --direct --sync fdatasync) ;;
  esac
}

# fio: one file per job in $work named fio-<case>.<job>.0; one group so jobs[] holds the sum.
# Both tools start from a cold page cache: fio drops its file's pages before every run
# (invalidate=1, its default) and durabench drops its files' pages after laying them out. That
# matters beyond reads: on ext4 with large folios (6.x), 4 KiB buffered overwrites into the large
# folios a sequential fill leaves cached cost about 3x more than into a cold file.
fio_common() {
  fio_args=(--name="fio-$1" --directory="$work" --size="${size_mib}M" --numjobs="$njobs"
    --group_reporting --eta=never --output-format=json)
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$results/cases"
for c in "${selected[@]}"; do
  define_case "$c"
  mkdir "$results/$c"
  echo "$c" >>"$results/cases"
  skipped=""
  if ! in_list "$engine" "${durabench_engines[@]}"; then
    skipped="skipped: engine $engine not built"
  elif ! in_list "$engine" "${fio_engines[@]}"; then
    skipped="skipped: engine $engine not in this fio"
  fi
  printf 'direction=%s\nflush=%s\nfio_latency=%s\nskipped=%s\n' \
    "$direction" "$flush" "$fio_latency" "$skipped" >"$results/$c/case.txt"
  if [[ -n $skipped ]]; then
    echo "bench-vs-fio: $c: $skipped" >&2
    continue
  fi

  fio_common "$c"
  if [[ $engine != null ]]; then
    # Lay fio's files out with a write pass (as durabench does with its own files), so both
    # measure overwrites of written blocks, not first writes into holes or unwritten extents.
    echo "bench-vs-fio: $c: laying out fio's ${njobs} x ${size_mib} MiB" >&2
    run_step "$results/stdout.log" fio "${fio_args[@]}" --output="$results/$c/fio-layout.json" \
      --ioengine=psync --rw=write --bs=1M --end_fsync=1
  fi
  for ((i = 1; i <= runs; i++)); do
    echo "bench-vs-fio: $c: run $i/$runs (fio, then durabench; $runtime each)" >&2
    # Neither tool inherits the other's dirty pages as background writeback.
    sync -f "$work"
    if ((cached)); then
      for ((j = 0; j < njobs; j++)); do cat -- "$work/fio-$c.$j.0" >/dev/null; done
    fi
    # --norandommap: offsets uniform with replacement, as durabench draws them (fio's default
    # map visits every block once per pass, at a CPU cost of its own).
    run_step "$results/stdout.log" fio "${fio_args[@]}" --output="$results/$c/fio-$i.json" \
      "${fio_case[@]}" --bs=4k --norandommap --time_based --runtime="$runtime"
    run_step "$results/stdout.log" python3 "$helper" check-fio "$results/$c/fio-$i.json"
    sync -f "$work"
    # durabench lays out (fills, fsyncs, uncaches) its own files for every run, removes them after.
    run_step "$results/$c/durabench-$i.json" env "${db_env[@]}" "$durabench" run --target "$work" "${db_case[@]}" \
      --block-size 4KiB --size "${size_mib}MiB" --jobs "$njobs" --runtime "$runtime" --json -q
    run_step "$results/stdout.log" python3 "$helper" check-durabench "$results/$c/durabench-$i.json"
  done
  rm -f -- "$work/fio-$c".*
done

run_step "$results/table.md" python3 "$helper" table "$results"
cat "$results/table.md"

if [[ -n $output ]]; then
  cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  fs_type=$(df -PT -- "$work" | awk 'NR == 2 { print $2 }')
  if [[ -n ${DURABENCH_BIN:-} ]]; then
    built="binary $durabench (DURABENCH_BIN)"
  else
    built="built from commit $(git -C "$repo" describe --always --dirty 2>/dev/null ||
      echo unknown)"
  fi
  {
    echo "Command: \`$command_line\`"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- kernel: $(uname -r) ($(uname -m)); CPU: ${cpu_model:-unknown} x $(nproc)"
    echo "- fio: $fio_version; durabench: $durabench_version, $built"
    echo "- scratch: $work ($fs_type); $runs runs of $runtime per tool and case, alternating" \
      "fio/durabench; ${size_mib} MiB per job; medians of the runs"
    echo "- load average (1/5/15 min) before: $load_start; after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    cat "$results/table.md"
  } >"$output"
  echo "bench-vs-fio: wrote $output" >&2
fi
