// Running the real durabench binary from tests, and checking its JSON result.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace durabench::testing {

inline const std::string kBinary = DURABENCH_BINARY;
inline const std::string kShim = DURABENCH_SHIM;

// Runs `durabench ARGS...` with extra environment.
inline CommandResult Durabench(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env = {},
                               int timeout_s = 120) {
  std::vector<std::string> argv = {kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> e = env;
  e.emplace("DURABENCH_WORKLOADS", DURABENCH_SOURCE_WORKLOADS);
  return RunCommand(argv, e, timeout_s);
}

// Environment that preloads the syscall shim (ASan tolerates a preload listed before it).
inline std::map<std::string, std::string> ShimEnv(std::map<std::string, std::string> extra) {
  extra["LD_PRELOAD"] = kShim;
  extra["ASAN_OPTIONS"] = "verify_asan_link_order=0";
  return extra;
}

// Reads the shim's "name count" lines.
std::map<std::string, uint64_t> ReadShimCounts(const std::string& path);

// Checks every field docs/results.md promises; reports failures through gtest.
void ExpectValidResult(const nlohmann::json& j);

// Loads and parses a result file (fails the test on error).
nlohmann::json LoadJson(const std::string& path);

}  // namespace durabench::testing
