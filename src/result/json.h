// The JSON result file (docs/results.md is the reference for every field).
//
// The contract that compare, gate, the plot scripts and users' scripts rely on:
//   phases[].name, and for each op kind that occurred phases[].ops.<read|write|flush|commit> with
//   count, bytes, iops, lat_ns.{min,max,mean,stddev}, lat_ns.percentiles (a map "50", "90", "99",
//   "99.9", "99.99" -> ns) and lat_ns.histogram (its parameters and the non-empty bins).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "measure/histogram.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

using Json = nlohmann::ordered_json;

// The percentiles every op kind reports, as (key, p) pairs: ("50", 50.0) ... ("99.99", 99.99).
struct PercentileKey {
  const char* key;
  double p;
};
inline constexpr PercentileKey kReportedPercentiles[] = {
    {"50", 50.0}, {"90", 90.0}, {"99", 99.0}, {"99.9", 99.9}, {"99.99", 99.99}};

Json RunResultToJson(const RunResult& result);
Json PhaseSpecToJson(const PhaseSpec& spec);

// {"sub_bucket_bits", "max_exponent", "overflow", "sum_ns", "sum_sq_ns2", "bins": [[lo, hi, n]...]}
Json HistogramToJson(const Histogram& h);
// Inverse of HistogramToJson; `min_ns`/`max_ns` come from the enclosing lat_ns object.
Result<Histogram> HistogramFromJson(const Json& j, uint64_t min_ns, uint64_t max_ns);

// "null", "a boolean", "a number", "a string", "an array" or "an object": what `v` is, for the
// readers' "expected X, got Y" messages.
const char* JsonTypeName(const Json& v);

}  // namespace durabench
