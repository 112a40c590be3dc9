// Golden outputs of the commands that read stored results: merge, compare (text, JSON,
// Markdown, fio json+ inputs, --breakdown) and gate (text, JSON, JUnit, Markdown), on fixed
// inputs in tests/data/golden/in, tests/report/data and tests/data/fio (in/cand-work.json is
// cand-1.json with its phase's engine, pattern, block size, runtime, iodepth, jobs, direct and
// sync edited: the same figures under other work). Each output must equal
// tests/data/golden/out/NAME byte for byte: a change of the code around the result model
// (issue 13's redesign) must not change a single figure or character. The only normalisation is
// what differs between two runs of the same command: a merged result's fresh `run_id` and the
// binary's path in its `command`.
//
// A change that is meant to change an output regenerates the files with
// DURABENCH_UPDATE_GOLDEN=1 (docs/testing.md, "Golden outputs"); the diff then shows what
// changed, for review.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "durabench_runner.h"

#ifndef DURABENCH_GOLDEN_DIR
#error "DURABENCH_GOLDEN_DIR must name tests/data/golden"
#endif

namespace durabench::testing {
namespace {

namespace fs = std::filesystem;

const std::string kGolden = DURABENCH_GOLDEN_DIR;

bool Updating() {
  const char* v = std::getenv("DURABENCH_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// The inputs, all in one directory so the commands name them by their bare names (the outputs
// quote them).
class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<std::string> dirs = {kGolden + "/in", kGolden + "/../../report/data",
                                           kGolden + "/../fio"};
    for (const std::string& d : dirs) {
      for (const fs::directory_entry& e : fs::directory_iterator(d)) {
        if (e.path().extension() == ".json") {
          fs::copy_file(e.path(), fs::path(dir_.path()) / e.path().filename());
        }
      }
    }
  }

  // Runs `durabench ARGS` in the input directory; stdout goes to `stdout_name` there.
  int Run(const std::string& args, const std::string& stdout_name) {
    const int rc = Shell("cd '" + dir_.path() + "' && '" + kBinary + "' " + args + " >" +
                         stdout_name + " 2>stderr.txt");
    if (rc != 0 && rc != 1) ADD_FAILURE() << args << ": exit " << rc << "\n" << Read("stderr.txt");
    return rc;
  }

  std::string Read(const std::string& name) const { return ReadFile(dir_.path() + "/" + name); }

  // Compares output `name` (after normalising) with its golden file, or writes the golden file.
  void Expect(const std::string& name) {
    std::string text = Read(name);
    text = std::regex_replace(text, std::regex(R"("run_id": "[0-9a-f]{32}")"),
                              R"("run_id": "RUN_ID")");
    for (size_t at = text.find(kBinary); at != std::string::npos; at = text.find(kBinary, at)) {
      text.replace(at, kBinary.size(), "durabench");
    }
    const std::string golden = kGolden + "/out/" + name;
    if (Updating()) {
      std::ofstream(golden, std::ios::binary) << text;
      return;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing (DURABENCH_UPDATE_GOLDEN=1)";
    const std::string want = ReadFile(golden);
    if (text == want) return;
    // The first differing line, rather than two whole files.
    size_t i = 0;
    while (i < text.size() && i < want.size() && text[i] == want[i]) ++i;
    const size_t line_start = want.rfind('\n', i == 0 ? 0 : i - 1);
    const size_t from = line_start == std::string::npos ? 0 : line_start + 1;
    ADD_FAILURE() << name << " differs from " << golden << " at byte " << i
                  << ":\n  golden: " << want.substr(from, want.find('\n', i) - from)
                  << "\n  now:    " << text.substr(from, text.find('\n', i) - from);
  }

  TempDir dir_;
};

constexpr const char* kBase = "base-1.json base-2.json base-3.json";
constexpr const char* kCand = "cand-1.json cand-2.json cand-3.json";

TEST_F(GoldenTest, Merge) {
  ASSERT_EQ(Run(std::string("merge ") + kBase + " -o merge.json", "stdout-merge.txt"), 0);
  Expect("merge.json");
  Expect("stdout-merge.txt");
  ASSERT_EQ(Run("merge --sequential base-1.json cand-1.json -o merge-seq.json", "/dev/null"), 0);
  Expect("merge-seq.json");
}

TEST_F(GoldenTest, MergeOfFioJsonPlus) {
  ASSERT_EQ(Run("merge two_jobs.json -o merge-fio.json", "/dev/null"), 0);
  Expect("merge-fio.json");
}

TEST_F(GoldenTest, Compare) {
  ASSERT_EQ(Run("compare base-1.json cand-1.json", "compare.txt"), 0);
  Expect("compare.txt");
  ASSERT_EQ(Run("compare base-1.json cand-1.json cand-2.json --json", "compare.json"), 0);
  Expect("compare.json");
  ASSERT_EQ(Run("compare base-1.json cand-1.json --markdown", "compare.md"), 0);
  Expect("compare.md");
  // Two machines, two filesystems: the list of facts that differ.
  ASSERT_EQ(Run("compare ci-smoke-ext4.json ci-smoke-tmpfs.json", "compare-hosts.txt"), 0);
  Expect("compare-hosts.txt");
}

TEST_F(GoldenTest, CompareOfFioJsonPlus) {
  ASSERT_EQ(Run("compare fdatasync.json randrw_io_uring.json two_jobs.json", "compare-fio.txt"), 0);
  Expect("compare-fio.txt");
  // Three fio jobs of different names: nothing is side by side, and stderr says so.
  EXPECT_EQ(Read("stderr.txt"),
            "durabench: warning: the inputs share no phase name: no phase and no work is "
            "compared\n");
  ASSERT_EQ(Run("compare fdatasync.json two_jobs_grouped.json --json", "compare-fio.json"), 0);
  Expect("compare-fio.json");
}

// The work that differs (one phase, eight keys), the bandwidth column, and the width: text within
// 100 columns by default, --wide beyond; CSV and JSON carry the work too.
TEST_F(GoldenTest, CompareOfDifferentWork) {
  ASSERT_EQ(Run("compare base-1.json cand-work.json", "compare-work.txt"), 0);
  Expect("compare-work.txt");
  EXPECT_EQ(Read("stderr.txt"), "");
  ASSERT_EQ(Run("compare base-1.json cand-work.json --wide", "compare-work-wide.txt"), 0);
  Expect("compare-work-wide.txt");
  ASSERT_EQ(Run("compare base-1.json cand-work.json --format csv", "compare-work.csv"), 0);
  Expect("compare-work.csv");
  ASSERT_EQ(Run("compare base-1.json cand-1.json cand-work.json --json", "compare-work.json"), 0);
  Expect("compare-work.json");
}

// Every line of compare's text fits 100 columns unless --wide, which shows the whole table.
TEST_F(GoldenTest, CompareTextFits100ColumnsUnlessWide) {
  const auto longest = [this](const std::string& name) {
    std::istringstream in(Read(name));
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n = std::max(n, line.size());
    return n;
  };
  for (const std::string args :
       {"base-1.json cand-1.json cand-2.json", "ci-smoke-ext4.json ci-smoke-tmpfs.json",
        "fdatasync.json randrw_io_uring.json two_jobs.json", "base-1.json cand-work.json"}) {
    ASSERT_EQ(Run("compare " + args, "fit.txt"), 0);
    EXPECT_LE(longest("fit.txt"), 100u) << args << ":\n" << Read("fit.txt");
    ASSERT_EQ(Run("compare --wide " + args, "wide.txt"), 0);
    if (args.find("fdatasync") == std::string::npos) {  // fio jobs share no phase: no change rows
      EXPECT_GT(longest("wide.txt"), 100u) << args << ":\n" << Read("wide.txt");
    }
  }
  // --wide is the text's: with another format it is a usage error.
  const CommandResult r = Durabench(
      {"compare", "--wide", "--json", dir_.path() + "/base-1.json", dir_.path() + "/cand-1.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--wide goes with the text comparison"), std::string::npos) << r.err;
}

TEST_F(GoldenTest, Breakdown) {
  const std::string roles = "--local base-1.json --replicas 1=cand-1.json --replicas 3=cand-2.json";
  ASSERT_EQ(Run("compare --breakdown " + roles, "breakdown.txt"), 0);
  Expect("breakdown.txt");
  ASSERT_EQ(Run("compare --breakdown --json " + roles, "breakdown.json"), 0);
  Expect("breakdown.json");
}

TEST_F(GoldenTest, Gate) {
  const std::string runs = std::string("--baseline ") + kBase + " --candidate " + kCand;
  // The candidate is slower at p99 and in IOPS (exit 1).
  ASSERT_EQ(Run("gate " + runs + " --junit gate.xml --markdown gate.md", "gate.txt"), 1);
  Expect("gate.txt");
  Expect("gate.xml");
  Expect("gate.md");
  ASSERT_EQ(Run("gate " + runs + " --json", "gate.json"), 1);
  Expect("gate.json");
  // The other way round nothing regressed (exit 0).
  ASSERT_EQ(Run(std::string("gate --baseline ") + kCand + " --candidate " + kBase, "gate-ok.txt"),
            0);
  Expect("gate-ok.txt");
}

}  // namespace
}  // namespace durabench::testing
