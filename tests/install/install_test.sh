#!/usr/bin/env bash
# An installed durabench works wherever its prefix is moved, and knows no source or build path.
#
# Usage: install_test.sh SOURCE_DIR BUILD_DIR [sanitized]
#   1. `cmake --install BUILD_DIR --prefix TMP/prefix`; the layout is checked (binary, every
#      preset, plot.py and its page template report.html.j2, man page, completion).
#   2. The prefix is copied to TMP/moved and the original removed, so nothing can come from
#      where it was installed; the copy's binary, stripped of debug info, must not contain
#      SOURCE_DIR/workloads, SOURCE_DIR/scripts or BUILD_DIR.
#   3. From another working directory, with an empty environment (no DURABENCH_WORKLOADS,
#      no DURABENCH_PLOT_SCRIPT): `durabench list` lists every shipped preset and a workload
#      added to the moved copy only; `durabench run NAME` searches the moved copy; with strace
#      at hand, neither list nor report opens anything under SOURCE_DIR or BUILD_DIR.
#   4. The build tree's binary finds the presets the same way (its share/durabench mirror,
#      which also links plot.py's template).
#   5. As root, without /proc (a mount namespace of its own): run and report say that the
#      binary's place is unknown (report before writing anything); $DURABENCH_WORKLOADS works.
#      Not in a sanitizer build (third argument `sanitized`): its runtime needs /proc.
#   6. `durabench report` on a stored result writes index.html, with the moved copy's plot.py
#      and report.html.j2 (without plot.py, the report names that path and writes nothing).
# Exit 0 passed, 1 failed, 77 skipped (python3-matplotlib or python3-jinja2 missing, after the
# checks that do not need them passed).
set -euo pipefail

src=$(realpath "$1")
build=$(realpath "$2")
sanitized=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/durabench-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}
clean_env=(env -i PATH=/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8)

# 1. Install and check the layout.
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" ||
  fail "cmake --install: $(cat "$tmp/install.log")"
for f in bin/durabench share/durabench/plot.py share/durabench/report.html.j2 \
  share/man/man1/durabench.1.gz share/bash-completion/completions/durabench; do
  [[ -f $tmp/prefix/$f ]] || fail "not installed: $f"
done
cmp -s "$src/scripts/report.html.j2" "$tmp/prefix/share/durabench/report.html.j2" ||
  fail "share/durabench/report.html.j2 is not the source tree's scripts/report.html.j2"
[[ -x $tmp/prefix/bin/durabench ]] || fail "bin/durabench is not executable"
presets=()
for f in "$src"/workloads/*.toml; do
  name=$(basename "$f" .toml)
  presets+=("$name")
  cmp -s "$f" "$tmp/prefix/share/durabench/workloads/$name.toml" ||
    fail "share/durabench/workloads/$name.toml is not the source tree's $name.toml"
done
((${#presets[@]} >= 5)) || fail "only ${#presets[@]} presets in $src/workloads"

# 2. Move it: a copy elsewhere, the original gone.
cp -a "$tmp/prefix" "$tmp/moved"
rm -rf "$tmp/prefix"
bin=$tmp/moved/bin/durabench
# Data paths of the source tree and any path of the build tree. (Source file names may remain:
# assert() and AddressSanitizer keep them in Debug and sanitizer builds.)
data_paths=(-e "$src/workloads" -e "$src/scripts" -e "$build")
if command -v objcopy >/dev/null; then
  objcopy --strip-debug "$bin" "$tmp/stripped"
  if grep -aF "${data_paths[@]}" "$tmp/stripped" >/dev/null; then
    fail "the installed binary names the source tree's data or the build tree: $(
      strings "$tmp/stripped" | grep -F "${data_paths[@]}" | head -5)"
  fi
else
  echo "note: no objcopy (binutils): the binary's strings were not checked"
fi

# 3. list and run from elsewhere, with an empty environment.
mkdir "$tmp/work"
cd "$tmp/work"
printf 'description = "only in the moved copy"\n' >"$tmp/moved/share/durabench/workloads/zz-moved.toml"
list=$("${clean_env[@]}" "$bin" list) || fail "durabench list: exit $?"
for name in "${presets[@]}" zz-moved; do
  grep -qE "^  $name " <<<"$list" || fail "durabench list does not list $name: $list"
done
grep -q "only in the moved copy" <<<"$list" || fail "durabench list: no description of zz-moved"
if out=$("${clean_env[@]}" "$bin" run no-such-workload --target "$tmp/work" 2>&1); then
  fail "run no-such-workload succeeded"
fi
grep -qF "searched $tmp/moved/share/durabench/workloads;" <<<"$out" ||
  fail "run no-such-workload does not say it searched the moved copy: $out"

# strace shows every file the binary opens: none may lie in the source or build tree.
traced=()
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null &&
  [[ $tmp != "$src"* && $tmp != "$build"* ]]; then
  # LeakSanitizer (the asan leg's build) cannot stop a process that strace traces.
  traced=(strace -f -qq -s 4096 -e trace=%file -o "$tmp/trace" env ASAN_OPTIONS=detect_leaks=0)
else
  echo "note: no usable strace: the files opened were not checked"
fi
check_trace() {
  [[ ${#traced[@]} -gt 0 ]] || return 0
  if grep -F -e "\"$src" -e "\"$build" "$tmp/trace"; then
    fail "durabench $1 looked into the source or build tree (above)"
  fi
}
if ((${#traced[@]})); then
  "${clean_env[@]}" "${traced[@]}" "$bin" list >/dev/null || fail "durabench list under strace"
  check_trace list
fi

# The modules the build made are installed in lib/durabench and loaded from the moved copy.
for pair in ceph:rados gluster:gfapi; do
  name=${pair%%:*}
  engine=${pair#*:}
  [[ -f $build/src/lib/durabench/durabench-$name.so ]] || continue
  [[ -f $tmp/moved/lib/durabench/durabench-$name.so ]] || fail "not installed: lib/durabench/durabench-$name.so"
  grep -qE "^  $engine " <<<"$list" || fail "durabench list (moved) has no $engine engine: $list"
  if ((${#traced[@]})); then
    grep -qF "\"$tmp/moved/lib/durabench/durabench-$name.so\"" "$tmp/trace" ||
      fail "list did not load the moved copy's durabench-$name.so"
  fi
done

cp "$src/tests/report/data/ci-smoke-tmpfs.json" r.json

# 4. The build tree's binary finds the presets through the same rule.
build_list=$("${clean_env[@]}" "$build/src/cli/durabench" list) || fail "build tree: list"
grep -qE "^  ci-smoke " <<<"$build_list" || fail "the build tree's durabench lists no ci-smoke"
# plot.py follows its link to the source tree and reads the template beside it there; the link
# to the template is for whoever opens the build tree's share/durabench.
for f in plot.py report.html.j2; do
  [[ $(realpath "$build/src/share/durabench/$f") == "$src/scripts/$f" ]] ||
    fail "the build tree's share/durabench/$f is not a link to scripts/$f: $(
      ls -l "$build/src/share/durabench/")"
done

# 5. Without /proc (a mount namespace of its own, as root) the binary cannot know where it is:
#    it says so, refuses a report before writing it, and $DURABENCH_WORKLOADS still works.
no_proc=(unshare -m --propagation private sh -c 'umount -l /proc && exec "$@"' sh)
if [[ $sanitized == sanitized ]]; then
  echo "note: a sanitizer build, whose runtime needs /proc: the checks without /proc did not run"
elif [[ $(id -u) -eq 0 ]] && "${no_proc[@]}" true 2>/dev/null; then
  if out=$("${no_proc[@]}" "${clean_env[@]}" "$bin" run no-such-workload --target . 2>&1); then
    fail "without /proc: run no-such-workload succeeded"
  fi
  grep -qF "not the presets: their directory is unknown, readlink /proc/self/exe: " <<<"$out" ||
    fail "without /proc, run no-such-workload: $out"
  if out=$("${no_proc[@]}" "${clean_env[@]}" "$bin" report r.json -o no-proc 2>&1); then
    fail "without /proc: report succeeded"
  fi
  grep -qF "the plot script's place is unknown: readlink /proc/self/exe: " <<<"$out" ||
    fail "without /proc, report: $out"
  [[ ! -e no-proc ]] || fail "without /proc, report wrote no-proc/ before failing"
  out=$("${no_proc[@]}" "${clean_env[@]}" \
    DURABENCH_WORKLOADS="$tmp/moved/share/durabench/workloads" "$bin" list) ||
    fail "without /proc: list with DURABENCH_WORKLOADS: exit $?"
  grep -qE "^  ci-smoke " <<<"$out" || fail "without /proc, DURABENCH_WORKLOADS is not searched"
else
  echo "note: not root, or no mount namespace: the checks without /proc did not run"
fi

# 6. report, with the moved copy's plot.py.
if ! /usr/bin/python3 -c 'import matplotlib, jinja2' 2>/dev/null; then
  echo "skipped: python3-matplotlib or python3-jinja2 is not installed (the checks before" \
    "report passed)"
  exit 77
fi
"${clean_env[@]}" "${traced[@]}" "$bin" report r.json -o report >"$tmp/report.log" 2>&1 ||
  fail "durabench report: $(cat "$tmp/report.log")"
[[ -s report/index.html ]] || fail "no report/index.html: $(ls -la report)"
check_trace report
if ((${#traced[@]})); then
  grep -qF "execve(\"/usr/bin/python3\", [\"/usr/bin/python3\", \"$tmp/moved/share/durabench/plot.py\"" \
    "$tmp/trace" || fail "report did not run the moved copy's plot.py: $(grep execve "$tmp/trace")"
  grep -qF "\"$tmp/moved/share/durabench/report.html.j2\"" "$tmp/trace" ||
    fail "report did not read the moved copy's template: $(grep -F report.html.j2 "$tmp/trace")"
fi
rm "$tmp/moved/share/durabench/plot.py"
if out=$("${clean_env[@]}" "$bin" report r.json -o report2 2>&1); then
  fail "report without plot.py succeeded"
fi
grep -qF "plot script not found at $tmp/moved/share/durabench/plot.py" <<<"$out" ||
  fail "report without plot.py: $out"
[[ ! -e report2 ]] || fail "report without plot.py wrote report2/ before failing"
echo "passed: installed, moved to $tmp/moved, list and report work from $tmp/work"
