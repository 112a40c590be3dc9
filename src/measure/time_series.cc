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
  stats.p999_ns = h.Percentile(99.9);
  stats.max_ns = snap.max_ns;
  return stats;
}

TimeSeries::TimeSeries(uint64_t interval_ns, size_t sources)
    : interval_ns_(interval_ns), source_next_(sources, 0) {}

void TimeSeries::MergeLocked(const IntervalSnapshot& snapshot) {
  auto it =
      std::lower_bound(merged_.begin(), merged_.end(), snapshot.index,
                       [](const IntervalSnapshot& s, uint64_t index) { return s.index < index; });
  if (it == merged_.end() || it->index != snapshot.index) {
    merged_.insert(it, snapshot);
    return;
  }
  for (int k = 0; k < kOpKindCount; ++k) MergeKind(snapshot.kinds[k], it->kinds[k]);
}

void TimeSeries::CompleteBelowLocked(uint64_t index) {
  size_t n = 0;
  while (n < merged_.size() && merged_[n].index < index) {
    IntervalStats row;
    row.index = merged_[n].index;
    row.start_ns = row.index * interval_ns_;
    for (int kind = 0; kind < kOpKindCount; ++kind) {
      row.kinds[kind] = SummarizeInterval(merged_[n].kinds[kind], &scratch_);
    }
    complete_.push_back(row);
    ++n;
  }
  merged_.erase(merged_.begin(), merged_.begin() + static_cast<std::ptrdiff_t>(n));
}

void TimeSeries::AddSnapshot(size_t source, const IntervalSnapshot& snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  assert(source < source_next_.size());
  MergeLocked(snapshot);
  source_next_[source] = snapshot.index + 1;
  CompleteBelowLocked(*std::min_element(source_next_.begin(), source_next_.end()));
}

void TimeSeries::Add(const Recorder& recorder) {
  assert(recorder.interval_ns() == interval_ns_);
  std::lock_guard<std::mutex> lock(mu_);
  for (const IntervalSnapshot& snapshot : recorder.intervals()) MergeLocked(snapshot);
}

std::vector<IntervalStats> TimeSeries::Summaries() const {
  std::lock_guard<std::mutex> lock(mu_);
  // Completed rows, then the pending ones summarized now; both sorted and disjoint.
  std::vector<IntervalStats> rows = complete_;
  Histogram h;
  for (const IntervalSnapshot& snap : merged_) {
    IntervalStats row;
    row.index = snap.index;
    row.start_ns = snap.index * interval_ns_;
    for (int kind = 0; kind < kOpKindCount; ++kind) {
      row.kinds[kind] = SummarizeInterval(snap.kinds[kind], &h);
    }
    rows.push_back(row);
  }
  std::vector<IntervalStats> out;
  if (rows.empty()) return out;
  out.reserve(rows.back().index - rows.front().index + 1);
  for (const IntervalStats& row : rows) {
    // Holes (no job completed anything) become zero rows.
    while (!out.empty() && out.back().index + 1 < row.index) {
      IntervalStats hole;
      hole.index = out.back().index + 1;
      hole.start_ns = hole.index * interval_ns_;
      out.push_back(hole);
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace durabench
