// Shared by the native-engine cluster tests (ceph_native_test.cc, gluster_native_test.cc):
// running durabench on a URI target and reading what it wrote.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "durabench_runner.h"
#include "mount_checks.h"

namespace durabench::testing {

// A name no other test (or earlier run) uses: rbd images and Gluster dirs per test.
inline std::string UniqueName(const std::string& stem) {
  return stem + "-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

// Seconds `f` took.
template <typename F>
double Timed(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `durabench ARGS` while, `after_s` seconds after its start, `fault` runs on this thread.
inline CommandResult RunWithFaultAfter(const std::vector<std::string>& args, double after_s,
                                       const std::function<void()>& fault, int timeout_s = 120) {
  CommandResult result;
  std::thread run([&] { result = Durabench(args, {}, timeout_s); });
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(after_s * 1000)));
  fault();
  run.join();
  return result;
}

// Phase 0's engine as recorded in the result.
inline std::string PhaseEngine(const nlohmann::json& j) {
  return j["phases"][0]["spec"].value("engine", "");
}

}  // namespace durabench::testing
