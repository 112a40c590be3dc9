// Fuzzes the fio json+ importer through ParseResultOrFioText (fio output, with or without fio's
// messages before the JSON, or a durabench result): an error or a RunResult, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "result/fio_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  durabench::Result<durabench::RunResult> r = durabench::ParseResultOrFioText(text, "fuzz.json");
  if (r.ok()) (void)durabench::IsFioResult(*r);
  return 0;
}
