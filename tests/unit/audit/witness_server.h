// The audit unit tests' witness: a real `durabench witness` server (RunWitnessServer) in a
// thread of the test.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "audit/witness.h"
#include "util/status.h"

namespace durabench::testing {

// A witness server on 127.0.0.1 (a free port) in a thread, until Stop() or destruction;
// address() is known once the constructor returns, status() once it stopped.
class WitnessServerThread {
 public:
  explicit WitnessServerThread(const std::string& dir) {
    options_.listen = "127.0.0.1:0";
    options_.dir = dir;
    options_.stop = &stop_;
    options_.ready = [](const std::string& address, void* self) {
      auto* s = static_cast<WitnessServerThread*>(self);
      std::lock_guard<std::mutex> lock(s->mu_);
      s->address_ = address;
      s->cv_.notify_all();
    };
    options_.ready_arg = this;
    thread_ = std::thread([this] { status_ = RunWitnessServer(options_); });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !address_.empty(); });
  }
  ~WitnessServerThread() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const std::string& address() const { return address_; }
  const Status& status() const { return status_; }

 private:
  WitnessServerOptions options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string address_;
  Status status_;
};

}  // namespace durabench::testing
