// Synthetic RunResults for the compare/gate/merge tests: one fdatasync write phase whose commit
// latencies and per-interval statistics are known.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "result/run_result.h"

namespace durabench::testing {

struct RunShape {
  std::string workload = "wal";
  std::string phase = "commit-path";
  uint64_t commit_ns = 100'000;      // every commit sample, +- 10 % spread (p99 ~ 1.1x)
  uint64_t ops_per_interval = 1000;  // writes = flushes = commits per interval
  size_t intervals = 10;             // complete 1 s intervals
  // Per-interval commit p99 values; empty: commit_ns * 1.1 for every interval.
  std::vector<uint64_t> interval_p99_ns;
  std::string backend = "tmpfs";
};

inline RunResult MakeRun(const RunShape& s) {
  RunResult r;
  r.tool_version = "test";
  r.workload.name = s.workload;
  r.target.path = "/scratch";
  r.target.kind = "directory";
  r.probe.backend_kind = s.backend;
  r.probe.filesystem.type = ProbeFact::Known(s.backend);
  PhaseResult p;
  p.spec.name = s.phase;
  p.spec.pattern = Pattern::kRandWrite;
  p.spec.sync = SyncMethod::kFdatasync;
  p.interval_ns = 1'000'000'000;
  p.measured_ns = s.intervals * p.interval_ns;
  const uint64_t n = s.ops_per_interval * s.intervals;
  const uint64_t c = s.commit_ns;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t commit = c - c / 10 + c * (i % 21) / 100;  // 0.9c .. 1.1c
    p.ops[static_cast<int>(OpKind::kCommit)].histogram.Record(commit);
    p.ops[static_cast<int>(OpKind::kFlush)].histogram.Record(commit / 2);
    p.ops[static_cast<int>(OpKind::kWrite)].histogram.Record(commit / 2);
  }
  p.ops[static_cast<int>(OpKind::kWrite)].bytes = n * 4096;
  r.workload.phases.push_back(p.spec);
  for (size_t k = 0; k < s.intervals; ++k) {
    IntervalStats iv;
    iv.index = k;
    iv.start_ns = k * p.interval_ns;
    for (OpKind kind : {OpKind::kWrite, OpKind::kFlush, OpKind::kCommit}) {
      IntervalKindStats& st = iv.kinds[static_cast<int>(kind)];
      st.count = s.ops_per_interval;
      const uint64_t p99 = s.interval_p99_ns.empty() ? c * 11 / 10 : s.interval_p99_ns[k];
      st.p50_ns = kind == OpKind::kCommit ? c : c / 2;
      st.p99_ns = kind == OpKind::kCommit ? p99 : p99 / 2;
      st.p999_ns = st.p99_ns;
      st.max_ns = st.p99_ns;
      if (kind == OpKind::kWrite) st.bytes = s.ops_per_interval * 4096;
    }
    p.time_series.push_back(iv);
  }
  r.phases.push_back(std::move(p));
  return r;
}

// `r` with a fault in its first phase (node power-off at 20 s, started at 50 s) and the stall
// and recovery given; recovery_ns none: the rate never came back.
inline RunResult WithChaos(RunResult r, uint64_t stall_ns, std::optional<uint64_t> recovery_ns) {
  PhaseResult& p = r.phases[0];
  FaultRun f;
  f.spec.at_ns = 20'000'000'000;
  f.spec.run = "lab.sh power-off 2";
  f.action.ran = true;
  f.action.started_ns = f.spec.at_ns;
  f.action.stall_ns = stall_ns;
  f.action.recovery_ns = recovery_ns;
  p.spec.faults.push_back(f.spec);
  p.faults.push_back(f);
  p.chaos.present = true;
  p.chaos.fault_at_ns = f.spec.at_ns;
  p.chaos.longest_stall_ns = stall_ns;
  p.chaos.longest_stall_at_ns = f.spec.at_ns + 1000;
  p.chaos.first_completion_after_fault_ns = stall_ns + 1000;
  p.chaos.recovery_ns = recovery_ns;
  p.chaos.baseline_iops = 1000;
  p.chaos.inflight_at_fault = 1;
  p.chaos.worst_latency_ns = stall_ns;
  r.workload.phases[0] = p.spec;
  return r;
}

}  // namespace durabench::testing
