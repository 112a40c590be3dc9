#include "measure/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

namespace durabench {
namespace {

constexpr uint64_t kTwo42 = uint64_t{1} << 42;
const double kPercentiles[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100};

// The exact percentile of the header's definition: the sample of rank ceil(p/100 * n) (at least
// 1) of the sorted samples. Integer arithmetic on p in thousandths keeps the rank exact.
uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double p) {
  const uint64_t n = sorted.size();
  const auto p_milli = static_cast<uint64_t>(std::llround(p * 1000));
  uint64_t rank = (p_milli * n + 99999) / 100000;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

// |reported - exact| <= exact * 2^-(m+1): the midpoint bound of the header. Checked in integers.
void ExpectWithinBound(uint64_t reported, uint64_t exact, int sub_bucket_bits, double p) {
  const uint64_t diff = reported > exact ? reported - exact : exact - reported;
  EXPECT_LE(static_cast<long double>(diff) * (uint64_t{2} << sub_bucket_bits),
            static_cast<long double>(exact))
      << "p" << p << ": reported " << reported << " exact " << exact;
  // The default (m = 7) and finer histograms promise 1 %.
  if (sub_bucket_bits >= 6) {
    EXPECT_LE(static_cast<long double>(diff), 0.01L * exact) << "p" << p;
  }
}

// Records `values` and checks count/min/max/mean/stddev exactly and every percentile within the
// bound against the sorted array.
void CheckDistribution(std::vector<uint64_t> values, int sub_bucket_bits = 7) {
  Histogram h(sub_bucket_bits);
  for (uint64_t v : values) h.Record(v);
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  long double sum = 0;
  for (uint64_t v : values) sum += v;
  const long double mean = sum / values.size();
  long double m2 = 0;
  for (uint64_t v : values) m2 += (v - mean) * (v - mean);
  EXPECT_NEAR(h.mean(), static_cast<double>(mean), 1e-12 * static_cast<double>(mean) + 1e-12);
  const double stddev = std::sqrt(static_cast<double>(m2 / values.size()));
  EXPECT_NEAR(h.stddev(), stddev, 1e-9 * stddev + 1e-9);
  for (double p : kPercentiles) {
    ExpectWithinBound(h.Percentile(p), ExactPercentile(values, p), sub_bucket_bits, p);
  }
  EXPECT_EQ(h.Percentile(100), values.back());
}

using Buckets = std::vector<std::tuple<uint64_t, uint64_t, uint64_t>>;
Buckets BucketsOf(const Histogram& h) {
  Buckets out;
  h.ForEachBucket([&](uint64_t lo, uint64_t hi, uint64_t n) { out.emplace_back(lo, hi, n); });
  return out;
}

TEST(HistogramTest, DefaultParametersMatchHeaderFormulas) {
  Histogram h;
  EXPECT_EQ(h.sub_bucket_bits(), 7);
  EXPECT_EQ(h.max_exponent(), 42);
  EXPECT_EQ(h.bucket_count(), 36u * 128u);
  EXPECT_EQ(h.BucketUpperBound(h.bucket_count() - 1), kTwo42 - 1);
}

TEST(HistogramTest, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.overflow_count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_EQ(h.sum(), 0.0);
  EXPECT_EQ(h.sum_sq(), 0.0);
  for (double p : kPercentiles) EXPECT_EQ(h.Percentile(p), 0u);
  EXPECT_TRUE(BucketsOf(h).empty());
}

// Every bucket: contiguous with its neighbours, its bounds map back to it, and its width is at
// most 2^-m of its lower bound. Checked for several parameter sets.
TEST(HistogramTest, BucketBoundsAreContiguousAndWithinErrorBound) {
  for (auto [m, r] : {std::pair{7, 42}, std::pair{1, 2}, std::pair{3, 10}, std::pair{10, 42},
                      std::pair{16, 63}, std::pair{7, 63}}) {
    SCOPED_TRACE(testing::Message() << "m=" << m << " R=" << r);
    Histogram h(m, r);
    ASSERT_EQ(h.bucket_count(), static_cast<size_t>(r - m + 1) << m);
    uint64_t expected_lower = 0;
    for (size_t i = 0; i < h.bucket_count(); ++i) {
      const uint64_t lo = h.BucketLowerBound(i);
      const uint64_t hi = h.BucketUpperBound(i);
      ASSERT_EQ(lo, expected_lower) << i;
      ASSERT_LE(lo, hi) << i;
      ASSERT_EQ(h.BucketIndex(lo), i);
      ASSERT_EQ(h.BucketIndex(hi), i);
      // Width 1 (exact) below 2^(m+1); above, width * 2^m <= lower bound.
      if (hi != lo) {
        ASSERT_LE((hi - lo + 1) << m, lo) << i;
      }
      expected_lower = hi + 1;
    }
    const uint64_t limit = uint64_t{1} << r;
    EXPECT_EQ(expected_lower, limit);  // the last bucket ends at 2^R - 1
  }
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  h.Record(0);
  h.Record(1);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 1u);
  EXPECT_EQ(h.Percentile(0), 0u);
  EXPECT_EQ(h.Percentile(50), 0u);
  EXPECT_EQ(h.Percentile(51), 1u);
  EXPECT_EQ(h.Percentile(100), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 0.5);
  EXPECT_DOUBLE_EQ(h.stddev(), 0.5);

  Histogram all;
  for (uint64_t v = 0; v < 256; ++v) all.Record(v);  // 0 .. 2^(m+1)-1 have one bucket each
  for (uint64_t v = 0; v < 256; ++v) EXPECT_EQ(all.BucketLowerBound(all.BucketIndex(v)), v);
  EXPECT_EQ(BucketsOf(all).size(), 256u);
}

// The rank is ceil(p/100 * n); floating-point noise must not move it. With m = 10 every value
// below 1024 has its own bucket, so the percentile is the sample itself.
TEST(HistogramTest, PercentileRankDefinition) {
  Histogram h(10, 42);
  for (uint64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(0), 1u);
  EXPECT_EQ(h.Percentile(0.1), 1u);
  EXPECT_EQ(h.Percentile(0.15), 2u);
  EXPECT_EQ(h.Percentile(50), 500u);
  EXPECT_EQ(h.Percentile(50.01), 501u);
  EXPECT_EQ(h.Percentile(99), 990u);
  EXPECT_EQ(h.Percentile(99.9), 999u);
  EXPECT_EQ(h.Percentile(99.95), 1000u);
  EXPECT_EQ(h.Percentile(100), 1000u);
  for (int tenths = 0; tenths <= 1000; ++tenths) {
    const double p = tenths / 10.0;
    std::vector<uint64_t> sorted(1000);
    for (uint64_t v = 1; v <= 1000; ++v) sorted[v - 1] = v;
    ASSERT_EQ(h.Percentile(p), ExactPercentile(sorted, p)) << p;
  }
}

TEST(HistogramTest, ValueAtRankIsThePercentilesRule) {
  Histogram h;
  for (uint64_t v = 1000; v < 50000; v += 13) h.Record(v);
  h.RecordN(uint64_t{1} << 43, 3);                // overflow: ranks above count - 3 are the max
  EXPECT_EQ(h.ValueAtRank(0), h.ValueAtRank(1));  // clamped to rank 1
  EXPECT_EQ(h.ValueAtRank(1), h.BucketValue(h.BucketIndex(h.min())));
  EXPECT_EQ(h.ValueAtRank(h.count() - 2), h.max());
  EXPECT_EQ(h.ValueAtRank(h.count() + 5), h.max());
  for (double p : {1.0, 25.0, 50.0, 90.0, 99.0}) {
    const auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(h.count())));
    EXPECT_EQ(h.ValueAtRank(rank), h.Percentile(p)) << p;
    const size_t index = h.BucketIndex(h.Percentile(p));
    EXPECT_EQ(h.BucketValue(index), h.Percentile(p)) << p;
  }
  EXPECT_EQ(Histogram().ValueAtRank(1), 0u);
}

TEST(HistogramTest, UniformOverSeveralDecades) {
  // Log-uniform from 1 ns to 10 s: every bucket scale gets samples.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(0.0, 10.0);
  std::vector<uint64_t> values(200000);
  for (auto& v : values) v = static_cast<uint64_t>(std::pow(10.0, exponent(rng)));
  CheckDistribution(values);
}

TEST(HistogramTest, UniformLinear) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> dist(1000, 10000000);
  std::vector<uint64_t> values(100000);
  for (auto& v : values) v = dist(rng);
  CheckDistribution(values);
  CheckDistribution(values, 3);  // a coarse histogram keeps its own bound, 2^-4 = 6.25 %
}

TEST(HistogramTest, Exponential) {
  std::mt19937_64 rng(1234);
  std::exponential_distribution<double> dist(1.0 / 100000.0);  // mean 100 us
  std::vector<uint64_t> values(200000);
  for (auto& v : values) v = static_cast<uint64_t>(dist(rng));
  CheckDistribution(values);
}

TEST(HistogramTest, ConstantValues) {
  for (uint64_t c : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{1000},
                     uint64_t{4096 + 17}, uint64_t{10000000}, kTwo42 - 1}) {
    SCOPED_TRACE(c);
    Histogram h;
    h.RecordN(c, 1000);
    EXPECT_EQ(h.count(), 1000u);
    EXPECT_EQ(h.min(), c);
    EXPECT_EQ(h.max(), c);
    EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(c));
    EXPECT_EQ(h.stddev(), 0.0);
    // Clamping the midpoint to [min, max] makes a constant exact.
    for (double p : kPercentiles) EXPECT_EQ(h.Percentile(p), c) << p;
  }
}

TEST(HistogramTest, ValuesAtBucketEdges) {
  Histogram probe;
  std::vector<uint64_t> values;
  for (int e = 0; e < 42; ++e) {
    const uint64_t pow2 = uint64_t{1} << e;
    for (uint64_t v : {pow2 - 1, pow2, pow2 + 1}) values.push_back(v);
  }
  for (size_t i = 0; i < probe.bucket_count(); i += 37) {
    values.push_back(probe.BucketLowerBound(i));
    values.push_back(probe.BucketUpperBound(i));
  }
  for (uint64_t v : values) {
    const size_t i = probe.BucketIndex(v);
    ASSERT_LE(probe.BucketLowerBound(i), v);
    ASSERT_GE(probe.BucketUpperBound(i), v);
  }
  CheckDistribution(values);
  // A single sample at any edge is reported exactly (clamped to min = max).
  for (uint64_t v : values) {
    Histogram h;
    h.Record(v);
    ASSERT_EQ(h.Percentile(50), v);
  }
}

TEST(HistogramTest, ValuesAtAndBeyondRangeCountAsOverflow) {
  Histogram h;
  h.Record(kTwo42 - 1);  // last tracked value
  h.Record(kTwo42);      // first overflow value
  h.Record(uint64_t{1} << 50);
  h.Record(uint64_t{1} << 60);
  h.Record(5);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.overflow_count(), 3u);
  EXPECT_EQ(h.min(), 5u);
  EXPECT_EQ(h.max(), uint64_t{1} << 60);
  const long double sum = 5.0L + (kTwo42 - 1) + kTwo42 + (uint64_t{1} << 50) + (uint64_t{1} << 60);
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum / 5));
  EXPECT_DOUBLE_EQ(h.sum(), static_cast<double>(sum));
  EXPECT_EQ(h.Percentile(20), 5u);                         // rank 1
  ExpectWithinBound(h.Percentile(40), kTwo42 - 1, 7, 40);  // rank 2: the last bucket
  EXPECT_EQ(h.Percentile(41), uint64_t{1} << 60);          // rank 3 is in the overflow: max()
  EXPECT_EQ(h.Percentile(100), uint64_t{1} << 60);
  // Overflow samples are not in any bucket.
  uint64_t in_buckets = 0;
  h.ForEachBucket([&](uint64_t, uint64_t, uint64_t n) { in_buckets += n; });
  EXPECT_EQ(in_buckets, 2u);

  Histogram largest;
  largest.Record(UINT64_MAX);
  EXPECT_EQ(largest.overflow_count(), 1u);
  EXPECT_EQ(largest.min(), UINT64_MAX);
  EXPECT_EQ(largest.Percentile(50), UINT64_MAX);
  EXPECT_DOUBLE_EQ(largest.mean(), static_cast<double>(UINT64_MAX));
}

TEST(HistogramTest, P0AndP100) {
  Histogram h;
  for (uint64_t v : {uint64_t{123456}, uint64_t{777}, uint64_t{99999999}}) h.Record(v);
  // p0 is the midpoint of min's bucket clamped to >= min: [776, 779] -> 777.
  EXPECT_EQ(h.Percentile(0), 777u);
  EXPECT_EQ(h.Percentile(100), 99999999u);
  ExpectWithinBound(h.Percentile(50), 123456, 7, 50);
  // Out-of-range p is clamped to the contract's ends.
  EXPECT_EQ(h.Percentile(-5), h.Percentile(0));
  EXPECT_EQ(h.Percentile(250), 99999999u);
}

TEST(HistogramTest, RecordNEqualsRepeatedRecord) {
  Histogram a, b;
  a.RecordN(5000, 3);
  a.RecordN(kTwo42 + 1, 2);
  for (int i = 0; i < 3; ++i) b.Record(5000);
  for (int i = 0; i < 2; ++i) b.Record(kTwo42 + 1);
  EXPECT_EQ(BucketsOf(a), BucketsOf(b));
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.overflow_count(), b.overflow_count());
  EXPECT_EQ(a.sum(), b.sum());
  EXPECT_EQ(a.sum_sq(), b.sum_sq());
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(99);
  std::lognormal_distribution<double> dist(11.0, 2.0);
  Histogram a, b, all;
  for (int i = 0; i < 50000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    if (i % 1000 == 0) v += kTwo42;  // some overflow too
    (i % 3 == 0 ? a : b).Record(v);
    all.Record(v);
  }
  Histogram empty;
  ASSERT_TRUE(a.Merge(b).ok());
  ASSERT_TRUE(a.Merge(empty).ok());
  EXPECT_EQ(BucketsOf(a), BucketsOf(all));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.overflow_count(), all.overflow_count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.sum(), all.sum());
  EXPECT_EQ(a.sum_sq(), all.sum_sq());
  EXPECT_EQ(a.mean(), all.mean());
  EXPECT_EQ(a.stddev(), all.stddev());
  for (double p : kPercentiles) EXPECT_EQ(a.Percentile(p), all.Percentile(p)) << p;

  // Merging into an empty histogram copies.
  ASSERT_TRUE(empty.Merge(all).ok());
  EXPECT_EQ(empty.min(), all.min());
  EXPECT_EQ(empty.Percentile(50), all.Percentile(50));
}

// Two result files each within 64 bits (the reader's check) can still overflow together.
TEST(HistogramTest, MergeRefusesCountsThatOverflowAndChangesNothing) {
  Histogram a;
  a.RecordN(1000, UINT64_MAX - 5);
  Histogram b;
  b.RecordN(2000, 6);
  const Status st = a.Merge(b);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("overflow"), std::string::npos) << st.message();
  EXPECT_EQ(a.count(), UINT64_MAX - 5);  // untouched
  EXPECT_EQ(a.max(), 1000u);
  b.Reset();
  b.RecordN(2000, 5);
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.count(), UINT64_MAX);
}

TEST(HistogramTest, MergeWithDifferentParametersFails) {
  Histogram a;
  a.Record(1000);
  for (auto [m, r] : {std::pair{8, 42}, std::pair{7, 40}}) {
    Histogram other(m, r);
    other.Record(2000);
    const Status st = a.Merge(other);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(st.message().find("sub_bucket_bits"), std::string::npos) << st.message();
  }
  EXPECT_EQ(a.count(), 1u);  // untouched
  EXPECT_EQ(a.max(), 1000u);
}

TEST(HistogramTest, ResetEmptiesAndKeepsParameters) {
  Histogram h(5, 30);
  for (uint64_t v = 0; v < 10000; v += 7) h.Record(v);
  h.Record(uint64_t{1} << 31);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.overflow_count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.sum(), 0.0);
  EXPECT_EQ(h.Percentile(50), 0u);
  EXPECT_TRUE(BucketsOf(h).empty());
  EXPECT_EQ(h.sub_bucket_bits(), 5);
  EXPECT_EQ(h.max_exponent(), 30);
  h.Record(42);
  EXPECT_EQ(h.min(), 42u);
  EXPECT_EQ(h.max(), 42u);
  EXPECT_EQ(h.Percentile(50), 42u);
}

TEST(HistogramTest, ForEachBucketBoundsCoverValues) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> exponent(0, 41);
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t v = rng() >> (22 + exponent(rng));
    values.push_back(v);
    h.Record(v);
  }
  const Buckets buckets = BucketsOf(h);
  uint64_t total = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const auto& [lo, hi, n] = buckets[i];
    ASSERT_LE(lo, hi);
    ASSERT_GT(n, 0u);
    if (i > 0) {
      ASSERT_GT(lo, std::get<1>(buckets[i - 1]));  // increasing, disjoint
    }
    total += n;
  }
  EXPECT_EQ(total, h.count() - h.overflow_count());
  // Each value lies in a reported bucket, and each bucket's count is the number of values in it.
  for (const auto& bucket : buckets) {
    const uint64_t lo = std::get<0>(bucket);
    const uint64_t hi = std::get<1>(bucket);
    const auto in = static_cast<uint64_t>(std::count_if(
        values.begin(), values.end(), [&](uint64_t v) { return lo <= v && v <= hi; }));
    ASSERT_EQ(in, std::get<2>(bucket)) << lo << ".." << hi;
  }
}

// The JSON reader's path: buckets + overflow + moments rebuild an equivalent histogram.
TEST(HistogramTest, RoundTripThroughBucketsAndMoments) {
  std::mt19937_64 rng(77);
  std::exponential_distribution<double> dist(1.0 / 2e6);
  Histogram original;
  for (int i = 0; i < 30000; ++i) original.Record(static_cast<uint64_t>(dist(rng)));
  original.RecordN(kTwo42 * 3, 4);

  Histogram copy(original.sub_bucket_bits(), original.max_exponent());
  original.ForEachBucket([&](uint64_t lo, uint64_t hi, uint64_t n) {
    copy.AddToBucket(lo + (hi - lo) / 2, n);  // any value in the bucket lands there
  });
  copy.AddToBucket(uint64_t{1} << original.max_exponent(), original.overflow_count());
  copy.RestoreMoments(original.min(), original.max(), original.sum(), original.sum_sq());

  EXPECT_EQ(copy.count(), original.count());
  EXPECT_EQ(copy.overflow_count(), original.overflow_count());
  EXPECT_EQ(copy.min(), original.min());
  EXPECT_EQ(copy.max(), original.max());
  EXPECT_EQ(BucketsOf(copy), BucketsOf(original));
  for (double p : kPercentiles) EXPECT_EQ(copy.Percentile(p), original.Percentile(p)) << p;
  EXPECT_DOUBLE_EQ(copy.mean(), original.mean());
  EXPECT_NEAR(copy.stddev(), original.stddev(), 1e-6 * original.stddev());
}

// stddev is exact even where E[x^2] - E[x]^2 in double would cancel every digit.
TEST(HistogramTest, StddevMatchesDirectComputation) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<uint64_t> jitter(0, 2000);
  std::vector<uint64_t> values;
  const uint64_t base = uint64_t{10} * 1000 * 1000 * 1000 * 100;  // 1000 s
  for (int i = 0; i < 10000; ++i) values.push_back(base + jitter(rng));
  Histogram h;
  for (uint64_t v : values) h.Record(v);
  // Direct two-pass computation on offsets from base (exact in long double).
  long double sum = 0;
  for (uint64_t v : values) sum += v - base;
  const long double mean = sum / values.size();
  long double m2 = 0;
  for (uint64_t v : values) m2 += (v - base - mean) * (v - base - mean);
  const double expected = std::sqrt(static_cast<double>(m2 / values.size()));
  EXPECT_NEAR(h.stddev(), expected, 1e-9 * expected);
  EXPECT_GT(expected, 500.0);  // uniform 0..2000: ~577

  Histogram two;
  two.Record(10);
  two.Record(20);
  EXPECT_DOUBLE_EQ(two.stddev(), 5.0);
  Histogram one;
  one.Record(10);
  EXPECT_EQ(one.stddev(), 0.0);
}

}  // namespace
}  // namespace durabench
