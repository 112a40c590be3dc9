// The probe's pure pieces: mountinfo parsing and matching, option and subtype extraction,
// statfs names, backend classification, NVMe result decoding, what the cache facts mean.
// The sysfs walk is in probe_chain_test.cc.
#include "target/probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "target/probe_internal.h"

namespace durabench {
namespace {

using internal::ClassifyBackend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ProbeMountInfo, ProcManExampleWithOptionalField) {
  const auto m = ParseMountInfoLine(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->major_minor, "98:0");
  EXPECT_EQ(m->root, "/mnt1");
  EXPECT_EQ(m->mount_point, "/mnt2");
  EXPECT_EQ(m->mount_options, "rw,noatime");
  EXPECT_EQ(m->fs_type, "ext3");
  EXPECT_EQ(m->source, "/dev/root");
  EXPECT_EQ(m->super_options, "rw,errors=continue");
}

TEST(ProbeMountInfo, NoOptionalFieldsAndSeveralOnes) {
  const auto none = ParseMountInfoLine("26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->mount_point, "/");
  EXPECT_EQ(none->fs_type, "ext4");
  const auto many = ParseMountInfoLine(
      "90 26 0:50 / /srv rw shared:1 master:2 propagate_from:3 unbindable - xfs /dev/sdb1 rw");
  ASSERT_TRUE(many);
  EXPECT_EQ(many->fs_type, "xfs");
  EXPECT_EQ(many->source, "/dev/sdb1");
  EXPECT_EQ(many->super_options, "rw");
}

TEST(ProbeMountInfo, UndoesOctalEscapes) {
  const auto m = ParseMountInfoLine(
      "41 26 0:60 /data\\040dir /mnt/my\\040disk\\011x rw - fuse.sshfs user@host:/a\\040b rw");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->root, "/data dir");
  EXPECT_EQ(m->mount_point, "/mnt/my disk\tx");
  EXPECT_EQ(m->source, "user@host:/a b");
  EXPECT_EQ(m->fs_type, "fuse.sshfs");
}

TEST(ProbeMountInfo, EmptySourceIsKept) {
  const auto m = ParseMountInfoLine("50 26 0:51 / /mnt/x rw,relatime - tmpfs  rw,size=4k");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, "");
  EXPECT_EQ(m->super_options, "rw,size=4k");
}

TEST(ProbeMountInfo, RejectsMalformedLines) {
  for (const char* line :
       {"", "garbage", "26 1 254:0 / / rw,relatime ext4 /dev/vda rw",
        "26 1 254:0 / / rw,relatime - ext4 /dev/vda", "26 1 254:0 / / rw - ext4 /dev/vda rw extra",
        "26 1 254 / / rw - ext4 /dev/vda rw", "26 1 254:0 / rel rw - ext4 x rw"}) {
    EXPECT_FALSE(ParseMountInfoLine(line)) << line;
  }
}

constexpr const char* kMountInfo =
    "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "27 26 0:22 / /mnt rw - tmpfs tmpfs rw\n"
    "28 27 7:0 / /mnt/a rw - ext4 /dev/loop0 rw\n"
    "29 27 7:1 / /mnt/ab rw - xfs /dev/loop1 rw\n"
    "not a mount line\n"
    "30 26 0:23 / /dev/shm rw - tmpfs tmpfs rw,size=1k\n"
    "31 30 0:24 / /dev/shm rw - tmpfs tmpfs rw,size=2k\n";

TEST(ProbeFindMount, LongestMountPointByWholeComponents) {
  auto at = [](const std::string& path) {
    const auto m = internal::FindMountFor(kMountInfo, path);
    return m ? m->mount_point : std::string("none");
  };
  EXPECT_EQ(at("/"), "/");
  EXPECT_EQ(at("/etc/passwd"), "/");
  EXPECT_EQ(at("/mnt"), "/mnt");
  EXPECT_EQ(at("/mnt/a"), "/mnt/a");
  EXPECT_EQ(at("/mnt/a/file"), "/mnt/a");
  EXPECT_EQ(at("/mnt/ab/c"), "/mnt/ab");
  EXPECT_EQ(at("/mnt/abc"), "/mnt");  // "/mnt/ab" is not a prefix by components
}

TEST(ProbeFindMount, StackedMountsTheLastListedIsOnTop) {
  const auto m = internal::FindMountFor(kMountInfo, "/dev/shm/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->super_options, "rw,size=2k");
}

TEST(ProbeFindMount, NoneWithoutAContainingMount) {
  EXPECT_FALSE(internal::FindMountFor("27 26 0:22 / /mnt rw - tmpfs tmpfs rw\n", "/srv"));
  EXPECT_FALSE(internal::FindMountFor("", "/"));
}

TEST(ProbeDurabilityOptions, PicksTheDurabilityRelevantOnesOnce) {
  EXPECT_THAT(internal::DurabilityOptions("rw,relatime,sync",
                                          "rw,sync,nobarrier,data=journal,barrier=0,commit=5"),
              ElementsAre("sync", "nobarrier", "data=journal", "barrier=0"));
  EXPECT_THAT(internal::DurabilityOptions("rw,dirsync", "rw,flushoncommit,nowsync"),
              ElementsAre("dirsync", "flushoncommit", "nowsync"));
  EXPECT_TRUE(internal::DurabilityOptions("rw,relatime", "rw,discard").empty());
}

TEST(ProbeFuseSubtype, FromTheMountType) {
  EXPECT_EQ(internal::FuseSubtype("fuse.glusterfs").value, "glusterfs");
  EXPECT_EQ(internal::FuseSubtype("fuse.ceph-fuse").value, "ceph-fuse");
  EXPECT_EQ(internal::FuseSubtype("fuseblk.ntfs").value, "ntfs");
  const ProbeFact plain = internal::FuseSubtype("fuse");
  EXPECT_FALSE(plain.known());
  EXPECT_FALSE(plain.not_applicable());
  EXPECT_THAT(plain.unknown, HasSubstr("no subtype"));
  const ProbeFact ext4 = internal::FuseSubtype("ext4");
  EXPECT_TRUE(ext4.not_applicable());
  EXPECT_THAT(ext4.unknown, HasSubstr("ext4"));
}

TEST(ProbeFsTypeName, KnownAndUnknownMagics) {
  EXPECT_EQ(internal::FsTypeNameFromMagic(0xef53), "ext2/ext3/ext4");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x58465342), "xfs");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x9123683e), "btrfs");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x01021994), "tmpfs");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x65735546), "fuse");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x6969), "nfs");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x00c36400), "ceph");
  EXPECT_EQ(internal::FsTypeNameFromMagic(0x12345678), "");
}

std::vector<DeviceFacts> Chain(std::vector<std::string> transports) {
  std::vector<DeviceFacts> out;
  for (size_t i = 0; i < transports.size(); ++i) {
    DeviceFacts d;
    d.name = "d" + std::to_string(i);
    d.transport = transports[i];
    if (i > 0) d.reached_from = out.back().name;
    out.push_back(d);
  }
  return out;
}

TEST(ProbeClassifyBackend, NetworkAndMemoryFilesystemsByType) {
  EXPECT_EQ(ClassifyBackend("fuse.glusterfs", "fuse", {}), "glusterfs-fuse");
  EXPECT_EQ(ClassifyBackend("fuse.ceph-fuse", "fuse", {}), "ceph-fuse");
  EXPECT_EQ(ClassifyBackend("ceph", "ceph", {}), "cephfs-kernel");
  EXPECT_EQ(ClassifyBackend("nfs", "nfs", {}), "nfs");
  EXPECT_EQ(ClassifyBackend("nfs4", "nfs", {}), "nfs");
  EXPECT_EQ(ClassifyBackend("tmpfs", "tmpfs", {}), "tmpfs");
  EXPECT_EQ(ClassifyBackend("ramfs", "ramfs", {}), "ramfs");
  EXPECT_EQ(ClassifyBackend("overlay", "overlay", Chain({"virtio"})), "overlay");
  EXPECT_EQ(ClassifyBackend("fuse.sshfs", "fuse", {}), "fuse");
  EXPECT_EQ(ClassifyBackend("fuse", "fuse", {}), "fuse");
}

TEST(ProbeClassifyBackend, StatfsTypeWhenMountinfoIsUnknown) {
  EXPECT_EQ(ClassifyBackend("", "tmpfs", {}), "tmpfs");
  EXPECT_EQ(ClassifyBackend("", "fuse", {}), "fuse");
  EXPECT_EQ(ClassifyBackend("virtiofs", "fuse", {}), "fuse");
  EXPECT_EQ(ClassifyBackend("", "", {}), "unknown");
}

TEST(ProbeClassifyBackend, BlockChainsByTheTopmostSpecialDevice) {
  EXPECT_EQ(ClassifyBackend("ext4", "ext2/ext3/ext4", Chain({"nvme"})), "local-block");
  EXPECT_EQ(ClassifyBackend("xfs", "xfs", Chain({"dm", "scsi"})), "local-block");
  EXPECT_EQ(ClassifyBackend("ext4", "", Chain({"loop", "virtio"})), "loop");
  EXPECT_EQ(ClassifyBackend("btrfs", "btrfs", Chain({"dm", "loop", "rbd"})), "loop");
  EXPECT_EQ(ClassifyBackend("xfs", "xfs", Chain({"rbd"})), "rbd");
  EXPECT_EQ(ClassifyBackend("ext4", "", Chain({"nbd"})), "nbd");
  EXPECT_EQ(ClassifyBackend("ext4", "", Chain({"zram"})), "zram");
  EXPECT_EQ(ClassifyBackend("ext4", "", {}), "unknown");
}

TEST(ProbeNvmeDecode, IdentifyVwcIsByte525Bit0) {
  std::vector<uint8_t> id(4096, 0);
  EXPECT_EQ(internal::DecodeIdentifyVwc(id.data(), id.size()).value, "0");
  id[525] = 0x01;
  EXPECT_EQ(internal::DecodeIdentifyVwc(id.data(), id.size()).value, "1");
  id[525] = 0x06;  // flush-behaviour bits 2:1 set, no cache
  EXPECT_EQ(internal::DecodeIdentifyVwc(id.data(), id.size()).value, "0");
  id[525] = 0x07;
  id[524] = 0xff;  // neighbours do not matter
  id[526] = 0xff;
  EXPECT_EQ(internal::DecodeIdentifyVwc(id.data(), id.size()).value, "1");
  const ProbeFact short_buffer = internal::DecodeIdentifyVwc(id.data(), 525);
  EXPECT_FALSE(short_buffer.known());
  EXPECT_THAT(short_buffer.unknown, HasSubstr("too short"));
}

TEST(ProbeNvmeDecode, VolatileWriteCacheFeatureIsDword0Bit0) {
  EXPECT_EQ(internal::DecodeVwcFeature(0x1).value, "1");
  EXPECT_EQ(internal::DecodeVwcFeature(0x0).value, "0");
  EXPECT_EQ(internal::DecodeVwcFeature(0xfffffffe).value, "0");
}

TEST(ProbeNvmeDecode, AdminFailureReasons) {
  EXPECT_EQ(internal::NvmeAdminFailure("Get Features 0x06", "/dev/nvme0", -1, EACCES),
            "Get Features 0x06 on /dev/nvme0: permission denied (needs CAP_SYS_ADMIN)");
  EXPECT_THAT(internal::NvmeAdminFailure("Identify Controller", "/dev/nvme0", -1, ENOTTY),
              HasSubstr("not supported"));
  // The kernel returns the status field: DNR (bit 14) + SCT 0 + SC 0x02.
  const std::string status =
      internal::NvmeAdminFailure("Get Features 0x06", "/dev/nvme1", 0x4002, 0);
  EXPECT_THAT(status, StartsWith("Get Features 0x06 on /dev/nvme1: NVMe status 0x4002"));
  EXPECT_THAT(status, HasSubstr("Invalid Field in Command"));
  EXPECT_THAT(internal::NvmeAdminFailure("x", "/dev/nvme0", 0x0281, 0), HasSubstr("SCT 2"));
}

DeviceFacts Device(const std::string& transport, const std::string& write_cache,
                   const std::string& fua = "0") {
  DeviceFacts d;
  d.name = "x";
  d.transport = transport;
  d.write_cache = write_cache.empty()
                      ? ProbeFact::Unknown("not present: /sys/block/x/queue/write_cache")
                      : ProbeFact::Known(write_cache);
  d.fua = ProbeFact::Known(fua);
  return d;
}

TEST(ProbeWriteCacheMeaning, SaysWhatTheFactsMeanForDurability) {
  EXPECT_THAT(WriteCacheMeaning(Device("scsi", "write back")),
              AllOf(StartsWith("write back cache:"), HasSubstr("PLP"), HasSubstr("durabench plp")));
  EXPECT_THAT(WriteCacheMeaning(Device("nvme", "write back", "1")),
              StartsWith("write back cache with FUA:"));
  EXPECT_THAT(WriteCacheMeaning(Device("scsi", "write through")), StartsWith("write through:"));
  EXPECT_THAT(WriteCacheMeaning(Device("scsi", "")), HasSubstr("not present: /sys/block/x"));

  DeviceFacts lying = Device("scsi", "write through");
  lying.scsi_cache_type = ProbeFact::Known("write back");
  EXPECT_THAT(WriteCacheMeaning(lying), StartsWith("DANGER"));

  DeviceFacts no_vwc = Device("nvme", "write through");
  no_vwc.nvme_vwc_present = ProbeFact::Known("0");
  EXPECT_THAT(WriteCacheMeaning(no_vwc), HasSubstr("no volatile write cache"));
  DeviceFacts disabled = Device("nvme", "write through");
  disabled.nvme_vwc_present = ProbeFact::Known("1");
  disabled.nvme_vwc_enabled = ProbeFact::Known("0");
  EXPECT_THAT(WriteCacheMeaning(disabled), HasSubstr("disabled"));

  EXPECT_THAT(WriteCacheMeaning(Device("zram", "write through")), HasSubstr("RAM"));
  EXPECT_THAT(WriteCacheMeaning(Device("loop", "write back")), HasSubstr("backing file"));
}

TEST(ProbeBackendMeaning, DevicelessKindsOnly) {
  EXPECT_THAT(BackendMeaning("tmpfs"), HasSubstr("survives"));
  EXPECT_THAT(BackendMeaning("fuse"), HasSubstr("daemon"));
  EXPECT_EQ(BackendMeaning("local-block"), "");
  EXPECT_EQ(BackendMeaning("loop"), "");
}

TEST(ProbeLeafDevices, DevicesNoOtherWasReachedThrough) {
  ProbeResult p;
  p.devices = Chain({"dm", "scsi"});
  DeviceFacts second;
  second.name = "d2";
  second.transport = "nvme";
  second.reached_from = "d0";
  p.devices.push_back(second);
  std::vector<std::string> names;
  for (const DeviceFacts* d : LeafDevices(p)) names.push_back(d->name);
  EXPECT_THAT(names, ElementsAre("d1", "d2"));
  EXPECT_TRUE(LeafDevices(ProbeResult{}).empty());
}

TEST(ProbeFactFields, NamesAreUniqueAndUnitSuffixed) {
  std::vector<std::string> names;
  for (const DeviceFactField& f : DeviceFactFields()) names.push_back(f.name);
  for (const FilesystemFactField& f : FilesystemFactFields()) names.push_back(f.name);
  for (const std::string& n : names) {
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
    if (n.find("block_size") != std::string::npos) {
      EXPECT_THAT(n, ::testing::EndsWith("_bytes"));
    }
  }
  EXPECT_EQ(DeviceFactFields().size(), 14u);
  EXPECT_EQ(FilesystemFactFields().size(), 7u);
}

TEST(ProbeFact, NotApplicableIsAnUnknownWithAFixedPrefix) {
  const ProbeFact f = ProbeFact::NotApplicable("not an NVMe device");
  EXPECT_FALSE(f.known());
  EXPECT_TRUE(f.not_applicable());
  EXPECT_EQ(f.unknown, "not applicable: not an NVMe device");
  EXPECT_FALSE(ProbeFact::Unknown("permission denied: /x").not_applicable());
}

}  // namespace
}  // namespace durabench
