// Recorder: what one job thread measured, per op kind, plus its per-interval time series.
//
// Op kinds: measure/op_kind.h (DESIGN.md "Measurement model").
//
// Intervals are aligned to a start time shared by all jobs of a phase (interval k covers
// [start + k*interval, start + (k+1)*interval)), so interval k of every job can be merged.
// At each interval boundary the recorder freezes the interval's per-kind histogram into a sparse
// IntervalSnapshot (non-empty buckets only); TimeSeries merges snapshots of all jobs.
//
// Thread-safety: a Recorder belongs to one thread. Record() allocates nothing except when it
// closes an interval (once per interval, amortised).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "measure/histogram.h"
#include "measure/op_kind.h"

namespace durabench {

// One interval of one op kind, sparse. Bucket indices are those of a default Histogram; the index
// Histogram().bucket_count() (one past the last bucket) holds the samples >= 2^max_exponent.
struct IntervalKindSnapshot {
  uint64_t bytes = 0;
  uint64_t max_ns = 0;
  std::vector<std::pair<uint32_t, uint64_t>> buckets;  // (bucket index, count), ascending index
};

struct IntervalSnapshot {
  uint64_t index = 0;  // k: the interval [start + k*interval, start + (k+1)*interval)
  std::array<IntervalKindSnapshot, kOpKindCount> kinds;
};

class Recorder {
 public:
  // `start_ns`: when measuring starts (NowNs(): the jobs' shared start plus the ramp);
  // `interval_ns` > 0.
  Recorder(uint64_t start_ns, uint64_t interval_ns);

  // Records one completed operation that ended at `end_ns` and took `latency_ns`. Inline: this is
  // the per-operation cost of measuring.
  void Record(OpKind kind, uint64_t latency_ns, uint64_t bytes, uint64_t end_ns) {
    if (end_ns >= current_end_ns_) StartInterval(end_ns);
    const int k = static_cast<int>(kind);
    total_[k].Record(latency_ns);
    if (latency_ns > current_max_[k]) current_max_[k] = latency_ns;
    bytes_[k] += bytes;
    current_bytes_[k] += bytes;
    current_has_samples_ = true;
  }
  // Open-loop runs: the same operation's latency measured from its *intended* start (the
  // schedule), not from when it was actually issued. A stall that delays later submissions then
  // shows in these values, as wrk2 corrects for coordinated omission. Totals only.
  void RecordCorrected(OpKind kind, uint64_t latency_ns) {
    corrected_[static_cast<int>(kind)].Record(latency_ns);
  }
  // Counts a failed operation (not put in the latency histogram).
  void RecordError(OpKind kind) { errors_[static_cast<int>(kind)]++; }

  // Where closed intervals go. Without a sink they are kept in intervals(); with one (the
  // runner's TimeSeries, which merges and summarizes them as they come) only the latest is kept,
  // so memory does not grow with runtime. Called on the recording thread, once per interval.
  using IntervalSink = std::function<void(const IntervalSnapshot&)>;
  void SetSink(IntervalSink sink) { sink_ = std::move(sink); }

  // Closes the current interval (if it holds samples) into the snapshot list; call once at the end.
  void Finish();

  const Histogram& histogram(OpKind kind) const { return total_[static_cast<int>(kind)]; }
  const Histogram& corrected(OpKind kind) const { return corrected_[static_cast<int>(kind)]; }
  uint64_t bytes(OpKind kind) const { return bytes_[static_cast<int>(kind)]; }
  uint64_t errors(OpKind kind) const { return errors_[static_cast<int>(kind)]; }
  const std::vector<IntervalSnapshot>& intervals() const { return intervals_; }
  // Intervals closed so far, and the latest of them (nullptr before the first), sink or not.
  size_t closed_intervals() const { return closed_; }
  const IntervalSnapshot* last_interval() const {
    if (closed_ == 0) return nullptr;
    return sink_ ? &last_ : &intervals_.back();
  }
  uint64_t interval_ns() const { return interval_ns_; }

 private:
  void CloseInterval();
  // Closes the current interval and makes the one holding `end_ns` current.
  void StartInterval(uint64_t end_ns);

  uint64_t start_ns_;
  uint64_t interval_ns_;
  uint64_t current_index_ = 0;
  uint64_t current_end_ns_;  // end of the current interval
  bool current_has_samples_ = false;
  std::array<Histogram, kOpKindCount> total_;
  // The interval so far: totals at the previous close (buckets, overflow, count), its max.
  std::array<std::vector<uint64_t>, kOpKindCount> prev_counts_;
  std::array<uint64_t, kOpKindCount> prev_overflow_{};
  std::array<uint64_t, kOpKindCount> prev_count_{};
  std::array<uint64_t, kOpKindCount> current_max_{};
  std::array<Histogram, kOpKindCount> corrected_;
  std::array<uint64_t, kOpKindCount> current_bytes_{};
  std::array<uint64_t, kOpKindCount> bytes_{};
  std::array<uint64_t, kOpKindCount> errors_{};
  std::vector<IntervalSnapshot> intervals_;
  IntervalSink sink_;
  IntervalSnapshot last_;  // with a sink: the latest closed interval
  size_t closed_ = 0;
};

}  // namespace durabench
