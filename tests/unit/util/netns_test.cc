// EnterNetworkNamespace (util/netns.h): a namespace it cannot enter is an error that says why,
// and entering one moves the calling thread only. Entering one needs root and `ip netns add`, so
// the move is checked with this process's own namespace (/proc/self/ns/net, always there) on a
// thread of its own, and with a fresh named one where the test runs as root.
#include "util/netns.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace durabench {
namespace {

ino_t NetnsInode() {
  struct stat st {};
  return ::stat("/proc/thread-self/ns/net", &st) == 0 ? st.st_ino : 0;
}

TEST(Netns, ANamespaceThatIsNotThereIsNotFound) {
  Status st = EnterNetworkNamespace("durabench-no-such-namespace");
  EXPECT_EQ(st.code(), Status::Code::kNotFound) << st.message();
  EXPECT_NE(st.message().find("/run/netns/durabench-no-such-namespace"), std::string::npos);
  for (const char* bad : {"", "a/b", "..", "."}) {
    EXPECT_EQ(EnterNetworkNamespace(bad).code(), Status::Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(EnterNetworkNamespace("/proc/self/ns/uts").code(),
            ::geteuid() == 0 ? Status::Code::kInvalidArgument : Status::Code::kRefused);
}

TEST(Netns, ANamedNamespaceIsEnteredByTheCallingThreadOnly) {
  if (::geteuid() != 0) GTEST_SKIP() << "skipped: entering a network namespace needs root";
  if (std::system("command -v ip >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "skipped: no ip(8) (Debian: iproute2)";
  }
  const std::string name = "durabench-t" + std::to_string(::getpid());
  if (std::system(("ip netns add " + name + " 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "skipped: `ip netns add` failed (no network namespaces here)";
  }
  const ino_t mine = NetnsInode();
  ino_t entered = 0;
  Status st;
  std::thread([&] {
    st = EnterNetworkNamespace(name);
    entered = NetnsInode();
  }).join();
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_NE(entered, mine);
  EXPECT_EQ(NetnsInode(), mine) << "the other threads stay where they were";
  EXPECT_EQ(std::system(("ip netns delete " + name).c_str()), 0);
}

}  // namespace
}  // namespace durabench
