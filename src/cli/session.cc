#include "cli/session.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "durabench/config.h"
#include "report/text.h"
#include "target/probe.h"
#include "workload/runner.h"

namespace durabench {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

void ShowProgress(const ProgressSnapshot& snap) {
  std::string line = FormatProgressLine(snap);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

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

Result<PreparedTarget> Prepare(const SessionOptions& options, const std::vector<PhaseSpec>& phases,
                               bool fill) {
  TargetOptions target = options.target;
  target.layout_fill = target.layout_fill && fill;
  if (options.show_progress) std::fprintf(stderr, "preparing %s ...", target.path.c_str());
  Result<PreparedTarget> prepared =
      LooksLikeTargetUri(target.path)
          ? PrepareBackendTarget(target, LayoutForPhases(phases), options.backend)
          : PrepareTarget(target, LayoutForPhases(phases));
  if (options.show_progress) std::fprintf(stderr, "\r\033[K");
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

// A target that is stuck (op timeout) cannot be cleaned up: removing files or objects, or
// disconnecting, would wait on the same storage. It is left as it is, with a warning.
void LeaveBehind(Result<PreparedTarget>* target) {
  if (!target->ok()) return;
  std::fprintf(stderr,
               "durabench: warning: an operation on %s never completed; its files, objects or "
               "image are left in place\n",
               (*target)->path().c_str());
  // Never cleaned up, never freed; kept reachable so that leak checkers see it is on purpose.
  static auto* left_behind = new std::vector<std::unique_ptr<PreparedTarget>>();
  left_behind->push_back(std::make_unique<PreparedTarget>(std::move(**target)));
}

}  // namespace

const std::atomic<bool>* InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stop;
}

SessionOutcome RunSession(const WorkloadSpec& given, const SessionOptions& options) {
  SessionOutcome out;
  RunResult& result = out.result;
  result.tool_version = DURABENCH_VERSION;
  result.started_at = UtcNowIso8601();
  result.host = CollectHostInfo();
  result.probe = ProbeAnyTarget(options.target.path, options.backend);
  WorkloadSpec workload = given;
  if (LooksLikeTargetUri(options.target.path)) {
    Result<TargetUri> uri = ParseTargetUri(options.target.path);
    if (!uri.ok()) {
      out.status = uri.status();
      return out;
    }
    for (PhaseSpec& p : workload.phases) p.engine = NativeEngineFor(uri->scheme);
  }
  result.workload = workload;

  RunOptions run;
  run.interval_ns = options.interval_ns;
  run.op_timeout_ns = options.op_timeout_ns;
  run.stop = options.stop;
  if (options.show_progress) run.progress = ShowProgress;

  const bool all_unfilled = std::none_of(workload.phases.begin(), workload.phases.end(),
                                         [](const PhaseSpec& p) { return p.fill; });
  Result<PreparedTarget> shared = Status::Internal("not prepared");
  if (!options.per_phase_layout) {
    shared = Prepare(options, workload.phases, !all_unfilled);
    if (!shared.ok()) {
      out.status = shared.status();
      return out;
    }
    FillTargetInfo(*shared, &result.target);
    if (options.on_prepared) options.on_prepared(result.target);
  }

  const size_t n = workload.phases.size();
  bool stuck = false;
  for (size_t i = 0; i < n && !Stopped(options); ++i) {
    const PhaseSpec& spec = workload.phases[i];
    Result<PreparedTarget> own = Status::Internal("not prepared");
    if (options.per_phase_layout) {
      own = Prepare(options, {spec}, spec.fill);
      if (!own.ok()) {
        out.status = own.status().WithContext("phase '" + spec.name + "'");
        result.errors.push_back(out.status.message());
        break;
      }
      FillTargetInfo(*own, &result.target);
      if (i == 0 && options.on_prepared) options.on_prepared(result.target);
    }
    const PreparedTarget& target = options.per_phase_layout ? *own : *shared;
    if (Stopped(options)) break;
    Result<PhaseResult> phase = RunPhase(spec, target, run, i, n);
    if (options.show_progress) std::fprintf(stderr, "\r\033[K");
    if (phase.ok() && phase->abandoned_jobs > 0) stuck = true;
    if (options.per_phase_layout) {
      if (stuck) {
        LeaveBehind(&own);
      } else {
        own->Cleanup();
      }
    }
    if (!phase.ok()) {
      out.status = phase.status();
      result.errors.push_back(phase.status().message());
      break;
    }
    if (options.on_phase) options.on_phase(*phase);
    Status st = phase->status;
    result.phases.push_back(std::move(phase).value());
    if (!st.ok()) {
      out.status = st;
      break;
    }
  }
  if (stuck) {
    LeaveBehind(&shared);
  } else if (shared.ok()) {
    shared->Cleanup();
  }
  if (Stopped(options)) {
    result.errors.push_back("interrupted by a signal");
    if (out.status.ok()) out.status = Status::IoError("interrupted by a signal");
  }
  return out;
}

}  // namespace durabench
