// SyncMethod: how a write is made durable. In spec/, below the engines, because engines declare
// which methods they implement (EngineCaps::sync_methods). Names and parsing are in spec/spec.h;
// the semantics of each are in docs/sync-methods.md.
#pragma once

#include <cstdint>

namespace durabench {

// How a write is made durable (see docs/sync-methods.md).
enum class SyncMethod {
  kNone,           // no durability: page cache (or device cache with direct)
  kFsync,          // write, then fsync(2)
  kFdatasync,      // write, then fdatasync(2)
  kSyncFileRange,  // write, then sync_file_range(WAIT_BEFORE|WRITE|WAIT_AFTER): no device flush
  kOsync,          // file opened O_SYNC: each write is durable, metadata included
  kOdsync,         // file opened O_DSYNC: each write is durable (FUA or write+flush)
  kRwfDsync,       // pwritev2(..., RWF_DSYNC): O_DSYNC semantics for this write only
  kRwfSync,        // pwritev2(..., RWF_SYNC): O_SYNC semantics for this write only
};

inline constexpr int kSyncMethodCount = 8;
// Bit for `s` in EngineCaps::sync_methods.
inline constexpr uint32_t SyncMethodBit(SyncMethod s) { return 1u << static_cast<int>(s); }

}  // namespace durabench
