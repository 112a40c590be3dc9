#include "result/probe_facts.h"

#include <string>

namespace durabench {
namespace {

constexpr DeviceFactField kDeviceFields[] = {
    {"model", &DeviceFacts::model, FactType::kText},
    {"vendor", &DeviceFacts::vendor, FactType::kText},
    {"firmware", &DeviceFacts::firmware, FactType::kText},
    {"serial_sha256", &DeviceFacts::serial_sha256, FactType::kText},
    {"rotational", &DeviceFacts::rotational, FactType::kBool},
    {"logical_block_size_bytes", &DeviceFacts::logical_block_size_bytes, FactType::kNumber},
    {"physical_block_size_bytes", &DeviceFacts::physical_block_size_bytes, FactType::kNumber},
    {"write_cache", &DeviceFacts::write_cache, FactType::kText},
    {"fua", &DeviceFacts::fua, FactType::kBool},
    {"scheduler", &DeviceFacts::scheduler, FactType::kText},
    {"nr_requests", &DeviceFacts::nr_requests, FactType::kNumber},
    {"nvme_vwc_present", &DeviceFacts::nvme_vwc_present, FactType::kBool},
    {"nvme_vwc_enabled", &DeviceFacts::nvme_vwc_enabled, FactType::kBool},
    {"scsi_cache_type", &DeviceFacts::scsi_cache_type, FactType::kText},
};

constexpr FilesystemFactField kFilesystemFields[] = {
    {"type", &FilesystemFacts::type, FactType::kText},
    {"mount_point", &FilesystemFacts::mount_point, FactType::kText},
    {"mount_source", &FilesystemFacts::mount_source, FactType::kText},
    {"fs_type_mountinfo", &FilesystemFacts::fs_type_mountinfo, FactType::kText},
    {"mount_options", &FilesystemFacts::mount_options, FactType::kText},
    {"super_options", &FilesystemFacts::super_options, FactType::kText},
    {"fuse_subtype", &FilesystemFacts::fuse_subtype, FactType::kText},
};

constexpr ReplicationFactField kReplicationFields[] = {
    {"system", &ReplicationFacts::system, FactType::kText},
    {"volume", &ReplicationFacts::volume, FactType::kText},
    {"volume_type", &ReplicationFacts::volume_type, FactType::kText},
    {"replica_count", &ReplicationFacts::replica_count, FactType::kNumber},
    {"min_size", &ReplicationFacts::min_size, FactType::kNumber},
    {"cluster_id", &ReplicationFacts::cluster_id, FactType::kText},
};

std::string Value(const ProbeFact& f) { return f.known() ? f.value : std::string(); }

}  // namespace

std::span<const DeviceFactField> DeviceFactFields() { return kDeviceFields; }
std::span<const FilesystemFactField> FilesystemFactFields() { return kFilesystemFields; }
std::span<const ReplicationFactField> ReplicationFactFields() { return kReplicationFields; }

void ReplicationFacts::SetAll(const ProbeFact& fact) {
  for (const ReplicationFactField& f : kReplicationFields) this->*f.member = fact;
}

std::vector<const DeviceFacts*> LeafDevices(const ProbeResult& probe) {
  std::vector<const DeviceFacts*> leaves;
  for (const DeviceFacts& d : probe.devices) {
    bool has_child = false;
    for (const DeviceFacts& other : probe.devices) has_child |= other.reached_from == d.name;
    if (!has_child) leaves.push_back(&d);
  }
  return leaves;
}

std::string WriteCacheMeaning(const DeviceFacts& d) {
  const std::string& t = d.transport;
  if (t == "zram") return "zram: compressed RAM — nothing written here survives a reboot";
  if (t == "loop") {
    return "loop device: its backing file's filesystem and device decide durability";
  }
  if (t == "rbd") {
    return "RBD: a flush returns once every replica has the data durable; the OSDs' drives "
           "decide what it costs";
  }
  if (t == "nbd") return "network block device: the NBD server decides what a flush does";
  if (t == "dm" || t == "md") {
    return t + " device with no slave found: the devices that decide durability are not known";
  }
  if (Value(d.nvme_vwc_present) == "0") {
    return "no volatile write cache (NVMe VWC 0): a completed write is durable";
  }
  if (Value(d.nvme_vwc_enabled) == "0") {
    return "volatile write cache disabled (NVMe Get Features): a completed write is "
           "durable";
  }
  const std::string wc = Value(d.write_cache);
  if (wc == "write back") {
    return std::string("write back cache") + (Value(d.fua) == "1" ? " with FUA" : "") +
           ": a flush must reach the media unless the drive has PLP — run `durabench plp`";
  }
  if (wc == "write through") {
    if (Value(d.scsi_cache_type).rfind("write back", 0) == 0 || Value(d.nvme_vwc_enabled) == "1") {
      return "DANGER: the drive caches writes but the kernel treats it as write "
             "through and sends no flushes — fsync is not durable here";
    }
    return "write through: the kernel sends no flushes, trusting the device has no "
           "volatile cache — run `durabench plp` to check";
  }
  return "write cache unknown (" + d.write_cache.unknown +
         ") — run `durabench plp` to measure what a flush costs";
}

std::string BackendMeaning(const std::string& kind) {
  if (kind == "tmpfs" || kind == "ramfs") {
    return kind + ": memory — nothing written here survives a reboot or power loss";
  }
  if (kind == "nfs") {
    return "NFS: fsync returns when the server has committed the data; the server's storage "
           "decides what that costs";
  }
  if (kind == "cephfs-kernel" || kind == "ceph-fuse") {
    return "CephFS: fsync returns when every replica's OSD has the data durable";
  }
  if (kind == "glusterfs-fuse") {
    return "GlusterFS: fsync goes through FUSE to the bricks; their filesystems and drives "
           "decide durability";
  }
  if (kind == "rados") {
    return "RADOS: a write is acknowledged when every acting replica's OSD has it durable; a "
           "flush adds nothing";
  }
  if (kind == "rbd") {
    return "RBD: with the client cache on, a write is durable after rbd_aio_flush; without it, "
           "when acknowledged (every replica's OSD has it)";
  }
  if (kind == "gfapi") {
    return "GlusterFS (libgfapi, no FUSE): fsync goes to the bricks; their filesystems and drives "
           "decide durability";
  }
  if (kind == "fuse") return "FUSE: the daemon decides what fsync does (it may do nothing)";
  if (kind == "overlay") return "overlay: writes land in the upper directory's filesystem";
  if (kind == "unknown") {
    return "no block device found: durability cannot be read from the system — run "
           "`durabench plp` to measure what a flush costs";
  }
  return {};
}

}  // namespace durabench
