// The writing side of a durability audit, one per job: which block each write goes to, what it
// carries (audit/block.h), and what the witness is told (audit/witness.h).
//
// Blocks are chosen at random among the job's `blocks`; each write of a block has the next
// generation. Sequence numbers come from the audit's one counter, shared by all its jobs, kBatch
// at a time: no two writes of an audit have the same, and each job's grow (with gaps where
// other jobs took theirs). Two writes to one block are never in flight together (Ready() says
// when the next block is busy), so the order in which they reach the media cannot matter.
//
// Two threads per job. The job thread calls Ready(), Next(), Completed(), Acknowledged() and
// Finish(), and does only what a write needs: it copies the planned block into the write's
// buffer (AuditBlockFormatter::Format) and hands acknowledgements over. The job's witness
// thread, started by Open(), does the rest: it plans the writes kBatch at a time (block,
// generation, sequence number and the block's checksum pass, AuditBlockFormatter::Prepare),
// sends their intents and has them made durable at the witness, up to kLookahead planned
// ahead; and it streams the acknowledgements to the witness in batches. The two meet in two
// single-producer, single-consumer rings (plans one way, acknowledgements the other).
//
// The rules that make the log a proof:
//   - a planned write reaches the job thread only once its intent is durable at the witness
//     (for a file witness: written and fdatasync'd), so no write is issued before its intent
//     is there; the job thread waits in Ready()/Next() only when the witness falls behind;
//   - an acknowledgement is handed over by Acknowledged(), which the job calls once the
//     write's commit completed, so none is sent before its commit; they reach the witness
//     about every millisecond (at most kAckPeriodNs after the witness thread takes them, which
//     it does at least every kAckPeriodNs) and at once when kAckBytes of them wait.
//
// Any witness failure stops the audit: it is kept and returned by Next() and Finish() (an audit
// that cannot be verified must stop). Thread-safety: the public calls are the job thread's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/block.h"
#include "audit/witness.h"
#include "util/status.h"

namespace durabench {

struct AuditJobLayout {
  // The job's number in the witness log: unique within the audit, across its phases (phase 0's
  // jobs first, then phase 1's, ...), so that one phase's end record never covers another's
  // writes. The runner gives the job's index within its phase; the audit's factory renumbers.
  uint32_t job = 0;
  uint32_t phase = 0;          // the workload phase (from 0) the job belongs to
  std::string path;            // the file or device the job writes (no spaces)
  uint64_t region_offset = 0;  // the job's first byte in it
  uint64_t blocks = 0;         // blocks of `block_bytes` from region_offset
  uint32_t block_bytes = 0;
};

// The last sequence number taken in an audit; one per audit, shared by its jobs' WriteAudits.
using AuditSequences = std::atomic<uint64_t>;

class WriteAudit {
 public:
  static constexpr uint64_t kLookahead = 2048;  // writes planned ahead at most
  static constexpr uint64_t kBatch = 256;       // intents per durable request
  // Acknowledgements the job thread can hand over before the witness thread takes them.
  static constexpr uint64_t kAckRing = 8192;

  // Connects to `witness`, records the job's layout there, has the first kBatch intents made
  // durable and starts the job's witness thread. The job's sequence numbers are taken from
  // `sequences` (not null; 0 before the audit's first).
  static Result<std::unique_ptr<WriteAudit>> Open(const AuditId& id, const std::string& witness,
                                                  const AuditJobLayout& layout, uint64_t seed,
                                                  std::shared_ptr<AuditSequences> sequences);
  // Stops the witness thread (without the end record unless Finish() was called).
  ~WriteAudit();

  // False when the next write's block has a write in flight: issue after a completion. Waits
  // until the next write's intent is durable at the witness.
  bool Ready();
  // The next write: its block formatted into `buf` (block_bytes), its absolute byte offset and
  // sequence number. Waits until its intent is durable at the witness. `now_ns` is the job's
  // clock (any steady clock, the same on every call) about now: the block's time is the wall
  // clock read once every kBatch writes plus the job's clock since, not a clock read per write.
  Status Next(uint64_t now_ns, uint8_t* buf, uint64_t* offset, uint64_t* sequence);
  // The write to `offset` completed (the block may be written again).
  void Completed(uint64_t offset);
  // Write `sequence` is durable (its commit completed at `now_ns`, the job's clock).
  void Acknowledged(uint64_t sequence, uint64_t now_ns);
  // Sends what is pending and the job's end ("E JOB LAST_SEQUENCE": intents after it were
  // never issued), waits until the witness has it durable, and stops the witness thread.
  Status Finish();

  const std::string& witness_name() const { return link_->name(); }

 private:
  struct Planned {
    uint64_t sequence;
    uint64_t block;
    uint64_t generation;
    uint32_t prepared;  // AuditBlockFormatter::Prepare of the block
  };
  struct Ack {
    uint64_t sequence;
    uint64_t now_ns;
  };
  WriteAudit(const AuditId& id, std::unique_ptr<WitnessLink> link, const AuditJobLayout& layout,
             uint64_t seed, std::shared_ptr<AuditSequences> sequences);

  // The witness thread's.
  void WitnessLoop();
  // Plans, announces and has made durable the next kBatch writes, then publishes them.
  Status PlanBatch();
  // Takes the acknowledgements the job thread handed over; sends them when due (or `now`).
  Status TakeAcks(bool now);
  void FailWitness(const Status& st);

  // The job thread's: waits until a planned write is published (at once while the plans seen
  // last time last); false on a witness failure.
  bool WaitPlanned();
  // Wakes the witness thread if it sleeps.
  void WakeWitness();

  const AuditId id_;
  const std::unique_ptr<WitnessLink> link_;
  const AuditJobLayout layout_;
  const AuditBlockFormatter formatter_;

  // Planning: the witness thread's (Open()'s before it starts).
  std::shared_ptr<AuditSequences> sequences_;
  uint64_t rng_;
  std::vector<uint64_t> generation_;  // per block: the last planned
  std::string lines_;                 // intents being sent
  std::string acks_;                  // acknowledgement lines not yet sent
  uint64_t acks_sent_ns_ = 0;         // when acknowledgements were last sent

  // The plan ring: entries [consumed_, published_) (counted from the first write, modulo
  // kLookahead) are planned with their intents durable.
  std::vector<Planned> plans_;
  std::atomic<uint64_t> published_{0};  // written by the witness thread
  std::atomic<uint64_t> consumed_{0};   // written by the job thread
  // The acknowledgement ring: entries [acks_taken_, acks_given_).
  std::vector<Ack> ack_ring_;
  std::atomic<uint64_t> acks_given_{0};  // written by the job thread
  std::atomic<uint64_t> acks_taken_{0};  // written by the witness thread

  // Incremented (and notified) by the witness thread when it publishes plans, takes
  // acknowledgements after the job thread found the ring full, fails or ends: what the job
  // thread waits on.
  std::atomic<uint32_t> witness_epoch_{0};
  std::atomic<bool> job_waits_for_acks_{false};
  // The witness thread sleeps on `wake_` (under `mutex_`) with `witness_sleeps_` set.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> witness_sleeps_{false};
  std::atomic<bool> finish_{false};  // the job ended: send the end record, then stop
  std::atomic<bool> stop_{false};    // stop without the end record
  uint64_t last_issued_ = 0;         // the job thread's; read by the witness after finish_
  std::atomic<bool> failed_{false};
  Status witness_status_;  // set by the witness thread before failed_

  // The job thread's.
  std::vector<uint8_t> busy_;     // per block: a write in flight
  uint64_t seen_published_ = 0;   // published_ as last loaded
  uint64_t next_ = 0;             // consumed_ as last stored
  int64_t wall_minus_clock_ = 0;  // CLOCK_REALTIME - the job's clock, once a batch
  Status status_;
  std::thread thread_;
};

// Makes a job's WriteAudit from its layout (the runner calls it for every job of an audited
// phase; a failure ends the phase before any I/O).
using AuditFactory = std::function<Result<std::unique_ptr<WriteAudit>>(const AuditJobLayout&)>;

}  // namespace durabench
