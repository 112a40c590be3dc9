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

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace durabench {

// One fact: a value, or why there is none.
struct ProbeFact {
  std::string value;    // as read (trimmed); empty when unknown
  std::string unknown;  // reason when the value could not be read; empty when known

  bool known() const { return unknown.empty(); }
  static ProbeFact Known(std::string v) { return {std::move(v), {}}; }
  static ProbeFact Unknown(std::string reason) { return {{}, std::move(reason)}; }
  // Unknown because the fact does not exist for this kind of device or mount (an NVMe bit of a
  // SCSI disk, the FUSE subtype of ext4): reason "not applicable: <why>". Such facts are still
  // listed as unknown in JSON; the human summary leaves them out.
  static ProbeFact NotApplicable(const std::string& why) {
    return Unknown(std::string(kNotApplicable) + ": " + why);
  }
  bool not_applicable() const { return unknown.rfind(kNotApplicable, 0) == 0; }

  static constexpr std::string_view kNotApplicable = "not applicable";
};

// A block device in the chain under the target.
struct DeviceFacts {
  std::string name;         // kernel name: "nvme0n1", "sda", "loop3", "dm-0", "vda"
  std::string dev_path;     // "/dev/nvme0n1"
  std::string major_minor;  // "259:0"
  // "nvme", "scsi" (SCSI/SATA/SAS/USB through sd), "virtio", "loop", "dm", "md", "zram",
  // "rbd", "nbd", "mmc", "other".
  std::string transport;
  // How this device was reached from the one above it: "" for the device under the path,
  // "disk of partition sda1", "backing file /var/img/x.img of loop3", "slave of dm-0".
  std::string reached_by;
  // The name of the device this one was reached from ("loop3", "dm-0"); "" for a device under
  // the path itself. A partition is not a chain member: its disk is, reached_by naming it.
  std::string reached_from;
  // What else identifies a virtual device: dm "name vg0-root, LVM"; md "raid1"; loop
  // "direct I/O to the backing file: off"; "" when there is nothing to add.
  std::string detail;
  ProbeFact model, vendor, firmware, serial_sha256;  // serial is hashed (SHA-256, hex)
  ProbeFact rotational;                              // "0" or "1"
  ProbeFact logical_block_size_bytes, physical_block_size_bytes;
  ProbeFact write_cache;  // queue/write_cache: "write back" or "write through"
  ProbeFact fua;          // queue/fua: "0" or "1"
  ProbeFact scheduler;    // the selected one, e.g. "none", "mq-deadline"
  ProbeFact nr_requests;
  ProbeFact nvme_vwc_present;     // Identify Controller VWC bit: "1" or "0" (nvme only)
  ProbeFact nvme_vwc_enabled;     // Get Features 0x06: "1" or "0" (nvme only)
  ProbeFact scsi_cache_type;      // scsi_disk cache_type, e.g. "write back" (scsi only)
  std::string loop_backing_file;  // loop only: the backing file, if readable
};

struct FilesystemFacts {
  ProbeFact type;         // statfs f_type name: "ext4", "xfs", "btrfs", "tmpfs", "fuse", "nfs", ...
  std::string magic_hex;  // statfs f_type, "0xef53"
  ProbeFact mount_point, mount_source, fs_type_mountinfo;  // mountinfo fields 5, 10 and 9
  ProbeFact mount_options, super_options;                  // mountinfo fields 6 and 11
  ProbeFact fuse_subtype;  // "glusterfs", "ceph-fuse", ... from "fuse.SUBTYPE"; fuse only
  // Durability-relevant options pulled out of the option strings: "barrier"/"nobarrier",
  // "data=ordered", "sync"; known-empty when none are set.
  std::vector<std::string> durability_options;
};

// "local-block", "tmpfs", "ramfs", "overlay", "loop", "nfs", "cephfs-kernel", "ceph-fuse",
// "rbd", "nbd", "glusterfs-fuse", "fuse" (another FUSE filesystem), "zram", "unknown".
// A block-device chain is classified by its topmost loop, rbd, nbd or zram device, else
// "local-block"; a filesystem with no block device by its type (mountinfo first, then statfs).
// What a replicated network backend does with a write: how many copies it keeps. Read for
// Gluster FUSE mounts from the client's own translator graph (MOUNT/.meta/graphs/active: a
// `cluster/replicate` node's subvolumes are the copies), so no cluster access is needed. Ceph
// pools' size and min_size need the cluster (librados) and are not read yet: unknown, with that
// reason. Not applicable to every other backend.
struct ReplicationFacts {
  ProbeFact system;  // "glusterfs" or "ceph"
  ProbeFact volume;  // the Gluster volume, or the Ceph pool
  // Gluster: "replicate", "distributed-replicate", "distribute", "disperse"; Ceph: "replicated"
  // or "erasure"
  ProbeFact volume_type;
  ProbeFact replica_count;  // copies of every write ("1" for a plain distribute volume)
  ProbeFact min_size;       // Ceph: copies a write needs to complete (not applicable to Gluster)
  ProbeFact cluster_id;     // Ceph: the cluster's fsid (not applicable to Gluster)

  void SetAll(const ProbeFact& fact);  // every fact above to `fact`
};

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

struct ProbeResult {
  std::string path;           // as given
  std::string resolved_path;  // realpath, or the path itself if it does not exist yet
  std::string backend_kind;
  std::string backend_detail;    // e.g. "loop0 backed by /tmp/x.img on vda (virtio)"
  FilesystemFacts filesystem;    // absent fields unknown for a raw block device target
  ReplicationFacts replication;  // copies kept by a replicated network backend
  bool is_block_device = false;  // the path itself is a block device node
  // The chain, from the device under the path down to the leaves (physical devices last).
  std::vector<DeviceFacts> devices;
  std::vector<std::string> notes;  // anything odd met while probing, in words
};

// Where sysfs, procfs and /dev are; tests point these into a fake tree.
struct ProbeRoots {
  std::string sys = "/sys";
  std::string proc_self = "/proc/self";
  std::string dev = "/dev";
  bool nvme_ioctl = true;  // issue the read-only NVMe admin commands
};

// Probes `path` (a file, a directory, or a block device; a path that does not exist yet is
// probed through its nearest existing parent). Never fails: unreadable facts are unknown.
// Thread-compatible; does blocking reads of sysfs/procfs and, for NVMe, two admin ioctls.
ProbeResult ProbeTarget(const std::string& path, const ProbeRoots& roots = {});

// The leaf devices of the chain (those no other device was reached through): the physical
// drives whose cache decides durability. Empty when the target is not on a block device.
std::vector<const DeviceFacts*> LeafDevices(const ProbeResult& probe);

// Parses one /proc/self/mountinfo line; nullopt if malformed. Exposed for tests.
// Fields (proc(5)): ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER;
// the octal escapes (\040 for a space) of paths and source are undone.
struct MountInfoLine {
  std::string mount_point, mount_options, fs_type, source, super_options;
  std::string major_minor;
  std::string root;  // field 4: the directory of the filesystem mounted here (bind mounts)
};
std::optional<MountInfoLine> ParseMountInfoLine(const std::string& line);

// The facts of DeviceFacts and FilesystemFacts as a table, in output order, so that the JSON
// writer and reader and the human summary agree on names and types. `name` is the JSON key;
// kNumber facts hold decimal digits, kBool facts "0" or "1" (validated when read from sysfs).
enum class FactType { kText, kNumber, kBool };
struct DeviceFactField {
  const char* name;
  ProbeFact DeviceFacts::*member;
  FactType type;
};
struct FilesystemFactField {
  const char* name;
  ProbeFact FilesystemFacts::*member;
  FactType type;
};
struct ReplicationFactField {
  const char* name;
  ProbeFact ReplicationFacts::*member;
  FactType type;
};
std::span<const DeviceFactField> DeviceFactFields();
std::span<const FilesystemFactField> FilesystemFactFields();
std::span<const ReplicationFactField> ReplicationFactFields();

// One line on what the write-cache facts of `device` (a leaf) mean for durability, e.g.
// "write back cache: a flush must reach the media unless the drive has PLP (power-loss
// protection) - run `durabench plp` to measure what a flush costs". Never empty.
std::string WriteCacheMeaning(const DeviceFacts& device);

// One line on what a backend kind without a block device means for durability ("tmpfs: memory
// - nothing written here survives a reboot"); "" for the kinds on block devices, whose leaf
// devices' WriteCacheMeaning() says it.
std::string BackendMeaning(const std::string& backend_kind);

}  // namespace durabench
