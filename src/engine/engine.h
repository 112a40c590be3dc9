// The engine contract: how a job hands I/O to the kernel (fio's queue/commit/reap, in C++).
//
// A job owns one Engine and one data file. Per operation it fills an IoRequest and calls
// Submit(). A synchronous engine (caps().inline_completion) performs the call right there and
// returns kCompleted with req->result set. An asynchronous engine (libaio, io_uring) returns
// kQueued; Commit() then hands queued requests to the kernel, and Reap() returns finished ones.
// The job's loop is the same for both; only the number of requests in flight differs.
//
// Two kinds of failure are kept apart (STYLE.md 7):
//  - transport: the request could not be queued/submitted at all (Submit/Commit/Reap < 0);
//  - per-operation: the request ran and failed; req->result holds -errno (e.g. -EIO, -ENOSPC).
//
// Ordering (storage subtlety): a flush only covers writes that have *completed* before it is
// issued. A synchronous engine gets this for free. An asynchronous one must either wait for the
// covered writes or link the flush behind them (IoRequest::link_next, io_uring IOSQE_IO_LINK);
// otherwise the flush may run first and the "durable" write is not.
//
// Thread-safety: an Engine is used by one thread only. Engines never throw and never allocate in
// Submit/Commit/Reap.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/connection.h"
#include "spec/sync_method.h"
#include "util/status.h"

namespace durabench {

enum class IoType : uint8_t { kRead, kWrite, kFlush };
// Which flush call a kFlush request makes.
enum class FlushKind : uint8_t { kFsync, kFdatasync, kSyncFileRange };
// The system call's name: "fsync", "fdatasync", "sync_file_range".
inline const char* FlushKindName(FlushKind k) {
  return k == FlushKind::kFsync       ? "fsync"
         : k == FlushKind::kFdatasync ? "fdatasync"
                                      : "sync_file_range";
}

struct IoRequest {
  IoType type = IoType::kWrite;
  FlushKind flush_kind = FlushKind::kFdatasync;
  bool link_next = false;  // the next request submitted must not start before this one completes
  int rw_flags = 0;        // RWF_DSYNC / RWF_SYNC for writes (pwritev2 semantics)
  void* buf = nullptr;     // for reads/writes; aligned when the file is O_DIRECT
  int32_t buf_index = -1;  // index of `buf` in EngineOpenOptions::buffers, or -1 if not one
  uint32_t length = 0;     // bytes; for kSyncFileRange the range length
  uint64_t offset = 0;     // bytes from the start of the file/device
  int64_t result = 0;      // set on completion: bytes transferred (0 for flushes) or -errno
  uint64_t user_data = 0;  // the caller's, returned untouched
};

struct EngineCaps {
  bool inline_completion = true;  // Submit() always completes the request (sync engine)
  uint32_t max_iodepth = 1;       // most requests in flight per job
  bool does_io = true;            // false for `null`: no system call at all
  bool supports_direct = true;    // can open with O_DIRECT
  bool requires_direct = false;   // opens only with O_DIRECT (libaio: buffered io_submit blocks)
  bool linked_flush = false;      // honours IoRequest::link_next (flush ordered behind a write)
  uint32_t sync_methods = 0;      // bitmask of SyncMethodBit()
  bool sqpoll = false;            // can let a kernel thread poll its submission queue
  bool SupportsSync(SyncMethod s) const { return (sync_methods & SyncMethodBit(s)) != 0; }
};

// How a job's data file is opened.
struct EngineOpenOptions {
  SyncMethod sync = SyncMethod::kNone;  // kOsync / kOdsync add O_SYNC / O_DSYNC
  bool direct = false;                  // O_DIRECT: buffers, offsets and lengths must be aligned
  bool writes = true;                   // false: open read-only
  uint32_t iodepth = 1;  // most requests the job will have in flight (flushes included)
  bool sqpoll = false;   // io_uring: a kernel thread polls the submission queue
  // Every buffer the job will pass in IoRequest::buf (buf_index indexes this array). Engines may
  // register them with the kernel; they stay valid until Close().
  const struct iovec* buffers = nullptr;
  size_t buffer_count = 0;
  // Native engines (rados, rbd, gfapi): the cluster connection of the run's URI target, which
  // outlives the engine. File engines get nullptr and ignore it.
  BackendConnection* connection = nullptr;
};

class Engine {
 public:
  enum SubmitStatus : int { kCompleted = 0, kQueued = 1 };

  virtual ~Engine() = default;

  virtual const EngineCaps& caps() const = 0;
  // Opens `path` for this job: a file or device path, or for a native engine the object-name
  // prefix, image or file on options.connection. NotSupported when the filesystem refuses
  // O_DIRECT etc.
  virtual Status Open(const std::string& path, const EngineOpenOptions& options) = 0;
  // Performs or queues `req` (which must stay valid until it completes). Returns kCompleted,
  // kQueued, or -errno for a transport failure.
  virtual int Submit(IoRequest* req) = 0;
  // Hands queued requests to the kernel. Returns the number handed over or -errno.
  virtual int Commit() { return 0; }
  // Waits until at least `min` requests completed and stores up to `max` of them in `out`.
  // Returns how many were stored or -errno.
  virtual int Reap(uint32_t min, uint32_t max, IoRequest** out) {
    (void)min;
    (void)max;
    (void)out;
    return 0;
  }
  // Closes the file; idempotent; also done by the destructor.
  virtual void Close() = 0;
};

}  // namespace durabench
