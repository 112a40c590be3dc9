// The measuring commands' side of a session (run, plp, eval): how the process stops on a signal
// or a closed stdout, and what the user sees on stderr while the session runs (the progress
// line, warnings). The terminal's own control strings come from terminfo (ncurses' libtinfo):
// a terminal without "clear to end of line" (TERM=dumb) gets the line overwritten with spaces.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "session/session.h"

namespace durabench {

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

// Where a prepared target's data lands, for the run header: its kind, then what the probe
// found under it: "directory; ext4 on vda1 (virtio), mounted at /". The mount point is named so
// that an unmounted /mnt/ssd is seen to be the root disk.
std::string DescribeTarget(const TargetInfo& target, const ProbeResult& probe);

// The observer of a measuring command's session: the progress line on stderr (when `progress`),
// warnings, and the check for a closed stdout (a pipe whose reader exited, as in
// `durabench run ... | head -3`), which stops the run like a signal (`stop` is set; the result
// is then an IoError, exit 3, not a kill). The command's own reactions go in on_prepared and
// on_phase.
class CommandObserver : public SessionObserver {
 public:
  CommandObserver(bool progress, std::atomic<bool>* stop);

  std::function<void(const TargetInfo&, const ProbeResult&)> on_prepared;
  std::function<void(const PhaseResult&)> on_phase;
  // When not empty, what StopReason says (a multi-client run stopped by another rank).
  std::string stop_reason;

  void Preparing(const std::string& path) override;
  void Prepared(const TargetInfo& target, const ProbeResult& probe) override;
  void BeforePhase(size_t index, const PhaseSpec& spec) override;
  void Progress(const ProgressSnapshot& snap) override;
  void ProgressEnd() override;
  void PhaseDone(const PhaseResult& phase) override;
  void Warning(const std::string& text) override;
  std::string StopReason() override;

 private:
  void CheckStdout();
  void Show(const std::string& line);  // replaces the line on stderr

  bool progress_;
  std::atomic<bool>* stop_;
  bool stdout_gone_ = false;
  std::string cr_, clear_eol_;  // terminfo "cr" and "el"; "" when the terminal has none
  size_t shown_ = 0;            // columns of the line now shown (for a terminal without "el")
};

}  // namespace durabench
