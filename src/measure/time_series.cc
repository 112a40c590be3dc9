#include "measure/time_series.h"

#include <algorithm>
#include <cassert>

namespace durabench {

namespace {

// Adds `from`'s sparse buckets to `into`'s; both ascending by index, and so is the result.
void MergeKind(const IntervalKindSnapshot& from, IntervalKindSnapshot& into) {
  into.bytes += from.bytes;
  into.max_ns = std::max(into.max_ns, from.max_ns);
  if (from.buckets.empty()) return;
  std::vector<std::pair<uint32_t, uint64_t>> merged;
  merged.reserve(into.buckets.size() + from.buckets.size());
  auto a = into.buckets.begin();
  auto b = from.buckets.begin();
  while (a != into.buckets.end() || b != from.buckets.end()) {
    if (b == from.buckets.end() || (a != into.buckets.end() && a->first < b->first)) {
      merged.push_back(*a++);
    } else if (a == into.buckets.end() || b->first < a->first) {
      merged.push_back(*b++);
    } else {
      merged.emplace_back(a->first, a->second + b->second);
      ++a;
      ++b;
    }
  }
  into.buckets = std::move(merged);
}

}  // namespace

IntervalKindStats SummarizeInterval(const IntervalKindSnapshot& snap, Histogram* scratch) {
  IntervalKindStats stats;
  stats.bytes = snap.bytes;
  if (snap.buckets.empty()) return stats;
  Histogram& h = *scratch;
  h.Reset();
  for (const auto& [index, count] : snap.buckets) {
    // The overflow index (== bucket_count()) maps to a value past the tracked range.
    const uint64_t value = index < h.bucket_count() ? h.BucketLowerBound(index) : UINT64_MAX;
    h.AddToBucket(value, count);
  }
  // The minimum is not in the snapshot; 0 leaves the midpoints unclamped from below, which
  // is within the error bound since a midpoint is never below its bucket's lower bound.
  h.RestoreMoments(0, snap.max_ns, 0.0, 0.0);
  stats.count = h.count();
  stats.p50_ns = h.Percentile(50.0);
  stats.p99_ns = h.Percentile(99.0);
  stats.max_ns = snap.max_ns;
  return stats;
}

void TimeSeries::Add(const Recorder& recorder) {
  assert(recorder.interval_ns() == interval_ns_);
  for (const IntervalSnapshot& snapshot : recorder.intervals()) {
    auto it =
        std::lower_bound(merged_.begin(), merged_.end(), snapshot.index,
                         [](const IntervalSnapshot& s, uint64_t index) { return s.index < index; });
    if (it == merged_.end() || it->index != snapshot.index) {
      merged_.insert(it, snapshot);
      continue;
    }
    for (int k = 0; k < kOpKindCount; ++k) MergeKind(snapshot.kinds[k], it->kinds[k]);
  }
}

std::vector<IntervalStats> TimeSeries::Summaries() const {
  std::vector<IntervalStats> out;
  if (merged_.empty()) return out;
  const uint64_t first = merged_.front().index;
  const uint64_t last = merged_.back().index;
  out.reserve(last - first + 1);
  Histogram h;  // rebuilt per interval and kind from the sparse buckets
  auto next = merged_.begin();
  for (uint64_t k = first; k <= last; ++k) {
    IntervalStats row;
    row.index = k;
    row.start_ns = k * interval_ns_;
    if (next != merged_.end() && next->index == k) {
      for (int kind = 0; kind < kOpKindCount; ++kind) {
        const IntervalKindSnapshot& snap = next->kinds[kind];
        IntervalKindStats& stats = row.kinds[kind];
        stats.bytes = snap.bytes;
        if (snap.buckets.empty()) continue;
        stats = SummarizeInterval(snap, &h);
      }
      ++next;
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace durabench
