#include "cli/terminal.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <term.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cli/commands.h"
#include "util/units.h"

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
    if (snap.ranks > 0) out += fmt::format(" ({} ranks)", snap.ranks);
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

namespace {

// A terminfo string capability, or "" when the terminal lacks it.
std::string Capability(const char* name) {
  const char* s = tigetstr(name);
  if (s == nullptr || s == reinterpret_cast<const char*>(-1)) return "";
  return s;
}

}  // namespace

CommandObserver::CommandObserver(bool progress, std::atomic<bool>* stop)
    : progress_(progress), stop_(stop) {
  int err = 0;
  if (progress_ && setupterm(nullptr, STDERR_FILENO, &err) == 0) {  // 0: OK
    cr_ = Capability("cr");
    clear_eol_ = Capability("el");
  }
  if (cr_.empty()) cr_ = "\r";
}

void CommandObserver::Show(const std::string& line) {
  std::string out = cr_;
  if (!clear_eol_.empty()) {
    out += clear_eol_ + line;
  } else {
    out += line;
    if (line.size() < shown_) out += std::string(shown_ - line.size(), ' ') + cr_ + line;
  }
  shown_ = line.size();
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

void CommandObserver::CheckStdout() {
  if (stop_ != nullptr && !stdout_gone_ && StdoutReaderGone()) {
    stdout_gone_ = true;
    stop_->store(true);
  }
}

void CommandObserver::Preparing(const std::string& path) {
  if (progress_) Show("preparing " + path + " ...");
}

std::string DescribeTarget(const TargetInfo& target, const ProbeResult& probe) {
  std::string s = target.kind;
  if (!probe.backend_detail.empty()) s += "; " + probe.backend_detail;
  const ProbeFact& mount = probe.filesystem.mount_point;
  if (mount.known() && !mount.value.empty() && !probe.is_block_device &&
      probe.backend_detail.find(" on " + mount.value) == std::string::npos) {
    s += ", mounted at " + mount.value;
  }
  return s;
}

void CommandObserver::Prepared(const TargetInfo& target, const ProbeResult& probe) {
  if (on_prepared) on_prepared(target, probe);
}

void CommandObserver::BeforePhase(size_t, const PhaseSpec&) { CheckStdout(); }

void CommandObserver::Progress(const ProgressSnapshot& snap) {
  CheckStdout();
  if (progress_) Show(FormatProgressLine(snap));
}

void CommandObserver::ProgressEnd() {
  if (progress_ && shown_ > 0) Show("");
  shown_ = 0;
}

void CommandObserver::PhaseDone(const PhaseResult& phase) {
  if (on_phase) on_phase(phase);
}

void CommandObserver::Warning(const std::string& text) {
  ProgressEnd();
  PrintWarning(text);
}

std::string CommandObserver::StopReason() {
  if (!stop_reason.empty()) return stop_reason;
  return stdout_gone_ ? "stopped: standard output was closed (its reader exited)"
                      : std::string("interrupted by ") + SignalName(StopSignal());
}

}  // namespace durabench
