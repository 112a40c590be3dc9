// libaio against the real kernel, on real files: an ext4 directory (/var/tmp) and tmpfs
// (/dev/shm, which accepts O_DIRECT on current kernels). Each test proves one part of the engine
// contract: data round trips at queue depth, flushes and RWF_* writes complete, a whole queue goes
// out in one Commit(), Reap(0, n) polls, per-operation errors stay in the request, and setup
// errors are Status values that name what failed.
#include "engine/libaio_engine.h"

#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/uio.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/registry.h"
#include "support/test_util.h"

namespace durabench {
namespace {

constexpr uint32_t kBlock = 4096;

// Opens `engine`; skips the test when the kernel or filesystem cannot do it.
#define ASSERT_OPEN_OR_SKIP(expr)                            \
  do {                                                       \
    const Status open_status = (expr);                       \
    if (open_status.code() == Status::Code::kNotSupported) { \
      GTEST_SKIP() << "skipped: " << open_status.message();  \
    }                                                        \
    ASSERT_TRUE(open_status.ok()) << open_status.message();  \
  } while (0)

// `count` blocks of kBlock bytes, aligned for O_DIRECT; block i is filled with Pattern(i).
class Buffers : public testing::AlignedBlocks {
 public:
  explicit Buffers(uint32_t count) : AlignedBlocks(count, kBlock) {}
  static char Pattern(uint32_t i) { return static_cast<char>('A' + i % 26); }
  void Fill() {
    for (uint32_t i = 0; i < count(); ++i) std::memset(Block(i), Pattern(i), kBlock);
  }
  // True when block i holds `kBlock` bytes of `c`.
  bool Holds(uint32_t i, char c) const {
    for (uint32_t j = 0; j < kBlock; ++j) {
      if (Block(i)[j] != c) return false;
    }
    return true;
  }
};

IoRequest Rw(IoType type, void* buf, uint64_t offset, int rwf = 0) {
  IoRequest r;
  r.type = type;
  r.buf = buf;
  r.length = kBlock;
  r.offset = offset;
  r.rw_flags = rwf;
  return r;
}

IoRequest Flush(FlushKind kind) {
  IoRequest r;
  r.type = IoType::kFlush;
  r.flush_kind = kind;
  return r;
}

// Reaps until `n` requests came back (each at most once); fails the test on a Reap() error.
std::vector<IoRequest*> ReapAll(Engine& e, uint32_t n) {
  std::vector<IoRequest*> done;
  std::vector<IoRequest*> out(n);
  while (done.size() < n) {
    const uint32_t left = n - static_cast<uint32_t>(done.size());
    const int r = e.Reap(1, left, out.data());
    EXPECT_GT(r, 0) << "Reap returned " << r << " with " << left << " requests outstanding";
    if (r <= 0) break;
    done.insert(done.end(), out.begin(), out.begin() + r);
  }
  return done;
}

bool OnTmpfs(const std::string& path) {
  struct statfs fs;
  return statfs(path.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

// Runs on each filesystem named by the parameter (the base directory of the test's TempDir).
class LibaioEngineTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    path_ = dir_.File("data");
    // Allocated blocks: an O_DIRECT write that extends the file or fills a hole may complete
    // synchronously in io_submit on ext4; writes into allocated blocks are truly asynchronous.
    ASSERT_EQ(testing::Shell("fallocate -l 4M " + path_), 0);
  }
  Status Open(LibaioEngine& e, uint32_t iodepth, SyncMethod sync = SyncMethod::kNone) {
    EngineOpenOptions o;
    o.direct = true;
    o.iodepth = iodepth;
    o.sync = sync;
    return e.Open(path_, o);
  }

  testing::TempDir dir_{GetParam()};
  std::string path_;
};

INSTANTIATE_TEST_SUITE_P(Filesystems, LibaioEngineTest, ::testing::Values("/var/tmp", "/dev/shm"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           return std::string(p.param) == "/dev/shm" ? "tmpfs" : "var_tmp";
                         });

TEST_P(LibaioEngineTest, WritesAtQueueDepth32ThenReadsThemBack) {
  constexpr uint32_t kQd = 32;
  LibaioEngine e;
  ASSERT_OPEN_OR_SKIP(Open(e, kQd));
  Buffers out(kQd), in(kQd);
  out.Fill();
  std::vector<IoRequest> reqs;
  // Every other block, so a read of the wrong block would see zeros or a neighbour's pattern.
  for (uint32_t i = 0; i < kQd; ++i)
    reqs.push_back(Rw(IoType::kWrite, out.Block(i), 2 * i * kBlock));
  for (auto& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), static_cast<int>(kQd));
  for (IoRequest* r : ReapAll(e, kQd)) EXPECT_EQ(r->result, kBlock);

  for (uint32_t i = 0; i < kQd; ++i) reqs[i] = Rw(IoType::kRead, in.Block(i), 2 * i * kBlock);
  for (auto& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), static_cast<int>(kQd));
  for (IoRequest* r : ReapAll(e, kQd)) EXPECT_EQ(r->result, kBlock);
  for (uint32_t i = 0; i < kQd; ++i) EXPECT_TRUE(in.Holds(i, Buffers::Pattern(i))) << "block " << i;
}

TEST_P(LibaioEngineTest, FsyncAndFdatasyncCompleteAfterTheirWrites) {
  LibaioEngine e;
  ASSERT_OPEN_OR_SKIP(Open(e, 8));
  Buffers b(8);
  b.Fill();
  for (FlushKind kind : {FlushKind::kFsync, FlushKind::kFdatasync}) {
    SCOPED_TRACE(FlushKindName(kind));
    // The job's order without linking: the writes complete, then the flush that covers them.
    std::vector<IoRequest> writes;
    for (uint32_t i = 0; i < 8; ++i) writes.push_back(Rw(IoType::kWrite, b.Block(i), i * kBlock));
    for (auto& w : writes) ASSERT_EQ(e.Submit(&w), Engine::kQueued);
    ASSERT_EQ(e.Commit(), 8);
    for (IoRequest* r : ReapAll(e, 8)) ASSERT_EQ(r->result, kBlock);

    IoRequest f = Flush(kind);
    ASSERT_EQ(e.Submit(&f), Engine::kQueued);
    const int c = e.Commit();
    if (c == -EINVAL) {
      GTEST_SKIP() << "skipped: this kernel refuses IOCB_CMD_" << FlushKindName(kind) << " on "
                   << GetParam() << " (io_submit: EINVAL)";
    }
    ASSERT_EQ(c, 1);
    std::vector<IoRequest*> done = ReapAll(e, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0], &f);
    EXPECT_EQ(f.result, 0);
  }
}

TEST_P(LibaioEngineTest, RwfDsyncAndRwfSyncWritesComplete) {
  LibaioEngine e;
  ASSERT_OPEN_OR_SKIP(Open(e, 4));
  Buffers b(2), back(2);
  b.Fill();
  IoRequest dsync = Rw(IoType::kWrite, b.Block(0), 0, RWF_DSYNC);
  IoRequest sync = Rw(IoType::kWrite, b.Block(1), kBlock, RWF_SYNC);
  ASSERT_EQ(e.Submit(&dsync), Engine::kQueued);
  ASSERT_EQ(e.Submit(&sync), Engine::kQueued);
  const int c = e.Commit();
  if (c == -EOPNOTSUPP || c == -EINVAL) {
    GTEST_SKIP() << "skipped: this kernel refuses RWF_DSYNC/RWF_SYNC in aio_rw_flags";
  }
  ASSERT_EQ(c, 2);
  ReapAll(e, 2);
  EXPECT_EQ(dsync.result, kBlock);
  EXPECT_EQ(sync.result, kBlock);

  IoRequest r0 = Rw(IoType::kRead, back.Block(0), 0), r1 = Rw(IoType::kRead, back.Block(1), kBlock);
  e.Submit(&r0);
  e.Submit(&r1);
  ASSERT_EQ(e.Commit(), 2);
  ReapAll(e, 2);
  EXPECT_TRUE(back.Holds(0, Buffers::Pattern(0)));
  EXPECT_TRUE(back.Holds(1, Buffers::Pattern(1)));
}

TEST_P(LibaioEngineTest, OsyncAndOdsyncFilesTakeWrites) {
  for (SyncMethod s : {SyncMethod::kOsync, SyncMethod::kOdsync}) {
    LibaioEngine e;
    ASSERT_OPEN_OR_SKIP(Open(e, 2, s));
    Buffers b(1);
    b.Fill();
    IoRequest w = Rw(IoType::kWrite, b.Block(0), 0);
    ASSERT_EQ(e.Submit(&w), Engine::kQueued);
    ASSERT_EQ(e.Commit(), 1);
    ReapAll(e, 1);
    EXPECT_EQ(w.result, kBlock);
  }
}

TEST_P(LibaioEngineTest, WholeQueueDepthGoesOutInOneCommit) {
  constexpr uint32_t kQd = 64;
  LibaioEngine e;
  ASSERT_OPEN_OR_SKIP(Open(e, kQd));
  Buffers b(kQd);
  b.Fill();
  std::vector<IoRequest> reqs;
  for (uint32_t i = 0; i < kQd; ++i) {
    reqs.push_back(Rw(IoType::kWrite, b.Block(i), i * kBlock));
    reqs.back().user_data = 1000 + i;
  }
  for (auto& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  // Nothing reaped in between: all kQd are in the kernel at once.
  ASSERT_EQ(e.Commit(), static_cast<int>(kQd));
  EXPECT_EQ(e.Commit(), 0);  // nothing left queued
  std::vector<IoRequest*> done = ReapAll(e, kQd);
  ASSERT_EQ(done.size(), kQd);
  std::set<IoRequest*> unique(done.begin(), done.end());
  EXPECT_EQ(unique.size(), kQd) << "a request came back twice";
  for (IoRequest* r : done) {
    const auto i = static_cast<uint32_t>(r - reqs.data());
    ASSERT_LT(i, kQd);
    EXPECT_EQ(r->result, kBlock);
    EXPECT_EQ(r->user_data, 1000 + i);
  }
}

TEST_P(LibaioEngineTest, ReapWithMinZeroDoesNotBlock) {
  LibaioEngine e;
  ASSERT_OPEN_OR_SKIP(Open(e, 8));
  IoRequest* out[8];
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(e.Reap(0, 8, out), 0);
  // `min` is lowered to what is in flight: waiting for 5 of 0 returns at once, never hangs.
  EXPECT_EQ(e.Reap(5, 8, out), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  Buffers b(8);
  b.Fill();
  std::vector<IoRequest> reqs;
  for (uint32_t i = 0; i < 8; ++i) reqs.push_back(Rw(IoType::kWrite, b.Block(i), i * kBlock));
  for (auto& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), 8);
  // Poll: each call returns what has completed so far (possibly nothing) without waiting.
  int reaped = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (reaped < 8 && std::chrono::steady_clock::now() < deadline) {
    const auto t = std::chrono::steady_clock::now();
    const int r = e.Reap(0, 8, out);
    EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(1));
    ASSERT_GE(r, 0);
    for (int i = 0; i < r; ++i) EXPECT_EQ(out[i]->result, kBlock);
    reaped += r;
  }
  EXPECT_EQ(reaped, 8);
}

TEST_P(LibaioEngineTest, SubmitRefusesWhatItCannotQueue) {
  LibaioEngine e;
  IoRequest early = Flush(FlushKind::kFdatasync);
  EXPECT_EQ(e.Submit(&early), -EBADF);  // not open
  ASSERT_OPEN_OR_SKIP(Open(e, 2));
  // sync_file_range has no AIO command: a transport failure, not a per-operation result.
  IoRequest sfr = Flush(FlushKind::kSyncFileRange);
  EXPECT_EQ(e.Submit(&sfr), -EINVAL);
  // The pool holds 2 * iodepth requests; the refused one above took none of it.
  std::vector<IoRequest> flushes(5, Flush(FlushKind::kFdatasync));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(e.Submit(&flushes[i]), Engine::kQueued);
  EXPECT_EQ(e.Submit(&flushes[4]), -EAGAIN);
  const int c = e.Commit();
  if (c == -EINVAL) GTEST_SKIP() << "skipped: this kernel refuses IOCB_CMD_FDSYNC";
  ASSERT_EQ(c, 4);
  for (IoRequest* r : ReapAll(e, 4)) EXPECT_EQ(r->result, 0);
  EXPECT_EQ(e.Submit(&flushes[4]), Engine::kQueued);  // reaping returned the iocbs to the pool
}

// io_submit() stops at a request the kernel refuses (here a write to a read-only file: EBADF).
// Commit() counts what went before it; the next Commit() reports the refusal as a transport
// failure, and the refused request never reaches the kernel nor comes back from Reap().
TEST_P(LibaioEngineTest, CommitHandsOverWhatPrecedesARefusedRequest) {
  LibaioEngine e;
  EngineOpenOptions o;
  o.direct = true;
  o.writes = false;
  o.iodepth = 4;
  ASSERT_OPEN_OR_SKIP(e.Open(path_, o));
  Buffers b(3);
  IoRequest read0 = Rw(IoType::kRead, b.Block(0), 0);
  IoRequest write = Rw(IoType::kWrite, b.Block(1), kBlock);
  IoRequest read2 = Rw(IoType::kRead, b.Block(2), 2 * kBlock);
  ASSERT_EQ(e.Submit(&read0), Engine::kQueued);
  ASSERT_EQ(e.Submit(&write), Engine::kQueued);
  ASSERT_EQ(e.Submit(&read2), Engine::kQueued);
  EXPECT_EQ(e.Commit(), 1);
  EXPECT_EQ(e.Commit(), -EBADF);
  IoRequest* out[4];
  ASSERT_EQ(e.Reap(1, 4, out), 1);
  EXPECT_EQ(out[0], &read0);
  EXPECT_EQ(read0.result, kBlock);
  EXPECT_EQ(e.Reap(1, 4, out), 0);  // nothing else is in the kernel: returns at once
}

TEST_P(LibaioEngineTest, CloseIsIdempotentAndWaitsForRequestsInFlight) {
  LibaioEngine e;
  ASSERT_OPEN_OR_SKIP(Open(e, 16));
  Buffers b(16);
  b.Fill();
  std::vector<IoRequest> reqs;
  for (uint32_t i = 0; i < 16; ++i) reqs.push_back(Rw(IoType::kWrite, b.Block(i), i * kBlock));
  for (auto& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), 16);
  e.Close();  // with 16 in flight: io_destroy waits for them
  e.Close();
  IoRequest* out[1];
  EXPECT_EQ(e.Reap(0, 1, out), -EBADF);
  EXPECT_EQ(e.Commit(), -EBADF);

  // The writes finished before Close() returned: a fresh engine reads them back.
  ASSERT_OPEN_OR_SKIP(Open(e, 16));
  Buffers back(16);
  for (uint32_t i = 0; i < 16; ++i) reqs[i] = Rw(IoType::kRead, back.Block(i), i * kBlock);
  for (auto& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), 16);
  ReapAll(e, 16);
  for (uint32_t i = 0; i < 16; ++i) EXPECT_TRUE(back.Holds(i, Buffers::Pattern(i))) << i;
  e.Close();
  e.Close();  // and the destructor closes a third time
}

TEST(LibaioEngine, CapsOfferEverySyncMethodButSyncFileRange) {
  const EngineCaps caps = LibaioEngine::Caps();
  EXPECT_FALSE(caps.inline_completion);
  EXPECT_GE(caps.max_iodepth, 32u);
  EXPECT_TRUE(caps.does_io);
  EXPECT_TRUE(caps.supports_direct);
  EXPECT_FALSE(caps.linked_flush);
  for (SyncMethod s :
       {SyncMethod::kNone, SyncMethod::kFsync, SyncMethod::kFdatasync, SyncMethod::kOsync,
        SyncMethod::kOdsync, SyncMethod::kRwfDsync, SyncMethod::kRwfSync}) {
    EXPECT_TRUE(caps.SupportsSync(s)) << static_cast<int>(s);
  }
  EXPECT_FALSE(caps.SupportsSync(SyncMethod::kSyncFileRange));
  Result<const EngineInfo*> info = FindEngine("libaio");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_FALSE((*info)->caps.inline_completion);
}

TEST(LibaioEngine, OpenWithoutDirectIsInvalidArgument) {
  testing::TempDir dir("/var/tmp");
  ASSERT_EQ(testing::Shell("truncate -s 1M " + dir.File("data")), 0);
  LibaioEngine e;
  EngineOpenOptions o;
  o.iodepth = 4;
  const Status st = e.Open(dir.File("data"), o);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("direct = true"), std::string::npos) << st.message();
}

TEST(LibaioEngine, IodepthAboveTheMaximumIsInvalidArgument) {
  testing::TempDir dir("/var/tmp");
  ASSERT_EQ(testing::Shell("truncate -s 1M " + dir.File("data")), 0);
  LibaioEngine e;
  EngineOpenOptions o;
  o.direct = true;
  o.iodepth = LibaioEngine::Caps().max_iodepth + 1;
  const Status st = e.Open(dir.File("data"), o);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("iodepth"), std::string::npos) << st.message();
}

TEST(LibaioEngine, OpenMissingFileNamesCallAndPath) {
  testing::TempDir dir("/var/tmp");
  LibaioEngine e;
  EngineOpenOptions o;
  o.direct = true;
  const Status st = e.Open(dir.File("missing"), o);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("open " + dir.File("missing") + ": No such file"), std::string::npos)
      << st.message();
}

// O_DIRECT needs offsets and buffers aligned to the logical block size. The kernel accepts the
// request and fails it, so the failure is per operation: Commit() succeeds, req->result = -EINVAL.
TEST(LibaioEngine, MisalignedDirectIoIsAPerOperationError) {
  testing::TempDir dir("/var/tmp");
  if (OnTmpfs(dir.path())) GTEST_SKIP() << "skipped: /var/tmp is tmpfs, which needs no alignment";
  const std::string path = dir.File("data");
  ASSERT_EQ(testing::Shell("fallocate -l 1M " + path), 0);
  LibaioEngine e;
  EngineOpenOptions o;
  o.direct = true;
  o.iodepth = 4;
  ASSERT_OPEN_OR_SKIP(e.Open(path, o));
  Buffers b(2);
  b.Fill();
  IoRequest bad_offset = Rw(IoType::kWrite, b.Block(0), 100);
  IoRequest bad_buffer = Rw(IoType::kWrite, b.Block(0) + 1, 0);
  IoRequest good = Rw(IoType::kWrite, b.Block(1), kBlock);
  ASSERT_EQ(e.Submit(&bad_offset), Engine::kQueued);
  ASSERT_EQ(e.Submit(&bad_buffer), Engine::kQueued);
  ASSERT_EQ(e.Submit(&good), Engine::kQueued);
  ASSERT_EQ(e.Commit(), 3);  // not a transport failure
  ReapAll(e, 3);
  EXPECT_EQ(bad_offset.result, -EINVAL);
  EXPECT_EQ(bad_buffer.result, -EINVAL);
  EXPECT_EQ(good.result, kBlock);
}

}  // namespace
}  // namespace durabench
