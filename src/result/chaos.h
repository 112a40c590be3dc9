// Faults on a phase's timeline and what they did to it (docs/chaos.md): each fault command as
// it ran (start, end, exit code, output), and the stall and recovery measured around it.
//
// Times are nanoseconds from the phase start (the jobs' shared start, ramp included); the time
// series runs from the ramp's end (ComputeChaos). The runner fills FaultRun's commands as they run
// and hands the periods in which no job completed anything (QuietPeriod) to ComputeChaos, which
// measures the rest from those and the phase's time series. Data only: no threads, no processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "measure/op_kind.h"
#include "measure/time_series.h"
#include "spec/spec.h"

namespace durabench {

// The most output kept per command: its last bytes (a chatty command must not bloat results).
inline constexpr size_t kMaxFaultOutputBytes = 4096;
// Stalls are measured between completions this far apart or more; a shorter wait between two
// completions is no stall, so every figure below is exact to this.
inline constexpr uint64_t kQuietFloorNs = 1'000'000;
// A command's stall is the longest time without a completion that began while it ran or up to
// this long after it returned (requests already in flight to healthy parts of a cluster may
// complete first), measured from its start; later quiet times are not its doing.
inline constexpr uint64_t kStallOnsetNs = 1'000'000'000;
// Recovery: from a command's start to the first stretch of kRecoveryHoldNs whose mean IOPS are
// at least kRecoveryShare of the baseline (the median IOPS of the windows of kRateWindowNs
// before the first fault) and whose first interval runs at that rate too. "Within 10 %" is read
// as not more than 10 % below: a degraded cluster writing fewer replicas may be faster.
inline constexpr uint64_t kRateWindowNs = 1'000'000'000;
inline constexpr uint64_t kRecoveryHoldNs = 5'000'000'000;
inline constexpr double kRecoveryShare = 0.9;

// One command of a fault as it ran, and its effect until the next command or the phase's end.
struct FaultCommandRun {
  bool ran = false;         // false: not run (an undo never due, or a phase that never started)
  uint64_t started_ns = 0;  // from the phase start
  uint64_t ended_ns = 0;    // when it returned (after the phase's end if it outlasted it)
  int exit_code = 0;        // 0..255; 128+N killed by signal N; -1 could not be started
  std::string output;       // stdout and stderr together, the last kMaxFaultOutputBytes
  uint32_t inflight = 0;    // requests in flight in all jobs when it started, flushes included
  uint64_t stall_ns = 0;    // the longest time without a completion from its start
  // From its start to the first completion after that stall (when I/O resumed); 0 with no
  // stall (a completion came within kQuietFloorNs all along); none: nothing completed after it.
  std::optional<uint64_t> first_completion_ns;
  std::optional<uint64_t> recovery_ns;  // none: the rate did not come back (see above)
};

struct FaultRun {
  FaultSpec spec;
  FaultCommandRun action;
  FaultCommandRun undo;  // ran = false when the fault has none
};

// Operations that failed, by op kind and errno (a failure ends the phase: docs/chaos.md).
struct FailedOps {
  OpKind kind = OpKind::kWrite;
  int error_number = 0;
  uint64_t count = 0;
};

// A phase's summary, about its first fault.
struct PhaseChaos {
  bool present = false;              // the phase had faults
  uint64_t fault_at_ns = 0;          // the first fault command's start
  uint64_t longest_stall_ns = 0;     // in the whole phase
  uint64_t longest_stall_at_ns = 0;  // where that stall began
  std::optional<uint64_t> first_completion_after_fault_ns;
  std::optional<uint64_t> recovery_ns;  // of the first fault's action
  double baseline_iops = 0;             // median window before the first fault; 0: none
  uint32_t inflight_at_fault = 0;
  uint64_t worst_latency_ns = 0;  // the largest of any op kind
  std::vector<FailedOps> failed;
};

// A time in which no job completed anything, [begin_ns, end_ns), at least kQuietFloorNs long.
struct QuietPeriod {
  uint64_t begin_ns = 0;
  uint64_t end_ns = 0;
};

// The periods quiet in every job: the intersection of each job's quiet periods (each list
// sorted and disjoint), sorted, those of at least kQuietFloorNs.
std::vector<QuietPeriod> QuietInAll(const std::vector<std::vector<QuietPeriod>>& per_job);

// Fills each command's effect in `faults` and the phase summary `chaos` (present, fault_at_ns,
// stalls, first completion, recovery, baseline) from `quiet` (QuietInAll's), the time series
// (`series`, intervals of `interval_ns` from `measure_start_ns`, the ramp's end, as the
// recorder keeps them; the last one is cut short by the phase's end and not used for rates) and
// the phase's end `end_ns`. Every other time, in and out, is from the phase start.
// worst_latency_ns, inflight and failed are the caller's.
void ComputeChaos(const std::vector<QuietPeriod>& quiet, const std::vector<IntervalStats>& series,
                  uint64_t interval_ns, uint64_t measure_start_ns, uint64_t end_ns,
                  std::vector<FaultRun>* faults, PhaseChaos* chaos);

}  // namespace durabench
