// `durabench compare A.json B.json [C.json ...]`: results side by side against the first.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/result_inputs.h"
#include "compare/compare.h"
#include "report/json.h"

namespace durabench {
namespace {

struct CompareArgs {
  std::vector<std::string> files;
  bool markdown = false;
  bool json = false;
  std::string output;
};

int RunCompare(const CompareArgs& args) {
  if (args.markdown && args.json) {
    PrintError("--markdown and --json exclude each other");
    return 2;
  }
  Result<LoadedResults> loaded = LoadResults(args.files);
  if (!loaded.ok()) {
    PrintError(loaded.status().message());
    return 2;
  }
  std::vector<CompareInput> inputs;
  for (size_t i = 0; i < loaded->results.size(); ++i) {
    inputs.push_back({loaded->labels[i], &loaded->results[i]});
  }
  const Comparison c = Compare(inputs);
  const std::string text = args.json       ? ComparisonToJson(c).dump(2) + "\n"
                           : args.markdown ? ComparisonMarkdown(c)
                                           : ComparisonText(c);
  if (!args.output.empty()) {
    const Status st = WriteFileAtomic(args.output, text);
    if (!st.ok()) {
      PrintError(st.message());
      return st.ExitCode();
    }
    return 0;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

CommandAction RegisterCompareCommand(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  app.add_option("results", args->files,
                 "Result files (durabench JSON or fio --output-format=json+); the first is the "
                 "reference")
      ->required()
      ->expected(2, -1)
      ->check(CLI::ExistingFile);
  app.add_flag("--markdown", args->markdown, "Print Markdown tables (for a pull request or wiki)");
  app.add_flag("--json", args->json, "Print the comparison as JSON");
  app.add_option("-o,--output", args->output, "Write to FILE instead of stdout (atomically)");
  app.footer(
      "Lists the facts that differ between the results (workload, target, backend, filesystem,\n"
      "device chain, drive model, write cache, FUA, replication, host, kernel, tool version),\n"
      "then per phase and op kind: count, IOPS, p50, p99, p99.9 and max of every result, and for\n"
      "each result after the first its change against the first, absolute and relative.\n"
      "Examples:\n"
      "  durabench compare local.json ceph-rep1.json ceph-rep3.json\n"
      "  durabench compare before.json after.json --markdown -o comment.md\n"
      "  durabench compare durabench.json fio-json-plus.json\n"
      "Exit codes: 0 ok, 2 usage or input error (a file that is not a result), 3 write error.");
  return [args] { return RunCompare(*args); };
}

}  // namespace durabench
