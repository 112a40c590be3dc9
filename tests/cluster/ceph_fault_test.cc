// osd.0 is SIGKILLed during a run on the ceph-fuse mount (fault_checks.h). The CephFS data
// pool has size 3, min_size 2 (ceph-up.sh checks it), and every PG of it lives on all three
// OSDs, so osd.0 holds a copy of every object written: each write waits for it until the mon
// marks it down (fast, see the failure settings in scripts/lib/ceph-conf.sh), then goes on with
// two copies.
#include <gtest/gtest.h>

#include <string>

#include "cluster_env.h"
#include "fault_checks.h"

namespace durabench::testing {
namespace {

using CephFaultTest = ClusterTest;

TEST_F(CephFaultTest, OsdKilledDuringRunOnCephFuse) {
  const std::string pid_text = ReadFile(cluster_.Get("CEPH_PID_DIR") + "/osd.0.pid");
  ASSERT_FALSE(pid_text.empty()) << "no pid file for osd.0 in " << cluster_.Get("CEPH_PID_DIR");
  const pid_t victim = static_cast<pid_t>(std::stol(pid_text));
  // Only this fixture's OSD: its command line names the cluster's ceph.conf.
  ASSERT_TRUE(PidCmdlineHas(victim, cluster_.Get("CEPH_CONF")))
      << "pid " << victim << " is not an OSD of " << cluster_.dir;
  TempDir target(cluster_.Get("CEPHFS_MOUNT"));
  RunFaultScenario(target.path(), victim, "ceph-fuse, osd.0 pid " + std::to_string(victim));
  RestoreCluster("ceph-up.sh", cluster_.dir);
}

// The audit's node-loss tier: osd.0 killed mid-audit on the ceph-fuse mount, the cluster
// restored (osd.0 back), then every acknowledged write read back through the mount.
TEST_F(CephFaultTest, AuditKeptWithAnOsdKilledOnCephFuse) {
  const std::string pid_text = ReadFile(cluster_.Get("CEPH_PID_DIR") + "/osd.0.pid");
  ASSERT_FALSE(pid_text.empty()) << "no pid file for osd.0 in " << cluster_.Get("CEPH_PID_DIR");
  const pid_t victim = static_cast<pid_t>(std::stol(pid_text));
  ASSERT_TRUE(PidCmdlineHas(victim, cluster_.Get("CEPH_CONF")))
      << "pid " << victim << " is not an OSD of " << cluster_.dir;
  TempDir target(cluster_.Get("CEPHFS_MOUNT"));
  TempDir local;
  const std::string witness = AuditThroughNodeLoss(target.path(), victim, local);
  RestoreCluster("ceph-up.sh", cluster_.dir);
  AuditKeptAfterRecovery(target.path(), witness, "ceph-fuse, osd.0 pid " + std::to_string(victim));
}

}  // namespace
}  // namespace durabench::testing
