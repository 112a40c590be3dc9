// The subcommands: each registers its options on a CLI11 app and runs from them.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "analysis/plp.h"
#include "backend/uri.h"
#include "util/status.h"

namespace durabench {

// A registered subcommand's action; returns the process exit code.
using CommandAction = std::function<int()>;

CommandAction RegisterRunCommand(CLI::App& app);
CommandAction RegisterListCommand(CLI::App& app);
CommandAction RegisterProbeCommand(CLI::App& app);
CommandAction RegisterPlpCommand(CLI::App& app);
CommandAction RegisterEvalCommand(CLI::App& app);
CommandAction RegisterCompareCommand(CLI::App& app);
CommandAction RegisterGateCommand(CLI::App& app);
CommandAction RegisterMergeCommand(CLI::App& app);
CommandAction RegisterReportCommand(CLI::App& app);
// `audit` writes with run's options (run_command.cc); `audit --verify` and `witness` are in
// audit_command.cc.
CommandAction RegisterAuditCommand(CLI::App& app);
CommandAction RegisterWitnessCommand(CLI::App& app);

struct AuditVerifyArgs {
  std::string target;
  std::string witness;
  std::string audit_id;  // empty: the witness's only (file) or latest (server) audit
  std::string output;    // -o: the verify result as JSON
  bool json = false;
  bool keep = false;
  BackendOptions backend;  // a URI target's cluster (--ceph-conf, ...)
};
int RunAuditVerify(const AuditVerifyArgs& args);
// `plp --audit` and `eval --audit`: each FILE an `audit --verify --json` (or -o) result.
// InvalidArgument naming the file when one is not.
Result<std::vector<PlpAuditResult>> ReadAuditResults(const std::vector<std::string>& files);

// The process's argv, recorded in results as `command`.
void SetCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

// Prints "durabench: error: <message>" (or "warning:") on stderr, control characters escaped.
void PrintError(const std::string& message);
void PrintWarning(const std::string& message);

}  // namespace durabench
