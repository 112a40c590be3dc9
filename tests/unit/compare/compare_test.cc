#include "compare/compare.h"

#include <gtest/gtest.h>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

TEST(Compare, RowsAndChangesAgainstTheReference) {
  RunShape a;
  RunShape b;
  b.commit_ns = 200'000;
  b.backend = "glusterfs-fuse";
  const RunResult ra = MakeRun(a);
  const RunResult rb = MakeRun(b);
  const Comparison c = Compare({{"A", &ra}, {"B", &rb}});
  ASSERT_EQ(c.labels.size(), 2u);
  // write, flush, commit of the one phase.
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[2].kind, OpKind::kCommit);
  const KindSummary& ka = *c.rows[2].per_input[0];
  const KindSummary& kb = *c.rows[2].per_input[1];
  EXPECT_EQ(ka.count, 10'000u);
  EXPECT_NEAR(static_cast<double>(kb.latency_ns[1]) / static_cast<double>(ka.latency_ns[1]), 2.0,
              0.02);
  // The backend and filesystem differ; nothing else does.
  std::vector<std::string> names;
  for (const FactDiff& d : c.differing_facts) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"backend", "filesystem"}));
  EXPECT_EQ(c.differing_facts[0].values[1], "glusterfs-fuse");

  const std::string text = ComparisonText(c);
  EXPECT_NE(text.find("what differs:"), std::string::npos) << text;
  EXPECT_NE(text.find("commit-path / commit"), std::string::npos);
  EXPECT_NE(text.find("+100.0%"), std::string::npos) << text;  // p50 doubled
  const std::string md = ComparisonMarkdown(c);
  EXPECT_NE(md.find("**What differs**"), std::string::npos) << md;
  EXPECT_NE(md.find("(+110.00us +100.0%)"), std::string::npos) << md;
  const Json j = ComparisonToJson(c);
  EXPECT_EQ(j["rows"].size(), 3u);
  EXPECT_NEAR(j["rows"][2]["inputs"][1]["change"]["p50_ratio"].get<double>(), 2.0, 0.02);
  EXPECT_FALSE(j["rows"][2]["inputs"][0].contains("change"));
}

TEST(Compare, PhasesMissingInSomeInputsShowAsAbsent) {
  RunShape a;
  RunShape b;
  b.phase = "other";
  const RunResult ra = MakeRun(a);
  const RunResult rb = MakeRun(b);
  const Comparison c = Compare({{"A", &ra}, {"B", &rb}});
  ASSERT_EQ(c.rows.size(), 6u);
  EXPECT_FALSE(c.rows[0].per_input[1].has_value());
  EXPECT_FALSE(c.rows[5].per_input[0].has_value());
  const std::string text = ComparisonText(c);
  EXPECT_NE(text.find("other / commit"), std::string::npos);
  EXPECT_FALSE(ComparisonToJson(c)["rows"][0]["inputs"][1].is_object());
}

TEST(Compare, ChangeText) {
  EXPECT_EQ(ChangeText(100'000, 123'000, true), "+23.00us +23.0%");
  EXPECT_EQ(ChangeText(100'000, 90'000, true), "-10.00us -10.0%");
  EXPECT_EQ(ChangeText(1000, 875, false), "-125 -12.5%");
  EXPECT_EQ(ChangeText(5, 5, false), "=");
  EXPECT_EQ(ChangeText(0, 5, false), "+5 n/a");
}

TEST(Compare, IdenticalResultsHaveNoDifferingFacts) {
  const RunResult r = MakeRun(RunShape{});
  const Comparison c = Compare({{"A", &r}, {"B", &r}, {"C", &r}});
  EXPECT_TRUE(c.differing_facts.empty());
  EXPECT_NE(ComparisonText(c).find("no differences"), std::string::npos);
}

TEST(Compare, WorkThatDiffersIsListedKeyByKey) {
  const RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(RunShape{});
  b.phases[0].spec.block_size_bytes = 8192;
  b.phases[0].spec.sync = SyncMethod::kFsync;
  const Comparison c = Compare({{"A", &a}, {"B", &b}});
  ASSERT_EQ(c.differing_work.size(), 2u);
  EXPECT_TRUE(c.differing_facts.empty());  // the same machine: only the work differs
  EXPECT_TRUE(c.warnings.empty());

  const std::string text = ComparisonText(c);
  EXPECT_NE(text.find("\nwork that differs:\n"
                      "  phase 'commit-path': block-size 4KiB vs 8KiB\n"
                      "  phase 'commit-path': sync fdatasync vs fsync\n"),
            std::string::npos)
      << text;
  const std::string md = ComparisonMarkdown(c);
  EXPECT_NE(md.find("**Work that differs**\n\n| phase | key | [0] | [1] |\n|---|---|---|---|\n"
                    "| commit-path | block_size | 4KiB | 8KiB |\n"
                    "| commit-path | sync | fdatasync | fsync |\n"),
            std::string::npos)
      << md;
  const Json j = ComparisonToJson(c);
  ASSERT_EQ(j["differing_work"].size(), 2u);
  EXPECT_EQ(j["differing_work"][0]["phase"], "commit-path");
  EXPECT_EQ(j["differing_work"][0]["key"], "block_size");
  EXPECT_EQ(j["differing_work"][0]["json_name"], "block_size_bytes");
  EXPECT_EQ(j["differing_work"][0]["values"], Json({4096, 8192}));
  EXPECT_EQ(j["differing_work"][1]["values"], Json({"fdatasync", "fsync"}));
  EXPECT_EQ(j["differing_work"][1]["text"], Json({"fdatasync", "fsync"}));
}

TEST(Compare, IdenticalWorkListsNoWork) {
  RunShape slower;
  slower.commit_ns = 300'000;  // other figures, same work
  const RunResult a = MakeRun(RunShape{});
  const RunResult b = MakeRun(slower);
  const Comparison c = Compare({{"A", &a}, {"B", &b}});
  EXPECT_TRUE(c.differing_work.empty());
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(ComparisonText(c).find("work that differs"), std::string::npos);
  EXPECT_EQ(ComparisonMarkdown(c).find("Work that differs"), std::string::npos);
  EXPECT_FALSE(ComparisonToJson(c).contains("differing_work"));
}

TEST(Compare, InputsWithoutASharedPhaseGetAWarning) {
  RunShape other;
  other.phase = "other";
  const RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(other);
  b.phases[0].spec.block_size_bytes = 8192;  // another phase: not compared with anything
  const Comparison c = Compare({{"A", &a}, {"B", &b}});
  EXPECT_TRUE(c.differing_work.empty());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("the inputs share no phase name"), std::string::npos)
      << c.warnings[0];
  // A phase that two of three inputs share is enough.
  const Comparison shared = Compare({{"A", &a}, {"B", &b}, {"C", &a}});
  EXPECT_TRUE(shared.warnings.empty());
}

}  // namespace
}  // namespace durabench
