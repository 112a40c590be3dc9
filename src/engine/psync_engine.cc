#include "engine/psync_engine.h"

#include <fcntl.h>

#include <cerrno>

#include "util/errno_status.h"
#include "util/sys.h"

namespace durabench {

EngineCaps PsyncEngine::Caps() {
  EngineCaps caps;
  caps.inline_completion = true;
  caps.max_iodepth = 1;
  caps.does_io = true;
  caps.supports_direct = true;
  caps.sync_methods = (1u << kSyncMethodCount) - 1;  // every method
  return caps;
}

int OpenFlagsFor(const EngineOpenOptions& options) {
  int flags = (options.writes ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  if (options.direct) flags |= O_DIRECT;
  // O_SYNC includes O_DSYNC's bit on Linux; the two are distinct methods here: O_SYNC also
  // waits for metadata (e.g. mtime) that O_DSYNC may leave for later.
  if (options.sync == SyncMethod::kOsync) flags |= O_SYNC;
  if (options.sync == SyncMethod::kOdsync) flags |= O_DSYNC;
  return flags;
}

Result<int> OpenDataFile(const std::string& path, const EngineOpenOptions& options) {
  const int fd = SysOpen(path.c_str(), OpenFlagsFor(options));
  if (fd >= 0) return fd;
  if (fd == -EINVAL && options.direct) {
    return Status::NotSupported("open " + path +
                                " with O_DIRECT: not supported by this filesystem");
  }
  return ErrnoStatus("open", path, fd);
}

Status PsyncEngine::Open(const std::string& path, const EngineOpenOptions& options) {
  Close();
  Result<int> fd = OpenDataFile(path, options);
  if (!fd.ok()) return fd.status();
  fd_ = *fd;
  return Status::Ok();
}

int PsyncEngine::Submit(IoRequest* req) {
  int64_t r = 0;
  switch (req->type) {
    case IoType::kRead:
      r = SysPread(fd_, req->buf, req->length, req->offset);
      break;
    case IoType::kWrite:
      r = req->rw_flags != 0 ? SysPwritev2(fd_, req->buf, req->length, req->offset, req->rw_flags)
                             : SysPwrite(fd_, req->buf, req->length, req->offset);
      break;
    case IoType::kFlush:
      switch (req->flush_kind) {
        case FlushKind::kFsync:
          r = SysFsync(fd_);
          break;
        case FlushKind::kFdatasync:
          r = SysFdatasync(fd_);
          break;
        case FlushKind::kSyncFileRange:
          // Starts writeback of the range and waits for it; it does NOT flush the device's
          // volatile cache nor the file's metadata, so it is not a durability guarantee.
          r = SysSyncFileRange(
              fd_, req->offset, req->length,
              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
          break;
      }
      break;
  }
  req->result = r;
  return kCompleted;
}

void PsyncEngine::Close() {
  if (fd_ >= 0) {
    SysClose(fd_);
    fd_ = -1;
  }
}

}  // namespace durabench
