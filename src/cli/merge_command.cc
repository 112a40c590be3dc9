// `durabench merge A.json B.json ... -o M.json`: runs of one workload added into one result.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/result_inputs.h"
#include "compare/merge.h"
#include "result/json.h"

namespace durabench {
namespace {

struct MergeArgs {
  std::vector<std::string> files;
  std::string output;
  bool sequential = false;
};

int RunMerge(const MergeArgs& args) {
  Result<OutputPath> output = CheckOutputBesideInputs("-o", args.output, args.files);
  if (!output.ok()) return ExitFor(output.status());
  Result<LoadedResults> loaded = LoadResults(args.files);
  if (!loaded.ok()) {
    return ExitFor(loaded.status());
  }
  if (Status st = RefuseRepeatedRuns(*loaded, "merging would count its operations twice");
      !st.ok()) {
    return ExitFor(st);
  }
  // What differs in the work is said first: it is the more basic mistake.
  if (Status st = CheckSameWorkload(loaded->Pointers(), loaded->labels); !st.ok()) {
    return ExitFor(st);
  }
  if (!args.sequential) {
    if (Status st = CheckRanTogether(loaded->Pointers(), loaded->labels); !st.ok()) {
      return ExitFor(st);
    }
  }
  Result<RunResult> merged =
      MergeResults(loaded->Pointers(), loaded->labels,
                   args.sequential ? MergeTime::kSequential : MergeTime::kConcurrent);
  if (!merged.ok()) {
    return ExitFor(merged.status());
  }
  merged->merged_from.clear();
  merged->merged_run_ids.clear();
  for (size_t i = 0; i < loaded->files.size(); ++i) {
    const RunResult& r = loaded->results[i];
    merged->merged_from.push_back(MergedFromEntry(loaded->files[i], r));
    if (!r.merged_run_ids.empty()) {
      merged->merged_run_ids.insert(merged->merged_run_ids.end(), r.merged_run_ids.begin(),
                                    r.merged_run_ids.end());
    } else if (!r.run_id.empty()) {
      merged->merged_run_ids.push_back(r.run_id);
    }
  }
  merged->run_id = NewRunId();
  merged->command = CommandLine();
  const Status st = WriteOutput(*output, "-o", RunResultToJson(*merged).dump(2) + "\n");
  if (!st.ok()) return ExitFor(st);
  uint64_t ops = 0;
  for (const PhaseResult& p : merged->phases) {
    for (const OpStats& s : p.ops) ops += s.histogram.count();
  }
  fmt::print("merged {} results ({} phases, {} operations) into {}\n", loaded->files.size(),
             merged->phases.size(), ops, args.output);
  return kExitOk;
}

}  // namespace

CommandAction RegisterMergeCommand(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  app.add_option("results", args->files, "Result files of one workload (durabench or fio json+)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", args->output, "The merged result file (written atomically)")
      ->required();
  app.add_flag("--sequential", args->sequential,
               "The runs ran one after another: measured times add up and IOPS is the rate over "
               "all runs; the time series is dropped. Default: they ran at the same time (e.g. "
               "on several hosts), so IOPS add up and time series align by interval");
  app.footer(
      "Histograms are added bucket by bucket, so merged percentiles are those of all operations\n"
      "together. Per-interval p50/p99/p99.9 of a merged time series are the largest of the\n"
      "inputs' (an upper bound); counts and bytes are sums. The inputs must be runs of the same\n"
      "workload (same phases and specs); metadata comes from the first, and `merged_from` lists\n"
      "all inputs. One run given twice (the same file, a copy, or a merged result beside a run\n"
      "it holds: run_id, merged_run_ids) is refused, and so is an -o that names an input.\n"
      "Without --sequential, runs that cannot have run at the same time (one started more than\n"
      "2 s after another had ended, by their started_at and run times) are refused.\n"
      "Examples:\n"
      "  durabench merge host1.json host2.json host3.json -o cluster.json\n"
      "  durabench merge run1.json run2.json run3.json --sequential -o pooled.json\n"
      "Exit codes: 0 ok, 2 usage or input error (different workloads, a repeated run, an -o that\n"
      "cannot be written), 3 a failed read or write.");
  return [args] { return RunMerge(*args); };
}

}  // namespace durabench
