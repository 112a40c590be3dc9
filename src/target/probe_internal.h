// Private to src/target (and its tests): the pieces behind ProbeTarget() in probe.h.
//
// probe_sysfs.cc reads facts from files, probe_device.cc walks the device chain in sysfs,
// probe_mount.cc reads the mount and filesystem, probe_nvme.cc issues the two read-only NVMe
// admin commands, probe.cc classifies the backend and puts them together (what the facts mean is
// result/probe_facts.h's).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "target/probe.h"

namespace durabench::internal {

// --- probe_sysfs.cc ---------------------------------------------------------------------------

// The content of `path`, trimmed of surrounding whitespace (SCSI pads model and vendor), or
// unknown: "not present: PATH" (ENOENT, ENOTDIR), "permission denied: PATH" (EACCES, EPERM),
// "read PATH: <strerror>" otherwise, "empty: PATH" for an empty file.
ProbeFact ReadFact(const std::string& path);

// The first of `paths` that exists, read as ReadFact does; when none exists, unknown
// "not present: P1 or P2 ...". Unreadable-but-present stops the search with that reason.
ProbeFact ReadFirstFact(const std::vector<std::string>& paths);

// Turns a read fact into a validated one: kBool must be "0" or "1", kNumber decimal digits;
// otherwise unknown "unexpected value 'V' in PATH". Unknown facts pass through.
ProbeFact Validate(ProbeFact fact, FactType type, const std::string& path);

// The selected scheduler of a queue/scheduler line: "mq-deadline" from "none [mq-deadline] bfq",
// the single word of "none"; unknown when nothing is selected.
ProbeFact SelectedScheduler(const ProbeFact& line, const std::string& path);

// The serial number in a SCSI VPD page 0x80 (Unit Serial Number) as sysfs vpd_pg80 holds it:
// byte 1 the page code 0x80, bytes 2-3 the length, then ASCII. Trimmed; nullopt if malformed.
std::optional<std::string> SerialFromVpdPage80(const std::string& page);

// --- probe_mount.cc ---------------------------------------------------------------------------

// The mount that `path` (absolute, symlinks resolved) lies on: the mountinfo line with the
// longest mount point containing it (by whole components); among equal mount points the last
// one listed, which is the one on top. nullopt when none does or `mountinfo` has no valid line.
std::optional<MountInfoLine> FindMountFor(const std::string& mountinfo, const std::string& path);

// The name of a statfs f_type, "ext2/ext3/ext4" for 0xef53; "" when not in the table.
std::string FsTypeNameFromMagic(uint64_t magic);

// The durability-relevant options among the comma-separated `mount_options` and
// `super_options`, in order, each once: barrier, nobarrier, barrier=N, data=..., sync, dirsync,
// wsync, nowsync, flushoncommit, journal_async_commit.
std::vector<std::string> DurabilityOptions(const std::string& mount_options,
                                           const std::string& super_options);

// "glusterfs" from a mountinfo type "fuse.glusterfs" ("fuseblk.X" too); not applicable for a
// type that is not FUSE, unknown for a plain "fuse" (the daemon set no subtype).
ProbeFact FuseSubtype(const std::string& fs_type);

// Fills result->filesystem for `path` (existing, absolute, resolved) from statfs(2) and
// `roots.proc_self`/mountinfo. Returns the mount found (for the device fallbacks in probe.cc).
std::optional<MountInfoLine> ProbeFilesystem(const std::string& path, const ProbeRoots& roots,
                                             ProbeResult* result);

// --- probe_device.cc --------------------------------------------------------------------------

// Appends to result->devices the device `dev` and everything under it: a partition resolves to
// its disk, a loop device to the device under its backing file, dm/md to their slaves. The first
// device appended gets `reached_by` / `reached_from`; a device already in the list is not added
// again. Returns "" when `dev` has a sysfs entry, else why not ("no sysfs entry
// SYS/dev/block/0:45: ..."). Odd things met on the way become result->notes.
std::string ProbeDeviceChain(dev_t dev, const std::string& reached_by,
                             const std::string& reached_from, const ProbeRoots& roots,
                             ProbeResult* result);

// The transport of the block device whose (whole-disk) sysfs directory is `dir`, named `name`:
// "loop", "dm", "md", "zram", "rbd", "nbd", "nvme", "mmc", "virtio", "scsi" or "other".
std::string TransportOf(const std::string& dir, const std::string& name);

// --- probe_nvme.cc ----------------------------------------------------------------------------

// Identify Controller data structure (4096 bytes, NVMe base spec 5.1.13.2.1): VWC is byte 525,
// bit 0 = a volatile write cache is present. "1"/"0"; unknown if `size_bytes` < 526.
ProbeFact DecodeIdentifyVwc(const uint8_t* identify, size_t size_bytes);

// Get Features, Volatile Write Cache (FID 0x06): completion dword 0 bit 0 = WCE, the cache is
// enabled. "1"/"0".
ProbeFact DecodeVwcFeature(uint32_t completion_dw0);

// Why an NVMe admin command gave no answer, from NVME_IOCTL_ADMIN_CMD's return value `rc` (> 0:
// the NVMe status field; < 0 / -1: `err` is the errno). E.g. "Get Features 0x06 on /dev/nvme0:
// permission denied (needs CAP_SYS_ADMIN)", "... NVMe status 0x2 (Invalid Field in Command)".
std::string NvmeAdminFailure(const std::string& command, const std::string& dev_path, int rc,
                             int err);

// Fills device->nvme_vwc_present and nvme_vwc_enabled for the NVMe namespace whose sysfs
// directory is `dir`, through the controller's character device (read-only admin commands).
void ProbeNvmeCache(const std::string& dir, const ProbeRoots& roots, DeviceFacts* device);

// --- probe.cc ---------------------------------------------------------------------------------

// The backend kind (probe.h) from the mount's filesystem type (mountinfo's, e.g. "fuse.glusterfs";
// "" if unknown), the statfs type name ("" if unknown) and the device chain.
std::string ClassifyBackend(const std::string& mountinfo_type, const std::string& statfs_type,
                            const std::vector<DeviceFacts>& devices);

// --- probe_gluster.cc -------------------------------------------------------------------------

// The replication facts of a Gluster FUSE mount at `mount_point` mounted from `source`
// ("HOST:VOLUME" or "HOST:/VOLUME"), read from the client's active translator graph
// MOUNT/.meta/graphs/active/: each directory there is a translator with a `type` file; every
// `cluster/replicate` node has one entry per copy in its `subvolumes` directory,
// `cluster/disperse` marks an erasure-coded volume. Unreadable facts are unknown with the reason.
ReplicationFacts ProbeGlusterReplication(const std::string& mount_point, const std::string& source);

}  // namespace durabench::internal
