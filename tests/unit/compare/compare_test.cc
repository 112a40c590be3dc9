#include "compare/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

std::vector<std::string> LinesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t LongestLine(const std::string& text) {
  size_t longest = 0;
  for (const std::string& line : LinesOf(text)) longest = std::max(longest, line.size());
  return longest;
}

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
                      "  phase 'commit-path': block-size, sync\n"
                      "    [0] block-size=4KiB sync=fdatasync\n"
                      "    [1] block-size=8KiB sync=fsync\n"),
            std::string::npos)
      << text;
  const std::string md = ComparisonMarkdown(c);
  EXPECT_NE(md.find("**Work that differs**\n\n| phase | key | [0] | [1] |\n|---|---|---|---|\n"
                    "| commit-path | block-size | 4KiB | 8KiB |\n"
                    "| commit-path | sync | fdatasync | fsync |\n"),
            std::string::npos)
      << md;
  // CSV: each input's line says what it ran of the keys that differ.
  const std::vector<std::string> csv = LinesOf(ComparisonCsv(c));
  ASSERT_EQ(csv.size(), 7u);  // header, write/flush/commit x 2 inputs
  EXPECT_EQ(csv[0].rfind("phase,op,input,label,differing_work,count,iops,mb_per_s,", 0), 0u);
  EXPECT_EQ(csv[1].rfind("commit-path,write,0,A,block-size=4KiB sync=fdatasync,10000,", 0), 0u)
      << csv[1];
  EXPECT_EQ(csv[2].rfind("commit-path,write,1,B,block-size=8KiB sync=fsync,10000,", 0), 0u)
      << csv[2];
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
  EXPECT_EQ(LinesOf(ComparisonCsv(c))[1].rfind("commit-path,write,0,A,,10000,", 0), 0u);
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
  EXPECT_LE(("durabench: warning: " + c.warnings[0]).size(), kCompareTextColumns);
  // Scripts reading the JSON see it too; the text (stdout) leaves it to stderr.
  EXPECT_EQ(ComparisonToJson(c)["warnings"], Json(c.warnings));
  EXPECT_EQ(ComparisonText(c).find("share no phase"), std::string::npos);
  // A phase that two of three inputs share is enough.
  const Comparison shared = Compare({{"A", &a}, {"B", &b}, {"C", &a}});
  EXPECT_TRUE(shared.warnings.empty());
}

// The keys issue 15 names (engine, pattern, block size, runtime, iodepth, jobs, direct, sync):
// each input's line holds them all, in `run`'s spelling, and each such line fits 100 columns.
TEST(Compare, TheWorkKeysAreListedInRunsSpelling) {
  const RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(RunShape{});
  PhaseSpec& spec = b.phases[0].spec;
  spec.engine = "io_uring";
  spec.pattern = Pattern::kWrite;
  spec.block_size_bytes = 8192;
  spec.runtime_ns = 1'500'000'000;
  spec.iodepth = 4;
  spec.jobs = 2;
  spec.direct = true;
  spec.sync = SyncMethod::kFsync;
  const Comparison c = Compare({{"A", &a}, {"B", &b}});
  EXPECT_EQ(InputWorkText(c.differing_work, "commit-path", 1),
            "engine=io_uring pattern=write block-size=8KiB runtime=1.50s iodepth=4 jobs=2 "
            "direct=true sync=fsync");
  const std::string text = ComparisonText(c);
  EXPECT_NE(text.find("  phase 'commit-path': engine, pattern, block-size, runtime, iodepth, jobs, "
                      "direct, sync\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    [1] engine=io_uring pattern=write block-size=8KiB runtime=1.50s "
                      "iodepth=4 jobs=2 direct=true\n"
                      "        sync=fsync\n"),
            std::string::npos)
      << text;
  EXPECT_LE(LongestLine(text), kCompareTextColumns) << text;
}

// Reads and writes move data: their bandwidth beside IOPS (MakeRun writes 4 KiB 10000 times in
// 10 s: 4.096 MB/s). Flushes and commits move none of their own: "-", and no JSON field.
TEST(Compare, BandwidthOfReadsAndWrites) {
  const RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(RunShape{});
  b.phases[0].ops[static_cast<int>(OpKind::kWrite)].bytes *= 2;
  const Comparison c = Compare({{"A", &a}, {"B", &b}});
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(c.rows[0].per_input[0]->bytes_per_s.value_or(0), 4'096'000.0);
  EXPECT_FALSE(c.rows[1].per_input[0]->bytes_per_s.has_value());  // flush

  const std::vector<std::string> text = LinesOf(ComparisonText(c));
  const auto line = [&text](const std::string& start, size_t nth) {
    for (const std::string& l : text) {
      if (l.rfind(start, 0) == 0 && nth-- == 0) return l;
    }
    return std::string();
  };
  EXPECT_NE(line("     ", 0).find("count  IOPS  bandwidth"), std::string::npos) << line("     ", 0);
  // Table rows: "[0]" padded to the width of "  vs 0" (the inputs' list has "  [0] A").
  EXPECT_NE(line("  [0]  ", 0).find("4.1 MB/s"), std::string::npos) << line("  [0]  ", 0);
  EXPECT_NE(line("  [1]  ", 0).find("8.2 MB/s"), std::string::npos) << line("  [1]  ", 0);
  EXPECT_NE(line("    vs 0", 0).find("+100.0%"), std::string::npos) << line("    vs 0", 0);
  EXPECT_NE(line("  [0]  ", 1).find("  -  "), std::string::npos) << "flush: " << line("  [0]  ", 1);
  EXPECT_NE(ComparisonText(c, true).find("+4.1 MB/s +100.0%"), std::string::npos);
  EXPECT_NE(ComparisonMarkdown(c).find("| 8.2 MB/s (+4.1 MB/s +100.0%) |"), std::string::npos)
      << ComparisonMarkdown(c);

  const Json j = ComparisonToJson(c);
  EXPECT_DOUBLE_EQ(j["rows"][0]["inputs"][0]["bytes_per_s"].get<double>(), 4'096'000.0);
  EXPECT_DOUBLE_EQ(j["rows"][0]["inputs"][1]["change"]["bytes_per_s_ratio"].get<double>(), 2.0);
  EXPECT_FALSE(j["rows"][1]["inputs"][0].contains("bytes_per_s"));
  const std::vector<std::string> csv = LinesOf(ComparisonCsv(c));
  EXPECT_NE(csv[1].find(",10000,1000.0,4.096,"), std::string::npos) << csv[1];
  EXPECT_NE(csv[3].find(",10000,1000.0,,"), std::string::npos) << "flush: " << csv[3];
}

// Long labels, facts and phase names and every key different: by default every line fits 100
// columns and nothing is lost (each word is still there); --wide keeps lines whole and shows the
// absolute changes too.
TEST(Compare, TheTextFits100ColumnsUnlessWide) {
  const std::string long_path = "/mnt/" + std::string(60, 'd') + "/a,b/" + std::string(70, 'e');
  const std::string long_phase =
      "main[sync=fdatasync,block_size=4KiB,iodepth=16,jobs=4," + std::string(60, 'x') + "]";
  RunShape slow;
  slow.commit_ns = 200'000;
  RunResult a = MakeRun(RunShape{});
  RunResult b = MakeRun(slow);
  for (RunResult* r : {&a, &b}) r->phases[0].spec.name = long_phase;
  b.target.path = long_path;
  b.phases[0].spec.pattern = Pattern::kRandRW;  // every key of the table differs
  b.phases[0].spec.read_percent = 30;
  b.phases[0].spec.engine = "io_uring";
  b.phases[0].spec.block_size_bytes = 1'500'000;
  b.phases[0].spec.size_bytes = 3'000'000'000;
  b.phases[0].spec.runtime_ns = 1'234'567'891;
  b.phases[0].spec.ops = 123'456'789;
  b.phases[0].spec.ramp_ns = 987'654'321;
  b.phases[0].spec.iodepth = 64;
  b.phases[0].spec.jobs = 16;
  b.phases[0].spec.direct = true;
  b.phases[0].spec.sync = SyncMethod::kFsync;
  b.phases[0].spec.fsync_every = 32;
  b.phases[0].spec.rate_iops = 250'000;
  b.phases[0].spec.sqpoll = true;
  b.phases[0].spec.fill = false;
  b.phases[0].spec.cpus = "0-3,8-11";
  const std::string long_label = "a-result-file-with-a-long-name.json (" + long_path + ", tmpfs)";
  const Comparison c = Compare({{"A", &a}, {long_label, &b}});

  const std::string text = ComparisonText(c);
  EXPECT_LE(LongestLine(text), kCompareTextColumns) << text;
  std::string joined;  // the text without line breaks and indentation
  for (const std::string& l : LinesOf(text)) {
    if (!l.empty()) joined += l.substr(l.find_first_not_of(' ')) + " ";
  }
  for (const std::string& part : {std::string(60, 'd'), std::string(70, 'e'), std::string(60, 'x'),
                                  std::string("cpus=0-3,8-11"), std::string("read-percent=30")}) {
    EXPECT_NE(joined.find(part), std::string::npos) << part << " lost:\n" << text;
  }
  EXPECT_EQ(text.find("+110.00us"), std::string::npos) << "absolute changes only with wide";

  const std::string wide = ComparisonText(c, true);
  EXPECT_GT(LongestLine(wide), kCompareTextColumns);
  EXPECT_NE(wide.find("  [1] " + long_label + "\n"), std::string::npos) << wide;
  EXPECT_NE(wide.find("+110.00us +100.0%"), std::string::npos) << wide;  // commit p50
}

// A phase with faults gets a table of its own after its op kinds: stall, I/O back, recovery,
// failed, worst latency against the reference; a rate that never came back is "none", with no
// change against a time; an input without faults in that phase shows "-".
TEST(Compare, StallAndRecoverySideBySide) {
  using testing::WithChaos;
  const RunResult a = WithChaos(MakeRun(RunShape{}), 6'000'000'000, 8'000'000'000);
  const RunResult b = WithChaos(MakeRun(RunShape{}), 9'000'000'000, std::nullopt);
  const RunResult plain = MakeRun(RunShape{});
  const Comparison c = Compare({{"A", &a}, {"B", &b}, {"C", &plain}});
  ASSERT_EQ(c.chaos_rows.size(), 1u);
  const ChaosRow& row = c.chaos_rows[0];
  EXPECT_EQ(row.phase, "commit-path");
  ASSERT_EQ(row.per_input.size(), 3u);
  EXPECT_EQ(row.per_input[0]->stall_ns, 6'000'000'000u);
  EXPECT_EQ(row.per_input[0]->io_back_ns, 6'000'001'000u);
  EXPECT_EQ(row.per_input[1]->recovery_ns, std::nullopt);
  EXPECT_FALSE(row.per_input[2].has_value());

  const std::string text = ComparisonText(c, true);
  const size_t faults = text.find("commit-path / faults");
  ASSERT_NE(faults, std::string::npos) << text;
  EXPECT_GT(faults, text.find("commit-path / commit")) << "after the phase's op kinds:\n" << text;
  const std::vector<std::string> lines = LinesOf(text.substr(faults));
  ASSERT_GE(lines.size(), 6u) << text;
  for (const char* col : kChaosColumns) EXPECT_NE(lines[1].find(col), std::string::npos) << text;
  EXPECT_NE(lines[2].find("6.00s"), std::string::npos) << text;
  EXPECT_NE(lines[2].find("8.00s"), std::string::npos) << text;
  EXPECT_NE(lines[3].find("none"), std::string::npos) << text;           // B's recovery
  EXPECT_NE(lines[4].find("+3.00s +50.0%"), std::string::npos) << text;  // B's stall vs A's
  EXPECT_EQ(lines[5].find("[2]"), 2u) << text;
  EXPECT_NE(lines[5].find(" -"), std::string::npos) << text;  // C had no faults
  EXPECT_LE(LongestLine(ComparisonText(c)), kCompareTextColumns);

  const std::string md = ComparisonMarkdown(c);
  EXPECT_NE(md.find("**commit-path / faults**"), std::string::npos) << md;
  EXPECT_NE(md.find("| 9.00s (+3.00s +50.0%) |"), std::string::npos) << md;

  const Json j = ComparisonToJson(c);
  ASSERT_EQ(j["chaos_rows"].size(), 1u);
  const Json& in = j["chaos_rows"][0]["inputs"];
  EXPECT_EQ(in[0]["recovery_ns"], 8'000'000'000u);
  EXPECT_TRUE(in[1]["recovery_ns"].is_null());
  EXPECT_TRUE(in[1]["change"]["recovery_ns"].is_null());
  EXPECT_EQ(in[1]["change"]["stall_ns"], 3e9);
  EXPECT_TRUE(in[2].is_null());
  EXPECT_FALSE(ComparisonToJson(Compare({{"C", &plain}})).contains("chaos_rows"));

  const std::vector<std::string> csv = LinesOf(ComparisonCsv(c));
  EXPECT_NE(csv[0].find(",stall_ns,io_back_ns,recovery_ns"), std::string::npos) << csv[0];
  bool seen_a = false;
  for (const std::string& line : csv) {
    if (line.rfind("commit-path,commit,0,", 0) == 0) {
      EXPECT_NE(line.find(",6000000000,6000001000,8000000000"), std::string::npos) << line;
      seen_a = true;
    }
    if (line.rfind("commit-path,commit,1,", 0) == 0) {
      EXPECT_NE(line.find(",9000000000,9000001000,"), std::string::npos) << line;
    }
    if (line.rfind("commit-path,commit,2,", 0) == 0) {
      EXPECT_EQ(line.substr(line.size() - 3), ",,,") << line;
    }
  }
  EXPECT_TRUE(seen_a);
}

}  // namespace
}  // namespace durabench
