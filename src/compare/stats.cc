#include "compare/stats.h"

#include <algorithm>
#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <utility>
#include <vector>

namespace durabench {
namespace {

// The midrank of every value in `values` (ranks from 1; tied values share the mean of their
// ranks), in the order given; *tie_term gets the sum of t^3 - t over the tie groups.
std::vector<double> MidRanks(const std::vector<double>& values, double* tie_term) {
  std::vector<size_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&values](size_t x, size_t y) { return values[x] < values[y]; });
  std::vector<double> rank(values.size());
  *tie_term = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) rank[order[k]] = midrank;
    const double t = static_cast<double>(j - i);
    *tie_term += t * t * t - t;
    i = j;
  }
  return rank;
}

// Number of orderings of m a-values and n b-values with U = u, for every u in 0..m*n. The
// largest pooled value is either a b, above all m a-values (U += m), or an a, above no b:
// N(m, n, u) = N(m, n - 1, u - m) + N(m - 1, n, u). Counts as doubles: C(40, 20) ~ 1.4e11 is
// exact in a double.
std::vector<double> ExactCounts(size_t m, size_t n) {
  // table[i][j] is the distribution for i a-values and j b-values.
  std::vector<std::vector<std::vector<double>>> table(m + 1,
                                                      std::vector<std::vector<double>>(n + 1));
  for (size_t i = 0; i <= m; ++i) {
    for (size_t j = 0; j <= n; ++j) {
      std::vector<double>& d = table[i][j];
      d.assign(i * j + 1, 0.0);
      if (i == 0 || j == 0) {
        d[0] = 1.0;
        continue;
      }
      // Largest value is a b: it exceeds all i a-values (U += i).
      const std::vector<double>& top_b = table[i][j - 1];
      for (size_t u = 0; u < top_b.size(); ++u) d[u + i] += top_b[u];
      // Largest value is an a: it exceeds no b.
      const std::vector<double>& top_a = table[i - 1][j];
      for (size_t u = 0; u < top_a.size(); ++u) d[u] += top_a[u];
    }
  }
  return table[m][n];
}

}  // namespace

RankSumResult RankSumGreater(std::span<const double> a, std::span<const double> b) {
  RankSumResult r;
  const size_t m = a.size();
  const size_t n = b.size();
  if (m == 0 || n == 0) return r;

  std::vector<double> pooled(a.begin(), a.end());  // a's values, then b's
  pooled.insert(pooled.end(), b.begin(), b.end());
  double tie_term = 0;  // sum of t^3 - t over tie groups
  const std::vector<double> rank = MidRanks(pooled, &tie_term);
  double rank_sum_b = 0;
  for (size_t i = m; i < rank.size(); ++i) rank_sum_b += rank[i];
  const bool ties = tie_term > 0;
  const double dm = static_cast<double>(m);
  const double dn = static_cast<double>(n);
  r.u = rank_sum_b - dn * (dn + 1) / 2.0;

  if (!ties && m * n <= kExactMaxProduct) {
    const std::vector<double> counts = ExactCounts(m, n);
    double total = 0;
    double tail = 0;
    const auto u = static_cast<size_t>(std::llround(r.u));
    for (size_t k = 0; k < counts.size(); ++k) {
      total += counts[k];
      if (k >= u) tail += counts[k];
    }
    r.p_value = tail / total;
    r.exact = true;
    return r;
  }
  const double mean = dm * dn / 2.0;
  const double big_n = dm + dn;
  const double variance = dm * dn / 12.0 * ((big_n + 1) - tie_term / (big_n * (big_n - 1)));
  if (variance <= 0) return r;  // every value equal: no evidence either way
  const double z = (r.u - mean - 0.5) / std::sqrt(variance);
  r.p_value = 0.5 * std::erfc(z / std::sqrt(2.0));
  return r;
}

double StudentTUpperTail(double t, double df) {
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  return boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<>(df), t));
}

RunRankTestResult RunRankTestGreater(std::span<const std::vector<double>> a,
                                     std::span<const std::vector<double>> b) {
  RunRankTestResult r;
  std::vector<double> pooled;
  std::vector<size_t> run_of;  // per value: its run, runs of a first, then b's; empty runs skipped
  std::vector<int> run_side;
  for (int side = 0; side < 2; ++side) {
    for (const std::vector<double>& run : side == 0 ? a : b) {
      if (run.empty()) continue;
      pooled.insert(pooled.end(), run.begin(), run.end());
      run_of.insert(run_of.end(), run.size(), run_side.size());
      run_side.push_back(side);
    }
  }
  const auto runs_of = [&run_side](int side) {
    return static_cast<size_t>(std::count(run_side.begin(), run_side.end(), side));
  };
  const size_t na = runs_of(0);
  const size_t nb = runs_of(1);
  if (na < 2 || nb < 2) return r;

  double tie_term = 0;
  const std::vector<double> rank = MidRanks(pooled, &tie_term);
  std::vector<double> run_sum(run_side.size(), 0);
  std::vector<double> run_count(run_side.size(), 0);
  for (size_t i = 0; i < rank.size(); ++i) {
    run_sum[run_of[i]] += rank[i];
    run_count[run_of[i]] += 1;
  }
  std::array<double, 2> mean{};
  for (size_t run = 0; run < run_side.size(); ++run) {
    mean[static_cast<size_t>(run_side[run])] += run_sum[run] / run_count[run];
  }
  mean[0] /= static_cast<double>(na);
  mean[1] /= static_cast<double>(nb);
  double ss = 0;
  for (size_t run = 0; run < run_side.size(); ++run) {
    const double d = run_sum[run] / run_count[run] - mean[static_cast<size_t>(run_side[run])];
    ss += d * d;
  }
  r.mean_rank_a = mean[0];
  r.mean_rank_b = mean[1];
  r.df = static_cast<double>(na + nb - 2);
  const double se =
      std::sqrt(ss / r.df * (1.0 / static_cast<double>(na) + 1.0 / static_cast<double>(nb)));
  const double diff = mean[1] - mean[0];
  if (se == 0) {
    // Every run of a side has the same mean rank: the sides are apart (or identical) beyond
    // any doubt the runs can express.
    r.t = diff > 0 ? INFINITY : diff < 0 ? -INFINITY : 0;
    r.p_value = diff > 0 ? 0.0 : diff < 0 ? 1.0 : 0.5;
    return r;
  }
  r.t = diff / se;
  r.p_value = StudentTUpperTail(r.t, r.df);
  return r;
}

}  // namespace durabench
