#include "compare/gate.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "compare/merge.h"
#include "compare/stats.h"
#include "util/units.h"

namespace durabench {
namespace {

std::string TargetIdentity(const RunResult& r) {
  return "target kind '" + r.target.kind + "', backend '" + r.probe.backend_kind +
         "', filesystem '" +
         (r.probe.filesystem.type.known() ? r.probe.filesystem.type.value : "") + "'";
}

const PhaseResult* FindPhase(const RunResult& r, const std::string& name) {
  for (const PhaseResult& p : r.phases) {
    if (p.spec.name == name) return &p;
  }
  return nullptr;
}

// Per-interval values of every run, one vector per run; nullopt unless every run has some.
std::optional<std::vector<std::vector<double>>> IntervalsByRun(
    const Metric& m, const std::vector<const PhaseResult*>& runs) {
  std::vector<std::vector<double>> all;
  for (const PhaseResult* p : runs) {
    std::optional<std::vector<double>> v = MetricIntervalValues(m, *p);
    if (!v || v->empty()) return std::nullopt;
    all.push_back(std::move(*v));
  }
  return all;
}

// Negated values turn "smaller" into "greater".
std::vector<std::vector<double>> Negated(std::vector<std::vector<double>> runs) {
  for (std::vector<double>& run : runs) {
    for (double& x : run) x = -x;
  }
  return runs;
}

// What a phase must have for `m` to apply: "faults", "commit operations", or m's name.
std::string WhatItNeeds(const Metric& m) {
  if (m.IsChaos()) return "faults";
  return m.kind.empty() ? m.Name() : m.kind + " operations";
}

std::vector<double> PerRun(const Metric& m, const std::vector<const PhaseResult*>& runs) {
  std::vector<double> v;
  for (const PhaseResult* p : runs) v.push_back(MetricValue(m, *p).value_or(0));
  return v;
}

GateCheck Evaluate(const Threshold& t, const Metric& resolved, const PhaseResult& base,
                   const PhaseResult& cand, const std::vector<const PhaseResult*>& base_runs,
                   const std::vector<const PhaseResult*>& cand_runs, const GateOptions& options) {
  GateCheck c;
  c.phase = base.spec.name;
  c.threshold = t.text;
  c.metric = resolved.Name();
  c.baseline = MetricValue(resolved, base).value_or(0);
  c.candidate = MetricValue(resolved, cand).value_or(0);
  c.change = c.candidate - c.baseline;
  c.relative = c.baseline != 0 ? c.candidate / c.baseline - 1
               : c.candidate == 0
                   ? 0
                   : std::numeric_limits<double>::infinity() * (c.change < 0 ? -1 : 1);
  const double signed_change = t.relative ? c.relative * t.direction : c.change * t.direction;
  c.exceeded = signed_change > t.limit;
  const bool improved = -signed_change > t.limit;

  if (base_runs.size() < options.min_runs || cand_runs.size() < options.min_runs) {
    c.samples = fmt::format("no test: {} vs {} runs (needs {} per side)", base_runs.size(),
                            cand_runs.size(), options.min_runs);
  } else {
    std::optional<std::vector<std::vector<double>>> a = IntervalsByRun(resolved, base_runs);
    std::optional<std::vector<std::vector<double>>> b = IntervalsByRun(resolved, cand_runs);
    // The direction tested: that of the regression (the candidate larger, +, or smaller, -,
    // than the baseline), or for a change beyond the threshold the good way, that of the
    // improvement: "improved" too must be significant.
    const int direction = improved ? -t.direction : t.direction;
    if (a && b) {
      c.samples = "intervals";
      for (const auto& run : *a) c.baseline_n += run.size();
      for (const auto& run : *b) c.candidate_n += run.size();
      const RunRankTestResult r =
          direction > 0 ? RunRankTestGreater(*a, *b) : RunRankTestGreater(Negated(*a), Negated(*b));
      c.p_value = r.p_value;
    } else {
      c.samples = "runs";
      std::vector<double> va = PerRun(resolved, base_runs);
      std::vector<double> vb = PerRun(resolved, cand_runs);
      c.baseline_n = va.size();
      c.candidate_n = vb.size();
      if (direction < 0) {
        for (double& x : va) x = -x;
        for (double& x : vb) x = -x;
      }
      c.p_value = RankSumGreater(va, vb).p_value;
    }
    c.tested = true;
  }
  const bool significant = !c.tested || c.p_value < options.alpha;
  if (c.exceeded) {
    c.outcome = significant ? GateOutcome::kRegression : GateOutcome::kNoise;
  } else if (improved) {
    c.outcome = significant ? GateOutcome::kImproved : GateOutcome::kNoise;
  }
  return c;
}

std::string Percent(double relative) {
  if (std::isinf(relative)) return relative > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.1f}%", relative * 100);
}

std::string TestText(const GateCheck& c) {
  if (!c.tested) return c.samples;
  if (c.samples == "runs") {
    return fmt::format("p={:.2g} (per run: {} vs {})", c.p_value, c.baseline_n, c.candidate_n);
  }
  return fmt::format("p={:.2g} (run mean ranks of {} vs {} intervals)", c.p_value, c.baseline_n,
                     c.candidate_n);
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string CheckLine(const GateCheck& c, const Metric& m) {
  return fmt::format("{} {}: {} -> {} ({}, {}); threshold {}; {}", c.phase, c.metric,
                     FormatMetricValue(m, c.baseline), FormatMetricValue(m, c.candidate),
                     Percent(c.relative), GateOutcomeName(c.outcome), c.threshold, TestText(c));
}

Metric MetricOf(const GateCheck& c) {
  Result<Metric> m = ParseMetric(c.metric);
  return m.ok() ? *m : Metric{};
}

}  // namespace

const char* GateOutcomeName(GateOutcome o) {
  switch (o) {
    case GateOutcome::kPass:
      return "pass";
    case GateOutcome::kImproved:
      return "improved";
    case GateOutcome::kNoise:
      return "noise";
    case GateOutcome::kRegression:
      return "REGRESSION";
  }
  return "?";
}

Result<Threshold> ParseThreshold(const std::string& text) {
  const auto bad = [&text](const std::string& why) {
    return Status::InvalidArgument("--threshold '" + text + "': " + why +
                                   " (forms: commit.p99=+10%, iops=-5%, flush.p50=+200us)");
  };
  const size_t eq = text.find('=');
  if (eq == std::string::npos) return bad("expected METRIC=+N% or METRIC=-N%");
  Result<Metric> metric = ParseMetric(text.substr(0, eq));
  if (!metric.ok()) return bad(metric.status().message());
  std::string value = text.substr(eq + 1);
  if (value.empty() || (value[0] != '+' && value[0] != '-')) {
    return bad("the limit needs a sign: + when a rise is the regression, - when a fall is");
  }
  Threshold t;
  t.text = text;
  t.metric = *metric;
  t.direction = value[0] == '+' ? +1 : -1;
  value = value.substr(1);
  if (!value.empty() && value.back() == '%') {
    value.pop_back();
    char* end = nullptr;
    const double pct = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(pct >= 0) || std::isinf(pct)) {
      return bad("'" + value + "' is not a percentage >= 0");
    }
    t.limit = pct / 100;
    t.relative = true;
    return t;
  }
  t.relative = false;
  if (t.metric.IsLatency()) {
    Result<uint64_t> ns = ParseDurationNs(value);
    if (!ns.ok()) return bad(ns.status().message());
    t.limit = static_cast<double>(*ns);
    return t;
  }
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(v >= 0) || std::isinf(v)) {
    return bad("'" + value + "' is not a number >= 0");
  }
  t.limit = v;
  return t;
}

std::vector<Threshold> DefaultThresholds() {
  return {*ParseThreshold("lat.p99=+10%"), *ParseThreshold("iops=-10%")};
}

bool GateReport::regression() const {
  for (const GateCheck& c : checks) {
    if (c.outcome == GateOutcome::kRegression) return true;
  }
  return false;
}

Result<GateReport> RunGate(const std::vector<const RunResult*>& baseline,
                           const std::vector<const RunResult*>& candidate,
                           const std::vector<std::string>& labels, const GateOptions& options) {
  if (baseline.empty()) return Status::InvalidArgument("gate: no baseline results");
  if (candidate.empty()) return Status::InvalidArgument("gate: no candidate results");
  std::vector<const RunResult*> all = baseline;
  all.insert(all.end(), candidate.begin(), candidate.end());
  DURABENCH_RETURN_IF_ERROR(CheckSameWorkload(all, labels));
  const std::string target = TargetIdentity(*all[0]);
  for (size_t i = 1; i < all.size(); ++i) {
    if (TargetIdentity(*all[i]) != target) {
      return Status::InvalidArgument(labels[0] + " and " + labels[i] +
                                     " ran on different targets (" + target + " vs " +
                                     TargetIdentity(*all[i]) +
                                     "); gate compares one workload on one kind of target: use "
                                     "`durabench compare` to compare targets");
    }
  }
  Result<RunResult> base = MergeResults(baseline, labels, MergeTime::kSequential);
  if (!base.ok()) return base.status();
  const std::vector<std::string> cand_labels(labels.begin() + static_cast<long>(baseline.size()),
                                             labels.end());
  Result<RunResult> cand = MergeResults(candidate, cand_labels, MergeTime::kSequential);
  if (!cand.ok()) return cand.status();

  GateReport report;
  report.baseline_runs = baseline.size();
  report.candidate_runs = candidate.size();
  report.alpha = options.alpha;
  const std::vector<Threshold> thresholds =
      options.thresholds.empty() ? DefaultThresholds() : options.thresholds;
  for (const Threshold& t : thresholds) {
    size_t applied = 0;
    for (const PhaseResult& bp : base->phases) {
      const PhaseResult* cp = FindPhase(*cand, bp.spec.name);
      const bool in_base = MetricApplies(t.metric, bp);
      const bool in_cand = cp && MetricApplies(t.metric, *cp);
      if (!in_base && !in_cand) continue;
      if (in_base != in_cand) {
        return Status::InvalidArgument(
            fmt::format("--threshold {}: phase '{}' has {} only in the {} results", t.text,
                        bp.spec.name, WhatItNeeds(t.metric), in_base ? "baseline" : "candidate"));
      }
      // Resolve "lat" once, from the baseline, so both sides compare the same kind.
      Metric resolved = t.metric;
      if (const std::optional<OpKind> k = MetricKind(t.metric, bp)) {
        resolved.kind = std::string(OpKindName(*k));
      }
      std::vector<const PhaseResult*> base_runs;
      std::vector<const PhaseResult*> cand_runs;
      for (const RunResult* r : baseline) base_runs.push_back(FindPhase(*r, bp.spec.name));
      for (const RunResult* r : candidate) cand_runs.push_back(FindPhase(*r, bp.spec.name));
      report.checks.push_back(Evaluate(t, resolved, bp, *cp, base_runs, cand_runs, options));
      ++applied;
    }
    if (applied == 0) {
      if (!options.thresholds.empty()) {
        return Status::InvalidArgument("--threshold " + t.text + ": no phase has " +
                                       WhatItNeeds(t.metric) +
                                       (t.metric.IsChaos() ? " (docs/chaos.md)" : ""));
      }
      report.notes.push_back("default threshold " + t.text + " applies to no phase");
    }
  }
  return report;
}

std::string GateReportText(const GateReport& report) {
  std::string out = fmt::format(
      "gate: {} baseline run(s) vs {} candidate run(s); significance: one-sided t test on "
      "the runs' mean interval ranks at alpha {:g} with >= 3 runs per side\n\n",
      report.baseline_runs, report.candidate_runs, report.alpha);
  out += fmt::format("  {:<22} {:<13} {:>11} {:>11} {:>9}  {:<10} {}\n", "phase", "metric",
                     "baseline", "candidate", "change", "outcome", "test");
  for (const GateCheck& c : report.checks) {
    const Metric m = MetricOf(c);
    out += fmt::format("  {:<22} {:<13} {:>11} {:>11} {:>9}  {:<10} {}\n", c.phase, c.metric,
                       FormatMetricValue(m, c.baseline), FormatMetricValue(m, c.candidate),
                       Percent(c.relative), GateOutcomeName(c.outcome), TestText(c));
  }
  for (const std::string& n : report.notes) out += "  note: " + n + "\n";
  size_t failed = 0;
  for (const GateCheck& c : report.checks) failed += c.outcome == GateOutcome::kRegression;
  out += failed ? fmt::format("\nFAIL: {} of {} checks regressed\n", failed, report.checks.size())
                : fmt::format("\nPASS: {} checks, no regression\n", report.checks.size());
  return out;
}

std::string GateReportMarkdown(const GateReport& report) {
  size_t failed = 0;
  for (const GateCheck& c : report.checks) failed += c.outcome == GateOutcome::kRegression;
  std::string out =
      failed ? fmt::format("### durabench gate: FAIL ({} of {} checks regressed)\n\n", failed,
                           report.checks.size())
             : fmt::format("### durabench gate: PASS ({} checks)\n\n", report.checks.size());
  out += fmt::format("{} baseline run(s) vs {} candidate run(s).\n\n", report.baseline_runs,
                     report.candidate_runs);
  out += "| phase | metric | baseline | candidate | change | threshold | outcome | test |\n";
  out += "|---|---|---:|---:|---:|---|---|---|\n";
  for (const GateCheck& c : report.checks) {
    const Metric m = MetricOf(c);
    const std::string outcome = c.outcome == GateOutcome::kRegression
                                    ? "**REGRESSION**"
                                    : std::string(GateOutcomeName(c.outcome));
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", c.phase, c.metric,
                       FormatMetricValue(m, c.baseline), FormatMetricValue(m, c.candidate),
                       Percent(c.relative), c.threshold, outcome, TestText(c));
  }
  for (const std::string& n : report.notes) out += "\nNote: " + n + "\n";
  return out;
}

std::string GateReportJunit(const GateReport& report) {
  size_t failed = 0;
  for (const GateCheck& c : report.checks) failed += c.outcome == GateOutcome::kRegression;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites tests=\"{0}\" failures=\"{1}\">\n"
      "  <testsuite name=\"durabench gate\" tests=\"{0}\" failures=\"{1}\">\n",
      report.checks.size(), failed);
  for (const GateCheck& c : report.checks) {
    const std::string line = XmlEscape(CheckLine(c, MetricOf(c)));
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", XmlEscape(c.phase),
                       XmlEscape(c.metric));
    if (c.outcome == GateOutcome::kRegression) {
      out += fmt::format("      <failure message=\"{}\">{}</failure>\n", line, line);
    } else {
      out += fmt::format("      <system-out>{}</system-out>\n", line);
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

Json GateReportToJson(const GateReport& report) {
  Json j;
  j["pass"] = !report.regression();
  j["baseline_runs"] = report.baseline_runs;
  j["candidate_runs"] = report.candidate_runs;
  j["alpha"] = report.alpha;
  Json checks = Json::array();
  for (const GateCheck& c : report.checks) {
    Json x = {{"phase", c.phase},
              {"threshold", c.threshold},
              {"metric", c.metric},
              {"baseline", c.baseline},
              {"candidate", c.candidate},
              {"change", c.change},
              {"relative", std::isinf(c.relative) ? Json(nullptr) : Json(c.relative)},
              {"exceeded", c.exceeded},
              {"tested", c.tested},
              {"samples", c.samples},
              {"baseline_n", c.baseline_n},
              {"candidate_n", c.candidate_n},
              {"p_value", c.p_value},
              {"outcome", GateOutcomeName(c.outcome)}};
    checks.push_back(std::move(x));
  }
  j["checks"] = std::move(checks);
  j["notes"] = report.notes;
  return j;
}

}  // namespace durabench
