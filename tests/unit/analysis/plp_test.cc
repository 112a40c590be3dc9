#include "analysis/plp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analysis/plp_json.h"
#include "phase_builder.h"

namespace durabench {
namespace {

using ::testing::HasSubstr;
using testing::MakePhase;

constexpr uint64_t kUs = 1000;
constexpr uint64_t kMs = 1000 * 1000;

// The four plp-probe phases: plain write `w`, fdatasync flush `f`, and O_DSYNC / RWF_DSYNC
// writes costing `dsync`.
std::vector<PhaseResult> Probe(uint64_t w, uint64_t f, uint64_t dsync) {
  return {MakePhase("write", SyncMethod::kNone, w, 0, 0),
          MakePhase("fdatasync", SyncMethod::kFdatasync, w, f, w + f),
          MakePhase("odsync", SyncMethod::kOdsync, dsync, 0, dsync),
          MakePhase("rwf_dsync", SyncMethod::kRwfDsync, dsync, 0, dsync)};
}

ProbeResult Device(const std::string& write_cache, const std::string& transport = "nvme") {
  ProbeResult p;
  p.backend_kind = "local-block";
  DeviceFacts d;
  d.name = "nvme0n1";
  d.transport = transport;
  d.write_cache =
      write_cache.empty() ? ProbeFact::Unknown("not present") : ProbeFact::Known(write_cache);
  p.devices.push_back(d);
  return p;
}

TEST(Plp, CostlyFlushOnVolatileCache) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 2 * kMs, 2 * kMs), Device("write back"));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushCostly);
  EXPECT_EQ(a->evidence.primary_method, "fdatasync");
  EXPECT_NEAR(static_cast<double>(a->evidence.methods[0].penalty_p50_ns), 2e6, 2e6 * 0.02);
  EXPECT_NEAR(static_cast<double>(a->evidence.methods[0].flush_p50_ns), 2e6, 2e6 * 0.02);
  EXPECT_THAT(a->headline, HasSubstr("flush costly"));
  // The verdict says what it means in numbers: about 1e9 / 2.02 ms durable writes per second.
  EXPECT_THAT(a->explanation[1], HasSubstr("durable writes/s"));
}

TEST(Plp, FreeFlushWithoutReportedCache) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 15 * kUs, 30 * kUs), Device("write through"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushFree);
  EXPECT_STREQ(PlpVerdictName(a->verdict), "flush-free");
  // A free flush never proves durability: the verdict points to the power-cut test.
  bool points = false;
  for (const std::string& s : a->explanation) points |= s.find("power-cut") != std::string::npos;
  EXPECT_TRUE(points);
}

TEST(Plp, FreeFlushOnReportedWriteBackIsSuspicious) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 15 * kUs, 30 * kUs), Device("write back"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kSuspicious);
  EXPECT_TRUE(a->evidence.reports_volatile_cache);
  EXPECT_THAT(a->headline, HasSubstr("reports a volatile write cache"));
}

TEST(Plp, NvmeVwcEnabledCountsAsVolatileCache) {
  ProbeResult probe = Device("");
  probe.devices[0].nvme_vwc_enabled = ProbeFact::Known("1");
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 15 * kUs, 30 * kUs), probe);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kSuspicious);
}

TEST(Plp, MethodsThatDisagreeAreSuspicious) {
  // fdatasync costs 2 ms, O_DSYNC nothing: one of them skips the media.
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 2 * kMs, 22 * kUs), Device("write through"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kSuspicious);
  EXPECT_THAT(a->headline, HasSubstr("disagree"));
  EXPECT_THAT(a->headline, HasSubstr("fdatasync"));
}

TEST(Plp, FuaCheaperButStillCostlyIsNotADisagreement) {
  // A FUA write that costs 600 us while a full flush costs 2 ms: both reach the media.
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 2 * kMs, 620 * kUs), Device("write back"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushCostly);
}

TEST(Plp, SlowWritesAreReported) {
  // Write-through: every write costs 2 ms, the flush nothing more.
  Result<PlpAssessment> a = AssessPlp(Probe(2 * kMs, 10 * kUs, 2 * kMs), Device("write through"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushFree);
  bool slow = false;
  for (const std::string& s : a->explanation)
    slow |= s.find("Plain writes are slow") != std::string::npos;
  EXPECT_TRUE(slow);
}

TEST(Plp, RamBackendSaysNothingIsDurable) {
  ProbeResult probe;
  probe.backend_kind = "tmpfs";
  Result<PlpAssessment> a = AssessPlp(Probe(2 * kUs, 1 * kUs, 2 * kUs), probe);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushFree);
  bool ram = false;
  for (const std::string& s : a->explanation) ram |= s.find("lives in RAM") != std::string::npos;
  EXPECT_TRUE(ram);
}

TEST(Plp, FallsBackToTheFirstDurableMethodWithoutFdatasync) {
  std::vector<PhaseResult> phases = Probe(20 * kUs, 2 * kMs, 2 * kMs);
  phases.erase(phases.begin() + 1);
  Result<PlpAssessment> a = AssessPlp(phases, Device("write back"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->evidence.primary_method, "odsync");
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushCostly);
}

TEST(Plp, NeedsABaselineAndADurablePhase) {
  std::vector<PhaseResult> phases = Probe(20 * kUs, 2 * kMs, 2 * kMs);
  Result<PlpAssessment> a = AssessPlp({phases[1], phases[2]}, Device("write back"));
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("baseline"));
  a = AssessPlp({phases[0]}, Device("write back"));
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("no durable write phase"));
}

TEST(Plp, PenaltyNeverNegative) {
  // O_DSYNC writes measured faster than plain writes (noise): penalty 0, not a wrap-around.
  Result<PlpAssessment> a = AssessPlp(Probe(30 * kUs, 5 * kUs, 20 * kUs), Device("write through"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->evidence.methods[1].penalty_p50_ns, 0u);
}

TEST(PlpJson, CarriesVerdictEvidenceAndThresholds) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 2 * kMs, 2 * kMs), Device("write back"));
  ASSERT_TRUE(a.ok());
  nlohmann::ordered_json j = PlpToJson(*a);
  EXPECT_EQ(j["verdict"], "flush-costly");
  EXPECT_EQ(j["evidence"]["primary_method"], "fdatasync");
  EXPECT_EQ(j["evidence"]["methods"].size(), 3u);
  EXPECT_EQ(j["evidence"]["methods"][0]["sync"], "fdatasync");
  EXPECT_TRUE(j["evidence"]["methods"][1]["flush_p50_ns"].is_null());
  EXPECT_EQ(j["evidence"]["facts"]["write_cache"], "write back");
  EXPECT_TRUE(j["evidence"]["facts"]["nvme_vwc_present"].is_null());
  EXPECT_EQ(j["evidence"]["thresholds"]["flush_costly_penalty_ns"], kFlushCostlyPenaltyNs);
  EXPECT_GT(j["evidence"]["write_p50_ns"].get<uint64_t>(), 0u);
}

PlpAuditResult Cut(const std::string& verdict, uint64_t acked, uint64_t lost, uint64_t corrupt) {
  PlpAuditResult r;
  r.source = "cut.json";
  r.verdict = verdict;
  r.acknowledged_writes = acked;
  r.lost_writes = lost;
  r.corrupt = corrupt;
  return r;
}

TEST(PlpAudits, KeptCutsAreSaidInTheHeadline) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 15 * kUs, 30 * kUs), Device("write through"));
  ASSERT_TRUE(a.ok());
  FoldAudits({Cut("kept", 1000, 0, 0), Cut("kept", 2000, 0, 0)}, &*a);
  EXPECT_EQ(a->verdict, PlpVerdict::kFlushFree);
  EXPECT_EQ(a->headline, "flush-free, and kept every acknowledged write across 2 cuts");
  EXPECT_THAT(a->explanation[0], HasSubstr("all 3000 acknowledged writes survived"));
  EXPECT_FALSE(a->LostAcknowledgedWrites());
  const nlohmann::ordered_json j = PlpToJson(*a);
  ASSERT_EQ(j["evidence"]["audits"].size(), 2u);
  EXPECT_EQ(j["evidence"]["lost_acknowledged_writes"], false);
}

TEST(PlpAudits, ALossMakesAFreeFlushALie) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 15 * kUs, 30 * kUs), Device("write through"));
  ASSERT_TRUE(a.ok());
  FoldAudits({Cut("kept", 1000, 0, 0), Cut("lost-acknowledged-writes", 900, 211, 0)}, &*a);
  EXPECT_EQ(a->headline,
            "flush-free but LOST acknowledged writes in 1 of 2 cuts: the drive lies about flushes");
  EXPECT_THAT(a->explanation[0], HasSubstr("211 of 1900 acknowledged writes were gone"));
  EXPECT_TRUE(a->LostAcknowledgedWrites());
  EXPECT_EQ(PlpToJson(*a)["evidence"]["lost_acknowledged_writes"], true);
}

TEST(PlpAudits, TornBlocksWithoutLossAreSaid) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 2 * kMs, 2 * kMs), Device("write back"));
  ASSERT_TRUE(a.ok());
  FoldAudits({Cut("corrupt", 500, 0, 1)}, &*a);
  EXPECT_THAT(a->headline, HasSubstr("kept every acknowledged write across 1 cut, but returned 1 "
                                     "torn or misplaced block"));
  EXPECT_FALSE(a->LostAcknowledgedWrites());
}

TEST(PlpAudits, NoAuditsChangeNothing) {
  Result<PlpAssessment> a = AssessPlp(Probe(20 * kUs, 15 * kUs, 30 * kUs), Device("write through"));
  ASSERT_TRUE(a.ok());
  const std::string headline = a->headline;
  FoldAudits({}, &*a);
  EXPECT_EQ(a->headline, headline);
  EXPECT_FALSE(PlpToJson(*a)["evidence"].contains("audits"));
}

}  // namespace
}  // namespace durabench
