#include "compare/metric.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <utility>

#include "util/units.h"

namespace durabench {
namespace {

struct StatName {
  std::string_view name;
  MetricStat stat;
};
constexpr StatName kStats[] = {{"p50", MetricStat::kP50},          {"p90", MetricStat::kP90},
                               {"p99", MetricStat::kP99},          {"p99.9", MetricStat::kP999},
                               {"p99.99", MetricStat::kP9999},     {"max", MetricStat::kMax},
                               {"mean", MetricStat::kMean},        {"iops", MetricStat::kIops},
                               {"bw", MetricStat::kBytesPerS},     {"stall", MetricStat::kStall},
                               {"recovery", MetricStat::kRecovery}};

constexpr std::string_view kKinds[] = {"read", "write", "flush", "commit", "lat"};

std::string_view StatText(MetricStat stat) {
  for (const StatName& s : kStats) {
    if (s.stat == stat) return s.name;
  }
  return "?";
}

double Percentile(MetricStat stat) {
  switch (stat) {
    case MetricStat::kP50:
      return 50;
    case MetricStat::kP90:
      return 90;
    case MetricStat::kP99:
      return 99;
    case MetricStat::kP999:
      return 99.9;
    case MetricStat::kP9999:
      return 99.99;
    default:
      return 100;
  }
}

// An interval is complete when it ends at or before the end of the measured time.
bool Complete(const IntervalStats& iv, const PhaseResult& phase) {
  return iv.start_ns + phase.interval_ns <= phase.measured_ns;
}

}  // namespace

std::string Metric::Name() const {
  if (kind.empty()) return std::string(StatText(stat));
  return kind + "." + std::string(StatText(stat));
}

Result<Metric> ParseMetric(std::string_view text) {
  const auto bad = [text] {
    return Status::InvalidArgument(
        "metric '" + std::string(text) +
        "': expected iops, bw, stall, recovery, or KIND.STAT with KIND "
        "read/write/flush/commit/lat and STAT p50/p90/p99/p99.9/p99.99/max/mean/iops (e.g. "
        "commit.p99, write.iops)");
  };
  Metric m;
  const size_t dot = text.find('.');
  std::string_view stat = text;
  if (dot != std::string_view::npos) {
    const std::string_view kind = text.substr(0, dot);
    bool known = false;
    for (std::string_view k : kKinds) known = known || k == kind;
    if (!known) return bad();
    m.kind = std::string(kind);
    stat = text.substr(dot + 1);
  }
  for (const StatName& s : kStats) {
    if (s.name != stat) continue;
    const bool chaos = Metric{"", s.stat}.IsChaos();
    const bool phase_level =
        s.stat == MetricStat::kIops || s.stat == MetricStat::kBytesPerS || chaos;
    if (m.kind.empty() && !phase_level) return bad();  // a latency needs its kind
    if (!m.kind.empty() && (s.stat == MetricStat::kBytesPerS || chaos)) return bad();
    m.stat = s.stat;
    return m;
  }
  return bad();
}

std::optional<OpKind> MetricKind(const Metric& metric, const PhaseResult& phase) {
  if (metric.kind.empty()) return std::nullopt;
  const auto has = [&phase](OpKind k) { return phase.op(k).histogram.count() > 0; };
  if (metric.kind == "lat") {
    for (OpKind k : {OpKind::kCommit, OpKind::kWrite, OpKind::kRead}) {
      if (has(k)) return k;
    }
    return std::nullopt;
  }
  for (int k = 0; k < kOpKindCount; ++k) {
    const auto kind = static_cast<OpKind>(k);
    if (OpKindName(kind) == metric.kind) {
      return has(kind) ? std::optional<OpKind>(kind) : std::nullopt;
    }
  }
  return std::nullopt;
}

bool MetricApplies(const Metric& metric, const PhaseResult& phase) {
  if (metric.IsChaos()) return phase.chaos.present;
  return metric.kind.empty() || MetricKind(metric, phase).has_value();
}

std::optional<double> MetricValue(const Metric& metric, const PhaseResult& phase) {
  if (metric.IsChaos()) {
    if (!phase.chaos.present) return std::nullopt;
    if (metric.stat == MetricStat::kStall) {
      return static_cast<double>(phase.chaos.longest_stall_ns);
    }
    return phase.chaos.recovery_ns ? static_cast<double>(*phase.chaos.recovery_ns)
                                   : std::numeric_limits<double>::infinity();
  }
  if (metric.kind.empty()) {
    return metric.stat == MetricStat::kIops ? phase.Iops() : phase.BytesPerSecond();
  }
  const std::optional<OpKind> kind = MetricKind(metric, phase);
  if (!kind) return std::nullopt;
  const Histogram& h = phase.op(*kind).histogram;
  switch (metric.stat) {
    case MetricStat::kIops:
      return phase.measured_ns == 0
                 ? 0.0
                 : static_cast<double>(h.count()) * 1e9 / static_cast<double>(phase.measured_ns);
    case MetricStat::kMax:
      return static_cast<double>(h.max());
    case MetricStat::kMean:
      return h.mean();
    default:
      return static_cast<double>(h.Percentile(Percentile(metric.stat)));
  }
}

std::optional<std::vector<double>> MetricIntervalValues(const Metric& metric,
                                                        const PhaseResult& phase) {
  if (phase.interval_ns == 0 || phase.time_series.empty() || metric.IsChaos()) {
    return std::nullopt;
  }
  std::optional<OpKind> kind;
  if (!metric.kind.empty()) {
    kind = MetricKind(metric, phase);
    if (!kind) return std::nullopt;
  }
  const double seconds = static_cast<double>(phase.interval_ns) / 1e9;
  std::vector<double> values;
  for (const IntervalStats& iv : phase.time_series) {
    if (!Complete(iv, phase)) continue;
    if (!kind) {
      const IntervalKindStats& r = iv.kinds[static_cast<int>(OpKind::kRead)];
      const IntervalKindStats& w = iv.kinds[static_cast<int>(OpKind::kWrite)];
      values.push_back(metric.stat == MetricStat::kIops
                           ? static_cast<double>(r.count + w.count) / seconds
                           : static_cast<double>(r.bytes + w.bytes) / seconds);
      continue;
    }
    const IntervalKindStats& s = iv.kinds[static_cast<int>(*kind)];
    switch (metric.stat) {
      case MetricStat::kIops:
        values.push_back(static_cast<double>(s.count) / seconds);
        break;
      case MetricStat::kP50:
        if (s.count) values.push_back(static_cast<double>(s.p50_ns));
        break;
      case MetricStat::kP99:
        if (s.count) values.push_back(static_cast<double>(s.p99_ns));
        break;
      case MetricStat::kP999:
        if (s.count) values.push_back(static_cast<double>(s.p999_ns));
        break;
      case MetricStat::kMax:
        if (s.count) values.push_back(static_cast<double>(s.max_ns));
        break;
      default:
        return std::nullopt;  // p90, p99.99, mean: not in the time series
    }
  }
  return values;
}

std::string FormatMetricValue(const Metric& metric, double value) {
  if (metric.IsLatency()) {
    if (!std::isfinite(value)) return "none";
    return FormatDurationNs(static_cast<uint64_t>(std::llround(value)));
  }
  if (metric.stat == MetricStat::kBytesPerS) return fmt::format("{:.1f} MB/s", value / 1e6);
  return fmt::format("{:.0f}", value);
}

}  // namespace durabench
