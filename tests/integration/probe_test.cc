// `durabench probe`: the real binary on tmpfs, a raw loop device, ext4/xfs/btrfs on loop, a
// path that does not exist yet, and (with FUSE) the emulated drive; its JSON checked field by
// field, its human summary for the key lines. Loop and FUSE cases need root and skip without.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "durabench_runner.h"
#ifdef DURABENCH_HAVE_EMUDRIVE
#include "fixtures/emudrive/emudrive_mount.h"
#endif

namespace durabench::testing {
namespace {

using nlohmann::json;

constexpr uint64_t kLoopBytes = 512ull << 20;  // xfs wants at least 300 MiB

json ProbeJson(const std::string& target) {
  CommandResult r = Durabench({"probe", target, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return json::parse(r.out);
  } catch (const json::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out;
    return json::object();
  }
}

// Every fact is a value or null, and exactly the null ones are in "unknown" with a reason.
void ExpectUnknownsExplained(const json& facts, const std::string& where) {
  ASSERT_TRUE(facts.contains("unknown")) << where;
  for (const auto& [key, reason] : facts["unknown"].items()) {
    EXPECT_TRUE(facts.contains(key) && facts[key].is_null()) << where << "." << key;
    EXPECT_TRUE(reason.is_string() && !reason.get<std::string>().empty()) << where << "." << key;
  }
}

void ExpectWellFormed(const json& p) {
  for (const char* key : {"path", "resolved_path", "backend_kind", "backend_detail"}) {
    EXPECT_TRUE(p[key].is_string()) << key;
  }
  EXPECT_TRUE(p["is_block_device"].is_boolean());
  EXPECT_TRUE(p["notes"].is_array());
  ExpectUnknownsExplained(p["filesystem"], "filesystem");
  for (size_t i = 0; i < p["devices"].size(); ++i) {
    const json& d = p["devices"][i];
    const std::string where = "devices[" + std::to_string(i) + "]";
    ExpectUnknownsExplained(d, where);
    for (const char* key :
         {"logical_block_size_bytes", "physical_block_size_bytes", "nr_requests"}) {
      EXPECT_TRUE(d[key].is_number_unsigned() || d[key].is_null()) << where << "." << key;
    }
    for (const char* key : {"rotational", "fua", "nvme_vwc_present", "nvme_vwc_enabled"}) {
      EXPECT_TRUE(d[key].is_boolean() || d[key].is_null()) << where << "." << key;
    }
    EXPECT_TRUE(d["write_cache"].is_null() || d["write_cache"] == "write back" ||
                d["write_cache"] == "write through")
        << where;
  }
}

// "7:3" of a block device node.
std::string RdevOf(const std::string& dev) {
  struct stat st;
  if (::stat(dev.c_str(), &st) != 0) return "?";
  return std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
}

// Whether the file's filesystem sits on a block device that sysfs knows (not tmpfs, overlay).
bool OnSysfsBlockDevice(const std::string& file) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) return false;
  const std::string link =
      "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  return ::access(link.c_str(), F_OK) == 0;
}

// The loop device's entry and, through its backing file, the device under that file (or a note
// saying why the chain stops there).
void ExpectLoopChain(const json& p, const LoopDevice& loop, size_t index) {
  ASSERT_GT(p["devices"].size(), index);
  const json& d = p["devices"][index];
  const std::string name = loop.device().substr(loop.device().rfind('/') + 1);
  EXPECT_EQ(d["name"], name);
  EXPECT_EQ(d["transport"], "loop");
  EXPECT_EQ(d["major_minor"], RdevOf(loop.device()));
  EXPECT_EQ(d["loop_backing_file"], loop.backing_file());
  EXPECT_TRUE(d["logical_block_size_bytes"].is_number_unsigned());
  if (OnSysfsBlockDevice(loop.backing_file())) {
    ASSERT_GT(p["devices"].size(), index + 1) << p.dump(2);
    const json& under = p["devices"][index + 1];
    EXPECT_EQ(under["reached_from"], name);
    EXPECT_EQ(under["reached_by"], "backing file " + loop.backing_file() + " of " + name);
  } else {
    EXPECT_NE(p["notes"].dump().find(loop.backing_file()), std::string::npos) << p.dump(2);
  }
}

TEST(Probe, TmpfsDirectory) {
  TempDir dir("/dev/shm");
  const json p = ProbeJson(dir.path());
  ExpectWellFormed(p);
  EXPECT_EQ(p["backend_kind"], "tmpfs");
  EXPECT_EQ(p["filesystem"]["type"], "tmpfs");
  EXPECT_EQ(p["filesystem"]["fs_type_mountinfo"], "tmpfs");
  EXPECT_EQ(p["filesystem"]["magic_hex"], "0x1021994");
  EXPECT_TRUE(p["filesystem"]["mount_options"].is_string());
  EXPECT_TRUE(p["devices"].empty());
  EXPECT_EQ(p["is_block_device"], false);
}

TEST(Probe, MissingFileProbesItsParent) {
  TempDir dir("/dev/shm");
  const std::string target = dir.File("not/yet/there.dat");
  const json p = ProbeJson(target);
  EXPECT_EQ(p["path"], target);
  EXPECT_EQ(p["backend_kind"], "tmpfs");
  EXPECT_NE(p["notes"].dump().find("nearest existing parent " + dir.path()), std::string::npos)
      << p.dump(2);
}

TEST(Probe, RawLoopDevice) {
  TempDir dir;
  LoopDevice loop(dir.path(), kLoopBytes);
  if (!loop.ok()) GTEST_SKIP() << loop.skip_reason();
  const json p = ProbeJson(loop.device());
  ExpectWellFormed(p);
  EXPECT_EQ(p["is_block_device"], true);
  EXPECT_EQ(p["backend_kind"], "loop");
  EXPECT_EQ(p["devices"][0]["reached_by"], "");
  EXPECT_TRUE(p["filesystem"]["type"].is_null());
  EXPECT_EQ(p["filesystem"]["unknown"]["type"], "not applicable: the target is a block device");
  ExpectLoopChain(p, loop, 0);
}

class ProbeFilesystemOnLoop : public ::testing::TestWithParam<std::string> {};

TEST_P(ProbeFilesystemOnLoop, TypeMountAndChain) {
  const std::string fs = GetParam();
  TempDir dir;
  LoopDevice loop(dir.path(), kLoopBytes, "mkfs." + fs);
  if (!loop.ok() || !loop.Mount()) GTEST_SKIP() << loop.skip_reason();
  const json p = ProbeJson(loop.mount_point() + "/new-file");
  ExpectWellFormed(p);
  EXPECT_EQ(p["backend_kind"], "loop");
  EXPECT_EQ(p["filesystem"]["type"], fs);
  EXPECT_EQ(p["filesystem"]["fs_type_mountinfo"], fs);
  EXPECT_EQ(p["filesystem"]["mount_point"], loop.mount_point());
  EXPECT_EQ(p["filesystem"]["mount_source"], loop.device());
  EXPECT_TRUE(p["filesystem"]["mount_options"].is_string());
  EXPECT_TRUE(p["filesystem"]["super_options"].is_string());
  EXPECT_EQ(p["filesystem"]["unknown"]["fuse_subtype"],
            "not applicable: not a FUSE mount (type " + fs + ")");
  // btrfs reports an anonymous st_dev: the device is found through the mount source.
  if (fs == "btrfs") {
    EXPECT_NE(p["devices"][0]["reached_by"].get<std::string>().find("mount source"),
              std::string::npos);
  }
  ExpectLoopChain(p, loop, 0);
}

INSTANTIATE_TEST_SUITE_P(Fs, ProbeFilesystemOnLoop, ::testing::Values("ext4", "xfs", "btrfs"),
                         [](const auto& param_info) { return param_info.param; });

TEST(Probe, MountOptionsThatMatterForDurability) {
  TempDir dir;
  LoopDevice loop(dir.path(), kLoopBytes, "mkfs.ext4");
  if (!loop.ok()) GTEST_SKIP() << loop.skip_reason();
  if (Shell("mount -o data=journal,nobarrier " + loop.device() + " " + loop.mount_point()) != 0) {
    GTEST_SKIP() << "mount -o data=journal,nobarrier failed";
  }
  const json p = ProbeJson(loop.mount_point());
  Shell("umount " + loop.mount_point());
  const json& options = p["filesystem"]["durability_options"];
  EXPECT_NE(std::find(options.begin(), options.end(), "data=journal"), options.end()) << options;
  EXPECT_NE(std::find(options.begin(), options.end(), "nobarrier"), options.end()) << options;
}

TEST(Probe, HumanSummaryHasTheKeyLines) {
  TempDir dir;
  LoopDevice loop(dir.path(), kLoopBytes, "mkfs.ext4");
  if (!loop.ok() || !loop.Mount()) GTEST_SKIP() << loop.skip_reason();
  CommandResult r = Durabench({"probe", loop.mount_point()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string name = loop.device().substr(loop.device().rfind('/') + 1);
  for (const std::string& line :
       {std::string("durabench probe ") + loop.mount_point(), std::string("backend"),
        "loop — ext4 on " + name + " (loop)", std::string("Filesystem"),
        std::string("mount source         ") + loop.device(), std::string("Devices"),
        name + " (" + loop.device(), "backing file         " + loop.backing_file(),
        std::string("write cache"), std::string("Durability")}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << "missing: " << line << "\n" << r.out;
  }
}

TEST(Probe, HumanSummaryOnTmpfsSaysItIsNotDurable) {
  TempDir dir("/dev/shm");
  CommandResult r = Durabench({"probe", dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tmpfs: memory"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Devices"), std::string::npos) << r.out;
}

TEST(Probe, OutputFileIsTheJson) {
  TempDir dir("/dev/shm");
  const std::string out = dir.File("probe.json");
  CommandResult r = Durabench({"probe", dir.path(), "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("probe written to " + out), std::string::npos) << r.out;
  const json p = LoadJson(out);
  EXPECT_EQ(p["backend_kind"], "tmpfs");
  // A missing directory is a usage error found before probing.
  r = Durabench({"probe", dir.path(), "-o", dir.File("no/such/dir/p.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST(Probe, HelpShowsExamplesAndUsageErrorsExitTwo) {
  CommandResult r = Durabench({"probe", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("durabench probe /mnt/ssd/scratch"), std::string::npos) << r.out;
  r = Durabench({"probe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("target"), std::string::npos) << r.err;
}

#ifdef DURABENCH_HAVE_EMUDRIVE
TEST(Probe, FuseMountOfTheEmulatedDrive) {
  TempDir dir;
  EmuDriveMount drive("volatile", "1ms", dir.File("backing"), dir.File("mnt"));
  if (!drive.ok()) GTEST_SKIP() << drive.skip_reason();
  const json p = ProbeJson(drive.mount_point());
  ExpectWellFormed(p);
  EXPECT_EQ(p["backend_kind"], "fuse");
  EXPECT_EQ(p["filesystem"]["type"], "fuse");
  EXPECT_EQ(p["filesystem"]["magic_hex"], "0x65735546");
  EXPECT_EQ(p["filesystem"]["fs_type_mountinfo"], "fuse.emudrive");  // -o subtype=emudrive
  EXPECT_EQ(p["filesystem"]["fuse_subtype"], "emudrive");
  EXPECT_EQ(p["filesystem"]["mount_source"], "emudrive");  // -o fsname=emudrive
  EXPECT_TRUE(p["devices"].empty());
  CommandResult r = Durabench({"probe", drive.mount_point()});
  EXPECT_NE(r.out.find("FUSE: the daemon decides"), std::string::npos) << r.out;
}
#endif

}  // namespace
}  // namespace durabench::testing
