// `durabench run [WORKLOAD] --target PATH ...`: parses options, prepares the target, runs each
// phase, prints the summary and writes the JSON result. The measuring is in workload/.
// `durabench audit TARGET --witness W` is the same run with every write audited (audit/), its
// files kept for `audit --verify` (audit_command.cc), and optionally a cut command at a time.
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/block.h"
#include "audit/writer.h"
#include "backend/modules.h"
#include "backend/uri.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/group_run.h"
#include "cli/terminal.h"
#include "durabench/config.h"
#include "report/text.h"
#include "result/json.h"
#include "spec/fio_command.h"
#include "spec/spec.h"
#include "target/target.h"
#include "util/process_tag.h"
#include "workload/runner.h"
#include "workload/workload_file.h"

namespace durabench {
namespace {

struct RunArgs {
  std::string workload;
  TargetArg target_arg;  // resolved into target.path (ResolveRunTarget)
  TargetOptions target;
  BackendArgs backend;
  std::string output;
  bool json = false;
  bool quiet = false;
  bool progress = false;        // the progress line even when stderr is no terminal
  std::string format = "text";  // --format: text, json or csv
  bool no_layout_fill = false;
  bool fio_equivalent = false;
  std::string interval;             // empty: each phase's default (DefaultIntervalNs)
  std::vector<std::string> faults;  // --fault values, for every phase
  std::vector<std::string> command;
  // Phase-key flags in PhaseKeys() order; those given become overrides. A boolean key has two
  // entries (--KEY with value "true", --no-KEY with "false").
  std::vector<std::pair<std::string, std::string>> key_values;  // (key, value)
  std::vector<CLI::Option*> key_options;
  // `durabench audit`
  bool audit = false;
  std::string witness;
  bool verify = false;
  std::string audit_id;
  std::string cut_after;
  std::string cut_command;
  // Under mpirun (cli/group_run.h): where rank 0 writes each rank's own result, and whether the
  // ranks share the one target (TargetOptions::share_count).
  std::string rank_results;
  bool shared_target = false;
  bool stonewall = false;
  std::vector<std::string> rank_netns;  // network namespaces the ranks enter, in turn
};

extern "C" char** environ;

// --cut-after/--cut-command: runs the command once the time has passed (from the first phase's
// start, roughly: from when the target is ready), then stops the run when it returns. A process
// killed by the cut (a real power cut) never gets there.
class Cutter {
 public:
  Cutter(uint64_t after_ns, std::string command, std::atomic<bool>* stop)
      : after_ns_(after_ns), command_(std::move(command)), stop_(stop) {}
  ~Cutter() { Join(); }
  void Start() {
    thread_ = std::thread([this] { Main(); });
  }
  void Join() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool ran() const { return ran_; }
  int status() const { return status_; }
  uint64_t at_ns() const { return at_ns_; }

 private:
  void Main() {
    const auto start = std::chrono::steady_clock::now();
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, std::chrono::nanoseconds(after_ns_), [this] { return done_; })) {
        return;  // the run ended first
      }
    }
    at_ns_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - start)
                                       .count());
    std::fprintf(stderr, "durabench: audit: running the cut command: %s\n", command_.c_str());
    std::string shell = "/bin/sh";
    std::string flag = "-c";
    char* argv[] = {shell.data(), flag.data(), command_.data(), nullptr};
    pid_t pid = 0;
    status_ = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ) == 0 ? 0 : 127;
    if (pid > 0) {
      int st = 0;
      while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    ran_ = true;
    stop_->store(true);  // the cut is over: the audit ends, its files stay for verify
  }

  uint64_t after_ns_;
  std::string command_;
  std::atomic<bool>* stop_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> ran_{false};
  int status_ = 0;
  uint64_t at_ns_ = 0;
};

std::string DashName(std::string_view key) {
  std::string s(key);
  std::replace(s.begin(), s.end(), '_', '-');
  return "--" + s;
}

// `run WORKLOAD TARGET`, `run WORKLOAD --target TARGET`, and `run TARGET` (one ad-hoc phase from
// the flags). A lone word is the target when it cannot be meant as a workload: a URI, a path with
// a '/' not ending in .toml, or an existing directory or block device; else it is the workload
// (whose name, when mistyped, gets the workload's did-you-mean), and the target is missing.
Status ResolveRunTarget(RunArgs* args) {
  TargetArg& t = args->target_arg;
  const std::string& word = args->workload;
  struct stat st;
  const bool target_like =
      !word.empty() && !word.ends_with(".toml") &&
      (LooksLikeTargetUri(word) || word.find('/') != std::string::npos ||
       (::stat(word.c_str(), &st) == 0 && (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))));
  if (target_like && t.positional.empty()) {
    // With --target too, Resolve says it is named twice.
    t.positional = word;
    args->workload.clear();
  }
  Result<std::string> target = t.Resolve();
  if (!target.ok()) return target.status();
  args->target.path = *target;
  return Status::Ok();
}

Result<WorkloadSpec> BuildWorkload(RunArgs& args) {
  WorkloadSpec spec;
  if (args.workload.empty()) {
    spec.name = args.audit ? "audit" : "adhoc";
    spec.description = args.audit ? "durability audit: random block rewrites, each audited"
                                  : "ad-hoc phase built from command-line flags";
    PhaseSpec phase;
    phase.name = args.audit ? "audit" : "adhoc";
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
  for (const std::string& text : args.faults) {
    Result<FaultSpec> fault = ParseFaultFlag(text);
    if (!fault.ok()) return fault.status();
    for (PhaseSpec& p : spec.phases) {
      p.faults.push_back(*fault);
      std::stable_sort(p.faults.begin(), p.faults.end(),
                       [](const FaultSpec& a, const FaultSpec& b) { return a.at_ns < b.at_ns; });
      DURABENCH_RETURN_IF_ERROR(ValidatePhase(p, "phase '" + p.name + "'"));
    }
  }
  for (const PhaseSpec& p : spec.phases) {
    if (args.audit && p.block_size_bytes != spec.phases.front().block_size_bytes) {
      // Verify reads each file back in one size of block, against every phase's writes.
      return Status::InvalidArgument(
          "phase '" + p.name + "': an audit's phases write blocks of one size (phase '" +
          spec.phases.front().name + "' writes " +
          std::to_string(spec.phases.front().block_size_bytes) + " bytes, this one " +
          std::to_string(p.block_size_bytes) + ")");
    }
    if (args.audit && PatternReads(p.pattern)) {
      return Status::InvalidArgument("phase '" + p.name + "': an audit writes only (pattern " +
                                     std::string(PatternName(p.pattern)) +
                                     " reads); use --pattern randwrite");
    }
    if (args.audit && p.block_size_bytes < kMinAuditBlockBytes) {
      return Status::InvalidArgument("phase '" + p.name + "': an audit's blocks are at least " +
                                     std::to_string(kMinAuditBlockBytes) + " bytes");
    }
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

// Under mpirun every rank needs files or objects of its own, named after its rank: a directory
// (local or mounted), a rados:// pool or a gluster:// directory. A file, a device or an rbd://
// image is one target, which the ranks share only with --shared-target, each in its own regions;
// a directory or a pool then is refused (its ranks have files of their own), and a gluster://
// path names one file on the volume.
Status CheckRankTarget(const std::string& target, bool shared) {
  bool own_files = KindOfPath(target) == "directory";
  if (LooksLikeTargetUri(target)) {
    Result<TargetUri> uri = ParseTargetUri(target);
    own_files = !uri.ok() || uri->scheme == UriScheme::kRados ||
                (uri->scheme == UriScheme::kGluster && !shared);
  }
  if (own_files && shared) {
    return Status::InvalidArgument(fmt::format(
        "--shared-target: {} gives each rank files or objects of its own; share a file, a block "
        "device, an rbd:// image or a gluster:// file (docs/scale-out.md)",
        target));
  }
  if (own_files || shared) return Status::Ok();
  return Status::NotSupported(fmt::format(
      "under mpirun each rank needs files of its own: give a directory, a rados:// pool or a "
      "gluster:// directory, not {}; or pass --shared-target, and each rank writes regions of "
      "its own of that one file, device or image (docs/scale-out.md)",
      target));
}

// The session's observer on a rank: the ranks meet at the start of each phase, tell each other
// when one has finished a phase under --stonewall and, with a shared target, take turns to
// prepare and remove it (cli/group_run.h).
class RankObserver final : public CommandObserver {
 public:
  RankObserver(bool progress, std::atomic<bool>* stop, GroupRun* group)
      : CommandObserver(progress, stop), stop_(stop), group_(group) {}

  void BeforePrepare() override { Note(group_->PrepareTurn(true, false, stop_)); }
  void AfterPrepare(bool prepared) override { Note(group_->PrepareTurn(false, prepared, stop_)); }
  void PhaseReady(size_t index) override {
    phase_ = index;
    Note(group_->PhaseReady(index, stop_));
  }
  bool EndPhaseEarly(size_t index) override { return group_->EndPhaseEarly(index); }
  void Progress(const ProgressSnapshot& snap) override {
    ProgressSnapshot all = snap;
    group_->Progress(&all);
    CommandObserver::Progress(all);
  }
  void PhaseDone(const PhaseResult& phase) override {
    group_->PhaseDone(phase_, phase);
    CommandObserver::PhaseDone(phase);
  }
  void BeforeCleanup() override { group_->CleanupTurn(true); }
  void AfterCleanup() override { group_->CleanupTurn(false); }

 private:
  void Note(std::string why) {
    if (!why.empty()) stop_reason = std::move(why);
  }

  std::atomic<bool>* stop_;
  GroupRun* group_;
  size_t phase_ = 0;  // the phase running
};

// The end of `run` under mpirun: every rank hands its result to rank 0, which prints and writes
// the merged one with a row per rank (compare/ranks.h); --rank-results gets each rank's own.
// Every rank exits with the worst of the ranks' statuses, so mpirun's says whether all went well.
int FinishGroupRun(GroupRun& group, SessionOutcome outcome, const RunArgs& args,
                   const std::optional<OutputPath>& output, bool human, bool csv) {
  int worst = kExitOk;
  Result<GroupOutcome> g = group.Finish(outcome.result, outcome.status, &worst);
  if (!g.ok()) {
    PrintError("rank " + std::to_string(group.rank()) + ": " + g.status().message());
    return kExitRuntimeError;
  }
  if (!group.leader()) return worst;
  // Each rank's own result; one that cannot be written is reported and costs none of the others,
  // nor the merged result below.
  Status ranks_written = Status::Ok();
  if (!args.rank_results.empty()) {
    for (const RankOutcome& r : g->ranks) {
      if (r.result.target.path.empty()) continue;
      const std::string path = args.rank_results + "/rank-" + std::to_string(r.rank) + ".json";
      Status st = WriteOutputFile("--rank-results", path, RunResultToJson(r.result).dump(2) + "\n");
      if (st.ok()) continue;
      PrintError(st.message());
      if (ranks_written.ok()) ranks_written = st;
    }
  }
  if (!g->aggregate.ok()) {
    // Nothing to merge: the ranks' rows and errors still say what happened.
    if (human) std::printf("%s", FormatRankTable(RunResult{}, g->ranks, g->rows).c_str());
    PrintError(g->aggregate.status().message());
    return worst != kExitOk ? worst : kExitRuntimeError;
  }
  RunResult& merged = *g->aggregate;
  merged.command = args.command;
  merged.run_id = NewRunId();
  merged.merged_from.clear();
  merged.merged_run_ids.clear();
  for (const RankOutcome& r : g->ranks) {
    if (r.result.run_id.empty()) continue;
    merged.merged_from.push_back("rank " + std::to_string(r.rank) + " (host " + r.host +
                                 ", started " + r.result.started_at + ")");
    merged.merged_run_ids.push_back(r.result.run_id);
  }
  Json doc = RunResultToJson(merged);
  doc["ranks"] = RanksToJson(g->ranks, g->rows, g->reduction_ns);
  if (human) {
    for (const PhaseResult& phase : merged.phases) {
      std::printf("%s\n", FormatPhaseSummary(phase).c_str());
    }
    const std::string table = FormatRunTable(merged);
    if (!table.empty()) std::printf("%s\n", table.c_str());
    std::printf("%s\n", FormatRankTable(merged, g->ranks, g->rows).c_str());
  }
  Status written = EmitResult(doc, output, args.json, human);
  if (csv && written.ok()) written = WriteStdout(FormatRunCsv(merged));
  if (written.ok()) written = ranks_written;
  const Status status = worst == kExitOk ? Status::Ok()
                                         : Status::IoError(
                                               "a rank failed: the result holds the phases every "
                                               "other rank finished");
  return ExitFor(status, written);
}

int Run(RunArgs& args) {
  if (args.json && args.format != "text" && args.format != "json") {
    return UsageError("--json and --format " + args.format + " exclude each other");
  }
  if (args.format == "json") args.json = true;
  const bool csv = args.format == "csv";
  Result<WorkloadSpec> workload = BuildWorkload(args);
  if (!workload.ok()) {
    PrintError(workload.status().message());
    return workload.status().ExitCode();
  }
  if (args.fio_equivalent) return PrintFioEquivalent(*workload, args.target.path);
  Result<uint64_t> interval = args.interval.empty()
                                  ? Result<uint64_t>(uint64_t{0})
                                  : ParsePositiveDuration("--interval", args.interval);
  if (!interval.ok()) return ExitFor(interval.status());
  // Under mpirun each process is one rank of one measurement; rank 0 speaks for all of them.
  // A rank that fails a check below exits before joining, and mpirun then ends the job.
  const bool ranked = LaunchedAsRank();
  const bool follower = ranked && RankFromLauncher() != 0;
  if (!args.rank_results.empty() && !ranked) {
    return UsageError("--rank-results is for a run under mpirun (docs/scale-out.md)");
  }
  if (ranked && args.audit) {
    return ExitFor(Status::NotSupported(
        "an audit under mpirun is not supported: run one audit per client (docs/scale-out.md)"));
  }
  if (ranked) {
    if (Status st = CheckRankTarget(args.target.path, args.shared_target); !st.ok()) {
      return ExitFor(st);
    }
  } else if (args.shared_target || args.stonewall || !args.rank_netns.empty()) {
    return UsageError(std::string(args.shared_target ? "--shared-target"
                                  : args.stonewall   ? "--stonewall"
                                                     : "--rank-netns") +
                      " is for a run under mpirun (docs/scale-out.md)");
  }
  const bool human = !args.json && !csv && !args.quiet && !follower;
  // Before anything is measured: a result that cannot be written is known now, not at the end.
  Result<std::optional<OutputPath>> output =
      follower ? Result<std::optional<OutputPath>>(std::optional<OutputPath>())
               : CheckResultOutput(args.output, args.target.path);
  if (!output.ok()) return ExitFor(output.status());
  if (!args.rank_results.empty() && !follower) {
    struct stat st;
    if (::stat(args.rank_results.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return UsageError("--rank-results " + args.rank_results + ": not a directory");
    }
  }

  uint64_t cut_after_ns = 0;
  if (!args.cut_command.empty() || !args.cut_after.empty()) {
    if (args.cut_command.empty() || args.cut_after.empty()) {
      return ExitFor(Status::InvalidArgument("--cut-after and --cut-command go together"));
    }
    Result<uint64_t> after = ParsePositiveDuration("--cut-after", args.cut_after);
    if (!after.ok()) return ExitFor(after.status());
    cut_after_ns = *after;
  }

  SessionOptions options;
  options.target = args.target;
  if (Status st = ApplyBackendArgs(&args.backend, &options.op_timeout_ns); !st.ok()) {
    return ExitFor(st);
  }
  options.backend = args.backend.options;
  // A phase with faults waits out a stall as long as it runs (runner.h): a cluster's client
  // library must not fail the stalled operation first (librados: ETIMEDOUT after
  // rados_osd_op_timeout, seen after 30 s when a lab node lost power).
  for (const PhaseSpec& p : workload->phases) {
    if (p.faults.empty() || options.backend.op_timeout_s == 0) continue;
    const uint64_t phase_s = (p.ramp_ns + p.runtime_ns + 999'999'999) / 1'000'000'000;
    options.backend.op_timeout_s = static_cast<uint32_t>(
        std::max<uint64_t>(options.backend.op_timeout_s, std::min<uint64_t>(phase_s, UINT32_MAX)));
  }
  options.target.layout_fill = !args.no_layout_fill;
  options.interval_ns = *interval;
  std::unique_ptr<GroupRun> group;
  if (ranked) {
    Result<std::unique_ptr<GroupRun>> joined = GroupRun::Join();
    if (!joined.ok()) return ExitFor(joined.status());
    group = std::move(joined).value();
    SetProcessTagRank(group->rank());
    // Each rank a client on its own node of the lab: from here on its sockets are made there.
    if (Status st = group->Place(args.rank_netns); !st.ok()) return ExitFor(st);
    if (args.stonewall) group->Stonewall();
    if (args.shared_target) {
      group->ShareTarget();
      options.target.share_index = static_cast<uint32_t>(group->rank());
      options.target.share_count = static_cast<uint32_t>(group->size());
    }
  }
  // From here on a signal must not kill the process: files durabench creates must be removed.
  options.stop = InstallStopHandlers();
  // Under mpirun rank 0's stderr is a pipe to mpirun whatever mpirun's own is: --progress.
  const bool show_progress = human && (args.progress || isatty(STDERR_FILENO));
  std::unique_ptr<CommandObserver> observing =
      group ? std::make_unique<RankObserver>(show_progress, options.stop, group.get())
            : std::make_unique<CommandObserver>(show_progress, options.stop);
  CommandObserver& observer = *observing;
  options.observer = &observer;
  observer.on_phase = [&](const PhaseResult& phase) {
    // Under mpirun the phases are shown merged, at the end.
    if (!human || group) return;
    std::printf("%s\n", FormatPhaseSummary(phase).c_str());
    std::fflush(stdout);
  };
  const std::string ranks =
      !group ? ""
      : group->shares_target()
          ? fmt::format("; {} ranks, each in regions of its own", group->size())
          : fmt::format("; {} ranks, each with files of its own", group->size());
  observer.on_prepared = [&](const TargetInfo& target, const ProbeResult& probe) {
    if (!human) return;
    std::printf("durabench %s: workload %s, target %s (%s)%s\n\n", DURABENCH_VERSION,
                workload->name.c_str(), target.path.c_str(), DescribeTarget(target, probe).c_str(),
                ranks.c_str());
  };
  const AuditId audit_id = NewAuditId();
  std::unique_ptr<Cutter> cutter;
  if (args.audit) {
    // The blocks stay for the verify step, which removes them.
    options.target.keep = true;
    const std::string witness = args.witness;
    // One counter for every job (and phase) of the audit: no two of its writes share a number.
    auto sequences = std::make_shared<AuditSequences>(0);
    // The witness log numbers the jobs across the phases (the runner prepares them one after
    // the other, phase by phase): each phase's job has records of its own, and its end record
    // never covers the writes of the next phase's job of the same index.
    auto jobs = std::make_shared<std::atomic<uint32_t>>(0);
    options.audit = [audit_id, witness, sequences, jobs](const AuditJobLayout& phase_layout) {
      AuditJobLayout layout = phase_layout;
      layout.job = jobs->fetch_add(1, std::memory_order_relaxed);
      uint64_t seed = 0;
      for (int i = 0; i < 8; ++i) seed = (seed << 8) | audit_id[static_cast<size_t>(i)];
      return WriteAudit::Open(audit_id, witness, layout, seed + layout.job, sequences);
    };
    if (cut_after_ns != 0) {
      cutter = std::make_unique<Cutter>(cut_after_ns, args.cut_command, options.stop);
      auto prepared = observer.on_prepared;
      observer.on_prepared = [&cutter, prepared](const TargetInfo& target,
                                                 const ProbeResult& probe) {
        prepared(target, probe);
        cutter->Start();
      };
    }
  }
  SessionOutcome outcome = RunSession(*workload, options);
  if (cutter) cutter->Join();
  outcome.result.command = args.command;
  if (group) {
    return FinishGroupRun(*group, std::move(outcome), args, *output, human, csv);
  }
  if (outcome.result.target.path.empty()) {
    // Refused or failed before any I/O: nothing to write.
    PrintError(outcome.status.message());
    return outcome.status.ExitCode();
  }

  Json doc = RunResultToJson(outcome.result);
  if (args.audit) {
    Json a = {{"id", AuditIdHex(audit_id)}, {"witness", args.witness}};
    if (cutter) {
      a["cut"] = {{"command", args.cut_command},
                  {"ran", cutter->ran()},
                  {"after_ns", cutter->at_ns()},
                  {"exit_status", cutter->status()}};
    }
    doc["audit"] = std::move(a);
    if (!args.json) {
      // A cluster's connection options are needed again to read it back.
      std::string cluster;
      if (LooksLikeTargetUri(args.target.path) && !args.backend.options.ceph_conf.empty()) {
        cluster = " --ceph-conf " + args.backend.options.ceph_conf;
      }
      std::fprintf(stderr,
                   "durabench: audit %s: blocks left on %s, witness %s\n"
                   "  verify with: durabench audit --verify %s --witness %s --audit-id %s%s\n",
                   AuditIdHex(audit_id).c_str(), outcome.result.target.path.c_str(),
                   args.witness.c_str(), outcome.result.target.path.c_str(), args.witness.c_str(),
                   AuditIdHex(audit_id).c_str(), cluster.c_str());
    }
    // After a cut, the run's own failures (EIO from a device whose power went, a stop) are what
    // the cut was for: the audit's outcome is the verify step's.
    if (cutter && cutter->ran()) outcome.status = Status::Ok();
  }
  if (human) {
    const std::string table = FormatRunTable(outcome.result);
    if (!table.empty()) std::printf("%s\n", table.c_str());
  }
  Status written = EmitResult(doc, *output, args.json, human);
  if (csv && written.ok()) written = WriteStdout(FormatRunCsv(outcome.result));
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

// The options `run` and `audit` share: outputs, interval, target safety, cluster access, layout,
// and every workload key as a flag.
void AddRunFlags(CLI::App& app, const std::shared_ptr<RunArgs>& args) {
  app.add_option("-o,--output", args->output,
                 "Write the JSON result to FILE (checked before the run; replaced atomically; "
                 "- for stdout)");
  app.add_flag("--json", args->json, "Print the JSON result on stdout instead of the summary");
  app.add_option("--format", args->format,
                 "What stdout gets: text (the summary), json (as --json), csv (a line per phase "
                 "and op kind: count, IOPS, MB/s, percentiles in ns)")
      ->check(CLI::IsMember({"text", "json", "csv"}));
  app.add_flag("-q,--quiet", args->quiet, "No progress line and no summary");
  app.add_flag("--progress", args->progress,
               "The progress line on stderr even when it is no terminal (under mpirun, where "
               "rank 0's stderr is a pipe: the line then shows every rank's I/O)");
  app.add_option("--interval", args->interval,
                 "Time-series interval (default 100ms for a phase with a runtime under 30s, "
                 "else 1s; 100ms for a phase with faults)");
  app.add_option("--fault", args->faults,
                 "at=20s,run=CMD[,undo_at=50s,undo=CMD]: run CMD (sh -c) at that time from every "
                 "phase's start, and UNDO at undo_at or at the phase's end; repeatable "
                 "(docs/chaos.md)");
  AddTargetSafetyOptions(app, &args->target);
  AddBackendOptions(app, &args->backend);
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
    args->key_options.push_back(app.add_option(DashName(key), args->key_values.back().second,
                                               help + "; valid: " + PhaseKeyChoices(key))
                                    ->group(group));
  }
}

CommandAction RegisterRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  app.add_option("workload", args->workload,
                 "Workload name (see `durabench list`) or path to a .toml file; omitted: one "
                 "ad-hoc phase from the flags below");
  AddTargetArg(app, &args->target_arg,
               "Directory (own files are created and removed), regular file (new only with "
               "--create), block device, or rados://POOL, rbd://POOL/IMAGE, "
               "gluster://HOST[:PORT]/VOLUME[/DIR]");
  AddRunFlags(app, args);
  app.add_flag("--fio-equivalent", args->fio_equivalent,
               "Print the fio command line that runs the same work, per phase, and exit");
  app.add_flag("--shared-target", args->shared_target,
               "Under mpirun: the ranks share the one file, block device, rbd:// image or "
               "gluster:// file given, each writing regions of its own (rank r, job j: region "
               "r x jobs + j; rank 0 prepares and removes it)");
  app.add_flag("--stonewall", args->stonewall,
               "Under mpirun: a phase ends on every rank as soon as one rank has finished it "
               "(its --ops, its pass over --size, or its runtime), as IOR's stonewalling; the "
               "others' phases are marked stonewalled");
  app.add_option("--rank-netns", args->rank_netns,
                 "Under mpirun, as root: rank r enters network namespace NS[r mod count] after "
                 "joining, so that its storage connections come from there (the lab's nodes: "
                 "docs/lab.md); its host is shown as HOST/NS")
      ->delimiter(',')
      ->type_name("NS[,NS...]");
  app.add_option("--rank-results", args->rank_results,
                 "Under mpirun: rank 0 also writes each rank's own result to DIR/rank-N.json "
                 "(docs/scale-out.md)")
      ->type_name("DIR");

  app.footer(
      "Examples:\n"
      "  durabench run ceph-wal ./scratch --runtime 20s   (or --target ./scratch)\n"
      "  durabench run ./scratch --sync fdatasync --runtime 5s   (one phase from the flags)\n"
      "  durabench run ceph-wal ./new.dat --create   (a new file; a missing target is refused)\n"
      "  durabench run sync-methods --target /mnt/nvme/dir -o sync.json\n"
      "  durabench run --target /tmp --sync fdatasync --block-size 8KiB --runtime 5s\n"
      "  durabench run etcd-wal --target /var/lib/etcd-test --json > etcd.json\n"
      "  durabench run ceph-wal --target /mnt/ssd --fio-equivalent   (the same work for fio)\n"
      "  durabench run ceph-wal --target /dev/sdX --destroy-data=/dev/sdX   (DESTROYS /dev/sdX)\n"
      "  durabench run ceph-wal --target rbd://rep3/bench --ceph-conf /etc/ceph/ceph.conf\n"
      "  durabench run backend-compare --target gluster://127.0.0.1/vol0/bench -o gfapi.json\n"
      "  durabench run ceph-wal --target rados://rep3 --runtime 10s   (native engine: rados)\n"
      "  durabench run node-loss /mnt/cephfs/bench   (faults from the lab: docs/chaos.md)\n"
      "  mpirun -np 3 durabench run ceph-wal /mnt/cephfs/bench   (3 clients, one result: "
      "docs/scale-out.md)\n"
      "  durabench run ./scratch --runtime 30s --fault 'at=10s,run=kill -STOP 1234,undo_at=15s,"
      "undo=kill -CONT 1234'\n"
      "Sizes, as fio reads them: 4k 4K 4KB 4KiB 64m 1g (k m g t, any case; powers of 1024).\n"
      "Durations: ns us ms s m h.\n"
      "Exit: 0 ok, 2 usage (found before anything is written), 3 I/O or runtime error,\n"
      "128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): the partial result\n"
      "is written and the target's files are removed.");
  return [args] {
    args->command = CommandLine();
    if (Status st = ResolveRunTarget(args.get()); !st.ok()) return ExitFor(st);
    return Run(*args);
  };
}

CommandAction RegisterAuditCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  args->audit = true;
  AddTargetArg(app, &args->target_arg,
               "Directory (own files are created and kept for --verify), regular file (new only "
               "with --create), block device, or rados://POOL, rbd://POOL/IMAGE, "
               "gluster://HOST/VOLUME/DIR");
  app.add_option("-w,--witness", args->witness,
                 "Where the witness log goes: HOST:PORT of a `durabench witness` (another host), "
                 "or file:PATH (a file on another device)")
      ->required();
  app.add_flag("--verify", args->verify,
               "Read the audit's blocks back and classify them against the witness");
  app.add_option("--audit-id", args->audit_id,
                 "--verify: the audit to verify (32 hex digits, printed by the audit); default: "
                 "the witness's latest");
  app.add_option("--workload", args->workload,
                 "Workload name or .toml file whose phases are audited, all with one block size "
                 "(default: one phase of random 4 KiB block rewrites with fdatasync, 10 s, 64 MiB "
                 "per job)");
  app.add_option("--cut-after", args->cut_after,
                 "Run --cut-command this long after the target is ready (e.g. 20s)");
  app.add_option("--cut-command", args->cut_command,
                 "The cut (/bin/sh -c): a power cut, a kill, `ipmitool chassis power off`; the "
                 "audit writes until it returns or the process dies");
  AddRunFlags(app, args);
  app.footer(
      "An audit is a run whose every write carries a self-describing block (offset, generation,\n"
      "CRC32C) and whose intents and acknowledgements go to a witness the cut does not touch;\n"
      "--verify then reads every block back and says whether an acknowledged write was lost.\n"
      "Examples:\n"
      "  durabench witness --listen 0.0.0.0:7000 --dir /var/lib/witness     (on another host)\n"
      "  durabench audit /mnt/ssd/scratch --witness 10.0.0.2:7000 --runtime 60s \\\n"
      "      --cut-after 30s --cut-command 'ipmitool -H bmc chassis power off'\n"
      "  durabench audit --verify /mnt/ssd/scratch --witness 10.0.0.2:7000   (after power-on)\n"
      "  durabench audit ./scratch --witness file:/mnt/other/w.log --sync rwf_dsync --iodepth 8\n"
      "  durabench audit rbd://rep3/audit --ceph-conf /etc/ceph/ceph.conf --witness file:/w.log\n"
      "Verify exit: 0 kept, 1 lost or corrupt blocks, 2 usage (no such audit, wrong target).\n"
      "Audit exit: as run; after a cut, the run's own I/O errors are expected and not counted.\n"
      "docs/audit.md: the three tiers (process crash, power cut, node loss), step by step.");
  return [args] {
    Result<std::string> target = args->target_arg.Resolve();
    if (!target.ok()) return ExitFor(target.status());
    args->target.path = *target;
    if (args->verify) {
      AuditVerifyArgs v;
      v.target = args->target.path;
      v.witness = args->witness;
      v.audit_id = args->audit_id;
      v.output = args->output;
      v.json = args->json || args->format == "json";
      v.keep = args->target.keep;  // --keep: leave the audit's files after verifying
      uint64_t op_timeout_ns = 0;
      if (Status st = ApplyBackendArgs(&args->backend, &op_timeout_ns); !st.ok()) {
        return ExitFor(st);
      }
      v.backend = args->backend.options;
      return RunAuditVerify(v);
    }
    args->command = CommandLine();
    return Run(*args);
  };
}

}  // namespace durabench
