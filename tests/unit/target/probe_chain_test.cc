// The probe's sysfs walk on fake trees (fake_sysfs.h): partition -> disk, loop -> the device
// under its backing file, dm/md -> slaves, per-transport identity and cache facts, and every
// way a fact can be unknown. Then ProbeTarget() end to end on a fake /sys and /proc/self.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "fake_sysfs.h"
#include "target/probe.h"
#include "target/probe_internal.h"
#include "util/sha256.h"

namespace durabench {
namespace {

using testing::DevOf;
using testing::DevString;
using ::testing::ElementsAre;
using testing::FakeSys;
using ::testing::HasSubstr;
using testing::QueueFacts;
using ::testing::StartsWith;
using testing::TempDir;

std::vector<std::string> Names(const std::vector<DeviceFacts>& devices) {
  std::vector<std::string> out;
  for (const DeviceFacts& d : devices) out.push_back(d.name);
  return out;
}

dev_t Dev(unsigned major, unsigned minor) { return makedev(major, minor); }

class ProbeChainTest : public ::testing::Test {
 protected:
  ProbeChainTest() : sys_(tmp_.path()) {}

  // A SATA SSD behind libata as sd shows it, with partition sda1 (8:1).
  std::string AddSataDisk(const std::string& name = "sda", unsigned minor = 0) {
    const std::string host =
        "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:" + std::to_string(minor / 16);
    const std::string dir = sys_.AddDisk(host, name, "8:" + std::to_string(minor));
    FakeSys::Write(dir + "/device/model", "Samsung SSD 860 \n");
    FakeSys::Write(dir + "/device/vendor", "ATA     \n");
    FakeSys::Write(dir + "/device/rev", "4B6Q\n");
    // VPD page 0x80: peripheral byte, page code, length (2 bytes), serial.
    FakeSys::Write(dir + "/device/vpd_pg80", std::string("\x00\x80\x00\x0a", 4) + "S3Z9NB0K12");
    FakeSys::Write(dir + "/device/scsi_disk/0:0:0:0/cache_type", "write back\n");
    return dir;
  }

  ProbeResult Walk(dev_t dev) {
    ProbeResult r;
    why_ = internal::ProbeDeviceChain(dev, "", "", sys_.roots(), &r);
    return r;
  }

  TempDir tmp_;
  FakeSys sys_;
  std::string why_;
};

TEST_F(ProbeChainTest, PartitionResolvesToItsDiskWithScsiFacts) {
  const std::string disk = AddSataDisk();
  sys_.AddPartition(disk, "sda1", "8:1");
  const ProbeResult r = Walk(Dev(8, 1));
  EXPECT_EQ(why_, "");
  ASSERT_EQ(r.devices.size(), 1u);
  const DeviceFacts& d = r.devices[0];
  EXPECT_EQ(d.name, "sda");
  EXPECT_EQ(d.major_minor, "8:0");
  EXPECT_EQ(d.dev_path, tmp_.path() + "/dev/sda");
  EXPECT_EQ(d.transport, "scsi");
  EXPECT_EQ(d.reached_by, "disk of partition sda1");
  EXPECT_EQ(d.reached_from, "");
  EXPECT_EQ(d.model.value, "Samsung SSD 860");  // SCSI padding trimmed
  EXPECT_EQ(d.vendor.value, "ATA");
  EXPECT_EQ(d.firmware.value, "4B6Q");
  EXPECT_EQ(d.serial_sha256.value, Sha256Hex("S3Z9NB0K12"));
  EXPECT_EQ(d.rotational.value, "0");
  EXPECT_EQ(d.logical_block_size_bytes.value, "512");
  EXPECT_EQ(d.physical_block_size_bytes.value, "4096");
  EXPECT_EQ(d.write_cache.value, "write back");
  EXPECT_EQ(d.fua.value, "1");
  EXPECT_EQ(d.scheduler.value, "none");
  EXPECT_EQ(d.nr_requests.value, "1023");
  EXPECT_EQ(d.scsi_cache_type.value, "write back");
  EXPECT_TRUE(d.nvme_vwc_present.not_applicable());
  EXPECT_TRUE(d.nvme_vwc_enabled.not_applicable());
}

TEST_F(ProbeChainTest, LoopFollowsItsBackingFileToTheDeviceUnderIt) {
  const std::string image = tmp_.File("disk.img");
  ASSERT_TRUE(testing::WriteFile(image, "x"));
  const dev_t image_dev = DevOf(image);
  if (DevString(image_dev) == "7:250" || DevString(image_dev) == "254:250") {
    GTEST_SKIP() << "the temp dir is on a device number the fake tree uses";
  }
  const std::string loop = sys_.AddDisk("virtual", "loop250", "7:250");
  FakeSys::Write(loop + "/loop/backing_file", image + "\n");
  FakeSys::Write(loop + "/loop/dio", "0\n");
  // The device the image really is on, faked as a virtio disk bound to virtio_blk.
  QueueFacts spinning;
  spinning.rotational = "1";
  const std::string virtio = sys_.sys() + "/devices/pci0000:00/0000:00:02.0/virtio1";
  const std::string vda =
      sys_.AddDisk("pci0000:00/0000:00:02.0/virtio1", "vdz", DevString(image_dev), spinning);
  FakeSys::Mkdirs(sys_.sys() + "/bus/virtio/drivers/virtio_blk");
  FakeSys::Link(sys_.sys() + "/bus/virtio/drivers/virtio_blk", virtio + "/driver");
  FakeSys::Link(virtio, vda + "/device");
  FakeSys::Write(vda + "/serial", "vm-disk-1\n");
  FakeSys::Write(virtio + "/vendor", "0x1af4\n");

  const ProbeResult r = Walk(Dev(7, 250));
  ASSERT_THAT(Names(r.devices), ElementsAre("loop250", "vdz")) << ::testing::PrintToString(r.notes);
  const DeviceFacts& l = r.devices[0];
  EXPECT_EQ(l.transport, "loop");
  EXPECT_EQ(l.loop_backing_file, image);
  EXPECT_EQ(l.detail, "direct I/O to the backing file: off");
  EXPECT_TRUE(l.model.not_applicable());
  EXPECT_TRUE(l.serial_sha256.not_applicable());
  const DeviceFacts& v = r.devices[1];
  EXPECT_EQ(v.transport, "virtio");
  EXPECT_EQ(v.reached_by, "backing file " + image + " of loop250");
  EXPECT_EQ(v.reached_from, "loop250");
  EXPECT_EQ(v.serial_sha256.value, Sha256Hex("vm-disk-1"));
  EXPECT_EQ(v.vendor.value, "0x1af4");
  EXPECT_EQ(v.rotational.value, "1");
  EXPECT_EQ(v.model.unknown, "not present: " + sys_.sys() + "/block/vdz/device/model");
  EXPECT_TRUE(v.scsi_cache_type.not_applicable());
  ASSERT_EQ(LeafDevices(r).size(), 1u);
  EXPECT_EQ(LeafDevices(r)[0]->name, "vdz");
}

TEST_F(ProbeChainTest, LoopWhoseBackingFileHasNoBlockDeviceEndsWithANote) {
  const std::string loop = sys_.AddDisk("virtual", "loop251", "7:251");
  const std::string image = tmp_.File("on-tmpfs.img");
  ASSERT_TRUE(testing::WriteFile(image, "x"));
  FakeSys::Write(loop + "/loop/backing_file", image + "\n");  // its st_dev is not in the tree
  const ProbeResult r = Walk(Dev(7, 251));
  EXPECT_THAT(Names(r.devices), ElementsAre("loop251"));
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], HasSubstr("backing file " + image + " of loop251 is on"));
  EXPECT_THAT(r.notes[0], HasSubstr("no sysfs entry"));
}

TEST_F(ProbeChainTest, DeletedBackingFileIsANote) {
  const std::string loop = sys_.AddDisk("virtual", "loop252", "7:252");
  FakeSys::Write(loop + "/loop/backing_file", "/var/img/x.img (deleted)\n");
  const ProbeResult r = Walk(Dev(7, 252));
  EXPECT_THAT(Names(r.devices), ElementsAre("loop252"));
  EXPECT_THAT(r.notes, ElementsAre(HasSubstr("was deleted")));
}

TEST_F(ProbeChainTest, DmFollowsItsSlavesThroughPartitions) {
  const std::string sdb = AddSataDisk("sdb", 16);
  const std::string sdb1 = sys_.AddPartition(sdb, "sdb1", "8:17");
  const std::string ctrl = sys_.sys() + "/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0";
  const std::string nvme =
      sys_.AddDisk("pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0", "nvme0n1", "259:0");
  FakeSys::Link(ctrl, nvme + "/device");
  FakeSys::Write(ctrl + "/model", "Samsung SSD 980 PRO 1TB\n");
  FakeSys::Write(ctrl + "/serial", "S5GXNX0R123456\n");
  FakeSys::Write(ctrl + "/firmware_rev", "5B2QGXA7\n");
  FakeSys::Link(sys_.sys() + "/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0", ctrl + "/device");
  FakeSys::Write(sys_.sys() + "/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/vendor", "0x144d\n");

  const std::string dm = sys_.AddDisk("virtual", "dm-0", "253:0");
  FakeSys::Write(dm + "/dm/name", "vg0-data\n");
  FakeSys::Write(dm + "/dm/uuid", "LVM-Ab12cd34\n");
  FakeSys::Link(sdb1, dm + "/slaves/sdb1");
  FakeSys::Link(nvme, dm + "/slaves/nvme0n1");

  const ProbeResult r = Walk(Dev(253, 0));
  ASSERT_THAT(Names(r.devices), ElementsAre("dm-0", "nvme0n1", "sdb"));  // slaves sorted
  EXPECT_EQ(r.devices[0].transport, "dm");
  EXPECT_EQ(r.devices[0].detail, "name vg0-data, LVM");
  EXPECT_EQ(r.devices[1].reached_by, "slave of dm-0");
  EXPECT_EQ(r.devices[1].reached_from, "dm-0");
  EXPECT_EQ(r.devices[2].reached_by, "disk of partition sdb1, slave of dm-0");
  EXPECT_EQ(r.devices[2].reached_from, "dm-0");

  const DeviceFacts& n = r.devices[1];
  EXPECT_EQ(n.transport, "nvme");
  EXPECT_EQ(n.model.value, "Samsung SSD 980 PRO 1TB");
  EXPECT_EQ(n.firmware.value, "5B2QGXA7");
  EXPECT_EQ(n.vendor.value, "0x144d");
  EXPECT_EQ(n.serial_sha256.value, Sha256Hex("S5GXNX0R123456"));
  EXPECT_THAT(n.nvme_vwc_present.unknown, StartsWith("not queried"));  // nvme_ioctl off
  EXPECT_TRUE(n.scsi_cache_type.not_applicable());
  std::vector<std::string> leaves;
  for (const DeviceFacts* d : LeafDevices(r)) leaves.push_back(d->name);
  EXPECT_THAT(leaves, ElementsAre("nvme0n1", "sdb"));
}

TEST_F(ProbeChainTest, NvmeAdminCommandsWithoutTheControllerNodeAreNotPresent) {
  const std::string ctrl = sys_.sys() + "/devices/pci0000:00/nvme/nvme3";
  const std::string nvme = sys_.AddDisk("pci0000:00/nvme/nvme3", "nvme3n1", "259:9");
  FakeSys::Link(ctrl, nvme + "/device");
  ProbeRoots roots = sys_.roots();
  roots.nvme_ioctl = true;  // the fake /dev has no nvme3: open fails before any ioctl
  ProbeResult r;
  internal::ProbeDeviceChain(Dev(259, 9), "", "", roots, &r);
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].nvme_vwc_present.unknown, "not present: " + tmp_.path() + "/dev/nvme3");
  EXPECT_EQ(r.devices[0].nvme_vwc_enabled.unknown, "not present: " + tmp_.path() + "/dev/nvme3");
}

TEST_F(ProbeChainTest, MdListsEverySlave) {
  const std::string sdc = AddSataDisk("sdc", 32);
  const std::string sdd = AddSataDisk("sdd", 48);
  const std::string md = sys_.AddDisk("virtual", "md0", "9:0");
  FakeSys::Write(md + "/md/level", "raid1\n");
  FakeSys::Link(sdc, md + "/slaves/sdc");
  FakeSys::Link(sdd, md + "/slaves/sdd");
  const ProbeResult r = Walk(Dev(9, 0));
  EXPECT_THAT(Names(r.devices), ElementsAre("md0", "sdc", "sdd"));
  EXPECT_EQ(r.devices[0].transport, "md");
  EXPECT_EQ(r.devices[0].detail, "raid1");
  EXPECT_EQ(LeafDevices(r).size(), 2u);
}

TEST_F(ProbeChainTest, MissingFactsAreNotPresentWithThePath) {
  const std::string dir = sys_.AddDisk("platform/x", "sdx", "8:240");
  std::filesystem::remove(dir + "/queue/fua");
  const ProbeResult r = Walk(Dev(8, 240));
  ASSERT_EQ(r.devices.size(), 1u);
  const DeviceFacts& d = r.devices[0];
  const std::string base = sys_.sys() + "/block/sdx";
  EXPECT_EQ(d.fua.unknown, "not present: " + base + "/queue/fua");
  EXPECT_EQ(d.model.unknown, "not present: " + base + "/device/model");
  EXPECT_EQ(d.scsi_cache_type.unknown, "not present: " + base + "/device/scsi_disk");
  EXPECT_EQ(d.serial_sha256.unknown, "not present: " + base + "/device/vpd_pg80");
  EXPECT_EQ(d.write_cache.value, "write back");  // the rest is still read
}

TEST_F(ProbeChainTest, UnexpectedValuesAreUnknownNotGuessed) {
  QueueFacts odd;
  odd.rotational = "2";
  odd.logical = "512b";
  odd.write_cache = "write around";
  odd.scheduler = "none mq-deadline";
  sys_.AddDisk("platform/y", "sdy", "8:224", odd);
  const ProbeResult r = Walk(Dev(8, 224));
  ASSERT_EQ(r.devices.size(), 1u);
  const DeviceFacts& d = r.devices[0];
  EXPECT_THAT(d.rotational.unknown, StartsWith("unexpected value '2' in "));
  EXPECT_THAT(d.logical_block_size_bytes.unknown, StartsWith("unexpected value '512b'"));
  EXPECT_THAT(d.write_cache.unknown, StartsWith("unexpected value 'write around'"));
  EXPECT_THAT(d.scheduler.unknown, StartsWith("no scheduler selected"));
}

TEST_F(ProbeChainTest, UnreadableFactIsPermissionDenied) {
  const std::string dir = sys_.AddDisk("platform/z", "sdz", "8:208");
  ASSERT_EQ(::chmod((dir + "/queue/write_cache").c_str(), 0), 0);
  testing::WithoutDacOverride no_override;
  if (::geteuid() == 0 && !no_override.ok()) {
    GTEST_SKIP() << "root cannot drop CAP_DAC_OVERRIDE here (capset refused)";
  }
  const ProbeResult r = Walk(Dev(8, 208));
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].write_cache.unknown,
            "permission denied: " + sys_.sys() + "/block/sdz/queue/write_cache");
  EXPECT_EQ(r.devices[0].fua.value, "1");
}

TEST_F(ProbeChainTest, NoSysfsEntryIsReportedNotGuessed) {
  const ProbeResult r = Walk(Dev(0, 99));
  EXPECT_TRUE(r.devices.empty());
  EXPECT_THAT(why_, StartsWith("no sysfs entry " + sys_.sys() + "/dev/block/0:99"));
}

TEST_F(ProbeChainTest, TransportsByDriverAndName) {
  auto transport = [this](const std::string& name, const std::string& mm) {
    const std::string dir = sys_.AddDisk("virtual", name, mm);
    return internal::TransportOf(dir, name);
  };
  EXPECT_EQ(transport("zram0", "252:0"), "zram");
  EXPECT_EQ(transport("rbd0", "251:0"), "rbd");
  EXPECT_EQ(transport("nbd0", "43:0"), "nbd");
  EXPECT_EQ(transport("mmcblk0", "179:0"), "mmc");
  EXPECT_EQ(transport("vdb", "254:16"), "virtio");
  EXPECT_EQ(transport("xvda", "202:0"), "other");
}

TEST_F(ProbeChainTest, RbdDetailFromTheRbdBus) {
  sys_.AddDisk("virtual", "rbd0", "251:0");
  FakeSys::Write(sys_.sys() + "/bus/rbd/devices/0/pool", "rbdpool\n");
  FakeSys::Write(sys_.sys() + "/bus/rbd/devices/0/name", "vm-100-disk-0\n");
  const ProbeResult r = Walk(Dev(251, 0));
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].detail, "rbdpool/vm-100-disk-0");
  EXPECT_EQ(internal::ClassifyBackend("xfs", "xfs", r.devices), "rbd");
}

TEST(ProbeSysfs, ReadFactReasons) {
  TempDir tmp;
  ASSERT_TRUE(testing::WriteFile(tmp.File("empty"), "  \n"));
  EXPECT_EQ(internal::ReadFact(tmp.File("empty")).unknown, "empty: " + tmp.File("empty"));
  EXPECT_EQ(internal::ReadFact(tmp.File("none")).unknown, "not present: " + tmp.File("none"));
  EXPECT_EQ(internal::ReadFact(tmp.File("none/deeper")).unknown,
            "not present: " + tmp.File("none/deeper"));
  EXPECT_THAT(internal::ReadFact(tmp.path()).unknown,
              StartsWith("read " + tmp.path() + ": Is a directory"));
  EXPECT_EQ(internal::ReadFirstFact({tmp.File("a"), tmp.File("b")}).unknown,
            "not present: " + tmp.File("a") + " or " + tmp.File("b"));
}

TEST(ProbeSysfs, SerialFromVpdPage80) {
  EXPECT_EQ(internal::SerialFromVpdPage80(std::string("\x00\x80\x00\x06  AB12", 10)), "AB12");
  EXPECT_FALSE(internal::SerialFromVpdPage80(std::string("\x00\x83\x00\x02xy", 6)));  // page
  EXPECT_FALSE(internal::SerialFromVpdPage80(std::string("\x00\x80\x00\x09xy", 6)));  // length
  EXPECT_FALSE(internal::SerialFromVpdPage80(std::string("\x00\x80\x00\x02\x01x", 6)));
}

// ProbeTarget end to end: the temp dir's real device number, faked as sda1 on a SATA disk, and a
// mountinfo that mounts the temp dir.
class ProbeTargetTest : public ProbeChainTest {
 protected:
  void SetUp() override {
    // The mount point as the probe sees it: symlinks in $TMPDIR resolved.
    real_ = std::filesystem::canonical(tmp_.path()).string();
    const std::string disk = AddSataDisk("sdt", 250);
    sys_.AddPartition(disk, "sdt1", DevString(DevOf(tmp_.path())));
    FakeSys::Write(tmp_.path() + "/proc/mountinfo",
                   "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                   "50 26 " +
                       DevString(DevOf(tmp_.path())) + " / " + real_ +
                       " rw,noatime - ext4 /dev/sdt1 rw,nobarrier,data=ordered\n");
  }
  std::string real_;
};

TEST_F(ProbeTargetTest, FileOnAPartitionedDisk) {
  ASSERT_TRUE(testing::WriteFile(tmp_.File("data"), "x"));
  const ProbeResult r = ProbeTarget(tmp_.File("data"), sys_.roots());
  EXPECT_EQ(r.path, tmp_.File("data"));
  EXPECT_FALSE(r.is_block_device);
  EXPECT_EQ(r.filesystem.mount_point.value, real_);
  EXPECT_EQ(r.filesystem.mount_source.value, "/dev/sdt1");
  EXPECT_EQ(r.filesystem.fs_type_mountinfo.value, "ext4");
  EXPECT_EQ(r.filesystem.mount_options.value, "rw,noatime");
  EXPECT_EQ(r.filesystem.super_options.value, "rw,nobarrier,data=ordered");
  EXPECT_THAT(r.filesystem.durability_options, ElementsAre("nobarrier", "data=ordered"));
  EXPECT_TRUE(r.filesystem.fuse_subtype.not_applicable());
  EXPECT_FALSE(r.filesystem.magic_hex.empty());
  ASSERT_THAT(Names(r.devices), ElementsAre("sdt"));
  EXPECT_EQ(r.devices[0].reached_by, "disk of partition sdt1");
  EXPECT_EQ(r.backend_kind, "local-block");
  EXPECT_EQ(r.backend_detail.substr(r.backend_detail.find(" on ")), " on sdt (scsi)");
}

TEST_F(ProbeTargetTest, MissingPathIsProbedThroughItsParent) {
  const ProbeResult r = ProbeTarget(tmp_.File("a/b/c"), sys_.roots());
  EXPECT_EQ(r.resolved_path.substr(r.resolved_path.size() - 6), "/a/b/c");
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("probed its nearest existing parent")));
  EXPECT_EQ(r.filesystem.mount_point.value, real_);
  EXPECT_THAT(Names(r.devices), ElementsAre("sdt"));
}

TEST_F(ProbeTargetTest, UnreadableMountinfoMakesTheMountUnknown) {
  ProbeRoots roots = sys_.roots();
  roots.proc_self = tmp_.File("no-proc");
  const ProbeResult r = ProbeTarget(tmp_.path(), roots);
  const std::string why = "not present: " + tmp_.File("no-proc") + "/mountinfo";
  EXPECT_EQ(r.filesystem.mount_point.unknown, why);
  EXPECT_EQ(r.filesystem.mount_options.unknown, why);
  EXPECT_TRUE(r.filesystem.type.known());  // statfs still answers
  EXPECT_THAT(Names(r.devices), ElementsAre("sdt"));
}

TEST(ProbeTarget, PathBelowAFileProbesTheFile) {
  TempDir tmp;
  ASSERT_TRUE(testing::WriteFile(tmp.File("file"), "x"));
  const ProbeResult r = ProbeTarget(tmp.File("file") + "/x");  // ENOTDIR: walk up to "file"
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("probed its nearest existing parent")));
  EXPECT_FALSE(r.backend_kind.empty());
}

TEST(ProbeTarget, UriIsNotProbedAsAPath) {
  const ProbeResult r = ProbeTarget("rados://pool");
  EXPECT_EQ(r.backend_kind, "unknown");
  EXPECT_TRUE(r.devices.empty());
  EXPECT_TRUE(r.filesystem.type.not_applicable());
  EXPECT_THAT(r.notes, ElementsAre(HasSubstr("is a URI")));
}

}  // namespace
}  // namespace durabench
