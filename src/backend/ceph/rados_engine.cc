// `rados`: each job's region is a row of 4 MiB objects PREFIX.<index> in the target's pool,
// written with rados_aio_write. See ceph_engines.h for what a flush means here.
#include <rados/librados.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "backend/ceph/ceph.h"
#include "backend/ceph/ceph_engines.h"
#include "engine/native_ops.h"

namespace durabench {
namespace {

constexpr uint32_t kMaxDepth = 256;

class RadosEngine final : public NativeEngineBase {
 public:
  ~RadosEngine() override { Close(); }
  const EngineCaps& caps() const override { return caps_; }

  Status Open(const std::string& path, const EngineOpenOptions& options) override {
    conn_ = dynamic_cast<CephConnection*>(options.connection);
    if (conn_ == nullptr || std::string(conn_->engine_name()) != "rados") {
      return Status::InvalidArgument("engine rados writes to a rados://POOL target only");
    }
    prefix_ = path;
    pool_.Init(options.iodepth + 1, this);
    return Status::Ok();
  }

  int Submit(IoRequest* req) override {
    NativeOp* op = pool_.Get();
    if (op == nullptr) return -EAGAIN;
    op->req = req;
    rados_completion_t c = nullptr;
    int r = rados_aio_create_completion2(op, &RadosEngine::OnComplete, &c);
    if (r < 0) {
      pool_.Put(op);
      return r;
    }
    op->completion = c;
    const rados_ioctx_t io = conn_->ioctx();
    if (req->type == IoType::kFlush) {
      r = rados_aio_flush_async(io, c);
    } else {
      const uint64_t object = req->offset / conn_->object_size();
      const uint64_t within = req->offset % conn_->object_size();
      if (within + req->length > conn_->object_size()) {
        r = -EINVAL;  // crosses an object boundary: the layout's block-size check prevents it
      } else {
        // librados copies the name; a stack buffer keeps Submit free of allocations.
        char name[256];
        std::snprintf(name, sizeof(name), "%s.%08" PRIx64, prefix_.c_str(), object);
        char* buf = static_cast<char*>(req->buf);
        r = req->type == IoType::kWrite ? rados_aio_write(io, name, c, buf, req->length, within)
                                        : rados_aio_read(io, name, c, buf, req->length, within);
      }
    }
    if (r < 0) {
      rados_aio_release(c);
      pool_.Put(op);
      return r;
    }
    ++pending_commit_;
    return kQueued;
  }

  void Close() override {
    Drain();
    conn_ = nullptr;
  }

 private:
  static void OnComplete(rados_completion_t, void* arg) {
    NativeOp* op = static_cast<NativeOp*>(arg);
    // The engine owning `op` is reached through the pool the op came from; Done() only queues.
    Owner(op)->pool_.Done(op);
  }
  static RadosEngine* Owner(NativeOp* op) { return static_cast<RadosEngine*>(op->owner); }

  int64_t Finish(NativeOp* op) override {
    auto c = static_cast<rados_completion_t>(op->completion);
    int64_t r = rados_aio_get_return_value(c);
    rados_aio_release(c);
    op->completion = nullptr;
    // rados_aio_write returns 0 on success; a read returns the bytes it read.
    if (r >= 0 && op->req->type == IoType::kWrite) r = op->req->length;
    return r;
  }

  int IssueFlush(NativeOp*) override { return -EOPNOTSUPP; }  // never asked: acked = durable

  EngineCaps caps_ = RadosEngineCaps();
  CephConnection* conn_ = nullptr;
  std::string prefix_;
};

}  // namespace

EngineCaps RadosEngineCaps() {
  EngineCaps caps;
  caps.inline_completion = false;
  caps.max_iodepth = kMaxDepth;
  caps.supports_direct = true;  // no client cache: direct changes nothing
  caps.linked_flush = false;
  caps.sync_methods = SyncMethodBit(SyncMethod::kNone) | SyncMethodBit(SyncMethod::kFsync) |
                      SyncMethodBit(SyncMethod::kFdatasync) | SyncMethodBit(SyncMethod::kOsync) |
                      SyncMethodBit(SyncMethod::kOdsync) | SyncMethodBit(SyncMethod::kRwfDsync) |
                      SyncMethodBit(SyncMethod::kRwfSync);
  return caps;
}

std::unique_ptr<Engine> NewRadosEngine() { return std::make_unique<RadosEngine>(); }

}  // namespace durabench
