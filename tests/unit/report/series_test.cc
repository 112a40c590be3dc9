// The derived series of report/series.h against histograms whose samples are known: every point
// is a value the histogram itself reports (Histogram::ValueAtRank, BucketValue), the CDF and the
// densities add up, overflow and empty histograms are handled.
#include "report/series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "spec/phase_keys.h"

namespace durabench {
namespace {

// 1, 2, ..., n ns: below 2^7 every value has its own bucket, so the value of rank r is r.
Histogram OneToN(uint64_t n) {
  Histogram h;
  for (uint64_t v = 1; v <= n; ++v) h.Record(v);
  return h;
}

TEST(LatencySeries, PercentilesAreTheHistogramsOwn) {
  Histogram h;
  for (uint64_t v = 1000; v < 200000; v += 37) h.Record(v);
  const Json j = LatencySeriesToJson(h);
  EXPECT_EQ(j["count"], h.count());
  EXPECT_EQ(j["min"], h.min());
  EXPECT_EQ(j["max"], h.max());
  for (const PercentileKey& k : kReportedPercentiles) {
    EXPECT_EQ(j["percentiles"][k.key], h.Percentile(k.p)) << k.key;
  }
}

TEST(LatencySeries, SpectrumPointsAreTheValuesAtTheirRanks) {
  const Histogram h = OneToN(100);
  const Json s = LatencySeriesToJson(h)["spectrum"];
  ASSERT_EQ(s["x"].size(), s["ns"].size());
  ASSERT_GE(s["x"].size(), 50u);  // n = 100: every rank up to 99 appears once or not at all
  EXPECT_EQ(s["x"][0], 1.0);
  EXPECT_EQ(s["ns"][0], 1u);
  for (size_t i = 0; i + 1 < s["x"].size(); ++i) {
    const double x = s["x"][i];
    const auto ns = s["ns"][i].get<uint64_t>();
    // x is rounded to 6 digits: the rank it stands for is ceil(100 - 100/x) within that.
    const double exact = 100.0 - 100.0 / x;
    EXPECT_GE(static_cast<double>(ns), exact - 1e-3) << "x " << x;
    EXPECT_LT(static_cast<double>(ns), std::max(exact, 0.0) + 1.0 + 1e-3) << "x " << x;
    EXPECT_LT(x, s["x"][i + 1].get<double>());                   // strictly increasing in x
    EXPECT_LT(ns, s["ns"][i + 1].get<uint64_t>()) << "x " << x;  // one point per rank
  }
  EXPECT_EQ(s["x"].back(), 100.01);
  EXPECT_EQ(s["ns"].back(), 100u);
}

TEST(LatencySeries, SpectrumOfALargeCountStaysBounded) {
  Histogram h;
  for (uint64_t v = 0; v < 1000000; ++v) h.Record(10000 + v % 5000);
  const Json s = LatencySeriesToJson(h)["spectrum"];
  EXPECT_LE(s["x"].size(), static_cast<size_t>(kSpectrumPoints) + 2);
  EXPECT_EQ(s["ns"].back(), h.max());
  for (size_t i = 0; i + 1 < s["ns"].size(); ++i) EXPECT_LE(s["ns"][i], s["ns"][i + 1]);
}

TEST(LatencySeries, CdfStepsAtEveryBucketAndEndsAtAHundred) {
  const Json c = LatencySeriesToJson(OneToN(100))["cdf"];
  ASSERT_EQ(c["ns"].size(), 100u);
  for (uint64_t v = 1; v <= 100; ++v) {
    EXPECT_EQ(c["ns"][v - 1], v);
    EXPECT_DOUBLE_EQ(c["pct"][v - 1].get<double>(), static_cast<double>(v));
  }
}

TEST(LatencySeries, DensitiesAreLogBinnedAndAddUpToAHundred) {
  Histogram h;
  h.RecordN(10000, 300);    // 10 us
  h.RecordN(1000000, 100);  // 1 ms
  const Json d = LatencySeriesToJson(h)["histogram"];
  EXPECT_EQ(d["bins_per_decade"], kDensityBinsPerDecade);
  ASSERT_EQ(d["edges_ns"].size(), d["pct"].size() + 1);
  EXPECT_LE(d["edges_ns"].front().get<double>(), 10000.0);
  EXPECT_GT(d["edges_ns"].back().get<double>(), 1000000.0);
  // Two decades, 20 bins each, plus the bin of the max.
  EXPECT_EQ(d["pct"].size(), 2u * kDensityBinsPerDecade + 1);
  double sum = 0;
  int nonzero = 0;
  for (size_t i = 0; i < d["pct"].size(); ++i) {
    const double pct = d["pct"][i];
    sum += pct;
    if (pct == 0) continue;
    ++nonzero;
    const double lo = d["edges_ns"][i];
    const double hi = d["edges_ns"][i + 1];
    const double value = pct == 75.0 ? 10000.0 : 1000000.0;
    EXPECT_TRUE(pct == 75.0 || pct == 25.0) << pct;
    EXPECT_LE(lo, value * 1.000001);
    EXPECT_GT(hi, value);
  }
  EXPECT_EQ(nonzero, 2);
  EXPECT_DOUBLE_EQ(sum, 100.0);
}

TEST(LatencySeries, OverflowSamplesAreAtTheMax) {
  Histogram h(7, 20);  // tracks below 2^20 ns (about 1 ms)
  h.RecordN(100, 10);
  h.RecordN(uint64_t{3} << 20, 10);  // overflow: counted, in no bucket
  ASSERT_EQ(h.overflow_count(), 10u);
  const Json j = LatencySeriesToJson(h);
  EXPECT_EQ(j["cdf"]["ns"].back(), h.max());
  EXPECT_EQ(j["cdf"]["pct"].back(), 100.0);
  EXPECT_EQ(j["cdf"]["pct"][j["cdf"]["pct"].size() - 2], 50.0);
  EXPECT_EQ(j["spectrum"]["ns"].back(), h.max());
  EXPECT_EQ(j["percentiles"]["99"], h.max());
  EXPECT_EQ(j["histogram"]["pct"].back(), 50.0);  // the bin of the max
  EXPECT_EQ(j["histogram"]["pct"].front(), 50.0);
}

TEST(LatencySeries, EmptyHistogramHasEmptySeries) {
  const Json j = LatencySeriesToJson(Histogram());
  EXPECT_EQ(j["count"], 0u);
  EXPECT_TRUE(j["spectrum"]["x"].empty());
  EXPECT_TRUE(j["cdf"]["ns"].empty());
  EXPECT_TRUE(j["histogram"]["edges_ns"].empty());
  EXPECT_TRUE(j["histogram"]["pct"].empty());
}

TEST(ReportSeries, PhasesAndKindsFollowTheResult) {
  RunResult r;
  PhaseResult a;
  a.spec.name = "first";
  a.ops[static_cast<int>(OpKind::kWrite)].histogram.Record(5000);
  a.ops[static_cast<int>(OpKind::kWrite)].corrected.Record(9000);
  a.ops[static_cast<int>(OpKind::kFlush)].errors = 2;  // no samples, but listed like the result
  PhaseResult b;
  b.spec.name = "second";
  b.ops[static_cast<int>(OpKind::kRead)].histogram.Record(700);
  r.phases = {a, b};
  const Json j = ReportSeriesToJson(r, "01-x.json", std::string(64, 'a'));
  EXPECT_EQ(j["kind"], "durabench-report-series");
  EXPECT_EQ(j["schema_version"], kSeriesSchemaVersion);
  EXPECT_EQ(j["result"], "01-x.json");
  EXPECT_EQ(j["result_sha256"], std::string(64, 'a'));
  ASSERT_EQ(j["phases"].size(), 2u);
  EXPECT_EQ(j["phases"][0]["name"], "first");
  const Json& ops = j["phases"][0]["ops"];
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops["write"]["lat_ns"]["max"], 5000u);
  EXPECT_EQ(ops["write"]["co_lat_ns"]["max"], 9000u);
  EXPECT_EQ(ops["flush"]["lat_ns"]["count"], 0u);
  EXPECT_FALSE(ops["flush"].contains("co_lat_ns"));
  EXPECT_EQ(j["phases"][1]["ops"].size(), 1u);
  EXPECT_EQ(j["phases"][1]["ops"]["read"]["lat_ns"]["min"], 700u);
}

// The spec a report prints comes with the series, in the words of a workload file and of
// `compare` ("4KiB", "true"), never as the result file's raw numbers or a script's booleans.
TEST(ReportSeries, SpecIsInDurabenchWords) {
  RunResult r;
  PhaseResult a;
  a.spec.name = "p";
  a.spec.block_size_bytes = 4096;
  a.spec.direct = true;
  a.spec.sync = SyncMethod::kFdatasync;
  a.spec.pattern = Pattern::kRandWrite;
  r.phases = {a};
  const Json spec = ReportSeriesToJson(r, "01-x.json", std::string(64, 'a'))["phases"][0]["spec"];
  EXPECT_EQ(spec["block_size"], "4KiB");
  EXPECT_EQ(spec["direct"], "true");
  EXPECT_EQ(spec["sync"], "fdatasync");
  EXPECT_EQ(spec["pattern"], "randwrite");
  EXPECT_FALSE(spec.contains("read_percent"));  // applies to randrw only
  EXPECT_FALSE(spec.contains("block_size_bytes"));
  size_t keys = 0;
  for (const PhaseKey& key : PhaseKeyTable()) keys += spec.contains(std::string(key.name));
  EXPECT_EQ(keys, spec.size());
}

}  // namespace
}  // namespace durabench
