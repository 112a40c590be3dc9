#include "analysis/report_card_json.h"

#include "analysis/plp_json.h"

namespace durabench {

nlohmann::ordered_json ReportCardToJson(const ReportCard& card) {
  using json = nlohmann::ordered_json;
  json j;
  j["plp"] = card.plp ? PlpToJson(*card.plp) : json();
  if (!card.plp_error.empty()) j["plp_error"] = card.plp_error;

  json ceph = json::array();
  for (const CephWalRow& r : card.ceph_wal) {
    ceph.push_back({{"phase", r.phase},
                    {"jobs", r.jobs},
                    {"iops", r.iops},
                    {"commit_p50_ns", r.commit_p50_ns},
                    {"commit_p99_ns", r.commit_p99_ns}});
  }
  j["ceph_wal"] = card.ceph_wal.empty() ? json()
                                        : json{{"rows", ceph},
                                               {"rating", card.ceph_wal_rating},
                                               {"good_iops", kCephWalGoodIops},
                                               {"poor_iops", kCephWalPoorIops}};

  j["etcd"] = card.etcd ? json{{"phase", card.etcd->phase},
                               {"flush_p50_ns", card.etcd->flush_p50_ns},
                               {"flush_p99_ns", card.etcd->flush_p99_ns},
                               {"commit_p99_ns", card.etcd->commit_p99_ns},
                               {"limit_p99_ns", kEtcdFsyncP99LimitNs},
                               {"pass", card.etcd->pass}}
                        : json();

  json pg = json::array();
  for (const PostgresRow& r : card.postgres) {
    pg.push_back({{"phase", r.phase},
                  {"sync", r.sync},
                  {"wal_sync_method", r.wal_sync_method.empty() ? json() : json(r.wal_sync_method)},
                  {"commits_per_s", r.commits_per_s},
                  {"commit_p50_ns", r.commit_p50_ns},
                  {"commit_p99_ns", r.commit_p99_ns}});
  }
  j["postgres"] = card.postgres.empty() ? json() : pg;
  if (card.wal_sync_method) {
    const WalSyncChoice& w = *card.wal_sync_method;
    j["wal_sync_method"] = {
        {"method", w.method},         {"commits_per_s", w.commits_per_s},
        {"fastest", w.fastest},       {"fastest_commits_per_s", w.fastest_commits_per_s},
        {"is_default", w.is_default}, {"default_margin", kWalDefaultMargin}};
  } else {
    j["wal_sync_method"] = json();
  }

  if (card.sustained) {
    const SustainedWrite& s = *card.sustained;
    json cliff;
    if (s.cliff.found) {
      cliff = {{"at_ns", s.cliff.index * s.interval_ns},
               {"interval_index", s.cliff.index},
               {"bytes_before", s.cliff.bytes_before},
               {"before_bytes_per_s", s.cliff.before_bytes_per_s},
               {"after_bytes_per_s", s.cliff.after_bytes_per_s}};
    }
    j["sustained"] = {{"phase", s.phase},
                      {"bytes", s.bytes},
                      {"space_bytes", s.space_bytes},
                      {"rewrote", s.bytes > s.space_bytes},
                      {"measured_ns", s.measured_ns},
                      {"mean_bytes_per_s", s.mean_bytes_per_s},
                      {"interval_ns", s.interval_ns},
                      {"cliff", cliff}};
  } else {
    j["sustained"] = json();
  }

  json tail = json::array();
  for (const TailRow& t : card.tail) {
    tail.push_back({{"phase", t.phase},
                    {"op", t.op},
                    {"p50_ns", t.p50_ns},
                    {"p99_ns", t.p99_ns},
                    {"p99_9_ns", t.p999_ns},
                    {"p99_99_ns", t.p9999_ns},
                    {"max_ns", t.max_ns},
                    {"worst_interval_start_ns", t.worst_interval_start_ns},
                    {"outlier", t.outlier}});
  }
  j["tail"] = tail;
  return j;
}

}  // namespace durabench
