#include "spec/spec.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iterator>

#include "util/strings.h"
#include "util/units.h"

namespace durabench {
namespace {

constexpr std::string_view kPatternNames[] = {"read", "write", "randread", "randwrite", "randrw"};
constexpr std::string_view kSyncNames[] = {"none",  "fsync",  "fdatasync", "sync_file_range",
                                           "osync", "odsync", "rwf_dsync", "rwf_sync"};
static_assert(std::size(kSyncNames) == kSyncMethodCount);
constexpr std::string_view kDataValid = "random, zero, compressible:N% (N = 0..100)";
constexpr std::string_view kCompressiblePrefix = "compressible:";

Status UnknownName(std::string_view what, std::string_view text,
                   const std::vector<std::string_view>& valid) {
  return Status::InvalidArgument("unknown " + std::string(what) + " \"" + std::string(text) +
                                 "\"; valid: " + JoinStrings(valid));
}

// Collects the messages of ValidatePhase: "<where>: <problem>".
Status Bad(std::string_view where, const std::string& problem) {
  std::string msg(where);
  if (!msg.empty()) msg += ": ";
  msg += problem;
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace

std::string_view PatternName(Pattern p) { return kPatternNames[static_cast<int>(p)]; }

std::string_view SyncMethodName(SyncMethod s) { return kSyncNames[static_cast<int>(s)]; }

std::string DataSpecName(const DataSpec& d) {
  switch (d.kind) {
    case DataKind::kRandom:
      return "random";
    case DataKind::kZero:
      return "zero";
    case DataKind::kCompressible:
      return std::string(kCompressiblePrefix) + std::to_string(d.compressible_percent) + "%";
  }
  return "random";
}

std::vector<std::string_view> AllPatternNames() {
  return {std::begin(kPatternNames), std::end(kPatternNames)};
}

std::vector<std::string_view> AllSyncMethodNames() {
  return {std::begin(kSyncNames), std::end(kSyncNames)};
}

std::string_view DataSpecChoices() { return kDataValid; }

Result<Pattern> ParsePattern(std::string_view text) {
  for (size_t i = 0; i < std::size(kPatternNames); ++i) {
    if (kPatternNames[i] == text) return static_cast<Pattern>(i);
  }
  return UnknownName("pattern", text, AllPatternNames());
}

Result<SyncMethod> ParseSyncMethod(std::string_view text) {
  for (size_t i = 0; i < std::size(kSyncNames); ++i) {
    if (kSyncNames[i] == text) return static_cast<SyncMethod>(i);
  }
  return UnknownName("sync method", text, AllSyncMethodNames());
}

Result<DataSpec> ParseDataSpec(std::string_view text) {
  DataSpec d;
  if (text == "random") return d;
  if (text == "zero") {
    d.kind = DataKind::kZero;
    return d;
  }
  if (text.starts_with(kCompressiblePrefix) && text.ends_with('%')) {
    std::string_view num = text.substr(kCompressiblePrefix.size());
    num.remove_suffix(1);
    int percent = -1;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), percent);
    if (!num.empty() && ec == std::errc() && end == num.data() + num.size() && percent >= 0 &&
        percent <= 100) {
      d.kind = DataKind::kCompressible;
      d.compressible_percent = percent;
      return d;
    }
  }
  return Status::InvalidArgument("unknown data \"" + std::string(text) +
                                 "\"; valid: " + std::string(kDataValid));
}

bool SyncUsesFlushCall(SyncMethod s) {
  return s == SyncMethod::kFsync || s == SyncMethod::kFdatasync || s == SyncMethod::kSyncFileRange;
}

bool SyncIsPerWrite(SyncMethod s) {
  return s == SyncMethod::kOsync || s == SyncMethod::kOdsync || s == SyncMethod::kRwfDsync ||
         s == SyncMethod::kRwfSync;
}

// The rules, and why each one exists:
// - a block must be a positive number of bytes that fits the region, or there is nothing to do;
//   the cap keeps one request below what Linux moves in one read/write call (~2 GiB);
// - O_DIRECT bypasses the page cache, so buffer, offset and length must be aligned to the
//   device's logical block size. 512 is the smallest there is; the runner checks the real size
//   of the target once it is opened. Offsets are multiples of block_size, so checking it covers
//   them too;
// - fsync_every only means something for methods with a separate flush call: with O_SYNC,
//   O_DSYNC or RWF_*SYNC every write is durable by itself, and with "none" nothing is flushed;
// - runtime = 0 and ops = 0 is allowed: the job then does as many operations as the region has
//   blocks (one pass for sequential patterns).
bool IsControlCharacter(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

std::string EscapeControlCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsControlCharacter(c)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

Status ValidatePhaseName(std::string_view name) {
  for (char c : name) {
    if (!IsControlCharacter(c)) continue;
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned char>(c));
    return Status::InvalidArgument("phase name \"" + EscapeControlCharacters(name) +
                                   "\" contains a control character (" + code +
                                   "); valid: printable text");
  }
  return Status::Ok();
}

Status ValidatePhase(const PhaseSpec& p, std::string_view where) {
  if (Status st = ValidatePhaseName(p.name); !st.ok()) {
    return Bad(EscapeControlCharacters(where), st.message());
  }
  if (p.engine.empty()) return Bad(where, "engine is empty; valid: an engine name such as psync");
  if (p.read_percent < 0 || p.read_percent > 100) {
    return Bad(where, "read_percent " + std::to_string(p.read_percent) +
                          " is out of range; valid: 0..100");
  }
  if (p.block_size_bytes == 0) return Bad(where, "block_size is 0; valid: at least 1 byte");
  if (p.block_size_bytes > kMaxBlockSizeBytes) {
    return Bad(where, "block_size " + FormatSizeBytes(p.block_size_bytes) +
                          " is too large for one I/O; valid: at most " +
                          FormatSizeBytes(kMaxBlockSizeBytes));
  }
  if (p.size_bytes == 0) return Bad(where, "size is 0; valid: at least block_size");
  if (p.block_size_bytes > p.size_bytes) {
    return Bad(where, "block_size (" + std::to_string(p.block_size_bytes) +
                          " bytes) is larger than size (" + std::to_string(p.size_bytes) +
                          " bytes); valid: block_size <= size");
  }
  if (p.direct && p.block_size_bytes % kDirectAlignBytes != 0) {
    return Bad(where, "direct = true (O_DIRECT) needs block_size to be a multiple of " +
                          std::to_string(kDirectAlignBytes) + " bytes, not " +
                          std::to_string(p.block_size_bytes) + "; valid: 512, 4096, ...");
  }
  if (p.iodepth < 1 || p.iodepth > kMaxIodepth) {
    return Bad(where, "iodepth " + std::to_string(p.iodepth) + " is out of range; valid: 1.." +
                          std::to_string(kMaxIodepth));
  }
  if (p.jobs < 1 || p.jobs > kMaxJobs) {
    return Bad(where, "jobs " + std::to_string(p.jobs) + " is out of range; valid: 1.." +
                          std::to_string(kMaxJobs));
  }
  if (p.fsync_every < 1 || p.fsync_every > kMaxFsyncEvery) {
    return Bad(where, "fsync_every " + std::to_string(p.fsync_every) +
                          " is out of range; valid: 1.." + std::to_string(kMaxFsyncEvery));
  }
  if (p.fsync_every > 1 && !SyncUsesFlushCall(p.sync)) {
    return Bad(where,
               "fsync_every = " + std::to_string(p.fsync_every) + " has no effect with sync = \"" +
                   std::string(SyncMethodName(p.sync)) +
                   "\"; valid: fsync_every = 1, or sync = fsync, fdatasync, sync_file_range");
  }
  if (p.rate_iops > kMaxRateIops) {
    return Bad(where, "rate_iops " + std::to_string(p.rate_iops) +
                          " is out of range; valid: 0 (unpaced) .. " +
                          std::to_string(kMaxRateIops));
  }
  if (p.data.kind == DataKind::kCompressible &&
      (p.data.compressible_percent < 0 || p.data.compressible_percent > 100)) {
    return Bad(where, "data compressible percentage " +
                          std::to_string(p.data.compressible_percent) +
                          " is out of range; valid: 0..100");
  }
  const uint64_t length_ns = p.runtime_ns != 0 ? p.ramp_ns + p.runtime_ns : 0;
  for (size_t i = 0; i < p.faults.size(); ++i) {
    const FaultSpec& f = p.faults[i];
    const std::string which =
        "fault " + std::to_string(i + 1) + " (at " + FormatDurationNs(f.at_ns) + ")";
    if (f.run.empty()) return Bad(where, which + " has no command; valid: run = \"CMD\"");
    if (f.undo.empty() && f.undo_at_ns != 0) {
      return Bad(where, which + " has undo_at but no undo command; valid: undo = \"CMD\"");
    }
    if (f.undo_at_ns != 0 && f.undo_at_ns <= f.at_ns) {
      return Bad(where, which + ": undo_at " + FormatDurationNs(f.undo_at_ns) +
                            " is not after at; valid: undo_at > at");
    }
    if (length_ns != 0 && std::max(f.at_ns, f.undo_at_ns) >= length_ns) {
      return Bad(where, which + " is due at or after the phase's end (" +
                            FormatDurationNs(length_ns) +
                            " with its ramp); valid: times from the phase start, before its end");
    }
  }
  return Status::Ok();
}

namespace {
constexpr std::string_view kFaultKeys[] = {"at", "run", "undo_at", "undo"};

// Where the next ",KEY=" of kFaultKeys starts in `text` from `from`, or npos.
size_t NextFaultKey(std::string_view text, size_t from) {
  for (size_t comma = text.find(',', from); comma != std::string_view::npos;
       comma = text.find(',', comma + 1)) {
    for (std::string_view key : kFaultKeys) {
      if (text.substr(comma + 1, key.size() + 1) == std::string(key) + "=") return comma;
    }
  }
  return std::string_view::npos;
}
}  // namespace

Result<FaultSpec> ParseFaultFlag(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--fault \"" + EscapeControlCharacters(text) + "\": " + why +
                                   "; valid: at=20s,run=CMD[,undo_at=50s,undo=CMD]");
  };
  FaultSpec f;
  bool seen[4] = {};
  for (size_t pos = 0; pos < text.size();) {
    const size_t end = std::min(NextFaultKey(text, pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    size_t k = 0;
    while (k < 4 && kFaultKeys[k] != key) ++k;
    if (eq == std::string_view::npos || k == 4) {
      return bad("\"" + std::string(key) + "\" is not at=, run=, undo_at= or undo=");
    }
    if (seen[k]) return bad(std::string(key) + "= given twice");
    seen[k] = true;
    const std::string_view value = item.substr(eq + 1);
    if (k == 0 || k == 2) {
      Result<uint64_t> ns = ParseDurationNs(value);
      if (!ns.ok()) return bad(std::string(key) + "=: " + ns.status().message());
      (k == 0 ? f.at_ns : f.undo_at_ns) = *ns;
    } else {
      (k == 1 ? f.run : f.undo) = std::string(value);
    }
    pos = end == text.size() ? end : end + 1;
  }
  if (!seen[0]) return bad("at= is missing");
  if (!seen[1] || f.run.empty()) return bad("run= is missing or empty");
  if (seen[2] && (!seen[3] || f.undo.empty())) return bad("undo_at= needs undo=");
  return f;
}

Result<std::vector<int>> ParseCpuList(std::string_view text) {
  std::vector<int> cpus;
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("bad CPU list \"" + std::string(text) +
                                   "\": " + std::string(why) + "; valid: e.g. \"0-3,6\"");
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(pos, end - pos);
    const size_t dash = item.find('-');
    int lo = 0, hi = 0;
    const auto parse = [](std::string_view v, int* out) {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
      return ec == std::errc() && p == v.data() + v.size() && !v.empty();
    };
    if (dash == std::string_view::npos) {
      if (!parse(item, &lo)) return bad("not a number");
      hi = lo;
    } else if (!parse(item.substr(0, dash), &lo) || !parse(item.substr(dash + 1), &hi)) {
      return bad("not a number or range");
    }
    if (lo < 0 || hi < lo) return bad("reversed or negative range");
    if (hi >= kMaxCpu) return bad("CPU number too large");
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    pos = end + 1;
    if (end == text.size() - 1) return bad("trailing comma");
  }
  return cpus;
}

}  // namespace durabench
