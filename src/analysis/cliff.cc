#include "analysis/cliff.h"

#include <algorithm>

namespace durabench {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
  }
  return m;
}

}  // namespace

ThroughputCliff DetectCliff(const std::vector<uint64_t>& bytes, uint64_t interval_ns) {
  ThroughputCliff out;
  const size_t n = bytes.size();
  if (n < 2 * kCliffMinIntervals || interval_ns == 0) return out;
  const double per_s = 1e9 / static_cast<double>(interval_ns);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<double>(bytes[i]) * per_s;

  // Prefix sums of x and x^2 give each side's squared error in O(1) per split.
  std::vector<double> s(n + 1, 0), q(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    s[i + 1] = s[i] + x[i];
    q[i + 1] = q[i] + x[i] * x[i];
  }
  auto sse = [&](size_t a, size_t b) {
    const double len = static_cast<double>(b - a);
    const double sum = s[b] - s[a];
    return (q[b] - q[a]) - sum * sum / len;
  };
  size_t best = 0;
  double best_err = 0;
  for (size_t k = kCliffMinIntervals; k + kCliffMinIntervals <= n; ++k) {
    const double err = sse(0, k) + sse(k, n);
    if (best == 0 || err < best_err) {
      best = k;
      best_err = err;
    }
  }
  const double before = Median({x.begin(), x.begin() + static_cast<std::ptrdiff_t>(best)});
  const double after = Median({x.begin() + static_cast<std::ptrdiff_t>(best), x.end()});
  if (before <= 0 || after > (1.0 - kCliffMinDrop) * before) return out;
  const double mid = (before + after) / 2;
  const size_t below = static_cast<size_t>(std::count_if(
      x.begin() + static_cast<std::ptrdiff_t>(best), x.end(), [&](double v) { return v < mid; }));
  if (static_cast<double>(below) < kCliffMinPersist * static_cast<double>(n - best)) return out;
  out.found = true;
  out.index = best;
  for (size_t i = 0; i < best; ++i) out.bytes_before += bytes[i];
  out.before_bytes_per_s = before;
  out.after_bytes_per_s = after;
  return out;
}

}  // namespace durabench
