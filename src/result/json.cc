#include "result/json.h"

#include <cmath>

#include "result/probe_json.h"
#include "spec/fio_command.h"
#include "spec/phase_keys.h"
#include "util/errno_status.h"

namespace durabench {
namespace {

Json LatencyToJson(const Histogram& h) {
  Json lat;
  lat["min"] = h.min();
  lat["max"] = h.max();
  lat["mean"] = h.mean();
  lat["stddev"] = h.stddev();
  Json pct = Json::object();
  for (const PercentileKey& pk : kReportedPercentiles) pct[pk.key] = h.Percentile(pk.p);
  lat["percentiles"] = std::move(pct);
  lat["histogram"] = HistogramToJson(h);
  return lat;
}

Json OptionalNs(const std::optional<uint64_t>& ns) { return ns ? Json(*ns) : Json(nullptr); }

Json FaultCommandToJson(const FaultCommandRun& c) {
  if (!c.ran) return nullptr;
  return {{"started_ns", c.started_ns},
          {"ended_ns", c.ended_ns},
          {"exit_code", c.exit_code},
          {"output", c.output},
          {"inflight", c.inflight},
          {"stall_ns", c.stall_ns},
          {"first_completion_ns", OptionalNs(c.first_completion_ns)},
          {"recovery_ns", OptionalNs(c.recovery_ns)}};
}

// phases[].faults and phases[].chaos (docs/chaos.md, "In the result").
void FaultsToJson(const PhaseResult& phase, Json* j) {
  Json faults = Json::array();
  for (const FaultRun& f : phase.faults) {
    Json o = {
        {"at_ns", f.spec.at_ns}, {"run", f.spec.run}, {"action", FaultCommandToJson(f.action)}};
    if (!f.spec.undo.empty()) {
      o["undo_at_ns"] = f.spec.undo_at_ns ? Json(f.spec.undo_at_ns) : Json(nullptr);
      o["undo"] = f.spec.undo;
      o["undone"] = FaultCommandToJson(f.undo);
    }
    faults.push_back(std::move(o));
  }
  (*j)["faults"] = std::move(faults);
  const PhaseChaos& c = phase.chaos;
  Json failed = Json::array();
  for (const FailedOps& f : c.failed) {
    failed.push_back({{"op", std::string(OpKindName(f.kind))},
                      {"errno", f.error_number},
                      {"error", ErrnoName(f.error_number)},
                      {"count", f.count}});
  }
  (*j)["chaos"] = {
      {"fault_at_ns", c.fault_at_ns},
      {"longest_stall_ns", c.longest_stall_ns},
      {"longest_stall_at_ns", c.longest_stall_at_ns},
      {"first_completion_after_fault_ns", OptionalNs(c.first_completion_after_fault_ns)},
      {"recovery_ns", OptionalNs(c.recovery_ns)},
      {"baseline_iops", c.baseline_iops},
      {"inflight_at_fault", c.inflight_at_fault},
      {"worst_latency_ns", c.worst_latency_ns},
      {"failed", std::move(failed)}};
}

Json PhaseToJson(const PhaseResult& phase, const TargetInfo& target) {
  Json j;
  j["name"] = phase.spec.name;
  j["spec"] = PhaseSpecToJson(phase.spec);
  j["measured_ns"] = phase.measured_ns;
  j["iops"] = phase.Iops();
  j["bytes_per_s"] = phase.BytesPerSecond();
  j["interrupted"] = phase.interrupted;
  j["timed_out"] = phase.timed_out;
  if (phase.stonewalled) j["stonewalled"] = true;
  const double seconds = static_cast<double>(phase.measured_ns) / 1e9;
  Json ops = Json::object();
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpStats& s = phase.ops[k];
    if (s.histogram.count() == 0 && s.errors == 0) continue;
    Json o;
    o["count"] = s.histogram.count();
    o["bytes"] = s.bytes;
    o["errors"] = s.errors;
    o["iops"] = seconds > 0 ? static_cast<double>(s.histogram.count()) / seconds : 0.0;
    o["bytes_per_s"] = seconds > 0 ? static_cast<double>(s.bytes) / seconds : 0.0;
    o["lat_ns"] = LatencyToJson(s.histogram);
    if (phase.spec.rate_iops != 0 && s.corrected.count() != 0) {
      o["co_lat_ns"] = LatencyToJson(s.corrected);
    }
    ops[std::string(OpKindName(static_cast<OpKind>(k)))] = std::move(o);
  }
  j["ops"] = std::move(ops);
  j["queue"] = {{"iodepth", phase.spec.iodepth},
                {"max_inflight", phase.queue.max_inflight},
                {"mean_inflight", phase.queue.mean_inflight},
                {"ordering_violations", phase.queue.ordering_violations}};
  if (const PhaseVariation v = Variation(phase); v.intervals != 0) {
    j["variation"] = {{"intervals", v.intervals},
                      {"iops_cv", v.iops_cv},
                      {"p99_op", std::string(OpKindName(v.p99_kind))},
                      {"p99_cv", v.p99_cv},
                      {"p99_min_ns", v.p99_min_ns},
                      {"p99_max_ns", v.p99_max_ns},
                      {"noisy", v.noisy}};
  }

  Json series;
  series["interval_ns"] = phase.interval_ns;
  Json intervals = Json::array();
  for (const IntervalStats& iv : phase.time_series) {
    Json row;
    row["index"] = iv.index;
    row["start_ns"] = iv.start_ns;
    Json kinds = Json::object();
    for (int k = 0; k < kOpKindCount; ++k) {
      if (phase.ops[k].histogram.count() == 0) continue;  // kinds that occurred in the phase
      const IntervalKindStats& s = iv.kinds[k];
      kinds[std::string(OpKindName(static_cast<OpKind>(k)))] = {
          {"count", s.count},   {"bytes", s.bytes},     {"p50_ns", s.p50_ns},
          {"p99_ns", s.p99_ns}, {"p999_ns", s.p999_ns}, {"max_ns", s.max_ns}};
    }
    row["ops"] = std::move(kinds);
    intervals.push_back(std::move(row));
  }
  series["intervals"] = std::move(intervals);
  j["time_series"] = std::move(series);
  const FioCommand fio = FioEquivalent(phase.spec, target.path, target.kind);
  j["fio_equivalent"] = {
      {"layout", fio.layout}, {"command", fio.command}, {"caveats", fio.caveats}};
  j["errors"] = phase.errors;
  if (!phase.faults.empty()) FaultsToJson(phase, &j);
  return j;
}

}  // namespace

Json PhaseSpecToJson(const PhaseSpec& s) {
  Json j;
  for (const PhaseKey& k : PhaseKeyTable()) {
    if (k.applies != nullptr && !k.applies(s)) continue;
    const PhaseKeyValue v = k.get(s);
    switch (k.kind) {
      case KeyKind::kInt:
      case KeyKind::kSize:
      case KeyKind::kDuration:
        j[k.json_name] = v.number;
        break;
      case KeyKind::kBool:
        j[k.json_name] = v.flag;
        break;
      case KeyKind::kEngine:
      case KeyKind::kCpus:
        j[k.json_name] = v.text;
        break;
      case KeyKind::kPattern:
        j[k.json_name] = std::string(PatternName(v.pattern));
        break;
      case KeyKind::kSync:
        j[k.json_name] = std::string(SyncMethodName(v.sync));
        break;
      case KeyKind::kData:
        j[k.json_name] = DataSpecName(v.data);
        break;
    }
  }
  return j;
}

const char* JsonTypeName(const Json& v) {
  return v.is_null()      ? "null"
         : v.is_boolean() ? "a boolean"
         : v.is_number()  ? "a number"
         : v.is_string()  ? "a string"
         : v.is_array()   ? "an array"
                          : "an object";
}

Json HistogramToJson(const Histogram& h) {
  Json j;
  j["sub_bucket_bits"] = h.sub_bucket_bits();
  j["max_exponent"] = h.max_exponent();
  j["overflow"] = h.overflow_count();
  j["sum_ns"] = h.sum();
  j["sum_sq_ns2"] = h.sum_sq();
  Json bins = Json::array();
  h.ForEachBucket([&bins](uint64_t lo, uint64_t hi, uint64_t n) { bins.push_back({lo, hi, n}); });
  j["bins"] = std::move(bins);
  return j;
}

Result<Histogram> HistogramFromJson(const Json& j, uint64_t min_ns, uint64_t max_ns) {
  try {
    const int sub_bits = j.at("sub_bucket_bits").get<int>();
    const int max_exp = j.at("max_exponent").get<int>();
    if (sub_bits < 1 || sub_bits > 16 || max_exp <= sub_bits || max_exp > 63) {
      return Status::InvalidArgument(
          "histogram: bad parameters sub_bucket_bits=" + std::to_string(sub_bits) +
          " max_exponent=" + std::to_string(max_exp));
    }
    Histogram h(sub_bits, max_exp);
    for (const Json& bin : j.at("bins")) {
      if (!bin.is_array() || bin.size() != 3) {
        return Status::InvalidArgument("histogram: each bin must be [lower_ns, upper_ns, count]");
      }
      h.AddToBucket(bin[0].get<uint64_t>(), bin[2].get<uint64_t>());
    }
    const uint64_t overflow = j.value("overflow", uint64_t{0});
    if (overflow > 0) h.AddToBucket(uint64_t{1} << max_exp, overflow);
    h.RestoreMoments(min_ns, max_ns, j.value("sum_ns", 0.0), j.value("sum_sq_ns2", 0.0));
    return h;
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(std::string("histogram: ") + e.what());
  }
}

Json RunResultToJson(const RunResult& r) {
  Json j;
  j["schema_version"] = kResultSchemaVersion;
  j["tool"] = {{"name", "durabench"}, {"version", r.tool_version}};
  if (!r.run_id.empty()) j["run_id"] = r.run_id;
  j["started_at"] = r.started_at;
  j["command"] = r.command;
  j["host"] = {{"hostname", r.host.hostname}, {"kernel", r.host.kernel},
               {"machine", r.host.machine},   {"cpu_model", r.host.cpu_model},
               {"cpus", r.host.cpus},         {"clock", r.host.clock}};
  j["target"] = {{"path", r.target.path},
                 {"kind", r.target.kind},
                 {"logical_block_size_bytes", r.target.logical_block_size_bytes},
                 {"files", r.target.files}};
  j["probe"] = ProbeToJson(r.probe);
  Json workload;
  workload["name"] = r.workload.name;
  workload["description"] = r.workload.description;
  workload["source"] = r.workload.source;
  Json phases = Json::array();
  for (const PhaseSpec& p : r.workload.phases) {
    Json ps = {{"name", p.name}};
    ps.update(PhaseSpecToJson(p));
    phases.push_back(std::move(ps));
  }
  workload["phases"] = std::move(phases);
  j["workload"] = std::move(workload);
  Json results = Json::array();
  for (const PhaseResult& p : r.phases) results.push_back(PhaseToJson(p, r.target));
  j["phases"] = std::move(results);
  j["errors"] = r.errors;
  if (!r.merged_from.empty()) j["merged_from"] = r.merged_from;
  if (!r.merged_run_ids.empty()) j["merged_run_ids"] = r.merged_run_ids;
  return j;
}

}  // namespace durabench
