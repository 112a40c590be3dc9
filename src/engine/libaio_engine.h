// `libaio`: Linux native AIO, io_submit / io_getevents, queue depth N per job.
//
// Native AIO is only asynchronous with O_DIRECT (buffered submissions block in io_submit), so
// Open() requires direct = true. Writes carry RWF_DSYNC / RWF_SYNC in aio_rw_flags; flushes are
// IOCB_CMD_FDSYNC / IOCB_CMD_FSYNC, which kernels since 4.18 accept. Where the kernel refuses a
// flush command (or an RWF_* flag) io_submit fails, so Commit() returns -EINVAL (-EOPNOTSUPP) as a
// transport failure and the runner reports the first one as NotSupported — the engine never
// substitutes another call, since that would change what is measured. sync_file_range has no
// AIO command: not in caps(), and Submit() refuses such a flush with -EINVAL.
// libaio cannot link requests (caps().linked_flush is false; link_next is ignored): the job waits
// for the writes a flush covers before it submits the flush.
//
// Engine contract details:
//  - Open() sets up a kernel context for 2 * iodepth events and a pool of as many iocbs; Submit()
//    returns -EAGAIN when more than that many requests are outstanding (queued, in flight or
//    completed but not reaped). Open() fails with InvalidArgument above caps().max_iodepth, with
//    IoError naming /proc/sys/fs/aio-max-nr when the system-wide AIO event limit is used up.
//  - Commit() returns the number of requests handed to the kernel. If the kernel refuses a
//    request, the ones before it are handed over and counted; the refused one and those behind it
//    stay queued, and the next Commit() returns the refusal as -errno with nothing handed over.
//  - Reap() never waits for requests the kernel does not hold: `min` is lowered to the number in
//    flight, so Reap(n, max) with nothing committed returns 0 at once. Reap(0, max) never blocks.
//    A failed operation (e.g. -EINVAL for a misaligned O_DIRECT offset) is req->result, not a
//    Reap() failure.
//  - Close() (io_destroy) waits for the requests in flight to finish and drops their completions:
//    they are never returned by Reap(); their buffers are free to reuse once Close() returns.
#pragma once

#include <memory>
#include <string>

#include "engine/engine.h"

namespace durabench {

class LibaioEngine final : public Engine {
 public:
  LibaioEngine();
  ~LibaioEngine() override;
  LibaioEngine(const LibaioEngine&) = delete;
  LibaioEngine& operator=(const LibaioEngine&) = delete;

  static EngineCaps Caps();
  const EngineCaps& caps() const override { return caps_; }
  Status Open(const std::string& path, const EngineOpenOptions& options) override;
  int Submit(IoRequest* req) override;
  int Commit() override;
  int Reap(uint32_t min, uint32_t max, IoRequest** out) override;
  void Close() override;

 private:
  struct Context;  // io_context_t, iocbs, events: kept out of this header
  EngineCaps caps_ = Caps();
  std::unique_ptr<Context> ctx_;
};

}  // namespace durabench
