#include "compare/breakdown.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <utility>

#include "compare/work_diff.h"
#include "util/units.h"

namespace durabench {
namespace {

// Engines that issue system calls against a path of the host (durabench's and fio's, the
// latter as "fio:NAME"): the access path is then the backend under that path.
constexpr std::string_view kKernelEngines[] = {"psync", "io_uring", "libaio",  "null",     "sync",
                                               "vsync", "pvsync",   "pvsync2", "posixaio", "mmap"};

// Backend kinds (target/probe.h) of storage in this host.
constexpr std::string_view kLocalBackends[] = {"local-block", "tmpfs", "ramfs",
                                               "overlay",     "loop",  "zram"};

bool IsKernelEngine(std::string engine) {
  if (engine.rfind("fio:", 0) == 0) engine = engine.substr(4);
  return std::find(std::begin(kKernelEngines), std::end(kKernelEngines), engine) !=
         std::end(kKernelEngines);
}

bool IsLocalBackend(const std::string& kind) {
  return std::find(std::begin(kLocalBackends), std::end(kLocalBackends), kind) !=
         std::end(kLocalBackends);
}

// The first phase engine that is not a kernel-interface one ("" when none).
std::string NativeEngine(const RunResult& r) {
  for (const PhaseResult& p : r.phases) {
    if (!IsKernelEngine(p.spec.engine)) return p.spec.engine;
  }
  return "";
}

std::string Copies(int n) { return fmt::format("{} {}", n, n == 1 ? "replica" : "replicas"); }

const PhaseResult* FindPhase(const RunResult& r, const std::string& name) {
  for (const PhaseResult& p : r.phases) {
    if (p.spec.name == name) return &p;
  }
  return nullptr;
}

// The keys in which the phase specs differ, "block_size 4KiB vs 8KiB, ..."; "" if none.
std::string SpecDifference(const PhaseSpec& a, const PhaseSpec& b) {
  std::string diff;
  for (const WorkDiff& d : DiffPhaseSpecs(a.name, {&a, &b}, kBreakdownIgnoredKeys)) {
    diff += (diff.empty() ? "" : ", ") + WorkDiffText(d);
  }
  return diff;
}

// "engine, size, ... and sqpoll".
std::string IgnoredKeysText() {
  std::string out;
  const size_t n = std::size(kBreakdownIgnoredKeys);
  for (size_t i = 0; i < n; ++i) {
    out += (i == 0 ? "" : i + 1 == n ? " and " : ", ") + std::string(kBreakdownIgnoredKeys[i]);
  }
  return out;
}

// The op kind read from `phase`: the named one, or for "" commit, else write; nullopt when the
// phase has no samples of it.
std::optional<OpKind> ResolveKind(const PhaseResult& phase, const std::string& kind) {
  const auto has = [&phase](OpKind k) { return phase.op(k).histogram.count() > 0; };
  if (kind.empty()) {
    if (has(OpKind::kCommit)) return OpKind::kCommit;
    if (has(OpKind::kWrite)) return OpKind::kWrite;
    return std::nullopt;
  }
  for (int k = 0; k < kOpKindCount; ++k) {
    const auto op = static_cast<OpKind>(k);
    if (OpKindName(op) == kind) return has(op) ? std::optional<OpKind>(op) : std::nullopt;
  }
  return std::nullopt;
}

// Fills one column (local, low or high) of `out` from `r`'s phase `name`.
void FillColumn(const RunResult& r, const std::string& name, const BreakdownOptions& options,
                std::string* kind_name, std::optional<double> BreakdownValues::*column,
                BreakdownPhase* out) {
  const PhaseResult* p = FindPhase(r, name);
  if (!p) return;
  out->iops.*column = p->Iops();
  const std::optional<OpKind> kind = ResolveKind(*p, options.kind);
  if (!kind) return;
  *kind_name = std::string(OpKindName(*kind));
  for (size_t s = 0; s < options.stats.size(); ++s) {
    out->latency_ns[s].*column = MetricValue(Metric{*kind_name, options.stats[s]}, *p);
  }
}

Status Refuse(const std::string& why) { return Status::InvalidArgument("breakdown: " + why); }

// ---- Rendering --------------------------------------------------------------------------

std::string StatName(MetricStat s) { return Metric{"", s}.Name(); }

std::string Lat(const std::optional<double>& ns) {
  if (!ns) return "-";
  return FormatDurationNs(static_cast<uint64_t>(std::llround(std::max(0.0, *ns))));
}

std::string Signed(const std::optional<double>& ns) {
  if (!ns) return "-";
  const std::string abs = FormatDurationNs(static_cast<uint64_t>(std::llround(std::fabs(*ns))));
  return (*ns < 0 ? "-" : "+") + abs;
}

std::string Iops(const std::optional<double>& v) {
  return v ? fmt::format("{:.0f}", *v) : std::string("-");
}

// "commit", or "commit/write" when the three results measured different kinds.
std::string KindText(const BreakdownPhase& p) {
  std::vector<std::string> kinds;
  for (const std::string* k : {&p.local_kind, &p.low_kind, &p.high_kind}) {
    if (!k->empty() && std::find(kinds.begin(), kinds.end(), *k) == kinds.end()) {
      kinds.push_back(*k);
    }
  }
  if (kinds.empty()) return "no samples";
  std::string out;
  for (const std::string& k : kinds) out += (out.empty() ? "" : "/") + k;
  return out;
}

struct Columns {
  std::string overhead, replication, total;  // headers naming what each column is
};

Columns ColumnHeaders(const BreakdownGroup& g) {
  Columns c;
  c.overhead = fmt::format("+ overhead ({} - local)", Copies(g.low_replicas));
  if (g.high_input) {
    c.replication =
        fmt::format("+ replication ({} - {})", Copies(g.high_replicas), Copies(g.low_replicas));
    c.total = fmt::format("= {} total", Copies(g.high_replicas));
  } else {
    c.replication = "+ replication (one count only)";
    c.total = fmt::format("= {} total", Copies(g.low_replicas));
  }
  return c;
}

// Cells of one table: header first, then a row per statistic.
std::vector<std::vector<std::string>> TableCells(const Breakdown& b, const BreakdownGroup& g,
                                                 const BreakdownPhase& p) {
  const Columns c = ColumnHeaders(g);
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"", "local", c.overhead, c.replication, c.total});
  for (size_t s = 0; s < b.stats.size(); ++s) {
    const BreakdownValues& v = p.latency_ns[s];
    rows.push_back({StatName(b.stats[s]), Lat(v.local), Signed(v.overhead()),
                    g.high_input ? Signed(v.replication()) : "", Lat(v.total())});
  }
  return rows;
}

std::string IopsLine(const BreakdownGroup& g, const BreakdownPhase& p, size_t local_input) {
  std::string out = fmt::format("IOPS: local [{}] {}, {} [{}] {}", local_input, Iops(p.iops.local),
                                Copies(g.low_replicas), g.low_input, Iops(p.iops.low));
  if (g.high_input) {
    out += fmt::format(", {} [{}] {}", Copies(g.high_replicas), *g.high_input, Iops(p.iops.high));
  }
  return out;
}

std::string GroupTitle(const Breakdown& b, const BreakdownGroup& g) {
  std::string out = fmt::format("{}: local [{}], {} [{}]", g.access_path, b.local_input,
                                Copies(g.low_replicas), g.low_input);
  if (g.high_input) out += fmt::format(", {} [{}]", Copies(g.high_replicas), *g.high_input);
  return out;
}

std::string KindTitle(const std::string& kind) {
  return kind.empty() ? "durable write latency (commit, else write)" : kind + " latency";
}

std::string RoleText(const BreakdownRole& r) {
  if (r.role == "local") return "local baseline (" + r.source + ")";
  std::string out = r.access_path + ", " + Copies(r.replicas) + " (" + r.source + ")";
  if (r.role == "unused") out += ", unused: between the smallest and largest count";
  return out;
}

Json Nullable(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json ValuesToJson(const BreakdownValues& v, bool has_high) {
  Json j = {{"local", Nullable(v.local)},
            {"low", Nullable(v.low)},
            {"high", Nullable(v.high)},
            {"overhead", Nullable(v.overhead())},
            {"replication", has_high ? Nullable(v.replication()) : Json(nullptr)},
            {"total", Nullable(v.total())}};
  return j;
}

}  // namespace

std::optional<double> BreakdownValues::overhead() const {
  if (!local || !low) return std::nullopt;
  return *low - *local;
}

std::optional<double> BreakdownValues::replication() const {
  if (!low || !high) return std::nullopt;
  return *high - *low;
}

std::optional<double> BreakdownValues::total() const { return high ? high : low; }

std::vector<MetricStat> DefaultBreakdownStats() {
  return {MetricStat::kP50, MetricStat::kP90, MetricStat::kP99, MetricStat::kP999,
          MetricStat::kMax};
}

Result<std::vector<MetricStat>> ParseBreakdownStats(const std::string& text) {
  std::vector<MetricStat> stats;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const bool numeric = !item.empty() && (std::isdigit(static_cast<unsigned char>(item[0])) != 0);
    Result<Metric> m = ParseMetric("write." + (numeric ? "p" + item : item));
    if (!m.ok() || !m->IsLatency()) {
      return Status::InvalidArgument("--percentiles: '" + item +
                                     "' is not one of p50, p90, p99, p99.9, p99.99, max, mean "
                                     "(comma-separated; the p may be left out: 50,99)");
    }
    if (std::find(stats.begin(), stats.end(), m->stat) == stats.end()) stats.push_back(m->stat);
  }
  return stats;
}

std::string AccessPath(const RunResult& r) {
  std::string engine = NativeEngine(r);
  if (engine.rfind("fio:", 0) == 0) engine = engine.substr(4);
  if (!engine.empty()) return engine;
  // A kernel-mapped RBD image (backend kind "rbd") is another path than librbd (engine "rbd").
  if (r.probe.backend_kind == "rbd") return "krbd";
  return r.probe.backend_kind.empty() ? "unknown" : r.probe.backend_kind;
}

Result<Breakdown> BuildBreakdown(const std::vector<BreakdownInput>& inputs,
                                 const BreakdownOptions& options_in) {
  BreakdownOptions options = options_in;
  if (options.stats.empty()) options.stats = DefaultBreakdownStats();
  for (MetricStat s : options.stats) {
    if (!Metric{"write", s}.IsLatency())
      return Refuse("only latency statistics can be broken down");
  }
  if (!options.kind.empty() && options.kind != "write" && options.kind != "flush" &&
      options.kind != "commit") {
    return Refuse("--kind '" + options.kind + "': expected write, flush or commit");
  }

  Breakdown b;
  b.kind = options.kind;
  b.stats = options.stats;
  for (const BreakdownInput& in : inputs) b.labels.push_back(in.label);

  // Roles.
  std::vector<size_t> locals;
  std::map<std::string, std::vector<std::pair<int, size_t>>> by_path;  // path -> (count, input)
  std::vector<std::string> path_order;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const BreakdownInput& in = inputs[i];
    const RunResult& r = *in.result;
    BreakdownRole role;
    if (in.force_local && in.replicas) {
      return Refuse(in.label + " is named by both --local and --replicas");
    }
    if (in.force_local) {
      role = {"local", "", 0, "--local"};
    } else if (in.replicas) {
      if (*in.replicas < 1) {
        return Refuse(fmt::format("--replicas {} for {}: a replica count is at least 1",
                                  *in.replicas, in.label));
      }
      role = {"replicated", AccessPath(r), *in.replicas, "--replicas"};
    } else {
      const ProbeFact& count = r.probe.replication.replica_count;
      int n = 0;
      const char* end = count.value.data() + count.value.size();
      const bool parsed = count.known() && !count.value.empty() &&
                          std::from_chars(count.value.data(), end, n).ptr == end && n >= 1;
      if (parsed) {
        role = {"replicated", AccessPath(r), n, "facts"};
      } else if (IsLocalBackend(r.probe.backend_kind) && NativeEngine(r).empty()) {
        role = {"local", "", 0, "facts"};
      } else {
        std::string why = "backend '" + AccessPath(r) + "' without a replica count";
        if (!count.known() && !count.not_applicable()) why += " (" + count.unknown + ")";
        return Refuse(in.label + ": " + why +
                      "; say how many copies it keeps with --replicas N=FILE, or name it the "
                      "local baseline with --local FILE");
      }
    }
    if (role.role == "local") {
      locals.push_back(i);
    } else {
      if (!by_path.count(role.access_path)) path_order.push_back(role.access_path);
      by_path[role.access_path].push_back({role.replicas, i});
    }
    b.roles.push_back(role);
  }
  if (locals.empty()) {
    return Refuse(
        "no local baseline: every input is replicated; add a run on a local device, or name one "
        "with --local FILE");
  }
  if (locals.size() > 1) {
    std::string names;
    for (size_t i : locals) names += (names.empty() ? "" : ", ") + inputs[i].label;
    return Refuse("several local baselines (" + names +
                  "); keep one, or name it with --local FILE and the others with --replicas "
                  "N=FILE");
  }
  b.local_input = locals[0];
  if (path_order.empty()) {
    return Refuse(
        "no replicated input: add results on a replicated backend (or name them with "
        "--replicas N=FILE)");
  }
  const RunResult& local = *inputs[b.local_input].result;

  // Groups: the smallest and largest replica count of each access path.
  for (const std::string& path : path_order) {
    std::vector<std::pair<int, size_t>> members = by_path[path];
    std::stable_sort(members.begin(), members.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t m = 1; m < members.size(); ++m) {
      if (members[m].first == members[m - 1].first) {
        return Refuse(
            fmt::format("{} and {} are both {} with {}; merge repeated runs first (durabench merge "
                        "--sequential) or leave one out",
                        inputs[members[m - 1].second].label, inputs[members[m].second].label, path,
                        Copies(members[m].first)));
      }
    }
    BreakdownGroup g;
    g.access_path = path;
    g.low_input = members.front().second;
    g.low_replicas = members.front().first;
    if (members.size() > 1) {
      g.high_input = members.back().second;
      g.high_replicas = members.back().first;
    }
    for (size_t m = 1; m + 1 < members.size(); ++m) {
      b.roles[members[m].second].role = "unused";
      b.notes.push_back(
          fmt::format("{}: {} with {} is left out; the breakdown uses the smallest "
                      "({}) and largest ({}) count",
                      inputs[members[m].second].label, path, Copies(members[m].first),
                      g.low_replicas, g.high_replicas));
    }
    b.groups.push_back(std::move(g));
  }

  // Phases are matched by name; a name shared with the local baseline must have the same spec.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i == b.local_input) continue;
    const RunResult& r = *inputs[i].result;
    bool shared = false;
    for (const PhaseResult& p : r.phases) {
      const PhaseResult* lp = FindPhase(local, p.spec.name);
      if (!lp) continue;
      shared = true;
      const std::string diff = SpecDifference(lp->spec, p.spec);
      if (!diff.empty()) {
        return Refuse(inputs[b.local_input].label + " and " + inputs[i].label + " ran phase '" +
                      p.spec.name + "' differently: " + diff +
                      "; a breakdown needs one workload run on each backend (only " +
                      IgnoredKeysText() + " may differ)");
      }
    }
    for (const PhaseResult& p : r.phases) {
      if (!FindPhase(local, p.spec.name)) {
        b.notes.push_back("phase '" + p.spec.name + "' of " + inputs[i].label +
                          " is not in the local baseline; left out");
      }
    }
    if (!shared) {
      return Refuse(inputs[i].label + " has no phase of the same name as the local baseline " +
                    inputs[b.local_input].label + "; run the same workload on both");
    }
  }

  for (BreakdownGroup& g : b.groups) {
    const RunResult& low = *inputs[g.low_input].result;
    const RunResult* high = g.high_input ? inputs[*g.high_input].result : nullptr;
    for (const PhaseResult& lp : local.phases) {
      const std::string& name = lp.spec.name;
      BreakdownPhase p;
      p.phase = name;
      p.latency_ns.resize(options.stats.size());
      FillColumn(local, name, options, &p.local_kind, &BreakdownValues::local, &p);
      FillColumn(low, name, options, &p.low_kind, &BreakdownValues::low, &p);
      if (high) FillColumn(*high, name, options, &p.high_kind, &BreakdownValues::high, &p);
      std::vector<std::pair<size_t, const std::string*>> cols = {{b.local_input, &p.local_kind},
                                                                 {g.low_input, &p.low_kind}};
      if (high) cols.push_back({*g.high_input, &p.high_kind});
      std::string missing;
      std::string kinds;
      std::string seen;  // the first kind met
      bool mixed = false;
      for (const auto& [input, kind] : cols) {
        if (kind->empty()) {
          missing += (missing.empty() ? "" : ", ") + inputs[input].label;
        } else if (seen.empty()) {
          seen = *kind;
        } else {
          mixed = mixed || *kind != seen;
        }
        kinds +=
            fmt::format("{}[{}] {}", kinds.empty() ? "" : ", ", input, kind->empty() ? "-" : *kind);
      }
      if (!missing.empty()) {
        b.notes.push_back(fmt::format("{} phase '{}': no {} samples in {}", g.access_path, name,
                                      options.kind.empty() ? "commit or write" : options.kind,
                                      missing));
      }
      if (mixed) {
        b.notes.push_back(fmt::format("{} phase '{}': the inputs measured different op kinds ({})",
                                      g.access_path, name, kinds));
      }
      g.phases.push_back(std::move(p));
    }
  }
  return b;
}

std::string BreakdownText(const Breakdown& b) {
  std::string out = "replication breakdown of the " + KindTitle(b.kind) + "\n\ninputs:\n";
  for (size_t i = 0; i < b.labels.size(); ++i) {
    out += fmt::format("  [{}] {}: {}\n", i, b.labels[i], RoleText(b.roles[i]));
  }
  for (const BreakdownGroup& g : b.groups) {
    out += "\n" + GroupTitle(b, g) + "\n";
    for (const BreakdownPhase& p : g.phases) {
      out += fmt::format("\n  {} ({})\n", p.phase, KindText(p));
      const std::vector<std::vector<std::string>> rows = TableCells(b, g, p);
      std::vector<size_t> width(rows[0].size(), 0);
      for (const auto& row : rows) {
        for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
      }
      for (const auto& row : rows) {
        std::string line = fmt::format("    {:<{}}", row[0], width[0]);
        for (size_t c = 1; c < row.size(); ++c) line += fmt::format("  {:>{}}", row[c], width[c]);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
      }
      out += "    " + IopsLine(g, p, b.local_input) + "\n";
    }
  }
  if (!b.notes.empty()) {
    out += "\nnotes:\n";
    for (const std::string& n : b.notes) out += "  " + n + "\n";
  }
  return out;
}

std::string BreakdownMarkdown(const Breakdown& b) {
  std::string out = "**Replication breakdown of the " + KindTitle(b.kind) + "**\n\n";
  out += "| # | input | role |\n|---|---|---|\n";
  for (size_t i = 0; i < b.labels.size(); ++i) {
    out += fmt::format("| {} | {} | {} |\n", i, b.labels[i], RoleText(b.roles[i]));
  }
  for (const BreakdownGroup& g : b.groups) {
    for (const BreakdownPhase& p : g.phases) {
      out += fmt::format("\n**{}**, phase `{}` ({})\n\n", GroupTitle(b, g), p.phase, KindText(p));
      const std::vector<std::vector<std::string>> rows = TableCells(b, g, p);
      out += "| stat |";
      for (size_t c = 1; c < rows[0].size(); ++c) out += " " + rows[0][c] + " |";
      out += "\n|---|---:|---:|---:|---:|\n";
      for (size_t r = 1; r < rows.size(); ++r) {
        out += "|";
        for (const std::string& cell : rows[r]) out += " " + cell + " |";
        out += "\n";
      }
      out += "\n" + IopsLine(g, p, b.local_input) + "\n";
    }
  }
  if (!b.notes.empty()) {
    out += "\nNotes:\n\n";
    for (const std::string& n : b.notes) out += "- " + n + "\n";
  }
  return out;
}

Json BreakdownToJson(const Breakdown& b) {
  Json j;
  j["kind"] = b.kind.empty() ? "durable" : b.kind;
  Json stats = Json::array();
  for (MetricStat s : b.stats) stats.push_back(StatName(s));
  j["stats"] = std::move(stats);
  Json inputs = Json::array();
  for (size_t i = 0; i < b.labels.size(); ++i) {
    const BreakdownRole& r = b.roles[i];
    inputs.push_back({{"label", b.labels[i]},
                      {"role", r.role},
                      {"access_path", r.access_path.empty() ? Json(nullptr) : Json(r.access_path)},
                      {"replicas", r.replicas ? Json(r.replicas) : Json(nullptr)},
                      {"source", r.source}});
  }
  j["inputs"] = std::move(inputs);
  j["local_input"] = b.local_input;
  Json groups = Json::array();
  for (const BreakdownGroup& g : b.groups) {
    Json phases = Json::array();
    for (const BreakdownPhase& p : g.phases) {
      Json lat = Json::object();
      for (size_t s = 0; s < b.stats.size(); ++s) {
        lat[StatName(b.stats[s])] = ValuesToJson(p.latency_ns[s], g.high_input.has_value());
      }
      const auto kind = [](const std::string& k) { return k.empty() ? Json(nullptr) : Json(k); };
      phases.push_back({{"phase", p.phase},
                        {"kinds",
                         {{"local", kind(p.local_kind)},
                          {"low", kind(p.low_kind)},
                          {"high", kind(p.high_kind)}}},
                        {"iops",
                         {{"local", Nullable(p.iops.local)},
                          {"low", Nullable(p.iops.low)},
                          {"high", Nullable(p.iops.high)}}},
                        {"lat_ns", std::move(lat)}});
    }
    groups.push_back(
        {{"access_path", g.access_path},
         {"low", {{"input", g.low_input}, {"replicas", g.low_replicas}}},
         {"high", g.high_input ? Json{{"input", *g.high_input}, {"replicas", g.high_replicas}}
                               : Json(nullptr)},
         {"phases", std::move(phases)}});
  }
  j["groups"] = std::move(groups);
  j["notes"] = b.notes;
  return j;
}

}  // namespace durabench
