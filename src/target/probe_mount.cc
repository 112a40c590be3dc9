// The filesystem under a path: statfs(2) for its type, /proc/self/mountinfo for the mount.
#include <sys/statfs.h>

#include <cerrno>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "target/probe_internal.h"
#include "util/errno_status.h"

namespace durabench {

namespace internal {
namespace {

// `dir` contains `path` by whole components: "/a" contains "/a" and "/a/b", not "/ab".
bool Contains(const std::string& dir, const std::string& path) {
  if (dir == "/") return true;
  if (path.compare(0, dir.size(), dir) != 0) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

std::vector<std::string> SplitOptions(const std::string& options) {
  std::vector<std::string> out;
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');) {
    if (!o.empty()) out.push_back(o);
  }
  return out;
}

bool IsDurabilityOption(std::string_view o) {
  for (std::string_view exact : {"barrier", "nobarrier", "sync", "dirsync", "wsync", "nowsync",
                                 "flushoncommit", "journal_async_commit"}) {
    if (o == exact) return true;
  }
  return o.rfind("barrier=", 0) == 0 || o.rfind("data=", 0) == 0;
}

// statfs and mountinfo name the same filesystem (statfs has one magic for several types).
bool SameType(const std::string& statfs_type, const std::string& mount_type) {
  if (statfs_type == mount_type) return true;
  if (statfs_type == "ext2/ext3/ext4") {
    return mount_type == "ext2" || mount_type == "ext3" || mount_type == "ext4";
  }
  if (statfs_type == "fuse") {
    return mount_type.rfind("fuse", 0) == 0 || mount_type == "virtiofs";
  }
  if (statfs_type == "nfs") return mount_type.rfind("nfs", 0) == 0;
  if (statfs_type == "tmpfs") return mount_type == "devtmpfs";
  return false;
}

}  // namespace

std::optional<MountInfoLine> FindMountFor(const std::string& mountinfo, const std::string& path) {
  std::optional<MountInfoLine> best;
  std::istringstream in(mountinfo);
  for (std::string line; std::getline(in, line);) {
    std::optional<MountInfoLine> m = ParseMountInfoLine(line);
    if (!m || !Contains(m->mount_point, path)) continue;
    // ">=": a later mount on the same point is stacked on top of the earlier one.
    if (!best || m->mount_point.size() >= best->mount_point.size()) best = std::move(m);
  }
  return best;
}

std::string FsTypeNameFromMagic(uint64_t magic) {
  struct Entry {
    uint64_t magic;
    const char* name;
  };
  // linux/magic.h and the filesystems' own headers.
  static constexpr Entry kTable[] = {
      {0xef53, "ext2/ext3/ext4"},
      {0x58465342, "xfs"},
      {0x9123683e, "btrfs"},
      {0x01021994, "tmpfs"},
      {0x858458f6, "ramfs"},
      {0x794c7630, "overlay"},
      {0x6969, "nfs"},
      {0x00c36400, "ceph"},
      {0x65735546, "fuse"},
      {0x2fc12fc1, "zfs"},
      {0xf2f52010, "f2fs"},
      {0xca451a4e, "bcachefs"},
      {0x73717368, "squashfs"},
      {0xe0f5e1e2, "erofs"},
      {0x4d44, "vfat"},
      {0x2011bab0, "exfat"},
      {0x5346544e, "ntfs"},
      {0xff534d42, "cifs"},
      {0xfe534d42, "smb2"},
      {0x01161970, "gfs2"},
      {0x7461636f, "ocfs2"},
      {0x3434, "nilfs2"},
      {0x9660, "iso9660"},
      {0x01021997, "9p"},
      {0x0bd00bd0, "lustre"},
      {0x47504653, "gpfs"},
      {0x19830326, "beegfs"},
      {0x3153464a, "jfs"},
      {0x52654973, "reiserfs"},
      {0x958458f6, "hugetlbfs"},
      {0x9fa0, "proc"},
      {0x62656572, "sysfs"},
      {0x63677270, "cgroup2"},
      {0x27e0eb, "cgroup"},
      {0x1cd1, "devpts"},
      {0x0187, "autofs"},
  };
  for (const Entry& e : kTable) {
    if (e.magic == magic) return e.name;
  }
  return {};
}

std::vector<std::string> DurabilityOptions(const std::string& mount_options,
                                           const std::string& super_options) {
  std::vector<std::string> out;
  for (const std::string* options : {&mount_options, &super_options}) {
    for (std::string& o : SplitOptions(*options)) {
      bool seen = false;
      for (const std::string& s : out) seen = seen || s == o;
      if (!seen && IsDurabilityOption(o)) out.push_back(std::move(o));
    }
  }
  return out;
}

ProbeFact FuseSubtype(const std::string& fs_type) {
  for (std::string_view prefix : {"fuse.", "fuseblk."}) {
    if (fs_type.rfind(prefix, 0) == 0 && fs_type.size() > prefix.size()) {
      return ProbeFact::Known(fs_type.substr(prefix.size()));
    }
  }
  if (fs_type == "fuse" || fs_type == "fuseblk") {
    return ProbeFact::Unknown("not set: the mount type is plain '" + fs_type +
                              "' (the FUSE daemon gave no subtype)");
  }
  return ProbeFact::NotApplicable("not a FUSE mount (type " + fs_type + ")");
}

std::optional<MountInfoLine> ProbeFilesystem(const std::string& path, const ProbeRoots& roots,
                                             ProbeResult* result) {
  FilesystemFacts& fs = result->filesystem;
  std::string statfs_type;
  struct statfs sfs;
  if (::statfs(path.c_str(), &sfs) != 0) {
    fs.type = ProbeFact::Unknown(ErrnoStatus("statfs", path, errno).message());
  } else {
    const auto magic = static_cast<uint64_t>(sfs.f_type);
    char hex[24];
    std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(magic));
    fs.magic_hex = hex;
    statfs_type = FsTypeNameFromMagic(magic);
    fs.type =
        statfs_type.empty()
            ? ProbeFact::Unknown("statfs f_type " + fs.magic_hex + " is not in durabench's table")
            : ProbeFact::Known(statfs_type);
  }

  const std::string mountinfo_path = roots.proc_self + "/mountinfo";
  std::string mountinfo;
  const int err = ReadSmallFile(mountinfo_path, &mountinfo);
  std::optional<MountInfoLine> mount;
  std::string why;
  if (err != 0) {
    why = ReadFact(mountinfo_path).unknown;  // the same wording as for any other file
  } else {
    mount = FindMountFor(mountinfo, path);
    if (!mount) why = "no mount in " + mountinfo_path + " contains " + path;
  }
  if (!mount) {
    for (ProbeFact* f : {&fs.mount_point, &fs.mount_source, &fs.fs_type_mountinfo,
                         &fs.mount_options, &fs.super_options, &fs.fuse_subtype}) {
      *f = ProbeFact::Unknown(why);
    }
    if (statfs_type != "fuse" && fs.type.known()) {
      fs.fuse_subtype = ProbeFact::NotApplicable("not a FUSE filesystem (statfs)");
    }
    return mount;
  }
  fs.mount_point = ProbeFact::Known(mount->mount_point);
  // A source can legitimately be empty or "none"; both are what mountinfo says.
  fs.mount_source = ProbeFact::Known(mount->source.empty() ? "none" : mount->source);
  fs.fs_type_mountinfo = ProbeFact::Known(mount->fs_type);
  fs.mount_options = ProbeFact::Known(mount->mount_options);
  fs.super_options = ProbeFact::Known(mount->super_options);
  fs.fuse_subtype = FuseSubtype(mount->fs_type);
  fs.durability_options = DurabilityOptions(mount->mount_options, mount->super_options);
  if (!fs.type.known() && !fs.magic_hex.empty()) {
    fs.type.unknown += " (mountinfo says " + mount->fs_type + ")";
  }
  if (statfs_type == "ext2/ext3/ext4" && SameType(statfs_type, mount->fs_type)) {
    fs.type = ProbeFact::Known(mount->fs_type);  // statfs cannot tell these three apart
  }
  if (!statfs_type.empty() && !SameType(statfs_type, mount->fs_type)) {
    result->notes.push_back("statfs says " + statfs_type + " but the mount found for " + path +
                            " (" + mount->mount_point + ") is " + mount->fs_type +
                            ": the mount table may be from another namespace");
  }
  return mount;
}

}  // namespace internal
}  // namespace durabench
