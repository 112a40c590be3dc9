#include "workload/job.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "measure/clock.h"
#include "util/errno_status.h"
#include "util/thread_signals.h"

namespace durabench {
namespace {

// O_DIRECT needs the buffer aligned to the logical block size; 4096 covers every device.
constexpr size_t kBufferAlign = 4096;
// At least this many request slots (and so distinct write buffers), even at queue depth 1.
constexpr uint32_t kMinSlots = 16;
// Open loop: while requests are in flight and the next one is not due yet, completions are
// polled this often.
constexpr uint64_t kOpenLoopPollNs = 20'000;

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

// Open loop: sleeping this close to a due time would risk waking late; the rest is spun.
constexpr uint64_t kSpinBeforeDueNs = 200'000;

// Waits until `due_ns` as exactly as the scheduler allows: a sleep (with 1 ns timer slack, set by
// the caller) to shortly before, then a spin. A late wake-up would count as latency of the
// operation in the corrected (open-loop) figures, although the device had no part in it.
void WaitUntilDue(uint64_t due_ns) {
  if (due_ns > NowNs() + kSpinBeforeDueNs) SleepUntilNs(due_ns - kSpinBeforeDueNs);
  while (NowNs() < due_ns) {
  }
}

// OK when `file` (a file laid out by the target) is still at its path: the device and inode
// recorded at layout. A directory renamed or a file replaced since (between phases) must not make
// a job write whatever is at the path now.
Status CheckSameFile(const JobFile& file) {
  if (file.ino == 0 || file.is_block_device || file.connection != nullptr) return Status::Ok();
  struct stat st;
  if (::stat(file.path.c_str(), &st) != 0) {
    return Status::IoError("data file " + file.path + " is gone since the layout (" +
                           ErrnoString(errno) + "); not writing to another file in its place");
  }
  if (static_cast<uint64_t>(st.st_dev) != file.dev ||
      static_cast<uint64_t>(st.st_ino) != file.ino) {
    return Status::IoError("data file " + file.path +
                           " was replaced or moved since the layout; not writing to the file now "
                           "at that path");
  }
  return Status::Ok();
}

}  // namespace

Job::Job(const PhaseSpec& spec, const JobFile& file, std::unique_ptr<Engine> engine, uint64_t seed,
         int cpu)
    : spec_(spec),
      file_(file),
      engine_(std::move(engine)),
      seed_(seed),
      cpu_(cpu),
      offsets_(spec.pattern, std::min(spec.size_bytes, file.size_bytes), spec.block_size_bytes,
               seed),
      rng_(seed ^ 0xa5a5a5a5a5a5a5a5ull) {}

Job::~Job() {
  if (engine_) engine_->Close();
  std::free(buffers_);
}

Status Job::Prepare() {
  flush_method_ = SyncUsesFlushCall(spec_.sync) && PatternWrites(spec_.pattern);
  // iodepth bounds every request in flight, flushes included, as fio counts them. A linked pair
  // takes two places, so linking needs iodepth >= 2.
  linked_ =
      flush_method_ && spec_.fsync_every == 1 && engine_->caps().linked_flush && spec_.iodepth >= 2;
  max_total_ = spec_.iodepth;
  const uint32_t nslots = std::max(kMinSlots, max_total_ + 2);
  slots_.resize(nslots);
  for (uint32_t i = nslots; i-- > 0;) Release(&slots_[i]);
  reaped_.resize(nslots);
  if (flush_method_) {
    // Groups not yet flushed: at most one per request in flight, plus the open one.
    // Groups not yet flushed: each holds a write or a flush in flight, or waits in ready_ for its
    // flush (which then takes its write's place), plus the open one. Flushes may complete out
    // of order, so groups come from a free list, not a ring.
    groups_.resize(max_total_ + 2);
    for (uint32_t i = static_cast<uint32_t>(groups_.size()); i-- > 0;) {
      groups_[i].waiting.reserve(std::min<uint32_t>(spec_.fsync_every, 4096));
      free_groups_.push_back(i);
    }
    open_group_ = free_groups_.back();
    free_groups_.pop_back();
    ready_.reserve(groups_.size());
  }

  // Every slot owns a write buffer (a write's data must not change while it is in flight) and,
  // for patterns that read, a read buffer.
  write_buffers_ = PatternWrites(spec_.pattern) ? nslots : 0;
  const uint32_t read_buffers = PatternReads(spec_.pattern) ? nslots : 0;
  const size_t nbuf = std::max<size_t>(1, write_buffers_ + read_buffers);
  buffer_stride_ = (spec_.block_size_bytes + kBufferAlign - 1) / kBufferAlign * kBufferAlign;
  void* mem = nullptr;
  if (posix_memalign(&mem, kBufferAlign, buffer_stride_ * nbuf) != 0) {
    return Status::IoError("cannot allocate " + std::to_string(buffer_stride_ * nbuf) +
                           " bytes of I/O buffers");
  }
  buffers_ = static_cast<uint8_t*>(mem);
  iovecs_.resize(nbuf);
  for (size_t i = 0; i < nbuf; ++i) {
    FillBuffer(buffers_ + i * buffer_stride_, buffer_stride_, spec_.data, &rng_);
    iovecs_[i].iov_base = buffers_ + i * buffer_stride_;
    iovecs_[i].iov_len = buffer_stride_;
  }

  EngineOpenOptions open;
  open.sync = spec_.sync;
  open.direct = spec_.direct;
  open.writes = PatternWrites(spec_.pattern);
  open.iodepth = max_total_;
  open.connection = file_.connection;
  open.sqpoll = spec_.sqpoll;
  open.buffers = iovecs_.data();
  open.buffer_count = iovecs_.size();
  // Checked on both sides of the open: what was opened is the file laid out (short of the path
  // being swapped away and back within the open).
  DURABENCH_RETURN_IF_ERROR(CheckSameFile(file_));
  Status opened = engine_->Open(file_.path, open);
  if (!opened.ok()) return opened;
  DURABENCH_RETURN_IF_ERROR(CheckSameFile(file_));
  if (audit_factory_) {
    AuditJobLayout layout;
    layout.job = audit_index_;
    layout.phase = audit_phase_;
    layout.path = file_.path;
    layout.region_offset = file_.offset_bytes;
    layout.blocks = offsets_.blocks();
    layout.block_bytes = static_cast<uint32_t>(spec_.block_size_bytes);
    Result<std::unique_ptr<WriteAudit>> audit = audit_factory_(layout);
    if (!audit.ok()) return audit.status();
    audit_ = std::move(audit).value();
  }
  return Status::Ok();
}

bool Job::FailAudit(const Status& st) {
  control_->abort.store(true, std::memory_order_relaxed);
  if (failed_ || abandoned_) return false;
  failed_ = true;
  error_errno_ = EIO;
  error_ = st.message();
  return false;
}

Job::Slot* Job::Allocate() {
  Slot* s = free_;
  free_ = s->next_free;
  s->next_free = nullptr;
  return s;
}

void Job::Release(Slot* slot) {
  slot->partner = nullptr;
  slot->done = false;
  slot->next_free = free_;
  free_ = slot;
}

bool Job::Fail(OpKind kind, const IoRequest& req, const char* what) {
  if (failed_ || abandoned_) return false;  // the first error is the one reported
  error_kind_ = kind;
  failed_ = true;
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

bool Job::SubmitSlot(Slot* slot) {
  ++inflight_total_;
  shared_.inflight.store(inflight_total_, std::memory_order_relaxed);
  queue_.max_inflight = std::max(queue_.max_inflight, inflight_total_);
  if (slot->req.type != IoType::kFlush) {
    queue_.inflight_sum += inflight_total_;
    ++queue_.submissions;
  }
  EnterEngine();
  const int r = engine_->Submit(&slot->req);
  if (r != Engine::kCompleted && r != Engine::kQueued && LeftBehind()) return false;
  if (r == Engine::kCompleted) return OnComplete(slot, NowNs());
  if (r == Engine::kQueued) return true;
  // Transport failure: the request never reached the kernel.
  --inflight_total_;
  shared_.inflight.store(inflight_total_, std::memory_order_relaxed);
  slot->req.result = r;
  const OpKind kind = slot->req.type == IoType::kFlush  ? OpKind::kFlush
                      : slot->req.type == IoType::kRead ? OpKind::kRead
                                                        : OpKind::kWrite;
  Fail(kind, slot->req, "submit");
  Release(slot);
  return false;
}

void Job::CloseOpenGroup() {
  Group& g = GroupAt(open_group_);
  if (g.issued == 0) return;
  g.closed = true;
  if (g.completed == g.issued) ready_.push_back(open_group_);
  open_group_ = free_groups_.back();  // never empty: see Prepare()
  free_groups_.pop_back();
}

bool Job::SubmitFlush(uint32_t group_id, Slot* after_write) {
  Slot* f = Allocate();
  f->req = IoRequest();
  f->req.type = IoType::kFlush;
  f->req.flush_kind = FlushKindFor(spec_.sync);
  f->req.user_data = static_cast<uint64_t>(f - slots_.data());
  f->group = group_id;
  if (after_write != nullptr) {
    // Linked: submitted right behind its write; the kernel starts it when the write completed.
    f->req.offset = after_write->req.offset;
    f->req.length = after_write->req.length;
    f->submit_ns = after_write->submit_ns;
    f->intended_ns = after_write->intended_ns;
    f->recording = after_write->recording;
    f->audit_sequence = after_write->audit_sequence;
    f->partner = after_write;
    after_write->partner = f;
  } else {
    Group& g = GroupAt(group_id);
    g.flushing = true;
    f->req.offset = g.lo == UINT64_MAX ? file_.offset_bytes : g.lo;
    f->req.length = static_cast<uint32_t>(g.hi > g.lo ? g.hi - g.lo : 0);
    f->submit_ns = NowNs();
    f->intended_ns = f->submit_ns;
    f->recording = f->submit_ns >= measure_start_ns_;
  }
  return SubmitSlot(f);
}

void Job::FlushReadyGroups() {
  // Indexing, not iterating: an inline completion may append to ready_ while we submit.
  for (size_t i = 0; i < ready_.size() && !failed_; ++i) SubmitFlush(ready_[i], nullptr);
  ready_.clear();
}

bool Job::OnComplete(Slot* slot, uint64_t now) {
  if (control_->abandoned.load(std::memory_order_acquire)) {
    abandoned_ = failed_ = true;
    return false;
  }
  shared_.progress_ns.store(now, std::memory_order_relaxed);
  --inflight_total_;
  shared_.inflight.store(inflight_total_, std::memory_order_relaxed);
  if (track_quiet_ && now > last_completion_ns_) {
    if (now - last_completion_ns_ >= kQuietFloorNs) {
      quiet_.push_back({last_completion_ns_ - start_ns_, now - start_ns_});
    }
    last_completion_ns_ = now;
  }
  const IoRequest& req = slot->req;
  if (req.type == IoType::kFlush) {
    if (req.result < 0) {
      // A flush cancelled because its linked write failed is no error of its own: the write's
      // completion reports what failed, whether it comes before this one or after it.
      const bool write_pending = linked_ && req.result == -ECANCELED && slot->partner != nullptr;
      if (!failed_ && !write_pending) Fail(OpKind::kFlush, req, FlushKindName(req.flush_kind));
      if (slot->partner != nullptr) slot->partner->partner = nullptr;
      Release(slot);
      return false;
    }
    uint64_t flush_start = slot->submit_ns;
    if (linked_) {
      if (!slot->done) {
        // The kernel completed the flush before the write it covers: a broken link.
        ++queue_.ordering_violations;
        if (slot->partner != nullptr) slot->partner->partner = nullptr;
      } else {
        flush_start = std::max(flush_start, slot->write_done_ns);
      }
      Acknowledge(slot->audit_sequence, now);
      if (slot->recording) {
        recorder_->Record(OpKind::kFlush, now - flush_start, 0, now);
        recorder_->Record(OpKind::kCommit, now - slot->submit_ns, 0, now);
        if (spec_.rate_iops) recorder_->RecordCorrected(OpKind::kCommit, now - slot->intended_ns);
      }
    } else {
      Group& g = GroupAt(slot->group);
      if (slot->recording) recorder_->Record(OpKind::kFlush, now - flush_start, 0, now);
      for (const auto& [submit, intended] : g.waiting) {
        recorder_->Record(OpKind::kCommit, now - submit, 0, now);
        if (spec_.rate_iops) recorder_->RecordCorrected(OpKind::kCommit, now - intended);
      }
      g.waiting.clear();
      for (uint64_t sequence : g.audit_sequences) Acknowledge(sequence, now);
      g.audit_sequences.clear();
      g.issued = g.completed = 0;
      g.flushing = g.closed = false;
      g.lo = UINT64_MAX;
      g.hi = 0;
      free_groups_.push_back(static_cast<uint32_t>(slot->group));
    }
    last_end_ns_ = now;
    Release(slot);
    return true;
  }

  const bool is_read = req.type == IoType::kRead;
  const OpKind kind = is_read ? OpKind::kRead : OpKind::kWrite;
  if (req.result != static_cast<int64_t>(req.length)) {
    Fail(kind, req, is_read ? "read" : "write");
    if (slot->partner != nullptr) slot->partner->partner = nullptr;
    Release(slot);
    return false;
  }
  last_end_ns_ = now;
  if (slot->recording) {
    recorder_->Record(kind, now - slot->submit_ns, req.length, now);
    if (spec_.rate_iops) recorder_->RecordCorrected(kind, now - slot->intended_ns);
    // One writer: a plain store, not a locked read-modify-write, keeps the hot path cheap.
    shared_.ops.store(++measured_done_, std::memory_order_relaxed);
  }
  if (!is_read) {
    if (audit_ != nullptr) {
      audit_->Completed(req.offset);
      // Without a flush call the write's completion is its commit (per-write sync methods), or
      // all there is (none: a crash of the process alone must not lose it).
      if (!flush_method_) Acknowledge(slot->audit_sequence, now);
    }
    if (SyncIsPerWrite(spec_.sync) && slot->recording) {
      recorder_->Record(OpKind::kCommit, now - slot->submit_ns, 0, now);
      if (spec_.rate_iops) recorder_->RecordCorrected(OpKind::kCommit, now - slot->intended_ns);
    }
    if (linked_) {
      if (slot->partner != nullptr) {
        slot->partner->done = true;
        slot->partner->write_done_ns = now;
        slot->partner->partner = nullptr;
      }
    } else if (flush_method_) {
      Group& g = GroupAt(slot->group);
      if (++g.completed == g.issued && g.closed) ready_.push_back(slot->group);
    }
  }
  Release(slot);
  return true;
}

void Job::PublishProgress() {
  if (recorder_->closed_intervals() == intervals_seen_) return;
  intervals_seen_ = recorder_->closed_intervals();
  const IntervalSnapshot& last = *recorder_->last_interval();
  const IntervalKindSnapshot* k = &last.kinds[static_cast<int>(OpKind::kCommit)];
  if (k->buckets.empty()) k = &last.kinds[static_cast<int>(OpKind::kWrite)];
  if (k->buckets.empty()) k = &last.kinds[static_cast<int>(OpKind::kRead)];
  if (k->buckets.empty()) return;
  shared_.p99_ns.store(SummarizeInterval(*k, &scratch_).p99_ns, std::memory_order_relaxed);
}

void Job::Run(PhaseControl* control, uint64_t interval_ns, TimeSeries* series, size_t source) {
  BlockAsyncSignals();
  try {
    RunLoop(control, interval_ns, series, source);
  } catch (const std::exception& e) {
    // Out of memory (a time-series merge, a flush group): this job ends with an error, which
    // ends the phase for all; nothing is thrown out of the thread (that would abort the
    // process and leave the target's files behind).
    if (!failed_) {
      failed_ = true;
      error_errno_ = dynamic_cast<const std::bad_alloc*>(&e) != nullptr ? ENOMEM : EIO;
      error_ = "job on " + file_.path + ": " +
               (error_errno_ == ENOMEM ? std::string("out of memory") : std::string(e.what()));
    }
    control->abort.store(true, std::memory_order_relaxed);
  }
  shared_.finished.store(true, std::memory_order_release);
  control->jobs_finished.fetch_add(1, std::memory_order_release);
}

uint64_t Job::AwaitStart(PhaseControl* control) {
  if (cpu_ >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu_, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  // best effort
  }
  if (spec_.rate_iops) prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake on time (WaitUntilDue)
  uint64_t start_ns;
  while ((start_ns = control->start_ns.load(std::memory_order_acquire)) == 0) {
    control->start_ns.wait(0, std::memory_order_acquire);
  }
  control_ = control;
  shared_.progress_ns.store(start_ns, std::memory_order_relaxed);
  track_quiet_ = !spec_.faults.empty();
  start_ns_ = last_completion_ns_ = start_ns;
  // Every job begins at the shared start, not when it happens to be released.
  SleepUntilNs(start_ns);
  return start_ns;
}

bool Job::KeepIssuing(const Plan& plan, uint64_t now) const {
  return !failed_ && !control_->abort.load(std::memory_order_relaxed) &&
         !control_->end_early.load(std::memory_order_relaxed) &&
         !(control_->user_stop && control_->user_stop->load(std::memory_order_relaxed)) &&
         !(plan.op_limit && measured_issued_ >= plan.op_limit) && now < plan.deadline_ns;
}

bool Job::IssueOne(const Plan& plan, uint64_t intended_ns, uint64_t* submitted_ns) {
  Slot* slot = Allocate();
  const uint32_t index = static_cast<uint32_t>(slot - slots_.data());
  const bool is_read = spec_.pattern == Pattern::kRead || spec_.pattern == Pattern::kRandRead ||
                       (spec_.pattern == Pattern::kRandRW &&
                        rng_.Below(100) < static_cast<uint64_t>(spec_.read_percent));
  IoRequest& req = slot->req;
  req.type = is_read ? IoType::kRead : IoType::kWrite;
  req.link_next = false;
  req.rw_flags = 0;
  req.user_data = index;
  req.length = plan.block_bytes;
  req.buf_index = static_cast<int32_t>(is_read ? write_buffers_ + index : index);
  req.buf = iovecs_[static_cast<size_t>(req.buf_index)].iov_base;
  if (audit_ != nullptr && !is_read) {
    // The audit chooses the block and writes it; Issue() checked that the block is free.
    if (Status st = audit_->Next(intended_ns, static_cast<uint8_t*>(req.buf), &req.offset,
                                 &slot->audit_sequence);
        !st.ok()) {
      Release(slot);
      return FailAudit(st);
    }
  } else {
    req.offset = file_.offset_bytes + offsets_.Next();
  }
  if (!is_read) {
    req.rw_flags = plan.rw_flags;
    if (spec_.data.kind != DataKind::kZero && audit_ == nullptr) {
      // A serial number in each block: no two written blocks are identical, so deduplicating
      // storage is not measured on a best case.
      const uint64_t serial = ++write_serial_ ^ seed_;
      std::memcpy(req.buf, &serial, sizeof(serial));
    }
  }
  slot->intended_ns = intended_ns;
  slot->submit_ns = NowNs();
  // Read before submitting: an inline completion hands the slot back to the free list.
  *submitted_ns = slot->submit_ns;
  slot->recording = slot->submit_ns >= measure_start_ns_;
  ++issued_;
  if (slot->recording) ++measured_issued_;
  const bool grouped = !is_read && flush_method_ && !linked_;
  if (grouped) {
    Group& g = GroupAt(open_group_);
    slot->group = open_group_;
    ++g.issued;
    g.lo = std::min(g.lo, req.offset);
    g.hi = std::max(g.hi, req.offset + plan.block_bytes);
    if (slot->recording) g.waiting.emplace_back(slot->submit_ns, intended_ns);
    if (audit_ != nullptr) g.audit_sequences.push_back(slot->audit_sequence);
  }
  const bool link = !is_read && linked_;
  if (link) req.link_next = true;
  if (!SubmitSlot(slot)) return false;
  if (link && !SubmitFlush(0, slot)) return false;  // asynchronous engines only: `slot` in flight
  if (grouped && GroupAt(open_group_).issued >= spec_.fsync_every) CloseOpenGroup();
  return true;
}

bool Job::FailTransport(const char* call, int result) {
  control_->abort.store(true, std::memory_order_relaxed);
  if (failed_ || abandoned_) return false;  // the first error is the one reported
  failed_ = true;
  error_errno_ = -result;
  error_ = std::string("engine ") + call + " on " + file_.path +
           " failed: " + ErrnoString(error_errno_) + " (" + std::to_string(inflight_total_) +
           " requests in flight)";
  return false;
}

void Job::RunLoop(PhaseControl* control, uint64_t interval_ns, TimeSeries* series, size_t source) {
  Plan plan;
  plan.start_ns = AwaitStart(control);
  measure_start_ns_ = plan.start_ns + spec_.ramp_ns;
  plan.deadline_ns = spec_.runtime_ns ? measure_start_ns_ + spec_.runtime_ns : UINT64_MAX;
  plan.op_limit = spec_.ops;
  if (plan.op_limit == 0 && spec_.runtime_ns == 0) plan.op_limit = offsets_.blocks();  // one pass
  plan.period_ns = spec_.rate_iops ? 1'000'000'000ull / spec_.rate_iops : 0;
  plan.rw_flags = RwfFlagsFor(spec_.sync);
  plan.block_bytes = static_cast<uint32_t>(spec_.block_size_bytes);
  recorder_ = std::make_unique<Recorder>(measure_start_ns_, interval_ns);
  recorder_->SetSink(
      [series, source](const IntervalSnapshot& snap) { series->AddSnapshot(source, snap); });

  bool issuing = true;
  while (true) {
    uint64_t now = NowNs();
    if (issuing && !KeepIssuing(plan, now)) {
      issuing = false;
      // Writes still waiting for their flush are made durable, so none is left unaccounted.
      if (flush_method_ && !linked_ && !failed_) CloseOpenGroup();
    }
    // Flushes owed to completed groups go first: they take the slots their writes freed, so
    // the bound on requests in flight holds.
    if (!ready_.empty()) FlushReadyGroups();
    const uint64_t next_due = issuing ? Issue(plan, now) : 0;
    if (!ready_.empty()) FlushReadyGroups();
    if (inflight_total_ > 0 && !CommitQueued()) break;
    if (failed_) control->abort.store(true, std::memory_order_relaxed);
    if (abandoned_) break;
    if (inflight_total_ == 0) {
      if (!issuing && ready_.empty()) break;
      if (next_due) {
        shared_.progress_ns.store(next_due, std::memory_order_relaxed);
        WaitUntilDue(next_due);
      }
      continue;
    }
    if (!ReapCompletions(next_due)) break;
  }
  if (abandoned_) return;
  // Acknowledgements made before a failure (a power cut's EIO) still go to the witness.
  if (audit_ != nullptr) {
    if (Status st = audit_->Finish(); !st.ok()) FailAudit(st);
  }
  recorder_->Finish();
}

uint64_t Job::Issue(const Plan& plan, uint64_t now) {
  // Room for a read/write, and for its flush right behind it in linked mode.
  while (inflight_total_ + (linked_ ? 2 : 1) <= max_total_) {
    const uint64_t intended = plan.period_ns ? plan.start_ns + issued_ * plan.period_ns : now;
    if (intended > now) return intended;               // open loop: not due yet
    if (audit_ != nullptr && !audit_->Ready()) break;  // its block has a write in flight
    uint64_t submitted_ns = 0;
    if (!IssueOne(plan, intended, &submitted_ns)) break;
    if (!ready_.empty()) FlushReadyGroups();  // synchronous engines: flush right behind
    if (recorder_->closed_intervals() != intervals_seen_) PublishProgress();
    now = submitted_ns;
    if (!KeepIssuing(plan, now)) break;
  }
  return 0;
}

bool Job::CommitQueued() {
  EnterEngine();
  const int c = engine_->Commit();
  if (LeftBehind()) return false;
  // Requests never handed over cannot be reaped: the job ends here.
  if (c < 0) return FailTransport("commit", c);
  return true;
}

bool Job::ReapCompletions(uint64_t next_due) {
  // Open loop with the next request not due yet: poll, so that it is issued on time.
  const bool poll = next_due != 0;
  EnterEngine();
  const int n = engine_->Reap(poll ? 0 : 1, static_cast<uint32_t>(slots_.size()), reaped_.data());
  if (control_->abandoned.load(std::memory_order_acquire)) {
    abandoned_ = true;
    return false;
  }
  if (n < 0) return FailTransport("reap", n);
  const uint64_t done_ns = NowNs();
  for (int i = 0; i < n; ++i) OnComplete(&slots_[reaped_[i]->user_data], done_ns);
  if (n == 0 && poll) WaitUntilDue(std::min(next_due, done_ns + kOpenLoopPollNs));
  PublishProgress();
  return true;
}

}  // namespace durabench
