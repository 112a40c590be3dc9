// Ground truth: a flush whose cost is known in advance (the syscall shim makes every fdatasync
// take exactly 2 ms) must be reported at that cost. Runs alone (RUN_SERIAL) so that another
// test's load does not blur the comparison.
//
// The shim's delay is exact only when its thread gets a CPU at the deadline. On a machine with
// more runnable threads than CPUs it may not: with a load of 8 on 2 CPUs, a sleep-and-spin to a
// 10 ms deadline (what the shim does) ended more than 100 us late in 33 of 50 tries, and the
// 10 ms flush p50 came out 11.8 ms. So each check allows, beyond its 5 %, the lateness this
// machine shows right then: the median of such waits timed by the test itself (a few
// microseconds on an idle machine, where the checks are as strict as without it).
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

constexpr double kInjectedNs = 2'000'000;

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The median lateness (ns) of `tries` waits of `wait_ns` done as the shim does them: a sleep with
// 1 ns timer slack to 200 us before the deadline, then a spin.
double MedianWakeLatenessNs(uint64_t wait_ns, int tries = 15) {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  std::vector<double> late;
  for (int i = 0; i < tries; ++i) {
    const uint64_t deadline = MonotonicNs() + wait_ns;
    const uint64_t wake = deadline - 200'000;
    timespec ts = {static_cast<time_t>(wake / 1'000'000'000ull),
                   static_cast<long>(wake % 1'000'000'000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    while (MonotonicNs() < deadline) {
    }
    late.push_back(static_cast<double>(MonotonicNs() - deadline));
  }
  std::nth_element(late.begin(), late.begin() + tries / 2, late.end());
  return late[static_cast<size_t>(tries / 2)];
}

TEST(GroundTruth, InjectedFdatasyncDelayReportedWithinFivePercent) {
  TempDir dir("/dev/shm");
  TempDir out;
  const std::string res = out.File("result.json");
  const double before = MedianWakeLatenessNs(2'000'000);
  CommandResult r =
      Durabench({"run", "--target", dir.path(), "--sync", "fdatasync", "--ops", "300", "--runtime",
                 "0s", "--size", "4MiB", "--block-size", "4KiB", "-o", res, "--quiet"},
                ShimEnv({{"SHIM_DELAY_FDATASYNC_NS", "2000000"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  const auto& ops = j["phases"][0]["ops"];
  const double flush_p50 = ops["flush"]["lat_ns"]["percentiles"]["50"].get<double>();
  const double commit_p50 = ops["commit"]["lat_ns"]["percentiles"]["50"].get<double>();
  const double write_p50 = ops["write"]["lat_ns"]["percentiles"]["50"].get<double>();
  const double late = std::max(before, MedianWakeLatenessNs(2'000'000));
  EXPECT_NEAR(flush_p50, kInjectedNs, 0.05 * kInjectedNs + late) << "wake-up lateness " << late;
  EXPECT_NEAR(commit_p50, kInjectedNs, 0.05 * kInjectedNs + late) << "wake-up lateness " << late;
  // The write itself (tmpfs, page cache) is nowhere near the flush cost.
  EXPECT_LT(write_p50, 0.1 * kInjectedNs);
  // No flush can be faster than the injected delay (less the histogram's 1 % bucket error).
  EXPECT_GE(ops["flush"]["lat_ns"]["min"].get<double>(), kInjectedNs);
  EXPECT_EQ(ops["flush"]["count"], 300);
}

TEST(GroundTruth, InjectedFsyncDelayOfTenMsWithGroupCommit) {
  // fsync_every = 5: one 10 ms fsync per 5 writes; every write's commit includes that fsync.
  TempDir dir("/dev/shm");
  TempDir out;
  const std::string res = out.File("result.json");
  const double before = MedianWakeLatenessNs(10'000'000);
  CommandResult r =
      Durabench({"run", "--target", dir.path(), "--sync", "fsync", "--fsync-every", "5", "--ops",
                 "50", "--runtime", "0s", "--size", "1MiB", "-o", res, "--quiet"},
                ShimEnv({{"SHIM_DELAY_FSYNC_NS", "10000000"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(res);
  const auto& ops = j["phases"][0]["ops"];
  EXPECT_EQ(ops["flush"]["count"], 10);
  EXPECT_EQ(ops["commit"]["count"], 50);
  const double late = std::max(before, MedianWakeLatenessNs(10'000'000));
  EXPECT_NEAR(ops["flush"]["lat_ns"]["percentiles"]["50"].get<double>(), 10e6, 0.05 * 10e6 + late)
      << "wake-up lateness " << late;
  EXPECT_GE(ops["commit"]["lat_ns"]["min"].get<double>(), 10e6);
}

}  // namespace
}  // namespace durabench::testing
