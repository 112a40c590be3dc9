// DefaultIntervalNs (workload/runner.h): the time-series interval a phase gets when the user
// did not choose one, so that a short run still draws a line of points (issue 15, item 11).
#include <gtest/gtest.h>

#include "workload/runner.h"

namespace durabench {
namespace {

PhaseSpec WithRuntime(uint64_t runtime_ns) {
  PhaseSpec s;
  s.runtime_ns = runtime_ns;
  return s;
}

TEST(DefaultInterval, ARunShorterThanThirtySecondsGetsHundredMilliseconds) {
  EXPECT_EQ(DefaultIntervalNs(WithRuntime(500'000'000)), kShortRunIntervalNs);
  EXPECT_EQ(DefaultIntervalNs(WithRuntime(29'999'999'999)), kShortRunIntervalNs);
  EXPECT_EQ(kShortRunIntervalNs, 100'000'000u);
}

TEST(DefaultInterval, ThirtySecondsAndLongerKeepOneSecond) {
  EXPECT_EQ(DefaultIntervalNs(WithRuntime(kShortRunNs)), kDefaultIntervalNs);
  EXPECT_EQ(DefaultIntervalNs(WithRuntime(3'600'000'000'000)), kDefaultIntervalNs);
  EXPECT_EQ(kDefaultIntervalNs, 1'000'000'000u);
}

// The time series covers the measured runtime only (its intervals start at the ramp's end).
TEST(DefaultInterval, TheRampDoesNotCount) {
  PhaseSpec s = WithRuntime(20'000'000'000);
  s.ramp_ns = 60'000'000'000;
  EXPECT_EQ(DefaultIntervalNs(s), kShortRunIntervalNs);
}

// Bounded by operations or by one pass over `size`, a phase's length is not known before it
// runs: it keeps the interval a long run gets.
TEST(DefaultInterval, APhaseWithoutRuntimeKeepsOneSecond) {
  EXPECT_EQ(DefaultIntervalNs(WithRuntime(0)), kDefaultIntervalNs);
}

}  // namespace
}  // namespace durabench
