// Gluster replication facts from a fake client graph (MOUNT/.meta/graphs/active), laid out as
// glusterfs 10 shows it: one directory per translator with a `type` file and `subvolumes/N`.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fake_sysfs.h"
#include "target/probe_internal.h"

namespace durabench {
namespace {

using testing::FakeSys;
using testing::TempDir;

class ProbeGluster : public ::testing::Test {
 protected:
  // A translator `name` of `type` with `children` subvolumes.
  void Node(const std::string& name, const std::string& type, int children = 0) {
    const std::string dir = tmp_.path() + "/.meta/graphs/active/" + name;
    FakeSys::Write(dir + "/type", type + "\n");
    FakeSys::Mkdirs(dir + "/subvolumes");
    for (int i = 0; i < children; ++i) {
      FakeSys::Mkdirs(dir + "/subvolumes/" + std::to_string(i));
    }
  }
  ReplicationFacts Probe(const std::string& source = "127.0.0.1:vol") {
    return internal::ProbeGlusterReplication(tmp_.path(), source);
  }
  TempDir tmp_;
};

TEST_F(ProbeGluster, ReplicaThree) {
  Node("vol", "debug/io-stats", 1);
  Node("vol-write-behind", "performance/write-behind", 1);
  Node("vol-dht", "cluster/distribute", 1);
  Node("vol-replicate-0", "cluster/replicate", 3);
  for (int i = 0; i < 3; ++i) Node("vol-client-" + std::to_string(i), "protocol/client");
  const ReplicationFacts r = Probe();
  EXPECT_EQ(r.system.value, "glusterfs");
  EXPECT_EQ(r.volume.value, "vol");
  EXPECT_EQ(r.volume_type.value, "replicate");
  EXPECT_EQ(r.replica_count.value, "3");
  EXPECT_TRUE(r.min_size.not_applicable());
}

TEST_F(ProbeGluster, PlainDistributeKeepsOneCopy) {
  Node("vol-dht", "cluster/distribute", 1);
  Node("vol-client-0", "protocol/client");
  const ReplicationFacts r = Probe("127.0.0.1:/vol");  // "HOST:/VOLUME" works too
  EXPECT_EQ(r.volume.value, "vol");
  EXPECT_EQ(r.volume_type.value, "distribute");
  EXPECT_EQ(r.replica_count.value, "1");
}

TEST_F(ProbeGluster, DistributedReplicate) {
  Node("vol-dht", "cluster/distribute", 2);
  Node("vol-replicate-0", "cluster/replicate", 2);
  Node("vol-replicate-1", "cluster/replicate", 2);
  const ReplicationFacts r = Probe();
  EXPECT_EQ(r.volume_type.value, "distributed-replicate");
  EXPECT_EQ(r.replica_count.value, "2");
}

TEST_F(ProbeGluster, UnequalReplicaSetsAreUnknownNotGuessed) {
  Node("vol-replicate-0", "cluster/replicate", 2);
  Node("vol-replicate-1", "cluster/replicate", 3);
  const ReplicationFacts r = Probe();
  EXPECT_EQ(r.volume_type.value, "distributed-replicate");
  EXPECT_FALSE(r.replica_count.known());
  EXPECT_NE(r.replica_count.unknown.find("different sizes"), std::string::npos);
}

TEST_F(ProbeGluster, DisperseHasNoWholeCopies) {
  Node("vol-disperse-0", "cluster/disperse", 6);
  const ReplicationFacts r = Probe();
  EXPECT_EQ(r.volume_type.value, "disperse");
  EXPECT_FALSE(r.replica_count.known());
  EXPECT_NE(r.replica_count.unknown.find("erasure-coded"), std::string::npos);
}

TEST_F(ProbeGluster, NoGraphIsUnknownWithTheReason) {
  const ReplicationFacts r = Probe("not-a-volume-source");
  EXPECT_EQ(r.system.value, "glusterfs");
  EXPECT_FALSE(r.volume.known());
  EXPECT_NE(r.volume.unknown.find("not HOST:VOLUME"), std::string::npos);
  EXPECT_FALSE(r.replica_count.known());
  EXPECT_NE(r.replica_count.unknown.find(".meta/graphs/active"), std::string::npos)
      << r.replica_count.unknown;
  EXPECT_FALSE(r.volume_type.known());
}

}  // namespace
}  // namespace durabench
