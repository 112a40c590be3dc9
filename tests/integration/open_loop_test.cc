// Open loop (rate_iops): a stall in the device must show in the coordinated-omission-corrected
// latency of every operation that was scheduled during it, while the latency measured from the
// actual submission shows only the one slow write. Runs alone (timing).
#include <gtest/gtest.h>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

TEST(OpenLoop, InjectedStallShowsInCorrectedTail) {
  TempDir dir("/dev/shm");
  TempDir out;
  const std::string res = out.File("result.json");
  // 1000 writes/s for 2 s; write number 500 stalls for 200 ms, delaying ~200 scheduled writes.
  CommandResult r =
      Durabench({"run", "--target", dir.path(), "--sync", "none", "--rate-iops", "1000",
                 "--runtime", "2s", "--size", "1MiB", "--no-layout-fill", "-o", res, "--quiet"},
                ShimEnv({{"SHIM_STALL_WRITE_AT", "500"}, {"SHIM_STALL_NS", "200000000"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  ExpectValidResult(j);
  const auto& w = j["phases"][0]["ops"]["write"];
  ASSERT_TRUE(w.contains("co_lat_ns")) << w.dump();
  const auto& lat = w["lat_ns"];
  const auto& co = w["co_lat_ns"];
  EXPECT_EQ(co["histogram"]["bins"].size() > 0, true);
  // The schedule held: about 2000 writes in 2 s.
  EXPECT_NEAR(w["count"].get<double>(), 2000.0, 100.0);
  // Measured from submission, one write took 200 ms and the rest were fast...
  EXPECT_GE(lat["max"].get<double>(), 200e6);
  EXPECT_LT(lat["percentiles"]["99"].get<double>(), 5e6);
  // ...but ~10 % of the schedule waited behind the stall: the corrected p90 sits well inside it
  // (the write due 10 ms before the stall ended waited ~10 ms) and its p99 near 180 ms.
  EXPECT_GT(co["percentiles"]["99"].get<double>(), 100e6);
  EXPECT_GE(co["max"].get<double>(), 200e6);
  EXPECT_GE(co["percentiles"]["50"].get<double>(), lat["percentiles"]["50"].get<double>());
}

TEST(OpenLoop, ClosedLoopHasNoCorrectedLatency) {
  TempDir dir("/dev/shm");
  CommandResult r = Durabench({"run", "--target", dir.path(), "--ops", "100", "--runtime", "0s",
                               "--size", "1MiB", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["phases"][0]["ops"]["write"].contains("co_lat_ns"));
}

TEST(Jobs, HistogramsOfAllJobsAreMerged) {
  TempDir dir("/dev/shm");
  CommandResult r = Durabench({"run", "--target", dir.path(), "--ops", "300", "--runtime", "0s",
                               "--size", "1MiB", "--jobs", "3", "--cpus", "0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ExpectValidResult(j);
  const auto& ops = j["phases"][0]["ops"];
  EXPECT_EQ(ops["write"]["count"], 900);
  EXPECT_EQ(ops["flush"]["count"], 900);
  EXPECT_EQ(ops["commit"]["count"], 900);
  EXPECT_EQ(j["target"]["files"].size(), 3u);
  uint64_t in_series = 0;
  for (const auto& iv : j["phases"][0]["time_series"]["intervals"]) {
    in_series += iv["ops"]["write"]["count"].get<uint64_t>();
  }
  EXPECT_EQ(in_series, 900u);
}

}  // namespace
}  // namespace durabench::testing
