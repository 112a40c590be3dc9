// `durabench gate --baseline FILES... --candidate FILES...`: the CI regression gate
// (compare/gate.h has the method; docs/ci-gate.md the workflow).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/result_inputs.h"
#include "compare/gate.h"
#include "result/json.h"

namespace durabench {
namespace {

struct GateArgs {
  std::vector<std::string> baseline;
  std::vector<std::string> candidate;
  std::vector<std::string> thresholds;
  double alpha = kDefaultGateAlpha;
  size_t min_runs = kDefaultGateMinRuns;
  std::string markdown;
  std::string junit;
  bool json = false;
};

int RunGateCommand(const GateArgs& args) {
  GateOptions options;
  for (const std::string& t : args.thresholds) {
    Result<Threshold> parsed = ParseThreshold(t);
    if (!parsed.ok()) {
      return ExitFor(parsed.status());
    }
    options.thresholds.push_back(*parsed);
  }
  if (!(args.alpha > 0 && args.alpha < 1)) {
    return UsageError("--alpha must be between 0 and 1 (exclusive)");
  }
  if (args.min_runs < 2) {
    return UsageError("--min-runs must be at least 2");
  }
  options.alpha = args.alpha;
  options.min_runs = args.min_runs;
  std::vector<std::string> files = args.baseline;
  files.insert(files.end(), args.candidate.begin(), args.candidate.end());
  // Checked before any input is read; written after the verdict.
  std::vector<std::pair<OutputPath, std::string>> outputs;  // (where, what: "markdown", "junit")
  for (const auto& [flag, path] :
       {std::pair{"--markdown", &args.markdown}, std::pair{"--junit", &args.junit}}) {
    if (path->empty()) continue;
    Result<OutputPath> out = CheckOutputBesideInputs(flag, *path, files);
    if (!out.ok()) return ExitFor(out.status());
    outputs.emplace_back(*out, flag);
  }
  Result<LoadedResults> loaded = LoadResults(files);
  if (!loaded.ok()) {
    return ExitFor(loaded.status());
  }
  if (Status st =
          RefuseRepeatedRuns(*loaded, "the gate would count one run as several independent ones");
      !st.ok()) {
    return ExitFor(st);
  }
  const std::vector<const RunResult*> all = loaded->Pointers();
  const std::vector<const RunResult*> base(all.begin(),
                                           all.begin() + static_cast<long>(args.baseline.size()));
  const std::vector<const RunResult*> cand(all.begin() + static_cast<long>(args.baseline.size()),
                                           all.end());
  Result<GateReport> report = RunGate(base, cand, loaded->labels, options);
  if (!report.ok()) {
    return ExitFor(report.status());
  }
  const std::string text =
      args.json ? GateReportToJson(*report).dump(2) + "\n" : GateReportText(*report);
  if (Status st = WriteStdout(text); !st.ok()) return ExitFor(st);
  for (const auto& [out, flag] : outputs) {
    const std::string content =
        flag == "--markdown" ? GateReportMarkdown(*report) : GateReportJunit(*report);
    if (Status st = WriteOutput(out, flag, content); !st.ok()) return ExitFor(st);
  }
  return report->regression() ? kExitCheckFailed : kExitOk;
}

}  // namespace

CommandAction RegisterGateCommand(CLI::App& app) {
  auto args = std::make_shared<GateArgs>();
  app.add_option("--baseline", args->baseline, "Baseline result files (one or more runs)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--candidate", args->candidate, "Candidate result files (one or more runs)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--threshold", args->thresholds,
                 "METRIC=+N% (a rise beyond N % regresses) or METRIC=-N% (a fall); also "
                 "absolute, e.g. flush.p50=+200us. Repeatable. Default: lat.p99=+10% iops=-10%")
      ->take_all();
  app.add_option("--alpha", args->alpha,
                 fmt::format("Significance level of the test (default {:g})", kDefaultGateAlpha));
  app.add_option("--min-runs", args->min_runs,
                 fmt::format("Runs per side from which the significance test is required "
                             "(default {})",
                             kDefaultGateMinRuns));
  app.add_option("--markdown", args->markdown, "Also write the verdict table as Markdown to FILE");
  app.add_option("--junit", args->junit, "Also write JUnit XML to FILE (one test case per check)");
  app.add_flag("--json", args->json, "Print the checks as JSON instead of the table");
  app.footer(
      "METRIC: iops, bw, or KIND.STAT with KIND read/write/flush/commit/lat (lat = commit if the\n"
      "phase has commits, else write, else read) and STAT p50/p90/p99/p99.9/p99.99/max/mean/iops;\n"
      "in phases with faults (docs/chaos.md) also stall (the longest time without a completion)\n"
      "and recovery (from the first fault until the rate is back; never back is the worst).\n"
      "Each threshold is checked in every phase it applies to, on the pooled runs of each side.\n"
      "With >= --min-runs runs per side a check fails only when the change is also significant:\n"
      "the runs' interval values are ranked together and the runs' mean ranks compared by a\n"
      "one-sided t test (docs/ci-gate.md: method, assumptions, measured false-positive rate).\n"
      "Baseline and candidate must be runs of the same workload on the same kind of target.\n"
      "Inputs may be fio --output-format=json+ files (no time series: the exact Mann-Whitney\n"
      "test on one value per run, which needs 5 runs per side at alpha 0.01).\n"
      "Examples:\n"
      "  durabench gate --baseline base-*.json --candidate cand-*.json\n"
      "  durabench gate --baseline main.json --candidate pr.json -t commit.p99=+20% -t iops=-15%\n"
      "  durabench gate --baseline b/*.json --candidate c/*.json --markdown gate.md --junit "
      "gate.xml\n"
      "  durabench gate --baseline loss-a*.json --candidate loss-b*.json -t stall=+2s "
      "-t recovery=+5s\n"
      "Every result carries a run_id: one run given twice (the same file, a copy, or a merged\n"
      "result beside a run it holds) is refused, since its runs would count as independent.\n"
      "Exit codes: 0 no regression, 1 regression, 2 usage or input error (a missing file, a\n"
      "file that is not a result, different workloads or targets, a threshold metric in no phase,\n"
      "a repeated run, an output that names an input), 3 a failed read or write.");
  return [args] { return RunGateCommand(*args); };
}

}  // namespace durabench
