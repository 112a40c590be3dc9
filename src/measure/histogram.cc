#include "measure/histogram.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace durabench {

namespace {

// A double from RestoreMoments() (a JSON number) as a 128-bit integer: negative, NaN -> 0,
// beyond 2^128 -> the largest value.
__extension__ using U128 = unsigned __int128;
U128 DoubleToU128(double x) {
  if (!(x > 0.0)) return 0;
  if (x >= 0x1p128) return ~U128{0};
  return static_cast<U128>(x);
}

}  // namespace

Histogram::Histogram(int sub_bucket_bits, int max_exponent)
    : sub_bucket_bits_(sub_bucket_bits), max_exponent_(max_exponent) {
  // A programming error, not user input: the parameters are constants of the caller.
  if (sub_bucket_bits < 1 || sub_bucket_bits > 16 || max_exponent <= sub_bucket_bits ||
      max_exponent > 63) {
    std::fprintf(stderr, "Histogram: invalid parameters sub_bucket_bits=%d max_exponent=%d\n",
                 sub_bucket_bits, max_exponent);
    std::abort();
  }
  limit_ = uint64_t{1} << max_exponent_;
  const size_t buckets = static_cast<size_t>(max_exponent_ - sub_bucket_bits_ + 1)
                         << sub_bucket_bits_;
  counts_.assign(buckets, 0);
}

Status Histogram::Merge(const Histogram& other) {
  if (other.sub_bucket_bits_ != sub_bucket_bits_ || other.max_exponent_ != max_exponent_) {
    return Status::InvalidArgument(
        "histogram merge: parameters differ (sub_bucket_bits " + std::to_string(sub_bucket_bits_) +
        " vs " + std::to_string(other.sub_bucket_bits_) + ", max_exponent " +
        std::to_string(max_exponent_) + " vs " + std::to_string(other.max_exponent_) + ")");
  }
  // Every bucket and the overflow are parts of count_, so this check covers them all.
  if (other.count_ > UINT64_MAX - count_) {
    return Status::InvalidArgument("histogram merge: " + std::to_string(count_) + " + " +
                                   std::to_string(other.count_) +
                                   " samples overflow a 64-bit count");
  }
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  overflow_ += other.overflow_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
  return Status::Ok();
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  overflow_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
  sum_sq_ = 0;
}

double Histogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

double Histogram::stddev() const {
  if (count_ < 2) return 0.0;
  // Sum of squared deviations M2 = sum_sq - sum^2/n, computed without cancellation: with
  // sum = q*n + r (0 <= r < n), sum^2/n = q^2*n + 2*q*r + r^2/n, and the integer part
  // sum_sq - q^2*n - 2*q*r is exact in 128 bits (it never exceeds sum_sq). Only r^2/n < n is
  // fractional. A naive E[x^2] - E[x]^2 in double loses every digit for tight distributions of
  // large values (a 10 ms +- 1 us flush).
  const U128 n = count_;
  const U128 q = sum_ / n;
  const U128 r = sum_ % n;
  const U128 subtrahend = q * q * n + 2 * q * r;
  if (subtrahend >= sum_sq_) return 0.0;  // only when restored moments are inconsistent
  const double fractional =
      static_cast<double>(r) * static_cast<double>(r) / static_cast<double>(n);
  const double m2 = static_cast<double>(sum_sq_ - subtrahend) - fractional;
  if (m2 <= 0.0) return 0.0;
  return std::sqrt(m2 / static_cast<double>(count_));
}

uint64_t Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  if (!(p < 100.0)) return max_;
  // rank = ceil(p/100 * count), at least 1. A fractional part within a few ulps of p*count/100
  // counts as zero, so that floating-point noise cannot move the rank: 99.9 % of 1000 samples is
  // rank 999, not 1000.
  uint64_t rank = 1;
  if (p > 0.0) {
    const double x = p * static_cast<double>(count_) / 100.0;
    const double whole = std::floor(x);
    rank = static_cast<uint64_t>(whole);
    if (x - whole > 4 * DBL_EPSILON * x) ++rank;
    rank = std::clamp<uint64_t>(rank, 1, count_);
  }
  return ValueAtRank(rank);
}

uint64_t Histogram::ValueAtRank(uint64_t rank) const {
  if (count_ == 0) return 0;
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank > count_ - overflow_) return max_;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return BucketValue(i);
  }
  return max_;  // unreachable while counts and count_ agree
}

uint64_t Histogram::BucketValue(size_t index) const {
  const uint64_t lower = BucketLowerBound(index);
  uint64_t mid = lower + (BucketUpperBound(index) - lower) / 2;
  if (count_ == 0) return mid;
  if (mid > max_) mid = max_;
  if (mid < min_) mid = min_;
  return mid;
}

uint64_t Histogram::BucketLowerBound(size_t index) const {
  const size_t sub = size_t{1} << sub_bucket_bits_;
  if (index < sub) return index;
  const int shift = static_cast<int>(index >> sub_bucket_bits_) - 1;
  const uint64_t top = (index & (sub - 1)) | sub;  // the kept m+1 leading bits
  return top << shift;
}

uint64_t Histogram::BucketUpperBound(size_t index) const {
  const size_t sub = size_t{1} << sub_bucket_bits_;
  if (index < sub) return index;
  const int shift = static_cast<int>(index >> sub_bucket_bits_) - 1;
  return BucketLowerBound(index) + ((uint64_t{1} << shift) - 1);
}

void Histogram::ForEachBucket(const std::function<void(uint64_t, uint64_t, uint64_t)>& fn) const {
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) fn(BucketLowerBound(i), BucketUpperBound(i), counts_[i]);
  }
}

void Histogram::AddToBucket(uint64_t value_ns, uint64_t count) {
  if (value_ns < limit_) {
    counts_[BucketIndex(value_ns)] += count;
  } else {
    overflow_ += count;
  }
  count_ += count;
}

void Histogram::RestoreMoments(uint64_t min_ns, uint64_t max_ns, double sum_ns, double sum_sq_ns2) {
  min_ = min_ns;
  max_ = max_ns;
  sum_ = DoubleToU128(sum_ns);
  sum_sq_ = DoubleToU128(sum_sq_ns2);
}

double Histogram::sum() const { return static_cast<double>(sum_); }

double Histogram::sum_sq() const { return static_cast<double>(sum_sq_); }

}  // namespace durabench
