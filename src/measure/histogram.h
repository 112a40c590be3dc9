// Histogram: a log-linear latency histogram in integer nanoseconds.
//
//   relative error  <= 2^-m            (m = sub_bucket_bits; default m = 7: 1/128 = 0.78 %)
//   exact range     0 .. 2^m - 1 ns    (one bucket per nanosecond)
//   tracked range   0 .. 2^R - 1 ns    (R = max_exponent; default R = 42: 4398 s = 73 min)
//   buckets         (R - m + 1) * 2^m  (default 36 * 128 = 4608)
//   memory          8 bytes per bucket (default 36 KiB)
// Values >= 2^R are counted in overflow_count() and in count/min/max/mean, never dropped.
//
// Bucketing, as in HdrHistogram and fio's stat.h: a value v < 2^m has bucket v. Otherwise let
// e = floor(log2 v) (from the leading-zero count) and shift = e - m; the bucket keeps the top
// m+1 bits of v: index = shift * 2^m + (v >> shift). A bucket therefore spans 2^shift values
// starting at a lower bound >= 2^(m+shift), so its width is at most 2^-m of any value in it.
// Percentile() reports the bucket midpoint clamped to [min, max], halving the error in practice.
//
// Merge is addition of counts; the parameters travel with the data (sub_bucket_bits(),
// max_exponent(), and the bucket bounds in ForEachBucket), so a reader needs no constant from here.
//
// Thread-safety: none; one histogram per thread, merged after the threads are done.
// Record() allocates nothing and cannot fail.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "util/status.h"

namespace durabench {

class Histogram {
 public:
  static constexpr int kDefaultSubBucketBits = 7;
  static constexpr int kDefaultMaxExponent = 42;

  // Requires 1 <= sub_bucket_bits <= 16 and sub_bucket_bits < max_exponent <= 63.
  explicit Histogram(int sub_bucket_bits = kDefaultSubBucketBits,
                     int max_exponent = kDefaultMaxExponent);

  // Adds one sample of `value_ns`. Inline; a handful of instructions.
  void Record(uint64_t value_ns) { RecordN(value_ns, 1); }
  void RecordN(uint64_t value_ns, uint64_t n);

  // Adds `other`'s counts. InvalidArgument if its parameters differ.
  Status Merge(const Histogram& other);
  // Empties the histogram (keeps parameters).
  void Reset();

  uint64_t count() const { return count_; }  // all samples, overflow included
  uint64_t overflow_count() const { return overflow_; }
  uint64_t min() const { return count_ ? min_ : 0; }  // exact; 0 when empty
  uint64_t max() const { return max_; }               // exact; 0 when empty
  double mean() const;                                // exact; 0 when empty
  double stddev() const;                              // exact population stddev; 0 when < 2 samples

  // Value at percentile `p` in [0, 100]: the midpoint of the bucket holding the sample of rank
  // ceil(p/100 * count) (rank 1 for p = 0), clamped to [min, max]; max() for p = 100 or when
  // that rank falls in the overflow. 0 when empty.
  uint64_t Percentile(double p) const;
  // Value of the sample of rank `rank` (1-based, clamped to [1, count]) by the same rule: the
  // value of the bucket holding it, or max() in the overflow. 0 when empty. Percentile() is
  // ValueAtRank(ceil(p/100 * count)); a percentile spectrum walks ranks directly.
  uint64_t ValueAtRank(uint64_t rank) const;
  // The value reported for any sample in bucket `index`: the bucket's midpoint, clamped to
  // [min, max] (unclamped when empty).
  uint64_t BucketValue(size_t index) const;

  int sub_bucket_bits() const { return sub_bucket_bits_; }
  int max_exponent() const { return max_exponent_; }
  size_t bucket_count() const { return counts_.size(); }
  // Samples in bucket `index` (< bucket_count()).
  uint64_t bucket(size_t index) const { return counts_[index]; }

  // Index of the bucket holding `value_ns` (value must be < 2^max_exponent).
  size_t BucketIndex(uint64_t value_ns) const;
  // Smallest and largest value of bucket `index`.
  uint64_t BucketLowerBound(size_t index) const;
  uint64_t BucketUpperBound(size_t index) const;

  // Calls fn(lower_ns, upper_ns, count) for every non-empty bucket in increasing order. Overflow
  // samples are in no bucket: a writer stores overflow_count() beside the buckets.
  void ForEachBucket(const std::function<void(uint64_t, uint64_t, uint64_t)>& fn) const;

  // Rebuilding from serialized data (JSON reader, fio import): adds `count` samples to the bucket
  // holding `value_ns` (or to overflow) WITHOUT touching min/max/sum, which are then set with
  // RestoreMoments(). Keeps all statistics but mean/stddev exact.
  void AddToBucket(uint64_t value_ns, uint64_t count);
  void RestoreMoments(uint64_t min_ns, uint64_t max_ns, double sum_ns, double sum_sq_ns2);
  double sum() const;     // sum of all samples, ns
  double sum_sq() const;  // sum of squares, ns^2

 private:
  __extension__ using U128 = unsigned __int128;

  int sub_bucket_bits_;
  int max_exponent_;
  uint64_t limit_;  // 2^max_exponent_
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t overflow_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  U128 sum_ = 0;
  U128 sum_sq_ = 0;
};

inline size_t Histogram::BucketIndex(uint64_t v) const {
  const uint64_t sub = uint64_t{1} << sub_bucket_bits_;
  if (v < sub) return static_cast<size_t>(v);
  const int e = 63 - __builtin_clzll(v);
  const int shift = e - sub_bucket_bits_;
  return static_cast<size_t>(static_cast<uint64_t>(shift) * sub + (v >> shift));
}

inline void Histogram::RecordN(uint64_t v, uint64_t n) {
  if (v < limit_) {
    counts_[BucketIndex(v)] += n;
  } else {
    overflow_ += n;
  }
  count_ += n;
  if (v < min_) min_ = v;
  if (v > max_) max_ = v;
  sum_ += static_cast<U128>(v) * n;
  sum_sq_ += static_cast<U128>(v) * v * n;
}

}  // namespace durabench
