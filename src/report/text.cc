#include "report/text.h"

#include <fmt/format.h>

#include "result/json.h"
#include "util/units.h"

namespace durabench {

std::string DescribePhase(const PhaseSpec& s) {
  std::string out = fmt::format("{} {}", s.engine, PatternName(s.pattern));
  if (s.pattern == Pattern::kRandRW) out += fmt::format(" {}% reads", s.read_percent);
  out += fmt::format(" {} qd{} {} job{}", FormatSizeBytes(s.block_size_bytes), s.iodepth, s.jobs,
                     s.jobs == 1 ? "" : "s");
  if (s.direct) out += " direct";
  if (PatternWrites(s.pattern)) {
    out += fmt::format(" sync={}", SyncMethodName(s.sync));
    if (SyncUsesFlushCall(s.sync) && s.fsync_every > 1) out += fmt::format("/{}", s.fsync_every);
  }
  if (s.rate_iops) out += fmt::format(" rate={}/s", s.rate_iops);
  return out;
}

std::string FormatPhaseSummary(const PhaseResult& phase) {
  std::string out = fmt::format("phase {}: {}\n", phase.spec.name, DescribePhase(phase.spec));
  const double seconds = static_cast<double>(phase.measured_ns) / 1e9;
  out +=
      fmt::format("  {:.0f} IOPS, {:.2f} MB/s over {:.2f} s{}\n", phase.Iops(),
                  phase.BytesPerSecond() / 1e6, seconds, phase.interrupted ? " (interrupted)" : "");
  out += fmt::format("  {:<7} {:>10}", "op", "count");
  for (const PercentileKey& pk : kReportedPercentiles)
    out += fmt::format(" {:>9}", fmt::format("p{}", pk.key));
  out += fmt::format(" {:>9}\n", "max");
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpStats& s = phase.ops[k];
    if (s.histogram.count() == 0 && s.errors == 0) continue;
    out += fmt::format("  {:<7} {:>10}", OpKindName(static_cast<OpKind>(k)), s.histogram.count());
    for (const PercentileKey& pk : kReportedPercentiles) {
      out += fmt::format(" {:>9}", FormatDurationNs(s.histogram.Percentile(pk.p)));
    }
    out += fmt::format(" {:>9}", FormatDurationNs(s.histogram.max()));
    if (s.errors) out += fmt::format("  {} errors", s.errors);
    out += '\n';
  }
  for (const std::string& e : phase.errors) out += fmt::format("  error: {}\n", e);
  return out;
}

}  // namespace durabench
