#include "measure/time_series.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

namespace durabench {
namespace {

constexpr uint64_t kStart = 5'000'000'000;     // an arbitrary NowNs() at the phase start
constexpr uint64_t kInterval = 1'000'000'000;  // 1 s

constexpr int Kind(OpKind k) { return static_cast<int>(k); }

void ExpectSameRows(const std::vector<IntervalStats>& a, const std::vector<IntervalStats>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "row " << i);
    EXPECT_EQ(a[i].index, b[i].index);
    EXPECT_EQ(a[i].start_ns, b[i].start_ns);
    for (int k = 0; k < kOpKindCount; ++k) {
      SCOPED_TRACE(OpKindName(static_cast<OpKind>(k)));
      EXPECT_EQ(a[i].kinds[k].count, b[i].kinds[k].count);
      EXPECT_EQ(a[i].kinds[k].bytes, b[i].kinds[k].bytes);
      EXPECT_EQ(a[i].kinds[k].p50_ns, b[i].kinds[k].p50_ns);
      EXPECT_EQ(a[i].kinds[k].p99_ns, b[i].kinds[k].p99_ns);
      EXPECT_EQ(a[i].kinds[k].p999_ns, b[i].kinds[k].p999_ns);
      EXPECT_EQ(a[i].kinds[k].max_ns, b[i].kinds[k].max_ns);
    }
  }
}

// Rank ceil(p/100 * n) of the sorted samples, p in tenths of a percent (500 = p50).
uint64_t ExactPercentile(std::vector<uint64_t> v, uint64_t p_tenths) {
  std::sort(v.begin(), v.end());
  const uint64_t rank = std::max<uint64_t>(1, (p_tenths * v.size() + 999) / 1000);
  return v[rank - 1];
}

void ExpectWithinBound(uint64_t reported, uint64_t exact) {
  const uint64_t diff = reported > exact ? reported - exact : exact - reported;
  EXPECT_LE(diff * 256, exact) << "reported " << reported << " exact " << exact;  // 2^-(7+1)
}

TEST(TimeSeriesTest, EmptyHasNoRows) {
  TimeSeries ts(kInterval);
  EXPECT_EQ(ts.interval_ns(), kInterval);
  EXPECT_TRUE(ts.Summaries().empty());
  Recorder idle(kStart, kInterval);
  idle.Finish();
  ts.Add(idle);
  EXPECT_TRUE(ts.Summaries().empty());
}

// Two jobs' snapshots merged bucket by bucket equal one job that saw every sample, and each
// interval's percentiles are the exact ones to within the histogram's bound.
TEST(TimeSeriesTest, MergingTwoRecordersEqualsOneRecorder) {
  constexpr int kIntervals = 6;
  Recorder a(kStart, kInterval);
  Recorder b(kStart, kInterval);
  Recorder all(kStart, kInterval);
  std::array<std::array<std::vector<uint64_t>, kOpKindCount>, kIntervals> samples;
  std::mt19937_64 rng(2024);
  std::lognormal_distribution<double> latency(12.0, 1.5);
  // Each job's completions are in time order; the two jobs interleave.
  for (int i = 0; i < kIntervals; ++i) {
    for (int j = 0; j < 4000; ++j) {
      const auto kind = static_cast<OpKind>(j % kOpKindCount);
      const auto lat = static_cast<uint64_t>(latency(rng)) + 1;
      const uint64_t end = kStart + i * kInterval + j * (kInterval / 4000);
      (j % 3 == 0 ? a : b).Record(kind, lat, 4096, end);
      all.Record(kind, lat, 4096, end);
      samples[i][Kind(kind)].push_back(lat);
    }
  }
  a.Finish();
  b.Finish();
  all.Finish();

  TimeSeries merged(kInterval);
  merged.Add(a);
  merged.Add(b);
  TimeSeries single(kInterval);
  single.Add(all);
  const std::vector<IntervalStats> rows = merged.Summaries();
  ExpectSameRows(rows, single.Summaries());

  ASSERT_EQ(rows.size(), static_cast<size_t>(kIntervals));
  for (int i = 0; i < kIntervals; ++i) {
    for (int k = 0; k < kOpKindCount; ++k) {
      SCOPED_TRACE(testing::Message() << "interval " << i << " kind " << k);
      const std::vector<uint64_t>& v = samples[i][k];
      const IntervalKindStats& s = rows[i].kinds[k];
      EXPECT_EQ(s.count, v.size());
      EXPECT_EQ(s.bytes, 4096 * v.size());
      EXPECT_EQ(s.max_ns, *std::max_element(v.begin(), v.end()));
      ExpectWithinBound(s.p50_ns, ExactPercentile(v, 500));
      ExpectWithinBound(s.p999_ns, ExactPercentile(v, 999));
      ExpectWithinBound(s.p99_ns, ExactPercentile(v, 990));
    }
  }

  // Adding in the other order changes nothing: merge is addition.
  TimeSeries reversed(kInterval);
  reversed.Add(b);
  reversed.Add(a);
  ExpectSameRows(reversed.Summaries(), rows);
}

// A stall: no job completes anything in intervals 3 and 4. They are zero rows, not missing ones.
TEST(TimeSeriesTest, HoleIntervalsAreZeroRows) {
  Recorder a(kStart, kInterval);
  Recorder b(kStart, kInterval);
  a.Record(OpKind::kCommit, 1000, 4096, kStart + 1 * kInterval + 7);
  b.Record(OpKind::kCommit, 2000, 4096, kStart + 2 * kInterval + 7);
  a.Record(OpKind::kCommit, 3000, 4096, kStart + 5 * kInterval + 7);
  a.Finish();
  b.Finish();
  TimeSeries ts(kInterval);
  ts.Add(a);
  ts.Add(b);
  const std::vector<IntervalStats> rows = ts.Summaries();
  ASSERT_EQ(rows.size(), 5u);  // intervals 1 .. 5
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].index, i + 1);
    EXPECT_EQ(rows[i].start_ns, (i + 1) * kInterval);
  }
  for (size_t hole : {2u, 3u}) {
    for (int k = 0; k < kOpKindCount; ++k) {
      const IntervalKindStats& s = rows[hole].kinds[k];
      EXPECT_EQ(s.count, 0u);
      EXPECT_EQ(s.bytes, 0u);
      EXPECT_EQ(s.p50_ns, 0u);
      EXPECT_EQ(s.p99_ns, 0u);
      EXPECT_EQ(s.max_ns, 0u);
    }
  }
  EXPECT_EQ(rows[0].kinds[Kind(OpKind::kCommit)].count, 1u);
  EXPECT_EQ(rows[0].kinds[Kind(OpKind::kCommit)].p50_ns, 1000u);
  EXPECT_EQ(rows[1].kinds[Kind(OpKind::kCommit)].max_ns, 2000u);
  ExpectWithinBound(rows[4].kinds[Kind(OpKind::kCommit)].p99_ns, 3000);
  EXPECT_EQ(rows[4].kinds[Kind(OpKind::kCommit)].max_ns, 3000u);
}

// start_ns is k * interval relative to the phase start, whatever the absolute clock reads.
TEST(TimeSeriesTest, SummariesStartNsIsRelativeToPhaseStart) {
  const uint64_t interval = 250'000'000;  // 250 ms
  Recorder r(kStart, interval);
  r.Record(OpKind::kRead, 100, 512, kStart + 2 * interval + 1);
  r.Record(OpKind::kRead, 100, 512, kStart + 4 * interval);
  r.Finish();
  TimeSeries ts(interval);
  ts.Add(r);
  const std::vector<IntervalStats> rows = ts.Summaries();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].index, 2u);
  EXPECT_EQ(rows[0].start_ns, 500'000'000u);
  EXPECT_EQ(rows[1].start_ns, 750'000'000u);
  EXPECT_EQ(rows[2].start_ns, 1'000'000'000u);
  EXPECT_EQ(rows[1].kinds[Kind(OpKind::kRead)].count, 0u);
}

// Flush is a kind like the others, and samples past the histogram range are counted; a p99 that
// falls on them reports the interval maximum.
TEST(TimeSeriesTest, FlushAndOverflowSamplesAreCounted) {
  Recorder r(kStart, kInterval);
  const uint64_t huge = uint64_t{1} << 45;
  for (int i = 0; i < 98; ++i) r.Record(OpKind::kFlush, 20'000, 0, kStart + i);
  r.Record(OpKind::kFlush, huge, 0, kStart + 100);
  r.Record(OpKind::kFlush, huge + 5, 0, kStart + 101);
  r.Finish();
  TimeSeries ts(kInterval);
  ts.Add(r);
  const std::vector<IntervalStats> rows = ts.Summaries();
  ASSERT_EQ(rows.size(), 1u);
  const IntervalKindStats& f = rows[0].kinds[Kind(OpKind::kFlush)];
  EXPECT_EQ(f.count, 100u);
  ExpectWithinBound(f.p50_ns, 20'000);
  EXPECT_EQ(f.p99_ns, huge + 5);
  EXPECT_EQ(f.max_ns, huge + 5);
}

// A snapshot that repeats an index (a recorder finished, then recorded more in the same interval)
// merges into the same row.
TEST(TimeSeriesTest, RepeatedIndexMergesIntoOneRow) {
  Recorder r(kStart, kInterval);
  r.Record(OpKind::kWrite, 100, 10, kStart + 1);
  r.Finish();
  r.Record(OpKind::kWrite, 300, 20, kStart + 2);
  r.Finish();
  ASSERT_EQ(r.intervals().size(), 2u);
  TimeSeries ts(kInterval);
  ts.Add(r);
  const std::vector<IntervalStats> rows = ts.Summaries();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kinds[Kind(OpKind::kWrite)].count, 2u);
  EXPECT_EQ(rows[0].kinds[Kind(OpKind::kWrite)].bytes, 30u);
  EXPECT_EQ(rows[0].kinds[Kind(OpKind::kWrite)].max_ns, 300u);
}

// Recorders with the TimeSeries as their sink, on threads of their own, give the same rows as
// recorders merged afterwards, and intervals every source has passed are not held any more.
TEST(TimeSeriesTest, SinkFromThreadsEqualsMergingAfterwardsAndFreesCompleteIntervals) {
  constexpr int kSources = 3;
  TimeSeries live(kInterval, kSources);
  TimeSeries after(kInterval);
  std::vector<std::unique_ptr<Recorder>> with_sink, without;
  for (int s = 0; s < kSources; ++s) {
    with_sink.push_back(std::make_unique<Recorder>(kStart, kInterval));
    with_sink.back()->SetSink([&live, s](const IntervalSnapshot& snap) {
      live.AddSnapshot(static_cast<size_t>(s), snap);
    });
    without.push_back(std::make_unique<Recorder>(kStart, kInterval));
  }
  std::vector<std::thread> threads;
  for (int s = 0; s < kSources; ++s) {
    threads.emplace_back([&, s] {
      std::mt19937_64 rng(static_cast<uint64_t>(s) + 1);
      for (uint64_t t = 0; t < 20 * kInterval; t += 1'000'000 + rng() % 3'000'000) {
        const uint64_t lat = 1000 + rng() % 5'000'000;
        with_sink[static_cast<size_t>(s)]->Record(OpKind::kWrite, lat, 4096, kStart + t);
        without[static_cast<size_t>(s)]->Record(OpKind::kWrite, lat, 4096, kStart + t);
      }
    });
  }
  for (auto& t : threads) t.join();
  // Before the last intervals are closed, only the newest ones are pending.
  EXPECT_LE(live.pending_intervals(), 2u);
  for (int s = 0; s < kSources; ++s) {
    with_sink[static_cast<size_t>(s)]->Finish();
    without[static_cast<size_t>(s)]->Finish();
    after.Add(*without[static_cast<size_t>(s)]);
  }
  EXPECT_EQ(live.pending_intervals(), 0u);
  ExpectSameRows(live.Summaries(), after.Summaries());
  EXPECT_EQ(live.Summaries().size(), 20u);
  EXPECT_TRUE(with_sink[0]->intervals().empty());  // handed to the sink, not kept
  ASSERT_NE(with_sink[0]->last_interval(), nullptr);
  EXPECT_EQ(with_sink[0]->last_interval()->index, 19u);
}

}  // namespace
}  // namespace durabench
