// The ranks of a multi-client run (`mpirun -np N durabench run`, docs/scale-out.md) as one
// result: the aggregate is MergeResults (merge.h, kConcurrent) of the ranks that finished, so it
// is exactly what `durabench merge` gives for their results; beside it, a row per rank, phase
// and op kind, with stragglers flagged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "measure/op_kind.h"
#include "result/json.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

// A rank is a straggler in a phase when its p99 of an op kind is more than this times the median
// of the ranks' p99 of that kind.
inline constexpr double kStragglerP99Factor = 2.0;

// What one rank brought back.
struct RankOutcome {
  int rank = 0;
  std::string host;
  std::string error;            // why the rank failed or stopped; empty when it finished
  bool stopped = false;         // it stopped because another rank had (its phases so far are sound)
  RunResult result;             // as far as it got
  int64_t clock_offset_ns = 0;  // its clock minus rank 0's (group.h ClockOffset)
  int64_t clock_rtt_ns = 0;
  std::vector<int64_t> phase_start_ns;  // CLOCK_REALTIME when each phase's barrier released it
};

struct RankOpRow {
  int rank = 0;
  std::string host;
  size_t phase = 0;
  OpKind kind = OpKind::kWrite;
  uint64_t count = 0;
  double iops = 0;
  uint64_t p50_ns = 0;
  uint64_t p99_ns = 0;
  uint64_t errors = 0;
  bool straggler = false;    // p99 > kStragglerP99Factor x the median rank's (this phase and kind)
  bool stonewalled = false;  // the rank's phase was ended by another's finishing (--stonewall)
};

// One row per rank, phase and op kind that occurred, in phase, kind and rank order; stragglers
// marked (only with three or more ranks: with two, the median is their mean).
std::vector<RankOpRow> RankRows(const std::vector<RankOutcome>& ranks);

// Per phase: the spread of the ranks' start, on rank 0's clock (each rank's start less its clock
// offset): the latest minus the earliest. Phases not every rank started are left out.
std::vector<int64_t> StartSkewNs(const std::vector<RankOutcome>& ranks);

// The aggregate (MergeResults, kConcurrent; inputs labelled "rank N") of the ranks that
// finished or were stopped by another's failure, over the phases all of these finished; a rank
// that failed itself is left out. IoError when no phase is left.
Result<RunResult> MergeRanks(const std::vector<RankOutcome>& ranks);

// The "ranks" member of the result file (docs/results.md): size, per rank its host, error,
// clock offset and phase starts; start skew per phase; the rows; the reduction's time.
Json RanksToJson(const std::vector<RankOutcome>& ranks, const std::vector<RankOpRow>& rows,
                 int64_t reduction_ns);

// The text table printed after the aggregate's: per phase, a line per rank and op kind with
// host, count, IOPS, p50, p99, errors, and "straggler" where one is; then each failed rank's
// error.
std::string FormatRankTable(const RunResult& aggregate, const std::vector<RankOutcome>& ranks,
                            const std::vector<RankOpRow>& rows);

}  // namespace durabench
