// Metrics of a phase that compare and gate talk about: "commit.p99", "flush.p50", "write.p99.9",
// "iops", "read.iops", "bw", "lat.p99".
//
//   KIND.STAT  KIND one of read, write, flush, commit, or lat: the phase's durable-write
//              latency, i.e. commit if the phase has commits, else write, else read.
//              STAT one of p50, p90, p99, p99.9, p99.99, max, mean (latency, ns) or iops.
//   iops, bw   the phase's reads + writes per second, and their bytes per second.
//   stall      a phase with faults (docs/chaos.md): its longest time without a completion (ns).
//   recovery   a phase with faults: from the first fault to the rate's return (ns); a rate that
//              never came back is +infinity, worse than any recovery ("none" in text).
//
// Values come from the phase's histograms (exact to the histogram's 2^-7 error) and its
// measured time. Interval values come from the time series: one value per complete interval
// (an interval cut short by the end of the phase is left out, as its rate is not comparable);
// for latency statistics only intervals with at least one operation of the kind count.
// p90, p99.99 and mean have no per-interval form (the time series keeps p50, p99, p99.9, max).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "measure/recorder.h"
#include "result/phase_result.h"
#include "util/status.h"

namespace durabench {

enum class MetricStat {
  kIops,
  kBytesPerS,
  kP50,
  kP90,
  kP99,
  kP999,
  kP9999,
  kMax,
  kMean,
  kStall,
  kRecovery
};

struct Metric {
  // "read", "write", "flush", "commit", "lat"; "" for the phase's iops, bw, stall, recovery
  std::string kind;
  MetricStat stat = MetricStat::kIops;

  std::string Name() const;  // as parsed: "commit.p99", "iops"
  // Latencies (and stall, recovery) get worse upwards; iops and bw downwards.
  bool HigherIsWorse() const { return stat != MetricStat::kIops && stat != MetricStat::kBytesPerS; }
  // A time in ns: latencies, stall and recovery.
  bool IsLatency() const { return HigherIsWorse(); }
  // stall and recovery: from phases[].chaos, only in phases with faults.
  bool IsChaos() const { return stat == MetricStat::kStall || stat == MetricStat::kRecovery; }
};

// InvalidArgument naming the text and the accepted forms.
Result<Metric> ParseMetric(std::string_view text);

// The op kind `metric` reads in `phase`, resolving "lat"; nullopt for phase-level metrics and
// when the kind did not occur in the phase (no samples).
std::optional<OpKind> MetricKind(const Metric& metric, const PhaseResult& phase);

// Whether `metric` applies to `phase`: iops and bw always, stall and recovery when the phase had
// faults, kind metrics when the kind has samples.
bool MetricApplies(const Metric& metric, const PhaseResult& phase);

// The value over the whole phase (ns for latencies, 1/s for iops, bytes/s for bw); nullopt when
// the metric does not apply.
std::optional<double> MetricValue(const Metric& metric, const PhaseResult& phase);

// One value per complete interval of the time series; nullopt when the phase has no time series
// or the statistic has no per-interval form.
std::optional<std::vector<double>> MetricIntervalValues(const Metric& metric,
                                                        const PhaseResult& phase);

// "12.30us" for latencies, "4115" for iops, "98.1 MB/s" for bw, "none" for an infinite recovery.
std::string FormatMetricValue(const Metric& metric, double value);

}  // namespace durabench
