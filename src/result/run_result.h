// The result of a `durabench run`: what ran, where, on what, and what was measured.
// Serialized by json.h into the documented result file (docs/results.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result/phase_result.h"
#include "result/probe_facts.h"
#include "spec/spec.h"

namespace durabench {

inline constexpr int kResultSchemaVersion = 1;

struct HostInfo {
  std::string hostname;
  std::string kernel;   // uname release, e.g. "6.1.0-18-amd64"
  std::string machine;  // uname machine, e.g. "x86_64"
  std::string cpu_model;
  unsigned cpus = 0;  // online CPUs
  std::string clock;  // what latencies were timed with: "tsc" or "clock_monotonic"
};

// Reads uname(2), /proc/cpuinfo and sysconf; unknown fields stay empty.
HostInfo CollectHostInfo();

struct TargetInfo {
  std::string path;
  std::string kind;  // "directory", "file", "block-device"
  uint32_t logical_block_size_bytes = 0;
  std::vector<std::string> files;  // per job: path opened
};

struct RunResult {
  // A random 128-bit id (32 hex digits) given to each measured or merged run, so that one run
  // listed twice, or a copy of it, is recognised (gate, merge). Empty in older files and fio's.
  std::string run_id;
  std::string tool_version;
  std::string started_at;  // UTC, ISO 8601 ("2026-11-26T23:10:00Z")
  std::vector<std::string> command;
  HostInfo host;
  TargetInfo target;
  ProbeResult probe;      // what the target sits on, taken before the run
  WorkloadSpec workload;  // as run: overrides applied
  std::vector<PhaseResult> phases;
  std::vector<std::string> errors;  // run-level errors (a phase that could not start, ...)
  // `durabench merge` only: the inputs, "FILE (host HOSTNAME, started STARTED_AT)"; empty for a
  // measured run (and then absent from the file).
  std::vector<std::string> merged_from;
  // `durabench merge` only: the run_id of every measured run inside, merged inputs flattened.
  std::vector<std::string> merged_run_ids;
};

// A fresh run id: 16 bytes from getrandom(2) as 32 lower-case hex digits.
std::string NewRunId();

// The current UTC time as ISO 8601 with seconds.
std::string UtcNowIso8601();

}  // namespace durabench
