// The witness of a durability audit: a log, out of reach of the cut, of what each write was
// going to be (its intent) and which writes were acknowledged as durable (docs/audit.md).
//
// The log is text, one record per line:
//   durabench-audit 2 audit=HEX32 started=UNIX_S      before each job's records (repeats)
//   H JOB PATH REGION_OFFSET BLOCKS BLOCK_BYTES PHASE a job's layout (PATH without spaces), once
//                                                     per job; JOB numbers the jobs of all the
//                                                     audit's phases (phase 0's first)
//   I JOB SEQ OFFSET GENERATION                       intent: written before the write is issued
//   A JOB SEQ T_NS                                    acknowledged T_NS after the audit started
//   E JOB LAST_SEQ                                    the job ended cleanly; intents after
//                                                     LAST_SEQ were announced, never issued
// Records of several jobs interleave; each line is appended whole. Version 1 (read, no longer
// written) had no PHASE and numbered each phase's jobs from 0 again: one of several phases
// cannot be verified (a phase's E would cover the next phase's writes), and verify refuses it.
//
// Two places for it:
//   file:PATH  appended by the audit itself (O_APPEND, one write per batch) and fdatasync'd;
//              PATH belongs on another device than the target.
//   HOST:PORT  a `durabench witness` server (RunWitnessServer), meant for another host, which
//              appends to DIR/AUDIT.log and fdatasyncs before it confirms.
// Protocol (TCP, text lines): the client sends "HELLO AUDIT_HEX", then records, and "S TOKEN"
// whenever it needs what it sent so far to be durable; the server answers "OK TOKEN" once it is.
// "GET AUDIT_HEX" (or "GET latest": the log written last) returns "LOG BYTES\n" and the log, or
// "ERR reason\n".
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

// The version of the log's format that audits write (the header's number).
inline constexpr int kWitnessLogVersion = 2;

class WitnessLink {
 public:
  virtual ~WitnessLink() = default;
  // Queues records (whole lines) for the witness; nothing waits for them.
  virtual Status Send(std::string_view lines) = 0;
  // Asks for everything sent so far to become durable at the witness; returns a token for
  // WaitDurable. A file witness does it at once.
  virtual Result<uint64_t> RequestDurable() = 0;
  // Waits until the records sent before RequestDurable() returned `token` are durable.
  virtual Status WaitDurable(uint64_t token) = 0;
  // What the witness is, for messages: "file:/x/w.log", "10.0.0.2:7000".
  virtual const std::string& name() const = 0;
};

// Connects to `spec` ("file:PATH" or "HOST:PORT") for the records of audit `audit_hex`. A file
// witness is created if missing; a TCP one is connected and greeted. InvalidArgument for a
// malformed spec; IoError naming the witness when it cannot be reached.
Result<std::unique_ptr<WitnessLink>> ConnectWitness(const std::string& spec,
                                                    const std::string& audit_hex);

// The whole log of audit `audit_hex` ("latest": the last written) from `spec`: the file itself
// (which holds one audit), or GET from the server.
// NotFound when the witness holds no log of that audit.
Result<std::string> FetchWitnessLog(const std::string& spec, const std::string& audit_hex);

struct WitnessServerOptions {
  std::string listen;  // "ADDR:PORT"; port 0 picks one (printed through `ready`)
  std::string dir;     // where AUDIT.log files go (created)
  const std::atomic<bool>* stop = nullptr;  // the server returns when it becomes true
  // Called once listening, with the address actually bound ("127.0.0.1:40123").
  void (*ready)(const std::string& address, void* arg) = nullptr;
  void* ready_arg = nullptr;
};

// Serves until *options.stop. Each connection's records go to DIR/AUDIT.log, whole lines only,
// fdatasync'd before each "OK". IoError if it cannot listen.
Status RunWitnessServer(const WitnessServerOptions& options);

}  // namespace durabench
