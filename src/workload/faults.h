// Runs a phase's faults on its timeline (docs/chaos.md): each command with /bin/sh -c at its time
// from the phase start, on a thread of its own, one at a time, while the jobs run; output and
// exit code kept. Internal to the runner.
//
// An undo always runs once its action ran: at its undo_at, or when the phase ends first (its
// end, a failure, Ctrl-C), so a node taken down by a fault is brought back whatever happens.
// Commands not yet due when the phase ends are not run. Finish() waits for the command that is
// running to return: a fault command that never returns holds the run (Ctrl-C ends it, the
// shell and its children get the signal with the rest of the terminal's process group).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "result/chaos.h"
#include "spec/spec.h"
#include "util/status.h"

namespace durabench {

// What a fault command ran with, from the phase start: its exit code, output, start and end.
// `start_ns` is the phase's start (NowNs() clock). Never throws; a command that cannot be
// started has exit code -1 and the reason as its output.
FaultCommandRun RunFaultCommand(const std::string& command, uint64_t start_ns);

class FaultTimeline {
 public:
  // `inflight`, called on the timeline's thread at each command's start, gives the requests in
  // flight in all jobs.
  FaultTimeline(const std::vector<FaultSpec>& faults, std::function<uint32_t()> inflight);
  ~FaultTimeline();
  FaultTimeline(const FaultTimeline&) = delete;
  FaultTimeline& operator=(const FaultTimeline&) = delete;

  // Starts the thread; commands run at `start_ns` (NowNs()) + their time. IoError when the
  // thread cannot be started.
  Status Start(uint64_t start_ns);
  // The phase has ended: the undos of actions that ran and are still due run now, nothing else
  // is started; waits until every command returned and gives what ran (in the faults' order).
  std::vector<FaultRun> Finish();

 private:
  void Loop();

  std::vector<FaultRun> runs_;
  std::function<uint32_t()> inflight_;
  uint64_t start_ns_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool ending_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace durabench
