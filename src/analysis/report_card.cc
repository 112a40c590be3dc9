#include "analysis/report_card.h"

#include <string_view>

namespace durabench {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

TailRow Tail(const PhaseResult& p) {
  TailRow t;
  const OpKind kind = JudgedKind(p);
  const Histogram& h = p.op(kind).histogram;
  t.phase = p.spec.name;
  t.op = std::string(OpKindName(kind));
  t.p50_ns = h.Percentile(50);
  t.p99_ns = h.Percentile(99);
  t.p999_ns = h.Percentile(99.9);
  t.p9999_ns = h.Percentile(99.99);
  t.max_ns = h.max();
  uint64_t worst = 0;
  for (const IntervalStats& s : p.time_series) {
    const uint64_t m = s.kinds[static_cast<int>(kind)].max_ns;
    if (m > worst) {
      worst = m;
      t.worst_interval_start_ns = s.start_ns;
    }
  }
  t.outlier = h.count() > 0 && t.p999_ns >= kTailOutlierMinNs &&
              static_cast<double>(t.p999_ns) >= kTailOutlierFactor * static_cast<double>(t.p50_ns);
  return t;
}

SustainedWrite Sustained(const PhaseResult& p) {
  SustainedWrite s;
  s.phase = p.spec.name;
  s.bytes = p.op(OpKind::kWrite).bytes;
  s.space_bytes = p.spec.size_bytes * p.spec.jobs;
  s.measured_ns = p.measured_ns;
  s.mean_bytes_per_s = p.BytesPerSecond();
  s.interval_ns = p.interval_ns;
  // Complete intervals only: the last one is cut short by the end of the phase.
  std::vector<uint64_t> bytes;
  for (const IntervalStats& i : p.time_series) {
    if (i.start_ns + p.interval_ns > p.measured_ns) break;
    bytes.push_back(i.kinds[static_cast<int>(OpKind::kWrite)].bytes);
  }
  s.cliff = DetectCliff(bytes, p.interval_ns);
  return s;
}

std::optional<WalSyncChoice> ChooseWalSyncMethod(const std::vector<PostgresRow>& rows) {
  const PostgresRow* fastest = nullptr;
  const PostgresRow* fallback = nullptr;  // PostgreSQL's default
  for (const PostgresRow& r : rows) {
    if (r.wal_sync_method.empty()) continue;
    if (fastest == nullptr || r.commits_per_s > fastest->commits_per_s) fastest = &r;
    if (r.wal_sync_method == "fdatasync") fallback = &r;
  }
  if (fastest == nullptr) return std::nullopt;
  const PostgresRow* pick = fastest;
  if (fallback != nullptr &&
      fallback->commits_per_s >= (1 - kWalDefaultMargin) * fastest->commits_per_s) {
    pick = fallback;
  }
  return WalSyncChoice{pick->wal_sync_method, pick->commits_per_s, fastest->wal_sync_method,
                       fastest->commits_per_s, pick == fallback};
}

}  // namespace

OpKind JudgedKind(const PhaseResult& p) {
  if (p.op(OpKind::kCommit).histogram.count() > 0) return OpKind::kCommit;
  if (p.op(OpKind::kWrite).histogram.count() > 0) return OpKind::kWrite;
  return OpKind::kRead;
}

std::string WalSyncMethodName(SyncMethod sync) {
  switch (sync) {
    case SyncMethod::kFdatasync:
      return "fdatasync";
    case SyncMethod::kFsync:
      return "fsync";
    case SyncMethod::kOdsync:
      return "open_datasync";
    case SyncMethod::kOsync:
      return "open_sync";
    default:
      return "";
  }
}

ReportCard BuildReportCard(const std::vector<PhaseResult>& phases, const ProbeResult& probe) {
  ReportCard card;
  std::vector<PhaseResult> plp;
  for (const PhaseResult& p : phases) {
    const std::string& name = p.spec.name;
    card.tail.push_back(Tail(p));
    if (StartsWith(name, "plp-")) {
      plp.push_back(p);
    } else if (StartsWith(name, "ceph-wal")) {
      const Histogram& c = p.op(OpKind::kCommit).histogram;
      card.ceph_wal.push_back({name, p.spec.jobs, p.Iops(), c.Percentile(50), c.Percentile(99)});
    } else if (name == "etcd") {
      EtcdCheck e;
      e.phase = name;
      e.flush_p50_ns = p.op(OpKind::kFlush).histogram.Percentile(50);
      e.flush_p99_ns = p.op(OpKind::kFlush).histogram.Percentile(99);
      e.commit_p99_ns = p.op(OpKind::kCommit).histogram.Percentile(99);
      e.pass = p.op(OpKind::kFlush).histogram.count() > 0 && e.flush_p99_ns < kEtcdFsyncP99LimitNs;
      card.etcd = e;
    } else if (StartsWith(name, "postgres")) {
      const Histogram& c = p.op(OpKind::kCommit).histogram;
      card.postgres.push_back({name, std::string(SyncMethodName(p.spec.sync)),
                               WalSyncMethodName(p.spec.sync), p.Iops(), c.Percentile(50),
                               c.Percentile(99)});
    } else if (name == "sustained") {
      card.sustained = Sustained(p);
    }
  }
  if (!plp.empty()) {
    Result<PlpAssessment> a = AssessPlp(plp, probe);
    if (a.ok()) {
      card.plp = *a;
    } else {
      card.plp_error = a.status().message();
    }
  }
  card.wal_sync_method = ChooseWalSyncMethod(card.postgres);
  for (const CephWalRow& r : card.ceph_wal) {
    if (r.jobs != 1) continue;
    card.ceph_wal_rating = r.iops >= kCephWalGoodIops   ? "good"
                           : r.iops >= kCephWalPoorIops ? "fair"
                                                        : "poor";
    break;
  }
  return card;
}

}  // namespace durabench
