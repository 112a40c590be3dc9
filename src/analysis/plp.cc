#include "analysis/plp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "util/units.h"

namespace durabench {
namespace {

bool IsWritePhase(const PhaseSpec& s) {
  return s.pattern == Pattern::kWrite || s.pattern == Pattern::kRandWrite;
}

int64_t Minus(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); }

// A time interval's p50 counts toward a one-round interval only with this many operations.
constexpr uint64_t kMinIntervalOps = 20;
// A round shorter than this measures start-up more than the method.
constexpr uint64_t kMinRoundNs = 100'000'000;
// The coverage MedianInterval aims for.
constexpr double kIntervalConfidence = 0.95;

// One method's (or the baseline's) phases, in run order: the k-th is round k.
struct MethodPhases {
  SyncMethod sync = SyncMethod::kNone;
  std::vector<const PhaseResult*> phases;
};

Histogram Merged(const std::vector<const PhaseResult*>& phases, OpKind kind) {
  Histogram h;
  for (const PhaseResult* p : phases) (void)h.Merge(p->op(kind).histogram);
  return h;
}

// The p50 values an interval is built from: one per round when there are rounds, else one per
// time interval of the phase (with enough operations).
std::vector<uint64_t> P50s(const std::vector<const PhaseResult*>& phases, OpKind kind) {
  std::vector<uint64_t> v;
  if (phases.size() > 1) {
    for (const PhaseResult* p : phases) v.push_back(p->op(kind).histogram.Percentile(50));
    return v;
  }
  for (const IntervalStats& i : phases.front()->time_series) {
    const IntervalKindStats& k = i.kinds[static_cast<int>(kind)];
    if (k.count >= kMinIntervalOps) v.push_back(k.p50_ns);
  }
  return v;
}

double Variation(const std::vector<uint64_t>& p50s) {
  if (p50s.size() < 2) return 0;
  const auto [lo, hi] = std::minmax_element(p50s.begin(), p50s.end());
  return *lo == 0 ? 0 : static_cast<double>(*hi) / static_cast<double>(*lo);
}

// The penalty interval of `method` against `baseline`: per round when both ran the same number
// of rounds (each round against its own baseline), else per time interval against the baseline
// over all rounds.
PenaltyInterval PenaltyIntervalOf(const MethodPhases& method, const MethodPhases& baseline,
                                  uint64_t baseline_p50) {
  std::vector<int64_t> penalties;
  std::string over;
  if (method.phases.size() > 1 && method.phases.size() == baseline.phases.size()) {
    const std::vector<uint64_t> c = P50s(method.phases, OpKind::kCommit);
    const std::vector<uint64_t> b = P50s(baseline.phases, OpKind::kWrite);
    for (size_t r = 0; r < c.size(); ++r) penalties.push_back(Minus(c[r], b[r]));
    over = "rounds";
  } else {
    for (const PhaseResult* p : method.phases) {
      for (uint64_t c : P50s({p}, OpKind::kCommit)) penalties.push_back(Minus(c, baseline_p50));
    }
    over = "intervals";
  }
  PenaltyInterval i = MedianInterval(std::move(penalties));
  i.over = over;
  return i;
}

PenaltyDecision Decide(const MethodPenalty& m) {
  const auto threshold = static_cast<int64_t>(kFlushCostlyPenaltyNs);
  const int64_t lo = m.interval.count >= 2 ? m.interval.low_ns : m.penalty_p50_ns;
  const int64_t hi = m.interval.count >= 2 ? m.interval.high_ns : m.penalty_p50_ns;
  if (lo >= threshold) return PenaltyDecision::kCostly;
  if (hi < threshold) return PenaltyDecision::kFree;
  return PenaltyDecision::kUndecided;
}

std::string IntervalText(const PenaltyInterval& i) {
  return fmt::format("{} to {}, a {:.0f} % interval over {} {}", FormatSignedDurationNs(i.low_ns),
                     FormatSignedDurationNs(i.high_ns), i.confidence * 100, i.count, i.over);
}

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
    case PlpVerdict::kUndecided:
      return "undecided";
  }
  return "?";
}

const char* PenaltyDecisionName(PenaltyDecision d) {
  switch (d) {
    case PenaltyDecision::kFree:
      return "free";
    case PenaltyDecision::kCostly:
      return "costly";
    case PenaltyDecision::kUndecided:
      return "undecided";
  }
  return "?";
}

PenaltyInterval MedianInterval(std::vector<int64_t> values) {
  PenaltyInterval i;
  i.count = static_cast<uint32_t>(values.size());
  if (values.empty()) return i;
  std::sort(values.begin(), values.end());
  if (values.size() < 2) {
    i.low_ns = i.high_ns = values.front();
    return i;
  }
  // P(Binomial(n, 1/2) < k) for k = 1, 2, ...: the chance that the median lies below x_(k).
  const size_t n = values.size();
  double below = 0, term = std::pow(0.5, static_cast<double>(n));  // P(B = 0)
  size_t k = 1;
  double coverage = 1 - 2 * term;
  for (size_t next = 2; next <= n / 2; ++next) {
    below += term;
    term = term * static_cast<double>(n - (next - 2)) / static_cast<double>(next - 1);
    const double c = 1 - 2 * (below + term);
    if (c < kIntervalConfidence) break;
    k = next;
    coverage = c;
  }
  i.low_ns = values[k - 1];
  i.high_ns = values[n - k];
  i.confidence = coverage;
  return i;
}

Result<WorkloadSpec> InterleaveRounds(const WorkloadSpec& workload, uint32_t rounds) {
  if (rounds <= 1) return workload;
  WorkloadSpec w = workload;
  w.phases.clear();
  for (uint32_t r = 1; r <= rounds; ++r) {
    for (const PhaseSpec& p : workload.phases) {
      PhaseSpec q = p;
      q.name = fmt::format("{}#{}", p.name, r);
      q.runtime_ns = p.runtime_ns / rounds;
      if (q.runtime_ns < kMinRoundNs) {
        return Status::InvalidArgument(fmt::format(
            "{} rounds of phase '{}' would last {} each; give fewer rounds or a longer --runtime "
            "(a round lasts at least {})",
            rounds, p.name, FormatDurationNs(q.runtime_ns), FormatDurationNs(kMinRoundNs)));
      }
      q.ops = p.ops / rounds;
      if (p.ops != 0 && q.ops == 0) q.ops = 1;
      w.phases.push_back(std::move(q));
    }
  }
  return w;
}

Result<PlpAssessment> AssessPlp(const std::vector<PhaseResult>& phases, const ProbeResult& probe) {
  PlpAssessment a;
  PlpEvidence& e = a.evidence;
  // The baseline's phases and each durable method's, in order of first appearance.
  MethodPhases baseline;
  std::vector<MethodPhases> methods;
  for (const PhaseResult& p : phases) {
    if (!IsWritePhase(p.spec)) continue;
    if (p.spec.sync == SyncMethod::kNone) {
      if (p.op(OpKind::kWrite).histogram.count() > 0) baseline.phases.push_back(&p);
      continue;
    }
    if (p.op(OpKind::kCommit).histogram.count() == 0) continue;
    auto it = std::find_if(methods.begin(), methods.end(),
                           [&](const MethodPhases& m) { return m.sync == p.spec.sync; });
    if (it == methods.end()) it = methods.insert(methods.end(), MethodPhases{p.spec.sync, {}});
    it->phases.push_back(&p);
  }
  if (baseline.phases.empty()) {
    return Status::InvalidArgument(
        "PLP verdict: no write phase with sync = none (the baseline) has samples");
  }
  const Histogram w = Merged(baseline.phases, OpKind::kWrite);
  e.baseline_phase = baseline.phases.front()->spec.name;
  e.rounds = static_cast<uint32_t>(baseline.phases.size());
  e.baseline_variation = Variation(P50s(baseline.phases, OpKind::kWrite));
  e.write_samples = w.count();
  e.write_p50_ns = w.Percentile(50);
  e.write_p99_ns = w.Percentile(99);
  e.direct = baseline.phases.front()->spec.direct;
  for (const MethodPhases& mp : methods) {
    const Histogram c = Merged(mp.phases, OpKind::kCommit);
    MethodPenalty m;
    m.sync = std::string(SyncMethodName(mp.sync));
    m.phase = mp.phases.front()->spec.name;
    m.samples = c.count();
    m.commit_p50_ns = c.Percentile(50);
    m.commit_p99_ns = c.Percentile(99);
    const Histogram f = Merged(mp.phases, OpKind::kFlush);
    if (f.count() > 0) {
      m.flush_p50_ns = f.Percentile(50);
      m.flush_p99_ns = f.Percentile(99);
    }
    m.penalty_p50_ns = Minus(m.commit_p50_ns, e.write_p50_ns);
    m.penalty_p99_ns = Minus(m.commit_p99_ns, e.write_p99_ns);
    m.interval = PenaltyIntervalOf(mp, baseline, e.write_p50_ns);
    m.decision = Decide(m);
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

  // Methods disagree only when both sides are decided: one surely costly, another surely free.
  const auto [lo, hi] = std::minmax_element(e.methods.begin(), e.methods.end(),
                                            [](const MethodPenalty& x, const MethodPenalty& y) {
                                              return x.penalty_p50_ns < y.penalty_p50_ns;
                                            });
  const auto floor = static_cast<int64_t>(kPenaltyFloorNs);
  const bool disagree =
      hi->decision == PenaltyDecision::kCostly && lo->decision == PenaltyDecision::kFree &&
      static_cast<double>(hi->penalty_p50_ns) >=
          kMethodDisagreeRatio * static_cast<double>(std::max(lo->penalty_p50_ns, floor));

  const std::string pen = FormatSignedDurationNs(primary->penalty_p50_ns);
  std::vector<std::string>& why = a.explanation;
  if (primary->decision == PenaltyDecision::kUndecided) {
    a.verdict = PlpVerdict::kUndecided;
    a.headline = fmt::format(
        "undecided: the {} penalty is {} (p50) but could be {} to {}, across the {} line "
        "between free and costly",
        primary->sync, pen, FormatSignedDurationNs(primary->interval.low_ns),
        FormatSignedDurationNs(primary->interval.high_ns), FormatDurationNs(kFlushCostlyPenaltyNs));
    why.push_back(fmt::format("The interval: {}.", IntervalText(primary->interval)));
    if (e.baseline_variation >= 1.5) {
      why.push_back(
          fmt::format("Noisy host: the no-flush baseline's p50 varied {:.1f}x between {}, so the "
                      "latency moved with something other than the flush.",
                      e.baseline_variation, e.rounds > 1 ? "rounds" : "intervals"));
    }
    why.push_back(fmt::format(
        "To decide: more rounds (durabench plp --rounds {}), or a quieter host (nothing else on "
        "the drive or the CPUs while it runs).",
        std::max<uint32_t>(10, e.rounds * 2)));
  } else if (disagree) {
    a.verdict = PlpVerdict::kSuspicious;
    a.headline = fmt::format(
        "suspicious: the sync methods disagree: {} costs {} per durable write, {} only {}",
        hi->sync, FormatSignedDurationNs(hi->penalty_p50_ns), lo->sync,
        FormatSignedDurationNs(lo->penalty_p50_ns));
    why.push_back(fmt::format(
        "Both should make a write durable; when one is {}x cheaper, it is probably not reaching "
        "stable media (an ignored FUA or a dropped flush somewhere in the stack).",
        static_cast<uint64_t>(static_cast<double>(hi->penalty_p50_ns) /
                              static_cast<double>(std::max(lo->penalty_p50_ns, floor)))));
  } else if (primary->costly()) {
    a.verdict = PlpVerdict::kFlushCostly;
    a.headline = fmt::format("flush costly: each durable write pays {} (p50; p99 {}) for {}", pen,
                             FormatSignedDurationNs(primary->penalty_p99_ns), primary->sync);
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
        pen, primary->sync);
    why.push_back(
        "Either the drive has power-loss protection and reports its cache anyway (many "
        "PLP SATA drives do), or it acknowledges flushes without making data durable. "
        "Latency cannot tell these apart.");
  } else {
    a.verdict = PlpVerdict::kFlushFree;
    a.headline = fmt::format("flush free: a durable write costs {} more than a plain one ({})", pen,
                             primary->sync);
    why.push_back("Consistent with power-loss protection or no volatile write cache.");
  }
  if (a.verdict != PlpVerdict::kUndecided && primary->interval.count >= 2) {
    why.push_back(fmt::format("The {} penalty's interval: {}.", primary->sync,
                              IntervalText(primary->interval)));
  }
  if (a.verdict != PlpVerdict::kFlushCostly && a.verdict != PlpVerdict::kUndecided) {
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
