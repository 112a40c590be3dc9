#include "measure/recorder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace durabench {
namespace {

constexpr uint64_t kStart = 1'000'000'000'000;  // an arbitrary NowNs() at the phase start
constexpr uint64_t kInterval = 1'000'000;       // 1 ms

using SparseBuckets = std::vector<std::pair<uint32_t, uint64_t>>;

SparseBuckets Sparse(std::vector<uint64_t> latencies) {
  Histogram h;
  for (uint64_t v : latencies) h.Record(v);
  SparseBuckets out;
  h.ForEachBucket([&](uint64_t lo, uint64_t, uint64_t n) {
    out.emplace_back(static_cast<uint32_t>(h.BucketIndex(lo)), n);
  });
  return out;
}

std::vector<uint64_t> Indices(const Recorder& r) {
  std::vector<uint64_t> out;
  for (const IntervalSnapshot& s : r.intervals()) out.push_back(s.index);
  return out;
}

TEST(RecorderTest, OpKindNames) {
  EXPECT_EQ(OpKindName(OpKind::kRead), "read");
  EXPECT_EQ(OpKindName(OpKind::kWrite), "write");
  EXPECT_EQ(OpKindName(OpKind::kFlush), "flush");
  EXPECT_EQ(OpKindName(OpKind::kCommit), "commit");
}

// Interval k is [start + k*interval, start + (k+1)*interval): an op ending exactly on a boundary
// belongs to the next interval, and the interval closes when the first op past it is recorded.
TEST(RecorderTest, IntervalsCloseAtBoundariesAlignedToStart) {
  Recorder r(kStart, kInterval);
  EXPECT_EQ(r.interval_ns(), kInterval);
  r.Record(OpKind::kWrite, 100, 4096, kStart);
  r.Record(OpKind::kWrite, 300, 4096, kStart + kInterval - 1);
  EXPECT_TRUE(r.intervals().empty());  // interval 0 still open
  r.Record(OpKind::kWrite, 200, 4096, kStart + kInterval);
  ASSERT_EQ(r.intervals().size(), 1u);
  const IntervalSnapshot& first = r.intervals()[0];
  EXPECT_EQ(first.index, 0u);
  const IntervalKindSnapshot& w = first.kinds[static_cast<int>(OpKind::kWrite)];
  EXPECT_EQ(w.bytes, 8192u);
  EXPECT_EQ(w.max_ns, 300u);
  EXPECT_EQ(w.buckets, Sparse({100, 300}));
  for (OpKind k : {OpKind::kRead, OpKind::kFlush, OpKind::kCommit}) {
    const IntervalKindSnapshot& other = first.kinds[static_cast<int>(k)];
    EXPECT_EQ(other.bytes, 0u);
    EXPECT_EQ(other.max_ns, 0u);
    EXPECT_TRUE(other.buckets.empty());
  }
  r.Record(OpKind::kWrite, 250, 4096, kStart + 2 * kInterval - 1);
  r.Finish();
  ASSERT_EQ(r.intervals().size(), 2u);
  EXPECT_EQ(r.intervals()[1].index, 1u);
  const IntervalKindSnapshot& w1 = r.intervals()[1].kinds[static_cast<int>(OpKind::kWrite)];
  EXPECT_EQ(w1.buckets, Sparse({200, 250}));
  EXPECT_EQ(w1.max_ns, 250u);
  EXPECT_EQ(w1.bytes, 8192u);
}

TEST(RecorderTest, EmptyIntervalsAreSkipped) {
  Recorder r(kStart, kInterval);
  r.Record(OpKind::kFlush, 10, 0, kStart + kInterval / 2);      // interval 0
  r.Record(OpKind::kFlush, 20, 0, kStart + 3 * kInterval + 5);  // interval 3
  r.Record(OpKind::kFlush, 30, 0, kStart + 7 * kInterval);      // interval 7
  r.Record(OpKind::kFlush, 40, 0, kStart + 8 * kInterval - 1);  // interval 7
  r.Finish();
  EXPECT_EQ(Indices(r), (std::vector<uint64_t>{0, 3, 7}));
  EXPECT_EQ(r.intervals()[2].kinds[static_cast<int>(OpKind::kFlush)].buckets, Sparse({30, 40}));
  EXPECT_EQ(r.histogram(OpKind::kFlush).count(), 4u);
}

// Each interval's histogram starts empty: a sample is never counted in two intervals.
TEST(RecorderTest, IntervalHistogramsDoNotAccumulate) {
  Recorder r(kStart, kInterval);
  for (uint64_t k = 0; k < 5; ++k) {
    r.Record(OpKind::kRead, 1000 * (k + 1), 512, kStart + k * kInterval + 10);
  }
  r.Finish();
  ASSERT_EQ(r.intervals().size(), 5u);
  for (uint64_t k = 0; k < 5; ++k) {
    const IntervalKindSnapshot& s = r.intervals()[k].kinds[static_cast<int>(OpKind::kRead)];
    EXPECT_EQ(s.buckets, Sparse({1000 * (k + 1)})) << k;
    EXPECT_EQ(s.max_ns, 1000 * (k + 1));
    EXPECT_EQ(s.bytes, 512u);
  }
}

TEST(RecorderTest, TotalsBytesAndErrorsPerKind) {
  Recorder r(kStart, kInterval);
  r.Record(OpKind::kWrite, 5000, 4096, kStart + 1);
  r.Record(OpKind::kCommit, 9000, 4096, kStart + 2);
  r.Record(OpKind::kFlush, 4000, 0, kStart + 3);
  r.Record(OpKind::kWrite, 6000, 8192, kStart + 5 * kInterval);
  r.Record(OpKind::kRead, 700, 512, kStart + 5 * kInterval);
  r.RecordError(OpKind::kWrite);
  r.RecordError(OpKind::kWrite);
  r.RecordError(OpKind::kFlush);
  r.Finish();

  EXPECT_EQ(r.bytes(OpKind::kWrite), 12288u);
  EXPECT_EQ(r.bytes(OpKind::kCommit), 4096u);
  EXPECT_EQ(r.bytes(OpKind::kFlush), 0u);
  EXPECT_EQ(r.bytes(OpKind::kRead), 512u);
  EXPECT_EQ(r.errors(OpKind::kWrite), 2u);
  EXPECT_EQ(r.errors(OpKind::kFlush), 1u);
  EXPECT_EQ(r.errors(OpKind::kRead), 0u);
  EXPECT_EQ(r.errors(OpKind::kCommit), 0u);
  // Errors are counted, not recorded as latencies.
  EXPECT_EQ(r.histogram(OpKind::kWrite).count(), 2u);
  EXPECT_EQ(r.histogram(OpKind::kWrite).min(), 5000u);
  EXPECT_EQ(r.histogram(OpKind::kWrite).max(), 6000u);
  EXPECT_EQ(r.histogram(OpKind::kFlush).count(), 1u);
  EXPECT_EQ(r.histogram(OpKind::kCommit).count(), 1u);
  EXPECT_EQ(r.histogram(OpKind::kRead).count(), 1u);

  // Interval bytes add up to the totals.
  uint64_t interval_write_bytes = 0;
  for (const IntervalSnapshot& s : r.intervals()) {
    interval_write_bytes += s.kinds[static_cast<int>(OpKind::kWrite)].bytes;
  }
  EXPECT_EQ(interval_write_bytes, r.bytes(OpKind::kWrite));
}

TEST(RecorderTest, FinishClosesOnlyAnIntervalWithSamples) {
  Recorder idle(kStart, kInterval);
  idle.Finish();
  EXPECT_TRUE(idle.intervals().empty());

  Recorder r(kStart, kInterval);
  r.Record(OpKind::kCommit, 123, 4096, kStart + 4 * kInterval + 1);
  r.RecordError(OpKind::kCommit);
  r.Finish();
  EXPECT_EQ(Indices(r), std::vector<uint64_t>{4});
  r.Finish();  // a second Finish adds nothing
  EXPECT_EQ(Indices(r), std::vector<uint64_t>{4});
  EXPECT_EQ(r.histogram(OpKind::kCommit).count(), 1u);

  // Errors alone do not make an interval.
  Recorder errors_only(kStart, kInterval);
  errors_only.RecordError(OpKind::kRead);
  errors_only.Finish();
  EXPECT_TRUE(errors_only.intervals().empty());
}

// A completion reaped after a later one (async engines) stays in the current interval.
TEST(RecorderTest, LateCompletionStaysInCurrentInterval) {
  Recorder r(kStart, kInterval);
  r.Record(OpKind::kRead, 100, 512, kStart + 2 * kInterval);
  r.Record(OpKind::kRead, 200, 512, kStart + kInterval);  // ended earlier, reaped later
  r.Finish();
  ASSERT_EQ(Indices(r), std::vector<uint64_t>{2});
  EXPECT_EQ(r.intervals()[0].kinds[static_cast<int>(OpKind::kRead)].buckets, Sparse({100, 200}));
}

// Samples past the histogram range keep their place in the snapshot, at index bucket_count().
TEST(RecorderTest, OverflowSamplesAppearInSnapshot) {
  Recorder r(kStart, kInterval);
  const uint64_t huge = uint64_t{1} << 43;
  r.Record(OpKind::kFlush, 50, 0, kStart);
  r.Record(OpKind::kFlush, huge, 0, kStart + 1);
  r.Finish();
  ASSERT_EQ(r.intervals().size(), 1u);
  const IntervalKindSnapshot& s = r.intervals()[0].kinds[static_cast<int>(OpKind::kFlush)];
  SparseBuckets expected = Sparse({50});
  expected.emplace_back(static_cast<uint32_t>(Histogram().bucket_count()), 1);
  EXPECT_EQ(s.buckets, expected);
  EXPECT_EQ(s.max_ns, huge);
  EXPECT_EQ(r.histogram(OpKind::kFlush).overflow_count(), 1u);
}

}  // namespace
}  // namespace durabench
