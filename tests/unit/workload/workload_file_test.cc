// Parsing workload text: every key, every error path, defaults, sweeps, overrides.
#include "workload/workload_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace durabench {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

WorkloadSpec Parse(std::string_view text) {
  Result<WorkloadSpec> r = ParseWorkloadText(text, "w.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : WorkloadSpec{};
}

// The message of a parse that must fail with InvalidArgument.
std::string Error(std::string_view text) {
  Result<WorkloadSpec> r = ParseWorkloadText(text, "w.toml");
  EXPECT_FALSE(r.ok()) << "parsed without error:\n" << text;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

std::vector<std::string> Names(const WorkloadSpec& w) {
  std::vector<std::string> names;
  for (const PhaseSpec& p : w.phases) names.push_back(p.name);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Valid files.

TEST(ParseWorkload, EmptyFileIsOneMainPhaseWithBuiltInDefaults) {
  WorkloadSpec w = Parse("");
  ASSERT_EQ(w.phases.size(), 1u);
  EXPECT_EQ(w.phases[0].name, "main");
  EXPECT_EQ(w.name, "w");
  EXPECT_EQ(w.source, "w.toml");
  EXPECT_EQ(w.description, "");
  PhaseSpec expected;
  EXPECT_EQ(w.phases[0].block_size_bytes, expected.block_size_bytes);
  EXPECT_EQ(w.phases[0].runtime_ns, expected.runtime_ns);
}

TEST(ParseWorkload, NameIsTheFileStem) {
  Result<WorkloadSpec> r = ParseWorkloadText("", "some/dir/my-test.toml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "my-test");
  EXPECT_EQ(r->source, "some/dir/my-test.toml");
}

TEST(ParseWorkload, EveryKey) {
  WorkloadSpec w = Parse(R"(
description = "all keys"
[defaults]
engine = "null"
pattern = "randrw"
read_percent = 70
block_size = "8KiB"
size = "1GiB"
runtime = "90s"
ops = 12345
ramp = "500ms"
iodepth = 16
jobs = 4
direct = true
sync = "fdatasync"
fsync_every = 8
rate_iops = 1000
data = "compressible:40%"
)");
  ASSERT_EQ(w.phases.size(), 1u);
  const PhaseSpec& p = w.phases[0];
  EXPECT_EQ(w.description, "all keys");
  EXPECT_EQ(p.engine, "null");
  EXPECT_EQ(p.pattern, Pattern::kRandRW);
  EXPECT_EQ(p.read_percent, 70);
  EXPECT_EQ(p.block_size_bytes, 8192u);
  EXPECT_EQ(p.size_bytes, 1ull << 30);
  EXPECT_EQ(p.runtime_ns, 90'000'000'000u);
  EXPECT_EQ(p.ops, 12345u);
  EXPECT_EQ(p.ramp_ns, 500'000'000u);
  EXPECT_EQ(p.iodepth, 16u);
  EXPECT_EQ(p.jobs, 4u);
  EXPECT_TRUE(p.direct);
  EXPECT_EQ(p.sync, SyncMethod::kFdatasync);
  EXPECT_EQ(p.fsync_every, 8u);
  EXPECT_EQ(p.rate_iops, 1000u);
  EXPECT_EQ(p.data.kind, DataKind::kCompressible);
  EXPECT_EQ(p.data.compressible_percent, 40);
}

TEST(ParseWorkload, EveryPatternSyncAndData) {
  for (std::string_view pat : AllPatternNames()) {
    WorkloadSpec w = Parse("[defaults]\npattern = \"" + std::string(pat) + "\"\n");
    EXPECT_EQ(PatternName(w.phases.at(0).pattern), pat);
  }
  for (std::string_view s : AllSyncMethodNames()) {
    WorkloadSpec w = Parse("[defaults]\nsync = \"" + std::string(s) + "\"\n");
    EXPECT_EQ(SyncMethodName(w.phases.at(0).sync), s);
  }
  for (std::string_view d : {"random", "zero", "compressible:0%", "compressible:100%"}) {
    WorkloadSpec w = Parse("[defaults]\ndata = \"" + std::string(d) + "\"\n");
    EXPECT_EQ(DataSpecName(w.phases.at(0).data), d);
  }
}

TEST(ParseWorkload, SizesAsIntegersAreBytes) {
  WorkloadSpec w = Parse("[defaults]\nblock_size = 2300\nsize = 23068672\n");
  EXPECT_EQ(w.phases[0].block_size_bytes, 2300u);
  EXPECT_EQ(w.phases[0].size_bytes, 22u << 20);
}

// Sizes as fio users write them, in files and in flags alike: binary, any case.
TEST(ParseWorkload, SizesAsFioWritesThem) {
  WorkloadSpec w = Parse("[defaults]\nblock_size = \"4k\"\nsize = \"64m\"\n");
  EXPECT_EQ(w.phases[0].block_size_bytes, 4096u);
  EXPECT_EQ(w.phases[0].size_bytes, 64u << 20);
  ASSERT_TRUE(ApplyOverrides({{"block_size", "8KB"}, {"size", "1g"}}, &w).ok());
  EXPECT_EQ(w.phases[0].block_size_bytes, 8192u);
  EXPECT_EQ(w.phases[0].size_bytes, 1u << 30);
}

TEST(ParseWorkload, ZeroRuntimeAndOpsAllowed) {
  WorkloadSpec w = Parse("[defaults]\npattern = \"write\"\nruntime = \"0s\"\nops = 0\n");
  EXPECT_EQ(w.phases[0].runtime_ns, 0u);
  EXPECT_EQ(w.phases[0].ops, 0u);
}

TEST(ParseWorkload, PhasesInheritDefaults) {
  WorkloadSpec w = Parse(R"(
[defaults]
block_size = "16KiB"
sync = "fsync"

[[phase]]
name = "a"
block_size = "4KiB"

[[phase]]
pattern = "randread"
sync = "none"

[[phase]]
)");
  ASSERT_THAT(Names(w), ElementsAre("a", "phase2", "phase3"));
  EXPECT_EQ(w.phases[0].block_size_bytes, 4096u);
  EXPECT_EQ(w.phases[0].sync, SyncMethod::kFsync);
  EXPECT_EQ(w.phases[1].block_size_bytes, 16384u);
  EXPECT_EQ(w.phases[1].pattern, Pattern::kRandRead);
  EXPECT_EQ(w.phases[1].sync, SyncMethod::kNone);
  EXPECT_EQ(w.phases[2].block_size_bytes, 16384u);
  EXPECT_EQ(w.phases[2].sync, SyncMethod::kFsync);
}

TEST(ParseWorkload, DefaultsAfterPhasesStillApply) {
  WorkloadSpec w = Parse(R"(
[[phase]]
name = "a"
[defaults]
jobs = 3
)");
  ASSERT_EQ(w.phases.size(), 1u);
  EXPECT_EQ(w.phases[0].jobs, 3u);
}

TEST(ParseWorkload, EmptyPhaseArrayIsOneMainPhase) {
  WorkloadSpec w = Parse("phase = []\n[defaults]\njobs = 2\n");
  ASSERT_THAT(Names(w), ElementsAre("main"));
  EXPECT_EQ(w.phases[0].jobs, 2u);
}

TEST(ParseWorkload, InlinePhaseTables) {
  WorkloadSpec w = Parse("phase = [{name = \"x\", jobs = 2}, {iodepth = 4}]\n");
  ASSERT_THAT(Names(w), ElementsAre("x", "phase2"));
  EXPECT_EQ(w.phases[0].jobs, 2u);
  EXPECT_EQ(w.phases[1].iodepth, 4u);
}

// ---------------------------------------------------------------------------------------------
// Sweeps.

TEST(Sweep, TopLevelWithoutPhasesSweepsMain) {
  WorkloadSpec w = Parse(R"(
[defaults]
pattern = "write"
[sweep]
sync = ["fdatasync", "fsync", "odsync"]
)");
  ASSERT_THAT(Names(w),
              ElementsAre("main[sync=fdatasync]", "main[sync=fsync]", "main[sync=odsync]"));
  EXPECT_EQ(w.phases[0].sync, SyncMethod::kFdatasync);
  EXPECT_EQ(w.phases[2].sync, SyncMethod::kOdsync);
  EXPECT_EQ(w.phases[2].pattern, Pattern::kWrite);
}

TEST(Sweep, CartesianProductFirstKeyOutermostInFileOrder) {
  // "sync" sorts after "block_size" alphabetically; file order must win.
  WorkloadSpec w = Parse(R"(
[[phase]]
name = "p"
[phase.sweep]
sync = ["fsync", "none"]
block_size = ["4KiB", 8192, "16KiB"]
)");
  EXPECT_THAT(Names(w),
              ElementsAre("p[sync=fsync,block_size=4KiB]", "p[sync=fsync,block_size=8192]",
                          "p[sync=fsync,block_size=16KiB]", "p[sync=none,block_size=4KiB]",
                          "p[sync=none,block_size=8192]", "p[sync=none,block_size=16KiB]"));
  EXPECT_EQ(w.phases[1].block_size_bytes, 8192u);
  EXPECT_EQ(w.phases[1].sync, SyncMethod::kFsync);
  EXPECT_EQ(w.phases[5].block_size_bytes, 16384u);
  EXPECT_EQ(w.phases[5].sync, SyncMethod::kNone);
}

TEST(Sweep, TopLevelAppliesToEveryPhaseAndCombinesWithPhaseSweeps) {
  WorkloadSpec w = Parse(R"(
[sweep]
jobs = [1, 2]

[[phase]]
name = "w"
pattern = "write"
sweep.direct = [false, true]

[[phase]]
name = "r"
pattern = "read"
)");
  EXPECT_THAT(Names(w), ElementsAre("w[jobs=1,direct=false]", "w[jobs=1,direct=true]",
                                    "w[jobs=2,direct=false]", "w[jobs=2,direct=true]", "r[jobs=1]",
                                    "r[jobs=2]"));
  EXPECT_TRUE(w.phases[3].direct);
  EXPECT_EQ(w.phases[3].jobs, 2u);
  EXPECT_EQ(w.phases[5].pattern, Pattern::kRead);
}

TEST(Sweep, OrderFollowsTheFileEvenWhenTopLevelSweepComesLast) {
  WorkloadSpec w = Parse(R"(
[[phase]]
name = "p"
sweep.iodepth = [1, 2]
[sweep]
jobs = [1, 3]
)");
  EXPECT_THAT(Names(w), ElementsAre("p[iodepth=1,jobs=1]", "p[iodepth=1,jobs=3]",
                                    "p[iodepth=2,jobs=1]", "p[iodepth=2,jobs=3]"));
}

TEST(Sweep, SweptKeyOverridesDefaults) {
  WorkloadSpec w = Parse("[defaults]\nsync = \"fsync\"\n[sweep]\nsync = [\"none\"]\n");
  EXPECT_EQ(w.phases.at(0).sync, SyncMethod::kNone);
}

TEST(Sweep, TooManyPhases) {
  EXPECT_THAT(
      Error(R"([sweep]
jobs = [1,2,3,4,5,6,7,8,9,10]
iodepth = [1,2,3,4,5,6,7,8,9,10]
ops = [1,2,3,4,5,6,7,8,9,10]
read_percent = [1,2,3,4,5,6,7,8,9,10,11]
)"),
      AllOf(StartsWith("w.toml:5: key 'read_percent': "), HasSubstr("more than 10000 phases")));
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the file, the line, the key, the problem and the valid choices.

TEST(ParseErrors, SyntaxErrorHasLine) {
  EXPECT_THAT(Error("description = \"x\"\n\n[defaults\njobs = 1\n"),
              AllOf(StartsWith("w.toml:3: TOML syntax error"), HasSubstr("column")));
  EXPECT_THAT(Error("[defaults]\njobs = 1\njobs = 2\n"), StartsWith("w.toml:3: TOML syntax error"));
  EXPECT_THAT(Error("[defaults]\nblock_size = 4KiB\n"), StartsWith("w.toml:2: TOML syntax error"));
}

TEST(ParseErrors, UnknownTopLevelKey) {
  EXPECT_EQ(Error("description = \"x\"\n\nfoo = 1\n"),
            "w.toml:3: key 'foo': unknown key at top level; valid: description, defaults, phase, "
            "sweep, fault");
  EXPECT_THAT(Error("[defaultz]\njobs = 1\n"), StartsWith("w.toml:1: key 'defaultz': unknown key"));
}

TEST(ParseErrors, PhaseKeyAtTopLevelGetsAHint) {
  EXPECT_THAT(Error("block_size = \"4KiB\"\n"),
              AllOf(StartsWith("w.toml:1: key 'block_size': unknown key at top level"),
                    HasSubstr("phase keys belong in [defaults] or [[phase]]")));
}

TEST(ParseErrors, UnknownKeyInDefaults) {
  EXPECT_THAT(Error("[defaults]\njobs = 1\nblocksize = \"4KiB\"\n"),
              AllOf(StartsWith("w.toml:3: key 'blocksize': unknown key in [defaults]; valid: "
                               "engine, pattern, read_percent, block_size, size, runtime, ops, "
                               "ramp, iodepth, jobs, direct, sync, fsync_every, rate_iops, "
                               "data")));
  EXPECT_THAT(Error("[defaults]\nname = \"x\"\n"), HasSubstr("phase names belong in [[phase]]"));
}

TEST(ParseErrors, UnknownKeyInPhase) {
  EXPECT_THAT(Error("[[phase]]\nname = \"a\"\n\n[[phase]]\nnmae = \"b\"\n"),
              StartsWith("w.toml:5: key 'nmae': unknown key in [[phase]]; valid: name, sweep, "
                         "fault, engine, pattern,"));
}

TEST(ParseErrors, UnknownKeyInSweeps) {
  EXPECT_THAT(Error("[sweep]\nsyncs = [\"fsync\"]\n"),
              StartsWith("w.toml:2: key 'syncs': unknown key in [sweep]; valid: engine,"));
  EXPECT_THAT(Error("[[phase]]\n[phase.sweep]\nname = [\"a\", \"b\"]\n"),
              StartsWith("w.toml:3: key 'name': unknown key in [phase.sweep]; valid: engine,"));
}

TEST(ParseErrors, WrongTypes) {
  EXPECT_EQ(Error("[defaults]\npattern = 1\n"),
            "w.toml:2: key 'pattern': expected a string, got integer; valid: read, write, "
            "randread, randwrite, randrw");
  EXPECT_THAT(Error("[defaults]\ndirect = \"yes\"\n"),
              StartsWith("w.toml:2: key 'direct': expected a boolean, got string; valid: true, "
                         "false"));
  EXPECT_THAT(Error("[defaults]\niodepth = \"4\"\n"),
              StartsWith("w.toml:2: key 'iodepth': expected an integer, got string"));
  EXPECT_THAT(Error("[defaults]\nruntime = 10\n"),
              AllOf(StartsWith("w.toml:2: key 'runtime': expected a duration string with a unit"),
                    HasSubstr("got integer"), HasSubstr("valid: a number and one of ns, us")));
  EXPECT_THAT(Error("[defaults]\nblock_size = 4096.0\n"),
              AllOf(StartsWith("w.toml:2: key 'block_size': expected a size string"),
                    HasSubstr("got float")));
  EXPECT_THAT(Error("[defaults]\nsize = true\n"), HasSubstr("got boolean"));
  EXPECT_THAT(Error("[defaults]\nengine = [\"psync\"]\n"), HasSubstr("got array"));
  EXPECT_THAT(Error("[defaults]\nsync = { a = 1 }\n"), HasSubstr("got table"));
  EXPECT_THAT(Error("[defaults]\nramp = 1979-05-27\n"), HasSubstr("got date"));
}

TEST(ParseErrors, WrongTypesOfStructure) {
  EXPECT_THAT(Error("description = 3\n"),
              StartsWith("w.toml:1: key 'description': expected a string, got integer"));
  EXPECT_THAT(Error("defaults = 1\n"),
              StartsWith("w.toml:1: key 'defaults': expected a table, got integer"));
  EXPECT_THAT(Error("phase = 1\n"),
              StartsWith("w.toml:1: key 'phase': expected an array of tables, got integer"));
  EXPECT_THAT(Error("[phase]\nname = \"a\"\n"),
              StartsWith("w.toml:1: key 'phase': expected an array of tables, got table"));
  EXPECT_THAT(Error("sweep = [1]\n"),
              StartsWith("w.toml:1: key 'sweep': expected a table, got array"));
  EXPECT_THAT(Error("[[phase]]\nname = 7\n"),
              StartsWith("w.toml:2: key 'name': expected a string, got integer"));
  EXPECT_THAT(Error("[[phase]]\nname = \"\"\n"), StartsWith("w.toml:2: key 'name': is empty"));
  EXPECT_THAT(Error("[[phase]]\nname = \"a[1]\"\n"),
              AllOf(StartsWith("w.toml:2: key 'name': \"a[1]\" contains '['"),
                    HasSubstr("valid: a name without brackets")));
}

TEST(ParseErrors, BadUnits) {
  EXPECT_EQ(Error("[defaults]\nblock_size = \"4XB\"\n"),
            "w.toml:2: key 'block_size': size \"4XB\": unknown unit \"XB\"; valid: B, k, m, g, t, "
            "alone or with B or iB, in any case (4k, 4K, 4KB, 4KiB, 64m, 1g); powers of 1024; a "
            "bare number is bytes");
  EXPECT_THAT(Error("[defaults]\nruntime = \"10sec\"\n"),
              AllOf(StartsWith("w.toml:2: key 'runtime': duration \"10sec\": unknown unit"),
                    HasSubstr("valid: ns, us, ms, s, m, h")));
  EXPECT_THAT(Error("[defaults]\nramp = \"5\"\n"),
              StartsWith("w.toml:2: key 'ramp': duration \"5\": missing unit"));
  EXPECT_THAT(Error("[defaults]\nsize = \"0.5B\"\n"), HasSubstr("not a whole number of bytes"));
}

TEST(ParseErrors, BadEnumListsValidValues) {
  EXPECT_EQ(Error("[defaults]\n\nsync = \"fdatasinc\"\n"),
            "w.toml:3: key 'sync': unknown sync method \"fdatasinc\"; valid: none, fsync, "
            "fdatasync, sync_file_range, osync, odsync, rwf_dsync, rwf_sync");
  EXPECT_THAT(Error("[defaults]\npattern = \"random\"\n"),
              HasSubstr("valid: read, write, randread, randwrite, randrw"));
  EXPECT_THAT(Error("[defaults]\ndata = \"compressible:50\"\n"),
              AllOf(StartsWith("w.toml:2: key 'data': unknown data \"compressible:50\""),
                    HasSubstr("valid: random, zero, compressible:N% (N = 0..100)")));
  EXPECT_THAT(Error("[defaults]\nengine = \"\"\n"),
              AllOf(StartsWith("w.toml:2: key 'engine': is empty; valid: psync, "),
                    HasSubstr(", null, or a module's engine (durabench list)")));
}

TEST(ParseErrors, OutOfRange) {
  EXPECT_EQ(Error("[defaults]\niodepth = 0\n"),
            "w.toml:2: key 'iodepth': 0 is out of range; valid: 1..65536");
  EXPECT_THAT(Error("[defaults]\njobs = -2\n"), HasSubstr("-2 is out of range; valid: 1..4096"));
  EXPECT_THAT(Error("[defaults]\nread_percent = 101\n"), HasSubstr("valid: 0..100"));
  EXPECT_THAT(Error("[defaults]\nops = -1\n"), HasSubstr("valid: integers >= 0"));
  EXPECT_THAT(Error("[defaults]\nfsync_every = 0\n"), HasSubstr("fsync_every': 0 is out"));
  EXPECT_THAT(Error("[defaults]\nrate_iops = -5\n"), HasSubstr("rate_iops': -5 is out"));
  EXPECT_EQ(Error("[defaults]\nblock_size = \"0B\"\n"),
            "w.toml:2: key 'block_size': \"0B\" is out of range; valid: 1B..1GiB");
  EXPECT_THAT(Error("[defaults]\nblock_size = \"2GiB\"\n"), HasSubstr("valid: 1B..1GiB"));
  EXPECT_THAT(Error("[defaults]\nsize = -1\n"),
              HasSubstr("key 'size': -1 is out of range; valid: at least 1B"));
  EXPECT_THAT(Error("[defaults]\nsize = 0\n"), HasSubstr("key 'size': 0 is out of range"));
}

TEST(ParseErrors, LineNumbersPointAtTheValue) {
  const std::string text = R"(# comment
description = "x"

[defaults]
block_size = "4KiB"

[[phase]]
name = "a"

[[phase]]
name = "b"
jobs = 1
iodepth = "deep"
)";
  EXPECT_THAT(Error(text), StartsWith("w.toml:13: key 'iodepth': "));
}

TEST(ParseErrors, FirstErrorInFileOrderIsReported) {
  // toml++ keeps keys sorted; the error must still be the first one in the file.
  EXPECT_THAT(Error("[defaults]\nzzz = 1\naaa = 2\n"), StartsWith("w.toml:2: key 'zzz'"));
}

TEST(ParseErrors, CrossFieldRulesNameFileAndPhase) {
  EXPECT_THAT(Error("[[phase]]\nname = \"etcd\"\nblock_size = 2300\ndirect = true\n"),
              AllOf(StartsWith("w.toml: phase 'etcd': direct = true (O_DIRECT) needs block_size"),
                    HasSubstr("multiple of 512")));
  EXPECT_THAT(Error("[defaults]\nblock_size = \"1MiB\"\nsize = \"4KiB\"\n"),
              StartsWith("w.toml: phase 'main': block_size (1048576 bytes) is larger than size"));
  EXPECT_THAT(Error("[sweep]\nsync = [\"fsync\", \"osync\"]\n[defaults]\nfsync_every = 4\n"),
              StartsWith("w.toml: phase 'main[sync=osync]': fsync_every = 4 has no effect"));
}

TEST(ParseErrors, DuplicatePhaseNames) {
  EXPECT_EQ(Error("[[phase]]\nname = \"a\"\n[[phase]]\nname = \"b\"\n[[phase]]\nname = \"a\"\n"),
            "w.toml:6: key 'name': duplicate phase name 'a' (also at line 2); valid: a name used "
            "by no other phase");
  // An explicit name can collide with a default one.
  EXPECT_THAT(Error("[[phase]]\n[[phase]]\nname = \"phase1\"\n"),
              HasSubstr("duplicate phase name 'phase1'"));
}

TEST(ParseErrors, ConflictingSweepKeys) {
  EXPECT_THAT(Error("[sweep]\nsync = [\"fsync\"]\n[[phase]]\n[phase.sweep]\nsync = [\"none\"]\n"),
              AllOf(StartsWith("w.toml:5: key 'sync': swept in both [phase.sweep] and the "
                               "top-level [sweep] (line 2)")));
}

TEST(ParseErrors, KeySetInPhaseAndSwept) {
  EXPECT_THAT(Error("[sweep]\nsync = [\"fsync\"]\n[[phase]]\nname = \"p\"\nsync = \"none\"\n"),
              StartsWith("w.toml:5: key 'sync': set in phase 'p' and also swept by [sweep] "
                         "(line 2)"));
  EXPECT_THAT(Error("[[phase]]\njobs = 2\nsweep.jobs = [1, 2]\n"),
              StartsWith("w.toml:2: key 'jobs': set in phase 'phase1' and also swept by "
                         "[phase.sweep] (line 3)"));
}

TEST(ParseErrors, BadSweepLists) {
  EXPECT_THAT(Error("[sweep]\nsync = []\n"),
              AllOf(StartsWith("w.toml:2: key 'sync': sweep list is empty; valid: a non-empty "
                               "array of values, each a string (none, fsync,"),
                    HasSubstr("fdatasync")));
  EXPECT_THAT(Error("[sweep]\nsync = \"fsync\"\n"),
              StartsWith("w.toml:2: key 'sync': expected an array of values to sweep, got "
                         "string"));
  EXPECT_THAT(Error("[sweep]\nblock_size = [\n  \"4KiB\",\n  \"4XB\",\n]\n"),
              StartsWith("w.toml:4: key 'block_size': size \"4XB\": unknown unit"));
  EXPECT_THAT(Error("[sweep]\njobs = [1, \"2\"]\n"),
              StartsWith("w.toml:2: key 'jobs': expected an integer, got string"));
  EXPECT_THAT(Error("[sweep]\njobs = [1, 2, 1]\n"),
              StartsWith("w.toml:2: key 'jobs': value \"1\" appears twice in the sweep list"));
}

// ---------------------------------------------------------------------------------------------
// Overrides (`run` flags).

WorkloadSpec TwoPhases() {
  return Parse(R"(
[defaults]
block_size = "4KiB"
[[phase]]
name = "w"
pattern = "randwrite"
[[phase]]
name = "r"
pattern = "randread"
)");
}

TEST(Overrides, AppliedToEveryPhase) {
  WorkloadSpec w = TwoPhases();
  Status st = ApplyOverrides({{"block_size", "8KiB"},
                              {"direct", "true"},
                              {"sync", "fdatasync"},
                              {"runtime", "2s"},
                              {"iodepth", "4"},
                              {"size", "1048576"},
                              {"data", "zero"},
                              {"engine", "null"}},
                             &w);
  ASSERT_TRUE(st.ok()) << st.message();
  for (const PhaseSpec& p : w.phases) {
    EXPECT_EQ(p.block_size_bytes, 8192u);
    EXPECT_TRUE(p.direct);
    EXPECT_EQ(p.sync, SyncMethod::kFdatasync);
    EXPECT_EQ(p.runtime_ns, 2'000'000'000u);
    EXPECT_EQ(p.iodepth, 4u);
    EXPECT_EQ(p.size_bytes, 1u << 20);
    EXPECT_EQ(p.data.kind, DataKind::kZero);
    EXPECT_EQ(p.engine, "null");
  }
  EXPECT_EQ(w.phases[0].pattern, Pattern::kRandWrite);
  EXPECT_EQ(w.phases[1].pattern, Pattern::kRandRead);
  EXPECT_THAT(Names(w), ElementsAre("w", "r"));
}

TEST(Overrides, NoOverridesIsANoOp) {
  WorkloadSpec w = TwoPhases();
  EXPECT_TRUE(ApplyOverrides({}, &w).ok());
}

TEST(Overrides, DashFormKeyAccepted) {
  WorkloadSpec w = TwoPhases();
  ASSERT_TRUE(ApplyOverrides({{"block-size", "16KiB"}}, &w).ok());
  EXPECT_EQ(w.phases[0].block_size_bytes, 16384u);
}

TEST(Overrides, InvalidValuesNameTheFlag) {
  WorkloadSpec w = TwoPhases();
  auto error = [&w](std::string key, std::string value) {
    Status st = ApplyOverrides({{std::move(key), std::move(value)}}, &w);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    return st.message();
  };
  EXPECT_THAT(
      error("block_size", "4XB"),
      AllOf(StartsWith("--block-size: size \"4XB\": unknown unit"), HasSubstr("valid: B, k, m")));
  EXPECT_EQ(error("sync", "fdatasinc"),
            "--sync: unknown sync method \"fdatasinc\"; valid: none, fsync, fdatasync, "
            "sync_file_range, osync, odsync, rwf_dsync, rwf_sync");
  EXPECT_EQ(error("direct", "yes"),
            "--direct: expected true or false, got \"yes\"; valid: true, "
            "false");
  EXPECT_EQ(error("iodepth", "four"),
            "--iodepth: expected an integer, got \"four\"; valid: 1..65536");
  EXPECT_EQ(error("iodepth", "4x"), "--iodepth: expected an integer, got \"4x\"; valid: 1..65536");
  EXPECT_EQ(error("iodepth", ""), "--iodepth: expected an integer, got \"\"; valid: 1..65536");
  EXPECT_EQ(error("iodepth", "0"), "--iodepth: 0 is out of range; valid: 1..65536");
  EXPECT_EQ(error("read_percent", "-1"), "--read-percent: -1 is out of range; valid: 0..100");
  EXPECT_THAT(error("runtime", "10"), StartsWith("--runtime: duration \"10\": missing unit"));
  EXPECT_THAT(error("fsync_every", "99999999999999999999"),
              StartsWith("--fsync-every: expected an integer"));
  EXPECT_THAT(error("rate_iops", "2000000000"), StartsWith("--rate-iops: 2000000000 is out"));
  // Nothing was changed by the failed attempts.
  EXPECT_EQ(w.phases[0].block_size_bytes, 4096u);
  EXPECT_EQ(w.phases[0].iodepth, 1u);
}

TEST(Overrides, UnknownKey) {
  WorkloadSpec w = TwoPhases();
  Status st = ApplyOverrides({{"blocksize", "4KiB"}}, &w);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(),
              StartsWith("--blocksize: unknown phase key; valid: --engine, --pattern, "
                         "--read-percent"));
}

TEST(Overrides, CrossFieldErrorsNameThePhaseAndFlags) {
  WorkloadSpec w = TwoPhases();
  Status st = ApplyOverrides({{"block_size", "2300"}, {"direct", "true"}}, &w);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(),
              AllOf(StartsWith("w.toml: phase 'w' with --block-size=2300 --direct=true: "),
                    HasSubstr("multiple of 512")));
}

TEST(Overrides, SweptKeyCannotBeOverridden) {
  WorkloadSpec w = Parse("[sweep]\nsync = [\"fsync\", \"fdatasync\"]\nblock_size = [4096]\n");
  Status st = ApplyOverrides({{"sync", "none"}}, &w);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), AllOf(StartsWith("--sync: the workload sweeps sync (phase "
                                             "'main[sync=fsync,block_size=4096]')")));
  st = ApplyOverrides({{"block_size", "8KiB"}}, &w);
  EXPECT_THAT(st.message(), StartsWith("--block-size: the workload sweeps block_size"));
  // Keys that are not swept still work.
  ASSERT_TRUE(ApplyOverrides({{"runtime", "1s"}}, &w).ok());
  EXPECT_EQ(w.phases[1].runtime_ns, 1'000'000'000u);
}

TEST(PhaseKeys, BooleanKeysAreKnown) {
  EXPECT_TRUE(IsBooleanPhaseKey("direct"));
  EXPECT_TRUE(IsBooleanPhaseKey("sqpoll"));
  EXPECT_FALSE(IsBooleanPhaseKey("sync"));
  EXPECT_FALSE(IsBooleanPhaseKey("nope"));
}

TEST(PhaseKeys, CpusAndSqpollParse) {
  Result<WorkloadSpec> w =
      ParseWorkloadText("[defaults]\ncpus = \"0-1,3\"\nsqpoll = true\n", "t.toml");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->phases[0].cpus, "0-1,3");
  EXPECT_TRUE(w->phases[0].sqpoll);
  w = ParseWorkloadText("[defaults]\ncpus = \"3-1\"\n", "t.toml");
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.status().message(), HasSubstr("t.toml:2: key 'cpus'"));
}

TEST(PhaseKeys, FillDefaultsOnAndParses) {
  Result<WorkloadSpec> w = ParseWorkloadText("[defaults]\nruntime = \"1s\"\n", "t.toml");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_TRUE(w->phases[0].fill);
  w = ParseWorkloadText("[defaults]\nfill = false\n", "t.toml");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_FALSE(w->phases[0].fill);
  EXPECT_TRUE(IsBooleanPhaseKey("fill"));
}

TEST(PhaseKeys, DocumentationOrder) {
  EXPECT_THAT(PhaseKeys(),
              ElementsAre("engine", "pattern", "read_percent", "block_size", "size", "runtime",
                          "ops", "ramp", "iodepth", "jobs", "direct", "sync", "fsync_every",
                          "rate_iops", "data", "sqpoll", "fill", "cpus"));
}

// ---------------------------------------------------------------------------------------------
// Hostile input (issue 12): nesting bounded before toml++ parses, printable phase names.

TEST(HostileInput, DeepDottedKeyIsRefusedNotACrash) {
  // toml++ recursed once per level and overflowed the stack (SIGSEGV) at 50,000 levels.
  std::string text = "a";
  for (int i = 0; i < 50'000; ++i) text += ".a";
  text += " = 1\n";
  EXPECT_THAT(Error(text), StartsWith("w.toml:1: TOML nested deeper than 100 levels"));
  EXPECT_THAT(Error("x = 1\n[" + text.substr(0, text.size() - 5) + "]\n"),
              StartsWith("w.toml:2: TOML nested deeper than 100 levels"));
}

TEST(HostileInput, DeepArraysAndInlineTablesAreRefused) {
  EXPECT_THAT(Error("description = \"d\"\nx = " + std::string(50'000, '[')),
              StartsWith("w.toml:2: TOML nested deeper than 100 levels"));
  std::string tables = "x = ";
  for (int i = 0; i < 200; ++i) tables += "{a = ";
  EXPECT_THAT(Error(tables), StartsWith("w.toml:1: TOML nested deeper than 100 levels"));
}

TEST(HostileInput, BracketsAndDotsInStringsAndCommentsAreNotNesting) {
  const std::string many(5000, '[');
  const std::string braces(5000, '{');
  const std::string dots(5000, '.');
  const WorkloadSpec w = Parse("# " + many + "\ndescription = \"\"\"\n" + many + dots +
                               "\"\"\"\"\n[[phase]]\nname = '" + dots +
                               "'\n[[phase]]\nname = \"x\\\"" + braces + "\"\n");
  EXPECT_EQ(w.description, many + dots + "\"");
  ASSERT_EQ(w.phases.size(), 2u);
  EXPECT_EQ(w.phases[0].name, dots);
  EXPECT_EQ(w.phases[1].name, "x\"" + braces);
}

TEST(HostileInput, NestingAtTheLimitParses) {
  std::string key = "a";
  for (int i = 0; i < 99; ++i) key += ".a";
  // Reaches toml++, which parses it; the workload parser then names the unknown key.
  EXPECT_THAT(Error(key + " = 1\n"), HasSubstr("key 'a': unknown key at top level"));
}

TEST(HostileInput, PhaseNameWithAControlCharacterIsRefusedEscaped) {
  const std::string message = Error("[[phase]]\nname = \"ph\\u0001ase\\u001b[2J\"\n");
  EXPECT_EQ(message,
            "w.toml:2: key 'name': phase name \"ph\\x01ase\\x1b[2J\" contains a control "
            "character (0x01); valid: printable text");
  EXPECT_EQ(message.find('\x01'), std::string::npos);
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  EXPECT_THAT(Error("[[phase]]\nname = \"tab\\there\"\n"), HasSubstr("(0x09)"));
  EXPECT_THAT(Error("[[phase]]\nname = \"del\\u007f\"\n"), HasSubstr("(0x7f)"));
}

TEST(HostileInput, SweptValueWithAControlCharacterIsRefusedEscaped) {
  // The engine is checked when the run starts; its name would be part of the phase name.
  const std::string message = Error("[sweep]\nengine = [\"psync\", \"ps\\u0007ync\"]\n");
  EXPECT_EQ(message,
            "w.toml:1: key 'name': phase name \"main[engine=ps\\x07ync]\" contains a control "
            "character (0x07); valid: printable text");
}

TEST(HostileInput, ValuesQuotedInMessagesAreEscaped) {
  std::string message = Error("[sweep]\ncpus = [\"0\", \"1\\n\"]\n");
  EXPECT_EQ(message,
            "w.toml:2: key 'cpus': bad CPU list \"1\\x0a\": not a number; valid: e.g. \"0-3,6\"");
  WorkloadSpec w = Parse("");
  const Status st = ApplyOverrides({{"cpus", "0\x1b[2J"}}, &w);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find('\x1b'), std::string::npos) << st.message();
  EXPECT_THAT(st.message(), HasSubstr("\\x1b[2J"));
}

TEST(HostileInput, PrintableUnicodePhaseNamesAreKept) {
  EXPECT_EQ(Parse("[[phase]]\nname = \"écriture 4K\"\n").phases.at(0).name, "écriture 4K");
}

// Every file in tests/data/fuzz-regressions/workload once crashed the parser (a SIGSEGV in
// toml++) or was accepted when it should not be: each must now be one clean error.
TEST(FuzzRegressions, WorkloadInputsFailCleanly) {
  const std::string dir =
      std::string(DURABENCH_SOURCE_WORKLOADS_DIR) + "/../tests/data/fuzz-regressions/workload";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    Result<WorkloadSpec> w = ParseWorkloadFile(path);
    ASSERT_FALSE(w.ok()) << path;
    EXPECT_THAT(w.status().message(), StartsWith(path + ":")) << path;
    ++files;
  }
  EXPECT_GE(files, 3);
}

TEST(WorkloadFile, FaultsAtTopLevelApplyToEveryPhaseBesideTheirOwn) {
  const char* text = R"(
[defaults]
runtime = "90s"

[[fault]]
at = "20s"
run = "lab.sh power-off 2"
undo_at = "50s"
undo = "lab.sh node-start 2"

[[phase]]
name = "qd1"

[[phase]]
name = "qd16"
iodepth = 16
engine = "io_uring"
[[phase.fault]]
at = "5s"
run = "echo early"
)";
  Result<WorkloadSpec> r = ParseWorkloadText(text, "w.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->phases.size(), 2u);
  ASSERT_EQ(r->phases[0].faults.size(), 1u);
  EXPECT_EQ(r->phases[0].faults[0].run, "lab.sh power-off 2");
  EXPECT_EQ(r->phases[0].faults[0].undo_at_ns, 50'000'000'000u);
  ASSERT_EQ(r->phases[1].faults.size(), 2u);
  EXPECT_EQ(r->phases[1].faults[0].run, "echo early");  // in the order they are due
  EXPECT_EQ(r->phases[1].faults[1].at_ns, 20'000'000'000u);
}

TEST(WorkloadFile, FaultMistakesNameTheLine) {
  EXPECT_THAT(
      ParseWorkloadText("[[fault]]\nat = \"1s\"\nrn = \"x\"\n", "w.toml").status().message(),
      AllOf(HasSubstr("w.toml:3: key 'rn'"), HasSubstr("valid: at, run, undo_at, undo")));
  EXPECT_THAT(ParseWorkloadText("[[fault]]\nat = 20\nrun = \"x\"\n", "w.toml").status().message(),
              HasSubstr("expected a string"));
  EXPECT_THAT(ParseWorkloadText("[[fault]]\nrun = \"x\"\n", "w.toml").status().message(),
              HasSubstr("key 'at': missing in [[fault]]"));
  // After the phase's end (10 s by default).
  EXPECT_THAT(
      ParseWorkloadText("[[fault]]\nat = \"15s\"\nrun = \"x\"\n", "w.toml").status().message(),
      HasSubstr("at or after the phase's end"));
}

}  // namespace
}  // namespace durabench
