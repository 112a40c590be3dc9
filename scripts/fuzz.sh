#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz; clang, -DDURABENCH_FUZZ=ON: ASan + UBSan) in
# build/fuzz and runs each for SECONDS_EACH seconds (default 60: the five fuzzers take five
# minutes one at a time; scripts/test.sh runs one per core). Prints one line per fuzzer with its exec count; exits non-zero
# if any fuzzer found a crash, a leak, an abort, a timeout or ran out of memory.
#
#   scripts/fuzz.sh [SECONDS_EACH] [NAME...]      NAME: workload result_reader fio_import uri units
#
# Environment:
#   FUZZ_JOBS=N        fuzzers run side by side (default 1)
#   FUZZ_BUILD_DIR     build directory (default build/fuzz)
#   FUZZ_RSS_MB        memory limit per fuzzer (default 2048)
#   FUZZ_MAX_LEN       longest input tried, bytes (default 16384; the seeds are smaller)
# The corpus each fuzzer grows is kept in $FUZZ_BUILD_DIR/corpus/NAME and reused by the next run;
# a crashing input is written to $FUZZ_BUILD_DIR/artifacts/ and the log to $FUZZ_BUILD_DIR/logs/.
# docs/testing.md ("Fuzzing") says how to run longer, and how a crash becomes a regression test.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
all=(workload result_reader fio_import uri units)
names=("$@")
((${#names[@]})) || names=("${all[@]}")
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
jobs=${FUZZ_JOBS:-1}
rss_mb=${FUZZ_RSS_MB:-2048}
max_len=${FUZZ_MAX_LEN:-16384}

if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "fuzz.sh: SECONDS_EACH must be a positive integer, not '$seconds'" >&2
  exit 2
fi
for n in "${names[@]}"; do
  [[ " ${all[*]} " == *" $n "* ]] || { echo "fuzz.sh: unknown fuzzer '$n'; valid: ${all[*]}" >&2; exit 2; }
done
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/setup.sh installs it)" >&2; exit 2; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
  -DDURABENCH_WERROR=ON -DDURABENCH_FUZZ=ON -DDURABENCH_BUILD_TESTS=OFF -DDURABENCH_BUILD_BENCH=OFF \
  -DDURABENCH_CLUSTER_TESTS=OFF -DDURABENCH_ENABLE_CEPH=OFF -DDURABENCH_ENABLE_GLUSTER=OFF \
  -DDURABENCH_ENABLE_MPI=OFF >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

mkdir -p "$build/logs" "$build/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one fuzzer; writes its summary line to $build/logs/NAME.summary.
run_one() {
  local n=$1 exe="$build/tests/fuzz/fuzz_$1" log="$build/logs/$1.log" corpus="$build/corpus/$1"
  mkdir -p "$corpus"
  local seeds=()
  while IFS= read -r d; do [[ -n $d && -d $d ]] && seeds+=("$d"); done <"$build/tests/fuzz/fuzz_$n.seeds"
  local rc=0
  "$exe" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -timeout=25 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$build/artifacts/$n-" "$corpus" "${seeds[@]}" \
    >"$log" 2>&1 || rc=$?
  local execs units
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(ls "$corpus" | wc -l)
  local verdict="ok"
  if ((rc != 0)); then
    verdict="FAILED (exit $rc): $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|^ALARM|out-of-memory|deadly signal' "$log" || echo 'see log'); log $log"
    local artifact
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    [[ -n $artifact ]] && verdict+="; input $artifact"
  fi
  printf 'fuzz_%-14s %5s s  %12s execs  corpus %6s  %s\n' "$n" "$seconds" "${execs:-?}" "$units" "$verdict" \
    >"$build/logs/$n.summary"
  return "$rc"
}

failed=0
running=0
for n in "${names[@]}"; do
  run_one "$n" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
for n in "${names[@]}"; do cat "$build/logs/$n.summary"; done
exit "$failed"
