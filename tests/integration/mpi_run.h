// Running the real durabench binary under mpirun from tests (docs/scale-out.md): the launcher
// and the module found or a reason to skip, and mpirun's settings for this host.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "durabench_runner.h"

namespace durabench::testing {

inline std::string MpiModulePath() {
  namespace fs = std::filesystem;
  return (fs::path(kBinary).parent_path().parent_path() / "lib/durabench/durabench-mpi.so")
      .string();
}

inline std::string FindMpirun() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    const std::string path = std::string(dir) + "/mpirun";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Why a test under mpirun cannot run here; empty when it can.
inline std::string MpiSkipReason() {
  if (FindMpirun().empty()) return "mpirun not found (Debian: openmpi-bin)";
  if (::access(MpiModulePath().c_str(), F_OK) != 0) {
    return MpiModulePath() + " not built (Debian: libopenmpi-dev at build time)";
  }
  return "";
}

#define DURABENCH_SKIP_WITHOUT_MPI()                             \
  do {                                                           \
    if (const std::string why = MpiSkipReason(); !why.empty()) { \
      GTEST_SKIP() << why;                                       \
    }                                                            \
  } while (0)

// mpirun's own settings, through its environment: root allowed (CI runs as root), more ranks
// than cores, and every byte between the ranks on this host: shared memory, and the launcher's
// control channel on the loopback interface only.
inline std::map<std::string, std::string> MpiEnv() {
  return {{"OMPI_ALLOW_RUN_AS_ROOT", "1"},
          {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"},
          {"OMPI_MCA_rmaps_base_oversubscribe", "1"},
          {"OMPI_MCA_btl", "self,vader"},
          {"OMPI_MCA_btl_vader_single_copy_mechanism", "none"},
          {"OMPI_MCA_oob_tcp_if_include", "lo"},
          // In the ASan build: Open MPI does not free what MPI_Init allocates.
          {"ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0"},
          {"DURABENCH_WORKLOADS", DURABENCH_SOURCE_WORKLOADS}};
}

// `mpirun ARGS...` (each app context names the binary itself: kBinary).
inline CommandResult MpiRun(const std::vector<std::string>& args, int timeout_s = 180) {
  std::vector<std::string> argv = {FindMpirun()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, MpiEnv(), timeout_s);
}

// Checks a multi-client result of `ranks` ranks against `durabench merge` of its --rank-results
// in `ranks_dir`: every rank finished, the rows' counts add up to the aggregate's, and the
// merge has the same op histograms and measured time, phase by phase.
inline void ExpectAggregateIsMerge(const nlohmann::json& all, int ranks,
                                   const std::string& ranks_dir, const std::string& scratch) {
  ASSERT_TRUE(all.contains("ranks")) << all.dump(2);
  EXPECT_EQ(all["ranks"]["size"], ranks);
  for (const auto& rank : all["ranks"]["ranks"]) EXPECT_FALSE(rank.contains("error")) << rank;
  for (size_t p = 0; p < all["phases"].size(); ++p) {
    for (const auto& [op, stats] : all["phases"][p]["ops"].items()) {
      uint64_t sum = 0;
      int rows = 0;
      for (const auto& row : all["ranks"]["rows"]) {
        if (row["phase"] != p || row["op"] != op) continue;
        sum += row["count"].get<uint64_t>();
        ++rows;
      }
      EXPECT_EQ(rows, ranks) << op;
      EXPECT_EQ(sum, stats["count"].get<uint64_t>()) << op;
    }
  }
  std::vector<std::string> merge = {"merge"};
  for (int i = 0; i < ranks; ++i) {
    merge.push_back(ranks_dir + "/rank-" + std::to_string(i) + ".json");
  }
  merge.insert(merge.end(), {"-o", scratch + "/merged.json"});
  CommandResult m = Durabench(merge);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const nlohmann::json merged = LoadJson(scratch + "/merged.json");
  ASSERT_EQ(merged["phases"].size(), all["phases"].size());
  for (size_t p = 0; p < all["phases"].size(); ++p) {
    EXPECT_EQ(merged["phases"][p]["ops"], all["phases"][p]["ops"]) << "phase " << p;
    EXPECT_EQ(merged["phases"][p]["measured_ns"], all["phases"][p]["measured_ns"]);
  }
}

}  // namespace durabench::testing
