// Fuzzes the workload parser with `run` flag overrides: ParseWorkloadText, then ApplyOverrides.
// Input: TOML text, optionally followed by a NUL byte and override lines "key=value" (as `run`
// passes --key value). Every input must give a WorkloadSpec or an error, never a crash; an
// accepted workload's phase names must be printable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "workload/workload_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view toml = input.substr(0, nul);
  durabench::Result<durabench::WorkloadSpec> spec = durabench::ParseWorkloadText(toml, "fuzz.toml");
  if (!spec.ok()) return 0;
  for (const durabench::PhaseSpec& p : spec->phases) {
    if (!durabench::ValidatePhaseName(p.name).ok()) std::abort();
  }
  if (nul == std::string_view::npos) return 0;
  std::vector<durabench::PhaseOverride> overrides;
  std::string_view rest = input.substr(nul + 1);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    const size_t eq = line.find('=');
    overrides.push_back({std::string(line.substr(0, eq)),
                         eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1))});
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  (void)durabench::ApplyOverrides(overrides, &*spec);
  return 0;
}
