// The job loop (workload/job.h) against a fake asynchronous engine that completes requests out
// of order, fails a chosen write (cancelling the flush linked behind it, as io_uring does) and
// fails a chosen Reap call: every write gets its flush and its commit sample whatever the
// completion order, and a failure is reported as what it is.
#include "workload/job.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <deque>
#include <string>
#include <vector>

#include "measure/clock.h"
#include "support/test_util.h"

namespace durabench {
namespace {

class FakeEngine : public Engine {
 public:
  struct Options {
    uint64_t fail_write = 0;  // the Nth write (1-based) fails with EIO; 0: none
    uint64_t fail_reap = 0;   // the Nth Reap call fails with EBADF; 0: none
  };
  explicit FakeEngine(Options o) : options_(o) {
    caps_.inline_completion = false;
    caps_.max_iodepth = 256;
    caps_.does_io = false;
    caps_.linked_flush = true;
    caps_.sync_methods = (1u << kSyncMethodCount) - 1;
  }
  const EngineCaps& caps() const override { return caps_; }
  Status Open(const std::string&, const EngineOpenOptions&) override { return Status::Ok(); }
  int Submit(IoRequest* req) override {
    queued_.push_back(req);
    return kQueued;
  }
  int Commit() override {
    const int n = static_cast<int>(queued_.size());
    for (IoRequest* r : queued_) inflight_.push_back(r);
    queued_.clear();
    return n;
  }
  // Completes everything in flight, newest first, except that a flush linked behind a write comes
  // right after it (the link orders them), or right before it when the write failed and the flush
  // was cancelled (a completion order the job must handle too).
  int Reap(uint32_t, uint32_t max, IoRequest** out) override {
    if (options_.fail_reap != 0 && ++reaps_ == options_.fail_reap) return -EBADF;
    std::vector<std::vector<IoRequest*>> units;  // a request, or a linked write and its flush
    for (size_t i = 0; i < inflight_.size(); ++i) {
      IoRequest* r = inflight_[i];
      if (r->type == IoType::kWrite && r->link_next && i + 1 < inflight_.size()) {
        units.push_back({r, inflight_[++i]});
      } else {
        units.push_back({r});
      }
    }
    uint32_t n = 0;
    size_t taken = 0;  // units taken from the back
    for (auto u = units.rbegin(); u != units.rend() && n + u->size() <= max; ++u, ++taken) {
      IoRequest* first = (*u)[0];
      Complete(first);
      if (u->size() == 2) {
        IoRequest* flush = (*u)[1];
        const bool failed = first->result < 0;
        flush->result = failed ? -ECANCELED : 0;
        ++flushes_;
        if (failed) {
          out[n++] = flush;
          out[n++] = first;
        } else {
          out[n++] = first;
          out[n++] = flush;
        }
      } else {
        out[n++] = first;
      }
    }
    inflight_.clear();
    for (size_t i = 0; i + taken < units.size(); ++i) {
      for (IoRequest* r : units[i]) inflight_.push_back(r);
    }
    return static_cast<int>(n);
  }
  void Close() override {}

  uint64_t flushes() const { return flushes_; }

 private:
  void Complete(IoRequest* r) {
    if (r->type == IoType::kFlush) {
      r->result = 0;
      ++flushes_;
    } else if (r->type == IoType::kWrite && ++writes_ == options_.fail_write) {
      r->result = -EIO;
    } else {
      r->result = r->length;
    }
  }

  Options options_;
  EngineCaps caps_;
  std::vector<IoRequest*> queued_, inflight_;
  uint64_t writes_ = 0, reaps_ = 0, flushes_ = 0;
};

struct Outcome {
  uint64_t reads = 0, writes = 0, flushes = 0, commits = 0;
  uint64_t write_errors = 0, flush_errors = 0;
  uint64_t ordering_violations = 0;
  std::string error;
  int error_errno = 0;
};

// Runs one job of `ops` 4 KiB random writes with `spec`'s sync settings on the fake engine.
Outcome RunJob(PhaseSpec spec, FakeEngine::Options fake, const std::string& dir) {
  spec.name = "fake";
  spec.engine = "fake";
  spec.size_bytes = 1 << 20;
  spec.runtime_ns = 0;
  JobFile file;
  file.path = dir + "/data";
  file.size_bytes = spec.size_bytes;
  Job job(spec, file, std::make_unique<FakeEngine>(fake), 1, -1);
  Outcome o;
  Status st = job.Prepare();
  EXPECT_TRUE(st.ok()) << st.message();
  if (!st.ok()) return o;
  PhaseControl control;
  TimeSeries series(1'000'000'000, 1);
  control.start_ns.store(NowNs());
  job.Run(&control, 1'000'000'000, &series, 0);
  const Recorder& r = job.recorder();
  o.reads = r.histogram(OpKind::kRead).count();
  o.writes = r.histogram(OpKind::kWrite).count();
  o.flushes = r.histogram(OpKind::kFlush).count();
  o.commits = r.histogram(OpKind::kCommit).count();
  o.write_errors = r.errors(OpKind::kWrite);
  o.flush_errors = r.errors(OpKind::kFlush);
  o.ordering_violations = job.queue_stats().ordering_violations;
  o.error = job.error();
  o.error_errno = job.error_errno();
  return o;
}

PhaseSpec Writes(uint32_t iodepth, uint32_t fsync_every, uint64_t ops) {
  PhaseSpec s;
  s.pattern = Pattern::kRandWrite;
  s.sync = SyncMethod::kFdatasync;
  s.iodepth = iodepth;
  s.fsync_every = fsync_every;
  s.ops = ops;
  return s;
}

// Linked mode (fsync_every 1, iodepth >= 2): every write has its own flush right behind it.
TEST(JobLoop, OutOfOrderCompletionsOfLinkedPairs) {
  testing::TempDir dir;
  const Outcome o = RunJob(Writes(8, 1, 300), {}, dir.path());
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.writes, 300u);
  EXPECT_EQ(o.flushes, 300u);
  EXPECT_EQ(o.commits, 300u);
  EXPECT_EQ(o.ordering_violations, 0u);
}

// Group mode: a group's flush goes out once all its writes completed, in whatever order.
TEST(JobLoop, OutOfOrderCompletionsInFlushGroups) {
  testing::TempDir dir;
  const Outcome o = RunJob(Writes(8, 4, 300), {}, dir.path());
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.writes, 300u);
  EXPECT_EQ(o.flushes, 75u);
  EXPECT_EQ(o.commits, 300u);
}

// A failed write's linked flush is cancelled and completes before the write here: the job reports
// the write (with its offset and errno), not the cancelled flush, and counts one write error.
TEST(JobLoop, AFailedWriteIsReportedNotTheFlushItCancelled) {
  testing::TempDir dir;
  const Outcome o = RunJob(Writes(8, 1, 300), {.fail_write = 50}, dir.path());
  EXPECT_EQ(o.error_errno, EIO) << o.error;
  EXPECT_EQ(o.error.rfind("write at offset ", 0), 0u) << o.error;
  EXPECT_EQ(o.error.find("cancel"), std::string::npos) << o.error;
  EXPECT_EQ(o.write_errors, 1u);
  EXPECT_EQ(o.flush_errors, 0u);
  EXPECT_LT(o.writes, 300u);
}

// A Reap that fails is the engine's failure, not an operation's: named as such, no fake request
// "at offset 0", no operation counted as failed.
TEST(JobLoop, AFailedReapIsReportedAsTheEngineCall) {
  testing::TempDir dir;
  const Outcome o = RunJob(Writes(8, 1, 300), {.fail_reap = 5}, dir.path());
  EXPECT_EQ(o.error_errno, EBADF) << o.error;
  EXPECT_EQ(o.error.rfind("engine reap on ", 0), 0u) << o.error;
  EXPECT_NE(o.error.find("requests in flight"), std::string::npos) << o.error;
  EXPECT_EQ(o.error.find("offset"), std::string::npos) << o.error;
  EXPECT_EQ(o.write_errors + o.flush_errors, 0u);
}

}  // namespace
}  // namespace durabench
