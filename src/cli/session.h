// One measuring session shared by `run`, `plp` and `eval`: prepare the target, probe it, run the
// phases in order, clean up, and assemble the RunResult. Printing and JSON stay with the caller.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "backend/uri.h"
#include "report/result.h"
#include "target/target.h"
#include "util/status.h"
#include "workload/spec.h"

namespace durabench {

struct SessionOptions {
  TargetOptions target;  // layout_fill applies to every phase unless per_phase_layout
  // URI targets (rados://, rbd://, gluster://) and CephFS probes: how to reach the cluster.
  BackendOptions backend;
  uint64_t op_timeout_ns = 30'000'000'000;  // see RunOptions::op_timeout_ns
  uint64_t interval_ns = 1'000'000'000;
  const std::atomic<bool>* stop = nullptr;
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
// A refusal or setup error before the first phase leaves result.phases empty.
SessionOutcome RunSession(const WorkloadSpec& workload, const SessionOptions& options);

// First SIGINT/SIGTERM sets the returned flag (the partial result is written, files removed);
// the handler resets itself, so a second one kills the process.
const std::atomic<bool>* InstallStopHandlers();

}  // namespace durabench
