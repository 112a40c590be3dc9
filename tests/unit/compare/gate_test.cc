#include "compare/gate.h"

#include <gtest/gtest.h>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

Threshold T(const std::string& text) {
  Result<Threshold> t = ParseThreshold(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().message();
  return t.ok() ? *t : Threshold{};
}

// Runs one gate with one threshold; labels b0.., c0...
Result<GateReport> Gate(const std::vector<RunResult>& base, const std::vector<RunResult>& cand,
                        const std::vector<std::string>& thresholds) {
  std::vector<const RunResult*> b;
  std::vector<const RunResult*> c;
  std::vector<std::string> labels;
  for (size_t i = 0; i < base.size(); ++i) {
    b.push_back(&base[i]);
    labels.push_back("b" + std::to_string(i));
  }
  for (size_t i = 0; i < cand.size(); ++i) {
    c.push_back(&cand[i]);
    labels.push_back("c" + std::to_string(i));
  }
  GateOptions options;
  for (const std::string& t : thresholds) options.thresholds.push_back(T(t));
  return RunGate(b, c, labels, options);
}

GateOutcome Only(const Result<GateReport>& r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok() || r->checks.size() != 1) {
    ADD_FAILURE() << "expected one check";
    return GateOutcome::kPass;
  }
  return r->checks[0].outcome;
}

RunResult Commit(uint64_t ns) {
  RunShape s;
  s.commit_ns = ns;
  return MakeRun(s);
}

RunResult Rate(uint64_t ops_per_interval) {
  RunShape s;
  s.ops_per_interval = ops_per_interval;
  return MakeRun(s);
}

TEST(GateThreshold, Parses) {
  Threshold t = T("commit.p99=+10%");
  EXPECT_EQ(t.metric.Name(), "commit.p99");
  EXPECT_EQ(t.direction, +1);
  EXPECT_DOUBLE_EQ(t.limit, 0.10);
  EXPECT_TRUE(t.relative);
  t = T("iops=-5%");
  EXPECT_EQ(t.direction, -1);
  EXPECT_DOUBLE_EQ(t.limit, 0.05);
  t = T("flush.p50=+200us");
  EXPECT_FALSE(t.relative);
  EXPECT_DOUBLE_EQ(t.limit, 200'000);
  t = T("write.iops=-500");
  EXPECT_FALSE(t.relative);
  EXPECT_DOUBLE_EQ(t.limit, 500);
  t = T("lat.p99.9=+0%");
  EXPECT_DOUBLE_EQ(t.limit, 0);
}

TEST(GateThreshold, RejectsBadForms) {
  for (const char* bad :
       {"commit.p99", "commit.p99=10%", "commit.p99=+", "commit.p99=+x%", "commit.p99=+-5%",
        "p99=+10%", "commit.p99=+10 parsecs", "iops=-abc", "commit.p99=+5%%"}) {
    Result<Threshold> t = ParseThreshold(bad);
    EXPECT_FALSE(t.ok()) << bad << " parsed";
    if (!t.ok()) {
      EXPECT_NE(t.status().message().find(bad), std::string::npos) << bad;
    }
  }
}

// One run per side: the threshold alone decides, in both directions.
TEST(Gate, LatencyThresholdBothDirections) {
  EXPECT_EQ(Only(Gate({Commit(100'000)}, {Commit(120'000)}, {"commit.p99=+10%"})),
            GateOutcome::kRegression);
  EXPECT_EQ(Only(Gate({Commit(100'000)}, {Commit(105'000)}, {"commit.p99=+10%"})),
            GateOutcome::kPass);
  EXPECT_EQ(Only(Gate({Commit(100'000)}, {Commit(80'000)}, {"commit.p99=+10%"})),
            GateOutcome::kImproved);
  // A threshold that says a fall is bad (unusual for a latency, but symmetric).
  EXPECT_EQ(Only(Gate({Commit(100'000)}, {Commit(80'000)}, {"commit.p99=-10%"})),
            GateOutcome::kRegression);
}

TEST(Gate, IopsThresholdBothDirections) {
  EXPECT_EQ(Only(Gate({Rate(1000)}, {Rate(850)}, {"iops=-10%"})), GateOutcome::kRegression);
  EXPECT_EQ(Only(Gate({Rate(1000)}, {Rate(950)}, {"iops=-10%"})), GateOutcome::kPass);
  EXPECT_EQ(Only(Gate({Rate(1000)}, {Rate(1200)}, {"iops=-10%"})), GateOutcome::kImproved);
  EXPECT_EQ(Only(Gate({Rate(1000)}, {Rate(1200)}, {"iops=+10%"})), GateOutcome::kRegression);
}

TEST(Gate, AbsoluteThreshold) {
  // p99 ~110 us -> ~132 us: +22 us.
  EXPECT_EQ(Only(Gate({Commit(100'000)}, {Commit(120'000)}, {"commit.p99=+20us"})),
            GateOutcome::kRegression);
  EXPECT_EQ(Only(Gate({Commit(100'000)}, {Commit(120'000)}, {"commit.p99=+30us"})),
            GateOutcome::kPass);
  EXPECT_EQ(Only(Gate({Rate(1000)}, {Rate(850)}, {"write.iops=-100"})), GateOutcome::kRegression);
  EXPECT_EQ(Only(Gate({Rate(1000)}, {Rate(850)}, {"write.iops=-200"})), GateOutcome::kPass);
}

TEST(Gate, CheckRecordsTheValues) {
  Result<GateReport> r = Gate({Commit(100'000)}, {Commit(120'000)}, {"lat.p99=+10%"});
  ASSERT_TRUE(r.ok());
  const GateCheck& c = r->checks[0];
  EXPECT_EQ(c.metric, "commit.p99");  // "lat" resolved
  EXPECT_EQ(c.phase, "commit-path");
  EXPECT_NEAR(c.relative, 0.2, 0.02);
  EXPECT_FALSE(c.tested);
  EXPECT_NE(c.samples.find("1 vs 1 runs"), std::string::npos) << c.samples;
  EXPECT_TRUE(r->regression());
}

TEST(Gate, DefaultThresholdsAreP99AndIops) {
  Result<GateReport> r = Gate({Commit(100'000)}, {Commit(100'000)}, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->checks.size(), 2u);
  EXPECT_EQ(r->checks[0].threshold, "lat.p99=+10%");
  EXPECT_EQ(r->checks[1].threshold, "iops=-10%");
  EXPECT_FALSE(r->regression());
}

// Two sides of three runs each, for the significance tests below.
struct Sides {
  std::vector<RunResult> low;
  std::vector<RunResult> high;
};

// Per-interval p99 near 100 us (run i offset by i x 300 ns), and the same runs with every
// interval 30 % higher: a consistent shift.
Sides ConsistentShift() {
  Sides s;
  for (int i = 0; i < 3; ++i) {
    RunShape b;
    b.interval_p99_ns = {100, 104, 98, 101, 103, 99, 102, 97, 105, 100};
    for (uint64_t& v : b.interval_p99_ns) v = v * 1000 + static_cast<uint64_t>(i) * 300;
    s.low.push_back(MakeRun(b));
    b.commit_ns = 130'000;
    for (uint64_t& v : b.interval_p99_ns) v = v * 13 / 10;
    s.high.push_back(MakeRun(b));
  }
  return s;
}

// Intervals that alternate between 90 and 140 us on both sides (the high side's in reverse
// order), while the pooled histograms differ by 25 %: no shift the intervals can show.
Sides MixedIntervals() {
  Sides s;
  for (int i = 0; i < 3; ++i) {
    RunShape b;
    b.interval_p99_ns = {90, 130, 100, 140, 95, 125, 105, 135, 98, 128};
    for (uint64_t& v : b.interval_p99_ns) v *= 1000;
    s.low.push_back(MakeRun(b));
    b.commit_ns = 125'000;
    std::reverse(b.interval_p99_ns.begin(), b.interval_p99_ns.end());
    s.high.push_back(MakeRun(b));
  }
  return s;
}

// Three runs per side with a consistent 30 % rise in every interval: significant.
TEST(Gate, ConsistentShiftAcrossIntervalsIsARegression) {
  const Sides s = ConsistentShift();
  Result<GateReport> r = Gate(s.low, s.high, {"commit.p99=+10%"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const GateCheck& c = r->checks[0];
  EXPECT_TRUE(c.tested);
  EXPECT_EQ(c.samples, "intervals");
  EXPECT_EQ(c.baseline_n, 30u);
  EXPECT_EQ(c.candidate_n, 30u);
  EXPECT_LT(c.p_value, 1e-4);
  EXPECT_EQ(c.outcome, GateOutcome::kRegression);
}

// The pooled p99 exceeds the threshold, but the intervals of the two sides are alike: noise.
TEST(Gate, ExceededButNotSignificantIsNoise) {
  const Sides s = MixedIntervals();
  Result<GateReport> r = Gate(s.low, s.high, {"commit.p99=+10%"});
  ASSERT_TRUE(r.ok());
  const GateCheck& c = r->checks[0];
  EXPECT_TRUE(c.exceeded);
  EXPECT_TRUE(c.tested);
  EXPECT_GT(c.p_value, 0.3);
  EXPECT_EQ(c.outcome, GateOutcome::kNoise);
  EXPECT_FALSE(r->regression());
}

// An improvement beyond the threshold is "improved" only when it is significant in that
// direction: the same two samples as above, with the sides swapped.
TEST(Gate, ImprovedOnlyWhenSignificant) {
  const Sides shift = ConsistentShift();
  const Sides mixed = MixedIntervals();
  Result<GateReport> r = Gate(shift.high, shift.low, {"commit.p99=+10%"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->checks[0].tested);
  EXPECT_LT(r->checks[0].p_value, 1e-4);
  EXPECT_EQ(r->checks[0].outcome, GateOutcome::kImproved);
  r = Gate(mixed.high, mixed.low, {"commit.p99=+10%"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_LT(r->checks[0].relative, -0.1) << "the pooled p99 fell beyond the threshold";
  EXPECT_TRUE(r->checks[0].tested);
  EXPECT_GT(r->checks[0].p_value, 0.3);
  EXPECT_EQ(r->checks[0].outcome, GateOutcome::kNoise);
  EXPECT_FALSE(r->regression());
}

// Without time series (fio results), the test falls back to one value per run.
TEST(Gate, WithoutTimeSeriesOneValuePerRun) {
  std::vector<RunResult> base;
  std::vector<RunResult> cand;
  for (uint64_t i = 0; i < 5; ++i) {
    base.push_back(Commit(100'000 + i * 1000));
    cand.push_back(Commit(150'000 + i * 1000));
    base.back().phases[0].time_series.clear();
    cand.back().phases[0].time_series.clear();
  }
  Result<GateReport> r = Gate(base, cand, {"commit.p99=+10%"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->checks[0].samples, "runs");
  EXPECT_EQ(r->checks[0].baseline_n, 5u);
  EXPECT_NEAR(r->checks[0].p_value, 1.0 / 252, 1e-12);  // 5 vs 5, complete separation, exact
  EXPECT_EQ(r->checks[0].outcome, GateOutcome::kRegression);
  // With 3 per side the smallest p is 0.05: at alpha 0.01 that can only be noise.
  base.resize(3);
  cand.resize(3);
  r = Gate(base, cand, {"commit.p99=+10%"});
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->checks[0].p_value, 0.05, 1e-12);
  EXPECT_EQ(r->checks[0].outcome, GateOutcome::kNoise);
}

// stall and recovery: a longer stall, or a rate that no longer comes back, is a regression.
TEST(Gate, StallAndRecovery) {
  using testing::WithChaos;
  const auto run = [](uint64_t stall_s, std::optional<uint64_t> recovery_s) {
    return WithChaos(
        MakeRun(RunShape{}), stall_s * 1'000'000'000,
        recovery_s ? std::optional<uint64_t>(*recovery_s * 1'000'000'000) : std::nullopt);
  };
  EXPECT_EQ(Only(Gate({run(6, 8)}, {run(42, 45)}, {"stall=+20%"})), GateOutcome::kRegression);
  EXPECT_EQ(Only(Gate({run(6, 8)}, {run(6, 8)}, {"stall=+5s"})), GateOutcome::kPass);
  EXPECT_EQ(Only(Gate({run(42, 45)}, {run(6, 8)}, {"stall=+20%"})), GateOutcome::kImproved);
  EXPECT_EQ(Only(Gate({run(6, 8)}, {run(6, std::nullopt)}, {"recovery=+10s"})),
            GateOutcome::kRegression);
  EXPECT_EQ(Only(Gate({run(6, std::nullopt)}, {run(6, std::nullopt)}, {"recovery=+10%"})),
            GateOutcome::kPass);
  // Five runs a side: one value per run (no per-interval form), the exact rank-sum test.
  std::vector<RunResult> base;
  std::vector<RunResult> cand;
  for (uint64_t i = 0; i < 5; ++i) {
    base.push_back(run(6 + i, 8));
    cand.push_back(run(20 + i, 25));
  }
  Result<GateReport> r = Gate(base, cand, {"stall=+50%"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->checks.size(), 1u);
  EXPECT_EQ(r->checks[0].samples, "runs");
  EXPECT_NEAR(r->checks[0].p_value, 1.0 / 252, 1e-12);
  EXPECT_EQ(r->checks[0].outcome, GateOutcome::kRegression);
  EXPECT_DOUBLE_EQ(r->checks[0].baseline, 10e9);  // the pooled side's worst stall
  EXPECT_DOUBLE_EQ(r->checks[0].candidate, 24e9);
  // Without faults on either side, a stall threshold has nothing to check.
  r = Gate({Commit(100'000)}, {Commit(100'000)}, {"stall=+10%"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no phase has faults"), std::string::npos)
      << r.status().message();
  r = Gate({run(6, 8)}, {Commit(100'000)}, {"recovery=+10%"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has faults only in the baseline"), std::string::npos)
      << r.status().message();
}

TEST(Gate, MissingMetricsAreErrors) {
  Result<GateReport> r = Gate({Commit(100'000)}, {Commit(100'000)}, {"read.p99=+10%"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no phase has read operations"), std::string::npos)
      << r.status().message();
  // Flushes only in the baseline.
  RunResult cand = Commit(100'000);
  cand.phases[0].ops[static_cast<int>(OpKind::kFlush)].histogram.Reset();
  r = Gate({Commit(100'000)}, {cand}, {"flush.p50=+10%"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("only in the baseline"), std::string::npos)
      << r.status().message();
}

TEST(Gate, MismatchedWorkloadsAndTargetsAreErrors) {
  RunShape other;
  other.workload = "etcd";
  Result<GateReport> r = Gate({Commit(100'000)}, {MakeRun(other)}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("workload 'wal' vs 'etcd'"), std::string::npos)
      << r.status().message();

  RunResult bs = Commit(100'000);
  bs.phases[0].spec.block_size_bytes = 16384;
  r = Gate({Commit(100'000)}, {bs}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("block_size_bytes 4096 vs 16384"), std::string::npos)
      << r.status().message();

  RunShape renamed;
  renamed.phase = "other-phase";
  r = Gate({Commit(100'000)}, {MakeRun(renamed)}, {});
  ASSERT_FALSE(r.ok());

  RunShape ext4;
  ext4.backend = "local-block";
  r = Gate({Commit(100'000)}, {MakeRun(ext4)}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("different targets"), std::string::npos)
      << r.status().message();

  r = Gate({}, {Commit(1)}, {});
  EXPECT_FALSE(r.ok());
}

TEST(Gate, Renderings) {
  Result<GateReport> r =
      Gate({Commit(100'000)}, {Commit(130'000)}, {"commit.p99=+10%", "iops=-10%"});
  ASSERT_TRUE(r.ok());
  const std::string text = GateReportText(*r);
  EXPECT_NE(text.find("REGRESSION"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL: 1 of 2 checks regressed"), std::string::npos) << text;
  const std::string md = GateReportMarkdown(*r);
  EXPECT_NE(md.find("**REGRESSION**"), std::string::npos);
  EXPECT_NE(md.find("| commit-path | commit.p99 |"), std::string::npos) << md;
  const std::string xml = GateReportJunit(*r);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"commit-path\" name=\"commit.p99\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message="), std::string::npos);
  const Json j = GateReportToJson(*r);
  EXPECT_FALSE(j["pass"].get<bool>());
  EXPECT_EQ(j["checks"].size(), 2u);
  EXPECT_EQ(j["checks"][0]["outcome"], "REGRESSION");
}

}  // namespace
}  // namespace durabench
