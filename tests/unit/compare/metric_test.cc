#include "compare/metric.h"

#include <gtest/gtest.h>

#include <cmath>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

TEST(Metric, ParsesKindsAndStats) {
  for (const char* ok :
       {"commit.p99", "flush.p50", "write.p99.9", "read.p99.99", "lat.p99", "iops", "bw",
        "write.iops", "commit.max", "commit.mean", "flush.p90", "stall", "recovery"}) {
    Result<Metric> m = ParseMetric(ok);
    ASSERT_TRUE(m.ok()) << ok << ": " << m.status().message();
    EXPECT_EQ(m->Name(), ok);
  }
  EXPECT_TRUE(ParseMetric("commit.p99")->HigherIsWorse());
  EXPECT_FALSE(ParseMetric("iops")->HigherIsWorse());
  EXPECT_FALSE(ParseMetric("write.iops")->HigherIsWorse());
  EXPECT_TRUE(ParseMetric("stall")->HigherIsWorse());
  EXPECT_TRUE(ParseMetric("recovery")->IsChaos());
  EXPECT_FALSE(ParseMetric("commit.max")->IsChaos());
}

TEST(Metric, RejectsWhatItDoesNotKnow) {
  for (const char* bad : {"", "p99", "commit", "commit.p98", "trim.p99", "commit.bw", "iops.p99",
                          "commit.p99x", ".p99", "commit.stall", "lat.recovery", "stall.p99"}) {
    Result<Metric> m = ParseMetric(bad);
    EXPECT_FALSE(m.ok()) << bad;
    if (!m.ok()) {
      EXPECT_NE(m.status().message().find("commit.p99"), std::string::npos);
    }
  }
}

TEST(Metric, ValuesComeFromTheHistogramsAndTheMeasuredTime) {
  const RunResult r = MakeRun(RunShape{});  // 10 s, 1000 commits per second around 100 us
  const PhaseResult& p = r.phases[0];
  EXPECT_DOUBLE_EQ(*MetricValue(*ParseMetric("iops"), p), 1000.0);
  EXPECT_DOUBLE_EQ(*MetricValue(*ParseMetric("commit.iops"), p), 1000.0);
  EXPECT_NEAR(*MetricValue(*ParseMetric("bw"), p), 4096'000.0, 1e-6);
  const double p99 = *MetricValue(*ParseMetric("commit.p99"), p);
  EXPECT_NEAR(p99, 110'000, 110'000 / 128.0);
  EXPECT_NEAR(*MetricValue(*ParseMetric("flush.p50"), p), 50'000, 50'000 / 128.0);
  // "lat" is commit when the phase has commits.
  EXPECT_EQ(*MetricValue(*ParseMetric("lat.p99"), p), p99);
  EXPECT_EQ(MetricKind(*ParseMetric("lat.p99"), p), OpKind::kCommit);
  // No reads: the metric does not apply.
  EXPECT_FALSE(MetricValue(*ParseMetric("read.p99"), p).has_value());
  EXPECT_FALSE(MetricApplies(*ParseMetric("read.p99"), p));
  EXPECT_TRUE(MetricApplies(*ParseMetric("iops"), p));
}

// stall and recovery come from phases[].chaos, only in phases with faults; a rate that never
// came back is an infinite recovery, worse than any.
TEST(Metric, StallAndRecoveryComeFromTheFaultsSummary) {
  const Metric stall = *ParseMetric("stall");
  const Metric recovery = *ParseMetric("recovery");
  const RunResult plain = MakeRun(RunShape{});
  EXPECT_FALSE(MetricApplies(stall, plain.phases[0]));
  EXPECT_FALSE(MetricValue(recovery, plain.phases[0]).has_value());
  const RunResult hit = testing::WithChaos(MakeRun(RunShape{}), 6'180'000'000, 8'000'000'000);
  EXPECT_TRUE(MetricApplies(stall, hit.phases[0]));
  EXPECT_DOUBLE_EQ(*MetricValue(stall, hit.phases[0]), 6.18e9);
  EXPECT_DOUBLE_EQ(*MetricValue(recovery, hit.phases[0]), 8e9);
  EXPECT_FALSE(MetricIntervalValues(stall, hit.phases[0]).has_value());
  EXPECT_EQ(FormatMetricValue(stall, 6.18e9), "6.18s");
  const RunResult never = testing::WithChaos(MakeRun(RunShape{}), 30'000'000'000, std::nullopt);
  EXPECT_TRUE(std::isinf(*MetricValue(recovery, never.phases[0])));
  EXPECT_EQ(FormatMetricValue(recovery, *MetricValue(recovery, never.phases[0])), "none");
}

TEST(Metric, LatFallsBackToWritesThenReads) {
  RunResult r = MakeRun(RunShape{});
  PhaseResult& p = r.phases[0];
  p.ops[static_cast<int>(OpKind::kCommit)].histogram.Reset();
  EXPECT_EQ(MetricKind(*ParseMetric("lat.p50"), p), OpKind::kWrite);
  p.ops[static_cast<int>(OpKind::kWrite)].histogram.Reset();
  EXPECT_FALSE(MetricKind(*ParseMetric("lat.p50"), p).has_value());
  p.ops[static_cast<int>(OpKind::kRead)].histogram.Record(5);
  EXPECT_EQ(MetricKind(*ParseMetric("lat.p50"), p), OpKind::kRead);
}

TEST(Metric, IntervalValuesSkipTheCutShortLastInterval) {
  RunShape s;
  s.interval_p99_ns = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  RunResult r = MakeRun(s);
  PhaseResult& p = r.phases[0];
  std::optional<std::vector<double>> v = MetricIntervalValues(*ParseMetric("commit.p99"), p);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  // The phase ended 0.5 s into interval 9: it is left out.
  p.measured_ns = 9'500'000'000;
  v = MetricIntervalValues(*ParseMetric("commit.p99"), p);
  EXPECT_EQ(v->size(), 9u);
  // IOPS per interval: count / interval seconds (reads + writes for the phase metric).
  v = MetricIntervalValues(*ParseMetric("iops"), p);
  ASSERT_EQ(v->size(), 9u);
  EXPECT_DOUBLE_EQ((*v)[0], 1000.0);
  // A stalled interval counts for IOPS (as 0) but has no latency.
  p.time_series[3].kinds[static_cast<int>(OpKind::kWrite)].count = 0;
  p.time_series[3].kinds[static_cast<int>(OpKind::kCommit)].count = 0;
  EXPECT_EQ(MetricIntervalValues(*ParseMetric("iops"), p)->at(3), 0.0);
  EXPECT_EQ(MetricIntervalValues(*ParseMetric("commit.p99"), p)->size(), 8u);
  // Statistics the time series does not keep, and a phase without one.
  EXPECT_FALSE(MetricIntervalValues(*ParseMetric("commit.p90"), p).has_value());
  EXPECT_FALSE(MetricIntervalValues(*ParseMetric("commit.mean"), p).has_value());
  p.time_series.clear();
  EXPECT_FALSE(MetricIntervalValues(*ParseMetric("commit.p99"), p).has_value());
}

TEST(Metric, FormatsInTheMetricsUnit) {
  EXPECT_EQ(FormatMetricValue(*ParseMetric("commit.p99"), 110'000), "110.00us");
  EXPECT_EQ(FormatMetricValue(*ParseMetric("iops"), 1234.4), "1234");
  EXPECT_EQ(FormatMetricValue(*ParseMetric("bw"), 98'100'000), "98.1 MB/s");
}

}  // namespace
}  // namespace durabench
