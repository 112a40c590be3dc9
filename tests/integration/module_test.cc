// Modules (src/backend/module.h): the binary links no cluster library, finds its modules beside
// itself or in $DURABENCH_MODULE_PATH, runs an engine that a module in one folder adds, names the
// package of a missing module, and refuses a module of another build.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "durabench_runner.h"

namespace durabench::testing {
namespace {

const std::string kExampleDir = DURABENCH_EXAMPLE_MODULE_DIR;
const std::string kBuildModuleDir = DURABENCH_BUILD_MODULE_DIR;

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

int Lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST(Modules, TheBinaryLinksNoClusterLibraryAndItsModulesDo) {
  const std::regex cluster_libs("lib(rados|rbd|gfapi)\\.so");
  CommandResult ldd = RunCommand({"/usr/bin/ldd", kBinary});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  EXPECT_FALSE(std::regex_search(ldd.out, cluster_libs)) << ldd.out;
  // The check above would pass on a binary that lost its modules; these must have the libraries.
  const std::pair<const char*, const char*> modules[] = {{"durabench-ceph.so", "librados.so"},
                                                         {"durabench-gluster.so", "libgfapi.so"}};
  int found = 0;
  for (const auto& [file, lib] : modules) {
    const std::string path = kBuildModuleDir + "/" + file;
    if (!Exists(path)) continue;
    ++found;
    CommandResult m = RunCommand({"/usr/bin/ldd", path});
    ASSERT_EQ(m.exit_code, 0) << m.err;
    EXPECT_NE(m.out.find(lib), std::string::npos) << path << " links no " << lib << ":\n" << m.out;
  }
  if (found == 0) GTEST_SKIP() << "skipped: no cluster module built (no librados/libgfapi here)";
}

TEST(Modules, AnEngineAddedInOneFolderRuns) {
  const std::map<std::string, std::string> env = {{"DURABENCH_MODULE_PATH", kExampleDir}};
  CommandResult list = Durabench({"list"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("example "), std::string::npos) << list.out;

  TempDir dir;
  const std::string result = dir.File("r.json");
  CommandResult r =
      Durabench({"run",          "--target",  dir.File("data"), "--create", "--engine",  "example",
                 "--sync",       "fdatasync", "--ops",          "30",       "--runtime", "0s",
                 "--block-size", "4KiB",      "--size",         "256KiB",   "--keep",    "-o",
                 result,         "--quiet"},
                env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = LoadJson(result);
  ExpectValidResult(j);
  EXPECT_EQ(j["phases"][0]["spec"]["engine"], "example");
  EXPECT_EQ(j["phases"][0]["ops"]["write"]["count"], 30);
  EXPECT_EQ(j["phases"][0]["ops"]["write"]["bytes"], 30 * 4096);
  EXPECT_EQ(j["phases"][0]["ops"]["flush"]["count"], 30);
  struct stat st;
  ASSERT_EQ(::stat(dir.File("data").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 256 * 1024);

  // Without the module in the path, the engine is unknown (it is not built in).
  CommandResult gone = Durabench({"run", "--target", dir.File("data2"), "--engine", "example",
                                  "--runtime", "0s", "--ops", "1", "--quiet"},
                                 {{"DURABENCH_MODULE_PATH", dir.path()}});
  EXPECT_EQ(gone.exit_code, 2) << gone.err;
  EXPECT_NE(gone.err.find("unknown engine 'example'"), std::string::npos) << gone.err;
}

TEST(Modules, AMissingModuleIsOneLineNamingItsPackage) {
  TempDir empty;
  const std::map<std::string, std::string> env = {{"DURABENCH_MODULE_PATH", empty.path()}};
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"run", "--target", "rados://pool", "--runtime", "1s", "--quiet"}, "durabench-ceph package"},
      {{"run", "--target", "rbd://pool/image", "--runtime", "1s", "--quiet"},
       "durabench-ceph package"},
      {{"run", "--target", "gluster://127.0.0.1/vol", "--runtime", "1s", "--quiet"},
       "durabench-gluster package"},
      {{"run", "--target", empty.File("f"), "--engine", "gfapi", "--runtime", "1s", "--quiet"},
       "durabench-gluster package"},
  };
  for (const auto& [args, package] : cases) {
    SCOPED_TRACE(args[2]);
    CommandResult r = Durabench(args, env);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(package), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(empty.path()), std::string::npos) << "names where it looked: " << r.err;
  }
  CommandResult list = Durabench({"list"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("rados, rbd"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("not available"), std::string::npos) << list.out;
}

TEST(Modules, AModuleOfAnotherBuildIsRefused) {
  // durabench-stale.so traps if its entry point is called: the ABI check must come first.
  CommandResult list = Durabench({"list"}, {{"DURABENCH_MODULE_PATH", kExampleDir}});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("durabench-stale.so at " + kExampleDir), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("was built for \"durabench-module-1 0.0.0"), std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("example "), std::string::npos) << "the good module still loads";
}

}  // namespace
}  // namespace durabench::testing
