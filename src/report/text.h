// Human output: the per-phase summary table and the live progress line.
#pragma once

#include <string>

#include "report/result.h"
#include "workload/runner.h"

namespace durabench {

// One block for a phase: a header line with the phase's shape, IOPS and MB/s, then one row per op
// kind that occurred: count, p50, p90, p99, p99.9, p99.99, max, each with its unit.
std::string FormatPhaseSummary(const PhaseResult& phase);

// "[2/8] fdatasync  3.1s/5.0s  1234 IOPS  commit p99 1.20ms" (no newline).
std::string FormatProgressLine(const ProgressSnapshot& snap);

// "psync randwrite 4KiB qd1 1 job direct sync=fdatasync" — the phase's shape in one line.
std::string DescribePhase(const PhaseSpec& spec);

}  // namespace durabench
