// The writing side of a durability audit, one per job: which block each write goes to, what it
// carries (audit/block.h), and what the witness is told (audit/witness.h).
//
// Blocks are chosen at random among the job's `blocks`; each write of a block has the next
// generation. Sequence numbers come from the audit's one counter, shared by all its jobs, kBatch
// at a time: no two writes of an audit have the same, and each job's grow (with gaps where
// other jobs took theirs). Intents go to the witness ahead of the writes, kLookahead at most and
// kBatch per durable request, so the job never waits for the witness while it keeps up: a write
// is issued only once its intent is durable there. Acknowledgements (the commit completed, as
// the job's sync method defines it) are streamed in batches, at least every millisecond while
// writes are issued. Two writes to one block are never in flight together (Ready() says when the
// next block is busy), so the order in which they reach the media cannot matter.
//
// Not thread-safe: one per job thread. Any witness failure is kept and returned by every later
// call: an audit that cannot be verified must stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
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
  static constexpr uint64_t kLookahead = 2048;
  static constexpr uint64_t kBatch = 256;

  // Connects to `witness` and records the job's layout there. The job's sequence numbers are
  // taken from `sequences` (not null; 0 before the audit's first).
  static Result<std::unique_ptr<WriteAudit>> Open(const AuditId& id, const std::string& witness,
                                                  const AuditJobLayout& layout, uint64_t seed,
                                                  std::shared_ptr<AuditSequences> sequences);

  // False when the next write's block has a write in flight: issue after a completion.
  bool Ready();
  // The next write: its block formatted into `buf` (block_bytes), its absolute byte offset and
  // sequence number. Waits until its intent is durable at the witness.
  Status Next(uint8_t* buf, uint64_t* offset, uint64_t* sequence);
  // The write to `offset` completed (the block may be written again).
  void Completed(uint64_t offset);
  // Write `sequence` is durable (its commit completed at `now_ns`, the job's clock).
  void Acknowledged(uint64_t sequence, uint64_t now_ns);
  // Sends what is pending and the job's end ("E JOB LAST_SEQUENCE": intents after it were
  // never issued), and waits until the witness has it durable.
  Status Finish();

  const std::string& witness_name() const { return link_->name(); }

 private:
  struct Planned {
    uint64_t sequence;
    uint64_t block;
    uint64_t generation;
  };
  WriteAudit(const AuditId& id, std::unique_ptr<WitnessLink> link, const AuditJobLayout& layout,
             uint64_t seed, std::shared_ptr<AuditSequences> sequences);
  // Plans and announces the next batch when fewer than kLookahead - kBatch are planned.
  Status TopUp();
  Status SendAcks();
  Status Fail(Status st);

  AuditId id_;
  std::unique_ptr<WitnessLink> link_;
  AuditJobLayout layout_;
  std::shared_ptr<AuditSequences> sequences_;
  uint64_t rng_;
  std::vector<uint64_t> generation_;  // per block: the last planned
  std::vector<uint8_t> busy_;         // per block: a write in flight
  std::deque<Planned> planned_;
  // Durable requests not yet confirmed: (the last sequence they cover, token).
  std::deque<std::pair<uint64_t, uint64_t>> requests_;
  uint64_t durable_through_ = 0;  // intents up to this sequence are durable at the witness
  uint64_t last_issued_ = 0;
  std::string acks_;
  uint64_t acks_since_ns_ = 0;  // when the oldest unsent ack was added
  Status status_;
};

// Makes a job's WriteAudit from its layout (the runner calls it for every job of an audited
// phase; a failure ends the phase before any I/O).
using AuditFactory = std::function<Result<std::unique_ptr<WriteAudit>>(const AuditJobLayout&)>;

}  // namespace durabench
