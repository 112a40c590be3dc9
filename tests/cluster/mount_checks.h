// Shared by the cluster tests: running `durabench run ceph-wal` on a mounted cluster file
// system (ceph-fuse, Gluster FUSE), checking its result, and a fault injected during a run.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace durabench::testing {

// `durabench run ceph-wal --target DIR --runtime RUNTIME --size 64MiB -o OUT EXTRA...`.
// ceph-wal opens O_DIRECT|O_SYNC; ceph-fuse and Gluster FUSE (10.3) both accept that, so no
// override is needed. Returns the command's result; the JSON is in OUT.
CommandResult RunWal(const std::string& target_dir, const std::string& out_json,
                     const std::string& runtime, const std::vector<std::string>& extra = {},
                     int timeout_s = 120);

// Expects phase 0 of `result` to hold each op kind in `kinds` with count > 0 and a non-empty
// latency histogram.
void ExpectOps(const nlohmann::json& result, const std::vector<std::string>& kinds);

// Expects probe.replication of `result` to say `system`, `volume_type` ("" skips that fact)
// and `replica_count`.
void ExpectReplication(const nlohmann::json& result, const std::string& system,
                       const std::string& volume_type, int64_t replica_count);

// What the time series of phase 0 shows around a fault (informational, not asserted exactly).
struct StallFigures {
  int64_t max_write_ns = 0;    // largest write latency
  int64_t max_flush_ns = 0;    // largest flush latency (0 without a flush)
  int64_t min_ops = -1;        // fewest writes that ended in one interval
  int64_t min_ops_index = -1;  // that interval's index
  int64_t intervals = 0;       // intervals in the series
  int64_t interval_ns = 0;
  int64_t last_start_ns = 0;    // start of the last interval
  int64_t ops_after_fault = 0;  // writes that ended in intervals starting after fault_ns
};

// Reads the figures from phase 0; `fault_ns` is the fault's time from the start of the
// measurement (intervals' start_ns is measured from there too).
StallFigures ReadStall(const nlohmann::json& result, int64_t fault_ns);

// The outcome of RunWithFault.
struct FaultRun {
  CommandResult command;
  double wall_s = 0;            // from starting durabench to its exit
  double fault_after_s = 0;     // from starting durabench to the kill
  double measure_start_s = -1;  // from starting durabench to the first write in the target dir
};

// Runs `durabench run ceph-wal` (RunWal arguments) and SIGKILLs `victim_pid` `kill_after_s`
// seconds after the measurement started (the data file appeared in `target_dir` and its
// layout ended, or after the layout timeout). The caller has checked that the PID is one of its
// cluster's daemons.
FaultRun RunWithFault(const std::string& target_dir, const std::string& out_json,
                      const std::string& runtime, const std::vector<std::string>& extra,
                      pid_t victim_pid, double kill_after_s);

// True when /proc/PID/cmdline names `needle` (a cluster's state directory): the PID belongs to
// the cluster the fixture started, not to anyone else's.
bool PidCmdlineHas(pid_t pid, const std::string& needle);

}  // namespace durabench::testing
