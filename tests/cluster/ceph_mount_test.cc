// durabench on the ceph-fuse mount of the fixture's Ceph cluster (scripts/ceph-up.sh).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cluster_env.h"
#include "durabench_runner.h"
#include "mount_checks.h"

namespace durabench::testing {
namespace {

class CephMountTest : public ClusterTest {
 protected:
  // The CephFS data pool's `size` (copies of every file write), asked from the mon.
  int64_t DataPoolSize() {
    std::string out;
    int rc = Shell("timeout 60 ceph -c '" + cluster_.Get("CEPH_CONF") +
                       "' osd pool get cephfs_data size -f json",
                   &out);
    EXPECT_EQ(rc, 0) << "ceph osd pool get cephfs_data size: " << out;
    try {
      return nlohmann::json::parse(out).at("size").get<int64_t>();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "bad answer from ceph osd pool get: " << out << ": " << e.what();
      return -1;
    }
  }
};

// ceph-wal as it is (O_DIRECT|O_SYNC, so every write is its own commit).
TEST_F(CephMountTest, CephWalOnCephFuse) {
  TempDir local;
  TempDir target(cluster_.Get("CEPHFS_MOUNT"));
  // --ceph-conf: the probe reads the data pool's size through librados.
  CommandResult r =
      RunWal(target.path(), local.File("r.json"), "3s", {"--ceph-conf", cluster_.Get("CEPH_CONF")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  ExpectOps(j, {"write", "commit"});
  ExpectReplication(j, "ceph", "", DataPoolSize());
}

// With a flush after each write the three kinds are measured apart.
TEST_F(CephMountTest, FdatasyncOnCephFuse) {
  TempDir local;
  TempDir target(cluster_.Get("CEPHFS_MOUNT"));
  CommandResult r = RunWal(target.path(), local.File("r.json"), "3s", {"--sync", "fdatasync"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  ExpectOps(j, {"write", "flush", "commit"});
}

}  // namespace
}  // namespace durabench::testing
