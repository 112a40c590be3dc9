// Reading a result file (json.h, docs/results.md) back into a RunResult: the input of `compare`,
// `gate`, `merge` and `report`, which work on results and never re-measure (STYLE.md 10).
//
// What comes back is what RunResultToJson wrote: run metadata, host, target, probe, the workload
// as run, and per phase its spec, measured_ns, the histograms of every op kind present (with
// `corrected` from co_lat_ns when present), bytes, errors, queue stats, time series, errors and
// `interrupted`. Derived values (iops, bytes_per_s, mean, stddev, percentiles, fio_equivalent)
// are not read: the histograms recompute them. PhaseResult::status is not in the file and stays OK.
//
// Strict: schema_version must be kResultSchemaVersion; every key RunResultToJson always writes
// must be present with its type; an op kind other than read/write/flush/commit is an error.
// Keys it does not know are ignored. Bounded (the constants below): histogram parameters, bins
// within their range, counts that fit 64 bits, min <= max, increasing interval indexes, the
// number of phases and the file's size. Errors are InvalidArgument naming the JSON path:
// "phases[2].ops.flush.lat_ns: missing 'histogram'".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "measure/histogram.h"
#include "result/json.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

// Bounds on what a result file may hold (docs/results.md, "Reading results back"). They keep a
// hostile or corrupt file from taking the reader's memory: every phase costs 8 histograms in
// memory however little its JSON says, so the phase count is bounded as well as the file size.
//
// The largest input file read whole: a result with one-second intervals of a day-long run is
// ~35 MiB per phase; 256 MiB holds several of those, yet parses in a few seconds.
inline constexpr uint64_t kMaxResultFileBytes = uint64_t{256} << 20;
// Phases (and fio jobs) in one file: 4096 x 8 histograms x 36 KiB = 1.2 GiB at most. A workload
// sweep may make more, but a result that large is beyond what compare and report show usefully.
inline constexpr size_t kMaxResultPhases = 4096;
// Histogram parameters: durabench writes Histogram's defaults (7, 42); a file may declare a
// coarser histogram, never a larger one, so one histogram read is never more than 36 KiB.
inline constexpr int kMaxSubBucketBits = Histogram::kDefaultSubBucketBits;
inline constexpr int kMaxMaxExponent = Histogram::kDefaultMaxExponent;
// Time series: an interval's index times interval_ns stays below 2^63 ns (292 years).
inline constexpr uint64_t kMaxPhaseNs = uint64_t{1} << 63;

// The whole content of the regular file at `path` (util/read_file.h), at most
// kMaxResultFileBytes: NotFound "open <path>: No such file or directory" when it does not exist,
// InvalidArgument "<path>: not a regular file (...)" for a device, FIFO or directory and
// "<path>: ... is larger than the 256 MiB limit ..." for a larger file, IoError for another
// open or read failure.
Result<std::string> ReadWholeFile(const std::string& path);

// Inverse of RunResultToJson. A nlohmann::json argument converts.
Result<RunResult> RunResultFromJson(const Json& j);

// Reads and parses the file at `path`, then RunResultFromJson. Every error names the path:
// NotFound "open <path>: No such file or directory" for a missing file, IoError for another
// open/read failure, InvalidArgument "<path>: not JSON: ..." or "<path>: <json path>: ...".
Result<RunResult> ReadResultFile(const std::string& path);
// The same for text already read; `path` names it in messages.
Result<RunResult> ParseResultText(std::string_view text, const std::string& path);

}  // namespace durabench
