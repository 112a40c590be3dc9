// The one table of phase keys: every setting of a PhaseSpec under its name in TOML files and
// `run` flags ("block_size") and in the result file ("block_size_bytes"), with its kind, bounds,
// and how to set and read it. The TOML parser and the flag overrides (workload/workload_file.h)
// and the result's JSON writer and reader (result/json.h, result/result_reader.h) all walk it, so
// a new key is one row here and appears everywhere in the same order (docs/workloads.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "spec/spec.h"

namespace durabench {

enum class KeyKind { kEngine, kPattern, kInt, kSize, kDuration, kBool, kSync, kData, kCpus };

// A key's value, in the member its kind uses.
struct PhaseKeyValue {
  uint64_t number = 0;  // kInt, kSize (bytes), kDuration (ns)
  bool flag = false;    // kBool
  std::string text;     // kEngine, kCpus
  Pattern pattern = Pattern::kRead;
  SyncMethod sync = SyncMethod::kNone;
  DataSpec data;
};

struct PhaseKey {
  std::string_view name;  // TOML key and `run --NAME` flag
  const char* json_name;  // key in the result file (units in the name, STYLE.md 4)
  KeyKind kind;
  uint64_t min;  // inclusive bounds for kInt and kSize
  uint64_t max;
  void (*set)(const PhaseKeyValue& v, PhaseSpec* p);
  PhaseKeyValue (*get)(const PhaseSpec& p);
  // Whether the key means something for `p` (read_percent: only for randrw); nullptr: always.
  // A key that does not apply is left out of the result file.
  bool (*applies)(const PhaseSpec& p) = nullptr;
};

// Every key, in documentation order (docs/workloads.md), which is also the result file's order.
std::span<const PhaseKey> PhaseKeyTable();
// The key named `name` (TOML/flag name), or nullptr.
const PhaseKey* FindPhaseKey(std::string_view name);
// `key` as `run` spells its option, without the leading dashes: "block-size" for block_size.
// The spelling of `compare`'s work differences ("block-size=4KiB").
std::string PhaseKeyFlagName(const PhaseKey& key);

// `key`'s value in `spec` as a person reads it and a workload file writes it, in the units the
// key's kind implies: sizes in binary units and durations in ns/us/ms/s (util/units.h) where
// that short form is exact, else the exact figure ("1500000B", "1234567ns"); booleans
// "true"/"false"; an empty CPU list "none". What `compare` and the report's spec lines print.
std::string PhaseKeyValueText(const PhaseKey& key, const PhaseSpec& spec);

}  // namespace durabench
