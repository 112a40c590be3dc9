// The rados and rbd engines against the fixture's Ceph cluster (pools rep1 and rep3), through
// rados:// and rbd:// targets: results, probe facts, safety refusals, clean-up, errors and the
// replication breakdown. A killed OSD: ceph_native_fault_test.cc.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster_env.h"
#include "fault_checks.h"
#include "native_checks.h"

namespace durabench::testing {
namespace {

class CephNativeTest : public ClusterTest {
 protected:
  std::vector<std::string> Args(const std::string& target, std::vector<std::string> more) {
    std::vector<std::string> a = {
        "run", "--target", target, "--ceph-conf", cluster_.Get("CEPH_CONF"), "--size", "32MiB"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  // Runs durabench as Durabench does, through `sh -c 'echo $$; exec ...'`, and sets `prefix` to
  // the names its objects have ("durabench-PID-"): other tests write to the same pools at the
  // same time, so a check for objects left behind looks for this run's own.
  CommandResult DurabenchNamed(const std::vector<std::string>& args, std::string* prefix) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "echo $$ >&2; exec \"$@\"", "sh", kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunCommand(argv, {{"DURABENCH_WORKLOADS", DURABENCH_SOURCE_WORKLOADS}});
    const size_t eol = r.err.find('\n');
    *prefix = "durabench-" + r.err.substr(0, eol) + "-";
    r.err.erase(0, eol == std::string::npos ? eol : eol + 1);
    return r;
  }
  // `rados -p POOL ls` / `rbd ls POOL` through the cluster's config.
  std::string List(const std::string& tool_args) {
    std::string out;
    EXPECT_EQ(
        Shell("timeout 60 " + tool_args + " -c '" + cluster_.Get("CEPH_CONF") + "' 2>&1", &out), 0)
        << out;
    return out;
  }
  void ExpectCephFacts(const nlohmann::json& j, const std::string& pool, int copies) {
    ExpectReplication(j, "ceph", "replicated", copies);
    const nlohmann::json& r = j["probe"]["replication"];
    EXPECT_EQ(r.value("volume", ""), pool);
    EXPECT_EQ(r.value("cluster_id", ""), cluster_.Get("CEPH_FSID"));
    EXPECT_EQ(r["min_size"], copies == 3 ? 2 : 1) << r.dump();
  }
};

// The example, on a fresh image: ceph-wal (O_DIRECT + O_SYNC) through librbd.
TEST_F(CephNativeTest, CephWalOnRbdRep3) {
  TempDir local;
  const std::string image = UniqueName("dbt");
  CommandResult r = Durabench({"run", "ceph-wal", "--target", "rbd://rep3/" + image, "--ceph-conf",
                               cluster_.Get("CEPH_CONF"), "--runtime", "3s", "--size", "32MiB",
                               "-o", local.File("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  EXPECT_EQ(PhaseEngine(j), "rbd");
  EXPECT_EQ(j["target"].value("kind", ""), "rbd-image");
  ExpectOps(j, {"write", "commit"});
  ExpectCephFacts(j, "rep3", 3);
  EXPECT_EQ(List("rbd ls rep3").find(image), std::string::npos) << "image not removed";
}

TEST_F(CephNativeTest, FdatasyncOnRbdRep1AtQueueDepth8) {
  TempDir local;
  CommandResult r = Durabench(Args(
      "rbd://rep1/" + UniqueName("dbt"),
      {"--sync", "fdatasync", "--iodepth", "8", "--runtime", "3s", "-o", local.File("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = LoadJson(local.File("r.json"));
  ExpectValidResult(j);
  ExpectOps(j, {"write", "flush", "commit"});
  ExpectCephFacts(j, "rep1", 1);
  EXPECT_GT(j["phases"][0]["queue"].value("max_inflight", 0), 1);
}

// ceph-wal as it is on rep3 (every write acknowledged when durable: write = commit), and with
// fdatasync on rep1 (the flush, rados_aio_flush_async, is measured apart).
TEST_F(CephNativeTest, CephWalOnRadosPools) {
  for (const auto& [pool, copies] : {std::pair<std::string, int>{"rep1", 1}, {"rep3", 3}}) {
    TempDir local;
    std::vector<std::string> args = {"run",         "ceph-wal",
                                     "--target",    "rados://" + pool,
                                     "--ceph-conf", cluster_.Get("CEPH_CONF"),
                                     "--size",      "32MiB",
                                     "--runtime",   "2s",
                                     "-o",          local.File("r.json")};
    if (copies == 1) args.insert(args.end(), {"--sync", "fdatasync"});
    std::string prefix;
    CommandResult r = DurabenchNamed(args, &prefix);
    ASSERT_EQ(r.exit_code, 0) << pool << ": " << r.out << r.err;
    nlohmann::json j = LoadJson(local.File("r.json"));
    ExpectValidResult(j);
    EXPECT_EQ(PhaseEngine(j), "rados");
    EXPECT_EQ(j["target"].value("kind", ""), "rados-pool");
    if (copies == 1) {
      ExpectOps(j, {"write", "flush", "commit"});
    } else {
      ExpectOps(j, {"write", "commit"});
    }
    ExpectCephFacts(j, pool, copies);
    EXPECT_EQ(List("rados -p " + pool + " ls").find(prefix), std::string::npos)
        << prefix << "* objects left in " << pool;
  }
}

// An existing image is somebody's disk: refused without --destroy-data naming it.
TEST_F(CephNativeTest, ExistingImageNeedsDestroyData) {
  const std::string uri = "rbd://rep3/" + cluster_.Get("CEPH_RBD_IMAGE");
  CommandResult r = Durabench(Args(uri, {"--runtime", "1s"}));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--destroy-data=" + uri), std::string::npos) << r.err;
  r = Durabench(Args(uri, {"--runtime", "1s", "--destroy-data=rbd://rep3/other"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  TempDir local;
  r = Durabench(
      Args(uri, {"--runtime", "1s", "--destroy-data=" + uri, "-o", local.File("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(List("rbd ls rep3").find(cluster_.Get("CEPH_RBD_IMAGE")), std::string::npos)
      << "an image durabench did not create was removed";
}

// Audits of rados:// and rbd:// targets, verified through the native engines. rados on rep1:
// kept, the objects removed by verify, a second verify exit 2 (nothing left). rbd on the
// image that existed before (--destroy-data): kept, and the image is left where it was.
TEST_F(CephNativeTest, AuditsAreVerifiedThroughTheNativeEngines) {
  const std::string conf = cluster_.Get("CEPH_CONF");
  const std::string image = UniqueName("dbt-existing");
  const std::string image_uri = "rbd://rep3/" + image;
  List("rbd create --size 16 rep3/" + image);
  for (const std::string& uri : {std::string("rados://rep1"), image_uri}) {
    TempDir local;
    const std::string witness = "file:" + local.File("w.log");
    std::vector<std::string> audit = {
        "audit",     uri,  "--witness", witness,     "--ceph-conf", conf, "--size", "8MiB",
        "--runtime", "2s", "--sync",    "fdatasync", "--iodepth",   "4",  "-q"};
    if (uri == image_uri) audit.push_back("--destroy-data=" + uri);
    std::string prefix;
    CommandResult r = DurabenchNamed(audit, &prefix);
    ASSERT_EQ(r.exit_code, 0) << uri << ": " << r.out << r.err;
    // The witness holds another target's audit: refused, nothing read or removed.
    const std::string other = uri == image_uri ? "rbd://rep3/other-image" : "rados://rep3";
    r = Durabench({"audit", "--verify", other, "--witness", witness, "--ceph-conf", conf});
    EXPECT_EQ(r.exit_code, 2) << uri << ": " << r.out << r.err;
    r = Durabench({"audit", "--verify", uri, "--witness", witness, "--ceph-conf", conf, "--json"});
    ASSERT_EQ(r.exit_code, 0) << uri << ": " << r.out << r.err;
    const nlohmann::json v = nlohmann::json::parse(r.out);
    EXPECT_EQ(v["verdict"], "kept") << v.dump();
    EXPECT_GT(v["acknowledged_writes"].get<uint64_t>(), 10u) << v.dump();
    EXPECT_EQ(v["blocks"], 2048) << v.dump();  // 8 MiB of 4 KiB blocks, all read back
    if (uri == image_uri) {
      EXPECT_NE(List("rbd ls rep3").find(image), std::string::npos)
          << "verify removed an image durabench did not create";
      List("rbd rm --no-progress rep3/" + image);
    } else {
      EXPECT_EQ(List("rados -p rep1 ls").find(prefix), std::string::npos)
          << "verify left the audit's objects, " << prefix << "*";
      r = Durabench({"audit", "--verify", uri, "--witness", witness, "--ceph-conf", conf});
      EXPECT_EQ(r.exit_code, 2) << "verified twice: " << r.out << r.err;
    }
  }
}

// Cluster errors are one line, quickly.
TEST_F(CephNativeTest, ErrorsAreOneLineAndFast) {
  CommandResult r;
  double s = Timed([&] { r = Durabench(Args("rados://no-such-pool", {"--runtime", "1s"})); });
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pool 'no-such-pool' does not exist"), std::string::npos) << r.err;
  EXPECT_LT(s, 10);

  TempDir local;
  std::ofstream(local.File("ceph.conf")) << "[global]\nmon_host = 127.0.0.1:1\n";
  s = Timed([&] {
    r = Durabench({"run", "--target", "rados://rep3", "--ceph-conf", local.File("ceph.conf"),
                   "--connect-timeout", "2s", "--runtime", "1s"});
  });
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--connect-timeout"), std::string::npos) << r.err;
  EXPECT_LT(s, 15) << "an unreachable monitor took " << s << " s";

  r = Durabench({"run", "--target", "rbd://rep3", "--runtime", "1s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected rbd://POOL/IMAGE"), std::string::npos) << r.err;
}

// `durabench probe` reads the pool's size, min_size and the fsid.
TEST_F(CephNativeTest, ProbeOfAPool) {
  CommandResult r =
      Durabench({"probe", "rbd://rep3/x", "--json", "--ceph-conf", cluster_.Get("CEPH_CONF")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["backend_kind"], "rbd");
  nlohmann::json wrapped = {{"probe", j}};
  ExpectCephFacts(wrapped, "rep3", 3);
}

// Local file, rbd rep1, rbd rep3 with the same phase: compare --breakdown shows the steps.
TEST_F(CephNativeTest, ReplicationBreakdown) {
  TempDir local;
  const std::vector<std::string> phase = {"--sync", "fdatasync", "--runtime",
                                          "2s",     "--size",    "32MiB"};
  auto run = [&](const std::string& target, const std::string& out) {
    std::vector<std::string> a = {
        "run", "--target", target, "--ceph-conf", cluster_.Get("CEPH_CONF"), "-o", local.File(out)};
    a.insert(a.end(), phase.begin(), phase.end());
    CommandResult r = Durabench(a);
    ASSERT_EQ(r.exit_code, 0) << target << ": " << r.out << r.err;
  };
  TempDir scratch;
  run(scratch.path(), "local.json");
  run("rbd://rep1/" + UniqueName("dbt"), "rep1.json");
  run("rbd://rep3/" + UniqueName("dbt"), "rep3.json");
  CommandResult r = Durabench({"compare", "--breakdown", local.File("local.json"),
                               local.File("rep1.json"), local.File("rep3.json"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string text = r.out;
  EXPECT_NE(text.find("rbd"), std::string::npos) << text;
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_FALSE(j.empty()) << text;
}

}  // namespace
}  // namespace durabench::testing
