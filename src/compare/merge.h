// Adding results of one workload into one result: `durabench merge` (runs from several hosts or
// processes at the same time) and the pooled sides of `durabench gate` (repeated runs).
//
// Per phase and op kind the histograms are added bucket by bucket (exact, as a single run
// recording every operation would have), and bytes and errors summed. The measured time is
//   kConcurrent: the longest input's, so IOPS is the sum of the inputs' IOPS (hosts at once);
//   kSequential: the inputs' sum, so IOPS is the rate over all the runs (one after another).
// Time series (kConcurrent only) are aligned by interval index: counts and bytes added, max the
// largest. Per-interval p50/p99/p99.9 cannot be recomputed from summaries; the merged value is
// the largest of the inputs', an upper bound on the true percentile of the union (a quantile of
// a union never exceeds the largest of the parts' quantiles).
// Phases with faults (docs/chaos.md) keep the first input's fault commands, and the worst of the
// inputs' stall and recovery: the longest stall, the latest first completion and recovery (none
// when any input had none), the largest worst latency; failed operations added; the baseline
// IOPS and requests in flight at the fault summed (kConcurrent), or their mean and largest
// (kSequential).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

enum class MergeTime { kConcurrent, kSequential };

// InvalidArgument when the results are not of one workload: a different workload name, phase
// list or phase spec (runtime, block size, sync method, ...), or time-series intervals of
// different lengths. `labels` (one per result, e.g. file names) name the culprit in errors.
Status CheckSameWorkload(const std::vector<const RunResult*>& results,
                         const std::vector<std::string>& labels);

// For kConcurrent: InvalidArgument when the runs cannot have run at the same time, which would
// add up IOPS of runs made one after another. Each run spans [started_at, started_at + its
// phases' ramp and measured time]; started_at has whole seconds, so two spans must come within
// kRanTogetherSlackS of each other. The message names the latest-starting run and the one that
// ended first, and says to pass --sequential. Results without started_at are not checked.
inline constexpr int64_t kRanTogetherSlackS = 2;
Status CheckRanTogether(const std::vector<const RunResult*>& results,
                        const std::vector<std::string>& labels);

// Merges `results` (at least one; CheckSameWorkload first). Metadata (host, target, probe,
// workload, command) are the first result's; run-level errors of all are kept, each prefixed
// by its label. Phase errors are concatenated; `interrupted` if any was.
Result<RunResult> MergeResults(const std::vector<const RunResult*>& results,
                               const std::vector<std::string>& labels, MergeTime time);

}  // namespace durabench
