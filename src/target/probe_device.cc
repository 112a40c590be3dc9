// The block-device chain under a path, walked through sysfs: partition -> disk, loop -> the
// device under its backing file, dm/md -> slaves. Each device's identity and queue facts come
// from its sysfs directory; what a device of its kind does not have is "not applicable".
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>

#include "target/probe_internal.h"
#include "util/errno_status.h"
#include "util/sha256.h"

namespace durabench::internal {
namespace {

// Deeper than any real stack (dm on md on loop on ...); stops a cycle in a broken tree.
constexpr int kMaxDepth = 16;

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool IsVirtual(const std::string& transport) {
  return transport == "loop" || transport == "dm" || transport == "md" || transport == "zram" ||
         transport == "rbd" || transport == "nbd";
}

// Model, vendor, firmware and serial, from where each transport's driver puts them.
void ReadIdentity(const std::string& dir, DeviceFacts* d) {
  const std::string dev = dir + "/device/";
  if (IsVirtual(d->transport)) {
    const ProbeFact na = ProbeFact::NotApplicable(d->transport + " is a virtual device");
    d->model = d->vendor = d->firmware = d->serial_sha256 = na;
    return;
  }
  ProbeFact serial;
  if (d->transport == "mmc") {
    d->model = ReadFact(dev + "name");
    d->vendor = ReadFact(dev + "manfid");
    d->firmware = ReadFirstFact({dev + "fwrev", dev + "prv"});
    serial = ReadFact(dev + "serial");
  } else {
    d->model = ReadFact(dev + "model");
    // NVMe controllers have no vendor attribute; the PCI function's vendor ID is the fact.
    d->vendor = ReadFact(d->transport == "nvme" ? dev + "device/vendor" : dev + "vendor");
    d->firmware = ReadFirstFact({dev + "firmware_rev", dev + "rev"});
    if (d->transport == "scsi") {
      // SCSI has no serial attribute: VPD page 0x80 (Unit Serial Number) holds it.
      const std::string page = dev + "vpd_pg80";
      std::string raw;
      const int err = ReadSmallFile(page, &raw);
      if (err != 0) {
        serial = ReadFact(page);  // the reason, worded as for any other file
      } else if (std::optional<std::string> s = SerialFromVpdPage80(raw); s && !s->empty()) {
        serial = ProbeFact::Known(*s);
      } else {
        serial = ProbeFact::Unknown("no serial number in " + page);
      }
    } else {
      // virtio-blk keeps it on the disk itself (/sys/block/vda/serial).
      serial = ReadFirstFact({dev + "serial", dir + "/serial"});
    }
  }
  d->serial_sha256 = serial.known() ? ProbeFact::Known(Sha256Hex(serial.value)) : serial;
}

void ReadQueue(const std::string& dir, DeviceFacts* d) {
  const std::string q = dir + "/queue/";
  auto read = [&q](const char* name, FactType type) {
    return Validate(ReadFact(q + name), type, q + name);
  };
  d->rotational = read("rotational", FactType::kBool);
  d->logical_block_size_bytes = read("logical_block_size", FactType::kNumber);
  d->physical_block_size_bytes = read("physical_block_size", FactType::kNumber);
  d->write_cache = ReadFact(q + "write_cache");
  if (d->write_cache.known() && d->write_cache.value != "write back" &&
      d->write_cache.value != "write through") {
    d->write_cache = ProbeFact::Unknown("unexpected value '" + d->write_cache.value + "' in " + q +
                                        "write_cache");
  }
  d->fua = read("fua", FactType::kBool);
  d->scheduler = SelectedScheduler(ReadFact(q + "scheduler"), q + "scheduler");
  d->nr_requests = read("nr_requests", FactType::kNumber);
}

// scsi_disk/H:C:T:L/cache_type: the drive's WCE and RCD bits as sd read them (MODE SENSE).
ProbeFact ScsiCacheType(const std::string& dir) {
  const std::string sd = dir + "/device/scsi_disk";
  int err = 0;
  const std::vector<std::string> entries = ListDir(sd, &err);
  if (err != 0 || entries.empty()) {
    return err == ENOENT || entries.empty()
               ? ProbeFact::Unknown("not present: " + sd)
               : ProbeFact::Unknown(ErrnoStatus("opendir", sd, err).message());
  }
  return ReadFact(sd + "/" + entries.front() + "/cache_type");
}

// dm "name vg0-root, LVM"; md "raid1"; loop "direct I/O to the backing file: off"; rbd
// "pool/image".
std::string DetailOf(const std::string& dir, const DeviceFacts& d, const ProbeRoots& roots) {
  if (d.transport == "dm") {
    const ProbeFact name = ReadFact(dir + "/dm/name");
    const ProbeFact uuid = ReadFact(dir + "/dm/uuid");
    std::string out = name.known() ? "name " + name.value : std::string();
    // The uuid prefix names the dm user: LVM-, CRYPT-, mpath-, part1- ...
    if (uuid.known() && uuid.value.find('-') != std::string::npos) {
      out += (out.empty() ? "" : ", ") + uuid.value.substr(0, uuid.value.find('-'));
    }
    return out;
  }
  if (d.transport == "md") {
    const ProbeFact level = ReadFact(dir + "/md/level");
    return level.known() ? level.value : std::string();
  }
  if (d.transport == "loop") {
    const ProbeFact dio = ReadFact(dir + "/loop/dio");
    if (!dio.known()) return {};
    return std::string("direct I/O to the backing file: ") + (dio.value == "1" ? "on" : "off");
  }
  if (d.transport == "rbd") {
    const std::string id = d.name.substr(3);
    const std::string bus = roots.sys + "/bus/rbd/devices/" + id + "/";
    const ProbeFact pool = ReadFact(bus + "pool"), image = ReadFact(bus + "name");
    if (pool.known() && image.known()) return pool.value + "/" + image.value;
  }
  return {};
}

class ChainWalker {
 public:
  ChainWalker(const ProbeRoots& roots, ProbeResult* result) : roots_(roots), result_(result) {}

  std::string Walk(dev_t dev, std::string reached_by, const std::string& reached_from, int depth) {
    const std::string link = roots_.sys + "/dev/block/" + MajorMinor(dev);
    int err = 0;
    std::string dir = RealPath(link, &err);
    if (dir.empty()) {
      return "no sysfs entry " + link + " (" + ErrnoString(err) + ")";
    }
    if (Exists(dir + "/partition")) {
      // A partition has no queue of its own: its disk is the parent directory.
      const std::string partition = Basename(dir);
      dir = dir.substr(0, dir.rfind('/'));
      reached_by = "disk of partition " + partition + (reached_by.empty() ? "" : ", ") + reached_by;
    }
    // Read through /sys/block/NAME when it exists: the same directory, shorter paths in reasons.
    const std::string short_dir = roots_.sys + "/block/" + Basename(dir);
    if (RealPath(short_dir, &err) == dir) dir = short_dir;
    AddDevice(dir, reached_by, reached_from, depth);
    return {};
  }

 private:
  void AddDevice(const std::string& dir, const std::string& reached_by,
                 const std::string& reached_from, int depth) {
    if (depth > kMaxDepth) {
      result_->notes.push_back("device chain deeper than " + std::to_string(kMaxDepth) + " at " +
                               dir + ": not followed further");
      return;
    }
    DeviceFacts d;
    d.name = Basename(dir);
    const ProbeFact dev = ReadFact(dir + "/dev");
    d.major_minor = dev.known() ? dev.value : std::string();
    for (const DeviceFacts& seen : result_->devices) {
      if (seen.name == d.name && seen.major_minor == d.major_minor) return;  // already listed
    }
    d.dev_path = roots_.dev + "/" + d.name;
    d.transport = TransportOf(dir, d.name);
    d.reached_by = reached_by;
    d.reached_from = reached_from;
    d.detail = DetailOf(dir, d, roots_);
    ReadIdentity(dir, &d);
    ReadQueue(dir, &d);
    if (d.transport == "nvme") {
      ProbeNvmeCache(dir, roots_, &d);
    } else {
      d.nvme_vwc_present = d.nvme_vwc_enabled = ProbeFact::NotApplicable("not an NVMe device");
    }
    d.scsi_cache_type =
        d.transport == "scsi" ? ScsiCacheType(dir) : ProbeFact::NotApplicable("not a SCSI disk");
    if (d.transport == "loop") {
      const ProbeFact backing = ReadFact(dir + "/loop/backing_file");
      if (backing.known()) d.loop_backing_file = backing.value;
    }
    const std::string name = d.name;
    const std::string backing = d.loop_backing_file;
    const bool has_slaves = d.transport == "dm" || d.transport == "md";
    result_->devices.push_back(std::move(d));  // `d` is gone; the recursion appends more

    if (!backing.empty()) FollowBackingFile(backing, name, depth);
    if (has_slaves) {
      int err = 0;
      for (const std::string& slave : ListDir(dir + "/slaves", &err)) {
        dev_t slave_dev = 0;
        const ProbeFact text = ReadFact(dir + "/slaves/" + slave + "/dev");
        if (!text.known() || !ParseMajorMinor(text.value, &slave_dev)) {
          result_->notes.push_back("slave " + slave + " of " + name + ": no device number (" +
                                   (text.known() ? text.value : text.unknown) + ")");
          continue;
        }
        const std::string why = Walk(slave_dev, "slave of " + name, name, depth + 1);
        if (!why.empty()) result_->notes.push_back("slave " + slave + " of " + name + ": " + why);
      }
    }
  }

  // The loop device's data lives in a file: follow the device that file is on (a loop can
  // also be bound straight to a block device).
  void FollowBackingFile(std::string file, const std::string& loop, int depth) {
    const std::string deleted = " (deleted)";
    if (file.size() > deleted.size() &&
        file.compare(file.size() - deleted.size(), deleted.size(), deleted) == 0) {
      result_->notes.push_back("the backing file " + file + " of " + loop + " was deleted");
      return;
    }
    struct stat st;
    if (::stat(file.c_str(), &st) != 0) {
      result_->notes.push_back("backing file of " + loop + ": " +
                               ErrnoStatus("stat", file, errno).message() +
                               " (set up from another mount namespace?); the chain stops here");
      return;
    }
    const dev_t dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
    const std::string why = Walk(dev, "backing file " + file + " of " + loop, loop, depth + 1);
    if (why.empty()) return;
    struct statfs sfs;
    std::string fs = "a filesystem";
    if (::statfs(file.c_str(), &sfs) == 0) {
      const std::string name = FsTypeNameFromMagic(static_cast<uint64_t>(sfs.f_type));
      if (!name.empty()) fs = name;
    }
    result_->notes.push_back("the backing file " + file + " of " + loop + " is on " + fs +
                             " without a block device: " + why);
  }

  const ProbeRoots& roots_;
  ProbeResult* result_;
};

}  // namespace

std::string TransportOf(const std::string& dir, const std::string& name) {
  auto starts = [&name](const char* prefix) { return StartsWith(name, prefix); };
  if (Exists(dir + "/loop") || starts("loop")) return "loop";
  if (Exists(dir + "/dm") || starts("dm-")) return "dm";
  if (Exists(dir + "/md") || starts("md")) return "md";
  if (starts("zram")) return "zram";
  if (starts("rbd")) return "rbd";
  if (starts("nbd")) return "nbd";
  if (starts("nvme")) return "nvme";
  if (starts("mmcblk")) return "mmc";
  int err = 0;
  const std::string driver = RealPath(dir + "/device/driver", &err);
  if (Basename(driver) == "virtio_blk" || starts("vd")) return "virtio";
  if (Exists(dir + "/device/scsi_disk") || starts("sd")) return "scsi";
  return "other";
}

std::string ProbeDeviceChain(dev_t dev, const std::string& reached_by,
                             const std::string& reached_from, const ProbeRoots& roots,
                             ProbeResult* result) {
  ChainWalker walker(roots, result);
  return walker.Walk(dev, reached_by, reached_from, 0);
}

}  // namespace durabench::internal
