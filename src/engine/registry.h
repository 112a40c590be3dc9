// The one explicit table of engines (STYLE.md 2): name, description, capabilities, factory.
//
// The engines built into the binary come first; engines of modules loaded at run time
// (backend/modules.h: rados, rbd, gfapi, and any other module's) are added by RegisterEngine
// when their module is loaded, and are then found like the built-in ones.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "util/status.h"

namespace durabench {

struct EngineInfo {
  std::string_view name;         // the strings live as long as the process (module code is never
  std::string_view description;  // unloaded), so entries may be kept by reference
  EngineCaps caps;
  std::unique_ptr<Engine> (*create)();
};

// All engines known now, in the order `durabench list` shows them: the built-in ones, then
// those of loaded modules in load order. The entries stay where they are when more are added.
std::vector<const EngineInfo*> AllEngines();
// The entry named `name`, or NotFound listing the available names. An engine of a module
// that is not loaded yet is not found: load it first (backend/modules.h RequireEngine).
Result<const EngineInfo*> FindEngine(std::string_view name);
// Adds a module's engine. InvalidArgument when the name is taken: a module cannot replace an
// engine. Thread-safe.
Status RegisterEngine(const EngineInfo& info);

}  // namespace durabench
