// `null`: completes every request at once without a system call. What it measures is the cost
// of durabench itself per operation (offset generation, clock reads, histogram updates).
#pragma once

#include "engine/engine.h"

namespace durabench {

class NullEngine final : public Engine {
 public:
  static EngineCaps Caps();
  const EngineCaps& caps() const override { return caps_; }
  Status Open(const std::string& path, const EngineOpenOptions& options) override;
  int Submit(IoRequest* req) override {
    req->result = req->type == IoType::kFlush ? 0 : static_cast<int64_t>(req->length);
    return kCompleted;
  }
  void Close() override {}

 private:
  EngineCaps caps_ = Caps();
};

}  // namespace durabench
