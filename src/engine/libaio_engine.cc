#include "engine/libaio_engine.h"

#include <libaio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>

#include "engine/psync_engine.h"
#include "util/errno_status.h"
#include "util/sys.h"

namespace durabench {

// Everything Open() sets up. All arrays are sized once in Open(), so Submit/Commit/Reap never
// allocate. `capacity` = 2 * iodepth iocbs: as many as the kernel ring is asked to hold, so
// io_submit() never runs out of ring slots (EAGAIN) while the pool has a free iocb.
struct LibaioEngine::Context {
  io_context_t aio = nullptr;  // must be zero before io_setup()
  int fd = -1;
  uint32_t capacity = 0;
  std::unique_ptr<struct iocb[]> iocbs;  // the pool
  std::unique_ptr<struct iocb*[]> free;  // stack of unused pool entries
  uint32_t free_count = 0;
  std::unique_ptr<struct iocb*[]> pending;  // queued by Submit(), not yet given to io_submit()
  uint32_t pending_count = 0;
  std::unique_ptr<struct io_event[]> events;  // io_getevents() output
  uint32_t in_flight = 0;                     // handed to the kernel, not yet reaped
};

namespace {

// Allocates n value-initialized elements without throwing; null when out of memory.
template <typename T>
std::unique_ptr<T[]> NewArray(uint32_t n) {
  return std::unique_ptr<T[]>(new (std::nothrow) T[n]());
}

// The operation's result as bytes or -errno. struct io_event declares `res` unsigned long, but
// the kernel stores a signed value there (bytes or -errno): converting to long restores the sign
// (modular since C++20, also where long is 32 bits and the kernel's s64 was truncated). `res2` is
// a driver-private status, 0 for files and block devices (always 0 since Linux 5.16); a non-zero
// res2 beside a non-negative res is reported as -EIO so a failure is never counted as success.
int64_t EventResult(const struct io_event& ev) {
  const int64_t res = static_cast<long>(ev.res);
  const int64_t res2 = static_cast<long>(ev.res2);
  if (res >= 0 && res2 != 0) return -EIO;
  return res;
}

}  // namespace

LibaioEngine::LibaioEngine() : ctx_(new (std::nothrow) Context()) {}

LibaioEngine::~LibaioEngine() { Close(); }

EngineCaps LibaioEngine::Caps() {
  EngineCaps caps;
  caps.inline_completion = false;
  caps.max_iodepth = 4096;
  caps.does_io = true;
  caps.supports_direct = true;
  caps.requires_direct = true;  // buffered io_submit blocks: nothing would be asynchronous
  caps.linked_flush = false;
  // No sync_file_range: native AIO has no command for it.
  caps.sync_methods = SyncMethodBit(SyncMethod::kNone) | SyncMethodBit(SyncMethod::kFsync) |
                      SyncMethodBit(SyncMethod::kFdatasync) | SyncMethodBit(SyncMethod::kOsync) |
                      SyncMethodBit(SyncMethod::kOdsync) | SyncMethodBit(SyncMethod::kRwfDsync) |
                      SyncMethodBit(SyncMethod::kRwfSync);
  return caps;
}

Status LibaioEngine::Open(const std::string& path, const EngineOpenOptions& options) {
  Close();
  if (ctx_ == nullptr) return Status::Internal("engine libaio: out of memory");
  if (!options.direct) {
    return Status::InvalidArgument(
        "engine libaio needs direct = true (without O_DIRECT io_submit blocks and nothing is "
        "asynchronous)");
  }
  const uint32_t iodepth = std::max<uint32_t>(options.iodepth, 1);
  if (iodepth > caps_.max_iodepth) {
    return Status::InvalidArgument("engine libaio: iodepth " + std::to_string(iodepth) +
                                   " is above its maximum " + std::to_string(caps_.max_iodepth));
  }

  Result<int> opened = OpenDataFile(path, options);  // direct is required above
  if (!opened.ok()) return opened.status();
  int fd = *opened;

  Context& c = *ctx_;
  const uint32_t capacity = 2 * iodepth;
  io_context_t aio = nullptr;
  // libaio returns -errno (and leaves errno alone).
  int r = io_setup(static_cast<int>(capacity), &aio);
  if (r < 0) {
    SysClose(fd);
    const std::string call = "io_setup(" + std::to_string(capacity) + ") for " + path;
    if (r == -ENOSYS) {
      return Status::NotSupported(call + ": native AIO is not available in this kernel");
    }
    if (r == -EAGAIN) {
      // The system-wide limit on AIO events is used up (by other processes or other jobs).
      return Status::IoError(call + ": " + ErrnoString(r) +
                             " (the system-wide AIO event limit /proc/sys/fs/aio-max-nr is "
                             "reached; /proc/sys/fs/aio-nr shows what is in use)");
    }
    return ErrnoStatus("io_setup", path, r);
  }

  c.iocbs = NewArray<struct iocb>(capacity);
  c.free = NewArray<struct iocb*>(capacity);
  c.pending = NewArray<struct iocb*>(capacity);
  c.events = NewArray<struct io_event>(capacity);
  if (!c.iocbs || !c.free || !c.pending || !c.events) {
    io_destroy(aio);
    SysClose(fd);
    return Status::Internal("engine libaio: out of memory for " + std::to_string(capacity) +
                            " requests");
  }
  c.aio = aio;
  c.fd = fd;
  c.capacity = capacity;
  for (uint32_t i = 0; i < capacity; ++i) c.free[i] = &c.iocbs[i];
  c.free_count = capacity;
  c.pending_count = 0;
  c.in_flight = 0;
  return Status::Ok();
}

int LibaioEngine::Submit(IoRequest* req) {
  if (ctx_ == nullptr || ctx_->fd < 0) return -EBADF;
  Context& c = *ctx_;
  // More than 2 * iodepth requests outstanding (queued, in flight or unreaped): a caller bug.
  if (c.free_count == 0) return -EAGAIN;
  struct iocb* cb = c.free[c.free_count - 1];
  const long long offset = static_cast<long long>(req->offset);
  switch (req->type) {
    case IoType::kRead:
      io_prep_pread(cb, c.fd, req->buf, req->length, offset);
      break;
    case IoType::kWrite:
      io_prep_pwrite(cb, c.fd, req->buf, req->length, offset);
      // Per-write RWF_DSYNC / RWF_SYNC, as pwritev2() takes them (Linux >= 4.13 for AIO).
      cb->aio_rw_flags = static_cast<unsigned>(req->rw_flags);
      break;
    case IoType::kFlush:
      switch (req->flush_kind) {
        case FlushKind::kFsync:
          io_prep_fsync(cb, c.fd);
          break;
        case FlushKind::kFdatasync:
          io_prep_fdsync(cb, c.fd);
          break;
        case FlushKind::kSyncFileRange:
          // No AIO command exists and caps() does not offer it: the caller should have refused
          // the workload before running it.
          return -EINVAL;
      }
      break;
  }
  cb->data = req;
  --c.free_count;
  c.pending[c.pending_count++] = cb;
  return kQueued;
}

int LibaioEngine::Commit() {
  if (ctx_ == nullptr || ctx_->fd < 0) return -EBADF;
  Context& c = *ctx_;
  uint32_t done = 0;
  int err = 0;
  while (done < c.pending_count) {
    int r = io_submit(c.aio, c.pending_count - done, &c.pending[done]);
    if (r == -EINTR) continue;
    if (r <= 0) {
      // The kernel refused pending[done] (or had no resources for it): it and the requests
      // behind it stay queued.
      err = r < 0 ? r : -EAGAIN;
      break;
    }
    done += static_cast<uint32_t>(r);
  }
  if (done > 0) {
    // Keep the unsubmitted tail at the front of the queue (rare: only after a refusal).
    std::memmove(&c.pending[0], &c.pending[done], (c.pending_count - done) * sizeof(c.pending[0]));
    c.pending_count -= done;
    c.in_flight += done;
    return static_cast<int>(done);
  }
  return err;
}

int LibaioEngine::Reap(uint32_t min, uint32_t max, IoRequest** out) {
  if (ctx_ == nullptr || ctx_->fd < 0) return -EBADF;
  Context& c = *ctx_;
  max = std::min({max, c.capacity, c.in_flight});
  min = std::min(min, max);  // never wait for requests that are not in the kernel
  uint32_t got = 0;
  while (got < max) {
    const uint32_t want = min > got ? min - got : 0;
    // With nothing more to wait for, a zero timeout lets libaio look at the completion ring in
    // user space and skip the system call when it is empty.
    struct timespec zero = {0, 0};
    int r = io_getevents(c.aio, want, max - got, &c.events[got], want == 0 ? &zero : nullptr);
    if (r == -EINTR) continue;  // a signal: keep waiting for `min`
    if (r < 0) {
      if (got > 0) break;  // hand out what was reaped; the error will come back next time
      return r;
    }
    got += static_cast<uint32_t>(r);
    if (got >= min) break;
  }
  for (uint32_t i = 0; i < got; ++i) {
    const struct io_event& ev = c.events[i];
    IoRequest* req = static_cast<IoRequest*>(ev.data);
    req->result = EventResult(ev);
    c.free[c.free_count++] = ev.obj;
    out[i] = req;
  }
  c.in_flight -= got;
  return static_cast<int>(got);
}

void LibaioEngine::Close() {
  if (ctx_ == nullptr) return;
  Context& c = *ctx_;
  if (c.aio != nullptr) {
    // io_destroy() cancels what can be cancelled (nothing, for files and block devices) and
    // waits for every request in flight to finish; their completions are dropped.
    // Only then is the fd closed and the pool freed, so the kernel never touches freed memory.
    io_destroy(c.aio);
    c.aio = nullptr;
  }
  if (c.fd >= 0) {
    SysClose(c.fd);
    c.fd = -1;
  }
  c.iocbs.reset();
  c.free.reset();
  c.pending.reset();
  c.events.reset();
  c.capacity = c.free_count = c.pending_count = c.in_flight = 0;
}

}  // namespace durabench
