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
#include "workload/runner.h"

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

  // --rank-netns: this rank enters network namespace namespaces[rank mod their count] (a node of
  // the lab, docs/lab.md) and is reported as host "HOST/NAMESPACE". Call before anything
  // connects to the target: the launcher's connections stay where they are.
  Status Place(const std::vector<std::string>& namespaces);

  // --shared-target: the ranks share one target (TargetOptions::share_index is the rank), which
  // rank 0 prepares before the others join it and removes after they are done with it.
  void ShareTarget() { shared_ = true; }
  bool shares_target() const { return shared_; }

  // --stonewall: a phase ends on every rank once the first rank has finished its work (IOR's
  // stonewalling), instead of each rank doing all of its own.
  void Stonewall() { stonewall_ = true; }
  // The session's EndPhaseEarly: whether another rank has finished phase `index` (stonewall).
  bool EndPhaseEarly(size_t index);
  // The session's PhaseDone: a rank whose phase ended by itself (its work done, its runtime over,
  // or an error), not stonewalled nor interrupted, tells the others (stonewall).
  void PhaseDone(size_t index, const PhaseResult& phase);

  // The session's Progress: rank 0 turns its own snapshot into the whole run's (the ranks' ops
  // and IOPS added up, the highest p99, from what each rank last sent in this phase); the
  // others send theirs to rank 0. Nothing waits.
  void Progress(ProgressSnapshot* snap);

  // The session's PhaseReady: waits for every rank. When a rank has left, sets *stop and
  // returns why ("rank 2 stopped before phase 2"); else returns "".
  std::string PhaseReady(size_t index, std::atomic<bool>* stop);
  // The session's BeforePrepare and AfterPrepare: with a shared target, rank 0 meets the others
  // after preparing it (or leaves, when it could not), the others meet it before they join the
  // target. Returns why this rank stops, as PhaseReady does.
  std::string PrepareTurn(bool before, bool prepared, std::atomic<bool>* stop);
  // The session's BeforeCleanup and AfterCleanup: with a shared target, the ranks tell the others
  // they are done (as Finish does otherwise), rank 0 before it removes the target, the others
  // after they have let go of it, so that rank 0 removes it only once nobody uses it.
  void CleanupTurn(bool before);

  // After the session: tells the others this rank is done, measures the clock offsets, and
  // gathers every rank's result to rank 0, which merges them. On the other ranks the outcome's
  // ranks are empty. `worst_exit` gets the highest exit status of all ranks' sessions.
  Result<GroupOutcome> Finish(const RunResult& mine, const Status& status, int* worst_exit);

 private:
  explicit GroupRun(std::unique_ptr<ProcessGroup> group)
      : group_(std::move(group)), host_(group_->host()) {}

  // Waits for every rank with `mine` (kReady, or rank + 1 when this rank leaves); returns why
  // this rank stops ("rank 2 stopped before `where`"), setting *stop, or "".
  std::string Meet(int64_t mine, const std::string& where, std::atomic<bool>* stop);
  // Tells the others this rank is done: its last wait (an error stays in left_ for Finish).
  void Leave();

  std::unique_ptr<ProcessGroup> group_;
  std::string host_;  // group_->host(), and "/NAMESPACE" once placed
  bool shared_ = false;
  bool stonewall_ = false;
  std::vector<RankProgress> progress_;  // rank 0: the latest each rank sent
  Status announce_;                     // the first error of the stonewall's messages, for Finish
  Status left_;                         // an error of Leave()
  bool over_ = false;                   // a rank has left: no more phase waits
  bool stopped_ = false;                // this rank stopped because another had left
  std::vector<int64_t> phase_start_ns_;
};

}  // namespace durabench
