#include "result/result_reader.h"

#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include "result/probe_json.h"
#include "spec/phase_keys.h"
#include "util/read_file.h"

namespace durabench {
namespace {

std::string Index(const std::string& where, size_t i) {
  return where + "[" + std::to_string(i) + "]";
}

// Typed access to the members of one JSON object at path `where` ("" for the root). Getters
// leave `out` untouched on error; the first error is kept in status(). `j` must outlive this.
class Fields {
 public:
  Fields(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) Expected(where_.empty() ? "result" : where_, "an object", j_);
  }

  const Status& status() const { return status_; }
  void Fail(const Status& st) {
    if (status_.ok() && !st.ok()) status_ = st;
  }
  std::string Path(const std::string& key) const {
    return where_.empty() ? key : where_ + "." + key;
  }
  bool Has(const char* key) const { return j_.is_object() && j_.contains(key); }

  // The member `key`; nullptr (recording "missing") when absent.
  const Json* Find(const char* key) {
    if (!j_.is_object()) return nullptr;
    const auto it = j_.find(key);
    if (it != j_.end()) return &*it;
    Fail(Status::InvalidArgument((where_.empty() ? "" : where_ + ": ") + "missing '" + key + "'"));
    return nullptr;
  }

  void Get(const char* key, std::string* out) {
    const Json* v = Find(key);
    if (v && Check(key, *v, v->is_string(), "a string")) *out = v->get<std::string>();
  }
  void Get(const char* key, bool* out) {
    const Json* v = Find(key);
    if (v && Check(key, *v, v->is_boolean(), "a boolean")) *out = v->get<bool>();
  }
  void Get(const char* key, double* out) {
    const Json* v = Find(key);
    if (v && Check(key, *v, v->is_number(), "a number")) *out = v->get<double>();
  }
  template <typename T>
  requires std::is_integral_v<T>
  void Get(const char* key, T* out) {
    const Json* v = Find(key);
    if (!v) return;
    const bool fits = v->is_number_unsigned()  ? std::in_range<T>(v->get<uint64_t>())
                      : v->is_number_integer() ? std::in_range<T>(v->get<int64_t>())
                                               : false;
    const std::string range = "an integer in [" + std::to_string(std::numeric_limits<T>::min()) +
                              ", " + std::to_string(std::numeric_limits<T>::max()) + "]";
    if (Check(key, *v, fits, range.c_str())) *out = v->get<T>();
  }
  void Get(const char* key, std::vector<std::string>* out) {
    const Json* v = Find(key);
    if (!v || !Check(key, *v, v->is_array(), "an array of strings")) return;
    std::vector<std::string> strings;
    for (size_t i = 0; i < v->size(); ++i) {
      const Json& s = (*v)[i];
      if (!s.is_string()) return Expected(Index(Path(key), i), "a string", s);
      strings.push_back(s.get<std::string>());
    }
    *out = std::move(strings);
  }
  // A string member parsed by `parse` (ParsePattern, ...); its error gets the path as context.
  template <typename T>
  void Parse(const char* key, Result<T> (*parse)(std::string_view), T* out) {
    std::string text;
    Get(key, &text);
    if (!status_.ok()) return;
    Result<T> r = parse(text);
    if (!r.ok()) return Fail(r.status().WithContext(Path(key)));
    *out = std::move(r).value();
  }

  // The object / array member `key`, or nullptr after recording why not.
  const Json* Object(const char* key) {
    const Json* v = Find(key);
    return v && Check(key, *v, v->is_object(), "an object") ? v : nullptr;
  }
  const Json* Array(const char* key) {
    const Json* v = Find(key);
    return v && Check(key, *v, v->is_array(), "an array") ? v : nullptr;
  }
  // Calls read(object, path) on the object member `key` and keeps its error.
  template <typename Fn>
  void Read(const char* key, Fn read) {
    if (const Json* v = Object(key)) Fail(read(*v, Path(key)));
  }

 private:
  bool Check(const char* key, const Json& v, bool ok, const char* what) {
    if (!ok) Expected(Path(key), what, v);
    return ok;
  }
  void Expected(const std::string& path, const char* what, const Json& got) {
    const std::string desc = got.is_number() ? got.dump() : JsonTypeName(got);
    Fail(Status::InvalidArgument(path + ": expected " + what + ", got " + desc));
  }

  const Json& j_;
  std::string where_;
  Status status_;
};

// Calls read(kind, value, path) for each member of the object `j` at `where`, named by op kind.
template <typename Fn>
Status ForEachKind(const Json& j, const std::string& where, Fn read) {
  for (const auto& [name, value] : j.items()) {
    std::optional<OpKind> kind;
    for (int k = 0; k < kOpKindCount; ++k) {
      if (OpKindName(static_cast<OpKind>(k)) == name) kind = static_cast<OpKind>(k);
    }
    if (!kind) {
      return Status::InvalidArgument(where + ": unknown op kind '" + name +
                                     "' (expected read, write, flush or commit)");
    }
    DURABENCH_RETURN_IF_ERROR(read(*kind, value, where + "." + name));
  }
  return Status::Ok();
}

Status CheckPhaseCount(const Json& phases, const std::string& where) {
  if (phases.size() <= kMaxResultPhases) return Status::Ok();
  return Status::InvalidArgument(where + ": " + std::to_string(phases.size()) +
                                 " phases, more than the " + std::to_string(kMaxResultPhases) +
                                 " a result file may hold");
}

// Every key PhaseSpecToJson writes (spec/phase_keys.h; not `name`: the caller reads it where it
// is), each within the bounds the TOML parser enforces.
Status ReadPhaseSpec(const Json& j, const std::string& where, PhaseSpec* s) {
  Fields f(j, where);
  for (const PhaseKey& k : PhaseKeyTable()) {
    if (k.applies != nullptr && !k.applies(*s)) continue;  // `pattern` is read before
    PhaseKeyValue v = k.get(*s);
    switch (k.kind) {
      case KeyKind::kInt:
      case KeyKind::kSize:
        f.Get(k.json_name, &v.number);
        if (f.status().ok() && (v.number < k.min || v.number > k.max)) {
          f.Fail(Status::InvalidArgument(f.Path(k.json_name) + ": " + std::to_string(v.number) +
                                         " is outside " + std::to_string(k.min) + ".." +
                                         std::to_string(k.max)));
        }
        break;
      case KeyKind::kDuration:
        f.Get(k.json_name, &v.number);
        break;
      case KeyKind::kBool:
        f.Get(k.json_name, &v.flag);
        break;
      case KeyKind::kEngine:
      case KeyKind::kCpus:
        f.Get(k.json_name, &v.text);
        break;
      case KeyKind::kPattern:
        f.Parse(k.json_name, &ParsePattern, &v.pattern);
        break;
      case KeyKind::kSync:
        f.Parse(k.json_name, &ParseSyncMethod, &v.sync);
        break;
      case KeyKind::kData:
        f.Parse(k.json_name, &ParseDataSpec, &v.data);
        break;
    }
    if (!f.status().ok()) break;
    k.set(v, s);
  }
  return f.status();
}

// The histogram object `h` at `where` within the bounds of kMaxSubBucketBits/kMaxMaxExponent,
// its bins well formed ([lower_ns, upper_ns, count], lower <= upper < 2^max_exponent, at most one
// per bucket), and its counts, overflow included, summing to no more than UINT64_MAX.
// HistogramFromJson then builds it without allocating more than durabench's own histogram.
Status CheckHistogram(const Json& h, const std::string& where) {
  Fields f(h, where);
  int sub_bits = 0;
  int max_exp = 0;
  f.Get("sub_bucket_bits", &sub_bits);
  f.Get("max_exponent", &max_exp);
  const Json* bins = f.Array("bins");
  DURABENCH_RETURN_IF_ERROR(f.status());
  if (sub_bits < 1 || sub_bits > kMaxSubBucketBits || max_exp <= sub_bits ||
      max_exp > kMaxMaxExponent) {
    return Status::InvalidArgument(
        where + ": sub_bucket_bits " + std::to_string(sub_bits) + ", max_exponent " +
        std::to_string(max_exp) +
        " are beyond what durabench writes; valid: 1 <= sub_bucket_bits " +
        "<= " + std::to_string(kMaxSubBucketBits) +
        " < max_exponent <= " + std::to_string(kMaxMaxExponent));
  }
  const size_t buckets = static_cast<size_t>(max_exp - sub_bits + 1) << sub_bits;
  if (bins->size() > buckets) {
    return Status::InvalidArgument(where + ".bins: " + std::to_string(bins->size()) +
                                   " bins, more than the histogram's " + std::to_string(buckets) +
                                   " buckets");
  }
  const uint64_t limit = uint64_t{1} << max_exp;
  uint64_t total = 0;
  if (f.Has("overflow")) f.Get("overflow", &total);
  DURABENCH_RETURN_IF_ERROR(f.status());
  for (size_t i = 0; i < bins->size(); ++i) {
    const Json& bin = (*bins)[i];
    const std::string at = Index(where + ".bins", i);
    const auto non_negative = [](const Json& v) {
      return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    };
    const bool ok = bin.is_array() && bin.size() == 3 && non_negative(bin[0]) &&
                    non_negative(bin[1]) && non_negative(bin[2]);
    if (!ok) {
      return Status::InvalidArgument(at + ": expected [lower_ns, upper_ns, count] of " +
                                     "non-negative integers");
    }
    const uint64_t lower = bin[0].get<uint64_t>();
    const uint64_t upper = bin[1].get<uint64_t>();
    const uint64_t count = bin[2].get<uint64_t>();
    if (lower > upper || upper >= limit) {
      return Status::InvalidArgument(at + ": bucket [" + std::to_string(lower) + ", " +
                                     std::to_string(upper) + "] is not within [0, 2^" +
                                     std::to_string(max_exp) + ")");
    }
    if (count > std::numeric_limits<uint64_t>::max() - total) {
      return Status::InvalidArgument(at + ": the counts overflow a 64-bit integer");
    }
    total += count;
  }
  return Status::Ok();
}

// A lat_ns / co_lat_ns object: min and max beside the histogram.
Status ReadLatency(const Json& j, const std::string& where, Histogram* out) {
  Fields f(j, where);
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
  f.Get("min", &min_ns);
  f.Get("max", &max_ns);
  const Json* h = f.Object("histogram");
  DURABENCH_RETURN_IF_ERROR(f.status());
  if (min_ns > max_ns) {
    return Status::InvalidArgument(where + ": min " + std::to_string(min_ns) + " is above max " +
                                   std::to_string(max_ns));
  }
  DURABENCH_RETURN_IF_ERROR(CheckHistogram(*h, f.Path("histogram")));
  Result<Histogram> r = HistogramFromJson(*h, min_ns, max_ns);
  if (!r.ok()) return r.status().WithContext(where);
  *out = std::move(r).value();
  return Status::Ok();
}

Status ReadOpStats(const Json& j, const std::string& where, OpStats* s) {
  Fields f(j, where);
  uint64_t count = 0;
  f.Get("count", &count);
  f.Get("bytes", &s->bytes);
  f.Get("errors", &s->errors);
  f.Read("lat_ns",
         [s](const Json& v, const std::string& at) { return ReadLatency(v, at, &s->histogram); });
  if (f.Has("co_lat_ns")) {
    f.Read("co_lat_ns",
           [s](const Json& v, const std::string& at) { return ReadLatency(v, at, &s->corrected); });
  }
  DURABENCH_RETURN_IF_ERROR(f.status());
  if (count != s->histogram.count()) {
    return Status::InvalidArgument(where + ": count " + std::to_string(count) +
                                   " disagrees with the histogram's " +
                                   std::to_string(s->histogram.count()));
  }
  return Status::Ok();
}

Status ReadInterval(const Json& j, const std::string& where, IntervalStats* iv) {
  Fields f(j, where);
  f.Get("index", &iv->index);
  f.Get("start_ns", &iv->start_ns);
  f.Read("ops", [iv](const Json& ops, const std::string& at) {
    return ForEachKind(ops, at, [iv](OpKind kind, const Json& v, const std::string& path) {
      IntervalKindStats& s = iv->kinds[static_cast<int>(kind)];
      Fields k(v, path);
      k.Get("count", &s.count);
      k.Get("bytes", &s.bytes);
      k.Get("p50_ns", &s.p50_ns);
      k.Get("p99_ns", &s.p99_ns);
      k.Get("p999_ns", &s.p999_ns);
      k.Get("max_ns", &s.max_ns);
      return k.status();
    });
  });
  return f.status();
}

Status ReadTimeSeries(const Json& j, const std::string& where, PhaseResult* p) {
  Fields f(j, where);
  f.Get("interval_ns", &p->interval_ns);
  const Json* intervals = f.Array("intervals");
  DURABENCH_RETURN_IF_ERROR(f.status());
  if (!intervals->empty() && p->interval_ns == 0) {
    return Status::InvalidArgument(f.Path("interval_ns") + ": 0 with intervals present");
  }
  p->time_series.resize(intervals->size());
  for (size_t i = 0; i < intervals->size(); ++i) {
    const std::string at = Index(f.Path("intervals"), i);
    IntervalStats& iv = p->time_series[i];
    DURABENCH_RETURN_IF_ERROR(ReadInterval((*intervals)[i], at, &iv));
    // Durabench numbers intervals 0, 1, 2, ... from the phase start, holes filled.
    if (i > 0 && iv.index <= p->time_series[i - 1].index) {
      return Status::InvalidArgument(at + ".index: " + std::to_string(iv.index) +
                                     " does not follow " +
                                     std::to_string(p->time_series[i - 1].index));
    }
    if (iv.index > kMaxPhaseNs / p->interval_ns) {
      return Status::InvalidArgument(at + ".index: " + std::to_string(iv.index) + " intervals of " +
                                     std::to_string(p->interval_ns) +
                                     " ns are beyond 2^63 ns (292 years)");
    }
  }
  return Status::Ok();
}

// The phase name `key` of `f` into `name`; control characters are refused (ValidatePhaseName),
// so that compare and report never print them raw.
void GetPhaseName(Fields* f, const char* key, std::string* name) {
  f->Get(key, name);
  if (!f->status().ok()) return;
  if (Status st = ValidatePhaseName(*name); !st.ok()) f->Fail(st.WithContext(f->Path(key)));
}

// An optional duration: a number, or null for none.
void GetOptionalNs(Fields* f, const Json& j, const char* key, std::optional<uint64_t>* out) {
  *out = std::nullopt;
  if (j.contains(key) && j[key].is_null()) return;
  uint64_t v = 0;
  f->Get(key, &v);
  *out = v;
}

// A fault command as it ran (FaultCommandToJson), or null: not run.
Status ReadFaultCommand(const Json& j, const std::string& where, FaultCommandRun* c) {
  *c = FaultCommandRun();
  if (j.is_null()) return Status::Ok();
  Fields f(j, where);
  c->ran = true;
  f.Get("started_ns", &c->started_ns);
  f.Get("ended_ns", &c->ended_ns);
  f.Get("exit_code", &c->exit_code);
  f.Get("output", &c->output);
  f.Get("inflight", &c->inflight);
  f.Get("stall_ns", &c->stall_ns);
  GetOptionalNs(&f, j, "first_completion_ns", &c->first_completion_ns);
  GetOptionalNs(&f, j, "recovery_ns", &c->recovery_ns);
  return f.status();
}

// phases[].faults and phases[].chaos; the faults' times and commands also into the spec.
Status ReadFaults(const Json& j, const std::string& where, PhaseResult* p) {
  Fields f(j, where);
  const Json* faults = f.Array("faults");
  const Json* chaos = f.Object("chaos");
  DURABENCH_RETURN_IF_ERROR(f.status());
  for (size_t i = 0; i < faults->size(); ++i) {
    const std::string at = Index(f.Path("faults"), i);
    const Json& o = (*faults)[i];
    Fields ff(o, at);
    FaultRun run;
    ff.Get("at_ns", &run.spec.at_ns);
    ff.Get("run", &run.spec.run);
    if (o.is_object() && o.contains("action")) {
      DURABENCH_RETURN_IF_ERROR(ReadFaultCommand(o["action"], ff.Path("action"), &run.action));
    }
    if (o.is_object() && o.contains("undo")) {
      ff.Get("undo", &run.spec.undo);
      std::optional<uint64_t> undo_at;
      GetOptionalNs(&ff, o, "undo_at_ns", &undo_at);
      run.spec.undo_at_ns = undo_at.value_or(0);
      if (o.contains("undone")) {
        DURABENCH_RETURN_IF_ERROR(ReadFaultCommand(o["undone"], ff.Path("undone"), &run.undo));
      }
    }
    DURABENCH_RETURN_IF_ERROR(ff.status());
    p->spec.faults.push_back(run.spec);
    p->faults.push_back(std::move(run));
  }
  Fields c(*chaos, f.Path("chaos"));
  PhaseChaos& ch = p->chaos;
  ch.present = !p->faults.empty();
  c.Get("fault_at_ns", &ch.fault_at_ns);
  c.Get("longest_stall_ns", &ch.longest_stall_ns);
  c.Get("longest_stall_at_ns", &ch.longest_stall_at_ns);
  GetOptionalNs(&c, *chaos, "first_completion_after_fault_ns", &ch.first_completion_after_fault_ns);
  GetOptionalNs(&c, *chaos, "recovery_ns", &ch.recovery_ns);
  c.Get("baseline_iops", &ch.baseline_iops);
  c.Get("inflight_at_fault", &ch.inflight_at_fault);
  c.Get("worst_latency_ns", &ch.worst_latency_ns);
  const Json* failed = c.Array("failed");
  DURABENCH_RETURN_IF_ERROR(c.status());
  for (size_t i = 0; i < failed->size(); ++i) {
    Fields ff((*failed)[i], Index(c.Path("failed"), i));
    FailedOps op;
    std::string kind;
    ff.Get("op", &kind);
    ff.Get("errno", &op.error_number);
    ff.Get("count", &op.count);
    DURABENCH_RETURN_IF_ERROR(ff.status());
    bool known = false;
    for (int k = 0; k < kOpKindCount; ++k) {
      if (OpKindName(static_cast<OpKind>(k)) == kind) {
        op.kind = static_cast<OpKind>(k);
        known = true;
      }
    }
    if (!known) {
      return Status::InvalidArgument(Index(c.Path("failed"), i) + ".op: unknown op kind '" + kind +
                                     "'");
    }
    ch.failed.push_back(op);
  }
  return Status::Ok();
}

Status ReadPhase(const Json& j, const std::string& where, PhaseResult* p) {
  Fields f(j, where);
  GetPhaseName(&f, "name", &p->spec.name);
  f.Read("spec",
         [p](const Json& v, const std::string& at) { return ReadPhaseSpec(v, at, &p->spec); });
  f.Get("measured_ns", &p->measured_ns);
  f.Get("interrupted", &p->interrupted);
  if (j.contains("timed_out")) f.Get("timed_out", &p->timed_out);
  if (j.contains("stonewalled")) f.Get("stonewalled", &p->stonewalled);
  f.Read("ops", [p](const Json& ops, const std::string& at) {
    return ForEachKind(ops, at, [p](OpKind kind, const Json& v, const std::string& path) {
      return ReadOpStats(v, path, &p->ops[static_cast<int>(kind)]);
    });
  });
  f.Read("queue", [p](const Json& v, const std::string& at) {
    Fields q(v, at);
    q.Get("max_inflight", &p->queue.max_inflight);
    q.Get("mean_inflight", &p->queue.mean_inflight);
    q.Get("ordering_violations", &p->queue.ordering_violations);
    return q.status();
  });
  f.Read("time_series",
         [p](const Json& v, const std::string& at) { return ReadTimeSeries(v, at, p); });
  f.Get("errors", &p->errors);
  DURABENCH_RETURN_IF_ERROR(f.status());
  if (j.contains("faults")) return ReadFaults(j, where, p);
  return Status::Ok();
}

Status ReadWorkload(const Json& j, const std::string& where, WorkloadSpec* w) {
  Fields f(j, where);
  f.Get("name", &w->name);
  f.Get("description", &w->description);
  f.Get("source", &w->source);
  const Json* phases = f.Array("phases");
  DURABENCH_RETURN_IF_ERROR(f.status());
  DURABENCH_RETURN_IF_ERROR(CheckPhaseCount(*phases, f.Path("phases")));
  w->phases.resize(phases->size());
  for (size_t i = 0; i < phases->size(); ++i) {
    const std::string at = Index(f.Path("phases"), i);
    Fields p((*phases)[i], at);
    GetPhaseName(&p, "name", &w->phases[i].name);
    DURABENCH_RETURN_IF_ERROR(p.status());
    DURABENCH_RETURN_IF_ERROR(ReadPhaseSpec((*phases)[i], at, &w->phases[i]));
  }
  return Status::Ok();
}

Status CheckSchemaVersion(Fields* f) {
  int version = 0;
  f->Get("schema_version", &version);
  DURABENCH_RETURN_IF_ERROR(f->status());
  if (version == kResultSchemaVersion) return Status::Ok();
  return Status::InvalidArgument("schema_version " + std::to_string(version) +
                                 " is not supported (this durabench reads version " +
                                 std::to_string(kResultSchemaVersion) + ")");
}

Status ReadRun(const Json& j, RunResult* r) {
  Fields f(j, "");
  DURABENCH_RETURN_IF_ERROR(CheckSchemaVersion(&f));
  f.Read("tool", [r](const Json& v, const std::string& at) {
    Fields t(v, at);
    t.Get("version", &r->tool_version);
    return t.status();
  });
  if (f.Has("run_id")) f.Get("run_id", &r->run_id);
  f.Get("started_at", &r->started_at);
  f.Get("command", &r->command);
  f.Read("host", [r](const Json& v, const std::string& at) {
    Fields h(v, at);
    h.Get("hostname", &r->host.hostname);
    h.Get("kernel", &r->host.kernel);
    h.Get("machine", &r->host.machine);
    h.Get("cpu_model", &r->host.cpu_model);
    h.Get("cpus", &r->host.cpus);
    h.Get("clock", &r->host.clock);
    return h.status();
  });
  f.Read("target", [r](const Json& v, const std::string& at) {
    Fields t(v, at);
    t.Get("path", &r->target.path);
    t.Get("kind", &r->target.kind);
    t.Get("logical_block_size_bytes", &r->target.logical_block_size_bytes);
    t.Get("files", &r->target.files);
    return t.status();
  });
  f.Read("probe", [r](const Json& v, const std::string& at) {
    Result<ProbeResult> probe = ProbeFromJson(v);
    if (!probe.ok()) return probe.status().WithContext(at);
    r->probe = std::move(probe).value();
    return Status::Ok();
  });
  f.Read("workload",
         [r](const Json& v, const std::string& at) { return ReadWorkload(v, at, &r->workload); });
  f.Get("errors", &r->errors);
  if (f.Has("merged_from")) f.Get("merged_from", &r->merged_from);
  if (f.Has("merged_run_ids")) f.Get("merged_run_ids", &r->merged_run_ids);
  const Json* phases = f.Array("phases");
  DURABENCH_RETURN_IF_ERROR(f.status());
  DURABENCH_RETURN_IF_ERROR(CheckPhaseCount(*phases, "phases"));
  // One phase at a time: a phase holds 8 histograms (~300 KiB), allocated once it has been read.
  for (size_t i = 0; i < phases->size(); ++i) {
    PhaseResult p;
    DURABENCH_RETURN_IF_ERROR(ReadPhase((*phases)[i], Index("phases", i), &p));
    r->phases.push_back(std::move(p));
  }
  return Status::Ok();
}

}  // namespace

Result<RunResult> RunResultFromJson(const Json& j) {
  RunResult r;
  DURABENCH_RETURN_IF_ERROR(ReadRun(j, &r));
  return r;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  return ReadRegularFile(path, kMaxResultFileBytes, "result file");
}

Result<RunResult> ReadResultFile(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseResultText(*text, path);
}

Result<RunResult> ParseResultText(std::string_view text, const std::string& path) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for 1e999
    return Status::InvalidArgument(path + ": not JSON: " + e.what());
  }
  Result<RunResult> r = RunResultFromJson(j);
  if (!r.ok()) return r.status().WithContext(path);
  return r;
}

}  // namespace durabench
