// Synthetic PhaseResults with known latencies, for the analysis tests.
#pragma once

#include <string>

#include "workload/runner.h"

namespace durabench::testing {

// A write phase `name` with `sync`; every op kind gets `n` samples around the given p50 (10 %
// spread, so p99 is about 1.1x p50). A 0 latency leaves that kind empty.
inline PhaseResult MakePhase(const std::string& name, SyncMethod sync, uint64_t write_ns,
                             uint64_t flush_ns, uint64_t commit_ns, uint64_t n = 1000) {
  PhaseResult p;
  p.spec.name = name;
  p.spec.pattern = Pattern::kRandWrite;
  p.spec.direct = true;
  p.spec.sync = sync;
  p.measured_ns = 1'000'000'000;
  p.interval_ns = 1'000'000'000;
  auto fill = [n](Histogram* h, uint64_t center) {
    if (center == 0) return;
    for (uint64_t i = 0; i < n; ++i) h->Record(center - center / 20 + center * (i % 11) / 100);
  };
  fill(&p.ops[static_cast<int>(OpKind::kWrite)].histogram, write_ns);
  fill(&p.ops[static_cast<int>(OpKind::kFlush)].histogram, flush_ns);
  fill(&p.ops[static_cast<int>(OpKind::kCommit)].histogram, commit_ns);
  p.ops[static_cast<int>(OpKind::kWrite)].bytes = n * 4096;
  return p;
}

}  // namespace durabench::testing
