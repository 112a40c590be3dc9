// durabench on the two Gluster FUSE mounts of the fixture's cluster (scripts/gluster-up.sh):
// dbrep1 (one brick, Distribute) and dbrep3 (replica 3).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cluster_env.h"
#include "durabench_runner.h"
#include "mount_checks.h"

namespace durabench::testing {
namespace {

using GlusterMountTest = ClusterTest;

TEST_F(GlusterMountTest, CephWalOnRep1) {
  TempDir local;
  TempDir target(cluster_.Get("GLUSTER_MNT_REP1"));
  CommandResult r = RunWal(target.path(), local.File("r.json"), "3s");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  ExpectOps(j, {"write", "commit"});
  ExpectReplication(j, "glusterfs", "distribute", 1);
}

TEST_F(GlusterMountTest, FdatasyncOnRep3) {
  TempDir local;
  TempDir target(cluster_.Get("GLUSTER_MNT_REP3"));
  CommandResult r = RunWal(target.path(), local.File("r.json"), "3s", {"--sync", "fdatasync"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  ExpectOps(j, {"write", "flush", "commit"});
  ExpectReplication(j, "glusterfs", "replicate", 3);
}

// The same work on both volumes; compare names the replication difference.
TEST_F(GlusterMountTest, CompareRep1WithRep3) {
  TempDir local;
  TempDir rep1(cluster_.Get("GLUSTER_MNT_REP1"));
  TempDir rep3(cluster_.Get("GLUSTER_MNT_REP3"));
  for (const auto& [dir, out] : {std::pair{rep1.path(), local.File("rep1.json")},
                                 std::pair{rep3.path(), local.File("rep3.json")}}) {
    CommandResult r = RunWal(dir, out, "3s");
    ASSERT_EQ(r.exit_code, 0) << dir << ": " << r.out << r.err;
  }
  CommandResult c = Durabench({"compare", local.File("rep1.json"), local.File("rep3.json")});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("replication"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("3 copies"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("dbrep3"), std::string::npos) << c.out;
}

}  // namespace
}  // namespace durabench::testing
