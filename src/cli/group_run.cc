#include "cli/group_run.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "backend/modules.h"
#include "result/json.h"
#include "result/result_reader.h"
#include "util/clock_ns.h"
#include "util/netns.h"

namespace durabench {
namespace {

// What a rank says at a phase's start: 0 "ready", or rank + 1 "I have left" (the largest wins,
// so the others learn one rank that left).
constexpr int64_t kReady = 0;

int64_t RealtimeNs() { return static_cast<int64_t>(ClockNs(CLOCK_REALTIME)); }
int64_t MonotonicNowNs() { return static_cast<int64_t>(ClockNs(CLOCK_MONOTONIC)); }

// One rank's outcome parsed back on rank 0; a payload it cannot read becomes the rank's error.
RankOutcome ParseOutcome(int rank, const std::string& payload) {
  RankOutcome out;
  out.rank = rank;
  Json j = Json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.error = "its result could not be read";
    return out;
  }
  out.host = j.value("host", "");
  out.error = j.value("error", "");
  out.stopped = j.value("stopped", false);
  out.phase_start_ns = j.value("phase_start_ns", std::vector<int64_t>{});
  if (j.contains("result")) {
    Result<RunResult> r = RunResultFromJson(j["result"]);
    if (r.ok()) {
      out.result = std::move(r).value();
    } else if (out.error.empty()) {
      out.error = "its result could not be read: " + r.status().message();
    }
  } else if (out.error.empty()) {
    out.error = "it sent no result";
  }
  return out;
}

}  // namespace

bool LaunchedAsRank() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

int RankFromLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK"}) {
    if (const char* v = std::getenv(name); v != nullptr) return std::atoi(v);
  }
  return 0;
}

Result<std::unique_ptr<GroupRun>> GroupRun::Join() {
  Result<Module*> module = LoadModule("mpi");
  if (!module.ok()) {
    return Status::NotSupported("started by an MPI launcher, but " + module.status().message());
  }
  Result<std::unique_ptr<ProcessGroup>> group = (*module)->JoinGroup();
  if (!group.ok()) return group.status();
  return std::unique_ptr<GroupRun>(new GroupRun(std::move(group).value()));
}

Status GroupRun::Place(const std::vector<std::string>& namespaces) {
  if (namespaces.empty()) return Status::Ok();
  const std::string& ns = namespaces[static_cast<size_t>(rank()) % namespaces.size()];
  if (Status st = EnterNetworkNamespace(ns); !st.ok()) {
    return st.WithContext("rank " + std::to_string(rank()));
  }
  host_ += "/" + ns;
  return Status::Ok();
}

std::string GroupRun::Meet(int64_t mine, const std::string& where, std::atomic<bool>* stop) {
  if (over_) return "";
  Result<int64_t> all = group_->AllMax(mine);
  std::string why;
  if (!all.ok()) {
    why = "the ranks could not meet before " + where + ": " + all.status().message();
  } else if (*all != kReady && *all != mine) {
    why = "rank " + std::to_string(*all - 1) + " stopped before " + where;
  }
  if (mine != kReady) over_ = true;
  if (!why.empty()) {
    over_ = true;
    stopped_ = mine == kReady;
    if (stop != nullptr) stop->store(true);
  }
  return why;
}

void GroupRun::Leave() {
  if (over_) return;
  over_ = true;
  Result<int64_t> all = group_->AllMax(rank() + 1);
  if (!all.ok()) left_ = all.status();
}

std::string GroupRun::PhaseReady(size_t index, std::atomic<bool>* stop) {
  if (over_) return "";
  std::string why = Meet(kReady, "phase " + std::to_string(index + 1), stop);
  if (why.empty()) phase_start_ns_.push_back(RealtimeNs());
  return why;
}

std::string GroupRun::PrepareTurn(bool before, bool prepared, std::atomic<bool>* stop) {
  if (!shared_ || before != (rank() != 0)) return "";
  // Rank 0 that could not prepare the target leaves: the others learn it here.
  return Meet(before || prepared ? kReady : rank() + 1, "the shared target was ready", stop);
}

bool GroupRun::EndPhaseEarly(size_t index) {
  if (!stonewall_ || over_ || !announce_.ok()) return false;
  Result<bool> announced = group_->Announced(static_cast<int64_t>(index));
  if (!announced.ok()) announce_ = announced.status();
  return announced.ok() && *announced;
}

void GroupRun::PhaseDone(size_t index, const PhaseResult& phase) {
  if (!stonewall_ || over_ || !announce_.ok() || phase.stonewalled || phase.interrupted) return;
  announce_ = group_->Announce(static_cast<int64_t>(index));
}

void GroupRun::Progress(ProgressSnapshot* snap) {
  if (over_ || size() < 2) return;
  const auto phase = static_cast<int64_t>(snap->phase_index);
  if (!leader()) {
    group_->SendProgress({phase, static_cast<int64_t>(snap->ops), static_cast<int64_t>(snap->iops),
                          static_cast<int64_t>(snap->p99_ns)});
    return;
  }
  Result<std::vector<RankProgress>> heard = group_->ReceiveProgress();
  if (!heard.ok()) return;
  progress_.resize(heard->size());
  for (size_t r = 0; r < heard->size(); ++r) {
    if ((*heard)[r].phase >= 0) progress_[r] = (*heard)[r];
  }
  for (size_t r = 1; r < progress_.size(); ++r) {
    const RankProgress& p = progress_[r];
    if (p.phase != phase) continue;
    snap->ops += static_cast<uint64_t>(p.ops);
    if (!snap->ramping) snap->iops += static_cast<double>(p.iops);
    snap->p99_ns = std::max(snap->p99_ns, static_cast<uint64_t>(p.p99_ns));
  }
  snap->ranks = static_cast<uint32_t>(size());
}

void GroupRun::CleanupTurn(bool before) {
  if (shared_ && before == (rank() == 0)) Leave();
}

Result<GroupOutcome> GroupRun::Finish(const RunResult& mine, const Status& status,
                                      int* worst_exit) {
  // A rank that is done meets the others at their next phase start (or their own end): they
  // learn that it left, and every rank has waited the same number of times.
  Leave();
  if (!left_.ok()) return left_;
  const int64_t done = MonotonicNowNs();
  Result<int64_t> worst = group_->AllMax(status.ExitCode());
  if (!worst.ok()) return worst.status();
  // Every rank has sent what it announced: take what has arrived of it (no phase is -1).
  if (stonewall_ && announce_.ok()) group_->Announced(-1);
  if (leader() && size() > 1) group_->ReceiveProgress();
  *worst_exit = static_cast<int>(*worst);
  Result<std::vector<ClockOffset>> clocks = group_->ClockOffsets();
  if (!clocks.ok()) return clocks.status();

  Json payload = {{"host", host_}, {"phase_start_ns", phase_start_ns_}};
  if (!status.ok()) payload["error"] = status.message();
  if (stopped_) payload["stopped"] = true;
  if (!mine.target.path.empty()) payload["result"] = RunResultToJson(mine);
  Result<std::vector<std::string>> gathered = group_->Gather(payload.dump());
  if (!gathered.ok()) return gathered.status();

  GroupOutcome out;
  if (!leader()) return out;
  for (size_t r = 0; r < gathered->size(); ++r) {
    RankOutcome o = ParseOutcome(static_cast<int>(r), (*gathered)[r]);
    o.clock_offset_ns = (*clocks)[r].offset_ns;
    o.clock_rtt_ns = (*clocks)[r].rtt_ns;
    out.ranks.push_back(std::move(o));
  }
  out.aggregate = MergeRanks(out.ranks);
  out.rows = RankRows(out.ranks);
  out.reduction_ns = MonotonicNowNs() - done;
  return out;
}

}  // namespace durabench
