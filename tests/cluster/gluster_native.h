// The fixture of the gfapi engine's cluster tests (gluster_native_test.cc,
// gluster_native_fault_test.cc): gluster:// URIs of the fixture's volumes and brick PIDs.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "cluster_env.h"
#include "mount_checks.h"

namespace durabench::testing {

class GlusterNativeTest : public ClusterTest {
 protected:
  std::string Uri(const std::string& volume, const std::string& dir = "") {
    return "gluster://" + cluster_.Get("GLUSTER_HOST") + ":" + cluster_.Get("GLUSTER_PORT") + "/" +
           volume + dir;
  }
  std::vector<std::string> Args(const std::string& target, std::vector<std::string> more) {
    std::vector<std::string> a = {"run", "--target", target, "--size", "32MiB"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  pid_t BrickPid(const std::string& key) {
    const std::string pids = cluster_.Get(key);
    EXPECT_FALSE(pids.empty()) << "cluster.env has no " << key;
    if (pids.empty()) return -1;
    const pid_t pid = static_cast<pid_t>(std::stol(pids.substr(0, pids.find(','))));
    EXPECT_TRUE(PidCmdlineHas(pid, cluster_.dir + "/")) << pid << " is not this cluster's brick";
    return pid;
  }
};

}  // namespace durabench::testing
