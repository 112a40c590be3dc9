// Reading fio json+ output (result/fio_import.h): real fio files (tests/data/fio, made with
// /usr/bin/fio) convert with counts, min, max and mean equal to fio's and percentiles within the
// bucket error of fio's own; plain json, non-JSON and durabench results are told apart.
#include "result/fio_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "result/result_reader.h"
#include "support/test_util.h"

#ifndef DURABENCH_FIO_DATA_DIR
#error "DURABENCH_FIO_DATA_DIR must name tests/data/fio"
#endif

namespace durabench {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kFixtures[] = {"fdatasync.json", "randrw_io_uring.json", "two_jobs.json",
                                     "two_jobs_grouped.json"};

std::string DataFile(const std::string& name) {
  return std::string(DURABENCH_FIO_DATA_DIR) + "/" + name;
}

Json LoadJson(const std::string& path) { return Json::parse(testing::ReadFile(path)); }

const Histogram& Hist(const PhaseResult& p, OpKind kind) { return p.op(kind).histogram; }

// The histogram against fio's latency object `lat`: the same samples, exact min/max/mean, and
// percentiles within fio's bin width (2^-6 relative, written at the midpoint) plus durabench's
// half bucket (2^-8) -- checked with 2^-6 + 2^-7 + 1 ns.
void ExpectMatchesFio(const Histogram& h, const Json& lat, const std::string& what) {
  SCOPED_TRACE(what);
  uint64_t bin_sum = 0;
  for (const auto& [value, count] : lat.at("bins").items()) bin_sum += count.get<uint64_t>();
  const uint64_t n = lat.at("N").get<uint64_t>();
  EXPECT_EQ(h.count(), bin_sum);
  EXPECT_EQ(h.count(), n);
  EXPECT_EQ(h.min(), lat.at("min").get<uint64_t>());
  EXPECT_EQ(h.max(), lat.at("max").get<uint64_t>());
  const double mean = lat.at("mean").get<double>();
  EXPECT_NEAR(h.mean(), mean, 1.0 / static_cast<double>(n) + 1e-9 * mean);
  const double stddev = lat.at("stddev").get<double>();  // fio's: divided by N - 1
  const double population =
      stddev * std::sqrt((static_cast<double>(n) - 1) / static_cast<double>(n));
  EXPECT_NEAR(h.stddev(), population, 1e-6 * population + 1.0);
  for (const char* key : {"50.000000", "90.000000", "99.000000", "99.900000"}) {
    const double p = std::stod(key);
    const double fio = lat.at("percentile").at(key).get<double>();
    const double tolerance = fio * (0x1p-6 + 0x1p-7) + 1.0;
    EXPECT_NEAR(static_cast<double>(h.Percentile(p)), fio, tolerance) << "p" << key;
  }
}

// Every phase of `r` against the fio job it came from (same order).
void ExpectConvertedFromFio(const RunResult& r, const Json& fio) {
  const Json& jobs = fio.at("jobs");
  ASSERT_EQ(r.phases.size(), jobs.size());
  ASSERT_EQ(r.command.size(), 3u);
  const bool use_lat = r.command[2] == "latency=lat";
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Json& job = jobs[i];
    const PhaseResult& p = r.phases[i];
    SCOPED_TRACE(p.spec.name);
    const std::pair<const char*, OpKind> ddirs[] = {{"read", OpKind::kRead},
                                                    {"write", OpKind::kWrite}};
    for (const auto& [ddir, kind] : ddirs) {
      const Json& d = job.at(ddir);
      EXPECT_EQ(Hist(p, kind).count(), d.at("total_ios").get<uint64_t>()) << ddir;
      EXPECT_EQ(p.op(kind).bytes, d.at("io_bytes").get<uint64_t>()) << ddir;
      if (d.at("total_ios").get<uint64_t>() == 0) continue;
      ExpectMatchesFio(Hist(p, kind), d.at(use_lat ? "lat_ns" : "clat_ns"), ddir);
    }
    const Json& sync = job.at("sync").at("lat_ns");
    EXPECT_EQ(Hist(p, OpKind::kFlush).count(), sync.at("N").get<uint64_t>());
    if (sync.at("N").get<uint64_t>() > 0) ExpectMatchesFio(Hist(p, OpKind::kFlush), sync, "sync");
    EXPECT_EQ(Hist(p, OpKind::kCommit).count(), 0u);
    EXPECT_EQ(p.interval_ns, 0u);
    EXPECT_TRUE(p.time_series.empty());
  }
}

TEST(FioImport, EveryFixtureMatchesFiosOwnStatistics) {
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const std::string path = DataFile(name);
    Result<RunResult> r = ReadResultOrFioFile(path);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ExpectConvertedFromFio(*r, LoadJson(path));
  }
}

TEST(FioImport, IopsMatchFios) {
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const Json fio = LoadJson(DataFile(name));
    Result<RunResult> r = RunResultFromFioJson(fio, name);
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (size_t i = 0; i < r->phases.size(); ++i) {
      const Json& job = fio["jobs"][i];
      const double fio_iops =
          job["read"]["iops"].get<double>() + job["write"]["iops"].get<double>();
      EXPECT_NEAR(r->phases[i].Iops(), fio_iops, 0.01 * fio_iops);
    }
  }
}

TEST(FioImport, FdatasyncJobMapsWritesFlushesAndOptions) {
  Result<RunResult> r = ReadResultOrFioFile(DataFile("fdatasync.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tool_version, "fio 3.33");
  EXPECT_EQ(r->command,
            (std::vector<std::string>{"fio", DataFile("fdatasync.json"), "latency=clat"}));
  EXPECT_EQ(r->workload.name, "fio:w");
  EXPECT_EQ(r->target.path, "/tmp/fiogen/x");
  EXPECT_EQ(r->target.kind, "file");
  EXPECT_EQ(r->probe.path, "/tmp/fiogen/x");
  EXPECT_EQ(r->probe.backend_kind, "unknown (fio result)");
  EXPECT_FALSE(r->started_at.empty());
  ASSERT_EQ(r->phases.size(), 1u);
  const PhaseResult& p = r->phases[0];
  EXPECT_EQ(p.spec.name, "w");
  EXPECT_EQ(p.spec.engine, "fio:psync");
  EXPECT_EQ(p.spec.pattern, Pattern::kWrite);
  EXPECT_EQ(p.spec.sync, SyncMethod::kFdatasync);
  EXPECT_EQ(p.spec.fsync_every, 1u);
  EXPECT_EQ(p.spec.block_size_bytes, 4096u);
  EXPECT_EQ(p.spec.size_bytes, 16u << 20);
  EXPECT_EQ(p.spec.runtime_ns, 1'000'000'000u);
  EXPECT_GT(Hist(p, OpKind::kWrite).count(), 0u);
  EXPECT_GT(Hist(p, OpKind::kFlush).count(), 0u);
  EXPECT_EQ(Hist(p, OpKind::kRead).count(), 0u);
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(r->workload.phases.size(), 1u);
  EXPECT_EQ(r->workload.phases[0].name, "w");
}

TEST(FioImport, LatPercentilesSelectsTotalLatency) {
  Result<RunResult> r = ReadResultOrFioFile(DataFile("randrw_io_uring.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->command[2], "latency=lat");
  const PhaseSpec& s = r->phases[0].spec;
  EXPECT_EQ(s.engine, "fio:io_uring");
  EXPECT_EQ(s.pattern, Pattern::kRandRW);
  EXPECT_EQ(s.read_percent, 70);
  EXPECT_EQ(s.iodepth, 4u);
  EXPECT_EQ(s.sync, SyncMethod::kNone);
  EXPECT_GT(Hist(r->phases[0], OpKind::kRead).count(), 0u);
  EXPECT_GT(Hist(r->phases[0], OpKind::kWrite).count(), 0u);
}

TEST(FioImport, JobsWithoutGroupReportingAreOnePhaseEach) {
  Result<RunResult> r = ReadResultOrFioFile(DataFile("two_jobs.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->phases.size(), 2u);
  EXPECT_EQ(r->phases[0].spec.name, "jobs2.0");
  EXPECT_EQ(r->phases[1].spec.name, "jobs2.1");
  for (const PhaseResult& p : r->phases) {
    EXPECT_EQ(p.spec.jobs, 1u);
    EXPECT_EQ(p.spec.sync, SyncMethod::kFsync);  // from the global section
    EXPECT_EQ(p.spec.fsync_every, 4u);
    EXPECT_EQ(p.spec.size_bytes, 8u << 20);
  }
  EXPECT_EQ(r->target.path, "/tmp/fiogen/d");
  EXPECT_EQ(r->target.kind, "directory");
}

TEST(FioImport, GroupReportingIsOnePhase) {
  Result<RunResult> r = ReadResultOrFioFile(DataFile("two_jobs_grouped.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->phases.size(), 1u);
  EXPECT_EQ(r->phases[0].spec.name, "jobs2");
  EXPECT_EQ(r->phases[0].spec.jobs, 2u);
}

// `report` and `merge` write converted results as durabench result files: they must read back.
TEST(FioImport, ConvertedResultRoundTripsThroughTheResultFile) {
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    Result<RunResult> r = ReadResultOrFioFile(DataFile(name));
    ASSERT_TRUE(r.ok()) << r.status().message();
    Result<RunResult> back = RunResultFromJson(RunResultToJson(*r));
    ASSERT_TRUE(back.ok()) << back.status().message();
    ASSERT_EQ(back->phases.size(), r->phases.size());
    for (size_t i = 0; i < r->phases.size(); ++i) {
      EXPECT_EQ(back->phases[i].spec.name, r->phases[i].spec.name);
      EXPECT_EQ(back->phases[i].measured_ns, r->phases[i].measured_ns);
      for (int k = 0; k < kOpKindCount; ++k) {
        const Histogram& a = r->phases[i].ops[k].histogram;
        const Histogram& b = back->phases[i].ops[k].histogram;
        EXPECT_EQ(b.count(), a.count());
        EXPECT_EQ(b.Percentile(99), a.Percentile(99));
        EXPECT_DOUBLE_EQ(b.mean(), a.mean());
      }
    }
  }
}

TEST(FioImport, PlainJsonWithoutBinsIsRefused) {
  const std::string path = DataFile("randread_plain_json.json");
  Result<RunResult> r = ReadResultOrFioFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            path + ": fio output has no latency bins; rerun fio with --output-format=json+");
}

TEST(FioImport, NotJsonNamesTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("notes.txt");
  std::ofstream(path) << "fio: this is not JSON\n";
  Result<RunResult> r = ReadResultOrFioFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(path + ": not JSON"));
}

TEST(FioImport, MissingFileIsNotFound) {
  testing::TempDir dir;
  Result<RunResult> r = ReadResultOrFioFile(dir.File("absent.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr(dir.File("absent.json")));
}

TEST(FioImport, MessagesBeforeTheJsonAreSkipped) {
  testing::TempDir dir;
  const std::string path = dir.File("with-stderr.json");
  std::ofstream(path) << "fio: note: something fio said on stderr\n"
                      << testing::ReadFile(DataFile("fdatasync.json"));
  Result<RunResult> r = ReadResultOrFioFile(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->phases.size(), 1u);
}

TEST(FioImport, DurabenchResultIsNotFioAndReadsThrough) {
  RunResult result;
  result.tool_version = "durabench test";
  PhaseResult p;
  p.spec.name = "p";
  p.measured_ns = 1'000'000'000;
  p.ops[static_cast<int>(OpKind::kWrite)].histogram.RecordN(10'000, 3);
  result.workload.phases.push_back(p.spec);
  result.phases.push_back(p);
  const Json j = RunResultToJson(result);
  EXPECT_FALSE(IsFioJson(j));
  EXPECT_TRUE(IsFioJson(LoadJson(DataFile("fdatasync.json"))));

  testing::TempDir dir;
  const std::string path = dir.File("result.json");
  std::ofstream(path) << j.dump();
  Result<RunResult> r = ReadResultOrFioFile(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tool_version, "durabench test");
  EXPECT_EQ(r->phases.at(0).op(OpKind::kWrite).histogram.count(), 3u);
}

TEST(FioImport, JobErrorIsRecordedAndKept) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  fio["jobs"][0]["error"] = 5;
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->phases[0].errors.size(), 1u);
  EXPECT_THAT(r->phases[0].errors[0], HasSubstr("error 5"));
  EXPECT_FALSE(r->phases[0].status.ok());
  EXPECT_GT(Hist(r->phases[0], OpKind::kWrite).count(), 0u);
}

TEST(FioImport, MalformedBinIsNamed) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  fio["jobs"][0]["write"]["clat_ns"]["bins"]["x12"] = 1;
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("f.json: jobs[0].write.clat_ns.bins: bad bin"));
}

// fio's size strings in its default kb_base=1024: k, K, KB are 1024 and KiB is 1000.
TEST(FioImport, FioSizeStrings) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  Json& opts = fio["jobs"][0]["job options"];
  opts["bs"] = "64k,8KB";  // reads 64k, writes 8KB; the phase only writes
  opts["size"] = "1.5g";
  opts["runtime"] = "500ms";
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->phases[0].spec.block_size_bytes, 8192u);
  EXPECT_EQ(r->phases[0].spec.size_bytes, 3ull << 29);
  EXPECT_EQ(r->phases[0].spec.runtime_ns, 500'000'000u);
  opts["size"] = "10KiB";
  opts["bs"] = "bogus";
  r = RunResultFromFioJson(fio, "f.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->phases[0].spec.size_bytes, 10'000u);
  EXPECT_EQ(r->phases[0].spec.block_size_bytes, 4096u);  // unparsable: left at the default
}

// Runs the installed fio now and converts what it wrote.
TEST(FioImport, RealFioRunConverts) {
  const std::string fio = "/usr/bin/fio";
  if (access(fio.c_str(), X_OK) != 0) GTEST_SKIP() << fio << " is not installed";
  testing::TempDir dir;
  const std::string out = dir.File("out.json");
  const testing::CommandResult run =
      testing::RunCommand({fio, "--name=live", "--filename=" + dir.File("data"), "--size=4M",
                           "--bs=4k", "--rw=randwrite", "--fsync=2", "--runtime=1", "--time_based",
                           "--lat_percentiles=1", "--output-format=json+", "--output=" + out},
                          {}, 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Result<RunResult> r = ReadResultOrFioFile(out);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->phases.size(), 1u);
  EXPECT_EQ(r->command[2], "latency=lat");
  EXPECT_GT(Hist(r->phases[0], OpKind::kWrite).count(), 0u);
  EXPECT_GT(Hist(r->phases[0], OpKind::kFlush).count(), 0u);
  ExpectConvertedFromFio(*r, LoadJson(out));
}

// ---------------------------------------------------------------------------------------------
// Bounded, validated input (issue 12).

TEST(FioImportBounds, DevicesAndFifosAreRefusedWithoutReading) {
  Result<RunResult> r = ReadResultOrFioFile("/dev/zero");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "/dev/zero: not a regular file (a character device); valid: a result file");
  testing::TempDir dir;
  const std::string fifo = dir.File("fio.json");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  r = ReadResultOrFioFile(fifo);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("(a FIFO)"));
}

TEST(FioImportBounds, JobThatIsNotAnObjectIsAnErrorNotAnAbort) {
  // Job names were read from every job before the jobs were checked: json's type_error escaped.
  Json fio = LoadJson(DataFile("fdatasync.json"));
  fio["jobs"].push_back(7);
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "f.json: jobs[1]: expected an object");
  fio = LoadJson(DataFile("fdatasync.json"));
  fio["jobs"][0]["jobname"] = 12;  // not a string: an unnamed job
  r = RunResultFromFioJson(fio, "f.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->phases[0].spec.name, "");
}

TEST(FioImportBounds, BinCountsThatOverflowAreRefused) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  Json& bins = fio["jobs"][0]["write"]["clat_ns"]["bins"];
  bins = Json::object({{"1000", uint64_t{1} << 63}, {"2000", uint64_t{1} << 63}});
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.status().message(),
      "f.json: jobs[0].write.clat_ns.bins: bin \"2000\": the counts overflow a 64-bit integer");
}

TEST(FioImportBounds, MinAboveMaxIsRefused) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  Json& clat = fio["jobs"][0]["write"]["clat_ns"];
  clat["min"] = clat["max"].get<uint64_t>() + 1;
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), StartsWith("f.json: jobs[0].write.clat_ns: min "));
  EXPECT_THAT(r.status().message(), HasSubstr(" is above max "));
}

TEST(FioImportBounds, TooManyJobsAreRefusedBeforeConverting) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  for (size_t i = 0; i < kMaxResultPhases; ++i) fio["jobs"].push_back(Json::object());
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "f.json: 4097 fio jobs, more than the 4096 a result file may hold");
}

TEST(FioImportBounds, OutOfRangeNumbersAreErrorsOrClamped) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  fio["jobs"][0]["error"] = 1e300;  // a double cast to int64 was undefined behaviour
  fio["jobs"][0]["write"]["io_bytes"] = 1e300;
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_THAT(r->phases[0].errors.at(0), HasSubstr("ended with error 1e+300"));
  EXPECT_EQ(r->phases[0].op(OpKind::kWrite).bytes, UINT64_MAX);
  fio["jobs"][0]["write"]["runtime"] = UINT64_MAX / 1000;  // ms: beyond 64-bit ns
  r = RunResultFromFioJson(fio, "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("ms overflows 64-bit ns"));
  Result<RunResult> big = ParseResultOrFioText("{\"fio version\": 1e999}", "big.json");
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(big.status().message(), StartsWith("big.json: not JSON: "));
}

TEST(FioImportBounds, ControlCharactersInJobNamesAreEscaped) {
  Json fio = LoadJson(DataFile("fdatasync.json"));
  fio["jobs"][0]["jobname"] = "w\x1b[2J";
  Result<RunResult> r = RunResultFromFioJson(fio, "f.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->phases[0].spec.name, "w\\x1b[2J");
}

// Every input in tests/data/fuzz-regressions/{result,fio} once crashed or aborted the reader
// (std::terminate on a json exception, ...): each must now be a result or one clean error.
TEST(FuzzRegressions, ResultAndFioInputsReadOrFailCleanly) {
  const std::string base = std::string(DURABENCH_FIO_DATA_DIR) + "/../fuzz-regressions/";
  int files = 0;
  for (const char* dir : {"result", "fio"}) {
    for (const auto& entry : std::filesystem::directory_iterator(base + dir)) {
      const std::string path = entry.path().string();
      Result<RunResult> r = ReadResultOrFioFile(path);
      if (!r.ok()) {
        EXPECT_THAT(r.status().message(), StartsWith(path + ": ")) << path;
      }
      if (std::string_view(dir) == "result") (void)ReadResultFile(path);
      ++files;
    }
  }
  EXPECT_GE(files, 4);
}

}  // namespace
}  // namespace durabench
