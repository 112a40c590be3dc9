// Finding workloads by name and path, listing them, and the shipped presets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "workload/workload_file.h"

namespace durabench {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Each test gets its own directory, put first on the search path, and removed afterwards. The
// source tree's presets come second: a test binary has no data directory of its own (the
// binary's, util/data_dir.h, is tested through the installed binary: tests/install/).
class WorkloadSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "durabench-wl-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string path = dir_ + ":" + DURABENCH_SOURCE_WORKLOADS_DIR;
    ASSERT_EQ(setenv("DURABENCH_WORKLOADS", path.c_str(), 1), 0);
  }
  void TearDown() override {
    unsetenv("DURABENCH_WORKLOADS");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = fs::path(dir_) / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::string dir_;
};

TEST_F(WorkloadSearch, ByName) {
  Write("mine.toml", "description = \"my test\"\n[defaults]\njobs = 2\n");
  Result<WorkloadSpec> w = LoadWorkload("mine");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->name, "mine");
  EXPECT_EQ(w->description, "my test");
  EXPECT_EQ(w->source, dir_ + "/mine.toml");
  EXPECT_EQ(w->phases.at(0).jobs, 2u);
}

TEST_F(WorkloadSearch, EnvironmentDirectoriesComeFirst) {
  Write("ci-smoke.toml", "description = \"shadow\"\n");
  Result<WorkloadSpec> w = LoadWorkload("ci-smoke");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->description, "shadow");
}

TEST_F(WorkloadSearch, SeveralEnvironmentDirectories) {
  const fs::path second = fs::path(dir_) / "second";
  fs::create_directory(second);
  std::ofstream(second / "other.toml") << "description = \"in second\"\n";
  ASSERT_EQ(setenv("DURABENCH_WORKLOADS", (":" + dir_ + "::" + second.string()).c_str(), 1), 0);
  Result<WorkloadSpec> w = LoadWorkload("other");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->description, "in second");
}

TEST_F(WorkloadSearch, ByPath) {
  const std::string path = Write("by-path.toml", "[defaults]\niodepth = 8\n");
  Result<WorkloadSpec> w = LoadWorkload(path);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->name, "by-path");
  EXPECT_EQ(w->source, path);
  EXPECT_EQ(w->phases.at(0).iodepth, 8u);
  // A path is read as is, even without the .toml suffix.
  const std::string odd = Write("odd-name.txt", "description = \"odd\"\n");
  w = LoadWorkload(odd);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->description, "odd");
}

TEST_F(WorkloadSearch, MissingPathIsNotFoundNamingIt) {
  const std::string path = dir_ + "/nope.toml";
  Result<WorkloadSpec> w = LoadWorkload(path);
  EXPECT_EQ(w.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(w.status().message(), "workload file '" + path + "' does not exist");
  w = LoadWorkload("nope.toml");  // a .toml suffix makes it a path, relative to the cwd
  EXPECT_EQ(w.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(w.status().message(), HasSubstr("'nope.toml' does not exist"));
}

TEST_F(WorkloadSearch, MissingNameListsAvailable) {
  Write("mine.toml", "");
  Result<WorkloadSpec> w = LoadWorkload("no-such-workload");
  EXPECT_EQ(w.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(
      w.status().message(),
      AllOf(StartsWith("no workload named 'no-such-workload'; valid: "), HasSubstr("ci-smoke"),
            HasSubstr("mine"), HasSubstr(dir_), HasSubstr("DURABENCH_WORKLOADS")));
  w = LoadWorkload("");
  EXPECT_EQ(w.status().code(), Status::Code::kNotFound);
}

TEST_F(WorkloadSearch, ParseErrorsCarryThePath) {
  const std::string path = Write("bad.toml", "[defaults]\njobs = 0\n");
  Result<WorkloadSpec> w = LoadWorkload("bad");
  EXPECT_EQ(w.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(w.status().message(), StartsWith(path + ":2: key 'jobs': "));
}

TEST_F(WorkloadSearch, DirectoryIsNotAWorkload) {
  fs::create_directory(fs::path(dir_) / "d.toml");
  Result<WorkloadSpec> w = ParseWorkloadFile(dir_ + "/d.toml");
  EXPECT_FALSE(w.ok());
  EXPECT_THAT(w.status().message(), HasSubstr(dir_ + "/d.toml"));
}

TEST_F(WorkloadSearch, ListIsSortedWithDescriptions) {
  Write("zz-last.toml", "description = \"last\"\n");
  Write("aa-first.toml", "description = \"first\"\n");
  Write("broken.toml", "[defaults]\nblock_size = \"4XB\"\n");
  Write("ci-smoke.toml", "description = \"shadow\"\n");
  Write("not-a-workload.txt", "");
  std::vector<WorkloadInfo> list = ListWorkloads();
  std::vector<std::string> names;
  for (const WorkloadInfo& w : list) names.push_back(w.name);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_THAT(names, Contains("ceph-wal"));
  EXPECT_THAT(names, Not(Contains("not-a-workload")));
  EXPECT_EQ(std::count(names.begin(), names.end(), "ci-smoke"), 1);
  auto find = [&list](std::string_view name) {
    for (const WorkloadInfo& w : list) {
      if (w.name == name) return w;
    }
    ADD_FAILURE() << name << " not listed";
    return WorkloadInfo{};
  };
  EXPECT_EQ(find("aa-first").description, "first");
  EXPECT_EQ(find("zz-last").path, dir_ + "/zz-last.toml");
  EXPECT_EQ(find("ci-smoke").description, "shadow");
  EXPECT_THAT(find("broken").description, StartsWith("(invalid: " + dir_ + "/broken.toml:2: "));
}

// ---------------------------------------------------------------------------------------------
// The shipped presets (from the source tree, whatever DURABENCH_WORKLOADS says).

WorkloadSpec Preset(const std::string& name) {
  Result<WorkloadSpec> w =
      ParseWorkloadFile(std::string(DURABENCH_SOURCE_WORKLOADS_DIR) + "/" + name + ".toml");
  EXPECT_TRUE(w.ok()) << name << ": " << w.status().message();
  return w.ok() ? *w : WorkloadSpec{};
}

std::vector<std::string> Names(const WorkloadSpec& w) {
  std::vector<std::string> names;
  for (const PhaseSpec& p : w.phases) names.push_back(p.name);
  return names;
}

TEST(Presets, EveryShippedPresetParsesAndExplainsItself) {
  int count = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(DURABENCH_SOURCE_WORKLOADS_DIR)) {
    if (e.path().extension() != ".toml") continue;
    ++count;
    SCOPED_TRACE(e.path().string());
    Result<WorkloadSpec> w = ParseWorkloadFile(e.path().string());
    ASSERT_TRUE(w.ok()) << w.status().message();
    EXPECT_FALSE(w->description.empty());
    EXPECT_FALSE(w->phases.empty());
    std::ifstream in(e.path());
    std::string first_line;
    std::getline(in, first_line);
    EXPECT_THAT(first_line, StartsWith("# ")) << "a preset opens with comments saying why";
  }
  EXPECT_GE(count, 5);
}

TEST(Presets, RequiredPresetsExist) {
  for (const char* name :
       {"ci-smoke", "ceph-wal", "etcd-wal", "postgres-wal", "sync-methods", "plp-probe",
        "drive-eval", "drive-eval-quick", "backend-compare", "node-loss", "cable-pull"}) {
    EXPECT_TRUE(fs::exists(std::string(DURABENCH_SOURCE_WORKLOADS_DIR) + "/" + name + ".toml"))
        << name;
  }
}

TEST(Presets, NodeLossAndCablePullPutTheirFaultOnEveryPhase) {
  for (const char* name : {"node-loss", "cable-pull"}) {
    SCOPED_TRACE(name);
    const WorkloadSpec w = Preset(name);
    EXPECT_THAT(Names(w), ElementsAre("qd1", "qd16"));
    for (const PhaseSpec& p : w.phases) {
      EXPECT_EQ(p.runtime_ns, 90'000'000'000u);
      EXPECT_EQ(p.sync, SyncMethod::kFdatasync);
      ASSERT_EQ(p.faults.size(), 1u);
      EXPECT_EQ(p.faults[0].at_ns, 20'000'000'000u);
      EXPECT_EQ(p.faults[0].undo_at_ns, 50'000'000'000u);
      EXPECT_THAT(p.faults[0].run, HasSubstr("lab.sh"));
      EXPECT_THAT(p.faults[0].run, HasSubstr("DURABENCH_LAB"));
    }
  }
}

TEST(Presets, CiSmokeIsTinyAndFast) {
  WorkloadSpec w = Preset("ci-smoke");
  ASSERT_EQ(w.phases.size(), 2u);
  uint64_t total_ns = 0;
  for (const PhaseSpec& p : w.phases) {
    total_ns += p.runtime_ns + p.ramp_ns;
    EXPECT_GT(p.runtime_ns, 0u);
    EXPECT_EQ(p.size_bytes, 8u << 20);
    EXPECT_EQ(p.block_size_bytes, 4096u);
  }
  EXPECT_LE(total_ns, 5'000'000'000u);
  EXPECT_EQ(w.phases[0].pattern, Pattern::kRandWrite);
  EXPECT_EQ(w.phases[0].sync, SyncMethod::kFdatasync);
  EXPECT_EQ(w.phases[0].runtime_ns, 2'000'000'000u);
  EXPECT_TRUE(PatternReads(w.phases[1].pattern));
}

TEST(Presets, CephWalMatchesTheCommunityDriveTest) {
  WorkloadSpec w = Preset("ceph-wal");
  ASSERT_EQ(w.phases.size(), 1u);
  const PhaseSpec& p = w.phases[0];
  EXPECT_EQ(p.pattern, Pattern::kRandWrite);
  EXPECT_EQ(p.block_size_bytes, 4096u);
  EXPECT_EQ(p.iodepth, 1u);
  EXPECT_EQ(p.jobs, 1u);
  EXPECT_TRUE(p.direct);
  EXPECT_EQ(p.sync, SyncMethod::kOsync);  // fio --sync=1 is O_SYNC
  EXPECT_EQ(p.runtime_ns, 60'000'000'000u);
  EXPECT_EQ(p.size_bytes, 1ull << 30);
}

TEST(Presets, EtcdWalMatchesTheFioGuidance) {
  WorkloadSpec w = Preset("etcd-wal");
  ASSERT_EQ(w.phases.size(), 1u);
  const PhaseSpec& p = w.phases[0];
  EXPECT_EQ(p.pattern, Pattern::kWrite);
  EXPECT_EQ(p.block_size_bytes, 2300u);
  EXPECT_EQ(p.size_bytes, 22u << 20);
  EXPECT_EQ(p.sync, SyncMethod::kFdatasync);
  EXPECT_EQ(p.fsync_every, 1u);
  EXPECT_EQ(p.iodepth, 1u);
  EXPECT_EQ(p.jobs, 1u);
  EXPECT_FALSE(p.direct);
  EXPECT_EQ(p.runtime_ns, 60'000'000'000u);
}

TEST(Presets, PostgresWalSweepsTheLinuxWalSyncMethods) {
  WorkloadSpec w = Preset("postgres-wal");
  EXPECT_THAT(Names(w), ElementsAre("main[sync=fdatasync]", "main[sync=fsync]", "main[sync=odsync]",
                                    "main[sync=osync]"));
  for (const PhaseSpec& p : w.phases) {
    EXPECT_EQ(p.pattern, Pattern::kWrite);
    EXPECT_EQ(p.block_size_bytes, 8192u);
    EXPECT_EQ(p.size_bytes, 16u << 20);
    EXPECT_EQ(p.jobs, 1u);
    EXPECT_EQ(p.runtime_ns, 10'000'000'000u);
  }
}

TEST(Presets, SyncMethodsCoversEveryMethod) {
  WorkloadSpec w = Preset("sync-methods");
  ASSERT_EQ(w.phases.size(), AllSyncMethodNames().size());
  for (size_t i = 0; i < w.phases.size(); ++i) {
    const PhaseSpec& p = w.phases[i];
    EXPECT_EQ(SyncMethodName(p.sync), AllSyncMethodNames()[i]);
    EXPECT_EQ(p.name, "main[sync=" + std::string(AllSyncMethodNames()[i]) + "]");
    EXPECT_EQ(p.pattern, Pattern::kWrite);
    EXPECT_EQ(p.block_size_bytes, 8192u);
    EXPECT_EQ(p.iodepth, 1u);
    EXPECT_EQ(p.jobs, 1u);
    EXPECT_EQ(p.runtime_ns, 5'000'000'000u);
  }
}

uint64_t TotalRuntimeNs(const WorkloadSpec& w) {
  uint64_t ns = 0;
  for (const PhaseSpec& p : w.phases) ns += p.ramp_ns + p.runtime_ns;
  return ns;
}

TEST(Presets, PlpProbeHasABaselineAndThreeDurableMethods) {
  WorkloadSpec w = Preset("plp-probe");
  EXPECT_THAT(Names(w), ElementsAre("write", "fdatasync", "odsync", "rwf_dsync"));
  for (const PhaseSpec& p : w.phases) {
    EXPECT_TRUE(p.direct);
    EXPECT_EQ(p.block_size_bytes, 4096u);
    EXPECT_EQ(p.iodepth, 1u);
    EXPECT_EQ(p.jobs, 1u);
  }
  EXPECT_EQ(w.phases[0].sync, SyncMethod::kNone);
}

// `eval` finds its sections by these names (analysis/report_card.h); both variants keep them.
TEST(Presets, DriveEvalVariantsShareThePhaseNames) {
  const std::vector<std::string> names = {"plp-write",
                                          "plp-fdatasync",
                                          "plp-odsync",
                                          "plp-rwf_dsync",
                                          "ceph-wal-1job",
                                          "ceph-wal-4jobs",
                                          "etcd",
                                          "postgres[sync=fdatasync]",
                                          "postgres[sync=fsync]",
                                          "postgres[sync=odsync]",
                                          "postgres[sync=osync]",
                                          "sustained"};
  WorkloadSpec full = Preset("drive-eval");
  WorkloadSpec quick = Preset("drive-eval-quick");
  EXPECT_EQ(Names(full), names);
  EXPECT_EQ(Names(quick), names);
  EXPECT_FALSE(full.phases.back().fill) << "the sustained phase writes fresh space";
  EXPECT_FALSE(quick.phases.back().fill);
  // The promised budgets: about 30 minutes and about one minute of measuring.
  EXPECT_GE(TotalRuntimeNs(full), 25 * 60 * 1'000'000'000ull);
  EXPECT_LE(TotalRuntimeNs(full), 35 * 60 * 1'000'000'000ull);
  EXPECT_LE(TotalRuntimeNs(quick), 60 * 1'000'000'000ull);
}

TEST(Presets, OverridesApplyToPresets) {
  WorkloadSpec w = Preset("ceph-wal");
  ASSERT_TRUE(ApplyOverrides({{"runtime", "10s"}, {"pattern", "write"}}, &w).ok());
  EXPECT_EQ(w.phases[0].runtime_ns, 10'000'000'000u);
  EXPECT_EQ(w.phases[0].pattern, Pattern::kWrite);
  w = Preset("etcd-wal");
  Status st = ApplyOverrides({{"direct", "true"}}, &w);
  EXPECT_THAT(st.message(), HasSubstr("multiple of 512"));
}

TEST(Docs, EveryPhaseKeyIsDocumented) {
  const fs::path doc =
      fs::path(DURABENCH_SOURCE_WORKLOADS_DIR).parent_path() / "docs" / "workloads.md";
  std::ifstream in(doc);
  ASSERT_TRUE(in) << doc;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::string_view key : PhaseKeys()) {
    EXPECT_THAT(text, HasSubstr("| `" + std::string(key) + "`")) << "no table row for " << key;
  }
}

TEST_F(WorkloadSearch, ListShowsABadFileWithItsErrorAndTheOthers) {
  std::string deep = "a";
  for (int i = 0; i < 50'000; ++i) deep += ".a";
  Write("deep.toml", deep + " = 1\n");
  Write("good.toml", "description = \"fine\"\n");
  std::vector<WorkloadInfo> list = ListWorkloads();
  std::vector<std::string> names;
  for (const WorkloadInfo& w : list) names.push_back(w.name);
  EXPECT_THAT(names, AllOf(Contains("deep"), Contains("good"), Contains("ceph-wal")));
  for (const WorkloadInfo& w : list) {
    if (w.name == "deep") {
      EXPECT_THAT(w.description, StartsWith("(invalid: " + dir_ + "/deep.toml:1: TOML nested"));
    }
    if (w.name == "good") {
      EXPECT_EQ(w.description, "fine");
    }
  }
}

TEST_F(WorkloadSearch, FifoAndDeviceAreRefusedWithoutWaiting) {
  const std::string fifo = dir_ + "/pipe.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // No writer: reading it would wait forever.
  Result<WorkloadSpec> w = LoadWorkload(fifo);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(), fifo + ": not a regular file (a FIFO); valid: a workload file");
  w = LoadWorkload("/dev/zero");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(w.status().message(), HasSubstr("(a character device)"));
  // A FIFO on the search path is not listed, and listing does not wait for it.
  for (const WorkloadInfo& info : ListWorkloads()) EXPECT_NE(info.name, "pipe");
}

}  // namespace
}  // namespace durabench
