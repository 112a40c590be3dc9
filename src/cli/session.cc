#include "cli/session.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

#include "backend/backend.h"
#include "durabench/config.h"
#include "report/text.h"
#include "target/probe.h"
#include "util/units.h"
#include "workload/runner.h"

namespace durabench {
namespace {

// "[2/8] fdatasync  3.1s/5.0s  1234 IOPS  commit p99 1.20ms" (no newline).
std::string FormatProgressLine(const ProgressSnapshot& snap) {
  const double elapsed = static_cast<double>(snap.elapsed_ns) / 1e9;
  std::string out =
      fmt::format("[{}/{}] {}  ", snap.phase_index + 1, snap.phase_count, snap.phase_name);
  if (snap.total_ns) {
    out += fmt::format("{:.1f}s/{:.1f}s", elapsed, static_cast<double>(snap.total_ns) / 1e9);
  } else {
    out += fmt::format("{:.1f}s", elapsed);
  }
  if (snap.ramping) {
    out += "  ramping";
  } else {
    out += fmt::format("  {:.0f} IOPS", snap.iops);
    if (snap.p99_ns)
      out += fmt::format("  {} p99 {}", snap.p99_kind, FormatDurationNs(snap.p99_ns));
  }
  return out;
}

// The signals that stop a measuring command (InstallStopHandlers).
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1};

std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};  // the first one received
std::atomic<int> g_signals{0};      // how many were received
static_assert(std::atomic<int>::is_always_lock_free, "used in a signal handler");

// Async-signal-safe: lock-free atomics and write(2) only; errno is preserved.
void OnSignal(int sig) {
  const int saved_errno = errno;
  int none = 0;
  g_stop_signal.compare_exchange_strong(none, sig);
  g_stop.store(true);
  if (g_signals.fetch_add(1) == 1) {
    static constexpr char kNote[] =
        "\ndurabench: stopping: removing its files and writing the partial result\n";
    const ssize_t n = ::write(STDERR_FILENO, kNote, sizeof(kNote) - 1);
    (void)n;
  }
  errno = saved_errno;
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGUSR1:
      return "SIGUSR1";
  }
  return "a signal";
}

// True when stdout is a pipe (or socket) whose reader went away, so that every further write to
// it fails with EPIPE. poll() reports POLLERR for such a pipe; a terminal, file or /dev/null never.
bool StdoutReaderGone() {
  struct pollfd p = {STDOUT_FILENO, 0, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

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

std::atomic<bool>* InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  // SA_RESTART: a signal does not turn the main thread's blocking calls (layout writes, result
  // writes) into EINTR errors. The job threads block these signals (workload/job.h).
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kStopSignals) sigaddset(&sa.sa_mask, sig);
  for (int sig : kStopSignals) sigaction(sig, &sa, nullptr);
  // A parent may have left them blocked (the mask survives exec): then they would never arrive.
  pthread_sigmask(SIG_UNBLOCK, &sa.sa_mask, nullptr);
  return &g_stop;
}

int StopSignal() { return g_stop_signal.load(); }

SessionOutcome RunSession(const WorkloadSpec& given, const SessionOptions& options) {
  SessionOutcome out;
  RunResult& result = out.result;
  RunOptions run;
  run.interval_ns = options.interval_ns;
  run.op_timeout_ns = options.op_timeout_ns;
  run.stop = options.stop;
  // What this machine cannot run is refused before anything is probed or created.
  for (const PhaseSpec& p : given.phases) {
    out.status = CheckPhaseRunnable(p, run);
    if (!out.status.ok()) return out;
  }
  result.run_id = NewRunId();
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

  // Called about every 250 ms while a phase runs: the progress line, and the check for a closed
  // stdout (a pipe whose reader exited), which stops the run like a signal.
  bool stdout_gone = false;
  const auto check_stdout = [&] {
    if (options.stop != nullptr && !stdout_gone && StdoutReaderGone()) {
      stdout_gone = true;
      options.stop->store(true);
    }
  };
  run.progress = [&](const ProgressSnapshot& snap) {
    check_stdout();
    if (options.show_progress) ShowProgress(snap);
  };

  const bool all_unfilled = std::none_of(workload.phases.begin(), workload.phases.end(),
                                         [](const PhaseSpec& p) { return p.fill; });
  Result<PreparedTarget> shared = Status::Internal("not prepared");
  if (!options.per_phase_layout && !Stopped(options)) {
    shared = Prepare(options, workload.phases, !all_unfilled);
    if (shared.ok()) {
      FillTargetInfo(*shared, &result.target);
      if (options.on_prepared) options.on_prepared(result.target);
    } else if (!Stopped(options)) {  // a layout cut short by a stop is no error of its own
      out.status = shared.status();
      return out;
    }
  }

  const size_t n = workload.phases.size();
  bool stuck = false;
  for (size_t i = 0; i < n && (check_stdout(), !Stopped(options)); ++i) {
    const PhaseSpec& spec = workload.phases[i];
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
      if (i == 0 && options.on_prepared) options.on_prepared(result.target);
    }
    const PreparedTarget& target = options.per_phase_layout ? *own : *shared;
    if (Stopped(options)) break;
    Result<PhaseResult> phase = RunPhaseCatching(spec, target, run, i, n);
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
    const std::string why = stdout_gone ? "stopped: standard output was closed (its reader exited)"
                                        : std::string("interrupted by ") + SignalName(StopSignal());
    result.errors.push_back(why);
    if (out.status.ok()) out.status = Status::IoError(why);
  }
  return out;
}

}  // namespace durabench
