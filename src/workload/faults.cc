#include "workload/faults.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "measure/clock.h"
#include "util/errno_status.h"

extern "C" char** environ;

namespace durabench {
namespace {

uint64_t Since(uint64_t start_ns) {
  const uint64_t now = NowNs();
  return now > start_ns ? now - start_ns : 0;
}

// Keeps the last kMaxFaultOutputBytes of what is appended.
void AppendTail(std::string* out, const char* data, size_t n) {
  out->append(data, n);
  if (out->size() > 2 * kMaxFaultOutputBytes) out->erase(0, out->size() - kMaxFaultOutputBytes);
}

}  // namespace

FaultCommandRun RunFaultCommand(const std::string& command, uint64_t start_ns) {
  FaultCommandRun run;
  run.ran = true;
  run.started_ns = Since(start_ns);
  const auto failed = [&](const std::string& why) {
    run.exit_code = -1;
    run.output = "durabench: cannot run the fault command: " + why;
    run.ended_ns = Since(start_ns);
    return run;
  };
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return failed("pipe: " + ErrnoString(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  // The command gets the default signal handling and an empty mask, whatever this thread has.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return failed("/bin/sh: " + ErrnoString(rc));
  }
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n > 0) {
      AppendTail(&run.output, buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.ended_ns = Since(start_ns);
  if (run.output.size() > kMaxFaultOutputBytes) {
    run.output.erase(0, run.output.size() - kMaxFaultOutputBytes);
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

FaultTimeline::FaultTimeline(const std::vector<FaultSpec>& faults,
                             std::function<uint32_t()> inflight)
    : inflight_(std::move(inflight)) {
  for (const FaultSpec& f : faults) runs_.push_back({f, {}, {}});
}

FaultTimeline::~FaultTimeline() {
  if (thread_.joinable()) Finish();
}

Status FaultTimeline::Start(uint64_t start_ns) {
  start_ns_ = start_ns;
  if (runs_.empty()) return Status::Ok();
  try {
    thread_ = std::thread([this] { Loop(); });
  } catch (const std::system_error& e) {
    return Status::IoError("cannot start the thread that runs the faults: " + e.code().message());
  }
  return Status::Ok();
}

std::vector<FaultRun> FaultTimeline::Finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ending_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return runs_;
}

void FaultTimeline::Loop() {
  // (due from the phase start, fault, undo?); an undo without a time is due at the end.
  struct Due {
    uint64_t at_ns;
    size_t fault;
    bool undo;
  };
  std::vector<Due> due;
  for (size_t i = 0; i < runs_.size(); ++i) {
    due.push_back({runs_[i].spec.at_ns, i, false});
    if (!runs_[i].spec.undo.empty()) {
      due.push_back({runs_[i].spec.undo_at_ns ? runs_[i].spec.undo_at_ns : UINT64_MAX, i, true});
    }
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const Due& a, const Due& b) { return a.at_ns < b.at_ns; });
  for (const Due& d : due) {
    FaultRun& run = runs_[d.fault];
    bool ending = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!ending_) {
        const uint64_t now = Since(start_ns_);
        if (d.at_ns != UINT64_MAX && now >= d.at_ns) break;
        if (d.at_ns == UINT64_MAX) {
          wake_.wait(lock);
        } else {
          wake_.wait_for(lock, std::chrono::nanoseconds(d.at_ns - now));
        }
      }
      ending = ending_;
    }
    // Once the phase ended, only the undos of actions that ran.
    if (ending && !(d.undo && run.action.ran)) continue;
    if (d.undo && !run.action.ran) continue;
    const uint32_t inflight = inflight_ ? inflight_() : 0;
    FaultCommandRun result = RunFaultCommand(d.undo ? run.spec.undo : run.spec.run, start_ns_);
    result.inflight = inflight;
    (d.undo ? run.undo : run.action) = std::move(result);
  }
}

}  // namespace durabench
