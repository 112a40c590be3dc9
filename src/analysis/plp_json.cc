#include "analysis/plp_json.h"

namespace durabench {
namespace {

nlohmann::ordered_json OrNull(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
}

}  // namespace

nlohmann::ordered_json PlpToJson(const PlpAssessment& a) {
  const PlpEvidence& e = a.evidence;
  nlohmann::ordered_json methods = nlohmann::ordered_json::array();
  for (const MethodPenalty& m : e.methods) {
    methods.push_back(
        {{"sync", m.sync},
         {"phase", m.phase},
         {"samples", m.samples},
         {"commit_p50_ns", m.commit_p50_ns},
         {"commit_p99_ns", m.commit_p99_ns},
         {"flush_p50_ns",
          m.flush_p50_ns == 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(m.flush_p50_ns)},
         {"flush_p99_ns",
          m.flush_p99_ns == 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(m.flush_p99_ns)},
         {"penalty_p50_ns", m.penalty_p50_ns},
         {"penalty_p99_ns", m.penalty_p99_ns},
         {"penalty_p50_interval",
          m.interval.count < 2 ? nlohmann::ordered_json()
                               : nlohmann::ordered_json{{"low_ns", m.interval.low_ns},
                                                        {"high_ns", m.interval.high_ns},
                                                        {"confidence", m.interval.confidence},
                                                        {"over", m.interval.over},
                                                        {"count", m.interval.count}}},
         {"decision", PenaltyDecisionName(m.decision)},
         {"costly", m.costly()}});
  }
  nlohmann::ordered_json evidence = {
      {"baseline_phase", e.baseline_phase},
      {"rounds", e.rounds},
      {"baseline_variation", e.baseline_variation == 0
                                 ? nlohmann::ordered_json()
                                 : nlohmann::ordered_json(e.baseline_variation)},
      {"write_samples", e.write_samples},
      {"write_p50_ns", e.write_p50_ns},
      {"write_p99_ns", e.write_p99_ns},
      {"direct", e.direct},
      {"primary_method", e.primary_method},
      {"methods", methods},
      {"facts",
       {{"backend_kind", OrNull(e.backend_kind)},
        {"device", OrNull(e.device)},
        {"write_cache", OrNull(e.write_cache)},
        {"fua", OrNull(e.fua)},
        {"nvme_vwc_present", OrNull(e.nvme_vwc_present)},
        {"nvme_vwc_enabled", OrNull(e.nvme_vwc_enabled)},
        {"scsi_cache_type", OrNull(e.scsi_cache_type)},
        {"reports_volatile_cache", e.reports_volatile_cache}}},
      {"thresholds",
       {{"flush_costly_penalty_ns", kFlushCostlyPenaltyNs},
        {"method_disagree_ratio", kMethodDisagreeRatio},
        {"penalty_floor_ns", kPenaltyFloorNs},
        {"slow_write_ns", kSlowWriteNs}}},
  };
  if (!a.audits.empty()) {
    nlohmann::ordered_json audits = nlohmann::ordered_json::array();
    for (const PlpAuditResult& r : a.audits) {
      audits.push_back({{"source", r.source},
                        {"verdict", r.verdict},
                        {"acknowledged_writes", r.acknowledged_writes},
                        {"lost_writes", r.lost_writes},
                        {"corrupt", r.corrupt},
                        {"misdirected", r.misdirected}});
    }
    evidence["audits"] = std::move(audits);
    evidence["lost_acknowledged_writes"] = a.LostAcknowledgedWrites();
  }
  return {{"verdict", PlpVerdictName(a.verdict)},
          {"headline", a.headline},
          {"explanation", a.explanation},
          {"evidence", evidence}};
}

}  // namespace durabench
