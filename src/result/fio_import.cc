#include "result/fio_import.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "result/result_reader.h"
#include "util/errno_status.h"
#include "util/units.h"

namespace durabench {
namespace {

constexpr const char* kNoBins =
    "fio output has no latency bins; rerun fio with --output-format=json+";

// `d` as an integer, clamped to [0, UINT64_MAX] (NaN -> 0): a cast of a double beyond the range
// of the integer type is undefined behaviour.
uint64_t SaturatingU64(double d) {
  if (!(d > 0.0)) return 0;
  if (d >= 0x1p64) return UINT64_MAX;
  return static_cast<uint64_t>(d);
}

// A non-negative integer member of `obj` (0 when absent or not one): fio writes counts, bytes and
// times in ms as integers, and a missing member means fio had nothing to say.
uint64_t U64(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer())
    return static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()));
  if (it->is_number_float()) return SaturatingU64(it->get<double>());
  return 0;
}

double Number(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : 0.0;
}

const Json* Member(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// The job's "jobname", "" when it is missing or not a string. Control characters (fio takes
// any name) are escaped: the name becomes a phase name, printed by compare and report.
std::string JobName(const Json& job) {
  const Json* name = Member(job, "jobname");
  return name && name->is_string() ? EscapeControlCharacters(name->get<std::string>())
                                   : std::string();
}

// A JSON value for a message: a number as written, anything else by its type. Never dump() a
// value from the file whole: it may be megabytes, or nested deep enough to overflow the stack.
std::string Describe(const Json& v) {
  if (v.is_number()) return v.dump();
  return v.is_string()    ? "a string"
         : v.is_array()   ? "an array"
         : v.is_object()  ? "an object"
         : v.is_boolean() ? "a boolean"
                          : "null";
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// fio's size strings ("4k", "16M", "1.5g", "8KiB") through util/units.h. fio's default kb_base
// 1024 reads k, K, KB (and kB) as 1024 -- as durabench does -- and KiB as 1000, the reverse of
// IEC; kb_base=1000 reads k, KB as 1000 and KiB as 1024 (SizeBase::kDecimal). Suffix P and
// beyond, percentages and ranges are not parsed.
std::optional<uint64_t> FioSizeBytes(std::string_view text, bool kb_base_1000) {
  std::string s(text);
  SizeBase base = SizeBase::kBinary;
  if (kb_base_1000) {
    base = SizeBase::kDecimal;
  } else if (const size_t i = s.find_first_of("iI"); i != std::string::npos) {
    s.erase(i, 1);  // "KiB" is 1000 here: read it as "KB" in base 1000
    base = SizeBase::kDecimal;
  }
  Result<uint64_t> bytes = ParseSizeBytes(s, base);
  if (!bytes.ok()) return std::nullopt;
  return *bytes;
}

// fio's time strings: a bare number is seconds ("runtime=2"), else a unit util/units.h knows.
std::optional<uint64_t> FioDurationNs(std::string_view text) {
  if (std::optional<uint64_t> s = ParseU64(text)) {
    if (*s > UINT64_MAX / 1'000'000'000) return std::nullopt;
    return *s * 1'000'000'000;
  }
  Result<uint64_t> ns = ParseDurationNs(text);
  if (!ns.ok()) return std::nullopt;
  return *ns;
}

// A job's options: its "job options", then the file's "global options"; values are strings.
class FioOptions {
 public:
  FioOptions(const Json& job, const Json* global)
      : job_(Member(job, "job options")), global_(global) {}

  std::optional<std::string> Get(const char* key) const {
    for (const Json* o : {job_, global_}) {
      const Json* v = o ? Member(*o, key) : nullptr;
      if (v && v->is_string()) return v->get<std::string>();
      if (v && v->is_number()) return v->dump();
    }
    return std::nullopt;
  }
  std::optional<uint64_t> Uint(const char* key) const {
    const std::optional<std::string> v = Get(key);
    return v ? ParseU64(*v) : std::nullopt;
  }
  bool Flag(const char* key) const {
    const std::optional<std::string> v = Get(key);
    return v && *v != "0" && *v != "false";
  }

 private:
  const Json* job_;
  const Json* global_;
};

// PhaseSpec from fio's options. Fields start at fio's defaults where fio has one that differs
// from durabench's (rw=read, no sync, no runtime limit); unknown or unparsable values keep them.
PhaseSpec SpecFromOptions(const FioOptions& o) {
  PhaseSpec s;
  s.engine = "fio:" + o.Get("ioengine").value_or("psync");
  s.pattern = Pattern::kRead;
  s.runtime_ns = 0;
  s.sync = SyncMethod::kNone;
  s.fsync_every = 1;
  const bool kb_base_1000 = o.Get("kb_base").value_or("1024") == "1000";

  std::string rw = o.Get("rw").value_or(o.Get("readwrite").value_or("read"));
  rw = rw.substr(0, rw.find(':'));  // "randread:8": the offset modifier
  if (rw == "read") s.pattern = Pattern::kRead;
  if (rw == "write") s.pattern = Pattern::kWrite;
  if (rw == "randread") s.pattern = Pattern::kRandRead;
  if (rw == "randwrite") s.pattern = Pattern::kRandWrite;
  if (rw == "randrw" || rw == "rw" || rw == "readwrite") s.pattern = Pattern::kRandRW;
  if (std::optional<uint64_t> r = o.Uint("rwmixread"); r && *r <= 100) {
    s.read_percent = static_cast<int>(*r);
  } else if (std::optional<uint64_t> w = o.Uint("rwmixwrite"); w && *w <= 100) {
    s.read_percent = 100 - static_cast<int>(*w);
  }

  // bs=<read>,<write>[,<trim>]: the write size for write-only patterns, else the read size.
  std::optional<std::string> bs = o.Get("bs");
  if (!bs) bs = o.Get("blocksize");
  if (bs) {
    std::vector<std::string> parts;
    std::stringstream in(*bs);
    for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
    const size_t i = !PatternReads(s.pattern) && parts.size() > 1 ? 1 : 0;
    if (i < parts.size()) {
      if (std::optional<uint64_t> b = FioSizeBytes(parts[i], kb_base_1000)) s.block_size_bytes = *b;
    }
  }
  if (std::optional<std::string> v = o.Get("size")) {
    if (std::optional<uint64_t> b = FioSizeBytes(*v, kb_base_1000)) s.size_bytes = *b;
  }
  if (std::optional<std::string> v = o.Get("runtime")) {
    if (std::optional<uint64_t> ns = FioDurationNs(*v)) s.runtime_ns = *ns;
  }
  if (std::optional<std::string> v = o.Get("ramp_time")) {
    if (std::optional<uint64_t> ns = FioDurationNs(*v)) s.ramp_ns = *ns;
  }
  if (std::optional<uint64_t> v = o.Uint("number_ios")) s.ops = *v;
  if (std::optional<uint64_t> v = o.Uint("iodepth"); v && *v >= 1 && *v <= kMaxIodepth) {
    s.iodepth = static_cast<uint32_t>(*v);
  }
  s.direct = o.Flag("direct") || o.Get("buffered") == "0";
  if (std::optional<uint64_t> v = o.Uint("rate_iops")) s.rate_iops = *v;
  if (std::optional<std::string> v = o.Get("cpus_allowed")) s.cpus = *v;
  s.sqpoll = o.Flag("sqthread_poll");
  if (o.Flag("zero_buffers")) s.data = DataSpec{DataKind::kZero, 0};
  if (std::optional<uint64_t> v = o.Uint("buffer_compress_percentage"); v && *v <= 100) {
    s.data = DataSpec{DataKind::kCompressible, static_cast<int>(*v)};
  }

  // Durability: fdatasync=N / fsync=N flush after every N writes; sync_file_range=<flags>:N;
  // sync=1|sync opens O_SYNC, sync=dsync O_DSYNC.
  const auto every = [&s](std::optional<uint64_t> n, SyncMethod method) {
    if (!n || *n == 0 || *n > kMaxFsyncEvery) return false;
    s.sync = method;
    s.fsync_every = static_cast<uint32_t>(*n);
    return true;
  };
  std::optional<uint64_t> sfr_every;
  if (std::optional<std::string> v = o.Get("sync_file_range")) {
    const size_t colon = v->find(':');
    sfr_every = colon == std::string::npos ? 1 : ParseU64(std::string_view(*v).substr(colon + 1));
  }
  if (!every(o.Uint("fdatasync"), SyncMethod::kFdatasync) &&
      !every(o.Uint("fsync"), SyncMethod::kFsync) &&
      !every(sfr_every, SyncMethod::kSyncFileRange)) {
    const std::string sync = o.Get("sync").value_or("0");
    if (sync == "1" || sync == "sync") s.sync = SyncMethod::kOsync;
    if (sync == "dsync") s.sync = SyncMethod::kOdsync;
  }
  return s;
}

// A latency object to convert and its JSON path, for messages.
struct Latency {
  const Json* object = nullptr;
  std::string where;  // "jobs[0].write.lat_ns"
};

uint64_t Samples(const Json* lat) { return lat && lat->is_object() ? U64(*lat, "N") : 0; }
bool HasBins(const Json* lat) {
  const Json* bins = lat ? Member(*lat, "bins") : nullptr;
  return bins && bins->is_object();
}

// The latency object of one ddir ("read", "write", "sync") to convert: lat_ns (total) when
// `use_lat`, else clat_ns (completion); "sync" has lat_ns only. Empty when the ddir has no samples.
Latency PickLatency(const Json& job, const char* ddir, bool use_lat, const std::string& where) {
  const Json* d = Member(job, ddir);
  if (!d || !d->is_object()) return {};
  const bool is_sync = std::string_view(ddir) == "sync";
  const char* key = is_sync || use_lat ? "lat_ns" : "clat_ns";
  const Json* lat = Member(*d, key);
  const bool empty = Samples(lat) == 0 && !HasBins(lat) && (is_sync || U64(*d, "total_ios") == 0);
  if (!lat || empty) return {};
  return {lat, where + "." + ddir + "." + key};
}

// True when every read/write ddir with samples has lat_ns bins (fio's lat_percentiles=1).
bool EveryDdirHasTotalLatencyBins(const Json& jobs) {
  for (const Json& job : jobs) {
    for (const char* ddir : {"read", "write"}) {
      const Json* d = Member(job, ddir);
      if (!d || !d->is_object()) continue;
      const Json* clat = Member(*d, "clat_ns");
      const Json* lat = Member(*d, "lat_ns");
      const bool any = Samples(clat) > 0 || Samples(lat) > 0 || U64(*d, "total_ios") > 0;
      if (any && !HasBins(lat)) return false;
    }
  }
  return true;
}

// A Histogram from fio's {min, max, mean, stddev, N, bins: {"<value_ns>": count}}. fio writes
// each bin at its bucket's midpoint; min/max/mean are restored exactly, fio's sample stddev
// (divided by N-1) becomes the sum of squares that gives durabench's population stddev.
Status HistogramFromFio(const Latency& lat, const std::string& source, Histogram* out) {
  const Json& l = *lat.object;
  const Json* bins = Member(l, "bins");
  if (!bins || !bins->is_object()) return Status::InvalidArgument(source + ": " + kNoBins);
  Histogram h;
  for (const auto& [key, count] : bins->items()) {
    const std::optional<uint64_t> value_ns = ParseU64(key);
    if (!value_ns || !count.is_number_unsigned()) {
      return Status::InvalidArgument(source + ": " + lat.where + ".bins: bad bin \"" + key +
                                     "\": " + Describe(count));
    }
    if (count.get<uint64_t>() > UINT64_MAX - h.count()) {
      return Status::InvalidArgument(source + ": " + lat.where + ".bins: bin \"" + key +
                                     "\": the counts overflow a 64-bit integer");
    }
    h.AddToBucket(*value_ns, count.get<uint64_t>());
  }
  if (U64(l, "min") > U64(l, "max")) {
    return Status::InvalidArgument(source + ": " + lat.where + ": min " +
                                   std::to_string(U64(l, "min")) + " is above max " +
                                   std::to_string(U64(l, "max")));
  }
  const double n = static_cast<double>(h.count());
  const double mean = Number(l, "mean");
  const double stddev = Number(l, "stddev");
  const double sum_sq = stddev * stddev * std::max(0.0, n - 1) + n * mean * mean;
  h.RestoreMoments(U64(l, "min"), U64(l, "max"), std::round(mean * n), std::round(sum_sq));
  *out = std::move(h);
  return Status::Ok();
}

// "2026-11-27T03:51:55Z" for a Unix time in seconds.
std::string Iso8601(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  struct tm tm;
  if (gmtime_r(&t, &tm) == nullptr) return "";  // a year beyond int
  char buf[64];
  if (strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "";
  return buf;
}

Status ConvertJob(const Json& job, const std::string& where, const Json* global, bool use_lat,
                  const std::string& source, PhaseResult* p) {
  const FioOptions options(job, global);
  p->spec = SpecFromOptions(options);
  const OpKind kinds[] = {OpKind::kRead, OpKind::kWrite, OpKind::kFlush};
  const char* ddirs[] = {"read", "write", "sync"};
  uint64_t ddir_runtime_ms = 0;
  for (int i = 0; i < 3; ++i) {
    const Latency lat = PickLatency(job, ddirs[i], use_lat, where);
    if (!lat.object) continue;
    OpStats& op = p->ops[static_cast<int>(kinds[i])];
    DURABENCH_RETURN_IF_ERROR(HistogramFromFio(lat, source, &op.histogram));
    if (kinds[i] != OpKind::kFlush) {
      const Json& d = job[ddirs[i]];
      op.bytes = U64(d, "io_bytes");
      ddir_runtime_ms = std::max(ddir_runtime_ms, U64(d, "runtime"));
    }
  }
  const uint64_t runtime_ms = ddir_runtime_ms > 0 ? ddir_runtime_ms : U64(job, "job_runtime");
  if (runtime_ms > UINT64_MAX / 1'000'000) {
    return Status::InvalidArgument(source + ": " + where + ": runtime " +
                                   std::to_string(runtime_ms) + " ms overflows 64-bit ns");
  }
  p->measured_ns = runtime_ms * 1'000'000;
  // fio's error is an errno value; anything else is shown as it is, without a cast that overflows.
  const double error_value = Number(job, "error");
  if (error_value != 0) {
    const bool is_errno = error_value > 0 && error_value < 4096;
    const int error = is_errno ? static_cast<int>(error_value) : 0;
    const std::string line = "fio job '" + JobName(job) + "' ended with error " +
                             (is_errno ? std::to_string(error) + " (" + ErrnoString(error) + ")"
                                       : Json(error_value).dump());
    p->errors.push_back(line);
    p->status = Status::IoError(line);
  }
  return Status::Ok();
}

}  // namespace

bool IsFioJson(const Json& j) {
  return j.is_object() && j.contains("fio version") && j.contains("jobs") && j["jobs"].is_array();
}

Result<RunResult> RunResultFromFioJson(const Json& j, const std::string& source) {
  if (!IsFioJson(j)) {
    return Status::InvalidArgument(source +
                                   ": not fio JSON output (no \"fio version\" and \"jobs\")");
  }
  const Json& jobs = j["jobs"];
  if (jobs.size() > kMaxResultPhases) {
    return Status::InvalidArgument(source + ": " + std::to_string(jobs.size()) +
                                   " fio jobs, more than the " + std::to_string(kMaxResultPhases) +
                                   " a result file may hold");
  }
  const Json* global = Member(j, "global options");
  const bool use_lat = EveryDdirHasTotalLatencyBins(jobs);

  RunResult r;
  std::string version = j["fio version"].is_string() ? j["fio version"].get<std::string>() : "";
  if (version.starts_with("fio-")) version = version.substr(4);
  r.tool_version = "fio " + version;
  r.command = {"fio", source, use_lat ? "latency=lat" : "latency=clat"};

  // Jobs sharing a name (numjobs without group_reporting) become "<name>.0", "<name>.1", ...
  std::map<std::string, size_t> name_count;
  for (const Json& job : jobs) ++name_count[JobName(job)];
  std::map<std::string, size_t> name_seen;
  uint64_t elapsed_s = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Json& job = jobs[i];
    const std::string where = "jobs[" + std::to_string(i) + "]";
    if (!job.is_object()) {
      return Status::InvalidArgument(source + ": " + where + ": expected an object");
    }
    PhaseResult p;
    DURABENCH_RETURN_IF_ERROR(ConvertJob(job, where, global, use_lat, source, &p));
    const std::string name = JobName(job);
    const FioOptions options(job, global);
    // One entry for numjobs > 1 jobs means fio summed them (group_reporting).
    const std::optional<uint64_t> numjobs = options.Uint("numjobs");
    p.spec.jobs = name_count[name] == 1 && numjobs && *numjobs >= 1 && *numjobs <= kMaxJobs
                      ? static_cast<uint32_t>(*numjobs)
                      : 1;
    p.spec.name = name;
    if (name_count[name] > 1) p.spec.name += "." + std::to_string(name_seen[name]++);
    if (std::optional<std::string> file = options.Get("filename")) r.target.files.push_back(*file);
    if (i == 0) {
      if (std::optional<std::string> file = options.Get("filename")) {
        r.target.path = *file;
        r.target.kind = file->starts_with("/dev/") ? "block-device" : "file";
      } else if (std::optional<std::string> dir = options.Get("directory")) {
        r.target.path = *dir;
        r.target.kind = "directory";
      }
      r.workload.name = "fio:" + name;
    }
    elapsed_s = std::max(elapsed_s, U64(job, "elapsed"));
    r.workload.phases.push_back(p.spec);
    r.phases.push_back(std::move(p));
  }

  // fio's timestamp is taken when it writes the report; the longest job's elapsed time
  // (setup included) before that is when the run started.
  const int64_t end_s = static_cast<int64_t>(U64(j, "timestamp"));
  if (end_s > 0) r.started_at = Iso8601(end_s - static_cast<int64_t>(elapsed_s));
  r.workload.description = "imported from fio " + version + " JSON output";
  r.workload.source = source;
  r.probe.path = r.target.path;
  r.probe.backend_kind = "unknown (fio result)";
  return r;
}

bool IsFioResult(const RunResult& r) { return r.tool_version.rfind("fio ", 0) == 0; }

Result<RunResult> ReadResultOrFioFile(const std::string& path) {
  Result<std::string> content = ReadWholeFile(path);
  if (!content.ok()) return content.status();
  return ParseResultOrFioText(*content, path);
}

Result<RunResult> ParseResultOrFioText(std::string_view text, const std::string& path) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for 1e999
    // fio output captured with 2>&1 can start with fio's messages: try from the first line
    // that opens an object, and accept that only if it is fio output.
    const size_t brace = text.find("\n{");
    if (brace != std::string_view::npos) {
      j = Json::parse(text.substr(brace + 1), nullptr, /*allow_exceptions=*/false);
    }
    if (!IsFioJson(j)) return Status::InvalidArgument(path + ": not JSON: " + e.what());
  }
  if (IsFioJson(j)) return RunResultFromFioJson(j, path);
  Result<RunResult> r = RunResultFromJson(j);
  if (!r.ok()) return r.status().WithContext(path);
  return r;
}

}  // namespace durabench
