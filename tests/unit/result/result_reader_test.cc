// Reading a result file back (result/result_reader.h): what RunResultToJson wrote comes back
// field by field, histograms bucket by bucket; bad files are refused with the JSON path named.
#include "result/result_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "support/test_util.h"
#include "util/output_file.h"

namespace durabench {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

OpStats& Op(PhaseResult* p, OpKind kind) { return p->ops[static_cast<int>(kind)]; }

// A closed-loop fdatasync phase: writes, flushes every 4 writes, commits, three intervals.
PhaseResult CommitPhase() {
  PhaseResult p;
  p.spec.name = "commit";
  p.spec.engine = "io_uring";
  p.spec.pattern = Pattern::kRandWrite;
  p.spec.block_size_bytes = 8192;
  p.spec.size_bytes = 1 << 20;
  p.spec.runtime_ns = 3'000'000'000;
  p.spec.ops = 5000;
  p.spec.ramp_ns = 500'000'000;
  p.spec.iodepth = 8;
  p.spec.jobs = 2;
  p.spec.direct = true;
  p.spec.sync = SyncMethod::kFdatasync;
  p.spec.fsync_every = 4;
  p.spec.sqpoll = true;
  p.spec.fill = false;
  p.spec.cpus = "0-1";
  p.spec.data = DataSpec{DataKind::kCompressible, 50};
  p.measured_ns = 3'000'000'000;
  for (uint64_t v : {900, 1000, 1100, 50'000, 51'000, 2'000'000}) {
    Op(&p, OpKind::kWrite).histogram.Record(v);
    Op(&p, OpKind::kCommit).histogram.Record(v * 3);
  }
  Op(&p, OpKind::kWrite).histogram.Record(uint64_t{1} << 50);  // overflow
  Op(&p, OpKind::kWrite).bytes = 7 * 8192;
  Op(&p, OpKind::kWrite).errors = 1;
  Op(&p, OpKind::kFlush).histogram.RecordN(400'000, 2);
  p.interval_ns = 1'000'000'000;
  for (uint64_t i = 0; i < 3; ++i) {
    IntervalStats iv;
    iv.index = i;
    iv.start_ns = i * p.interval_ns;
    iv.kinds[static_cast<int>(OpKind::kWrite)] = {2 + i, (2 + i) * 8192, 1000 + i, 50'000, 60'000};
    iv.kinds[static_cast<int>(OpKind::kFlush)] = {1, 0, 400'000, 400'000, 400'000 + i};
    iv.kinds[static_cast<int>(OpKind::kCommit)] = {2, 0, 3000, 150'000, 150'000};
    p.time_series.push_back(iv);
  }
  p.queue = {8, 5.25, 3};
  p.errors = {"job 1: write at offset 8192: Input/output error"};
  return p;
}

// An open-loop randrw phase with corrected latencies, interrupted.
PhaseResult OpenLoopPhase() {
  PhaseResult p;
  p.spec.name = "open-loop";
  p.spec.pattern = Pattern::kRandRW;
  p.spec.read_percent = 70;
  p.spec.sync = SyncMethod::kNone;
  p.spec.rate_iops = 1000;
  p.spec.data = DataSpec{DataKind::kZero, 0};
  p.measured_ns = 1'234'567;
  for (uint64_t v : {10'000, 20'000, 30'000}) {
    Op(&p, OpKind::kRead).histogram.Record(v);
    Op(&p, OpKind::kRead).corrected.Record(v + 5000);
  }
  Op(&p, OpKind::kWrite).histogram.Record(70'000);
  Op(&p, OpKind::kWrite).corrected.Record(900'000);
  Op(&p, OpKind::kRead).bytes = 3 * 4096;
  Op(&p, OpKind::kWrite).bytes = 4096;
  p.interval_ns = 500'000;
  p.queue = {1, 1.0, 0};
  p.interrupted = true;
  return p;
}

RunResult SampleResult() {
  RunResult r;
  r.tool_version = "0.4.0";
  r.started_at = "2026-11-26T23:10:00Z";
  r.command = {"durabench", "run", "/mnt/x", "--workload", "two"};
  r.host = {"box", "6.1.0-18-amd64", "x86_64", "AMD EPYC", 16, "tsc"};
  r.target = {"/mnt/x", "directory", 4096, {"/mnt/x/durabench.0", "/mnt/x/durabench.1"}};
  r.probe.path = "/mnt/x";
  r.probe.backend_kind = "block";
  DeviceFacts d;
  d.name = "nvme0n1";
  d.model = ProbeFact::Known("Example NVMe");
  r.probe.devices.push_back(d);
  r.probe.notes = {"a note"};
  r.phases = {CommitPhase(), OpenLoopPhase()};
  r.workload = {"two", "two phases", "/etc/two.toml", {r.phases[0].spec, r.phases[1].spec}};
  r.errors = {"phase 3 could not start"};
  return r;
}

void ExpectSameHistogram(const Histogram& want, const Histogram& got, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.sub_bucket_bits(), want.sub_bucket_bits());
  ASSERT_EQ(got.max_exponent(), want.max_exponent());
  for (size_t i = 0; i < want.bucket_count(); ++i) EXPECT_EQ(got.bucket(i), want.bucket(i)) << i;
  EXPECT_EQ(got.count(), want.count());
  EXPECT_EQ(got.overflow_count(), want.overflow_count());
  EXPECT_EQ(got.min(), want.min());
  EXPECT_EQ(got.max(), want.max());
  EXPECT_DOUBLE_EQ(got.mean(), want.mean());
  for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(got.Percentile(p), want.Percentile(p)) << p;
  }
}

void ExpectSameSpec(const PhaseSpec& want, const PhaseSpec& got) {
  SCOPED_TRACE(want.name);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.engine, want.engine);
  EXPECT_EQ(got.pattern, want.pattern);
  EXPECT_EQ(got.read_percent, want.read_percent);
  EXPECT_EQ(got.block_size_bytes, want.block_size_bytes);
  EXPECT_EQ(got.size_bytes, want.size_bytes);
  EXPECT_EQ(got.runtime_ns, want.runtime_ns);
  EXPECT_EQ(got.ops, want.ops);
  EXPECT_EQ(got.ramp_ns, want.ramp_ns);
  EXPECT_EQ(got.iodepth, want.iodepth);
  EXPECT_EQ(got.jobs, want.jobs);
  EXPECT_EQ(got.direct, want.direct);
  EXPECT_EQ(got.sync, want.sync);
  EXPECT_EQ(got.fsync_every, want.fsync_every);
  EXPECT_EQ(got.rate_iops, want.rate_iops);
  EXPECT_EQ(got.sqpoll, want.sqpoll);
  EXPECT_EQ(got.fill, want.fill);
  EXPECT_EQ(got.cpus, want.cpus);
  EXPECT_EQ(got.data.kind, want.data.kind);
  EXPECT_EQ(got.data.compressible_percent, want.data.compressible_percent);
}

void ExpectSamePhase(const PhaseResult& want, const PhaseResult& got) {
  SCOPED_TRACE(want.spec.name);
  ExpectSameSpec(want.spec, got.spec);
  EXPECT_EQ(got.measured_ns, want.measured_ns);
  EXPECT_EQ(got.interrupted, want.interrupted);
  for (int k = 0; k < kOpKindCount; ++k) {
    const std::string kind(OpKindName(static_cast<OpKind>(k)));
    ExpectSameHistogram(want.ops[k].histogram, got.ops[k].histogram, kind);
    ExpectSameHistogram(want.ops[k].corrected, got.ops[k].corrected, kind + " corrected");
    EXPECT_EQ(got.ops[k].bytes, want.ops[k].bytes) << kind;
    EXPECT_EQ(got.ops[k].errors, want.ops[k].errors) << kind;
  }
  EXPECT_EQ(got.queue.max_inflight, want.queue.max_inflight);
  EXPECT_DOUBLE_EQ(got.queue.mean_inflight, want.queue.mean_inflight);
  EXPECT_EQ(got.queue.ordering_violations, want.queue.ordering_violations);
  EXPECT_EQ(got.interval_ns, want.interval_ns);
  ASSERT_EQ(got.time_series.size(), want.time_series.size());
  for (size_t i = 0; i < want.time_series.size(); ++i) {
    const IntervalStats& w = want.time_series[i];
    const IntervalStats& g = got.time_series[i];
    EXPECT_EQ(g.index, w.index);
    EXPECT_EQ(g.start_ns, w.start_ns);
    for (int k = 0; k < kOpKindCount; ++k) {
      EXPECT_EQ(g.kinds[k].count, w.kinds[k].count) << i << " " << k;
      EXPECT_EQ(g.kinds[k].bytes, w.kinds[k].bytes) << i << " " << k;
      EXPECT_EQ(g.kinds[k].p50_ns, w.kinds[k].p50_ns) << i << " " << k;
      EXPECT_EQ(g.kinds[k].p99_ns, w.kinds[k].p99_ns) << i << " " << k;
      EXPECT_EQ(g.kinds[k].p999_ns, w.kinds[k].p999_ns) << i << " " << k;
      EXPECT_EQ(g.kinds[k].max_ns, w.kinds[k].max_ns) << i << " " << k;
    }
  }
  EXPECT_EQ(got.errors, want.errors);
}

void ExpectSameRun(const RunResult& want, const RunResult& got) {
  EXPECT_EQ(got.tool_version, want.tool_version);
  EXPECT_EQ(got.started_at, want.started_at);
  EXPECT_EQ(got.command, want.command);
  EXPECT_EQ(got.host.hostname, want.host.hostname);
  EXPECT_EQ(got.host.kernel, want.host.kernel);
  EXPECT_EQ(got.host.machine, want.host.machine);
  EXPECT_EQ(got.host.cpu_model, want.host.cpu_model);
  EXPECT_EQ(got.host.cpus, want.host.cpus);
  EXPECT_EQ(got.host.clock, want.host.clock);
  EXPECT_EQ(got.target.path, want.target.path);
  EXPECT_EQ(got.target.kind, want.target.kind);
  EXPECT_EQ(got.target.logical_block_size_bytes, want.target.logical_block_size_bytes);
  EXPECT_EQ(got.target.files, want.target.files);
  EXPECT_EQ(got.probe.path, want.probe.path);
  EXPECT_EQ(got.probe.backend_kind, want.probe.backend_kind);
  ASSERT_EQ(got.probe.devices.size(), 1u);
  EXPECT_EQ(got.probe.devices[0].name, "nvme0n1");
  EXPECT_EQ(got.probe.devices[0].model.value, "Example NVMe");
  EXPECT_EQ(got.probe.notes, want.probe.notes);
  EXPECT_EQ(got.workload.name, want.workload.name);
  EXPECT_EQ(got.workload.description, want.workload.description);
  EXPECT_EQ(got.workload.source, want.workload.source);
  ASSERT_EQ(got.workload.phases.size(), want.workload.phases.size());
  for (size_t i = 0; i < want.workload.phases.size(); ++i) {
    ExpectSameSpec(want.workload.phases[i], got.workload.phases[i]);
  }
  ASSERT_EQ(got.phases.size(), want.phases.size());
  for (size_t i = 0; i < want.phases.size(); ++i) ExpectSamePhase(want.phases[i], got.phases[i]);
  EXPECT_EQ(got.errors, want.errors);
}

TEST(ResultReader, RoundTripKeepsEveryField) {
  const RunResult want = SampleResult();
  // Through text, as a reader of the file sees it.
  Result<RunResult> got = RunResultFromJson(Json::parse(RunResultToJson(want).dump()));
  ASSERT_TRUE(got.ok()) << got.status().message();
  ExpectSameRun(want, *got);
}

TEST(ResultReader, ReadsAFileWrittenAsAnOutput) {
  testing::TempDir dir;
  const std::string path = dir.File("result.json");
  const RunResult want = SampleResult();
  ASSERT_TRUE(WriteOutputFile("-o", path, RunResultToJson(want).dump(2)).ok());
  Result<RunResult> got = ReadResultFile(path);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ExpectSameRun(want, *got);
}

// The message of reading `j`, which must fail with InvalidArgument.
std::string ErrorOf(const Json& j) {
  Result<RunResult> r = RunResultFromJson(j);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

TEST(ResultReader, RefusesAnotherSchemaVersion) {
  Json j = RunResultToJson(SampleResult());
  j["schema_version"] = 2;
  EXPECT_EQ(ErrorOf(j), "schema_version 2 is not supported (this durabench reads version 1)");
  j.erase("schema_version");
  EXPECT_EQ(ErrorOf(j), "missing 'schema_version'");
}

TEST(ResultReader, MissingKeyNamesItsPath) {
  Json j = RunResultToJson(SampleResult());
  j["phases"][0]["ops"]["flush"]["lat_ns"].erase("histogram");
  EXPECT_EQ(ErrorOf(j), "phases[0].ops.flush.lat_ns: missing 'histogram'");
  j = RunResultToJson(SampleResult());
  j["workload"]["phases"][1].erase("sync");
  EXPECT_EQ(ErrorOf(j), "workload.phases[1]: missing 'sync'");
}

TEST(ResultReader, WrongTypeNamesTheKey) {
  Json j = RunResultToJson(SampleResult());
  j["phases"][1]["measured_ns"] = "fast";
  EXPECT_THAT(ErrorOf(j), StartsWith("phases[1].measured_ns: expected an integer"));
  j = RunResultToJson(SampleResult());
  j["host"]["cpus"] = -1;
  EXPECT_THAT(ErrorOf(j), StartsWith("host.cpus: expected an integer in [0, 4294967295], got -1"));
  j = RunResultToJson(SampleResult());
  j["target"]["files"][1] = 7;
  EXPECT_EQ(ErrorOf(j), "target.files[1]: expected a string, got 7");
  j = RunResultToJson(SampleResult());
  j["phases"][0]["spec"]["pattern"] = "sideways";
  EXPECT_THAT(ErrorOf(j), StartsWith("phases[0].spec.pattern: "));
}

// A phase key is read within the bounds a workload file may give it (spec/phase_keys.h): an
// iodepth of 2^32 + 1 no longer wraps to 1.
TEST(ResultReader, PhaseKeysAreReadWithinTheirBounds) {
  Json j = RunResultToJson(SampleResult());
  j["phases"][0]["spec"]["iodepth"] = 4294967297ull;
  EXPECT_EQ(ErrorOf(j), "phases[0].spec.iodepth: 4294967297 is outside 1..65536");
  j = RunResultToJson(SampleResult());
  j["workload"]["phases"][0]["block_size_bytes"] = 0;
  EXPECT_EQ(ErrorOf(j), "workload.phases[0].block_size_bytes: 0 is outside 1..1073741824");
}

TEST(ResultReader, UnknownOpKindIsAnError) {
  Json j = RunResultToJson(SampleResult());
  j["phases"][0]["ops"]["trim"] = j["phases"][0]["ops"]["write"];
  EXPECT_THAT(ErrorOf(j), StartsWith("phases[0].ops: unknown op kind 'trim'"));
  j = RunResultToJson(SampleResult());
  j["phases"][0]["time_series"]["intervals"][2]["ops"]["trim"] = Json::object();
  EXPECT_THAT(ErrorOf(j), StartsWith("phases[0].time_series.intervals[2].ops: unknown op kind"));
}

TEST(ResultReader, MissingFileIsNotFoundNamingThePath) {
  testing::TempDir dir;
  const std::string path = dir.File("absent.json");
  Result<RunResult> r = ReadResultFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
}

TEST(ResultReader, FileErrorsStartWithThePath) {
  testing::TempDir dir;
  const std::string path = dir.File("result.json");
  ASSERT_TRUE(WriteOutputFile("-o", path, "not json {").ok());
  Result<RunResult> r = ReadResultFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), StartsWith(path + ": not JSON: "));

  Json j = RunResultToJson(SampleResult());
  j["phases"][0]["ops"]["flush"]["lat_ns"].erase("histogram");
  ASSERT_TRUE(WriteOutputFile("-o", path, j.dump()).ok());
  r = ReadResultFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), path + ": phases[0].ops.flush.lat_ns: missing 'histogram'");
}

// ---------------------------------------------------------------------------------------------
// Bounded, validated input (issue 12): a hostile or corrupt file is one clear error, never an
// abort, a hang or gigabytes read.

TEST(ResultReaderBounds, DevicesAndFifosAreRefusedWithoutReading) {
  Result<RunResult> r = ReadResultFile("/dev/zero");  // endless: read it and we never return
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "/dev/zero: not a regular file (a character device); valid: a result file");
  testing::TempDir dir;
  const std::string fifo = dir.File("pipe.json");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  r = ReadResultFile(fifo);  // no writer: a blocking open would wait forever
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), fifo + ": not a regular file (a FIFO); valid: a result file");
  r = ReadResultFile(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("(a directory)"));
}

TEST(ResultReaderBounds, FileLargerThanTheCapIsRefusedBeforeReading) {
  testing::TempDir dir;
  const std::string path = dir.File("huge.json");
  std::ofstream(path) << "{";
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(kMaxResultFileBytes + 1)), 0);  // sparse
  Result<RunResult> r = ReadResultFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), StartsWith(path + ": "));
  EXPECT_THAT(r.status().message(), HasSubstr("is larger than the 256MiB limit for a result file"));
}

TEST(ResultReaderBounds, HistogramParametersBeyondDurabenchsAreRefused) {
  // sub_bucket_bits 16, max_exponent 63 is 3.1 million buckets (25 MB) per histogram: a 2 MB
  // file of such histograms asked for tens of gigabytes and aborted on bad_alloc.
  Json j = RunResultToJson(SampleResult());
  Json& h = j["phases"][0]["ops"]["write"]["lat_ns"]["histogram"];
  h["sub_bucket_bits"] = 16;
  h["max_exponent"] = 63;
  EXPECT_EQ(ErrorOf(j),
            "phases[0].ops.write.lat_ns.histogram: sub_bucket_bits 16, max_exponent 63 are beyond "
            "what durabench writes; valid: 1 <= sub_bucket_bits <= 7 < max_exponent <= 42");
  h["sub_bucket_bits"] = 7;
  h["max_exponent"] = 43;
  EXPECT_THAT(ErrorOf(j), HasSubstr("max_exponent 43 are beyond what durabench writes"));
  // Coarser than durabench's own is read.
  j = RunResultToJson(SampleResult());
  j["phases"][0]["ops"]["flush"]["lat_ns"]["histogram"]["sub_bucket_bits"] = 5;
  EXPECT_TRUE(RunResultFromJson(j).ok());
}

TEST(ResultReaderBounds, CountsThatOverflowAreRefused) {
  Json j = RunResultToJson(SampleResult());
  Json& lat = j["phases"][0]["ops"]["flush"]["lat_ns"];
  lat["histogram"]["bins"] =
      Json::parse("[[399360, 401407, 9223372036854775808], [500000, 503807, 9223372036854775808]]");
  j["phases"][0]["ops"]["flush"]["count"] = 0;  // 2^64 wrapped
  EXPECT_EQ(ErrorOf(j),
            "phases[0].ops.flush.lat_ns.histogram.bins[1]: the counts overflow a 64-bit integer");
  lat["histogram"]["bins"] = Json::parse("[[399360, 401407, 2]]");
  lat["histogram"]["overflow"] = UINT64_MAX;
  EXPECT_THAT(ErrorOf(j), HasSubstr("bins[0]: the counts overflow a 64-bit integer"));
}

TEST(ResultReaderBounds, MalformedBinsAreRefused) {
  Json j = RunResultToJson(SampleResult());
  Json& bins = j["phases"][0]["ops"]["flush"]["lat_ns"]["histogram"]["bins"];
  bins = Json::parse("[[401407, 399360, 2]]");
  EXPECT_EQ(ErrorOf(j),
            "phases[0].ops.flush.lat_ns.histogram.bins[0]: bucket [401407, 399360] is not within "
            "[0, 2^42)");
  bins = Json::parse("[[4398046511104, 8796093022208, 2]]");
  EXPECT_THAT(ErrorOf(j), HasSubstr("is not within [0, 2^42)"));
  bins = Json::parse("[[399360, 401407, -2]]");
  EXPECT_THAT(ErrorOf(j), HasSubstr("bins[0]: expected [lower_ns, upper_ns, count]"));
  bins = Json::array();
  for (int i = 0; i < 5000; ++i) bins.push_back(Json::parse("[0, 0, 1]"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("bins: 5000 bins, more than the histogram's 4608 buckets"));
}

TEST(ResultReaderBounds, MinAboveMaxIsRefused) {
  Json j = RunResultToJson(SampleResult());
  j["phases"][0]["ops"]["flush"]["lat_ns"]["min"] = 500'000;
  EXPECT_EQ(ErrorOf(j), "phases[0].ops.flush.lat_ns: min 500000 is above max 400000");
}

TEST(ResultReaderBounds, AbsurdIntervalIndexesAreRefused) {
  Json j = RunResultToJson(SampleResult());
  Json& intervals = j["phases"][0]["time_series"]["intervals"];
  intervals[2]["index"] = uint64_t{1} << 62;  // 2^62 s: 146 billion years
  EXPECT_THAT(ErrorOf(j),
              StartsWith("phases[0].time_series.intervals[2].index: 4611686018427387904 "
                         "intervals of 1000000000 ns are beyond 2^63 ns"));
  intervals[2]["index"] = 1;
  EXPECT_EQ(ErrorOf(j), "phases[0].time_series.intervals[2].index: 1 does not follow 1");
  j = RunResultToJson(SampleResult());
  j["phases"][0]["time_series"]["interval_ns"] = 0;
  EXPECT_EQ(ErrorOf(j), "phases[0].time_series.interval_ns: 0 with intervals present");
}

TEST(ResultReaderBounds, PhaseCountIsBounded) {
  // Every phase holds 8 histograms however little its JSON says: "[{}, {}, ...]" cannot be
  // allowed to allocate them by the thousand before the first phase is found malformed.
  Json j = RunResultToJson(SampleResult());
  j["phases"] = Json::array();
  for (size_t i = 0; i <= kMaxResultPhases; ++i) j["phases"].push_back(Json::object());
  EXPECT_EQ(ErrorOf(j), "phases: 4097 phases, more than the 4096 a result file may hold");
  j = RunResultToJson(SampleResult());
  j["workload"]["phases"] = Json::array();
  for (size_t i = 0; i <= kMaxResultPhases; ++i) j["workload"]["phases"].push_back(1);
  EXPECT_EQ(ErrorOf(j), "workload.phases: 4097 phases, more than the 4096 a result file may hold");
}

TEST(ResultReaderBounds, PhaseNameWithAControlCharacterIsRefused) {
  Json j = RunResultToJson(SampleResult());
  j["phases"][1]["name"] = "open\x1b[2Jloop";
  const std::string message = ErrorOf(j);
  EXPECT_EQ(message,
            "phases[1].name: phase name \"open\\x1b[2Jloop\" contains a control character "
            "(0x1b); valid: printable text");
}

TEST(ResultReaderBounds, NumberBeyondDoubleIsNotJsonNotAnAbort) {
  // nlohmann throws out_of_range (not parse_error) for 1e999; uncaught, it ended in terminate().
  Result<RunResult> r = ParseResultText("{\"schema_version\": 1e999}", "big.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), StartsWith("big.json: not JSON: "));
}

}  // namespace
}  // namespace durabench
