#include "compare/work_diff.h"

#include <algorithm>
#include <optional>

namespace durabench {
namespace {

bool Ignored(std::string_view name, std::span<const std::string_view> ignored) {
  return std::find(ignored.begin(), ignored.end(), name) != ignored.end();
}

const PhaseSpec* FindSpec(const RunResult& r, const std::string& name) {
  for (const PhaseResult& p : r.phases) {
    if (p.spec.name == name) return &p.spec;
  }
  return nullptr;
}

}  // namespace

std::vector<WorkDiff> DiffPhaseSpecs(const std::string& phase,
                                     const std::vector<const PhaseSpec*>& specs,
                                     std::span<const std::string_view> ignored) {
  std::vector<WorkDiff> out;
  std::vector<Json> as_json;  // each spec as the result file writes it
  size_t present = 0;
  for (const PhaseSpec* s : specs) {
    as_json.push_back(s ? PhaseSpecToJson(*s) : Json());
    present += s ? 1 : 0;
  }
  if (present < 2) return out;
  for (const PhaseKey& key : PhaseKeyTable()) {
    if (Ignored(key.name, ignored)) continue;
    WorkDiff d{phase, &key, {}, {}};
    std::optional<size_t> first;  // the first input that ran the phase
    bool differ = false;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!specs[i]) {
        d.values.emplace_back(nullptr);
        d.text.emplace_back("-");
        continue;
      }
      const auto it = as_json[i].find(key.json_name);
      const bool applies = it != as_json[i].end();
      d.values.push_back(applies ? *it : Json(nullptr));
      d.text.push_back(applies ? PhaseKeyValueText(key, *specs[i]) : "n/a");
      if (!first) first = i;
      differ = differ || d.values[i] != d.values[*first];
    }
    if (differ) out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> SharedPhaseNames(const std::vector<const RunResult*>& results) {
  std::vector<std::string> seen;  // every name, first-seen order
  std::vector<size_t> ran_by;     // how many inputs ran it
  for (const RunResult* r : results) {
    std::vector<std::string> in_this;  // a name repeated within one result counts once
    for (const PhaseResult& p : r->phases) {
      if (std::find(in_this.begin(), in_this.end(), p.spec.name) != in_this.end()) continue;
      in_this.push_back(p.spec.name);
      const auto it = std::find(seen.begin(), seen.end(), p.spec.name);
      if (it == seen.end()) {
        seen.push_back(p.spec.name);
        ran_by.push_back(1);
      } else {
        ++ran_by[static_cast<size_t>(it - seen.begin())];
      }
    }
  }
  std::vector<std::string> shared;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (ran_by[i] > 1) shared.push_back(seen[i]);
  }
  return shared;
}

std::vector<WorkDiff> DiffWork(const std::vector<const RunResult*>& results,
                               std::span<const std::string_view> ignored) {
  std::vector<WorkDiff> out;
  for (const std::string& name : SharedPhaseNames(results)) {
    std::vector<const PhaseSpec*> specs;
    for (const RunResult* r : results) specs.push_back(FindSpec(*r, name));
    for (WorkDiff& d : DiffPhaseSpecs(name, specs, ignored)) out.push_back(std::move(d));
  }
  return out;
}

std::string WorkDiffText(const WorkDiff& d) {
  std::string out = PhaseKeyFlagName(*d.key);
  for (size_t i = 0; i < d.text.size(); ++i) out += (i == 0 ? " " : " vs ") + d.text[i];
  return out;
}

std::string InputWorkText(const std::vector<WorkDiff>& diffs, const std::string& phase,
                          size_t input) {
  std::string out;
  for (const WorkDiff& d : diffs) {
    if (d.phase != phase || input >= d.text.size() || d.text[input] == "-") continue;
    out += (out.empty() ? "" : " ") + PhaseKeyFlagName(*d.key) + "=" + d.text[input];
  }
  return out;
}

}  // namespace durabench
