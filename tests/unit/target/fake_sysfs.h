// A fake /sys, /proc/self and /dev in a temp dir, laid out as the kernel lays out the real ones
// (device directories under sys/devices/..., symlinks from sys/dev/block/MAJ:MIN and
// sys/block/NAME), for the probe and block-device tests (ProbeRoots / SystemRoots point into
// it).
#pragma once

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/test_util.h"
#include "target/probe.h"
#include "target_test_util.h"

namespace durabench::testing {

inline std::string DevString(dev_t dev) {
  return std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

// The device number a path lives on (st_dev), which is what the probe looks up.
inline dev_t DevOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_dev : 0;
}

struct QueueFacts {
  std::string rotational = "0", logical = "512", physical = "4096";
  std::string write_cache = "write back", fua = "1";
  std::string scheduler = "[none] mq-deadline", nr_requests = "1023";
};

class FakeSys {
 public:
  explicit FakeSys(const std::string& root) : root_(root) {
    for (const char* d : {"/sys/dev/block", "/sys/block", "/proc", "/dev"}) Mkdirs(root_ + d);
  }

  ProbeRoots roots() const {
    ProbeRoots r;
    r.sys = root_ + "/sys";
    r.proc_self = root_ + "/proc";
    r.proc = root_ + "/proc";
    r.dev = root_ + "/dev";
    r.nvme_ioctl = false;
    return r;
  }
  std::string sys() const { return root_ + "/sys"; }

  // A whole disk at sys/devices/<parent>/block/<name> with its dev file and both links; queue
  // files from `queue`. Returns the device directory.
  std::string AddDisk(const std::string& parent, const std::string& name, const std::string& mm,
                      const QueueFacts& queue = {}) {
    const std::string dir = sys() + "/devices/" + parent + "/block/" + name;
    Write(dir + "/dev", mm + "\n");
    Link(dir, sys() + "/dev/block/" + mm);
    Link(dir, sys() + "/block/" + name);
    Write(dir + "/queue/rotational", queue.rotational + "\n");
    Write(dir + "/queue/logical_block_size", queue.logical + "\n");
    Write(dir + "/queue/physical_block_size", queue.physical + "\n");
    Write(dir + "/queue/write_cache", queue.write_cache + "\n");
    Write(dir + "/queue/fua", queue.fua + "\n");
    Write(dir + "/queue/scheduler", queue.scheduler + "\n");
    Write(dir + "/queue/nr_requests", queue.nr_requests + "\n");
    return dir;
  }

  // A partition <disk_dir>/<name> with `partition` and dev files and the sys/dev/block link.
  std::string AddPartition(const std::string& disk_dir, const std::string& name,
                           const std::string& mm, int number = 1) {
    const std::string dir = disk_dir + "/" + name;
    Write(dir + "/dev", mm + "\n");
    Write(dir + "/partition", std::to_string(number) + "\n");
    Link(dir, sys() + "/dev/block/" + mm);
    return dir;
  }

  // A symlink `from` -> `to`, as sysfs has for slaves/, device, driver.
  static void Link(const std::string& to, const std::string& from) {
    Mkdirs(std::filesystem::path(from).parent_path().string());
    std::filesystem::create_symlink(to, from);
  }
  static void Write(const std::string& path, const std::string& content) {
    Mkdirs(std::filesystem::path(path).parent_path().string());
    WriteFile(path, content);
  }
  static void Mkdirs(const std::string& dir) { std::filesystem::create_directories(dir); }

 private:
  std::string root_;
};

// While alive, the calling thread has no CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH in its effective
// set, so a mode-000 file is unreadable even for root. ok() false where capset is refused.
// Capabilities are per thread; the tests run on one.
class WithoutDacOverride {
 public:
  WithoutDacOverride() {
    header_.version = _LINUX_CAPABILITY_VERSION_3;
    header_.pid = 0;
    if (::syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct data[2] = {saved_[0], saved_[1]};
    data[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    ok_ = ::syscall(SYS_capset, &header_, data) == 0;
  }
  ~WithoutDacOverride() {
    if (ok_) ::syscall(SYS_capset, &header_, saved_);
  }
  WithoutDacOverride(const WithoutDacOverride&) = delete;
  WithoutDacOverride& operator=(const WithoutDacOverride&) = delete;
  bool ok() const { return ok_; }

 private:
  __user_cap_header_struct header_{};
  __user_cap_data_struct saved_[2]{};
  bool ok_ = false;
};

}  // namespace durabench::testing
