// Private to src/target: the block-device safety checks and sysfs look-ups behind target.h.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "target/system_files.h"
#include "target/target.h"
#include "util/status.h"

namespace durabench::internal {

// A block device that passed every safety check. `fd` is the device opened O_RDONLY|O_EXCL: while
// it is open nothing else can mount or exclusively claim the device. The caller owns `fd`.
struct BlockDeviceClaim {
  int fd = -1;
  uint64_t size_bytes = 0;            // BLKGETSIZE64
  uint32_t logical_block_size = 512;  // BLKSSZGET
};

// Runs the checks of CheckBlockDeviceSafe() in order (destroy_data, mounted, swap, holders,
// read-only, O_EXCL open, signatures) and returns at the first refusal; on success fills *claim.
// Writes nothing. On failure no descriptor is left open. A process that joins a shared device
// (options.joins_shared()) runs every check but the O_EXCL open and holds nothing (claim->fd -1).
Status ClaimBlockDevice(const std::string& path, const TargetOptions& options,
                        BlockDeviceClaim* claim, const SystemRoots& roots = {});

// Why the block device `dev` must not be written whatever the flags, as the system lists it under
// `roots`: "it is mounted on /mnt", "its partition loop0p1 is in use as swap", "it has holders
// (dm-0): ..." (the device and its partitions; mounts matched by MAJ:MIN or by the mount source,
// swap by the listed path). "" when nothing holds it; an error when sysfs does not know `dev`.
// The first checks of ClaimBlockDevice, exposed so that tests run them on a fake tree.
Result<std::string> InUseReason(dev_t dev, const SystemRoots& roots);

// Logical block size in bytes of the block device `dev` (a whole disk or a partition, as in
// st_dev or st_rdev), read from sysfs; 512 when unknown (tmpfs, network filesystems, no sysfs).
uint32_t LogicalBlockSizeOf(dev_t dev, const SystemRoots& roots = {});

}  // namespace durabench::internal
