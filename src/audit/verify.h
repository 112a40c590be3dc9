// The verifying side of a durability audit: the witness log parsed, every block of the audit
// read back and classified against it (docs/audit.md, "Verify").
//
// Per block, with A the generation of its last acknowledged write and I the newest generation
// announced (intent) for it:
//   intact       the block holds generation A, or one in (A, I]: an in-flight write that landed
//                (also counted in in_flight_landed); holding A while I > A counts in
//                in_flight_missing, which is allowed
//   lost         a generation older than A, or no block of this audit where A exists: an
//                acknowledged write is gone (lost_writes counts every acknowledged generation
//                newer than what is there)
//   corrupt      this audit's header but a failing checksum (torn, damaged), or a generation
//                never announced
//   misdirected  a whole block of this audit that names another offset
//   untouched    never written by the audit and holding none of its blocks
// Verdict: "lost-acknowledged-writes" when any block is lost, else "corrupt" when any is corrupt
// or misdirected, else "kept".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audit/block.h"
#include "audit/writer.h"
#include "util/status.h"

namespace durabench {

struct AuditLog {
  struct Intent {
    uint64_t sequence;
    uint64_t offset;
    uint64_t generation;
  };
  struct Job {
    AuditJobLayout layout;
    bool has_layout = false;
    std::vector<Intent> intents;
    std::unordered_map<uint64_t, uint64_t> acks;  // sequence -> job clock ns
    bool ended = false;
    uint64_t last_issued = 0;  // with `ended`: intents after it were never issued
  };
  AuditId id{};
  int version = 0;  // of the log's format (audit/witness.h): 1 or kWitnessLogVersion
  std::string started;
  std::map<uint32_t, Job> jobs;  // by the log's job number (unique across the audit's phases)
};

// Parses a witness log (audit/witness.h), version 1 or 2. InvalidArgument naming the line for
// anything malformed, and for a job's layout given twice (a version 1 log of several phases,
// whose records of one job number cannot be told apart); a last line cut short (the witness
// died writing it) is ignored.
Result<AuditLog> ParseWitnessLog(std::string_view text);

struct AuditVerdict {
  std::string verdict;  // "kept", "lost-acknowledged-writes", "corrupt"
  uint64_t blocks = 0;
  uint64_t written = 0;  // blocks with at least one write announced
  uint64_t intact = 0;
  uint64_t lost = 0;
  uint64_t corrupt = 0;
  uint64_t misdirected = 0;
  uint64_t untouched = 0;
  uint64_t in_flight_landed = 0;
  uint64_t in_flight_missing = 0;
  uint64_t acknowledged_writes = 0;
  // The loss window: how many acknowledged writes are gone, and how long before the audit's
  // last acknowledgement the oldest and newest of them were acknowledged.
  uint64_t lost_writes = 0;
  uint64_t lost_oldest_before_last_ack_ns = 0;
  uint64_t lost_newest_before_last_ack_ns = 0;
  // Up to kMaxExamples problem blocks, one line each: "job 0 offset 40960: lost (holds
  // generation 3, generation 5 was acknowledged)".
  std::vector<std::string> examples;
};

inline constexpr size_t kMaxAuditExamples = 20;

// Reads `len` bytes at `offset` of the job's file or device into `buf` (block-aligned).
using AuditBlockReader =
    std::function<Status(const AuditJobLayout& job, uint64_t offset, size_t len, uint8_t* buf)>;

// Reads every block of every job in `log` through `read` and classifies it. A block that jobs of
// several phases wrote is read and counted once, against all their writes in the order of their
// sequence numbers (what the block holds is identified by its header's sequence number).
// InvalidArgument when the log is inconsistent: an intent outside its job's layout, jobs that
// cut one file into different blocks.
Result<AuditVerdict> VerifyAudit(const AuditLog& log, const AuditBlockReader& read);

}  // namespace durabench
