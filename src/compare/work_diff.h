// What differs in the work that results ran, as opposed to the machine they ran on: phases of the
// same name compared key by key by walking spec/phase_keys.h's PhaseKeyTable(), so a key added
// to the table is compared (and named, and formatted) here without a change. `compare` lists
// these differences beside the facts that differ (compare/compare.h); `compare --breakdown`
// refuses inputs whose shared phases differ in a key it does not ignore (compare/breakdown.h).
//
// Two values are the same when the result file writes them the same (result/json.h
// PhaseSpecToJson), so a difference here is a difference a script reading the files would see.
// A key that does not apply to a phase (read_percent of a randwrite phase) has no value; that
// differs from any value.
//
// Thread-safety: the functions share no state.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "result/json.h"
#include "result/run_result.h"
#include "spec/phase_keys.h"

namespace durabench {

// One key of one phase whose value is not the same in every input that ran the phase.
struct WorkDiff {
  std::string phase;
  const PhaseKey* key = nullptr;  // a row of PhaseKeyTable(); never null
  // Per input, in input order: the value as the result file writes it under key->json_name
  // (4096, "fdatasync", false); null where the input lacks the phase or the key does not apply.
  std::vector<Json> values;
  // Per input, for people (PhaseKeyValueText, spec/phase_keys.h): "4KiB", "fdatasync", "10.00s";
  // "-" where the input lacks the phase, "n/a" where the key does not apply to the input's phase.
  std::vector<std::string> text;
};

// Compares the specs that several inputs ran for one phase named `phase`; a nullptr entry is an
// input without the phase and takes no part. Keys in table order, leaving out those whose table
// name (PhaseKey::name, "runtime") is in `ignored`. Empty when fewer than two specs are given.
std::vector<WorkDiff> DiffPhaseSpecs(const std::string& phase,
                                     const std::vector<const PhaseSpec*>& specs,
                                     std::span<const std::string_view> ignored = {});

// DiffPhaseSpecs for every phase name that at least two of `results` ran (phases in first-seen
// order over the inputs). `results` are not owned and not null.
std::vector<WorkDiff> DiffWork(const std::vector<const RunResult*>& results,
                               std::span<const std::string_view> ignored = {});

// The names of the phases that at least two of `results` ran, in first-seen order.
std::vector<std::string> SharedPhaseNames(const std::vector<const RunResult*>& results);

// "block-size 4KiB vs 8KiB" (every input's text, " vs " between them; the key as `run` spells
// it, PhaseKeyFlagName).
std::string WorkDiffText(const WorkDiff& d);

// What input `input` ran of the keys that differ in phase `phase`, in the spelling of `run`'s
// options: "block-size=8KiB sync=fsync" (diffs in their order, a key that does not apply
// "read-percent=n/a"). "" when no key of the phase differs or the input lacks the phase.
// `diffs` as DiffWork returns them; `input` indexes WorkDiff::text.
std::string InputWorkText(const std::vector<WorkDiff>& diffs, const std::string& phase,
                          size_t input);

}  // namespace durabench
