#!/usr/bin/env bash
# Fails when a C++ source file differs from .clang-format (Google style, 100 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "skipped: clang-format not installed"; exit 77; }
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.h' 'src/*.cc' 'tests/*.h' 'tests/*.cc' 2>/dev/null || find src tests -name '*.h' -o -name '*.cc')
bad=0
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=1
  fi
done
exit $bad
