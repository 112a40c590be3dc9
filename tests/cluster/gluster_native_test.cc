// The gfapi engine against the fixture's Gluster cluster (volumes dbrep1 and dbrep3) through
// gluster:// targets: results, probe facts, clean-up, errors, a killed brick, and the op timeout
// on a brick that stops answering.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cluster_env.h"
#include "fault_checks.h"
#include "native_checks.h"

namespace durabench::testing {
namespace {

class GlusterNativeTest : public ClusterTest {
 protected:
  std::string Uri(const std::string& volume, const std::string& dir = "") {
    return "gluster://" + cluster_.Get("GLUSTER_HOST") + ":" + cluster_.Get("GLUSTER_PORT") + "/" +
           volume + dir;
  }
  std::vector<std::string> Args(const std::string& target, std::vector<std::string> more) {
    std::vector<std::string> a = {"run", "--target", target, "--size", "32MiB"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  pid_t BrickPid(const std::string& key) {
    const std::string pids = cluster_.Get(key);
    EXPECT_FALSE(pids.empty()) << "cluster.env has no " << key;
    if (pids.empty()) return -1;
    const pid_t pid = static_cast<pid_t>(std::stol(pids.substr(0, pids.find(','))));
    EXPECT_TRUE(PidCmdlineHas(pid, cluster_.dir + "/")) << pid << " is not this cluster's brick";
    return pid;
  }
};

TEST_F(GlusterNativeTest, CephWalOnBothVolumes) {
  for (const auto& [key, copies, type] :
       {std::tuple<std::string, int, std::string>{"GLUSTER_VOL_REP1", 1, "distribute"},
        {"GLUSTER_VOL_REP3", 3, "replicate"}}) {
    TempDir local;
    // The results' files go to a directory of their own on the volume (through the mount),
    // so what the run leaves behind is visible there.
    const std::string mount = cluster_.Get(copies == 1 ? "GLUSTER_MNT_REP1" : "GLUSTER_MNT_REP3");
    TempDir dir(mount);
    const std::string sub = dir.path().substr(mount.size());
    CommandResult r = Durabench(
        Args(Uri(cluster_.Get(key), sub), {"--runtime", "3s", "-o", local.File("r.json")}));
    ASSERT_EQ(r.exit_code, 0) << key << ": " << r.out << r.err;
    nlohmann::json j = LoadJson(local.File("r.json"));
    ExpectValidResult(j);
    EXPECT_EQ(PhaseEngine(j), "gfapi");
    EXPECT_EQ(j["target"].value("kind", ""), "gluster-directory");
    ExpectOps(j, {"write", "commit"});
    ExpectReplication(j, "glusterfs", type, copies);
    std::string left;
    Shell("ls -A '" + dir.path() + "'", &left);
    EXPECT_EQ(left, "") << "files left on the volume";
  }
}

TEST_F(GlusterNativeTest, FdatasyncAtQueueDepth8) {
  TempDir local;
  CommandResult r = Durabench(Args(
      Uri(cluster_.Get("GLUSTER_VOL_REP3")),
      {"--sync", "fdatasync", "--iodepth", "8", "--runtime", "3s", "-o", local.File("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectOps(j, {"write", "flush", "commit"});
  EXPECT_GT(j["phases"][0]["queue"].value("max_inflight", 0), 1);
}

TEST_F(GlusterNativeTest, ErrorsAreOneLineAndFast) {
  CommandResult r;
  double s = Timed([&] { r = Durabench(Args(Uri("no-such-volume"), {"--runtime", "1s"})); });
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot connect to gluster volume 'no-such-volume'"), std::string::npos)
      << r.err;
  EXPECT_LT(s, 10);
  // Nothing listens on port 1 of the cluster's address.
  s = Timed([&] {
    r = Durabench(
        Args("gluster://" + cluster_.Get("GLUSTER_HOST") + ":1/" + cluster_.Get("GLUSTER_VOL_REP3"),
             {"--runtime", "1s", "--connect-timeout", "3s"}));
  });
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  EXPECT_LT(s, 10);
  r = Durabench(Args(Uri(cluster_.Get("GLUSTER_VOL_REP3"), "/no/such/dir"), {"--runtime", "1s"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/no/such/dir"), std::string::npos) << r.err;
}

TEST_F(GlusterNativeTest, ProbeOfAVolume) {
  CommandResult r = Durabench({"probe", Uri(cluster_.Get("GLUSTER_VOL_REP3")), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = {{"probe", nlohmann::json::parse(r.out)}};
  EXPECT_EQ(j["probe"]["backend_kind"], "gfapi");
  ExpectReplication(j, "glusterfs", "replicate", 3);
}

// A brick of three SIGKILLed during a run: the volume stays writable, the run ends on time.
TEST_F(GlusterNativeTest, BrickKilledDuringRun) {
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
TEST_F(GlusterNativeTest, OpTimeoutWhenTheBrickStopsAnswering) {
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
