// The Gluster client volfile parser (gfapi targets' replication facts).
#include <gtest/gtest.h>

#include <string>

#if DURABENCH_TEST_GLUSTER_MODULE
#include "backend/gluster/gluster.h"
#endif

namespace durabench {
namespace {

#if DURABENCH_TEST_GLUSTER_MODULE
std::string Stanza(const std::string& name, const std::string& type,
                   const std::string& subvolumes) {
  std::string s = "volume " + name + "\n    type " + type + "\n";
  if (!subvolumes.empty()) s += "    subvolumes " + subvolumes + "\n";
  return s + "end-volume\n\n";
}

// As glusterd 10.3 writes it for `volume create dbrep3 replica 3 ...` (abridged).
TEST(GlusterVolfile, ReplicaThree) {
  const std::string vf =
      Stanza("v-client-0", "protocol/client", "") + Stanza("v-client-1", "protocol/client", "") +
      Stanza("v-client-2", "protocol/client", "") +
      Stanza("v-replicate-0", "cluster/replicate", "v-client-0 v-client-1 v-client-2") +
      Stanza("v-dht", "cluster/distribute", "v-replicate-0") +
      Stanza("v", "debug/io-stats", "v-dht");
  const ReplicationFacts r = internal::ReplicationFromVolfile(vf, "v");
  EXPECT_EQ(r.system.value, "glusterfs");
  EXPECT_EQ(r.volume.value, "v");
  EXPECT_EQ(r.volume_type.value, "replicate");
  EXPECT_EQ(r.replica_count.value, "3");
  EXPECT_TRUE(r.min_size.not_applicable());
}

TEST(GlusterVolfile, PlainDistributeKeepsOneCopy) {
  const std::string vf = Stanza("v-client-0", "protocol/client", "") +
                         Stanza("v-dht", "cluster/distribute", "v-client-0") +
                         Stanza("v", "debug/io-stats", "v-dht");
  const ReplicationFacts r = internal::ReplicationFromVolfile(vf, "v");
  EXPECT_EQ(r.volume_type.value, "distribute");
  EXPECT_EQ(r.replica_count.value, "1");
}

TEST(GlusterVolfile, DistributedReplicateAndUnevenSets) {
  std::string vf = Stanza("v-replicate-0", "cluster/replicate", "a b") +
                   Stanza("v-replicate-1", "cluster/replicate", "c d");
  ReplicationFacts r = internal::ReplicationFromVolfile(vf, "v");
  EXPECT_EQ(r.volume_type.value, "distributed-replicate");
  EXPECT_EQ(r.replica_count.value, "2");
  vf += Stanza("v-replicate-2", "cluster/replicate", "e f g");
  r = internal::ReplicationFromVolfile(vf, "v");
  EXPECT_FALSE(r.replica_count.known());
}

TEST(GlusterVolfile, DisperseHasNoWholeCopies) {
  const std::string vf = Stanza("v-disperse-0", "cluster/disperse", "a b c");
  const ReplicationFacts r = internal::ReplicationFromVolfile(vf, "v");
  EXPECT_EQ(r.volume_type.value, "disperse");
  EXPECT_FALSE(r.replica_count.known());
}
#else
TEST(GlusterVolfile, Skipped) {
  GTEST_SKIP() << "the Gluster module is not built (no libgfapi: libglusterfs-dev)";
}
#endif

}  // namespace
}  // namespace durabench
