// The fio command line that runs the same work as a phase, so any durabench result can be
// cross-checked with fio (`durabench run --fio-equivalent`).
#pragma once

#include <string>
#include <vector>

#include "spec/spec.h"

namespace durabench {

struct FioCommand {
  // For files durabench lays out (a directory or file target): the fio run that writes fio's
  // files once first, so that both measure overwrites of written blocks (durabench's layout
  // pass), not first writes into unwritten extents. Empty for block devices and reads only.
  std::string layout;
  std::string command;               // one shell-quoted line: "fio --name=... --rw=..."
  std::vector<std::string> caveats;  // where fio cannot do exactly the same, and what it does
};

// `target_kind` is "directory", "file" or "block-device" (TargetKindName); `target_path` as given.
FioCommand FioEquivalent(const PhaseSpec& phase, const std::string& target_path,
                         const std::string& target_kind);

}  // namespace durabench
