#include "workload/job.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "measure/clock.h"
#include "measure/time_series.h"
#include "util/errno_status.h"

namespace durabench {
namespace {

// Writes rotate through this many buffers, and each write stamps a serial number into its first
// 8 bytes, so no two blocks are identical (deduplicating or compressing storage would otherwise
// be measured on a best case).
constexpr uint32_t kBufferCount = 16;
// O_DIRECT needs the buffer aligned to the logical block size; 4096 covers every device.
constexpr size_t kBufferAlign = 4096;

FlushKind FlushKindFor(SyncMethod s) {
  switch (s) {
    case SyncMethod::kFsync:
      return FlushKind::kFsync;
    case SyncMethod::kSyncFileRange:
      return FlushKind::kSyncFileRange;
    default:
      return FlushKind::kFdatasync;
  }
}

int RwfFlagsFor(SyncMethod s) {
  if (s == SyncMethod::kRwfDsync) return RWF_DSYNC;
  if (s == SyncMethod::kRwfSync) return RWF_SYNC;
  return 0;
}

void FillBuffer(uint8_t* buf, size_t len, const DataSpec& data, Rng* rng) {
  size_t random_len = len;
  if (data.kind == DataKind::kZero) random_len = 0;
  if (data.kind == DataKind::kCompressible) {
    random_len = len - len * static_cast<size_t>(data.compressible_percent) / 100;
  }
  size_t i = 0;
  for (; i + 8 <= random_len; i += 8) {
    uint64_t v = rng->Next();
    std::memcpy(buf + i, &v, 8);
  }
  for (; i < random_len; ++i) buf[i] = static_cast<uint8_t>(rng->Next());
  std::memset(buf + random_len, 0, len - random_len);
}

// Sleeps until the monotonic clock reads `deadline_ns`.
void SleepUntil(uint64_t deadline_ns) {
  struct timespec ts = {static_cast<time_t>(deadline_ns / 1'000'000'000ull),
                        static_cast<long>(deadline_ns % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

Job::Job(const PhaseSpec& spec, const JobFile& file, std::unique_ptr<Engine> engine, uint64_t seed)
    : spec_(spec),
      file_(file),
      engine_(std::move(engine)),
      seed_(seed),
      offsets_(spec.pattern, std::min(spec.size_bytes, file.size_bytes), spec.block_size_bytes,
               seed),
      rng_(seed ^ 0xa5a5a5a5a5a5a5a5ull) {}

Job::~Job() {
  if (engine_) engine_->Close();
  std::free(buffers_);
}

Status Job::Prepare() {
  EngineOpenOptions open;
  open.sync = spec_.sync;
  open.direct = spec_.direct;
  open.writes = PatternWrites(spec_.pattern);
  open.iodepth = spec_.iodepth;
  DURABENCH_RETURN_IF_ERROR(engine_->Open(file_.path, open));

  buffer_stride_ = (spec_.block_size_bytes + kBufferAlign - 1) / kBufferAlign * kBufferAlign;
  void* mem = nullptr;
  if (posix_memalign(&mem, kBufferAlign, buffer_stride_ * (kBufferCount + 1)) != 0) {
    return Status::IoError("cannot allocate " +
                           std::to_string(buffer_stride_ * (kBufferCount + 1)) +
                           " bytes of I/O buffers");
  }
  buffers_ = static_cast<uint8_t*>(mem);
  for (uint32_t i = 0; i <= kBufferCount; ++i) {
    FillBuffer(buffers_ + i * buffer_stride_, buffer_stride_, spec_.data, &rng_);
  }
  pending_starts_.reserve(spec_.fsync_every);
  return Status::Ok();
}

void* Job::NextWriteBuffer() {
  uint8_t* buf = buffers_ + next_buffer_ * buffer_stride_;
  if (++next_buffer_ == kBufferCount) next_buffer_ = 0;
  if (spec_.data.kind != DataKind::kZero) {
    uint64_t serial = ++write_serial_ ^ seed_;
    std::memcpy(buf, &serial, sizeof(serial));
  }
  return buf;
}

bool Job::Fail(OpKind kind, const IoRequest& req, const char* what) {
  recorder_->RecordError(kind);
  std::string msg(what);
  if (req.type != IoType::kFlush) msg += " at offset " + std::to_string(req.offset);
  msg += " of " + file_.path + ": ";
  if (req.result < 0) {
    error_errno_ = static_cast<int>(-req.result);
    msg += ErrnoString(error_errno_);
  } else {
    error_errno_ = EIO;
    msg += "short transfer, " + std::to_string(req.result) + " of " + std::to_string(req.length) +
           " bytes";
  }
  error_ = std::move(msg);
  return false;
}

bool Job::Flush(bool recording) {
  IoRequest req;
  req.type = IoType::kFlush;
  req.flush_kind = FlushKindFor(spec_.sync);
  req.offset = pending_lo_ == UINT64_MAX ? file_.offset_bytes : pending_lo_;
  req.length = static_cast<uint32_t>(pending_hi_ > pending_lo_ ? pending_hi_ - pending_lo_ : 0);
  const uint64_t t0 = NowNs();
  engine_->Submit(&req);
  const uint64_t t1 = NowNs();
  if (req.result < 0) return Fail(OpKind::kFlush, req, FlushKindName(req.flush_kind));
  if (recording) {
    recorder_->Record(OpKind::kFlush, t1 - t0, 0, t1);
    for (uint64_t start : pending_starts_) recorder_->Record(OpKind::kCommit, t1 - start, 0, t1);
  }
  pending_starts_.clear();
  pending_lo_ = UINT64_MAX;
  pending_hi_ = 0;
  last_end_ns_ = t1;
  return true;
}

void Job::PublishProgress() {
  const auto& intervals = recorder_->intervals();
  if (intervals.size() == intervals_seen_) return;
  intervals_seen_ = intervals.size();
  const IntervalSnapshot& last = intervals.back();
  const IntervalKindSnapshot* k = &last.kinds[static_cast<int>(OpKind::kCommit)];
  if (k->buckets.empty()) k = &last.kinds[static_cast<int>(OpKind::kWrite)];
  if (k->buckets.empty()) k = &last.kinds[static_cast<int>(OpKind::kRead)];
  if (k->buckets.empty()) return;
  shared_.p99_ns.store(SummarizeInterval(*k, &scratch_).p99_ns, std::memory_order_relaxed);
}

void Job::Run(PhaseControl* control, uint64_t interval_ns) {
  uint64_t start_ns;
  while ((start_ns = control->start_ns.load(std::memory_order_acquire)) == 0) {
    control->start_ns.wait(0, std::memory_order_acquire);
  }
  // Every job begins at the shared start, not when it happens to be released.
  SleepUntil(start_ns);
  const uint64_t measure_start = start_ns + spec_.ramp_ns;
  const uint64_t deadline = spec_.runtime_ns ? measure_start + spec_.runtime_ns : UINT64_MAX;
  uint64_t op_limit = spec_.ops;
  if (op_limit == 0 && spec_.runtime_ns == 0) op_limit = offsets_.blocks();  // one pass
  recorder_ = std::make_unique<Recorder>(measure_start, interval_ns);

  const bool flush_method = SyncUsesFlushCall(spec_.sync);
  const bool per_write = SyncIsPerWrite(spec_.sync);
  const int rwf = RwfFlagsFor(spec_.sync);
  const uint64_t bs = spec_.block_size_bytes;
  const uint64_t period_ns = spec_.rate_iops ? 1'000'000'000ull / spec_.rate_iops : 0;
  uint64_t measured_ops = 0;
  uint64_t issued = 0;
  uint8_t* read_buf = buffers_ + kBufferCount * buffer_stride_;

  for (;;) {
    if (control->abort.load(std::memory_order_relaxed)) break;
    if (control->user_stop && control->user_stop->load(std::memory_order_relaxed)) break;
    if (op_limit && measured_ops >= op_limit) break;
    if (period_ns) {
      // Closed-loop pacing to a fixed schedule; latency is measured from the actual start.
      SleepUntil(start_ns + issued * period_ns);
    }
    IoRequest req;
    const bool is_read = spec_.pattern == Pattern::kRead || spec_.pattern == Pattern::kRandRead ||
                         (spec_.pattern == Pattern::kRandRW &&
                          rng_.Below(100) < static_cast<uint64_t>(spec_.read_percent));
    req.type = is_read ? IoType::kRead : IoType::kWrite;
    req.offset = file_.offset_bytes + offsets_.Next();
    req.length = static_cast<uint32_t>(bs);
    req.buf = is_read ? read_buf : NextWriteBuffer();
    req.rw_flags = is_read ? 0 : rwf;

    const uint64_t t0 = NowNs();
    if (t0 >= deadline) break;
    const bool recording = t0 >= measure_start;
    engine_->Submit(&req);
    const uint64_t t1 = NowNs();
    ++issued;
    const OpKind kind = is_read ? OpKind::kRead : OpKind::kWrite;
    if (req.result != static_cast<int64_t>(req.length)) {
      Fail(kind, req, is_read ? "read" : "write");
      control->abort.store(true, std::memory_order_relaxed);
      break;
    }
    last_end_ns_ = t1;
    if (recording) {
      recorder_->Record(kind, t1 - t0, bs, t1);
      ++measured_ops;
      shared_.ops.store(measured_ops, std::memory_order_relaxed);
    }
    if (!is_read) {
      if (per_write && recording) recorder_->Record(OpKind::kCommit, t1 - t0, 0, t1);
      if (flush_method) {
        if (recording) pending_starts_.push_back(t0);
        if (req.offset < pending_lo_) pending_lo_ = req.offset;
        if (req.offset + bs > pending_hi_) pending_hi_ = req.offset + bs;
        ++pending_writes_;
        if (pending_writes_ >= spec_.fsync_every) {
          pending_writes_ = 0;
          if (!Flush(recording)) {
            control->abort.store(true, std::memory_order_relaxed);
            break;
          }
        }
      }
    }
    PublishProgress();
  }
  // Writes still waiting for their flush are made durable, so none is left unaccounted.
  if (flush_method && pending_writes_ > 0 && error_.empty()) {
    pending_writes_ = 0;
    if (!Flush(!pending_starts_.empty())) control->abort.store(true, std::memory_order_relaxed);
  }
  recorder_->Finish();
  control->jobs_finished.fetch_add(1, std::memory_order_release);
}

}  // namespace durabench
