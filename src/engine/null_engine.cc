#include "engine/null_engine.h"

namespace durabench {

EngineCaps NullEngine::Caps() {
  EngineCaps caps;
  caps.inline_completion = true;
  caps.max_iodepth = 1;
  caps.does_io = false;
  caps.supports_direct = true;
  caps.sync_methods = (1u << kSyncMethodCount) - 1;  // accepted, and nothing is done for them
  return caps;
}

Status NullEngine::Open(const std::string&, const EngineOpenOptions&) { return Status::Ok(); }

}  // namespace durabench
