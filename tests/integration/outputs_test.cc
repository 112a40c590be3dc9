// Output paths never destroy anything (docs/safety.md, "Output files"): -o over a device node,
// a symlink, a directory, the target or an input; report directories with files of their own;
// one run given twice to merge or gate; stdout on a full disk. Device nodes are made with mknod
// in the test's own directory, so a regression could never replace the machine's /dev/null.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

using Json = nlohmann::json;

// A short run on tmpfs (files under `target`), its result to `out`.
std::vector<std::string> ShortRun(const std::string& target, const std::string& out) {
  return {"run",  "--target", target,      "--runtime", "200ms", "--size",
          "1MiB", "--sync",   "fdatasync", "--quiet",   "-o",    out};
}

bool IsCharDevice(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

bool IsEmptyDir(const std::string& path) {
  std::string listing;
  Shell("ls -A " + path, &listing);
  return listing.empty();
}

TEST(Outputs, ACharacterDeviceIsWrittenInPlaceNeverReplaced) {
  if (geteuid() != 0) GTEST_SKIP() << "skipped: mknod needs root";
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string null_node = dir.File("null");
  const std::string full_node = dir.File("full");
  ASSERT_EQ(mknod(null_node.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(mknod(full_node.c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);

  CommandResult r = Durabench(ShortRun(target.path(), null_node));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(IsCharDevice(null_node));

  r = Durabench(ShortRun(target.path(), full_node));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("write " + full_node + ": No space left on device"), std::string::npos)
      << r.err;
  EXPECT_TRUE(IsCharDevice(full_node));
  EXPECT_TRUE(IsEmptyDir(target.path())) << "the run's files are removed even so";

  // probe, compare, merge and gate's --junit/--markdown take the same way out.
  const std::string a = dir.File("a.json");
  const std::string b = dir.File("b.json");
  ASSERT_EQ(Durabench(ShortRun(target.path(), a)).exit_code, 0);
  ASSERT_EQ(Durabench(ShortRun(target.path(), b)).exit_code, 0);
  EXPECT_EQ(Durabench({"probe", target.path(), "-o", null_node}).exit_code, 0);
  EXPECT_EQ(Durabench({"compare", a, b, "-o", null_node}).exit_code, 0);
  EXPECT_EQ(Durabench({"merge", "--sequential", a, b, "-o", null_node}).exit_code, 0);
  EXPECT_EQ(Durabench({"gate", "--baseline", a, "--candidate", b, "--junit", null_node,
                       "--markdown", full_node})
                .exit_code,
            3);
  EXPECT_TRUE(IsCharDevice(null_node));
  EXPECT_TRUE(IsCharDevice(full_node));
}

TEST(Outputs, ASymlinkStaysALinkAndItsTargetIsReplaced) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  ASSERT_EQ(mkdir(dir.File("results").c_str(), 0755), 0);
  ASSERT_EQ(symlink("results/latest.json", dir.File("latest.json").c_str()), 0);
  CommandResult r = Durabench(ShortRun(target.path(), dir.File("latest.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st;
  ASSERT_EQ(lstat(dir.File("latest.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ExpectValidResult(LoadJson(dir.File("results/latest.json")));
}

// A bad -o is refused at once, before the target is laid out: a 30 s run ends in well under
// that, and leaves the target directory empty.
TEST(Outputs, ABadOutputIsRefusedBeforeMeasuring) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string existing = dir.File("target.dat");
  std::ofstream(existing) << "the user's data";
  struct Case {
    std::string output;
    std::string target;
    std::string says;
  };
  const std::vector<Case> cases = {
      {dir.File("missing/r.json"), target.path(), "does not exist"},
      {dir.path(), target.path(), "is a directory"},
      {target.path() + "/", target.path(), "is a directory"},
      {existing, existing, "is the target"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.output);
    const auto start = std::chrono::steady_clock::now();
    CommandResult r = Durabench({"run", "--target", c.target, "--runtime", "30s", "--size", "1MiB",
                                 "--allow-overwrite", "--quiet", "-o", c.output});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_LT(seconds, 20.0) << "refused only after measuring";
    EXPECT_TRUE(IsEmptyDir(target.path()));
  }
  EXPECT_EQ(ReadFile(existing), "the user's data");
  for (const std::string cmd : {"plp", "eval"}) {
    CommandResult r = Durabench({cmd, target.path(), "-o", dir.File("missing/r.json")});
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  }
}

TEST(Outputs, AReportNeverRemovesOrOverwritesFilesItDidNotWrite) {
  if (Shell("/usr/bin/python3 -c 'import matplotlib, jinja2' 2>/dev/null") != 0) {
    GTEST_SKIP() << "skipped: python3-matplotlib or python3-jinja2 is not installed (durabench "
                    "report needs them)";
  }
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string result = dir.File("r.json");
  ASSERT_EQ(Durabench(ShortRun(target.path(), result)).exit_code, 0);
  const std::string mine = dir.File("photos");
  ASSERT_EQ(mkdir(mine.c_str(), 0755), 0);
  std::ofstream(mine + "/01-2026-12-02-screenshot.png") << "a user's picture";
  std::ofstream(mine + "/index.html") << "a user's page";

  CommandResult r = Durabench({"report", result, "-o", mine});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(mine + "/index.html"), "a user's page");
  EXPECT_FALSE(IsEmptyDir(mine));

  r = Durabench({"report", result, "-o", mine, "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(mine + "/01-2026-12-02-screenshot.png"), "a user's picture");

  // A report's own directory takes the next report without --force.
  const std::string own = dir.File("report");
  ASSERT_EQ(Durabench({"report", result, "-o", own}).exit_code, 0);
  std::ofstream(own + "/01-dated-note.png") << "added later by hand";
  r = Durabench({"report", result, "-o", own});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(own + "/01-dated-note.png"), "added later by hand");
}

TEST(Outputs, MergeNeverOverwritesAnInputNorCountsARunTwice) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string a = dir.File("a.json");
  const std::string b = dir.File("b.json");
  const std::string all = dir.File("all.json");
  ASSERT_EQ(Durabench(ShortRun(target.path(), a)).exit_code, 0);
  ASSERT_EQ(Durabench(ShortRun(target.path(), b)).exit_code, 0);
  const std::string a_before = ReadFile(a);

  CommandResult r = Durabench({"merge", "--sequential", a, b, "-o", a});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is an input"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(a), a_before);

  ASSERT_EQ(Durabench({"merge", "--sequential", a, b, "-o", all}).exit_code, 0);
  const Json merged = LoadJson(all);
  EXPECT_EQ(merged["merged_run_ids"].size(), 2u);
  EXPECT_NE(merged["run_id"], LoadJson(a)["run_id"]);
  // `merge d/*.json -o d/all.json` a second time: all.json is an input and holds a and b.
  r = Durabench({"merge", "--sequential", a, all, b, "-o", all});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Durabench({"merge", "--sequential", a, all, b, "-o", dir.File("all2.json")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("holds the same run"), std::string::npos) << r.err;

  // Results written before run ids existed: merged_from still tells.
  for (const std::string& f : {a, b, all}) {
    Json j = LoadJson(f);
    j.erase("run_id");
    j.erase("merged_run_ids");
    std::ofstream(f) << j.dump(2);
  }
  ASSERT_EQ(Durabench({"merge", "--sequential", a, b, "-o", all}).exit_code, 0);
  Json legacy = LoadJson(all);
  legacy.erase("run_id");
  legacy.erase("merged_run_ids");
  std::ofstream(all) << legacy.dump(2);
  r = Durabench({"merge", "--sequential", a, all, b, "-o", dir.File("all3.json")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("holds the same run (" + a), std::string::npos) << r.err;
}

TEST(Outputs, GateRefusesOneRunGivenTwice) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  std::vector<std::string> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(dir.File("r" + std::to_string(i) + ".json"));
    ASSERT_EQ(Durabench(ShortRun(target.path(), runs.back())).exit_code, 0);
  }
  // The same file twice; a byte copy; a copy re-serialised (same run_id, other bytes).
  ASSERT_EQ(Shell("cp " + runs[0] + " " + dir.File("copy.json")), 0);
  Json j = LoadJson(runs[0]);
  std::ofstream(dir.File("reformatted.json")) << j.dump();
  for (const std::string& again : {runs[0], dir.File("copy.json"), dir.File("reformatted.json")}) {
    SCOPED_TRACE(again);
    CommandResult r =
        Durabench({"gate", "--baseline", runs[0], again, "--candidate", runs[1], runs[2]});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("would count one run as several"), std::string::npos) << r.err;
  }
  // The gate's report files are checked before the inputs are read; never an input.
  CommandResult r =
      Durabench({"gate", "--baseline", runs[0], "--candidate", runs[1], "--markdown", runs[1]});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is an input"), std::string::npos) << r.err;
  r = Durabench({"compare", runs[0], runs[1], "-o", runs[1]});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// stdout on a full disk (/dev/full as the redirect target: opened, never replaced).
TEST(Outputs, AFailedWriteToStdoutIsAnError) {
  TempDir target{"/dev/shm"};
  TempDir dir;
  const std::string a = dir.File("a.json");
  ASSERT_EQ(Durabench(ShortRun(target.path(), a)).exit_code, 0);
  const std::string bin = kBinary;
  const std::string env = "DURABENCH_WORKLOADS=" + std::string(DURABENCH_SOURCE_WORKLOADS) + " ";
  for (const std::string& args :
       {"run --target " + target.path() + " --runtime 200ms --size 1MiB --json",
        "probe " + target.path() + " --json", "probe " + target.path(), "compare " + a + " " + a,
        "compare " + a + " " + a + " --json", "gate --baseline " + a + " --candidate " + a}) {
    SCOPED_TRACE(args);
    std::string err;
    const int rc = Shell(env + bin + " " + args + " 2>&1 >/dev/full", &err);
    EXPECT_EQ(rc, args.rfind("gate", 0) == 0 ? 2 : 3) << err;
    if (args.rfind("gate", 0) != 0) {
      EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
    }
  }
  EXPECT_TRUE(IsEmptyDir(target.path()));
}

}  // namespace
}  // namespace durabench::testing
