#include "report/series.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "spec/phase_keys.h"

namespace durabench {
namespace {

// `v` rounded to 6 significant digits (through its decimal text, so the file shows it so).
double Round6(double v) { return std::strtod(fmt::format("{:.6g}", v).c_str(), nullptr); }

// Points (x = 1/(1-p), value) with x log-spaced from 1 to count; a point whose rank equals the
// previous one's is dropped, since a step plot draws the same line without it.
Json Spectrum(const Histogram& h) {
  const auto n = static_cast<double>(h.count());
  Json xs = Json::array();
  Json ns = Json::array();
  uint64_t last_rank = 0;
  for (int i = 0; i <= kSpectrumPoints; ++i) {
    const double x = std::pow(n, static_cast<double>(i) / kSpectrumPoints);
    // rank = ceil(n * (1 - 1/x)), at least 1; a few ulps above an integer count as that integer.
    const double exact = n - n / x;
    auto rank = static_cast<uint64_t>(std::ceil(exact - 1e-9 * std::max(1.0, exact)));
    rank = std::max<uint64_t>(rank, 1);
    if (rank == last_rank) continue;
    last_rank = rank;
    xs.push_back(Round6(x));
    ns.push_back(h.ValueAtRank(rank));
  }
  // The maximum, just past x = count, so the last step has a width.
  xs.push_back(Round6(n * 1.0001));
  ns.push_back(h.max());
  return Json{{"x", std::move(xs)}, {"ns", std::move(ns)}};
}

Json Cdf(const Histogram& h) {
  Json ns = Json::array();
  Json pct = Json::array();
  const auto total = static_cast<double>(h.count());
  uint64_t seen = 0;
  h.ForEachBucket([&](uint64_t /*lower*/, uint64_t upper, uint64_t count) {
    seen += count;
    ns.push_back(std::clamp(upper, h.min(), h.max()));
    pct.push_back(Round6(100.0 * static_cast<double>(seen) / total));
  });
  if (h.overflow_count() != 0) {
    ns.push_back(h.max());
    pct.push_back(100.0);
  }
  return Json{{"ns", std::move(ns)}, {"pct", std::move(pct)}};
}

// Each bucket's samples go to the display bin of the bucket's value; overflow samples to the
// bin of the max.
Json Densities(const Histogram& h) {
  const auto position = [](uint64_t v) {
    return std::log10(static_cast<double>(std::max<uint64_t>(v, 1))) * kDensityBinsPerDecade;
  };
  const auto lo = static_cast<int64_t>(std::floor(position(h.min())));
  const auto hi = static_cast<int64_t>(std::floor(position(h.max()))) + 1;  // the max's bin + 1
  const int64_t bins = std::max<int64_t>(1, hi - lo);
  std::vector<uint64_t> counts(static_cast<size_t>(bins), 0);
  const auto slot = [&](uint64_t v) {
    const int64_t i = static_cast<int64_t>(std::floor(position(v))) - lo;
    return static_cast<size_t>(std::clamp<int64_t>(i, 0, bins - 1));
  };
  for (size_t i = 0; i < h.bucket_count(); ++i) {
    if (h.bucket(i) != 0) counts[slot(h.BucketValue(i))] += h.bucket(i);
  }
  counts[slot(h.max())] += h.overflow_count();
  Json edges = Json::array();
  for (int64_t i = 0; i <= bins; ++i) {
    edges.push_back(Round6(std::pow(10.0, static_cast<double>(lo + i) / kDensityBinsPerDecade)));
  }
  Json pct = Json::array();
  for (uint64_t c : counts) {
    pct.push_back(Round6(100.0 * static_cast<double>(c) / static_cast<double>(h.count())));
  }
  return Json{{"bins_per_decade", kDensityBinsPerDecade},
              {"edges_ns", std::move(edges)},
              {"pct", std::move(pct)}};
}

// Every key that applies to `spec`, in table order, with its value as a person reads it.
Json SpecText(const PhaseSpec& spec) {
  Json j = Json::object();
  for (const PhaseKey& key : PhaseKeyTable()) {
    if (key.applies && !key.applies(spec)) continue;
    j[std::string(key.name)] = PhaseKeyValueText(key, spec);
  }
  return j;
}

}  // namespace

Json LatencySeriesToJson(const Histogram& h) {
  Json j;
  j["count"] = h.count();
  j["min"] = h.min();
  j["max"] = h.max();
  Json percentiles = Json::object();
  for (const PercentileKey& k : kReportedPercentiles) percentiles[k.key] = h.Percentile(k.p);
  j["percentiles"] = std::move(percentiles);
  if (h.count() == 0) {
    j["spectrum"] = Json{{"x", Json::array()}, {"ns", Json::array()}};
    j["cdf"] = Json{{"ns", Json::array()}, {"pct", Json::array()}};
    j["histogram"] = Json{{"bins_per_decade", kDensityBinsPerDecade},
                          {"edges_ns", Json::array()},
                          {"pct", Json::array()}};
    return j;
  }
  j["spectrum"] = Spectrum(h);
  j["cdf"] = Cdf(h);
  j["histogram"] = Densities(h);
  return j;
}

Json ReportSeriesToJson(const RunResult& result, const std::string& result_file,
                        const std::string& result_sha256) {
  Json phases = Json::array();
  for (const PhaseResult& phase : result.phases) {
    Json ops = Json::object();
    for (int k = 0; k < kOpKindCount; ++k) {
      const OpStats& s = phase.ops[k];
      if (s.histogram.count() == 0 && s.errors == 0) continue;  // as the result lists them
      Json o;
      o["lat_ns"] = LatencySeriesToJson(s.histogram);
      if (s.corrected.count() != 0) o["co_lat_ns"] = LatencySeriesToJson(s.corrected);
      ops[std::string(OpKindName(static_cast<OpKind>(k)))] = std::move(o);
    }
    phases.push_back(
        Json{{"name", phase.spec.name}, {"spec", SpecText(phase.spec)}, {"ops", std::move(ops)}});
  }
  Json j;
  j["kind"] = "durabench-report-series";
  j["schema_version"] = kSeriesSchemaVersion;
  j["result"] = result_file;
  j["result_sha256"] = result_sha256;
  j["phases"] = std::move(phases);
  return j;
}

}  // namespace durabench
