#include "analysis/plp.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/units.h"

namespace durabench {
namespace {

bool IsWritePhase(const PhaseSpec& s) {
  return s.pattern == Pattern::kWrite || s.pattern == Pattern::kRandWrite;
}

uint64_t Minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

std::string Fact(const ProbeFact& f) { return f.known() ? f.value : std::string(); }

// Probe facts from the leaf devices (the drives whose cache decides durability). With several
// leaves (dm/md over many drives) a fact is listed per device, "a; b".
void TakeFacts(const ProbeResult& probe, PlpEvidence* e) {
  e->backend_kind = probe.backend_kind;
  auto append = [](std::string* to, const std::string& v) {
    if (v.empty()) return;
    if (!to->empty()) *to += "; ";
    *to += v;
  };
  for (const DeviceFacts* d : LeafDevices(probe)) {
    append(&e->device, d->name + " (" + d->transport + ")");
    append(&e->write_cache, Fact(d->write_cache));
    append(&e->fua, Fact(d->fua));
    append(&e->nvme_vwc_present, Fact(d->nvme_vwc_present));
    append(&e->nvme_vwc_enabled, Fact(d->nvme_vwc_enabled));
    append(&e->scsi_cache_type, Fact(d->scsi_cache_type));
    if (Fact(d->write_cache) == "write back" || Fact(d->nvme_vwc_enabled) == "1" ||
        Fact(d->scsi_cache_type).find("write back") != std::string::npos) {
      e->reports_volatile_cache = true;
    }
  }
}

std::string Ms(uint64_t ns) { return FormatDurationNs(ns); }

// Durable writes per second one job at qd1 can make when each costs `ns`.
uint64_t PerSecond(uint64_t ns) { return ns == 0 ? 0 : 1'000'000'000ull / ns; }

}  // namespace

const char* PlpVerdictName(PlpVerdict verdict) {
  switch (verdict) {
    case PlpVerdict::kFlushFree:
      return "flush-free";
    case PlpVerdict::kFlushCostly:
      return "flush-costly";
    case PlpVerdict::kSuspicious:
      return "suspicious";
  }
  return "?";
}

Result<PlpAssessment> AssessPlp(const std::vector<PhaseResult>& phases, const ProbeResult& probe) {
  PlpAssessment a;
  PlpEvidence& e = a.evidence;
  const PhaseResult* baseline = nullptr;
  for (const PhaseResult& p : phases) {
    if (IsWritePhase(p.spec) && p.spec.sync == SyncMethod::kNone &&
        p.op(OpKind::kWrite).histogram.count() > 0) {
      baseline = &p;
      break;
    }
  }
  if (baseline == nullptr) {
    return Status::InvalidArgument(
        "PLP verdict: no write phase with sync = none (the baseline) has samples");
  }
  const Histogram& w = baseline->op(OpKind::kWrite).histogram;
  e.baseline_phase = baseline->spec.name;
  e.write_samples = w.count();
  e.write_p50_ns = w.Percentile(50);
  e.write_p99_ns = w.Percentile(99);
  e.direct = baseline->spec.direct;
  for (const PhaseResult& p : phases) {
    const Histogram& c = p.op(OpKind::kCommit).histogram;
    if (!IsWritePhase(p.spec) || p.spec.sync == SyncMethod::kNone || c.count() == 0) continue;
    MethodPenalty m;
    m.sync = std::string(SyncMethodName(p.spec.sync));
    m.phase = p.spec.name;
    m.samples = c.count();
    m.commit_p50_ns = c.Percentile(50);
    m.commit_p99_ns = c.Percentile(99);
    const Histogram& f = p.op(OpKind::kFlush).histogram;
    if (f.count() > 0) {
      m.flush_p50_ns = f.Percentile(50);
      m.flush_p99_ns = f.Percentile(99);
    }
    m.penalty_p50_ns = Minus(m.commit_p50_ns, e.write_p50_ns);
    m.penalty_p99_ns = Minus(m.commit_p99_ns, e.write_p99_ns);
    e.methods.push_back(m);
  }
  if (e.methods.empty()) {
    return Status::InvalidArgument(
        "PLP verdict: no durable write phase (sync other than none) has commit samples");
  }
  TakeFacts(probe, &e);

  // The flush call is the purest measure of the cache flush; O_DSYNC/RWF_DSYNC may take the FUA
  // path instead, which is checked for agreement below.
  const MethodPenalty* primary = &e.methods.front();
  for (const char* name : {"fdatasync", "fsync"}) {
    auto it = std::find_if(e.methods.begin(), e.methods.end(),
                           [&](const MethodPenalty& m) { return m.sync == name; });
    if (it != e.methods.end()) {
      primary = &*it;
      break;
    }
  }
  e.primary_method = primary->sync;

  const auto [lo, hi] = std::minmax_element(e.methods.begin(), e.methods.end(),
                                            [](const MethodPenalty& x, const MethodPenalty& y) {
                                              return x.penalty_p50_ns < y.penalty_p50_ns;
                                            });
  const bool disagree =
      hi->costly() && !lo->costly() &&
      static_cast<double>(hi->penalty_p50_ns) >=
          kMethodDisagreeRatio * static_cast<double>(std::max(lo->penalty_p50_ns, kPenaltyFloorNs));

  const uint64_t pen = primary->penalty_p50_ns;
  std::vector<std::string>& why = a.explanation;
  if (disagree) {
    a.verdict = PlpVerdict::kSuspicious;
    a.headline = fmt::format(
        "suspicious: the sync methods disagree: {} costs {} per durable write, {} only {}",
        hi->sync, Ms(hi->penalty_p50_ns), lo->sync, Ms(lo->penalty_p50_ns));
    why.push_back(fmt::format(
        "Both should make a write durable; when one is {}x cheaper, it is probably not reaching "
        "stable media (an ignored FUA or a dropped flush somewhere in the stack).",
        static_cast<uint64_t>(static_cast<double>(hi->penalty_p50_ns) /
                              static_cast<double>(std::max(lo->penalty_p50_ns, kPenaltyFloorNs)))));
  } else if (primary->costly()) {
    a.verdict = PlpVerdict::kFlushCostly;
    a.headline = fmt::format("flush costly: each durable write pays {} (p50; p99 {}) for {}",
                             Ms(pen), Ms(primary->penalty_p99_ns), primary->sync);
    why.push_back(
        "A volatile write cache without power-loss protection: a flush must write the "
        "cache out to stable media before it returns.");
    why.push_back(fmt::format(
        "In numbers: at qd1 one writer makes at most ~{} durable writes/s ({} per commit), against "
        "~{} plain writes/s; a database or WAL on it commits at that rate per stream.",
        PerSecond(primary->commit_p50_ns), Ms(primary->commit_p50_ns), PerSecond(e.write_p50_ns)));
  } else if (e.reports_volatile_cache) {
    a.verdict = PlpVerdict::kSuspicious;
    a.headline = fmt::format(
        "suspicious: the device reports a volatile write cache, yet a flush costs only {} ({})",
        Ms(pen), primary->sync);
    why.push_back(
        "Either the drive has power-loss protection and reports its cache anyway (many "
        "PLP SATA drives do), or it acknowledges flushes without making data durable. "
        "Latency cannot tell these apart.");
  } else {
    a.verdict = PlpVerdict::kFlushFree;
    a.headline = fmt::format("flush free: a durable write costs {} more than a plain one ({})",
                             Ms(pen), primary->sync);
    why.push_back("Consistent with power-loss protection or no volatile write cache.");
  }
  if (a.verdict != PlpVerdict::kFlushCostly) {
    why.push_back(
        "Latency alone cannot tell a drive with PLP from one that ignores flushes: "
        "verify with a power-cut durability test (docs/plp.md, \"Verifying durability\").");
  }
  if (e.write_p50_ns >= kSlowWriteNs) {
    why.push_back(fmt::format(
        "Plain writes are slow themselves ({} p50): every write seems to reach stable media "
        "(a write-through cache, or FUA on every write), so there is little left for a flush to "
        "do.",
        Ms(e.write_p50_ns)));
  }
  if (e.backend_kind == "tmpfs" || e.backend_kind == "ramfs" || e.backend_kind == "zram") {
    why.push_back("This target lives in RAM (" + e.backend_kind +
                  "): nothing on it survives a power loss, whatever a flush costs.");
  } else if (e.device.empty()) {
    why.push_back("No block device under this target (" +
                  (e.backend_kind.empty() ? std::string("unknown backend") : e.backend_kind) +
                  "): the verdict is about the whole stack below the path, not one drive.");
  } else if (e.device.find("(virtio)") != std::string::npos) {
    why.push_back(
        "A virtual disk: a flush ends at the hypervisor; what it costs and whether it "
        "is durable is decided by the host's storage.");
  }
  if (!e.direct) {
    why.push_back(
        "O_DIRECT was not available here: the writes went through the page cache, so "
        "the flush also wrote them back.");
  }
  return a;
}

bool PlpAssessment::LostAcknowledgedWrites() const {
  for (const PlpAuditResult& r : audits) {
    if (r.lost_writes != 0 || r.verdict == "lost-acknowledged-writes") return true;
  }
  return false;
}

void FoldAudits(const std::vector<PlpAuditResult>& audits, PlpAssessment* a) {
  if (audits.empty()) return;
  a->audits = audits;
  const size_t n = audits.size();
  size_t lost_cuts = 0, damaged_cuts = 0;
  uint64_t lost_writes = 0, acknowledged = 0, damaged = 0;
  for (const PlpAuditResult& r : audits) {
    acknowledged += r.acknowledged_writes;
    lost_writes += r.lost_writes;
    damaged += r.corrupt + r.misdirected;
    if (r.lost_writes != 0 || r.verdict == "lost-acknowledged-writes") ++lost_cuts;
    if (r.corrupt + r.misdirected != 0) ++damaged_cuts;
  }
  const std::string cuts = fmt::format("{} cut{}", n, n == 1 ? "" : "s");
  const std::string verdict = PlpVerdictName(a->verdict);
  if (lost_cuts != 0) {
    a->headline =
        fmt::format("{} but LOST acknowledged writes in {} of {}: the drive lies about flushes",
                    verdict, lost_cuts, cuts);
    a->explanation.insert(
        a->explanation.begin(),
        fmt::format("Audits ({}): {} of {} acknowledged writes were gone after the cuts. A write "
                    "the drive called durable did not survive power loss: do not trust it with a "
                    "WAL, a journal or a database commit.",
                    cuts, lost_writes, acknowledged));
  } else if (damaged_cuts != 0) {
    a->headline = fmt::format(
        "{}; kept every acknowledged write across {}, but returned {} torn or misplaced "
        "block{}",
        verdict, cuts, damaged, damaged == 1 ? "" : "s");
    a->explanation.insert(a->explanation.begin(),
                          fmt::format("Audits ({}): no acknowledged write was lost, but {} "
                                      "block{} came back torn or at the wrong place.",
                                      cuts, damaged, damaged == 1 ? "" : "s"));
  } else {
    a->headline = fmt::format("{}, and kept every acknowledged write across {}", verdict, cuts);
    a->explanation.insert(
        a->explanation.begin(),
        fmt::format("Audits ({}): all {} acknowledged writes survived. Only cuts show this; the "
                    "flush cost alone cannot tell a drive with power-loss protection from one "
                    "that ignores flushes.",
                    cuts, acknowledged));
  }
}

}  // namespace durabench
