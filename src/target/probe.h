// What a target sits on: the block device(s) under a path, their cache facts, the filesystem
// and its mount, and the storage backend kind. Read-only: the probe never writes anything.
//
// Every fact is either read from the system or "unknown" with the reason it could not be read
// (not present on this device, permission denied, ...). Nothing is guessed: a fact that sysfs
// does not expose stays unknown rather than defaulting to a plausible value.
//
// Sources (all read-only):
//  - statfs(2) for the filesystem type; /proc/self/mountinfo for the mount (source, options,
//    superblock options, FUSE subtype) of the longest mount point that contains the path.
//  - /sys/dev/block/MAJ:MIN for the device under the path (st_dev, or st_rdev for a device
//    node); a partition resolves to its disk; a loop device to its backing file and, through
//    it, to the device under that file; a dm/md device to its slaves. Where st_dev is
//    anonymous (btrfs, overlay) the device comes from the mount source (and the other devices
//    in /sys/fs/btrfs/UUID/devices) or the overlay's upperdir. A path that does not exist is
//    probed through its nearest existing parent; a URI ("rados://...") is not probed.
//  - /sys/block/X/{device/model,device/vendor,device/firmware_rev,device/serial,
//    queue/rotational,queue/logical_block_size,queue/physical_block_size,queue/write_cache,
//    queue/fua,queue/scheduler,queue/nr_requests}; SCSI firmware from device/rev and serial
//    from VPD page 0x80 (device/vpd_pg80); virtio's serial from /sys/block/vdX/serial.
//  - NVMe: Identify Controller (VWC bit, byte 525 bit 0) and Get Features Volatile Write Cache
//    (FID 0x06) through NVME_IOCTL_ADMIN_CMD on the controller's character device; both are
//    read-only admin commands.
//  - SCSI/SATA: scsi_disk/*/cache_type ("write back", "write through", ...) from sysfs.
#pragma once

#include <optional>
#include <string>

#include "result/probe_facts.h"
#include "target/system_files.h"

namespace durabench {

// The shape of a Gluster client graph, as far as copies go: the `cluster/replicate` nodes and
// their subvolume (copy) counts, and whether any node erasure-codes (`cluster/disperse`).
class GlusterGraphShape {
 public:
  void AddReplicateNode(size_t copies) {
    if (replicate_nodes_ > 0 && copies != copies_) copies_differ_ = true;
    copies_ = copies;
    ++replicate_nodes_;
  }
  void AddDisperseNode() { disperse_ = true; }
  // Sets r->volume_type and r->replica_count; `where` names the graph in an unknown's reason.
  void Describe(const std::string& where, ReplicationFacts* r) const;

 private:
  size_t replicate_nodes_ = 0;
  size_t copies_ = 0;
  bool copies_differ_ = false;
  bool disperse_ = false;
};

// Where sysfs, procfs and /dev are (system_files.h), and whether NVMe devices are asked.
struct ProbeRoots : SystemRoots {
  bool nvme_ioctl = true;  // issue the read-only NVMe admin commands
};

// Probes `path` (a file, a directory, or a block device; a path that does not exist yet is
// probed through its nearest existing parent). Never fails: unreadable facts are unknown.
// Thread-compatible; does blocking reads of sysfs/procfs and, for NVMe, two admin ioctls.
ProbeResult ProbeTarget(const std::string& path, const ProbeRoots& roots = {});

}  // namespace durabench
