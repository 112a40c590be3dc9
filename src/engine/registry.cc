#include "engine/registry.h"

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
#if DURABENCH_HAVE_RADOS || DURABENCH_HAVE_GFAPI
#include "engine/native_engines.h"
#endif

namespace durabench {

const std::vector<EngineInfo>& AllEngines() {
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
#if DURABENCH_HAVE_RADOS
    {"rados", "librados objects in a pool (rados://POOL): aio writes, acknowledged when durable",
     RadosEngineCaps(), NewRadosEngine},
#endif
#if DURABENCH_HAVE_RBD
    {"rbd", "librbd image (rbd://POOL/IMAGE): aio writes, rbd_aio_flush as the flush",
     RbdEngineCaps(), NewRbdEngine},
#endif
#if DURABENCH_HAVE_GFAPI
    {"gfapi", "libgfapi file on a Gluster volume (gluster://HOST/VOLUME/DIR), no FUSE",
     GfapiEngineCaps(), NewGfapiEngine},
#endif
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
