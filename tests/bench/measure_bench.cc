// Micro-benchmarks of the measurement hot path: what durabench adds to every operation.
//
//   BM_HistogramRecord  one Histogram::Record of a random latency (target: <= ~5 ns)
//   BM_NowNs            one clock read (CLOCK_MONOTONIC through the vDSO)
//   BM_RecorderRecord   the bookkeeping of one durable write: Record(write) + Record(commit),
//                       including the amortised cost of closing 1 s intervals
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "measure/clock.h"
#include "measure/histogram.h"
#include "measure/recorder.h"

namespace durabench {
namespace {

constexpr size_t kValueCount = 1 << 16;  // a power of two: index by mask

// Latencies log-uniform from 1 us to 100 ms, so records spread over ~2000 buckets and the branch
// predictor cannot learn the bucket; precomputed so the generator is not measured.
std::vector<uint64_t> RandomLatencies() {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> exponent(3.0, 8.0);
  std::vector<uint64_t> values(kValueCount);
  for (auto& v : values) v = static_cast<uint64_t>(std::pow(10.0, exponent(rng)));
  return values;
}

void BM_HistogramRecord(benchmark::State& state) {
  const std::vector<uint64_t> values = RandomLatencies();
  Histogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i++ & (kValueCount - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HistogramRecord);

void BM_NowNs(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(NowNs());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_NowNs);

void BM_RecorderRecord(benchmark::State& state) {
  const std::vector<uint64_t> values = RandomLatencies();
  constexpr uint64_t kIntervalNs = 1'000'000'000;
  constexpr uint64_t kOpSpacingNs = 20'000;  // 50k ops per interval: a fast fsync device
  Recorder recorder(0, kIntervalNs);
  uint64_t end_ns = 0;
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t write_ns = values[i++ & (kValueCount - 1)];
    end_ns += kOpSpacingNs;
    recorder.Record(OpKind::kWrite, write_ns, 4096, end_ns);
    recorder.Record(OpKind::kCommit, write_ns + values[i & (kValueCount - 1)], 4096, end_ns);
  }
  recorder.Finish();
  benchmark::DoNotOptimize(recorder.intervals().size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_RecorderRecord);

}  // namespace
}  // namespace durabench

BENCHMARK_MAIN();
