// The power-loss-protection (PLP) verdict: what a flush costs on this target, and what that
// says about the write cache under it.
//
// Method (DESIGN.md "Analysis"): at qd1, one job, 4 KiB O_DIRECT writes are timed without any
// flush (the baseline), then with each durable method, in rounds (A B C D A B C D ...) so that
// drift on a busy host hits every method alike. The *flush penalty* of a method is its commit
// latency minus the baseline write latency, at p50 and at p99:
//   - fdatasync: write + fdatasync (the drive gets a cache-flush command);
//   - odsync / rwf_dsync: the write alone, which the kernel sends with FUA (or, where the device
//     has no FUA, follows with a flush).
// A drive without a volatile cache, or with one that PLP capacitors protect, can acknowledge a
// flush at once; a drive that must write its volatile cache out to NAND (or a disk to its
// platters) cannot. Latency alone cannot tell a drive with PLP from one that acknowledges
// flushes it never makes, which is why a free flush on a device that reports a write-back cache
// is "suspicious" and the verdict points to a power-cut test.
//
// Confidence: each method's p50 penalty also gets an interval, from the penalty of each round
// (its commit p50 minus that round's baseline p50) or, with one round, of each time interval.
// The interval is the distribution-free one for a median, [x_(k), x_(n+1-k)] of the n sorted
// values, with the largest k whose coverage 1 - 2 P(Binomial(n, 1/2) < k) is at least 95 % (k = 1
// when none is: 5 rounds give 93.75 %, 3 give 75 %). A method is costly when the whole interval
// is at or above kFlushCostlyPenaltyNs, free when it is all below, and undecided when it straddles
// the line; an undecided primary method makes the verdict `undecided`, with the reason.
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

enum class PlpVerdict { kFlushFree, kFlushCostly, kSuspicious, kUndecided };

// "flush-free", "flush-costly", "suspicious", "undecided" (the JSON `verdict` values).
const char* PlpVerdictName(PlpVerdict verdict);

// The confidence interval of a p50 penalty (see the top of this file).
struct PenaltyInterval {
  int64_t low_ns = 0, high_ns = 0;
  uint32_t count = 0;     // rounds or time intervals it is taken over; < 2: no interval
  std::string over;       // "rounds" or "intervals"
  double confidence = 0;  // coverage of [low, high] for the median, e.g. 0.9375
};

enum class PenaltyDecision { kFree, kCostly, kUndecided };
// "free", "costly", "undecided"
const char* PenaltyDecisionName(PenaltyDecision d);

// One durable method's cost, from its phases (one per round).
struct MethodPenalty {
  std::string sync;   // "fdatasync", "odsync", "rwf_dsync", ...
  std::string phase;  // the (first) phase it came from
  uint64_t samples = 0;
  uint64_t commit_p50_ns = 0, commit_p99_ns = 0;
  uint64_t flush_p50_ns = 0, flush_p99_ns = 0;  // flush-call methods only; else 0
  // Commit - baseline write, over all rounds. Negative where the commit was the faster (noise,
  // or a commit path that skips work the plain write does): shown as measured, not clamped.
  int64_t penalty_p50_ns = 0, penalty_p99_ns = 0;
  PenaltyInterval interval;  // of penalty_p50_ns
  PenaltyDecision decision = PenaltyDecision::kFree;
  bool costly() const { return decision == PenaltyDecision::kCostly; }
};

// Everything the verdict was decided from; serialized as the JSON `evidence`.
struct PlpEvidence {
  std::string baseline_phase;
  uint32_t rounds = 1;  // how many times each method ran (interleaved)
  // How much the no-flush baseline's p50 moved: the largest over the smallest of its rounds (or,
  // with one round, of its time intervals); 1 on a steady host, 0 when there was only one value.
  double baseline_variation = 0;
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
// write phases, as in workloads/plp-probe.toml; with rounds, the same phases repeated: the k-th
// phase of each method belongs to round k) and the probe. InvalidArgument when there is no
// baseline or no durable phase with samples. Pure: no I/O.
Result<PlpAssessment> AssessPlp(const std::vector<PhaseResult>& phases, const ProbeResult& probe);

// Folds audits (one per cut, docs/audit.md) into `a`: the headline then says "... and kept
// every acknowledged write across N cuts" or "... but LOST acknowledged writes in K of N cuts:
// the drive lies about flushes" (torn or misdirected blocks are said too), the explanation says
// what that means, and a.audits lists them. The flush-cost verdict itself stays as measured.
void FoldAudits(const std::vector<PlpAuditResult>& audits, PlpAssessment* a);

// The distribution-free confidence interval of the median of `values` (sorted here): the
// interval's bounds, its coverage, and count = values.size(). count < 2: no interval (the bounds
// are the one value, confidence 0).
PenaltyInterval MedianInterval(std::vector<int64_t> values);

// `workload`'s phases repeated `rounds` times, interleaved (A B C A B C ...), each round's phase
// named NAME#ROUND and given runtime / rounds; rounds = 1 returns it unchanged. InvalidArgument
// when a round would be shorter than 100 ms.
Result<WorkloadSpec> InterleaveRounds(const WorkloadSpec& workload, uint32_t rounds);

}  // namespace durabench
