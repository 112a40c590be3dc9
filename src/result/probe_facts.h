// The facts a probe finds under a target (devices, cache settings, filesystem and mount,
// replication of a network backend), as data: part of every result (RunResult::probe), written
// and read by result/probe_json.h, shown by `probe`, compare and plp. Finding them is
// target/probe.h's (ProbeTarget); what they mean for durability, in words, is here.
#pragma once

#include <cstdint>
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

// The leaf devices of the chain (those no other device was reached through): the physical
// drives whose cache decides durability. Empty when the target is not on a block device.
std::vector<const DeviceFacts*> LeafDevices(const ProbeResult& probe);

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
