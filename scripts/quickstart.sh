#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a latency profile: installs what is needed,
# builds durabench (Release), and runs the `ceph-wal` workload (4 KiB writes, each made durable)
# against ./durabench-scratch for 20 s. Prints the summary; the JSON lands in
# reports/quickstart.json. Idempotent; the scratch directory is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DDURABENCH_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" >/dev/null

scratch=./durabench-scratch
mkdir -p "$scratch" reports
trap 'rm -rf "$scratch"' EXIT
build/release/src/cli/durabench run ceph-wal --target "$scratch" \
  --runtime "${DURABENCH_QUICKSTART_RUNTIME:-20s}" --size 256MiB -o reports/quickstart.json
