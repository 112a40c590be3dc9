#include "result/phase_result.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace durabench {

double PhaseResult::Iops() const {
  if (measured_ns == 0) return 0;
  const uint64_t n = op(OpKind::kRead).histogram.count() + op(OpKind::kWrite).histogram.count();
  return static_cast<double>(n) * 1e9 / static_cast<double>(measured_ns);
}

double PhaseResult::BytesPerSecond() const {
  if (measured_ns == 0) return 0;
  const uint64_t b = op(OpKind::kRead).bytes + op(OpKind::kWrite).bytes;
  return static_cast<double>(b) * 1e9 / static_cast<double>(measured_ns);
}

namespace {

// (mean, coefficient of variation) of `v`; (0, 0) when empty or the mean is 0.
std::pair<double, double> MeanAndCv(const std::vector<double>& v) {
  if (v.empty()) return {0, 0};
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  if (mean == 0) return {0, 0};
  double sq = 0;
  for (double x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / static_cast<double>(v.size())) / mean};
}

}  // namespace

PhaseVariation Variation(const PhaseResult& phase) {
  PhaseVariation v;
  for (OpKind k : {OpKind::kCommit, OpKind::kWrite, OpKind::kRead}) {
    if (phase.op(k).histogram.count() != 0) {
      v.p99_kind = k;
      break;
    }
  }
  if (phase.interval_ns == 0 || phase.time_series.size() < 2) return v;
  const double seconds = static_cast<double>(phase.interval_ns) / 1e9;
  std::vector<double> iops;
  std::vector<double> p99;
  for (size_t i = 0; i + 1 < phase.time_series.size(); ++i) {
    const IntervalStats& iv = phase.time_series[i];
    const uint64_t n = iv.kinds[static_cast<int>(OpKind::kRead)].count +
                       iv.kinds[static_cast<int>(OpKind::kWrite)].count;
    const IntervalKindStats& k = iv.kinds[static_cast<int>(v.p99_kind)];
    iops.push_back(static_cast<double>(n) / seconds);
    if (k.count != 0) {
      p99.push_back(static_cast<double>(k.p99_ns));
      v.p99_min_ns = p99.size() == 1 ? k.p99_ns : std::min(v.p99_min_ns, k.p99_ns);
      v.p99_max_ns = std::max(v.p99_max_ns, k.p99_ns);
    }
  }
  v.intervals = iops.size();
  if (v.intervals < kMinVariationIntervals) return PhaseVariation{0, 0, v.p99_kind};
  v.iops_cv = MeanAndCv(iops).second;
  v.p99_cv = MeanAndCv(p99).second;
  v.noisy = v.iops_cv > kNoisyIopsCv || v.p99_cv > kNoisyP99Cv;
  return v;
}

}  // namespace durabench
