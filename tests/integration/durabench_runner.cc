#include "durabench_runner.h"

#include <sstream>

namespace durabench::testing {

std::map<std::string, uint64_t> ReadShimCounts(const std::string& path) {
  std::map<std::string, uint64_t> counts;
  std::istringstream in(ReadFile(path));
  std::string name;
  uint64_t n;
  while (in >> name >> n) counts[name] = n;
  return counts;
}

nlohmann::json LoadJson(const std::string& path) {
  std::string text = ReadFile(path);
  EXPECT_FALSE(text.empty()) << path;
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "bad JSON in " << path << ": " << e.what();
    return {};
  }
}

namespace {

void ExpectLatency(const nlohmann::json& lat, const std::string& where) {
  for (const char* k : {"min", "max", "mean", "stddev"}) {
    EXPECT_TRUE(lat.contains(k) && lat[k].is_number()) << where << ".lat_ns." << k;
  }
  ASSERT_TRUE(lat.contains("percentiles")) << where;
  for (const char* p : {"50", "90", "99", "99.9", "99.99"}) {
    EXPECT_TRUE(lat["percentiles"].contains(p) && lat["percentiles"][p].is_number_unsigned())
        << where << " percentile " << p;
  }
  if (lat["percentiles"].contains("50")) {
    EXPECT_LE(lat["min"].get<double>(), lat["percentiles"]["50"].get<double>()) << where;
    EXPECT_LE(lat["percentiles"]["99.99"].get<double>(), lat["max"].get<double>()) << where;
  }
  ASSERT_TRUE(lat.contains("histogram")) << where;
  const auto& h = lat["histogram"];
  EXPECT_TRUE(h["sub_bucket_bits"].is_number_integer()) << where;
  EXPECT_TRUE(h["max_exponent"].is_number_integer()) << where;
  EXPECT_TRUE(h["overflow"].is_number_unsigned()) << where;
  ASSERT_TRUE(h["bins"].is_array()) << where;
  uint64_t total = h["overflow"].get<uint64_t>();
  uint64_t prev_hi = 0;
  for (const auto& b : h["bins"]) {
    ASSERT_TRUE(b.is_array() && b.size() == 3) << where;
    EXPECT_LE(b[0].get<uint64_t>(), b[1].get<uint64_t>()) << where;
    EXPECT_GE(b[0].get<uint64_t>(), prev_hi) << where << ": bins ascending, disjoint";
    EXPECT_GT(b[2].get<uint64_t>(), 0u) << where << ": only non-empty bins";
    prev_hi = b[1].get<uint64_t>() + 1;
    total += b[2].get<uint64_t>();
  }
  (void)total;
}

}  // namespace

void ExpectValidResult(const nlohmann::json& j) {
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["tool"]["name"], "durabench");
  EXPECT_TRUE(j["tool"]["version"].is_string());
  EXPECT_TRUE(j["started_at"].is_string());
  EXPECT_TRUE(j["command"].is_array());
  for (const char* k : {"hostname", "kernel", "machine", "cpu_model"}) {
    EXPECT_TRUE(j["host"][k].is_string()) << "host." << k;
  }
  EXPECT_TRUE(j["host"]["cpus"].is_number_unsigned());
  EXPECT_TRUE(j["target"]["path"].is_string());
  EXPECT_TRUE(j["target"]["kind"].is_string());
  ASSERT_TRUE(j["probe"].is_object());
  EXPECT_TRUE(j["probe"]["backend_kind"].is_string());
  EXPECT_TRUE(j["probe"]["filesystem"].is_object());
  EXPECT_TRUE(j["probe"]["devices"].is_array());
  EXPECT_TRUE(j["workload"]["name"].is_string());
  EXPECT_TRUE(j["workload"]["phases"].is_array());
  EXPECT_TRUE(j["errors"].is_array());
  ASSERT_TRUE(j["phases"].is_array());
  for (const auto& phase : j["phases"]) {
    ASSERT_TRUE(phase["name"].is_string());
    const std::string name = phase["name"];
    EXPECT_TRUE(phase["measured_ns"].is_number_unsigned()) << name;
    EXPECT_TRUE(phase["iops"].is_number()) << name;
    EXPECT_TRUE(phase["spec"].is_object()) << name;
    ASSERT_TRUE(phase["ops"].is_object()) << name;
    for (const auto& [kind, op] : phase["ops"].items()) {
      EXPECT_TRUE(kind == "read" || kind == "write" || kind == "flush" || kind == "commit") << kind;
      const std::string where = name + ".ops." + kind;
      for (const char* k : {"count", "bytes", "errors"}) {
        EXPECT_TRUE(op[k].is_number_unsigned()) << where << "." << k;
      }
      EXPECT_TRUE(op["iops"].is_number()) << where;
      ExpectLatency(op["lat_ns"], where);
      uint64_t binned = op["lat_ns"]["histogram"]["overflow"].get<uint64_t>();
      for (const auto& b : op["lat_ns"]["histogram"]["bins"]) binned += b[2].get<uint64_t>();
      EXPECT_EQ(binned, op["count"].get<uint64_t>()) << where << ": bins add up to count";
    }
    ASSERT_TRUE(phase["time_series"].is_object()) << name;
    EXPECT_TRUE(phase["time_series"]["interval_ns"].is_number_unsigned()) << name;
    ASSERT_TRUE(phase["time_series"]["intervals"].is_array()) << name;
    for (const auto& iv : phase["time_series"]["intervals"]) {
      EXPECT_TRUE(iv["start_ns"].is_number_unsigned());
      for (const auto& [kind, s] : iv["ops"].items()) {
        for (const char* k : {"count", "bytes", "p50_ns", "p99_ns", "max_ns"}) {
          EXPECT_TRUE(s[k].is_number_unsigned()) << name << " interval " << kind << "." << k;
        }
      }
    }
    EXPECT_TRUE(phase["errors"].is_array()) << name;
  }
}

}  // namespace durabench::testing
