// Reading fio `--output-format=json+` results as a durabench RunResult, so that `compare`, `gate`
// and `report` take fio results beside durabench's (docs/fio-import.md is the reference).
//
// Error bound: fio's json+ bins are log-linear with 64 buckets per power of two and are written as
// the bucket midpoint, so a fio value is known to 2^-7 of itself; each bin lands whole in one
// durabench bucket (2^-7 wide), whose midpoint is within 2^-8 of the fio value. A percentile
// computed here is therefore within 2^-6 + 2^-7 (+1 ns) of fio's own, in practice the same bucket.
// min, max and mean are fio's exact values; stddev is fio's, made a population stddev.
//
// What one fio job becomes: a PhaseResult named by its "jobname" (".0", ".1", ... appended when
// several jobs share a name, as with numjobs without group_reporting), with
//   read  <- the "read" ddir,  write <- the "write" ddir,  flush <- "sync" (fsync/fdatasync),
//   commit: empty (fio measures no write-until-durable latency); trim: dropped.
// Latency is fio's total latency (lat_ns bins, present with lat_percentiles=1) when every read
// and write ddir has it, else completion latency (clat_ns bins) for all; the choice is recorded
// as result.command = {"fio", <source>, "latency=lat" | "latency=clat"}. measured_ns is the
// longest read/write ddir "runtime" (the one fio divides by for its iops), else "job_runtime".
//
// Thread-safety: the functions share no state.
#pragma once

#include <string>
#include <string_view>

#include "result/json.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

// True if `j` looks like fio JSON output: an object with "fio version" and a "jobs" array.
bool IsFioJson(const Json& j);

// Converts fio json+ output into one RunResult (see above). `source` (the file's path) prefixes
// error messages and is recorded in result.command and result.workload.source.
// InvalidArgument "<source>: fio output has no latency bins; rerun fio with
// --output-format=json+" for plain json output, "<source>: jobs[i]...: ..." for malformed bins.
// A job whose "error" is not 0 is kept, with the error in its PhaseResult::errors and status.
Result<RunResult> RunResultFromFioJson(const Json& j, const std::string& source);

// Reads the file at `path`; fio output (IsFioJson) goes through RunResultFromFioJson, anything
// else through RunResultFromJson, exactly as ReadResultFile would. Text before the JSON object
// (fio messages captured with 2>&1) is skipped when what follows is fio output. Every error names
// the path: NotFound "open <path>: No such file or directory", IoError for another read failure,
// InvalidArgument "<path>: not JSON: ..." or "<path>: ...".
Result<RunResult> ReadResultOrFioFile(const std::string& path);
// The same for text already read; `path` names it in messages.
Result<RunResult> ParseResultOrFioText(std::string_view text, const std::string& path);

// Whether `r` came from RunResultFromFioJson (its tool_version is "fio <version>").
bool IsFioResult(const RunResult& r);

}  // namespace durabench
