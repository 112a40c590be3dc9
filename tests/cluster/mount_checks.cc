#include "mount_checks.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "durabench_runner.h"

namespace durabench::testing {

namespace {

constexpr uint64_t kWalSizeBytes = 64ull << 20;  // --size 64MiB

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// True once a file in `dir` has reached the full --size: the layout pass is over and the
// measured run has begun (durabench lays its file out before it starts the clock).
bool LayoutDone(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code size_ec;
    if (e.is_regular_file(size_ec) && e.file_size(size_ec) >= kWalSizeBytes && !size_ec) {
      return true;
    }
  }
  return false;
}

}  // namespace

CommandResult RunWal(const std::string& target_dir, const std::string& out_json,
                     const std::string& runtime, const std::vector<std::string>& extra,
                     int timeout_s) {
  std::vector<std::string> args = {"run",   "ceph-wal", "--target", target_dir, "--runtime",
                                   runtime, "--size",   "64MiB",    "-o",       out_json};
  args.insert(args.end(), extra.begin(), extra.end());
  return Durabench(args, {}, timeout_s);
}

void ExpectOps(const nlohmann::json& result, const std::vector<std::string>& kinds) {
  ASSERT_TRUE(result.contains("phases") && !result["phases"].empty()) << "no phases";
  const nlohmann::json& ops = result["phases"][0]["ops"];
  for (const std::string& kind : kinds) {
    ASSERT_TRUE(ops.contains(kind)) << "no op kind " << kind << " in " << ops.dump();
    EXPECT_GT(ops[kind].value("count", 0), 0) << kind;
    const nlohmann::json& bins = ops[kind]["lat_ns"]["histogram"]["bins"];
    EXPECT_TRUE(bins.is_array() && !bins.empty()) << kind << " histogram is empty";
  }
}

void ExpectReplication(const nlohmann::json& result, const std::string& system,
                       const std::string& volume_type, int64_t replica_count) {
  ASSERT_TRUE(result.contains("probe") && result["probe"].contains("replication"))
      << "no probe.replication in the result";
  const nlohmann::json& r = result["probe"]["replication"];
  EXPECT_EQ(r.value("system", nlohmann::json()), system) << r.dump();
  if (!volume_type.empty()) {
    EXPECT_EQ(r.value("volume_type", nlohmann::json()), volume_type) << r.dump();
  }
  EXPECT_EQ(r.value("replica_count", nlohmann::json()), replica_count) << r.dump();
}

StallFigures ReadStall(const nlohmann::json& result, int64_t fault_ns) {
  StallFigures s;
  if (!result.contains("phases") || result["phases"].empty()) return s;
  const nlohmann::json& phase = result["phases"][0];
  const nlohmann::json& ops = phase["ops"];
  if (ops.contains("write")) s.max_write_ns = ops["write"]["lat_ns"].value("max", int64_t{0});
  if (ops.contains("flush")) s.max_flush_ns = ops["flush"]["lat_ns"].value("max", int64_t{0});
  const nlohmann::json& ts = phase["time_series"];
  s.interval_ns = ts.value("interval_ns", int64_t{0});
  for (const nlohmann::json& iv : ts["intervals"]) {
    int64_t writes = 0;
    if (iv["ops"].contains("write")) writes = iv["ops"]["write"].value("count", int64_t{0});
    int64_t start = iv.value("start_ns", int64_t{0});
    if (s.min_ops < 0 || writes < s.min_ops) {
      s.min_ops = writes;
      s.min_ops_index = iv.value("index", int64_t{-1});
    }
    if (start > fault_ns) s.ops_after_fault += writes;
    s.last_start_ns = start;
    ++s.intervals;
  }
  return s;
}

FaultRun RunWithFault(const std::string& target_dir, const std::string& out_json,
                      const std::string& runtime, const std::vector<std::string>& extra,
                      pid_t victim_pid, double kill_after_s) {
  FaultRun run;
  std::atomic<bool> done{false};
  auto t0 = std::chrono::steady_clock::now();
  std::thread runner([&] {
    run.command = RunWal(target_dir, out_json, runtime, extra, 180);
    run.wall_s = SecondsSince(t0);
    done = true;
  });
  // Wait for the measured run to begin (at most 60 s of layout), then for kill_after_s.
  while (!done && SecondsSince(t0) < 60 && !LayoutDone(target_dir)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (LayoutDone(target_dir)) run.measure_start_s = SecondsSince(t0);
  double kill_at =
      (run.measure_start_s < 0 ? SecondsSince(t0) : run.measure_start_s) + kill_after_s;
  while (!done && SecondsSince(t0) < kill_at) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!done) {
    run.fault_after_s = SecondsSince(t0);
    EXPECT_EQ(kill(victim_pid, SIGKILL), 0) << "kill -9 " << victim_pid;
  } else {
    ADD_FAILURE() << "durabench ended before the fault could be injected";
  }
  runner.join();
  return run;
}

bool PidCmdlineHas(pid_t pid, const std::string& needle) {
  std::string cmd = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  return !needle.empty() && cmd.find(needle) != std::string::npos;
}

}  // namespace durabench::testing
