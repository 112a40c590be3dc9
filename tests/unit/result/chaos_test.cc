// The stall and recovery measurement of faults (result/chaos.h), on synthetic phases whose
// answer is known: completions missing for a set time, and a rate that drops and comes back.
#include "result/chaos.h"

#include <gtest/gtest.h>

#include <vector>

namespace durabench {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1'000'000'000;

TEST(QuietInAll, IsTheIntersectionOfEveryJobsQuietPeriods) {
  // Job 0 is quiet 1-5 s and 8-9 s; job 1 is quiet 2-6 s and 8.5-10 s: nothing completes in
  // 2-5 s and 8.5-9 s.
  const std::vector<std::vector<QuietPeriod>> jobs = {
      {{1 * kS, 5 * kS}, {8 * kS, 9 * kS}},
      {{2 * kS, 6 * kS}, {8 * kS + 500 * kMs, 10 * kS}},
  };
  const std::vector<QuietPeriod> all = QuietInAll(jobs);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].begin_ns, 2 * kS);
  EXPECT_EQ(all[0].end_ns, 5 * kS);
  EXPECT_EQ(all[1].begin_ns, 8 * kS + 500 * kMs);
  EXPECT_EQ(all[1].end_ns, 9 * kS);
}

TEST(QuietInAll, DropsOverlapsShorterThanTheFloor) {
  const std::vector<std::vector<QuietPeriod>> jobs = {
      {{0, 10 * kMs}},
      {{10 * kMs - kQuietFloorNs / 2, 20 * kMs}},
  };
  EXPECT_TRUE(QuietInAll(jobs).empty());
  EXPECT_TRUE(QuietInAll({}).empty());
}

// A phase of `seconds` at 100 ms intervals with `iops` except where `rate` says otherwise.
std::vector<IntervalStats> Series(uint64_t seconds, double iops,
                                  const std::vector<std::pair<uint64_t, double>>& changes = {}) {
  std::vector<IntervalStats> rows;
  double now_iops = iops;
  size_t next = 0;
  for (uint64_t k = 0; k < seconds * 10; ++k) {
    while (next < changes.size() && changes[next].first <= k * 100 * kMs) {
      now_iops = changes[next++].second;
    }
    IntervalStats row;
    row.index = k;
    row.start_ns = k * 100 * kMs;
    row.kinds[static_cast<int>(OpKind::kWrite)].count = static_cast<uint64_t>(now_iops / 10);
    rows.push_back(row);
  }
  return rows;
}

FaultRun Fault(uint64_t at_ns, uint64_t undo_ns = 0) {
  FaultRun f;
  f.spec.at_ns = at_ns;
  f.spec.run = "x";
  f.action.ran = true;
  f.action.started_ns = at_ns;
  f.action.ended_ns = at_ns + 10 * kMs;
  if (undo_ns != 0) {
    f.spec.undo = "y";
    f.spec.undo_at_ns = undo_ns;
    f.undo.ran = true;
    f.undo.started_ns = undo_ns;
    f.undo.ended_ns = undo_ns + 10 * kMs;
  }
  return f;
}

TEST(ComputeChaos, AStallIsMeasuredFromTheFaultAndRecoveryOnceTheRateHoldsFiveSeconds) {
  // 1000 IOPS; the fault at 10 s stops everything until 13.5 s, then 950 IOPS (within 10 %).
  const std::vector<IntervalStats> series = Series(30, 1000, {{10 * kS, 0}, {13500 * kMs, 950}});
  const std::vector<QuietPeriod> quiet = {{10 * kS - 2 * kMs, 13500 * kMs}};
  std::vector<FaultRun> faults = {Fault(10 * kS)};
  PhaseChaos chaos;
  ComputeChaos(quiet, series, 100 * kMs, 0, 30 * kS, &faults, &chaos);
  EXPECT_TRUE(chaos.present);
  EXPECT_EQ(chaos.baseline_iops, 1000);
  EXPECT_EQ(faults[0].action.stall_ns, 3500 * kMs);  // from the fault, not from the last op
  EXPECT_EQ(chaos.longest_stall_ns, 3502 * kMs);     // the whole quiet period
  EXPECT_EQ(chaos.longest_stall_at_ns, 10 * kS - 2 * kMs);
  ASSERT_TRUE(chaos.first_completion_after_fault_ns);
  EXPECT_EQ(*chaos.first_completion_after_fault_ns, 3500 * kMs);
  // The first 1 s window wholly at the new rate starts at 13.5 s; from there it holds.
  ASSERT_TRUE(chaos.recovery_ns);
  EXPECT_EQ(*chaos.recovery_ns, 3500 * kMs);
  EXPECT_EQ(chaos.fault_at_ns, 10 * kS);
}

// With a ramp, the series starts at its end (the recorder's clock) while the commands' times
// are from the phase start: the same phase as above with 2 s of ramp before it gives the same
// stall, baseline and recovery. (The series was once read from the phase start: a 1 s ramp
// made a run's baseline 1270 IOPS instead of 5000, and its recovery 100 ms instead of 1 s.)
TEST(ComputeChaos, TheSeriesStartsAfterTheRamp) {
  const std::vector<IntervalStats> series = Series(30, 1000, {{10 * kS, 0}, {13500 * kMs, 950}});
  const std::vector<QuietPeriod> quiet = {{12 * kS - 2 * kMs, 15500 * kMs}};
  std::vector<FaultRun> faults = {Fault(12 * kS)};
  PhaseChaos chaos;
  ComputeChaos(quiet, series, 100 * kMs, 2 * kS, 32 * kS, &faults, &chaos);
  EXPECT_EQ(chaos.baseline_iops, 1000);
  EXPECT_EQ(faults[0].action.stall_ns, 3500 * kMs);
  ASSERT_TRUE(chaos.recovery_ns);
  EXPECT_EQ(*chaos.recovery_ns, 3500 * kMs);
  // A fault during the ramp: recovery from its start, through the ramp's rest.
  faults = {Fault(1 * kS)};
  ComputeChaos({}, Series(30, 1000), 100 * kMs, 2 * kS, 32 * kS, &faults, &chaos);
  EXPECT_EQ(chaos.baseline_iops, 0);  // nothing measured before it
  EXPECT_FALSE(chaos.recovery_ns);    // so no baseline to come back to
}

TEST(ComputeChaos, ARateBelowNinetyPercentIsNoRecovery) {
  const std::vector<IntervalStats> series = Series(30, 1000, {{10 * kS, 850}});
  std::vector<FaultRun> faults = {Fault(10 * kS)};
  PhaseChaos chaos;
  ComputeChaos({}, series, 100 * kMs, 0, 30 * kS, &faults, &chaos);
  EXPECT_FALSE(chaos.recovery_ns);
  EXPECT_EQ(chaos.longest_stall_ns, 0u);
  ASSERT_TRUE(chaos.first_completion_after_fault_ns);
  EXPECT_EQ(*chaos.first_completion_after_fault_ns, 0u);  // within the quiet floor
}

TEST(ComputeChaos, AFasterRateCountsAsRecovered) {
  // A degraded cluster writing fewer replicas may run faster than before: the rate is back.
  const std::vector<IntervalStats> series = Series(30, 1000, {{10 * kS, 0}, {12 * kS, 1400}});
  std::vector<FaultRun> faults = {Fault(10 * kS)};
  PhaseChaos chaos;
  ComputeChaos({{10 * kS, 12 * kS}}, series, 100 * kMs, 0, 30 * kS, &faults, &chaos);
  ASSERT_TRUE(chaos.recovery_ns);
  EXPECT_EQ(*chaos.recovery_ns, 2 * kS);
}

TEST(ComputeChaos, EachCommandIsMeasuredUntilTheNext) {
  // Down at 5 s for 2 s, back at 15 s with a 1 s stall, then steady: the undo has its own stall
  // and recovery; the action's recovery must come before the undo.
  const std::vector<IntervalStats> series =
      Series(30, 1000, {{5 * kS, 0}, {7 * kS, 1000}, {15 * kS, 0}, {16 * kS, 1000}});
  std::vector<FaultRun> faults = {Fault(5 * kS, 15 * kS)};
  PhaseChaos chaos;
  ComputeChaos({{5 * kS, 7 * kS}, {15 * kS, 16 * kS}}, series, 100 * kMs, 0, 30 * kS, &faults,
               &chaos);
  EXPECT_EQ(faults[0].action.stall_ns, 2 * kS);
  EXPECT_EQ(faults[0].undo.stall_ns, 1 * kS);
  ASSERT_TRUE(faults[0].action.recovery_ns);
  EXPECT_EQ(*faults[0].action.recovery_ns, 2 * kS);
  ASSERT_TRUE(faults[0].undo.recovery_ns);
  EXPECT_EQ(*faults[0].undo.recovery_ns, 1 * kS);
}

TEST(ComputeChaos, AQuietTimeLongAfterTheCommandIsNotItsStall) {
  // A 3 ms hiccup 5 s after the command: no stall of the command's, but the phase's longest.
  const std::vector<IntervalStats> series = Series(20, 1000);
  std::vector<FaultRun> faults = {Fault(5 * kS)};
  PhaseChaos chaos;
  ComputeChaos({{10 * kS, 10 * kS + 3 * kMs}}, series, 100 * kMs, 0, 20 * kS, &faults, &chaos);
  EXPECT_EQ(faults[0].action.stall_ns, 0u);
  ASSERT_TRUE(faults[0].action.first_completion_ns);
  EXPECT_EQ(*faults[0].action.first_completion_ns, 0u);
  EXPECT_EQ(chaos.longest_stall_ns, 3 * kMs);
  // One that begins within kStallOnsetNs of its end is.
  faults = {Fault(10 * kS - 500 * kMs)};
  ComputeChaos({{10 * kS, 10 * kS + 3 * kMs}}, series, 100 * kMs, 0, 20 * kS, &faults, &chaos);
  EXPECT_EQ(faults[0].action.stall_ns, 3 * kMs);
}

TEST(ComputeChaos, NothingAfterTheFaultIsNoFirstCompletion) {
  // Stuck from 10 s to the end: no completion after the fault, no recovery.
  const std::vector<IntervalStats> series = Series(20, 1000, {{10 * kS, 0}});
  std::vector<FaultRun> faults = {Fault(10 * kS)};
  PhaseChaos chaos;
  ComputeChaos({{10 * kS, 20 * kS}}, series, 100 * kMs, 0, 20 * kS, &faults, &chaos);
  EXPECT_FALSE(chaos.first_completion_after_fault_ns);
  EXPECT_FALSE(chaos.recovery_ns);
  EXPECT_EQ(chaos.longest_stall_ns, 10 * kS);
}

TEST(ComputeChaos, NoFullSecondBeforeTheFaultMeansNoBaseline) {
  const std::vector<IntervalStats> series = Series(20, 1000);
  std::vector<FaultRun> faults = {Fault(500 * kMs)};
  PhaseChaos chaos;
  ComputeChaos({}, series, 100 * kMs, 0, 20 * kS, &faults, &chaos);
  EXPECT_EQ(chaos.baseline_iops, 0);
  EXPECT_FALSE(chaos.recovery_ns);
}

}  // namespace
}  // namespace durabench
