// NVMe volatile-write-cache facts through two read-only admin commands on the controller.
//
// Why not only sysfs: queue/write_cache is the kernel's view, and an administrator can write
// "write through" to it while the drive keeps caching (the kernel then stops sending flushes).
// The controller's own answer tells whether a volatile cache exists (Identify VWC) and whether
// it is on right now (Get Features 0x06). Both commands read; neither changes the drive.
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "target/probe_internal.h"
#include "util/errno_status.h"

namespace durabench::internal {
namespace {

constexpr uint8_t kOpIdentify = 0x06;
constexpr uint8_t kOpGetFeatures = 0x0a;
constexpr uint32_t kCnsController = 0x01;
constexpr uint32_t kFidVolatileWriteCache = 0x06;
constexpr size_t kIdentifyBytes = 4096;
constexpr size_t kVwcByte = 525;
// Bounds a hung controller; the driver's default admin timeout is 60 s.
constexpr uint32_t kAdminTimeoutMs = 5000;

// Generic command status values (NVMe base spec, Status Code Type 0).
const char* GenericStatusName(int sc) {
  switch (sc) {
    case 0x01:
      return "Invalid Command Opcode";
    case 0x02:
      return "Invalid Field in Command";
    case 0x06:
      return "Internal Error";
    case 0x07:
      return "Command Abort Requested";
    case 0x0b:
      return "Invalid Namespace or Format";
    default:
      return nullptr;
  }
}

bool IsControllerName(const std::string& name) {
  if (name.rfind("nvme", 0) != 0 || name.size() == 4) return false;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

// The controller name ("nvme0") of the namespace whose sysfs directory is `dir`: its `device`
// link points at the controller, or, with native multipath, at the subsystem, whose entries
// nvme0, nvme1 ... are its controllers (any of them answers for the shared cache settings).
std::string ControllerOf(const std::string& dir, std::string* why) {
  const std::string link = dir + "/device";
  int err = 0;
  const std::string resolved = RealPath(link, &err);
  if (resolved.empty()) {
    *why = err == ENOENT ? "not present: " + link : ErrnoStatus("realpath", link, err).message();
    return {};
  }
  const std::string base = Basename(resolved);
  if (IsControllerName(base)) return base;
  for (const std::string& entry : ListDir(resolved, &err)) {
    if (IsControllerName(entry)) return entry;  // sorted: the lowest-numbered controller
  }
  *why = "no NVMe controller found behind " + link + " (" + resolved + ")";
  return {};
}

}  // namespace

ProbeFact DecodeIdentifyVwc(const uint8_t* identify, size_t size_bytes) {
  if (identify == nullptr || size_bytes <= kVwcByte) {
    return ProbeFact::Unknown("Identify Controller data too short (" + std::to_string(size_bytes) +
                              " bytes, VWC is byte 525)");
  }
  return ProbeFact::Known((identify[kVwcByte] & 0x1) != 0 ? "1" : "0");
}

ProbeFact DecodeVwcFeature(uint32_t completion_dw0) {
  return ProbeFact::Known((completion_dw0 & 0x1) != 0 ? "1" : "0");
}

std::string NvmeAdminFailure(const std::string& command, const std::string& dev_path, int rc,
                             int err) {
  const std::string what = command + " on " + dev_path + ": ";
  if (rc > 0) {
    const int sct = (rc >> 8) & 0x7;
    const int sc = rc & 0xff;
    char code[48];
    std::snprintf(code, sizeof(code), "NVMe status 0x%x (SCT %d, SC 0x%02x)", rc, sct, sc);
    const char* name = sct == 0 ? GenericStatusName(sc) : nullptr;
    return what + code + (name != nullptr ? std::string(": ") + name : std::string());
  }
  if (err == EACCES || err == EPERM) return what + "permission denied (needs CAP_SYS_ADMIN)";
  if (err == ENOTTY || err == EINVAL) return what + "not supported by this device";
  return what + ErrnoString(err);
}

void ProbeNvmeCache(const std::string& dir, const ProbeRoots& roots, DeviceFacts* device) {
  auto both_unknown = [device](const std::string& why) {
    device->nvme_vwc_present = ProbeFact::Unknown(why);
    device->nvme_vwc_enabled = ProbeFact::Unknown(why);
  };
  if (!roots.nvme_ioctl) {
    both_unknown("not queried: NVMe admin commands are turned off (ProbeRoots::nvme_ioctl)");
    return;
  }
  std::string why;
  const std::string controller = ControllerOf(dir, &why);
  if (controller.empty()) {
    both_unknown(why);
    return;
  }
  const std::string dev_path = roots.dev + "/" + controller;
  const int fd = ::open(dev_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      both_unknown("not present: " + dev_path);
    } else if (err == EACCES || err == EPERM) {
      both_unknown("permission denied: open " + dev_path);
    } else {
      both_unknown(ErrnoStatus("open", dev_path, err).message());
    }
    return;
  }

  alignas(4096) static thread_local std::array<uint8_t, kIdentifyBytes> identify;
  identify.fill(0);
  struct nvme_passthru_cmd cmd = {};
  cmd.opcode = kOpIdentify;
  cmd.addr = reinterpret_cast<uintptr_t>(identify.data());
  cmd.data_len = kIdentifyBytes;
  cmd.cdw10 = kCnsController;
  cmd.timeout_ms = kAdminTimeoutMs;
  int rc = ::ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
  device->nvme_vwc_present =
      rc == 0 ? DecodeIdentifyVwc(identify.data(), identify.size())
              : ProbeFact::Unknown(NvmeAdminFailure("Identify Controller", dev_path, rc, errno));

  cmd = {};
  cmd.opcode = kOpGetFeatures;
  cmd.cdw10 = kFidVolatileWriteCache;  // SEL (bits 10:8) = 0: the current value
  cmd.timeout_ms = kAdminTimeoutMs;
  rc = ::ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
  device->nvme_vwc_enabled =
      rc == 0 ? DecodeVwcFeature(cmd.result)
              : ProbeFact::Unknown(NvmeAdminFailure("Get Features 0x06", dev_path, rc, errno));
  ::close(fd);
}

}  // namespace durabench::internal
