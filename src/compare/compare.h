// `durabench compare`: results side by side, each against the first (the reference), with the
// facts that differ between them (device, write cache, filesystem, backend, host) and the work
// that differs (block size, sync method, iodepth, ... of a phase of the same name; see
// compare/work_diff.h) listed first, so that "why is B slower" is answered on one screen.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "compare/work_diff.h"
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
  // Every phase key that differs between inputs that ran a phase of the same name (DiffWork).
  std::vector<WorkDiff> differing_work;
  std::vector<CompareRow> rows;  // phases in first-seen order, op kinds read/write/flush/commit
  // Lines for the user that are not part of the comparison: "the inputs share no phase name"
  // when no phase was run by two inputs. The renderings below leave them out (the command
  // prints them on stderr, so that text, Markdown and JSON on stdout stay the comparison).
  std::vector<std::string> warnings;
};

// The facts compared between inputs, in display order: (name, value).
std::vector<std::pair<std::string, std::string>> DescribeFacts(const RunResult& r);

Comparison Compare(const std::vector<CompareInput>& inputs);

// Renderings. Every non-reference value carries its change against the reference: absolute and
// relative ("+2.90us +23.6%"); "-" where one side has no value. The work that differs is a
// block of its own ("work that differs:", one line per phase and key, WorkDiffText), left out
// when there is none; in JSON it is `differing_work`, present only when not empty.
std::string ComparisonText(const Comparison& c);
std::string ComparisonMarkdown(const Comparison& c);
Json ComparisonToJson(const Comparison& c);
// One line per phase, op kind and input: phase, op, input (its index; 0 is the reference),
// label, count, iops, p50_ns, p99_ns, p99.9_ns, max_ns, and the change of iops and of p99
// against the reference in percent (empty for the reference and where either value is missing
// or the reference's is 0). An input without the phase or op kind has no line.
std::string ComparisonCsv(const Comparison& c);

// "+2.90us +23.6%" for latencies, "-512 -12.5%" for iops; "=" when equal.
std::string ChangeText(double reference, double value, bool latency);

// A label for a result read from `file`: "file (target.path, backend)".
std::string ResultLabel(const std::string& file, const RunResult& r);

}  // namespace durabench
