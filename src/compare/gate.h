// `durabench gate`: does a candidate's result regress against a baseline's?
//
// For every threshold and every phase it applies to, the baseline runs are pooled (histograms
// added, measured times summed: compare/merge.h kSequential) and so are the candidate runs;
// the metric of the pooled sides gives the change. A threshold "METRIC=+N%" fails when the metric
// rises by more than N % ("-N%": falls by more than N %; "+200us", "-500": absolute, in the
// metric's unit).
//
// With at least `min_runs` runs on each side the change must also be statistically
// significant, at `alpha`, in the direction of the regression (compare/stats.h):
//  - with time series (durabench results): the per-interval values of every run (1 s intervals:
//    a 10 s run gives 10) are ranked together, and the runs' mean ranks are compared by a
//    one-sided t test with (runs - 2) degrees of freedom. The run is the unit of replication,
//    so run-to-run drift (cache state, host load) is not taken for a difference, while the many
//    intervals per run make each run's mean rank precise;
//  - metrics without a per-interval form (p90, p99.99, mean), and results without time series
//    (fio): the exact Mann-Whitney test on one value per run, which needs >= 4 runs per side to
//    reach p < 0.05 and >= 5 for 0.01.
// A check fails only when the change also exceeds the threshold: the test guards against
// noise, the threshold against effects too small to matter. docs/ci-gate.md has the measured
// false-positive rates and power.
//
// Threshold exceeded, test passed or not applicable: regression. Exceeded but not significant:
// "noise" (pass). Beyond the threshold in the good direction: improved (pass) when the test, run
// in that direction, passed or was not applicable; "noise" when it did not. The p value a check
// records is that of the direction tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compare/metric.h"
#include "result/json.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

struct Threshold {
  std::string text;  // as given: "commit.p99=+10%"
  Metric metric;
  int direction = +1;  // +1: an increase beyond `limit` regresses; -1: a decrease
  double limit = 0;    // >= 0; a fraction (0.10) when `relative`, else in the metric's unit
  bool relative = true;
};

// "commit.p99=+10%", "iops=-5%", "flush.p50=+200us", "write.iops=-500". The sign is required
// (it says which way is worse). InvalidArgument naming the text otherwise.
Result<Threshold> ParseThreshold(const std::string& text);

// Used when no --threshold is given: "lat.p99=+10%" and "iops=-10%".
std::vector<Threshold> DefaultThresholds();

inline constexpr double kDefaultGateAlpha = 0.01;
inline constexpr size_t kDefaultGateMinRuns = 3;

struct GateOptions {
  std::vector<Threshold> thresholds;  // empty: DefaultThresholds()
  double alpha = kDefaultGateAlpha;
  size_t min_runs = kDefaultGateMinRuns;  // per side, for the significance test
};

enum class GateOutcome { kPass, kImproved, kNoise, kRegression };
const char* GateOutcomeName(GateOutcome o);  // "pass", "improved", "noise", "REGRESSION"

struct GateCheck {
  std::string phase;
  std::string threshold;  // Threshold::text
  std::string metric;     // resolved: "commit.p99" for "lat.p99" in a phase with commits
  double baseline = 0;    // pooled value
  double candidate = 0;
  double change = 0;                       // candidate - baseline, in the metric's unit
  double relative = 0;                     // candidate / baseline - 1 (inf when the baseline is 0)
  bool exceeded = false;                   // beyond the threshold in the bad direction
  bool tested = false;                     // a significance test ran
  std::string samples;                     // "intervals", "runs", or why no test: "1 run per side"
  size_t baseline_n = 0, candidate_n = 0;  // sample sizes of the test
  double p_value = 1;
  GateOutcome outcome = GateOutcome::kPass;
};

struct GateReport {
  std::vector<GateCheck> checks;
  std::vector<std::string> notes;  // thresholds that applied to no phase, ...
  size_t baseline_runs = 0, candidate_runs = 0;
  double alpha = kDefaultGateAlpha;
  bool regression() const;
};

// InvalidArgument (exit 2) when a side is empty, when the runs are not all of one workload
// (compare/merge.h CheckSameWorkload, across and within sides), when their targets differ in kind,
// backend or filesystem type, or when a threshold's metric is in no phase of either side or in a
// phase of only one side. `labels` name the runs in errors: baseline ones first.
Result<GateReport> RunGate(const std::vector<const RunResult*>& baseline,
                           const std::vector<const RunResult*>& candidate,
                           const std::vector<std::string>& labels, const GateOptions& options);

std::string GateReportText(const GateReport& report);
std::string GateReportMarkdown(const GateReport& report);
// JUnit XML: one <testcase> per check (classname the phase, name the metric), a <failure> for a
// regression; noise and improvements in <system-out>.
std::string GateReportJunit(const GateReport& report);
Json GateReportToJson(const GateReport& report);

}  // namespace durabench
