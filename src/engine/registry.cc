#include "engine/registry.h"

#include <deque>
#include <mutex>
#include <string>

#include "durabench/config.h"
#include "engine/null_engine.h"
#include "engine/psync_engine.h"
#if DURABENCH_HAVE_LIBURING
#include "engine/io_uring_engine.h"
#endif
#if DURABENCH_HAVE_LIBAIO
#include "engine/libaio_engine.h"
#endif

namespace durabench {
namespace {

const std::vector<EngineInfo>& BuiltInEngines() {
  static const std::vector<EngineInfo> kEngines = {
    {"psync", "pread/pwrite/pwritev2 + fsync/fdatasync/sync_file_range, one op at a time",
     PsyncEngine::Caps(), [] { return std::unique_ptr<Engine>(new PsyncEngine()); }},
#if DURABENCH_HAVE_LIBURING
    {"io_uring",
     "io_uring (liburing): queue depth N, linked write->flush, registered files/buffers",
     IoUringEngine::Caps(), [] { return std::unique_ptr<Engine>(new IoUringEngine()); }},
#endif
#if DURABENCH_HAVE_LIBAIO
    {"libaio", "Linux native AIO (io_submit/io_getevents), O_DIRECT, queue depth N",
     LibaioEngine::Caps(), [] { return std::unique_ptr<Engine>(new LibaioEngine()); }},
#endif
    {"null", "no I/O at all: measures durabench's own per-op overhead", NullEngine::Caps(),
     [] { return std::unique_ptr<Engine>(new NullEngine()); }},
  };
  return kEngines;
}

// Engines of loaded modules. A deque, so that pointers handed out stay valid as it grows.
struct Registered {
  std::mutex mu;
  std::deque<EngineInfo> engines;
};

Registered& ModuleEngines() {
  static Registered* r = new Registered();  // never destroyed: engines outlive static teardown
  return *r;
}

}  // namespace

std::vector<const EngineInfo*> AllEngines() {
  std::vector<const EngineInfo*> all;
  for (const EngineInfo& e : BuiltInEngines()) all.push_back(&e);
  Registered& r = ModuleEngines();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const EngineInfo& e : r.engines) all.push_back(&e);
  return all;
}

Result<const EngineInfo*> FindEngine(std::string_view name) {
  std::string names;
  for (const EngineInfo* e : AllEngines()) {
    if (e->name == name) return e;
    if (!names.empty()) names += ", ";
    names += e->name;
  }
  return Status::NotFound("unknown engine '" + std::string(name) + "'; valid: " + names);
}

Status RegisterEngine(const EngineInfo& info) {
  if (info.name.empty() || info.create == nullptr) {
    return Status::InvalidArgument("an engine needs a name and a factory");
  }
  const Status taken =
      Status::InvalidArgument("engine '" + std::string(info.name) + "' exists already");
  for (const EngineInfo& e : BuiltInEngines()) {
    if (e.name == info.name) return taken;
  }
  Registered& r = ModuleEngines();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const EngineInfo& e : r.engines) {
    if (e.name == info.name) return taken;
  }
  r.engines.push_back(info);
  return Status::Ok();
}

}  // namespace durabench
