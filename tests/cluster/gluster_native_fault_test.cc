// A killed brick and a brick that stops answering (the op timeout) under the gfapi engine: runs
// after every other Gluster test, alone, and restores the cluster.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster_env.h"
#include "fault_checks.h"
#include "gluster_native.h"
#include "native_checks.h"

namespace durabench::testing {
namespace {

using GlusterNativeFaultTest = GlusterNativeTest;

// A brick of three SIGKILLed during a run: the volume stays writable, the run ends on time.
TEST_F(GlusterNativeFaultTest, BrickKilledDuringRun) {
  const pid_t victim = BrickPid("GLUSTER_BRICK_PIDS_REP3");
  ASSERT_GT(victim, 0);
  TempDir local;
  CommandResult r;
  const double wall = Timed([&] {
    r = RunWithFaultAfter(Args(Uri(cluster_.Get("GLUSTER_VOL_REP3")),
                               {"--sync", "fdatasync", "--runtime", "8s", "--interval", "250ms",
                                "-o", local.File("r.json")}),
                          3.0, [&] { ::kill(victim, SIGKILL); });
  });
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(wall, 8 + 10);
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  const StallFigures s = ReadStall(j, 5'000'000'000);
  EXPECT_GE(s.last_start_ns, 8'000'000'000 - 2 * s.interval_ns);
  EXPECT_GT(s.ops_after_fault, 0);
  std::printf(
      "gfapi dbrep3, brick killed at ~3 s (wall %.2f s): max write %.1f ms, max flush "
      "%.1f ms, fewest writes in a 250 ms interval %lld\n",
      wall, s.max_write_ns / 1e6, s.max_flush_ns / 1e6, static_cast<long long>(s.min_ops));
  RestoreCluster("gluster-up.sh", cluster_.dir);
}

// The only brick of dbrep1 stops answering (SIGSTOP): with --op-timeout 3s the run ends with a
// timeout error and the partial result instead of hanging; the brick then continues.
TEST_F(GlusterNativeFaultTest, OpTimeoutWhenTheBrickStopsAnswering) {
  const pid_t brick = BrickPid("GLUSTER_BRICK_PIDS_REP1");
  ASSERT_GT(brick, 0);
  TempDir local;
  CommandResult r;
  const double wall = Timed([&] {
    r = RunWithFaultAfter(Args(Uri(cluster_.Get("GLUSTER_VOL_REP1")),
                               {"--sync", "fdatasync", "--runtime", "20s", "--op-timeout", "3s",
                                "--interval", "250ms", "-o", local.File("r.json")}),
                          2.0, [&] { ::kill(brick, SIGSTOP); });
  });
  ::kill(brick, SIGCONT);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("op timeout of 3.00s"), std::string::npos) << r.err;
  EXPECT_LT(wall, 12) << "the run should end about 3 s (+2 s grace) after the stall, not at 20 s";
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  EXPECT_TRUE(j["phases"][0].value("timed_out", false));
  ExpectOps(j, {"write", "flush", "commit"});  // what completed before the stall is kept
}

}  // namespace
}  // namespace durabench::testing
