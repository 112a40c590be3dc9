// The emulated drive (tests/fixtures/emudrive, docs/emudrive.md) against its own contract: what
// a write and a flush cost as a client measures them, and what survives a power cut, in each
// mode; then the real durabench binary on it. Needs root and /dev/fuse, else skipped. Timing
// checks: RUN_SERIAL, p50 of 200 operations, 5 % tolerance on the 2 ms delay (10 % in sanitizer
// builds), up to kTries tries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "durabench_runner.h"
#include "fixtures/emudrive/emudrive_mount.h"

namespace durabench::testing {
namespace {

constexpr double kDelayNs = 2'000'000;
constexpr double kFreeNs = 500'000;  // "costs nothing": well under the delay
constexpr size_t kBlock = 4096;
constexpr int kOps = 200;

uint64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

double P50(std::vector<uint64_t> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return static_cast<double>(v[v.size() / 2]);
}

// A p50 that "costs the delay once" lies in [kDelayNs, kDelayNs + kSlackNs): never below it (the
// daemon's wait is exact and runs from the request's arrival; each sample's minimum is checked
// against kDelayNs too), and above it only by the FUSE round trip and the wakeups. That slack
// was 30-130 us on an idle 2-core VM and up to 0.26 ms (2.13 ms for 2 ms) while the machine
// compiled on both cores, so the bound is half the delay: far above what load adds, and still
// apart from the two ways a mode can be wrong (no delay: under kFreeNs; the delay twice, write
// and flush: 4 ms).
constexpr double kSlackNs = 0.5 * kDelayNs;

// `relative_error`: of a percentile read from a durabench histogram (1 %, measure/histogram.h).
bool NearDelay(double ns, double relative_error = 0) {
  return ns >= (1 - relative_error) * kDelayNs && ns < kDelayNs + kSlackNs;
}
constexpr double kHistogramError = 0.01;

// Timing checks take up to this many tries; an error of the drive itself fails every try.
constexpr int kTries = 3;

enum class Sync { kFdatasync, kNone, kRwfDsync };

struct Timings {
  double write_p50_ns = 0;
  double flush_p50_ns = 0;
  uint64_t write_min_ns = 0;
  uint64_t flush_min_ns = 0;
};

// `ops` 4 KiB writes to `path` (opened with `flags`), each followed by fdatasync for kFdatasync
// or written with pwritev2(RWF_DSYNC) for kRwfDsync; each call timed alone. A few warm-up
// operations first, not timed.
Timings TimeWrites(const std::string& path, int flags, Sync sync, int ops = kOps) {
  Timings t;
  const int fd = ::open(path.c_str(), flags | O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
  if (fd < 0) return t;
  AlignedBlocks buf(1, kBlock);
  std::memset(buf.Block(0), 'w', kBlock);
  std::vector<uint64_t> writes, flushes;
  for (int i = -5; i < ops; ++i) {
    const off_t offset = static_cast<off_t>((i + 5) % 256 * kBlock);
    const uint64_t t0 = NowNs();
    const ssize_t n = sync == Sync::kRwfDsync ? ::pwritev2(fd, buf.iovecs(), 1, offset, RWF_DSYNC)
                                              : ::pwrite(fd, buf.Block(0), kBlock, offset);
    const uint64_t t1 = NowNs();
    EXPECT_EQ(n, static_cast<ssize_t>(kBlock)) << std::strerror(errno);
    if (sync == Sync::kFdatasync) {
      EXPECT_EQ(::fdatasync(fd), 0) << std::strerror(errno);
    }
    const uint64_t t2 = NowNs();
    if (i < 0) continue;
    writes.push_back(t1 - t0);
    if (sync == Sync::kFdatasync) flushes.push_back(t2 - t1);
  }
  ::close(fd);
  t.write_p50_ns = P50(writes);
  t.flush_p50_ns = P50(flushes);
  t.write_min_ns = writes.empty() ? 0 : *std::min_element(writes.begin(), writes.end());
  t.flush_min_ns = flushes.empty() ? 0 : *std::min_element(flushes.begin(), flushes.end());
  std::printf("[ emudrive ] %s flags=%#x: write p50 %.1f us, flush p50 %.1f us (%d ops)\n",
              path.c_str(), static_cast<unsigned>(flags), t.write_p50_ns / 1e3,
              t.flush_p50_ns / 1e3, ops);
  return t;
}

void WriteAt(int fd, const std::string& data, off_t offset) {
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), offset), static_cast<ssize_t>(data.size()))
      << std::strerror(errno);
}

// A drive in `mode` with 2 ms delay over dir/backing, mounted at dir/mnt.
struct Fixture {
  explicit Fixture(const std::string& mode) : drive(mode, "2ms", Backing(), dir.File("mnt")) {}
  explicit Fixture(const EmuDriveOptions& o) : drive(o, Backing(), dir.File("mnt")) {}
  std::string Backing() const { return dir.File("backing"); }
  std::string BackingFile(const std::string& name) const { return Backing() + "/" + name; }
  TempDir dir;
  EmuDriveMount drive;
};

#define SKIP_UNLESS_MOUNTED(f) \
  if (!(f).drive.ok()) GTEST_SKIP() << "skipped: " << (f).drive.skip_reason()

struct ModeCase {
  const char* mode;
  bool write_costs;  // each write costs the delay
  bool flush_costs;  // each fdatasync costs the delay
};

class EmuDriveTiming : public ::testing::TestWithParam<ModeCase> {};

void PrintTo(const ModeCase& c, std::ostream* os) { *os << c.mode; }

TEST_P(EmuDriveTiming, DirectWriteAndFdatasyncCostWhatTheModeSays) {
  const ModeCase c = GetParam();
  Fixture f(c.mode);
  SKIP_UNLESS_MOUNTED(f);
  auto as_expected = [&c](double ns, bool costs) { return costs ? NearDelay(ns) : ns < kFreeNs; };
  Timings t;
  for (int i = 0; i < kTries; ++i) {
    const uint64_t writes = f.drive.Counter("writes");
    const uint64_t flushes = f.drive.Counter("flushes");
    t = TimeWrites(f.drive.File("t.dat"), O_DIRECT, Sync::kFdatasync);
    EXPECT_EQ(f.drive.Counter("writes") - writes, kOps + 5u);
    EXPECT_EQ(f.drive.Counter("flushes") - flushes, kOps + 5u);
    if (as_expected(t.write_p50_ns, c.write_costs) && as_expected(t.flush_p50_ns, c.flush_costs)) {
      break;
    }
  }
  // The wait runs from the request's arrival in the daemon: no client can see less.
  if (c.write_costs) {
    EXPECT_TRUE(NearDelay(t.write_p50_ns)) << t.write_p50_ns;
    EXPECT_GE(t.write_min_ns, kDelayNs);
  } else {
    EXPECT_LT(t.write_p50_ns, kFreeNs);
  }
  if (c.flush_costs) {
    EXPECT_TRUE(NearDelay(t.flush_p50_ns)) << t.flush_p50_ns;
    EXPECT_GE(t.flush_min_ns, kDelayNs);
  } else {
    EXPECT_LT(t.flush_p50_ns, kFreeNs);
  }
  EXPECT_EQ(f.drive.Counter("fua_writes"), 0u);
  EXPECT_TRUE(f.drive.Unmount()) << f.drive.log();
}

INSTANTIATE_TEST_SUITE_P(Modes, EmuDriveTiming,
                         ::testing::Values(ModeCase{"volatile", false, true},
                                           ModeCase{"plp", false, false},
                                           ModeCase{"writethrough", true, false},
                                           ModeCase{"liar", false, false}),
                         [](const auto& param_info) { return std::string(param_info.param.mode); });

// O_DSYNC and RWF_DSYNC writes arrive flagged (FUA) and cost the delay once: the kernel sends no
// separate FSYNC after them on a direct_io file, which `flushes` == 0 proves.
TEST(EmuDrive, DsyncWritesCostTheDelayOnceInVolatileMode) {
  Fixture f("volatile");
  SKIP_UNLESS_MOUNTED(f);
  for (const auto& [flags, sync] :
       {std::pair{O_DIRECT | O_DSYNC, Sync::kNone}, std::pair{O_DSYNC, Sync::kNone},
        std::pair{O_DIRECT | O_SYNC, Sync::kNone}, std::pair{O_DIRECT, Sync::kRwfDsync}}) {
    SCOPED_TRACE("flags " + std::to_string(flags) + (sync == Sync::kRwfDsync ? " RWF_DSYNC" : ""));
    Timings t;
    for (int i = 0; i < kTries && !NearDelay(t.write_p50_ns); ++i) {
      const uint64_t fua_before = f.drive.Counter("fua_writes");
      t = TimeWrites(f.drive.File("dsync.dat"), flags, sync, 100);
      EXPECT_EQ(f.drive.Counter("fua_writes") - fua_before, 105u);
    }
    EXPECT_TRUE(NearDelay(t.write_p50_ns)) << t.write_p50_ns;
    EXPECT_GE(t.write_min_ns, kDelayNs);
    EXPECT_EQ(f.drive.Counter("flushes"), 0u);
  }
  EXPECT_EQ(f.drive.Counter("cached_bytes"), 0u);
}

// Writes "flushed" at 0 (+ fdatasync) and "unflushed" at 4096, cuts the power, and returns the
// backing file's bytes at those offsets.
std::pair<std::string, std::string> CutAfterWrites(Fixture& f, bool via_control_file = false) {
  const int fd = ::open(f.drive.File("cut.dat").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  WriteAt(fd, "flushed", 0);
  EXPECT_EQ(::fdatasync(fd), 0);
  WriteAt(fd, "unflushed", 4096);
  char buf[9] = {};
  EXPECT_EQ(::pread(fd, buf, 9, 4096), 9);  // reads see the drive's cache
  EXPECT_EQ(std::string(buf, 9), "unflushed");
  EXPECT_TRUE(f.drive.PowerCut(via_control_file)) << f.drive.log();
  ::close(fd);
  const std::string backing = ReadFile(f.BackingFile("cut.dat"));
  EXPECT_EQ(backing.size(), 4096u + 9);  // the size is metadata: persisted at once
  return {backing.substr(0, 7), backing.substr(4096)};
}

TEST(EmuDrive, PowerCutVolatileKeepsOnlyFlushedData) {
  Fixture f("volatile");
  SKIP_UNLESS_MOUNTED(f);
  const auto [flushed, unflushed] = CutAfterWrites(f);
  EXPECT_EQ(flushed, "flushed");
  EXPECT_EQ(unflushed, std::string(9, '\0'));
}

TEST(EmuDrive, PowerCutThroughControlFile) {
  Fixture f("volatile");
  SKIP_UNLESS_MOUNTED(f);
  const auto [flushed, unflushed] = CutAfterWrites(f, /*via_control_file=*/true);
  EXPECT_EQ(flushed, "flushed");
  EXPECT_EQ(unflushed, std::string(9, '\0'));
}

TEST(EmuDrive, PowerCutLiarLosesEvenFlushedData) {
  Fixture f("liar");
  SKIP_UNLESS_MOUNTED(f);
  const auto [flushed, unflushed] = CutAfterWrites(f);
  EXPECT_EQ(flushed, std::string(7, '\0'));
  EXPECT_EQ(unflushed, std::string(9, '\0'));
}

TEST(EmuDrive, PowerCutPlpAndWriteThroughKeepEverything) {
  for (const char* mode : {"plp", "writethrough"}) {
    SCOPED_TRACE(mode);
    Fixture f(mode);
    SKIP_UNLESS_MOUNTED(f);
    const auto [flushed, unflushed] = CutAfterWrites(f);
    EXPECT_EQ(flushed, "flushed");
    EXPECT_EQ(unflushed, "unflushed");
  }
}

// A cut while a writer is busy: every write whose fdatasync returned before the cut is in the
// backing file, the daemon exits and the mount is gone (the writer then sees errors).
TEST(EmuDrive, PowerCutUnderLoadKeepsEveryAcknowledgedWrite) {
  Fixture f("volatile");
  SKIP_UNLESS_MOUNTED(f);
  const int fd = ::open(f.drive.File("load.dat").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  std::atomic<int> acked{-1};
  std::thread writer([&] {
    for (int i = 0; i < 4096; ++i) {
      const std::string block(kBlock, static_cast<char>('A' + i % 26));
      if (::pwrite(fd, block.data(), kBlock, static_cast<off_t>(i) * kBlock) !=
          static_cast<ssize_t>(kBlock))
        return;
      if (::fdatasync(fd) != 0) return;
      acked = i;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(f.drive.PowerCut()) << f.drive.log();
  writer.join();
  ::close(fd);
  const int last = acked;
  EXPECT_GT(last, 10);
  const std::string backing = ReadFile(f.BackingFile("load.dat"));
  ASSERT_GE(backing.size(), static_cast<size_t>(last + 1) * kBlock);
  for (int i = 0; i <= last; ++i) {
    ASSERT_EQ(backing.substr(static_cast<size_t>(i) * kBlock, kBlock),
              std::string(kBlock, static_cast<char>('A' + i % 26)))
        << "acknowledged block " << i << " of " << last << " lost";
  }
}

// --torn through the daemon: the last cached write is cut at its middle, earlier ones are lost.
TEST(EmuDrive, TornPowerCutLeavesTheLastWriteHalfNewHalfOld) {
  EmuDriveOptions o;
  o.torn = true;
  Fixture f(o);
  SKIP_UNLESS_MOUNTED(f);
  const int fd = ::open(f.drive.File("torn.dat").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  WriteAt(fd, std::string(2 * kBlock, 'o'), 0);
  ASSERT_EQ(::fdatasync(fd), 0);
  WriteAt(fd, std::string(kBlock, 'a'), 0);
  WriteAt(fd, std::string(kBlock, 'n'), kBlock);
  EXPECT_TRUE(f.drive.PowerCut()) << f.drive.log();
  ::close(fd);
  EXPECT_EQ(ReadFile(f.BackingFile("torn.dat")),
            std::string(kBlock, 'o') + std::string(kBlock / 2, 'n') + std::string(kBlock / 2, 'o'));
}

TEST(EmuDrive, CleanUnmountWritesTheCacheBack) {
  for (const char* mode : {"volatile", "liar"}) {
    SCOPED_TRACE(mode);
    Fixture f(mode);
    SKIP_UNLESS_MOUNTED(f);
    const int fd = ::open(f.drive.File("clean.dat").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    WriteAt(fd, "never flushed", 0);
    ::close(fd);
    EXPECT_EQ(ReadFile(f.BackingFile("clean.dat")), std::string(13, '\0'));
    EXPECT_EQ(f.drive.Counter("cached_bytes"), 13u);
    EXPECT_TRUE(f.drive.Unmount()) << f.drive.log();
    EXPECT_EQ(ReadFile(f.BackingFile("clean.dat")), "never flushed");
  }
}

TEST(EmuDrive, CacheLimitWritesOldestDataBack) {
  EmuDriveOptions o;
  o.cache_limit = "16KiB";
  Fixture f(o);
  SKIP_UNLESS_MOUNTED(f);
  const int fd = ::open(f.drive.File("big.dat").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 8; ++i)
    WriteAt(fd, std::string(kBlock, static_cast<char>('a' + i)), i * kBlock);
  ::close(fd);
  EXPECT_EQ(f.drive.Counter("evicted_bytes"), 4 * kBlock);
  EXPECT_EQ(f.drive.Counter("cached_bytes"), 4 * kBlock);
  ASSERT_TRUE(f.drive.PowerCut());
  const std::string backing = ReadFile(f.BackingFile("big.dat"));
  ASSERT_EQ(backing.size(), 8 * kBlock);
  EXPECT_EQ(backing.substr(3 * kBlock, kBlock), std::string(kBlock, 'd'));   // oldest: persisted
  EXPECT_EQ(backing.substr(4 * kBlock, kBlock), std::string(kBlock, '\0'));  // newest: lost
}

TEST(EmuDrive, BehavesLikeADirectoryForDurabench) {
  Fixture f("plp");
  SKIP_UNLESS_MOUNTED(f);
  ASSERT_EQ(::mkdir(f.drive.File("d").c_str(), 0755), 0);
  const std::string a = f.drive.File("d/a");
  const int fd = ::open(a.c_str(), O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_LT(::open(a.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644), 0);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(::fallocate(fd, 0, 0, 1 << 20), 0) << std::strerror(errno);
  EXPECT_EQ(::ftruncate(fd, 8192), 0);
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 8192);
  ::close(fd);
  std::string listing;
  ASSERT_EQ(Shell("ls -a '" + f.drive.mount_point() + "' '" + f.drive.File("d") + "'", &listing),
            0);
  EXPECT_NE(listing.find("a\n"), std::string::npos) << listing;
  EXPECT_EQ(listing.find(".emudrive-control"), std::string::npos) << listing;
  ASSERT_EQ(::rename(a.c_str(), f.drive.File("d/b").c_str()), 0);
  EXPECT_EQ(::access(f.BackingFile("d/b").c_str(), F_OK), 0);
  ASSERT_EQ(::unlink(f.drive.File("d/b").c_str()), 0);
  ASSERT_EQ(::rmdir(f.drive.File("d").c_str()), 0);
  EXPECT_EQ(Shell("stat -f '" + f.drive.mount_point() + "' >/dev/null"), 0);
  EXPECT_EQ(f.drive.Stats()["mode"], "plp");
  EXPECT_TRUE(f.drive.Unmount()) << f.drive.log();
}

// durabench itself on a volatile 2 ms drive must report the flush at that cost.
TEST(EmuDrive, DurabenchReportsTheEmulatedFlushCost) {
  Fixture f("volatile");
  SKIP_UNLESS_MOUNTED(f);
  nlohmann::json ops;
  double flush_p50 = 0;
  for (int i = 0; i < kTries && !NearDelay(flush_p50, kHistogramError); ++i) {
    const CommandResult r =
        Durabench({"run", "--target", f.drive.mount_point(), "--runtime", "0s", "--ops", "200",
                   "--size", "4MiB", "--sync", "fdatasync", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ops = nlohmann::json::parse(r.out)["phases"][0]["ops"];
    flush_p50 = ops["flush"]["lat_ns"]["percentiles"]["50"].get<double>();
    std::printf("[ emudrive ] durabench on volatile 2ms: flush p50 %.1f us, write p50 %.1f us\n",
                flush_p50 / 1e3, ops["write"]["lat_ns"]["percentiles"]["50"].get<double>() / 1e3);
  }
  EXPECT_TRUE(NearDelay(flush_p50, kHistogramError)) << flush_p50;
  EXPECT_LT(ops["write"]["lat_ns"]["percentiles"]["50"].get<double>(), kFreeNs);
  EXPECT_GE(ops["flush"]["lat_ns"]["min"].get<double>(), kDelayNs);  // min is exact
  EXPECT_EQ(ops["flush"]["count"], 200);
  EXPECT_TRUE(f.drive.Unmount()) << f.drive.log();
  std::string left;
  Shell("ls -A '" + f.Backing() + "'", &left);
  EXPECT_EQ(left, "");  // durabench removed its files
}

}  // namespace
}  // namespace durabench::testing
