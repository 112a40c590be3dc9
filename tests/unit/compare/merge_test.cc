#include "compare/merge.h"

#include <gtest/gtest.h>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

TEST(Merge, ConcurrentAddsCountsAndIopsAndAlignsIntervals) {
  RunShape sa;
  RunShape sb;
  sb.commit_ns = 200'000;
  sb.intervals = 12;  // ran 2 s longer
  const RunResult a = MakeRun(sa);
  const RunResult b = MakeRun(sb);
  Result<RunResult> m = MergeResults({&a, &b}, {"a", "b"}, MergeTime::kConcurrent);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const PhaseResult& p = m->phases[0];
  for (int k = 0; k < kOpKindCount; ++k) {
    EXPECT_EQ(p.ops[k].histogram.count(),
              a.phases[0].ops[k].histogram.count() + b.phases[0].ops[k].histogram.count());
    EXPECT_EQ(p.ops[k].bytes, a.phases[0].ops[k].bytes + b.phases[0].ops[k].bytes);
  }
  // Bucket by bucket: the merged histogram equals one that recorded both.
  Histogram both = a.phases[0].op(OpKind::kCommit).histogram;
  ASSERT_TRUE(both.Merge(b.phases[0].op(OpKind::kCommit).histogram).ok());
  EXPECT_EQ(p.op(OpKind::kCommit).histogram.Percentile(99), both.Percentile(99));
  EXPECT_EQ(p.op(OpKind::kCommit).histogram.Percentile(50), both.Percentile(50));
  EXPECT_DOUBLE_EQ(p.op(OpKind::kCommit).histogram.mean(), both.mean());
  EXPECT_EQ(p.measured_ns, b.phases[0].measured_ns);  // the longest
  ASSERT_EQ(p.time_series.size(), 12u);
  const IntervalKindStats& first = p.time_series[0].kinds[static_cast<int>(OpKind::kCommit)];
  EXPECT_EQ(first.count, 2000u);
  EXPECT_EQ(first.p99_ns, 220'000u);  // the larger of the two: an upper bound
  EXPECT_EQ(p.time_series[11].kinds[static_cast<int>(OpKind::kCommit)].count, 1000u);
}

TEST(Merge, SequentialSumsTimeAndDropsTheSeries) {
  const RunResult a = MakeRun(RunShape{});
  Result<RunResult> m = MergeResults({&a, &a, &a}, {"1", "2", "3"}, MergeTime::kSequential);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->phases[0].measured_ns, 3 * a.phases[0].measured_ns);
  EXPECT_DOUBLE_EQ(m->phases[0].Iops(), a.phases[0].Iops());
  EXPECT_TRUE(m->phases[0].time_series.empty());
}

// Faults: the first input's commands, the worst of the inputs' stall and recovery.
TEST(Merge, ChaosIsTheWorstOfTheInputs) {
  using testing::WithChaos;
  RunResult a = WithChaos(MakeRun(RunShape{}), 6'000'000'000, 8'000'000'000);
  RunResult b = WithChaos(MakeRun(RunShape{}), 9'000'000'000, 7'000'000'000);
  a.phases[0].chaos.failed.push_back({OpKind::kFlush, 110, 1});
  b.phases[0].chaos.failed.push_back({OpKind::kFlush, 110, 2});
  b.phases[0].chaos.baseline_iops = 3000;
  Result<RunResult> m = MergeResults({&a, &b}, {"a", "b"}, MergeTime::kSequential);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const PhaseChaos& c = m->phases[0].chaos;
  EXPECT_TRUE(c.present);
  ASSERT_EQ(m->phases[0].faults.size(), 1u);
  EXPECT_EQ(c.longest_stall_ns, 9'000'000'000u);
  EXPECT_EQ(c.recovery_ns, 8'000'000'000u);
  EXPECT_EQ(c.first_completion_after_fault_ns, 9'000'001'000u);
  EXPECT_DOUBLE_EQ(c.baseline_iops, 2000);  // the mean, one run after another
  ASSERT_EQ(c.failed.size(), 1u);
  EXPECT_EQ(c.failed[0].count, 3u);
  // At the same time, the rates add up; one input that never recovered makes the merge none.
  b.phases[0].chaos.recovery_ns.reset();
  m = MergeResults({&a, &b}, {"a", "b"}, MergeTime::kConcurrent);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_DOUBLE_EQ(m->phases[0].chaos.baseline_iops, 4000);
  EXPECT_FALSE(m->phases[0].chaos.recovery_ns.has_value());
  // Without faults there is no chaos to merge.
  const RunResult plain = MakeRun(RunShape{});
  m = MergeResults({&plain, &plain}, {"1", "2"}, MergeTime::kConcurrent);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->phases[0].chaos.present);
}

TEST(Merge, OneInputIsItself) {
  const RunResult a = MakeRun(RunShape{});
  Result<RunResult> m = MergeResults({&a}, {"a"}, MergeTime::kConcurrent);
  ASSERT_TRUE(m.ok());
  for (int k = 0; k < kOpKindCount; ++k) {
    EXPECT_EQ(m->phases[0].ops[k].histogram.count(), a.phases[0].ops[k].histogram.count());
  }
  EXPECT_EQ(m->phases[0].time_series.size(), a.phases[0].time_series.size());
  EXPECT_EQ(m->phases[0].time_series[4].kinds[3].count, a.phases[0].time_series[4].kinds[3].count);
  EXPECT_EQ(m->phases[0].measured_ns, a.phases[0].measured_ns);
}

TEST(Merge, KeepsErrorsWithTheirSource) {
  RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(RunShape{});
  b.errors.push_back("phase x could not start");
  b.phases[0].errors.push_back("write failed");
  b.phases[0].interrupted = true;
  Result<RunResult> m = MergeResults({&a, &b}, {"a.json", "b.json"}, MergeTime::kConcurrent);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->errors, (std::vector<std::string>{"b.json: phase x could not start"}));
  EXPECT_EQ(m->phases[0].errors, (std::vector<std::string>{"b.json: write failed"}));
  EXPECT_TRUE(m->phases[0].interrupted);
}

TEST(Merge, RefusesDifferentWorkloads) {
  const RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(RunShape{});
  b.phases[0].spec.sync = SyncMethod::kFsync;
  Result<RunResult> m = MergeResults({&a, &b}, {"a.json", "b.json"}, MergeTime::kConcurrent);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("a.json and b.json are not runs of one workload"),
            std::string::npos)
      << m.status().message();
  EXPECT_NE(m.status().message().find("sync \"fdatasync\" vs \"fsync\""), std::string::npos)
      << m.status().message();
  RunResult c = MakeRun(RunShape{});
  c.phases[0].interval_ns = 500'000'000;
  EXPECT_FALSE(MergeResults({&a, &c}, {"a", "c"}, MergeTime::kConcurrent).ok());
}

// Runs merged as concurrent must have overlapped in time: MakeRun's runs measure 10 s.
TEST(Merge, ConcurrentRunsMustHaveRunTogether) {
  RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(RunShape{});
  a.started_at = "2026-12-03T10:00:00Z";
  b.started_at = "2026-12-03T10:00:09Z";  // a still running
  EXPECT_TRUE(CheckRanTogether({&a, &b}, {"a.json", "b.json"}).ok());
  b.started_at = "2026-12-03T10:00:12Z";  // 2 s after a ended: within a second's rounding
  EXPECT_TRUE(CheckRanTogether({&a, &b}, {"a.json", "b.json"}).ok());
  b.started_at = "2026-12-03T10:00:13Z";
  Status st = CheckRanTogether({&a, &b}, {"a.json", "b.json"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("b.json started at 2026-12-03T10:00:13Z, 3 s after a.json had "
                              "ended (started 2026-12-03T10:00:00Z, ran 10.0 s)"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("--sequential"), std::string::npos) << st.message();
  // The order of the inputs does not matter, and a start without a time is not checked.
  EXPECT_FALSE(CheckRanTogether({&b, &a}, {"b.json", "a.json"}).ok());
  b.started_at = "";
  EXPECT_TRUE(CheckRanTogether({&a, &b}, {"a.json", "b.json"}).ok());
}

}  // namespace
}  // namespace durabench
