#include "report/text.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "result/json.h"
#include "util/csv.h"
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

namespace {

// One row of the latency table: the label, the count, the percentiles and the max.
std::string LatencyRow(const std::string& label, const Histogram& h) {
  std::string out = fmt::format("  {:<7} {:>10}", label, h.count());
  for (const PercentileKey& pk : kReportedPercentiles) {
    out += fmt::format(" {:>9}", FormatDurationNs(h.Percentile(pk.p)));
  }
  out += fmt::format(" {:>9}", FormatDurationNs(h.max()));
  return out;
}

}  // namespace

std::string FormatPhaseSummary(const PhaseResult& phase) {
  std::string out = fmt::format("phase {}: {}\n", phase.spec.name, DescribePhase(phase.spec));
  const double seconds = static_cast<double>(phase.measured_ns) / 1e9;
  out +=
      fmt::format("  {:.0f} IOPS, {:.2f} MB/s over {:.2f} s{}\n", phase.Iops(),
                  phase.BytesPerSecond() / 1e6, seconds, phase.interrupted ? " (interrupted)" : "");
  const bool open_loop = phase.spec.rate_iops != 0;
  if (open_loop) {
    const double target = static_cast<double>(phase.spec.rate_iops) * phase.spec.jobs;
    const double achieved = phase.Iops();
    out += fmt::format("  open loop: target {:.0f} IOPS ({} per job), achieved {:.0f} ({:.1f} %)",
                       target, phase.spec.rate_iops, achieved, 100.0 * achieved / target);
    if (achieved < kRateMissedFraction * target) {
      out +=
          "\n  warning: the target rate was missed (the target could not keep up); the rows "
          "marked *\n  (latency from each operation's scheduled start) are what a client at "
          "that rate would see";
    }
    out += '\n';
  }
  out += fmt::format("  {:<7} {:>10}", "op", "count");
  for (const PercentileKey& pk : kReportedPercentiles)
    out += fmt::format(" {:>9}", fmt::format("p{}", pk.key));
  out += fmt::format(" {:>9}\n", "max");
  bool any_corrected = false;
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpStats& s = phase.ops[k];
    if (s.histogram.count() == 0 && s.errors == 0) continue;
    const std::string name(OpKindName(static_cast<OpKind>(k)));
    out += LatencyRow(name, s.histogram);
    if (s.errors) out += fmt::format("  {} errors", s.errors);
    out += '\n';
    if (open_loop && s.corrected.count() != 0) {
      out += LatencyRow(name + "*", s.corrected) + '\n';
      any_corrected = true;
    }
  }
  if (any_corrected) {
    out += "  * from the scheduled start (open loop: corrected for coordinated omission)\n";
  }
  for (const std::string& e : phase.errors) out += fmt::format("  error: {}\n", e);
  return out;
}

std::string FormatRunCsv(const RunResult& run) {
  std::vector<std::string> header = {"phase", "op", "latency_from", "count", "iops", "mb_per_s"};
  for (const PercentileKey& pk : kReportedPercentiles)
    header.push_back(fmt::format("p{}_ns", pk.key));
  header.push_back("max_ns");
  header.push_back("errors");
  std::string out = CsvLine(header);
  for (const PhaseResult& phase : run.phases) {
    const double seconds = static_cast<double>(phase.measured_ns) / 1e9;
    for (int k = 0; k < kOpKindCount; ++k) {
      const OpStats& s = phase.ops[k];
      if (s.histogram.count() == 0 && s.errors == 0) continue;
      for (const Histogram* h : {&s.histogram, &s.corrected}) {
        if (h == &s.corrected && (phase.spec.rate_iops == 0 || h->count() == 0)) continue;
        std::vector<std::string> row = {
            phase.spec.name,
            std::string(OpKindName(static_cast<OpKind>(k))),
            h == &s.corrected ? "scheduled" : "submission",
            std::to_string(h->count()),
            fmt::format("{:.1f}", seconds > 0 ? static_cast<double>(h->count()) / seconds : 0),
            fmt::format("{:.3f}", seconds > 0 ? static_cast<double>(s.bytes) / seconds / 1e6 : 0)};
        for (const PercentileKey& pk : kReportedPercentiles) {
          row.push_back(std::to_string(h->Percentile(pk.p)));
        }
        row.push_back(std::to_string(h->max()));
        row.push_back(std::to_string(s.errors));
        out += CsvLine(row);
      }
    }
  }
  return out;
}

}  // namespace durabench
