#include "cli/cli_common.h"

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "result/json.h"
#include "util/units.h"

namespace durabench {

Result<std::string> TargetArg::Resolve() const {
  if (!positional.empty() && !flag.empty() && positional != flag) {
    return Status::InvalidArgument("the target is named twice, as " + positional +
                                   " and as --target " + flag + "; name it once");
  }
  if (positional.empty() && flag.empty()) {
    return Status::InvalidArgument(
        "name the target: a directory, file, device or URI, as the "
        "last word or with --target");
  }
  return positional.empty() ? flag : positional;
}

void AddTargetArg(CLI::App& app, TargetArg* arg, const std::string& help) {
  app.add_option("target", arg->positional, help);
  app.add_option("-t,--target", arg->flag, "The target, as a flag (instead of the last word)");
}

void AddTargetSafetyOptions(CLI::App& app, TargetOptions* target) {
  app.add_flag("--keep", target->keep, "Keep the files durabench created");
  app.add_flag("--create", target->create,
               "Create the target as a new file when it does not exist (without it a target "
               "that does not exist is refused: a typo, or a disk not mounted)");
  app.add_flag("--allow-overwrite", target->allow_overwrite,
               "Write an existing regular file that durabench did not create");
  app.add_option(
      "--destroy-data", target->destroy_data,
      "Confirm that the block device given as the target (same path) may be overwritten");
  app.add_flag("--ignore-signatures", target->ignore_signatures,
               "With --destroy-data: overwrite even a device that carries a filesystem, "
               "partition table, LVM or RAID signature");
}

void AddBackendOptions(CLI::App& app, BackendArgs* args) {
  const std::string group = "Clusters (rados://, rbd://, gluster:// targets; CephFS probes)";
  app.add_option("--ceph-conf", args->options.ceph_conf,
                 "Ceph config file (default: $CEPH_CONF, then /etc/ceph/ceph.conf)")
      ->group(group);
  app.add_option("--ceph-keyring", args->options.ceph_keyring,
                 "Ceph keyring (default: as the config says)")
      ->group(group);
  app.add_option("--ceph-id", args->options.ceph_id, "Ceph client name without 'client.'")
      ->group(group)
      ->default_str("admin");
  app.add_option("--gluster-port", args->options.gluster_port,
                 "glusterd port when the URI names none")
      ->group(group)
      ->default_str("24007");
  app.add_option("--connect-timeout", args->connect_timeout,
                 "Give up connecting to a cluster after this long (default 10s)")
      ->group(group);
  app.add_option("--op-timeout", args->op_timeout,
                 "End the phase with a timeout error when no operation of a job completes for "
                 "this long; the partial result is kept (default 30s, 0 = never)");
}

Status ApplyBackendArgs(BackendArgs* args, uint64_t* op_timeout_ns) {
  Result<uint64_t> connect = ParsePositiveDuration("--connect-timeout", args->connect_timeout);
  if (!connect.ok()) return connect.status();
  args->options.connect_timeout_s =
      static_cast<uint32_t>(std::max<uint64_t>(1, (*connect + 999'999'999) / 1'000'000'000));
  if (args->op_timeout == "0") {
    *op_timeout_ns = 0;
    args->options.op_timeout_s = 0;
    return Status::Ok();
  }
  Result<uint64_t> op = ParsePositiveDuration("--op-timeout", args->op_timeout);
  if (!op.ok()) return op.status();
  *op_timeout_ns = *op;
  args->options.op_timeout_s =
      static_cast<uint32_t>(std::max<uint64_t>(1, (*op + 999'999'999) / 1'000'000'000));
  return Status::Ok();
}

Result<std::optional<OutputPath>> CheckResultOutput(const std::string& output,
                                                    const std::string& target) {
  if (output.empty()) return std::optional<OutputPath>();
  Result<OutputPath> out = CheckOutput("-o", output);
  if (!out.ok()) return out.status();
  if (!LooksLikeTargetUri(target)) {
    DURABENCH_RETURN_IF_ERROR(RefuseOverwriting(*out, target, "the target"));
  }
  return std::optional<OutputPath>(std::move(out).value());
}

Status EmitResult(const nlohmann::ordered_json& result, const std::optional<OutputPath>& output,
                  bool to_stdout, bool announce) {
  const std::string text = result.dump(2) + "\n";
  Status st;
  if (output) {
    st = WriteOutput(*output, "-o", text);
    if (!st.ok()) {
      PrintError(st.message());
    } else if (announce && output->kind != OutputKind::kStdout) {
      std::printf("result written to %s\n", output->given.c_str());
    }
  }
  if (to_stdout) {
    Status out = WriteStdout(text);
    if (!out.ok()) {
      PrintError(out.message());
      if (st.ok()) st = out;
    }
  }
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
  if (status.ok()) return written.ok() ? kExitOk : written.ExitCode();
  PrintError(status.message());
  return status.ExitCode();
}

int UsageError(const std::string& message) { return ExitFor(Status::InvalidArgument(message)); }

}  // namespace durabench
