// `durabench run` end to end on real filesystems (tmpfs and ext4 on a loop device): the right
// system calls happen for each sync method, the JSON holds what the docs promise, created files
// are removed, errors end the run with exit code 3 and a partial result.
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

// A scratch directory on the filesystem under test.
class Scratch {
 public:
  explicit Scratch(const std::string& fs) : base_(std::make_unique<TempDir>()) {
    if (fs == "tmpfs") {
      dir_ = std::make_unique<TempDir>("/dev/shm");
      path_ = dir_->path();
    } else {
      loop_ = std::make_unique<LoopDevice>(base_->path(), 256ull << 20, "mkfs." + fs);
      if (!loop_->ok()) {
        skip_ = loop_->skip_reason();
        return;
      }
      if (!loop_->Mount()) {
        skip_ = loop_->skip_reason();
        return;
      }
      path_ = loop_->mount_point();
    }
  }
  const std::string& path() const { return path_; }
  const std::string& skip() const { return skip_; }
  std::string Result() const { return base_->File("result.json"); }
  std::string Counts() const { return base_->File("counts.txt"); }

  // Names in the directory that durabench would have created.
  std::vector<std::string> LeftoverFiles() const {
    std::vector<std::string> names;
    DIR* d = opendir(path_.c_str());
    if (!d) return names;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind("durabench-", 0) == 0) names.push_back(n);
    }
    closedir(d);
    return names;
  }

 private:
  std::unique_ptr<TempDir> base_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<LoopDevice> loop_;
  std::string path_;
  std::string skip_;
};

struct SyncCase {
  std::string method;
  int fsync_every;
  // Expected shim counts for 40 writes.
  std::map<std::string, uint64_t> calls;
  uint64_t flushes;  // JSON ops.flush.count
  bool commits;      // JSON has ops.commit with 40 samples
};

// The target's layout makes one fsync (of the fallocated file) before measuring starts.
const SyncCase kSyncCases[] = {
    {"none", 1, {{"pwrite", 40}, {"fsync", 1}, {"fdatasync", 0}, {"pwritev2", 0}}, 0, false},
    {"fsync", 1, {{"pwrite", 40}, {"fsync", 41}, {"fdatasync", 0}}, 40, true},
    {"fdatasync", 1, {{"pwrite", 40}, {"fdatasync", 40}, {"fsync", 1}}, 40, true},
    {"fdatasync", 4, {{"pwrite", 40}, {"fdatasync", 10}}, 10, true},
    {"fdatasync", 3, {{"pwrite", 40}, {"fdatasync", 14}}, 14, true},  // 13 groups + final flush
    {"sync_file_range", 1, {{"pwrite", 40}, {"sync_file_range", 40}, {"fdatasync", 0}}, 40, true},
    {"osync", 1, {{"pwrite", 40}, {"open_sync", 1}, {"fdatasync", 0}, {"fsync", 1}}, 0, true},
    {"odsync", 1, {{"pwrite", 40}, {"open_dsync", 1}, {"open_sync", 0}, {"fdatasync", 0}}, 0, true},
    {"rwf_dsync", 1, {{"pwrite", 0}, {"pwritev2", 40}, {"pwritev2_dsync", 40}}, 0, true},
    {"rwf_sync", 1, {{"pwrite", 0}, {"pwritev2", 40}, {"pwritev2_sync", 40}}, 0, true},
};

void PrintTo(const SyncCase& c, std::ostream* os) {
  *os << c.method << " fsync_every=" << c.fsync_every;
}

class SyncMethodTest : public ::testing::TestWithParam<std::tuple<std::string, SyncCase>> {};

TEST_P(SyncMethodTest, IssuesTheRightCallsAndRecordsThem) {
  const auto& [fs, c] = GetParam();
  Scratch scratch(fs);
  if (!scratch.skip().empty()) GTEST_SKIP() << "skipped: " << scratch.skip();
  for (bool direct : {false, true}) {
    SCOPED_TRACE(c.method + (direct ? " direct" : " buffered") + " on " + fs);
    std::vector<std::string> args = {"run",
                                     "--target",
                                     scratch.path(),
                                     "--sync",
                                     c.method,
                                     "--fsync-every",
                                     std::to_string(c.fsync_every),
                                     "--ops",
                                     "40",
                                     "--runtime",
                                     "0s",
                                     "--block-size",
                                     "4KiB",
                                     "--size",
                                     "1MiB",
                                     "--no-layout-fill",
                                     "--pattern",
                                     "randwrite",
                                     "-o",
                                     scratch.Result(),
                                     "--quiet"};
    if (direct) args.push_back("--direct");
    CommandResult r = Durabench(args, ShimEnv({{"SHIM_COUNT_FILE", scratch.Counts()}}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto counts = ReadShimCounts(scratch.Counts());
    for (const auto& [call, n] : c.calls) {
      if (call.rfind("open_", 0) == 0 && n > 0) {
        EXPECT_GE(counts[call], n) << call;
      } else {
        EXPECT_EQ(counts[call], n) << call;
      }
    }
    EXPECT_EQ(counts["open_direct"] > 0, direct);
    nlohmann::json j = LoadJson(scratch.Result());
    ExpectValidResult(j);
    const auto& ops = j["phases"][0]["ops"];
    EXPECT_EQ(ops["write"]["count"], 40);
    EXPECT_EQ(ops["write"]["bytes"], 40 * 4096);
    EXPECT_EQ(ops.contains("flush") ? ops["flush"]["count"].get<uint64_t>() : 0, c.flushes);
    EXPECT_EQ(ops.contains("commit"), c.commits);
    if (c.commits) {
      EXPECT_EQ(ops["commit"]["count"], 40);
      // A commit contains its write: never shorter than the fastest write.
      EXPECT_GE(ops["commit"]["lat_ns"]["min"].get<uint64_t>(),
                ops["write"]["lat_ns"]["min"].get<uint64_t>());
    }
    EXPECT_TRUE(scratch.LeftoverFiles().empty());
  }
}

std::vector<std::tuple<std::string, SyncCase>> AllCases() {
  std::vector<std::tuple<std::string, SyncCase>> out;
  for (const char* fs : {"tmpfs", "ext4"}) {
    for (const SyncCase& c : kSyncCases) out.emplace_back(fs, c);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Filesystems, SyncMethodTest, ::testing::ValuesIn(AllCases()),
                         [](const auto& param_info) {
                           const SyncCase& c = std::get<1>(param_info.param);
                           return std::get<0>(param_info.param) + "_" + c.method + "_every" +
                                  std::to_string(c.fsync_every);
                         });

TEST(Run, CiSmokeResultIsValidAndFilesAreRemoved) {
  Scratch scratch("tmpfs");
  CommandResult r = Durabench(
      {"run", "ci-smoke", "--target", scratch.path(), "-o", scratch.Result(), "--runtime", "1s"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("p99.99"), std::string::npos) << r.out;
  nlohmann::json j = LoadJson(scratch.Result());
  ExpectValidResult(j);
  EXPECT_EQ(j["target"]["kind"], "directory");
  EXPECT_GE(j["phases"].size(), 1u);
  EXPECT_TRUE(scratch.LeftoverFiles().empty());
}

TEST(Run, KeepLeavesFilesAndTheyAreReused) {
  Scratch scratch("tmpfs");
  CommandResult r = Durabench({"run", "--target", scratch.path(), "--ops", "10", "--runtime", "0s",
                               "--size", "1MiB", "--keep", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto files = scratch.LeftoverFiles();
  ASSERT_EQ(files.size(), 1u);
  // The kept file carries durabench's mark, so it may be named as a target again.
  const std::string kept = scratch.path() + "/" + files[0];
  r = Durabench(
      {"run", "--target", kept, "--ops", "10", "--runtime", "0s", "--size", "1MiB", "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Run, JsonOnStdout) {
  Scratch scratch("tmpfs");
  CommandResult r = Durabench({"run", "--target", scratch.path(), "--ops", "20", "--runtime", "0s",
                               "--size", "1MiB", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ExpectValidResult(j);
  EXPECT_EQ(j["phases"][0]["ops"]["write"]["count"], 20);
}

TEST(Run, IoErrorEndsRunWithExitThreeAndPartialResult) {
  Scratch scratch("tmpfs");
  CommandResult r =
      Durabench({"run", "--target", scratch.path(), "--ops", "100", "--runtime", "0s", "--size",
                 "1MiB", "--no-layout-fill", "-o", scratch.Result(), "--quiet"},
                ShimEnv({{"SHIM_FAIL_WRITE_AFTER", "10"}}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("Input/output error"), std::string::npos) << r.err;
  nlohmann::json j = LoadJson(scratch.Result());
  ExpectValidResult(j);
  const auto& phase = j["phases"][0];
  EXPECT_EQ(phase["ops"]["write"]["count"], 10);
  EXPECT_EQ(phase["ops"]["write"]["errors"], 1);
  ASSERT_EQ(phase["errors"].size(), 1u);
  EXPECT_TRUE(scratch.LeftoverFiles().empty());
}

TEST(Run, InterruptWritesPartialResultAndCleansUp) {
  Scratch scratch("tmpfs");
  // SIGINT once the run is measuring (its data file exists and layout of 1 MiB is long done).
  const std::string cmd = kBinary + " run --target " + scratch.path() +
                          " --runtime 30s --size 1MiB --sync none --quiet -o " + scratch.Result() +
                          " & pid=$!; for i in $(seq 200); do ls " + scratch.path() +
                          "/durabench-* >/dev/null 2>&1 && break; sleep 0.05; done; sleep 0.5; "
                          "kill -INT $pid; wait $pid";
  int rc = Shell(cmd);
  EXPECT_EQ(rc, 130);  // 128 + SIGINT: the run did not complete
  nlohmann::json j = LoadJson(scratch.Result());
  ExpectValidResult(j);
  EXPECT_EQ(j["phases"][0]["interrupted"], true);
  EXPECT_GT(j["phases"][0]["ops"]["write"]["count"].get<uint64_t>(), 0u);
  EXPECT_LT(j["phases"][0]["measured_ns"].get<uint64_t>(), 10'000'000'000u);
  EXPECT_TRUE(scratch.LeftoverFiles().empty());
}

// A run shorter than 30 s gets 100 ms intervals, so its time series has points to draw; an
// --interval given is kept (issue 15, item 11).
TEST(Run, AShortRunGetsAFinerIntervalUnlessOneIsGiven) {
  Scratch scratch("tmpfs");
  const std::vector<std::string> args = {"run",  "--target",  scratch.path(), "--engine",
                                         "null", "--runtime", "500ms",        "--size",
                                         "1MiB", "--json"};
  CommandResult r = Durabench(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["phases"][0]["time_series"]["interval_ns"], 100'000'000u);
  EXPECT_GE(j["phases"][0]["time_series"]["intervals"].size(), 4u);
  std::vector<std::string> given = args;
  given.insert(given.end(), {"--interval", "1s"});
  r = Durabench(given);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["phases"][0]["time_series"]["interval_ns"], 1'000'000'000u);
}

TEST(Run, NullEngineMeasuresOverheadOnly) {
  Scratch scratch("tmpfs");
  CommandResult r = Durabench({"run", "--target", scratch.path(), "--engine", "null", "--runtime",
                               "300ms", "--size", "1MiB", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["phases"][0]["iops"].get<double>(), 100000.0);
}

// A flush that never comes back (the shim sleeps 30 s in fdatasync) ends the phase at the op
// timeout with exit 3, timed_out and the partial result, instead of waiting for it.
TEST(Run, OpTimeoutEndsAStuckPhaseWithThePartialResult) {
  TempDir dir("/dev/shm");
  const std::string res = dir.File("result.json");
  const auto t0 = std::chrono::steady_clock::now();
  CommandResult r = Durabench({"run", "--target", dir.path(), "--sync", "fdatasync", "--runtime",
                               "20s", "--size", "1MiB", "--op-timeout", "1s", "-o", res, "--quiet"},
                              ShimEnv({{"SHIM_DELAY_FDATASYNC_NS", "30000000000"}}));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no operation completed within the op timeout of 1.00s"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("left in place"), std::string::npos) << r.err;
  // 1 s of timeout and 2 s of grace for the stuck job; far less than the 20 s runtime.
  EXPECT_LT(wall, 10) << r.err;
  nlohmann::json j = LoadJson(res);
  ExpectValidResult(j);
  EXPECT_TRUE(j["phases"][0]["timed_out"].get<bool>());
  EXPECT_EQ(j["phases"][0]["ops"]["write"]["count"], 1);  // the write before the stuck flush
  // The stuck target was left in place (removing it would wait on the same storage).
  std::string left;
  Shell("ls '" + dir.path() + "'", &left);
  EXPECT_NE(left.find("durabench-"), std::string::npos) << left;
}

TEST(Run, RawBlockDeviceWithDestroyData) {
  TempDir dir;
  LoopDevice loop(dir.path(), 64ull << 20);
  if (!loop.ok()) GTEST_SKIP() << "skipped: " << loop.skip_reason();
  const std::string res = dir.File("result.json");
  // Refused without the confirmation.
  CommandResult r = Durabench({"run", "--target", loop.device(), "--ops", "10", "--runtime", "0s",
                               "--size", "8MiB", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--destroy-data"), std::string::npos) << r.err;
  EXPECT_EQ(Shell("cmp -s -n 67108864 " + loop.backing_file() + " /dev/zero"), 0)
      << "refused run must not write";
  r = Durabench({"run", "--target", loop.device(), "--destroy-data=" + loop.device(), "--ops", "50",
                 "--runtime", "0s", "--size", "8MiB", "--direct", "--jobs", "2", "-o", res,
                 "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  ExpectValidResult(j);
  EXPECT_EQ(j["target"]["kind"], "block-device");
  EXPECT_EQ(j["phases"][0]["ops"]["write"]["count"], 100);
}

}  // namespace
}  // namespace durabench::testing
