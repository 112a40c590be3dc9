// The pre-purchase report card (`durabench eval`): the numbers people quote when they ask
// whether a drive will carry a Ceph, etcd or PostgreSQL WAL, read from the phases of
// workloads/drive-eval*.toml by phase name:
//   plp-*          the PLP probe (analysis/plp.h)
//   ceph-wal-*     4 KiB O_DIRECT O_SYNC writes at qd1, one row per phase (jobs differ)
//   etcd           2300 B sequential writes + fdatasync; p99 of the flush against 10 ms
//   postgres*      8 KiB sequential writes, one phase per sync method: commits/s
//   sustained      a long sequential O_DIRECT write; its time series is searched for a cliff
// Every phase also feeds the tail-latency section. A section whose phases are missing is
// reported as not run, never invented.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/cliff.h"
#include "analysis/plp.h"
#include "result/phase_result.h"
#include "result/probe_facts.h"

namespace durabench {

// etcd's hardware guidance: the 99th percentile of WAL fdatasync durations should stay below
// 10 ms (etcd docs, "Hardware recommendations" / wal_fsync_duration_seconds).
inline constexpr uint64_t kEtcdFsyncP99LimitNs = 10'000'000;

// Ceph WAL rating of the single-job 4 KiB sync-write IOPS. In the community's published lists
// of this test (Ceph mailing lists, the Proxmox Ceph benchmark papers), drives with PLP reach
// several thousand to tens of thousands of IOPS, consumer drives without it hundreds to low
// thousands; these bounds split the two.
inline constexpr double kCephWalGoodIops = 5000;
inline constexpr double kCephWalPoorIops = 1000;

// A phase's tail is an outlier when its p99.9 is this many times its p50 and at least
// kTailOutlierMinNs (so a 20 us p99.9 over a 1 us p50 is not news). p99.9, not the max: one
// slow operation in a run (a preempted thread on a busy host) is not a property of the storage,
// one in a thousand is.
inline constexpr double kTailOutlierFactor = 20;
inline constexpr uint64_t kTailOutlierMinNs = 1'000'000;

struct CephWalRow {
  std::string phase;
  uint32_t jobs = 1;
  double iops = 0;
  uint64_t commit_p50_ns = 0, commit_p99_ns = 0;
};

struct EtcdCheck {
  std::string phase;
  uint64_t flush_p99_ns = 0, flush_p50_ns = 0, commit_p99_ns = 0;
  bool pass = false;  // flush p99 < kEtcdFsyncP99LimitNs
};

struct PostgresRow {
  std::string phase;
  std::string sync;             // durabench's name: fdatasync, fsync, odsync, osync, ...
  std::string wal_sync_method;  // PostgreSQL's: fdatasync, fsync, open_datasync, open_sync
  double commits_per_s = 0;
  uint64_t commit_p50_ns = 0, commit_p99_ns = 0;
};

// The wal_sync_method eval names: the fastest, except that PostgreSQL's default on Linux,
// fdatasync, is kept when it is within kWalDefaultMargin of the fastest (a difference that small
// is within a short run's noise, and a changed setting costs a reason in every review).
inline constexpr double kWalDefaultMargin = 0.10;
struct WalSyncChoice {
  std::string method;  // PostgreSQL's name: "fdatasync", "open_datasync", ...
  double commits_per_s = 0;
  std::string fastest;  // the fastest method measured (may be `method`)
  double fastest_commits_per_s = 0;
  bool is_default = false;  // method is fdatasync, PostgreSQL's default on Linux
};

struct SustainedWrite {
  std::string phase;
  uint64_t bytes = 0;
  // The space the phase writes (its size x jobs). A sequential phase that writes more than this
  // wraps around and rewrites it: beyond space_bytes it writes no fresh space, so a cache
  // larger than space_bytes (an SLC cache that absorbs the rewrites) cannot show a cliff.
  uint64_t space_bytes = 0;
  uint64_t measured_ns = 0;
  double mean_bytes_per_s = 0;
  uint64_t interval_ns = 0;
  ThroughputCliff cliff;
};

struct TailRow {
  std::string phase;
  std::string op;  // the op kind judged: commit where there is one, else write or read
  uint64_t p50_ns = 0, p99_ns = 0, p999_ns = 0, p9999_ns = 0, max_ns = 0;
  uint64_t worst_interval_start_ns = 0;  // interval with the largest max, from phase start
  bool outlier = false;
};

struct ReportCard {
  std::optional<PlpAssessment> plp;
  std::string plp_error;  // why there is no verdict, when plp-* phases ran but gave none
  std::vector<CephWalRow> ceph_wal;
  std::string ceph_wal_rating;  // "good", "fair", "poor"; "" when not run
  std::optional<EtcdCheck> etcd;
  std::vector<PostgresRow> postgres;
  std::optional<WalSyncChoice> wal_sync_method;  // from `postgres`; none when no row has one
  std::optional<SustainedWrite> sustained;
  std::vector<TailRow> tail;  // every phase, in run order
};

// Builds the card from whatever phases ran. Pure.
ReportCard BuildReportCard(const std::vector<PhaseResult>& phases, const ProbeResult& probe);

// The op kind a phase is judged by (tail rows, eval's phase lines): the commit if writes were
// made durable, else the write, else the read.
OpKind JudgedKind(const PhaseResult& phase);

// PostgreSQL's wal_sync_method name for a durabench sync method ("" when there is none).
std::string WalSyncMethodName(SyncMethod sync);

}  // namespace durabench
