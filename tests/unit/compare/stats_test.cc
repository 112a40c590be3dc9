#include "compare/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace durabench {
namespace {

TEST(RankSum, CompleteSeparationOfThreeAgainstThreeIsOneInTwenty) {
  const std::vector<double> a = {1, 2, 3};
  const std::vector<double> b = {4, 5, 6};
  const RankSumResult r = RankSumGreater(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 9);
  EXPECT_DOUBLE_EQ(r.p_value, 1.0 / 20);  // 1 of C(6,3) orderings
  // The other direction: b is not greater at all.
  EXPECT_DOUBLE_EQ(RankSumGreater(b, a).p_value, 1.0);
}

// The exact p-value against brute force over every split of the pooled ranks.
TEST(RankSum, ExactMatchesEnumeration) {
  const std::vector<double> a = {1.5, 4, 7, 8.5};
  const std::vector<double> b = {2, 5, 6, 9, 10};
  const RankSumResult r = RankSumGreater(a, b);
  ASSERT_TRUE(r.exact);
  // Enumerate which 5 of the 9 ranks belong to b.
  std::vector<int> pick(9, 0);
  std::fill(pick.begin() + 4, pick.end(), 1);
  int total = 0;
  int at_least = 0;
  do {
    double u = 0;  // b above a pairs, ranks compare as values
    for (int i = 0; i < 9; ++i) {
      for (int j = 0; j < 9; ++j) {
        if (pick[i] == 1 && pick[j] == 0 && i > j) u += 1;
      }
    }
    ++total;
    if (u >= r.u) ++at_least;
  } while (std::next_permutation(pick.begin(), pick.end()));
  EXPECT_EQ(total, 126);
  EXPECT_DOUBLE_EQ(r.p_value, static_cast<double>(at_least) / total);
}

TEST(RankSum, TiesUseTheNormalApproximation) {
  const std::vector<double> a = {1, 1, 2, 2, 3};
  const std::vector<double> b = {2, 3, 3, 4, 4};
  const RankSumResult r = RankSumGreater(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_GT(r.p_value, 0.0);
  EXPECT_LT(r.p_value, 0.05);
}

TEST(RankSum, AllEqualOrEmptyIsNoEvidence) {
  const std::vector<double> same(10, 7.0);
  EXPECT_DOUBLE_EQ(RankSumGreater(same, same).p_value, 1.0);
  EXPECT_DOUBLE_EQ(RankSumGreater({}, same).p_value, 1.0);
  EXPECT_DOUBLE_EQ(RankSumGreater(same, {}).p_value, 1.0);
}

// Under the null (both sides from one distribution) the test rejects at about alpha; with a
// real shift it rejects almost always. 30 values per side, as 3 runs of 10 intervals give.
double RejectionRate(double shift, double alpha, size_t n, int trials, uint32_t seed) {
  std::mt19937 rng(seed);
  std::lognormal_distribution<double> dist(0.0, 0.5);  // skewed, like latencies
  int rejected = 0;
  std::vector<double> a(n);
  std::vector<double> b(n);
  for (int t = 0; t < trials; ++t) {
    for (double& x : a) x = dist(rng);
    for (double& x : b) x = dist(rng) * (1 + shift);
    if (RankSumGreater(a, b).p_value < alpha) ++rejected;
  }
  return static_cast<double>(rejected) / trials;
}

TEST(RankSum, FalsePositiveRateIsAlpha) {
  const double at_05 = RejectionRate(0.0, 0.05, 30, 4000, 1);
  EXPECT_GT(at_05, 0.035);
  EXPECT_LT(at_05, 0.065);
  const double at_01 = RejectionRate(0.0, 0.01, 30, 4000, 2);
  EXPECT_GT(at_01, 0.003);
  EXPECT_LT(at_01, 0.02);
  // Small exact case, 10 vs 10.
  const double small = RejectionRate(0.0, 0.05, 10, 4000, 3);
  EXPECT_GT(small, 0.03);
  EXPECT_LT(small, 0.065);
}

// Power at alpha 0.01 with 30 values per side, log-normal sigma 0.5 (a ratio p90/p10 of ~3.6,
// noisier than most interval p99 series): a 1.6x shift (0.94 sigma in log terms) is caught
// about 87 % of the time, a 2x shift (1.39 sigma) almost always.
TEST(RankSum, PowerGrowsWithTheShift) {
  EXPECT_GT(RejectionRate(0.6, 0.01, 30, 1000, 5), 0.75);
  EXPECT_GT(RejectionRate(1.0, 0.01, 30, 1000, 6), 0.97);
}

}  // namespace
}  // namespace durabench

namespace durabench {
namespace {

// Runs with a run-level random effect (each run's conditions shift all its intervals), 10
// interval values per run, log-normal interval noise of sigma 0.5.
struct ClusterRates {
  double plain = 0;  // rank-sum test on all intervals
  double runs = 0;   // RunRankTestGreater
};
ClusterRates ClusteredRejection(double run_sigma, double shift, double alpha, int runs, int trials,
                                uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> run_effect(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.5);
  int plain = 0;
  int by_run = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<std::vector<double>> a(runs);
    std::vector<std::vector<double>> b(runs);
    std::vector<double> fa;
    std::vector<double> fb;
    for (int r = 0; r < runs; ++r) {
      const double ea = run_sigma * run_effect(rng);
      const double eb = run_sigma * run_effect(rng);
      for (int i = 0; i < 10; ++i) {
        a[r].push_back(std::exp(ea + noise(rng)));
        b[r].push_back(std::exp(eb + noise(rng)) * (1 + shift));
      }
      fa.insert(fa.end(), a[r].begin(), a[r].end());
      fb.insert(fb.end(), b[r].begin(), b[r].end());
    }
    plain += RankSumGreater(fa, fb).p_value < alpha;
    by_run += RunRankTestGreater(a, b).p_value < alpha;
  }
  return {static_cast<double>(plain) / trials, static_cast<double>(by_run) / trials};
}

TEST(StudentT, UpperTail) {
  EXPECT_DOUBLE_EQ(StudentTUpperTail(0, 4), 0.5);
  EXPECT_NEAR(StudentTUpperTail(1.0, 1), 0.25, 1e-12);      // Cauchy
  EXPECT_NEAR(StudentTUpperTail(2.131847, 4), 0.05, 1e-6);  // tables: t(0.95; 4)
  EXPECT_NEAR(StudentTUpperTail(3.746947, 4), 0.01, 1e-6);  // t(0.99; 4)
  EXPECT_NEAR(StudentTUpperTail(2.896459, 8), 0.01, 1e-6);  // t(0.99; 8)
  EXPECT_NEAR(StudentTUpperTail(-2.131847, 4), 0.95, 1e-6);
  EXPECT_EQ(StudentTUpperTail(INFINITY, 4), 0.0);
}

TEST(RunRankTest, SeparatedRuns) {
  const std::vector<std::vector<double>> a = {{1, 2, 3, 4}, {2.5, 3.5, 1.5, 0.5}};
  const std::vector<std::vector<double>> b = {{5, 6, 7, 8}, {5.5, 6.5, 7.5, 9}};
  const RunRankTestResult r = RunRankTestGreater(a, b);
  EXPECT_EQ(r.df, 2);
  EXPECT_DOUBLE_EQ(r.mean_rank_a, 4.5);
  EXPECT_DOUBLE_EQ(r.mean_rank_b, 12.5);
  EXPECT_LT(r.p_value, 0.01);
  EXPECT_GT(RunRankTestGreater(b, a).p_value, 0.99);
}

TEST(RunRankTest, OneRunPerSideCannotTest) {
  const std::vector<std::vector<double>> a = {{1, 2, 3, 4, 5}};
  const std::vector<std::vector<double>> b = {{6, 7, 8, 9, 10}, {11, 12}};
  EXPECT_EQ(RunRankTestGreater(a, b).p_value, 1.0);
  EXPECT_EQ(RunRankTestGreater(b, a).p_value, 1.0);
}

// The reason for the test: with run drift as large as the interval noise, the rank-sum test on
// all intervals fails about one build in six at alpha 0.01; the run test stays near alpha.
TEST(RunRankTest, RunDriftIsNotADifference) {
  const ClusterRates drift3 = ClusteredRejection(0.5, 0.0, 0.01, 3, 2000, 12);
  EXPECT_GT(drift3.plain, 0.10);
  EXPECT_LT(drift3.runs, 0.02);
  const ClusterRates drift5 = ClusteredRejection(0.5, 0.0, 0.01, 5, 2000, 13);
  EXPECT_LT(drift5.runs, 0.02);
  const ClusterRates none = ClusteredRejection(0.0, 0.0, 0.01, 3, 2000, 14);
  EXPECT_LT(none.runs, 0.02);
}

// Power at alpha 0.01, 3 runs of 10 intervals per side: without drift, a 2x slowdown is found
// about 9 times in 10 and a 3x one always; drift costs power, never false alarms.
TEST(RunRankTest, FindsARealShift) {
  EXPECT_GT(ClusteredRejection(0.0, 1.0, 0.01, 3, 1000, 15).runs, 0.8);
  EXPECT_GT(ClusteredRejection(0.0, 2.0, 0.01, 3, 1000, 16).runs, 0.98);
  EXPECT_GT(ClusteredRejection(0.2, 2.0, 0.01, 5, 1000, 17).runs, 0.95);
}

}  // namespace
}  // namespace durabench
