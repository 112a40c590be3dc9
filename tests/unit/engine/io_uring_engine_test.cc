// io_uring against the real kernel on real files: data lands where it should at queue depth N,
// a linked flush completes after its write, every flush kind and RWF_* flag is accepted, open
// flags and registrations reach the kernel (read back from /proc/self/fdinfo), and per-operation
// failures come back in the request, never as transport failures. A kernel without io_uring
// makes every test skip ("not supported: ..."), never pass.
#include "engine/io_uring_engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/registry.h"
#include "support/test_util.h"
#include "util/sys.h"

namespace durabench {
namespace {

constexpr uint32_t kBlock = 4096;

// Opens `path` with `options`, skipping the test when the kernel or filesystem cannot.
#define OPEN_OR_SKIP(engine, path, options)                   \
  do {                                                        \
    const Status open_st = (engine).Open((path), (options));  \
    if (open_st.code() == Status::Code::kNotSupported) {      \
      GTEST_SKIP() << "not supported: " << open_st.message(); \
    }                                                         \
    ASSERT_TRUE(open_st.ok()) << open_st.message();           \
  } while (0)

// `count` page-aligned blocks of kBlock bytes (O_DIRECT-safe).
using Blocks = testing::AlignedBlocks;

IoRequest Rw(IoType type, char* buf, uint64_t offset, int32_t buf_index = -1) {
  IoRequest r;
  r.type = type;
  r.buf = buf;
  r.buf_index = buf_index;
  r.length = kBlock;
  r.offset = offset;
  return r;
}

IoRequest Flush(FlushKind kind) {
  IoRequest r;
  r.type = IoType::kFlush;
  r.flush_kind = kind;
  return r;
}

// A file of `size` bytes (sparse) at `path`.
void MakeFile(const std::string& path, uint64_t size = 1 << 20) {
  ASSERT_EQ(testing::Shell("truncate -s " + std::to_string(size) + " " + path), 0);
}

// Commits, then reaps until `n` requests completed; `done` gets them in completion order.
void CommitAndReap(Engine& e, size_t n, std::vector<IoRequest*>* done) {
  const int committed = e.Commit();
  ASSERT_GE(committed, 0) << "transport failure: " << std::strerror(-committed);
  std::vector<IoRequest*> out(n);
  while (done->size() < n) {
    const auto left = static_cast<uint32_t>(n - done->size());
    const int got = e.Reap(1, left, out.data());
    ASSERT_GT(got, 0) << "transport failure: " << std::strerror(-got);
    done->insert(done->end(), out.begin(), out.begin() + got);
  }
}

// The fd numbers of this process whose /proc/self/fd link is `target`.
std::vector<int> FdsLinkedTo(const std::string& target) {
  std::vector<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec).string() == target) {
      fds.push_back(std::stoi(entry.path().filename().string()));
    }
  }
  return fds;
}

// The value after "`key`:" in /proc/self/fdinfo/`fd`, or "" when absent.
std::string FdInfo(int fd, const std::string& key) {
  std::istringstream in(testing::ReadFile("/proc/self/fdinfo/" + std::to_string(fd)));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      const size_t v = line.find_first_not_of(" \t", key.size() + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
  }
  return "";
}

// The data file's open flags as the kernel holds them.
int KernelOpenFlags(const std::string& path) {
  std::vector<int> fds = FdsLinkedTo(path);
  if (fds.size() != 1) return -1;
  return static_cast<int>(std::stol(FdInfo(fds[0], "flags"), nullptr, 8));
}

// The fdinfo field `key` of the one io_uring instance this process has open.
std::string RingInfo(const std::string& key) {
  std::vector<int> fds = FdsLinkedTo("anon_inode:[io_uring]");
  if (fds.size() == 1) return FdInfo(fds[0], key);
  std::string count = std::to_string(fds.size());
  count += " rings";
  return count;
}

class IoUringEngineTest : public ::testing::Test {
 protected:
  testing::TempDir shm_{"/dev/shm"};   // tmpfs
  testing::TempDir disk_{"/var/tmp"};  // a disk filesystem (ext4 here)
};

TEST(IoUringEngineCaps, DeclaresQueueDepthLinksAndEverySyncMethod) {
  Result<const EngineInfo*> info = FindEngine("io_uring");
  ASSERT_TRUE(info.ok()) << info.status().message();
  const EngineCaps& caps = (*info)->caps;
  EXPECT_FALSE(caps.inline_completion);
  EXPECT_EQ(caps.max_iodepth, 4096u);
  EXPECT_TRUE(caps.does_io);
  EXPECT_TRUE(caps.supports_direct);
  EXPECT_TRUE(caps.linked_flush);
  for (int s = 0; s < kSyncMethodCount; ++s) {
    EXPECT_TRUE(caps.SupportsSync(static_cast<SyncMethod>(s))) << "method " << s;
  }
}

// 32 writes in one Commit, reaped together; pread sees every block; 32 reads see them too.
TEST_F(IoUringEngineTest, WritesAndReadsBackAtQueueDepth32) {
  for (const testing::TempDir* dir : {&shm_, &disk_}) {
    SCOPED_TRACE(dir->path());
    const std::string path = dir->File("data");
    MakeFile(path);
    IoUringEngine e;
    EngineOpenOptions o;
    o.iodepth = 32;
    OPEN_OR_SKIP(e, path, o);
    Blocks wbuf(32), rbuf(32);
    std::vector<IoRequest> reqs;
    for (uint32_t i = 0; i < 32; ++i) {
      std::memset(wbuf.Block(i), 'A' + static_cast<int>(i % 26), kBlock);
      std::snprintf(wbuf.Block(i), 16, "block %u", i);
      // Odd blocks go to mirrored odd offsets (1<->31, 3<->29...): file order != queue order.
      reqs.push_back(Rw(IoType::kWrite, wbuf.Block(i), (i % 2 ? 32 - i : i) * uint64_t{kBlock}));
    }
    for (IoRequest& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
    EXPECT_EQ(RingInfo("SqHead"), "0");  // nothing handed over before Commit()
    std::vector<IoRequest*> done;
    ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 32, &done));
    EXPECT_EQ(std::set<IoRequest*>(done.begin(), done.end()).size(), 32u);
    for (const IoRequest& r : reqs) EXPECT_EQ(r.result, kBlock);

    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::vector<char> got(kBlock);
    for (const IoRequest& r : reqs) {
      ASSERT_EQ(::pread(fd, got.data(), kBlock, static_cast<off_t>(r.offset)), kBlock);
      EXPECT_EQ(std::memcmp(got.data(), r.buf, kBlock), 0) << "offset " << r.offset;
    }
    ::close(fd);

    std::vector<IoRequest> reads;
    for (uint32_t i = 0; i < 32; ++i) {
      reads.push_back(Rw(IoType::kRead, rbuf.Block(i), reqs[i].offset));
    }
    for (IoRequest& r : reads) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
    done.clear();
    ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 32, &done));
    for (uint32_t i = 0; i < 32; ++i) {
      EXPECT_EQ(reads[i].result, kBlock);
      EXPECT_EQ(std::memcmp(rbuf.Block(i), wbuf.Block(i), kBlock), 0) << "block " << i;
    }
  }
}

// write(link_next) -> flush pairs, 8 pairs in flight at a time (qd 16), 40 rounds on ext4,
// buffered and O_DIRECT: a flush's completion is never seen before its write's, and every flush
// succeeds. (Buffered writes mostly complete during submission, so it is the O_DIRECT run, where
// writes complete later from the block layer, that would catch a flush started unordered.)
TEST_F(IoUringEngineTest, LinkedFlushNeverCompletesBeforeItsWrite) {
  for (bool direct : {false, true}) {
    SCOPED_TRACE(direct ? "O_DIRECT" : "buffered");
    const std::string path = disk_.File(direct ? "direct" : "buffered");
    MakeFile(path);
    IoUringEngine e;
    EngineOpenOptions o;
    o.iodepth = 16;
    o.sync = SyncMethod::kFdatasync;
    o.direct = direct;
    OPEN_OR_SKIP(e, path, o);
    Blocks buf(8);
    int pairs_checked = 0;
    for (int round = 0; round < 40; ++round) {
      std::vector<IoRequest> reqs;
      reqs.reserve(16);
      for (uint32_t p = 0; p < 8; ++p) {
        std::memset(buf.Block(p), round, kBlock);
        reqs.push_back(Rw(IoType::kWrite, buf.Block(p), (round * 8 + p) * uint64_t{kBlock}));
        reqs.back().link_next = true;
        reqs.push_back(Flush(p % 2 ? FlushKind::kFsync : FlushKind::kFdatasync));
      }
      for (IoRequest& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
      std::vector<IoRequest*> done;
      ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, reqs.size(), &done));
      std::map<const IoRequest*, size_t> position;
      for (size_t i = 0; i < done.size(); ++i) position[done[i]] = i;
      for (size_t p = 0; p < reqs.size(); p += 2) {
        EXPECT_LT(position[&reqs[p]], position[&reqs[p + 1]])
            << "round " << round << " pair " << p / 2;
        EXPECT_EQ(reqs[p].result, kBlock);
        EXPECT_EQ(reqs[p + 1].result, 0);
        ++pairs_checked;
      }
    }
    EXPECT_EQ(pairs_checked, 320);
  }
}

// Each flush kind and each RWF_* sync flag on ext4 completes with the right result.
TEST_F(IoUringEngineTest, EveryFlushKindAndSyncWriteFlagCompletes) {
  const std::string path = disk_.File("data");
  MakeFile(path);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 8;
  OPEN_OR_SKIP(e, path, o);
  Blocks buf(3);
  std::memset(buf.Block(0), 'w', 3 * kBlock);
  std::vector<IoRequest> reqs = {
      Rw(IoType::kWrite, buf.Block(0), 0),
      Rw(IoType::kWrite, buf.Block(1), kBlock),
      Rw(IoType::kWrite, buf.Block(2), 2 * kBlock),
  };
  reqs[1].rw_flags = RWF_DSYNC;
  reqs[2].rw_flags = RWF_SYNC;
  for (IoRequest& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, reqs.size(), &done));
  for (const IoRequest& r : reqs) EXPECT_EQ(r.result, kBlock) << "rw_flags " << r.rw_flags;

  std::vector<IoRequest> flushes = {Flush(FlushKind::kFsync), Flush(FlushKind::kFdatasync),
                                    Flush(FlushKind::kSyncFileRange)};
  flushes[2].offset = 0;
  flushes[2].length = 3 * kBlock;
  for (IoRequest& r : flushes) {
    r.result = 12345;
    ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  }
  done.clear();
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, flushes.size(), &done));
  for (const IoRequest& r : flushes) {
    EXPECT_EQ(r.result, 0) << FlushKindName(r.flush_kind);
  }
}

// O_SYNC / O_DSYNC / O_DIRECT / read-only as the kernel holds them for the engine's file, and
// the file registered with the ring.
TEST_F(IoUringEngineTest, OpenFlagsAndRegisteredFileReachTheKernel) {
  const std::string path = disk_.File("data");
  MakeFile(path);
  IoUringEngine e;
  EngineOpenOptions o;
  o.sync = SyncMethod::kOsync;
  OPEN_OR_SKIP(e, path, o);
  EXPECT_EQ(KernelOpenFlags(path) & O_SYNC, O_SYNC);
  EXPECT_EQ(KernelOpenFlags(path) & O_ACCMODE, O_RDWR);
  EXPECT_EQ(RingInfo("UserFiles"), "1");
  o.sync = SyncMethod::kOdsync;
  ASSERT_TRUE(e.Open(path, o).ok());
  EXPECT_EQ(KernelOpenFlags(path) & O_SYNC, O_DSYNC);  // O_DSYNC only, not the full O_SYNC
  o.sync = SyncMethod::kFdatasync;
  o.direct = true;
  OPEN_OR_SKIP(e, path, o);
  EXPECT_EQ(KernelOpenFlags(path) & O_DIRECT, O_DIRECT);
  EXPECT_EQ(KernelOpenFlags(path) & O_DSYNC, 0);
  o.direct = false;
  o.writes = false;
  ASSERT_TRUE(e.Open(path, o).ok());
  EXPECT_EQ(KernelOpenFlags(path) & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(RingInfo("SqThread"), "-1");  // no SQPOLL thread unless asked
}

TEST_F(IoUringEngineTest, OpenFailuresNameCallAndPath) {
  IoUringEngine e;
  const std::string missing = shm_.File("missing");
  Status st = e.Open(missing, EngineOpenOptions());
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("open " + missing + ": No such file"), std::string::npos)
      << st.message();
  EXPECT_EQ(FdsLinkedTo("anon_inode:[io_uring]").size(), 0u);  // no ring without a file

  EngineOpenOptions too_deep;
  too_deep.iodepth = 5000;
  MakeFile(shm_.File("data"));
  EXPECT_EQ(e.Open(shm_.File("data"), too_deep).code(), Status::Code::kInvalidArgument);

  // A filesystem refusing O_DIRECT (EINVAL from open) is "not supported", as for psync.
  SysCalls table = LibcSysCalls();
  table.open = [](const char*, int flags, mode_t) -> int {
    errno = (flags & O_DIRECT) ? EINVAL : EACCES;
    return -1;
  };
  SetSysCalls(&table);
  EngineOpenOptions direct;
  direct.direct = true;
  st = e.Open(shm_.File("data"), direct);
  EXPECT_EQ(st.code(), Status::Code::kNotSupported) << st.message();
  EXPECT_NE(st.message().find("O_DIRECT"), std::string::npos) << st.message();
  st = e.Open(shm_.File("data"), EngineOpenOptions());
  SetSysCalls(nullptr);
  EXPECT_EQ(st.code(), Status::Code::kIoError) << st.message();
}

// In a child whose seccomp filter fails io_uring_setup with `err`, Open() says "not supported".
// Returns the child's exit code: 0 as expected, 1 otherwise, 77 when seccomp is unavailable.
int OpenWithIoUringBlocked(int err, const std::string& path) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }
  struct sock_filter filter[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr)},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_io_uring_setup},
      {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | static_cast<uint32_t>(err)},
      {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])),
                            filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    _exit(77);
  }
  IoUringEngine e;
  const Status st = e.Open(path, EngineOpenOptions());
  const bool as_expected = st.code() == Status::Code::kNotSupported &&
                           st.message().find("io_uring: not supported") != std::string::npos;
  _exit(as_expected ? 0 : 1);
}

TEST_F(IoUringEngineTest, KernelWithoutIoUringIsNotSupported) {
  const std::string path = shm_.File("data");
  MakeFile(path);
  for (int err : {ENOSYS, EPERM}) {
    const int rc = OpenWithIoUringBlocked(err, path);
    if (rc == 77) GTEST_SKIP() << "not supported: cannot install a seccomp filter";
    EXPECT_EQ(rc, 0) << "io_uring_setup failing with " << std::strerror(err);
  }
}

// Requests with buf_index use the registered buffers (READ/WRITE_FIXED); rw_flags still apply
// to them (RWF_APPEND moves the write to the end of the file); a pointer outside its registered
// buffer is a per-operation -EFAULT.
TEST_F(IoUringEngineTest, RegisteredBuffersWithBufIndex) {
  const std::string path = shm_.File("data");
  MakeFile(path, 4 * kBlock);
  Blocks bufs(4);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 4;
  o.buffers = bufs.iovecs();
  o.buffer_count = bufs.count();
  OPEN_OR_SKIP(e, path, o);
  ASSERT_EQ(RingInfo("UserBufs"), "4");  // registered, not the ENOMEM fallback

  std::memset(bufs.Block(0), 'a', kBlock);
  std::memset(bufs.Block(1), 'b', kBlock);
  std::vector<IoRequest> w = {Rw(IoType::kWrite, bufs.Block(0), 0, 0),
                              Rw(IoType::kWrite, bufs.Block(1), kBlock, 1)};
  for (IoRequest& r : w) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 2, &done));
  EXPECT_EQ(w[0].result, kBlock);
  EXPECT_EQ(w[1].result, kBlock);

  std::vector<IoRequest> r = {Rw(IoType::kRead, bufs.Block(2), kBlock, 2),
                              Rw(IoType::kRead, bufs.Block(3), 0, 3)};
  for (IoRequest& q : r) ASSERT_EQ(e.Submit(&q), Engine::kQueued);
  done.clear();
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 2, &done));
  EXPECT_EQ(r[0].result, kBlock);
  EXPECT_EQ(r[1].result, kBlock);
  EXPECT_EQ(std::memcmp(bufs.Block(2), bufs.Block(1), kBlock), 0);
  EXPECT_EQ(std::memcmp(bufs.Block(3), bufs.Block(0), kBlock), 0);

  // WRITE_FIXED honours sqe->rw_flags: with RWF_APPEND the block lands at EOF, not offset 0.
  std::memset(bufs.Block(2), 'z', kBlock);
  IoRequest append = Rw(IoType::kWrite, bufs.Block(2), 0, 2);
  append.rw_flags = RWF_APPEND;
  ASSERT_EQ(e.Submit(&append), Engine::kQueued);
  done.clear();
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 1, &done));
  EXPECT_EQ(append.result, kBlock);
  EXPECT_EQ(std::filesystem::file_size(path), 5u * kBlock);
  const std::string data = testing::ReadFile(path);
  EXPECT_TRUE(data.substr(0, kBlock) == std::string(kBlock, 'a')) << "offset 0 overwritten";
  EXPECT_TRUE(data.substr(4 * kBlock) == std::string(kBlock, 'z')) << "nothing appended";

  // A registered op whose range leaves its buffer fails alone, in the request.
  IoRequest outside = Rw(IoType::kWrite, bufs.Block(0) + 1, 0, 0);
  ASSERT_EQ(e.Submit(&outside), Engine::kQueued);
  done.clear();
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 1, &done));
  EXPECT_EQ(outside.result, -EFAULT);
}

// Writes `bufs` block 1 with buf_index 1 and reads it back into block 2 with buf_index 2;
// returns "" or what went wrong.
std::string WriteAndReadBackByIndex(Engine& e, const Blocks& bufs) {
  std::memset(bufs.Block(1), 'f', kBlock);
  std::memset(bufs.Block(2), 0, kBlock);
  IoRequest w = Rw(IoType::kWrite, bufs.Block(1), 0, 1);
  w.link_next = true;
  IoRequest r = Rw(IoType::kRead, bufs.Block(2), 0, 2);
  IoRequest* out[2];
  if (e.Submit(&w) != Engine::kQueued || e.Submit(&r) != Engine::kQueued) return "submit";
  if (e.Commit() != 2) return "commit";
  if (e.Reap(2, 2, out) != 2) return "reap";
  if (w.result != kBlock || r.result != kBlock) return "results";
  return std::memcmp(bufs.Block(1), bufs.Block(2), kBlock) == 0 ? "" : "data";
}

// With more buffers than the kernel registers, the engine registers none and the requests
// still work (unregistered ops on the same memory).
TEST_F(IoUringEngineTest, TooManyBuffersAreUsedUnregistered) {
  const std::string path = shm_.File("data");
  MakeFile(path);
  Blocks bufs(3);
  std::vector<struct iovec> iovecs(16385, bufs.iovecs()[0]);
  for (int i = 0; i < 3; ++i) iovecs[i] = bufs.iovecs()[i];
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 2;
  o.buffers = iovecs.data();
  o.buffer_count = iovecs.size();
  OPEN_OR_SKIP(e, path, o);
  EXPECT_EQ(RingInfo("UserBufs"), "0");
  EXPECT_EQ(WriteAndReadBackByIndex(e, bufs), "");
}

// Without CAP_IPC_LOCK and with a 64 KiB RLIMIT_MEMLOCK (in a child), registering 128 KiB of
// buffers fails with ENOMEM: Open() still succeeds, nothing is registered, and requests with
// buf_index work. Returns the child's exit code: 0 as expected, 77 when it cannot be set up.
int OpenWithSmallMemlock(const std::string& path) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct caps[2] = {};
  const struct rlimit limit = {64 << 10, 64 << 10};
  if (syscall(SYS_capget, &hdr, caps) != 0) _exit(77);
  caps[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
  if (syscall(SYS_capset, &hdr, caps) != 0 || setrlimit(RLIMIT_MEMLOCK, &limit) != 0) _exit(77);
  Blocks bufs(32);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 2;
  o.buffers = bufs.iovecs();
  o.buffer_count = bufs.count();
  const Status st = e.Open(path, o);
  if (!st.ok()) {
    std::fprintf(stderr, "open: %s\n", st.message().c_str());
    _exit(st.code() == Status::Code::kNotSupported ? 77 : 1);
  }
  if (RingInfo("UserBufs") != "0") _exit(2);
  const std::string err = WriteAndReadBackByIndex(e, bufs);
  if (!err.empty()) std::fprintf(stderr, "i/o: %s\n", err.c_str());
  _exit(err.empty() ? 0 : 3);
}

TEST_F(IoUringEngineTest, BuffersBeyondMemlockAreUsedUnregistered) {
  const std::string path = shm_.File("data");
  MakeFile(path);
  const int rc = OpenWithSmallMemlock(path);
  if (rc == 77) GTEST_SKIP() << "not supported: cannot drop CAP_IPC_LOCK / lower RLIMIT_MEMLOCK";
  EXPECT_EQ(rc, 0) << "1: Open failed, 2: buffers registered anyway, 3: I/O failed";
}

// O_DIRECT on ext4: aligned I/O works (also from a registered buffer); a misaligned offset is a
// per-operation -EINVAL, and a linked flush behind it is cancelled.
TEST_F(IoUringEngineTest, DirectIoNeedsAlignment) {
  const std::string path = disk_.File("data");
  MakeFile(path);
  Blocks bufs(2);
  std::memset(bufs.Block(0), 'd', 2 * kBlock);
  IoUringEngine e;
  EngineOpenOptions o;
  o.direct = true;
  o.iodepth = 8;
  o.buffers = bufs.iovecs();
  o.buffer_count = 1;
  OPEN_OR_SKIP(e, path, o);
  std::vector<IoRequest> reqs = {
      Rw(IoType::kWrite, bufs.Block(0), kBlock, 0),
      Rw(IoType::kWrite, bufs.Block(1), 2 * kBlock),
      Rw(IoType::kWrite, bufs.Block(1), 100),  // offset not a multiple of the block size
      Flush(FlushKind::kFdatasync),
  };
  reqs[2].link_next = true;
  for (IoRequest& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, reqs.size(), &done));
  EXPECT_EQ(reqs[0].result, kBlock);
  EXPECT_EQ(reqs[1].result, kBlock);
  EXPECT_EQ(reqs[2].result, -EINVAL);
  EXPECT_EQ(reqs[3].result, -ECANCELED);
}

// A linked write that fails (the file is read-only: EBADF) cancels its flush.
TEST_F(IoUringEngineTest, FailedLinkedWriteCancelsItsFlush) {
  const std::string path = shm_.File("data");
  MakeFile(path);
  IoUringEngine e;
  EngineOpenOptions o;
  o.writes = false;
  o.iodepth = 2;
  OPEN_OR_SKIP(e, path, o);
  Blocks buf(1);
  IoRequest w = Rw(IoType::kWrite, buf.Block(0), 0);
  w.link_next = true;
  IoRequest f = Flush(FlushKind::kFsync);
  ASSERT_EQ(e.Submit(&w), Engine::kQueued);
  ASSERT_EQ(e.Submit(&f), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 2, &done));
  EXPECT_EQ(w.result, -EBADF);
  EXPECT_EQ(f.result, -ECANCELED);
}

// A link must not end with a Commit(): the kernel would start the flush unordered.
TEST_F(IoUringEngineTest, CommitRefusesALinkWithoutItsSuccessor) {
  const std::string path = shm_.File("data");
  MakeFile(path);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 2;
  OPEN_OR_SKIP(e, path, o);
  Blocks buf(1);
  IoRequest w = Rw(IoType::kWrite, buf.Block(0), 0);
  w.link_next = true;
  IoRequest f = Flush(FlushKind::kFdatasync);
  ASSERT_EQ(e.Submit(&w), Engine::kQueued);
  EXPECT_EQ(e.Commit(), -EINVAL);
  ASSERT_EQ(e.Submit(&f), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 2, &done));
  EXPECT_EQ(done[0], &w);
  EXPECT_EQ(w.result, kBlock);
  EXPECT_EQ(f.result, 0);
}

TEST_F(IoUringEngineTest, SqpollModeWorks) {
  const std::string path = disk_.File("data");
  MakeFile(path);
  IoUringEngine e;
  EngineOpenOptions o;
  o.sqpoll = true;
  o.iodepth = 4;
  OPEN_OR_SKIP(e, path, o);
  EXPECT_GT(std::stol(RingInfo("SqThread")), 0) << "no SQPOLL kernel thread";
  Blocks buf(2);
  std::memset(buf.Block(0), 's', kBlock);
  IoRequest w = Rw(IoType::kWrite, buf.Block(0), kBlock);
  w.link_next = true;
  IoRequest f = Flush(FlushKind::kFdatasync);
  ASSERT_EQ(e.Submit(&w), Engine::kQueued);
  ASSERT_EQ(e.Submit(&f), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 2, &done));
  EXPECT_EQ(done[0], &w);
  EXPECT_EQ(w.result, kBlock);
  EXPECT_EQ(f.result, 0);
  IoRequest r = Rw(IoType::kRead, buf.Block(1), kBlock);
  ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  done.clear();
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 1, &done));
  EXPECT_EQ(r.result, kBlock);
  EXPECT_EQ(std::memcmp(buf.Block(0), buf.Block(1), kBlock), 0);
}

// A read from a FIFO completes only when someone writes: Reap(0, n) returns at once meanwhile,
// and Reap(min > in flight) does not wait for completions that cannot come.
TEST_F(IoUringEngineTest, ReapWithZeroMinNeverBlocks) {
  const std::string fifo = shm_.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 2;
  OPEN_OR_SKIP(e, fifo, o);  // O_RDWR: the open does not wait for a writer
  IoRequest* out[4] = {};
  EXPECT_EQ(e.Reap(0, 4, out), 0);
  EXPECT_EQ(e.Reap(3, 4, out), 0);  // nothing in flight: returns instead of hanging

  Blocks buf(1);
  IoRequest r = Rw(IoType::kRead, buf.Block(0), 0);
  r.length = 5;
  ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), 1);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(e.Reap(0, 4, out), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  const int wfd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(wfd, 0);
  ASSERT_EQ(::write(wfd, "hello", 5), 5);
  ::close(wfd);
  ASSERT_EQ(e.Reap(3, 4, out), 1);  // min clamped to the one in flight
  EXPECT_EQ(out[0], &r);
  EXPECT_EQ(r.result, 5);
  EXPECT_EQ(std::string(buf.Block(0), 5), "hello");
}

// Close() with a request in flight that would never complete (a FIFO read) cancels it and
// returns; the request gets -ECANCELED. Close() twice is fine, and the engine opens again.
TEST_F(IoUringEngineTest, CloseCancelsInFlightAndIsIdempotent) {
  const std::string fifo = shm_.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 2;
  OPEN_OR_SKIP(e, fifo, o);
  Blocks buf(1);
  IoRequest r = Rw(IoType::kRead, buf.Block(0), 0);
  ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  ASSERT_EQ(e.Commit(), 1);
  e.Close();
  EXPECT_EQ(r.result, -ECANCELED);
  EXPECT_TRUE(FdsLinkedTo(fifo).empty());
  EXPECT_TRUE(FdsLinkedTo("anon_inode:[io_uring]").empty());
  e.Close();
  IoRequest late = Rw(IoType::kRead, buf.Block(0), 0);
  EXPECT_EQ(e.Submit(&late), -EBADF);  // a transport failure: there is no ring
  IoRequest* out[1];
  EXPECT_EQ(e.Reap(0, 1, out), -EBADF);

  const std::string path = shm_.File("data");
  MakeFile(path);
  ASSERT_TRUE(e.Open(path, o).ok());
  IoRequest w = Rw(IoType::kWrite, buf.Block(0), 0);
  ASSERT_EQ(e.Submit(&w), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, 1, &done));
  EXPECT_EQ(w.result, kBlock);
}

// The job's whole queue depth is queued before the first Reap() and every request completes
// exactly once.
TEST_F(IoUringEngineTest, FullQueueDepthBeforeAnyReap) {
  const std::string path = disk_.File("data");
  constexpr uint32_t kDepth = 256;
  MakeFile(path, kDepth * kBlock);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = kDepth;
  OPEN_OR_SKIP(e, path, o);
  Blocks buf(1);
  std::vector<IoRequest> reqs;
  for (uint32_t i = 0; i < kDepth; ++i)
    reqs.push_back(Rw(IoType::kWrite, buf.Block(0), i * kBlock));
  for (IoRequest& r : reqs) {
    r.result = -1;
    ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  }
  ASSERT_EQ(e.Commit(), static_cast<int>(kDepth));
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, kDepth, &done));
  EXPECT_EQ(std::set<IoRequest*>(done.begin(), done.end()).size(), kDepth);
  for (const IoRequest& r : reqs) EXPECT_EQ(r.result, kBlock);
}

// More requests queued than the submission ring holds (iodepth 4: 8 slots): Submit() hands the
// full ring to the kernel itself and goes on; nothing is lost.
TEST_F(IoUringEngineTest, SubmitBeyondTheRingHandsOverFirst) {
  const std::string path = shm_.File("data");
  MakeFile(path);
  IoUringEngine e;
  EngineOpenOptions o;
  o.iodepth = 4;
  OPEN_OR_SKIP(e, path, o);
  Blocks buf(1);
  std::vector<IoRequest> reqs;
  for (uint32_t i = 0; i < 12; ++i) reqs.push_back(Rw(IoType::kWrite, buf.Block(0), i * kBlock));
  for (IoRequest& r : reqs) ASSERT_EQ(e.Submit(&r), Engine::kQueued);
  std::vector<IoRequest*> done;
  ASSERT_NO_FATAL_FAILURE(CommitAndReap(e, reqs.size(), &done));
  EXPECT_EQ(std::set<IoRequest*>(done.begin(), done.end()).size(), reqs.size());
  for (const IoRequest& r : reqs) EXPECT_EQ(r.result, kBlock);
}

}  // namespace
}  // namespace durabench
