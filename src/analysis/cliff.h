// Finding a throughput cliff in a long sequential write: the moment a drive's SLC cache or its
// over-provisioned spare area runs out and sustained writes drop to the native NAND speed.
//
// Model: one change point. Per-interval throughput is split where the two sides' squared error
// around their means is smallest (the classic least-squares single change point), and the split
// counts as a cliff only when it is large and lasting: the median after it is at most
// (1 - kCliffMinDrop) of the median before it, and at least kCliffMinPersist of the intervals
// after it are below the midpoint of the two medians. A single stall, a slow first second or a
// gradual drift therefore do not count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace durabench {

inline constexpr double kCliffMinDrop = 0.30;     // >= 30 % lower afterwards
inline constexpr double kCliffMinPersist = 0.80;  // and it stays lower
inline constexpr size_t kCliffMinIntervals = 3;   // on each side of the split

struct ThroughputCliff {
  bool found = false;
  size_t index = 0;               // first interval after the cliff
  uint64_t bytes_before = 0;      // written before it: about the size of the cache that ran out
  double before_bytes_per_s = 0;  // median throughput before
  double after_bytes_per_s = 0;   // median throughput after
};

// `bytes` holds the bytes written in each complete interval of `interval_ns`, in order.
// Pure; O(n) memory, O(n log n) time.
ThroughputCliff DetectCliff(const std::vector<uint64_t>& bytes, uint64_t interval_ns);

}  // namespace durabench
