// `durabench compare`: results side by side, each against the first (the reference), with the
// facts that differ between them (device, write cache, filesystem, backend, host) listed first,
// so that "why is B slower" is answered on one screen.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "measure/recorder.h"
#include "result/json.h"
#include "result/run_result.h"

namespace durabench {

struct CompareInput {
  std::string label;  // "FILE (target, backend)", unique among the inputs
  const RunResult* result = nullptr;
};

// What one result measured for one op kind of one phase.
struct KindSummary {
  uint64_t count = 0;
  double iops = 0;
  std::array<uint64_t, 4> latency_ns{};  // p50, p99, p99.9, max
};
inline constexpr const char* kSummaryColumns[] = {"p50", "p99", "p99.9", "max"};

struct CompareRow {
  std::string phase;
  OpKind kind = OpKind::kWrite;
  std::vector<std::optional<KindSummary>> per_input;  // absent: phase or kind not in that input
};

// A fact that is not the same in every input, with each input's value ("" = none/unknown).
struct FactDiff {
  std::string name;
  std::vector<std::string> values;
};

struct Comparison {
  std::vector<std::string> labels;
  std::vector<FactDiff> differing_facts;
  std::vector<CompareRow> rows;  // phases in first-seen order, op kinds read/write/flush/commit
};

// The facts compared between inputs, in display order: (name, value).
std::vector<std::pair<std::string, std::string>> DescribeFacts(const RunResult& r);

Comparison Compare(const std::vector<CompareInput>& inputs);

// Renderings. Every non-reference value carries its change against the reference: absolute and
// relative ("+2.90us +23.6%"); "-" where one side has no value.
std::string ComparisonText(const Comparison& c);
std::string ComparisonMarkdown(const Comparison& c);
Json ComparisonToJson(const Comparison& c);

// "+2.90us +23.6%" for latencies, "-512 -12.5%" for iops; "=" when equal.
std::string ChangeText(double reference, double value, bool latency);

// A label for a result read from `file`: "file (target.path, backend)".
std::string ResultLabel(const std::string& file, const RunResult& r);

}  // namespace durabench
