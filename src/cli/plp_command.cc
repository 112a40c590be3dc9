// `durabench plp TARGET`: runs the PLP probe workload and prints the verdict with its evidence.
// The measuring is the session's (session/session.h); the verdict is analysis/plp.h's.
#include <unistd.h>

#include <algorithm>
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

// Without --rounds: a round per second of --runtime, at most five (5 s: five rounds of 1 s).
constexpr uint64_t kAutoRoundNs = 1'000'000'000;
constexpr uint64_t kAutoRounds = 5;

struct PlpArgs {
  TargetArg target_arg;
  std::string target;  // resolved from target_arg
  BackendArgs backend;
  std::string workload = "plp-probe";
  std::string runtime;
  std::string size;
  std::string output;
  std::string expect;
  uint32_t rounds = 0;  // 0: one round per second of --runtime, 1 to 5
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
  uint32_t rounds = args.rounds;
  if (rounds == 0 && !w->phases.empty()) {
    rounds = static_cast<uint32_t>(
        std::clamp<uint64_t>(w->phases.front().runtime_ns / kAutoRoundNs, 1, kAutoRounds));
  }
  return InterleaveRounds(*w, rounds);
}

void PrintEvidence(const PlpAssessment& a) {
  const PlpEvidence& e = a.evidence;
  std::printf("%-10s %8s %10s %10s %10s %11s %19s %11s  %s\n", "method", "samples", "flush p50",
              "commit p50", "commit p99", "penalty p50", "interval", "penalty p99", "costly");
  std::printf("%-10s %8llu %10s %10s %10s %11s %19s %11s  %s\n", "none",
              static_cast<unsigned long long>(e.write_samples), "-",
              FormatDurationNs(e.write_p50_ns).c_str(), FormatDurationNs(e.write_p99_ns).c_str(),
              "-", "-", "-", "-");
  bool below = false;
  std::string over;
  double confidence = 0;
  for (const MethodPenalty& m : e.methods) {
    const std::string interval = m.interval.count < 2
                                     ? "-"
                                     : FormatSignedDurationNs(m.interval.low_ns) + " .. " +
                                           FormatSignedDurationNs(m.interval.high_ns);
    if (m.interval.count >= 2) {
      over = std::to_string(m.interval.count) + " " + m.interval.over;
      confidence = m.interval.confidence;
    }
    below = below || m.penalty_p50_ns < 0 || m.penalty_p99_ns < 0;
    std::printf("%-10s %8llu %10s %10s %10s %11s %19s %11s  %s\n", m.sync.c_str(),
                static_cast<unsigned long long>(m.samples),
                m.flush_p50_ns ? FormatDurationNs(m.flush_p50_ns).c_str() : "-",
                FormatDurationNs(m.commit_p50_ns).c_str(),
                FormatDurationNs(m.commit_p99_ns).c_str(),
                FormatSignedDurationNs(m.penalty_p50_ns).c_str(), interval.c_str(),
                FormatSignedDurationNs(m.penalty_p99_ns).c_str(),
                m.decision == PenaltyDecision::kCostly ? "yes"
                : m.decision == PenaltyDecision::kFree ? "no"
                                                       : "undecided");
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
  std::printf("\n(plain write = sync none; penalty = commit - plain write; costly from %s",
              FormatDurationNs(kFlushCostlyPenaltyNs).c_str());
  if (!over.empty()) {
    std::printf(";\n interval: where the p50 penalty lies, %.0f %% sure, from %s", confidence * 100,
                over.c_str());
    if (e.rounds > 1) std::printf(" interleaved");
    if (e.baseline_variation > 0) {
      std::printf("; the baseline p50 moved %.2fx between them", e.baseline_variation);
    }
  }
  if (below) std::printf(";\n a negative penalty: the commit was faster than the plain write");
  std::printf(")\n\n");
}

int RunPlp(PlpArgs& args) {
  if (!args.expect.empty() && args.expect != "flush-free" && args.expect != "flush-costly" &&
      args.expect != "suspicious" && args.expect != "undecided") {
    return UsageError("--expect '" + args.expect +
                      "': valid: flush-free, flush-costly, suspicious, undecided");
  }
  if (args.rounds > 1000) {
    return UsageError("--rounds " + std::to_string(args.rounds) + ": valid: 1 to 1000");
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
  AddTargetArg(app, &args->target_arg,
               "Directory (own files are created and removed), regular file, or block device");
  app.add_option("--workload", args->workload,
                 "Probe workload (default plp-probe; phases: a sync=none baseline and durable "
                 "methods)");
  app.add_option("--runtime", args->runtime,
                 "Time per method, over all rounds (default 5s: five rounds of 1 s)");
  app.add_option("--rounds", args->rounds,
                 "Run the methods in this many interleaved rounds (A B C D A B C D ...), so drift "
                 "hits them alike and each penalty gets an interval (default: one per second of "
                 "--runtime, at most 5; 1: one phase each, intervals from the time series)");
  app.add_option("--size", args->size, "File size (default 64MiB)");
  app.add_option("--expect", args->expect,
                 "Exit 1 unless the verdict is this: flush-free, flush-costly, suspicious or "
                 "undecided");
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
      "with RWF_DSYNC (5 s each, in 5 interleaved rounds), and decides from the flush penalty,\n"
      "its interval over the rounds, and the probe facts:\n"
      "  flush-free    consistent with power-loss protection or no volatile cache\n"
      "  flush-costly  a volatile write cache without power-loss protection\n"
      "  suspicious    a reported write-back cache whose flushes cost nothing, or sync methods\n"
      "                that disagree: verify durability with a power-cut test\n"
      "  undecided     the penalty's interval straddles the line (a noisy host): more --rounds\n"
      "With --audit, the cuts' verify results join the verdict (docs/audit.md): a drive that\n"
      "lost an acknowledged write lies about flushes, whatever they cost.\n"
      "Exit: 0 verdict made (1 with --expect and another verdict, or with --expect and audits\n"
      "that lost acknowledged writes), 2 usage, 3 I/O error,\n"
      "128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): the phases measured\n"
      "so far are written and the target's files are removed.\n"
      "Examples:\n"
      "  durabench plp /mnt/ssd\n"
      "  durabench plp /mnt/ssd --runtime 20s -o plp.json\n"
      "  durabench plp --target /mnt/ssd --rounds 10 --runtime 20s   (a noisy host: more rounds)\n"
      "  durabench plp /dev/sdX --destroy-data=/dev/sdX   (DESTROYS /dev/sdX)\n"
      "See docs/plp.md.");
  return [args] {
    Result<std::string> target = args->target_arg.Resolve();
    if (!target.ok()) return ExitFor(target.status());
    args->target = *target;
    return RunPlp(*args);
  };
}

}  // namespace durabench
