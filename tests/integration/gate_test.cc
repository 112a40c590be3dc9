// compare, gate, merge and report on real runs: identical tmpfs runs pass the gate, runs made
// slower by a known flush delay (the syscall shim) fail it; merge adds counts exactly; fio json+
// files are accepted beside durabench results. Runs alone (RUN_SERIAL): another test's load
// would be a real difference between the sides.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

using Json = nlohmann::json;

const std::string kFioData = DURABENCH_FIO_DATA;

constexpr int kRunsPerSide = 5;

// 1.5 s of 4 KiB writes with fdatasync, 250 ms intervals (6 per run).
std::vector<std::string> RunArgs(const std::string& target, const std::string& out,
                                 const std::string& block_size = "4KiB") {
  return {"run",      "--target",   target,  "--sync", "fdatasync", "--runtime",
          "1500ms",   "--interval", "250ms", "--size", "8MiB",      "--block-size",
          block_size, "-o",         out,     "--quiet"};
}

// The runs every check below reads. gtest_discover_tests runs each TEST in a process of its own,
// so the checks that share these runs are one TEST, each in its own SCOPED_TRACE section.
struct Runs {
  TempDir target{"/dev/shm"};
  TempDir out;
  std::map<std::string, std::vector<std::string>> files;

  // `per_side` runs of each side in `sides`, alternating, so that drift on the host hits every
  // side alike. "slow" runs get a 50 us delay in every fdatasync.
  void Make(int per_side, const std::vector<std::string>& sides) {
    for (int i = 0; i < per_side; ++i) {
      for (const std::string& side : sides) {
        const std::string file = out.File(side + std::to_string(i) + ".json");
        const auto env = side == "slow" ? ShimEnv({{"SHIM_DELAY_FDATASYNC_NS", "50000"}})
                                        : std::map<std::string, std::string>{};
        CommandResult r = Durabench(RunArgs(target.path(), file), env);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        files[side].push_back(file);
      }
    }
  }

  std::vector<std::string> Gate(const std::string& base, const std::string& cand) {
    std::vector<std::string> args = {"gate", "--baseline"};
    args.insert(args.end(), files[base].begin(), files[base].end());
    args.push_back("--candidate");
    args.insert(args.end(), files[cand].begin(), files[cand].end());
    return args;
  }
};

void IdenticalTmpfsRunsPass(Runs& runs) {
  std::vector<std::string> args = runs.Gate("base", "same");
  const std::string md = runs.out.File("same.md");
  const std::string xml = runs.out.File("same.xml");
  args.insert(args.end(), {"--threshold", "lat.p99=+10%", "--threshold", "iops=-10%", "--threshold",
                           "flush.p50=+10%", "--markdown", md, "--junit", xml});
  CommandResult r = Durabench(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS: 3 checks, no regression"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("run mean ranks of 30 vs 30 intervals"), std::string::npos) << r.out;
  EXPECT_NE(ReadFile(md).find("durabench gate: PASS"), std::string::npos);
  const std::string junit = ReadFile(xml);
  EXPECT_NE(junit.find("tests=\"3\" failures=\"0\""), std::string::npos) << junit;
}

void InjectedFlushDelayFails(Runs& runs) {
  std::vector<std::string> args = runs.Gate("base", "slow");
  const std::string xml = runs.out.File("slow.xml");
  args.insert(args.end(), {"--junit", xml});
  CommandResult r = Durabench(args);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("commit.p99"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL:"), std::string::npos) << r.out;
  const std::string junit = ReadFile(xml);
  EXPECT_NE(junit.find("<failure message="), std::string::npos) << junit;

  // The JSON form: the commit p99 check failed with a tiny p-value, the candidate's p99 at
  // least the injected 50 us.
  args = runs.Gate("base", "slow");
  args.insert(args.end(), {"--json", "--threshold", "commit.p99=+10%"});
  r = Durabench(args);
  EXPECT_EQ(r.exit_code, 1);
  const Json j = Json::parse(r.out);
  EXPECT_FALSE(j["pass"].get<bool>());
  ASSERT_EQ(j["checks"].size(), 1u);
  EXPECT_EQ(j["checks"][0]["outcome"], "REGRESSION");
  EXPECT_LT(j["checks"][0]["p_value"].get<double>(), 1e-3);
  EXPECT_GE(j["checks"][0]["candidate"].get<double>(), 50'000 * 0.99);

  // A threshold larger than the change passes even a significant one.
  args = runs.Gate("base", "slow");
  args.insert(args.end(), {"--threshold", "write.p50=+1000%"});
  r = Durabench(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

void OneRunPerSideUsesTheThresholdAlone(Runs& runs) {
  CommandResult r = Durabench({"gate", "--baseline", runs.files["base"][0], "--candidate",
                               runs.files["slow"][0], "--threshold", "commit.p50=+10%"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("no test: 1 vs 1 runs"), std::string::npos) << r.out;
}

void InputErrorsExitTwo(Runs& runs) {
  // A different workload (block size).
  const std::string other = runs.out.File("bs8k.json");
  ASSERT_EQ(Durabench(RunArgs(runs.target.path(), other, "8KiB")).exit_code, 0);
  CommandResult r = Durabench({"gate", "--baseline", runs.files["base"][0], "--candidate", other});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not runs of one workload"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("block_size_bytes 4096 vs 8192"), std::string::npos) << r.err;
  // A file that is not a result.
  const std::string junk = runs.out.File("junk.json");
  ASSERT_EQ(Shell("echo '{\"hello\": 1}' > " + junk), 0);
  r = Durabench({"gate", "--baseline", runs.files["base"][0], "--candidate", junk});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(junk), std::string::npos) << r.err;
  // A bad threshold, and a metric that no phase has.
  r = Durabench({"gate", "--baseline", runs.files["base"][0], "--candidate", runs.files["same"][0],
                 "--threshold", "commit.p99=10%"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs a sign"), std::string::npos) << r.err;
  r = Durabench({"gate", "--baseline", runs.files["base"][0], "--candidate", runs.files["same"][0],
                 "--threshold", "read.p99=+10%"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no phase has read operations"), std::string::npos) << r.err;
  // A workload against a fio result.
  r = Durabench(
      {"gate", "--baseline", runs.files["base"][0], "--candidate", kFioData + "/fdatasync.json"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

void CompareShowsChangesAndDifferences(Runs& runs) {
  CommandResult r = Durabench(
      {"compare", runs.files["base"][0], runs.files["slow"][0], kFioData + "/fdatasync.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("what differs:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("workload"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("flush"), std::string::npos);
  EXPECT_NE(r.out.find("vs 0"), std::string::npos);
  r = Durabench({"compare", runs.files["base"][0], runs.files["slow"][0], "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  // write, flush, commit of the one phase; the slow run's flush p50 is at least 50 us longer.
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][1]["kind"], "flush");
  EXPECT_GE(j["rows"][1]["inputs"][1]["change"]["p50_ns"].get<double>(), 50'000 * 0.99);
  r = Durabench({"compare", runs.files["base"][0], runs.files["slow"][0], "--markdown"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("| # | count | IOPS |"), std::string::npos) << r.out;
  // One input is a usage error.
  EXPECT_EQ(Durabench({"compare", runs.files["base"][0]}).exit_code, 2);
}

void MergeAddsCountsExactly(Runs& runs) {
  const std::string merged = runs.out.File("merged.json");
  CommandResult r = Durabench({"merge", "--sequential", runs.files["base"][0],
                               runs.files["base"][1], runs.files["base"][2], "-o", merged});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json m = LoadJson(merged);
  ExpectValidResult(m);
  EXPECT_EQ(m["merged_from"].size(), 3u);
  for (const char* kind : {"write", "flush", "commit"}) {
    uint64_t sum = 0;
    std::map<uint64_t, uint64_t> bins;
    for (int i = 0; i < 3; ++i) {
      const Json j = LoadJson(runs.files["base"][i]);
      sum += j["phases"][0]["ops"][kind]["count"].get<uint64_t>();
      for (const Json& b : j["phases"][0]["ops"][kind]["lat_ns"]["histogram"]["bins"]) {
        bins[b[0].get<uint64_t>()] += b[2].get<uint64_t>();
      }
    }
    EXPECT_EQ(m["phases"][0]["ops"][kind]["count"].get<uint64_t>(), sum) << kind;
    std::map<uint64_t, uint64_t> merged_bins;
    for (const Json& b : m["phases"][0]["ops"][kind]["lat_ns"]["histogram"]["bins"]) {
      merged_bins[b[0].get<uint64_t>()] = b[2].get<uint64_t>();
    }
    EXPECT_EQ(merged_bins, bins) << kind;
  }
  // The merged file is a result like any other: compare reads it.
  EXPECT_EQ(Durabench({"compare", runs.files["base"][0], merged}).exit_code, 0);
  // Different workloads do not merge.
  r = Durabench({"merge", runs.files["base"][0], kFioData + "/fdatasync.json", "-o", merged});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not runs of one workload"), std::string::npos) << r.err;
  // A run that started an hour after the other ended: not merged as concurrent (the IOPS would
  // add up), only with --sequential.
  Json later = LoadJson(runs.files["base"][1]);
  later["started_at"] = "2099-01-01T00:00:00Z";
  later.erase("run_id");
  const std::string later_file = runs.out.File("later.json");
  std::ofstream(later_file) << later.dump();
  r = Durabench({"merge", runs.files["base"][0], later_file, "-o", merged});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did not run at the same time"), std::string::npos) << r.err;
  EXPECT_EQ(Durabench({"merge", "--sequential", runs.files["base"][0], later_file, "-o", merged})
                .exit_code,
            0);
}

void ReportRendersComparison(Runs& runs) {
  if (Shell("{ test -x /usr/bin/python3 && /usr/bin/python3 -c 'import matplotlib, jinja2'; } "
            "2>/dev/null") != 0) {
    GTEST_SKIP() << "skipped: python3-matplotlib or python3-jinja2 is not installed (durabench "
                    "report needs them)";
  }
  const std::string dir = runs.out.File("report");
  CommandResult r = Durabench({"report", runs.files["base"][0], runs.files["slow"][0],
                               kFioData + "/fdatasync.json", "-o", dir, "--title", "gate test"},
                              {}, 300);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string html = ReadFile(dir + "/index.html");
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_NE(html.find("gate test"), std::string::npos);
  // The fio input was converted into a durabench result beside the others.
  EXPECT_EQ(Shell("ls " + dir + "/data/03-fdatasync.json >/dev/null"), 0);
  ExpectValidResult(LoadJson(dir + "/data/03-fdatasync.json"));
}

// Five identical runs per side on tmpfs never fail the gate; five with a 50 us flush delay do.
TEST(GateCli, RealRuns) {
  Runs runs;
  runs.Make(kRunsPerSide, {"base", "same", "slow"});
  if (::testing::Test::HasFatalFailure()) return;
  for (const auto& [name, check] : std::vector<std::pair<const char*, void (*)(Runs&)>>{
           {"identical runs pass", IdenticalTmpfsRunsPass},
           {"injected flush delay fails", InjectedFlushDelayFails},
           {"one run per side", OneRunPerSideUsesTheThresholdAlone},
           {"compare", CompareShowsChangesAndDifferences},
           {"merge", MergeAddsCountsExactly}}) {
    SCOPED_TRACE(name);
    check(runs);
  }
}

// `report --data-only`: each input as a result with its derived series beside it, holding the
// result's own percentiles; no plot script or python3 is looked for.
TEST(GateCli, ReportDataOnlyWritesTheSeriesWithoutPython) {
  Runs runs;
  runs.Make(1, {"base"});
  if (::testing::Test::HasFatalFailure()) return;
  const std::string dir = runs.out.File("series");
  CommandResult r =
      Durabench({"report", "--data-only", runs.files["base"][0], kFioData + "/fdatasync.json", "-o",
                 dir, "--python", "/nonexistent/python3"},
                {{"DURABENCH_PLOT_SCRIPT", "/nonexistent/plot.py"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, dir + "/data\n");
  EXPECT_NE(Shell("test -e " + dir + "/index.html"), 0);
  for (const char* name : {"01-base0", "02-fdatasync"}) {
    SCOPED_TRACE(name);
    const std::string result_path = dir + "/data/" + name + ".json";
    const nlohmann::json result = LoadJson(result_path);
    const nlohmann::json series = LoadJson(dir + "/data/" + name + ".series.json");
    EXPECT_EQ(series["kind"], "durabench-report-series");
    EXPECT_EQ(series["result"], std::string(name) + ".json");
    std::string sum;
    ASSERT_EQ(Shell("sha256sum " + result_path + " | cut -c1-64", &sum), 0);
    EXPECT_EQ(series["result_sha256"].get<std::string>() + "\n", sum);
    ASSERT_EQ(series["phases"].size(), result["phases"].size());
    for (size_t i = 0; i < result["phases"].size(); ++i) {
      const nlohmann::json& ops = result["phases"][i]["ops"];
      ASSERT_EQ(series["phases"][i]["ops"].size(), ops.size());
      for (const auto& [kind, op] : ops.items()) {
        const nlohmann::json& s = series["phases"][i]["ops"][kind]["lat_ns"];
        EXPECT_EQ(s["count"], op["count"]) << kind;
        EXPECT_EQ(s["percentiles"], op["lat_ns"]["percentiles"]) << kind;
        EXPECT_EQ(s["spectrum"]["ns"].back(), op["lat_ns"]["max"]) << kind;
      }
    }
  }
}

// A report of three inputs: a run, a run with a slow flush, and a fio json+ file.
TEST(GateCli, ReportOfThreeInputs) {
  Runs runs;
  runs.Make(1, {"base", "slow"});
  if (::testing::Test::HasFatalFailure()) return;
  ReportRendersComparison(runs);
}

TEST(GateCli, InputErrorsExitTwo) {
  Runs runs;
  runs.Make(1, {"base", "same"});
  if (::testing::Test::HasFatalFailure()) return;
  InputErrorsExitTwo(runs);
}

}  // namespace
}  // namespace durabench::testing
