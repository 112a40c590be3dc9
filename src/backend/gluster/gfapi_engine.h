// The Gluster module's engine, `gfapi`: a file on a Gluster volume through libgfapi's
// asynchronous calls (queue depth N), no FUSE in between. It opens its file on the
// GlusterConnection of the run's target (EngineOpenOptions::connection); without one, Open()
// says which URI it needs. Durability (docs/backends.md): glfs_pwrite_async, then
// glfs_fsync_async / glfs_fdatasync_async, on a file opened with the phase's O_DIRECT / O_SYNC /
// O_DSYNC.
#pragma once

#include <memory>

#include "engine/engine.h"

namespace durabench {

EngineCaps GfapiEngineCaps();
std::unique_ptr<Engine> NewGfapiEngine();

}  // namespace durabench
