// The gfapi engine against the fixture's Gluster cluster (volumes dbrep1 and dbrep3) through
// gluster:// targets: results, probe facts, clean-up and errors. A killed brick and the op
// timeout: gluster_native_fault_test.cc.
#include "gluster_native.h"

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

// An audit of a gluster:// directory on the replica-3 volume, verified through gfapi: kept,
// and verify removes the audit's files; the same witness against another directory: exit 2.
TEST_F(GlusterNativeTest, AuditIsVerifiedThroughGfapi) {
  TempDir local;
  const std::string mount = cluster_.Get("GLUSTER_MNT_REP3");
  TempDir dir(mount);
  const std::string uri = Uri(cluster_.Get("GLUSTER_VOL_REP3"), dir.path().substr(mount.size()));
  const std::string witness = "file:" + local.File("w.log");
  CommandResult r = Durabench({"audit", uri, "--witness", witness, "--size", "8MiB", "--runtime",
                               "2s", "--sync", "fdatasync", "--iodepth", "4", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Durabench({"audit", "--verify", Uri(cluster_.Get("GLUSTER_VOL_REP3")), "--witness", witness});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = Durabench({"audit", "--verify", uri, "--witness", witness, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["verdict"], "kept") << v.dump();
  EXPECT_GT(v["acknowledged_writes"].get<uint64_t>(), 10u) << v.dump();
  EXPECT_EQ(v["blocks"], 2048) << v.dump();
  std::string left;
  Shell("ls -A '" + dir.path() + "'", &left);
  EXPECT_EQ(left, "") << "verify left the audit's files";
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

}  // namespace
}  // namespace durabench::testing
