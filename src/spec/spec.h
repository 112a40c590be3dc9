// The typed description of what to run: a workload is named phases, each fully specified.
//
// Produced by the TOML parser (workload_file.h) and by `run` flags; consumed by the phase runner.
// All sizes are bytes, all durations nanoseconds (units in names, STYLE.md 4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/sync_method.h"
#include "util/status.h"

namespace durabench {

enum class Pattern { kRead, kWrite, kRandRead, kRandWrite, kRandRW };

enum class DataKind { kRandom, kZero, kCompressible };

struct DataSpec {
  DataKind kind = DataKind::kRandom;
  int compressible_percent = 0;  // for kCompressible: share of each block that is zeros, 0..100
};

// A fault on the phase's timeline (docs/chaos.md): at `at_ns` from the phase start (its ramp
// included) the runner runs `run` with /bin/sh -c; with an `undo`, that runs at `undo_at_ns`,
// or when the phase ends first (so a node taken down is always brought back). Commands run one
// at a time, each to its end, while the jobs go on.
struct FaultSpec {
  uint64_t at_ns = 0;
  std::string run;
  uint64_t undo_at_ns = 0;  // 0 with an undo: at the phase's end
  std::string undo;         // "" = none
};

// Parses `--fault`'s value, "at=20s,run=CMD[,undo_at=50s,undo=CMD]": keys in any order, each
// once; a value runs up to the next ",KEY=" of these four keys, so a command may hold commas.
// InvalidArgument naming the problem.
Result<FaultSpec> ParseFaultFlag(std::string_view text);

struct PhaseSpec {
  std::string name;
  std::string engine = "psync";
  Pattern pattern = Pattern::kRandWrite;
  int read_percent = 50;  // randrw only, 0..100
  uint64_t block_size_bytes = 4096;
  uint64_t size_bytes = 64ull << 20;        // per job: the file (or device region) size
  uint64_t runtime_ns = 10'000'000'000ull;  // 0 = until `ops` or one pass over `size`
  uint64_t ops = 0;                         // 0 = unlimited; with runtime, whichever comes first
  uint64_t ramp_ns = 0;                     // warm-up run before measuring, not recorded
  uint32_t iodepth = 1;
  uint32_t jobs = 1;
  bool direct = false;
  SyncMethod sync = SyncMethod::kFdatasync;  // a durability profiler: durable by default
  uint32_t fsync_every = 1;                  // flush after every N writes (flush methods only)
  uint64_t rate_iops = 0;                    // per job; 0 = closed loop, as fast as possible
  bool sqpoll = false;                       // io_uring: a kernel thread polls the submission queue
  // Lay the file out with a full write pass before measuring (so writes are overwrites); false:
  // fallocate only, so a sequential phase writes fresh space (an SLC-cache test wants that).
  // `run` prepares once for all phases and fills unless every phase says false.
  bool fill = true;
  std::string cpus;  // CPUs to pin jobs to ("0-3,6"): job j on the (j mod n)-th; "" = none
  DataSpec data;
  std::vector<FaultSpec> faults;  // in the order they are due
};

// Limits that ValidatePhase enforces (the TOML parser reports them with file and line).
inline constexpr uint64_t kMaxBlockSizeBytes = 1ull << 30;  // one I/O; Linux moves < 2 GiB per call
inline constexpr uint64_t kDirectAlignBytes = 512;          // O_DIRECT: the smallest sector size
inline constexpr uint32_t kMaxIodepth = 65536;
inline constexpr uint32_t kMaxJobs = 4096;               // one thread each
inline constexpr uint32_t kMaxFsyncEvery = 1u << 20;     // the job keeps one timestamp per write
inline constexpr uint64_t kMaxRateIops = 1'000'000'000;  // per job; the pacing period is whole ns
inline constexpr int kMaxCpu = 1024;                     // CPU_SETSIZE

struct WorkloadSpec {
  std::string name;         // preset name or file stem
  std::string description;  // the file's `description`
  std::string source;       // path of the file it came from, "" for ad-hoc
  std::vector<PhaseSpec> phases;
};

// Names as written in TOML, flags and JSON, and parsers that name the valid choices on error.
std::string_view PatternName(Pattern p);
std::string_view SyncMethodName(SyncMethod s);
std::string DataSpecName(const DataSpec& d);  // "random", "zero", "compressible:50%"
Result<Pattern> ParsePattern(std::string_view text);
Result<SyncMethod> ParseSyncMethod(std::string_view text);
Result<DataSpec> ParseDataSpec(std::string_view text);
// All names, in declaration order (for `durabench list` and error messages).
std::vector<std::string_view> AllSyncMethodNames();
std::vector<std::string_view> AllPatternNames();
// What ParseDataSpec accepts, as its messages list it: "random, zero, compressible:N% (...)".
std::string_view DataSpecChoices();

// Parses a CPU list as taskset(1) writes it: "0-3,6" -> {0,1,2,3,6}. Empty text -> empty list.
// InvalidArgument quoting the text on bad syntax, reversed ranges or CPUs >= CPU_SETSIZE.
Result<std::vector<int>> ParseCpuList(std::string_view text);

// True for methods that issue a separate flush call after writes (fsync, fdatasync, sfr).
bool SyncUsesFlushCall(SyncMethod s);
// True for methods that make every write durable by itself (osync, odsync, rwf_*).
bool SyncIsPerWrite(SyncMethod s);
inline bool PatternReads(Pattern p) {
  return p == Pattern::kRead || p == Pattern::kRandRead || p == Pattern::kRandRW;
}
inline bool PatternWrites(Pattern p) {
  return p == Pattern::kWrite || p == Pattern::kRandWrite || p == Pattern::kRandRW;
}

// A phase name is printed in tables, progress lines and file names: printable text only.
// InvalidArgument "phase name \"ph\x01ase\" contains a control character (0x01); valid: ..."
// when it has a byte below 0x20 or 0x7f (the name in the message escaped, never raw); OK else.
Status ValidatePhaseName(std::string_view name);
// `text` with control characters (bytes < 0x20 and 0x7f) written as \xNN, for messages.
std::string EscapeControlCharacters(std::string_view text);

// Checks cross-field rules (block size > 0 and <= size, iodepth/jobs >= 1, read_percent range,
// O_DIRECT needs a block size that is a multiple of 512, ...) and the name (ValidatePhaseName).
// `where` prefixes the message.
// The faults too: a command that is not empty, an undo after its action, and every time within
// the phase's ramp + runtime when it has one.
Status ValidatePhase(const PhaseSpec& phase, std::string_view where);

}  // namespace durabench
