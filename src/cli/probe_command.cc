// `durabench probe TARGET [--json] [-o FILE]`: what the target sits on, and what its write-cache
// facts mean for durability. The probing is in target/probe.h; this file only prints.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>

#include "backend/backend.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "result/json.h"
#include "result/probe_json.h"
#include "target/probe.h"

namespace durabench {
namespace {

struct ProbeArgs {
  TargetArg target_arg;
  std::string target;  // resolved from target_arg
  BackendArgs backend;
  std::string output;
  bool json = false;
};

void Line(const std::string& indent, const std::string& label, const std::string& value) {
  fmt::print("{}{:<20} {}\n", indent, label, value);
}

// "logical block size" for logical_block_size_bytes (the unit goes to the value).
std::string Label(std::string_view fact_name) {
  constexpr std::string_view kBytes = "_bytes";
  if (fact_name.ends_with(kBytes)) fact_name.remove_suffix(kBytes.size());
  std::string s(fact_name);
  for (char& c : s) c = c == '_' ? ' ' : c;
  return s;
}

// Known facts as read (with " bytes" for sizes); unknown ones with the reason; not-applicable
// ones left out.
template <typename Facts, typename Field>
void PrintFacts(const Facts& object, std::span<const Field> fields, const std::string& indent) {
  for (const Field& f : fields) {
    const ProbeFact& fact = object.*f.member;
    if (fact.not_applicable()) continue;
    const bool bytes = std::string_view(f.name).ends_with("_bytes");
    Line(indent, Label(f.name),
         fact.known() ? fact.value + (bytes ? " bytes" : "") : "unknown (" + fact.unknown + ")");
  }
}

void PrintFilesystem(const ProbeResult& p) {
  const FilesystemFacts& fs = p.filesystem;
  fmt::print("\nFilesystem\n");
  if (p.is_block_device) {
    fmt::print("  none: the target is a block device\n");
    return;
  }
  PrintFacts(fs, FilesystemFactFields(), "  ");
  if (!fs.magic_hex.empty()) Line("  ", "statfs magic", fs.magic_hex);
  std::string options;
  for (const std::string& o : fs.durability_options) options += (options.empty() ? "" : ",") + o;
  Line("  ", "durability options", options.empty() ? "none set" : options);
}

void PrintDevices(const ProbeResult& p) {
  if (p.devices.empty()) return;
  fmt::print("\nDevices (from the one under the path down to the drives)\n");
  for (const DeviceFacts& d : p.devices) {
    fmt::print("  {} ({}, {}, {})\n", d.name, d.dev_path, d.major_minor, d.transport);
    Line("    ", "reached by", d.reached_by.empty() ? "the path is on it" : d.reached_by);
    if (!d.detail.empty()) Line("    ", "detail", d.detail);
    if (!d.loop_backing_file.empty()) Line("    ", "backing file", d.loop_backing_file);
    PrintFacts(d, DeviceFactFields(), "    ");
  }
}

void PrintHuman(const ProbeResult& p) {
  fmt::print("durabench probe {}\n", p.path);
  Line("  ", "resolved path", p.resolved_path);
  Line("  ", "backend", p.backend_kind + " — " + p.backend_detail);
  PrintFilesystem(p);
  PrintDevices(p);
  if (p.replication.system.known()) {
    fmt::print("\nReplication\n");
    PrintFacts(p.replication, ReplicationFactFields(), "  ");
  }
  fmt::print("\nDurability\n");
  const std::string backend = BackendMeaning(p.backend_kind);
  if (!backend.empty()) fmt::print("  {}\n", backend);
  for (const DeviceFacts* d : LeafDevices(p)) {
    fmt::print("  {}: {}\n", d->name, WriteCacheMeaning(*d));
  }
  if (!p.notes.empty()) {
    fmt::print("\nNotes\n");
    for (const std::string& n : p.notes) fmt::print("  {}\n", n);
  }
}

int RunProbe(const ProbeArgs& args) {
  uint64_t op_timeout_ns = 0;
  BackendArgs backend = args.backend;
  if (Status st = ApplyBackendArgs(&backend, &op_timeout_ns); !st.ok()) return ExitFor(st);
  Result<std::optional<OutputPath>> output = CheckResultOutput(args.output, args.target);
  if (!output.ok()) return ExitFor(output.status());
  const ProbeResult probe = ProbeAnyTarget(args.target, backend.options);
  const std::string text = ProbeToJson(probe).dump(2) + "\n";
  if (args.json) {
    if (Status st = WriteStdout(text); !st.ok()) return ExitFor(st);
  } else {
    PrintHuman(probe);
  }
  if (*output) {
    if (Status st = WriteOutput(**output, "-o", text); !st.ok()) return ExitFor(st);
    if (!args.json && (*output)->kind != OutputKind::kStdout) {
      fmt::print("\nprobe written to {}\n", args.output);
    }
  }
  return ExitFor(FlushStdout());
}

}  // namespace

CommandAction RegisterProbeCommand(CLI::App& app) {
  auto args = std::make_shared<ProbeArgs>();
  AddTargetArg(app, &args->target_arg,
               "A directory, file (need not exist yet: its parent is probed), block device, or "
               "rados://POOL, rbd://POOL/IMAGE, gluster://HOST[:PORT]/VOLUME[/DIR]");
  AddBackendOptions(app, &args->backend);
  app.add_flag("--json", args->json, "Print the probe as JSON instead of the summary");
  app.add_option("-o,--output", args->output,
                 "Write the probe as JSON to FILE (replaced atomically; - for stdout)");
  app.footer(
      "Reads only: sysfs, /proc/self/mountinfo, statfs(2) and, for NVMe, two read-only admin\n"
      "commands (Identify, Get Features); for Ceph (CephFS mounts, rados://, rbd://) librados\n"
      "monitor commands (pool size, min_size, fsid); for gluster:// the client volfile.\n"
      "Facts that cannot be read are reported unknown with\n"
      "the reason, never guessed. The same facts are recorded in every result file.\n"
      "Examples:\n"
      "  durabench probe /mnt/ssd/scratch\n"
      "  durabench probe /dev/nvme0n1\n"
      "  durabench probe /mnt/cephfs/dir --json --ceph-conf /etc/ceph/ceph.conf\n"
      "  durabench probe rbd://rep3/img\n"
      "  durabench probe gluster://127.0.0.1/dbrep3\n"
      "  durabench probe . -o probe.json\n"
      "Exit codes: 0 ok, 2 usage error or an -o that cannot be written, 3 a write failed.");
  return [args] {
    Result<std::string> target = args->target_arg.Resolve();
    if (!target.ok()) return ExitFor(target.status());
    args->target = *target;
    return RunProbe(*args);
  };
}

}  // namespace durabench
