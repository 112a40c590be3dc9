#include "compare/merge.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <optional>

#include "result/json.h"

namespace durabench {
namespace {

Status Mismatch(const std::string& a, const std::string& b, const std::string& what) {
  return Status::InvalidArgument(a + " and " + b + " are not runs of one workload: " + what +
                                 "; merge or gate only repeated runs of the same workload");
}

// The worst of the inputs' stall and recovery (merge.h): a later time, none before any time.
void LaterOrNone(const std::optional<uint64_t>& in, std::optional<uint64_t>* out) {
  if (!in || !*out) {
    out->reset();
  } else {
    *out = std::max(**out, *in);
  }
}

void MergeChaos(const PhaseChaos& in, MergeTime time, size_t inputs_before, PhaseChaos* out) {
  if (!in.present) return;
  if (!out->present) {
    *out = in;
    return;
  }
  if (in.longest_stall_ns > out->longest_stall_ns) {
    out->longest_stall_ns = in.longest_stall_ns;
    out->longest_stall_at_ns = in.longest_stall_at_ns;
  }
  LaterOrNone(in.first_completion_after_fault_ns, &out->first_completion_after_fault_ns);
  LaterOrNone(in.recovery_ns, &out->recovery_ns);
  out->worst_latency_ns = std::max(out->worst_latency_ns, in.worst_latency_ns);
  if (time == MergeTime::kConcurrent) {
    out->baseline_iops += in.baseline_iops;
    out->inflight_at_fault += in.inflight_at_fault;
  } else {
    const double n = static_cast<double>(inputs_before);
    out->baseline_iops = (out->baseline_iops * n + in.baseline_iops) / (n + 1);
    out->inflight_at_fault = std::max(out->inflight_at_fault, in.inflight_at_fault);
  }
  for (const FailedOps& f : in.failed) {
    auto same = std::find_if(out->failed.begin(), out->failed.end(), [&f](const FailedOps& o) {
      return o.kind == f.kind && o.error_number == f.error_number;
    });
    if (same == out->failed.end()) {
      out->failed.push_back(f);
    } else {
      same->count += f.count;
    }
  }
}

Status MergePhase(const PhaseResult& in, const std::string& label, MergeTime time,
                  size_t inputs_before, PhaseResult* out) {
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpStats& s = in.ops[k];
    OpStats& d = out->ops[k];
    DURABENCH_RETURN_IF_ERROR(d.histogram.Merge(s.histogram));
    DURABENCH_RETURN_IF_ERROR(d.corrected.Merge(s.corrected));
    d.bytes += s.bytes;
    d.errors += s.errors;
  }
  if (time == MergeTime::kSequential) {
    out->measured_ns += in.measured_ns;
    out->time_series.clear();  // one run after another has no common clock
  } else {
    out->measured_ns = std::max(out->measured_ns, in.measured_ns);
    std::map<uint64_t, IntervalStats> rows;
    for (const IntervalStats& iv : out->time_series) rows[iv.index] = iv;
    for (const IntervalStats& iv : in.time_series) {
      auto [it, fresh] = rows.try_emplace(iv.index, iv);
      if (fresh) continue;
      for (int k = 0; k < kOpKindCount; ++k) {
        IntervalKindStats& d = it->second.kinds[k];
        const IntervalKindStats& s = iv.kinds[k];
        d.count += s.count;
        d.bytes += s.bytes;
        d.p50_ns = std::max(d.p50_ns, s.p50_ns);
        d.p99_ns = std::max(d.p99_ns, s.p99_ns);
        d.p999_ns = std::max(d.p999_ns, s.p999_ns);
        d.max_ns = std::max(d.max_ns, s.max_ns);
      }
    }
    out->time_series.clear();
    for (auto& [index, iv] : rows) out->time_series.push_back(iv);
  }
  out->queue.max_inflight = std::max(out->queue.max_inflight, in.queue.max_inflight);
  out->queue.ordering_violations += in.queue.ordering_violations;
  for (const std::string& e : in.errors) out->errors.push_back(label + ": " + e);
  out->interrupted = out->interrupted || in.interrupted;
  out->stonewalled = out->stonewalled || in.stonewalled;
  if (out->faults.empty()) out->faults = in.faults;
  MergeChaos(in.chaos, time, inputs_before, &out->chaos);
  return Status::Ok();
}

}  // namespace

Status CheckSameWorkload(const std::vector<const RunResult*>& results,
                         const std::vector<std::string>& labels) {
  if (results.empty()) return Status::InvalidArgument("no results to merge");
  const RunResult& ref = *results[0];
  for (size_t i = 1; i < results.size(); ++i) {
    const RunResult& r = *results[i];
    if (r.workload.name != ref.workload.name) {
      return Mismatch(labels[0], labels[i],
                      "workload '" + ref.workload.name + "' vs '" + r.workload.name + "'");
    }
    if (r.phases.size() != ref.phases.size()) {
      return Mismatch(
          labels[0], labels[i],
          std::to_string(ref.phases.size()) + " phases vs " + std::to_string(r.phases.size()));
    }
    for (size_t p = 0; p < ref.phases.size(); ++p) {
      const PhaseResult& a = ref.phases[p];
      const PhaseResult& b = r.phases[p];
      if (a.spec.name != b.spec.name) {
        return Mismatch(labels[0], labels[i],
                        "phase " + std::to_string(p + 1) + " is '" + a.spec.name + "' vs '" +
                            b.spec.name + "'");
      }
      const Json sa = PhaseSpecToJson(a.spec);
      const Json sb = PhaseSpecToJson(b.spec);
      if (sa != sb) {
        std::string diff;
        for (const auto& [key, value] : sa.items()) {
          if (!sb.contains(key) || sb[key] != value) {
            diff += (diff.empty() ? "" : ", ") + key + " " + value.dump() + " vs " +
                    (sb.contains(key) ? sb[key].dump() : "absent");
          }
        }
        return Mismatch(labels[0], labels[i], "phase '" + a.spec.name + "' differs: " + diff);
      }
      if (a.interval_ns != b.interval_ns && !a.time_series.empty() && !b.time_series.empty()) {
        return Mismatch(labels[0], labels[i],
                        "phase '" + a.spec.name + "' has time-series intervals of " +
                            std::to_string(a.interval_ns) + " ns vs " +
                            std::to_string(b.interval_ns) + " ns");
      }
    }
  }
  return Status::Ok();
}

namespace {

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ", or nullopt for anything else.
std::optional<int64_t> ParseStartedAt(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

Status CheckRanTogether(const std::vector<const RunResult*>& results,
                        const std::vector<std::string>& labels) {
  size_t latest_start = 0;
  size_t earliest_end = 0;
  int64_t latest = 0;
  int64_t earliest = 0;
  double earliest_s = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::optional<int64_t> start = ParseStartedAt(results[i]->started_at);
    if (!start) return Status::Ok();  // fio results of old versions, hand-made files
    uint64_t ns = 0;
    for (const PhaseResult& p : results[i]->phases) ns += p.spec.ramp_ns + p.measured_ns;
    const double seconds = static_cast<double>(ns) / 1e9;
    const int64_t end = *start + static_cast<int64_t>(std::ceil(seconds));
    if (i == 0 || *start > latest) latest = *start, latest_start = i;
    if (i == 0 || end < earliest) earliest = end, earliest_end = i, earliest_s = seconds;
  }
  if (latest - earliest <= kRanTogetherSlackS) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "{} started at {}, {} s after {} had ended (started {}, ran {:.1f} s): these runs did not "
      "run at the same time, and merging them as if they had adds up their IOPS; pass "
      "--sequential to pool runs made one after another",
      labels[latest_start], results[latest_start]->started_at, latest - earliest,
      labels[earliest_end], results[earliest_end]->started_at, earliest_s));
}

Result<RunResult> MergeResults(const std::vector<const RunResult*>& results,
                               const std::vector<std::string>& labels, MergeTime time) {
  DURABENCH_RETURN_IF_ERROR(CheckSameWorkload(results, labels));
  RunResult out = *results[0];
  out.errors.clear();
  for (PhaseResult& p : out.phases) {
    const PhaseSpec spec = p.spec;
    const uint64_t interval_ns = p.interval_ns;
    const std::vector<IntervalStats> series = p.time_series;
    p = PhaseResult();
    p.spec = spec;
    p.interval_ns = interval_ns;
    p.time_series = series;  // the first input's; the others are merged into it
    for (IntervalStats& iv : p.time_series) iv = IntervalStats{iv.index, iv.start_ns, {}};
  }
  for (size_t i = 0; i < results.size(); ++i) {
    for (size_t p = 0; p < out.phases.size(); ++p) {
      DURABENCH_RETURN_IF_ERROR(
          MergePhase(results[i]->phases[p], labels[i], time, i, &out.phases[p]));
    }
    for (const std::string& e : results[i]->errors) out.errors.push_back(labels[i] + ": " + e);
  }
  // The merged mean in-flight count is the operation-weighted mean of the inputs'.
  for (size_t p = 0; p < out.phases.size(); ++p) {
    double weighted = 0;
    double ops = 0;
    for (const RunResult* r : results) {
      const PhaseResult& in = r->phases[p];
      const double n = static_cast<double>(in.op(OpKind::kRead).histogram.count() +
                                           in.op(OpKind::kWrite).histogram.count());
      weighted += in.queue.mean_inflight * n;
      ops += n;
    }
    out.phases[p].queue.mean_inflight = ops > 0 ? weighted / ops : 0;
  }
  return out;
}

}  // namespace durabench
