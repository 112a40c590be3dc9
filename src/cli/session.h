// One measuring session shared by `run`, `plp` and `eval`: prepare the target, probe it, run the
// phases in order, clean up, and assemble the RunResult. Printing and JSON stay with the caller.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "backend/uri.h"
#include "result/run_result.h"
#include "spec/spec.h"
#include "target/target.h"
#include "util/status.h"

namespace durabench {

struct SessionOptions {
  TargetOptions target;  // layout_fill applies to every phase unless per_phase_layout
  // URI targets (rados://, rbd://, gluster://) and CephFS probes: how to reach the cluster.
  BackendOptions backend;
  uint64_t op_timeout_ns = 30'000'000'000;  // see RunOptions::op_timeout_ns
  uint64_t interval_ns = 1'000'000'000;     // at least kMinIntervalNs (workload/runner.h)
  // Ends the session early when it becomes true (InstallStopHandlers). The session also sets it
  // when stdout is a pipe whose reader went away (`durabench run ... | head -3`): the run then
  // stops as for a signal, and the result is an IoError (exit 3), not a kill.
  std::atomic<bool>* stop = nullptr;
  bool show_progress = false;  // live progress line on stderr
  // Prepare (create, lay out, remove) the target for each phase on its own, sized for that
  // phase alone, instead of once for the largest phase. `eval` uses it so a long sequential
  // phase starts on fresh, unfilled space (PhaseSpec::fill) and no phase inherits another's files.
  bool per_phase_layout = false;
  // Called once, when the target is first prepared (before any phase runs).
  std::function<void(const TargetInfo&)> on_prepared;
  // Called after each phase that ran (also one that ended with an I/O error).
  std::function<void(const PhaseResult&)> on_phase;
};

struct SessionOutcome {
  RunResult result;  // always filled as far as the session got (host, probe, phases run)
  Status status;     // first error: refusal, setup failure, I/O error, or interruption
};

// Runs `workload` on options.target. The probe is taken before the target is prepared. On a URI
// target every phase runs on the URI's native engine (rados, rbd or gfapi), as recorded.
// A refusal or setup error before the first phase leaves result.phases empty; so does a phase
// that cannot run here (CheckPhaseRunnable: interval, jobs against the process limits, CPUs),
// checked before the probe. Out of memory or threads is an IoError with the partial result;
// the target's files are removed in every case.
SessionOutcome RunSession(const WorkloadSpec& workload, const SessionOptions& options);

// How a measuring command (run, plp, eval) ends on a signal. From this call on, SIGINT, SIGTERM,
// SIGHUP, SIGQUIT and SIGUSR1 set the returned flag instead of killing the process: the phase
// running stops, the target's files are removed, and the partial result is written; the process
// then exits with 128 + the signal's number (main.cc, StopSignal()), 130 for Ctrl-C. The handlers
// stay installed: a second signal only prints that the run is stopping, so it can never cut a
// result write short and leave a temporary file (SIGKILL still ends it at once, leaving files).
// SIGPIPE is ignored process-wide (main.cc), so a closed stdout is a write error, not a kill.
std::atomic<bool>* InstallStopHandlers();

// The first stop signal received since InstallStopHandlers() (SIGINT, ...), or 0.
int StopSignal();

}  // namespace durabench
