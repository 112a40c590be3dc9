#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs what is needed,
# builds with -Werror, runs the unit and integration tests under AddressSanitizer +
# UndefinedBehaviorSanitizer (build/asan), then the whole suite in the normal build (build/test),
# whose CTest summary ends the output. Tests that need root, loop devices or other facilities
# this machine lacks report "skipped" with the reason. The normal leg includes the cluster tests
# (label `cluster`): CTest fixtures start a Ceph and a Gluster cluster under build/test/clusters
# on their own ports, beside any developer cluster (docs/test-clusters.md, "Tests and CI").
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc)

echo "== sanitizer build (address + undefined) =="
# Without the cluster tests and without librados/librbd: under ASan, loading librados costs about
# 0.5 s per process start (an empty ASan program: 0.03 s, linked with librados: 0.53 s), and the
# integration tests start durabench hundreds of times. The cluster tests, which alone reach the
# rados/rbd engines, would add another start and stop of both clusters (≈ 3 min). The native
# engines are run under ASan by hand before a change to them (docs/test-clusters.md).
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DDURABENCH_WERROR=ON -DDURABENCH_SANITIZE=ON \
  -DDURABENCH_BUILD_BENCH=OFF -DDURABENCH_ENABLE_CEPH=OFF -DDURABENCH_CLUSTER_TESTS=OFF >/dev/null
cmake --build build/asan -j"$jobs"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -LE 'bench|lint' --timeout 600)

echo "== normal build =="
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDURABENCH_WERROR=ON >/dev/null
cmake --build build/test -j"$jobs"
cd build/test && ctest --output-on-failure -j"$jobs" --timeout 600
