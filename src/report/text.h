// Human output: the per-phase summary table and a phase's shape in one line.
#pragma once

#include <string>

#include "result/phase_result.h"
#include "result/run_result.h"

namespace durabench {

// One block for a phase: a header line with the phase's shape, IOPS and MB/s, then one row per op
// kind that occurred: count, p50, p90, p99, p99.9, p99.99, max, each with its unit. An open-loop
// phase (rate_iops) also states its target and achieved rates, warns when the achieved rate is
// below kRateMissedFraction of the target, and gives each op kind a second row, marked *, of
// latency from the scheduled start (the corrected histogram).
std::string FormatPhaseSummary(const PhaseResult& phase);

// Below this share of its target rate an open-loop phase "missed" it (the pacing itself keeps
// within a fraction of a percent of the schedule).
inline constexpr double kRateMissedFraction = 0.95;

// The closing table of a run of several phases (a sweep such as `sync-methods`), one line per
// phase as pg_test_fsync prints its methods: phase, engine, sync method, block size, queue
// depth, jobs, IOPS, and the p50, p99 and max of the phase's durable op (commit, else write,
// else read) with its name. Empty for a run of one phase.
std::string FormatRunTable(const RunResult& run);

// `run --format csv`: a header, then one line per phase and op kind that occurred: phase, op,
// latency_from ("submission", or "scheduled" for an open-loop phase's corrected latency),
// count, iops, mb_per_s, p50_ns ... p99.99_ns (kReportedPercentiles), max_ns, errors. Plain
// numbers (latencies in ns), for a spreadsheet or a script.
std::string FormatRunCsv(const RunResult& run);

// "psync randwrite 4KiB qd1 1 job direct sync=fdatasync" — the phase's shape in one line.
std::string DescribePhase(const PhaseSpec& spec);

}  // namespace durabench
