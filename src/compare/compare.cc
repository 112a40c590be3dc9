#include "compare/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "compare/metric.h"
#include "util/csv.h"
#include "util/units.h"

namespace durabench {
namespace {

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    out += (out.empty() ? "" : sep) + p;
  }
  return out;
}

// One value per leaf device (the drives), joined: "write back, write through".
template <typename Get>
std::string Leaves(const ProbeResult& probe, Get get) {
  std::vector<std::string> values;
  for (const DeviceFacts* d : LeafDevices(probe)) values.push_back(get(*d));
  return Join(values, ", ");
}

std::string Fact(const ProbeFact& f) { return f.known() ? f.value : ""; }

// "glusterfs dbrep3: replicate, 3 copies"; "" when not a replicated backend.
std::string Replication(const ReplicationFacts& r) {
  if (!r.system.known() || r.system.value.empty()) return "";
  std::string out = r.system.value;
  if (r.volume.known()) out += " " + r.volume.value;
  std::vector<std::string> parts;
  if (r.volume_type.known()) parts.push_back(r.volume_type.value);
  if (!r.replica_count.known()) {
    parts.push_back("copies unknown");
  } else {
    parts.push_back(r.replica_count.value + (r.replica_count.value == "1" ? " copy" : " copies"));
  }
  if (r.min_size.known()) parts.push_back("min_size " + r.min_size.value);
  return out + ": " + Join(parts, ", ");
}

KindSummary Summarize(const PhaseResult& p, OpKind kind) {
  const Histogram& h = p.op(kind).histogram;
  KindSummary s;
  s.count = h.count();
  s.iops = MetricValue(Metric{std::string(OpKindName(kind)), MetricStat::kIops}, p).value_or(0);
  if (kind == OpKind::kRead || kind == OpKind::kWrite) {
    s.bytes_per_s = p.measured_ns == 0 ? 0.0
                                       : static_cast<double>(p.op(kind).bytes) * 1e9 /
                                             static_cast<double>(p.measured_ns);
  }
  s.latency_ns = {h.Percentile(50), h.Percentile(99), h.Percentile(99.9), h.max()};
  return s;
}

std::string Iops(double v) { return fmt::format("{:.0f}", v); }
std::string Lat(uint64_t v) { return FormatDurationNs(v); }
// As `gate` writes a bandwidth (compare/metric.h): "98.1 MB/s".
std::string Bandwidth(double bytes_per_s) {
  return FormatMetricValue(Metric{"", MetricStat::kBytesPerS}, bytes_per_s);
}

std::string Relative(double reference, double value) {
  if (reference == 0) return value == 0 ? "+0%" : "n/a";
  return fmt::format("{:+.1f}%", (value / reference - 1) * 100);
}

// "+12.3 MB/s +5.0%" (`wide`) or "+5.0%"; "=" when equal.
std::string BandwidthChange(double reference, double value, bool wide) {
  if (!wide || value == reference) return RelativeChangeText(reference, value);
  return fmt::format("{:+.1f} MB/s ", (value - reference) / 1e6) + Relative(reference, value);
}

constexpr const char* kHeader[] = {"count", "IOPS", "bandwidth", "p50", "p99", "p99.9", "max"};
constexpr size_t kColumns = std::size(kHeader);

// Cells of one row, in kHeader's order. With a reference, each cell is followed (in `changes`)
// by its change: absolute and relative when `wide`, else relative only; "" where either side
// has no value.
void Cells(const std::optional<KindSummary>& s, const std::optional<KindSummary>& ref, bool wide,
           std::vector<std::string>* values, std::vector<std::string>* changes) {
  values->clear();
  changes->clear();
  if (!s) {
    values->assign(kColumns, "-");
    changes->assign(kColumns, "");
    return;
  }
  values->push_back(std::to_string(s->count));
  values->push_back(Iops(s->iops));
  values->push_back(s->bytes_per_s ? Bandwidth(*s->bytes_per_s) : "-");
  for (uint64_t v : s->latency_ns) values->push_back(Lat(v));
  if (!ref) {
    changes->assign(kColumns, "");
    return;
  }
  const auto change = [wide](double reference, double value, bool latency) {
    return wide ? ChangeText(reference, value, latency) : RelativeChangeText(reference, value);
  };
  changes->push_back(change(static_cast<double>(ref->count), static_cast<double>(s->count), false));
  changes->push_back(change(ref->iops, s->iops, false));
  changes->push_back(ref->bytes_per_s && s->bytes_per_s
                         ? BandwidthChange(*ref->bytes_per_s, *s->bytes_per_s, wide)
                         : "");
  for (size_t i = 0; i < s->latency_ns.size(); ++i) {
    changes->push_back(change(static_cast<double>(ref->latency_ns[i]),
                              static_cast<double>(s->latency_ns[i]), true));
  }
}

ChaosSummary SummarizeChaos(const PhaseChaos& ch) {
  ChaosSummary s;
  s.stall_ns = ch.longest_stall_ns;
  s.io_back_ns = ch.first_completion_after_fault_ns;
  s.recovery_ns = ch.recovery_ns;
  for (const FailedOps& f : ch.failed) s.failed += f.count;
  s.worst_latency_ns = ch.worst_latency_ns;
  return s;
}

// A time, or "none" for one that never came (I/O that never resumed, a rate never back).
std::string OptLat(const std::optional<uint64_t>& v) { return v ? Lat(*v) : "none"; }

// ChaosCells: Cells for a ChaosRow's input, in kChaosColumns' order. A time against one that
// never came has no change ("" ), two that never came are equal.
void ChaosCells(const std::optional<ChaosSummary>& s, const std::optional<ChaosSummary>& ref,
                bool wide, std::vector<std::string>* values, std::vector<std::string>* changes) {
  constexpr size_t kCount = std::size(kChaosColumns);
  values->clear();
  changes->clear();
  if (!s) {
    values->assign(kCount, "-");
    changes->assign(kCount, "");
    return;
  }
  *values = {Lat(s->stall_ns), OptLat(s->io_back_ns), OptLat(s->recovery_ns),
             std::to_string(s->failed), Lat(s->worst_latency_ns)};
  if (!ref) {
    changes->assign(kCount, "");
    return;
  }
  const auto change = [wide](double reference, double value, bool latency) {
    return wide ? ChangeText(reference, value, latency) : RelativeChangeText(reference, value);
  };
  const auto opt_change = [&change](const std::optional<uint64_t>& a,
                                    const std::optional<uint64_t>& b) -> std::string {
    if (!a && !b) return "=";
    if (!a || !b) return "";
    return change(static_cast<double>(*a), static_cast<double>(*b), true);
  };
  *changes = {change(static_cast<double>(ref->stall_ns), static_cast<double>(s->stall_ns), true),
              opt_change(ref->io_back_ns, s->io_back_ns),
              opt_change(ref->recovery_ns, s->recovery_ns),
              change(static_cast<double>(ref->failed), static_cast<double>(s->failed), false),
              change(static_cast<double>(ref->worst_latency_ns),
                     static_cast<double>(s->worst_latency_ns), true)};
}

// For each of c.chaos_rows, the index of the last of c.rows of its phase, after which its table
// goes; c.rows.size() for a phase with no op kind rows (its table goes last).
std::vector<size_t> ChaosPlaces(const Comparison& c) {
  std::vector<size_t> places;
  for (const ChaosRow& ch : c.chaos_rows) {
    size_t place = c.rows.size();
    for (size_t t = 0; t < c.rows.size(); ++t) {
      if (c.rows[t].phase == ch.phase) place = t;
    }
    places.push_back(place);
  }
  return places;
}

// Columns a string takes on a terminal: its UTF-8 code points (labels and facts may hold any).
size_t Columns(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

// The byte offset after the first `columns` code points of `s` (s.size() when it has fewer).
size_t ByteOffset(std::string_view s, size_t columns) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == columns) break;
  }
  return i;
}

// `first` then `text` as lines of at most `width` columns (0: one line, however long): broken
// at the last space that fits, else after the last ',' or '/' that fits, else where the width
// ends; continuation lines start with `rest`. Each line ends in '\n'.
std::string Wrap(std::string_view first, std::string_view text, std::string_view rest,
                 size_t width) {
  std::string out;
  std::string_view prefix = first;
  while (true) {
    const size_t used = Columns(prefix);
    const size_t room = width > used ? width - used : 1;
    if (width == 0 || Columns(text) <= room) {
      out.append(prefix).append(text) += '\n';
      return out;
    }
    const size_t limit = ByteOffset(text, room);
    size_t cut = text.rfind(' ', limit);
    size_t next = cut + 1;
    if (cut == std::string_view::npos || cut == 0) {
      const size_t mark = text.find_last_of(",/", limit - 1);
      cut = mark == std::string_view::npos || mark + 1 == text.size() ? limit : mark + 1;
      next = cut;
    }
    out.append(prefix).append(text.substr(0, cut)) += '\n';
    text = text.substr(next);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    prefix = rest;
  }
}

using TableRows = std::vector<std::vector<std::string>>;

// Widens `widths` (per column) to the widest cell of `rows`.
void WidenColumns(const TableRows& rows, std::vector<size_t>* widths) {
  for (const std::vector<std::string>& row : rows) {
    widths->resize(std::max(widths->size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) (*widths)[i] = std::max((*widths)[i], Columns(row[i]));
  }
}

// `rows` as a table with columns `widths` wide (WidenColumns): the first column left-aligned,
// the others right-aligned, two spaces between columns, each line indented by two.
std::string Table(const TableRows& rows, const std::vector<size_t>& widths) {
  std::string out;
  for (const std::vector<std::string>& row : rows) {
    std::string line = "  " + row[0] + std::string(widths[0] - Columns(row[0]), ' ');
    for (size_t i = 1; i < row.size(); ++i) {
      line += std::string(2 + widths[i] - Columns(row[i]), ' ') + row[i];
    }
    out += line + "\n";
  }
  return out;
}

// The text table of one row (a CompareRow or ChaosRow): a header line, then per input its
// values and, below each input after the first, its changes ("  vs 0"); `cells` is Cells or
// ChaosCells.
template <typename T, typename CellsFn, size_t N>
TableRows InputTable(const char* const (&header)[N], const std::vector<std::optional<T>>& per_input,
                     bool wide, CellsFn cells) {
  TableRows table;
  table.emplace_back(1, "");
  for (const char* h : header) table.back().emplace_back(h);
  std::vector<std::string> values;
  std::vector<std::string> changes;
  for (size_t i = 0; i < per_input.size(); ++i) {
    cells(per_input[i], i == 0 ? std::nullopt : per_input[0], wide, &values, &changes);
    table.push_back({fmt::format("[{}]", i)});
    table.back().insert(table.back().end(), values.begin(), values.end());
    if (i == 0 || !per_input[i] || !per_input[0]) continue;
    table.push_back({"  vs 0"});
    table.back().insert(table.back().end(), changes.begin(), changes.end());
  }
  return table;
}

// The inputs of one row as JSON: null where an input has no value, else to_json(value,
// reference), the reference being the first input's value for the others (nullptr for the
// first input, and where the first has none).
template <typename T, typename ToJson>
Json InputsJson(const std::vector<std::optional<T>>& per_input, ToJson to_json) {
  Json per = Json::array();
  for (size_t i = 0; i < per_input.size(); ++i) {
    if (!per_input[i]) {
      per.push_back(nullptr);
      continue;
    }
    const T* ref = i > 0 && per_input[0] ? &*per_input[0] : nullptr;
    per.push_back(to_json(*per_input[i], ref));
  }
  return per;
}

}  // namespace

std::string ChangeText(double reference, double value, bool latency) {
  if (value == reference) return "=";
  const double diff = value - reference;
  std::string abs;
  if (latency) {
    abs = (diff < 0 ? "-" : "+") +
          FormatDurationNs(static_cast<uint64_t>(std::llround(std::fabs(diff))));
  } else {
    abs = fmt::format("{:+.0f}", diff);
  }
  return abs + " " + Relative(reference, value);
}

std::string RelativeChangeText(double reference, double value) {
  return value == reference ? "=" : Relative(reference, value);
}

std::string ResultLabel(const std::string& file, const RunResult& r) {
  std::string base = file;
  const size_t slash = base.rfind('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  const std::string backend = r.probe.backend_kind.empty() ? "?" : r.probe.backend_kind;
  return base + " (" + r.target.path + ", " + backend + ")";
}

std::vector<std::pair<std::string, std::string>> DescribeFacts(const RunResult& r) {
  const ProbeResult& p = r.probe;
  std::vector<std::string> chain;
  for (const DeviceFacts& d : p.devices) chain.push_back(d.name);
  return {
      {"workload", r.workload.name},
      {"target", r.target.path},
      {"target kind", r.target.kind},
      {"backend", Join({p.backend_kind, p.backend_detail}, ": ")},
      {"filesystem", Fact(p.filesystem.type)},
      {"mount source", Fact(p.filesystem.mount_source)},
      {"durability options", Join(p.filesystem.durability_options, ",")},
      {"device chain", Join(chain, " > ")},
      {"drive model", Leaves(p, [](const DeviceFacts& d) { return Fact(d.model); })},
      {"drive transport", Leaves(p, [](const DeviceFacts& d) { return d.transport; })},
      {"write cache", Leaves(p, [](const DeviceFacts& d) { return Fact(d.write_cache); })},
      {"FUA", Leaves(p, [](const DeviceFacts& d) { return Fact(d.fua); })},
      {"rotational", Leaves(p, [](const DeviceFacts& d) { return Fact(d.rotational); })},
      {"replication", Replication(p.replication)},
      {"host", r.host.hostname},
      {"kernel", r.host.kernel},
      {"cpus", r.host.cpus ? std::to_string(r.host.cpus) : ""},
      {"clock", r.host.clock},
      {"tool version", r.tool_version},
  };
}

Comparison Compare(const std::vector<CompareInput>& inputs) {
  Comparison c;
  for (const CompareInput& in : inputs) c.labels.push_back(in.label);
  if (inputs.empty()) return c;

  // Facts that are not all equal.
  std::vector<std::vector<std::pair<std::string, std::string>>> facts;
  for (const CompareInput& in : inputs) facts.push_back(DescribeFacts(*in.result));
  for (size_t f = 0; f < facts[0].size(); ++f) {
    FactDiff d{facts[0][f].first, {}};
    bool differ = false;
    for (const auto& per_input : facts) {
      d.values.push_back(per_input[f].second);
      differ = differ || per_input[f].second != facts[0][f].second;
    }
    if (differ) c.differing_facts.push_back(std::move(d));
  }

  // The work: phase keys that differ between inputs that ran a phase of the same name.
  std::vector<const RunResult*> results;
  for (const CompareInput& in : inputs) results.push_back(in.result);
  c.differing_work = DiffWork(results);
  if (inputs.size() > 1 && SharedPhaseNames(results).empty()) {
    c.warnings.push_back("the inputs share no phase name: no phase and no work is compared");
  }

  // Phases in first-seen order over all inputs.
  std::vector<std::string> phases;
  for (const CompareInput& in : inputs) {
    for (const PhaseResult& p : in.result->phases) {
      if (std::find(phases.begin(), phases.end(), p.spec.name) == phases.end()) {
        phases.push_back(p.spec.name);
      }
    }
  }
  const auto find = [](const RunResult& r, const std::string& name) -> const PhaseResult* {
    const auto it = std::find_if(r.phases.begin(), r.phases.end(),
                                 [&name](const PhaseResult& p) { return p.spec.name == name; });
    return it == r.phases.end() ? nullptr : &*it;
  };
  for (const std::string& name : phases) {
    for (int k = 0; k < kOpKindCount; ++k) {
      CompareRow row{name, static_cast<OpKind>(k), {}};
      bool any = false;
      for (const CompareInput& in : inputs) {
        const PhaseResult* p = find(*in.result, name);
        if (p == nullptr || p->ops[k].histogram.count() == 0) {
          row.per_input.push_back(std::nullopt);
          continue;
        }
        row.per_input.push_back(Summarize(*p, row.kind));
        any = true;
      }
      if (any) c.rows.push_back(std::move(row));
    }
    ChaosRow chaos{name, {}};
    bool any = false;
    for (const CompareInput& in : inputs) {
      const PhaseResult* p = find(*in.result, name);
      if (p == nullptr || !p->chaos.present) {
        chaos.per_input.push_back(std::nullopt);
        continue;
      }
      chaos.per_input.push_back(SummarizeChaos(p->chaos));
      any = true;
    }
    if (any) c.chaos_rows.push_back(std::move(chaos));
  }
  return c;
}

std::string ComparisonText(const Comparison& c, bool wide) {
  const size_t width = wide ? 0 : kCompareTextColumns;
  std::string out;
  out += "inputs (the first is the reference):\n";
  for (size_t i = 0; i < c.labels.size(); ++i) {
    const std::string index = fmt::format("  [{}] ", i);
    out += Wrap(index, c.labels[i], std::string(index.size(), ' '), width);
  }
  if (c.differing_facts.empty()) {
    out += "\nno differences in target, device, filesystem, host or tool\n";
  } else {
    out += "\nwhat differs:\n";
    for (const FactDiff& d : c.differing_facts) {
      out += fmt::format("  {}\n", d.name);
      for (size_t i = 0; i < d.values.size(); ++i) {
        const std::string index = fmt::format("    [{}] ", i);
        out += Wrap(index, d.values[i].empty() ? "(none)" : d.values[i],
                    std::string(index.size(), ' '), width);
      }
    }
  }
  if (!c.differing_work.empty()) {
    out += "\nwork that differs:\n";
    // DiffWork lists a phase's keys together: one block per phase.
    for (size_t first = 0; first < c.differing_work.size();) {
      const std::string& phase = c.differing_work[first].phase;
      std::string keys;
      size_t end = first;
      for (; end < c.differing_work.size() && c.differing_work[end].phase == phase; ++end) {
        keys += (keys.empty() ? "" : ", ") + PhaseKeyFlagName(*c.differing_work[end].key);
      }
      out += Wrap("  ", "phase '" + phase + "': " + keys, "    ", width);
      for (size_t i = 0; i < c.labels.size(); ++i) {
        const std::string index = fmt::format("    [{}] ", i);
        const std::string ran = InputWorkText(c.differing_work, phase, i);
        out += Wrap(index, ran.empty() ? "(did not run this phase)" : ran,
                    std::string(index.size(), ' '), width);
      }
      first = end;
    }
  }
  // One table per phase and op kind, all with the same column widths so that they line up.
  std::vector<TableRows> tables;
  std::vector<size_t> widths;
  for (const CompareRow& row : c.rows) {
    tables.push_back(InputTable(kHeader, row.per_input, wide, Cells));
    WidenColumns(tables.back(), &widths);
  }
  // The fault tables: their own columns, lined up with each other.
  std::vector<TableRows> chaos_tables;
  std::vector<size_t> chaos_widths;
  for (const ChaosRow& row : c.chaos_rows) {
    chaos_tables.push_back(InputTable(kChaosColumns, row.per_input, wide, ChaosCells));
    WidenColumns(chaos_tables.back(), &chaos_widths);
  }
  const std::vector<size_t> places = ChaosPlaces(c);
  const auto chaos_after = [&](size_t t) {
    for (size_t f = 0; f < places.size(); ++f) {
      if (places[f] != t) continue;
      out += "\n" + Wrap("", c.chaos_rows[f].phase + " / faults", "  ", width);
      out += Table(chaos_tables[f], chaos_widths);
    }
  };
  for (size_t t = 0; t < tables.size(); ++t) {
    const CompareRow& row = c.rows[t];
    out += "\n" + Wrap("", row.phase + " / " + std::string(OpKindName(row.kind)), "  ", width);
    out += Table(tables[t], widths);
    chaos_after(t);
  }
  chaos_after(c.rows.size());
  return out;
}

std::string ComparisonMarkdown(const Comparison& c) {
  std::string out = "| # | input |\n|---|---|\n";
  for (size_t i = 0; i < c.labels.size(); ++i) {
    out += fmt::format("| {} | {}{} |\n", i, c.labels[i], i == 0 ? " (reference)" : "");
  }
  if (!c.differing_facts.empty()) {
    out += "\n**What differs**\n\n| fact |";
    for (size_t i = 0; i < c.labels.size(); ++i) out += fmt::format(" [{}] |", i);
    out += "\n|---|";
    for (size_t i = 0; i < c.labels.size(); ++i) out += "---|";
    out += "\n";
    for (const FactDiff& d : c.differing_facts) {
      out += "| " + d.name + " |";
      for (const std::string& v : d.values) out += " " + (v.empty() ? "-" : v) + " |";
      out += "\n";
    }
  }
  if (!c.differing_work.empty()) {
    out += "\n**Work that differs**\n\n| phase | key |";
    for (size_t i = 0; i < c.labels.size(); ++i) out += fmt::format(" [{}] |", i);
    out += "\n|---|---|";
    for (size_t i = 0; i < c.labels.size(); ++i) out += "---|";
    out += "\n";
    for (const WorkDiff& d : c.differing_work) {
      out += "| " + d.phase + " | " + PhaseKeyFlagName(*d.key) + " |";
      for (const std::string& v : d.text) out += " " + v + " |";
      out += "\n";
    }
  }
  // A table: its title, header and a line per input (values with their change in brackets);
  // `cells` is Cells or ChaosCells, as for InputTable.
  const auto table = [&out](const std::string& title, const auto& header, const auto& per_input,
                            auto cells) {
    out += "\n**" + title + "**\n\n| # |";
    for (const char* h : header) out += fmt::format(" {} |", h);
    out += "\n|---|";
    for (size_t col = 0; col < std::size(header); ++col) out += "---:|";
    out += "\n";
    std::vector<std::string> values;
    std::vector<std::string> changes;
    for (size_t i = 0; i < per_input.size(); ++i) {
      cells(per_input[i], i == 0 ? std::nullopt : per_input[0], true, &values, &changes);
      out += fmt::format("| {} |", i);
      for (size_t col = 0; col < values.size(); ++col) {
        const std::string& ch = changes[col];
        out += " " + values[col] + (ch.empty() ? "" : " (" + ch + ")") + " |";
      }
      out += "\n";
    }
  };
  const std::vector<size_t> places = ChaosPlaces(c);
  const auto chaos_after = [&](size_t t) {
    for (size_t f = 0; f < places.size(); ++f) {
      if (places[f] != t) continue;
      const ChaosRow& row = c.chaos_rows[f];
      table(row.phase + " / faults", kChaosColumns, row.per_input, ChaosCells);
    }
  };
  for (size_t t = 0; t < c.rows.size(); ++t) {
    const CompareRow& row = c.rows[t];
    table(row.phase + " / " + std::string(OpKindName(row.kind)), kHeader, row.per_input, Cells);
    chaos_after(t);
  }
  chaos_after(c.rows.size());
  return out;
}

std::string ComparisonCsv(const Comparison& c) {
  // The columns of `run --format csv` where they mean the same (count, iops, mb_per_s, ...).
  std::vector<std::string> header = {"phase",          "op",    "input", "label",
                                     "differing_work", "count", "iops",  "mb_per_s"};
  for (const char* col : kSummaryColumns) header.push_back(std::string(col) + "_ns");
  header.push_back("iops_change_pct");
  header.push_back("p99_change_pct");
  for (const char* col : {"stall_ns", "io_back_ns", "recovery_ns"}) header.emplace_back(col);
  std::string out = CsvLine(header);
  const auto chaos_of = [&c](const std::string& phase, size_t input) -> const ChaosSummary* {
    for (const ChaosRow& row : c.chaos_rows) {
      if (row.phase == phase && row.per_input[input]) return &*row.per_input[input];
    }
    return nullptr;
  };
  const auto opt = [](const std::optional<uint64_t>& v) {
    return v ? std::to_string(*v) : std::string();
  };
  const auto change = [](double reference, double value) {
    return reference == 0 ? std::string() : fmt::format("{:.2f}", (value / reference - 1) * 100);
  };
  for (const CompareRow& row : c.rows) {
    const std::optional<KindSummary>& ref = row.per_input[0];
    for (size_t i = 0; i < row.per_input.size(); ++i) {
      const std::optional<KindSummary>& s = row.per_input[i];
      if (!s) continue;
      std::vector<std::string> line = {
          row.phase,
          std::string(OpKindName(row.kind)),
          std::to_string(i),
          c.labels[i],
          InputWorkText(c.differing_work, row.phase, i),
          std::to_string(s->count),
          fmt::format("{:.1f}", s->iops),
          s->bytes_per_s ? fmt::format("{:.3f}", *s->bytes_per_s / 1e6) : ""};
      for (uint64_t ns : s->latency_ns) line.push_back(std::to_string(ns));
      const bool against = i != 0 && ref.has_value();
      line.push_back(against ? change(ref->iops, s->iops) : "");
      line.push_back(against ? change(static_cast<double>(ref->latency_ns[1]),
                                      static_cast<double>(s->latency_ns[1]))
                             : "");
      const ChaosSummary* chaos = chaos_of(row.phase, i);
      line.push_back(chaos ? std::to_string(chaos->stall_ns) : "");
      line.push_back(chaos ? opt(chaos->io_back_ns) : "");
      line.push_back(chaos ? opt(chaos->recovery_ns) : "");
      out += CsvLine(line);
    }
  }
  return out;
}

Json ComparisonToJson(const Comparison& c) {
  Json j;
  j["inputs"] = c.labels;
  Json facts = Json::array();
  for (const FactDiff& d : c.differing_facts)
    facts.push_back({{"name", d.name}, {"values", d.values}});
  j["differing_facts"] = std::move(facts);
  if (!c.differing_work.empty()) {
    Json work = Json::array();
    for (const WorkDiff& d : c.differing_work) {
      work.push_back({{"phase", d.phase},
                      {"key", std::string(d.key->name)},
                      {"json_name", d.key->json_name},
                      {"values", d.values},
                      {"text", d.text}});
    }
    j["differing_work"] = std::move(work);
  }
  Json rows = Json::array();
  for (const CompareRow& row : c.rows) {
    Json per = InputsJson(row.per_input, [](const KindSummary& s, const KindSummary* ref) {
      Json v = {{"count", s.count}, {"iops", s.iops}};
      if (s.bytes_per_s) v["bytes_per_s"] = *s.bytes_per_s;
      Json lat = Json::object();
      for (size_t col = 0; col < s.latency_ns.size(); ++col) {
        lat[kSummaryColumns[col]] = s.latency_ns[col];
      }
      v["lat_ns"] = std::move(lat);
      if (ref == nullptr) return v;
      Json change = {{"iops", s.iops - ref->iops},
                     {"iops_ratio", ref->iops ? Json(s.iops / ref->iops) : Json(nullptr)}};
      for (size_t col = 0; col < s.latency_ns.size(); ++col) {
        const double a = static_cast<double>(ref->latency_ns[col]);
        const double b = static_cast<double>(s.latency_ns[col]);
        change[std::string(kSummaryColumns[col]) + "_ns"] = b - a;
        change[std::string(kSummaryColumns[col]) + "_ratio"] = a ? Json(b / a) : Json(nullptr);
      }
      if (s.bytes_per_s && ref->bytes_per_s) {
        const double a = *ref->bytes_per_s;
        change["bytes_per_s"] = *s.bytes_per_s - a;
        change["bytes_per_s_ratio"] = a ? Json(*s.bytes_per_s / a) : Json(nullptr);
      }
      v["change"] = std::move(change);
      return v;
    });
    rows.push_back({{"phase", row.phase},
                    {"kind", std::string(OpKindName(row.kind))},
                    {"inputs", std::move(per)}});
  }
  j["rows"] = std::move(rows);
  if (!c.chaos_rows.empty()) {
    Json chaos_rows = Json::array();
    for (const ChaosRow& row : c.chaos_rows) {
      Json per = InputsJson(row.per_input, [](const ChaosSummary& s, const ChaosSummary* ref) {
        const auto opt = [](const std::optional<uint64_t>& v) {
          return v ? Json(*v) : Json(nullptr);
        };
        Json v = {{"stall_ns", s.stall_ns},
                  {"io_back_ns", opt(s.io_back_ns)},
                  {"recovery_ns", opt(s.recovery_ns)},
                  {"failed", s.failed},
                  {"worst_latency_ns", s.worst_latency_ns}};
        if (ref == nullptr) return v;
        // Differences in ns (this input minus the reference); null where either never came.
        const auto diff = [](const std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
          return a && b ? Json(static_cast<double>(*b) - static_cast<double>(*a)) : Json(nullptr);
        };
        v["change"] = {
            {"stall_ns", static_cast<double>(s.stall_ns) - static_cast<double>(ref->stall_ns)},
            {"io_back_ns", diff(ref->io_back_ns, s.io_back_ns)},
            {"recovery_ns", diff(ref->recovery_ns, s.recovery_ns)},
            {"failed", static_cast<double>(s.failed) - static_cast<double>(ref->failed)}};
        return v;
      });
      chaos_rows.push_back({{"phase", row.phase}, {"inputs", std::move(per)}});
    }
    j["chaos_rows"] = std::move(chaos_rows);
  }
  if (!c.warnings.empty()) j["warnings"] = c.warnings;
  return j;
}

}  // namespace durabench
