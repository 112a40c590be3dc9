#include "spec/phase_keys.h"

#include <algorithm>
#include <limits>

#include "util/units.h"

namespace durabench {
namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kI64Max = std::numeric_limits<int64_t>::max();

const PhaseKey kKeys[] = {
    {"engine", "engine", KeyKind::kEngine, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->engine = v.text; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.text = p.engine;
       return v;
     }},
    {"pattern", "pattern", KeyKind::kPattern, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->pattern = v.pattern; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.pattern = p.pattern;
       return v;
     }},
    {"read_percent", "read_percent", KeyKind::kInt, 0, 100,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->read_percent = static_cast<int>(v.number); },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = static_cast<uint64_t>(p.read_percent);
       return v;
     },
     [](const PhaseSpec& p) { return p.pattern == Pattern::kRandRW; }},
    {"block_size", "block_size_bytes", KeyKind::kSize, 1, kMaxBlockSizeBytes,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->block_size_bytes = v.number; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.block_size_bytes;
       return v;
     }},
    {"size", "size_bytes", KeyKind::kSize, 1, kU64Max,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->size_bytes = v.number; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.size_bytes;
       return v;
     }},
    {"runtime", "runtime_ns", KeyKind::kDuration, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->runtime_ns = v.number; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.runtime_ns;
       return v;
     }},
    {"ops", "ops", KeyKind::kInt, 0, kI64Max,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->ops = v.number; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.ops;
       return v;
     }},
    {"ramp", "ramp_ns", KeyKind::kDuration, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->ramp_ns = v.number; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.ramp_ns;
       return v;
     }},
    {"iodepth", "iodepth", KeyKind::kInt, 1, kMaxIodepth,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->iodepth = static_cast<uint32_t>(v.number); },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.iodepth;
       return v;
     }},
    {"jobs", "jobs", KeyKind::kInt, 1, kMaxJobs,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->jobs = static_cast<uint32_t>(v.number); },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.jobs;
       return v;
     }},
    {"direct", "direct", KeyKind::kBool, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->direct = v.flag; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.flag = p.direct;
       return v;
     }},
    {"sync", "sync", KeyKind::kSync, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->sync = v.sync; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.sync = p.sync;
       return v;
     }},
    {"fsync_every", "fsync_every", KeyKind::kInt, 1, kMaxFsyncEvery,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->fsync_every = static_cast<uint32_t>(v.number); },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.fsync_every;
       return v;
     }},
    {"rate_iops", "rate_iops", KeyKind::kInt, 0, kMaxRateIops,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->rate_iops = v.number; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.number = p.rate_iops;
       return v;
     }},
    {"data", "data", KeyKind::kData, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->data = v.data; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.data = p.data;
       return v;
     }},
    {"sqpoll", "sqpoll", KeyKind::kBool, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->sqpoll = v.flag; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.flag = p.sqpoll;
       return v;
     }},
    {"fill", "fill", KeyKind::kBool, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->fill = v.flag; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.flag = p.fill;
       return v;
     }},
    {"cpus", "cpus", KeyKind::kCpus, 0, 0,
     [](const PhaseKeyValue& v, PhaseSpec* p) { p->cpus = v.text; },
     [](const PhaseSpec& p) {
       PhaseKeyValue v;
       v.text = p.cpus;
       return v;
     }},
};

}  // namespace

std::span<const PhaseKey> PhaseKeyTable() { return kKeys; }

const PhaseKey* FindPhaseKey(std::string_view name) {
  for (const PhaseKey& k : kKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string PhaseKeyFlagName(const PhaseKey& key) {
  std::string flag(key.name);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string PhaseKeyValueText(const PhaseKey& key, const PhaseSpec& spec) {
  const PhaseKeyValue v = key.get(spec);
  switch (key.kind) {
    case KeyKind::kInt:
      return std::to_string(v.number);
    case KeyKind::kSize: {
      const std::string short_form = FormatSizeBytes(v.number);
      const Result<uint64_t> back = ParseSizeBytes(short_form);
      return back.ok() && *back == v.number ? short_form : std::to_string(v.number) + "B";
    }
    case KeyKind::kDuration: {
      const std::string short_form = FormatDurationNs(v.number);
      const Result<uint64_t> back = ParseDurationNs(short_form);
      return back.ok() && *back == v.number ? short_form : std::to_string(v.number) + "ns";
    }
    case KeyKind::kBool:
      return v.flag ? "true" : "false";
    case KeyKind::kEngine:
      return v.text;
    case KeyKind::kCpus:
      return v.text.empty() ? "none" : v.text;
    case KeyKind::kPattern:
      return std::string(PatternName(v.pattern));
    case KeyKind::kSync:
      return std::string(SyncMethodName(v.sync));
    case KeyKind::kData:
      return DataSpecName(v.data);
  }
  return "?";
}

}  // namespace durabench
