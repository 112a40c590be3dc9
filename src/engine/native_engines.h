// The native engines of URI targets: `rados` (librados objects), `rbd` (librbd image) and
// `gfapi` (files on a Gluster volume through libgfapi). Each is asynchronous (queue depth N) and
// opens its object prefix, image or file on the cluster connection of the run's target
// (EngineOpenOptions::connection); without one, Open() says which URI the engine needs.
//
// What "durable" means on each (docs/backends.md):
//  - rados: an acknowledged write is already on every acting replica's disk, so a flush
//    (rados_aio_flush_async: wait for our writes in flight) and O_SYNC add nothing;
//  - rbd: with the client cache (rbd_cache, on unless the phase is direct) a write completes in
//    the cache and rbd_aio_flush makes it durable; direct turns the cache off for the phase;
//    O_SYNC/O_DSYNC/RWF_*SYNC writes are a write followed by rbd_aio_flush, timed as one write;
//  - gfapi: glfs_pwrite_async / glfs_fsync_async / glfs_fdatasync_async on a file opened with
//    the phase's O_DIRECT / O_SYNC / O_DSYNC.
#pragma once

#include <memory>

#include "engine/engine.h"

namespace durabench {

EngineCaps RadosEngineCaps();
std::unique_ptr<Engine> NewRadosEngine();
EngineCaps RbdEngineCaps();
std::unique_ptr<Engine> NewRbdEngine();
EngineCaps GfapiEngineCaps();
std::unique_ptr<Engine> NewGfapiEngine();

}  // namespace durabench
