#include "spec/spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "spec/fio_command.h"
#include "spec/phase_keys.h"

namespace durabench {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(SpecNames, PatternsRoundTrip) {
  EXPECT_THAT(AllPatternNames(), ElementsAre("read", "write", "randread", "randwrite", "randrw"));
  for (std::string_view name : AllPatternNames()) {
    Result<Pattern> p = ParsePattern(name);
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(PatternName(*p), name);
  }
}

TEST(SpecNames, SyncMethodsRoundTrip) {
  EXPECT_THAT(AllSyncMethodNames(), ElementsAre("none", "fsync", "fdatasync", "sync_file_range",
                                                "osync", "odsync", "rwf_dsync", "rwf_sync"));
  for (std::string_view name : AllSyncMethodNames()) {
    Result<SyncMethod> s = ParseSyncMethod(name);
    ASSERT_TRUE(s.ok()) << name;
    EXPECT_EQ(SyncMethodName(*s), name);
  }
}

TEST(SpecNames, UnknownNamesListTheValidOnes) {
  Result<Pattern> p = ParsePattern("randwirte");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("\"randwirte\""),
                    HasSubstr("valid: read, write, randread, randwrite, randrw")));
  Result<SyncMethod> s = ParseSyncMethod("FSYNC");  // case-sensitive
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(),
              AllOf(HasSubstr("\"FSYNC\""), HasSubstr("valid: none, fsync, fdatasync")));
}

TEST(SpecNames, DataSpecs) {
  Result<DataSpec> d = ParseDataSpec("random");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, DataKind::kRandom);
  d = ParseDataSpec("zero");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, DataKind::kZero);
  d = ParseDataSpec("compressible:50%");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, DataKind::kCompressible);
  EXPECT_EQ(d->compressible_percent, 50);
  EXPECT_EQ(DataSpecName(*d), "compressible:50%");
  EXPECT_EQ(DataSpecName(DataSpec{}), "random");
  EXPECT_EQ(DataSpecName(DataSpec{DataKind::kZero, 0}), "zero");
  for (std::string_view ok : {"compressible:0%", "compressible:100%"}) {
    EXPECT_TRUE(ParseDataSpec(ok).ok()) << ok;
  }
  for (std::string_view bad : {"compressible:101%", "compressible:-1%", "compressible:50",
                               "compressible:%", "compressible:5x%", "Random", "zeros", ""}) {
    Result<DataSpec> r = ParseDataSpec(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("valid: random, zero, compressible:N%")) << bad;
  }
}

TEST(SpecNames, SyncClasses) {
  EXPECT_TRUE(SyncUsesFlushCall(SyncMethod::kFsync));
  EXPECT_TRUE(SyncUsesFlushCall(SyncMethod::kFdatasync));
  EXPECT_TRUE(SyncUsesFlushCall(SyncMethod::kSyncFileRange));
  EXPECT_FALSE(SyncUsesFlushCall(SyncMethod::kNone));
  EXPECT_FALSE(SyncUsesFlushCall(SyncMethod::kOdsync));
  for (SyncMethod s :
       {SyncMethod::kOsync, SyncMethod::kOdsync, SyncMethod::kRwfDsync, SyncMethod::kRwfSync}) {
    EXPECT_TRUE(SyncIsPerWrite(s)) << SyncMethodName(s);
    EXPECT_FALSE(SyncUsesFlushCall(s)) << SyncMethodName(s);
  }
  EXPECT_FALSE(SyncIsPerWrite(SyncMethod::kNone));
  EXPECT_FALSE(SyncIsPerWrite(SyncMethod::kFsync));
}

// ValidatePhase: one test per rule.
std::string Invalid(const PhaseSpec& p) {
  Status st = ValidatePhase(p, "w.toml: phase 'x'");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), StartsWith("w.toml: phase 'x': "));
  return st.message();
}

TEST(ValidatePhase, DefaultsAreValid) { EXPECT_TRUE(ValidatePhase(PhaseSpec{}, "p").ok()); }

TEST(ValidatePhase, EmptyEngine) {
  PhaseSpec p;
  p.engine = "";
  EXPECT_THAT(Invalid(p), HasSubstr("engine is empty"));
}

TEST(ValidatePhase, ReadPercentRange) {
  PhaseSpec p;
  p.read_percent = 101;
  EXPECT_THAT(Invalid(p), HasSubstr("valid: 0..100"));
  p.read_percent = -1;
  EXPECT_THAT(Invalid(p), HasSubstr("read_percent -1"));
}

TEST(ValidatePhase, BlockSize) {
  PhaseSpec p;
  p.block_size_bytes = 0;
  EXPECT_THAT(Invalid(p), HasSubstr("block_size is 0"));
  p.block_size_bytes = kMaxBlockSizeBytes + 1;
  p.size_bytes = 4 * kMaxBlockSizeBytes;
  EXPECT_THAT(Invalid(p), HasSubstr("valid: at most 1GiB"));
  p.block_size_bytes = 8192;
  p.size_bytes = 4096;
  EXPECT_THAT(Invalid(p), HasSubstr("block_size (8192 bytes) is larger than size (4096 bytes)"));
  p.size_bytes = 0;
  EXPECT_THAT(Invalid(p), HasSubstr("size is 0"));
  p.block_size_bytes = 4096;
  p.size_bytes = 4096;  // exactly one block
  EXPECT_TRUE(ValidatePhase(p, "").ok());
}

TEST(ValidatePhase, DirectNeedsAlignedBlockSize) {
  PhaseSpec p;
  p.direct = true;
  p.block_size_bytes = 2300;
  EXPECT_THAT(Invalid(p), AllOf(HasSubstr("O_DIRECT"), HasSubstr("multiple of 512")));
  p.block_size_bytes = 512;
  EXPECT_TRUE(ValidatePhase(p, "").ok());
  p.direct = false;
  p.block_size_bytes = 2300;
  EXPECT_TRUE(ValidatePhase(p, "").ok());
}

TEST(ValidatePhase, DepthJobsAndFsyncEvery) {
  PhaseSpec p;
  p.iodepth = 0;
  EXPECT_THAT(Invalid(p), HasSubstr("iodepth 0"));
  p.iodepth = kMaxIodepth + 1;
  EXPECT_THAT(Invalid(p), HasSubstr("iodepth"));
  p = PhaseSpec{};
  p.jobs = 0;
  EXPECT_THAT(Invalid(p), HasSubstr("jobs 0"));
  p.jobs = kMaxJobs + 1;
  EXPECT_THAT(Invalid(p), HasSubstr("jobs"));
  p = PhaseSpec{};
  p.sync = SyncMethod::kFdatasync;
  p.fsync_every = 0;
  EXPECT_THAT(Invalid(p), HasSubstr("fsync_every 0"));
  p.fsync_every = 8;
  EXPECT_TRUE(ValidatePhase(p, "").ok());
}

TEST(ValidatePhase, FsyncEveryNeedsAFlushMethod) {
  PhaseSpec p;
  p.fsync_every = 4;
  for (SyncMethod s : {SyncMethod::kNone, SyncMethod::kOsync, SyncMethod::kRwfDsync}) {
    p.sync = s;
    EXPECT_THAT(Invalid(p),
                HasSubstr("has no effect with sync = \"" + std::string(SyncMethodName(s)) + "\""));
  }
  p.sync = SyncMethod::kSyncFileRange;
  EXPECT_TRUE(ValidatePhase(p, "").ok());
}

TEST(ValidatePhase, RateAndData) {
  PhaseSpec p;
  p.rate_iops = kMaxRateIops + 1;
  EXPECT_THAT(Invalid(p), HasSubstr("rate_iops"));
  p = PhaseSpec{};
  p.data = DataSpec{DataKind::kCompressible, 120};
  EXPECT_THAT(Invalid(p), HasSubstr("compressible"));
}

TEST(ValidatePhase, NoRuntimeNoOpsMeansOnePass) {
  PhaseSpec p;
  p.runtime_ns = 0;
  p.ops = 0;
  for (Pattern pat : {Pattern::kWrite, Pattern::kRead, Pattern::kRandWrite}) {
    p.pattern = pat;
    EXPECT_TRUE(ValidatePhase(p, "").ok()) << PatternName(pat);
  }
}

TEST(ValidatePhase, EmptyWhereHasNoPrefix) {
  PhaseSpec p;
  p.jobs = 0;
  EXPECT_THAT(ValidatePhase(p, "").message(), StartsWith("jobs 0"));
}

TEST(CpuList, ParsesListsAndRanges) {
  EXPECT_THAT(*ParseCpuList(""), ::testing::IsEmpty());
  EXPECT_THAT(*ParseCpuList("1"), ::testing::ElementsAre(1));
  EXPECT_THAT(*ParseCpuList("0-2,5"), ::testing::ElementsAre(0, 1, 2, 5));
  for (const char* bad : {"a", "1-", "-1", "3-1", "1,,2", "1,", "99999", "1 - 2"}) {
    Result<std::vector<int>> r = ParseCpuList(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find(bad), std::string::npos) << bad;
    }
  }
}

// The fio command is written by hand (fio's options do not map one to one onto the keys: sync and
// fsync_every are one option, sqpoll only exists for io_uring, fill is the layout command), so the
// table checks it instead: a change of any key changes what `--fio-equivalent` prints.
TEST(FioEquivalent, EveryPhaseKeyReachesTheFioCommand) {
  PhaseSpec base;
  base.engine = "io_uring";         // so that sqpoll has an option
  base.pattern = Pattern::kRandRW;  // writes (sync, fill) and read_percent
  const auto text = [](const PhaseSpec& p) {
    const FioCommand f = FioEquivalent(p, "/scratch", "directory");
    std::string out = f.layout + "\n" + f.command;
    for (const std::string& c : f.caveats) out += "\n" + c;
    return out;
  };
  for (const PhaseKey& key : PhaseKeyTable()) {
    PhaseKeyValue v = key.get(base);
    switch (key.kind) {
      case KeyKind::kInt:
      case KeyKind::kSize:
        v.number = v.number < key.max ? v.number + 1 : v.number - 1;
        break;
      case KeyKind::kDuration:
        v.number += 1'000'000'000;  // fio takes ms
        break;
      case KeyKind::kBool:
        v.flag = !v.flag;
        break;
      case KeyKind::kEngine:
        v.text = "libaio";
        break;
      case KeyKind::kCpus:
        v.text = "0";
        break;
      case KeyKind::kPattern:
        v.pattern = Pattern::kWrite;
        break;
      case KeyKind::kSync:
        v.sync = SyncMethod::kFsync;
        break;
      case KeyKind::kData:
        v.data = DataSpec{DataKind::kZero, 0};
        break;
    }
    PhaseSpec changed = base;
    key.set(v, &changed);
    EXPECT_NE(text(changed), text(base)) << key.name << " does not reach the fio command";
  }
}

// fio has no faults: the fio equivalent of a phase with faults says what to run by hand, when.
TEST(FioEquivalent, FaultsBecomeANoteWithTheirCommandsAndTimes) {
  PhaseSpec p;
  p.faults.push_back({20'000'000'000, "lab.sh /tmp/lab power-off 2", 50'000'000'000,
                      "lab.sh /tmp/lab node-start 2"});
  p.faults.push_back({5'000'000'000, "kill -STOP 12", 0, "kill -CONT 12"});
  p.faults.push_back({7'500'000'000, "true", 0, ""});
  const FioCommand f = FioEquivalent(p, "/scratch", "directory");
  EXPECT_THAT(f.caveats, ::testing::Contains(
                             "fio runs no faults: run `lab.sh /tmp/lab power-off 2` yourself "
                             "20.00s into the job, then `lab.sh /tmp/lab node-start 2` at 50.00s"));
  EXPECT_THAT(f.caveats,
              ::testing::Contains("fio runs no faults: run `kill -STOP 12` yourself "
                                  "5.00s into the job, then `kill -CONT 12` at its end"));
  EXPECT_THAT(f.caveats,
              ::testing::Contains("fio runs no faults: run `true` yourself 7.50s into the job"));
}

TEST(FaultFlag, KeysInAnyOrderAndCommandsWithCommas) {
  Result<FaultSpec> f =
      ParseFaultFlag("run=echo a,b; kill -STOP 12,undo=kill -CONT 12,at=20s,undo_at=50s");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->at_ns, 20'000'000'000u);
  EXPECT_EQ(f->run, "echo a,b; kill -STOP 12");
  EXPECT_EQ(f->undo_at_ns, 50'000'000'000u);
  EXPECT_EQ(f->undo, "kill -CONT 12");
}

TEST(FaultFlag, MistakesAreNamed) {
  EXPECT_THAT(ParseFaultFlag("run=true").status().message(), HasSubstr("at= is missing"));
  EXPECT_THAT(ParseFaultFlag("at=1s").status().message(), HasSubstr("run= is missing"));
  EXPECT_THAT(ParseFaultFlag("at=1s,run=x,at=2s").status().message(), HasSubstr("given twice"));
  EXPECT_THAT(ParseFaultFlag("at=1s,run=x,undo_at=2s").status().message(),
              HasSubstr("undo_at= needs undo="));
  EXPECT_THAT(ParseFaultFlag("at=soon,run=x").status().message(), HasSubstr("at=:"));
  EXPECT_THAT(ParseFaultFlag("when=1s,run=x").status().message(),
              AllOf(HasSubstr("\"when\" is not"), HasSubstr("valid: at=20s,run=CMD")));
}

TEST(FaultFlag, ValidatePhaseChecksTheTimes) {
  PhaseSpec p;
  p.runtime_ns = 10'000'000'000;
  p.faults.push_back({2'000'000'000, "true", 1'000'000'000, "true"});
  EXPECT_THAT(ValidatePhase(p, "phase 'x'").message(), HasSubstr("is not after at"));
  p.faults[0] = {12'000'000'000, "true", 0, ""};
  EXPECT_THAT(ValidatePhase(p, "phase 'x'").message(), HasSubstr("at or after the phase's end"));
  p.ramp_ns = 5'000'000'000;  // the times count from the phase start, ramp included
  EXPECT_TRUE(ValidatePhase(p, "phase 'x'").ok());
  p.faults[0] = {1'000'000'000, "", 0, ""};
  EXPECT_THAT(ValidatePhase(p, "phase 'x'").message(), HasSubstr("has no command"));
}

}  // namespace
}  // namespace durabench
