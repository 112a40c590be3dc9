#include "spec/fio_command.h"

#include <fmt/format.h>

#include "util/units.h"

namespace durabench {
namespace {

// Single-quotes `s` for a POSIX shell unless it is made of safe characters only.
std::string ShellQuote(const std::string& s) {
  const bool safe = !s.empty() && s.find_first_not_of(
                                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_-./:=,@%+") == std::string::npos;
  if (safe) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string JoinQuoted(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(a);
  }
  return out;
}

// fio job names: letters, digits, '-', '_' and '.'.
std::string JobName(const std::string& phase) {
  std::string out;
  for (char c : phase) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? "durabench" : out;
}

}  // namespace

FioCommand FioEquivalent(const PhaseSpec& p, const std::string& target_path,
                         const std::string& target_kind) {
  FioCommand out;
  std::vector<std::string> args = {"fio", "--name=" + JobName(p.name)};
  if (target_kind == "directory") {
    args.push_back("--directory=" + target_path);
  } else {
    args.push_back("--filename=" + target_path);
  }
  if (p.engine == "psync" || p.engine == "io_uring" || p.engine == "libaio" || p.engine == "null") {
    args.push_back("--ioengine=" + p.engine);
  } else {
    args.push_back("--ioengine=" + p.engine);
    out.caveats.push_back("engine " + p.engine + " has no direct fio counterpart");
  }
  if (p.engine == "io_uring") {
    args.push_back("--registerfiles=1");
    args.push_back("--fixedbufs=1");
    if (p.sqpoll) args.push_back("--sqthread_poll=1");
  }
  args.push_back(fmt::format("--rw={}", PatternName(p.pattern)));
  if (p.pattern == Pattern::kRandRW) args.push_back(fmt::format("--rwmixread={}", p.read_percent));
  args.push_back(fmt::format("--bs={}", p.block_size_bytes));
  args.push_back(fmt::format("--size={}", p.size_bytes));
  if (p.runtime_ns != 0) {
    // fio takes whole seconds unless a unit is given; ms keeps sub-second runtimes.
    args.push_back(fmt::format("--runtime={}ms", (p.runtime_ns + 999'999) / 1'000'000));
    args.push_back("--time_based");
  }
  if (p.ops != 0) args.push_back(fmt::format("--number_ios={}", p.ops));
  if (p.ramp_ns != 0) args.push_back(fmt::format("--ramp_time={}ms", p.ramp_ns / 1'000'000));
  args.push_back(fmt::format("--iodepth={}", p.iodepth));
  if (p.jobs > 1) {
    args.push_back(fmt::format("--numjobs={}", p.jobs));
    args.push_back("--group_reporting");
  }
  if (p.direct) args.push_back("--direct=1");
  if (PatternWrites(p.pattern)) {
    switch (p.sync) {
      case SyncMethod::kNone:
        break;
      case SyncMethod::kFsync:
        args.push_back(fmt::format("--fsync={}", p.fsync_every));
        break;
      case SyncMethod::kFdatasync:
        args.push_back(fmt::format("--fdatasync={}", p.fsync_every));
        break;
      case SyncMethod::kSyncFileRange:
        args.push_back(
            fmt::format("--sync_file_range=wait_before,write,wait_after:{}", p.fsync_every));
        break;
      case SyncMethod::kOsync:
        args.push_back("--sync=sync");
        break;
      case SyncMethod::kOdsync:
        args.push_back("--sync=dsync");
        break;
      case SyncMethod::kRwfDsync:
      case SyncMethod::kRwfSync:
        args.push_back(p.sync == SyncMethod::kRwfDsync ? "--sync=dsync" : "--sync=sync");
        out.caveats.push_back(
            "fio has no per-write RWF_DSYNC/RWF_SYNC for this engine; the command opens the file "
            "O_DSYNC/O_SYNC instead, which makes every write durable the same way");
        break;
    }
    if ((p.sync == SyncMethod::kFsync || p.sync == SyncMethod::kFdatasync) &&
        p.engine == "io_uring" && p.fsync_every == 1) {
      out.caveats.push_back(
          "durabench links each flush behind its write (IOSQE_IO_LINK); fio issues its flush as a "
          "separate request once the writes before it have completed");
    }
  }
  if (p.rate_iops != 0) args.push_back(fmt::format("--rate_iops={}", p.rate_iops));
  // fio has nothing like a fault on the timeline: say what to run by hand, and when.
  for (const FaultSpec& f : p.faults) {
    std::string when = "fio runs no faults: run `" + f.run + "` yourself " +
                       FormatDurationNs(f.at_ns) + " into the job";
    if (!f.undo.empty()) {
      when += ", then `" + f.undo + "` " +
              (f.undo_at_ns != 0 ? "at " + FormatDurationNs(f.undo_at_ns) : "at its end");
    }
    out.caveats.push_back(when);
  }
  switch (p.data.kind) {
    case DataKind::kRandom:
      break;  // fio's default (random, scrambled per write) is what durabench writes
    case DataKind::kZero:
      args.push_back("--zero_buffers");
      break;
    case DataKind::kCompressible:
      args.push_back(fmt::format("--buffer_compress_percentage={}", p.data.compressible_percent));
      args.push_back("--refill_buffers");
      break;
  }
  if (!p.cpus.empty()) {
    args.push_back("--cpus_allowed=" + p.cpus);
    args.push_back("--cpus_allowed_policy=split");
  }
  args.push_back("--output-format=json+");
  out.command = JoinQuoted(args);
  if (target_kind != "block-device" && PatternWrites(p.pattern) && p.fill) {
    std::vector<std::string> layout = {args[0],        args[1],
                                       args[2],        "--rw=write",
                                       "--bs=1M",      fmt::format("--size={}", p.size_bytes),
                                       "--end_fsync=1"};
    if (p.jobs > 1) layout.push_back(fmt::format("--numjobs={}", p.jobs));
    out.layout = JoinQuoted(layout);
  }
  return out;
}

}  // namespace durabench
