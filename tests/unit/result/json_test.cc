#include "result/json.h"

#include <gtest/gtest.h>

#include <random>

#include "support/test_util.h"

namespace durabench {
namespace {

TEST(HistogramJson, RoundTripKeepsEveryStatistic) {
  Histogram h;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(11.0, 1.5);  // ~60 us median, long tail
  for (int i = 0; i < 100000; ++i) h.Record(static_cast<uint64_t>(dist(rng)));
  h.Record(uint64_t{1} << 50);  // overflow
  Json j = HistogramToJson(h);
  // Through text, as a reader of the file would see it.
  Json parsed = Json::parse(j.dump());
  Result<Histogram> back = HistogramFromJson(parsed, h.min(), h.max());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->count(), h.count());
  EXPECT_EQ(back->overflow_count(), 1u);
  EXPECT_EQ(back->min(), h.min());
  EXPECT_EQ(back->max(), h.max());
  EXPECT_DOUBLE_EQ(back->mean(), h.mean());
  EXPECT_NEAR(back->stddev(), h.stddev(), h.stddev() * 1e-9);
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    EXPECT_EQ(back->Percentile(p), h.Percentile(p)) << p;
  }
}

TEST(HistogramJson, RejectsBadParametersAndBins) {
  Json j = HistogramToJson(Histogram());
  j["sub_bucket_bits"] = 40;
  EXPECT_FALSE(HistogramFromJson(j, 0, 0).ok());
  j = HistogramToJson(Histogram());
  j["bins"] = Json::array({Json::array({1, 2})});
  EXPECT_FALSE(HistogramFromJson(j, 0, 0).ok());
  j.erase("bins");
  EXPECT_FALSE(HistogramFromJson(j, 0, 0).ok());
}

TEST(PhaseSpecJson, CarriesEveryKey) {
  PhaseSpec s;
  s.pattern = Pattern::kRandRW;
  Json j = PhaseSpecToJson(s);
  for (const char* k : {"engine", "pattern", "read_percent", "block_size_bytes", "size_bytes",
                        "runtime_ns", "ops", "ramp_ns", "iodepth", "jobs", "direct", "sync",
                        "fsync_every", "rate_iops", "data", "sqpoll", "fill", "cpus"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
}

}  // namespace
}  // namespace durabench
