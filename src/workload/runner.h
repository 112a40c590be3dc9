// The phase runner: runs one PhaseSpec on a PreparedTarget and returns what it measured.
//
// One thread per job, each with its own Engine, data file (or region) and Recorder; all jobs
// start together at a shared start time, run the ramp unrecorded, then measure until `runtime`
// elapsed, `ops` operations were measured, or (neither given) one pass over `size` was made.
// Histograms and time series of all jobs are merged bucket by bucket when the phase ends.
//
// How durability is measured, per write (DESIGN.md "Measurement model"):
//  - flush methods (fsync, fdatasync, sync_file_range): after every `fsync_every` writes one
//    flush; `flush` records the call, and each covered write gets a `commit` sample from its own
//    start to the end of that flush (what a group-committing database feels);
//  - per-write methods (osync, odsync, rwf_dsync, rwf_sync): the write is the commit;
//  - none: no commit samples.
// A write that is still waiting for its flush when the phase ends gets a final flush.
//
// Errors: setup problems (unknown engine, what the engine cannot do: CheckEngineCaps) come back
// as a non-OK Result before any I/O. A failed or short operation during the run is counted,
// described in PhaseResult::errors, and ends the phase for all jobs (like fio's default); the
// partial result is still returned. A job thread that cannot be started (the user's process
// limit, threads-max, a cgroup's pids.max) ends the phase before any I/O with an IoError; the
// jobs already started are stopped and joined.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/writer.h"
#include "engine/registry.h"
#include "result/phase_result.h"
#include "spec/spec.h"
#include "target/target.h"
#include "util/status.h"

namespace durabench {

struct ProgressSnapshot {
  std::string phase_name;
  size_t phase_index = 0;  // 0-based
  size_t phase_count = 1;
  uint64_t elapsed_ns = 0;  // since the phase started, ramp included
  uint64_t total_ns = 0;    // ramp + runtime; 0 when the phase is bounded by ops only
  bool ramping = false;
  uint64_t ops = 0;                 // measured reads + writes so far, all jobs
  double iops = 0;                  // reads + writes per second since the previous snapshot
  uint64_t p99_ns = 0;              // p99 of the last closed interval of `p99_kind`; 0 = none yet
  const char* p99_kind = "commit";  // "commit", else "write" (sync none), else "read"
  // Set by a multi-client run's rank 0 (cli/group_run.h): ops, iops and p99 are then those of
  // all `ranks` (the sums, and the highest p99), as far as each has reported.
  uint32_t ranks = 0;
};

// Bounds on what a phase may ask of the machine (CheckPhaseRunnable), each with its reason.
//
// The shortest time-series interval. Every interval of every job closes a histogram snapshot and
// becomes a row of the result; below 1 ms that bookkeeping costs more than many of the
// operations it measures, and each second of runtime makes a thousand rows already
// (`--interval 1ns` asked for 10^9 rows per second and ran out of memory).
inline constexpr uint64_t kMinIntervalNs = 1'000'000;
// The most intervals a phase with a runtime may have: each is about 200 bytes in memory and
// 0.5 KiB of JSON, so a result stays under about half a gigabyte (24 h at 100 ms is 864,000).
inline constexpr uint64_t kMaxIntervalsPerPhase = 1'000'000;

// The time-series interval when the user sets none (DefaultIntervalNs): one second, and for a
// phase that measures less than kShortRunNs, 100 ms, so that a run of a few seconds still
// draws a time series of points rather than two or three (issue 15, item 11); at 100 ms a
// phase of just under 30 s has 300 intervals, well within kMaxIntervalsPerPhase.
inline constexpr uint64_t kDefaultIntervalNs = 1'000'000'000;
inline constexpr uint64_t kShortRunIntervalNs = 100'000'000;
inline constexpr uint64_t kShortRunNs = 30'000'000'000;

// The interval for `spec` when none was asked for: kShortRunIntervalNs when its runtime (the
// measured part; the ramp is not in the time series) is set and under kShortRunNs, else
// kDefaultIntervalNs. A phase bounded only by `ops` or one pass over `size` has no length
// known beforehand and gets kDefaultIntervalNs.
uint64_t DefaultIntervalNs(const PhaseSpec& spec);

struct RunOptions {
  uint64_t interval_ns = kDefaultIntervalNs;  // time-series interval
  const std::atomic<bool>* stop = nullptr;    // when it becomes true, the phase ends early
  // Called from the runner's own thread about every `progress_period_ns` while jobs run.
  std::function<void(const ProgressSnapshot&)> progress;
  uint64_t progress_period_ns = 250'000'000;
  uint64_t seed = 0x6475726162656e63ull;  // offsets and data; job j uses seed + j
  // A job with requests in flight and none completed for this long has timed out: the phase
  // ends with a timeout error and the partial result (0: no limit).
  uint64_t op_timeout_ns = 30'000'000'000;
  // Polled by the runner's thread every few milliseconds while the jobs run: true ends the phase
  // as it stands (the jobs issue nothing more and complete what is in flight), no error; the
  // result is marked stonewalled. A multi-client run's stonewall (docs/scale-out.md).
  std::function<bool()> end_early;
  // Set: the phase is a durability audit; every write goes where the job's WriteAudit plans it,
  // carries its audit block, and is acknowledged to the witness once durable (writes only).
  AuditFactory audit;
};

// Whether `spec` can run here with `options`, checked before any file is created: the interval
// within kMinIntervalNs and kMaxIntervalsPerPhase; jobs within the user's process
// limit (RLIMIT_NPROC, not enforced for root) and the kernel's threads-max; every CPU of `cpus`
// one this process may run on (its affinity mask: cgroup cpusets, taskset). InvalidArgument
// (exit 2) saying what to change. RunPhase checks it again.
Status CheckPhaseRunnable(const PhaseSpec& spec, const RunOptions& options);

// Whether `engine` can run `spec` by what it declares (EngineCaps): the iodepth, the sync
// method, O_DIRECT (allowed, or required) and sqpoll. It needs no target, so a session checks every
// phase with it before anything is probed, created or laid out (a psync run at iodepth 16 used to
// write its whole layout first); RunPhase checks it again. InvalidArgument (exit 2) naming the
// phase, the engine, its limit and the fix: the engines of `alternatives` that can run the phase as
// asked (engines that do I/O), or the value this engine can run: "phase 'adhoc': engine psync runs
// one request at a time (iodepth 16 asked); use --engine io_uring or libaio, or --iodepth 1".
Status CheckEngineCaps(const PhaseSpec& spec, const EngineInfo& engine,
                       const std::vector<const EngineInfo*>& alternatives);

Result<PhaseResult> RunPhase(const PhaseSpec& spec, const PreparedTarget& target,
                             const RunOptions& options, size_t phase_index = 0,
                             size_t phase_count = 1);

}  // namespace durabench
