#include "measure/recorder.h"

namespace durabench {

Recorder::Recorder(uint64_t start_ns, uint64_t interval_ns)
    : start_ns_(start_ns), interval_ns_(interval_ns > 0 ? interval_ns : 1) {
  current_end_ns_ = start_ns_ + interval_ns_;
  for (auto& prev : prev_counts_) prev.assign(total_[0].bucket_count(), 0);
}

void Recorder::Finish() { CloseInterval(); }

void Recorder::StartInterval(uint64_t end_ns) {
  // The op ended past the current interval: freeze it and move to the interval holding end_ns
  // (skipping empty ones, which TimeSeries shows as holes). An op that ends before the current
  // interval (completions reaped out of order) stays in the current one.
  CloseInterval();
  current_index_ = (end_ns - start_ns_) / interval_ns_;
  uint64_t end;
  if (__builtin_mul_overflow(current_index_ + 1, interval_ns_, &end) ||
      __builtin_add_overflow(end, start_ns_, &end)) {
    end = UINT64_MAX;
  }
  current_end_ns_ = end;
}

void Recorder::CloseInterval() {
  if (!current_has_samples_) return;
  IntervalSnapshot snapshot;
  snapshot.index = current_index_;
  for (int k = 0; k < kOpKindCount; ++k) {
    const Histogram& h = total_[k];
    IntervalKindSnapshot& out = snapshot.kinds[k];
    out.bytes = current_bytes_[k];
    current_bytes_[k] = 0;
    if (h.count() == prev_count_[k]) continue;
    // The interval's buckets are what the total gained since the previous close: one histogram
    // update per sample instead of two, at the price of one scan of the buckets per interval.
    out.max_ns = current_max_[k];
    current_max_[k] = 0;
    std::vector<uint64_t>& prev = prev_counts_[k];
    for (size_t i = 0; i < prev.size(); ++i) {
      const uint64_t now = h.bucket(i);
      if (now != prev[i]) {
        out.buckets.emplace_back(static_cast<uint32_t>(i), now - prev[i]);
        prev[i] = now;
      }
    }
    if (h.overflow_count() != prev_overflow_[k]) {
      out.buckets.emplace_back(static_cast<uint32_t>(h.bucket_count()),
                               h.overflow_count() - prev_overflow_[k]);
      prev_overflow_[k] = h.overflow_count();
    }
    prev_count_[k] = h.count();
  }
  ++closed_;
  if (sink_) {
    sink_(snapshot);
    last_ = std::move(snapshot);
  } else {
    intervals_.push_back(std::move(snapshot));
  }
  current_has_samples_ = false;
}

}  // namespace durabench
