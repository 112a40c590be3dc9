// TimeSeries: per-interval count, bytes and p50/p99/p99.9/max of every op kind, merged over jobs.
//
// Built from the IntervalSnapshots of one or more Recorders of the same phase (same start and
// interval); snapshots with the same index are merged bucket by bucket, so the merged percentiles
// are exact to the histogram's error bound, not averages of percentiles.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "measure/recorder.h"

namespace durabench {

struct IntervalKindStats {
  uint64_t count = 0;
  uint64_t bytes = 0;
  uint64_t p50_ns = 0;
  uint64_t p99_ns = 0;
  uint64_t p999_ns = 0;
  uint64_t max_ns = 0;
};

struct IntervalStats {
  uint64_t index = 0;     // k
  uint64_t start_ns = 0;  // k * interval_ns, from the recorder's start (the ramp's end)
  std::array<IntervalKindStats, kOpKindCount> kinds;
};

// Count, bytes, p50, p99, p99.9 and max of one interval snapshot. `scratch` (default parameters) is
// reset and reused, so callers that summarise often allocate nothing.
IntervalKindStats SummarizeInterval(const IntervalKindSnapshot& snap, Histogram* scratch);

class TimeSeries {
 public:
  // `sources`: how many recorders will call AddSnapshot (one per job); 0 if only Add is used.
  explicit TimeSeries(uint64_t interval_ns, size_t sources = 0);

  // Thread-safe. Merges one closed interval of recorder `source` (< sources), as a Recorder sink.
  // Sources close intervals in increasing order, so an interval every source has moved past is
  // complete: it is summarized at once and its buckets freed, and memory stays flat however long
  // the run (only the intervals still open in some job are held as histograms).
  void AddSnapshot(size_t source, const IntervalSnapshot& snapshot);
  // Merges every snapshot kept by `recorder` (one without a sink; same interval).
  void Add(const Recorder& recorder);
  // Summaries in index order. Intervals in which no job recorded anything between the first and
  // the last one are present with zero counts (a stall shows as a hole, not a missing row).
  std::vector<IntervalStats> Summaries() const;

  uint64_t interval_ns() const { return interval_ns_; }
  // Intervals still held as histograms (not yet complete in every source).
  size_t pending_intervals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return merged_.size();
  }

 private:
  void MergeLocked(const IntervalSnapshot& snapshot);
  // Summarizes and frees the pending intervals below `index`.
  void CompleteBelowLocked(uint64_t index);

  uint64_t interval_ns_;
  mutable std::mutex mu_;
  std::vector<uint64_t> source_next_;     // per source: the lowest index it may still add
  std::vector<IntervalStats> complete_;   // summarized, sorted by index
  std::vector<IntervalSnapshot> merged_;  // pending, sorted by index
  Histogram scratch_;
};

}  // namespace durabench
