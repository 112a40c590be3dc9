// `durabench plp TARGET`: runs the PLP probe workload and prints the verdict with its evidence.
// The measuring is the session's (session/session.h); the verdict is analysis/plp.h's.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "analysis/plp.h"
#include "analysis/plp_json.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "result/json.h"
#include "util/units.h"
#include "workload/workload_file.h"

namespace durabench {
namespace {

struct PlpArgs {
  std::string target;
  BackendArgs backend;
  std::string workload = "plp-probe";
  std::string runtime;
  std::string size;
  std::string output;
  std::string expect;
  bool json = false;
  bool quiet = false;
  TargetOptions safety;
  std::vector<std::string> audits;  // --audit: verify results of cuts
};

Result<WorkloadSpec> BuildPlpWorkload(const PlpArgs& args) {
  Result<WorkloadSpec> w = LoadWorkload(args.workload);
  if (!w.ok()) return w.status();
  std::vector<PhaseOverride> overrides;
  if (!args.runtime.empty()) overrides.push_back({"runtime", args.runtime});
  if (!args.size.empty()) overrides.push_back({"size", args.size});
  DURABENCH_RETURN_IF_ERROR(ApplyOverrides(overrides, &*w));
  return w;
}

void PrintEvidence(const PlpAssessment& a) {
  const PlpEvidence& e = a.evidence;
  std::printf("%-11s %8s %11s %11s %11s %12s %12s\n", "method", "samples", "flush p50",
              "commit p50", "commit p99", "penalty p50", "penalty p99");
  std::printf("%-11s %8llu %11s %11s %11s %12s %12s\n", "none",
              static_cast<unsigned long long>(e.write_samples), "-",
              FormatDurationNs(e.write_p50_ns).c_str(), FormatDurationNs(e.write_p99_ns).c_str(),
              "-", "-");
  for (const MethodPenalty& m : e.methods) {
    std::printf(
        "%-11s %8llu %11s %11s %11s %12s %12s\n", m.sync.c_str(),
        static_cast<unsigned long long>(m.samples),
        m.flush_p50_ns ? FormatDurationNs(m.flush_p50_ns).c_str() : "-",
        FormatDurationNs(m.commit_p50_ns).c_str(), FormatDurationNs(m.commit_p99_ns).c_str(),
        FormatDurationNs(m.penalty_p50_ns).c_str(), FormatDurationNs(m.penalty_p99_ns).c_str());
  }
  auto fact = [](const std::string& v) { return v.empty() ? std::string("unknown") : v; };
  std::printf("\nbackend %s; device %s; write cache %s; FUA %s", fact(e.backend_kind).c_str(),
              e.device.empty() ? "none" : e.device.c_str(), fact(e.write_cache).c_str(),
              fact(e.fua).c_str());
  if (!e.nvme_vwc_present.empty()) {
    std::printf("; NVMe VWC present %s, enabled %s", e.nvme_vwc_present.c_str(),
                fact(e.nvme_vwc_enabled).c_str());
  }
  if (!e.scsi_cache_type.empty()) std::printf("; SCSI cache %s", e.scsi_cache_type.c_str());
  std::printf("\n(plain write = sync none; penalty = commit - plain write; costly from %s)\n\n",
              FormatDurationNs(kFlushCostlyPenaltyNs).c_str());
}

int RunPlp(PlpArgs& args) {
  if (!args.expect.empty() && args.expect != "flush-free" && args.expect != "flush-costly" &&
      args.expect != "suspicious") {
    return UsageError("--expect '" + args.expect +
                      "': valid: flush-free, flush-costly, suspicious");
  }
  Result<WorkloadSpec> workload = BuildPlpWorkload(args);
  if (!workload.ok()) {
    PrintError(workload.status().message());
    return workload.status().ExitCode();
  }
  // Read before anything is measured: a bad file is known now.
  Result<std::vector<PlpAuditResult>> audits = ReadAuditResults(args.audits);
  if (!audits.ok()) return ExitFor(audits.status());
  const bool human = !args.json && !args.quiet;
  SessionOptions options;
  options.target = args.safety;
  options.target.path = args.target;
  if (Status st = ApplyBackendArgs(&args.backend, &options.op_timeout_ns); !st.ok()) {
    return ExitFor(st);
  }
  options.backend = args.backend.options;
  // Before anything is measured: a result that cannot be written is known now, not at the end.
  Result<std::optional<OutputPath>> output = CheckResultOutput(args.output, args.target);
  if (!output.ok()) return ExitFor(output.status());
  options.stop = InstallStopHandlers();
  CommandObserver observer(human && isatty(STDERR_FILENO), options.stop);
  options.observer = &observer;
  if (human) {
    std::printf("durabench plp: %s, %zu phases (%s)\n\n", args.target.c_str(),
                workload->phases.size(), workload->name.c_str());
    std::fflush(stdout);
  }
  SessionOutcome outcome = RunSession(*workload, options);
  std::string note;
  if (outcome.status.code() == Status::Code::kNotSupported && outcome.result.phases.empty()) {
    // O_DIRECT refused (e.g. an older tmpfs): the verdict is still possible through the page
    // cache; it says so.
    for (PhaseSpec& p : workload->phases) p.direct = false;
    note = "O_DIRECT not supported (" + outcome.status.message() + "); ran buffered";
    if (human) std::printf("note: %s\n\n", note.c_str());
    outcome = RunSession(*workload, options);
  }
  outcome.result.command = CommandLine();
  if (!note.empty()) outcome.result.errors.insert(outcome.result.errors.begin(), note);
  if (!outcome.status.ok() && outcome.result.phases.empty()) return ExitFor(outcome.status);

  Json j = RunResultToJson(outcome.result);
  Result<PlpAssessment> a = AssessPlp(outcome.result.phases, outcome.result.probe);
  if (a.ok()) {
    FoldAudits(*audits, &*a);
    j.update(PlpToJson(*a));
    if (human) {
      PrintEvidence(*a);
      std::printf("verdict: %s\n", a->headline.c_str());
      for (const std::string& line : a->explanation) std::printf("  - %s\n", line.c_str());
      std::printf("\n");
    }
  }
  Status written = EmitResult(j, *output, args.json, human);
  if (!outcome.status.ok()) return ExitFor(outcome.status, written);
  if (!a.ok()) return ExitFor(a.status(), written);
  if (!written.ok()) return written.ExitCode();
  if (!args.expect.empty() && a->LostAcknowledgedWrites()) {
    if (!args.json) {
      std::fprintf(stderr, "durabench: verdict %s, but the audits lost acknowledged writes\n",
                   PlpVerdictName(a->verdict));
    }
    return kExitCheckFailed;
  }
  if (!args.expect.empty() && args.expect != PlpVerdictName(a->verdict)) {
    if (!args.json) {
      std::fprintf(stderr, "durabench: verdict %s, expected %s\n", PlpVerdictName(a->verdict),
                   args.expect.c_str());
    }
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

CommandAction RegisterPlpCommand(CLI::App& app) {
  auto args = std::make_shared<PlpArgs>();
  app.add_option("target", args->target,
                 "Directory (own files are created and removed), regular file, or block device")
      ->required();
  app.add_option("--workload", args->workload,
                 "Probe workload (default plp-probe; phases: a sync=none baseline and durable "
                 "methods)");
  app.add_option("--runtime", args->runtime, "Time per phase (default 5s)");
  app.add_option("--size", args->size, "File size (default 64MiB)");
  app.add_option("--expect", args->expect,
                 "Exit 1 unless the verdict is this: flush-free, flush-costly or suspicious");
  app.add_option("-o,--output", args->output,
                 "Write the JSON result to FILE (checked before the run; replaced atomically; "
                 "- for stdout)");
  app.add_flag("--json", args->json, "Print the JSON result (verdict + evidence) on stdout");
  app.add_flag("-q,--quiet", args->quiet, "Print nothing but errors");
  app.add_option("--audit", args->audits,
                 "A verify result of a cut on this drive (`audit --verify ... -o FILE`; "
                 "repeatable): the verdict says whether every acknowledged write survived")
      ->check(CLI::ExistingFile);
  AddTargetSafetyOptions(app, &args->safety);
  AddBackendOptions(app, &args->backend);
  app.footer(
      "Measures 4 KiB O_DIRECT writes at qd1 without a flush, with fdatasync, with O_DSYNC and\n"
      "with RWF_DSYNC (5 s each), and decides from the flush penalty and the probe facts:\n"
      "  flush-free    consistent with power-loss protection or no volatile cache\n"
      "  flush-costly  a volatile write cache without power-loss protection\n"
      "  suspicious    a reported write-back cache whose flushes cost nothing, or sync methods\n"
      "                that disagree: verify durability with a power-cut test\n"
      "With --audit, the cuts' verify results join the verdict (docs/audit.md): a drive that\n"
      "lost an acknowledged write lies about flushes, whatever they cost.\n"
      "Exit: 0 verdict made (1 with --expect and another verdict, or with --expect and audits\n"
      "that lost acknowledged writes), 2 usage, 3 I/O error,\n"
      "128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): the phases measured\n"
      "so far are written and the target's files are removed.\n"
      "Examples:\n"
      "  durabench plp /mnt/ssd\n"
      "  durabench plp /mnt/ssd --runtime 20s -o plp.json\n"
      "  durabench plp /dev/sdX --destroy-data=/dev/sdX   (DESTROYS /dev/sdX)\n"
      "See docs/plp.md.");
  return [args] { return RunPlp(*args); };
}

}  // namespace durabench
