// psync through the swappable syscall layer: which call each request makes, with which flags,
// and that per-operation errors come back in the request, not as a transport failure.
#include "engine/psync_engine.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/null_engine.h"
#include "engine/registry.h"
#include "support/test_util.h"
#include "util/sys.h"

namespace durabench {
namespace {

// Counts calls and remembers the last flags; forwards to libc unless told to fail.
struct Calls {
  int open_flags = 0;
  int pwrite = 0, pwritev2 = 0, pread = 0, fsync = 0, fdatasync = 0, sfr = 0;
  int last_rwf = 0;
  unsigned last_sfr_flags = 0;
  int fail_errno = 0;  // when set, writes and flushes fail with it
};
Calls g_calls;

SysCalls CountingSysCalls() {
  SysCalls t = LibcSysCalls();
  t.open = [](const char* p, int f, mode_t m) {
    g_calls.open_flags = f;
    return LibcSysCalls().open(p, f, m);
  };
  t.pwrite = [](int fd, const void* b, size_t n, off_t o) -> ssize_t {
    g_calls.pwrite++;
    if (g_calls.fail_errno) return errno = g_calls.fail_errno, -1;
    return LibcSysCalls().pwrite(fd, b, n, o);
  };
  t.pwritev2 = [](int fd, const struct iovec* v, int c, off_t o, int f) -> ssize_t {
    g_calls.pwritev2++;
    g_calls.last_rwf = f;
    return LibcSysCalls().pwritev2(fd, v, c, o, f);
  };
  t.pread = [](int fd, void* b, size_t n, off_t o) -> ssize_t {
    g_calls.pread++;
    return LibcSysCalls().pread(fd, b, n, o);
  };
  t.fsync = [](int fd) {
    g_calls.fsync++;
    return LibcSysCalls().fsync(fd);
  };
  t.fdatasync = [](int fd) {
    g_calls.fdatasync++;
    if (g_calls.fail_errno) return errno = g_calls.fail_errno, -1;
    return LibcSysCalls().fdatasync(fd);
  };
  t.sync_file_range = [](int fd, off_t o, off_t n, unsigned f) {
    g_calls.sfr++;
    g_calls.last_sfr_flags = f;
    return LibcSysCalls().sync_file_range(fd, o, n, f);
  };
  return t;
}

class PsyncEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_calls = Calls();
    table_ = CountingSysCalls();
    SetSysCalls(&table_);
    path_ = dir_.File("data");
    ASSERT_EQ(testing::Shell("truncate -s 1M " + path_), 0);
    std::memset(block_.Block(0), 'x', 4096);
  }
  void TearDown() override { SetSysCalls(nullptr); }
  IoRequest Write(uint64_t offset, int rwf = 0) {
    IoRequest r;
    r.type = IoType::kWrite;
    r.buf = block_.Block(0);
    r.length = 4096;
    r.offset = offset;
    r.rw_flags = rwf;
    return r;
  }

  testing::TempDir dir_{"/dev/shm"};
  std::string path_;
  SysCalls table_;
  testing::AlignedBlocks block_{1};
};

TEST_F(PsyncEngineTest, OpenFlagsFollowSyncAndDirect) {
  PsyncEngine e;
  EngineOpenOptions o;
  o.sync = SyncMethod::kOsync;
  ASSERT_TRUE(e.Open(path_, o).ok());
  EXPECT_EQ(g_calls.open_flags & O_SYNC, O_SYNC);
  o.sync = SyncMethod::kOdsync;
  ASSERT_TRUE(e.Open(path_, o).ok());
  EXPECT_EQ(g_calls.open_flags & O_SYNC, O_DSYNC);  // O_DSYNC only, not the full O_SYNC
  o.sync = SyncMethod::kFdatasync;
  o.direct = true;
  ASSERT_TRUE(e.Open(path_, o).ok());
  EXPECT_TRUE(g_calls.open_flags & O_DIRECT);
  EXPECT_EQ(g_calls.open_flags & O_DSYNC, 0);
  o.writes = false;
  ASSERT_TRUE(e.Open(path_, o).ok());
  EXPECT_EQ(g_calls.open_flags & O_ACCMODE, O_RDONLY);
}

TEST_F(PsyncEngineTest, EachRequestMakesItsCall) {
  PsyncEngine e;
  ASSERT_TRUE(e.Open(path_, EngineOpenOptions()).ok());
  IoRequest w = Write(8192);
  EXPECT_EQ(e.Submit(&w), Engine::kCompleted);
  EXPECT_EQ(w.result, 4096);
  EXPECT_EQ(g_calls.pwrite, 1);
  IoRequest d = Write(0, RWF_DSYNC);
  e.Submit(&d);
  EXPECT_EQ(g_calls.pwritev2, 1);
  EXPECT_EQ(g_calls.last_rwf, RWF_DSYNC);
  EXPECT_EQ(d.result, 4096);
  IoRequest s = Write(0, RWF_SYNC);
  e.Submit(&s);
  EXPECT_EQ(g_calls.last_rwf, RWF_SYNC);

  IoRequest f;
  f.type = IoType::kFlush;
  f.flush_kind = FlushKind::kFsync;
  e.Submit(&f);
  f.flush_kind = FlushKind::kFdatasync;
  e.Submit(&f);
  f.flush_kind = FlushKind::kSyncFileRange;
  f.offset = 0;
  f.length = 8192;
  e.Submit(&f);
  EXPECT_EQ(g_calls.fsync, 1);
  EXPECT_EQ(g_calls.fdatasync, 1);
  EXPECT_EQ(g_calls.sfr, 1);
  EXPECT_EQ(g_calls.last_sfr_flags, unsigned{SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                             SYNC_FILE_RANGE_WAIT_AFTER});
  IoRequest r = Write(8192);
  r.type = IoType::kRead;
  e.Submit(&r);
  EXPECT_EQ(g_calls.pread, 1);
  EXPECT_EQ(r.result, 4096);
}

TEST_F(PsyncEngineTest, FailedOperationIsReportedInTheRequest) {
  PsyncEngine e;
  ASSERT_TRUE(e.Open(path_, EngineOpenOptions()).ok());
  g_calls.fail_errno = ENOSPC;
  IoRequest w = Write(0);
  EXPECT_EQ(e.Submit(&w), Engine::kCompleted);  // not a transport failure
  EXPECT_EQ(w.result, -ENOSPC);
  IoRequest f;
  f.type = IoType::kFlush;
  e.Submit(&f);
  EXPECT_EQ(f.result, -ENOSPC);
}

TEST_F(PsyncEngineTest, EintrIsRetriedInTheSyscallLayer) {
  static int interrupts = 0;
  interrupts = 2;
  table_.fdatasync = [](int fd) {
    if (interrupts > 0) {
      --interrupts;
      errno = EINTR;
      return -1;
    }
    g_calls.fdatasync++;
    return LibcSysCalls().fdatasync(fd);
  };
  PsyncEngine e;
  ASSERT_TRUE(e.Open(path_, EngineOpenOptions()).ok());
  IoRequest f;
  f.type = IoType::kFlush;
  e.Submit(&f);
  EXPECT_EQ(f.result, 0);
  EXPECT_EQ(interrupts, 0);
  EXPECT_EQ(g_calls.fdatasync, 1);
}

TEST_F(PsyncEngineTest, DirectIoNeedsAlignment) {
  // On a disk filesystem (tmpfs accepts any alignment with O_DIRECT).
  testing::TempDir disk("/var/tmp");
  const std::string path = disk.File("data");
  ASSERT_EQ(testing::Shell("truncate -s 1M " + path), 0);
  PsyncEngine e;
  EngineOpenOptions o;
  o.direct = true;
  Status st = e.Open(path, o);
  if (st.code() == Status::Code::kNotSupported) GTEST_SKIP() << "skipped: " << st.message();
  ASSERT_TRUE(st.ok()) << st.message();
  IoRequest w = Write(4096);
  e.Submit(&w);
  EXPECT_EQ(w.result, 4096);
  IoRequest misaligned = Write(100);  // offset not a multiple of the logical block size
  e.Submit(&misaligned);
  EXPECT_EQ(misaligned.result, -EINVAL);
}

TEST_F(PsyncEngineTest, OpenMissingFileNamesCallAndPath) {
  PsyncEngine e;
  Status st = e.Open(dir_.File("missing"), EngineOpenOptions());
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("open " + dir_.File("missing") + ": No such file"), std::string::npos)
      << st.message();
}

TEST(EngineRegistry, FindsEnginesAndNamesTheChoices) {
  ASSERT_TRUE(FindEngine("psync").ok());
  ASSERT_TRUE(FindEngine("null").ok());
  Result<const EngineInfo*> r = FindEngine("nope");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("psync"), std::string::npos);
  EXPECT_FALSE((*FindEngine("null"))->caps.does_io);
  EXPECT_TRUE((*FindEngine("psync"))->caps.SupportsSync(SyncMethod::kRwfDsync));
}

TEST(NullEngine, CompletesInlineWithoutIo) {
  NullEngine e;
  ASSERT_TRUE(e.Open("/nonexistent", EngineOpenOptions()).ok());
  IoRequest w;
  w.length = 4096;
  EXPECT_EQ(e.Submit(&w), Engine::kCompleted);
  EXPECT_EQ(w.result, 4096);
}

}  // namespace
}  // namespace durabench
