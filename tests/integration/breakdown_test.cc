// `durabench compare --breakdown` on real tmpfs runs, without a cluster: the "replicas" are
// tmpfs runs whose fdatasync the syscall shim stretches to a known duration (1 replica: 20 us,
// 3 replicas: 70 us; the shim waits until that long after the call began), named with --local /
// --replicas since their facts say "tmpfs". The breakdown must report the 50 us step between
// them at p50. Runs alone (RUN_SERIAL): another test's load would blur the steps.
//
// A step is a difference between two runs, so it also holds whatever the host did differently
// during them (on a busy two-core machine the step once came out 86 us). The tolerance is
// therefore 8 us plus the noise measured in the runs themselves: how far their write p50s, and
// their flush p50s less the injected delay, differ.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

using Json = nlohmann::json;

constexpr double kRep1DelayNs = 20'000;
constexpr double kRep3DelayNs = 70'000;

// 1.5 s of 4 KiB random writes with fdatasync, psync, qd1.
std::vector<std::string> RunArgs(const std::string& target, const std::string& out,
                                 const std::string& block_size = "4KiB") {
  return {"run",    "--target", target,         "--sync",   "fdatasync", "--runtime", "1500ms",
          "--size", "8MiB",     "--block-size", block_size, "-o",        out,         "--quiet"};
}

// One run's p50s, and its flush p50 less the delay the shim added to every flush.
struct RunP50 {
  double write = 0, flush = 0, commit = 0, flush_excess = 0;
  std::string Describe() const {
    return std::to_string(static_cast<long>(write)) + "/" +
           std::to_string(static_cast<long>(flush)) + "/" +
           std::to_string(static_cast<long>(commit));
  }
};

RunP50 ReadP50(const std::string& file, double injected_ns) {
  const Json ops = LoadJson(file)["phases"][0]["ops"];
  RunP50 p;
  p.write = ops["write"]["lat_ns"]["percentiles"]["50"].get<double>();
  p.flush = ops["flush"]["lat_ns"]["percentiles"]["50"].get<double>();
  p.commit = ops["commit"]["lat_ns"]["percentiles"]["50"].get<double>();
  p.flush_excess = p.flush - injected_ns;
  return p;
}

// How much of a step between runs `a` and `b` is the host's doing rather than the injected
// delays: the difference of their write p50s and of their flushes' excess over the delay.
double Noise(const RunP50& a, const RunP50& b) {
  return std::abs(a.write - b.write) + std::abs(a.flush_excess - b.flush_excess);
}

struct Runs {
  TempDir target{"/dev/shm"};
  TempDir out;
  std::string local, rep1, rep3;

  void Make() {
    local = out.File("local.json");
    rep1 = out.File("rep1.json");
    rep3 = out.File("rep3.json");
    const auto delay = [](double ns) {
      return ShimEnv({{"SHIM_DELAY_FDATASYNC_NS", std::to_string(static_cast<long>(ns))}});
    };
    // The local run goes through the shim too (no delay), so every run pays the shim's own
    // cost (a readlink per write and flush). The overhead step is then 20 us minus the local
    // fdatasync: between 0 and 20 us.
    CommandResult r = Durabench(RunArgs(target.path(), local), delay(0));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Durabench(RunArgs(target.path(), rep1), delay(kRep1DelayNs));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Durabench(RunArgs(target.path(), rep3), delay(kRep3DelayNs));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::vector<std::string> Breakdown(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"compare",    "--breakdown", "--local",    local,
                                     "--replicas", "1=" + rep1,   "--replicas", "3=" + rep3};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

TEST(BreakdownCli, InjectedFlushDelayShowsAsTheReplicationStep) {
  Runs runs;
  ASSERT_NO_FATAL_FAILURE(runs.Make());

  CommandResult r = Durabench(runs.Breakdown({"--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["kind"], "durable");
  EXPECT_EQ(j["inputs"][0]["role"], "local");
  EXPECT_EQ(j["inputs"][0]["source"], "--local");
  EXPECT_EQ(j["inputs"][2]["replicas"], 3);
  ASSERT_EQ(j["groups"].size(), 1u);
  const Json& g = j["groups"][0];
  EXPECT_EQ(g["access_path"], "tmpfs");
  ASSERT_EQ(g["phases"].size(), 1u);
  const Json& p50 = g["phases"][0]["lat_ns"]["p50"];
  EXPECT_EQ(g["phases"][0]["kinds"]["high"], "commit");
  // The replication step is the 50 us the two stretched fdatasyncs differ by, within 8 us plus
  // the noise between the two runs; the overhead is at most the 20 us of the first (plus the
  // noise between it and the local run).
  const RunP50 local = ReadP50(runs.local, 0), rep1 = ReadP50(runs.rep1, kRep1DelayNs),
               rep3 = ReadP50(runs.rep3, kRep3DelayNs);
  const std::string seen = "p50 write/flush/commit (ns): local " + local.Describe() + ", rep1 " +
                           rep1.Describe() + ", rep3 " + rep3.Describe();
  EXPECT_NEAR(p50["replication"].get<double>(), kRep3DelayNs - kRep1DelayNs,
              8'000 + Noise(rep1, rep3))
      << p50 << "\n"
      << seen;
  // The breakdown's figure is the runs' own: rep3's commit p50 less rep1's (1 % buckets).
  EXPECT_NEAR(p50["replication"].get<double>(), rep3.commit - rep1.commit, 0.02 * rep3.commit)
      << p50 << "\n"
      << seen;
  EXPECT_GT(p50["overhead"].get<double>(), 0) << p50 << "\n" << seen;
  EXPECT_LT(p50["overhead"].get<double>(), kRep1DelayNs + 5'000 + Noise(local, rep1)) << p50 << "\n"
                                                                                      << seen;
  EXPECT_DOUBLE_EQ(
      p50["local"].get<double>() + p50["overhead"].get<double>() + p50["replication"].get<double>(),
      p50["total"].get<double>());
  EXPECT_GT(g["phases"][0]["iops"]["local"].get<double>(),
            g["phases"][0]["iops"]["high"].get<double>());

  // The text table, printed for docs/compare.md, and the Markdown form.
  r = Durabench(runs.Breakdown({}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("+ replication (3 replicas - 1 replica)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tmpfs, 3 replicas (--replicas)"), std::string::npos) << r.out;
  r = Durabench(runs.Breakdown({"--markdown", "--kind", "flush", "--percentiles", "p50,p99"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| p99 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("flush latency"), std::string::npos) << r.out;

  // Files given both positionally and by an override are read once.
  r = Durabench({"compare", "--breakdown", runs.local, runs.rep1, runs.rep3, "--local", runs.local,
                 "--replicas", "1=" + runs.rep1, "--replicas", "3=" + runs.rep3, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["inputs"].size(), 3u);

  // Usage and input errors exit 2 with the reason.
  r = Durabench({"compare", "--breakdown", runs.local, runs.rep1, runs.rep3});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("several local baselines"), std::string::npos) << r.err;
  r = Durabench(runs.Breakdown({"--percentiles", "p50,iops"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--percentiles: 'iops'"), std::string::npos) << r.err;
  r = Durabench({"compare", "--breakdown", "--local", runs.local, "--replicas", "x=" + runs.rep1});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected N=FILE"), std::string::npos) << r.err;
  r = Durabench({"compare", runs.local, runs.rep1, "--kind", "flush"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("go with --breakdown"), std::string::npos) << r.err;

  const std::string other = runs.out.File("bs8k.json");
  ASSERT_EQ(Durabench(RunArgs(runs.target.path(), other, "8KiB")).exit_code, 0);
  r = Durabench({"compare", "--breakdown", "--local", runs.local, "--replicas", "1=" + runs.rep1,
                 "--replicas", "3=" + other});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("block-size 4KiB vs 8KiB"), std::string::npos) << r.err;
}

TEST(BreakdownCli, BackendCompareWorkloadIsListedAndRuns) {
  CommandResult r = Durabench({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("backend-compare"), std::string::npos) << r.out;

  TempDir target{"/dev/shm"};
  TempDir out;
  const std::string file = out.File("bc.json");
  r = Durabench({"run", "backend-compare", "--target", target.path(), "--runtime", "200ms",
                 "--size", "4MiB", "-o", file, "--quiet"});
  if (r.exit_code == 77 || r.err.find("not supported") != std::string::npos) {
    GTEST_SKIP() << "io_uring not available here: " << r.err;
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = LoadJson(file);
  ASSERT_EQ(j["phases"].size(), 3u);
  EXPECT_EQ(j["phases"][0]["name"], "qd1");
  EXPECT_EQ(j["phases"][2]["spec"]["iodepth"], 16);
  for (const Json& p : j["phases"]) {
    EXPECT_TRUE(p["ops"].contains("commit")) << p["name"];
    EXPECT_TRUE(p["ops"].contains("flush")) << p["name"];
  }
}

}  // namespace
}  // namespace durabench::testing
