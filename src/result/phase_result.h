// What one phase measured: per op kind a latency histogram, bytes and errors; the per-interval
// time series; queue depth; how it ended. Produced by the phase runner (workload/runner.h) and by
// the result reader and fio import (result_reader.h, fio_import.h); consumed by every renderer,
// compare, gate, merge and the analyses. Data only: it needs the histogram, the op kinds and the
// spec, nothing of the engines or targets.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "measure/histogram.h"
#include "measure/op_kind.h"
#include "measure/time_series.h"
#include "result/chaos.h"
#include "spec/spec.h"
#include "util/status.h"

namespace durabench {

struct OpStats {
  Histogram histogram;
  Histogram corrected;  // open loop only: latency from the intended start (see Recorder)
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

// How deep the queue really was, and whether flushes kept their order.
struct PhaseQueueStats {
  uint32_t max_inflight = 0;         // most reads/writes one job had in flight at once
  double mean_inflight = 0;          // reads/writes in flight at a submission, averaged
  uint64_t ordering_violations = 0;  // flushes that completed before a write they cover
};

struct PhaseResult {
  PhaseSpec spec;
  uint64_t measured_ns = 0;  // from the end of the ramp to the end of the last measured op
  std::array<OpStats, kOpKindCount> ops;
  uint64_t interval_ns = 0;
  std::vector<IntervalStats> time_series;
  PhaseQueueStats queue;
  std::vector<std::string> errors;  // one line per failed operation that ended a job
  Status status;                    // first error, mapped (NotSupported for EOPNOTSUPP, ...)
  bool interrupted = false;         // ended early by RunOptions::stop
  // Ended early by RunOptions::end_early: under `run --stonewall` another rank of a multi-client
  // run had finished its work (docs/scale-out.md); what was done until then is sound.
  bool stonewalled = false;
  bool timed_out = false;  // ended by the op timeout (RunOptions::op_timeout_ns)
  // Jobs still stuck in the engine when the phase ended (timed out): their threads and engines
  // are left behind, so the target must not be cleaned up (its connection may hang).
  uint32_t abandoned_jobs = 0;
  // The phase's faults as they ran, and what they did (result/chaos.h); empty, absent without.
  std::vector<FaultRun> faults;
  PhaseChaos chaos;

  const OpStats& op(OpKind kind) const { return ops[static_cast<int>(kind)]; }
  // Reads + writes per second over measured_ns.
  double Iops() const;
  // Bytes read + written per second over measured_ns.
  double BytesPerSecond() const;
};

// How much a phase's per-interval figures varied: what its one IOPS figure and one p99 hide. From
// the time series: every interval but the last (which the phase's end cuts short); an interval
// in which nothing completed (a stall) counts with 0 IOPS and no p99.
struct PhaseVariation {
  size_t intervals = 0;  // intervals used; fewer than kMinVariationIntervals: none
  double iops_cv = 0;    // coefficient of variation (stddev / mean) of per-interval IOPS
  OpKind p99_kind = OpKind::kCommit;  // whose p99: commit, else write, else read
  double p99_cv = 0;                  // of the per-interval p99 of p99_kind
  uint64_t p99_min_ns = 0;
  uint64_t p99_max_ns = 0;
  bool noisy = false;  // iops_cv > kNoisyIopsCv or p99_cv > kNoisyP99Cv
};
inline constexpr size_t kMinVariationIntervals = 3;
// A disk left alone keeps its per-interval IOPS within a few per cent of the mean, and its p99
// within a fraction of itself; beyond these the run was disturbed (another load, a cache
// filling up, throttling) and its averages describe no interval in particular.
inline constexpr double kNoisyIopsCv = 0.25;
inline constexpr double kNoisyP99Cv = 0.5;
PhaseVariation Variation(const PhaseResult& phase);

}  // namespace durabench
