// `durabench compare`: results side by side, each against the first (the reference), with the
// facts that differ between them (device, write cache, filesystem, backend, host) and the work
// that differs (block size, sync method, iodepth, ... of a phase of the same name; see
// compare/work_diff.h) listed first, so that "why is B slower" is answered on one screen. The
// text fits a 100-column terminal unless asked to be wide.
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
  // The kind's bytes per second of measured time (docs/results.md, ops.<kind>.bytes_per_s);
  // nullopt for flush and commit, which move no data of their own.
  std::optional<double> bytes_per_s;
  std::array<uint64_t, 4> latency_ns{};  // p50, p99, p99.9, max
};
inline constexpr const char* kSummaryColumns[] = {"p50", "p99", "p99.9", "max"};

struct CompareRow {
  std::string phase;
  OpKind kind = OpKind::kWrite;
  std::vector<std::optional<KindSummary>> per_input;  // absent: phase or kind not in that input
};

// What one result measured around a phase's faults (phases[].chaos, docs/chaos.md).
struct ChaosSummary {
  uint64_t stall_ns = 0;                // the phase's longest time without a completion
  std::optional<uint64_t> io_back_ns;   // first fault to the first completion after its stall
  std::optional<uint64_t> recovery_ns;  // first fault to the rate's return; none: never back
  uint64_t failed = 0;                  // failed operations, all kinds and errnos
  uint64_t worst_latency_ns = 0;        // the largest latency of any op kind
};
inline constexpr const char* kChaosColumns[] = {"stall", "I/O back", "recovery", "failed", "worst"};

// A phase that had faults in at least one input.
struct ChaosRow {
  std::string phase;
  std::vector<std::optional<ChaosSummary>> per_input;  // absent: no such phase, or no faults
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
  std::vector<CompareRow> rows;      // phases in first-seen order, op kinds read/write/flush/commit
  std::vector<ChaosRow> chaos_rows;  // phases with faults somewhere, in the same order
  // Lines for the user that are not part of the comparison: "the inputs share no phase name"
  // when no phase was run by two inputs. Each fits a 100-column line after "durabench:
  // warning: ". The text, Markdown and CSV renderings leave them out (the command prints them
  // on stderr, so that stdout stays the comparison); JSON carries them as `warnings`.
  std::vector<std::string> warnings;
};

// The width that the text rendering keeps to unless `wide`: every line at most this many
// columns (characters; a long label, fact or phase name is wrapped).
inline constexpr size_t kCompareTextColumns = 100;

// The facts compared between inputs, in display order: (name, value).
std::vector<std::pair<std::string, std::string>> DescribeFacts(const RunResult& r);

Comparison Compare(const std::vector<CompareInput>& inputs);

// Renderings. Every non-reference value carries its change against the reference: absolute and
// relative ("+2.90us +23.6%"); "-" where one side has no value. The work that differs is a
// block of its own ("work that differs:", per phase the keys that differ and a line per input
// with its values, InputWorkText), left out when there is none; in JSON it is
// `differing_work`, present only when not empty.
//
// A phase with faults (chaos_rows) gets a table of its own after its op kinds' ("PHASE /
// faults": stall, I/O back, recovery, failed, worst; "none" for a time that never came); in
// JSON `chaos_rows`, present only when not empty.
//
// ComparisonText: by default at most kCompareTextColumns columns a line: the changes are
// relative only ("+23.6%") and long lines are wrapped. `wide`: absolute and relative changes,
// nothing wrapped, however wide that makes a line.
std::string ComparisonText(const Comparison& c, bool wide = false);
std::string ComparisonMarkdown(const Comparison& c);
Json ComparisonToJson(const Comparison& c);
// One line per phase, op kind and input: phase, op, input (its index; 0 is the reference),
// label, differing_work (what this input ran of the phase's keys that differ, InputWorkText;
// empty when none differs), count, iops, mb_per_s (10^6 bytes/s; empty for flush and commit),
// p50_ns, p99_ns, p99.9_ns, max_ns, and the change of iops and of p99 against the reference in
// percent (empty for the reference and where either value is missing or the reference's is 0),
// then the phase's stall_ns, io_back_ns and recovery_ns (ChaosSummary; empty in a phase without
// faults or for a time that never came), the same on every line of the phase.
// An input without the phase or op kind has no line.
std::string ComparisonCsv(const Comparison& c);

// "+2.90us +23.6%" for latencies, "-512 -12.5%" for iops; "=" when equal.
std::string ChangeText(double reference, double value, bool latency);
// The relative part alone: "+23.6%"; "=" when equal; "n/a" against a reference of 0.
std::string RelativeChangeText(double reference, double value);

// A label for a result read from `file`: "file (target.path, backend)".
std::string ResultLabel(const std::string& file, const RunResult& r);

}  // namespace durabench
