#include "result/chaos.h"

#include <algorithm>

namespace durabench {
namespace {

// Reads + writes completed per interval, from interval 0 to the last whole one before `end_ns`
// (rows the series lacks, a stall at the end, count 0).
std::vector<uint64_t> OpsPerInterval(const std::vector<IntervalStats>& series, uint64_t interval_ns,
                                     uint64_t end_ns) {
  std::vector<uint64_t> ops(interval_ns == 0 ? 0 : end_ns / interval_ns, 0);
  for (const IntervalStats& row : series) {
    if (row.index >= ops.size()) continue;
    ops[row.index] = row.kinds[static_cast<int>(OpKind::kRead)].count +
                     row.kinds[static_cast<int>(OpKind::kWrite)].count;
  }
  return ops;
}

// Rates on the series' own clock: interval k from k * interval_ns after the ramp's end.
struct Rates {
  uint64_t interval_ns = 0;
  size_t window = 1;          // intervals per rate window
  std::vector<double> iops;   // iops[k]: the window starting at interval k
  std::vector<uint64_t> ops;  // per interval

  bool Has(size_t k) const { return k < iops.size(); }
};

Rates WindowRates(const std::vector<uint64_t>& ops, uint64_t interval_ns) {
  Rates r;
  r.ops = ops;
  r.interval_ns = interval_ns;
  r.window = std::max<size_t>(1, static_cast<size_t>(kRateWindowNs / interval_ns));
  if (ops.size() < r.window) return r;
  r.iops.assign(ops.size() - r.window + 1, 0.0);
  const double seconds = static_cast<double>(r.window * interval_ns) / 1e9;
  uint64_t sum = 0;
  for (size_t k = 0; k < ops.size(); ++k) {
    sum += ops[k];
    if (k + 1 >= r.window) {
      r.iops[k + 1 - r.window] = static_cast<double>(sum) / seconds;
      sum -= ops[k + 1 - r.window];
    }
  }
  return r;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// From `at` to the start of the first stretch of kRecoveryHoldNs, ending by `until` (both on the
// series' clock), whose mean IOPS reach kRecoveryShare of `baseline` and which begins with an
// interval at that rate itself.
// The mean, not every second: a drive or cluster whose rate varies by 10 % by itself would
// otherwise never count as recovered; a stall of half a second in the stretch still fails it.
std::optional<uint64_t> Recovery(const Rates& r, double baseline, uint64_t at, uint64_t until) {
  if (baseline <= 0 || r.ops.empty()) return std::nullopt;
  const double floor = kRecoveryShare * baseline;
  const size_t hold =
      std::max<size_t>(r.window, static_cast<size_t>(kRecoveryHoldNs / r.interval_ns));
  const size_t last_end = static_cast<size_t>(until / r.interval_ns);  // intervals before `until`
  const double interval_s = static_cast<double>(r.interval_ns) / 1e9;
  const double hold_s = interval_s * static_cast<double>(hold);
  std::vector<uint64_t> prefix(r.ops.size() + 1, 0);
  for (size_t k = 0; k < r.ops.size(); ++k) prefix[k + 1] = prefix[k] + r.ops[k];
  for (size_t start = static_cast<size_t>((at + r.interval_ns - 1) / r.interval_ns);
       start + hold <= last_end && start + hold <= r.ops.size(); ++start) {
    if (static_cast<double>(r.ops[start]) / interval_s < floor) continue;
    if (static_cast<double>(prefix[start + hold] - prefix[start]) / hold_s >= floor) {
      return start * r.interval_ns - at;
    }
  }
  return std::nullopt;
}

void Effect(const std::vector<QuietPeriod>& quiet, uint64_t end_ns, FaultCommandRun* c) {
  c->stall_ns = 0;
  c->first_completion_ns = 0;
  const uint64_t onset_end = c->ended_ns + kStallOnsetNs;
  for (const QuietPeriod& q : quiet) {
    if (q.end_ns <= c->started_ns || q.begin_ns > onset_end) continue;
    // Measured from the command's start if it was already quiet; I/O resumed at the end of the
    // longest one, or never if that lasted to the phase's end.
    const uint64_t stall = q.end_ns - std::max(q.begin_ns, c->started_ns);
    if (stall <= c->stall_ns) continue;
    c->stall_ns = stall;
    c->first_completion_ns =
        q.end_ns >= end_ns ? std::nullopt : std::optional<uint64_t>(q.end_ns - c->started_ns);
  }
}

}  // namespace

std::vector<QuietPeriod> QuietInAll(const std::vector<std::vector<QuietPeriod>>& per_job) {
  if (per_job.empty()) return {};
  std::vector<QuietPeriod> common = per_job.front();
  for (size_t j = 1; j < per_job.size(); ++j) {
    std::vector<QuietPeriod> next;
    const std::vector<QuietPeriod>& other = per_job[j];
    size_t a = 0, b = 0;
    while (a < common.size() && b < other.size()) {
      const uint64_t lo = std::max(common[a].begin_ns, other[b].begin_ns);
      const uint64_t hi = std::min(common[a].end_ns, other[b].end_ns);
      if (hi > lo) next.push_back({lo, hi});
      (common[a].end_ns < other[b].end_ns ? a : b)++;
    }
    common = std::move(next);
  }
  std::erase_if(common, [](const QuietPeriod& q) { return q.end_ns - q.begin_ns < kQuietFloorNs; });
  return common;
}

void ComputeChaos(const std::vector<QuietPeriod>& quiet, const std::vector<IntervalStats>& series,
                  uint64_t interval_ns, uint64_t measure_start_ns, uint64_t end_ns,
                  std::vector<FaultRun>* faults, PhaseChaos* chaos) {
  chaos->present = !faults->empty();
  chaos->longest_stall_ns = chaos->longest_stall_at_ns = 0;
  for (const QuietPeriod& q : quiet) {
    if (q.end_ns - q.begin_ns > chaos->longest_stall_ns) {
      chaos->longest_stall_ns = q.end_ns - q.begin_ns;
      chaos->longest_stall_at_ns = q.begin_ns;
    }
  }
  // Every command that ran, in the order they started.
  std::vector<FaultCommandRun*> runs;
  for (FaultRun& f : *faults) {
    if (f.action.ran) runs.push_back(&f.action);
    if (f.undo.ran) runs.push_back(&f.undo);
  }
  std::stable_sort(runs.begin(), runs.end(),
                   [](const FaultCommandRun* a, const FaultCommandRun* b) {
                     return a->started_ns < b->started_ns;
                   });
  if (runs.empty() || interval_ns == 0) return;

  // The series starts at the ramp's end (the recorder's clock); the commands' times are from
  // the phase start. A time during the ramp is the series' start.
  const auto on_series = [measure_start_ns](uint64_t t) {
    return t > measure_start_ns ? t - measure_start_ns : 0;
  };
  const Rates rates =
      WindowRates(OpsPerInterval(series, interval_ns, on_series(end_ns)), interval_ns);
  const uint64_t first_at = runs.front()->started_ns;
  std::vector<double> before;
  for (size_t k = 0; rates.Has(k) && (k + rates.window) * interval_ns <= on_series(first_at); ++k) {
    before.push_back(rates.iops[k]);
  }
  const double baseline = Median(std::move(before));
  for (size_t i = 0; i < runs.size(); ++i) {
    const uint64_t at = runs[i]->started_ns;
    const uint64_t until = i + 1 < runs.size() ? std::max(at, runs[i + 1]->started_ns) : end_ns;
    Effect(quiet, end_ns, runs[i]);
    std::optional<uint64_t> back = Recovery(rates, baseline, on_series(at), on_series(until));
    // A command during the ramp: from its start to the series' start, then the series' time.
    if (back) *back += measure_start_ns > at ? measure_start_ns - at : 0;
    runs[i]->recovery_ns = back;
  }
  chaos->fault_at_ns = first_at;
  chaos->baseline_iops = baseline;
  chaos->first_completion_after_fault_ns = runs.front()->first_completion_ns;
  chaos->recovery_ns = runs.front()->recovery_ns;
  chaos->inflight_at_fault = runs.front()->inflight;
}

}  // namespace durabench
