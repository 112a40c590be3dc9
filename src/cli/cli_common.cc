#include "cli/cli_common.h"

#include <cstdio>

#include "cli/commands.h"
#include "report/json.h"

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

int ExitFor(const Status& status, const Status& written) {
  if (status.ok()) return written.ok() ? 0 : written.ExitCode();
  PrintError(status.message());
  return status.ExitCode();
}

}  // namespace durabench
