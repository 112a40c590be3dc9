#include "engine/io_uring_engine.h"

#include <fcntl.h>  // SYNC_FILE_RANGE_*
#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/psync_engine.h"  // OpenFlagsFor()
#include "util/errno_status.h"
#include "util/sys.h"

namespace durabench {
namespace {

constexpr uint32_t kMaxIodepth = 4096;
// The kernel's limit on registered buffers (IORING_MAX_REG_BUFFERS).
constexpr size_t kMaxRegisteredBuffers = 1u << 14;
// How long an idle SQPOLL thread spins before it sleeps (and Commit() must wake it).
constexpr unsigned kSqThreadIdleMs = 100;
// The data file is the only registered file: SQEs name it by this index.
constexpr int kFileIndex = 0;

uint32_t RoundUpPow2(uint32_t v) {
  uint32_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

}  // namespace

struct IoUringEngine::Ring {
  struct io_uring ring = {};
  bool ready = false;  // `ring` is set up and must be torn down
  int fd = -1;         // the data file (also registered at kFileIndex)
  bool sqpoll = false;
  uint32_t registered_buffers = 0;  // 0 when none were registered
  uint32_t queued = 0;              // prepared by Submit(), not yet handed to the kernel
  uint32_t in_flight = 0;           // handed to the kernel, completion not yet reaped
  bool link_open = false;  // the last request queued has link_next: its successor must follow
  std::vector<struct io_uring_cqe*> cqes;  // Reap()'s scratch space, sized at Open()

  // io_uring_submit(), retried on EINTR. Returns how many requests the kernel took or -errno.
  int SubmitQueued() {
    if (queued == 0) return 0;
    for (;;) {
      const int n = io_uring_submit(&ring);
      if (n == -EINTR) continue;
      // EAGAIN (no memory for requests) and EBUSY (completions backed up): the requests stay
      // queued; the job should reap and commit again.
      if (n < 0) return n;
      const uint32_t taken = std::min(static_cast<uint32_t>(n), queued);
      queued -= taken;
      in_flight += taken;
      return n;
    }
  }
};

EngineCaps IoUringEngine::Caps() {
  EngineCaps caps;
  caps.inline_completion = false;
  caps.max_iodepth = kMaxIodepth;
  caps.does_io = true;
  caps.supports_direct = true;
  caps.linked_flush = true;
  caps.sync_methods = (1u << kSyncMethodCount) - 1;  // every method
  caps.sqpoll = true;                                // IORING_SETUP_SQPOLL
  return caps;
}

IoUringEngine::IoUringEngine() : ring_(std::make_unique<Ring>()) {}

IoUringEngine::~IoUringEngine() { Close(); }

Status IoUringEngine::Open(const std::string& path, const EngineOpenOptions& options) {
  Close();
  if (options.iodepth > kMaxIodepth) {
    return Status::InvalidArgument("io_uring: iodepth " + std::to_string(options.iodepth) +
                                   " exceeds the engine's maximum " + std::to_string(kMaxIodepth));
  }
  Ring& r = *ring_;
  Result<int> fd = OpenDataFile(path, options);
  if (!fd.ok()) return fd.status();
  r.fd = *fd;

  // Twice the queue depth in the SQ so a full job never finds it full; the CQ is twice the SQ
  // (the kernel's default, made explicit): at most iodepth completions are ever outstanding.
  const uint32_t sq_entries = RoundUpPow2(std::max(2 * std::max(options.iodepth, 1u), 8u));
  int ret = 0;
  for (bool submit_all : {true, false}) {
    struct io_uring_params p = {};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = 2 * sq_entries;
    // SUBMIT_ALL (5.18): a request that fails at submission does not hold back the ones after
    // it (they would otherwise stay in the SQ and Commit() would hand over fewer).
    if (submit_all) p.flags |= IORING_SETUP_SUBMIT_ALL;
    if (options.sqpoll) {
      p.flags |= IORING_SETUP_SQPOLL;
      p.sq_thread_idle = kSqThreadIdleMs;
    }
    ret = io_uring_queue_init_params(sq_entries, &r.ring, &p);
    if (ret == 0) {
      r.cqes.assign(p.cq_entries, nullptr);
      break;
    }
    if (ret != -EINVAL) break;  // EINVAL: maybe a kernel older than SUBMIT_ALL; try without
  }
  if (ret < 0) {
    Close();
    if (ret == -ENOSYS || ret == -EPERM) {
      // ENOSYS: built without io_uring (or a seccomp filter says so); EPERM: disabled by
      // kernel.io_uring_disabled, a seccomp filter, or SQPOLL not permitted to this user.
      return Status::NotSupported(
          "io_uring: not supported by this kernel (" +
          ErrnoStatus("io_uring_queue_init", "", ret).message() +
          (ret == -EPERM ? "; kernel.io_uring_disabled, seccomp or sqpoll permission" : "") + ")");
    }
    return ErrnoStatus("io_uring_queue_init", "", ret);
  }
  r.ready = true;
  r.sqpoll = options.sqpoll;

  ret = io_uring_register_files(&r.ring, &r.fd, 1);
  if (ret < 0) {
    Close();
    return ErrnoStatus("io_uring_register_files", path, ret);
  }
  // Registered buffers only save the kernel mapping the pages per I/O: when they cannot be had
  // (more buffers than the kernel allows, or ENOMEM: pinned pages beyond RLIMIT_MEMLOCK),
  // requests use the unregistered READ/WRITE ops on the same memory. That costs CPU but changes
  // neither the I/O that reaches the device nor its durability. Other failures are errors.
  if (options.buffer_count > 0 && options.buffer_count <= kMaxRegisteredBuffers) {
    const auto count = static_cast<unsigned>(options.buffer_count);
    ret = io_uring_register_buffers(&r.ring, options.buffers, count);
    if (ret == 0) {
      r.registered_buffers = count;
    } else if (ret != -ENOMEM) {
      Close();
      return ErrnoStatus("io_uring_register_buffers", path, ret);
    }
  }
  return Status::Ok();
}

int IoUringEngine::Submit(IoRequest* req) {
  Ring& r = *ring_;
  if (!r.ready) return -EBADF;
  struct io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
  if (sqe == nullptr) {
    // The SQ is full: hand what is queued to the kernel first, unless that would end a link
    // chain before its successor (the flush would then run unordered).
    if (r.link_open) return -EBUSY;
    const int n = r.SubmitQueued();
    if (n < 0) return n;
    // With SQPOLL the kernel thread frees SQ slots as it consumes them; wait for one.
    if (r.sqpoll) io_uring_sqring_wait(&r.ring);
    sqe = io_uring_get_sqe(&r.ring);
    if (sqe == nullptr) return -EBUSY;
  }
  const bool fixed_buf =
      req->buf_index >= 0 && static_cast<uint32_t>(req->buf_index) < r.registered_buffers;
  switch (req->type) {
    case IoType::kRead:
      if (fixed_buf) {
        io_uring_prep_read_fixed(sqe, kFileIndex, req->buf, req->length, req->offset,
                                 req->buf_index);
      } else {
        io_uring_prep_read(sqe, kFileIndex, req->buf, req->length, req->offset);
      }
      sqe->rw_flags = req->rw_flags;
      break;
    case IoType::kWrite:
      if (fixed_buf) {
        io_uring_prep_write_fixed(sqe, kFileIndex, req->buf, req->length, req->offset,
                                  req->buf_index);
      } else {
        io_uring_prep_write(sqe, kFileIndex, req->buf, req->length, req->offset);
      }
      // RWF_DSYNC / RWF_SYNC: the kernel applies them to the fixed ops too (tested).
      sqe->rw_flags = req->rw_flags;
      break;
    case IoType::kFlush:
      switch (req->flush_kind) {
        case FlushKind::kFsync:
          io_uring_prep_fsync(sqe, kFileIndex, 0);
          break;
        case FlushKind::kFdatasync:
          io_uring_prep_fsync(sqe, kFileIndex, IORING_FSYNC_DATASYNC);
          break;
        case FlushKind::kSyncFileRange:
          // Writeback of the range only: no device cache flush, no metadata (see psync).
          io_uring_prep_sync_file_range(
              sqe, kFileIndex, req->length, req->offset,
              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
          break;
      }
      break;
  }
  sqe->flags |= IOSQE_FIXED_FILE;
  if (req->link_next) sqe->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data(sqe, req);
  ++r.queued;
  r.link_open = req->link_next;
  return kQueued;
}

int IoUringEngine::Commit() {
  Ring& r = *ring_;
  if (!r.ready) return -EBADF;
  // A link chain ends with the batch it is submitted in: a flush committed after its write's
  // batch would not be ordered behind it. Refuse rather than break the ordering.
  if (r.link_open) return -EINVAL;
  return r.SubmitQueued();
}

int IoUringEngine::Reap(uint32_t min, uint32_t max, IoRequest** out) {
  Ring& r = *ring_;
  if (!r.ready) return -EBADF;
  // Never wait for completions that cannot come (more than are in flight).
  min = std::min({min, max, r.in_flight});
  uint32_t got = 0;
  for (;;) {
    const auto want = static_cast<unsigned>(std::min<size_t>(max - got, r.cqes.size()));
    const unsigned n = want > 0 ? io_uring_peek_batch_cqe(&r.ring, r.cqes.data(), want) : 0;
    for (unsigned i = 0; i < n; ++i) {
      auto* req = static_cast<IoRequest*>(io_uring_cqe_get_data(r.cqes[i]));
      req->result = r.cqes[i]->res;
      out[got++] = req;
    }
    io_uring_cq_advance(&r.ring, n);
    r.in_flight -= std::min(n, r.in_flight);
    if (got >= min) return static_cast<int>(got);
    struct io_uring_cqe* cqe = nullptr;
    const int ret = io_uring_wait_cqe_nr(&r.ring, &cqe, min - got);
    if (ret == -EINTR) continue;
    if (ret < 0) return got > 0 ? static_cast<int>(got) : ret;
  }
}

void IoUringEngine::Close() {
  Ring& r = *ring_;
  if (r.ready) {
    // Requests in flight may still write into the job's buffers: cancel what can be cancelled
    // (e.g. a read waiting on a FIFO) and wait for the rest, so the buffers may be freed after
    // Close(). Queued but uncommitted requests are handed over with the cancel.
    if (r.queued + r.in_flight > 0) {
      struct io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
      if (sqe == nullptr && r.SubmitQueued() >= 0) sqe = io_uring_get_sqe(&r.ring);
      if (sqe != nullptr) {
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);  // user_data 0: not a request
        ++r.queued;
      }
      if (r.SubmitQueued() >= 0) {
        uint32_t outstanding = r.in_flight;
        while (outstanding > 0) {
          struct io_uring_cqe* cqe = nullptr;
          const int ret = io_uring_wait_cqe(&r.ring, &cqe);
          if (ret == -EINTR) continue;
          if (ret < 0) break;
          if (auto* req = static_cast<IoRequest*>(io_uring_cqe_get_data(cqe))) {
            req->result = cqe->res;
          }
          io_uring_cqe_seen(&r.ring, cqe);
          --outstanding;
        }
      }
    }
    // Also releases the registered file and buffers.
    io_uring_queue_exit(&r.ring);
    r.ready = false;
  }
  if (r.fd >= 0) {
    SysClose(r.fd);
    r.fd = -1;
  }
  r.sqpoll = false;
  r.registered_buffers = 0;
  r.queued = 0;
  r.in_flight = 0;
  r.link_open = false;
}

}  // namespace durabench
