// One job of a phase: its engine, data file, buffers and Recorder, and its I/O loop.
// Internal to the runner (runner.h documents the behaviour users see).
//
// The loop is the same for synchronous engines (every Submit completes inline) and asynchronous
// ones (requests queue, Commit hands them to the kernel, Reap collects completions): it keeps up
// to `iodepth` requests in flight — flushes included, as fio counts them — and adds the flushes
// durability needs:
//  - linked mode (engine caps().linked_flush, fsync_every = 1, iodepth >= 2): each write is
//    submitted with
//    link_next and its flush right behind it, so the kernel starts the flush only after the
//    write completed;
//  - group mode (otherwise): writes are counted into groups of fsync_every; a group's flush is
//    submitted only once every write of the group has completed, because a flush covers only
//    writes that completed before it was issued.
// Each write of a group gets a commit sample from its start to the end of the group's flush.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/writer.h"
#include "engine/engine.h"
#include "measure/histogram.h"
#include "measure/recorder.h"
#include "measure/time_series.h"
#include "result/chaos.h"
#include "spec/spec.h"
#include "target/target.h"
#include "workload/offsets.h"

namespace durabench {

// What a job shares with the runner thread; written by the job, read for progress.
struct alignas(64) JobShared {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> p99_ns{0};  // last closed interval: commit, else write, else read
  // The last sign of life, for the op timeout: the latest completion, or the due time of the
  // next request while the job waits for it (then in the future).
  std::atomic<uint64_t> progress_ns{0};
  std::atomic<bool> finished{false};
  // Stored with release before every engine call (Job::EnterEngine). A job the op timeout leaves
  // stuck inside the engine is never joined: the runner's acquire load of this is what makes the
  // job's recorder, queue statistics and error visible to it (ThreadSanitizer found the runner
  // reading them with no synchronisation but its sleep).
  std::atomic<uint64_t> engine_calls{0};
  // Requests in flight, flushes included (for the faults' records: inflight at a fault).
  std::atomic<uint32_t> inflight{0};
};

// What all jobs of a phase share.
struct PhaseControl {
  std::atomic<uint64_t> start_ns{0};  // 0 until the runner releases the jobs
  std::atomic<bool> abort{false};     // a job failed: everyone stops
  std::atomic<size_t> jobs_finished{0};
  // Set by the runner when it gives up on a job stuck in the engine (op timeout): a job coming
  // back from the engine after that leaves at once, touching nothing the runner reads.
  std::atomic<bool> abandoned{false};
  const std::atomic<bool>* user_stop = nullptr;
  std::atomic<bool> end_early{false};  // RunOptions::end_early said so: stop, no error
};

// Queue statistics of one job (merged over jobs by the runner).
struct QueueStats {
  uint32_t max_inflight = 0;         // most requests in flight at once, flushes included
  uint64_t inflight_sum = 0;         // requests in flight, summed at each read/write submission
  uint64_t submissions = 0;          // reads/writes submitted
  uint64_t ordering_violations = 0;  // flushes seen completing before a write they cover
};

class Job {
 public:
  Job(const PhaseSpec& spec, const JobFile& file, std::unique_ptr<Engine> engine, uint64_t seed,
      int cpu);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  // Makes this job audited (RunOptions::audit): Prepare() then opens its WriteAudit as job
  // `index` of phase `phase` (both from 0). Writes only (the audit's pattern is randwrite).
  void AttachAudit(uint32_t phase, uint32_t index, AuditFactory factory) {
    audit_phase_ = phase;
    audit_index_ = index;
    audit_factory_ = std::move(factory);
  }
  // Allocates buffers and opens the file. Called before the clock starts.
  Status Prepare();
  // Waits for control->start_ns, runs the loop, and finishes the recorder. Closed intervals go
  // to `series` as source `source` (thread-safe there). Runs on the job's own thread, with
  // asynchronous signals blocked; throws nothing (an exception, such as bad_alloc, becomes the
  // job's error). Prepare() also fails when the file is no longer the one the target laid out.
  void Run(PhaseControl* control, uint64_t interval_ns, TimeSeries* series, size_t source);

  const Recorder& recorder() const { return *recorder_; }
  const QueueStats& queue_stats() const { return queue_; }
  uint64_t last_end_ns() const { return last_end_ns_; }
  const std::string& error() const { return error_; }
  int error_errno() const { return error_errno_; }
  OpKind error_kind() const { return error_kind_; }  // of the operation that failed
  // A phase with faults: the times without a completion (result/chaos.h) from the shared start
  // to the last completion, each at least kQuietFloorNs; the runner adds the stretch up to the
  // phase's end.
  const std::vector<QuietPeriod>& quiet() const { return quiet_; }
  uint64_t last_completion_ns() const { return last_completion_ns_; }
  JobShared& shared() { return shared_; }

 private:
  // One request in flight, with what the loop needs when it completes.
  struct Slot {
    IoRequest req;
    uint64_t submit_ns = 0;
    uint64_t intended_ns = 0;  // open loop: the scheduled start; otherwise submit_ns
    uint32_t group = 0;        // flush group (index) of a write, or the group a flush covers
    bool recording = false;
    bool done = false;           // linked mode, on the flush: its write's completion was seen
    uint64_t write_done_ns = 0;  // linked mode, on the flush: when its write completed
    Slot* partner = nullptr;     // linked mode: write <-> its flush
    Slot* next_free = nullptr;
    uint64_t audit_sequence = 0;  // audited write (or its linked flush): the write's sequence
  };
  // Writes waiting for one flush.
  struct Group {
    uint32_t issued = 0;
    uint32_t completed = 0;
    bool closed = false;  // no more writes join it
    bool flushing = false;
    uint64_t lo = UINT64_MAX, hi = 0;                    // byte range written (for sync_file_range)
    std::vector<std::pair<uint64_t, uint64_t>> waiting;  // (submit, intended) of measured writes
    std::vector<uint64_t> audit_sequences;               // audited writes, ramp included
  };

  // What the loop needs that does not change while it runs.
  struct Plan {
    uint64_t start_ns = 0;              // the phase's shared start (ramp included)
    uint64_t deadline_ns = UINT64_MAX;  // issue nothing from then on
    uint64_t op_limit = 0;              // measured reads/writes to issue; 0: no limit
    uint64_t period_ns = 0;             // open loop: between intended starts; 0: closed loop
    int rw_flags = 0;                   // RWF_DSYNC/RWF_SYNC for writes
    uint32_t block_bytes = 0;
  };

  // The loop: issue while there is room and time, hand queued requests over, reap completions,
  // until nothing is in flight and nothing is left to issue.
  void RunLoop(PhaseControl* control, uint64_t interval_ns, TimeSeries* series, size_t source);
  // Pins the thread, waits for the runner's release and then for the shared start; returns it.
  uint64_t AwaitStart(PhaseControl* control);
  // False once the job must stop issuing: a failure, a stop, the op limit or the deadline.
  bool KeepIssuing(const Plan& plan, uint64_t now) const;
  // Issues reads/writes while there is room in the queue. Returns when the next one is due if
  // that is later than `now` (open loop), else 0.
  uint64_t Issue(const Plan& plan, uint64_t now);
  // One read or write (with its linked flush, or joining the open flush group); its submission
  // time in `submitted_ns`. False on a transport failure.
  bool IssueOne(const Plan& plan, uint64_t intended_ns, uint64_t* submitted_ns);
  // Engine::Commit of what is queued. False when the job must stop (failure, left behind).
  bool CommitQueued();
  // Engine::Reap (polling when the next open-loop request is due at `next_due`), then the
  // completions. False when the job must stop.
  bool ReapCompletions(uint64_t next_due);
  // A failure of the engine itself (Commit or Reap), not of one operation: no operation is
  // counted as failed; the message names the call and the requests in flight. Returns false.
  bool FailTransport(const char* call, int result);
  Slot* Allocate();
  void Release(Slot* slot);
  // Publishes everything written so far (JobShared::engine_calls) before an engine call that
  // may not come back.
  void EnterEngine() {
    shared_.engine_calls.store(shared_.engine_calls.load(std::memory_order_relaxed) + 1,
                               std::memory_order_release);
  }
  // After an engine call: true when the runner gave up on this job meanwhile; the job then
  // leaves, touching nothing the runner reads.
  bool LeftBehind() {
    if (!control_->abandoned.load(std::memory_order_acquire)) return false;
    abandoned_ = failed_ = true;
    return true;
  }
  bool Fail(OpKind kind, const IoRequest& req, const char* what);
  // The audit's witness failed (or its plan could not be made): the job stops with `st`.
  bool FailAudit(const Status& st);
  // Audited writes whose commit completed at `now`.
  void Acknowledge(uint64_t sequence, uint64_t now) {
    if (audit_ != nullptr) audit_->Acknowledged(sequence, now);
  }
  // Submits `slot`; inline completions are handled at once. False on a transport failure.
  bool SubmitSlot(Slot* slot);
  // Handles one completion at `now`; false when the job must stop.
  bool OnComplete(Slot* slot, uint64_t now);
  bool SubmitFlush(uint32_t group, Slot* after_write);
  void FlushReadyGroups();
  // Closes the open group (no more writes join it); queues it for its flush when ready.
  void CloseOpenGroup();
  Group& GroupAt(uint32_t index) { return groups_[index]; }
  void PublishProgress();

  const PhaseSpec& spec_;
  JobFile file_;
  std::unique_ptr<Engine> engine_;
  uint64_t seed_;
  int cpu_;  // -1: not pinned
  std::unique_ptr<Recorder> recorder_;
  OffsetGenerator offsets_;
  Rng rng_;

  uint8_t* buffers_ = nullptr;  // write buffers, then one read buffer per read slot
  size_t buffer_stride_ = 0;
  uint32_t write_buffers_ = 0;
  std::vector<struct iovec> iovecs_;
  uint64_t write_serial_ = 0;
  uint64_t issued_ = 0;           // reads/writes issued, ramp included: the open-loop schedule
  uint64_t measured_issued_ = 0;  // those issued after the ramp: the `ops` limit

  std::vector<Slot> slots_;
  Slot* free_ = nullptr;
  std::vector<IoRequest*> reaped_;
  uint32_t inflight_total_ = 0;  // flushes included
  bool linked_ = false;
  bool flush_method_ = false;
  std::vector<Group> groups_;          // pool; Slot::group indexes it
  std::vector<uint32_t> free_groups_;  // unused entries of groups_
  uint32_t open_group_ = 0;            // the group new writes join
  std::vector<uint32_t> ready_;        // closed groups whose writes all completed: flush them
  uint32_t max_total_ = 0;             // bound on requests in flight, flushes included

  QueueStats queue_;
  uint64_t measured_done_ = 0;  // measured reads/writes completed (published in shared_.ops)
  uint64_t measure_start_ns_ = 0;
  uint64_t last_end_ns_ = 0;
  bool failed_ = false;
  PhaseControl* control_ = nullptr;
  bool abandoned_ = false;  // control_->abandoned was seen
  size_t intervals_seen_ = 0;
  Histogram scratch_;  // for the progress p99, reused every interval

  uint32_t audit_phase_ = 0;
  uint32_t audit_index_ = 0;
  AuditFactory audit_factory_;
  std::unique_ptr<WriteAudit> audit_;

  // Quiet periods (a phase with faults): relative to the shared start.
  bool track_quiet_ = false;
  uint64_t start_ns_ = 0;
  uint64_t last_completion_ns_ = 0;  // NowNs() clock
  std::vector<QuietPeriod> quiet_;

  std::string error_;
  int error_errno_ = 0;
  OpKind error_kind_ = OpKind::kWrite;
  JobShared shared_;
};

}  // namespace durabench
