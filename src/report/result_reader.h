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
// Keys it does not know are ignored. Errors are InvalidArgument naming the JSON path:
// "phases[2].ops.flush.lat_ns: missing 'histogram'".
#pragma once

#include <string>

#include "report/json.h"
#include "report/result.h"
#include "util/status.h"

namespace durabench {

// The whole content of the file at `path`: NotFound "open <path>: No such file or directory"
// when it does not exist, IoError for another open or read failure.
Result<std::string> ReadWholeFile(const std::string& path);

// Inverse of RunResultToJson. A nlohmann::json argument converts.
Result<RunResult> RunResultFromJson(const Json& j);

// Reads and parses the file at `path`, then RunResultFromJson. Every error names the path:
// NotFound "open <path>: No such file or directory" for a missing file, IoError for another
// open/read failure, InvalidArgument "<path>: not JSON: ..." or "<path>: <json path>: ...".
Result<RunResult> ReadResultFile(const std::string& path);

}  // namespace durabench
