// One measuring session shared by `run`, `plp` and `eval`: prepare the target, probe it, run the
// phases in order, clean up, and assemble the RunResult. A library: it prints nothing; what a
// user sees while it runs (progress, warnings) goes through a SessionObserver, and printing and
// JSON stay with the caller (cli/).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "backend/uri.h"
#include "result/run_result.h"
#include "spec/spec.h"
#include "target/target.h"
#include "util/status.h"
#include "workload/runner.h"

namespace durabench {

// What a session tells its caller while it runs, all on the session's thread. Every method has
// an empty default.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  // The target at `path` is being created and laid out (may take minutes).
  virtual void Preparing(const std::string& path) { (void)path; }
  // The target is ready (before any phase runs), with what the probe found under it; called
  // once.
  virtual void Prepared(const TargetInfo& target, const ProbeResult& probe) {
    (void)target, (void)probe;
  }
  // Around preparing the target and around removing it (the session's one layout, not a
  // per-phase one): where the processes sharing a target (TargetOptions::share_count) take
  // turns, the first preparing it before the others join it and removing it after they are done
  // (also check points: the observer may set the stop flag). AfterPrepare comes whether or not
  // preparing succeeded; the cleanup pair at the session's end unless preparing failed.
  virtual void BeforePrepare() {}
  virtual void AfterPrepare(bool prepared) { (void)prepared; }
  virtual void BeforeCleanup() {}
  virtual void AfterCleanup() {}
  // Before phase `index` starts (also a check point: the observer may set the stop flag).
  virtual void BeforePhase(size_t index, const PhaseSpec& spec) { (void)index, (void)spec; }
  // Phase `index` is laid out and its I/O starts next: where the ranks of a multi-client run
  // wait for each other (also a check point: the observer may set the stop flag).
  virtual void PhaseReady(size_t index) { (void)index; }
  // Every few milliseconds while phase `index` runs (from the runner): true ends the phase as it
  // stands, without error (RunOptions::end_early, PhaseResult::stonewalled).
  virtual bool EndPhaseEarly(size_t index) { return (void)index, false; }
  // About every 250 ms while a phase runs (from the runner; see ProgressSnapshot).
  virtual void Progress(const ProgressSnapshot& snap) { (void)snap; }
  // A layout or phase that reported Preparing or Progress has ended (done, failed or stopped).
  virtual void ProgressEnd() {}
  // After each phase that ran (also one that ended with an I/O error).
  virtual void PhaseDone(const PhaseResult& phase) { (void)phase; }
  // Something the user must know that is no error of the run, e.g. a target left in place.
  virtual void Warning(const std::string& text) { (void)text; }
  // Why the session was stopped (SessionOptions::stop became true), for the result's errors:
  // "interrupted by SIGINT".
  virtual std::string StopReason() { return "stopped"; }
};

struct SessionOptions {
  TargetOptions target;  // layout_fill applies to every phase unless per_phase_layout
  // URI targets (rados://, rbd://, gluster://) and CephFS probes: how to reach the cluster.
  BackendOptions backend;
  uint64_t op_timeout_ns = 30'000'000'000;  // see RunOptions::op_timeout_ns
  // Time-series interval, at least kMinIntervalNs (workload/runner.h); 0: each phase gets
  // DefaultIntervalNs (100 ms for a runtime under 30 s, else 1 s).
  uint64_t interval_ns = 0;
  // Ends the session early when it becomes true (a signal handler, or the observer); the result
  // is then an IoError naming SessionObserver::StopReason().
  std::atomic<bool>* stop = nullptr;
  SessionObserver* observer = nullptr;  // not owned; nullptr: nobody is told
  // Prepare (create, lay out, remove) the target for each phase on its own, sized for that
  // phase alone, instead of once for the largest phase. `eval` uses it so a long sequential
  // phase starts on fresh, unfilled space (PhaseSpec::fill) and no phase inherits another's files.
  bool per_phase_layout = false;
  // `durabench audit`: every phase is audited (RunOptions::audit); set target.keep with it, so
  // the blocks stay for the verify step.
  AuditFactory audit;
};

struct SessionOutcome {
  RunResult result;  // always filled as far as the session got (host, probe, phases run)
  Status status;     // first error: refusal, setup failure, I/O error, or interruption
};

// Runs `workload` on options.target. The probe is taken before the target is prepared. On a URI
// target every phase runs on the URI's native engine (rados, rbd or gfapi), as recorded.
// A refusal or setup error before the first phase leaves result.phases empty; so does a phase
// that cannot run here (CheckPhaseRunnable: interval, jobs against the process limits, CPUs) or
// asks its engine for what it cannot do (CheckEngineCaps: iodepth, sync method, O_DIRECT,
// sqpoll), checked before the probe and before the target is created. Out of memory or threads
// is an IoError with the partial result; the target's files are removed in every case.
SessionOutcome RunSession(const WorkloadSpec& workload, const SessionOptions& options);

}  // namespace durabench
