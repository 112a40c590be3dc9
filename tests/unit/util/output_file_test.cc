// The output-path rules of util/output_file.h on real files, symlinks, FIFOs and device nodes.
#include "util/output_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "support/test_util.h"

namespace durabench {
namespace {

using testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool NoTemporaryIn(const std::string& dir) {
  std::string out;
  testing::Shell("ls -A " + dir, &out);
  return out.find(".tmp.") == std::string::npos;
}

TEST(OutputFile, ANewPathIsWrittenWholeAndLeavesNoTemporary) {
  TempDir dir;
  ASSERT_TRUE(WriteOutputFile("-o", dir.File("r.json"), "first").ok());
  ASSERT_TRUE(WriteOutputFile("-o", dir.File("r.json"), "second").ok());
  EXPECT_EQ(Slurp(dir.File("r.json")), "second");
  std::string listing;
  testing::Shell("ls -A " + dir.path(), &listing);
  EXPECT_EQ(listing, "r.json\n");
}

TEST(OutputFile, ARegularFileIsReplacedAndKeepsItsMode) {
  TempDir dir;
  Spit(dir.File("r.json"), "old content that is longer");
  chmod(dir.File("r.json").c_str(), 0600);
  ASSERT_TRUE(WriteOutputFile("-o", dir.File("r.json"), "new").ok());
  EXPECT_EQ(Slurp(dir.File("r.json")), "new");
  struct stat st;
  ASSERT_EQ(stat(dir.File("r.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(OutputFile, ASymlinkStaysALinkAndItsTargetGetsTheContent) {
  TempDir dir;
  ASSERT_EQ(mkdir(dir.File("real").c_str(), 0755), 0);
  Spit(dir.File("real/r.json"), "old");
  ASSERT_EQ(symlink("real/r.json", dir.File("link.json").c_str()), 0);
  ASSERT_TRUE(WriteOutputFile("-o", dir.File("link.json"), "new").ok());
  struct stat st;
  ASSERT_EQ(lstat(dir.File("link.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(Slurp(dir.File("real/r.json")), "new");
  EXPECT_TRUE(NoTemporaryIn(dir.path()));
}

TEST(OutputFile, ADanglingSymlinkCreatesItsTarget) {
  TempDir dir;
  ASSERT_EQ(symlink("made.json", dir.File("link.json").c_str()), 0);
  ASSERT_TRUE(WriteOutputFile("-o", dir.File("link.json"), "new").ok());
  struct stat st;
  ASSERT_EQ(lstat(dir.File("link.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(Slurp(dir.File("made.json")), "new");
}

TEST(OutputFile, ASymlinkLoopIsRefused) {
  TempDir dir;
  ASSERT_EQ(symlink("b", dir.File("a").c_str()), 0);
  ASSERT_EQ(symlink("a", dir.File("b").c_str()), 0);
  Result<OutputPath> out = CheckOutput("-o", dir.File("a"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().ExitCode(), 2);
  EXPECT_NE(out.status().message().find("symbolic links"), std::string::npos);
}

TEST(OutputFile, DevNullStaysACharacterDevice) {
  ASSERT_TRUE(WriteOutputFile("-o", "/dev/null", "into the void").ok());
  struct stat st;
  ASSERT_EQ(lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(OutputFile, AFullDeviceIsAnIoErrorAndStaysADevice) {
  Status st = WriteOutputFile("-o", "/dev/full", "x");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.ExitCode(), 3);
  EXPECT_NE(st.message().find("/dev/full"), std::string::npos) << st.message();
  struct stat sb;
  ASSERT_EQ(lstat("/dev/full", &sb), 0);
  EXPECT_TRUE(S_ISCHR(sb.st_mode));
}

TEST(OutputFile, AFifoIsWrittenInPlace) {
  TempDir dir;
  const std::string fifo = dir.File("pipe");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Result<OutputPath> out = CheckOutput("-o", fifo);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->kind, OutputKind::kInPlace);
  std::string got;
  std::thread reader([&] { got = Slurp(fifo); });
  ASSERT_TRUE(WriteOutput(*out, "-o", "through the pipe").ok());
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  struct stat st;
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(OutputFile, ADeviceNodeMadeHereIsNeverReplaced) {
  if (geteuid() != 0) GTEST_SKIP() << "skipped: mknod needs root";
  TempDir dir;
  const std::string node = dir.File("null");
  ASSERT_EQ(mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);  // like /dev/null
  ASSERT_TRUE(WriteOutputFile("-o", node, "x").ok());
  struct stat st;
  ASSERT_EQ(lstat(node.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(OutputFile, DirectoriesAndBlockDevicesAreRefused) {
  TempDir dir;
  Result<OutputPath> d = CheckOutput("-o", dir.path());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().ExitCode(), 2);
  EXPECT_NE(d.status().message().find("is a directory"), std::string::npos);
  EXPECT_FALSE(CheckOutput("-o", dir.File("new/")).ok());
  if (geteuid() == 0) {
    const std::string node = dir.File("blk");
    ASSERT_EQ(mknod(node.c_str(), S_IFBLK | 0600, makedev(7, 250)), 0);
    Result<OutputPath> b = CheckOutput("-o", node);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.status().message().find("block device"), std::string::npos);
  }
}

TEST(OutputFile, AMissingDirectoryIsRefusedUpFront) {
  TempDir dir;
  Result<OutputPath> out = CheckOutput("--junit", dir.File("missing/r.xml"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().ExitCode(), 2);
  EXPECT_NE(out.status().message().find("--junit"), std::string::npos);
  EXPECT_NE(out.status().message().find("does not exist"), std::string::npos);
}

TEST(OutputFile, AReadOnlyDirectoryIsRefusedUpFront) {
  TempDir dir;
  ASSERT_EQ(mkdir(dir.File("ro").c_str(), 0755), 0);
  // A read-only bind is refused even for root, unlike a mode bit.
  if (geteuid() == 0) {
    if (testing::Shell("mount --bind " + dir.File("ro") + " " + dir.File("ro") +
                       " && mount -o remount,bind,ro " + dir.File("ro")) != 0) {
      testing::Shell("umount " + dir.File("ro") + " 2>/dev/null");
      GTEST_SKIP() << "skipped: cannot make a read-only bind mount here";
    }
  } else {
    chmod(dir.File("ro").c_str(), 0555);
  }
  Result<OutputPath> out = CheckOutput("-o", dir.File("ro/r.json"));
  if (geteuid() == 0) testing::Shell("umount " + dir.File("ro"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("cannot create a file"), std::string::npos)
      << out.status().message();
  EXPECT_TRUE(NoTemporaryIn(dir.File("ro")));
}

TEST(OutputFile, AnInputIsNotOverwrittenByIdentityOrPath) {
  TempDir dir;
  Spit(dir.File("in.json"), "{}");
  ASSERT_EQ(link(dir.File("in.json").c_str(), dir.File("hard.json").c_str()), 0);
  Result<OutputPath> out = CheckOutput("-o", dir.File("hard.json"));
  ASSERT_TRUE(out.ok());
  Status st = RefuseOverwriting(*out, dir.File("in.json"), "an input");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.ExitCode(), 2);
  EXPECT_NE(st.message().find("is an input"), std::string::npos);
  // A file that does not exist yet, named two ways.
  Result<OutputPath> fresh = CheckOutput("-o", dir.File("new.dat"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(RefuseOverwriting(*fresh, dir.path() + "/./new.dat", "the target").ok());
  EXPECT_TRUE(RefuseOverwriting(*fresh, dir.File("other.dat"), "the target").ok());
}

}  // namespace
}  // namespace durabench
