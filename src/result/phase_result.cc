#include "result/phase_result.h"

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

}  // namespace durabench
