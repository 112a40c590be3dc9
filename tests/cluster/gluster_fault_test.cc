// A brick of the replica-3 Gluster volume is SIGKILLed during a run on its FUSE mount
// (fault_checks.h). With quorum-type auto, 2 of 3 bricks keep the volume writable.
#include <gtest/gtest.h>

#include <string>

#include "cluster_env.h"
#include "fault_checks.h"

namespace durabench::testing {
namespace {

using GlusterFaultTest = ClusterTest;

TEST_F(GlusterFaultTest, BrickKilledDuringRunOnRep3) {
  const std::string pids = cluster_.Get("GLUSTER_BRICK_PIDS_REP3");
  ASSERT_FALSE(pids.empty()) << "cluster.env has no GLUSTER_BRICK_PIDS_REP3";
  const pid_t victim = static_cast<pid_t>(std::stol(pids.substr(0, pids.find(','))));
  // Only a brick of this fixture's cluster: its command line names the cluster directory.
  ASSERT_TRUE(PidCmdlineHas(victim, cluster_.dir + "/"))
      << "pid " << victim << " is not a brick of " << cluster_.dir;
  TempDir target(cluster_.Get("GLUSTER_MNT_REP3"));
  RunFaultScenario(target.path(), victim, "gluster dbrep3, brick pid " + std::to_string(victim));
  RestoreCluster("gluster-up.sh", cluster_.dir);
}

// The audit's node-loss tier: a brick killed mid-audit, the volume restored (the brick back,
// healed by Gluster), then every acknowledged write read back through the mount.
TEST_F(GlusterFaultTest, AuditKeptWithABrickKilledOnRep3) {
  const std::string pids = cluster_.Get("GLUSTER_BRICK_PIDS_REP3");
  ASSERT_FALSE(pids.empty()) << "cluster.env has no GLUSTER_BRICK_PIDS_REP3";
  const pid_t victim = static_cast<pid_t>(std::stol(pids.substr(0, pids.find(','))));
  ASSERT_TRUE(PidCmdlineHas(victim, cluster_.dir + "/"))
      << "pid " << victim << " is not a brick of " << cluster_.dir;
  TempDir target(cluster_.Get("GLUSTER_MNT_REP3"));
  TempDir local;
  const std::string witness = AuditThroughNodeLoss(target.path(), victim, local);
  RestoreCluster("gluster-up.sh", cluster_.dir);
  AuditKeptAfterRecovery(target.path(), witness,
                         "gluster dbrep3, brick pid " + std::to_string(victim));
}

}  // namespace
}  // namespace durabench::testing
