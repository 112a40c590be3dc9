// `psync`: one synchronous system call per operation (pread, pwrite, pwritev2 with RWF_DSYNC /
// RWF_SYNC, fsync, fdatasync, sync_file_range), the way most databases write their WAL.
// O_SYNC / O_DSYNC / O_DIRECT are applied when the file is opened (EngineOpenOptions).
#pragma once

#include <string>

#include "engine/engine.h"

namespace durabench {

class PsyncEngine final : public Engine {
 public:
  PsyncEngine() = default;
  ~PsyncEngine() override { Close(); }
  PsyncEngine(const PsyncEngine&) = delete;
  PsyncEngine& operator=(const PsyncEngine&) = delete;

  static EngineCaps Caps();
  const EngineCaps& caps() const override { return caps_; }
  Status Open(const std::string& path, const EngineOpenOptions& options) override;
  int Submit(IoRequest* req) override;
  void Close() override;

  int fd() const { return fd_; }

 private:
  EngineCaps caps_ = Caps();
  int fd_ = -1;
};

// The open(2) flags for `options` (O_RDWR/O_RDONLY plus O_DIRECT, O_SYNC, O_DSYNC, O_CLOEXEC).
int OpenFlagsFor(const EngineOpenOptions& options);
// Opens a job's data file with OpenFlagsFor(options), for every file engine: the descriptor, or
// NotSupported when the filesystem refuses O_DIRECT, or the open error naming the path.
Result<int> OpenDataFile(const std::string& path, const EngineOpenOptions& options);

}  // namespace durabench
