#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs what is needed,
# then runs four legs, each built with -Werror in a directory of its own (docs/testing.md,
# "Test legs"):
#   asan    unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer
#           (build/asan)
#   tsan    the concurrent code (jobs > 1, open loop, io_uring, libaio, the native engines'
#           completion hand-over) under ThreadSanitizer: the tests labelled `tsan` (build/tsan)
#   fuzz    scripts/fuzz.sh, each libFuzzer target for 30 s (FUZZ_SECONDS) (build/fuzz), as many
#           side by side as there are cores, when that script is there
#   normal  the whole suite in the normal build (build/test), cluster tests included: CTest
#           fixtures start a Ceph and a Gluster cluster under build/test/clusters on their own
#           ports, beside any developer cluster (docs/test-clusters.md, "Tests and CI")
# Every leg runs even when an earlier one failed. Before the normal leg an overview lists each
# earlier leg's result, CTest summary line and time; the normal leg's CTest summary then ends
# the output (CI reads its last line). The exit status is non-zero when any leg failed.
# Tests that need root, loop devices or other facilities this machine lacks report "skipped"
# with the reason. Logs: build/test-logs/LEG.log. Idempotent.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || exit
jobs=$(nproc)
logs=build/test-logs
mkdir -p "$logs"

overview=()
any_failed=0
# The normal and tsan legs compile the tests' own code at -O0 (DURABENCH_TESTS_O0), the asan leg
# without ASan and UBSan (DURABENCH_TESTS_UNSANITIZED; tests/CMakeLists.txt): what they test keeps
# the leg's flags.
# Line tables only (-g1) in the legs' builds: sanitizer reports and backtraces keep file:line,
# and the optimised builds take a quarter to a third less (tsan: 374 s with -g in a clean-clone
# run, 273 s with -g1; normal: about 650 s, 436 s); the Debug ASan build is no faster (535 s).
# A developer's build keeps CMake's -g.
g1=(-DCMAKE_C_FLAGS_DEBUG=-g1 -DCMAKE_CXX_FLAGS_DEBUG=-g1
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")

# Long end-to-end tests the asan leg leaves to the others (asan_leg).
asan_long_tests='^(AuditEmuDrive\.(HonestDrives|ALiarLoses).*|EvalEmuDrive\.QuickReportCardOnAVolatileDrive|GateCli\.RealRuns|Chaos\.TheStallIsAsLongAsTheDriveWasFrozen)$'
asan_leg() {
  # Without the cluster tests and so without the Ceph module (they alone reach the rados/rbd
  # engines): they would add another start and stop of both clusters (≈ 3 min), and the module's
  # Debug + ASan build time. The native engines are run under ASan by hand before a change to
  # them (docs/test-clusters.md). The binary links no cluster library any more, so the Gluster
  # module, built here, costs a process nothing until it is loaded (`list`, the module tests).
  cmake -S . -B build/asan "${g1[@]}" -DCMAKE_BUILD_TYPE=Debug -DDURABENCH_WERROR=ON -DDURABENCH_SANITIZE=ON \
    -DDURABENCH_BUILD_BENCH=OFF -DDURABENCH_ENABLE_CEPH=OFF -DDURABENCH_CLUSTER_TESTS=OFF \
    -DDURABENCH_TESTS_UNSANITIZED=ON >/dev/null
  cmake --build build/asan -j"$jobs"
  cd build/asan
  # Without the report tests (label `report`, ≈ 140 s here): Python and matplotlib draw, the
  # binary only writes the series, which the run and report tests of this leg exercise already.
  # Without five long end-to-end tests (230 s of the leg's 409 s of tests under ASan, Debug):
  # repetitions (20 cuts per drive mode, eval's whole card, gate on real runs, a 20 s paced
  # stall) of code that shorter tests of the same binaries run under ASan here (Audit.*,
  # Eval.*, GateCli.*, Chaos.*); the normal leg runs them, and the tsan leg the audit and chaos
  # ones.
  ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -LE 'bench|lint|report' \
    -E "$asan_long_tests" --timeout 600
}

tsan_leg() {
  # Only the tests labelled `tsan` (docs/testing.md, "Sanitizers"): the unit tests of measure,
  # engine and workload, and the integration tests that run several jobs, open loop, io_uring,
  # libaio, the op timeout and signals. The timing tests (ground truth, gate, breakdown) add no
  # concurrency and run in the other legs. Without the cluster tests (run under TSan by hand,
  # docs/test-clusters.md): a third start of both clusters costs ≈ 3 min.
  cmake -S . -B build/tsan "${g1[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDURABENCH_WERROR=ON \
    -DDURABENCH_TSAN=ON -DDURABENCH_BUILD_BENCH=OFF -DDURABENCH_CLUSTER_TESTS=OFF \
    -DDURABENCH_TESTS_O0=ON >/dev/null
  cmake --build build/tsan -j"$jobs" --target durabench_tsan_tests
  cd build/tsan
  # A race fails the process (exit 66) at the first report; the report goes to stderr, which
  # the tests print on failure.
  # tests/tsan/suppressions.txt: races inside the uninstrumented Ceph and Gluster libraries.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 suppressions=$PWD/../../tests/tsan/suppressions.txt" \
    ctest --output-on-failure -j"$jobs" -L tsan --timeout 600
}

fuzz_leg() {
  if [[ ! -x scripts/fuzz.sh ]]; then
    echo "no executable scripts/fuzz.sh: fuzz leg skipped"
    return 0
  fi
  # Two fuzzers side by side, 30 s each: three rounds on two cores, where one at a time took five.
  # (A smoke test of each target from its seeds; longer runs by hand: docs/testing.md.)
  FUZZ_JOBS=${FUZZ_JOBS:-$jobs} scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
}

normal_leg() {
  cmake -S . -B build/test "${g1[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDURABENCH_WERROR=ON \
    -DDURABENCH_TESTS_O0=ON >/dev/null
  cmake --build build/test -j"$jobs"
  cd build/test
  ctest --output-on-failure -j"$jobs" --timeout 600
}

# leg NAME: runs NAME_leg in a subshell with errexit, so a failed configure, build or test run
# ends that leg only; its output is shown and kept in $logs/NAME.log. Adds a line to the
# overview: result, the last CTest summary line, time.
leg() {
  local name=$1 start=$SECONDS rc summary
  echo "== $name leg =="
  (
    set -e
    "${name}_leg"
  ) 2>&1 | tee "$logs/$name.log"
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '^[0-9]+% tests passed' "$logs/$name.log" | tail -n 1)
  if ((rc == 0)); then
    overview+=("$(printf '%-7s passed   %5d s  %s' "$name" $((SECONDS - start)) "$summary")")
  else
    any_failed=1
    overview+=("$(printf '%-7s FAILED   %5d s  exit %d  %s' "$name" $((SECONDS - start)) "$rc" \
      "${summary:-(no test summary: configure or build failed)}")")
  fi
}

leg asan
leg tsan
leg fuzz

echo "== legs so far (the normal leg follows; its CTest summary ends the output) =="
printf '%s\n' "${overview[@]}"
echo "== normal leg =="
start=$SECONDS
echo "started at $(date -u +%H:%M:%S) UTC; the legs before it took $((start / 60)) min $((start % 60)) s"
(
  set -e
  normal_leg
) 2>&1 | tee "$logs/normal.log"
rc=${PIPESTATUS[0]}
((rc == 0)) || any_failed=1
# The end of the output is what a CI page shows: every leg's line and each earlier leg's failed
# tests again, then the normal leg's CTest summary once more, so that it still ends the output.
echo "== all legs (total $((SECONDS / 60)) min $((SECONDS % 60)) s) =="
printf '%s\n' "${overview[@]}"
printf '%-7s %s   %5d s  %s\n' normal "$( ((rc == 0)) && echo passed || echo FAILED)" \
  $((SECONDS - start)) "$(grep -E '^[0-9]+% tests passed' "$logs/normal.log" | tail -n 1)"
for name in asan tsan fuzz; do
  sed -n '/^The following tests FAILED:/,$p' "$logs/$name.log" | head -n 20 | sed "s/^/$name: /"
  grep -E '^fuzz_.*FAILED' "$logs/$name.log" | sed "s/^/$name: /" || true
done
sed -n '/^[0-9]*% tests passed/,$p' "$logs/normal.log"
exit $((rc != 0 ? rc : any_failed))
