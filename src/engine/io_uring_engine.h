// `io_uring` (liburing): queue depth N per job with one submission and completion ring.
//
// Reads and writes as IORING_OP_READ(_FIXED) / IORING_OP_WRITE(_FIXED) with RWF_* flags in
// rw_flags; flushes as IORING_OP_FSYNC (IORING_FSYNC_DATASYNC for fdatasync) or
// IORING_OP_SYNC_FILE_RANGE. A request with link_next gets IOSQE_IO_LINK, so the next one (the
// flush) starts only after it completed: the flush then covers the write. The data file is a
// registered file and the job's buffers are registered buffers (fewer atomic operations per I/O);
// with `sqpoll` a kernel thread polls the submission ring, so Commit() needs no system call while
// the thread is awake.
//
// The rings hold twice the queue depth (SQ) and four times it (CQ), so a job that keeps at most
// `iodepth` requests in flight never finds the SQ full nor overflows the CQ. Should the SQ fill
// anyway, Submit() hands the queued requests to the kernel itself and goes on.
//
// Contract details beyond Engine's:
//  - Commit() returns -EINVAL, submitting nothing, while the last request queued has link_next:
//    a link chain ends with the batch it is submitted in, so the successor must be queued first.
//    -EAGAIN / -EBUSY from the kernel leave the requests queued: reap, then Commit() again.
//  - Reap() lowers `min` to the number of requests in flight: it never waits for completions
//    that cannot come. A linked flush whose write failed or was short completes with
//    -ECANCELED in its result (a per-operation failure).
//  - Close() cancels what can be cancelled and waits for the rest of the requests in flight, so
//    their buffers may be freed afterwards; cancelled requests get -ECANCELED.
//  - Registered buffers: with more buffers than the kernel registers (16384), or when
//    registering fails with ENOMEM (RLIMIT_MEMLOCK), requests use the unregistered READ/WRITE
//    ops on the same memory. That costs CPU per I/O but changes neither the I/O nor its
//    durability. The data file's registration has no such fallback.
//
// A kernel without io_uring, or with it disabled (kernel.io_uring_disabled, seccomp), gives
// NotSupported from Open().
#pragma once

#include <memory>
#include <string>

#include "engine/engine.h"

namespace durabench {

class IoUringEngine final : public Engine {
 public:
  IoUringEngine();
  ~IoUringEngine() override;
  IoUringEngine(const IoUringEngine&) = delete;
  IoUringEngine& operator=(const IoUringEngine&) = delete;

  static EngineCaps Caps();
  const EngineCaps& caps() const override { return caps_; }
  Status Open(const std::string& path, const EngineOpenOptions& options) override;
  int Submit(IoRequest* req) override;
  int Commit() override;
  int Reap(uint32_t min, uint32_t max, IoRequest** out) override;
  void Close() override;

 private:
  struct Ring;  // liburing state, kept out of this header
  EngineCaps caps_ = Caps();
  std::unique_ptr<Ring> ring_;
};

}  // namespace durabench
