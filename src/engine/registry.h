// The one explicit table of engines (STYLE.md 2): name, description, capabilities, factory.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "util/status.h"

namespace durabench {

struct EngineInfo {
  std::string_view name;
  std::string_view description;
  EngineCaps caps;
  std::unique_ptr<Engine> (*create)();
};

// All engines compiled into this binary, in the order `durabench list` shows them.
const std::vector<EngineInfo>& AllEngines();
// The entry named `name`, or NotFound listing the available names.
Result<const EngineInfo*> FindEngine(std::string_view name);

}  // namespace durabench
