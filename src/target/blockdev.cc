// Block-device safety checks (target.h, docs/safety.md).
//
// Every check reads only: /proc/self/mountinfo, /proc/swaps, sysfs (through system_files.h, with
// the roots tests point into a fake tree), ioctls that query, and libblkid probing through a
// read-only descriptor. The order puts the reasons that no flag can
// override first (mounted, swap, holders, in use), so a refusal names the one that matters.

#include "target/blockdev.h"

#include <blkid.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "target/system_files.h"
#include "util/errno_status.h"
#include "util/strings.h"
#include "util/sys.h"

namespace durabench {
namespace internal {
namespace {

// libblkid's probing stops after this many results; a real device carries a handful.
constexpr int kMaxSignatures = 64;

std::string DevString(dev_t dev) { return MajorMinor(dev); }

// First line of a small sysfs file, without the newline; empty if unreadable.
std::string ReadFirstLine(const std::string& path) {
  std::string text;
  if (ReadSmallFile(path, &text) != 0) return {};
  return text.substr(0, text.find('\n'));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The sysfs directory of a block device, e.g. /sys/devices/virtual/block/loop0; for a partition
// .../block/sda/sda1. Empty (*err set) when SYS/dev/block/MAJ:MIN cannot be resolved.
std::string SysfsDir(dev_t dev, const SystemRoots& roots, int* err) {
  return RealPath(roots.sys + "/dev/block/" + DevString(dev), err);
}

// One block device node as sysfs describes it.
struct BlockNode {
  std::string name;  // kernel name: "loop0", "loop0p1"
  dev_t dev = 0;
  std::string sysfs_dir;
};

// The device itself first, then its partitions: the subdirectories of its sysfs directory named
// <name>* that have a `dev` file (the layout /sys/class/block/<name>/<name>p1/dev).
Status DeviceAndPartitions(dev_t dev, const SystemRoots& roots, std::vector<BlockNode>* nodes) {
  int err = 0;
  const std::string dir = SysfsDir(dev, roots, &err);
  if (dir.empty()) return ErrnoStatus("realpath", roots.sys + "/dev/block/" + DevString(dev), err);
  BlockNode self{Basename(dir), dev, dir};
  nodes->push_back(self);
  for (const std::string& entry : ListDir(dir, &err)) {
    if (entry.rfind(self.name, 0) != 0) continue;  // partitions are named after the disk
    dev_t part_dev = 0;
    if (!ParseMajorMinor(ReadFirstLine(dir + "/" + entry + "/dev"), &part_dev)) continue;
    nodes->push_back({entry, part_dev, dir + "/" + entry});
  }
  return Status::Ok();
}

// "it" for the device itself, "its partition <name>" for a partition.
std::string Subject(const std::vector<BlockNode>& nodes, size_t i) {
  return i == 0 ? std::string("it") : "its partition " + nodes[i].name;
}

// Index in `nodes` of the node whose device number is `dev`, or -1.
int FindNode(const std::vector<BlockNode>& nodes, dev_t dev) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].dev == dev) return static_cast<int>(i);
  }
  return -1;
}

// Index in `nodes` of the node that the path `name` (a mount source or a swap device, as listed)
// names, or -1: by the device number of the node it resolves to under roots.dev, and, for
// /dev/NAME, by kernel name too (a path that cannot be resolved here still names its device).
int FindNodeByPath(const std::vector<BlockNode>& nodes, const std::string& name,
                   const SystemRoots& roots) {
  struct stat st;
  const std::string path = UnderDev(roots, name);
  if (::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
    const int index = FindNode(nodes, st.st_rdev);
    if (index >= 0) return index;
  }
  if (name.rfind("/dev/", 0) == 0) {
    const std::string kernel_name = name.substr(5);
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].name == kernel_name) return static_cast<int>(i);
    }
  }
  return -1;
}

// Mounts of this mount namespace: "<subject> is mounted on <dir>" for the first mount of the
// device or one of its partitions, or "". Matched by MAJ:MIN and, for filesystems such as btrfs
// whose mountinfo shows an anonymous device number, by the mount source. A mount in another
// namespace is invisible here; the O_EXCL open catches it.
std::string FindMount(const std::vector<BlockNode>& nodes, const SystemRoots& roots) {
  std::string mountinfo;
  ReadSmallFile(roots.proc_self + "/mountinfo", &mountinfo);
  size_t start = 0;
  while (start < mountinfo.size()) {
    const size_t end = std::min(mountinfo.find('\n', start), mountinfo.size());
    const std::optional<MountInfoLine> m = ParseMountInfoLine(mountinfo.substr(start, end - start));
    start = end + 1;
    if (!m) continue;
    dev_t dev = 0;
    int index = ParseMajorMinor(m->major_minor, &dev) ? FindNode(nodes, dev) : -1;
    if (index < 0) index = FindNodeByPath(nodes, m->source, roots);
    if (index >= 0) {
      return Subject(nodes, static_cast<size_t>(index)) + " is mounted on " + m->mount_point;
    }
  }
  return {};
}

// "<subject> is in use as swap" when /proc/swaps lists the device or a partition, or "".
std::string FindSwap(const std::vector<BlockNode>& nodes, const SystemRoots& roots) {
  std::string swaps;
  ReadSmallFile(roots.proc + "/swaps", &swaps);
  std::istringstream in(swaps);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    if (!(fields >> name)) continue;
    const int index = FindNodeByPath(nodes, UnescapeOctal(name), roots);
    if (index >= 0) return Subject(nodes, static_cast<size_t>(index)) + " is in use as swap";
  }
  return {};
}

// "<subject> has holders (dm-0): ..." for the first node with a non-empty holders/, or "".
std::string FindHolders(const std::vector<BlockNode>& nodes) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    int err = 0;
    const std::vector<std::string> holders = ListDir(nodes[i].sysfs_dir + "/holders", &err);
    if (!holders.empty()) {
      return Subject(nodes, i) + " has holders (" + JoinStrings(holders) +
             "): it is part of a device-mapper, LVM, MD RAID or similar device";
    }
  }
  return {};
}

// The first reason no flag overrides, in the order mounted, swap, holders; "" when none holds.
std::string InUseReason(const std::vector<BlockNode>& nodes, const SystemRoots& roots) {
  for (const std::string& reason :
       {FindMount(nodes, roots), FindSwap(nodes, roots), FindHolders(nodes)}) {
    if (!reason.empty()) return reason;
  }
  return {};
}

struct ProbeDeleter {
  void operator()(blkid_probe pr) const { blkid_free_probe(pr); }
};

// "ext4 filesystem", "LVM2_member RAID member", "gpt partition table", ...
std::string DescribeSignature(blkid_probe pr) {
  const char* value = nullptr;
  if (blkid_probe_lookup_value(pr, "TYPE", &value, nullptr) == 0) {
    std::string desc = value;
    const char* usage = nullptr;
    if (blkid_probe_lookup_value(pr, "USAGE", &usage, nullptr) == 0) {
      const std::string_view u = usage;
      if (u == "filesystem") {
        desc += " filesystem";
      } else if (u == "raid") {
        desc += " RAID member";
      } else if (u == "crypto") {
        desc += " encrypted volume";
      }  // "other" (swap, LVM snapshots, ...): the type says enough
    }
    return desc;
  }
  if (blkid_probe_lookup_value(pr, "PTTYPE", &value, nullptr) == 0) {
    return std::string(value) + " partition table";
  }
  return "unidentified";
}

// Every signature libblkid recognises on `fd`: filesystem, RAID/LVM and crypto superblocks (also
// those with a bad checksum: a damaged filesystem is still someone's data) and partition tables.
// Probed one result at a time, as wipefs does, so that all of them are listed.
Status ProbeSignatures(int fd, const std::string& path, std::vector<std::string>* found) {
  std::unique_ptr<blkid_struct_probe, ProbeDeleter> pr(blkid_new_probe());
  if (pr == nullptr) return Status::IoError("blkid_new_probe: out of memory");
  if (blkid_probe_set_device(pr.get(), fd, 0, 0) != 0) {
    return Status::IoError("blkid_probe_set_device " + path + ": failed");
  }
  blkid_probe_enable_superblocks(pr.get(), 1);
  blkid_probe_set_superblocks_flags(
      pr.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_BADCSUM);
  blkid_probe_enable_partitions(pr.get(), 1);
  blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_MAGIC);
  int rc = 0;
  for (int i = 0; i < kMaxSignatures && (rc = blkid_do_probe(pr.get())) == 0; ++i) {
    std::string desc = DescribeSignature(pr.get());
    bool seen = false;
    for (const std::string& f : *found) seen = seen || f == desc;
    if (!seen) found->push_back(std::move(desc));
  }
  if (rc < 0) return Status::IoError("blkid probe " + path + ": failed");
  return Status::Ok();
}

std::string WithArticle(const std::string& noun) {
  const bool vowel =
      !noun.empty() && std::string_view("aeiouAEIOU").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + noun;
}

Status Refuse(const std::string& path, const std::string& reason) {
  return Status::Refused("refusing to write block device " + path + ": " + reason);
}

// destroy_data must name the same device as `path` (by device number, so symlinks count).
Status CheckDestroyData(const std::string& path, dev_t dev, const TargetOptions& options) {
  if (options.destroy_data.empty()) {
    return Refuse(path,
                  "pass --destroy-data=" + path + " to confirm its contents may be destroyed");
  }
  struct stat st;
  if (::stat(options.destroy_data.c_str(), &st) != 0) {
    return Refuse(path, "--destroy-data=" + options.destroy_data +
                            " cannot be checked: " + ErrnoString(errno));
  }
  if (!S_ISBLK(st.st_mode)) {
    return Refuse(path, "--destroy-data=" + options.destroy_data + " is not a block device");
  }
  if (st.st_rdev != dev) {
    return Refuse(path, "--destroy-data=" + options.destroy_data + " names another device (" +
                            DevString(st.st_rdev) + ", not " + DevString(dev) + ")");
  }
  return Status::Ok();
}

// The checks that need the device open; `fd` is O_RDONLY|O_EXCL.
Status CheckOpenDevice(int fd, const std::string& path, const std::vector<BlockNode>& nodes,
                       const TargetOptions& options, BlockDeviceClaim* claim) {
  int read_only = 0;
  if (::ioctl(fd, BLKROGET, &read_only) != 0) return ErrnoStatus("ioctl BLKROGET", path, errno);
  if (read_only != 0) return Status::InvalidArgument("block device " + path + " is read-only");
  uint64_t size_bytes = 0;
  if (::ioctl(fd, BLKGETSIZE64, &size_bytes) != 0) {
    return ErrnoStatus("ioctl BLKGETSIZE64", path, errno);
  }
  int sector = 0;
  if (::ioctl(fd, BLKSSZGET, &sector) != 0) return ErrnoStatus("ioctl BLKSSZGET", path, errno);
  claim->size_bytes = size_bytes;
  claim->logical_block_size = sector > 0 ? static_cast<uint32_t>(sector) : 512;
  if (options.ignore_signatures) return Status::Ok();

  std::vector<std::string> signatures;
  DURABENCH_RETURN_IF_ERROR(ProbeSignatures(fd, path, &signatures));
  std::vector<std::string> partitions;
  for (size_t i = 1; i < nodes.size(); ++i) partitions.push_back(nodes[i].name);
  if (signatures.empty() && partitions.empty()) return Status::Ok();

  std::string reason;
  if (signatures.size() == 1) {
    reason = "it carries " + WithArticle(signatures[0]) + " signature";
  } else if (!signatures.empty()) {
    reason = "it carries signatures: " + JoinStrings(signatures);
  }
  if (!partitions.empty()) {
    if (!reason.empty()) reason += "; ";
    reason += "it has partitions: " + JoinStrings(partitions);
  }
  const bool one = signatures.size() + partitions.size() == 1;
  return Refuse(path,
                reason + " (pass --ignore-signatures to overwrite " + (one ? "it" : "them") + ")");
}

}  // namespace

Result<std::string> InUseReason(dev_t dev, const SystemRoots& roots) {
  std::vector<BlockNode> nodes;
  DURABENCH_RETURN_IF_ERROR(DeviceAndPartitions(dev, roots, &nodes));
  return InUseReason(nodes, roots);
}

Status ClaimBlockDevice(const std::string& path, const TargetOptions& options,
                        BlockDeviceClaim* claim, const SystemRoots& roots) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISBLK(st.st_mode)) return Status::InvalidArgument(path + " is not a block device");
  DURABENCH_RETURN_IF_ERROR(CheckDestroyData(path, st.st_rdev, options));

  std::vector<BlockNode> nodes;
  DURABENCH_RETURN_IF_ERROR(DeviceAndPartitions(st.st_rdev, roots, &nodes));
  const std::string in_use = InUseReason(nodes, roots);
  if (!in_use.empty()) return Refuse(path, in_use);

  // O_EXCL on a block device claims it: this fails with EBUSY while a filesystem (in any mount
  // namespace), swap, device-mapper, MD or another O_EXCL opener holds it, and keeps all of them
  // out for as long as the descriptor stays open. A process joining a shared device cannot: the
  // one that prepared it holds it so (on this host, or on another that sees the same device).
  const int fd =
      SysOpen(path.c_str(), O_RDONLY | (options.joins_shared() ? 0 : O_EXCL) | O_CLOEXEC);
  if (fd == -EBUSY) {
    return Refuse(path,
                  "it is in use: a filesystem, a virtual device or a program holds it exclusively "
                  "(open with O_EXCL: " +
                      ErrnoString(EBUSY) + ")");
  }
  if (fd < 0) return ErrnoStatus("open", path, fd);
  Status status = CheckOpenDevice(fd, path, nodes, options, claim);
  if (!status.ok()) {
    SysClose(fd);
    return status;
  }
  if (options.joins_shared()) {
    SysClose(fd);
    return Status::Ok();
  }
  claim->fd = fd;
  return Status::Ok();
}

uint32_t LogicalBlockSizeOf(dev_t dev, const SystemRoots& roots) {
  int err = 0;
  std::string dir = SysfsDir(dev, roots, &err);
  if (dir.empty()) return 512;
  // A partition has no queue/ of its own: its disk is the parent directory.
  if (Exists(dir + "/partition")) dir = dir.substr(0, dir.rfind('/'));
  const std::string text = ReadFirstLine(dir + "/queue/logical_block_size");
  const unsigned long size = std::strtoul(text.c_str(), nullptr, 10);
  return size >= 512 && size <= (1u << 16) ? static_cast<uint32_t>(size) : 512;
}

}  // namespace internal

Status CheckBlockDeviceSafe(const std::string& path, const TargetOptions& options) {
  internal::BlockDeviceClaim claim;
  DURABENCH_RETURN_IF_ERROR(internal::ClaimBlockDevice(path, options, &claim));
  SysClose(claim.fd);
  return Status::Ok();
}

}  // namespace durabench
