// Strict TOML workload files, and `run` flag overrides.
//
// File format (docs/workloads.md):
//   description = "what real-world question this answers"   # optional
//   [defaults]           any phase key; inherited by every phase
//   [[phase]]            name = "..." plus any phase key; zero phases = one phase from [defaults]
//   [phase.sweep]        inside a [[phase]]: key = [v1, v2, ...] lists; one phase per combination
//   [sweep]              top level: the same, applied to every phase
// Phase keys: the table of spec/phase_keys.h (PhaseKeys() lists them). Sizes and durations are
// strings with units ("4KiB", "10s") or, for sizes only, integers (bytes).
// Sweep phase names: "<phase name>[key=value,key=value]" in key order of the file, first key
// outermost. Sweeping one key in both [sweep] and [phase.sweep], or setting a key in a [[phase]]
// that is also swept for it, is an error. Explicit phase names cannot contain '[' or ']'.
//
// Strict: an unknown key, a wrong type, a bad unit or an invalid value is InvalidArgument with
// "<file>:<line>: key '<key>': <problem>; valid: <choices>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/spec.h"
#include "util/status.h"

namespace durabench {

// Parses TOML text; `source_name` is used in messages and as WorkloadSpec::source.
Result<WorkloadSpec> ParseWorkloadText(std::string_view text, std::string_view source_name);
Result<WorkloadSpec> ParseWorkloadFile(const std::string& path);

// Finds a workload by name ("ceph-wal") or path ("./my.toml"): a path (contains '/' or ends
// in .toml) is read as is; a name is looked up as NAME.toml in, in order: $DURABENCH_WORKLOADS
// (colon-separated), then the presets shipped with the running binary, in its data directory's
// workloads/ (util/data_dir.h: PREFIX/share/durabench/workloads; in a build tree, a link to the
// source tree's workloads/). NotFound lists the names available and the directories searched.
Result<WorkloadSpec> LoadWorkload(std::string_view name_or_path);
// Names (file stems) of all workloads found on the search path, sorted, with descriptions.
struct WorkloadInfo {
  std::string name;
  std::string path;
  std::string description;
};
std::vector<WorkloadInfo> ListWorkloads();

// `run` flag values, as strings exactly as typed, keyed by phase key name ("block_size").
// Applied to every phase after parsing, with the same validation and messages ("--block-size"),
// then every phase is checked with ValidatePhase again. A key may also be given in dash form.
// A key the workload sweeps cannot be overridden (the phase names would lie): InvalidArgument.
// On error `spec` may be partly changed; callers stop.
struct PhaseOverride {
  std::string key;    // TOML key name, e.g. "block_size"
  std::string value;  // as typed, e.g. "4KiB"; "true"/"false" for booleans
};
Status ApplyOverrides(const std::vector<PhaseOverride>& overrides, WorkloadSpec* spec);

// All phase keys, in documentation order (used by the CLI to generate flags).
const std::vector<std::string_view>& PhaseKeys();
// True for keys whose value is a boolean (`run` offers them as bare --KEY / --no-KEY flags).
bool IsBooleanPhaseKey(std::string_view key);
// The values `key` accepts, as its messages list them after "valid:" ("none, fsync, ..."; the
// engines of this build; "1B..1GiB"), from the tables the parser checks against; "" for a key
// that does not exist. `run --help` shows them beside each flag.
std::string PhaseKeyChoices(std::string_view key);

}  // namespace durabench
