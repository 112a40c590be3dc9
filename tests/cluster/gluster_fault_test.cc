// A brick of the replica-3 Gluster volume is SIGKILLed during a run on its FUSE mount
// (fault_checks.h). With quorum-type auto, 2 of 3 bricks keep the volume writable.
#include <gtest/gtest.h>

#include <string>

#include "cluster_env.h"
#include "fault_checks.h"

namespace durabench::testing {
namespace {

class GlusterFaultTest : public ClusterTest {
 protected:
  // The first brick of dbrep3, or -1 (with a failure) when cluster.env has none or the PID is
  // not a brick of this fixture's cluster (its command line names the cluster directory).
  pid_t Victim() {
    const std::string pids = cluster_.Get("GLUSTER_BRICK_PIDS_REP3");
    EXPECT_FALSE(pids.empty()) << "cluster.env has no GLUSTER_BRICK_PIDS_REP3";
    if (pids.empty()) return -1;
    const pid_t pid = static_cast<pid_t>(std::stol(pids.substr(0, pids.find(','))));
    if (!PidCmdlineHas(pid, cluster_.dir + "/")) {
      ADD_FAILURE() << "pid " << pid << " is not a brick of " << cluster_.dir;
      return -1;
    }
    return pid;
  }
};

TEST_F(GlusterFaultTest, BrickKilledDuringRunOnRep3) {
  const pid_t victim = Victim();
  ASSERT_GT(victim, 0);
  TempDir target(cluster_.Get("GLUSTER_MNT_REP3"));
  RunFaultScenario(target.path(), victim, "gluster dbrep3, brick pid " + std::to_string(victim));
  RestoreCluster("gluster-up.sh", cluster_.dir);
}

// The audit's node-loss tier: a brick killed mid-audit, the volume restored (the brick back,
// healed by Gluster), then every acknowledged write read back through the mount.
TEST_F(GlusterFaultTest, AuditKeptWithABrickKilledOnRep3) {
  const pid_t victim = Victim();
  ASSERT_GT(victim, 0);
  TempDir target(cluster_.Get("GLUSTER_MNT_REP3"));
  RunAuditThroughNodeLoss(target.path(), victim, "gluster-up.sh", cluster_.dir,
                          "gluster dbrep3, brick pid " + std::to_string(victim));
}

}  // namespace
}  // namespace durabench::testing
