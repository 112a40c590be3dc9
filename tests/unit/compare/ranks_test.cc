#include "compare/ranks.h"

#include <gtest/gtest.h>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

RankOutcome Rank(int rank, uint64_t commit_ns) {
  RunShape shape;
  shape.commit_ns = commit_ns;
  RankOutcome r;
  r.rank = rank;
  r.host = "node" + std::to_string(rank + 1);
  r.result = MakeRun(shape);
  r.result.workload.phases = {r.result.phases[0].spec};
  r.phase_start_ns = {1'000'000'000};
  return r;
}

TEST(Ranks, RowsPerRankAndKindWithTheSlowRankFlagged) {
  const std::vector<RankOutcome> ranks = {Rank(0, 100'000), Rank(1, 110'000), Rank(2, 300'000)};
  const std::vector<RankOpRow> rows = RankRows(ranks);
  size_t commits = 0;
  for (const RankOpRow& row : rows) {
    EXPECT_EQ(row.phase, 0u);
    EXPECT_EQ(row.count, ranks[0].result.phases[0].op(row.kind).histogram.count());
    if (row.kind != OpKind::kCommit) continue;
    ++commits;
    // p99 about 330 us against a median of about 121 us: over twice.
    EXPECT_EQ(row.straggler, row.rank == 2) << row.rank << " p99 " << row.p99_ns;
    EXPECT_EQ(row.host, "node" + std::to_string(row.rank + 1));
    EXPECT_NEAR(row.iops, 1000, 1);
  }
  EXPECT_EQ(commits, 3u);
  // Two ranks: no median to stand out from.
  for (const RankOpRow& row : RankRows({ranks[0], ranks[2]})) EXPECT_FALSE(row.straggler);
}

TEST(Ranks, StartSkewIsOnRankZerosClock) {
  std::vector<RankOutcome> ranks = {Rank(0, 100'000), Rank(1, 100'000)};
  ranks[1].clock_offset_ns = 5'000'000;  // its clock is 5 ms ahead
  ranks[1].phase_start_ns = {1'007'000'000};
  EXPECT_EQ(StartSkewNs(ranks), std::vector<int64_t>{2'000'000});
  ranks[1].phase_start_ns.clear();  // it never started the phase
  EXPECT_TRUE(StartSkewNs(ranks).empty());
}

TEST(Ranks, TheAggregateIsMergeOfTheSoundRanksOverTheirCommonPhases) {
  std::vector<RankOutcome> ranks = {Rank(0, 100'000), Rank(1, 120'000), Rank(2, 140'000)};
  Result<RunResult> all = MergeRanks(ranks);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->phases[0].op(OpKind::kCommit).histogram.count(),
            3 * ranks[0].result.phases[0].op(OpKind::kCommit).histogram.count());

  // Rank 2 failed itself: left out; rank 1 was stopped by it: kept.
  ranks[2].error = "write: Input/output error";
  ranks[1].error = "rank 2 stopped before phase 2";
  ranks[1].stopped = true;
  all = MergeRanks(ranks);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->phases[0].op(OpKind::kCommit).histogram.count(),
            2 * ranks[0].result.phases[0].op(OpKind::kCommit).histogram.count());

  ranks[0].result.phases[0].status = Status::IoError("the phase failed");
  EXPECT_FALSE(MergeRanks(ranks).ok());
}

TEST(Ranks, TheTableNamesEachRankAndWhyOneFailed) {
  std::vector<RankOutcome> ranks = {Rank(0, 100'000), Rank(1, 110'000), Rank(2, 300'000)};
  ranks[1].phase_start_ns = {1'000'250'000};
  Result<RunResult> all = MergeRanks(ranks);
  ASSERT_TRUE(all.ok());
  ranks.push_back(Rank(3, 100'000));
  ranks[3].error = "open: Permission denied";
  ranks[3].result.phases.clear();
  const std::string text = FormatRankTable(*all, ranks, RankRows(ranks));
  EXPECT_NE(text.find("commit-path / 4 ranks"), std::string::npos) << text;
  EXPECT_NE(text.find("node3"), std::string::npos) << text;
  EXPECT_NE(text.find("straggler"), std::string::npos) << text;
  EXPECT_NE(text.find("rank 3 (node4) failed: open: Permission denied"), std::string::npos) << text;
  const Json j = RanksToJson(ranks, RankRows(ranks), 1234);
  EXPECT_EQ(j["size"], 4);
  EXPECT_EQ(j["reduction_ns"], 1234);
  EXPECT_EQ(j["ranks"][3]["error"], "open: Permission denied");
}

// --stonewall: the ranks whose phase another's finishing ended are marked in their rows (text and
// JSON), and the aggregate says the phase was stonewalled.
TEST(Ranks, StonewalledRanksAreMarked) {
  std::vector<RankOutcome> ranks = {Rank(0, 100'000), Rank(1, 100'000), Rank(2, 100'000)};
  ranks[0].result.phases[0].stonewalled = true;
  ranks[2].result.phases[0].stonewalled = true;
  Result<RunResult> all = MergeRanks(ranks);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_TRUE(all->phases[0].stonewalled);
  const std::vector<RankOpRow> rows = RankRows(ranks);
  for (const RankOpRow& row : rows) EXPECT_EQ(row.stonewalled, row.rank != 1) << row.rank;
  const std::string text = FormatRankTable(*all, ranks, rows);
  size_t marks = 0;
  for (size_t at = text.find("stonewalled"); at != std::string::npos;
       at = text.find("stonewalled", at + 1)) {
    ++marks;
  }
  EXPECT_EQ(marks, 2 * rows.size() / 3) << text;
  const Json j = RanksToJson(ranks, rows, 0);
  for (const Json& row : j["rows"]) {
    EXPECT_EQ(row.value("stonewalled", false), row["rank"] != 1) << row.dump();
  }
}

}  // namespace
}  // namespace durabench
