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

class CephFaultTest : public ClusterTest {
 protected:
  // osd.0's PID (read anew: a restore starts another), or -1 (with a failure) when there is no
  // pid file or the PID is not this fixture's OSD (its command line names the ceph.conf).
  pid_t Victim() {
    const std::string pid_text = ReadFile(cluster_.Get("CEPH_PID_DIR") + "/osd.0.pid");
    EXPECT_FALSE(pid_text.empty()) << "no pid file for osd.0 in " << cluster_.Get("CEPH_PID_DIR");
    if (pid_text.empty()) return -1;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (!PidCmdlineHas(pid, cluster_.Get("CEPH_CONF"))) {
      ADD_FAILURE() << "pid " << pid << " is not an OSD of " << cluster_.dir;
      return -1;
    }
    return pid;
  }
};

TEST_F(CephFaultTest, OsdKilledDuringRunOnCephFuse) {
  const pid_t victim = Victim();
  ASSERT_GT(victim, 0);
  TempDir target(cluster_.Get("CEPHFS_MOUNT"));
  RunFaultScenario(target.path(), victim, "ceph-fuse, osd.0 pid " + std::to_string(victim));
  RestoreCluster("ceph-up.sh", cluster_.dir);
}

}  // namespace
}  // namespace durabench::testing
