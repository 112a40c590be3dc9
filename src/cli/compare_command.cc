// `durabench compare A.json B.json [C.json ...]`: results side by side against the first.
// `durabench compare --breakdown FILES...`: what a replicated backend adds to a durable write,
// split into client/daemon/network overhead and replication (compare/breakdown.h).
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/result_inputs.h"
#include "compare/breakdown.h"
#include "compare/compare.h"
#include "result/json.h"

namespace durabench {
namespace {

struct CompareArgs {
  std::vector<std::string> files;
  bool markdown = false;
  bool json = false;
  bool wide = false;   // --wide: the text's full table, not fitted to 100 columns
  std::string format;  // --format: text, markdown, json, csv (empty: text, or as the flags say)
  std::string output;
  bool breakdown = false;
  std::string local;                  // --local FILE
  std::vector<std::string> replicas;  // --replicas N=FILE, as given
  std::string kind;                   // --kind
  std::string percentiles;            // --percentiles
};

// The inputs of a breakdown: the positional files, then those only named by an override, each
// with its override.
struct BreakdownFiles {
  std::vector<std::string> files;
  std::vector<BreakdownInput> overrides;  // label and result filled in later
};

Result<BreakdownFiles> CollectBreakdownFiles(const CompareArgs& args) {
  BreakdownFiles out;
  const auto index_of = [&out](const std::string& file) {
    for (size_t i = 0; i < out.files.size(); ++i) {
      if (out.files[i] == file) return i;
    }
    out.files.push_back(file);
    out.overrides.emplace_back();
    return out.files.size() - 1;
  };
  for (const std::string& f : args.files) index_of(f);
  if (!args.local.empty()) out.overrides[index_of(args.local)].force_local = true;
  for (const std::string& spec : args.replicas) {
    const size_t eq = spec.find('=');
    int n = 0;
    size_t used = 0;
    bool ok = eq != std::string::npos && eq > 0 && eq + 1 < spec.size();
    if (ok) {
      try {
        n = std::stoi(spec.substr(0, eq), &used);
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok || used != eq || n < 1) {
      return Status::InvalidArgument("--replicas '" + spec +
                                     "': expected N=FILE with N >= 1 copies, e.g. 3=rbd-rep3.json");
    }
    BreakdownInput& in = out.overrides[index_of(spec.substr(eq + 1))];
    if (in.replicas && *in.replicas != n) {
      return Status::InvalidArgument("--replicas names " + spec.substr(eq + 1) + " twice");
    }
    in.replicas = n;
  }
  return out;
}

// The -o file (checked before any input is read) or stdout.
int Emit(const std::optional<OutputPath>& output, const std::string& text) {
  return ExitFor(output ? WriteOutput(*output, "-o", text) : WriteStdout(text));
}

int RunBreakdown(const CompareArgs& args, const std::optional<OutputPath>& output) {
  Result<BreakdownFiles> files = CollectBreakdownFiles(args);
  if (!files.ok()) {
    return ExitFor(files.status());
  }
  if (files->files.size() < 2) {
    return UsageError(
        "--breakdown needs at least two results: a local baseline and a replicated one");
  }
  BreakdownOptions options;
  options.kind = args.kind;
  if (!args.percentiles.empty()) {
    Result<std::vector<MetricStat>> stats = ParseBreakdownStats(args.percentiles);
    if (!stats.ok()) {
      return ExitFor(stats.status());
    }
    options.stats = *stats;
  }
  Result<LoadedResults> loaded = LoadResults(files->files);
  if (!loaded.ok()) {
    return ExitFor(loaded.status());
  }
  std::vector<BreakdownInput> inputs = files->overrides;
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputs[i].label = loaded->labels[i];
    inputs[i].result = &loaded->results[i];
  }
  Result<Breakdown> b = BuildBreakdown(inputs, options);
  if (!b.ok()) {
    return ExitFor(b.status());
  }
  return Emit(output, args.json       ? BreakdownToJson(*b).dump(2) + "\n"
                      : args.markdown ? BreakdownMarkdown(*b)
                                      : BreakdownText(*b));
}

int RunCompare(CompareArgs args) {
  if (args.markdown + args.json + !args.format.empty() > 1) {
    return UsageError("--markdown, --json and --format exclude each other");
  }
  if (args.format == "markdown") args.markdown = true;
  if (args.format == "json") args.json = true;
  const bool csv = args.format == "csv";
  std::optional<OutputPath> output;
  if (!args.output.empty()) {
    std::vector<std::string> inputs = args.files;
    inputs.push_back(args.local);
    for (const std::string& r : args.replicas) inputs.push_back(r.substr(r.find('=') + 1));
    Result<OutputPath> out = CheckOutputBesideInputs("-o", args.output, inputs);
    if (!out.ok()) return ExitFor(out.status());
    output = std::move(out).value();
  }
  if (args.breakdown && csv) return UsageError("--breakdown has no --format csv");
  if (args.wide && (args.breakdown || args.markdown || args.json || csv)) {
    return UsageError(
        "--wide goes with the text comparison (not --breakdown, Markdown, JSON, CSV)");
  }
  if (args.breakdown) return RunBreakdown(args, output);
  if (!args.local.empty() || !args.replicas.empty() || !args.kind.empty() ||
      !args.percentiles.empty()) {
    return UsageError("--local, --replicas, --kind and --percentiles go with --breakdown");
  }
  if (args.files.size() < 2) {
    return UsageError("compare needs at least two results");
  }
  Result<LoadedResults> loaded = LoadResults(args.files);
  if (!loaded.ok()) {
    return ExitFor(loaded.status());
  }
  std::vector<CompareInput> inputs;
  for (size_t i = 0; i < loaded->results.size(); ++i) {
    inputs.push_back({loaded->labels[i], &loaded->results[i]});
  }
  const Comparison c = Compare(inputs);
  for (const std::string& w : c.warnings) {
    std::fprintf(stderr, "durabench: warning: %s\n", w.c_str());
  }
  return Emit(output, args.json       ? ComparisonToJson(c).dump(2) + "\n"
                      : args.markdown ? ComparisonMarkdown(c)
                      : csv           ? ComparisonCsv(c)
                                      : ComparisonText(c, args.wide));
}

}  // namespace

CommandAction RegisterCompareCommand(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  app.add_option("results", args->files,
                 "Result files (durabench JSON or fio --output-format=json+); the first is the "
                 "reference")
      ->check(CLI::ExistingFile);
  app.add_flag("--markdown", args->markdown, "Print Markdown tables (for a pull request or wiki)");
  app.add_flag("--json", args->json, "Print the comparison as JSON");
  app.add_flag("--wide", args->wide,
               "Text: the full table (absolute and relative changes, nothing wrapped) instead of "
               "fitting 100 columns");
  app.add_option("--format", args->format,
                 "text, markdown (as --markdown), json (as --json), or csv (a line per phase, op "
                 "kind and input: the work that differs, count, IOPS, MB/s, latencies in ns, "
                 "the change against the first)")
      ->check(CLI::IsMember({"text", "markdown", "json", "csv"}));
  app.add_option("-o,--output", args->output,
                 "Write to FILE instead of stdout (replaced atomically; never an input)");
  app.add_flag("--breakdown", args->breakdown,
               "Split a replicated backend's durable-write latency into local device, "
               "client/daemon/network overhead and replication");
  app.add_option("--local", args->local,
                 "With --breakdown: FILE is the local baseline, whatever its facts say")
      ->check(CLI::ExistingFile);
  app.add_option("--replicas", args->replicas,
                 "With --breakdown: N=FILE, FILE ran on a backend keeping N copies (repeatable)")
      ->allow_extra_args(false)  // one N=FILE per --replicas; later words stay positional
      ->take_all();
  app.add_option("--kind", args->kind,
                 "With --breakdown: the latency to split (default: commit, else write)")
      ->check(CLI::IsMember({"write", "flush", "commit"}));
  app.add_option("--percentiles", args->percentiles,
                 "With --breakdown: statistics, comma-separated (default p50,p90,p99,p99.9,max)");
  app.footer(
      "Lists the facts that differ between the results (workload, target, backend, filesystem,\n"
      "device chain, drive model, write cache, FUA, replication, host, kernel, tool version),\n"
      "then the work that differs: per phase name that several results ran, the keys whose value\n"
      "is not the same (block-size, sync, engine, iodepth, jobs, direct, runtime, pattern, ...,\n"
      "every key of a workload) and each result's values (block-size=4KiB sync=fdatasync); then\n"
      "per phase and op kind: count, IOPS, bandwidth, p50, p99, p99.9 and max of every result,\n"
      "and for each result after the first its change against the first: relative, within 100\n"
      "columns; absolute and relative with --wide. Results that share no phase name get a\n"
      "warning on stderr.\n"
      "\n"
      "--breakdown: from a run on a local device and runs on a backend with 1 and 3 replicas\n"
      "(roles from each result's probe facts: replication.replica_count, backend, engine), per\n"
      "phase: local | + overhead (1 replica - local) | + replication (3 - 1 replicas) | = total.\n"
      "Several backends (access paths) may be given at once. --local and --replicas set roles the\n"
      "facts do not give (docs/compare.md, \"Replication breakdown\").\n"
      "Examples:\n"
      "  durabench compare local.json ceph-rep1.json ceph-rep3.json\n"
      "  durabench compare before.json after.json --markdown -o comment.md\n"
      "  durabench compare a.json b.json --wide\n"
      "  durabench compare a.json b.json --format csv > ab.csv\n"
      "  durabench compare durabench.json fio-json-plus.json\n"
      "  durabench compare --breakdown local.json rbd-rep1.json rbd-rep3.json fuse-rep3.json\n"
      "  durabench compare --breakdown --local ssd.json --replicas 1=g1.json --replicas 3=g3.json\n"
      "Exit codes: 0 ok, 2 usage or input error (a file that is not a result), 3 a failed read\n"
      "or write.");
  return [args] { return RunCompare(*args); };
}

}  // namespace durabench
