// Every engine with every sync method it implements, on tmpfs and on ext4 (a loop device): the
// right numbers of writes, flushes and commits come out, the file is opened with the right
// flags (seen by the syscall shim), the queue depth is really reached, and no flush is seen
// completing before a write it covers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

constexpr int kOps = 240;
constexpr int kDepth = 8;

struct EngineCase {
  std::string engine;
  std::string fs;
  std::string sync;
  int fsync_every;
};

void PrintTo(const EngineCase& c, std::ostream* os) {
  *os << c.engine << " " << c.sync << "/" << c.fsync_every << " on " << c.fs;
}

bool IsFlushMethod(const std::string& s) {
  return s == "fsync" || s == "fdatasync" || s == "sync_file_range";
}

class EngineSyncTest : public ::testing::TestWithParam<EngineCase> {};

TEST_P(EngineSyncTest, CountsFlagsDepthAndOrdering) {
  const EngineCase& c = GetParam();
  TempDir base;
  std::unique_ptr<TempDir> tmpfs;
  std::unique_ptr<LoopDevice> loop;
  std::string dir;
  if (c.fs == "tmpfs") {
    tmpfs = std::make_unique<TempDir>("/dev/shm");
    dir = tmpfs->path();
  } else {
    loop = std::make_unique<LoopDevice>(base.path(), 256ull << 20, "mkfs.ext4");
    if (!loop->ok() || !loop->Mount()) GTEST_SKIP() << "skipped: " << loop->skip_reason();
    dir = loop->mount_point();
  }
  const std::string res = base.File("result.json");
  const std::string counts = base.File("counts.txt");
  CommandResult r = Durabench({"run",
                               "--target",
                               dir,
                               "--engine",
                               c.engine,
                               "--sync",
                               c.sync,
                               "--fsync-every",
                               std::to_string(c.fsync_every),
                               "--iodepth",
                               std::to_string(kDepth),
                               "--ops",
                               std::to_string(kOps),
                               "--runtime",
                               "0s",
                               "--size",
                               "4MiB",
                               "--direct",
                               "--no-layout-fill",
                               "-o",
                               res,
                               "--quiet"},
                              ShimEnv({{"SHIM_COUNT_FILE", counts}}));
  if (r.exit_code != 0 && r.err.find("not supported") != std::string::npos) {
    GTEST_SKIP() << "skipped: " << r.err;
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  ExpectValidResult(j);
  const auto& phase = j["phases"][0];
  const auto& ops = phase["ops"];
  EXPECT_EQ(ops["write"]["count"], kOps);
  if (IsFlushMethod(c.sync)) {
    EXPECT_EQ(ops["flush"]["count"], (kOps + c.fsync_every - 1) / c.fsync_every);
  } else {
    EXPECT_FALSE(ops.contains("flush"));
  }
  if (c.sync == "none") {
    EXPECT_FALSE(ops.contains("commit"));
  } else {
    EXPECT_EQ(ops["commit"]["count"], kOps);
    // A commit contains its write: never shorter than the fastest write.
    EXPECT_GE(ops["commit"]["lat_ns"]["min"].get<uint64_t>(),
              ops["write"]["lat_ns"]["min"].get<uint64_t>());
  }
  EXPECT_EQ(phase["queue"]["max_inflight"], kDepth) << "queue depth not reached";
  EXPECT_EQ(phase["queue"]["ordering_violations"], 0);
  auto calls = ReadShimCounts(counts);
  EXPECT_GE(calls["open_direct"], 1u);
  EXPECT_EQ(calls["open_sync"] > 0, c.sync == "osync");
  EXPECT_EQ(calls["open_dsync"] > 0, c.sync == "odsync");
  // Asynchronous engines make no pwrite/fdatasync system calls: the ring or AIO context does.
  EXPECT_EQ(calls["pwrite"] + calls["pwritev2"], 0u) << ReadFile(counts);
  EXPECT_EQ(calls["fdatasync"], 0u);
}

std::vector<EngineCase> AllEngineCases() {
  std::vector<EngineCase> out;
  for (const char* fs : {"tmpfs", "ext4"}) {
    for (const char* engine : {"io_uring", "libaio"}) {
      for (const char* sync : {"none", "fsync", "fdatasync", "sync_file_range", "osync", "odsync",
                               "rwf_dsync", "rwf_sync"}) {
        if (std::string(engine) == "libaio" && std::string(sync) == "sync_file_range") continue;
        out.push_back({engine, fs, sync, 1});
      }
      out.push_back({engine, fs, "fdatasync", 5});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineSyncTest, ::testing::ValuesIn(AllEngineCases()),
                         [](const auto& param_info) {
                           const EngineCase& c = param_info.param;
                           return c.engine + "_" + c.fs + "_" + c.sync + "_every" +
                                  std::to_string(c.fsync_every);
                         });

TEST(Engines, LibaioRefusesSyncFileRangeBeforeAnyIo) {
  TempDir dir("/dev/shm");
  CommandResult r =
      Durabench({"run", "--target", dir.path(), "--engine", "libaio", "--direct", "--sync",
                 "sync_file_range", "--ops", "10", "--runtime", "0s", "--size", "1MiB"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("does not implement sync method sync_file_range"), std::string::npos)
      << r.err;
}

// The names of the engines `durabench list` shows (this build's).
std::string EngineList() {
  CommandResult r = Durabench({"list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(r.out.find("Engines"));
}

// Issue 15 item 8: psync at iodepth 16 on a 1 GiB file used to lay the whole GiB out and fail
// only then. What a phase asks of its engine is refused before the target is touched: no file
// in the target directory, and the message names the phase, the limit and the fix.
TEST(Engines, EngineLimitsAreRefusedBeforeTheLayout) {
  TempDir dir;
  CommandResult r = Durabench(
      {"run", "--target", dir.path(), "--iodepth", "16", "--size", "1GiB", "--runtime", "1s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("phase 'adhoc': engine psync runs one request at a time (iodepth 16 "
                       "asked); use "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("or --iodepth 1"), std::string::npos) << r.err;
  if (EngineList().find("io_uring") != std::string::npos) {
    EXPECT_NE(r.err.find("--engine io_uring"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the target was laid out";
}

// Every phase is checked before the first one runs: the second phase's limit stops the run
// before the first phase's files exist.
TEST(Engines, EveryPhaseIsCheckedBeforeTheFirstRuns) {
  TempDir dir;
  TempDir files;
  const std::string workload = files.File("two.toml");
  std::ofstream(workload) << "[defaults]\nengine = \"psync\"\nsize = \"1GiB\"\n"
                             "runtime = \"1s\"\n"
                             "[[phase]]\nname = \"shallow\"\n"
                             "[[phase]]\nname = \"deep\"\niodepth = 4\n";
  CommandResult r = Durabench({"run", workload, "--target", dir.path()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("phase 'deep': engine psync runs one request at a time (iodepth 4 asked)"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the target was laid out";
}

TEST(Engines, RandomReadsAtDepthOnPageCachedFile) {
  TempDir dir("/dev/shm");
  CommandResult r = Durabench({"run", "--target", dir.path(), "--engine", "io_uring", "--pattern",
                               "randread", "--iodepth", "32", "--ops", "5000", "--runtime", "0s",
                               "--size", "8MiB", "--json"});
  if (r.exit_code != 0 && r.err.find("not supported") != std::string::npos) {
    GTEST_SKIP() << "skipped: " << r.err;
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["phases"][0]["ops"]["read"]["count"], 5000);
  EXPECT_EQ(j["phases"][0]["queue"]["max_inflight"], 32);
  EXPECT_FALSE(j["phases"][0]["ops"].contains("write"));
}

}  // namespace
}  // namespace durabench::testing
