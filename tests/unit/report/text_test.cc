// The phase summary of report/text.h: what an open-loop phase says about its rate and its
// corrected latency, and that a closed-loop phase says nothing of either.
#include "report/text.h"

#include <gtest/gtest.h>

#include <string>

namespace durabench {
namespace {

// A 2 s phase of `writes` writes of 1 ms each (5 ms from the scheduled start when open loop).
PhaseResult WritePhase(uint64_t rate_iops, uint32_t jobs, uint64_t writes) {
  PhaseResult p;
  p.spec.name = "adhoc";
  p.spec.rate_iops = rate_iops;
  p.spec.jobs = jobs;
  p.measured_ns = 2'000'000'000;
  OpStats& w = p.ops[static_cast<int>(OpKind::kWrite)];
  for (uint64_t i = 0; i < writes; ++i) {
    w.histogram.Record(1'000'000);
    if (rate_iops != 0) w.corrected.Record(5'000'000);
  }
  w.bytes = writes * 4096;
  return p;
}

TEST(PhaseSummary, AMissedRateIsStatedWithTheCorrectedRows) {
  // 2 jobs at 500/s each: 1000 IOPS asked, 1464 writes in 2 s = 732 achieved.
  const std::string out = FormatPhaseSummary(WritePhase(500, 2, 1464));
  EXPECT_NE(out.find("open loop: target 1000 IOPS (500 per job), achieved 732 (73.2 %)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warning: the target rate was missed"), std::string::npos) << out;
  EXPECT_NE(out.find("  write         1464"), std::string::npos) << out;
  EXPECT_NE(out.find("  write*        1464"), std::string::npos) << out;
  // The corrected row carries the corrected histogram's values, the raw one the raw values.
  const size_t raw = out.find("  write ");
  const size_t corrected = out.find("  write*");
  EXPECT_NE(out.substr(raw, corrected - raw).find("1.00ms"), std::string::npos) << out;
  EXPECT_NE(out.substr(corrected).find("5.00ms"), std::string::npos) << out;
  EXPECT_NE(out.find("* from the scheduled start"), std::string::npos) << out;
}

TEST(PhaseSummary, AMetRateHasNoWarning) {
  const std::string out = FormatPhaseSummary(WritePhase(1000, 1, 1990));
  EXPECT_NE(out.find("achieved 995 (99.5 %)"), std::string::npos) << out;
  EXPECT_EQ(out.find("warning"), std::string::npos) << out;
  EXPECT_NE(out.find("  write*"), std::string::npos) << out;
}

TEST(PhaseSummary, ClosedLoopSaysNothingOfRatesOrCorrection) {
  const std::string out = FormatPhaseSummary(WritePhase(0, 1, 1000));
  EXPECT_EQ(out.find("open loop"), std::string::npos) << out;
  EXPECT_EQ(out.find('*'), std::string::npos) << out;
}

}  // namespace
}  // namespace durabench
