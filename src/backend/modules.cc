#include "backend/modules.h"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "durabench/config.h"
#include "engine/registry.h"
#include "util/data_dir.h"

namespace durabench {
namespace {

namespace fs = std::filesystem;

// The modules durabench ships: what each serves, and the package that installs it.
struct KnownModule {
  std::string_view name;
  std::string_view package;
  std::vector<std::string_view> engines;
  std::vector<UriScheme> schemes;
  std::string_view build_deps;  // what a source build needs to make it
};

const std::vector<KnownModule>& KnownModules() {
  static const std::vector<KnownModule> kKnown = {
      {"ceph",
       "durabench-ceph",
       {"rados", "rbd"},
       {UriScheme::kRados, UriScheme::kRbd},
       "librados-dev and librbd-dev"},
      {"gluster", "durabench-gluster", {"gfapi"}, {UriScheme::kGluster}, "libglusterfs-dev"},
      // No engine: the group of a multi-client run under mpirun (group.h, scale-out.md).
      {"mpi", "durabench-mpi", {}, {}, "libopenmpi-dev"},
  };
  return kKnown;
}

const KnownModule* FindKnown(std::string_view name) {
  for (const KnownModule& k : KnownModules()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string FileName(std::string_view name) { return "durabench-" + std::string(name) + ".so"; }

struct Loaded {
  Module* module = nullptr;
  std::string path;
  std::vector<std::string> engines;
};

// Modules loaded so far; never unloaded.
struct Loader {
  std::mutex mu;
  std::map<std::string, Loaded, std::less<>> loaded;
};

Loader& TheLoader() {
  static Loader* l = new Loader();  // never destroyed: modules stay loaded until exit
  return *l;
}

std::string PathText(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return "(no module directory: /proc/self/exe unreadable)";
  std::string out;
  for (const std::string& d : dirs) out += (out.empty() ? "" : ":") + d;
  return out;
}

// The one-line error for module `name`, with the package to install when durabench ships it.
Status ModuleError(std::string_view name, const std::string& why) {
  const KnownModule* k = FindKnown(name);
  std::string msg = "module " + FileName(name) + " " + why;
  if (k != nullptr) {
    msg += "; install the " + std::string(k->package) + " package, or build durabench with " +
           std::string(k->build_deps);
  }
  return Status::NotSupported(msg);
}

// dlopen's the file and registers the module's engines; called with the loader's lock held.
Result<Module*> Open(Loader& l, std::string_view name, const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = ::dlerror();
    return ModuleError(name, "cannot be loaded: " + std::string(err != nullptr ? err : path));
  }
  const auto* abi = static_cast<const char*>(::dlsym(handle, "durabench_module_abi"));
  auto entry = reinterpret_cast<Module* (*)()>(::dlsym(handle, "durabench_module"));
  if (abi == nullptr || entry == nullptr) {
    ::dlclose(handle);
    return ModuleError(name, "at " + path + " is not a durabench module");
  }
  if (std::strcmp(abi, DURABENCH_MODULE_ABI) != 0) {
    Status st = ModuleError(name, "at " + path + " was built for \"" + abi + "\", not for this \"" +
                                      DURABENCH_MODULE_ABI +
                                      "\" (a module must come from the same "
                                      "build as the binary)");
    ::dlclose(handle);  // `abi` points into the module: used above, before this
    return st;
  }
  Module* m = entry();
  Loaded entry_info{m, path, {}};
  for (const EngineInfo& e : m->Engines()) {
    Status st = RegisterEngine(e);
    if (!st.ok()) return ModuleError(name, "at " + path + ": " + st.message());
    entry_info.engines.emplace_back(e.name);
  }
  l.loaded.emplace(std::string(name), std::move(entry_info));
  return m;
}

Result<Module*> LoadLocked(Loader& l, std::string_view name) {
  if (auto it = l.loaded.find(name); it != l.loaded.end()) return it->second.module;
  const std::vector<std::string> dirs = ModuleSearchPath();
  for (const std::string& dir : dirs) {
    const std::string path = (fs::path(dir) / FileName(name)).string();
    if (::access(path.c_str(), F_OK) != 0) continue;
    return Open(l, name, path);
  }
  return ModuleError(name, "is not installed (looked in " + PathText(dirs) + ")");
}

// Every durabench-*.so in the search path, by module name (the first directory wins).
std::map<std::string, std::string> FindAll() {
  std::map<std::string, std::string> found;
  for (const std::string& dir : ModuleSearchPath()) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      const std::string file = e.path().filename().string();
      if (file.size() <= 13 || file.rfind("durabench-", 0) != 0 || !file.ends_with(".so")) continue;
      found.emplace(file.substr(10, file.size() - 13), e.path().string());
    }
  }
  return found;
}

}  // namespace

std::vector<std::string> ModuleSearchPath() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("DURABENCH_MODULE_PATH"); env != nullptr) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) dirs.emplace_back(dir);
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    return dirs;
  }
  Result<std::string> self = BinaryPath();
  if (self.ok()) {
    dirs.push_back((fs::path(*self).parent_path() / DURABENCH_MODULE_DIR_FROM_BIN)
                       .lexically_normal()
                       .string());
  }
  return dirs;
}

Result<Module*> LoadModule(std::string_view name) {
  Loader& l = TheLoader();
  std::lock_guard<std::mutex> lock(l.mu);
  return LoadLocked(l, name);
}

Result<Module*> ModuleForScheme(UriScheme scheme) {
  for (const KnownModule& k : KnownModules()) {
    if (std::find(k.schemes.begin(), k.schemes.end(), scheme) == k.schemes.end()) continue;
    Result<Module*> m = LoadModule(k.name);
    if (!m.ok()) return m.status();
    if (!(*m)->Serves(scheme)) {
      return Status::Internal("module " + FileName(k.name) + " does not serve " +
                              NativeEngineFor(scheme) + " targets");
    }
    return *m;
  }
  return Status::Internal("no module serves this URI scheme");
}

Status RequireEngine(std::string_view name) {
  if (FindEngine(name).ok()) return Status::Ok();
  for (const KnownModule& k : KnownModules()) {
    if (std::find(k.engines.begin(), k.engines.end(), name) == k.engines.end()) continue;
    Result<Module*> m = LoadModule(k.name);
    if (!m.ok())
      return Status::NotSupported("engine " + std::string(name) + ": " + m.status().message());
    return FindEngine(name).status();
  }
  // Not one of ours: any other module in the path may have it. When none has, every module is
  // loaded, so that the error lists every engine there is.
  for (const auto& [module, path] : FindAll()) {
    if (FindKnown(module) != nullptr) continue;
    if (LoadModule(module).ok() && FindEngine(name).ok()) return Status::Ok();
  }
  LoadAllModules();
  return FindEngine(name).status();
}

std::vector<ModuleState> LoadAllModules() {
  std::vector<ModuleState> states;
  const std::map<std::string, std::string> found = FindAll();
  auto state_of = [](std::string_view name) {
    ModuleState s;
    s.name = name;
    Result<Module*> m = LoadModule(name);
    Loader& l = TheLoader();
    std::lock_guard<std::mutex> lock(l.mu);
    if (auto it = l.loaded.find(name); it != l.loaded.end()) {
      s.path = it->second.path;
      s.engines = it->second.engines;
    } else {
      s.error = m.status().message();
    }
    return s;
  };
  for (const KnownModule& k : KnownModules()) {
    ModuleState s = state_of(k.name);
    s.package = k.package;
    if (s.engines.empty()) s.engines.assign(k.engines.begin(), k.engines.end());
    states.push_back(std::move(s));
  }
  for (const auto& [name, path] : found) {
    if (FindKnown(name) == nullptr) states.push_back(state_of(name));
  }
  return states;
}

}  // namespace durabench
