// Ground truth: a flush whose cost is known in advance (the syscall shim makes every fdatasync
// take exactly 2 ms) must be reported at that cost. Runs alone (RUN_SERIAL) so that another
// test's load does not blur the comparison.
#include <gtest/gtest.h>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

constexpr double kInjectedNs = 2'000'000;

TEST(GroundTruth, InjectedFdatasyncDelayReportedWithinFivePercent) {
  TempDir dir("/dev/shm");
  TempDir out;
  const std::string res = out.File("result.json");
  CommandResult r =
      Durabench({"run", "--target", dir.path(), "--sync", "fdatasync", "--ops", "300", "--runtime",
                 "0s", "--size", "4MiB", "--block-size", "4KiB", "-o", res, "--quiet"},
                ShimEnv({{"SHIM_DELAY_FDATASYNC_NS", "2000000"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  const auto& ops = j["phases"][0]["ops"];
  const double flush_p50 = ops["flush"]["lat_ns"]["percentiles"]["50"].get<double>();
  const double commit_p50 = ops["commit"]["lat_ns"]["percentiles"]["50"].get<double>();
  const double write_p50 = ops["write"]["lat_ns"]["percentiles"]["50"].get<double>();
  EXPECT_NEAR(flush_p50, kInjectedNs, 0.05 * kInjectedNs);
  EXPECT_NEAR(commit_p50, kInjectedNs, 0.05 * kInjectedNs);
  // The write itself (tmpfs, page cache) is nowhere near the flush cost.
  EXPECT_LT(write_p50, 0.1 * kInjectedNs);
  // No flush can be faster than the injected delay (less the histogram's 1 % bucket error).
  EXPECT_GE(ops["flush"]["lat_ns"]["min"].get<double>(), kInjectedNs);
  EXPECT_EQ(ops["flush"]["count"], 300);
}

TEST(GroundTruth, InjectedFsyncDelayOfTenMsWithGroupCommit) {
  // fsync_every = 5: one 10 ms fsync per 5 writes; every write's commit includes that fsync.
  TempDir dir("/dev/shm");
  TempDir out;
  const std::string res = out.File("result.json");
  CommandResult r =
      Durabench({"run", "--target", dir.path(), "--sync", "fsync", "--fsync-every", "5", "--ops",
                 "50", "--runtime", "0s", "--size", "1MiB", "-o", res, "--quiet"},
                ShimEnv({{"SHIM_DELAY_FSYNC_NS", "10000000"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  const auto& ops = j["phases"][0]["ops"];
  EXPECT_EQ(ops["flush"]["count"], 10);
  EXPECT_EQ(ops["commit"]["count"], 50);
  EXPECT_NEAR(ops["flush"]["lat_ns"]["percentiles"]["50"].get<double>(), 10e6, 0.05 * 10e6);
  EXPECT_GE(ops["commit"]["lat_ns"]["min"].get<double>(), 10e6);
}

}  // namespace
}  // namespace durabench::testing
