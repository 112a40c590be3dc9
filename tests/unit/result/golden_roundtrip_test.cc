// A stored result read and written back, and fio json+ imported, byte for byte as in
// tests/data/golden/out/roundtrip-*.json: the reader and the writer of the result model keep
// every field and every figure through any change of the code around them. Regenerate with
// DURABENCH_UPDATE_GOLDEN=1 when a change is meant to alter the written result
// (docs/testing.md, "Golden outputs").
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "result/fio_import.h"
#include "result/json.h"
#include "support/test_util.h"

#ifndef DURABENCH_GOLDEN_DIR
#error "DURABENCH_GOLDEN_DIR must name tests/data/golden"
#endif

namespace durabench {
namespace {

const std::string kGolden = DURABENCH_GOLDEN_DIR;

struct Case {
  const char* input;   // relative to tests/data/golden
  const char* output;  // in tests/data/golden/out
};

// A durabench run, a run with per-interval p99.9, a plp verdict, an eval report card, and
// three fio json+ files (one job, two jobs, two jobs in one group).
constexpr Case kCases[] = {
    {"in/base-1.json", "roundtrip-base-1.json"},
    {"../../report/data/ci-smoke-ext4.json", "roundtrip-ci-smoke-ext4.json"},
    {"../../report/data/plp-ext4.json", "roundtrip-plp-ext4.json"},
    {"../../report/data/eval-tiny-ext4.json", "roundtrip-eval-tiny-ext4.json"},
    {"../fio/fdatasync.json", "roundtrip-fio-fdatasync.json"},
    {"../fio/two_jobs.json", "roundtrip-fio-two_jobs.json"},
    {"../fio/two_jobs_grouped.json", "roundtrip-fio-two_jobs_grouped.json"},
};

TEST(GoldenRoundTrip, ReadAndWrittenBackByteForByte) {
  const char* update = std::getenv("DURABENCH_UPDATE_GOLDEN");
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.input);
    Result<RunResult> r = ReadResultOrFioFile(kGolden + "/" + c.input);
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::string text = RunResultToJson(*r).dump(2) + "\n";
    // fio json+ names no command or workload file: its import records the file's own path,
    // which depends on where the source tree is.
    for (size_t at = text.find(kGolden); at != std::string::npos; at = text.find(kGolden, at)) {
      text.replace(at, kGolden.size(), "tests/data/golden");
    }
    const std::string golden = kGolden + "/out/" + c.output;
    if (update != nullptr && std::string(update) == "1") {
      std::ofstream(golden, std::ios::binary) << text;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " is missing";
    EXPECT_TRUE(text == testing::ReadFile(golden))
        << c.input << " no longer reads and writes back as " << golden;
  }
}

}  // namespace
}  // namespace durabench
