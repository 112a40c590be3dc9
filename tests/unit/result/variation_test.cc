// Variation() of result/phase_result.h: per-interval IOPS and p99 spread from a phase's time
// series, on series whose values are known.
#include <gtest/gtest.h>

#include <vector>

#include "result/phase_result.h"

namespace durabench {
namespace {

// A commit phase of 1 s intervals with these per-interval counts and commit p99s, plus the
// last interval (cut short by the phase's end, so not used) with one operation.
PhaseResult Phase(const std::vector<uint64_t>& counts, const std::vector<uint64_t>& p99) {
  PhaseResult p;
  p.interval_ns = 1'000'000'000;
  p.ops[static_cast<int>(OpKind::kCommit)].histogram.Record(1000);
  p.ops[static_cast<int>(OpKind::kWrite)].histogram.Record(1000);
  for (size_t i = 0; i <= counts.size(); ++i) {
    IntervalStats iv;
    iv.index = i;
    iv.start_ns = i * p.interval_ns;
    const uint64_t n = i < counts.size() ? counts[i] : 1;
    iv.kinds[static_cast<int>(OpKind::kWrite)].count = n;
    iv.kinds[static_cast<int>(OpKind::kCommit)].count = n;
    iv.kinds[static_cast<int>(OpKind::kCommit)].p99_ns = i < p99.size() ? p99[i] : 999'999'999;
    p.time_series.push_back(iv);
  }
  return p;
}

TEST(Variation, ASteadyPhaseIsNotNoisy) {
  const PhaseVariation v = Variation(Phase({1000, 1000, 1000, 1000}, {50, 50, 50, 50}));
  EXPECT_EQ(v.intervals, 4u);  // the fifth, last interval is not used
  EXPECT_EQ(v.iops_cv, 0);
  EXPECT_EQ(v.p99_kind, OpKind::kCommit);
  EXPECT_EQ(v.p99_cv, 0);
  EXPECT_EQ(v.p99_min_ns, 50u);
  EXPECT_EQ(v.p99_max_ns, 50u);
  EXPECT_FALSE(v.noisy);
}

TEST(Variation, IopsAndP99SpreadsAreCoefficientsOfVariation) {
  // IOPS 500 and 1500: mean 1000, population stddev 500, CV 0.5.
  PhaseVariation v = Variation(Phase({500, 1500, 500, 1500}, {100, 100, 100, 100}));
  EXPECT_DOUBLE_EQ(v.iops_cv, 0.5);
  EXPECT_TRUE(v.noisy);
  // p99 10 and 30: mean 20, stddev 10, CV 0.5: on the line, not beyond it.
  v = Variation(Phase({1000, 1000, 1000, 1000}, {10, 30, 10, 30}));
  EXPECT_DOUBLE_EQ(v.p99_cv, 0.5);
  EXPECT_FALSE(v.noisy);
  v = Variation(Phase({1000, 1000, 1000, 1000}, {10, 40, 10, 40}));
  EXPECT_GT(v.p99_cv, kNoisyP99Cv);
  EXPECT_EQ(v.p99_min_ns, 10u);
  EXPECT_EQ(v.p99_max_ns, 40u);
  EXPECT_TRUE(v.noisy);
}

TEST(Variation, AStalledIntervalCountsWithZeroIops) {
  const PhaseVariation v = Variation(Phase({1000, 0, 1000, 1000}, {50, 0, 50, 50}));
  EXPECT_EQ(v.intervals, 4u);
  EXPECT_GT(v.iops_cv, kNoisyIopsCv);
  EXPECT_EQ(v.p99_min_ns, 50u) << "an interval without commits has no p99";
  EXPECT_TRUE(v.noisy);
}

TEST(Variation, TooFewIntervalsSayNothing) {
  const PhaseVariation v = Variation(Phase({100, 5000}, {10, 900}));
  EXPECT_EQ(v.intervals, 0u);
  EXPECT_FALSE(v.noisy);
  EXPECT_EQ(Variation(PhaseResult()).intervals, 0u);
}

}  // namespace
}  // namespace durabench
