// Human output: the per-phase summary table and a phase's shape in one line.
#pragma once

#include <string>

#include "result/phase_result.h"
#include "result/run_result.h"

namespace durabench {

// One block for a phase: a header line with the phase's shape, IOPS and MB/s, then one row per op
// kind that occurred: count, p50, p90, p99, p99.9, p99.99, max, each with its unit.
std::string FormatPhaseSummary(const PhaseResult& phase);

// "psync randwrite 4KiB qd1 1 job direct sync=fdatasync" — the phase's shape in one line.
std::string DescribePhase(const PhaseSpec& spec);

}  // namespace durabench
