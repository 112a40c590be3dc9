// One job of a phase: its engine, data file, buffers and Recorder, and its I/O loop.
// Internal to the runner (runner.h documents the behaviour users see).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "measure/recorder.h"
#include "target/target.h"
#include "workload/offsets.h"
#include "workload/spec.h"

namespace durabench {

// What a job shares with the runner thread; written by the job, read for progress.
struct alignas(64) JobShared {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> p99_ns{0};  // last closed interval: commit, else write, else read
};

// What all jobs of a phase share.
struct PhaseControl {
  std::atomic<uint64_t> start_ns{0};  // 0 until the runner releases the jobs
  std::atomic<bool> abort{false};     // a job failed: everyone stops
  std::atomic<size_t> jobs_finished{0};
  const std::atomic<bool>* user_stop = nullptr;
};

class Job {
 public:
  Job(const PhaseSpec& spec, const JobFile& file, std::unique_ptr<Engine> engine, uint64_t seed);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  // Opens the file and allocates buffers. Called before the clock starts.
  Status Prepare();
  // Waits for control->start_ns, runs the loop, and finishes the recorder.
  void Run(PhaseControl* control, uint64_t interval_ns);

  const Recorder& recorder() const { return *recorder_; }
  uint64_t last_end_ns() const { return last_end_ns_; }
  const std::string& error() const { return error_; }
  int error_errno() const { return error_errno_; }
  JobShared& shared() { return shared_; }

 private:
  bool Fail(OpKind kind, const IoRequest& req, const char* what);
  void* NextWriteBuffer();
  // Runs one flush covering the pending writes; false on failure.
  bool Flush(bool recording);
  void PublishProgress();

  const PhaseSpec& spec_;
  JobFile file_;
  std::unique_ptr<Engine> engine_;
  uint64_t seed_;
  std::unique_ptr<Recorder> recorder_;
  OffsetGenerator offsets_;
  Rng rng_;

  uint8_t* buffers_ = nullptr;  // kBufferCount write buffers, then one read buffer
  size_t buffer_stride_ = 0;
  uint32_t next_buffer_ = 0;
  uint64_t write_serial_ = 0;

  std::vector<uint64_t> pending_starts_;  // start times of measured writes waiting for a flush
  uint32_t pending_writes_ = 0;           // writes (measured or not) waiting for a flush
  uint64_t pending_lo_ = UINT64_MAX;      // byte range they cover (for sync_file_range)
  uint64_t pending_hi_ = 0;
  uint64_t last_end_ns_ = 0;
  size_t intervals_seen_ = 0;
  Histogram scratch_;  // for the progress p99, reused every interval

  std::string error_;
  int error_errno_ = 0;
  JobShared shared_;
};

}  // namespace durabench
