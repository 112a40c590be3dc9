// `durabench compare --breakdown`: what a replicated store adds to the latency of a durable
// write, and where it comes from. From a result on a local device (the baseline) and results on
// a backend with few and with many replicas, per phase and percentile:
//
//   local | + overhead (low replicas - local) | + replication (high - low replicas) | = total
//
// where "low" and "high" are the smallest and largest replica count present for one access path
// (typically 1 and 3), and the total is the high-replica result's own value, so the three steps
// add up to it exactly. The overhead is what the client, daemon and network add with a single
// copy; the replication step is what the further copies add.
//
// Each step is a difference of percentiles, not a percentile of differences: "+80us at p99" says
// how much the 99th percentile grew, not that 1 % of writes spent 80 us replicating. Steps are
// signed and never clamped (loopback on one host can make a path faster than the local device
// at some percentile).
//
// Roles come from the facts each result carries, unless overridden:
//  - replicated: probe.replication.replica_count is known. Grouped by access path: the native
//    engine when a phase ran one (rados, rbd, gfapi: anything but the kernel-interface engines
//    psync, io_uring, libaio, null and fio's sync/psync/... family), else probe.backend_kind
//    ("ceph-fuse", "glusterfs-fuse"; "krbd" for a kernel-mapped RBD image, backend kind "rbd");
//  - local: no replication facts, a local backend kind (local-block, tmpfs, ramfs, overlay, loop,
//    zram) and a kernel-interface engine. Exactly one input may be local.
// Anything else (a network backend whose replica count is unknown, a fio result) is refused,
// naming the input and the override that would place it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/metric.h"
#include "result/json.h"
#include "result/run_result.h"
#include "util/status.h"

namespace durabench {

// Phase keys (spec/phase_keys.h table names) in which the phases of one name may differ between
// the inputs of a breakdown: how the I/O is issued and how long or large the run is, not what is
// measured (a URI target runs its native engine; a replicated backend may be run shorter).
inline constexpr std::string_view kBreakdownIgnoredKeys[] = {"engine", "size", "runtime", "ramp",
                                                             "ops",    "fill", "cpus",    "sqpoll"};

struct BreakdownInput {
  std::string label;                  // compare/compare.h ResultLabel, unique among the inputs
  const RunResult* result = nullptr;  // not owned; outlives the Breakdown call
  // Overrides of the role the facts give (`--local FILE`, `--replicas N=FILE`); at most one.
  bool force_local = false;
  std::optional<int> replicas;  // >= 1: replicated with this many copies
};

struct BreakdownOptions {
  // "" (default): the durable write, `commit` where the phase has commits, else `write` (with
  // O_SYNC/O_DSYNC the write is itself durable). Otherwise "write", "flush" or "commit".
  std::string kind;
  // Latency statistics, in column order; empty: DefaultBreakdownStats(). Percentiles, max or
  // mean (MetricStat other than kIops and kBytesPerS).
  std::vector<MetricStat> stats;
};

// p50, p90, p99, p99.9, max.
std::vector<MetricStat> DefaultBreakdownStats();

// Parses "p50,p99,p99.9,max" (also "50,99"; "mean"); InvalidArgument naming the bad item.
Result<std::vector<MetricStat>> ParseBreakdownStats(const std::string& text);

// One input's part in the breakdown.
struct BreakdownRole {
  std::string role;         // "local", "replicated", or "unused" (a middle replica count)
  std::string access_path;  // replicated and unused: the group; "" for local
  int replicas = 0;         // replicated and unused: copies; 0 for local
  std::string source;       // "facts" or the override flag: "--local", "--replicas"
};

// A value of each of the three results, for one statistic of one phase; nullopt where the
// result lacks the phase or the op kind. Steps are computed where both sides have a value.
struct BreakdownValues {
  std::optional<double> local, low, high;     // ns (latency rows) or 1/s (iops)
  std::optional<double> overhead() const;     // low - local
  std::optional<double> replication() const;  // high - low
  std::optional<double> total() const;        // high, or low when the group has one count
};

struct BreakdownPhase {
  std::string phase;
  // The op kind each result's values come from ("commit", "write", ...; "" when absent).
  std::string local_kind, low_kind, high_kind;
  std::vector<BreakdownValues> latency_ns;  // one per BreakdownOptions::stats
  BreakdownValues iops;                     // the phase's reads + writes per second
};

struct BreakdownGroup {
  std::string access_path;
  size_t low_input = 0;              // index into Breakdown::labels
  std::optional<size_t> high_input;  // absent: only one replica count for this path
  int low_replicas = 0, high_replicas = 0;
  std::vector<BreakdownPhase> phases;  // the local baseline's phase order
};

struct Breakdown {
  std::vector<std::string> labels;
  std::vector<BreakdownRole> roles;  // one per input
  size_t local_input = 0;
  std::string kind;  // as requested: "" (durable), "write", "flush", "commit"
  std::vector<MetricStat> stats;
  std::vector<BreakdownGroup> groups;  // in order of each group's first input
  std::vector<std::string> notes;      // ignored inputs, phases missing somewhere, mixed kinds
};

// The access path of a result: its native engine, else its backend kind (see above).
std::string AccessPath(const RunResult& r);

// Builds the breakdown. InvalidArgument (exit 2) when the roles cannot be assigned (no local
// baseline or several, a network backend without a replica count, two results for the same
// path and replica count, a bad override), when no replicated input is left, when `options`
// is invalid, or when a phase of the same name was run with different specs by two inputs
// (a key not in kBreakdownIgnoredKeys: block size, pattern, sync method, iodepth, jobs, direct,
// fsync_every, rate, data; compared by compare/work_diff.h DiffPhaseSpecs). The message names
// both inputs, the phase and the differing keys ("block_size 4KiB vs 8KiB").
Result<Breakdown> BuildBreakdown(const std::vector<BreakdownInput>& inputs,
                                 const BreakdownOptions& options);

// Renderings: an aligned text table per group and phase, the same as Markdown, and JSON
// (docs/compare.md, "Replication breakdown", lists the keys).
std::string BreakdownText(const Breakdown& b);
std::string BreakdownMarkdown(const Breakdown& b);
Json BreakdownToJson(const Breakdown& b);

}  // namespace durabench
