// The statistics behind `durabench gate`: a one-sided Mann-Whitney U (Wilcoxon rank-sum) test.
//
// Why this test: latency and IOPS samples are skewed and heavy-tailed, so a test on means
// (Student, Welch) is dominated by the few slowest intervals; the rank-sum test assumes nothing
// about the shape, only that the samples of each side are independent draws from one
// distribution per side. It asks whether a value drawn from `b` tends to be larger than one drawn
// from `a` (P(B > A) > 1/2).
//
// p-value: exact (the null distribution of U by counting, every ordering of the pooled samples
// equally likely) when there are no ties and n_a * n_b <= kExactMaxProduct; otherwise the
// normal approximation with the tie correction of the variance and a continuity correction of
// 0.5. With 3 values per side the smallest possible one-sided p is 1/20 = 0.05: per-run values
// alone cannot show a difference at 0.01; per-interval values (10+ per run) can.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace durabench {

inline constexpr size_t kExactMaxProduct = 400;

struct RankSumResult {
  double u = 0;        // U of `b`: pairs (a_i, b_j) with b_j > a_i, ties counting 1/2
  double p_value = 1;  // one-sided: P(U >= u) if both sides came from one distribution
  bool exact = false;  // exact null distribution (else the normal approximation)
};

// The test for values that come in clusters: the intervals of one run share that run's
// conditions (a warmer cache, a busier host), so they are not independent, and a rank-sum test
// on all intervals takes run-to-run drift for a difference between the sides (simulated in
// tests/unit/compare/stats_test.cc: 17 % false positives at alpha 0.01 when the run effect is
// as large as the interval noise). Here every value is ranked in the pooled sample, each run
// is reduced to the mean rank of its values, and the runs' mean ranks of the two sides are
// compared by a one-sided two-sample Student t test with (runs - 2) degrees of freedom: the
// run, not the interval, is the unit of replication. Ranks make it robust to the skew and
// outliers of latencies; the many intervals per run make each run's mean rank precise, which
// is where the power over a test on one value per run comes from.
// Assumptions: runs are independent, and the runs' mean ranks are roughly normal with equal
// spread on both sides. Needs >= 2 runs per side (else p_value 1).
struct RunRankTestResult {
  double t = 0;        // (mean of b's run mean ranks - a's) / its standard error
  double df = 0;       // runs - 2
  double p_value = 1;  // one-sided: b greater
  double mean_rank_a = 0, mean_rank_b = 0;
};
RunRankTestResult RunRankTestGreater(std::span<const std::vector<double>> a,
                                     std::span<const std::vector<double>> b);

// P(T > t) for Student's t with `df` > 0 degrees of freedom (Boost.Math).
double StudentTUpperTail(double t, double df);

// One-sided test that `b` is stochastically greater than `a`. Either side empty: p_value 1.
// To test "b smaller than a", pass the negated values (or swap the roles). O((n_a+n_b) log(n))
// plus, for the exact path, O(n_a * n_b * n_a * n_b) time; allocates.
RankSumResult RankSumGreater(std::span<const double> a, std::span<const double> b);

}  // namespace durabench
