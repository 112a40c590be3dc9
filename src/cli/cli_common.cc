#include "cli/cli_common.h"

#include <cstdio>

#include "cli/commands.h"
#include "report/json.h"
#include "util/units.h"

namespace durabench {

void AddTargetSafetyOptions(CLI::App& app, TargetOptions* target) {
  app.add_flag("--keep", target->keep, "Keep the files durabench created");
  app.add_flag("--allow-overwrite", target->allow_overwrite,
               "Write an existing regular file that durabench did not create");
  app.add_option(
      "--destroy-data", target->destroy_data,
      "Confirm that the block device given as the target (same path) may be overwritten");
  app.add_flag("--ignore-signatures", target->ignore_signatures,
               "With --destroy-data: overwrite even a device that carries a filesystem, "
               "partition table, LVM or RAID signature");
}

Status EmitResult(const nlohmann::ordered_json& result, const std::string& output, bool to_stdout,
                  bool announce) {
  const std::string text = result.dump(2) + "\n";
  Status st;
  if (!output.empty()) {
    st = WriteFileAtomic(output, text);
    if (!st.ok()) {
      PrintError(st.message());
    } else if (announce) {
      std::printf("result written to %s\n", output.c_str());
    }
  }
  if (to_stdout) std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return st;
}

namespace {

Result<uint64_t> Positive(std::string_view flag, Result<uint64_t> v) {
  if (v.ok() && *v > 0) return v;
  return Status::InvalidArgument(std::string(flag) + ": " +
                                 (v.ok() ? std::string("must be > 0") : v.status().message()));
}

}  // namespace

Result<uint64_t> ParsePositiveDuration(std::string_view flag, const std::string& text) {
  return Positive(flag, ParseDurationNs(text));
}

Result<uint64_t> ParsePositiveSize(std::string_view flag, const std::string& text) {
  return Positive(flag, ParseSizeBytes(text));
}

int ExitFor(const Status& status, const Status& written) {
  if (status.ok()) return written.ok() ? 0 : written.ExitCode();
  PrintError(status.message());
  return status.ExitCode();
}

}  // namespace durabench
