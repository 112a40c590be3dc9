// Finding and loading modules (backend/module.h) when they are first needed: a URI target, an
// engine that is not built in, `durabench list`. A run on a local target loads none, so the
// binary starts and runs without any cluster library on the machine.
//
// Where modules are looked for (durabench-NAME.so in each directory, in order):
//   $DURABENCH_MODULE_PATH, when set: directories separated by ':'. It replaces the default
//     (add the default directory to it to keep the installed modules).
//   otherwise the directory DURABENCH_MODULE_DIR_FROM_BIN (config.h) from the binary's own
//     directory, found as util/data_dir.h finds the data:
//       PREFIX/bin/durabench        -> PREFIX/lib/durabench/durabench-ceph.so
//       BUILD/src/cli/durabench     -> BUILD/src/lib/durabench/durabench-ceph.so
//
// The modules durabench ships are known by name, so that a missing one is a one-line error
// naming its package; any other module found in the path is loaded too when an engine is asked
// for that no loaded module has.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backend/module.h"
#include "backend/uri.h"
#include "util/status.h"

namespace durabench {

// The search path as described above (directories, in order; empty when the binary's own
// path cannot be read and $DURABENCH_MODULE_PATH is not set).
std::vector<std::string> ModuleSearchPath();

// The module that serves `scheme`, loaded now if it is not yet. NotSupported, one line naming
// the module's package, when it is not installed or cannot be loaded.
Result<Module*> ModuleForScheme(UriScheme scheme);
// The module durabench-NAME, loaded now if it is not yet; errors as above.
Result<Module*> LoadModule(std::string_view name);
// Makes engine `name` known: built in, in a loaded module, or in a module loaded now (the one
// durabench ships it in, else whichever module in the path has it). NotFound listing the known
// engines when no module has it; NotSupported naming the package when its module is missing.
Status RequireEngine(std::string_view name);

// What `durabench list` says about modules.
struct ModuleState {
  std::string name;     // "ceph"
  std::string package;  // "durabench-ceph"; empty for a module durabench does not ship
  std::string path;     // where it was loaded from; empty when not found
  std::string error;    // why it is not loaded (not found, or the loader's error); empty if loaded
  std::vector<std::string> engines;  // the engines it adds (the known ones when not loaded)
};
// Loads every module in the search path and reports each, the shipped ones first (found or
// not), then the others by name.
std::vector<ModuleState> LoadAllModules();

}  // namespace durabench
