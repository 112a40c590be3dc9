// The Ceph module's engines: `rados` (objects in a pool) and `rbd` (an RBD image). Both are
// asynchronous (queue depth N) and open their object prefix or image on the CephConnection of the
// run's target (EngineOpenOptions::connection); without one, Open() says which URI they need.
//
// What "durable" means on each (docs/backends.md):
//  - rados: an acknowledged write is already on every acting replica's disk, so a flush
//    (rados_aio_flush_async: wait for our writes in flight) and O_SYNC add nothing;
//  - rbd: with the client cache (rbd_cache, on unless the phase is direct) a write completes in
//    the cache and rbd_aio_flush makes it durable; direct turns the cache off for the phase;
//    O_SYNC/O_DSYNC/RWF_*SYNC writes are a write followed by rbd_aio_flush, timed as one write.
#pragma once

#include <memory>

#include "engine/engine.h"

namespace durabench {

EngineCaps RadosEngineCaps();
std::unique_ptr<Engine> NewRadosEngine();
EngineCaps RbdEngineCaps();
std::unique_ptr<Engine> NewRbdEngine();

}  // namespace durabench
