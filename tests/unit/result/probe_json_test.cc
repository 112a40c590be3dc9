// The probe's JSON (result/probe_json.h): typed known facts, null + reason for unknown ones,
// and a reader that gives back exactly what was written.
#include "result/probe_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace durabench {
namespace {

using ::testing::HasSubstr;

DeviceFacts Disk() {
  DeviceFacts d;
  d.name = "sda";
  d.dev_path = "/dev/sda";
  d.major_minor = "8:0";
  d.transport = "scsi";
  d.reached_by = "disk of partition sda1, slave of dm-0";
  d.reached_from = "dm-0";
  d.model = ProbeFact::Known("Samsung SSD 860");
  d.vendor = ProbeFact::Known("ATA");
  d.firmware = ProbeFact::Unknown("permission denied: /sys/block/sda/device/rev");
  d.serial_sha256 = ProbeFact::Known(std::string(64, 'a'));
  d.rotational = ProbeFact::Known("0");
  d.logical_block_size_bytes = ProbeFact::Known("512");
  d.physical_block_size_bytes = ProbeFact::Known("4096");
  d.write_cache = ProbeFact::Known("write back");
  d.fua = ProbeFact::Known("1");
  d.scheduler = ProbeFact::Known("mq-deadline");
  d.nr_requests = ProbeFact::Known("64");
  d.nvme_vwc_present = ProbeFact::NotApplicable("not an NVMe device");
  d.nvme_vwc_enabled = ProbeFact::NotApplicable("not an NVMe device");
  d.scsi_cache_type = ProbeFact::Known("write back");
  return d;
}

ProbeResult Sample() {
  ProbeResult p;
  p.path = "/mnt/data/new";
  p.resolved_path = "/mnt/data/new";
  p.backend_kind = "local-block";
  p.backend_detail = "xfs on dm-0 (dm) -> sda (scsi)";
  p.filesystem.type = ProbeFact::Known("xfs");
  p.filesystem.magic_hex = "0x58465342";
  p.filesystem.mount_point = ProbeFact::Known("/mnt/data");
  p.filesystem.mount_source = ProbeFact::Known("/dev/mapper/vg0-data");
  p.filesystem.fs_type_mountinfo = ProbeFact::Known("xfs");
  p.filesystem.mount_options = ProbeFact::Known("rw,relatime");
  p.filesystem.super_options = ProbeFact::Known("rw,attr2,inode64");
  p.filesystem.fuse_subtype = ProbeFact::NotApplicable("not a FUSE mount (type xfs)");
  p.filesystem.durability_options = {"wsync"};
  DeviceFacts dm;
  dm.name = "dm-0";
  dm.dev_path = "/dev/dm-0";
  dm.major_minor = "253:0";
  dm.transport = "dm";
  dm.detail = "name vg0-data, LVM";
  for (const DeviceFactField& f : DeviceFactFields()) {
    dm.*f.member = ProbeFact::NotApplicable("dm is a virtual device");
  }
  dm.write_cache = ProbeFact::Known("write back");
  for (const ReplicationFactField& f : ReplicationFactFields()) {
    p.replication.*f.member = ProbeFact::NotApplicable("not a replicated network backend");
  }
  p.devices = {dm, Disk()};
  p.notes = {"/mnt/data/new does not exist; probed its nearest existing parent /mnt/data"};
  return p;
}

void ExpectSameFact(const ProbeFact& a, const ProbeFact& b, const std::string& what) {
  EXPECT_EQ(a.value, b.value) << what;
  EXPECT_EQ(a.unknown, b.unknown) << what;
}

void ExpectSame(const ProbeResult& a, const ProbeResult& b) {
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.resolved_path, b.resolved_path);
  EXPECT_EQ(a.is_block_device, b.is_block_device);
  EXPECT_EQ(a.backend_kind, b.backend_kind);
  EXPECT_EQ(a.backend_detail, b.backend_detail);
  EXPECT_EQ(a.filesystem.magic_hex, b.filesystem.magic_hex);
  EXPECT_EQ(a.filesystem.durability_options, b.filesystem.durability_options);
  for (const FilesystemFactField& f : FilesystemFactFields()) {
    ExpectSameFact(a.filesystem.*f.member, b.filesystem.*f.member, f.name);
  }
  for (const ReplicationFactField& f : ReplicationFactFields()) {
    ExpectSameFact(a.replication.*f.member, b.replication.*f.member, f.name);
  }
  ASSERT_EQ(a.devices.size(), b.devices.size());
  for (size_t i = 0; i < a.devices.size(); ++i) {
    const DeviceFacts& x = a.devices[i];
    const DeviceFacts& y = b.devices[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.dev_path, y.dev_path);
    EXPECT_EQ(x.major_minor, y.major_minor);
    EXPECT_EQ(x.transport, y.transport);
    EXPECT_EQ(x.reached_by, y.reached_by);
    EXPECT_EQ(x.reached_from, y.reached_from);
    EXPECT_EQ(x.detail, y.detail);
    EXPECT_EQ(x.loop_backing_file, y.loop_backing_file);
    for (const DeviceFactField& f : DeviceFactFields()) {
      ExpectSameFact(x.*f.member, y.*f.member, x.name + "." + f.name);
    }
  }
  EXPECT_EQ(a.notes, b.notes);
}

TEST(ProbeJson, KnownFactsAreTypedValues) {
  const Json j = ProbeToJson(Sample());
  const Json& sda = j["devices"][1];
  EXPECT_EQ(sda["logical_block_size_bytes"], 512);
  EXPECT_EQ(sda["physical_block_size_bytes"], 4096);
  EXPECT_EQ(sda["nr_requests"], 64);
  EXPECT_EQ(sda["rotational"], false);
  EXPECT_EQ(sda["fua"], true);
  EXPECT_EQ(sda["write_cache"], "write back");
  EXPECT_EQ(sda["scsi_cache_type"], "write back");
  EXPECT_EQ(j["filesystem"]["type"], "xfs");
  EXPECT_EQ(j["filesystem"]["durability_options"], Json::array({"wsync"}));
  EXPECT_EQ(j["is_block_device"], false);
}

TEST(ProbeJson, UnknownFactsAreNullWithTheirReasonBeside) {
  const Json j = ProbeToJson(Sample());
  const Json& sda = j["devices"][1];
  EXPECT_TRUE(sda["firmware"].is_null());
  EXPECT_TRUE(sda["nvme_vwc_present"].is_null());
  EXPECT_EQ(sda["unknown"]["firmware"], "permission denied: /sys/block/sda/device/rev");
  EXPECT_EQ(sda["unknown"]["nvme_vwc_present"], "not applicable: not an NVMe device");
  // Exactly the unknown facts are listed, nothing else.
  EXPECT_EQ(sda["unknown"].size(), 3u);
  EXPECT_FALSE(sda["unknown"].contains("model"));
  EXPECT_EQ(j["filesystem"]["unknown"].size(), 1u);
  EXPECT_TRUE(j["filesystem"]["fuse_subtype"].is_null());
  EXPECT_EQ(j["devices"][0]["unknown"].size(), DeviceFactFields().size() - 1);
}

TEST(ProbeJson, RoundTrip) {
  const ProbeResult in = Sample();
  Result<ProbeResult> out = ProbeFromJson(ProbeToJson(in));
  ASSERT_TRUE(out.ok()) << out.status().message();
  ExpectSame(in, *out);
}

TEST(ProbeJson, GlusterReplicationRoundTripsWithATypedReplicaCount) {
  ProbeResult in = Sample();
  in.backend_kind = "glusterfs-fuse";
  in.replication.system = ProbeFact::Known("glusterfs");
  in.replication.volume = ProbeFact::Known("dbrep3");
  in.replication.volume_type = ProbeFact::Known("replicate");
  in.replication.replica_count = ProbeFact::Known("3");
  in.replication.min_size = ProbeFact::NotApplicable("Gluster volumes have no min_size");
  const Json j = ProbeToJson(in);
  EXPECT_EQ(j["replication"]["replica_count"], 3);
  EXPECT_EQ(j["replication"]["volume"], "dbrep3");
  EXPECT_TRUE(j["replication"]["min_size"].is_null());
  EXPECT_THAT(j["replication"]["unknown"]["min_size"].get<std::string>(), HasSubstr("no min_size"));
  Result<ProbeResult> out = ProbeFromJson(j);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ExpectSame(in, *out);
}

TEST(ProbeJson, RoundTripThroughTextAndPlainJson) {
  const ProbeResult in = Sample();
  const std::string text = ProbeToJson(in).dump(2);
  const nlohmann::json plain = nlohmann::json::parse(text);  // what a generic reader holds
  Result<ProbeResult> out = ProbeFromJson(plain);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ExpectSame(in, *out);
}

TEST(ProbeJson, EmptyProbeRoundTrips) {
  Result<ProbeResult> out = ProbeFromJson(ProbeToJson(ProbeResult{}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->devices.empty());
  EXPECT_EQ(out->filesystem.type.unknown, "");  // a default ProbeFact is known-empty
}

TEST(ProbeJson, ReaderIsLenientOnAbsenceAndIgnoresNewKeys) {
  Json j = ProbeToJson(Sample());
  j["devices"][1].erase("model");
  j["devices"][1]["unknown"].erase("firmware");
  j["devices"][1]["future_fact"] = 7;
  j.erase("filesystem");
  j.erase("replication");  // results written before the probe read replication
  Result<ProbeResult> out = ProbeFromJson(j);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->devices[1].model.unknown, "not recorded");
  EXPECT_EQ(out->devices[1].firmware.unknown, "no reason recorded");
  EXPECT_EQ(out->filesystem.type.unknown, "not recorded");
  EXPECT_EQ(out->replication.replica_count.unknown, "not recorded");
}

TEST(ProbeJson, ReaderRejectsWrongTypesNamingTheKey) {
  auto error = [](const std::function<void(Json&)>& damage) {
    Json j = ProbeToJson(Sample());
    damage(j);
    Result<ProbeResult> r = ProbeFromJson(j);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_THAT(error([](Json& j) { j["devices"][1]["fua"] = 1; }),
              HasSubstr("devices[1].fua: expected a boolean, a string or null, got a number"));
  EXPECT_THAT(error([](Json& j) { j["devices"][0]["logical_block_size_bytes"] = -1; }),
              HasSubstr("devices[0].logical_block_size_bytes: expected a non-negative integer"));
  EXPECT_THAT(error([](Json& j) { j["devices"][1]["model"] = 5; }),
              HasSubstr("devices[1].model: expected a string or null"));
  EXPECT_THAT(error([](Json& j) { j["devices"][1]["unknown"]["firmware"] = 1; }),
              HasSubstr("devices[1].unknown.firmware: expected a string"));
  EXPECT_THAT(error([](Json& j) { j["devices"] = "sda"; }),
              HasSubstr("devices: expected an array, got a string"));
  EXPECT_THAT(error([](Json& j) { j["devices"][0] = 3; }),
              HasSubstr("devices[0]: expected an object"));
  EXPECT_THAT(error([](Json& j) { j["filesystem"]["durability_options"] = {1}; }),
              HasSubstr("filesystem.durability_options[0]: expected a string"));
  EXPECT_THAT(error([](Json& j) { j["is_block_device"] = "no"; }),
              HasSubstr("is_block_device: expected a boolean"));
  EXPECT_THAT(error([](Json& j) { j = Json::array(); }), HasSubstr("probe: expected an object"));
}

}  // namespace
}  // namespace durabench
