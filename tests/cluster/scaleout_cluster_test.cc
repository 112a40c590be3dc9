// Three clients under mpirun against the fixture's replicated clusters (docs/scale-out.md):
// gluster:// on the replica-3 volume (DURABENCH_TEST_GLUSTER) or rados:// on the pool rep3
// (DURABENCH_TEST_CEPH), one binary each, and one gluster:// file or rbd:// image the three share
// (--shared-target).
// The result must hold every rank, its aggregate must be `durabench merge` of the ranks' own
// results, and nothing of the ranks may be left on the cluster. Skipped, with the reason, without
// mpirun or the durabench-mpi module.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster_env.h"
#include "mpi_run.h"
#include "native_checks.h"
#ifdef DURABENCH_TEST_GLUSTER
#include "gluster_native.h"
#endif

namespace durabench::testing {
namespace {

// Runs 3 ranks on `target` (plus `more`), checks the result as the file header says, and
// returns it.
nlohmann::json RunThreeRanks(const std::string& target, const std::vector<std::string>& more,
                             const std::string& engine) {
  TempDir local;
  const std::string ranks_dir = local.path() + "/ranks";
  std::filesystem::create_directory(ranks_dir);
  std::vector<std::string> args = {"-np",
                                   "3",
                                   kBinary,
                                   "run",
                                   "--target",
                                   target,
                                   "--size",
                                   "8MiB",
                                   "--sync",
                                   "fdatasync",
                                   "--runtime",
                                   "3s",
                                   "-o",
                                   local.File("all.json"),
                                   "--rank-results",
                                   ranks_dir};
  args.insert(args.end(), more.begin(), more.end());
  CommandResult r = MpiRun(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  if (r.exit_code != 0) return {};
  nlohmann::json all = LoadJson(local.File("all.json"));
  ExpectValidResult(all);
  EXPECT_EQ(PhaseEngine(all), engine);
  ExpectAggregateIsMerge(all, 3, ranks_dir, local.path());
  return all;
}

#ifdef DURABENCH_TEST_GLUSTER
class GlusterScaleOutTest : public GlusterNativeTest {};

TEST_F(GlusterScaleOutTest, ThreeClientsOnReplica3AreOneResult) {
  DURABENCH_SKIP_WITHOUT_MPI();
  const std::string mount = cluster_.Get("GLUSTER_MNT_REP3");
  TempDir dir(mount);
  RunThreeRanks(Uri(cluster_.Get("GLUSTER_VOL_REP3"), dir.path().substr(mount.size())), {},
                "gfapi");
  std::string left;
  Shell("ls -A '" + dir.path() + "'", &left);
  EXPECT_EQ(left, "") << "files left on the volume";
}

// --shared-target: gluster://.../DIR/shared.dat names one file, which rank 0 creates (--create)
// for the three, each writing regions of its own, and removes at the end.
TEST_F(GlusterScaleOutTest, ThreeClientsShareOneFileOnReplica3) {
  DURABENCH_SKIP_WITHOUT_MPI();
  const std::string mount = cluster_.Get("GLUSTER_MNT_REP3");
  TempDir dir(mount);
  nlohmann::json all = RunThreeRanks(
      Uri(cluster_.Get("GLUSTER_VOL_REP3"), dir.path().substr(mount.size())) + "/shared.dat",
      {"--create", "--shared-target"}, "gfapi");
  if (!all.empty()) {
    EXPECT_EQ(all["target"]["kind"], "gluster-file");
  }
  std::string left;
  Shell("ls -A '" + dir.path() + "'", &left);
  EXPECT_EQ(left, "") << "the shared file was left on the volume";
}
#endif

#ifdef DURABENCH_TEST_CEPH
class CephScaleOutTest : public ClusterTest {};

TEST_F(CephScaleOutTest, ThreeClientsOnRep3AreOneResult) {
  DURABENCH_SKIP_WITHOUT_MPI();
  RunThreeRanks("rados://rep3", {"--ceph-conf", cluster_.Get("CEPH_CONF")}, "rados");
  // The ranks' objects are named durabench-rRANK-PID-...; no other test makes such names.
  std::string objects;
  EXPECT_EQ(
      Shell("timeout 60 rados -p rep3 ls -c '" + cluster_.Get("CEPH_CONF") + "' 2>&1", &objects), 0)
      << objects;
  EXPECT_EQ(objects.find("durabench-r"), std::string::npos) << "objects left:\n" << objects;
}

// --shared-target: rank 0 creates the image for all three, each rank writes its own regions of
// it, and rank 0 removes it once the others have closed it.
TEST_F(CephScaleOutTest, ThreeClientsShareOneRbdImage) {
  DURABENCH_SKIP_WITHOUT_MPI();
  const std::string image = UniqueName("shared");
  nlohmann::json all = RunThreeRanks(
      "rbd://rep3/" + image, {"--ceph-conf", cluster_.Get("CEPH_CONF"), "--shared-target"}, "rbd");
  if (!all.empty()) {
    EXPECT_EQ(all["target"]["kind"], "rbd-image");
  }
  std::string images;
  EXPECT_EQ(Shell("timeout 60 rbd -p rep3 ls -c '" + cluster_.Get("CEPH_CONF") + "' 2>&1", &images),
            0)
      << images;
  EXPECT_EQ(images.find(image), std::string::npos) << "image left:\n" << images;
}
#endif

}  // namespace
}  // namespace durabench::testing
