#include "workload/runner.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <memory>
#include <system_error>
#include <thread>

#include "engine/registry.h"
#include "measure/clock.h"
#include "util/errno_status.h"
#include "util/strings.h"
#include "util/units.h"
#include "workload/faults.h"
#include "workload/job.h"

namespace durabench {
namespace {

// Jobs are released this long after the last one is ready, so all see the same start.
constexpr uint64_t kStartDelayNs = 1'000'000;

// A job stuck this long after the op timeout fired (the engine call does not return) is left
// behind, so the run still ends and writes its partial result.
constexpr uint64_t kAbandonAfterNs = 2'000'000'000;

// "" or the timeout error of the first job with no sign of life for `timeout_ns`.
std::string FindTimedOutJob(const std::vector<std::unique_ptr<Job>>& jobs, uint64_t now,
                            uint64_t timeout_ns) {
  for (size_t j = 0; j < jobs.size(); ++j) {
    const JobShared& s = jobs[j]->shared();
    if (s.finished.load(std::memory_order_acquire)) continue;
    const uint64_t last = s.progress_ns.load(std::memory_order_relaxed);
    if (last == 0 || now <= last || now - last < timeout_ns) continue;
    return "job " + std::to_string(j) + ": no operation completed within the op timeout of " +
           FormatDurationNs(timeout_ns) + " (the storage stopped answering); the phase was ended";
  }
  return "";
}

// Whether `caps` can run what `spec` asks of an engine.
bool CapsFit(const EngineCaps& caps, const PhaseSpec& spec) {
  return spec.iodepth <= caps.max_iodepth && caps.SupportsSync(spec.sync) &&
         (spec.direct ? caps.supports_direct : !caps.requires_direct) &&
         (!spec.sqpoll || caps.sqpoll);
}

// "use --engine io_uring or libaio, or " for the engines of `alternatives` that can run `spec`
// (engines that do I/O: `null` is no fix); "use " when none can.
std::string EngineFix(const PhaseSpec& spec, const EngineInfo& engine,
                      const std::vector<const EngineInfo*>& alternatives) {
  std::vector<std::string_view> names;
  for (const EngineInfo* e : alternatives) {
    if (e->name != engine.name && e->caps.does_io && CapsFit(e->caps, spec)) {
      names.push_back(e->name);
    }
  }
  if (names.empty()) return "use ";
  std::string out = "use --engine " + std::string(names[0]);
  for (size_t i = 1; i < names.size(); ++i) {
    out += (i + 1 == names.size() ? " or " : ", ") + std::string(names[i]);
  }
  return out + ", or ";
}

// The target's part of the check: O_DIRECT alignment to the device, and a region per job.
Status CheckTargetFits(const PhaseSpec& spec, const PreparedTarget& t) {
  if (spec.direct && spec.block_size_bytes % t.logical_block_size() != 0) {
    return Status::InvalidArgument(
        "phase '" + spec.name + "': O_DIRECT needs block_size to be a multiple of the device's " +
        "logical block size (" + std::to_string(t.logical_block_size()) + " bytes), not " +
        std::to_string(spec.block_size_bytes));
  }
  if (t.jobs().size() < spec.jobs) {
    return Status::Internal("target laid out for " + std::to_string(t.jobs().size()) +
                            " jobs, phase needs " + std::to_string(spec.jobs));
  }
  for (uint32_t j = 0; j < spec.jobs; ++j) {
    if (t.jobs()[j].size_bytes < spec.block_size_bytes) {
      return Status::InvalidArgument("phase '" + spec.name + "': block_size " +
                                     std::to_string(spec.block_size_bytes) +
                                     " is larger than the job's region of " +
                                     std::to_string(t.jobs()[j].size_bytes) + " bytes");
    }
  }
  return Status::Ok();
}

// "0-3,6" for the CPUs set in `set` (of `size` bytes).
std::string FormatCpuSet(const cpu_set_t* set, size_t size) {
  std::string out;
  for (int c = 0; c < kMaxCpu; ++c) {
    if (!CPU_ISSET_S(c, size, set)) continue;
    int last = c;
    while (last + 1 < kMaxCpu && CPU_ISSET_S(last + 1, size, set)) ++last;
    if (!out.empty()) out += ',';
    out += last == c ? std::to_string(c) : std::to_string(c) + "-" + std::to_string(last);
    c = last;
  }
  return out.empty() ? "none" : out;
}

Status CheckCpus(const PhaseSpec& spec) {
  Result<std::vector<int>> cpus = ParseCpuList(spec.cpus);
  if (!cpus.ok()) return cpus.status().WithContext("phase '" + spec.name + "'");
  if (cpus->empty()) return Status::Ok();
  const size_t size = CPU_ALLOC_SIZE(kMaxCpu);
  std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> allowed(CPU_ALLOC(kMaxCpu),
                                                           [](cpu_set_t* p) { CPU_FREE(p); });
  if (allowed == nullptr) return Status::IoError("CPU_ALLOC: out of memory");
  CPU_ZERO_S(size, allowed.get());
  if (::sched_getaffinity(0, size, allowed.get()) != 0) {
    return ErrnoStatus("sched_getaffinity", "cpus", errno);
  }
  for (int c : *cpus) {
    if (!CPU_ISSET_S(c, size, allowed.get())) {
      return Status::InvalidArgument(
          "phase '" + spec.name + "': cpus \"" + spec.cpus + "\" names CPU " + std::to_string(c) +
          ", which durabench may not run on here (available: " + FormatCpuSet(allowed.get(), size) +
          ")");
    }
  }
  return Status::Ok();
}

// The kernel's limit on threads, system-wide (0: unknown).
uint64_t ThreadsMax() {
  std::ifstream in("/proc/sys/kernel/threads-max");
  uint64_t n = 0;
  return in >> n ? n : 0;
}

Status CheckJobs(const PhaseSpec& spec) {
  const std::string what = "phase '" + spec.name + "': " + std::to_string(spec.jobs) + " jobs";
  // RLIMIT_NPROC counts every process and thread of the user, this one's main thread included;
  // the kernel does not apply it to root.
  struct rlimit rl;
  if (::getuid() != 0 && ::getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      spec.jobs >= rl.rlim_cur) {
    return Status::InvalidArgument(what + " need as many threads, but this user may run at most " +
                                   std::to_string(rl.rlim_cur) +
                                   " processes and threads (ulimit -u); lower --jobs or raise "
                                   "the limit");
  }
  const uint64_t threads_max = ThreadsMax();
  if (threads_max != 0 && spec.jobs >= threads_max) {
    return Status::InvalidArgument(what + " need as many threads, but the kernel allows " +
                                   std::to_string(threads_max) + " in all (kernel.threads-max)");
  }
  return Status::Ok();
}

// Stops and joins the job threads still running when RunPhase returns early (a thread that could
// not be started, an exception): they are released into an aborted phase, so they do no I/O.
struct JoinJobsOnExit {
  PhaseControl* control;
  std::vector<std::thread>* threads;
  ~JoinJobsOnExit() {
    control->abort.store(true, std::memory_order_relaxed);
    if (control->start_ns.load(std::memory_order_acquire) == 0) {
      control->start_ns.store(NowNs(), std::memory_order_release);
      control->start_ns.notify_all();
    }
    for (std::thread& t : *threads) {
      if (t.joinable()) t.join();
    }
  }
};

}  // namespace

uint64_t DefaultIntervalNs(const PhaseSpec& spec) {
  return (spec.runtime_ns != 0 && spec.runtime_ns < kShortRunNs) || !spec.faults.empty()
             ? kShortRunIntervalNs
             : kDefaultIntervalNs;
}

Status CheckPhaseRunnable(const PhaseSpec& spec, const RunOptions& options) {
  if (options.interval_ns < kMinIntervalNs) {
    return Status::InvalidArgument("--interval " + FormatDurationNs(options.interval_ns) +
                                   " is shorter than the minimum of " +
                                   FormatDurationNs(kMinIntervalNs));
  }
  const uint64_t total_ns = spec.ramp_ns + spec.runtime_ns;
  if (spec.runtime_ns != 0 && total_ns / options.interval_ns > kMaxIntervalsPerPhase) {
    return Status::InvalidArgument(
        "phase '" + spec.name + "': --interval " + FormatDurationNs(options.interval_ns) +
        " over " + FormatDurationNs(total_ns) + " makes " +
        std::to_string(total_ns / options.interval_ns) + " intervals; at most " +
        std::to_string(kMaxIntervalsPerPhase) + " (choose a longer interval)");
  }
  DURABENCH_RETURN_IF_ERROR(CheckJobs(spec));
  return CheckCpus(spec);
}

Status CheckEngineCaps(const PhaseSpec& spec, const EngineInfo& engine,
                       const std::vector<const EngineInfo*>& alternatives) {
  if (CapsFit(engine.caps, spec)) return Status::Ok();
  const EngineCaps& caps = engine.caps;
  const std::string where = "phase '" + spec.name + "': engine " + std::string(engine.name);
  const std::string fix = EngineFix(spec, engine, alternatives);
  if (spec.iodepth > caps.max_iodepth) {
    const std::string limit =
        caps.max_iodepth == 1
            ? " runs one request at a time"
            : " runs at most " + std::to_string(caps.max_iodepth) + " requests at a time";
    return Status::InvalidArgument(where + limit + " (iodepth " + std::to_string(spec.iodepth) +
                                   " asked); " + fix + "--iodepth " +
                                   std::to_string(caps.max_iodepth));
  }
  if (!caps.SupportsSync(spec.sync)) {
    std::vector<std::string_view> methods;
    for (int i = 0; i < kSyncMethodCount; ++i) {
      if (caps.SupportsSync(static_cast<SyncMethod>(i))) {
        methods.push_back(SyncMethodName(static_cast<SyncMethod>(i)));
      }
    }
    return Status::InvalidArgument(where + " does not implement sync method " +
                                   std::string(SyncMethodName(spec.sync)) + "; " + fix +
                                   "--sync one of " + JoinStrings(methods));
  }
  if (spec.direct && !caps.supports_direct) {
    return Status::InvalidArgument(where + " cannot open files with O_DIRECT (direct = true " +
                                   "asked); " + fix + "--no-direct");
  }
  if (!spec.direct && caps.requires_direct) {
    return Status::InvalidArgument(where + " needs O_DIRECT (direct = false asked; without it " +
                                   "its submissions block and nothing is asynchronous); " + fix +
                                   "--direct");
  }
  return Status::InvalidArgument(where + " has no submission-queue polling (sqpoll asked); " + fix +
                                 "--no-sqpoll");
}

Result<PhaseResult> RunPhase(const PhaseSpec& spec, const PreparedTarget& target,
                             const RunOptions& options, size_t phase_index, size_t phase_count) {
  Result<const EngineInfo*> engine = FindEngine(spec.engine);
  if (!engine.ok()) return engine.status().WithContext("phase '" + spec.name + "'");
  // The session checked this before the target was laid out, with the engines to suggest.
  DURABENCH_RETURN_IF_ERROR(CheckEngineCaps(spec, **engine, {}));
  DURABENCH_RETURN_IF_ERROR(CheckTargetFits(spec, target));
  DURABENCH_RETURN_IF_ERROR(CheckPhaseRunnable(spec, options));

  Result<std::vector<int>> cpus = ParseCpuList(spec.cpus);
  if (!cpus.ok()) return cpus.status().WithContext("phase '" + spec.name + "'");
  std::vector<std::unique_ptr<Job>> jobs;
  for (uint32_t j = 0; j < spec.jobs; ++j) {
    const int cpu = cpus->empty() ? -1 : (*cpus)[j % cpus->size()];
    jobs.push_back(
        std::make_unique<Job>(spec, target.jobs()[j], (*engine)->create(), options.seed + j, cpu));
    if (options.audit)
      jobs.back()->AttachAudit(static_cast<uint32_t>(phase_index), j, options.audit);
    Status st = jobs.back()->Prepare();
    if (!st.ok()) return st.WithContext("phase '" + spec.name + "'");
  }

  // Shared with the job threads by ownership: a job stuck past the op timeout is left behind
  // and may wake up after this function returned.
  auto control = std::make_shared<PhaseControl>();
  control->user_stop = options.stop;
  auto series = std::make_shared<TimeSeries>(options.interval_ns, jobs.size());
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  JoinJobsOnExit join_on_exit{control.get(), &threads};
  for (size_t j = 0; j < jobs.size(); ++j) {
    try {
      threads.emplace_back([control, series, &options, job = jobs[j].get(), j] {
        job->Run(control.get(), options.interval_ns, series.get(), j);
      });
    } catch (const std::system_error& e) {
      return Status::IoError("phase '" + spec.name + "': cannot start the thread of job " +
                             std::to_string(j) + " of " + std::to_string(jobs.size()) + ": " +
                             e.code().message() +
                             " (limits: ulimit -u, kernel.threads-max, the cgroup's pids.max)");
    }
  }
  const uint64_t start_ns = NowNs() + kStartDelayNs;
  FaultTimeline faults(spec.faults, [&jobs] {
    uint32_t n = 0;
    for (const auto& job : jobs) n += job->shared().inflight.load(std::memory_order_relaxed);
    return n;
  });
  if (Status st = faults.Start(start_ns); !st.ok())
    return st.WithContext("phase '" + spec.name + "'");
  control->start_ns.store(start_ns, std::memory_order_release);
  control->start_ns.notify_all();
  // A phase with faults waits out stalls as long as it runs: a stall is what it measures.
  const uint64_t op_timeout_ns =
      spec.faults.empty() || options.op_timeout_ns == 0
          ? options.op_timeout_ns
          : std::max(options.op_timeout_ns, spec.ramp_ns + spec.runtime_ns);

  // Progress: poll the jobs' shared counters until every job has finished.
  ProgressSnapshot snap;
  snap.phase_name = spec.name;
  snap.phase_index = phase_index;
  snap.phase_count = phase_count;
  snap.total_ns = spec.runtime_ns ? spec.ramp_ns + spec.runtime_ns : 0;
  snap.p99_kind = !PatternWrites(spec.pattern)     ? "read"
                  : spec.sync == SyncMethod::kNone ? "write"
                                                   : "commit";
  uint64_t next_report = start_ns + options.progress_period_ns;
  uint64_t last_report_ns = start_ns + spec.ramp_ns;
  uint64_t last_ops = 0;
  std::string timeout_error;
  uint64_t timeout_at_ns = 0;
  while (control->jobs_finished.load(std::memory_order_acquire) < jobs.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const uint64_t now = NowNs();
    if (op_timeout_ns != 0 && timeout_error.empty()) {
      timeout_error = FindTimedOutJob(jobs, now, op_timeout_ns);
      if (!timeout_error.empty()) {
        control->abort.store(true, std::memory_order_relaxed);
        timeout_at_ns = now;
      }
    }
    if (timeout_at_ns != 0 && now - timeout_at_ns > kAbandonAfterNs) break;
    if (options.end_early && !control->end_early.load(std::memory_order_relaxed) &&
        options.end_early()) {
      control->end_early.store(true, std::memory_order_relaxed);
    }
    if (!options.progress || now < next_report) continue;
    next_report = now + options.progress_period_ns;
    snap.elapsed_ns = now > start_ns ? now - start_ns : 0;
    snap.ramping = snap.elapsed_ns < spec.ramp_ns;
    snap.ops = 0;
    snap.p99_ns = 0;
    for (auto& job : jobs) {
      snap.ops += job->shared().ops.load(std::memory_order_relaxed);
      snap.p99_ns = std::max(snap.p99_ns, job->shared().p99_ns.load(std::memory_order_relaxed));
    }
    // IOPS over the time since the previous snapshot, counting from the end of the ramp.
    const uint64_t since = std::max(last_report_ns, start_ns + spec.ramp_ns);
    snap.iops =
        !snap.ramping && now > since && snap.ops >= last_ops
            ? static_cast<double>(snap.ops - last_ops) * 1e9 / static_cast<double>(now - since)
            : 0.0;
    last_report_ns = now;
    last_ops = snap.ops;
    options.progress(snap);
  }
  const uint64_t phase_end_ns = NowNs();
  // The undos still due run now, whatever ended the phase.
  std::vector<FaultRun> fault_runs = faults.Finish();
  std::vector<bool> left_behind(jobs.size(), false);
  uint32_t abandoned = 0;
  // Jobs left behind are never destroyed: their threads still use them (freed at exit).
  struct LeaveJobs {
    std::vector<std::unique_ptr<Job>>* jobs;
    const std::vector<bool>* left;
    ~LeaveJobs() {
      // Kept reachable (never freed): leak checkers then see it is on purpose.
      static auto* kept = new std::vector<std::unique_ptr<Job>>();
      for (size_t j = 0; j < jobs->size(); ++j) {
        if ((*left)[j]) kept->push_back(std::move((*jobs)[j]));
      }
    }
  } leave_jobs{&jobs, &left_behind};
  if (control->jobs_finished.load(std::memory_order_acquire) < jobs.size()) {
    // Jobs still inside the engine after the grace period: tell them to leave when they come
    // back, give one that was just returning time to publish, then leave them behind.
    control->abandoned.store(true, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (size_t j = 0; j < jobs.size(); ++j) {
      if (jobs[j]->shared().finished.load(std::memory_order_acquire)) {
        threads[j].join();
      } else {
        // Parked in the engine: what it recorded so far is read below; it records no more.
        // The acquire pairs with the job's release before its engine call (JobShared).
        jobs[j]->shared().engine_calls.load(std::memory_order_acquire);
        threads[j].detach();
        left_behind[j] = true;
        ++abandoned;
      }
    }
  } else {
    for (auto& t : threads) t.join();
  }

  PhaseResult result;
  result.spec = spec;
  result.interval_ns = options.interval_ns;
  result.interrupted = options.stop && options.stop->load();
  result.stonewalled = control->end_early.load(std::memory_order_relaxed);
  result.timed_out = !timeout_error.empty();
  result.abandoned_jobs = abandoned;
  if (result.timed_out) {
    result.errors.push_back(timeout_error);
    result.status = Status::IoError(timeout_error);
  }
  const uint64_t measure_start = start_ns + spec.ramp_ns;
  uint64_t end_ns = measure_start;
  uint64_t inflight_sum = 0, submissions = 0;
  for (auto& job : jobs) {
    const Recorder& rec = job->recorder();
    for (int k = 0; k < kOpKindCount; ++k) {
      const auto kind = static_cast<OpKind>(k);
      Status st = result.ops[k].histogram.Merge(rec.histogram(kind));
      if (st.ok()) st = result.ops[k].corrected.Merge(rec.corrected(kind));
      if (!st.ok()) return st;
      result.ops[k].bytes += rec.bytes(kind);
      result.ops[k].errors += rec.errors(kind);
    }
    const QueueStats& q = job->queue_stats();
    result.queue.max_inflight = std::max(result.queue.max_inflight, q.max_inflight);
    result.queue.ordering_violations += q.ordering_violations;
    inflight_sum += q.inflight_sum;
    submissions += q.submissions;
    end_ns = std::max(end_ns, job->last_end_ns());
    if (!job->error().empty() && !result.timed_out) {
      result.errors.push_back(job->error());
      if (result.status.ok()) {
        Status st = ErrnoStatus("", "", job->error_errno());
        result.status = st.code() == Status::Code::kNotSupported
                            ? Status::NotSupported(job->error())
                            : Status::IoError(job->error());
      }
    }
  }
  result.measured_ns = end_ns - measure_start;
  result.queue.mean_inflight =
      submissions ? static_cast<double>(inflight_sum) / static_cast<double>(submissions) : 0.0;
  result.time_series = series->Summaries();
  if (!fault_runs.empty()) {
    std::vector<std::vector<QuietPeriod>> quiet;
    const uint64_t end = phase_end_ns - start_ns;
    // From a job's last completion to the phase's end is a stall only when requests were still
    // stuck at the end (the op timeout or an interrupt ended the phase); after a phase that ran
    // its course it is the jobs winding down, which an undo run near the end once took for its
    // stall, with "no completion after it".
    const bool stuck_at_end = result.timed_out || result.interrupted;
    for (const auto& job : jobs) {
      quiet.push_back(job->quiet());
      const uint64_t last = job->last_completion_ns() - start_ns;
      if (stuck_at_end && end > last && end - last >= kQuietFloorNs) {
        quiet.back().push_back({last, end});
      }
    }
    result.faults = std::move(fault_runs);
    ComputeChaos(QuietInAll(quiet), result.time_series, options.interval_ns, spec.ramp_ns, end,
                 &result.faults, &result.chaos);
    for (const OpStats& op : result.ops) {
      result.chaos.worst_latency_ns = std::max(result.chaos.worst_latency_ns, op.histogram.max());
    }
    for (const auto& job : jobs) {
      if (job->error().empty()) continue;
      const OpKind kind = job->error_kind();
      const uint64_t count = std::max<uint64_t>(1, job->recorder().errors(kind));
      auto it = std::find_if(result.chaos.failed.begin(), result.chaos.failed.end(),
                             [&](const FailedOps& f) {
                               return f.kind == kind && f.error_number == job->error_errno();
                             });
      if (it == result.chaos.failed.end()) {
        result.chaos.failed.push_back({kind, job->error_errno(), count});
      } else {
        it->count += count;
      }
    }
  }

  return result;
}

}  // namespace durabench
