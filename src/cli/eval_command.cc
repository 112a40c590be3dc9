// `durabench eval TARGET [--quick]`: the pre-purchase drive evaluation. Runs drive-eval (about
// 30 min) or drive-eval-quick (about 1 min), each phase on a freshly prepared target, and prints
// the report card (analysis/report_card.h).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "analysis/report_card.h"
#include "analysis/report_card_json.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "result/json.h"
#include "util/units.h"
#include "workload/workload_file.h"

namespace durabench {
namespace {

struct EvalArgs {
  TargetArg target_arg;
  std::string target;  // resolved from target_arg
  BackendArgs backend;
  bool quick = false;
  std::string workload;
  std::string sustained_size;
  std::string sustained_runtime;
  std::string interval = "1s";
  std::string output;
  bool json = false;
  bool quiet = false;
  TargetOptions safety;
  std::vector<std::string> audits;  // --audit: verify results of cuts
};

Result<WorkloadSpec> BuildEvalWorkload(const EvalArgs& args) {
  const std::string name =
      !args.workload.empty() ? args.workload : (args.quick ? "drive-eval-quick" : "drive-eval");
  Result<WorkloadSpec> w = LoadWorkload(name);
  if (!w.ok()) return w.status();
  for (PhaseSpec& p : w->phases) {
    if (p.name != "sustained") continue;
    if (!args.sustained_size.empty()) {
      Result<uint64_t> v = ParsePositiveSize("--sustained-size", args.sustained_size);
      if (!v.ok()) return v.status();
      p.size_bytes = *v;
    }
    if (!args.sustained_runtime.empty()) {
      Result<uint64_t> v = ParsePositiveDuration("--sustained-runtime", args.sustained_runtime);
      if (!v.ok()) return v.status();
      p.runtime_ns = *v;
    }
  }
  return w;
}

std::string Rate(double per_s) { return std::to_string(static_cast<uint64_t>(per_s + 0.5)); }

std::string Mbps(double bytes_per_s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f MB/s", bytes_per_s / 1e6);
  return buf;
}

void PrintCard(const ReportCard& card) {
  std::printf("report card\n");
  if (card.plp) {
    std::printf("  PLP            %s\n", card.plp->headline.c_str());
    for (const std::string& line : card.plp->explanation)
      std::printf("                 - %s\n", line.c_str());
  } else {
    std::printf("  PLP            not decided: %s\n",
                card.plp_error.empty() ? "no plp-* phases ran" : card.plp_error.c_str());
  }
  if (card.ceph_wal.empty()) {
    std::printf("  Ceph WAL       not run\n");
  } else {
    std::printf("  Ceph WAL       ");
    for (size_t i = 0; i < card.ceph_wal.size(); ++i) {
      const CephWalRow& r = card.ceph_wal[i];
      std::printf("%s%u job%s: %s IOPS (p99 %s)", i ? "; " : "", r.jobs, r.jobs == 1 ? "" : "s",
                  Rate(r.iops).c_str(), FormatDurationNs(r.commit_p99_ns).c_str());
    }
    std::printf(
        "\n                 4 KiB O_DIRECT O_SYNC writes at qd1: %s (PLP-class >= %s, "
        "consumer-class < %s IOPS single-job)\n",
        card.ceph_wal_rating.empty() ? "no single-job row" : card.ceph_wal_rating.c_str(),
        Rate(kCephWalGoodIops).c_str(), Rate(kCephWalPoorIops).c_str());
  }
  if (card.etcd) {
    std::printf("  etcd WAL       fdatasync p99 %s (p50 %s); guidance < %s: %s\n",
                FormatDurationNs(card.etcd->flush_p99_ns).c_str(),
                FormatDurationNs(card.etcd->flush_p50_ns).c_str(),
                FormatDurationNs(kEtcdFsyncP99LimitNs).c_str(), card.etcd->pass ? "PASS" : "FAIL");
  } else {
    std::printf("  etcd WAL       not run\n");
  }
  if (card.postgres.empty()) {
    std::printf("  PostgreSQL WAL not run\n");
  } else {
    std::printf("  PostgreSQL WAL commits/s (8 KiB, one writer):");
    for (const PostgresRow& r : card.postgres) {
      std::printf(" %s %s", r.wal_sync_method.empty() ? r.sync.c_str() : r.wal_sync_method.c_str(),
                  Rate(r.commits_per_s).c_str());
    }
    std::printf("\n");
    if (const std::optional<WalSyncChoice>& w = card.wal_sync_method; w) {
      std::printf("                 use wal_sync_method = %s", w->method.c_str());
      if (w->method == w->fastest && w->is_default) {
        std::printf(" (the default, and the fastest here)\n");
      } else if (w->method == w->fastest) {
        std::printf(" (the fastest here; PostgreSQL's default is fdatasync)\n");
      } else {
        std::printf(" (the default; %s is %.0f %% faster, within %.0f %%)\n", w->fastest.c_str(),
                    (w->fastest_commits_per_s / w->commits_per_s - 1) * 100,
                    kWalDefaultMargin * 100);
      }
    }
  }
  if (card.sustained) {
    const SustainedWrite& s = *card.sustained;
    std::printf("  Sustained      %s mean over %s (%s written)", Mbps(s.mean_bytes_per_s).c_str(),
                FormatDurationNs(s.measured_ns).c_str(), FormatSizeBytes(s.bytes).c_str());
    if (s.cliff.found) {
      std::printf("\n                 cliff at %s: %s before, %s after, after %s written\n",
                  FormatDurationNs(s.cliff.index * s.interval_ns).c_str(),
                  Mbps(s.cliff.before_bytes_per_s).c_str(), Mbps(s.cliff.after_bytes_per_s).c_str(),
                  FormatSizeBytes(s.cliff.bytes_before).c_str());
    } else if (s.bytes > s.space_bytes) {
      // A rewritten region fits in the cache that a cliff would show running out.
      std::printf(
          "; no cliff found, and none could be: it rewrote %s %.0f times, and an SLC cache "
          "larger than that absorbs the rewrites\n                 find one with "
          "--sustained-size larger than the cache (tens of GiB; the free space must hold it)\n",
          FormatSizeBytes(s.space_bytes).c_str(),
          static_cast<double>(s.bytes) / static_cast<double>(s.space_bytes));
    } else {
      std::printf(
          "; no cliff (no lasting drop of %.0f %% or more) in %s of fresh space: a cache larger "
          "than that would need a longer --sustained-runtime\n",
          kCliffMinDrop * 100, FormatSizeBytes(s.bytes).c_str());
    }
  } else {
    std::printf("  Sustained      not run\n");
  }
  bool any = false;
  for (const TailRow& t : card.tail) {
    if (!t.outlier) continue;
    std::printf("  %s%s %s p99.9 %s = %.0fx p50 %s (max %s, in the interval at %s)\n",
                any ? "               " : "Tail outliers  ", t.phase.c_str(), t.op.c_str(),
                FormatDurationNs(t.p999_ns).c_str(),
                t.p50_ns ? static_cast<double>(t.p999_ns) / static_cast<double>(t.p50_ns) : 0.0,
                FormatDurationNs(t.p50_ns).c_str(), FormatDurationNs(t.max_ns).c_str(),
                FormatDurationNs(t.worst_interval_start_ns).c_str());
    any = true;
  }
  if (!any) {
    std::printf("  Tail outliers  none (no phase with p99.9 >= %.0fx its p50 and >= %s)\n",
                kTailOutlierFactor, FormatDurationNs(kTailOutlierMinNs).c_str());
  }
}

void PrintPhaseLine(const PhaseResult& p) {
  const OpKind kind = JudgedKind(p);
  const Histogram& h = p.op(kind).histogram;
  std::printf("  %-26s %9s IOPS %10s  %s p50 %9s p99 %9s max %9s\n", p.spec.name.c_str(),
              Rate(p.Iops()).c_str(), Mbps(p.BytesPerSecond()).c_str(),
              std::string(OpKindName(kind)).c_str(), FormatDurationNs(h.Percentile(50)).c_str(),
              FormatDurationNs(h.Percentile(99)).c_str(), FormatDurationNs(h.max()).c_str());
  std::fflush(stdout);
}

int RunEval(EvalArgs& args) {
  Result<WorkloadSpec> workload = BuildEvalWorkload(args);
  if (!workload.ok()) {
    PrintError(workload.status().message());
    return workload.status().ExitCode();
  }
  Result<uint64_t> interval = ParsePositiveDuration("--interval", args.interval);
  if (!interval.ok()) return ExitFor(interval.status());
  Result<std::vector<PlpAuditResult>> audits = ReadAuditResults(args.audits);
  if (!audits.ok()) return ExitFor(audits.status());
  const bool human = !args.json && !args.quiet;
  uint64_t planned_ns = 0;
  for (const PhaseSpec& p : workload->phases) planned_ns += p.ramp_ns + p.runtime_ns;
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
  options.per_phase_layout = true;
  options.interval_ns = *interval;
  if (human) {
    observer.on_phase = PrintPhaseLine;
    std::printf(
        "durabench eval: %s, workload %s: %zu phases, about %s of measuring plus layout\n\n",
        args.target.c_str(), workload->name.c_str(), workload->phases.size(),
        FormatDurationNs(planned_ns).c_str());
    std::fflush(stdout);
  }
  SessionOutcome outcome = RunSession(*workload, options);
  outcome.result.command = CommandLine();
  if (!outcome.status.ok() && outcome.result.phases.empty()) return ExitFor(outcome.status);

  ReportCard card = BuildReportCard(outcome.result.phases, outcome.result.probe);
  if (card.plp) FoldAudits(*audits, &*card.plp);
  Json j = RunResultToJson(outcome.result);
  j["report_card"] = ReportCardToJson(card);
  if (card.plp) {
    j["verdict"] = PlpVerdictName(card.plp->verdict);
  }
  if (human) {
    std::printf("\n");
    PrintCard(card);
    std::printf("\n");
  }
  Status written = EmitResult(j, *output, args.json, human);
  return ExitFor(outcome.status, written);
}

}  // namespace

CommandAction RegisterEvalCommand(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  AddTargetArg(app, &args->target_arg,
               "Directory on the drive (own files are created and removed), or the block "
               "device itself with --destroy-data");
  app.add_flag("--quick", args->quick, "About 1 minute (drive-eval-quick) instead of about 30");
  app.add_option("--workload", args->workload,
                 "Another workload with the same phase names (see docs/eval.md)");
  app.add_option("--sustained-size", args->sustained_size,
                 "File size of the sustained-write phase (default 16GiB; quick 1GiB)");
  app.add_option("--sustained-runtime", args->sustained_runtime,
                 "Runtime of the sustained-write phase (default 20m; quick 10s)");
  app.add_option("--interval", args->interval,
                 "Time-series interval, also the cliff detector's resolution (default 1s)");
  app.add_option("-o,--output", args->output,
                 "Write the JSON result to FILE (checked before the run; replaced atomically; "
                 "- for stdout)");
  app.add_flag("--json", args->json, "Print the JSON result (with report_card) on stdout");
  app.add_option("--audit", args->audits,
                 "A verify result of a cut on this drive (`audit --verify ... -o FILE`; "
                 "repeatable): the PLP verdict says whether every acknowledged write survived")
      ->check(CLI::ExistingFile);
  app.add_flag("-q,--quiet", args->quiet, "Print nothing but errors");
  AddTargetSafetyOptions(app, &args->safety);
  AddBackendOptions(app, &args->backend);
  app.footer(
      "The report card: PLP verdict; Ceph WAL (4 KiB O_DIRECT O_SYNC qd1 IOPS, 1 and 4 jobs);\n"
      "etcd WAL (2300 B + fdatasync, p99 against 10 ms); PostgreSQL WAL (commits/s per\n"
      "wal_sync_method); sustained sequential write (a throughput cliff when an SLC cache runs\n"
      "out); tail-latency outliers. Each phase gets fresh files, removed afterwards.\n"
      "Exit: 0 ok, 2 usage, 3 I/O error, 128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM,\n"
      "129 SIGHUP): the phases measured so far are written and the target's files are removed.\n"
      "Examples:\n"
      "  durabench eval /mnt/newdrive --quick\n"
      "  durabench eval /mnt/newdrive -o eval.json            (about 30 minutes)\n"
      "  durabench eval /dev/sdX --destroy-data=/dev/sdX      (DESTROYS /dev/sdX)\n"
      "See docs/eval.md.");
  return [args] {
    Result<std::string> target = args->target_arg.Resolve();
    if (!target.ok()) return ExitFor(target.status());
    args->target = *target;
    return RunEval(*args);
  };
}

}  // namespace durabench
