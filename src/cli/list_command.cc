#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <string>
#include <vector>

#include "backend/modules.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "engine/registry.h"
#include "result/json.h"
#include "spec/spec.h"
#include "workload/workload_file.h"

namespace durabench {
namespace {

const char* SyncMethodHelp(SyncMethod s) {
  switch (s) {
    case SyncMethod::kNone:
      return "no durability: the write may sit in the page cache or the device cache";
    case SyncMethod::kFsync:
      return "write, then fsync(2): data and all metadata durable";
    case SyncMethod::kFdatasync:
      return "write, then fdatasync(2): data and the metadata needed to read it back";
    case SyncMethod::kSyncFileRange:
      return "write, then sync_file_range(2): writeback only, NOT durable (no device flush)";
    case SyncMethod::kOsync:
      return "open with O_SYNC: every write durable, metadata included";
    case SyncMethod::kOdsync:
      return "open with O_DSYNC: every write durable (FUA or write + flush)";
    case SyncMethod::kRwfDsync:
      return "pwritev2 with RWF_DSYNC: O_DSYNC for that write only";
    case SyncMethod::kRwfSync:
      return "pwritev2 with RWF_SYNC: O_SYNC for that write only";
  }
  return "";
}

std::string CapsText(const EngineCaps& c) {
  std::string out = fmt::format("max iodepth {}", c.max_iodepth);
  out += c.inline_completion ? ", synchronous" : ", asynchronous";
  if (c.supports_direct) out += c.requires_direct ? ", O_DIRECT only" : ", O_DIRECT";
  if (!c.does_io) out += ", no I/O";
  int n = 0;
  for (int i = 0; i < kSyncMethodCount; ++i) n += c.SupportsSync(static_cast<SyncMethod>(i));
  out += n == kSyncMethodCount ? ", every sync method" : fmt::format(", {} sync methods", n);
  return out;
}

// `list --json`: the same lists for a program. Engines of modules that could not be loaded are
// listed with `available: false` and the reason.
Json ListJson() {
  Json workloads = Json::array();
  for (const WorkloadInfo& w : ListWorkloads()) {
    workloads.push_back({{"name", w.name}, {"description", w.description}});
  }
  const std::vector<ModuleState> modules = LoadAllModules();
  Json engines = Json::array();
  for (const EngineInfo* e : AllEngines()) {
    const EngineCaps& c = e->caps;
    Json sync = Json::array();
    for (int i = 0; i < kSyncMethodCount; ++i) {
      if (c.SupportsSync(static_cast<SyncMethod>(i))) {
        sync.push_back(SyncMethodName(static_cast<SyncMethod>(i)));
      }
    }
    engines.push_back({{"name", std::string(e->name)},
                       {"description", std::string(e->description)},
                       {"available", true},
                       {"max_iodepth", c.max_iodepth},
                       {"asynchronous", !c.inline_completion},
                       {"direct", c.supports_direct},
                       {"does_io", c.does_io},
                       {"sync_methods", std::move(sync)}});
  }
  Json module_list = Json::array();
  for (const ModuleState& m : modules) {
    module_list.push_back({{"name", m.name},
                           {"package", m.package},
                           {"path", m.path},
                           {"loaded", m.error.empty()},
                           {"error", m.error},
                           {"engines", m.engines}});
    if (m.error.empty()) continue;
    for (const std::string& name : m.engines) {
      engines.push_back({{"name", name}, {"available", false}, {"error", m.error}});
    }
  }
  Json sync_methods = Json::array();
  for (int i = 0; i < kSyncMethodCount; ++i) {
    const auto s = static_cast<SyncMethod>(i);
    sync_methods.push_back({{"name", SyncMethodName(s)}, {"description", SyncMethodHelp(s)}});
  }
  return {{"workloads", std::move(workloads)},
          {"engines", std::move(engines)},
          {"sync_methods", std::move(sync_methods)},
          {"modules", std::move(module_list)}};
}

int RunList() {
  fmt::print("Workloads (durabench run NAME):\n");
  // A file that does not parse is listed with its error ("(invalid: ...)"); file names and
  // descriptions are the user's text, printed without their control characters.
  for (const WorkloadInfo& w : ListWorkloads()) {
    fmt::print("  {:<16} {}\n", EscapeControlCharacters(w.name),
               EscapeControlCharacters(w.description));
  }
  fmt::print("\nEngines (engine = NAME / --engine NAME):\n");
  const std::vector<ModuleState> modules = LoadAllModules();
  for (const EngineInfo* e : AllEngines()) {
    fmt::print("  {:<16} {}\n  {:<16} ({})\n", e->name, e->description, "", CapsText(e->caps));
  }
  // Engines whose module is missing are named with the reason, so that a user who wants rados
  // sees which package to install rather than an engine list without it.
  for (const ModuleState& m : modules) {
    if (!m.error.empty()) {
      fmt::print("  {:<16} not available: {}\n", fmt::format("{}", fmt::join(m.engines, ", ")),
                 m.error);
    }
  }
  fmt::print("\nSync methods (sync = NAME / --sync NAME):\n");
  for (int i = 0; i < kSyncMethodCount; ++i) {
    const auto s = static_cast<SyncMethod>(i);
    fmt::print("  {:<16} {}\n", SyncMethodName(s), SyncMethodHelp(s));
  }
  return kExitOk;
}

}  // namespace

CommandAction RegisterListCommand(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  app.add_flag("--json", *json,
               "Print the lists as JSON: workloads, engines (with their capabilities and sync "
               "methods), sync methods, modules");
  app.footer("Examples:\n  durabench list\n  durabench list --json | jq -r '.engines[].name'");
  return [json] {
    if (*json) return ExitFor(WriteStdout(ListJson().dump(2) + "\n"));
    return RunList();
  };
}

}  // namespace durabench
