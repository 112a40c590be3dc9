// Fuzzes the size and duration parsers (util/units.h) and their formatters: an error or a value,
// never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/units.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (durabench::Result<uint64_t> b = durabench::ParseSizeBytes(text); b.ok()) {
    (void)durabench::FormatSizeBytes(*b);
  }
  if (durabench::Result<uint64_t> ns = durabench::ParseDurationNs(text); ns.ok()) {
    (void)durabench::FormatDurationNs(*ns);
  }
  return 0;
}
