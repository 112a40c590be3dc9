// A killed OSD under the rbd engine, a run and an audit: runs after every other Ceph test, alone,
// and restores the cluster (tests/cluster/CMakeLists.txt).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster_env.h"
#include "fault_checks.h"
#include "native_checks.h"

namespace durabench::testing {
namespace {

using CephNativeFaultTest = ClusterTest;

// One OSD of three SIGKILLed during a run on the replica-3 image: writes go on (min_size 2),
// the run ends on time with its whole time series, then the cluster is restored.
TEST_F(CephNativeFaultTest, OsdKilledDuringRbdRun) {
  const pid_t victim =
      static_cast<pid_t>(std::stol(ReadFile(cluster_.Get("CEPH_PID_DIR") + "/osd.1.pid")));
  ASSERT_TRUE(PidCmdlineHas(victim, cluster_.dir + "/")) << victim << " is not this cluster's";
  TempDir local;
  CommandResult r;
  const double wall = Timed([&] {
    r = RunWithFaultAfter({"run", "--target", "rbd://rep3/" + UniqueName("dbt"), "--ceph-conf",
                           cluster_.Get("CEPH_CONF"), "--size", "32MiB", "--sync", "fdatasync",
                           "--runtime", "8s", "--interval", "250ms", "-o", local.File("r.json")},
                          3.0, [&] { ::kill(victim, SIGKILL); });
  });
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(wall, 8 + 10) << "the run did not end on time";
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  EXPECT_FALSE(j["phases"][0].value("timed_out", true));
  const StallFigures s = ReadStall(j, 5'000'000'000);  // after the kill in any case
  EXPECT_GE(s.last_start_ns, 8'000'000'000 - 2 * s.interval_ns) << "series ends early";
  EXPECT_GT(s.ops_after_fault, 0) << "no write completed after the OSD was killed";
  std::printf(
      "rbd rep3, osd.1 killed at ~3 s (wall %.2f s): max write %.1f ms, max flush %.1f ms, "
      "fewest writes in a 250 ms interval %lld, writes after 5 s %lld\n",
      wall, s.max_write_ns / 1e6, s.max_flush_ns / 1e6, static_cast<long long>(s.min_ops),
      static_cast<long long>(s.ops_after_fault));
  RestoreCluster("ceph-up.sh", cluster_.dir);
}

// The audit's node-loss tier on the target: rbd:// on the replica-3 pool, osd.1 killed
// 2 s into the audit, the cluster restored, every acknowledged write read back through librbd;
// verify then removes the image the audit created.
TEST_F(CephNativeFaultTest, AuditKeptOnRbdRep3WithAnOsdKilled) {
  const pid_t victim =
      static_cast<pid_t>(std::stol(ReadFile(cluster_.Get("CEPH_PID_DIR") + "/osd.1.pid")));
  ASSERT_TRUE(PidCmdlineHas(victim, cluster_.dir + "/")) << victim << " is not this cluster's";
  const std::string image = UniqueName("dbt-audit");
  RunAuditThroughNodeLoss("rbd://rep3/" + image, victim, "ceph-up.sh", cluster_.dir,
                          "rbd rep3, osd.1 pid " + std::to_string(victim),
                          {"--ceph-conf", cluster_.Get("CEPH_CONF")});
  std::string images;
  Shell("timeout 60 rbd ls rep3 -c '" + cluster_.Get("CEPH_CONF") + "' 2>&1", &images);
  EXPECT_EQ(images.find(image), std::string::npos) << "verify left the image: " << images;
}

}  // namespace
}  // namespace durabench::testing
