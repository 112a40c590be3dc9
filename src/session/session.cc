#include "session/session.h"

#include <algorithm>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

#include "backend/backend.h"
#include "backend/modules.h"
#include "durabench/config.h"
#include "engine/registry.h"
#include "target/probe.h"
#include "workload/runner.h"

namespace durabench {
namespace {

bool Stopped(const SessionOptions& o) { return o.stop != nullptr && o.stop->load(); }

LayoutRequest LayoutForPhases(const std::vector<PhaseSpec>& phases) {
  LayoutRequest layout;
  for (const PhaseSpec& p : phases) {
    layout.jobs = std::max(layout.jobs, p.jobs);
    layout.size_bytes = std::max(layout.size_bytes, p.size_bytes);
    layout.block_size_bytes =
        std::max(layout.block_size_bytes, static_cast<uint32_t>(p.block_size_bytes));
  }
  return layout;
}

// RunPhase, with running out of memory or threads turned into an error (the caller then cleans
// up and writes the partial result) instead of an exception that would leave the files behind.
Result<PhaseResult> RunPhaseCatching(const PhaseSpec& spec, const PreparedTarget& target,
                                     const RunOptions& run, size_t i, size_t n) {
  const std::string where = "phase '" + spec.name + "': ";
  try {
    return RunPhase(spec, target, run, i, n);
  } catch (const std::bad_alloc&) {
    return Status::IoError(where + "out of memory");
  } catch (const std::system_error& e) {
    return Status::IoError(where + e.what());
  }
}

Result<PreparedTarget> Prepare(const SessionOptions& options, const std::vector<PhaseSpec>& phases,
                               bool fill) {
  TargetOptions target = options.target;
  target.layout_fill = target.layout_fill && fill;
  target.stop = options.stop;
  if (options.observer) options.observer->Preparing(target.path);
  Result<PreparedTarget> prepared =
      LooksLikeTargetUri(target.path)
          ? PrepareBackendTarget(target, LayoutForPhases(phases), options.backend)
          : PrepareTarget(target, LayoutForPhases(phases));
  if (options.observer) options.observer->ProgressEnd();
  return prepared;
}

void FillTargetInfo(const PreparedTarget& target, TargetInfo* info) {
  info->path = target.path();
  info->kind = TargetKindName(target.kind());
  info->logical_block_size_bytes = target.logical_block_size();
  for (const JobFile& f : target.jobs()) {
    if (std::find(info->files.begin(), info->files.end(), f.path) == info->files.end()) {
      info->files.push_back(f.path);
    }
  }
}

// `run` with the time-series interval of phase `spec`: the one asked for, or the phase's default.
RunOptions ForPhase(const RunOptions& run, const SessionOptions& options, const PhaseSpec& spec) {
  RunOptions r = run;
  r.interval_ns = options.interval_ns != 0 ? options.interval_ns : DefaultIntervalNs(spec);
  return r;
}

// A target that is stuck (op timeout) cannot be cleaned up: removing files or objects, or
// disconnecting, would wait on the same storage. It is left as it is, with a warning.
void LeaveBehind(Result<PreparedTarget>* target, SessionObserver* observer) {
  if (!target->ok()) return;
  if (observer) {
    observer->Warning("an operation on " + (*target)->path() +
                      " never completed; its files, objects or image are left in place");
  }
  // Never cleaned up, never freed; kept reachable so that leak checkers see it is on purpose.
  static auto* left_behind = new std::vector<std::unique_ptr<PreparedTarget>>();
  left_behind->push_back(std::make_unique<PreparedTarget>(std::move(**target)));
}

}  // namespace

SessionOutcome RunSession(const WorkloadSpec& given, const SessionOptions& options) {
  SessionOutcome out;
  RunResult& result = out.result;
  RunOptions run;
  run.op_timeout_ns = options.op_timeout_ns;
  run.stop = options.stop;
  run.audit = options.audit;
  // What this machine cannot run is refused before anything is probed or created.
  for (const PhaseSpec& p : given.phases) {
    out.status = CheckPhaseRunnable(p, ForPhase(run, options, p));
    if (!out.status.ok()) return out;
  }
  result.run_id = NewRunId();
  result.tool_version = DURABENCH_VERSION;
  result.started_at = UtcNowIso8601();
  result.host = CollectHostInfo();
  WorkloadSpec workload = given;
  if (LooksLikeTargetUri(options.target.path)) {
    Result<TargetUri> uri = ParseTargetUri(options.target.path);
    if (!uri.ok()) {
      out.status = uri.status();
      return out;
    }
    for (PhaseSpec& p : workload.phases) p.engine = NativeEngineFor(uri->scheme);
  }
  // An engine of a module is loaded now, or the run ends here naming the missing package. Then
  // what every phase asks of its engine is checked against what the engine declares, before the
  // probe and the layout (which may write gigabytes). On a URI target the engine is the URI's:
  // another engine is no fix.
  const std::vector<const EngineInfo*> alternatives =
      LooksLikeTargetUri(options.target.path) ? std::vector<const EngineInfo*>() : AllEngines();
  for (const PhaseSpec& p : workload.phases) {
    out.status = RequireEngine(p.engine);
    if (!out.status.ok()) {
      out.status = out.status.WithContext("phase '" + p.name + "'");
      return out;
    }
    Result<const EngineInfo*> engine = FindEngine(p.engine);
    out.status = engine.ok() ? CheckEngineCaps(p, **engine, alternatives)
                             : engine.status().WithContext("phase '" + p.name + "'");
    if (!out.status.ok()) return out;
  }
  result.probe = ProbeAnyTarget(options.target.path, options.backend);
  result.workload = workload;

  if (options.observer) {
    run.progress = [&](const ProgressSnapshot& snap) { options.observer->Progress(snap); };
  }

  const bool all_unfilled = std::none_of(workload.phases.begin(), workload.phases.end(),
                                         [](const PhaseSpec& p) { return p.fill; });
  Result<PreparedTarget> shared = Status::Internal("not prepared");
  if (!options.per_phase_layout && !Stopped(options)) {
    if (options.observer) options.observer->BeforePrepare();
    if (!Stopped(options)) shared = Prepare(options, workload.phases, !all_unfilled);
    if (options.observer) options.observer->AfterPrepare(shared.ok());
    if (shared.ok()) {
      FillTargetInfo(*shared, &result.target);
      if (options.observer) options.observer->Prepared(result.target, result.probe);
    } else if (!Stopped(options)) {  // a layout cut short by a stop is no error of its own
      out.status = shared.status();
      return out;
    }
  }

  const size_t n = workload.phases.size();
  bool stuck = false;
  for (size_t i = 0; i < n; ++i) {
    const PhaseSpec& spec = workload.phases[i];
    if (options.observer) options.observer->BeforePhase(i, spec);
    if (Stopped(options)) break;
    Result<PreparedTarget> own = Status::Internal("not prepared");
    if (options.per_phase_layout) {
      own = Prepare(options, {spec}, spec.fill);
      if (!own.ok()) {
        if (Stopped(options)) break;
        out.status = own.status().WithContext("phase '" + spec.name + "'");
        result.errors.push_back(out.status.message());
        break;
      }
      FillTargetInfo(*own, &result.target);
      if (i == 0 && options.observer) options.observer->Prepared(result.target, result.probe);
    }
    const PreparedTarget& target = options.per_phase_layout ? *own : *shared;
    if (options.observer) options.observer->PhaseReady(i);
    if (Stopped(options)) break;
    RunOptions phase_run = ForPhase(run, options, spec);
    if (options.observer) {
      phase_run.end_early = [observer = options.observer, i] { return observer->EndPhaseEarly(i); };
    }
    Result<PhaseResult> phase = RunPhaseCatching(spec, target, phase_run, i, n);
    if (options.observer) options.observer->ProgressEnd();
    if (phase.ok() && phase->abandoned_jobs > 0) stuck = true;
    if (options.per_phase_layout) {
      if (stuck) {
        LeaveBehind(&own, options.observer);
      } else {
        own->Cleanup();
      }
    }
    if (!phase.ok()) {
      out.status = phase.status();
      result.errors.push_back(phase.status().message());
      break;
    }
    if (options.observer) options.observer->PhaseDone(*phase);
    Status st = phase->status;
    result.phases.push_back(std::move(phase).value());
    if (!st.ok()) {
      out.status = st;
      break;
    }
  }
  if (!options.per_phase_layout && options.observer) options.observer->BeforeCleanup();
  if (stuck) {
    LeaveBehind(&shared, options.observer);
  } else if (shared.ok()) {
    shared->Cleanup();
  }
  if (!options.per_phase_layout && options.observer) options.observer->AfterCleanup();
  if (Stopped(options)) {
    const std::string why = options.observer ? options.observer->StopReason() : "stopped";
    result.errors.push_back(why);
    if (out.status.ok()) out.status = Status::IoError(why);
  }
  return out;
}

}  // namespace durabench
