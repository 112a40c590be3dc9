#include "compare/work_diff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "result_builder.h"

namespace durabench {
namespace {

using testing::MakeRun;
using testing::RunShape;

std::vector<std::string> Lines(const std::vector<WorkDiff>& diffs) {
  std::vector<std::string> out;
  for (const WorkDiff& d : diffs) out.push_back(d.phase + ": " + WorkDiffText(d));
  return out;
}

// A value of `key`'s kind other than the one `p` has, within the key's bounds.
PhaseKeyValue Another(const PhaseKey& key, const PhaseSpec& p) {
  PhaseKeyValue v = key.get(p);
  switch (key.kind) {
    case KeyKind::kInt:
    case KeyKind::kSize:
      v.number = v.number < key.max ? v.number + 1 : v.number - 1;
      break;
    case KeyKind::kDuration:
      v.number += 1;
      break;
    case KeyKind::kBool:
      v.flag = !v.flag;
      break;
    case KeyKind::kEngine:
      v.text = v.text == "io_uring" ? "psync" : "io_uring";
      break;
    case KeyKind::kCpus:
      v.text = v.text == "0" ? "1" : "0";
      break;
    case KeyKind::kPattern:
      v.pattern = v.pattern == Pattern::kRandRW ? Pattern::kWrite : Pattern::kRandRW;
      break;
    case KeyKind::kSync:
      v.sync = v.sync == SyncMethod::kFsync ? SyncMethod::kFdatasync : SyncMethod::kFsync;
      break;
    case KeyKind::kData:
      v.data = v.data.kind == DataKind::kZero ? DataSpec{} : DataSpec{DataKind::kZero, 0};
      break;
  }
  return v;
}

TEST(WorkDiff, EveryKeyOfTheTableIsCompared) {
  PhaseSpec a;
  a.pattern = Pattern::kRandRW;  // so that read_percent applies
  for (const PhaseKey& key : PhaseKeyTable()) {
    PhaseSpec b = a;
    key.set(Another(key, a), &b);
    const std::vector<WorkDiff> diffs = DiffPhaseSpecs("p", {&a, &b});
    ASSERT_FALSE(diffs.empty()) << key.name << " is not compared";
    // A pattern other than randrw also takes read_percent away; the key itself comes first.
    EXPECT_EQ(diffs[0].key, &key) << key.name;
    EXPECT_EQ(diffs.size(), key.kind == KeyKind::kPattern ? 2u : 1u) << key.name;
    EXPECT_NE(diffs[0].text[0], diffs[0].text[1]) << key.name << ": the texts hide the change";
  }
}

TEST(WorkDiff, ValuesInTheUnitsOfTheirKind) {
  PhaseSpec a;
  PhaseSpec b = a;
  b.block_size_bytes = 8192;
  b.size_bytes = 1'500'000;  // not a whole number of any binary unit
  b.runtime_ns = 1'500'000'000;
  b.ramp_ns = 1'234'567;  // "1.23ms" would hide the exact figure
  b.direct = true;
  b.cpus = "0-3";
  EXPECT_EQ(Lines(DiffPhaseSpecs("p", {&a, &b})),
            (std::vector<std::string>{"p: block-size 4KiB vs 8KiB", "p: size 64MiB vs 1500000B",
                                      "p: runtime 10.00s vs 1.50s", "p: ramp 0ns vs 1234567ns",
                                      "p: direct false vs true", "p: cpus none vs 0-3"}));
  // The result file's values, for scripts.
  const std::vector<WorkDiff> diffs = DiffPhaseSpecs("p", {&a, &b});
  EXPECT_EQ(diffs[0].key->json_name, std::string("block_size_bytes"));
  EXPECT_EQ(diffs[0].values, (std::vector<Json>{4096, 8192}));
}

TEST(WorkDiff, AKeyThatDoesNotApplyAndAPhaseThatIsMissing) {
  PhaseSpec a;
  PhaseSpec b = a;
  b.pattern = Pattern::kRandRW;
  b.read_percent = 70;
  EXPECT_EQ(Lines(DiffPhaseSpecs("p", {&a, nullptr, &b})),
            (std::vector<std::string>{"p: pattern randwrite vs - vs randrw",
                                      "p: read-percent n/a vs - vs 70"}));
  const std::vector<WorkDiff> diffs = DiffPhaseSpecs("p", {&a, nullptr, &b});
  EXPECT_TRUE(diffs[1].values[0].is_null());
  EXPECT_TRUE(diffs[1].values[1].is_null());
  EXPECT_EQ(diffs[1].values[2], 70);
  // One spec alone is not compared with anything.
  EXPECT_TRUE(DiffPhaseSpecs("p", {&b, nullptr}).empty());
}

TEST(WorkDiff, EachInputsValuesInTheSpellingOfRunsOptions) {
  PhaseSpec a;
  PhaseSpec b = a;
  b.block_size_bytes = 8192;
  b.direct = true;
  b.pattern = Pattern::kRandRW;
  b.read_percent = 70;
  const std::vector<WorkDiff> diffs = DiffPhaseSpecs("p", {&a, nullptr, &b});
  EXPECT_EQ(InputWorkText(diffs, "p", 0),
            "pattern=randwrite read-percent=n/a block-size=4KiB direct=false");
  EXPECT_EQ(InputWorkText(diffs, "p", 1), "");  // lacks the phase
  EXPECT_EQ(InputWorkText(diffs, "p", 2),
            "pattern=randrw read-percent=70 block-size=8KiB "
            "direct=true");
  EXPECT_EQ(InputWorkText(diffs, "another phase", 0), "");
}

TEST(WorkDiff, IgnoredKeysAreNamedByTheTable) {
  PhaseSpec a;
  PhaseSpec b = a;
  b.runtime_ns = 1'000'000'000;
  b.iodepth = 4;
  constexpr std::string_view kIgnored[] = {"runtime"};
  EXPECT_EQ(Lines(DiffPhaseSpecs("p", {&a, &b}, kIgnored)),
            (std::vector<std::string>{"p: iodepth 1 vs 4"}));
}

TEST(WorkDiff, OnlyPhasesThatSeveralResultsRan) {
  RunShape shape;
  RunResult a = MakeRun(shape);
  RunResult b = MakeRun(shape);
  shape.phase = "only-in-c";
  RunResult c = MakeRun(shape);
  b.phases[0].spec.jobs = 2;
  c.phases[0].spec.jobs = 8;  // another phase name: nothing to compare it with
  EXPECT_EQ(SharedPhaseNames({&a, &b, &c}), (std::vector<std::string>{"commit-path"}));
  EXPECT_EQ(Lines(DiffWork({&a, &b, &c})),
            (std::vector<std::string>{"commit-path: jobs 1 vs 2 vs -"}));
  EXPECT_TRUE(SharedPhaseNames({&a, &c}).empty());
  EXPECT_TRUE(DiffWork({&a, &c}).empty());
}

}  // namespace
}  // namespace durabench
