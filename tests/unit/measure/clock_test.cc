#include "measure/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace durabench {
namespace {

// An interval timed with NowNs() agrees with CLOCK_MONOTONIC, whichever source InitClock chose.
TEST(Clock, AgreesWithClockMonotonicOverAnInterval) {
  InitClock();
  SCOPED_TRACE(ClockSourceName());
  const uint64_t m0 = internal::MonotonicNs();
  const uint64_t t0 = NowNs();
  SleepUntilNs(t0 + 200'000'000);
  const uint64_t t1 = NowNs();
  const uint64_t m1 = internal::MonotonicNs();
  const double ours = static_cast<double>(t1 - t0);
  const double theirs = static_cast<double>(m1 - m0);
  EXPECT_GE(ours, 200e6);                 // SleepUntilNs kept its promise
  EXPECT_NEAR(ours / theirs, 1.0, 1e-3);  // same rate to 0.1 %
  EXPECT_LT(theirs - ours, 100'000.0);    // the bracketing reads add < 100 us
}

TEST(Clock, DoesNotGoBackwardsAcrossThreads) {
  InitClock();
  SCOPED_TRACE(ClockSourceName());
  std::atomic<uint64_t> latest{0};
  std::atomic<int> backwards{0};
  std::atomic<uint64_t> worst{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200000; ++i) {
        const uint64_t seen = latest.load();
        const uint64_t now = NowNs();
        // The TSC is read in order (clock.h ReadTsc); the slack is for clocks whose readings on
        // two CPUs differ by a little.
        if (now + 1000 < seen) {
          backwards.fetch_add(1);
          uint64_t w = worst.load();
          while (seen - now > w && !worst.compare_exchange_weak(w, seen - now)) {
          }
        }
        uint64_t cur = latest.load();
        while (now > cur && !latest.compare_exchange_weak(cur, now)) {
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(backwards.load(), 0) << "by up to " << worst.load() << " ns";
}

TEST(Clock, EnvironmentForcesClockMonotonic) {
  setenv("DURABENCH_CLOCK", "monotonic", 1);
  InitClock();
  EXPECT_EQ(std::string(ClockSourceName()), "clock_monotonic");
  const uint64_t a = internal::MonotonicNs();
  const uint64_t b = NowNs();
  EXPECT_LT(b - a, 10'000'000u);  // the same timeline as CLOCK_MONOTONIC
  unsetenv("DURABENCH_CLOCK");
  InitClock();
}

}  // namespace
}  // namespace durabench
