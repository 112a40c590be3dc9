// Pieces every measuring subcommand (run, plp, eval) shares: the target-safety flags and the
// way a JSON result is written out.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "backend/uri.h"
#include "target/target.h"
#include "util/output_file.h"
#include "util/status.h"

namespace durabench {

// The target, named alike in every command that takes one: as a positional word or with
// -t/--target (the only meaning of -t in any command).
struct TargetArg {
  std::string positional;
  std::string flag;
  // The target: InvalidArgument (exit 2) when it is not named, or named twice differently.
  Result<std::string> Resolve() const;
};
// Registers the positional "target" (described by `help`) and -t,--target into `arg`.
void AddTargetArg(CLI::App& app, TargetArg* arg, const std::string& help);

// Registers --create, --keep, --allow-overwrite, --destroy-data and --ignore-signatures into
// `target`.
void AddTargetSafetyOptions(CLI::App& app, TargetOptions* target);

// How to reach a cluster (URI targets, CephFS probes), as given on the command line.
struct BackendArgs {
  BackendOptions options;
  std::string connect_timeout = "10s";
  std::string op_timeout = "30s";
};
// Registers --ceph-conf, --ceph-keyring, --ceph-id, --gluster-port, --connect-timeout and
// --op-timeout (the last applies to every target).
void AddBackendOptions(CLI::App& app, BackendArgs* args);
// Parses the durations into args->options (whole seconds, at least 1) and *op_timeout_ns
// ("0" turns the op timeout off).
Status ApplyBackendArgs(BackendArgs* args, uint64_t* op_timeout_ns);

// The -o of a measuring command (run, plp, eval), checked before anything is measured
// (util/output_file.h): nullopt when `output` is empty; InvalidArgument (exit 2) when it cannot
// be written or names the target itself.
Result<std::optional<OutputPath>> CheckResultOutput(const std::string& output,
                                                    const std::string& target);

// Writes `result` to `output` (when given) and, when `to_stdout`, prints it. `announce` prints
// "result written to FILE" after a successful write. Returns the first write error (printed).
Status EmitResult(const nlohmann::ordered_json& result, const std::optional<OutputPath>& output,
                  bool to_stdout, bool announce);

// A flag's value that must be a duration (or a size) greater than 0. InvalidArgument naming the
// flag: "--interval: must be > 0", or "--interval: <why it does not parse>".
Result<uint64_t> ParsePositiveDuration(std::string_view flag, const std::string& text);
Result<uint64_t> ParsePositiveSize(std::string_view flag, const std::string& text);

// The process exit code for a session that ended with `status` and whose result was written with
// `written` (EmitResult, which printed its own error): the session's error first (printed here);
// kExitOk when both are OK. Every command ends through this or UsageError.
int ExitFor(const Status& status, const Status& written = Status::Ok());
// Prints `message` as an error and returns the exit code of an input error (2).
int UsageError(const std::string& message);

}  // namespace durabench
