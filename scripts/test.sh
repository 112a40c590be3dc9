#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs what is needed,
# builds with -Werror, runs the unit and integration tests under AddressSanitizer +
# UndefinedBehaviorSanitizer (build/asan), then the whole suite in the normal build (build/test),
# whose CTest summary ends the output. Tests that need root, loop devices or other facilities
# this machine lacks report "skipped" with the reason. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc)

echo "== sanitizer build (address + undefined) =="
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DDURABENCH_WERROR=ON -DDURABENCH_SANITIZE=ON \
  -DDURABENCH_BUILD_BENCH=OFF >/dev/null
cmake --build build/asan -j"$jobs"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -LE 'bench|lint' --timeout 600)

echo "== normal build =="
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDURABENCH_WERROR=ON >/dev/null
cmake --build build/test -j"$jobs"
cd build/test && ctest --output-on-failure -j"$jobs" --timeout 600
