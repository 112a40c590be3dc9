#include "util/data_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "durabench/config.h"

namespace durabench {
namespace {

namespace fs = std::filesystem;

TEST(DataDir, OnlyARelativePathIsCompiledIn) {
  const std::string_view rel = DURABENCH_DATA_DIR_FROM_BIN;
  EXPECT_FALSE(rel.empty());
  EXPECT_NE(rel.front(), '/') << rel;
}

TEST(DataDir, DefaultLayoutIsShareBesideBin) {
  if (std::string_view(DURABENCH_DATA_DIR_FROM_BIN) != "../share/durabench") {
    GTEST_SKIP() << "configured with another CMAKE_INSTALL_BINDIR/DATADIR: "
                 << DURABENCH_DATA_DIR_FROM_BIN;
  }
  EXPECT_EQ(DataDirOfBinary("/usr/bin/durabench"), "/usr/share/durabench");
  EXPECT_EQ(DataDirOfBinary("/opt/db/bin/durabench"), "/opt/db/share/durabench");
  // The build tree's binary and the layout the build mirrors for it.
  EXPECT_EQ(DataDirOfBinary("/b/build/dev/src/cli/durabench"), "/b/build/dev/src/share/durabench");
}

TEST(DataDir, MovesWithTheBinary) {
  const fs::path a = DataDirOfBinary("/one/bin/durabench");
  const fs::path b = DataDirOfBinary("/two/levels/bin/durabench");
  EXPECT_EQ(a.lexically_relative("/one"), b.lexically_relative("/two/levels"));
}

TEST(DataDir, IsBesideTheRunningBinary) {
  Result<std::string> dir = DataDir();
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  EXPECT_EQ(*dir, DataDirOfBinary(fs::read_symlink("/proc/self/exe").string()));
}

}  // namespace
}  // namespace durabench
