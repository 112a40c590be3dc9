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

// p99.9 and p99.99 of 925 samples would be the largest sample under another name.
TEST(PhaseSummary, PercentilesTheCountDoesNotSupportAreLeftOut) {
  const std::string out = FormatPhaseSummary(WritePhase(0, 1, 925));
  EXPECT_NE(out.find("  write          925    1.00ms    1.00ms    1.00ms         -         -"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("- too few samples: p99.9 needs 1000, p99.99 needs 10000 (925 in the "
                     "smallest row)"),
            std::string::npos)
      << out;
  EXPECT_EQ(FormatPhaseSummary(WritePhase(0, 1, 10000)).find("too few"), std::string::npos);
}

TEST(PhaseSummary, ANoisyPhaseIsFlagged) {
  PhaseResult p = WritePhase(0, 1, 4000);
  p.interval_ns = 500'000'000;
  for (uint64_t i = 0; i < 5; ++i) {
    IntervalStats iv;
    iv.index = i;
    iv.start_ns = i * p.interval_ns;
    iv.kinds[static_cast<int>(OpKind::kWrite)].count = i % 2 == 0 ? 200 : 1400;
    iv.kinds[static_cast<int>(OpKind::kWrite)].p99_ns = 1'000'000;
    p.time_series.push_back(iv);
  }
  const std::string out = FormatPhaseSummary(p);
  EXPECT_NE(out.find("noisy: IOPS varied by 75 % (coefficient of variation) over 4 intervals of "
                     "500.00ms; write p99 from 1.00ms to 1.00ms (0 %)"),
            std::string::npos)
      << out;
  p.time_series.clear();
  EXPECT_EQ(FormatPhaseSummary(p).find("noisy"), std::string::npos);
}

// A sweep's closing table: a line per phase, and what every phase shares said once.
TEST(RunTable, OneLinePerPhaseWithTheSharedSpecInTheTitle) {
  RunResult run;
  EXPECT_EQ(FormatRunTable(run), "");
  for (SyncMethod sync : {SyncMethod::kNone, SyncMethod::kFdatasync}) {
    PhaseResult p = WritePhase(0, 1, 1000);
    p.spec.name = "main[sync=" + std::string(SyncMethodName(sync)) + "]";
    p.spec.engine = "psync";
    p.spec.pattern = Pattern::kWrite;
    p.spec.block_size_bytes = 8192;
    p.spec.sync = sync;
    if (sync != SyncMethod::kNone) {
      for (int i = 0; i < 1000; ++i)
        p.ops[static_cast<int>(OpKind::kCommit)].histogram.Record(2'000'000);
    }
    run.phases.push_back(p);
  }
  const std::string out = FormatRunTable(run);
  EXPECT_EQ(out.rfind("summary of 2 phases (psync, 8KiB, qd1, 1 job):\n", 0), 0u) << out;
  EXPECT_NE(out.find("  phase                sync                  IOPS op           p50       "
                     "p99       max\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  main[sync=none]      none                   500 write     1.00ms"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  main[sync=fdatasync] fdatasync              500 commit    2.00ms"),
            std::string::npos)
      << out;
  run.phases.pop_back();
  EXPECT_EQ(FormatRunTable(run), "") << "one phase: its block says it all";
}

}  // namespace
}  // namespace durabench
