#include "workload/workload_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "engine/registry.h"
#include "spec/phase_keys.h"
#include "util/data_dir.h"
#include "util/read_file.h"
#include "util/strings.h"
#include "util/units.h"

namespace durabench {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Phase keys: spec/phase_keys.h's table, shared by the TOML parser and the `run` flag overrides,
// so that both accept the same values and give the same messages.

using KeyDef = PhaseKey;
using Parsed = PhaseKeyValue;

constexpr uint64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

std::string Quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

// What a value of this kind looks like, for "expected ..." messages.
std::string_view Expected(KeyKind kind) {
  switch (kind) {
    case KeyKind::kInt:
      return "an integer";
    case KeyKind::kSize:
      return "a size string such as \"4KiB\" or an integer number of bytes";
    case KeyKind::kDuration:
      return "a duration string with a unit such as \"10s\"";
    case KeyKind::kBool:
      return "a boolean";
    case KeyKind::kEngine:
    case KeyKind::kPattern:
    case KeyKind::kSync:
    case KeyKind::kData:
    case KeyKind::kCpus:
      return "a string";
  }
  return "a string";
}

// The choices listed after "valid:".
std::string Valid(const KeyDef& def) {
  switch (def.kind) {
    case KeyKind::kEngine: {
      // The engines of this build (engine/registry.h); a module's (rados, rbd, gfapi) join the
      // registry only when it is loaded.
      std::vector<std::string_view> names;
      for (const EngineInfo* e : AllEngines()) names.push_back(e->name);
      return JoinStrings(names) + ", or a module's engine (durabench list)";
    }
    case KeyKind::kPattern:
      return JoinStrings(AllPatternNames());
    case KeyKind::kSync:
      return JoinStrings(AllSyncMethodNames());
    case KeyKind::kData:
      return std::string(DataSpecChoices());
    case KeyKind::kCpus:
      return "a CPU list such as \"0-3,6\"";
    case KeyKind::kBool:
      return "true, false";
    case KeyKind::kDuration:
      return "a number and one of ns, us, ms, s, m, h";
    case KeyKind::kInt:
      if (def.max == kI64Max) return "integers >= " + std::to_string(def.min);
      return std::to_string(def.min) + ".." + std::to_string(def.max);
    case KeyKind::kSize:
      if (def.max == kU64Max) return "at least " + FormatSizeBytes(def.min);
      return FormatSizeBytes(def.min) + ".." + FormatSizeBytes(def.max);
  }
  return "";
}

Status TypeError(const KeyDef& def, std::string_view got) {
  return Status::InvalidArgument("expected " + std::string(Expected(def.kind)) + ", got " +
                                 std::string(got) + "; valid: " + Valid(def));
}

Status RangeError(const KeyDef& def, std::string_view shown) {
  return Status::InvalidArgument(std::string(shown) + " is out of range; valid: " + Valid(def));
}

// A value as given: TOML gives a typed value, a flag always a string.
struct Given {
  enum class Type { kString, kInteger, kBool } type;
  std::string text;
  int64_t integer = 0;
  bool boolean = false;
};

// Checks `given` against `def` and converts it. The message has no key prefix; the caller adds
// "<file>:<line>: key '<key>': " or "--<flag>: ".
Result<Parsed> Convert(const KeyDef& def, const Given& given) {
  Parsed out;
  switch (def.kind) {
    case KeyKind::kInt:
      if (given.type != Given::Type::kInteger) {
        return TypeError(def, given.type == Given::Type::kBool ? "boolean" : "string");
      }
      if (given.integer < 0 || static_cast<uint64_t>(given.integer) < def.min ||
          static_cast<uint64_t>(given.integer) > def.max) {
        return RangeError(def, std::to_string(given.integer));
      }
      out.number = static_cast<uint64_t>(given.integer);
      return out;
    case KeyKind::kSize: {
      std::string shown;
      if (given.type == Given::Type::kInteger) {
        if (given.integer < 0) return RangeError(def, std::to_string(given.integer));
        out.number = static_cast<uint64_t>(given.integer);
        shown = std::to_string(given.integer);
      } else if (given.type == Given::Type::kString) {
        Result<uint64_t> bytes = ParseSizeBytes(given.text);
        if (!bytes.ok()) return bytes.status();
        out.number = *bytes;
        shown = Quoted(given.text);
      } else {
        return TypeError(def, "boolean");
      }
      if (out.number < def.min || out.number > def.max) return RangeError(def, shown);
      return out;
    }
    case KeyKind::kBool:
      if (given.type != Given::Type::kBool) {
        return TypeError(def, given.type == Given::Type::kInteger ? "integer" : "string");
      }
      out.flag = given.boolean;
      return out;
    case KeyKind::kEngine:
    case KeyKind::kPattern:
    case KeyKind::kSync:
    case KeyKind::kData:
    case KeyKind::kDuration:
    case KeyKind::kCpus:
      break;
  }
  // The remaining kinds are strings.
  if (given.type != Given::Type::kString) {
    return TypeError(def, given.type == Given::Type::kInteger ? "integer" : "boolean");
  }
  switch (def.kind) {
    case KeyKind::kEngine:
      if (given.text.empty()) return Status::InvalidArgument("is empty; valid: " + Valid(def));
      out.text = given.text;
      return out;
    case KeyKind::kPattern: {
      Result<Pattern> p = ParsePattern(given.text);
      if (!p.ok()) return p.status();
      out.pattern = *p;
      return out;
    }
    case KeyKind::kSync: {
      Result<SyncMethod> s = ParseSyncMethod(given.text);
      if (!s.ok()) return s.status();
      out.sync = *s;
      return out;
    }
    case KeyKind::kData: {
      Result<DataSpec> d = ParseDataSpec(given.text);
      if (!d.ok()) return d.status();
      out.data = *d;
      return out;
    }
    case KeyKind::kCpus: {
      Result<std::vector<int>> cpus = ParseCpuList(given.text);
      if (!cpus.ok()) return cpus.status();
      out.text = given.text;
      return out;
    }
    case KeyKind::kDuration: {
      Result<uint64_t> ns = ParseDurationNs(given.text);
      if (!ns.ok()) return ns.status();
      out.number = *ns;
      return out;
    }
    case KeyKind::kInt:
    case KeyKind::kSize:
    case KeyKind::kBool:
      break;
  }
  return Status::Internal("unhandled key kind");
}

// ---------------------------------------------------------------------------------------------
// TOML helpers.

std::string_view TypeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// A TOML value as a Given; nullopt for types no phase key takes (float, date, array, table).
std::optional<Given> GivenFromNode(const toml::node& n) {
  if (const auto* s = n.as_string()) return Given{Given::Type::kString, s->get(), 0, false};
  if (const auto* i = n.as_integer()) return Given{Given::Type::kInteger, "", i->get(), false};
  if (const auto* b = n.as_boolean()) return Given{Given::Type::kBool, "", 0, b->get()};
  return std::nullopt;
}

// The value as written, for sweep phase names: strings without quotes.
std::string WrittenValue(const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  return "?";
}

bool Before(const toml::source_position& a, const toml::source_position& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

struct Entry {
  std::string_view key;
  toml::source_position pos;  // of the key
  const toml::node* node;
};

// A table's entries in file order (toml++ keeps them sorted by key), so that errors name the
// first problem in the file and sweeps expand in the order they were written.
std::vector<Entry> InFileOrder(const toml::table& t) {
  std::vector<Entry> out;
  for (auto&& [k, v] : t) out.push_back({k.str(), k.source().begin, &v});
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& a, const Entry& b) { return Before(a.pos, b.pos); });
  return out;
}

// Parses one workload text; carries the source name for messages.
class FileParser {
 public:
  explicit FileParser(std::string_view source) : source_(source) {}

  Result<WorkloadSpec> Parse(const toml::table& root);

 private:
  struct Axis {
    const KeyDef* def;
    toml::source_position pos;
    const char* origin;  // "[sweep]" or "[phase.sweep]"
    std::vector<const toml::node*> values;
  };
  struct Draft {
    PhaseSpec spec;
    uint32_t line = 1;
    std::vector<Entry> keys_set;  // phase keys set in the [[phase]] itself
    std::vector<Axis> sweep;
    std::vector<FaultSpec> faults;  // its [[phase.fault]] tables
  };

  Status Error(uint32_t line, std::string_view key, std::string_view problem) const {
    return Status::InvalidArgument(source_ + ":" + std::to_string(line) + ": key '" +
                                   std::string(key) + "': " + std::string(problem));
  }
  Status UnknownKey(const Entry& e, std::string_view where, std::string_view valid,
                    std::string_view hint = "") const {
    std::string problem = "unknown key " + std::string(where);
    if (!hint.empty()) problem += " (" + std::string(hint) + ")";
    return Error(e.pos.line, e.key, problem + "; valid: " + std::string(valid));
  }

  Status ApplyValue(const KeyDef& def, const toml::node& n, std::string_view key,
                    PhaseSpec* p) const;
  Status ParseDefaults(const toml::node& n, PhaseSpec* p) const;
  Status ParseSweep(const Entry& e, const char* origin, std::vector<Axis>* axes) const;
  // [[fault]] or [[phase.fault]] tables (`origin` names which) into *faults.
  Status ParseFaults(const Entry& e, const char* origin, std::vector<FaultSpec>* faults) const;
  Status ParsePhase(const toml::node& n, size_t index, const PhaseSpec& defaults,
                    Draft* draft) const;
  Status Expand(const Draft& d, const std::vector<Axis>& top_sweep, std::vector<PhaseSpec>* out,
                std::vector<uint32_t>* lines) const;

  std::string source_;
};

constexpr size_t kMaxPhases = 10'000;
constexpr std::string_view kTopKeys = "description, defaults, phase, sweep, fault";
constexpr std::string_view kFaultKeys = "at, run, undo_at, undo";

std::string PhaseKeyList() { return JoinStrings(PhaseKeys()); }

Status FileParser::ApplyValue(const KeyDef& def, const toml::node& n, std::string_view key,
                              PhaseSpec* p) const {
  std::optional<Given> given = GivenFromNode(n);
  if (!given) {
    return Error(n.source().begin.line, key, TypeError(def, TypeName(n.type())).message());
  }
  Result<Parsed> v = Convert(def, *given);
  if (!v.ok()) return Error(n.source().begin.line, key, v.status().message());
  def.set(*v, p);
  return Status::Ok();
}

Status FileParser::ParseDefaults(const toml::node& n, PhaseSpec* p) const {
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    return Error(n.source().begin.line, "defaults",
                 "expected a table, got " + std::string(TypeName(n.type())) +
                     "; valid: a [defaults] table of phase keys");
  }
  for (const Entry& e : InFileOrder(*t)) {
    const KeyDef* def = FindPhaseKey(e.key);
    if (def == nullptr) {
      std::string_view hint;
      if (e.key == "name") hint = "phase names belong in [[phase]]";
      if (e.key == "sweep") hint = "use a top-level [sweep] or a [phase.sweep]";
      return UnknownKey(e, "in [defaults]", PhaseKeyList(), hint);
    }
    DURABENCH_RETURN_IF_ERROR(ApplyValue(*def, *e.node, e.key, p));
  }
  return Status::Ok();
}

Status FileParser::ParseSweep(const Entry& sweep, const char* origin,
                              std::vector<Axis>* axes) const {
  const toml::table* t = sweep.node->as_table();
  if (t == nullptr) {
    return Error(sweep.node->source().begin.line, "sweep",
                 "expected a table, got " + std::string(TypeName(sweep.node->type())) +
                     "; valid: a table of phase key = [values]");
  }
  for (const Entry& e : InFileOrder(*t)) {
    const KeyDef* def = FindPhaseKey(e.key);
    if (def == nullptr) return UnknownKey(e, std::string("in ") + origin, PhaseKeyList());
    const std::string list_of = "a non-empty array of values, each " +
                                std::string(Expected(def->kind)) + " (" + Valid(*def) + ")";
    const toml::array* values = e.node->as_array();
    if (values == nullptr) {
      return Error(e.node->source().begin.line, e.key,
                   "expected an array of values to sweep, got " +
                       std::string(TypeName(e.node->type())) + "; valid: " + list_of);
    }
    if (values->empty()) {
      return Error(e.node->source().begin.line, e.key, "sweep list is empty; valid: " + list_of);
    }
    Axis axis{def, e.pos, origin, {}};
    std::map<std::string, uint32_t> seen;  // value as written -> line
    for (const toml::node& v : *values) {
      PhaseSpec scratch;
      DURABENCH_RETURN_IF_ERROR(ApplyValue(*def, v, e.key, &scratch));
      const uint32_t line = v.source().begin.line;
      auto [it, inserted] = seen.emplace(WrittenValue(v), line);
      if (!inserted) {
        return Error(line, e.key,
                     "value " + Quoted(it->first) +
                         " appears twice in the sweep list (also at line " +
                         std::to_string(it->second) + ")");
      }
      axis.values.push_back(&v);
    }
    axes->push_back(std::move(axis));
  }
  return Status::Ok();
}

Status FileParser::ParseFaults(const Entry& e, const char* origin,
                               std::vector<FaultSpec>* faults) const {
  const toml::array* list = e.node->as_array();
  if (list == nullptr || !e.node->is_array_of_tables()) {
    return Error(e.node->source().begin.line, e.key,
                 "expected an array of tables, got " + std::string(TypeName(e.node->type())) +
                     "; valid: " + origin + " tables with " + std::string(kFaultKeys));
  }
  for (const toml::node& n : *list) {
    const toml::table& t = *n.as_table();
    FaultSpec f;
    bool has_at = false;
    for (const Entry& k : InFileOrder(t)) {
      const uint32_t line = k.node->source().begin.line;
      const auto* text = k.node->as_string();
      if (k.key != "at" && k.key != "run" && k.key != "undo_at" && k.key != "undo") {
        return UnknownKey(k, std::string("in ") + origin, kFaultKeys);
      }
      if (text == nullptr) {
        return Error(
            line, k.key,
            "expected a string, got " + std::string(TypeName(k.node->type())) +
                (k.key == "at" || k.key == "undo_at" ? "; valid: a duration such as \"20s\""
                                                     : "; valid: a shell command"));
      }
      if (k.key == "at" || k.key == "undo_at") {
        Result<uint64_t> ns = ParseDurationNs(text->get());
        if (!ns.ok()) return Error(line, k.key, ns.status().message());
        (k.key == "at" ? f.at_ns : f.undo_at_ns) = *ns;
        has_at = has_at || k.key == "at";
      } else {
        (k.key == "run" ? f.run : f.undo) = text->get();
      }
    }
    const uint32_t line = n.source().begin.line;
    if (!has_at)
      return Error(line, "at", std::string("missing in ") + origin + "; valid: at = \"20s\"");
    if (f.run.empty()) {
      return Error(
          line, "run",
          std::string("missing or empty in ") + origin + "; valid: run = \"a shell command\"");
    }
    faults->push_back(std::move(f));
  }
  return Status::Ok();
}

Status FileParser::ParsePhase(const toml::node& n, size_t index, const PhaseSpec& defaults,
                              Draft* draft) const {
  draft->spec = defaults;
  draft->spec.name = "phase" + std::to_string(index + 1);
  draft->line = n.source().begin.line;
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    return Error(
        draft->line, "phase",
        "expected a table, got " + std::string(TypeName(n.type())) + "; valid: [[phase]] tables");
  }
  for (const Entry& e : InFileOrder(*t)) {
    if (e.key == "name") {
      const toml::node& v = *e.node;
      const auto* s = v.as_string();
      const uint32_t line = v.source().begin.line;
      if (s == nullptr) {
        return Error(line, e.key,
                     "expected a string, got " + std::string(TypeName(v.type())) +
                         "; valid: a non-empty phase name");
      }
      const std::string& name = s->get();
      if (name.empty()) return Error(line, e.key, "is empty; valid: a non-empty phase name");
      if (Status st = ValidatePhaseName(name); !st.ok()) return Error(line, e.key, st.message());
      if (name.find_first_of("[]") != std::string::npos) {
        return Error(line, e.key,
                     Quoted(name) +
                         " contains '[' or ']', which mark swept values in phase "
                         "names; valid: a name without brackets");
      }
      draft->spec.name = name;
      draft->line = line;
      continue;
    }
    if (e.key == "sweep") {
      DURABENCH_RETURN_IF_ERROR(ParseSweep(e, "[phase.sweep]", &draft->sweep));
      continue;
    }
    if (e.key == "fault") {
      DURABENCH_RETURN_IF_ERROR(ParseFaults(e, "[[phase.fault]]", &draft->faults));
      continue;
    }
    const KeyDef* def = FindPhaseKey(e.key);
    if (def == nullptr) {
      return UnknownKey(e, "in [[phase]]", "name, sweep, fault, " + PhaseKeyList());
    }
    DURABENCH_RETURN_IF_ERROR(ApplyValue(*def, *e.node, e.key, &draft->spec));
    draft->keys_set.push_back(e);
  }
  return Status::Ok();
}

Status FileParser::Expand(const Draft& d, const std::vector<Axis>& top_sweep,
                          std::vector<PhaseSpec>* out, std::vector<uint32_t>* lines) const {
  // A key is swept in one place only, and a key set in the phase is not also swept: either
  // would leave it unclear which value runs.
  for (const Axis& own : d.sweep) {
    for (const Axis& top : top_sweep) {
      if (own.def == top.def) {
        return Error(own.pos.line, own.def->name,
                     "swept in both [phase.sweep] and the top-level [sweep] (line " +
                         std::to_string(top.pos.line) + "); valid: sweep a key in one place");
      }
    }
  }
  std::vector<Axis> axes = top_sweep;
  axes.insert(axes.end(), d.sweep.begin(), d.sweep.end());
  for (const Entry& e : d.keys_set) {
    for (const Axis& a : axes) {
      if (a.def->name == e.key) {
        return Error(e.pos.line, e.key,
                     "set in phase '" + d.spec.name + "' and also swept by " + a.origin +
                         " (line " + std::to_string(a.pos.line) +
                         "); valid: set it in [defaults], or drop one of the two");
      }
    }
  }
  if (axes.empty()) {
    out->push_back(d.spec);
    lines->push_back(d.line);
    return Status::Ok();
  }
  // File order, first key outermost.
  std::stable_sort(axes.begin(), axes.end(),
                   [](const Axis& a, const Axis& b) { return Before(a.pos, b.pos); });
  size_t combinations = 1;
  for (const Axis& a : axes) {
    combinations *= a.values.size();
    if (combinations + out->size() > kMaxPhases) {
      return Error(a.pos.line, a.def->name,
                   "the sweeps of phase '" + d.spec.name + "' make more than " +
                       std::to_string(kMaxPhases) + " phases; valid: at most " +
                       std::to_string(kMaxPhases) + " phases in all");
    }
  }
  std::vector<size_t> index(axes.size(), 0);
  for (size_t c = 0; c < combinations; ++c) {
    PhaseSpec p = d.spec;
    std::string suffix;
    for (size_t i = 0; i < axes.size(); ++i) {
      const toml::node& v = *axes[i].values[index[i]];
      DURABENCH_RETURN_IF_ERROR(ApplyValue(*axes[i].def, v, axes[i].def->name, &p));
      suffix += suffix.empty() ? "[" : ",";
      suffix += std::string(axes[i].def->name) + "=" + WrittenValue(v);
    }
    p.name += suffix + "]";
    out->push_back(std::move(p));
    lines->push_back(d.line);
    // Odometer: the last axis turns fastest.
    for (size_t i = axes.size(); i-- > 0;) {
      if (++index[i] < axes[i].values.size()) break;
      index[i] = 0;
    }
  }
  return Status::Ok();
}

Result<WorkloadSpec> FileParser::Parse(const toml::table& root) {
  WorkloadSpec spec;
  spec.name = fs::path(source_).stem().string();
  spec.source = source_;
  PhaseSpec defaults;
  const toml::node* phases = nullptr;
  uint32_t phases_line = 1;
  std::vector<Axis> top_sweep;
  std::vector<FaultSpec> top_faults;  // [[fault]]: on every phase's timeline

  for (const Entry& e : InFileOrder(root)) {
    const toml::node& v = *e.node;
    if (e.key == "description") {
      const auto* s = v.as_string();
      if (s == nullptr) {
        return Error(v.source().begin.line, e.key,
                     "expected a string, got " + std::string(TypeName(v.type())) +
                         "; valid: a one-line description");
      }
      spec.description = s->get();
    } else if (e.key == "defaults") {
      DURABENCH_RETURN_IF_ERROR(ParseDefaults(v, &defaults));
    } else if (e.key == "phase") {
      if (!v.is_array_of_tables() && !(v.is_array() && v.as_array()->empty())) {
        return Error(v.source().begin.line, e.key,
                     "expected an array of tables, got " + std::string(TypeName(v.type())) +
                         "; valid: [[phase]] tables");
      }
      phases = &v;
      phases_line = e.pos.line;
    } else if (e.key == "sweep") {
      DURABENCH_RETURN_IF_ERROR(ParseSweep(e, "[sweep]", &top_sweep));
    } else if (e.key == "fault") {
      DURABENCH_RETURN_IF_ERROR(ParseFaults(e, "[[fault]]", &top_faults));
    } else {
      return UnknownKey(e, "at top level", kTopKeys,
                        FindPhaseKey(e.key) ? "phase keys belong in [defaults] or [[phase]]" : "");
    }
  }

  // [defaults] may come after [[phase]] in the file, so phases are built once all is read.
  std::vector<Draft> drafts;
  const toml::array* list = phases ? phases->as_array() : nullptr;
  if (list == nullptr || list->empty()) {
    Draft d;
    d.spec = defaults;
    d.spec.name = "main";
    d.line = phases_line;
    drafts.push_back(std::move(d));
  } else {
    for (size_t i = 0; i < list->size(); ++i) {
      Draft d;
      DURABENCH_RETURN_IF_ERROR(ParsePhase(*list->get(i), i, defaults, &d));
      drafts.push_back(std::move(d));
    }
  }

  std::vector<uint32_t> lines;
  for (Draft& d : drafts) {
    // The top-level faults and the phase's own, in the order they are due.
    d.spec.faults = top_faults;
    d.spec.faults.insert(d.spec.faults.end(), d.faults.begin(), d.faults.end());
    std::stable_sort(d.spec.faults.begin(), d.spec.faults.end(),
                     [](const FaultSpec& a, const FaultSpec& b) { return a.at_ns < b.at_ns; });
    DURABENCH_RETURN_IF_ERROR(Expand(d, top_sweep, &spec.phases, &lines));
  }
  for (size_t i = 0; i < spec.phases.size(); ++i) {
    // A swept string value ("engine", "cpus", "data") becomes part of the phase name.
    if (Status st = ValidatePhaseName(spec.phases[i].name); !st.ok()) {
      return Error(lines[i], "name", st.message());
    }
  }
  std::map<std::string_view, uint32_t> names;
  for (size_t i = 0; i < spec.phases.size(); ++i) {
    auto [it, inserted] = names.emplace(spec.phases[i].name, lines[i]);
    if (!inserted) {
      return Error(lines[i], "name",
                   "duplicate phase name '" + spec.phases[i].name + "' (also at line " +
                       std::to_string(it->second) + "); valid: a name used by no other phase");
    }
  }
  for (const PhaseSpec& p : spec.phases) {
    DURABENCH_RETURN_IF_ERROR(ValidatePhase(p, source_ + ": phase '" + p.name + "'"));
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Nesting, checked before toml++ parses: toml++ recurses once per level of a dotted key
// ("a.a.a...") and overflows the stack (SIGSEGV) at some 50,000 levels. A workload nests 4 levels
// at most ([[phase]] > [phase.sweep] > key > array), so 100 is far above any real file.
constexpr size_t kMaxTomlNesting = 100;

// The line on which `text` first nests deeper than `limit`, counting open '[' and '{' plus the
// dots of the dotted key or header being read, outside strings and comments; nullopt if never.
// A lexical scan only: it errs toward counting too much (a float's dot), never too little.
std::optional<uint32_t> FindTooDeepNesting(std::string_view text, size_t limit) {
  uint32_t line = 1;
  size_t depth = 0;  // open brackets and braces
  size_t dots = 0;   // dots since the last '=', ',', bracket, brace or newline
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      // Basic ("...", escapes) or literal ('...') string; tripled: multi-line.
      const bool multi = text.substr(i, 3) == std::string(3, c);
      i += multi ? 3 : 1;
      while (i < text.size()) {
        const char d = text[i];
        if (d == '\\' && c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '\n') ++line;
          i += 2;
          continue;
        }
        if (d == '\n') {
          ++line;
          if (!multi) break;  // unterminated: toml++ reports it
        }
        if (d == c) {
          // A multi-line string ends at a run of 3 to 5 quotes (up to 2 belong to the content).
          size_t run = 0;
          while (i + run < text.size() && text[i + run] == c) ++run;
          if (!multi) {
            ++i;
            break;
          }
          i += run;
          if (run >= 3) break;
          continue;
        }
        ++i;
      }
      continue;
    }
    switch (c) {
      case '#':
        while (i < text.size() && text[i] != '\n') ++i;
        continue;
      case '\n':
        ++line;
        dots = 0;
        break;
      case '[':
      case '{':
        ++depth;
        dots = 0;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        dots = 0;
        break;
      case '=':
      case ',':
        dots = 0;
        break;
      case '.':
        ++dots;
        break;
      default:
        break;
    }
    if (depth + dots > limit) return line;
    ++i;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Files and the search path.

// Workload files are a few KiB; the cap stops `durabench run /dev/zero` from reading forever.
constexpr size_t kMaxFileBytes = 4 << 20;

// A FIFO or device named as a workload is refused, not read (util/read_file.h).
Result<std::string> ReadSmallFile(const std::string& path) {
  Result<std::string> text = ReadRegularFile(path, kMaxFileBytes, "workload file");
  if (text.status().code() == Status::Code::kNotFound) {
    return Status::NotFound("workload file '" + path + "' does not exist");
  }
  return text;
}

// The search path: each directory of $DURABENCH_WORKLOADS, then the presets shipped beside this
// binary (util/data_dir.h). When their place is unknown (no /proc), `presets_unknown` (if
// given) receives why.
std::vector<std::string> SearchDirs(std::string* presets_unknown = nullptr) {
  std::vector<std::string> dirs;
  auto add = [&dirs](std::string_view d) {
    if (d.empty()) return;
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.emplace_back(d);
  };
  if (const char* env = std::getenv("DURABENCH_WORKLOADS")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      add(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (Result<std::string> data = DataDir(); data.ok()) {
    add((fs::path(*data) / "workloads").string());
  } else if (presets_unknown != nullptr) {
    *presets_unknown = data.status().message();
  }
  return dirs;
}

bool IsWorkloadFile(const fs::directory_entry& entry) {
  std::error_code ec;
  return entry.path().extension() == ".toml" && entry.is_regular_file(ec);
}

// Name -> path of the first file with that name on the search path.
std::map<std::string, std::string> FindAll() {
  std::map<std::string, std::string> found;
  for (const std::string& dir : SearchDirs()) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (IsWorkloadFile(*it)) found.emplace(it->path().stem().string(), it->path().string());
    }
  }
  return found;
}

}  // namespace

std::string PhaseKeyChoices(std::string_view key) {
  const KeyDef* def = FindPhaseKey(key);
  return def == nullptr ? "" : Valid(*def);
}

bool IsBooleanPhaseKey(std::string_view key) {
  const KeyDef* def = FindPhaseKey(key);
  return def != nullptr && def->kind == KeyKind::kBool;
}

const std::vector<std::string_view>& PhaseKeys() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    for (const KeyDef& k : PhaseKeyTable()) names.push_back(k.name);
    return names;
  }();
  return kNames;
}

Result<WorkloadSpec> ParseWorkloadText(std::string_view text, std::string_view source_name) {
  if (const std::optional<uint32_t> line = FindTooDeepNesting(text, kMaxTomlNesting)) {
    return Status::InvalidArgument(std::string(source_name) + ":" + std::to_string(*line) +
                                   ": TOML nested deeper than " + std::to_string(kMaxTomlNesting) +
                                   " levels (dotted keys, tables, arrays); valid: a workload " +
                                   "nests 4 levels at most");
  }
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(EscapeControlCharacters(
        std::string(source_name) + ":" + std::to_string(e.source().begin.line) +
        ": TOML syntax error at column " + std::to_string(e.source().begin.column) + ": " +
        std::string(e.description())));
  }
  Result<WorkloadSpec> spec = FileParser(source_name).Parse(root);
  // Messages quote values from the file: never print its control characters raw.
  if (!spec.ok()) return Status::InvalidArgument(EscapeControlCharacters(spec.status().message()));
  return spec;
}

Result<WorkloadSpec> ParseWorkloadFile(const std::string& path) {
  Result<std::string> text = ReadSmallFile(path);
  if (!text.ok()) return text.status();
  return ParseWorkloadText(*text, path);
}

Result<WorkloadSpec> LoadWorkload(std::string_view name_or_path) {
  const std::string arg(name_or_path);
  if (arg.find('/') != std::string::npos || arg.ends_with(".toml")) {
    return ParseWorkloadFile(arg);
  }
  std::string presets_unknown;
  const std::vector<std::string> dirs = SearchDirs(&presets_unknown);
  if (!arg.empty()) {
    for (const std::string& dir : dirs) {
      const fs::path candidate = fs::path(dir) / (arg + ".toml");
      std::error_code ec;
      if (!fs::is_regular_file(candidate, ec)) continue;
      Result<WorkloadSpec> spec = ParseWorkloadFile(candidate.string());
      if (spec.ok()) spec->name = arg;
      return spec;
    }
  }
  std::vector<std::string_view> names;
  const std::map<std::string, std::string> all = FindAll();
  for (const auto& [name, path] : all) names.push_back(name);
  std::string searched = dirs.empty() ? "nothing" : JoinStrings(dirs);
  if (!presets_unknown.empty()) {
    searched += "; not the presets: their directory is unknown, " + presets_unknown;
  }
  return Status::NotFound("no workload named '" + arg + "'; valid: " +
                          (names.empty() ? std::string("(none found)") : JoinStrings(names)) +
                          ", or a path to a .toml file (searched " + searched +
                          "; add directories with DURABENCH_WORKLOADS)");
}

std::vector<WorkloadInfo> ListWorkloads() {
  std::vector<WorkloadInfo> out;
  for (const auto& [name, path] : FindAll()) {
    Result<WorkloadSpec> spec = ParseWorkloadFile(path);
    out.push_back(
        {name, path, spec.ok() ? spec->description : "(invalid: " + spec.status().message() + ")"});
  }
  return out;  // sorted: FindAll's map is ordered by name
}

namespace {

std::string FlagName(std::string_view key) {
  std::string flag = "--" + std::string(key);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

// True if `phase_name` came from a sweep over `key`: "<name>[a=1,key=2]". Explicit phase names
// cannot contain brackets, so the suffix is ours.
bool IsSweptKey(std::string_view phase_name, std::string_view key) {
  const size_t open = phase_name.find('[');
  if (open == std::string_view::npos) return false;
  const std::string_view suffix = phase_name.substr(open);
  const std::string k = std::string(key) + "=";
  return suffix.find("[" + k) != std::string_view::npos ||
         suffix.find("," + k) != std::string_view::npos;
}

// A flag's string as the Given its key expects: integers and booleans are converted first.
Result<Given> GivenFromFlag(const KeyDef& def, const std::string& value) {
  Given g{Given::Type::kString, value, 0, false};
  if (def.kind == KeyKind::kInt) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      return Status::InvalidArgument("expected an integer, got " + Quoted(value) +
                                     "; valid: " + Valid(def));
    }
    g = Given{Given::Type::kInteger, "", v, false};
  } else if (def.kind == KeyKind::kBool) {
    if (value != "true" && value != "false") {
      return Status::InvalidArgument("expected true or false, got " + Quoted(value) +
                                     "; valid: " + Valid(def));
    }
    g = Given{Given::Type::kBool, "", 0, value == "true"};
  }
  return g;
}

Status ApplyOverridesUnescaped(const std::vector<PhaseOverride>& overrides, WorkloadSpec* spec) {
  if (overrides.empty()) return Status::Ok();
  std::string applied;  // "--block-size=4KiB --direct=true", for validation messages
  for (const PhaseOverride& o : overrides) {
    std::string key = o.key;
    std::replace(key.begin(), key.end(), '-', '_');  // accept "block-size" as well
    const std::string flag = FlagName(key);
    const KeyDef* def = FindPhaseKey(key);
    if (def == nullptr) {
      std::string flags;
      for (std::string_view k : PhaseKeys()) flags += (flags.empty() ? "" : ", ") + FlagName(k);
      return Status::InvalidArgument(flag + ": unknown phase key; valid: " + flags);
    }
    Result<Given> given = GivenFromFlag(*def, o.value);
    if (!given.ok()) return given.status().WithContext(flag);
    Result<Parsed> v = Convert(*def, *given);
    if (!v.ok()) return v.status().WithContext(flag);
    for (const PhaseSpec& p : spec->phases) {
      if (IsSweptKey(p.name, key)) {
        return Status::InvalidArgument(
            flag + ": the workload sweeps " + key + " (phase '" + p.name +
            "'), and one value for every phase would mislabel them; valid: edit the workload's "
            "sweep, or use a workload that does not sweep " +
            key);
      }
    }
    for (PhaseSpec& p : spec->phases) def->set(*v, &p);
    if (!applied.empty()) applied += ' ';
    applied += flag + "=" + o.value;
  }
  for (const PhaseSpec& p : spec->phases) {
    std::string where = spec->source.empty() ? "" : spec->source + ": ";
    where += "phase '" + p.name + "' with " + applied;
    DURABENCH_RETURN_IF_ERROR(ValidatePhase(p, where));
  }
  return Status::Ok();
}

}  // namespace

Status ApplyOverrides(const std::vector<PhaseOverride>& overrides, WorkloadSpec* spec) {
  const Status st = ApplyOverridesUnescaped(overrides, spec);
  // Messages quote the flag values: never print their control characters raw.
  return st.ok() ? st : Status::InvalidArgument(EscapeControlCharacters(st.message()));
}

}  // namespace durabench
