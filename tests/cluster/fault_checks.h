// The checks both fault tests make (ceph_fault_test.cc, gluster_fault_test.cc): a daemon of the
// fixture's cluster is SIGKILLed ~3 s into an 8 s `durabench run`; the run must still end on
// time, exit 0, write a complete result and show writes completing after the fault. The stall
// itself is measured and recorded (RecordProperty, stdout), never asserted: it depends on the
// machine's load.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "durabench_runner.h"
#include "mount_checks.h"

namespace durabench::testing {

inline constexpr int kFaultRuntimeS = 8;
inline constexpr double kFaultAfterS = 3.0;
// durabench stops starting operations at the runtime; one in flight may take a stall's length
// to come back, then the result is written. More than this past the runtime is "late".
inline constexpr double kLateMarginS = 5.0;

// Runs the fault scenario against `victim_pid` (already checked to be the cluster's) on
// `target_dir`, checks what must hold, and records the stall figures under `label`.
inline void RunFaultScenario(const std::string& target_dir, pid_t victim_pid,
                             const std::string& label) {
  TempDir local;
  const std::string out = local.File("fault.json");
  FaultRun run =
      RunWithFault(target_dir, out, std::to_string(kFaultRuntimeS) + "s",
                   {"--sync", "fdatasync", "--interval", "250ms"}, victim_pid, kFaultAfterS);
  ASSERT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  ASSERT_GE(run.measure_start_s, 0) << "the layout did not finish within 60 s";
  const double measured_wall_s = run.wall_s - run.measure_start_s;
  EXPECT_LT(measured_wall_s, kFaultRuntimeS + kLateMarginS)
      << "the run ended " << measured_wall_s << " s after its measurement began";

  nlohmann::json j = LoadJson(out);
  ExpectValidResult(j);
  ASSERT_FALSE(j["phases"].empty());
  EXPECT_FALSE(j["phases"][0].value("interrupted", true));
  const int64_t fault_ns = static_cast<int64_t>((run.fault_after_s - run.measure_start_s) * 1e9);
  StallFigures s = ReadStall(j, fault_ns);
  // The series covers the whole run: one interval per 250 ms up to the runtime's end (stalled
  // intervals are present with zero counts), so it reaches the last interval of the runtime.
  ASSERT_GT(s.interval_ns, 0);
  EXPECT_GE(s.last_start_ns, int64_t{kFaultRuntimeS} * 1000000000 - 2 * s.interval_ns)
      << "the time series ends at " << s.last_start_ns << " ns";
  EXPECT_EQ(s.intervals, s.last_start_ns / s.interval_ns + 1) << "gaps in the time series";
  EXPECT_GT(s.ops_after_fault, 0) << "no write completed after the fault";

  char line[512];
  std::snprintf(line, sizeof line,
                "%s: kill at %.2f s into the run (layout took %.2f s), wall %.2f s from the "
                "measurement's start (runtime %d s); max write %.1f ms, max flush %.1f ms; "
                "fewest writes in an interval: %lld (interval %lld of %lld, 250 ms); "
                "writes after the fault: %lld",
                label.c_str(), run.fault_after_s - run.measure_start_s, run.measure_start_s,
                measured_wall_s, kFaultRuntimeS, static_cast<double>(s.max_write_ns) / 1e6,
                static_cast<double>(s.max_flush_ns) / 1e6, static_cast<long long>(s.min_ops),
                static_cast<long long>(s.min_ops_index), static_cast<long long>(s.intervals),
                static_cast<long long>(s.ops_after_fault));
  std::printf("STALL %s\n", line);
  ::testing::Test::RecordProperty("stall", line);
}

// Re-runs the cluster's up script (it restarts exactly the missing daemons and waits until the
// cluster is whole again), so that later tests find it as the fixture left it.
inline void RestoreCluster(const std::string& up_script, const std::string& dir) {
  std::string out;
  int rc = Shell(
      "'" + std::string(DURABENCH_SCRIPTS_DIR) + "/" + up_script + "' '" + dir + "' 2>&1", &out);
  EXPECT_EQ(rc, 0) << up_script << " " << dir << " did not restore the cluster:\n" << out;
}

// The audit's node-loss tier (docs/audit.md): a durability audit of `target` during which
// `victim_pid` is SIGKILLed 2 s in, with 3 s more of writing on the degraded volume (the cut
// command kills, then sleeps; the audit stops when it returns). Then the cluster is restored
// with `restore_script` and every acknowledged write must be read back: verdict "kept". The
// figures are recorded under `label`. `more` goes to both commands (--ceph-conf for a URI).
inline void RunAuditThroughNodeLoss(const std::string& target, pid_t victim_pid,
                                    const std::string& restore_script,
                                    const std::string& cluster_dir, const std::string& label,
                                    const std::vector<std::string>& more = {}) {
  TempDir local;
  const std::string witness = "file:" + local.File("witness.log");  // off the cluster
  std::vector<std::string> audit = {"audit",
                                    target,
                                    "--witness",
                                    witness,
                                    "--runtime",
                                    "60s",
                                    "--size",
                                    "8MiB",
                                    "--sync",
                                    "fdatasync",
                                    "-q",
                                    "--cut-after",
                                    "2s",
                                    "--cut-command",
                                    "kill -KILL " + std::to_string(victim_pid) + "; sleep 3"};
  audit.insert(audit.end(), more.begin(), more.end());
  CommandResult r = Durabench(audit, {}, 240);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  RestoreCluster(restore_script, cluster_dir);
  std::vector<std::string> verify = {"audit", "--verify", target, "--witness", witness, "--json"};
  verify.insert(verify.end(), more.begin(), more.end());
  r = Durabench(verify, {}, 240);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["verdict"], "kept");
  EXPECT_GT(v["acknowledged_writes"].get<uint64_t>(), 10u);
  std::printf("%s: audit verdict %s, %llu acknowledged writes, %llu blocks intact\n", label.c_str(),
              v["verdict"].get<std::string>().c_str(),
              static_cast<unsigned long long>(v["acknowledged_writes"].get<uint64_t>()),
              static_cast<unsigned long long>(v["intact"].get<uint64_t>()));
  ::testing::Test::RecordProperty("audit_acknowledged_writes",
                                  std::to_string(v["acknowledged_writes"].get<uint64_t>()));
}

}  // namespace durabench::testing
