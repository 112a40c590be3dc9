// `run` as one rank of a multi-client run (docs/scale-out.md): `mpirun -np N durabench run ...`.
// Each rank runs the session on its own files; the ranks wait for each other before every
// phase's I/O, and at the end rank 0 gathers every rank's result, merges them and prints and
// writes the one result. A rank that stops (a target error, a signal) is seen by the others at
// the next phase's start, and they stop too: the ranks' waits stay matched, so none hangs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/group.h"
#include "compare/ranks.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

// Whether a launcher started this process as a rank (Open MPI's mpirun sets
// OMPI_COMM_WORLD_SIZE, a PMIx launcher PMIX_RANK).
bool LaunchedAsRank();
// This process's rank as the launcher's environment gives it (OMPI_COMM_WORLD_RANK, PMIX_RANK);
// 0 when it gives none. Known before joining, so that only rank 0 checks and writes outputs.
int RankFromLauncher();

// What rank 0 has after Finish.
struct GroupOutcome {
  std::vector<RankOutcome> ranks;
  Result<RunResult> aggregate = Status::Internal("not merged");
  std::vector<RankOpRow> rows;
  int64_t reduction_ns = 0;  // from the end of the last rank's session to the merged result
};

class GroupRun {
 public:
  // Loads the durabench-mpi module and joins the launcher's group.
  static Result<std::unique_ptr<GroupRun>> Join();

  int rank() const { return group_->rank(); }
  int size() const { return group_->size(); }
  bool leader() const { return group_->rank() == 0; }

  // The session's PhaseReady: waits for every rank. When a rank has left, sets *stop and
  // returns why ("rank 2 stopped before phase 2"); else returns "".
  std::string PhaseReady(size_t index, std::atomic<bool>* stop);

  // After the session: tells the others this rank is done, measures the clock offsets, and
  // gathers every rank's result to rank 0, which merges them. On the other ranks the outcome's
  // ranks are empty. `worst_exit` gets the highest exit status of all ranks' sessions.
  Result<GroupOutcome> Finish(const RunResult& mine, const Status& status, int* worst_exit);

 private:
  explicit GroupRun(std::unique_ptr<ProcessGroup> group) : group_(std::move(group)) {}

  std::unique_ptr<ProcessGroup> group_;
  bool over_ = false;     // a rank has left: no more phase waits
  bool stopped_ = false;  // this rank stopped because another had left
  std::vector<int64_t> phase_start_ns_;
};

}  // namespace durabench
