// The derived series a report draws, computed from the C++ histogram so that the plots show the
// percentiles `run`, `compare` and `gate` print and nothing else (issue 13, item 6): per phase
// and op kind a percentile spectrum, a CDF and log-binned histogram densities, written by
// `durabench report` as DIR/data/NN-NAME.series.json beside the result it was derived from
// (docs/report.md, "Derived series"). scripts/plot.py only draws them.
//
// Every value is one of the histogram's (Histogram::ValueAtRank, BucketValue): the midpoint of
// the bucket holding a sample, clamped to the exact [min, max]. Fractions and the spectrum's
// x axis are rounded to 6 significant digits, which no plot can show and which keeps the file
// the same across libm versions.
#pragma once

#include <string>

#include "measure/histogram.h"
#include "result/json.h"
#include "result/run_result.h"

namespace durabench {

// Version of the series file; plot.py refuses another.
inline constexpr int kSeriesSchemaVersion = 1;
// The spectrum's points: log-spaced in 1/(1-p) from 1 to count, so the tail gets as many as the
// body (consecutive points of the same rank are dropped).
inline constexpr int kSpectrumPoints = 400;
// Histogram densities: display bins per decade of latency (the histogram's own buckets are 128
// per power of two, far too fine to draw).
inline constexpr int kDensityBinsPerDecade = 20;

// Of one histogram:
//   {"count", "min", "max",
//    "percentiles": {"50": ns, ...}                   kReportedPercentiles, as in the result
//    "spectrum":  {"x": [1/(1-p)...], "ns": [...]}    steps: ns holds from x to the next x; the
//                                                     last point is (count * 1.0001, max)
//    "cdf":       {"ns": [...], "pct": [...]}         % of samples at or below each non-empty
//                                                     bucket's upper bound (clamped); overflow
//                                                     samples at max
//    "histogram": {"bins_per_decade", "edges_ns": [n+1 edges], "pct": [n]}
//                                                     % of samples whose value falls in each
//                                                     log-spaced bin; overflow at max}
// An empty histogram gives count 0 and empty series.
Json LatencySeriesToJson(const Histogram& h);

// The series file of `result`, whose JSON text (as written to DIR/data/) is named `result_file`
// and has SHA-256 `result_sha256` (hex): plot.py checks that the two files belong together.
//   {"kind": "durabench-report-series", "schema_version", "result", "result_sha256",
//    "phases": [{"name", "spec": {KEY: TEXT},
//                "ops": {KIND: {"lat_ns": SERIES[, "co_lat_ns": SERIES]}}}]}
// Phases are in the result's order, one per phase; "spec" holds every phase key that applies
// (spec/phase_keys.h) under its workload-file name, valued as PhaseKeyValueText writes it
// ("4KiB", "true"), so the report prints settings in durabench's words; op kinds as in the
// result (those with samples; "co_lat_ns" for open-loop phases).
Json ReportSeriesToJson(const RunResult& result, const std::string& result_file,
                        const std::string& result_sha256);

}  // namespace durabench
