#include "compare/ranks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "compare/merge.h"
#include "util/units.h"

namespace durabench {
namespace {

// The median of `v` (sorted here); the mean of the middle two for an even count.
double Median(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  if (n == 0) return 0;
  if (n % 2 == 1) return static_cast<double>(v[n / 2]);
  return (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

}  // namespace

std::vector<RankOpRow> RankRows(const std::vector<RankOutcome>& ranks) {
  std::vector<RankOpRow> rows;
  size_t phases = 0;
  for (const RankOutcome& r : ranks) phases = std::max(phases, r.result.phases.size());
  for (size_t p = 0; p < phases; ++p) {
    for (int k = 0; k < kOpKindCount; ++k) {
      const auto kind = static_cast<OpKind>(k);
      const size_t first = rows.size();
      for (const RankOutcome& r : ranks) {
        if (p >= r.result.phases.size()) continue;
        const PhaseResult& phase = r.result.phases[p];
        const OpStats& op = phase.op(kind);
        if (op.histogram.count() == 0 && op.errors == 0) continue;
        RankOpRow row;
        row.rank = r.rank;
        row.host = r.host;
        row.phase = p;
        row.kind = kind;
        row.count = op.histogram.count();
        row.iops = phase.measured_ns == 0 ? 0
                                          : static_cast<double>(row.count) * 1e9 /
                                                static_cast<double>(phase.measured_ns);
        row.p50_ns = op.histogram.Percentile(50);
        row.p99_ns = op.histogram.Percentile(99);
        row.errors = op.errors;
        row.stonewalled = phase.stonewalled;
        rows.push_back(row);
      }
      if (rows.size() - first < 3) continue;
      std::vector<uint64_t> p99s;
      for (size_t i = first; i < rows.size(); ++i) p99s.push_back(rows[i].p99_ns);
      const double median = Median(std::move(p99s));
      for (size_t i = first; i < rows.size(); ++i) {
        rows[i].straggler = static_cast<double>(rows[i].p99_ns) > kStragglerP99Factor * median;
      }
    }
  }
  return rows;
}

std::vector<int64_t> StartSkewNs(const std::vector<RankOutcome>& ranks) {
  std::vector<int64_t> skew;
  if (ranks.empty()) return skew;
  size_t phases = SIZE_MAX;
  for (const RankOutcome& r : ranks) phases = std::min(phases, r.phase_start_ns.size());
  for (size_t p = 0; p < phases; ++p) {
    int64_t lo = INT64_MAX;
    int64_t hi = INT64_MIN;
    for (const RankOutcome& r : ranks) {
      const int64_t t = r.phase_start_ns[p] - r.clock_offset_ns;
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
    skew.push_back(hi - lo);
  }
  return skew;
}

Result<RunResult> MergeRanks(const std::vector<RankOutcome>& ranks) {
  std::vector<const RankOutcome*> sound;
  size_t phases = SIZE_MAX;
  for (const RankOutcome& r : ranks) {
    if (!r.error.empty() && !r.stopped) continue;
    size_t ok = 0;
    while (ok < r.result.phases.size() && r.result.phases[ok].status.ok()) ++ok;
    phases = std::min(phases, ok);
    sound.push_back(&r);
  }
  if (sound.empty() || phases == 0) {
    return Status::IoError("no phase was finished by every rank that did not fail");
  }
  std::vector<RunResult> cut;
  std::vector<std::string> labels;
  for (const RankOutcome* r : sound) {
    cut.push_back(r->result);
    cut.back().phases.resize(phases);
    cut.back().workload.phases.resize(phases);
    labels.push_back("rank " + std::to_string(r->rank));
  }
  std::vector<const RunResult*> results;
  for (const RunResult& r : cut) results.push_back(&r);
  if (Status st = CheckSameWorkload(results, labels); !st.ok()) return st;
  return MergeResults(results, labels, MergeTime::kConcurrent);
}

Json RanksToJson(const std::vector<RankOutcome>& ranks, const std::vector<RankOpRow>& rows,
                 int64_t reduction_ns) {
  Json out = {{"size", ranks.size()}};
  Json each = Json::array();
  for (const RankOutcome& r : ranks) {
    Json j = {{"rank", r.rank},
              {"host", r.host},
              {"clock_offset_ns", r.clock_offset_ns},
              {"clock_rtt_ns", r.clock_rtt_ns},
              {"phase_start_ns", r.phase_start_ns}};
    if (!r.error.empty()) j["error"] = r.error;
    if (r.stopped) j["stopped"] = true;
    each.push_back(std::move(j));
  }
  out["ranks"] = std::move(each);
  out["start_skew_ns"] = StartSkewNs(ranks);
  out["reduction_ns"] = reduction_ns;
  Json table = Json::array();
  for (const RankOpRow& row : rows) {
    table.push_back({{"rank", row.rank},
                     {"host", row.host},
                     {"phase", row.phase},
                     {"op", OpKindName(row.kind)},
                     {"count", row.count},
                     {"iops", row.iops},
                     {"p50_ns", row.p50_ns},
                     {"p99_ns", row.p99_ns},
                     {"errors", row.errors},
                     {"straggler", row.straggler}});
    if (row.stonewalled) table.back()["stonewalled"] = true;
  }
  out["rows"] = std::move(table);
  return out;
}

std::string FormatRankTable(const RunResult& aggregate, const std::vector<RankOutcome>& ranks,
                            const std::vector<RankOpRow>& rows) {
  std::string out;
  const std::vector<int64_t> skew = StartSkewNs(ranks);
  size_t host_width = 4;
  for (const RankOpRow& row : rows) host_width = std::max(host_width, row.host.size());
  size_t phase = SIZE_MAX;
  for (const RankOpRow& row : rows) {
    if (row.phase != phase) {
      phase = row.phase;
      const std::string name = phase < aggregate.phases.size()
                                   ? aggregate.phases[phase].spec.name
                                   : "phase " + std::to_string(phase + 1);
      out += fmt::format("\n{} / {} ranks", name, ranks.size());
      if (phase < skew.size()) out += ", start skew " + FormatDurationNs(skew[phase]);
      out += fmt::format("\n  {:>4}  {:<{}}  {:<6}  {:>10}  {:>10}  {:>9}  {:>9}  {:>6}\n", "rank",
                         "host", host_width, "op", "count", "IOPS", "p50", "p99", "errors");
    }
    out += fmt::format("  {:>4}  {:<{}}  {:<6}  {:>10}  {:>10.1f}  {:>9}  {:>9}  {:>6}{}{}\n",
                       row.rank, row.host, host_width, OpKindName(row.kind), row.count, row.iops,
                       FormatDurationNs(row.p50_ns), FormatDurationNs(row.p99_ns), row.errors,
                       row.straggler ? "  straggler" : "", row.stonewalled ? "  stonewalled" : "");
  }
  for (const RankOutcome& r : ranks) {
    if (!r.error.empty()) {
      out += fmt::format("rank {} ({}) {}: {}\n", r.rank, r.host, r.stopped ? "stopped" : "failed",
                         r.error);
    }
  }
  return out;
}

}  // namespace durabench
