// The power-loss-protection (PLP) verdict: what a flush costs on this target, and what that
// says about the write cache under it.
//
// Method (DESIGN.md "Analysis"): at qd1, one job, 4 KiB O_DIRECT writes are timed without any
// flush (the baseline), then with each durable method. The *flush penalty* of a method is its
// commit latency minus the baseline write latency, at p50 and at p99:
//   - fdatasync: write + fdatasync (the drive gets a cache-flush command);
//   - odsync / rwf_dsync: the write alone, which the kernel sends with FUA (or, where the device
//     has no FUA, follows with a flush).
// A drive without a volatile cache, or with one that PLP capacitors protect, can acknowledge a
// flush at once; a drive that must write its volatile cache out to NAND (or a disk to its
// platters) cannot. Latency alone cannot tell a drive with PLP from one that acknowledges
// flushes it never makes, which is why a free flush on a device that reports a write-back cache
// is "suspicious" and the verdict points to a power-cut test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result/phase_result.h"
#include "result/probe_facts.h"
#include "util/status.h"

namespace durabench {

// A flush penalty (p50) at or above this is "costly". Where it comes from: a flush that only
// has to be acknowledged (PLP, or nothing cached) costs one command round trip, ~10-100 us on
// NVMe and SATA SSDs; a flush that must program a volatile cache into NAND costs at least one
// page program (~0.2-2 ms for MLC/TLC NAND), and consumer SSDs without PLP measure ~0.5-5 ms
// per flush, spinning disks 5-20 ms. 250 us sits between the two populations, above what a
// virtualised or FUSE round trip adds.
inline constexpr uint64_t kFlushCostlyPenaltyNs = 250'000;

// Two durable methods "disagree" when one is costly and another's penalty is this many times
// smaller: both should make the same write durable, so one of them is probably not reaching the
// media (an ignored FUA, a flush the filesystem or device drops).
inline constexpr double kMethodDisagreeRatio = 4.0;
// Penalties below this count as this much in the ratio, so noise around zero cannot inflate it.
inline constexpr uint64_t kPenaltyFloorNs = 10'000;

// A plain (un-flushed) O_DIRECT 4 KiB write at or above this p50 is "slow": every write seems to
// reach stable media (a write-through cache, or FUA forced on). SSD writes into a cache take
// ~10-100 us, so 250 us is again between the populations.
inline constexpr uint64_t kSlowWriteNs = 250'000;

enum class PlpVerdict { kFlushFree, kFlushCostly, kSuspicious };

// "flush-free", "flush-costly", "suspicious" (the JSON `verdict` values).
const char* PlpVerdictName(PlpVerdict verdict);

// One durable method's cost, from its phase.
struct MethodPenalty {
  std::string sync;   // "fdatasync", "odsync", "rwf_dsync", ...
  std::string phase;  // phase name it came from
  uint64_t samples = 0;
  uint64_t commit_p50_ns = 0, commit_p99_ns = 0;
  uint64_t flush_p50_ns = 0, flush_p99_ns = 0;      // flush-call methods only; else 0
  uint64_t penalty_p50_ns = 0, penalty_p99_ns = 0;  // commit - baseline write, floored at 0
  bool costly() const { return penalty_p50_ns >= kFlushCostlyPenaltyNs; }
};

// Everything the verdict was decided from; serialized as the JSON `evidence`.
struct PlpEvidence {
  std::string baseline_phase;
  uint64_t write_samples = 0;
  uint64_t write_p50_ns = 0, write_p99_ns = 0;  // baseline: no flush
  bool direct = false;                          // the probe phases used O_DIRECT
  std::vector<MethodPenalty> methods;
  std::string primary_method;  // the method the flush cost is read from (fdatasync if run)
  // Probe facts used (empty = unknown), from the leaf device(s) under the target.
  std::string backend_kind;
  std::string device;       // "vda (virtio)", "" when not on a block device
  std::string write_cache;  // queue/write_cache
  std::string fua;          // queue/fua
  std::string nvme_vwc_present;
  std::string nvme_vwc_enabled;
  std::string scsi_cache_type;
  bool reports_volatile_cache = false;  // any of the above says write back / VWC enabled
};

// What one cut showed: a `durabench audit --verify` result (docs/audit.md), as plp and eval
// --audit read it.
struct PlpAuditResult {
  std::string source;   // the file it was read from
  std::string verdict;  // "kept", "lost-acknowledged-writes" or "corrupt"
  uint64_t acknowledged_writes = 0;
  uint64_t lost_writes = 0;  // acknowledged writes gone
  uint64_t corrupt = 0;      // blocks torn or damaged
  uint64_t misdirected = 0;
};

struct PlpAssessment {
  PlpVerdict verdict = PlpVerdict::kFlushFree;
  std::string headline;                  // one line: verdict and the number behind it
  std::vector<std::string> explanation;  // what it means, caveats, what to do next
  PlpEvidence evidence;
  std::vector<PlpAuditResult> audits;  // FoldAudits: the cuts this verdict also rests on
  // Some audit lost acknowledged writes: whatever the flush costs, the drive lies about it.
  bool LostAcknowledgedWrites() const;
};

// Decides the verdict from the probe phases (a sync=none write phase and one or more durable
// write phases, as in workloads/plp-probe.toml) and the probe. InvalidArgument when there is no
// baseline or no durable phase with samples. Pure: no I/O.
Result<PlpAssessment> AssessPlp(const std::vector<PhaseResult>& phases, const ProbeResult& probe);

// Folds audits (one per cut, docs/audit.md) into `a`: the headline then says "... and kept
// every acknowledged write across N cuts" or "... but LOST acknowledged writes in K of N cuts:
// the drive lies about flushes" (torn or misdirected blocks are said too), the explanation says
// what that means, and a.audits lists them. The flush-cost verdict itself stays as measured.
void FoldAudits(const std::vector<PlpAuditResult>& audits, PlpAssessment* a);

}  // namespace durabench
