// Block-device targets (src/target/target.h) on real loop devices that each test attaches to a
// file in its own temp dir and detaches in TearDown. Every refusal is also shown to leave the
// device's data exactly as it was (checksum of the whole backing file before and after).
// Needs root and util-linux; what cannot run here is skipped with the reason, never passed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "target/target.h"
#include "target_test_util.h"

namespace durabench {
namespace {

using testing::Checksum;
using testing::Layout;
using testing::Options;
using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDeviceBytes = 32 * kMiB;

// Runs `cmd` under sh; returns its exit status, with stdout+stderr in *output.
int RunShell(const std::string& cmd, std::string* output = nullptr) {
  return testing::Shell("{ " + cmd + "; } 2>&1", output);
}

bool HaveTool(const std::string& name) { return RunShell("command -v " + name) == 0; }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string DevNumber(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "?";
  return std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
}

class LoopDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to attach loop devices";
    if (!HaveTool("losetup")) GTEST_SKIP() << "losetup (util-linux) is not installed";

    std::string error;
    dev_ = Attach(&backing_, &error);
    if (dev_.empty()) GTEST_SKIP() << "cannot attach a loop device: " << error;
  }

  void TearDown() override {
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
      if (::umount2(it->c_str(), 0) != 0) ::umount2(it->c_str(), MNT_DETACH);
    }
    for (const std::string& name : dm_names_) RunShell("dmsetup remove --noudevsync " + name);
    for (const std::string& loop : loops_) {
      std::string out;
      EXPECT_EQ(RunShell("losetup -d " + loop, &out), 0) << "detaching " << loop << ": " << out;
    }
  }

  // Attaches a new zeroed kDeviceBytes file as a loop device with partition scanning.
  std::string Attach(std::string* backing, std::string* error) {
    *backing = dir_.File("disk" + std::to_string(loops_.size()) + ".img");
    const int fd = ::open(backing->c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(kDeviceBytes)) != 0) {
      *error = "cannot create " + *backing;
      if (fd >= 0) ::close(fd);
      return {};
    }
    ::close(fd);
    std::string out;
    if (RunShell("losetup -f --show -P " + *backing, &out) != 0) {
      *error = Trim(out);
      return {};
    }
    loops_.push_back(Trim(out));
    return loops_.back();
  }

  // Checksum of the device's whole content: fsync the device so everything written through it
  // (mkfs, sfdisk) has reached the backing file, then hash that file.
  uint64_t DeviceChecksum() {
    const int fd = ::open(dev_.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    if (fd >= 0) {
      EXPECT_EQ(::fsync(fd), 0);
      ::close(fd);
    }
    return Checksum(backing_);
  }

  // Runs mkfs.ext4 on `dev`, or returns false with the reason.
  bool MakeExt4(const std::string& dev, std::string* why) {
    if (!HaveTool("mkfs.ext4")) {
      *why = "mkfs.ext4 (e2fsprogs) is not installed";
      return false;
    }
    std::string out;
    if (RunShell("mkfs.ext4 -q -F " + dev, &out) != 0) {
      *why = "mkfs.ext4 failed: " + out;
      return false;
    }
    return true;
  }

  // Mounts `dev` read-only (so the filesystem itself writes nothing during the checks) on a new
  // directory; false with the reason when the kernel cannot.
  bool MountReadOnly(const std::string& dev, std::string* mount_point, std::string* why) {
    *mount_point = dir_.File("mnt" + std::to_string(mounts_.size()));
    if (::mkdir(mount_point->c_str(), 0700) != 0 ||
        ::mount(dev.c_str(), mount_point->c_str(), "ext4", MS_RDONLY, nullptr) != 0) {
      *why = "mount " + dev + ": " + std::strerror(errno);
      return false;
    }
    mounts_.push_back(*mount_point);
    return true;
  }

  // Writes a GPT with one partition; returns the partition's device path, or "" when the kernel
  // shows no partition node (the partition table is on disk all the same). This kernel may not
  // parse GPT itself, so partx adds the partition when the rescan did not.
  std::string MakeGptWithOnePartition(std::string* why) {
    if (!HaveTool("sfdisk")) {
      *why = "sfdisk (fdisk package) is not installed";
      return {};
    }
    std::string out;
    if (RunShell("printf 'label: gpt\\n,\\n' | sfdisk -q " + dev_, &out) != 0) {
      *why = "sfdisk failed: " + out;
      return {};
    }
    const std::string name = Basename(dev_);
    const std::string sys = "/sys/class/block/" + name + "/" + name + "p1";
    if (!testing::Exists(sys) && HaveTool("partx")) RunShell("partx -a " + dev_);
    if (!testing::Exists(sys) || !testing::Exists(dev_ + "p1")) {
      *why = "the kernel shows no partition " + name + "p1";
      return {};
    }
    return dev_ + "p1";
  }

  std::string RefusalPrefix() const { return "refusing to write block device " + dev_ + ": "; }

  TempDir dir_;
  std::string dev_;
  std::string backing_;
  std::vector<std::string> loops_;
  std::vector<std::string> mounts_;
  std::vector<std::string> dm_names_;
};

TEST_F(LoopDeviceTest, RefusedWithoutDestroyData) {
  const uint64_t before = DeviceChecksum();
  const std::string expected =
      RefusalPrefix() + "pass --destroy-data=" + dev_ + " to confirm its contents may be destroyed";
  const Status check = CheckBlockDeviceSafe(dev_, Options(dev_));
  EXPECT_EQ(check.code(), Status::Code::kRefused);
  EXPECT_EQ(check.message(), expected);
  Result<PreparedTarget> t = PrepareTarget(Options(dev_), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), expected);
  EXPECT_EQ(t.status().ExitCode(), 2);
  EXPECT_EQ(DeviceChecksum(), before);
}

TEST_F(LoopDeviceTest, RefusedWhenDestroyDataNamesAnotherPath) {
  std::string other_backing;
  std::string error;
  const std::string other = Attach(&other_backing, &error);
  if (other.empty()) GTEST_SKIP() << "cannot attach a second loop device: " << error;
  const uint64_t before = DeviceChecksum();
  const uint64_t other_before = Checksum(other_backing);

  Status s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(other));
  EXPECT_EQ(s.code(), Status::Code::kRefused);
  EXPECT_EQ(s.message(), RefusalPrefix() + "--destroy-data=" + other + " names another device (" +
                             DevNumber(other) + ", not " + DevNumber(dev_) + ")");
  s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(backing_));
  EXPECT_EQ(s.message(), RefusalPrefix() + "--destroy-data=" + backing_ + " is not a block device");
  s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dir_.File("nope")));
  EXPECT_EQ(s.message(), RefusalPrefix() + "--destroy-data=" + dir_.File("nope") +
                             " cannot be checked: No such file or directory");
  Result<PreparedTarget> t = PrepareTarget(Options(dev_).DestroyData(other), Layout(kMiB));
  EXPECT_EQ(t.status().code(), Status::Code::kRefused);

  EXPECT_EQ(DeviceChecksum(), before);
  EXPECT_EQ(Checksum(other_backing), other_before);
}

// Compared by device number: a symlink to the device confirms it as well as its /dev name.
TEST_F(LoopDeviceTest, DestroyDataThroughSymlinkAccepted) {
  const std::string link = dir_.File("disk-link");
  ASSERT_EQ(::symlink(dev_.c_str(), link.c_str()), 0);
  const Status s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(link));
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(LoopDeviceTest, RefusedWithExt4Signature) {
  std::string why;
  if (!MakeExt4(dev_, &why)) GTEST_SKIP() << why;
  const uint64_t before = DeviceChecksum();
  const std::string expected = RefusalPrefix() +
                               "it carries an ext4 filesystem signature (pass --ignore-signatures "
                               "to overwrite it)";
  EXPECT_EQ(CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_)).message(), expected);
  Result<PreparedTarget> t = PrepareTarget(Options(dev_).DestroyData(dev_), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kRefused);
  EXPECT_EQ(t.status().message(), expected);
  EXPECT_EQ(DeviceChecksum(), before);
}

// --ignore-signatures overrides a signature on an unmounted, unused device, and preparing it
// still writes nothing (the run's own writes come later, from the engine).
TEST_F(LoopDeviceTest, IgnoreSignaturesAcceptsUnmountedExt4) {
  std::string why;
  if (!MakeExt4(dev_, &why)) GTEST_SKIP() << why;
  const uint64_t before = DeviceChecksum();
  {
    Result<PreparedTarget> t =
        PrepareTarget(Options(dev_).DestroyData(dev_).IgnoreSignatures(), Layout(kMiB));
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->kind(), TargetKind::kBlockDevice);
  }
  EXPECT_EQ(DeviceChecksum(), before);
}

// Mounted is refused, and --ignore-signatures does not change that.
TEST_F(LoopDeviceTest, RefusedWhenMounted) {
  std::string why;
  std::string mount_point;
  if (!MakeExt4(dev_, &why) || !MountReadOnly(dev_, &mount_point, &why)) GTEST_SKIP() << why;
  const uint64_t before = DeviceChecksum();
  const std::string expected = RefusalPrefix() + "it is mounted on " + mount_point;
  EXPECT_EQ(CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_)).message(), expected);
  Result<PreparedTarget> t =
      PrepareTarget(Options(dev_).DestroyData(dev_).IgnoreSignatures(), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kRefused);
  EXPECT_EQ(t.status().message(), expected);
  EXPECT_EQ(DeviceChecksum(), before);
}

TEST_F(LoopDeviceTest, RefusedWithPartitionTable) {
  std::string why;
  const std::string part = MakeGptWithOnePartition(&why);
  if (part.empty() && !why.empty() && why.find("no partition") == std::string::npos) {
    GTEST_SKIP() << why;
  }
  const uint64_t before = DeviceChecksum();
  const Status s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_));
  EXPECT_EQ(s.code(), Status::Code::kRefused);
  EXPECT_EQ(s.message().rfind(RefusalPrefix(), 0), 0u) << s.message();
  EXPECT_NE(s.message().find("gpt partition table"), std::string::npos) << s.message();
  if (!part.empty()) {
    EXPECT_NE(s.message().find("it has partitions: " + Basename(part)), std::string::npos)
        << s.message();
  }
  EXPECT_NE(s.message().find("(pass --ignore-signatures to overwrite them)"), std::string::npos)
      << s.message();
  // Nothing holds the partition, so the explicit override is accepted.
  EXPECT_TRUE(CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_).IgnoreSignatures()).ok());
  EXPECT_EQ(DeviceChecksum(), before);
}

// A mounted partition is found through the disk's sysfs partitions.
TEST_F(LoopDeviceTest, RefusedWhenPartitionMounted) {
  std::string why;
  std::string mount_point;
  const std::string part = MakeGptWithOnePartition(&why);
  if (part.empty()) GTEST_SKIP() << why;
  if (!MakeExt4(part, &why) || !MountReadOnly(part, &mount_point, &why)) GTEST_SKIP() << why;
  const uint64_t before = DeviceChecksum();
  const Status s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_).IgnoreSignatures());
  EXPECT_EQ(s.code(), Status::Code::kRefused);
  EXPECT_EQ(s.message(),
            RefusalPrefix() + "its partition " + Basename(part) + " is mounted on " + mount_point);
  EXPECT_EQ(DeviceChecksum(), before);
}

// Another exclusive opener (here the test itself) makes the device "in use".
TEST_F(LoopDeviceTest, RefusedWhenOpenedExclusivelyElsewhere) {
  const uint64_t before = DeviceChecksum();
  const int fd = ::open(dev_.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const Status s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_));
  ::close(fd);
  EXPECT_EQ(s.code(), Status::Code::kRefused);
  EXPECT_EQ(s.message().rfind(RefusalPrefix() + "it is in use", 0), 0u) << s.message();
  EXPECT_TRUE(CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_)).ok());
  EXPECT_EQ(DeviceChecksum(), before);
}

TEST_F(LoopDeviceTest, RefusedWithHolders) {
  if (!HaveTool("dmsetup")) GTEST_SKIP() << "dmsetup is not installed";
  const std::string name = "durabench-test-" + std::to_string(::getpid());
  std::string out;
  if (RunShell("dmsetup create --noudevsync " + name + " --table '0 " +
                   std::to_string(kDeviceBytes / 512) + " linear " + dev_ + " 0'",
               &out) != 0) {
    GTEST_SKIP() << "cannot create a device-mapper device: " << Trim(out);
  }
  dm_names_.push_back(name);
  const uint64_t before = DeviceChecksum();
  const Status s = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_).IgnoreSignatures());
  EXPECT_EQ(s.code(), Status::Code::kRefused);
  EXPECT_EQ(s.message().rfind(RefusalPrefix() + "it has holders (dm-", 0), 0u) << s.message();
  EXPECT_EQ(DeviceChecksum(), before);
}

// A blank device with --destroy-data: accepted, jobs get disjoint regions, nothing is written,
// and while the PreparedTarget lives the device is held so nobody else can claim it.
TEST_F(LoopDeviceTest, BlankDeviceAcceptedWithJobRegions) {
  const uint64_t before = DeviceChecksum();
  {
    Result<PreparedTarget> t = PrepareTarget(Options(dev_).DestroyData(dev_), Layout(4 * kMiB, 4));
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->kind(), TargetKind::kBlockDevice);
    EXPECT_EQ(t->path(), dev_);
    EXPECT_TRUE(t->created_files().empty());
    EXPECT_EQ(t->logical_block_size(), 512u);
    ASSERT_EQ(t->jobs().size(), 4u);
    for (uint32_t j = 0; j < 4; ++j) {
      EXPECT_EQ(t->jobs()[j].path, dev_);
      EXPECT_EQ(t->jobs()[j].offset_bytes, j * 4 * kMiB);
      EXPECT_EQ(t->jobs()[j].size_bytes, 4 * kMiB);
      EXPECT_TRUE(t->jobs()[j].is_block_device);
    }
    const Status second = CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_));
    EXPECT_EQ(second.message().rfind(RefusalPrefix() + "it is in use", 0), 0u) << second.message();
    // Plain opens, as the engines do them, still work.
    const int fd = ::open(dev_.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0) << std::strerror(errno);
    if (fd >= 0) ::close(fd);
  }
  EXPECT_TRUE(CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_)).ok());
  EXPECT_EQ(DeviceChecksum(), before);
}

TEST_F(LoopDeviceTest, DeviceTooSmallForJobsIsAnError) {
  Result<PreparedTarget> t = PrepareTarget(Options(dev_).DestroyData(dev_), Layout(8 * kMiB, 5));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "block device " + dev_ + " holds " +
                                      std::to_string(kDeviceBytes) +
                                      " bytes; 5 jobs x 8388608 bytes need 41943040");
  // The failed attempt released its hold on the device.
  EXPECT_TRUE(CheckBlockDeviceSafe(dev_, Options(dev_).DestroyData(dev_)).ok());
}

}  // namespace
}  // namespace durabench
