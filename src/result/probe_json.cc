#include "result/probe_json.h"

#include <charconv>
#include <cstdint>

namespace durabench {
namespace {

Json FactToJson(const ProbeFact& fact, FactType type) {
  if (!fact.known()) return nullptr;
  if (type == FactType::kBool && (fact.value == "0" || fact.value == "1")) {
    return fact.value == "1";
  }
  if (type == FactType::kNumber) {
    uint64_t n = 0;
    const char* end = fact.value.data() + fact.value.size();
    const auto [ptr, ec] = std::from_chars(fact.value.data(), end, n);
    if (ec == std::errc() && ptr == end) return n;
  }
  return fact.value;  // validated when probed; a hand-made odd value stays readable as text
}

// Writes every fact of `fields` from `object` into `j`; returns the "unknown" object (the
// reasons), which the caller puts last.
template <typename Facts, typename Field>
Json PutFacts(const Facts& object, std::span<const Field> fields, Json* j) {
  Json unknown = Json::object();
  for (const Field& f : fields) {
    const ProbeFact& fact = object.*f.member;
    (*j)[f.name] = FactToJson(fact, f.type);
    if (!fact.known()) unknown[f.name] = fact.unknown;
  }
  return unknown;
}

Json DeviceToJson(const DeviceFacts& d) {
  Json j;
  j["name"] = d.name;
  j["dev_path"] = d.dev_path;
  j["major_minor"] = d.major_minor;
  j["transport"] = d.transport;
  j["reached_by"] = d.reached_by;
  j["reached_from"] = d.reached_from;
  j["detail"] = d.detail;
  j["loop_backing_file"] = d.loop_backing_file;
  j["unknown"] = PutFacts(d, DeviceFactFields(), &j);
  return j;
}

// --- reading --------------------------------------------------------------------------------

Status Expected(const std::string& where, const char* what, const Json& got) {
  return Status::InvalidArgument(where + ": expected " + what + ", got " + JsonTypeName(got));
}

Status GetString(const Json& j, const char* key, const std::string& ctx, std::string* out) {
  const auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  if (!it->is_string()) return Expected(ctx + key, "a string", *it);
  *out = it->get<std::string>();
  return Status::Ok();
}

Status GetStrings(const Json& j, const char* key, const std::string& ctx,
                  std::vector<std::string>* out) {
  const auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  if (!it->is_array()) return Expected(ctx + key, "an array of strings", *it);
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& v = (*it)[i];
    if (!v.is_string()) return Expected(ctx + key + "[" + std::to_string(i) + "]", "a string", v);
    out->push_back(v.get<std::string>());
  }
  return Status::Ok();
}

Status GetFact(const Json& j, const Json& unknown, const char* key, FactType type,
               const std::string& ctx, ProbeFact* out) {
  const auto it = j.find(key);
  if (it == j.end()) {
    *out = ProbeFact::Unknown("not recorded");
    return Status::Ok();
  }
  const Json& v = *it;
  if (v.is_null()) {
    const auto reason = unknown.find(key);
    if (reason != unknown.end() && !reason->is_string()) {
      return Expected(ctx + "unknown." + key, "a string", *reason);
    }
    *out = ProbeFact::Unknown(reason != unknown.end() ? reason->get<std::string>()
                                                      : std::string("no reason recorded"));
  } else if (v.is_string()) {
    *out = ProbeFact::Known(v.get<std::string>());
  } else if (type == FactType::kBool && v.is_boolean()) {
    *out = ProbeFact::Known(v.get<bool>() ? "1" : "0");
  } else if (type == FactType::kNumber && v.is_number_unsigned()) {
    *out = ProbeFact::Known(std::to_string(v.get<uint64_t>()));
  } else {
    const char* what = type == FactType::kBool     ? "a boolean, a string or null"
                       : type == FactType::kNumber ? "a non-negative integer, a string or null"
                                                   : "a string or null";
    return Expected(ctx + key, what, v);
  }
  return Status::Ok();
}

template <typename Facts, typename Field>
Status GetFacts(const Json& j, std::span<const Field> fields, const std::string& ctx,
                Facts* object) {
  static const Json kNoReasons = Json::object();
  const auto it = j.find("unknown");
  if (it != j.end() && !it->is_object()) return Expected(ctx + "unknown", "an object", *it);
  const Json& unknown = it != j.end() ? *it : kNoReasons;
  for (const Field& f : fields) {
    DURABENCH_RETURN_IF_ERROR(GetFact(j, unknown, f.name, f.type, ctx, &(object->*f.member)));
  }
  return Status::Ok();
}

Status DeviceFromJson(const Json& j, const std::string& ctx, DeviceFacts* d) {
  if (!j.is_object()) return Expected(ctx.substr(0, ctx.size() - 1), "an object", j);
  for (auto [key, out] : {std::pair{"name", &d->name},
                          {"dev_path", &d->dev_path},
                          {"major_minor", &d->major_minor},
                          {"transport", &d->transport},
                          {"reached_by", &d->reached_by},
                          {"reached_from", &d->reached_from},
                          {"detail", &d->detail},
                          {"loop_backing_file", &d->loop_backing_file}}) {
    DURABENCH_RETURN_IF_ERROR(GetString(j, key, ctx, out));
  }
  return GetFacts(j, DeviceFactFields(), ctx, d);
}

}  // namespace

Json ProbeToJson(const ProbeResult& p) {
  Json j;
  j["path"] = p.path;
  j["resolved_path"] = p.resolved_path;
  j["is_block_device"] = p.is_block_device;
  j["backend_kind"] = p.backend_kind;
  j["backend_detail"] = p.backend_detail;
  Json fs;
  Json unknown = PutFacts(p.filesystem, FilesystemFactFields(), &fs);
  fs["magic_hex"] = p.filesystem.magic_hex;
  fs["durability_options"] = p.filesystem.durability_options;
  fs["unknown"] = std::move(unknown);
  j["filesystem"] = std::move(fs);
  Json replication;
  Json replication_unknown = PutFacts(p.replication, ReplicationFactFields(), &replication);
  replication["unknown"] = std::move(replication_unknown);
  j["replication"] = std::move(replication);
  Json devices = Json::array();
  for (const DeviceFacts& d : p.devices) devices.push_back(DeviceToJson(d));
  j["devices"] = std::move(devices);
  j["notes"] = p.notes;
  return j;
}

Result<ProbeResult> ProbeFromJson(const Json& j) {
  if (!j.is_object()) return Expected("probe", "an object", j);
  ProbeResult p;
  for (auto [key, out] : {std::pair{"path", &p.path},
                          {"resolved_path", &p.resolved_path},
                          {"backend_kind", &p.backend_kind},
                          {"backend_detail", &p.backend_detail}}) {
    DURABENCH_RETURN_IF_ERROR(GetString(j, key, "", out));
  }
  if (const auto it = j.find("is_block_device"); it != j.end()) {
    if (!it->is_boolean()) return Expected("is_block_device", "a boolean", *it);
    p.is_block_device = it->get<bool>();
  }
  if (const auto it = j.find("filesystem"); it != j.end()) {
    if (!it->is_object()) return Expected("filesystem", "an object", *it);
    DURABENCH_RETURN_IF_ERROR(GetString(*it, "magic_hex", "filesystem.", &p.filesystem.magic_hex));
    DURABENCH_RETURN_IF_ERROR(
        GetStrings(*it, "durability_options", "filesystem.", &p.filesystem.durability_options));
    DURABENCH_RETURN_IF_ERROR(GetFacts(*it, FilesystemFactFields(), "filesystem.", &p.filesystem));
  } else {
    for (const FilesystemFactField& f : FilesystemFactFields()) {
      p.filesystem.*f.member = ProbeFact::Unknown("not recorded");
    }
  }
  if (const auto it = j.find("replication"); it != j.end()) {
    if (!it->is_object()) return Expected("replication", "an object", *it);
    DURABENCH_RETURN_IF_ERROR(
        GetFacts(*it, ReplicationFactFields(), "replication.", &p.replication));
  } else {
    for (const ReplicationFactField& f : ReplicationFactFields()) {
      p.replication.*f.member = ProbeFact::Unknown("not recorded");
    }
  }
  if (const auto it = j.find("devices"); it != j.end()) {
    if (!it->is_array()) return Expected("devices", "an array", *it);
    for (size_t i = 0; i < it->size(); ++i) {
      DeviceFacts d;
      DURABENCH_RETURN_IF_ERROR(
          DeviceFromJson((*it)[i], "devices[" + std::to_string(i) + "].", &d));
      p.devices.push_back(std::move(d));
    }
  }
  DURABENCH_RETURN_IF_ERROR(GetStrings(j, "notes", "", &p.notes));
  return p;
}

}  // namespace durabench
