// TimeSeries: per-interval count, bytes and p50/p99/max of every op kind, merged over jobs.
//
// Built from the IntervalSnapshots of one or more Recorders of the same phase (same start and
// interval); snapshots with the same index are merged bucket by bucket, so the merged percentiles
// are exact to the histogram's error bound, not averages of percentiles.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "measure/recorder.h"

namespace durabench {

struct IntervalKindStats {
  uint64_t count = 0;
  uint64_t bytes = 0;
  uint64_t p50_ns = 0;
  uint64_t p99_ns = 0;
  uint64_t max_ns = 0;
};

struct IntervalStats {
  uint64_t index = 0;     // k
  uint64_t start_ns = 0;  // k * interval_ns, relative to the phase start
  std::array<IntervalKindStats, kOpKindCount> kinds;
};

// Count, bytes, p50, p99 and max of one interval snapshot. `scratch` (default parameters) is
// reset and reused, so callers that summarise often allocate nothing.
IntervalKindStats SummarizeInterval(const IntervalKindSnapshot& snap, Histogram* scratch);

class TimeSeries {
 public:
  explicit TimeSeries(uint64_t interval_ns) : interval_ns_(interval_ns) {}

  // Merges every snapshot of `recorder` (which must use the same interval).
  void Add(const Recorder& recorder);
  // Summaries in index order. Intervals in which no job recorded anything between the first and
  // the last one are present with zero counts (a stall shows as a hole, not a missing row).
  std::vector<IntervalStats> Summaries() const;

  uint64_t interval_ns() const { return interval_ns_; }

 private:
  uint64_t interval_ns_;
  std::vector<IntervalSnapshot> merged_;  // sorted by index
};

}  // namespace durabench
