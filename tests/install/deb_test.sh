#!/usr/bin/env bash
# The Debian packages: `cpack -G DEB` with the build directory's CPackConfig.cmake builds
# durabench_VERSION_ARCH.deb, which holds the binary, every preset, plot.py and its template
# report.html.j2, the man page and the bash completion, with Depends computed by dpkg-shlibdeps
# (libc6 among them, and no Ceph, Gluster or MPI library) and Recommends python3-matplotlib and
# python3-jinja2; and, for each module the build made, durabench-ceph / durabench-gluster /
# durabench-mpi, holding the module and depending on durabench of the same version and on its
# client library.
#
# Usage: deb_test.sh SOURCE_DIR BUILD_DIR VERSION
# The package is written to a temporary directory, not the build directory.
# Exit 0 passed, 1 failed, 77 skipped (a tool CPack needs is missing: dpkg-dev, file).
set -euo pipefail

src=$(realpath "$1")
build=$(realpath "$2")
version=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/durabench-deb-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}
for tool in cpack dpkg-deb dpkg-shlibdeps file; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool not found (scripts/setup.sh installs dpkg-dev and file)"
    exit 77
  fi
done

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp" >"$tmp/cpack.log" 2>&1 ||
  fail "cpack: $(cat "$tmp/cpack.log")"
deb=$tmp/durabench_${version}_$(dpkg --print-architecture).deb
[[ -f $deb ]] || fail "no $(basename "$deb"); cpack wrote: $(ls "$tmp")"

contents=$(dpkg-deb -c "$deb") || fail "dpkg-deb -c"
expect=(./usr/bin/durabench ./usr/share/durabench/plot.py ./usr/share/durabench/report.html.j2
  ./usr/share/man/man1/durabench.1.gz ./usr/share/bash-completion/completions/durabench)
for f in "$src"/workloads/*.toml; do
  expect+=("./usr/share/durabench/workloads/$(basename "$f")")
done
for f in "${expect[@]}"; do
  grep -qE " ${f//./\\.}\$" <<<"$contents" || fail "the package lacks $f: $contents"
done
grep -qE '^-rwxr-xr-x root/root .* \./usr/bin/durabench$' <<<"$contents" ||
  fail "usr/bin/durabench is not an executable owned by root: $(grep bin/durabench <<<"$contents")"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == durabench ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || fail "Version: $(field Version), not $version"
depends=$(field Depends)
[[ -n $depends ]] || fail "Depends is empty: $(dpkg-deb -I "$deb")"
grep -qE '(^|, )libc6 \(>= [0-9.]+\)' <<<"$depends" || fail "Depends names no libc6: $depends"
for pkg in python3-matplotlib python3-jinja2; do
  grep -qE "(^|, )$pkg(,|$)" <<<"$(field Recommends)" ||
    fail "Recommends lacks $pkg: $(field Recommends)"
done
if grep -qE 'librados|librbd|libgfapi|libglusterfs|libopenmpi|libmpi' <<<"$depends"; then
  fail "durabench depends on a cluster library (the modules should): $depends"
fi

# The module packages, one per module built (src/lib/durabench in the build tree).
modules=""
for pair in ceph:librados2 gluster:libgfapi0 mpi:libopenmpi3; do
  name=${pair%%:*}
  lib=${pair#*:}
  [[ -f $build/src/lib/durabench/durabench-$name.so ]] || continue
  mdeb=$tmp/durabench-${name}_${version}_$(dpkg --print-architecture).deb
  [[ -f $mdeb ]] || fail "the $name module was built but no $(basename "$mdeb"): $(ls "$tmp")"
  dpkg-deb -c "$mdeb" | grep -qE " \./usr/lib/durabench/durabench-$name\.so\$" ||
    fail "$(basename "$mdeb") lacks usr/lib/durabench/durabench-$name.so: $(dpkg-deb -c "$mdeb")"
  mdepends=$(dpkg-deb -f "$mdeb" Depends)
  grep -qF "durabench (= $version)" <<<"$mdepends" ||
    fail "durabench-$name does not depend on durabench (= $version): $mdepends"
  grep -qE "(^|, )$lib( |,|\$)" <<<"$mdepends" || fail "durabench-$name does not depend on $lib: $mdepends"
  modules+=", durabench-$name (Depends: $mdepends)"
done

# The packaged binary is stripped and names neither the source tree's data nor the build tree.
dpkg-deb -x "$deb" "$tmp/root"
if grep -aF -e "$src/workloads" -e "$src/scripts" -e "$build" "$tmp/root/usr/bin/durabench" \
  >/dev/null; then
  fail "the packaged binary names the source tree's data or the build tree"
fi
file "$tmp/root/usr/bin/durabench" | grep -q ', stripped' || fail "the packaged binary is not stripped"
zcat "$tmp/root/usr/share/man/man1/durabench.1.gz" | cmp -s - "$src/docs/durabench.1" ||
  fail "the packaged man page is not docs/durabench.1"
echo "passed: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB, Depends: $depends$modules"
