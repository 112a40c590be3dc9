// `durabench run [WORKLOAD] --target PATH ...`: parses options, prepares the target, runs each
// phase, prints the summary and writes the JSON result. The measuring is in workload/.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "backend/modules.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "durabench/config.h"
#include "report/text.h"
#include "result/json.h"
#include "spec/fio_command.h"
#include "spec/spec.h"
#include "target/target.h"
#include "workload/runner.h"
#include "workload/workload_file.h"

namespace durabench {
namespace {

struct RunArgs {
  std::string workload;
  TargetOptions target;
  BackendArgs backend;
  std::string output;
  bool json = false;
  bool quiet = false;
  bool no_layout_fill = false;
  bool fio_equivalent = false;
  std::string interval = "1s";
  std::vector<std::string> command;
  // Phase-key flags in PhaseKeys() order; those given become overrides. A boolean key has two
  // entries (--KEY with value "true", --no-KEY with "false").
  std::vector<std::pair<std::string, std::string>> key_values;  // (key, value)
  std::vector<CLI::Option*> key_options;
};

std::string DashName(std::string_view key) {
  std::string s(key);
  std::replace(s.begin(), s.end(), '_', '-');
  return "--" + s;
}

Result<WorkloadSpec> BuildWorkload(RunArgs& args) {
  WorkloadSpec spec;
  if (args.workload.empty()) {
    spec.name = "adhoc";
    spec.description = "ad-hoc phase built from command-line flags";
    PhaseSpec phase;
    phase.name = "adhoc";
    spec.phases.push_back(phase);
  } else {
    Result<WorkloadSpec> loaded = LoadWorkload(args.workload);
    if (!loaded.ok()) return loaded.status();
    spec = std::move(loaded).value();
  }
  std::vector<PhaseOverride> overrides;
  for (size_t i = 0; i < args.key_options.size(); ++i) {
    if (args.key_options[i]->count() > 0) {
      overrides.push_back({args.key_values[i].first, args.key_values[i].second});
    }
  }
  DURABENCH_RETURN_IF_ERROR(ApplyOverrides(overrides, &spec));
  for (const PhaseSpec& p : spec.phases) {
    Status engine = RequireEngine(p.engine);  // loads the engine's module if it has one
    if (!engine.ok()) return engine.WithContext("phase '" + p.name + "'");
  }
  return spec;
}

// "directory", "file" or "block-device" for an existing path (a missing one becomes a file).
std::string KindOfPath(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "file";
  if (S_ISDIR(st.st_mode)) return "directory";
  if (S_ISBLK(st.st_mode)) return "block-device";
  return "file";
}

// --fio-equivalent: one fio command line per phase; nothing is run.
int PrintFioEquivalent(const WorkloadSpec& workload, const std::string& target) {
  const std::string kind = KindOfPath(target);
  for (const PhaseSpec& phase : workload.phases) {
    FioCommand fio = FioEquivalent(phase, target, kind);
    std::printf("# phase %s: %s\n", phase.name.c_str(), DescribePhase(phase).c_str());
    for (const std::string& c : fio.caveats) std::printf("#   note: %s\n", c.c_str());
    if (!fio.layout.empty()) {
      std::printf(
          "#   first lay the file out, as durabench does (its writes are overwrites):\n%s\n",
          fio.layout.c_str());
    }
    std::printf("%s\n", fio.command.c_str());
  }
  return kExitOk;
}

int Run(RunArgs& args) {
  Result<WorkloadSpec> workload = BuildWorkload(args);
  if (!workload.ok()) {
    PrintError(workload.status().message());
    return workload.status().ExitCode();
  }
  if (args.fio_equivalent) return PrintFioEquivalent(*workload, args.target.path);
  Result<uint64_t> interval = ParsePositiveDuration("--interval", args.interval);
  if (!interval.ok()) return ExitFor(interval.status());
  // Before anything is measured: a result that cannot be written is known now, not at the end.
  Result<std::optional<OutputPath>> output = CheckResultOutput(args.output, args.target.path);
  if (!output.ok()) return ExitFor(output.status());

  SessionOptions options;
  options.target = args.target;
  if (Status st = ApplyBackendArgs(&args.backend, &options.op_timeout_ns); !st.ok()) {
    return ExitFor(st);
  }
  options.backend = args.backend.options;
  options.target.layout_fill = !args.no_layout_fill;
  options.interval_ns = *interval;
  // From here on a signal must not kill the process: files durabench creates must be removed.
  options.stop = InstallStopHandlers();
  CommandObserver observer(!args.quiet && !args.json && isatty(STDERR_FILENO), options.stop);
  options.observer = &observer;
  observer.on_phase = [&](const PhaseResult& phase) {
    if (args.json || args.quiet) return;
    std::printf("%s\n", FormatPhaseSummary(phase).c_str());
    std::fflush(stdout);
  };
  observer.on_prepared = [&](const TargetInfo& target) {
    if (args.json || args.quiet) return;
    std::printf("durabench %s: workload %s, target %s (%s)\n\n", DURABENCH_VERSION,
                workload->name.c_str(), target.path.c_str(), target.kind.c_str());
  };
  SessionOutcome outcome = RunSession(*workload, options);
  outcome.result.command = args.command;
  if (outcome.result.target.path.empty()) {
    // Refused or failed before any I/O: nothing to write.
    PrintError(outcome.status.message());
    return outcome.status.ExitCode();
  }

  Status written =
      EmitResult(RunResultToJson(outcome.result), *output, args.json, !args.json && !args.quiet);
  return ExitFor(outcome.status, written);
}

}  // namespace

namespace {
std::vector<std::string> g_command_line;
}  // namespace

void SetCommandLine(int argc, char** argv) { g_command_line.assign(argv, argv + argc); }
const std::vector<std::string>& CommandLine() { return g_command_line; }

namespace {

// Prints "durabench: KIND: <message>" on stderr.
void PrintMessage(const char* kind, const std::string& message) {
  // Messages quote what users and files hand in (a fio bin key, a path, a pool name): a control
  // character there must not reach the terminal as one (an escape sequence could rewrite the
  // screen). The line breaks of a multi-line message stay.
  std::string shown;
  size_t start = 0;
  for (size_t nl = message.find('\n');; nl = message.find('\n', start)) {
    shown += EscapeControlCharacters(std::string_view(message).substr(start, nl - start));
    if (nl == std::string::npos) break;
    shown += '\n';
    start = nl + 1;
  }
  std::fprintf(stderr, "durabench: %s: %s\n", kind, shown.c_str());
}

}  // namespace

void PrintError(const std::string& message) { PrintMessage("error", message); }
void PrintWarning(const std::string& message) { PrintMessage("warning", message); }

CommandAction RegisterRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  app.add_option("workload", args->workload,
                 "Workload name (see `durabench list`) or path to a .toml file; omitted: one "
                 "ad-hoc phase from the flags below");
  app.add_option("-t,--target", args->target.path,
                 "Directory (own files are created and removed), regular file, block device, "
                 "or rados://POOL, rbd://POOL/IMAGE, gluster://HOST[:PORT]/VOLUME[/DIR]")
      ->required();
  app.add_option("-o,--output", args->output,
                 "Write the JSON result to FILE (checked before the run; replaced atomically; "
                 "- for stdout)");
  app.add_flag("--json", args->json, "Print the JSON result on stdout instead of the summary");
  app.add_flag("-q,--quiet", args->quiet, "No progress line and no summary");
  app.add_option("--interval", args->interval, "Time-series interval (default 1s)");
  AddTargetSafetyOptions(app, &args->target);
  AddBackendOptions(app, &args->backend);
  app.add_flag("--fio-equivalent", args->fio_equivalent,
               "Print the fio command line that runs the same work, per phase, and exit");
  app.add_flag("--no-layout-fill", args->no_layout_fill,
               "Skip the write pass that fills new files before measuring (fallocate only)");

  // Every workload key as a flag, applied to every phase (dash form of the TOML key); boolean
  // keys as bare --KEY / --no-KEY.
  const std::vector<std::string_view>& keys = PhaseKeys();
  const std::string group = "Workload keys (override the workload file)";
  args->key_values.reserve(2 * keys.size());
  for (std::string_view key : keys) {
    const std::string help = "Workload key '" + std::string(key) + "' for every phase";
    if (IsBooleanPhaseKey(key)) {
      args->key_values.emplace_back(std::string(key), "true");
      args->key_options.push_back(
          app.add_flag(DashName(key))->description(help + " = true")->group(group));
      args->key_values.emplace_back(std::string(key), "false");
      args->key_options.push_back(app.add_flag("--no-" + DashName(key).substr(2))
                                      ->description(help + " = false")
                                      ->group(group));
      continue;
    }
    args->key_values.emplace_back(std::string(key), std::string());
    args->key_options.push_back(
        app.add_option(DashName(key), args->key_values.back().second, help)->group(group));
  }

  app.footer(
      "Examples:\n"
      "  durabench run ceph-wal --target ./scratch --runtime 20s\n"
      "  durabench run sync-methods --target /mnt/nvme/dir -o sync.json\n"
      "  durabench run --target /tmp --sync fdatasync --block-size 8KiB --runtime 5s\n"
      "  durabench run etcd-wal --target /var/lib/etcd-test --json > etcd.json\n"
      "  durabench run ceph-wal --target /mnt/ssd --fio-equivalent   (the same work for fio)\n"
      "  durabench run ceph-wal --target /dev/sdX --destroy-data=/dev/sdX   (DESTROYS /dev/sdX)\n"
      "  durabench run ceph-wal --target rbd://rep3/bench --ceph-conf /etc/ceph/ceph.conf\n"
      "  durabench run backend-compare --target gluster://127.0.0.1/vol0/bench -o gfapi.json\n"
      "  durabench run ceph-wal --target rados://rep3 --runtime 10s   (native engine: rados)\n"
      "Sizes: B KiB MiB GiB TiB (KB MB GB TB = powers of 1000). Durations: ns us ms s m h.\n"
      "Exit: 0 ok, 2 usage (found before anything is written), 3 I/O or runtime error,\n"
      "128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): the partial result\n"
      "is written and the target's files are removed.");
  return [args] {
    args->command = CommandLine();
    return Run(*args);
  };
}

}  // namespace durabench
