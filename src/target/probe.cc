// ProbeTarget(): the path's filesystem and mount, the device chain under it, the backend kind.
#include "target/probe.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "target/probe_internal.h"
#include "util/errno_status.h"

namespace durabench {
namespace {

std::string Value(const ProbeFact& f) { return f.known() ? f.value : std::string(); }

// The parent directory of `path` as written ("a/b" -> "a", "a" -> ".", "/a" -> "/").
std::string Parent(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The mount source as a path under roots.dev (tests put /dev elsewhere).
std::string SourceUnderDev(const std::string& source, const ProbeRoots& roots) {
  if (roots.dev != "/dev" && source.rfind("/dev/", 0) == 0) return roots.dev + source.substr(4);
  return source;
}

// The value of `key=` among comma-separated options ("upperdir=/x" -> "/x"), or "".
std::string OptionValue(const std::string& options, const std::string& key) {
  size_t pos = 0;
  while (pos <= options.size()) {
    size_t comma = options.find(',', pos);
    if (comma == std::string::npos) comma = options.size();
    const std::string o = options.substr(pos, comma - pos);
    if (o.rfind(key + "=", 0) == 0) return internal::UnescapeOctal(o.substr(key.size() + 1));
    pos = comma + 1;
  }
  return {};
}

// Filesystems whose st_dev is anonymous (no sysfs entry), so the device comes from elsewhere:
// the mount source (btrfs, and any filesystem on a device), the other devices of a multi-device
// btrfs, or an overlay's upper directory.
void ProbeDevicesFromMount(const MountInfoLine& mount, const std::string& why_not,
                           const ProbeRoots& roots, ProbeResult* r) {
  if (mount.fs_type == "overlay") {
    const std::string upper = OptionValue(mount.super_options, "upperdir");
    struct stat st;
    if (upper.empty() || ::stat(upper.c_str(), &st) != 0) {
      r->notes.push_back("overlay: upper directory " + (upper.empty() ? "not in options" : upper) +
                         " cannot be followed to a device");
      return;
    }
    const std::string why = internal::ProbeDeviceChain(
        st.st_dev, "upper directory " + upper + " of the overlay", "", roots, r);
    if (!why.empty()) r->notes.push_back("overlay upper directory " + upper + ": " + why);
    return;
  }
  struct stat st;
  const std::string source = SourceUnderDev(mount.source, roots);
  if (source.empty() || source[0] != '/' || ::stat(source.c_str(), &st) != 0 ||
      !S_ISBLK(st.st_mode)) {
    return;  // a network or memory filesystem: no device to find
  }
  const std::string why = internal::ProbeDeviceChain(
      st.st_rdev,
      "mount source " + mount.source + " (device " + mount.major_minor + " is anonymous)", "",
      roots, r);
  if (!why.empty()) {
    r->notes.push_back("mount source " + mount.source + ": " + why + " (and " + why_not + ")");
    return;
  }
  if (mount.fs_type != "btrfs" || r->devices.empty()) return;
  // A btrfs can span devices; /sys/fs/btrfs/<uuid>/devices/ lists every one of them.
  const std::string top = r->devices.front().name;
  int err = 0;
  const std::string btrfs = roots.sys + "/fs/btrfs";
  for (const std::string& uuid : internal::ListDir(btrfs, &err)) {
    const std::string devices = btrfs + "/" + uuid + "/devices";
    struct stat member;
    if (::stat((devices + "/" + top).c_str(), &member) != 0) continue;
    for (const std::string& name : internal::ListDir(devices, &err)) {
      dev_t dev = 0;
      const ProbeFact text = internal::ReadFact(devices + "/" + name + "/dev");
      if (name == top || !text.known() || !internal::ParseMajorMinor(text.value, &dev)) continue;
      internal::ProbeDeviceChain(dev, "another device of btrfs " + uuid, "", roots, r);
    }
    break;
  }
}

// "loop3 (loop) -> vda (virtio)"; devices at the same depth joined with " + ".
std::string DescribeChain(const std::vector<DeviceFacts>& devices) {
  std::vector<int> depth(devices.size(), 0);
  int max_depth = 0;
  for (size_t i = 0; i < devices.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (devices[j].name == devices[i].reached_from) depth[i] = depth[j] + 1;
    }
    max_depth = std::max(max_depth, depth[i]);
  }
  std::string out;
  for (int level = 0; level <= max_depth; ++level) {
    std::string names;
    for (size_t i = 0; i < devices.size(); ++i) {
      if (depth[i] != level) continue;
      if (!names.empty()) names += " + ";
      names += devices[i].name + " (" + devices[i].transport + ")";
    }
    if (!out.empty()) out += " -> ";
    out += names;
  }
  return out;
}

bool NoDeviceExpected(const std::string& kind) {
  for (const char* k :
       {"tmpfs", "ramfs", "nfs", "cephfs-kernel", "ceph-fuse", "glusterfs-fuse", "fuse"}) {
    if (kind == k) return true;
  }
  return false;
}

// The one contradiction that loses data: the drive caches, the kernel does not flush it.
void NoteCacheContradictions(ProbeResult* r) {
  for (const DeviceFacts& d : r->devices) {
    if (Value(d.write_cache) != "write through") continue;
    if (Value(d.scsi_cache_type).rfind("write back", 0) == 0 || Value(d.nvme_vwc_enabled) == "1") {
      r->notes.push_back(
          d.name +
          ": the drive reports an enabled volatile write cache but queue/write_cache "
          "is 'write through', so the kernel sends it no flushes: fsync does not "
          "make data durable on this device");
    }
  }
}

// Replication facts by backend: read for Gluster mounts, not yet for Ceph, not applicable to
// local and other backends.
ReplicationFacts ProbeReplication(const std::string& backend_kind,
                                  const std::optional<MountInfoLine>& mount) {
  ReplicationFacts r;
  if (backend_kind == "glusterfs-fuse" && mount) {
    return internal::ProbeGlusterReplication(mount->mount_point, mount->source);
  }
  if (backend_kind == "ceph-fuse" || backend_kind == "cephfs-kernel" || backend_kind == "rbd") {
    r.SetAll(ProbeFact::Unknown("a Ceph pool's size and min_size need the cluster (librados)"));
    r.system = ProbeFact::Known("ceph");
    return r;
  }
  r.SetAll(ProbeFact::NotApplicable("not a replicated network backend"));
  return r;
}

}  // namespace

ProbeResult ProbeTarget(const std::string& path, const ProbeRoots& roots) {
  ProbeResult r;
  r.path = path;
  if (path.find("://") != std::string::npos) {
    // rados://, rbd://, gluster://: a native client's target, not a path. Walking up its
    // "parents" would end in the current directory and report a filesystem it is not on.
    r.resolved_path = path;
    r.backend_kind = "unknown";
    for (const FilesystemFactField& f : FilesystemFactFields()) {
      r.filesystem.*f.member = ProbeFact::NotApplicable("the target is a URI, not a path");
    }
    r.replication.SetAll(
        ProbeFact::Unknown("the target is a URI: a native client's storage is not "
                           "probed"));
    r.notes.push_back(path + " is a URI: the storage behind a native client is not probed");
    return r;
  }
  // The nearest existing path: a target that does not exist yet lives on its parent's mount.
  std::string existing = path.empty() ? "." : path;
  std::string rest;
  struct stat st;
  while (::stat(existing.c_str(), &st) != 0) {
    const int err = errno;
    const std::string parent = Parent(existing);
    if ((err != ENOENT && err != ENOTDIR) || parent == existing) {
      const std::string why = ErrnoStatus("stat", existing, err).message();
      r.resolved_path = path;
      r.backend_kind = "unknown";
      for (const FilesystemFactField& f : FilesystemFactFields()) {
        r.filesystem.*f.member = ProbeFact::Unknown(why);
      }
      r.replication.SetAll(ProbeFact::Unknown(why));
      r.notes.push_back("nothing probed: " + why);
      return r;
    }
    std::string stripped = existing;
    while (stripped.size() > 1 && stripped.back() == '/') stripped.pop_back();
    rest = "/" + internal::Basename(stripped) + rest;
    existing = parent;
  }
  int err = 0;
  const std::string real = internal::RealPath(existing, &err);
  r.resolved_path = (real.empty() ? existing : real) + rest;
  if (!rest.empty()) {
    r.notes.push_back(path + " does not exist; probed its nearest existing parent " + existing);
  }

  std::string why_no_device;
  std::optional<MountInfoLine> mount;
  if (S_ISBLK(st.st_mode)) {
    r.is_block_device = true;
    for (const FilesystemFactField& f : FilesystemFactFields()) {
      r.filesystem.*f.member = ProbeFact::NotApplicable("the target is a block device");
    }
    why_no_device = internal::ProbeDeviceChain(st.st_rdev, "", "", roots, &r);
  } else {
    mount = internal::ProbeFilesystem(real.empty() ? existing : real, roots, &r);
    why_no_device = internal::ProbeDeviceChain(st.st_dev, "", "", roots, &r);
    if (!why_no_device.empty() && mount) ProbeDevicesFromMount(*mount, why_no_device, roots, &r);
  }

  r.backend_kind = internal::ClassifyBackend(Value(r.filesystem.fs_type_mountinfo),
                                             Value(r.filesystem.type), r.devices);
  r.replication = ProbeReplication(r.backend_kind, mount);
  const std::string fs = r.filesystem.type.known() ? r.filesystem.type.value : "filesystem";
  if (r.is_block_device) {
    r.backend_detail = "block device " + DescribeChain(r.devices);
  } else if (!r.devices.empty()) {
    r.backend_detail = fs + " on " + DescribeChain(r.devices);
  } else {
    r.backend_detail =
        fs +
        (mount ? " mounted from " + (mount->source.empty() ? "none" : mount->source) + " on " +
                     mount->mount_point
               : std::string()) +
        ", no block device";
  }
  if (r.devices.empty() && !NoDeviceExpected(r.backend_kind) && !why_no_device.empty()) {
    r.notes.push_back("no block device found: " + why_no_device);
  }
  NoteCacheContradictions(&r);
  for (const DeviceFacts* d : LeafDevices(r)) {
    if (d->transport != "virtio") continue;
    r.notes.push_back(d->name +
                      " is a virtio disk: its cache facts describe the virtual device; the "
                      "host's cache mode decides what reaches the physical media");
  }
  return r;
}

namespace internal {

std::string ClassifyBackend(const std::string& mountinfo_type, const std::string& statfs_type,
                            const std::vector<DeviceFacts>& devices) {
  const std::string& t = mountinfo_type.empty() ? statfs_type : mountinfo_type;
  if (t == "fuse.glusterfs") return "glusterfs-fuse";
  if (t == "fuse.ceph-fuse" || t == "fuse.ceph" || t == "ceph-fuse") return "ceph-fuse";
  if (t == "ceph") return "cephfs-kernel";
  if (t == "nfs" || t == "nfs4") return "nfs";
  if (t == "tmpfs") return "tmpfs";
  if (t == "ramfs") return "ramfs";
  if (t == "overlay") return "overlay";
  if (t.rfind("fuse", 0) == 0 || statfs_type == "fuse") return "fuse";
  for (const DeviceFacts& d : devices) {
    const std::string& tr = d.transport;
    if (tr == "loop" || tr == "rbd" || tr == "nbd" || tr == "zram") return tr;
  }
  return devices.empty() ? "unknown" : "local-block";
}

}  // namespace internal

}  // namespace durabench
