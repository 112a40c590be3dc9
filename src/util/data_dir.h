// Where the running durabench finds the files it ships: the workload presets and the report's
// plot script.
//
// They are found relative to the binary itself, so that an install under any prefix, a copy of
// that prefix elsewhere, a .deb and the build tree all work, and no build or source path is
// compiled in. The rule, with DURABENCH_DATA_DIR_FROM_BIN from config.h (CMake computes it from
// CMAKE_INSTALL_BINDIR and CMAKE_INSTALL_DATADIR; "../share/durabench" by default):
//
//   <prefix>/bin/durabench            -> <prefix>/share/durabench/{workloads/,plot.py}
//   build/X/src/cli/durabench         -> build/X/src/share/durabench/{workloads,plot.py}
//
// The build tree mirrors the installed layout: its share/durabench holds symbolic links to the
// source tree's workloads/ and scripts/plot.py, made by the build (cmake/install.cmake), so an
// edited preset is seen at once, as in the source tree.
//
// The binary's path is /proc/self/exe, which the kernel keeps fully resolved: a symbolic link
// to the binary (/usr/local/bin/durabench -> /opt/durabench/bin/durabench) leads to the data
// beside the real binary, and neither argv[0] nor $PATH is consulted. $DURABENCH_WORKLOADS and
// $DURABENCH_PLOT_SCRIPT, which come first, are read by their users, not here.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

// The running binary's data directory, lexically normal ("/usr/share/durabench"); whether it
// exists is not checked. An error (IoError, "readlink /proc/self/exe: <strerror>") when the
// binary's own path cannot be read, e.g. with no /proc mounted: the data is then unknown, and
// callers say so and name the environment variable that points at it.
// Thread-safe (no shared state); reads /proc/self/exe on every call.
Result<std::string> DataDir();

// The running binary's own path (/proc/self/exe), or the IoError above. Modules are found
// relative to it too (backend/modules.h).
Result<std::string> BinaryPath();

// The data directory of a binary at `binary_path` (absolute, as /proc/self/exe reads): the pure
// part of DataDir(), for tests.
std::string DataDirOfBinary(std::string_view binary_path);

}  // namespace durabench
