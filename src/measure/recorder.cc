#include "measure/recorder.h"

namespace durabench {

std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kRead:
      return "read";
    case OpKind::kWrite:
      return "write";
    case OpKind::kFlush:
      return "flush";
    case OpKind::kCommit:
      return "commit";
  }
  return "unknown";
}

Recorder::Recorder(uint64_t start_ns, uint64_t interval_ns)
    : start_ns_(start_ns), interval_ns_(interval_ns > 0 ? interval_ns : 1) {
  current_end_ns_ = start_ns_ + interval_ns_;
}

void Recorder::Record(OpKind kind, uint64_t latency_ns, uint64_t bytes, uint64_t end_ns) {
  if (end_ns >= current_end_ns_) {
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
  const int k = static_cast<int>(kind);
  total_[k].Record(latency_ns);
  current_[k].Record(latency_ns);
  bytes_[k] += bytes;
  current_bytes_[k] += bytes;
  current_has_samples_ = true;
}

void Recorder::Finish() { CloseInterval(); }

void Recorder::CloseInterval() {
  if (!current_has_samples_) return;
  IntervalSnapshot snapshot;
  snapshot.index = current_index_;
  for (int k = 0; k < kOpKindCount; ++k) {
    Histogram& h = current_[k];
    IntervalKindSnapshot& out = snapshot.kinds[k];
    out.bytes = current_bytes_[k];
    current_bytes_[k] = 0;
    if (h.count() == 0) continue;
    out.max_ns = h.max();
    h.ForEachBucket([&](uint64_t lower, uint64_t, uint64_t count) {
      out.buckets.emplace_back(static_cast<uint32_t>(h.BucketIndex(lower)), count);
    });
    if (h.overflow_count() != 0) {
      out.buckets.emplace_back(static_cast<uint32_t>(h.bucket_count()), h.overflow_count());
    }
    h.Reset();
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
