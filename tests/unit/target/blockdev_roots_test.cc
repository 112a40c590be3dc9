// The block-device safety checks that no flag overrides (mounted, swap, holders) on a fake
// sysfs/procfs tree: no root, no device. blockdev_test.cc runs them on real loop devices.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <string>

#include "fake_sysfs.h"
#include "support/test_util.h"
#include "target/blockdev.h"

namespace durabench::testing {
namespace {

using internal::InUseReason;
using internal::LogicalBlockSizeOf;

constexpr const char* kSwapsHeader = "Filename\tType\tSize\tUsed\tPriority\n";
// A mountinfo that mentions neither the disk nor its partition.
constexpr const char* kOtherMounts =
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n";

class BlockdevRootsTest : public ::testing::Test {
 protected:
  BlockdevRootsTest() : sys_(dir_.path()) {
    QueueFacts queue;
    queue.logical = "4096";
    disk_ = sys_.AddDisk("virtual", "loop7", "7:7", queue);
    sys_.AddPartition(disk_, "loop7p1", "259:3");
    SetMountinfo(kOtherMounts);
    SetSwaps("");
  }
  void SetMountinfo(const std::string& lines) {
    FakeSys::Write(dir_.path() + "/proc/mountinfo", lines);
  }
  void SetSwaps(const std::string& lines) {
    FakeSys::Write(dir_.path() + "/proc/swaps", kSwapsHeader + lines);
  }
  std::string Reason() {
    Result<std::string> r = InUseReason(makedev(7, 7), sys_.roots());
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : "error";
  }

  TempDir dir_;
  FakeSys sys_;
  std::string disk_;
};

TEST_F(BlockdevRootsTest, ADeviceNothingHoldsPasses) { EXPECT_EQ(Reason(), ""); }

TEST_F(BlockdevRootsTest, APartitionMountedByItsNumberIsNamed) {
  SetMountinfo(std::string(kOtherMounts) +
               "36 22 259:3 / /mnt/data\\040space rw,relatime shared:2 - ext4 /dev/loop7p1 rw\n");
  EXPECT_EQ(Reason(), "its partition loop7p1 is mounted on /mnt/data space");
}

TEST_F(BlockdevRootsTest, AMountWithAnAnonymousNumberIsFoundByItsSource) {
  // btrfs shows an anonymous 0:N in mountinfo; only the source names the device.
  SetMountinfo(std::string(kOtherMounts) +
               "40 22 0:45 / /mnt/b rw,relatime shared:3 - btrfs /dev/loop7 rw,space_cache=v2\n");
  EXPECT_EQ(Reason(), "it is mounted on /mnt/b");
}

TEST_F(BlockdevRootsTest, SwapOnAPartitionIsNamed) {
  SetSwaps("/dev/loop7p1                            partition\t1048572\t0\t-2\n");
  EXPECT_EQ(Reason(), "its partition loop7p1 is in use as swap");
}

TEST_F(BlockdevRootsTest, HoldersAreNamed) {
  FakeSys::Mkdirs(disk_ + "/holders/dm-0");
  EXPECT_EQ(Reason(),
            "it has holders (dm-0): it is part of a device-mapper, LVM, MD RAID or similar device");
}

TEST_F(BlockdevRootsTest, MountedComesBeforeSwapAndHolders) {
  FakeSys::Mkdirs(disk_ + "/holders/md0");
  SetSwaps("/dev/loop7 partition 1048572 0 -2\n");
  SetMountinfo(std::string(kOtherMounts) + "36 22 7:7 / /srv rw shared:2 - xfs /dev/loop7 rw\n");
  EXPECT_EQ(Reason(), "it is mounted on /srv");
}

TEST_F(BlockdevRootsTest, ADeviceSysfsDoesNotKnowIsAnError) {
  Result<std::string> r = InUseReason(makedev(8, 16), sys_.roots());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/sys/dev/block/8:16"), std::string::npos)
      << r.status().message();
}

TEST_F(BlockdevRootsTest, LogicalBlockSizeOfAPartitionIsItsDisks) {
  EXPECT_EQ(LogicalBlockSizeOf(makedev(7, 7), sys_.roots()), 4096u);
  EXPECT_EQ(LogicalBlockSizeOf(makedev(259, 3), sys_.roots()), 4096u);
  EXPECT_EQ(LogicalBlockSizeOf(makedev(8, 16), sys_.roots()), 512u);  // unknown: the default
}

}  // namespace
}  // namespace durabench::testing
