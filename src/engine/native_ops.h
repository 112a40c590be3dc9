// What the native engines (rados, rbd, gfapi) share: a fixed pool of operations in flight, and
// the hand-over of completions from the client library's callback threads to the job's thread.
//
// librados, librbd and libgfapi complete asynchronous calls on threads of their own. Their
// callbacks only mark the operation done and push it onto a queue (a mutex and a condition
// variable; the vector is reserved up front, so a callback never allocates); the job's thread
// pops them in Reap(), where the library's result is read and its completion released.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "engine/engine.h"

namespace durabench {

struct NativeOp {
  IoRequest* req = nullptr;
  void* completion = nullptr;     // the library's completion handle (rados/rbd), or nullptr
  int64_t result = 0;             // set by the callback (gfapi) or read in Reap (rados/rbd)
  bool flush_after = false;       // O_SYNC emulation: a flush follows the write before it completes
  int64_t write_result = 0;       // the write's result while that flush runs
  IoType stage = IoType::kWrite;  // the call in flight (a write's O_SYNC flush: kFlush)
  void* owner = nullptr;          // the engine, for the library's callback
  NativeOp* next_free = nullptr;
};

class NativeOpPool {
 public:
  void Init(uint32_t n, void* owner) {
    ops_.assign(n, NativeOp{});
    for (NativeOp& op : ops_) op.owner = owner;
    done_.reserve(n);
    free_ = nullptr;
    for (uint32_t i = n; i-- > 0;) {
      ops_[i].next_free = free_;
      free_ = &ops_[i];
    }
    in_flight_ = 0;
  }
  // An unused operation, or nullptr when all are in flight.
  NativeOp* Get() {
    NativeOp* op = free_;
    if (op != nullptr) {
      free_ = op->next_free;
      op->next_free = nullptr;
      ++in_flight_;
    }
    return op;
  }
  void Put(NativeOp* op) {
    op->req = nullptr;
    op->result = 0;
    op->completion = nullptr;
    op->flush_after = false;
    op->next_free = free_;
    free_ = op;
    --in_flight_;
  }
  uint32_t in_flight() const { return in_flight_; }

  // Any thread: `op` finished. Notified under the lock: once the job thread has taken the last
  // operation it may close and destroy the engine (Drain), so the callback thread must not
  // touch cv_ after the mutex is released (notify outside the lock raced with ~NativeOpPool).
  void Done(NativeOp* op) {
    std::lock_guard<std::mutex> lock(mu_);
    done_.push_back(op);
    cv_.notify_one();
  }
  // Job thread: moves finished operations into `out` (up to `max`), waiting until there is at
  // least one when `wait`. Returns how many.
  uint32_t TakeDone(bool wait, uint32_t max, NativeOp** out) {
    std::unique_lock<std::mutex> lock(mu_);
    if (wait) cv_.wait(lock, [this] { return !done_.empty(); });
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(max, done_.size()));
    for (uint32_t i = 0; i < n; ++i) out[i] = done_[i];
    done_.erase(done_.begin(), done_.begin() + n);
    return n;
  }

 private:
  std::vector<NativeOp> ops_;
  NativeOp* free_ = nullptr;
  uint32_t in_flight_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<NativeOp*> done_;
};

// The Reap() of the native engines, with the O_SYNC emulation: a write marked flush_after is
// followed by a flush and handed back only when that completed, with the write's result (or the
// flush's error).
class NativeEngineBase : public Engine {
 public:
  int Commit() override {
    const int n = static_cast<int>(pending_commit_);
    pending_commit_ = 0;
    return n;
  }

  int Reap(uint32_t min, uint32_t max, IoRequest** out) override {
    uint32_t got = 0;
    NativeOp* batch[64];
    while (got < max) {
      const bool wait = got < min && pool_.in_flight() > 0;
      const uint32_t n = pool_.TakeDone(wait, std::min<uint32_t>(max - got, 64), batch);
      if (n == 0) {
        if (!wait) break;
        continue;
      }
      for (uint32_t i = 0; i < n; ++i) {
        NativeOp* op = batch[i];
        int64_t r = Finish(op);
        if (op->flush_after && r >= 0) {
          op->flush_after = false;
          op->write_result = r;
          const int f = IssueFlush(op);
          if (f == 0) continue;  // handed back when the flush completes
          r = f;
        } else if (op->write_result > 0 && r >= 0) {
          r = op->write_result;  // the flush of an O_SYNC write succeeded
        }
        op->req->result = r;
        out[got++] = op->req;
        op->write_result = 0;
        pool_.Put(op);
      }
    }
    return static_cast<int>(got);
  }

 protected:
  // The operation's result (bytes, 0 for a flush, or -errno); releases the library's handle.
  virtual int64_t Finish(NativeOp* op) = 0;
  // Issues a flush for `op` (whose write completed); 0 or -errno.
  virtual int IssueFlush(NativeOp* op) = 0;

  // Waits for every operation in flight and discards them (Close()).
  void Drain() {
    NativeOp* batch[64];
    while (pool_.in_flight() > 0) {
      const uint32_t n = pool_.TakeDone(true, 64, batch);
      for (uint32_t i = 0; i < n; ++i) {
        NativeOp* op = batch[i];
        Finish(op);
        if (op->flush_after) {  // its flush never started: the write is all there is
          op->flush_after = false;
        }
        op->write_result = 0;
        pool_.Put(op);
      }
    }
  }

  NativeOpPool pool_;
  uint32_t pending_commit_ = 0;
};

}  // namespace durabench
