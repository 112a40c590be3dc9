#include "engine/registry.h"

#include <string>

#include "engine/null_engine.h"
#include "engine/psync_engine.h"

namespace durabench {

const std::vector<EngineInfo>& AllEngines() {
  static const std::vector<EngineInfo> kEngines = {
      {"psync", "pread/pwrite/pwritev2 + fsync/fdatasync/sync_file_range, one op at a time",
       PsyncEngine::Caps(), [] { return std::unique_ptr<Engine>(new PsyncEngine()); }},
      {"null", "no I/O at all: measures durabench's own per-op overhead", NullEngine::Caps(),
       [] { return std::unique_ptr<Engine>(new NullEngine()); }},
  };
  return kEngines;
}

Result<const EngineInfo*> FindEngine(std::string_view name) {
  std::string names;
  for (const EngineInfo& e : AllEngines()) {
    if (e.name == name) return &e;
    if (!names.empty()) names += ", ";
    names += e.name;
  }
  return Status::NotFound("unknown engine '" + std::string(name) + "'; valid: " + names);
}

}  // namespace durabench
