#include "analysis/cliff.h"

#include <gtest/gtest.h>

#include <random>

namespace durabench {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMB = 1'000'000;

// `fast` MB/s for `n_fast` seconds, then `slow` MB/s for `n_slow`, with +-`noise` % jitter.
std::vector<uint64_t> Series(uint64_t fast, size_t n_fast, uint64_t slow, size_t n_slow,
                             int noise = 5, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> jitter(-noise, noise);
  std::vector<uint64_t> v;
  for (size_t i = 0; i < n_fast + n_slow; ++i) {
    const uint64_t base = (i < n_fast ? fast : slow) * kMB;
    v.push_back(base + base * static_cast<uint64_t>(100 + jitter(rng)) / 100 - base);
  }
  return v;
}

TEST(Cliff, FindsALastingDropAndWhenItHappened) {
  const std::vector<uint64_t> v = Series(2000, 35, 400, 60);
  const ThroughputCliff c = DetectCliff(v, kSecond);
  ASSERT_TRUE(c.found);
  EXPECT_EQ(c.index, 35u);
  EXPECT_NEAR(c.before_bytes_per_s, 2000e6, 2000e6 * 0.05);
  EXPECT_NEAR(c.after_bytes_per_s, 400e6, 400e6 * 0.05);
  EXPECT_NEAR(static_cast<double>(c.bytes_before), 35 * 2000e6, 35 * 2000e6 * 0.02);
}

TEST(Cliff, FlatSeriesHasNone) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    EXPECT_FALSE(DetectCliff(Series(500, 60, 500, 0, 10, seed), kSecond).found) << seed;
  }
}

TEST(Cliff, ASingleStallIsNotACliff) {
  std::vector<uint64_t> v = Series(1000, 60, 0, 0);
  v[30] = 0;
  v[31] = 0;
  EXPECT_FALSE(DetectCliff(v, kSecond).found);
}

TEST(Cliff, SmallDropIsNotACliff) {
  // 20 % lower afterwards: below kCliffMinDrop.
  EXPECT_FALSE(DetectCliff(Series(1000, 30, 800, 30), kSecond).found);
}

TEST(Cliff, DropThatRecoversIsNotACliff) {
  std::vector<uint64_t> v = Series(1000, 20, 200, 20);
  std::vector<uint64_t> back = Series(1000, 20, 0, 0);
  v.insert(v.end(), back.begin(), back.end());
  EXPECT_FALSE(DetectCliff(v, kSecond).found);
}

TEST(Cliff, TooShortSeries) {
  EXPECT_FALSE(DetectCliff(Series(1000, 2, 100, 3), kSecond).found);
  EXPECT_FALSE(DetectCliff({}, kSecond).found);
  EXPECT_FALSE(DetectCliff(Series(1000, 5, 100, 5), 0).found);
}

TEST(Cliff, IntervalLengthScalesThroughput) {
  const ThroughputCliff c = DetectCliff(Series(100, 10, 10, 10, 0), kSecond / 2);
  ASSERT_TRUE(c.found);
  EXPECT_DOUBLE_EQ(c.before_bytes_per_s, 200e6);
  EXPECT_DOUBLE_EQ(c.after_bytes_per_s, 20e6);
}

}  // namespace
}  // namespace durabench
