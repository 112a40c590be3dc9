// The test cluster a CTest fixture brought up (tests/cluster/CMakeLists.txt), as its tests see
// it: DIR/cluster.env (KEY=VALUE lines written by scripts/ceph-up.sh or scripts/gluster-up.sh)
// read into a map. DIR is the compile definition DURABENCH_CLUSTER_DIR, or the environment
// variable of that name when set (to point a test binary at a cluster started by hand).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

namespace durabench::testing {

// What ReadClusterEnv found. Exactly one of: `env` filled (the cluster is up), `skip_reason`
// (the fixture skipped: this machine cannot run the cluster), `error` (it should be up and is
// not: no cluster.env without a skip reason).
struct ClusterEnv {
  std::string dir;
  std::map<std::string, std::string> env;
  std::string skip_reason;
  std::string error;

  // The value of `key`, or "" when cluster.env does not have it.
  std::string Get(const std::string& key) const {
    auto it = env.find(key);
    return it == env.end() ? "" : it->second;
  }
};

// The cluster directory this test binary was built for (see the header comment).
inline std::string ClusterDir() {
  const char* from_env = std::getenv("DURABENCH_CLUSTER_DIR");
  return from_env != nullptr && *from_env != '\0' ? from_env : DURABENCH_CLUSTER_DIR;
}

// Reads DIR/unavailable.txt (the fixture's skip reason) or DIR/cluster.env. Not thread-safe
// with a fixture rewriting the files, which never happens while tests run.
inline ClusterEnv ReadClusterEnv(const std::string& dir = ClusterDir()) {
  ClusterEnv c;
  c.dir = dir;
  std::ifstream skip(dir + "/unavailable.txt");
  if (skip && std::getline(skip, c.skip_reason) && !c.skip_reason.empty()) return c;
  c.skip_reason.clear();
  std::ifstream in(dir + "/cluster.env");
  if (!in) {
    c.error = "no " + dir +
              "/cluster.env: the cluster is not up (run the test through ctest, whose fixture "
              "starts it, or start it with scripts/*-up.sh)";
    return c;
  }
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    c.env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  if (c.env.empty()) c.error = dir + "/cluster.env is empty";
  return c;
}

// Base class for tests against the fixture's cluster: SetUp skips with the fixture's reason,
// fails when the cluster should be up and is not, and otherwise leaves the facts in `cluster_`.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = ReadClusterEnv();
    if (!cluster_.skip_reason.empty()) {
      GTEST_SKIP() << "cluster unavailable: " << cluster_.skip_reason;
    }
    ASSERT_TRUE(cluster_.error.empty()) << cluster_.error;
  }

  ClusterEnv cluster_;
};

}  // namespace durabench::testing
