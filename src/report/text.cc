#include "report/text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "result/json.h"
#include "util/csv.h"
#include "util/errno_status.h"
#include "util/units.h"

namespace durabench {

std::string DescribePhase(const PhaseSpec& s) {
  std::string out = fmt::format("{} {}", s.engine, PatternName(s.pattern));
  if (s.pattern == Pattern::kRandRW) out += fmt::format(" {}% reads", s.read_percent);
  out += fmt::format(" {} qd{} {} job{}", FormatSizeBytes(s.block_size_bytes), s.iodepth, s.jobs,
                     s.jobs == 1 ? "" : "s");
  if (s.direct) out += " direct";
  if (PatternWrites(s.pattern)) {
    out += fmt::format(" sync={}", SyncMethodName(s.sync));
    if (SyncUsesFlushCall(s.sync) && s.fsync_every > 1) out += fmt::format("/{}", s.fsync_every);
  }
  if (s.rate_iops) out += fmt::format(" rate={}/s", s.rate_iops);
  return out;
}

namespace {

// Whether `count` samples support percentile `p`: at least one sample lies above it. With
// fewer, "p99.99" is only the largest sample under another name.
bool Supported(uint64_t count, double p) {
  return static_cast<double>(count) * (100.0 - p) / 100.0 >= 1.0;
}

// One row of the latency table: the label, the count, the percentiles (a "-" where the count
// does not support one) and the max. Sets *unsupported when it printed a "-".
std::string LatencyRow(const std::string& label, const Histogram& h, bool* unsupported) {
  std::string out = fmt::format("  {:<7} {:>10}", label, h.count());
  for (const PercentileKey& pk : kReportedPercentiles) {
    const bool ok = Supported(h.count(), pk.p);
    *unsupported |= !ok;
    out += fmt::format(" {:>9}", ok ? FormatDurationNs(h.Percentile(pk.p)) : "-");
  }
  out += fmt::format(" {:>9}", FormatDurationNs(h.max()));
  return out;
}

// "p99.9 needs 1000 samples, p99.99 10000": the percentiles the table leaves out for `count`.
std::string UnsupportedNote(uint64_t count) {
  std::string out;
  for (const PercentileKey& pk : kReportedPercentiles) {
    if (Supported(count, pk.p)) continue;
    out += fmt::format("{}p{} needs {}", out.empty() ? "" : ", ", pk.key,
                       static_cast<uint64_t>(std::ceil(100.0 / (100.0 - pk.p) - 1e-9)));
  }
  return out;
}

std::string OptionalDuration(const std::optional<uint64_t>& ns, const char* none) {
  return ns ? FormatDurationNs(*ns) : std::string(none);
}

// The command as one line of at most `width` characters.
std::string ShortCommand(std::string text, size_t width) {
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

// The faults' table and the chaos line (docs/chaos.md, "In the summary").
std::string FormatFaults(const PhaseResult& phase) {
  std::string out =
      "  faults (from the phase start; stall, first completion and recovery from each command's "
      "start):\n";
  out += fmt::format("    {:<8} {:<30} {:>5} {:>8} {:>6} {:>9} {:>9} {:>9}\n", "at", "command",
                     "exit", "took", "flight", "stall", "first", "recovery");
  const auto row = [&](const char* tag, const std::string& command, const FaultCommandRun& c) {
    if (!c.ran) {
      out += fmt::format("    {:<8} {:<30} not run (the phase ended first)\n", "-",
                         ShortCommand(tag + command, 30));
      return;
    }
    out += fmt::format(
        "    {:<8} {:<30} {:>5} {:>8} {:>6} {:>9} {:>9} {:>9}\n", FormatDurationNs(c.started_ns),
        ShortCommand(tag + command, 30), c.exit_code, FormatDurationNs(c.ended_ns - c.started_ns),
        c.inflight, FormatDurationNs(c.stall_ns), OptionalDuration(c.first_completion_ns, "none"),
        OptionalDuration(c.recovery_ns, "no"));
  };
  for (const FaultRun& f : phase.faults) {
    row("", f.spec.run, f.action);
    if (!f.spec.undo.empty()) row("undo: ", f.spec.undo, f.undo);
  }
  const PhaseChaos& c = phase.chaos;
  out += fmt::format("  chaos: longest stall {} at {}; worst latency {}; ",
                     FormatDurationNs(c.longest_stall_ns), FormatDurationNs(c.longest_stall_at_ns),
                     FormatDurationNs(c.worst_latency_ns));
  out += c.baseline_iops > 0 ? fmt::format("{:.0f} IOPS before the first fault", c.baseline_iops)
                             : std::string("no full second measured before the first fault");
  std::string failed;
  for (const FailedOps& f : c.failed) {
    failed += fmt::format("{}{} {} failed with {}", failed.empty() ? "" : ", ", f.count,
                          OpKindName(f.kind), ErrnoName(f.error_number));
  }
  out += "\n  " + (failed.empty() ? std::string("no operation failed") : failed) + "\n";
  const auto warn = [&](const std::string& command, const FaultCommandRun& r) {
    if (!r.ran || r.exit_code == 0) return;
    std::string last = r.output;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    out +=
        fmt::format("  warning: fault command \"{}\" exited with {}{}\n", ShortCommand(command, 60),
                    r.exit_code, last.empty() ? "" : ": " + ShortCommand(last, 60));
  };
  for (const FaultRun& f : phase.faults) {
    warn(f.spec.run, f.action);
    warn(f.spec.undo, f.undo);
  }
  return out;
}

}  // namespace

std::string FormatPhaseSummary(const PhaseResult& phase) {
  std::string out = fmt::format("phase {}: {}\n", phase.spec.name, DescribePhase(phase.spec));
  const double seconds = static_cast<double>(phase.measured_ns) / 1e9;
  out += fmt::format("  {:.0f} IOPS, {:.2f} MB/s over {:.2f} s{}\n", phase.Iops(),
                     phase.BytesPerSecond() / 1e6, seconds,
                     phase.interrupted   ? " (interrupted)"
                     : phase.stonewalled ? " (stonewalled: a rank had finished its work)"
                                         : "");
  const bool open_loop = phase.spec.rate_iops != 0;
  if (open_loop) {
    const double target = static_cast<double>(phase.spec.rate_iops) * phase.spec.jobs;
    const double achieved = phase.Iops();
    out += fmt::format("  open loop: target {:.0f} IOPS ({} per job), achieved {:.0f} ({:.1f} %)",
                       target, phase.spec.rate_iops, achieved, 100.0 * achieved / target);
    if (achieved < kRateMissedFraction * target) {
      out +=
          "\n  warning: the target rate was missed (the target could not keep up); the rows "
          "marked *\n  (latency from each operation's scheduled start) are what a client at "
          "that rate would see";
    }
    out += '\n';
  }
  if (const PhaseVariation v = Variation(phase); v.noisy) {
    out += fmt::format(
        "  noisy: IOPS varied by {:.0f} % (coefficient of variation) over {} intervals of {}; "
        "{} p99 from {} to {} ({:.0f} %)\n  the figures below average over that: see the time "
        "series (report), or run on a quieter host\n",
        v.iops_cv * 100, v.intervals, FormatDurationNs(phase.interval_ns), OpKindName(v.p99_kind),
        FormatDurationNs(v.p99_min_ns), FormatDurationNs(v.p99_max_ns), v.p99_cv * 100);
  }
  out += fmt::format("  {:<7} {:>10}", "op", "count");
  for (const PercentileKey& pk : kReportedPercentiles)
    out += fmt::format(" {:>9}", fmt::format("p{}", pk.key));
  out += fmt::format(" {:>9}\n", "max");
  bool any_corrected = false;
  bool unsupported = false;
  uint64_t fewest = 0;  // the smallest count of a row with a "-"
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpStats& s = phase.ops[k];
    if (s.histogram.count() == 0 && s.errors == 0) continue;
    const std::string name(OpKindName(static_cast<OpKind>(k)));
    for (const Histogram* h : {&s.histogram, &s.corrected}) {
      const bool corrected = h == &s.corrected;
      if (corrected && (!open_loop || h->count() == 0)) continue;
      bool row_unsupported = false;
      out += LatencyRow(corrected ? name + "*" : name, *h, &row_unsupported);
      if (!corrected && s.errors) out += fmt::format("  {} errors", s.errors);
      out += '\n';
      any_corrected |= corrected;
      if (row_unsupported && (!unsupported || h->count() < fewest)) fewest = h->count();
      unsupported |= row_unsupported;
    }
  }
  if (any_corrected) {
    out += "  * from the scheduled start (open loop: corrected for coordinated omission)\n";
  }
  if (unsupported) {
    out += fmt::format("  - too few samples: {} ({} in the smallest row)\n",
                       UnsupportedNote(fewest), fewest);
  }
  if (!phase.faults.empty()) out += FormatFaults(phase);
  for (const std::string& e : phase.errors) out += fmt::format("  error: {}\n", e);
  return out;
}

std::string FormatRunTable(const RunResult& run) {
  if (run.phases.size() < 2) return "";
  // The spec columns: one whose value is the same in every phase is said once, in the title.
  struct Column {
    const char* name;
    size_t width;
    std::string (*value)(const PhaseSpec&);
  };
  static constexpr Column kColumns[] = {
      {"engine", 8, [](const PhaseSpec& s) { return s.engine; }},
      {"sync", 15,
       [](const PhaseSpec& s) {
         return std::string(PatternWrites(s.pattern) ? SyncMethodName(s.sync) : "-");
       }},
      {"bs", 7, [](const PhaseSpec& s) { return FormatSizeBytes(s.block_size_bytes); }},
      {"qd", 4, [](const PhaseSpec& s) { return fmt::format("qd{}", s.iodepth); }},
      {"jobs", 7,
       [](const PhaseSpec& s) { return fmt::format("{} job{}", s.jobs, s.jobs == 1 ? "" : "s"); }},
  };
  std::vector<const Column*> shown;
  std::vector<std::string> same;
  for (const Column& c : kColumns) {
    const std::string first = c.value(run.phases[0].spec);
    bool all = true;
    for (const PhaseResult& p : run.phases) all &= c.value(p.spec) == first;
    if (all) {
      same.push_back(first);
    } else {
      shown.push_back(&c);
    }
  }
  size_t name_width = 5;
  for (const PhaseResult& p : run.phases) name_width = std::max(name_width, p.spec.name.size());
  name_width = std::min<size_t>(name_width, 28);
  std::string out = fmt::format("summary of {} phases{}:\n  {:<{}}", run.phases.size(),
                                same.empty() ? "" : fmt::format(" ({})", fmt::join(same, ", ")),
                                "phase", name_width);
  for (const Column* c : shown) out += fmt::format(" {:<{}}", c->name, c->width);
  out += fmt::format(" {:>10} {:<6} {:>9} {:>9} {:>9}\n", "IOPS", "op", "p50", "p99", "max");
  for (const PhaseResult& p : run.phases) {
    OpKind kind = OpKind::kCommit;
    for (OpKind k : {OpKind::kCommit, OpKind::kWrite, OpKind::kRead}) {
      if (p.op(k).histogram.count() != 0) {
        kind = k;
        break;
      }
    }
    const Histogram& h = p.op(kind).histogram;
    const bool any = h.count() != 0;
    out += fmt::format("  {:<{}}", p.spec.name.substr(0, name_width), name_width);
    for (const Column* c : shown) out += fmt::format(" {:<{}}", c->value(p.spec), c->width);
    out += fmt::format(" {:>10.0f} {:<6} {:>9} {:>9} {:>9}\n", p.Iops(),
                       any ? OpKindName(kind) : "-", any ? FormatDurationNs(h.Percentile(50)) : "-",
                       any ? FormatDurationNs(h.Percentile(99)) : "-",
                       any ? FormatDurationNs(h.max()) : "-");
  }
  return out;
}

std::string FormatRunCsv(const RunResult& run) {
  std::vector<std::string> header = {"phase", "op", "latency_from", "count", "iops", "mb_per_s"};
  for (const PercentileKey& pk : kReportedPercentiles)
    header.push_back(fmt::format("p{}_ns", pk.key));
  header.push_back("max_ns");
  header.push_back("errors");
  std::string out = CsvLine(header);
  for (const PhaseResult& phase : run.phases) {
    const double seconds = static_cast<double>(phase.measured_ns) / 1e9;
    for (int k = 0; k < kOpKindCount; ++k) {
      const OpStats& s = phase.ops[k];
      if (s.histogram.count() == 0 && s.errors == 0) continue;
      for (const Histogram* h : {&s.histogram, &s.corrected}) {
        if (h == &s.corrected && (phase.spec.rate_iops == 0 || h->count() == 0)) continue;
        std::vector<std::string> row = {
            phase.spec.name,
            std::string(OpKindName(static_cast<OpKind>(k))),
            h == &s.corrected ? "scheduled" : "submission",
            std::to_string(h->count()),
            fmt::format("{:.1f}", seconds > 0 ? static_cast<double>(h->count()) / seconds : 0),
            fmt::format("{:.3f}", seconds > 0 ? static_cast<double>(s.bytes) / seconds / 1e6 : 0)};
        for (const PercentileKey& pk : kReportedPercentiles) {
          row.push_back(std::to_string(h->Percentile(pk.p)));
        }
        row.push_back(std::to_string(h->max()));
        row.push_back(std::to_string(s.errors));
        out += CsvLine(row);
      }
    }
  }
  return out;
}

}  // namespace durabench
