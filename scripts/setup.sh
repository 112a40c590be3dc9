#!/usr/bin/env bash
# Installs the Debian 12 packages durabench builds and tests with. Idempotent: installs only
# what is missing, and runs `apt-get update` only when something is. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format
  # LLVM's linker: links the test suite's ~80 executables in each build several times faster
  # than GNU ld (CMakeLists.txt, DURABENCH_LLD).
  lld
  libfmt-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libblkid-dev nettle-dev libisal-dev libboost-dev libncurses-dev
  liburing-dev libaio-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libfuse3-dev fuse3
  e2fsprogs xfsprogs btrfs-progs util-linux fdisk attr
  fio python3
  # Packaging and the installed documents (cmake/install.cmake, tests/install): cpack's .deb
  # computes Depends with dpkg-shlibdeps (dpkg-dev), which finds binaries with file; groff
  # checks the man page; strace shows what an installed binary opens.
  dpkg-dev file groff-base strace
  # Fuzzing (scripts/fuzz.sh, docs/testing.md): clang's libFuzzer and sanitizer runtimes.
  clang libclang-rt-14-dev
  python3-matplotlib python3-jinja2 chromium fonts-dejavu-core
  # Test clusters (docs/test-clusters.md; scripts/ceph-up.sh, scripts/gluster-up.sh) and the
  # native Ceph/Gluster engines' libraries. They start no daemon: there is no systemd here.
  ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph-common librados-dev librbd-dev
  uuid-runtime iproute2 iputils-ping nftables
  glusterfs-server glusterfs-client libglusterfs-dev
  # Multi-client runs under mpirun (docs/scale-out.md): Open MPI, and its headers for the
  # durabench-mpi module.
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup.sh: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
