// Fuzzes the result reader: ParseResultText (what compare, gate, merge and report read). An
// accepted result is written again with RunResultToJson and must read back (merge writes what
// it read), never crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "result/json.h"
#include "result/result_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  durabench::Result<durabench::RunResult> r = durabench::ParseResultText(text, "fuzz.json");
  if (!r.ok()) return 0;
  const std::string again = durabench::RunResultToJson(*r).dump();
  durabench::Result<durabench::RunResult> back = durabench::ParseResultText(again, "again.json");
  if (!back.ok()) {
    std::fprintf(stderr, "a result read back fails: %s\n", back.status().message().c_str());
    std::abort();
  }
  return 0;
}
