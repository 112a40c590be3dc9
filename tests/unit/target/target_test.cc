// Directory and regular-file targets (src/target/target.h): real files in a per-test temp dir;
// failure paths through the swappable syscall layer (util/sys.h).
#include "target/target.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "target_test_util.h"
#include "util/sys.h"

namespace durabench {
namespace {

using testing::Checksum;
using testing::Exists;
using testing::Layout;
using testing::Options;
using testing::TempDir;
using testing::WriteFile;

constexpr uint64_t kMiB = 1 << 20;

struct Stat {
  bool ok = false;
  struct stat st {};
};

Stat StatOf(const std::string& path) {
  Stat s;
  s.ok = ::stat(path.c_str(), &s.st) == 0;
  return s;
}

std::string ReadAll(const std::string& path) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

// Number of 4 KiB pieces of `data` that are entirely zero.
size_t ZeroPieces(const std::string& data) {
  size_t zero = 0;
  for (size_t off = 0; off < data.size(); off += 4096) {
    const std::string piece = data.substr(off, 4096);
    if (piece.find_first_not_of('\0') == std::string::npos) ++zero;
  }
  return zero;
}

mode_t ProcessUmask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

bool HasOwnerXattr(const std::string& path) {
  char value[64];
  const ssize_t n = ::getxattr(path.c_str(), "user.durabench.owner", value, sizeof(value));
  return n >= 9 && std::string(value, 9) == "durabench";
}

// Whether the temp filesystem keeps user xattrs (tmpfs before 6.6, some overlays do not).
bool XattrsSupported(const TempDir& dir) {
  const std::string probe = dir.File(".xattr-probe");
  if (!WriteFile(probe, "x")) return false;
  const bool ok = ::setxattr(probe.c_str(), "user.durabench.probe", "1", 1, 0) == 0;
  ::unlink(probe.c_str());
  return ok;
}

std::string JobFileName(const TempDir& dir, int job) {
  return dir.File("durabench-" + std::to_string(::getpid()) + "-" + std::to_string(job) + ".dat");
}

class TargetTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

// Directory: one O_EXCL file per job, of the requested size, written in full (no zero 4 KiB
// piece, so the fill reached the end, including a tail shorter than a chunk), marked with the
// owner xattr, and removed when the PreparedTarget goes away.
TEST_F(TargetTest, DirectoryCreatesFilledFilesAndRemovesThem) {
  const uint64_t size = 2 * kMiB + 12288;  // not a multiple of the 1 MiB fill chunk
  std::vector<std::string> files;
  {
    Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()), Layout(size, 3));
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->kind(), TargetKind::kDirectory);
    EXPECT_EQ(t->path(), dir_.path());
    ASSERT_EQ(t->jobs().size(), 3u);
    ASSERT_EQ(t->created_files().size(), 3u);
    for (int j = 0; j < 3; ++j) {
      const JobFile& job = t->jobs()[static_cast<size_t>(j)];
      EXPECT_EQ(job.path, JobFileName(dir_, j));
      EXPECT_EQ(job.offset_bytes, 0u);
      EXPECT_EQ(job.size_bytes, size);
      EXPECT_FALSE(job.is_block_device);
      const Stat s = StatOf(job.path);
      ASSERT_TRUE(s.ok);
      EXPECT_EQ(static_cast<uint64_t>(s.st.st_size), size);
      EXPECT_EQ(s.st.st_mode & 0777, 0644u & ~ProcessUmask());
      EXPECT_EQ(ZeroPieces(ReadAll(job.path)), 0u) << job.path << " not filled";
      if (XattrsSupported(dir_)) {
        EXPECT_TRUE(HasOwnerXattr(job.path));
      }
      files.push_back(job.path);
    }
    EXPECT_GE(t->logical_block_size(), 512u);
  }
  for (const std::string& f : files) EXPECT_FALSE(Exists(f)) << f << " left behind";
}

// Two files never hold the same 4 KiB piece: deduplicating storage must store them all.
TEST_F(TargetTest, FillDataIsNotRepetitive) {
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()), Layout(kMiB * 2));
  ASSERT_TRUE(t.ok()) << t.status().message();
  const std::string data = ReadAll(t->jobs()[0].path);
  ASSERT_EQ(data.size(), 2 * kMiB);
  EXPECT_NE(data.substr(0, 4096), data.substr(4096, 4096));
  EXPECT_NE(data.substr(0, 4096), data.substr(kMiB, 4096));
}

TEST_F(TargetTest, KeepLeavesCreatedFiles) {
  std::string file;
  {
    Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()).Keep(), Layout(kMiB));
    ASSERT_TRUE(t.ok()) << t.status().message();
    file = t->jobs()[0].path;
    t->Cleanup();
    EXPECT_TRUE(Exists(file));
  }
  EXPECT_TRUE(Exists(file));
  EXPECT_EQ(StatOf(file).st.st_size, static_cast<off_t>(kMiB));
}

// layout_fill=false: allocated (fallocate) to the full size, but nothing written.
TEST_F(TargetTest, NoFillAllocatesWithoutWriting) {
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()).NoFill(), Layout(kMiB));
  ASSERT_TRUE(t.ok()) << t.status().message();
  const Stat s = StatOf(t->jobs()[0].path);
  EXPECT_EQ(s.st.st_size, static_cast<off_t>(kMiB));
  EXPECT_GE(static_cast<uint64_t>(s.st.st_blocks) * 512, kMiB) << "not allocated";
  EXPECT_EQ(ZeroPieces(ReadAll(t->jobs()[0].path)), kMiB / 4096);
}

// O_EXCL: a file with the job's name that already exists stops the layout; the file created
// before it is removed again, and the existing one is left exactly as it was.
TEST_F(TargetTest, ExistingJobFileFailsAndRemovesPartialLayout) {
  const std::string foreign = JobFileName(dir_, 1);
  ASSERT_TRUE(WriteFile(foreign, "somebody else's data"));
  const uint64_t before = Checksum(foreign);
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()).Keep(), Layout(kMiB, 3));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "open " + foreign + ": File exists");
  EXPECT_FALSE(Exists(JobFileName(dir_, 0))) << "partial layout left behind despite the error";
  EXPECT_FALSE(Exists(JobFileName(dir_, 2)));
  EXPECT_EQ(Checksum(foreign), before);
}

TEST_F(TargetTest, ForeignFileRefusedAndUnchanged) {
  const std::string file = dir_.File("precious.db");
  ASSERT_TRUE(WriteFile(file, std::string(10000, 'p')));
  const uint64_t before = Checksum(file);
  Result<PreparedTarget> t = PrepareTarget(Options(file), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kRefused);
  EXPECT_EQ(t.status().ExitCode(), 2);
  EXPECT_EQ(t.status().message(),
            "refusing to write " + file +
                ": existing file not created by durabench (pass --allow-overwrite to use it)");
  EXPECT_EQ(Checksum(file), before);
  EXPECT_EQ(StatOf(file).st.st_size, 10000);
}

// allow_overwrite: used in place, grown to jobs × size (existing bytes untouched by the layout),
// and never removed, not even without keep.
TEST_F(TargetTest, ForeignFileAcceptedWithAllowOverwriteAndKept) {
  const std::string file = dir_.File("scratch.img");
  const std::string head(8192, 'h');
  ASSERT_TRUE(WriteFile(file, head));
  {
    Result<PreparedTarget> t = PrepareTarget(Options(file).AllowOverwrite(), Layout(kMiB, 2));
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->kind(), TargetKind::kFile);
    EXPECT_TRUE(t->created_files().empty());
    ASSERT_EQ(t->jobs().size(), 2u);
    EXPECT_EQ(t->jobs()[1].offset_bytes, kMiB);
    const std::string data = ReadAll(file);
    ASSERT_EQ(data.size(), 2 * kMiB);
    EXPECT_EQ(data.substr(0, head.size()), head);
    EXPECT_EQ(ZeroPieces(data), 0u) << "grown part not filled";
  }
  EXPECT_TRUE(Exists(file));
}

TEST_F(TargetTest, LargerExistingFileNeverTruncated) {
  const std::string file = dir_.File("big.img");
  ASSERT_TRUE(WriteFile(file, std::string(3 * kMiB, 'b')));
  const uint64_t before = Checksum(file);
  Result<PreparedTarget> t = PrepareTarget(Options(file).AllowOverwrite(), Layout(kMiB));
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(StatOf(file).st.st_size, static_cast<off_t>(3 * kMiB));
  EXPECT_EQ(Checksum(file), before) << "layout rewrote bytes that already existed";
}

// A file left by an earlier --keep run carries the owner xattr: accepted without
// --allow-overwrite, and not removed, since this run did not create it.
TEST_F(TargetTest, FileWithOwnerXattrAcceptedAndNotRemoved) {
  if (!XattrsSupported(dir_))
    GTEST_SKIP() << "filesystem of " << dir_.path() << " has no user xattrs";
  std::string file;
  {
    Result<PreparedTarget> first =
        PrepareTarget(Options(dir_.File("kept.dat")).Create().Keep(), Layout(kMiB));
    ASSERT_TRUE(first.ok()) << first.status().message();
    file = first->jobs()[0].path;
  }
  ASSERT_TRUE(HasOwnerXattr(file));
  {
    Result<PreparedTarget> again = PrepareTarget(Options(file), Layout(kMiB));
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_TRUE(again->created_files().empty());
  }
  EXPECT_TRUE(Exists(file));
}

// A missing file in an existing directory is created like a directory job's file, holds every
// job's region, and is removed afterwards.
TEST_F(TargetTest, NewFileCreatedWithJobRegions) {
  const std::string file = dir_.File("new.dat");
  {
    Result<PreparedTarget> t = PrepareTarget(Options(file).Create(), Layout(kMiB, 3));
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->kind(), TargetKind::kFile);
    ASSERT_EQ(t->created_files(), std::vector<std::string>{file});
    ASSERT_EQ(t->jobs().size(), 3u);
    for (uint32_t j = 0; j < 3; ++j) {
      EXPECT_EQ(t->jobs()[j].path, file);
      EXPECT_EQ(t->jobs()[j].offset_bytes, j * kMiB);
      EXPECT_EQ(t->jobs()[j].size_bytes, kMiB);
    }
    EXPECT_EQ(StatOf(file).st.st_size, static_cast<off_t>(3 * kMiB));
  }
  EXPECT_FALSE(Exists(file));
}

// Without `create` a path that does not exist is refused and nothing is made: most often it is a
// typo (./scrach for ./scratch) or a mount point whose disk is not mounted.
TEST_F(TargetTest, MissingFileIsRefusedWithoutCreate) {
  const std::string file = dir_.File("scrach");
  Result<PreparedTarget> t = PrepareTarget(Options(file), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(t.status().message(), "target " + file +
                                      " does not exist; create the directory, or name a new "
                                      "file with --create");
  EXPECT_FALSE(Exists(file));
}

TEST_F(TargetTest, MissingParentIsNotFound) {
  const std::string file = dir_.File("no/such/dir/file.dat");
  Result<PreparedTarget> t = PrepareTarget(Options(file), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(t.status().message(), "target " + file + " does not exist, nor does its directory " +
                                      dir_.File("no/such/dir"));
}

// A mistyped device name must not become a file on devtmpfs.
TEST_F(TargetTest, MissingDeviceNodeIsNotCreated) {
  const std::string path = "/dev/durabench-no-such-device-" + std::to_string(::getpid());
  Result<PreparedTarget> t = PrepareTarget(Options(path), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kNotFound);
  EXPECT_NE(t.status().message().find("creates no files under /dev"), std::string::npos);
  EXPECT_FALSE(Exists(path));
}

// /dev/shm is a filesystem of its own below /dev: a missing file there is a file to create (with
// --create), not a mistyped device name.
TEST_F(TargetTest, AMissingFileOnDevShmIsCreatedWithCreate) {
  struct stat shm, dev;
  if (::stat("/dev/shm", &shm) != 0 || ::stat("/dev", &dev) != 0 || shm.st_dev == dev.st_dev) {
    GTEST_SKIP() << "/dev/shm is not a filesystem of its own here";
  }
  const std::string path = "/dev/shm/durabench-target-test-" + std::to_string(::getpid());
  Result<PreparedTarget> refused = PrepareTarget(Options(path), Layout(kMiB));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "target " + path +
                " does not exist; create the directory, or name a new file with "
                "--create");
  {
    Result<PreparedTarget> t = PrepareTarget(Options(path).Create(), Layout(kMiB));
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_TRUE(Exists(path));
  }
  EXPECT_FALSE(Exists(path)) << "the file it created is removed with the target";
}

// A file shared by 3 processes with 2 jobs each: the first creates it for all (6 regions) and
// gets regions 0-1; the last joins it and gets regions 4-5, creating nothing and removing
// nothing; the first removes it.
TEST_F(TargetTest, ASharedFileIsCreatedByTheFirstAndJoinedByTheOthers) {
  const std::string path = dir_.File("shared.dat");
  Result<PreparedTarget> missing =
      PrepareTarget(Options(path).Create().Share(2, 3), Layout(kMiB, 2));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("every process must see the same file"),
            std::string::npos)
      << missing.status().message();
  EXPECT_FALSE(Exists(path)) << "only the first process creates a shared file";
  {
    Result<PreparedTarget> first =
        PrepareTarget(Options(path).Create().Share(0, 3), Layout(kMiB, 2));
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_EQ(StatOf(path).st.st_size, static_cast<off_t>(6 * kMiB));
    ASSERT_EQ(first->jobs().size(), 2u);
    EXPECT_EQ(first->jobs()[0].offset_bytes, 0u);
    EXPECT_EQ(first->jobs()[1].offset_bytes, kMiB);
    {
      Result<PreparedTarget> last = PrepareTarget(Options(path).Share(2, 3), Layout(kMiB, 2));
      ASSERT_TRUE(last.ok()) << last.status().message();
      EXPECT_EQ(last->kind(), TargetKind::kFile);
      ASSERT_EQ(last->jobs().size(), 2u);
      EXPECT_EQ(last->jobs()[0].offset_bytes, 4 * kMiB);
      EXPECT_EQ(last->jobs()[1].offset_bytes, 5 * kMiB);
      EXPECT_EQ(last->jobs()[1].size_bytes, kMiB);
      EXPECT_EQ(last->jobs()[0].ino, first->jobs()[0].ino);
      EXPECT_TRUE(last->created_files().empty());
      // Larger regions than the first laid out: not the same file.
      Result<PreparedTarget> larger = PrepareTarget(Options(path).Share(1, 3), Layout(2 * kMiB, 2));
      ASSERT_FALSE(larger.ok());
      EXPECT_NE(larger.status().message().find("is it the same file on every host?"),
                std::string::npos)
          << larger.status().message();
    }
    EXPECT_TRUE(Exists(path)) << "a process that joined removes nothing";
  }
  EXPECT_FALSE(Exists(path)) << "the first process removes what it created";
}

// A file durabench did not create is joined only with --allow-overwrite, as it is used; a
// directory is no shared target.
TEST_F(TargetTest, ASharedTargetIsCheckedByEveryProcess) {
  const std::string path = dir_.File("user.dat");
  WriteFile(path, std::string(4 * kMiB, 'u'));
  Result<PreparedTarget> refused = PrepareTarget(Options(path).Share(1, 2), Layout(kMiB));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kRefused);
  EXPECT_NE(refused.status().message().find("--allow-overwrite"), std::string::npos);
  Result<PreparedTarget> allowed =
      PrepareTarget(Options(path).AllowOverwrite().Share(1, 2), Layout(kMiB));
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed->jobs()[0].offset_bytes, kMiB);

  Result<PreparedTarget> dir = PrepareTarget(Options(dir_.path()).Share(0, 2), Layout(kMiB));
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("a directory is no shared target"), std::string::npos);
  TargetOptions bad = Options(path).AllowOverwrite().Share(2, 2);
  EXPECT_EQ(PrepareTarget(bad, Layout(kMiB)).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(TargetTest, CharacterDeviceRefused) {
  Result<PreparedTarget> t = PrepareTarget(Options("/dev/null"), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kRefused);
  EXPECT_EQ(t.status().message(),
            "refusing to write /dev/null: it is a character device; a target must be a "
            "directory, a regular file or a block device");
}

TEST_F(TargetTest, FifoRefused) {
  const std::string fifo = dir_.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result<PreparedTarget> t = PrepareTarget(Options(fifo).AllowOverwrite(), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kRefused);
  EXPECT_NE(t.status().message().find("it is a FIFO"), std::string::npos);
}

TEST_F(TargetTest, InvalidLayoutRejected) {
  EXPECT_EQ(PrepareTarget(Options(dir_.path()), Layout(kMiB, 0)).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PrepareTarget(Options(dir_.path()), Layout(0)).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PrepareTarget(Options(""), Layout(kMiB)).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PrepareTarget(Options(dir_.File("f")), Layout(UINT64_MAX / 2, 4)).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_FALSE(Exists(dir_.File("f")));
}

// Moving hands over the duty to remove: the moved-from object removes nothing, the new owner
// does; move-assigning over a target first cleans up the files that target held.
TEST_F(TargetTest, MoveTransfersOwnershipOfCreatedFiles) {
  Result<PreparedTarget> a = PrepareTarget(Options(dir_.File("a")).Create(), Layout(4096));
  Result<PreparedTarget> b = PrepareTarget(Options(dir_.File("b")).Create(), Layout(4096));
  ASSERT_TRUE(a.ok() && b.ok());
  {
    PreparedTarget moved(std::move(*a));
    a->Cleanup();  // moved-from: must not touch "a"
    EXPECT_TRUE(Exists(dir_.File("a")));
    moved = std::move(*b);  // "a" is removed now, "b" now belongs to `moved`
    EXPECT_FALSE(Exists(dir_.File("a")));
    EXPECT_TRUE(Exists(dir_.File("b")));
    EXPECT_EQ(moved.path(), dir_.File("b"));
  }
  EXPECT_FALSE(Exists(dir_.File("b")));
}

TEST_F(TargetTest, CleanupIsIdempotentAndToleratesMissingFiles) {
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()), Layout(4096, 2));
  ASSERT_TRUE(t.ok());
  const std::string f0 = t->jobs()[0].path;
  ASSERT_EQ(::unlink(f0.c_str()), 0);
  t->Cleanup();
  EXPECT_FALSE(Exists(t->jobs()[1].path));
  EXPECT_EQ(t->created_files().size(), 2u);  // still reported
  ASSERT_TRUE(WriteFile(f0, "recreated by someone else"));
  t->Cleanup();  // second call: removes nothing
  EXPECT_TRUE(Exists(f0));
}

TEST(TargetKindNameTest, Names) {
  EXPECT_STREQ(TargetKindName(TargetKind::kDirectory), "directory");
  EXPECT_STREQ(TargetKindName(TargetKind::kFile), "file");
  EXPECT_STREQ(TargetKindName(TargetKind::kBlockDevice), "block-device");
}

TEST_F(TargetTest, CheckBlockDeviceSafeRejectsNonDevices) {
  EXPECT_EQ(CheckBlockDeviceSafe(dir_.path(), {}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(CheckBlockDeviceSafe("/dev/null", Options(dir_.path()).DestroyData("/dev/null")).code(),
            Status::Code::kInvalidArgument);
}

// ---- failure paths through the syscall layer ----

// Installs a SysCalls table for one test and restores libc afterwards.
class FaultTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    table_ = LibcSysCalls();
    calls_ = 0;
  }
  void TearDown() override { SetSysCalls(nullptr); }
  void Install() { SetSysCalls(&table_); }

  SysCalls table_{};
  static inline int calls_ = 0;
};

// ENOSPC on the second job's fallocate: the error names the call and file, and both files made
// so far are gone although keep was asked for (keep applies to a finished layout only).
TEST_F(FaultTest, FallocateFailureRemovesEverythingCreated) {
  table_.fallocate = [](int, int, off_t, off_t) -> int {
    if (++calls_ == 2) {
      errno = ENOSPC;
      return -1;
    }
    return 0;
  };
  Install();
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()).Keep(), Layout(kMiB, 3));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kIoError);
  EXPECT_EQ(t.status().message(),
            "fallocate " + JobFileName(dir_, 1) + ": No space left on device");
  EXPECT_FALSE(Exists(JobFileName(dir_, 0)));
  EXPECT_FALSE(Exists(JobFileName(dir_, 1)));
  EXPECT_FALSE(Exists(JobFileName(dir_, 2)));
}

// A filesystem without fallocate: the file is sized with ftruncate and still filled.
TEST_F(FaultTest, FallocateUnsupportedFallsBackToFtruncate) {
  table_.fallocate = [](int, int, off_t, off_t) -> int {
    ++calls_;
    errno = EOPNOTSUPP;
    return -1;
  };
  Install();
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()), Layout(kMiB + 512));
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(StatOf(t->jobs()[0].path).st.st_size, static_cast<off_t>(kMiB + 512));
  EXPECT_EQ(ZeroPieces(ReadAll(t->jobs()[0].path)), 0u);
}

TEST_F(FaultTest, FsyncErrorIsReportedAndFileRemoved) {
  table_.fsync = [](int) -> int {
    errno = EIO;
    return -1;
  };
  Install();
  const std::string file = dir_.File("f.dat");
  Result<PreparedTarget> t = PrepareTarget(Options(file).Create(), Layout(kMiB));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "fsync " + file + ": Input/output error");
  EXPECT_FALSE(Exists(file));
}

// Short writes are continued where they stopped; EINTR is retried by the syscall layer.
TEST_F(FaultTest, ShortAndInterruptedWritesComplete) {
  table_.pwrite = [](int fd, const void* buf, size_t count, off_t offset) -> ssize_t {
    if (++calls_ % 3 == 0) {
      errno = EINTR;
      return -1;
    }
    return ::pwrite(fd, buf, count > 1000 ? count / 2 + 1 : count, offset);
  };
  Install();
  Result<PreparedTarget> t = PrepareTarget(Options(dir_.path()), Layout(3 * kMiB));
  ASSERT_TRUE(t.ok()) << t.status().message();
  SetSysCalls(nullptr);
  EXPECT_EQ(StatOf(t->jobs()[0].path).st.st_size, static_cast<off_t>(3 * kMiB));
  EXPECT_EQ(ZeroPieces(ReadAll(t->jobs()[0].path)), 0u);
}

}  // namespace
}  // namespace durabench
